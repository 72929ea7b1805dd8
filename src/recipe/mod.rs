//! Recipes: the wizard's choices, the compatibility table, and rendering a Recipe into
//! the `.devcontainer/` files.
//!
//! The flow is the same for `berth new` and the window: the user's [`Choices`] (each value
//! already parsed by its [`grammar`]) are resolved against the [`CompatTable`] and the
//! [`DriverInfo`] into a [`Recipe`], where every default is filled in and every combination
//! is one the table allows; [`render`] turns it into files, and [`write`] puts them into a
//! project without ever overwriting silently. [`new_project`] does all three. What the
//! table offers a machine before anything is chosen (`berth recipes`, the wizard's greyed
//! out choices and their reasons) is an [`Offer`], decided by the same rules.

mod choice;
pub mod compat;
pub mod driver;
mod error;
mod extras;
mod field;
pub mod grammar;
mod name;
mod offer;
mod preview;
mod render;
mod request;
mod resolve;
mod shell;
pub mod versions;
mod write;

use std::path::Path;

pub use choice::{Choices, PipOptions, Target, TargetChoice};
pub use compat::{
    CompatError, CompatTable, CudaRow, Framework, FrameworkRow, GpuBuild, ImageKind, Install,
    PythonRow,
};
pub use driver::{DriverInfo, Refusal};
pub use error::RecipeError;
pub use field::Field;
pub use grammar::{
    AptPackage, CaCertificate, ContainerPath, DatasetMount, ExtensionId, FindLinks, GrammarError,
    HostPath, ImageRef, IndexUrl, PipRequirement,
};
pub use name::{project_name, slug};
pub use offer::{CudaOffer, FrameworkOffer, GpuOffer, Offer};
pub use preview::preview_project;
pub use render::{render, RenderError, RenderedFile, RenderedFiles};
pub use request::RecipeRequest;
pub use resolve::Recipe;
pub use versions::{CudaVersion, DriverVersion, PythonVersion, VersionError};
pub use write::{write, FileChange, FileReport, WriteError, WriteReport};

/// The non-root user every recipe's image has (the Dev Containers convention).
pub const USER: &str = "vscode";
/// The virtual environment the framework is installed into.
pub const VENV: &str = "/opt/venv";
/// Packages every image gets (only those the base image lacks are installed): TLS roots,
/// git for VS Code's source control, sudo for the user.
pub const BASE_APT_PACKAGES: [&str; 3] = ["ca-certificates", "git", "sudo"];
/// VS Code extensions every recipe installs in the container.
pub const DEFAULT_EXTENSIONS: [&str; 2] = ["ms-python.python", "ms-toolsai.jupyter"];
/// The Python version when none is chosen and the framework supports it.
pub const DEFAULT_PYTHON: PythonVersion = PythonVersion::new(3, 11);

/// Resolve `choices` for the project folder `dir`, render the recipe and write it into
/// `dir/.devcontainer/` (see [`write`] for what happens to existing files). The project's
/// name is the folder's name.
///
/// # Errors
///
/// When the choices do not resolve, the table is broken, or the files cannot be written.
/// Existing files that differ without `force` are not an error: the report lists them with
/// their diffs and nothing is written.
pub fn new_project(
    dir: &Path,
    choices: &Choices,
    force: bool,
) -> Result<(Recipe, WriteReport), RecipeError> {
    let table = CompatTable::builtin()?;
    let recipe = Recipe::resolve(table, &project_name(dir), choices)?;
    let files = render(&recipe)?;
    let report = write(dir, &files, force)?;
    Ok((recipe, report))
}
