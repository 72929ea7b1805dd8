//! Transport types for the environment verbs (`berth up|build|ls|rm|reset|freeze|
//! checkpoint|rollback|push --json`, and the window later): one line of progress per event,
//! and the result of each verb.

use serde::Serialize;
use ts_rs::TS;

use crate::engine::progress::{Event, Level};
use crate::environment::{checkpoint, freeze, list, push, remove, reset, up};

/// One line of progress: the event with its time, level and message for a person.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct ProgressLine {
    /// When (RFC 3339).
    pub time: String,
    /// How much it matters.
    pub level: Level,
    /// The event for a person.
    pub message: String,
    /// The event itself.
    pub event: Event,
}

impl ProgressLine {
    /// The line for `event`, stamped now.
    pub fn now(event: Event) -> Self {
        Self {
            time: chrono::Utc::now().to_rfc3339(),
            level: event.level(),
            message: event.message(),
            event,
        }
    }
}

/// What `berth up` did.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct UpResult {
    /// `success` or `cancelled`.
    pub outcome: String,
    /// `already-running`, `started`, `created` or `recreated`.
    pub action: Option<String>,
    /// The container's id.
    pub container_id: Option<String>,
    /// The container's name.
    pub container_name: Option<String>,
    /// The image.
    pub image: Option<String>,
    /// The user tools run as.
    pub remote_user: Option<String>,
    /// The workspace folder in the container.
    pub remote_workspace_folder: Option<String>,
    /// The lifecycle commands that ran.
    pub ran: Vec<String>,
    /// What a person should know.
    pub warnings: Vec<String>,
}

impl UpResult {
    /// The result of an `up` that finished or was cancelled.
    pub fn of(outcome: &crate::engine::Outcome<up::Upped>) -> Self {
        match outcome {
            crate::engine::Outcome::Done(upped) => Self::from(upped),
            crate::engine::Outcome::Cancelled => Self::cancelled(),
        }
    }

    /// The result of a cancelled `up`.
    pub fn cancelled() -> Self {
        Self {
            outcome: "cancelled".to_owned(),
            action: None,
            container_id: None,
            container_name: None,
            image: None,
            remote_user: None,
            remote_workspace_folder: None,
            ran: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

impl From<&up::Upped> for UpResult {
    fn from(upped: &up::Upped) -> Self {
        Self {
            outcome: "success".to_owned(),
            action: Some(upped.action.as_str().to_owned()),
            container_id: Some(upped.container_id.clone()),
            container_name: Some(upped.container_name.clone()),
            image: Some(upped.image.clone()),
            remote_user: upped.remote_user.clone(),
            remote_workspace_folder: Some(upped.workspace_folder.clone()),
            ran: upped.ran.clone(),
            warnings: upped.warnings.clone(),
        }
    }
}

/// One environment of `berth ls`.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct ListedEnvironment {
    /// The project id (`${devcontainerId}`).
    pub id: String,
    /// The project folder.
    pub folder: String,
    /// Whether the folder still exists.
    pub folder_exists: bool,
    /// The container's name.
    pub container: Option<String>,
    /// `running`, `exited`, … or `null` without a container.
    pub state: Option<String>,
    /// The known-good image.
    pub image: Option<String>,
    /// Its size in bytes.
    #[ts(type = "number | null")]
    pub image_size: Option<u64>,
    /// The package volume.
    pub package_volume: Option<String>,
    /// Its size in bytes, when measured.
    #[ts(type = "number | null")]
    pub package_volume_size: Option<u64>,
    /// How many checkpoints.
    pub checkpoints: usize,
}

impl From<&list::Listed> for ListedEnvironment {
    fn from(listed: &list::Listed) -> Self {
        Self {
            id: listed.id.clone(),
            folder: listed.folder.to_string_lossy().into_owned(),
            folder_exists: listed.folder_exists,
            container: listed.container.clone(),
            state: listed.state.map(|s| s.as_str().to_owned()),
            image: listed.image.as_ref().map(|(tag, _)| tag.clone()),
            image_size: listed.image.as_ref().map(|(_, size)| *size),
            package_volume: listed.packages.as_ref().map(|(name, _)| name.clone()),
            package_volume_size: listed.packages.as_ref().and_then(|(_, size)| *size),
            checkpoints: listed.checkpoints,
        }
    }
}

/// What `berth rm` removes (or removed).
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct Removal {
    /// True once removed; false when only listed.
    pub removed: bool,
    /// Container names.
    pub containers: Vec<String>,
    /// Image tags (or ids of untagged ones).
    pub images: Vec<String>,
    /// Volume names.
    pub volumes: Vec<String>,
    /// Network names (a Compose project's default network).
    pub networks: Vec<String>,
}

impl Removal {
    /// The listing of `owned`.
    pub fn of(owned: &remove::Owned, removed: bool) -> Self {
        Self {
            removed,
            containers: owned.containers.iter().map(|(_, n)| n.clone()).collect(),
            images: owned
                .images
                .iter()
                .flat_map(|(id, tags)| {
                    if tags.is_empty() {
                        vec![id.clone()]
                    } else {
                        tags.clone()
                    }
                })
                .collect(),
            volumes: owned.volumes.clone(),
            networks: owned.networks.iter().map(|(_, n)| n.clone()).collect(),
        }
    }
}

/// What `berth reset` did.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct ResetResult {
    /// The package volume, now empty.
    pub volume: String,
    /// The container removed first, if any.
    pub removed_container: Option<String>,
}

impl From<&reset::Reset> for ResetResult {
    fn from(reset: &reset::Reset) -> Self {
        Self {
            volume: reset.volume.clone(),
            removed_container: reset.removed_container.clone(),
        }
    }
}

/// What `berth freeze` found and did.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct FreezeResult {
    /// The requirements file.
    pub path: String,
    /// The change as a unified diff (empty: nothing to change).
    pub diff: String,
    /// Whether the file was written.
    pub written: bool,
    /// The backup of the old file.
    pub backup: Option<String>,
    /// Listed packages that are not installed.
    pub not_installed: Vec<String>,
}

