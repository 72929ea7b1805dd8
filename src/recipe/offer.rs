//! What a machine is offered: every row of the compatibility table with whether this
//! machine's driver runs it, why not when it does not, and which release is picked when
//! none is chosen. `berth recipes` and the wizard show it; it is decided here, once, with
//! the same rules [`Recipe::resolve`](super::Recipe::resolve) applies.

use super::compat::{
    CompatError, CompatTable, CudaRow, Framework, FrameworkRow, Install, PythonRow,
};
use super::driver::{DriverInfo, Refusal};
use super::resolve::pick_release;
use super::versions::{CudaVersion, PythonVersion};
use super::{Choices, TargetChoice};

/// The compatibility table as one driver sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer<'t> {
    /// What is known about the driver the offer is for.
    pub driver: DriverInfo,
    /// Every CUDA release, oldest first.
    pub cuda: Vec<CudaOffer<'t>>,
    /// Every Python version, oldest first (the driver does not limit them).
    pub python: &'t [PythonRow],
    /// Every framework release, grouped by framework, oldest first; "no framework" last.
    pub frameworks: Vec<FrameworkOffer<'t>>,
}

/// One CUDA release and whether the driver runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CudaOffer<'t> {
    /// The release.
    pub row: &'t CudaRow,
    /// Why the driver cannot run it; none when it is offered.
    pub refusal: Option<Refusal>,
}

impl CudaOffer<'_> {
    /// True when the driver runs it (or nothing is known about the driver).
    pub fn offered(&self) -> bool {
        self.refusal.is_none()
    }
}

/// One framework release (or "no framework") and what it is offered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameworkOffer<'t> {
    /// The framework.
    pub framework: Framework,
    /// The release; none for "no framework".
    pub release: Option<&'t FrameworkRow>,
    /// True for the release picked when none is chosen: what `berth new` picks for the
    /// GPU target with this driver (the newest release when no GPU build runs here).
    /// Always true for "no framework", which has no releases to choose from.
    pub default: bool,
    /// The Python versions it supports, oldest first.
    pub python: Vec<PythonVersion>,
    /// Its GPU builds, oldest CUDA first.
    pub gpu: Vec<GpuOffer<'t>>,
}

/// One GPU build and whether the driver runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuOffer<'t> {
    /// The CUDA version it is built for.
    pub cuda: CudaVersion,
    /// How it is installed; none for "no framework".
    pub install: Option<&'t Install>,
    /// Why the driver cannot run it; none when it is offered.
    pub refusal: Option<Refusal>,
}

impl GpuOffer<'_> {
    /// True when the driver runs it.
    pub fn offered(&self) -> bool {
        self.refusal.is_none()
    }
}

impl Offer<'static> {
    /// What `driver` is offered from the table shipped with Berth.
    ///
    /// # Errors
    ///
    /// When the built-in table is broken.
    pub fn builtin(driver: DriverInfo) -> Result<Self, CompatError> {
        Ok(Offer::new(CompatTable::builtin()?, driver))
    }
}

impl<'t> Offer<'t> {
    /// What `driver` is offered from `table`.
    pub fn new(table: &'t CompatTable, driver: DriverInfo) -> Self {
        let cuda = table
            .cuda
            .iter()
            .map(|row| CudaOffer {
                row,
                refusal: driver.runs(row).err(),
            })
            .collect();
        let build = |cuda: CudaVersion, install: Option<&'t Install>| GpuOffer {
            cuda,
            install,
            refusal: table.cuda(cuda).and_then(|row| driver.runs(row).err()),
        };
        let mut frameworks: Vec<FrameworkOffer<'t>> = table
            .frameworks
            .iter()
            .map(|row| FrameworkOffer {
                framework: row.framework,
                release: Some(row),
                default: default_release(table, row.framework, &driver)
                    .is_some_and(|default| default.version == row.version),
                python: row.python.clone(),
                gpu: row
                    .gpu
                    .iter()
                    .map(|b| build(b.cuda, Some(&b.install)))
                    .collect(),
            })
            .collect();
        frameworks.push(FrameworkOffer {
            framework: Framework::None,
            release: None,
            default: true,
            python: table.python.iter().map(|row| row.version).collect(),
            gpu: table
                .cuda
                .iter()
                .map(|row| build(row.version, None))
                .collect(),
        });
        Self {
            cuda,
            python: &table.python,
            frameworks,
            driver,
        }
    }
}

