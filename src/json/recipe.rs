//! Transport types for recipes (`berth new`, `berth recipes --json`, the wizard).

use serde::Serialize;
use ts_rs::TS;

use crate::recipe::{self, FileChange, GpuOffer, ImageKind, Offer, Recipe, WriteReport};

pub use crate::recipe::RecipeRequest;

/// The compatibility table as `berth recipes --json` prints it and the wizard offers it:
/// what this machine's driver runs, and why the rest is not offered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct RecipesReport {
    /// The table's schema version.
    pub schema_version: u32,
    /// What is known about the driver, in words.
    pub driver: String,
    /// The driver's version, when known.
    pub driver_version: Option<String>,
    /// The newest CUDA the driver supports, when known.
    pub driver_max_cuda: Option<String>,
    /// Every CUDA version, oldest first.
    pub cuda: Vec<RecipeCuda>,
    /// Every Python version, oldest first.
    pub python: Vec<RecipePython>,
    /// Every framework release (and "none"), grouped by framework, oldest first.
    pub frameworks: Vec<RecipeFramework>,
}

/// One CUDA version and whether this machine runs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct RecipeCuda {
    /// `12.4`.
    pub version: String,
    /// The image release, `12.4.1`.
    pub release: String,
    /// The images' Ubuntu release.
    pub ubuntu: String,
    /// The oldest driver that runs it.
    pub min_driver: String,
    /// True when this machine's driver runs it (or nothing is known about the driver).
    pub offered: bool,
    /// Why it is not offered, in one sentence.
    pub reason: Option<String>,
    /// The `nvidia/cuda` images by kind.
    pub images: Vec<RecipeImage>,
    /// Where the driver minimum comes from.
    pub driver_source: String,
    /// Where the image tags come from.
    pub images_source: String,
}

/// One `nvidia/cuda` image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct RecipeImage {
    /// `base`, `runtime`, `devel`, `cudnn-runtime` or `cudnn-devel`.
    pub kind: String,
    /// The image reference.
    pub image: String,
}

/// One Python version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct RecipePython {
    /// `3.11`.
    pub version: String,
    /// The image the CPU form builds on.
    pub cpu_image: String,
    /// Where it comes from.
    pub source: String,
}

/// One framework release and what it runs with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct RecipeFramework {
    /// `pytorch`, `jax`, `tensorflow` or `none`.
    pub framework: String,
    /// `PyTorch`.
    pub label: String,
    /// The release; none for "no framework".
    pub version: Option<String>,
    /// True for the release picked when none is chosen: the newest one whose GPU build
    /// this machine's driver runs (the newest of all when none runs here).
    pub default: bool,
    /// The Python versions it supports.
    pub python: Vec<String>,
    /// Its GPU builds, oldest CUDA first.
    pub gpu: Vec<RecipeGpuBuild>,
    /// Where its Python and CUDA support come from.
    pub source: Option<String>,
    /// Where its install commands come from.
    pub install_source: Option<String>,
}

/// One GPU build of a framework release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct RecipeGpuBuild {
    /// The CUDA version.
    pub cuda: String,
    /// True when this machine's driver runs it.
    pub offered: bool,
    /// Why it is not offered, in one sentence.
    pub reason: Option<String>,
    /// What pip installs, e.g. `torch==2.5.1+cu124`.
    pub requirements: Vec<String>,
    /// The wheel index it needs besides PyPI.
    pub extra_index_url: Option<String>,
}

impl From<&Offer<'_>> for RecipesReport {
    fn from(offer: &Offer<'_>) -> Self {
        let build = |build: &GpuOffer<'_>| RecipeGpuBuild {
            cuda: build.cuda.to_string(),
            offered: build.offered(),
            reason: build.refusal.as_ref().map(ToString::to_string),
            requirements: build
                .install
                .map(|i| i.requirements.iter().map(ToString::to_string).collect())
                .unwrap_or_default(),
            extra_index_url: build
                .install
                .and_then(|i| i.extra_index_url.as_ref())
                .map(ToString::to_string),
        };
        Self {
            schema_version: recipe::compat::SCHEMA_VERSION,
            driver: offer.driver.describe(),
            driver_version: offer.driver.version.as_ref().map(ToString::to_string),
            driver_max_cuda: offer.driver.max_cuda.map(|c| c.to_string()),
            cuda: offer
                .cuda
                .iter()
                .map(|cuda| RecipeCuda {
                    version: cuda.row.version.to_string(),
                    release: cuda.row.release.clone(),
                    ubuntu: cuda.row.ubuntu.clone(),
                    min_driver: cuda.row.min_driver.to_string(),
                    offered: cuda.offered(),
                    reason: cuda.refusal.as_ref().map(ToString::to_string),
                    images: ImageKind::ALL
                        .iter()
                        .map(|kind| RecipeImage {
                            kind: kind.key().to_owned(),
                            image: cuda.row.image(*kind).to_string(),
                        })
                        .collect(),
                    driver_source: cuda.row.driver_source.clone(),
                    images_source: cuda.row.images_source.clone(),
                })
                .collect(),
            python: offer
                .python
                .iter()
                .map(|row| RecipePython {
                    version: row.version.to_string(),
                    cpu_image: row.cpu_image.to_string(),
                    source: row.source.clone(),
                })
                .collect(),
            frameworks: offer
                .frameworks
                .iter()
                .map(|framework| RecipeFramework {
                    framework: framework.framework.id().to_owned(),
                    label: framework.framework.label().to_owned(),
                    version: framework.release.map(|row| row.version.clone()),
                    default: framework.default,
                    python: framework.python.iter().map(ToString::to_string).collect(),
                    gpu: framework.gpu.iter().map(build).collect(),
                    source: framework.release.map(|row| row.source.clone()),
                    install_source: framework.release.map(|row| row.install_source.clone()),
                })
                .collect(),
        }
    }
}

