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

pub mod compat;
pub mod driver;
mod field;
pub mod grammar;
mod offer;
mod render;
mod request;
mod shell;
pub mod versions;
mod write;

use std::path::Path;

pub use compat::{
    CompatError, CompatTable, CudaRow, Framework, FrameworkRow, GpuBuild, ImageKind, Install,
    PythonRow,
};
pub use driver::{DriverInfo, Refusal};
pub use field::Field;
pub use grammar::{
    AptPackage, CaCertificate, ContainerPath, DatasetMount, ExtensionId, FindLinks, GrammarError,
    HostPath, ImageRef, IndexUrl, PipRequirement,
};
pub use offer::{CudaOffer, FrameworkOffer, GpuOffer, Offer};
pub use render::{render, RenderError, RenderedFile, RenderedFiles};
pub use request::RecipeRequest;
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

/// A complete, consistent recipe: every default filled in from the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipe {
    /// The project's name, e.g. its folder name.
    pub project: String,
    /// The project's name for Docker object names: `berth-<slug>-…`.
    pub slug: String,
    /// The framework.
    pub framework: Framework,
    /// The framework release (none for "no framework").
    pub release: Option<FrameworkRow>,
    /// CPU or GPU with a CUDA version.
    pub target: Target,
    /// The CUDA release of a GPU target.
    pub cuda: Option<CudaRow>,
    /// The Python version.
    pub python: PythonVersion,
    /// The image the Dockerfile starts from (`ARG BASE_IMAGE`).
    pub base_image: ImageRef,
    /// True when the user chose `base_image` instead of the table.
    pub base_image_chosen: bool,
    /// How the framework is installed for this target (none for "no framework").
    pub install: Option<Install>,
    /// Debian packages: [`BASE_APT_PACKAGES`], then the user's.
    pub apt: Vec<AptPackage>,
    /// The user's pip packages.
    pub pip: Vec<PipRequirement>,
    /// Dataset folders to mount.
    pub datasets: Vec<DatasetMount>,
    /// VS Code extensions: [`DEFAULT_EXTENSIONS`], then the user's.
    pub extensions: Vec<ExtensionId>,
    /// pip's sources.
    pub pip_options: PipOptions,
}

