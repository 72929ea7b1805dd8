//! Which of the recipe's choices an error is about. The core names the field; each front
//! end words it: the CLI as its flag (`--cuda`), the wizard by highlighting the control.

use serde::Serialize;
use ts_rs::TS;

use super::grammar::GrammarError;
use super::versions::VersionError;
use super::RecipeError;

/// One of the choices a recipe is made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "../ui/src/bindings/", rename = "RecipeField")]
pub enum Field {
    /// The framework.
    Framework,
    /// The framework's release.
    FrameworkVersion,
    /// CPU or GPU.
    Target,
    /// The CUDA version.
    Cuda,
    /// The Python version.
    Python,
    /// Extra Debian packages.
    Apt,
    /// Extra pip requirements.
    Pip,
    /// Dataset mounts.
    Mounts,
    /// VS Code extensions.
    Extensions,
    /// The base image.
    BaseImage,
    /// The package index.
    IndexUrl,
    /// Extra wheel locations.
    FindLinks,
    /// Installing without an index.
    NoIndex,
    /// The extra CA certificate.
    CaCert,
    /// The driver given in place of the detected one.
    Driver,
}

impl RecipeError {
    /// The choice this error is about, when it is about one.
    pub fn field(&self) -> Option<Field> {
        match self {
            Self::Invalid(grammar) => Some(grammar.field()),
            Self::Version(VersionError::NotMajorMinor { what, .. }) => match *what {
                "CUDA" => Some(Field::Cuda),
                "Python" => Some(Field::Python),
                _ => None,
            },
            Self::Version(VersionError::NotDriver { .. }) => Some(Field::Driver),
            Self::UnknownChoice { what, .. } => match *what {
                "framework" => Some(Field::Framework),
                "target" => Some(Field::Target),
                _ => None,
            },
            Self::UnknownRelease { .. } | Self::VersionWithoutFramework { .. } => {
                Some(Field::FrameworkVersion)
            }
            Self::UnknownPython { .. } | Self::PythonUnsupported { .. } => Some(Field::Python),
            Self::UnknownCuda { .. }
            | Self::NoGpuBuild { .. }
            | Self::Refused { .. }
            | Self::CudaForCpu { .. } => Some(Field::Cuda),
            Self::FrameworkPackage { .. } | Self::DuplicatePackage { .. } => Some(Field::Pip),
            Self::MountOverEnvironment { .. } | Self::DuplicateMount { .. } => Some(Field::Mounts),
            Self::NoIndexWithoutFindLinks => Some(Field::NoIndex),
            Self::Table(_) | Self::NothingFits { .. } | Self::Render(_) | Self::Write(_) => None,
        }
    }
}

impl GrammarError {
    /// The choice whose value breaks its grammar.
    pub fn field(&self) -> Field {
        match self {
            Self::AptPackage { .. } => Field::Apt,
            Self::PipRequirement { .. } => Field::Pip,
            Self::ImageRef { .. } => Field::BaseImage,
            Self::ContainerPath { .. } | Self::HostPath { .. } | Self::Mount { .. } => {
                Field::Mounts
            }
            Self::ExtensionId { .. } => Field::Extensions,
            Self::IndexUrl { .. } => Field::IndexUrl,
            Self::FindLinks { .. } => Field::FindLinks,
            Self::CaCertificate { .. } => Field::CaCert,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::RecipeRequest;

    fn refused(request: RecipeRequest) -> RecipeError {
        request
            .to_choices()
            .expect_err("the request should be refused")
    }

    #[test]
    fn each_refusal_names_its_field_and_no_flag() {
        let cases = [
            (
                RecipeRequest {
                    target: Some("cpu".into()),
                    cuda: Some("12.4".into()),
                    ..RecipeRequest::default()
                },
                Field::Cuda,
            ),
            (
                RecipeRequest {
                    python: Some("three".into()),
                    ..RecipeRequest::default()
                },
                Field::Python,
            ),
            (
                RecipeRequest {
                    target: Some("tpu".into()),
                    ..RecipeRequest::default()
                },
                Field::Target,
            ),
            (
                RecipeRequest {
                    apt: vec!["Bad_Name".into()],
                    ..RecipeRequest::default()
                },
                Field::Apt,
            ),
        ];
        for (request, field) in cases {
            let err = refused(request);
            assert_eq!(err.field(), Some(field), "{err}");
            let message = err.to_string();
            assert!(
                !message.contains("--"),
                "a core message names a flag: {message}"
            );
        }
    }
}