/// What `berth new` did (or would do) to a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct NewProjectReport {
    /// The project folder.
    pub dir: String,
    /// The resolved recipe.
    pub recipe: RecipeSummary,
    /// False when existing files differ and nothing was written (run again with force).
    pub written: bool,
    /// Every file, in the order rendered.
    pub files: Vec<RecipeFile>,
}

/// A resolved recipe in brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct RecipeSummary {
    /// The project's name.
    pub project: String,
    /// "PyTorch 2.9.1, CUDA 12.8, Python 3.11".
    pub summary: String,
    /// `pytorch`, `jax`, `tensorflow` or `none`.
    pub framework: String,
    /// The framework release.
    pub framework_version: Option<String>,
    /// `cpu` or `gpu`: the Dockerfile's build target.
    pub target: String,
    /// The CUDA version of a GPU recipe.
    pub cuda: Option<String>,
    /// The Python version.
    pub python: String,
    /// The image the Dockerfile starts from.
    pub base_image: String,
    /// The named volume mounted at `~/.local`, as written in devcontainer.json
    /// (`${devcontainerId}` stands for the project's id).
    pub package_volume: String,
}

impl From<&Recipe> for RecipeSummary {
    fn from(recipe: &Recipe) -> Self {
        Self {
            project: recipe.project.clone(),
            summary: recipe.summary(),
            framework: recipe.framework.id().to_owned(),
            framework_version: recipe.release.as_ref().map(|row| row.version.clone()),
            target: recipe.target.stage().to_owned(),
            cuda: recipe.target.cuda().map(|c| c.to_string()),
            python: recipe.python.to_string(),
            base_image: recipe.base_image.to_string(),
            package_volume: recipe.package_volume(),
        }
    }
}

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub enum RecipeFileChange {
    /// Written; it did not exist.
    Created,
    /// Left alone; it had the same contents.
    Unchanged,
    /// Replaced; the old contents are in the backup.
    Updated,
    /// Left alone; it differs and the write was not forced.
    Blocked,
}

/// One file of a `berth new`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct RecipeFile {
    /// The path relative to the project folder.
    pub path: String,
    /// What happened to it.
    pub change: RecipeFileChange,
    /// The backup of the old contents, for updated files.
    pub backup: Option<String>,
    /// A unified diff from the old contents, for changed files.
    pub diff: Option<String>,
}

impl NewProjectReport {
    /// The report of writing `recipe` as `write`.
    pub fn new(recipe: &Recipe, write: &WriteReport) -> Self {
        Self {
            dir: write.dir.display().to_string(),
            recipe: RecipeSummary::from(recipe),
            written: !write.blocked(),
            files: write
                .files
                .iter()
                .map(|file| {
                    let (change, backup) = match &file.change {
                        FileChange::Created => (RecipeFileChange::Created, None),
                        FileChange::Unchanged => (RecipeFileChange::Unchanged, None),
                        FileChange::Updated { backup } => (
                            RecipeFileChange::Updated,
                            Some(backup.display().to_string()),
                        ),
                        FileChange::Blocked => (RecipeFileChange::Blocked, None),
                    };
                    RecipeFile {
                        path: file.path.to_string_lossy().replace('\\', "/"),
                        change,
                        backup,
                        diff: file.diff.clone(),
                    }
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::{CompatTable, DriverInfo};

    #[test]
    fn the_report_says_what_a_12_2_driver_is_offered_and_why_not() {
        let table = CompatTable::builtin().unwrap();
        let driver = DriverInfo::with_max_cuda("12.2".parse().unwrap());

        let report = RecipesReport::from(&Offer::new(table, driver));
        let value = serde_json::to_value(&report).unwrap();

        assert_eq!(value["driver_max_cuda"], "12.2");
        let cuda_12_8 = report.cuda.iter().find(|c| c.version == "12.8").unwrap();
        assert!(!cuda_12_8.offered);
        assert_eq!(
            cuda_12_8.reason.as_deref(),
            Some("CUDA 12.8 needs driver ≥ 570.26; this driver supports up to CUDA 12.2")
        );
        let torch = report
            .frameworks
            .iter()
            .find(|f| f.framework == "pytorch" && f.version.as_deref() == Some("2.5.1"))
            .unwrap();
        let offered: Vec<&str> = torch
            .gpu
            .iter()
            .filter(|b| b.offered)
            .map(|b| b.cuda.as_str())
            .collect();
        assert_eq!(offered, ["11.8", "12.1"]);
        assert!(report.frameworks.iter().any(|f| f.framework == "none"));
    }
}
