//! The Doctor: a list of host checks, one file each, each with a status, what it found,
//! and how to fix what it did not. The window's Doctor screen and `berth doctor` show the
//! same list; a fix that is safe to run from the app carries a [`FixAction`].

mod disk;
mod engine;
mod keyring;
mod nvidia_driver;
mod nvidia_runtime;
mod vscode;
mod wsl_memory;

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
    /// VS Code's `code` and its Dev Containers extension.
    VsCode,
    /// WSL's memory and swap against what builds need (Windows and WSL only).
    WslMemory,
    /// The OS keyring keeps registry credentials.
    Keyring,
}

impl CheckId {
    /// The stable kebab-case name used in JSON and `data-testid`s.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DockerEngine => "docker-engine",
            Self::NvidiaDriver => "nvidia-driver",
            Self::NvidiaRuntime => "nvidia-runtime",
            Self::Disk => "disk",
            Self::VsCode => "vscode",
            Self::WslMemory => "wsl-memory",
            Self::Keyring => "keyring",
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub enum FixAction {
    /// Install VS Code's Dev Containers extension (`code --install-extension`).
    InstallDevContainers,
    /// Write the recommended memory and swap into `.wslconfig` (with a backup; WSL takes
    /// them at its next start, which the person chooses: `wsl --shutdown` stops every
    /// distribution).
    SetWslMemory,
}

impl FixAction {
    /// Every action, for `berth doctor --fix`'s help and the window.
    pub const ALL: [Self; 2] = [Self::InstallDevContainers, Self::SetWslMemory];

    /// The stable kebab-case id (`berth doctor --fix ID`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InstallDevContainers => "install-dev-containers",
            Self::SetWslMemory => "set-wsl-memory",
        }
    }
}

impl std::str::FromStr for FixAction {
    type Err = DoctorError;

    fn from_str(text: &str) -> Result<Self, DoctorError> {
        Self::ALL
            .into_iter()
            .find(|action| action.as_str() == text)
            .ok_or_else(|| DoctorError::UnknownAction {
                action: text.to_owned(),
            })
    }
}

/// Why a fix could not be run.
#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    /// No such action.
    #[error("no fix called '{action}': the fixes Berth can run are install-dev-containers and set-wsl-memory")]
    UnknownAction {
        /// What was asked for.
        action: String,
    },
    /// Installing the extension failed.
    #[error("failed to install the Dev Containers extension")]
    VsCode(#[source] crate::vscode::VsCodeError),
    /// Writing `.wslconfig` failed (it is untouched).
    #[error("failed to set WSL's memory")]
    Wsl(#[source] crate::host::wsl::WslError),
}

/// Run a safe fix and say what it did.
///
/// # Errors
///
/// [`DoctorError`]: the fix failed, and nothing was half-done.
pub async fn run_action(action: FixAction) -> Result<String, DoctorError> {
    match action {
        FixAction::InstallDevContainers => {
            let search = crate::vscode::CodeSearch::from_env(crate::vscode::current_host());
            vscode::install_extension(&search)
                .await
                .map_err(DoctorError::VsCode)
        }
        FixAction::SetWslMemory => {
            let (outcome, assessment) =
                crate::host::wsl::set_recommended(None).map_err(DoctorError::Wsl)?;
            if !outcome.written {
                return Ok(format!(
                    "{} already has what builds need",
                    outcome.path.display()
                ));
            }
            let backup = outcome
                .backup
                .as_ref()
                .map(|b| format!(" (the old file is kept as {})", b.display()))
                .unwrap_or_default();
            Ok(format!(
                "wrote memory={} swap={} to {}{backup}; run `wsl --shutdown` when every distribution may stop, and WSL starts with them",
                assessment.recommended.memory,
                assessment.recommended.swap,
                outcome.path.display()
            ))
        }
    }
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
    /// A check that needs the engine, when the engine did not answer.
    fn without_engine(id: CheckId, title: &str) -> Self {
        Self::new(
            id,
            title,
            CheckStatus::Warning,
            "not checked: the Docker engine did not answer".to_owned(),
            None,
        )
    }

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
    /// The machine the checks ran on.
    pub host: crate::host::facts::HostFacts,
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
    let host = crate::host::facts::HostFacts::read();
    let mut checks = vec![
        engine::check(&connected).await,
        nvidia_driver::check(&driver, host.wsl),
        nvidia_runtime::check(engine_facts.as_ref(), driver.is_ok()),
        disk::check(engine_facts.as_ref()),
    ];
    if cfg!(windows) || host.wsl {
        checks.push(wsl_memory::check());
    }
    let search = crate::vscode::CodeSearch::from_env(crate::vscode::current_host());
    checks.push(vscode::check(&search).await);
    checks.push(
        tokio::task::spawn_blocking(keyring::check)
            .await
            .unwrap_or_else(|_| {
                Check::new(
                    CheckId::Keyring,
                    "OS keyring for registry credentials",
                    CheckStatus::Warning,
                    "the keyring probe stopped unexpectedly".to_owned(),
                    None,
                )
            }),
    );
    DoctorReport { host, checks }
}