impl Recipe {
    /// Resolve `choices` for the project `project` against `table`: fill in every default,
    /// and refuse any combination the table or the driver does not allow, saying why.
    ///
    /// # Errors
    ///
    /// A [`RecipeError`] naming the choice and what would work instead.
    pub fn resolve(
        table: &CompatTable,
        project: &str,
        choices: &Choices,
    ) -> Result<Recipe, RecipeError> {
        if let Some(python) = choices.python {
            if table.python(python).is_none() {
                return Err(RecipeError::UnknownPython {
                    python,
                    known: list(table.python.iter().map(|row| row.version)),
                });
            }
        }
        let explicit_cuda = match choices.target {
            TargetChoice::Gpu { cuda: Some(cuda) } => Some(gate(table, &choices.driver, cuda)?),
            _ => None,
        };
        let (release, target) = match choices.framework {
            Framework::None => {
                if let Some(version) = &choices.framework_version {
                    return Err(RecipeError::VersionWithoutFramework {
                        version: version.clone(),
                    });
                }
                let target = match (choices.target, explicit_cuda) {
                    (TargetChoice::Cpu, _) => Target::Cpu,
                    (_, Some(row)) => Target::Gpu { cuda: row.version },
                    (TargetChoice::Gpu { .. }, None) => Target::Gpu {
                        cuda: newest_runnable(
                            table,
                            &choices.driver,
                            table.cuda.iter().map(|r| r.version),
                        )
                        .ok_or_else(|| nothing_runs(table, &choices.driver, "CUDA version"))?,
                    },
                };
                (None, target)
            }
            framework => {
                let release = pick_release(table, framework, choices)?;
                let target = match choices.target {
                    TargetChoice::Cpu => Target::Cpu,
                    TargetChoice::Gpu { cuda: Some(cuda) } => Target::Gpu { cuda },
                    TargetChoice::Gpu { cuda: None } => Target::Gpu {
                        cuda: newest_runnable(
                            table,
                            &choices.driver,
                            release.gpu.iter().map(|build| build.cuda),
                        )
                        .ok_or_else(|| {
                            nothing_runs(
                                table,
                                &choices.driver,
                                &format!("{} GPU build", release.label()),
                            )
                        })?,
                    },
                };
                (Some(release.clone()), target)
            }
        };
        let python = match choices.python {
            Some(python) => python,
            None => {
                let supported: Vec<PythonVersion> = match &release {
                    Some(row) => row.python.clone(),
                    None => table.python.iter().map(|row| row.version).collect(),
                };
                if supported.contains(&DEFAULT_PYTHON) {
                    DEFAULT_PYTHON
                } else {
                    supported.last().copied().unwrap_or(DEFAULT_PYTHON)
                }
            }
        };
        let cuda = target.cuda().and_then(|cuda| table.cuda(cuda)).cloned();
        let install = release.as_ref().and_then(|row| match target {
            Target::Cpu => Some(row.cpu.clone()),
            Target::Gpu { cuda } => row.gpu_build(cuda).map(|build| build.install.clone()),
        });
        let (base_image, base_image_chosen) = match &choices.base_image {
            Some(image) => (image.clone(), true),
            None => {
                let image = match (&cuda, &release) {
                    (Some(cuda), Some(row)) => cuda.image(row.gpu_image).clone(),
                    (Some(cuda), None) => cuda.image(table.none_gpu_image).clone(),
                    (None, _) => table
                        .python(python)
                        .map(|row| row.cpu_image.clone())
                        .ok_or_else(|| RecipeError::UnknownPython {
                            python,
                            known: list(table.python.iter().map(|row| row.version)),
                        })?,
                };
                (image, false)
            }
        };
        let pip = check_pip(&choices.pip, install.as_ref())?;
        let datasets = check_datasets(&choices.datasets)?;
        if choices.pip_options.no_index && choices.pip_options.find_links.is_empty() {
            return Err(RecipeError::NoIndexWithoutFindLinks);
        }
        Ok(Recipe {
            project: display_name(project),
            slug: slug(project),
            framework: choices.framework,
            release,
            target,
            cuda,
            python,
            base_image,
            base_image_chosen,
            install,
            apt: apt_packages(&choices.apt),
            pip,
            datasets,
            extensions: extensions(&choices.extensions),
            pip_options: choices.pip_options.clone(),
        })
    }

    /// One line naming what the recipe builds: "PyTorch 2.9.1, CUDA 12.8, Python 3.11".
    pub fn summary(&self) -> String {
        let framework = match &self.release {
            Some(row) => row.label(),
            None => "No framework".to_owned(),
        };
        let target = match self.target {
            Target::Cpu => "CPU".to_owned(),
            Target::Gpu { cuda } => format!("CUDA {cuda}"),
        };
        format!("{framework}, {target}, Python {}", self.python)
    }

    /// The named volume mounted at the user's `~/.local`, as devcontainer.json writes it:
    /// `berth-<slug>-${devcontainerId}-local`. The id (which VS Code, the devcontainer CLI
    /// and Berth all compute from the project's path) keeps two projects with the same
    /// folder name, or two clones of one course repository, from sharing packages.
    pub fn package_volume(&self) -> String {
        format!("berth-{}-${{devcontainerId}}-local", self.slug)
    }
}

/// Check that the driver runs CUDA `cuda` and that the table has it.
fn gate<'t>(
    table: &'t CompatTable,
    driver: &DriverInfo,
    cuda: CudaVersion,
) -> Result<&'t CudaRow, RecipeError> {
    let row = table.cuda(cuda).ok_or_else(|| RecipeError::UnknownCuda {
        cuda,
        known: list(table.cuda.iter().map(|row| row.version)),
    })?;
    driver.runs(row).map_err(|refusal| RecipeError::Refused {
        refusal,
        offered: offered_list(table, driver),
    })?;
    Ok(row)
}

/// The CUDA versions the driver runs, for messages: "11.8, 12.1" or "none".
fn offered_list(table: &CompatTable, driver: &DriverInfo) -> String {
    let offered: Vec<CudaVersion> = table
        .cuda
        .iter()
        .filter(|row| driver.runs(row).is_ok())
        .map(|row| row.version)
        .collect();
    if offered.is_empty() {
        "none (use --target cpu, or update the NVIDIA driver)".to_owned()
    } else {
        list(offered)
    }
}

