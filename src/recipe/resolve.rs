//! Resolving [`Choices`] against the compatibility table and the driver into a [`Recipe`]:
//! every default filled in, every combination one the table allows, and a refusal that says
//! what would work instead.

use super::compat::{CompatTable, CudaRow, Framework, FrameworkRow, Install};
use super::driver::DriverInfo;
use super::extras::{apt_packages, check_datasets, check_pip, extensions};
use super::grammar::{AptPackage, DatasetMount, ExtensionId, ImageRef, PipRequirement};
use super::name::{display_name, slug};
use super::versions::{CudaVersion, PythonVersion};
use super::{Choices, PipOptions, RecipeError, Target, TargetChoice, DEFAULT_PYTHON};

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
    /// Debian packages: [`BASE_APT_PACKAGES`](super::BASE_APT_PACKAGES), then the user's.
    pub apt: Vec<AptPackage>,
    /// The user's pip packages.
    pub pip: Vec<PipRequirement>,
    /// Dataset folders to mount.
    pub datasets: Vec<DatasetMount>,
    /// VS Code extensions: [`DEFAULT_EXTENSIONS`](super::DEFAULT_EXTENSIONS), then the user's.
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
pub(super) fn pick_release<'t>(
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

/// `a, b, c`.
fn list<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|item| item.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
