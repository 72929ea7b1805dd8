//! The one error of recipes: a choice the table or the driver does not allow, a value that
//! breaks its grammar, or a project that cannot be rendered or written.

use super::compat::{CompatError, Framework};
use super::driver::Refusal;
use super::grammar::GrammarError;
use super::render::RenderError;
use super::versions::{CudaVersion, PythonVersion, VersionError};
use super::write::WriteError;

/// A recipe the table or the driver does not allow, or a project that cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum RecipeError {
    /// The compatibility table itself is broken.
    #[error(transparent)]
    Table(#[from] CompatError),
    /// A value breaks its grammar.
    #[error(transparent)]
    Invalid(#[from] GrammarError),
    /// A version number is malformed.
    #[error(transparent)]
    Version(#[from] VersionError),
    /// A choice is not one of the allowed words.
    #[error("unknown {what} '{value}': expected {expected}")]
    UnknownChoice {
        /// What was chosen, e.g. "target".
        what: &'static str,
        /// The value given.
        value: String,
        /// The allowed values.
        expected: String,
    },
    /// The framework release is not in the table.
    #[error(
        "{framework} {version} is not in Berth's compatibility table; known releases: {known}"
    )]
    UnknownRelease {
        /// The framework.
        framework: Framework,
        /// The release asked for.
        version: String,
        /// The releases the table has.
        known: String,
    },
    /// "No framework" has no release to pick.
    #[error("framework version '{version}' needs a framework: 'no framework' has no versions; choose a framework or leave the version empty")]
    VersionWithoutFramework {
        /// The version given.
        version: String,
    },
    /// The Python version is not in the table.
    #[error("Python {python} is not in Berth's compatibility table; known versions: {known}")]
    UnknownPython {
        /// The version asked for.
        python: PythonVersion,
        /// The versions the table has.
        known: String,
    },
    /// The framework release has no wheels for the Python version.
    #[error("{release} has no wheels for Python {python}; it supports Python {supported}")]
    PythonUnsupported {
        /// e.g. "PyTorch 2.4.1".
        release: String,
        /// The version asked for.
        python: PythonVersion,
        /// The versions it supports.
        supported: String,
    },
    /// The CUDA version is not in the table.
    #[error("CUDA {cuda} is not in Berth's compatibility table; known versions: {known}")]
    UnknownCuda {
        /// The version asked for.
        cuda: CudaVersion,
        /// The versions the table has.
        known: String,
    },
    /// The framework release has no build for the CUDA version.
    #[error("{release} has no CUDA {cuda} build; its GPU builds are CUDA {builds}")]
    NoGpuBuild {
        /// e.g. "PyTorch 2.5.1".
        release: String,
        /// The version asked for.
        cuda: CudaVersion,
        /// The CUDA versions it has builds for.
        builds: String,
    },
    /// The driver cannot run the CUDA version asked for.
    #[error("{refusal}. CUDA versions this machine runs: {offered}")]
    Refused {
        /// Why not.
        refusal: Refusal,
        /// What would work instead.
        offered: String,
    },
    /// Nothing in the table fits the choices.
    #[error("no {what} fits: {why}")]
    NothingFits {
        /// What was looked for, e.g. "PyTorch release".
        what: String,
        /// Why each candidate was ruled out.
        why: String,
    },
    /// A CUDA version was given for a CPU recipe.
    #[error("CUDA {cuda} was given for a CPU recipe: leave the CUDA version empty, or choose the GPU target")]
    CudaForCpu {
        /// The version given.
        cuda: CudaVersion,
    },
    /// A pip package the framework already pins.
    #[error("pip package '{package}' is installed by the recipe as '{pinned}': choose its version as the framework version instead of as a pip package")]
    FrameworkPackage {
        /// The package given with --pip.
        package: String,
        /// The framework's own pin.
        pinned: String,
    },
    /// The same pip package twice.
    #[error("pip package '{package}' is given twice: '{first}' and '{second}'")]
    DuplicatePackage {
        /// The normalised name.
        package: String,
        /// The first requirement.
        first: String,
        /// The second requirement.
        second: String,
    },
    /// A dataset mounted where the recipe keeps something else.
    #[error("dataset mount target '{target}' is inside {taken}, which the environment needs; mount it elsewhere, e.g. /datasets/…")]
    MountOverEnvironment {
        /// The mount target.
        target: String,
        /// What it would hide.
        taken: String,
    },
    /// Two datasets mounted at the same place.
    #[error("two datasets are mounted at '{target}'")]
    DuplicateMount {
        /// The mount target.
        target: String,
    },
    /// `--no-index` without anywhere to look.
    #[error("installing without a package index needs find-links locations: without an index, pip installs only from them")]
    NoIndexWithoutFindLinks,
    /// Rendering failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// Writing the project failed.
    #[error(transparent)]
    Write(#[from] WriteError),
}
