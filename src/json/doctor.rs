//! Transport types for the host checks (`berth doctor --json`, the window's first screen).

use serde::Serialize;
use ts_rs::TS;

use crate::host::doctor;

pub use crate::host::doctor::{CheckStatus, Fix, FixAction};

/// One host check's result.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct Check {
    /// Stable kebab-case id, e.g. `docker-engine`.
    pub id: String,
    /// What was checked.
    pub title: String,
    /// The outcome.
    pub status: CheckStatus,
    /// What was found, in one line.
    pub summary: String,
    /// How to fix it, when it did not pass.
    pub fix: Option<Fix>,
}

/// Every host check, as `berth doctor --json` prints it and the window shows it.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct DoctorReport {
    /// True when no check failed.
    pub healthy: bool,
    /// The machine the checks ran on.
    pub host: Host,
    /// Each check, in order.
    pub checks: Vec<Check>,
}

/// The machine the checks ran on: OS, CPUs, memory, whether it is WSL.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct Host {
    /// The operating system, e.g. "Linux 12 (bookworm)".
    pub os: String,
    /// The kernel release.
    pub kernel: Option<String>,
    /// Logical CPUs.
    pub cpus: usize,
    /// Physical memory, bytes (inside WSL: the VM's).
    #[ts(type = "number")]
    pub memory_total_bytes: u64,
    /// Memory available to new programs, bytes.
    #[ts(type = "number")]
    pub memory_available_bytes: u64,
    /// Whether this is Windows Subsystem for Linux.
    pub wsl: bool,
}

impl From<&crate::host::facts::HostFacts> for Host {
    fn from(facts: &crate::host::facts::HostFacts) -> Self {
        Self {
            os: facts.os.clone(),
            kernel: facts.kernel.clone(),
            cpus: facts.cpus,
            memory_total_bytes: facts.memory_total_bytes,
            memory_available_bytes: facts.memory_available_bytes,
            wsl: facts.wsl,
        }
    }
}

impl From<&doctor::DoctorReport> for DoctorReport {
    fn from(report: &doctor::DoctorReport) -> Self {
        Self {
            healthy: report.healthy(),
            host: Host::from(&report.host),
            checks: report.checks.iter().map(Check::from).collect(),
        }
    }
}

impl From<&doctor::Check> for Check {
    fn from(check: &doctor::Check) -> Self {
        Self {
            id: check.id.as_str().to_owned(),
            title: check.title.clone(),
            status: check.status,
            summary: check.summary.clone(),
            fix: check.fix.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_check_serialises_with_its_fix() {
        let report = doctor::DoctorReport {
            host: crate::host::facts::HostFacts::read(),
            checks: vec![doctor::Check {
                id: doctor::CheckId::DockerEngine,
                title: "Docker engine reachable".into(),
                status: doctor::CheckStatus::Failed,
                summary: "Docker engine not running".into(),
                fix: Some(doctor::Fix::to_copy(
                    "Start it.",
                    Some("sudo systemctl start docker"),
                )),
            }],
        };
        let value = serde_json::to_value(DoctorReport::from(&report)).unwrap();
        assert_eq!(value["healthy"], false);
        assert!(value["host"]["cpus"].as_u64().unwrap() >= 1, "{value}");
        assert!(value["host"]["memory_total_bytes"].as_u64().unwrap() > 0);
        assert_eq!(value["checks"][0]["id"], "docker-engine");
        assert_eq!(value["checks"][0]["status"], "failed");
        assert_eq!(
            value["checks"][0]["fix"]["command"],
            "sudo systemctl start docker"
        );
    }
}
