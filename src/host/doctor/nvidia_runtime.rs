//! Check: the engine can give containers GPUs, through the NVIDIA container runtime
//! (`docker info` lists `nvidia` among its runtimes) or CDI devices (`nvidia.com/gpu=…`).

use crate::engine::EngineFacts;

use super::{Check, CheckId, CheckStatus, Fix};

const TITLE: &str = "NVIDIA container runtime";

/// The check: `facts` is `None` when the engine did not answer; `driver` says whether
/// this machine has an NVIDIA driver (without one, no runtime is needed).
pub(super) fn check(facts: Option<&EngineFacts>, driver: bool) -> Check {
    let Some(facts) = facts else {
        return Check::without_engine(CheckId::NvidiaRuntime, TITLE);
    };
    let runtime = facts.runtimes.iter().any(|r| r == "nvidia");
    let cdi: Vec<&String> = facts
        .cdi_devices
        .iter()
        .filter(|d| d.starts_with("nvidia.com/"))
        .collect();
    let found = match (runtime, cdi.len()) {
        (true, 0) => Some("the engine has the 'nvidia' runtime".to_owned()),
        (true, n) => Some(format!(
            "the engine has the 'nvidia' runtime and {n} CDI GPU device(s)"
        )),
        (false, 0) => None,
        (false, n) => Some(format!("the engine has {n} CDI GPU device(s)")),
    };
    match (found, driver) {
        (Some(found), _) => Check::new(CheckId::NvidiaRuntime, TITLE, CheckStatus::Ok, found, None),
        (None, false) => Check::new(
            CheckId::NvidiaRuntime,
            TITLE,
            CheckStatus::Ok,
            format!(
                "not needed: no NVIDIA driver on this machine (runtimes: {})",
                facts.runtimes.join(", ")
            ),
            None,
        ),
        (None, true) => Check::new(
            CheckId::NvidiaRuntime,
            TITLE,
            CheckStatus::Warning,
            format!(
                "the engine cannot give containers GPUs: no 'nvidia' runtime (it has {}) and no CDI GPU devices",
                facts.runtimes.join(", ")
            ),
            Some(Fix::to_copy(
                "Install the NVIDIA Container Toolkit, register it with Docker and restart the engine (Docker Desktop: enable WSL 2 GPU support instead).",
                Some("sudo apt install nvidia-container-toolkit && sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker"),
            )),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(runtimes: &[&str], cdi: &[&str]) -> EngineFacts {
        EngineFacts {
            runtimes: runtimes.iter().map(|s| (*s).to_owned()).collect(),
            cdi_devices: cdi.iter().map(|s| (*s).to_owned()).collect(),
            ..EngineFacts::default()
        }
    }

    #[test]
    fn the_nvidia_runtime_or_cdi_devices_pass() {
        assert_eq!(
            check(Some(&facts(&["nvidia", "runc"], &[])), true).status,
            CheckStatus::Ok
        );
        let cdi = check(
            Some(&facts(
                &["runc"],
                &["nvidia.com/gpu=0", "nvidia.com/gpu=all"],
            )),
            true,
        );
        assert_eq!(cdi.status, CheckStatus::Ok);
        assert!(
            cdi.summary.contains("2 CDI GPU device(s)"),
            "{}",
            cdi.summary
        );
    }

    #[test]
    fn a_gpu_machine_without_the_runtime_is_told_how_to_add_it() {
        let check = check(Some(&facts(&["io.containerd.runc.v2", "runc"], &[])), true);
        assert_eq!(check.status, CheckStatus::Warning);
        assert!(check
            .fix
            .unwrap()
            .command
            .unwrap()
            .contains("nvidia-ctk runtime configure"));
    }

    #[test]
    fn a_machine_without_a_driver_needs_no_runtime() {
        let check = check(Some(&facts(&["runc"], &[])), false);
        assert_eq!(check.status, CheckStatus::Ok);
        assert!(check.summary.starts_with("not needed"), "{}", check.summary);
    }
}
