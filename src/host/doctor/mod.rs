//! The Doctor: a list of host checks, one file each, each with a status, what it found,
//! and how to fix what it did not. The window's Doctor screen and `berth doctor` show the
//! same list; a fix that is safe to run from the app carries a [`FixAction`].

mod disk;
mod engine;
mod nvidia_driver;
mod nvidia_runtime;

use serde::Serialize;
use ts_rs::TS;

pub use engine::fix_for;

/// Which check a result belongs to; stable, so the UI and scripts can key on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckId {
    /// A Docker engine answers at `DOCKER_HOST` or the platform default.
    DockerEngine,
    /// The NVIDIA driver is loaded, and which CUDA it runs.
    NvidiaDriver,
    /// The engine can give containers GPUs (the NVIDIA runtime or CDI devices).
    NvidiaRuntime,
    /// Room on the disk where the engine keeps images.
    Disk,
}

impl CheckId {
    /// The stable kebab-case name used in JSON and `data-testid`s.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DockerEngine => "docker-engine",
            Self::NvidiaDriver => "nvidia-driver",
            Self::NvidiaRuntime => "nvidia-runtime",
            Self::Disk => "disk",
        }
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub enum CheckStatus {
    /// All good.
    Ok,
    /// Works, but something deserves attention.
    Warning,
    /// Berth cannot work until this is fixed.
    Failed,
}

/// A fix Berth can run itself, safely (the window shows a button; `berth doctor --fix`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub enum FixAction {
    /// Placeholder until the first safe fix lands.
    #[doc(hidden)]
    None,
}

/// How to fix a check that did not pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct Fix {
    /// One sentence saying what to do.
    pub description: String,
    /// A command for the person to run (copy), when there is one.
    pub command: Option<String>,
    /// A fix Berth can run itself, when it is safe to.
    pub action: Option<FixAction>,
}

impl Fix {
    /// A fix that is a sentence and, maybe, a command to copy.
    pub fn to_copy(description: impl Into<String>, command: Option<&str>) -> Self {
        Self {
            description: description.into(),
            command: command.map(str::to_owned),
            action: None,
        }
    }
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Which check this is.
    pub id: CheckId,
    /// What was checked, e.g. "Docker engine reachable".
    pub title: String,
    /// The outcome.
    pub status: CheckStatus,
    /// What was found, in one line: the engine's version, or what is wrong.
    pub summary: String,
    /// How to fix it, when the check did not pass.
    pub fix: Option<Fix>,
}

impl Check {
    fn new(
        id: CheckId,
        title: &str,
        status: CheckStatus,
        summary: String,
        fix: Option<Fix>,
    ) -> Self {
        Self {
            id,
            title: title.to_owned(),
            status,
            summary,
            fix,
        }
    }
}

/// The full list of checks, in the order they were run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoctorReport {
    /// Every check's result.
    pub checks: Vec<Check>,
}

impl DoctorReport {
    /// True when no check failed (warnings are allowed).
    pub fn healthy(&self) -> bool {
        self.checks.iter().all(|c| c.status != CheckStatus::Failed)
    }
}

/// Run every host check.
pub async fn run() -> DoctorReport {
    let connected = crate::engine::Engine::connect().await;
    let engine_facts = match &connected {
        Ok(engine) => engine.facts().await.ok(),
        Err(_) => None,
    };
    let driver = tokio::task::spawn_blocking(nvidia_driver::Found::probe)
        .await
        .unwrap_or_else(|_| {
            Err(crate::gpu::GpuError::Nvml {
                message: "the NVML probe stopped unexpectedly".to_owned(),
            })
        });
    let checks = vec![
        engine::check(&connected).await,
        nvidia_driver::check(&driver),
        nvidia_runtime::check(engine_facts.as_ref(), driver.is_ok()),
        disk::check(engine_facts.as_ref()),
    ];
    DoctorReport { checks }
}
