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
    /// Each check, in order.
    pub checks: Vec<Check>,
}

impl From<&doctor::DoctorReport> for DoctorReport {
    fn from(report: &doctor::DoctorReport) -> Self {
        Self {
            healthy: report.healthy(),
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
        assert_eq!(value["checks"][0]["id"], "docker-engine");
        assert_eq!(value["checks"][0]["status"], "failed");
        assert_eq!(
            value["checks"][0]["fix"]["command"],
            "sudo systemctl start docker"
        );
    }
}
