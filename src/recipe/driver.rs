//! The driver gate: which CUDA versions this machine's NVIDIA driver can run, and a
//! one-sentence reason for each one it cannot. "CUDA driver version is insufficient for
//! CUDA runtime version" is the most repeated GPU container failure; Berth never offers a
//! CUDA newer than the driver's.

use super::compat::CudaRow;
use super::versions::{CudaVersion, DriverVersion, VersionError};

/// What Berth knows about the host's NVIDIA driver: its version, the newest CUDA it runs
/// (nvidia-smi's "CUDA Version"), or both.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DriverInfo {
    /// The driver's version, e.g. `535.104.05`.
    pub version: Option<DriverVersion>,
    /// The newest CUDA version the driver supports, e.g. `12.2`.
    pub max_cuda: Option<CudaVersion>,
}

impl DriverInfo {
    /// A driver known only by the newest CUDA it supports (`--driver-cuda 12.2`).
    pub fn with_max_cuda(max_cuda: CudaVersion) -> Self {
        Self {
            version: None,
            max_cuda: Some(max_cuda),
        }
    }

    /// What the caller gave, or, when it gave nothing, the driver detected on this
    /// machine ([`crate::gpu::host_driver`]): `--driver-cuda` and `--driver-version`
    /// override detection.
    pub fn given_or_detected(
        version: Option<DriverVersion>,
        max_cuda: Option<CudaVersion>,
    ) -> Self {
        if version.is_none() && max_cuda.is_none() {
            crate::gpu::host_driver()
        } else {
            Self { version, max_cuda }
        }
    }

    /// From NVML's readings: `nvmlSystemGetDriverVersion` (`"580.159.04"`) and
    /// `nvmlSystemGetCudaDriverVersion` (`13000` for 13.0).
    ///
    /// # Errors
    ///
    /// When the driver version is not a version.
    pub fn from_nvml(driver_version: &str, cuda_driver_version: i32) -> Result<Self, VersionError> {
        Ok(Self {
            version: Some(driver_version.parse()?),
            max_cuda: CudaVersion::from_nvml(cuda_driver_version),
        })
    }

    /// True when nothing is known: every CUDA version is offered.
    pub fn is_unknown(&self) -> bool {
        self.version.is_none() && self.max_cuda.is_none()
    }

    /// Whether this driver runs the CUDA release `row`, and if not, why.
    ///
    /// # Errors
    ///
    /// The [`Refusal`] naming the driver the release needs and what this machine has.
    pub fn runs(&self, row: &CudaRow) -> Result<(), Refusal> {
        if let Some(driver) = &self.version {
            if *driver < row.min_driver {
                return Err(Refusal::DriverTooOld {
                    cuda: row.version,
                    min_driver: row.min_driver.to_string(),
                    driver: driver.to_string(),
                });
            }
        }
        if let Some(max_cuda) = self.max_cuda {
            if row.version > max_cuda {
                return Err(Refusal::CudaTooNew {
                    cuda: row.version,
                    min_driver: row.min_driver.to_string(),
                    max_cuda,
                });
            }
        }
        Ok(())
    }

    /// One line saying what is known, for listings: "driver 535.104.05, CUDA up to 12.2".
    pub fn describe(&self) -> String {
        match (&self.version, self.max_cuda) {
            (Some(version), Some(cuda)) => format!("driver {version}, CUDA up to {cuda}"),
            (Some(version), None) => format!("driver {version}"),
            (None, Some(cuda)) => format!("a driver that supports CUDA up to {cuda}"),
            (None, None) => "no driver information (every CUDA version is offered)".to_owned(),
        }
    }
}

