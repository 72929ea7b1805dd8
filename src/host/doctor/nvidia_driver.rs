//! Check: the NVIDIA driver is loaded, which version, the newest CUDA it runs, and its GPUs.
//! No driver is a warning, not a failure: CPU environments need none.

use crate::gpu::{GpuError, GpuSource, NvmlSource};
use crate::recipe::DriverInfo;

use super::{Check, CheckId, CheckStatus, Fix};

const TITLE: &str = "NVIDIA driver";

/// What the driver probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Found {
    pub driver: DriverInfo,
    pub gpus: Vec<String>,
}

impl Found {
    /// Open NVML, read the driver's facts and one sample for the GPUs' names.
    pub fn probe() -> Result<Self, GpuError> {
        let mut source = NvmlSource::open()?;
        let snapshot = source.sample()?;
        Ok(Self {
            driver: source.driver(),
            gpus: snapshot
                .gpus
                .iter()
                .map(|g| {
                    g.name
                        .value()
                        .cloned()
                        .unwrap_or_else(|| "unknown GPU".into())
                })
                .collect(),
        })
    }
}

/// The check, from what the probe found; `wsl`: this is WSL, where the driver comes
/// from Windows.
pub(super) fn check(found: &Result<Found, GpuError>, wsl: bool) -> Check {
    match found {
        Ok(found) => {
            let gpus = if found.gpus.is_empty() {
                "no GPUs".to_owned()
            } else {
                format!("{} GPU(s): {}", found.gpus.len(), found.gpus.join(", "))
            };
            Check::new(
                CheckId::NvidiaDriver,
                TITLE,
                CheckStatus::Ok,
                format!("{}; {gpus}", found.driver.describe()),
                None,
            )
        }
        Err(GpuError::NoDriver { reason }) => Check::new(
            CheckId::NvidiaDriver,
            TITLE,
            CheckStatus::Warning,
            format!("no NVIDIA driver found ({reason}): GPU environments cannot run here; CPU environments can"),
            Some(install_driver_fix(wsl)),
        ),
        Err(GpuError::NoPermission) => Check::new(
            CheckId::NvidiaDriver,
            TITLE,
            CheckStatus::Warning,
            "the NVIDIA driver refused this user: Berth cannot read the GPUs".to_owned(),
            Some(Fix::to_copy(
                "Give your user access to /dev/nvidia* (often the 'video' group), then log out and back in.",
                Some("sudo usermod -aG video \"$USER\""),
            )),
        ),
        Err(other) => Check::new(
            CheckId::NvidiaDriver,
            TITLE,
            CheckStatus::Warning,
            crate::error_chain(other),
            Some(Fix::to_copy(
                "Run `nvidia-smi`: it shows the same fault in the driver's words.",
                Some("nvidia-smi"),
            )),
        ),
    }
}

fn install_driver_fix(wsl: bool) -> Fix {
    if cfg!(windows) {
        Fix::to_copy(
            "Install the NVIDIA driver for your GPU from nvidia.com (the Windows driver also serves WSL).",
            None,
        )
    } else if wsl {
        Fix::to_copy(
            "In WSL the driver comes from Windows: install the NVIDIA driver on Windows, not inside the distribution.",
            None,
        )
    } else {
        Fix::to_copy(
            "On a machine with an NVIDIA GPU, install the driver and reboot.",
            Some("sudo ubuntu-drivers install   # Debian: sudo apt install nvidia-driver"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_driver_names_its_version_cuda_and_gpus() {
        let found = Found {
            driver: DriverInfo::from_nvml("580.159.04", 13000).unwrap(),
            gpus: vec!["NVIDIA H200".into()],
        };
        let check = check(&Ok(found), false);
        assert_eq!(check.status, CheckStatus::Ok);
        assert_eq!(
            check.summary,
            "driver 580.159.04, CUDA up to 13.0; 1 GPU(s): NVIDIA H200"
        );
    }

    #[test]
    fn no_driver_is_a_warning_with_the_way_to_install_one() {
        let check = check(
            &Err(GpuError::NoDriver {
                reason: "the NVIDIA kernel driver is not loaded".into(),
            }),
            false,
        );
        assert_eq!(check.status, CheckStatus::Warning);
        assert!(
            check.summary.contains("CPU environments can"),
            "{}",
            check.summary
        );
        assert!(check.fix.is_some());
    }
}
