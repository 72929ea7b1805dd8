//! The wizard's choices, each value already parsed, and the target a recipe builds for.

use super::compat::Framework;
use super::driver::DriverInfo;
use super::grammar::{
    AptPackage, CaCertificate, DatasetMount, ExtensionId, FindLinks, ImageRef, IndexUrl,
    PipRequirement,
};
use super::versions::{CudaVersion, PythonVersion};

/// What to build for: the CPU, or NVIDIA GPUs with a CUDA version (picked when `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetChoice {
    /// The CPU only.
    Cpu,
    /// NVIDIA GPUs; the newest CUDA the framework has and the driver runs when `cuda` is
    /// `None`.
    Gpu {
        /// The CUDA version asked for.
        cuda: Option<CudaVersion>,
    },
}

/// The resolved target of a recipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The CPU only.
    Cpu,
    /// NVIDIA GPUs with this CUDA version.
    Gpu {
        /// The CUDA version.
        cuda: CudaVersion,
    },
}

impl Target {
    /// The Dockerfile stage (build target): `cpu` or `gpu`.
    pub fn stage(self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
            Self::Gpu { .. } => "gpu",
        }
    }

    /// The CUDA version, for GPU targets.
    pub fn cuda(self) -> Option<CudaVersion> {
        match self {
            Self::Cpu => None,
            Self::Gpu { cuda } => Some(cuda),
        }
    }
}

/// pip's sources: a mirror, extra wheel locations, no index at all, an extra CA.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PipOptions {
    /// Replaces PyPI (a university mirror).
    pub index_url: Option<IndexUrl>,
    /// Extra places to find wheels.
    pub find_links: Vec<FindLinks>,
    /// Install only from `find_links` (offline).
    pub no_index: bool,
    /// An extra CA certificate for a TLS-intercepting proxy or mirror.
    pub ca_cert: Option<CaCertificate>,
}

/// The wizard's choices, each value parsed; whatever is `None` or empty gets a default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choices {
    /// The framework.
    pub framework: Framework,
    /// The framework release; the newest that fits the other choices when `None`.
    pub framework_version: Option<String>,
    /// CPU or GPU.
    pub target: TargetChoice,
    /// The Python version; 3.11 when the framework supports it, else its newest.
    pub python: Option<PythonVersion>,
    /// Extra Debian packages.
    pub apt: Vec<AptPackage>,
    /// Extra pip packages, pinned or not.
    pub pip: Vec<PipRequirement>,
    /// Dataset folders to mount.
    pub datasets: Vec<DatasetMount>,
    /// Extra VS Code extensions.
    pub extensions: Vec<ExtensionId>,
    /// Replaces the base image the table gives.
    pub base_image: Option<ImageRef>,
    /// pip's sources.
    pub pip_options: PipOptions,
    /// What is known about the host's driver; GPU targets are limited to what it runs.
    pub driver: DriverInfo,
}

impl Default for Choices {
    /// PyTorch on the GPU with every other choice left to the table.
    fn default() -> Self {
        Self {
            framework: Framework::DEFAULT,
            framework_version: None,
            target: TargetChoice::Gpu { cuda: None },
            python: None,
            apt: Vec::new(),
            pip: Vec::new(),
            datasets: Vec::new(),
            extensions: Vec::new(),
            base_image: None,
            pip_options: PipOptions::default(),
            driver: DriverInfo::default(),
        }
    }
}
