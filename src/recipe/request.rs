//! A recipe request as the wizard and `berth new` send it: plain strings, each parsed and
//! checked here, defaults filled from the table. The window's IPC and `--json` share this
//! type (it has the JSON shape already, so `json/` re-exports it rather than mirroring it).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{grammar, Choices, DriverInfo, Framework, PipOptions, RecipeError, TargetChoice};
use crate::recipe;

/// The wizard's choices as the window and `berth new` send them: plain strings, each
/// parsed and checked by the core. Empty or missing fields get the table's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct RecipeRequest {
    /// `pytorch`, `jax`, `tensorflow` or `none`; PyTorch when missing.
    pub framework: Option<String>,
    /// A release from the table, e.g. `2.5.1`; the newest that fits when missing.
    pub framework_version: Option<String>,
    /// `cpu` or `gpu`; GPU when missing.
    pub target: Option<String>,
    /// A CUDA version such as `12.4`; implies the GPU target.
    pub cuda: Option<String>,
    /// A Python version such as `3.11`.
    pub python: Option<String>,
    /// Extra Debian packages.
    pub apt: Vec<String>,
    /// Extra pip requirements (PEP 508).
    pub pip: Vec<String>,
    /// Dataset mounts, `HOST:CONTAINER[:ro]`.
    pub mounts: Vec<String>,
    /// Extra VS Code extension ids.
    pub extensions: Vec<String>,
    /// An image to build on instead of the table's.
    pub base_image: Option<String>,
    /// A package index replacing PyPI (a mirror).
    pub index_url: Option<String>,
    /// Extra wheel locations: URLs, or folders inside the project.
    pub find_links: Vec<String>,
    /// Install only from `find_links`.
    pub no_index: bool,
    /// The path of an extra CA certificate (PEM) to trust.
    pub ca_cert: Option<String>,
    /// Overrides the detected driver: the newest CUDA version it supports, e.g. `12.2`.
    /// The window leaves it empty; the core reads the driver itself.
    pub driver_cuda: Option<String>,
    /// Overrides the detected NVIDIA driver version, e.g. `535.104.05`.
    pub driver_version: Option<String>,
}

/// A value is "given" when it has something besides whitespace.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Parse each string of `values` into `T`.
fn parse_all<T>(values: &[String]) -> Result<Vec<T>, RecipeError>
where
    T: std::str::FromStr<Err = grammar::GrammarError>,
{
    values
        .iter()
        .filter(|value| !value.trim().is_empty())
        .map(|value| value.parse::<T>().map_err(RecipeError::from))
        .collect()
}

impl RecipeRequest {
    /// Parse every field into the core's [`Choices`] (reading the CA certificate file).
    ///
    /// # Errors
    ///
    /// The first value that breaks its grammar, naming the value and the rule.
    pub fn to_choices(&self) -> Result<Choices, RecipeError> {
        let framework = match given(&self.framework) {
            None => Framework::DEFAULT,
            Some(text) => text
                .parse::<Framework>()
                .map_err(|_| RecipeError::UnknownChoice {
                    what: "framework",
                    value: text.to_owned(),
                    expected: "pytorch, jax, tensorflow or none".to_owned(),
                })?,
        };
        let cuda = given(&self.cuda)
            .map(str::parse::<recipe::CudaVersion>)
            .transpose()?;
        let target = match given(&self.target).map(str::to_ascii_lowercase).as_deref() {
            None | Some("gpu") => TargetChoice::Gpu { cuda },
            Some("cpu") => match cuda {
                Some(cuda) => return Err(RecipeError::CudaForCpu { cuda }),
                None => TargetChoice::Cpu,
            },
            Some(other) => {
                return Err(RecipeError::UnknownChoice {
                    what: "target",
                    value: other.to_owned(),
                    expected: "cpu or gpu".to_owned(),
                })
            }
        };
        let python = given(&self.python)
            .map(str::parse::<recipe::PythonVersion>)
            .transpose()?;
        let driver = DriverInfo::given_or_detected(
            given(&self.driver_version)
                .map(str::parse::<recipe::DriverVersion>)
                .transpose()?,
            given(&self.driver_cuda)
                .map(str::parse::<recipe::CudaVersion>)
                .transpose()?,
        );
        let ca_cert = given(&self.ca_cert)
            .map(|path| grammar::CaCertificate::read(std::path::Path::new(path)))
            .transpose()?;
        Ok(Choices {
            framework,
            framework_version: given(&self.framework_version).map(str::to_owned),
            target,
            python,
            apt: parse_all(&self.apt)?,
            pip: parse_all(&self.pip)?,
            datasets: parse_all(&self.mounts)?,
            extensions: parse_all(&self.extensions)?,
            base_image: given(&self.base_image)
                .map(str::parse::<grammar::ImageRef>)
                .transpose()?,
            pip_options: PipOptions {
                index_url: given(&self.index_url)
                    .map(str::parse::<grammar::IndexUrl>)
                    .transpose()?,
                find_links: parse_all(&self.find_links)?,
                no_index: self.no_index,
                ca_cert,
            },
            driver,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_with_only_defaults_is_pytorch_on_the_gpu() {
        let choices = RecipeRequest::default().to_choices().unwrap();
        assert_eq!(choices, Choices::default());
    }

    #[test]
    fn a_request_deserialises_from_partial_json() {
        let request: RecipeRequest = serde_json::from_value(serde_json::json!({
            "framework": "jax",
            "cuda": "12.4",
            "pip": ["optax==0.2.4"]
        }))
        .unwrap();
        let choices = request.to_choices().unwrap();
        assert_eq!(choices.framework, Framework::Jax);
        assert_eq!(
            choices.target,
            TargetChoice::Gpu {
                cuda: Some("12.4".parse().unwrap())
            }
        );
        assert_eq!(choices.pip[0].as_str(), "optax==0.2.4");
    }

    #[test]
    fn cuda_with_a_cpu_target_and_unknown_words_are_refused() {
        let request = RecipeRequest {
            target: Some("cpu".into()),
            cuda: Some("12.4".into()),
            ..RecipeRequest::default()
        };
        assert!(matches!(
            request.to_choices(),
            Err(RecipeError::CudaForCpu { .. })
        ));
        let request = RecipeRequest {
            target: Some("tpu".into()),
            ..RecipeRequest::default()
        };
        let message = request.to_choices().unwrap_err().to_string();
        assert_eq!(message, "unknown target 'tpu': expected cpu or gpu");
    }
}