/// Why a CUDA version is not offered on this machine, in one sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The driver's version is older than the CUDA release needs.
    #[error("CUDA {cuda} needs driver ≥ {min_driver}; this machine has {driver}")]
    DriverTooOld {
        /// The CUDA version refused.
        cuda: CudaVersion,
        /// The oldest driver that runs it.
        min_driver: String,
        /// This machine's driver.
        driver: String,
    },
    /// The driver supports only older CUDA versions.
    #[error("CUDA {cuda} needs driver ≥ {min_driver}; this driver supports up to CUDA {max_cuda}")]
    CudaTooNew {
        /// The CUDA version refused.
        cuda: CudaVersion,
        /// The oldest driver that runs it.
        min_driver: String,
        /// The newest CUDA this driver runs.
        max_cuda: CudaVersion,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::compat::CompatTable;

    fn table() -> &'static CompatTable {
        CompatTable::builtin().unwrap_or_else(|err| panic!("{err}"))
    }

    fn offered(driver: &DriverInfo) -> Vec<String> {
        table()
            .cuda
            .iter()
            .filter(|row| driver.runs(row).is_ok())
            .map(|row| row.version.to_string())
            .collect()
    }

    #[test]
    fn a_cuda_12_2_driver_runs_only_older_cuda_and_says_why_not_the_rest() {
        let driver = DriverInfo::with_max_cuda("12.2".parse().unwrap());

        assert_eq!(offered(&driver), ["11.8", "12.1"]);
        let row = table().cuda("12.8".parse().unwrap()).unwrap();
        assert_eq!(
            driver.runs(row).unwrap_err().to_string(),
            "CUDA 12.8 needs driver ≥ 570.26; this driver supports up to CUDA 12.2"
        );
    }

    #[test]
    fn a_535_driver_is_refused_cuda_12_4_by_its_version() {
        let driver = DriverInfo {
            version: Some("535.104.05".parse().unwrap()),
            max_cuda: None,
        };

        assert_eq!(offered(&driver), ["11.8", "12.1"]);
        let row = table().cuda("12.8".parse().unwrap()).unwrap();
        assert_eq!(
            driver.runs(row).unwrap_err().to_string(),
            "CUDA 12.8 needs driver ≥ 570.26; this machine has 535.104.05"
        );
    }

    #[test]
    fn the_recorded_h200_driver_580_runs_every_cuda_up_to_13_0() {
        // The real H200 reading in tests/fixtures/gpu: NVML's driver and CUDA versions.
        let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/gpu/idle.jsonl");
        let text = std::fs::read_to_string(fixture)
            .unwrap_or_else(|err| panic!("failed to read the GPU fixture {fixture}: {err}"));
        let first: serde_json::Value =
            serde_json::from_str(text.lines().next().unwrap_or_default()).unwrap();
        let driver = DriverInfo::from_nvml(
            first["driver_version"].as_str().unwrap(),
            i32::try_from(first["cuda_driver_version"].as_i64().unwrap()).unwrap(),
        )
        .unwrap();

        assert_eq!(driver.version.as_ref().unwrap().to_string(), "580.159.04");
        assert_eq!(driver.max_cuda, Some(CudaVersion::new(13, 0)));
        assert_eq!(
            offered(&driver),
            ["11.8", "12.1", "12.4", "12.6", "12.8", "13.0"]
        );
        assert_eq!(driver.describe(), "driver 580.159.04, CUDA up to 13.0");
    }

    #[test]
    fn an_unknown_driver_is_offered_everything() {
        let driver = DriverInfo::default();
        assert!(driver.is_unknown());
        assert_eq!(offered(&driver).len(), table().cuda.len());
    }

    #[test]
    fn a_driver_just_below_the_minimum_is_refused_and_at_it_is_offered() {
        let row = table().cuda("12.4".parse().unwrap()).unwrap();
        let at = |v: &str| DriverInfo {
            version: Some(v.parse().unwrap()),
            max_cuda: None,
        };
        assert!(at("550.54.13").runs(row).is_err());
        assert!(at("550.54.14").runs(row).is_ok());
        assert!(at("550.127.05").runs(row).is_ok());
    }
}