impl From<&freeze::Frozen> for FreezeResult {
    fn from(frozen: &freeze::Frozen) -> Self {
        Self {
            path: frozen.path.to_string_lossy().into_owned(),
            diff: frozen.diff.clone(),
            written: frozen.written,
            backup: frozen
                .backup
                .as_ref()
                .map(|b| b.to_string_lossy().into_owned()),
            not_installed: frozen.not_installed.clone(),
        }
    }
}

/// One checkpoint.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct CheckpointInfo {
    /// Its name.
    pub name: String,
    /// Its image.
    pub image: String,
    /// When it was made (RFC 3339).
    pub created: String,
    /// The hash of the requirements it was made with.
    pub requirements: String,
    /// Whether the project's requirements are still the same.
    pub requirements_current: bool,
    /// The image's size in bytes.
    #[ts(type = "number")]
    pub size: u64,
}

impl From<&checkpoint::Checkpoint> for CheckpointInfo {
    fn from(checkpoint: &checkpoint::Checkpoint) -> Self {
        Self {
            name: checkpoint.name.clone(),
            image: checkpoint.reference.clone(),
            created: checkpoint.created.clone(),
            requirements: checkpoint.requirements.clone(),
            requirements_current: checkpoint.requirements_current,
            size: checkpoint.size,
        }
    }
}

/// What `berth push` did.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct PushResult {
    /// The reference the registry has now, e.g. `localhost:5000/team/thesis:1`.
    pub reference: String,
    /// The manifest digest the registry stored.
    pub digest: String,
    /// The local image that was pushed.
    pub image: String,
    /// Whether a credential from the keyring was sent.
    pub authenticated: bool,
}

impl From<&push::Pushed> for PushResult {
    fn from(pushed: &push::Pushed) -> Self {
        Self {
            reference: pushed.reference.clone(),
            digest: pushed.digest.clone(),
            image: pushed.image.clone(),
            authenticated: pushed.authenticated,
        }
    }
}