/// The newest of `candidates` the driver runs.
fn newest_runnable(
    table: &CompatTable,
    driver: &DriverInfo,
    candidates: impl Iterator<Item = CudaVersion>,
) -> Option<CudaVersion> {
    candidates
        .filter(|cuda| {
            table
                .cuda(*cuda)
                .is_some_and(|row| driver.runs(row).is_ok())
        })
        .max()
}

/// The error for "the driver runs none of these", with each refusal.
fn nothing_runs(table: &CompatTable, driver: &DriverInfo, what: &str) -> RecipeError {
    let newest = table
        .cuda
        .iter()
        .filter_map(|row| driver.runs(row).err())
        .next();
    RecipeError::NothingFits {
        what: format!("{what} for this machine"),
        why: match newest {
            Some(refusal) => format!(
                "{refusal}; CUDA versions this machine runs: {}",
                offered_list(table, driver)
            ),
            None => "the table has no CUDA versions".to_owned(),
        },
    }
}

/// The newest release of `framework` that fits the Python version, CUDA version and driver
/// chosen, or the exact release asked for (refused with the reason when it does not fit).
fn pick_release<'t>(
    table: &'t CompatTable,
    framework: Framework,
    choices: &Choices,
) -> Result<&'t FrameworkRow, RecipeError> {
    let known = || list(table.releases(framework).map(|row| row.version.clone()));
    if let Some(version) = &choices.framework_version {
        let row = table
            .release(framework, version)
            .ok_or_else(|| RecipeError::UnknownRelease {
                framework,
                version: version.trim().to_owned(),
                known: known(),
            })?;
        return fits(table, row, choices).map(|()| row);
    }
    let mut why = Vec::new();
    for row in table
        .releases(framework)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        match fits(table, row, choices) {
            Ok(()) => return Ok(row),
            Err(err) => why.push(err.to_string()),
        }
    }
    Err(RecipeError::NothingFits {
        what: format!("{framework} release"),
        why: why.join("; "),
    })
}

/// Whether `row` fits the Python version, target and driver chosen.
fn fits(table: &CompatTable, row: &FrameworkRow, choices: &Choices) -> Result<(), RecipeError> {
    if let Some(python) = choices.python {
        if !row.supports_python(python) {
            return Err(RecipeError::PythonUnsupported {
                release: row.label(),
                python,
                supported: list(row.python.iter()),
            });
        }
    }
    match choices.target {
        TargetChoice::Cpu => Ok(()),
        TargetChoice::Gpu { cuda: Some(cuda) } => {
            if row.gpu_build(cuda).is_some() {
                Ok(())
            } else {
                Err(RecipeError::NoGpuBuild {
                    release: row.label(),
                    cuda,
                    builds: list(row.gpu.iter().map(|build| build.cuda)),
                })
            }
        }
        TargetChoice::Gpu { cuda: None } => {
            let runnable = row.gpu.iter().any(|build| {
                table
                    .cuda(build.cuda)
                    .is_some_and(|cuda| choices.driver.runs(cuda).is_ok())
            });
            if runnable {
                Ok(())
            } else {
                let oldest = row
                    .gpu
                    .iter()
                    .filter_map(|build| table.cuda(build.cuda))
                    .find_map(|cuda| choices.driver.runs(cuda).err());
                Err(RecipeError::NothingFits {
                    what: format!("{} GPU build for this machine", row.label()),
                    why: oldest.map_or_else(
                        || "it has no GPU builds".to_owned(),
                        |refusal| refusal.to_string(),
                    ),
                })
            }
        }
    }
}

