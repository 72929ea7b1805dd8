//! The window's request shapes: the one argument object each desktop command takes, and
//! the small results that have no `--json` verb of their own. Generated into TypeScript
//! with the rest, so the UI cannot send a field the shell does not read.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::host::doctor::FixAction;
use crate::recipe::RecipeRequest;

/// A command that takes nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(
    export,
    export_to = "../ui/src/bindings/",
    type = "Record<string, never>"
)]
pub struct NoArgs {}

/// A command about one project folder.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct FolderArgs {
    /// The project folder (absolute).
    pub folder: String,
}

/// `up`: build what is needed and start the environment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct UpArgs {
    /// The project folder.
    pub folder: String,
    /// Rebuild the image and recreate the container even when nothing changed.
    pub rebuild: bool,
    /// Build without Docker's cache.
    pub no_cache: bool,
}

/// `freeze`: pin what is installed into the requirements file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct FreezeArgs {
    /// The project folder.
    pub folder: String,
    /// False: only show the change.
    pub write: bool,
}

/// `checkpoint`: keep the environment's current state as an image.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct CheckpointArgs {
    /// The project folder.
    pub folder: String,
    /// Its name; a timestamp when empty.
    pub name: Option<String>,
}

/// `rollback`: recreate the container from a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct RollbackArgs {
    /// The project folder.
    pub folder: String,
    /// The checkpoint to return to.
    pub name: String,
}

/// `preview_project` and `create_project`: the wizard's choices for a folder.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct ProjectArgs {
    /// The project folder (created when missing).
    pub folder: String,
    /// The choices.
    pub request: RecipeRequest,
    /// Replace existing files that differ (each keeps a backup).
    pub overwrite: bool,
}

/// `doctor_fix`: run one of the fixes Berth can run itself.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct DoctorFixArgs {
    /// Which fix.
    pub action: FixAction,
}

/// `registry_login`: keep a registry credential in the OS keyring.
#[derive(Clone, PartialEq, Eq, Deserialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct LoginArgs {
    /// The registry host (and port).
    pub registry: String,
    /// The user name.
    pub username: String,
    /// The password or token; goes to the keyring and nowhere else.
    pub secret: String,
}

impl std::fmt::Debug for LoginArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginArgs")
            .field("registry", &self.registry)
            .field("username", &self.username)
            .field("secret", &"<hidden>")
            .finish()
    }
}

/// `registry_logout`: forget a registry credential.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct RegistryArgs {
    /// The registry host (and port).
    pub registry: String,
}

/// `cancel`: stop a running long operation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct JobArgs {
    /// The job: the project folder it works on.
    pub job: String,
}

/// What a fix Berth ran did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct DoctorFixResult {
    /// One line for a person.
    pub message: String,
}

/// What stopping an environment did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct StopResult {
    /// The container's name, when there is one.
    pub container: Option<String>,
    /// False when it was not running.
    pub stopped: bool,
}

/// What a folder holds, before the wizard decides where to start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct ProjectInfo {
    /// The folder, absolute.
    pub folder: String,
    /// Whether it exists.
    pub exists: bool,
    /// Its devcontainer.json, when it has one: build and start it as it is.
    pub config_file: Option<String>,
}

impl From<&crate::devcontainer::discover::ProjectState> for ProjectInfo {
    fn from(state: &crate::devcontainer::discover::ProjectState) -> Self {
        Self {
            folder: state.folder.display().to_string(),
            exists: state.exists,
            config_file: state.config_file.as_ref().map(|p| p.display().to_string()),
        }
    }
}

/// The settings the window shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct SettingsReport {
    /// The Docker engine Berth talks to.
    pub docker_host: String,
    /// Where that comes from, for a person: "DOCKER_HOST", "the default socket".
    pub docker_host_source: String,
    /// Whether this is Windows.
    pub is_windows: bool,
    /// Whether WSL's memory settings concern this machine (Windows, or inside WSL).
    pub wsl_applies: bool,
}

impl SettingsReport {
    /// The settings in effect for this process.
    pub fn current() -> Self {
        Self {
            docker_host: crate::engine::configured_endpoint(),
            docker_host_source: crate::engine::endpoint_source().to_owned(),
            is_windows: cfg!(windows),
            wsl_applies: crate::host::wsl::applies_here(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn up_arguments_read_the_ui_s_camel_case() {
        let args: UpArgs =
            serde_json::from_str(r#"{"folder": "/p", "rebuild": true, "noCache": false}"#).unwrap();
        assert_eq!(
            args,
            UpArgs {
                folder: "/p".into(),
                rebuild: true,
                no_cache: false
            }
        );
    }

    #[test]
    fn a_login_never_prints_its_secret() {
        let args: LoginArgs = serde_json::from_str(
            r#"{"registry": "localhost:5000", "username": "ada", "secret": "s3cr3t-token"}"#,
        )
        .unwrap();
        let shown = format!("{args:?}");
        assert!(!shown.contains("s3cr3t-token"), "{shown}");
        assert!(shown.contains("ada"));
    }

    #[test]
    fn no_args_accepts_an_empty_object() {
        let _: NoArgs = serde_json::from_str("{}").unwrap();
    }
}