/// The release of `framework` that [`Recipe::resolve`](super::Recipe::resolve) picks when
/// only the framework is chosen (the GPU target), or for the CPU target when no GPU build
/// runs with `driver`.
fn default_release<'t>(
    table: &'t CompatTable,
    framework: Framework,
    driver: &DriverInfo,
) -> Option<&'t FrameworkRow> {
    let gpu = Choices {
        framework,
        driver: driver.clone(),
        ..Choices::default()
    };
    let cpu = Choices {
        target: TargetChoice::Cpu,
        ..gpu.clone()
    };
    pick_release(table, framework, &gpu)
        .or_else(|_| pick_release(table, framework, &cpu))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::Recipe;

    fn table() -> &'static CompatTable {
        CompatTable::builtin().unwrap_or_else(|err| panic!("{err}"))
    }

    fn default_of(offer: &Offer<'_>, framework: Framework) -> Vec<String> {
        offer
            .frameworks
            .iter()
            .filter(|f| f.framework == framework && f.default)
            .filter_map(|f| f.release.map(|row| row.version.clone()))
            .collect()
    }

    #[test]
    fn a_12_2_driver_is_refused_newer_cuda_with_the_reason() {
        let offer = Offer::new(table(), DriverInfo::with_max_cuda("12.2".parse().unwrap()));

        let offered: Vec<String> = offer
            .cuda
            .iter()
            .filter(|c| c.offered())
            .map(|c| c.row.version.to_string())
            .collect();
        assert_eq!(offered, ["11.8", "12.1"]);
        let refused = offer
            .cuda
            .iter()
            .find(|c| c.row.version == "12.8".parse().unwrap())
            .unwrap();
        assert_eq!(
            refused.refusal.as_ref().map(ToString::to_string).as_deref(),
            Some("CUDA 12.8 needs driver ≥ 570.26; this driver supports up to CUDA 12.2")
        );
    }

    #[test]
    fn the_default_release_is_the_one_berth_new_picks_for_this_driver() {
        let driver = DriverInfo::with_max_cuda("12.2".parse().unwrap());
        let offer = Offer::new(table(), driver.clone());
        let resolved = Recipe::resolve(
            table(),
            "thesis",
            &Choices {
                driver,
                ..Choices::default()
            },
        )
        .unwrap();

        let picked = resolved.release.unwrap().version;
        assert_eq!(picked, "2.7.1");
        assert_eq!(default_of(&offer, Framework::PyTorch), [picked]);
    }

    #[test]
    fn an_unknown_driver_defaults_to_the_newest_release_of_each_framework() {
        let offer = Offer::new(table(), DriverInfo::default());
        for framework in [Framework::PyTorch, Framework::Jax, Framework::TensorFlow] {
            let newest = table().newest(framework).unwrap().version.clone();
            assert_eq!(default_of(&offer, framework), [newest]);
        }
        assert!(offer.cuda.iter().all(CudaOffer::offered));
    }

    #[test]
    fn a_driver_that_runs_no_gpu_build_still_has_a_default_for_the_cpu() {
        let offer = Offer::new(table(), DriverInfo::with_max_cuda("11.4".parse().unwrap()));
        let newest = table().newest(Framework::PyTorch).unwrap().version.clone();
        assert_eq!(default_of(&offer, Framework::PyTorch), [newest]);
        let none = offer.frameworks.last().unwrap();
        assert_eq!(none.framework, Framework::None);
        assert!(none.default && none.gpu.iter().all(|b| !b.offered()));
    }
}