/// The user's pip packages, refusing duplicates and packages the framework pins.
fn check_pip(
    pip: &[PipRequirement],
    install: Option<&Install>,
) -> Result<Vec<PipRequirement>, RecipeError> {
    let pinned = install
        .map(|install| install.requirements.as_slice())
        .unwrap_or_default();
    let mut seen: Vec<&PipRequirement> = Vec::new();
    for requirement in pip {
        if let Some(pin) = pinned.iter().find(|pin| pin.name() == requirement.name()) {
            return Err(RecipeError::FrameworkPackage {
                package: requirement.as_str().to_owned(),
                pinned: pin.as_str().to_owned(),
            });
        }
        if let Some(first) = seen.iter().find(|r| r.name() == requirement.name()) {
            return Err(RecipeError::DuplicatePackage {
                package: requirement.name().to_owned(),
                first: first.as_str().to_owned(),
                second: requirement.as_str().to_owned(),
            });
        }
        seen.push(requirement);
    }
    Ok(pip.to_vec())
}

/// The datasets, refusing targets that hide the environment and duplicates.
fn check_datasets(datasets: &[DatasetMount]) -> Result<Vec<DatasetMount>, RecipeError> {
    let home = format!("/home/{USER}");
    let local = format!("{home}/.local");
    for (i, mount) in datasets.iter().enumerate() {
        let target = &mount.container;
        let taken = if target.is_within(&local) {
            Some(format!("{local} (the package volume)"))
        } else if target.is_within(VENV) {
            Some(format!("{VENV} (the framework's environment)"))
        } else if target.as_str() == home {
            Some(format!("{home} (the user's home)"))
        } else if ["/usr", "/etc", "/bin", "/lib", "/proc", "/sys", "/dev"]
            .iter()
            .any(|system| target.is_within(system))
        {
            Some("a system folder".to_owned())
        } else {
            None
        };
        if let Some(taken) = taken {
            return Err(RecipeError::MountOverEnvironment {
                target: target.to_string(),
                taken,
            });
        }
        if datasets[..i].iter().any(|other| other.container == *target) {
            return Err(RecipeError::DuplicateMount {
                target: target.to_string(),
            });
        }
    }
    Ok(datasets.to_vec())
}

/// [`BASE_APT_PACKAGES`], then the user's packages that are not among them, once each.
fn apt_packages(extra: &[AptPackage]) -> Vec<AptPackage> {
    let mut packages: Vec<AptPackage> = BASE_APT_PACKAGES
        .iter()
        .filter_map(|name| name.parse().ok())
        .collect();
    for package in extra {
        if !packages.contains(package) {
            packages.push(package.clone());
        }
    }
    packages
}

/// [`DEFAULT_EXTENSIONS`], then the user's, once each (ids compare case-insensitively).
fn extensions(extra: &[ExtensionId]) -> Vec<ExtensionId> {
    let mut all: Vec<ExtensionId> = DEFAULT_EXTENSIONS
        .iter()
        .filter_map(|id| id.parse().ok())
        .collect();
    for id in extra {
        if !all
            .iter()
            .any(|known| known.as_str().eq_ignore_ascii_case(id.as_str()))
        {
            all.push(id.clone());
        }
    }
    all
}

/// `name` as it appears in comments of the generated files: one line (control characters
/// become spaces, so a folder name cannot start a new Dockerfile instruction or shell
/// command), at most 100 characters.
fn display_name(name: &str) -> String {
    let one_line: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(100)
        .collect();
    let trimmed = one_line.trim();
    if trimmed.is_empty() {
        "project".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// `name` for Docker object names: lowercase letters, digits, `_.-`; never empty.
pub fn slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .chars()
        .take(40)
        .collect();
    let slug = slug.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
    if slug.is_empty() {
        "project".to_owned()
    } else {
        slug.to_owned()
    }
}

/// `a, b, c`.
fn list<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|item| item.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

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

/// The name of the project in `dir`: the folder's own name.
pub fn project_name(dir: &Path) -> String {
    let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    absolute
        .components()
        .filter_map(|part| match part {
            std::path::Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
            _ => None,
        })
        .next_back()
        .unwrap_or_else(|| "project".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> &'static CompatTable {
        CompatTable::builtin().unwrap_or_else(|err| panic!("{err}"))
    }

    fn resolve(choices: &Choices) -> Result<Recipe, RecipeError> {
        Recipe::resolve(table(), "thesis", choices)
    }

    #[test]
    fn the_default_is_the_newest_pytorch_on_its_newest_cuda_with_python_3_11() {
        let recipe = resolve(&Choices::default()).unwrap();
        let newest = table().newest(Framework::PyTorch).unwrap();
        assert_eq!(recipe.release.as_ref().unwrap().version, newest.version);
        assert_eq!(recipe.target.cuda(), newest.gpu.last().map(|b| b.cuda));
        assert_eq!(recipe.python, DEFAULT_PYTHON);
        assert_eq!(
            recipe.package_volume(),
            "berth-thesis-${devcontainerId}-local"
        );
        assert!(recipe.base_image.as_str().starts_with("nvidia/cuda:"));
        assert!(recipe.base_image.as_str().contains("-base-"));
    }

    #[test]
    fn a_driver_limits_the_default_cuda_and_the_release() {
        let choices = Choices {
            driver: DriverInfo::with_max_cuda("12.2".parse().unwrap()),
            ..Choices::default()
        };
        let recipe = resolve(&choices).unwrap();
        // The newest PyTorch with a build a CUDA 12.2 driver runs.
        assert_eq!(recipe.release.as_ref().unwrap().version, "2.7.1");
        assert_eq!(
            recipe.target,
            Target::Gpu {
                cuda: "11.8".parse().unwrap()
            }
        );
    }

    #[test]
    fn an_explicit_cuda_the_driver_cannot_run_is_refused_in_one_sentence() {
        let choices = Choices {
            target: TargetChoice::Gpu {
                cuda: Some("12.8".parse().unwrap()),
            },
            driver: DriverInfo::with_max_cuda("12.2".parse().unwrap()),
            ..Choices::default()
        };
        let message = resolve(&choices).unwrap_err().to_string();
        assert_eq!(
            message,
            "CUDA 12.8 needs driver ≥ 570.26; this driver supports up to CUDA 12.2. \
             CUDA versions this machine runs: 11.8, 12.1"
        );
    }

    #[test]
    fn an_explicit_cuda_picks_the_newest_release_that_has_it() {
        let choices = Choices {
            target: TargetChoice::Gpu {
                cuda: Some("12.1".parse().unwrap()),
            },
            ..Choices::default()
        };
        let recipe = resolve(&choices).unwrap();
        assert_eq!(recipe.release.unwrap().version, "2.5.1");
        assert_eq!(
            recipe.install.unwrap().requirements[0].as_str(),
            "torch==2.5.1+cu121"
        );
    }

    #[test]
    fn a_release_without_the_python_is_refused_with_what_it_supports() {
        let choices = Choices {
            framework_version: Some("2.4.1".into()),
            python: Some("3.13".parse().unwrap()),
            ..Choices::default()
        };
        let message = resolve(&choices).unwrap_err().to_string();
        assert_eq!(
            message,
            "PyTorch 2.4.1 has no wheels for Python 3.13; it supports Python 3.9, 3.10, 3.11, 3.12"
        );
    }

    #[test]
    fn a_release_without_the_cuda_build_names_its_builds() {
        let choices = Choices {
            framework: Framework::TensorFlow,
            framework_version: Some("2.20.0".into()),
            target: TargetChoice::Gpu {
                cuda: Some("11.8".parse().unwrap()),
            },
            ..Choices::default()
        };
        let message = resolve(&choices).unwrap_err().to_string();
        assert_eq!(
            message,
            "TensorFlow 2.20.0 has no CUDA 11.8 build; its GPU builds are CUDA 12.6, 12.8"
        );
    }

    #[test]
    fn unknown_releases_and_versions_list_the_known_ones() {
        let choices = Choices {
            framework_version: Some("1.13.1".into()),
            ..Choices::default()
        };
        let message = resolve(&choices).unwrap_err().to_string();
        assert!(
            message.starts_with(
                "PyTorch 1.13.1 is not in Berth's compatibility table; known releases: 2.4.1"
            ),
            "{message}"
        );
        let choices = Choices {
            target: TargetChoice::Gpu {
                cuda: Some("12.2".parse().unwrap()),
            },
            ..Choices::default()
        };
        let message = resolve(&choices).unwrap_err().to_string();
        assert!(
            message.contains("CUDA 12.2 is not in Berth's compatibility table"),
            "{message}"
        );
    }

    #[test]
    fn jax_picks_a_python_it_supports_and_cpu_uses_the_python_image() {
        let choices = Choices {
            framework: Framework::Jax,
            target: TargetChoice::Cpu,
            python: Some("3.10".parse().unwrap()),
            ..Choices::default()
        };
        let recipe = resolve(&choices).unwrap();
        assert_eq!(recipe.release.as_ref().unwrap().version, "0.6.2");
        assert_eq!(recipe.base_image.as_str(), "python:3.10-slim-bookworm");
        assert_eq!(
            recipe.install.unwrap().requirements[0].as_str(),
            "jax==0.6.2"
        );
    }

    #[test]
    fn no_framework_on_the_gpu_starts_from_the_cudnn_devel_image() {
        let choices = Choices {
            framework: Framework::None,
            target: TargetChoice::Gpu {
                cuda: Some("12.4".parse().unwrap()),
            },
            ..Choices::default()
        };
        let recipe = resolve(&choices).unwrap();
        assert_eq!(
            recipe.base_image.as_str(),
            "nvidia/cuda:12.4.1-cudnn-devel-ubuntu22.04"
        );
        assert!(recipe.install.is_none());
        assert_eq!(recipe.summary(), "No framework, CUDA 12.4, Python 3.11");
    }

    #[test]
    fn a_driver_that_runs_nothing_is_told_to_use_the_cpu() {
        let choices = Choices {
            driver: DriverInfo::with_max_cuda("11.4".parse().unwrap()),
            ..Choices::default()
        };
        let message = resolve(&choices).unwrap_err().to_string();
        assert!(
            message.starts_with("no PyTorch release fits: "),
            "{message}"
        );
        assert!(
            message.contains("this driver supports up to CUDA 11.4"),
            "{message}"
        );
    }

    #[test]
    fn pip_packages_the_framework_pins_or_given_twice_are_refused() {
        let choices = Choices {
            pip: vec!["torch==2.3.0".parse().unwrap()],
            ..Choices::default()
        };
        let err = resolve(&choices).unwrap_err();
        assert_eq!(err.field(), Some(Field::Pip));
        let message = err.to_string();
        assert!(message.contains("as the framework version"), "{message}");
        let choices = Choices {
            pip: vec!["numpy==2.0".parse().unwrap(), "NumPy".parse().unwrap()],
            ..Choices::default()
        };
        assert!(matches!(
            resolve(&choices),
            Err(RecipeError::DuplicatePackage { .. })
        ));
    }

    #[test]
    fn datasets_cannot_hide_the_package_volume() {
        let choices = Choices {
            datasets: vec!["/data:/home/vscode/.local/lib".parse().unwrap()],
            ..Choices::default()
        };
        let message = resolve(&choices).unwrap_err().to_string();
        assert!(message.contains("the package volume"), "{message}");
    }

    #[test]
    fn no_index_needs_find_links() {
        let choices = Choices {
            pip_options: PipOptions {
                no_index: true,
                ..PipOptions::default()
            },
            ..Choices::default()
        };
        assert!(matches!(
            resolve(&choices),
            Err(RecipeError::NoIndexWithoutFindLinks)
        ));
    }

    #[test]
    fn base_packages_and_extensions_come_first_once() {
        let choices = Choices {
            apt: vec!["git".parse().unwrap(), "ffmpeg".parse().unwrap()],
            extensions: vec![
                "MS-Python.python".parse().unwrap(),
                "charliermarsh.ruff".parse().unwrap(),
            ],
            ..Choices::default()
        };
        let recipe = resolve(&choices).unwrap();
        let apt: Vec<&str> = recipe.apt.iter().map(AptPackage::as_str).collect();
        assert_eq!(apt, ["ca-certificates", "git", "sudo", "ffmpeg"]);
        let extensions: Vec<&str> = recipe.extensions.iter().map(ExtensionId::as_str).collect();
        assert_eq!(
            extensions,
            [
                "ms-python.python",
                "ms-toolsai.jupyter",
                "charliermarsh.ruff"
            ]
        );
    }

    #[test]
    fn slugs_are_docker_safe_and_never_empty() {
        assert_eq!(slug("My Thesis (2026)"), "my-thesis-2026");
        assert_eq!(slug("..."), "project");
        assert_eq!(slug("ÄÖ"), "project");
        assert_eq!(slug("a_b.c"), "a_b.c");
    }
}
