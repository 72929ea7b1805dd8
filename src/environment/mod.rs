//! Environments: a project's image, container and volumes as Docker sees them, and the
//! operations a user runs on them (`up`, `exec`, `stop`, `down`, `rm`, reset packages,
//! freeze, checkpoints, the list). Every object carries Berth's label
//! `dev.berth.project=<devcontainerId>`; Berth deletes nothing that lacks it.

pub mod checkpoint;
pub mod compose;
pub mod exec;
pub mod features;
pub mod freeze;
pub mod lifecycle;
pub mod list;
pub mod metadata;
pub mod plan;
pub mod push;
pub mod remove;
pub mod reset;
pub mod run_args;
pub mod uid;
pub mod up;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::devcontainer::{ConfigError, ResolvedConfig};
use crate::engine::container::{self, ContainerSummary};
use crate::engine::{BuildError, Engine, EngineError};

pub use plan::Plan;
pub use up::{up, UpOptions, Upped};

/// The label every Docker object Berth creates carries; its value is the project id.
pub const PROJECT_LABEL: &str = "dev.berth.project";
/// What the object is to its environment (see [`Role`]).
pub const ROLE_LABEL: &str = "dev.berth.role";
/// The project folder, on every object (for listings after the container is gone).
pub const FOLDER_LABEL: &str = "dev.berth.local-folder";
/// The hash of what the container was made from; a change means recreate.
pub const CONFIG_HASH_LABEL: &str = "dev.berth.config-hash";
/// The reference CLI's label: the project folder.
pub const LOCAL_FOLDER_LABEL: &str = "devcontainer.local_folder";
/// The reference CLI's label: the devcontainer.json.
pub const CONFIG_FILE_LABEL: &str = "devcontainer.config_file";
/// The reference CLI's label: the merged configuration of the container.
pub const METADATA_LABEL: &str = "devcontainer.metadata";

/// What a Berth object is to its environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The dev container.
    Container,
    /// The environment's image.
    Image,
    /// The image with the container user's UID/GID changed.
    UidImage,
    /// A checkpoint of the image.
    Checkpoint,
    /// The package volume at `~/.local`.
    Packages,
    /// Another named volume of the configuration's mounts, made by Berth.
    Volume,
    /// A short-lived helper container (sizes, ownership).
    Helper,
    /// Another service of the environment's Compose project.
    Service,
    /// The default network of the environment's Compose project.
    Network,
}

impl Role {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Container => "container",
            Self::Image => "image",
            Self::UidImage => "uid-image",
            Self::Checkpoint => "checkpoint",
            Self::Packages => "packages",
            Self::Volume => "volume",
            Self::Helper => "helper",
            Self::Service => "service",
            Self::Network => "network",
        }
    }
}

/// Why an environment operation failed.
#[derive(Debug, thiserror::Error)]
pub enum EnvironmentError {
    /// The devcontainer.json could not be read.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A Feature cannot be fetched or used.
    #[error(transparent)]
    Feature(#[from] crate::feature::FeatureError),
    /// The engine failed a request.
    #[error("failed to {doing} for '{}'", folder.display())]
    Engine {
        /// What Berth was doing, e.g. "create the container".
        doing: String,
        /// The project folder.
        folder: PathBuf,
        /// The cause.
        #[source]
        source: Box<EngineError>,
    },
    /// The image could not be built.
    #[error("{}{}", crate::error_chain(error.as_ref()), if *kept { "\n  the environment's last working image and container are untouched" } else { "" })]
    Build {
        /// The build's error (shown in the message, with its causes).
        error: Box<BuildError>,
        /// True when an earlier image (and container) were kept as they were.
        kept: bool,
    },
    /// A lifecycle command failed.
    #[error("{0}")]
    Lifecycle(Box<LifecycleFailure>),
    /// The configuration needs a GPU and the engine cannot give one.
    #[error("'{}' asks for a GPU (hostRequirements.gpu), but this Docker engine has no NVIDIA runtime: install the NVIDIA Container Toolkit (https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/) and restart Docker, or set \"hostRequirements\": {{\"gpu\": \"optional\"}} to start without one", config.display())]
    NoGpu {
        /// The devcontainer.json.
        config: PathBuf,
    },
    /// The operation needs a container and there is none.
    #[error("'{}' has no container yet: run `berth up` first", folder.display())]
    NoContainer {
        /// The project folder.
        folder: PathBuf,
    },
    /// The operation needs a running container.
    #[error("the container of '{}' is not running: run `berth up` to start it", folder.display())]
    NotRunning {
        /// The project folder.
        folder: PathBuf,
    },
    /// An object of the name Berth wants exists and is not this environment's.
    #[error("{what} '{name}' exists but was not made by Berth for '{}'; Berth leaves it alone: rename or remove it yourself, or change the name in devcontainer.json", folder.display())]
    NotOurs {
        /// "volume", "container".
        what: &'static str,
        /// Its name.
        name: String,
        /// The project folder.
        folder: PathBuf,
    },
    /// A command on the host (`initializeCommand`) failed or could not run.
    #[error("initializeCommand failed on this machine: {message}")]
    Host {
        /// What happened.
        message: String,
    },
    /// A value the user gave or wrote that Berth cannot use.
    #[error("{0}")]
    Invalid(String),
    /// Reading or writing a file in the project failed.
    #[error("failed to {doing} '{}': {source}", path.display())]
    File {
        /// "read", "write".
        doing: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl EnvironmentError {
    /// The failed build step, its last lines and hint, when a build step failed (the
    /// window's failure card; the message carries the same in words).
    pub fn build_failure(&self) -> Option<&crate::engine::BuildFailure> {
        match self {
            Self::Build { error, .. } => error.failure(),
            _ => None,
        }
    }
}

/// A lifecycle command that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleFailure {
    /// The property, e.g. `postCreateCommand` (or `a of postStartCommand`).
    pub stage: String,
    /// The command as it ran.
    pub command: String,
    /// Its exit code.
    pub exit_code: Option<i64>,
    /// Its last lines.
    pub last_lines: Vec<String>,
    /// A known cause.
    pub hint: Option<crate::engine::hint::Hint>,
}

impl std::fmt::Display for LifecycleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} failed", self.stage)?;
        if let Some(code) = self.exit_code {
            write!(f, " with exit code {code}")?;
        }
        write!(f, ": {}", self.command)?;
        let shown = tail(&self.last_lines);
        if !shown.is_empty() {
            write!(f, "\n{shown}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {}", hint.message)?;
        }
        Ok(())
    }
}

fn tail(lines: &[String]) -> String {
    let shown = &lines[lines.len().saturating_sub(crate::engine::build::LAST_LINES)..];
    if shown.is_empty() {
        return String::new();
    }
    format!("  last output:\n    {}", shown.join("\n    "))
}

/// Attach the project folder and what Berth was doing to an engine error.
pub(crate) fn engine_error(
    folder: &Path,
    doing: impl Into<String>,
) -> impl FnOnce(EngineError) -> EnvironmentError {
    let folder = folder.to_owned();
    let doing = doing.into();
    move |source| EnvironmentError::Engine {
        doing,
        folder,
        source: Box::new(source),
    }
}

/// The container `id` in detail, or [`EnvironmentError::NoContainer`] when it is gone.
pub(crate) async fn inspect_container(
    engine: &Engine,
    id: &str,
    folder: &Path,
) -> Result<container::ContainerInfo, EnvironmentError> {
    container::inspect(engine, id)
        .await
        .map_err(engine_error(folder, "inspect the container"))?
        .ok_or_else(|| EnvironmentError::NoContainer {
            folder: folder.to_owned(),
        })
}

/// A project's environment: its identity and the names of its Docker objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    /// `${devcontainerId}`: stable per project folder and devcontainer.json.
    pub id: String,
    /// The project folder.
    pub local_folder: PathBuf,
    /// The devcontainer.json.
    pub config_file: PathBuf,
    /// The folder's name, made safe for Docker names (`thesis`, `my-project`).
    pub slug: String,
}

impl Environment {
    /// The environment of a resolved configuration.
    pub fn of(resolved: &ResolvedConfig) -> Self {
        Self {
            id: resolved.id.clone(),
            local_folder: resolved.local_folder.clone(),
            config_file: resolved.config_file.clone(),
            slug: slug(&resolved.local_folder),
        }
    }

    /// The first characters of the id, enough to tell projects with one name apart.
    pub fn short_id(&self) -> &str {
        &self.id[..self.id.len().min(8)]
    }

    /// The image repository, e.g. `berth/thesis-1a2b3c4d`.
    pub fn repository(&self) -> String {
        format!("berth/{}-{}", self.slug, self.short_id())
    }

    /// The known-good image: the last one that built.
    pub fn image(&self) -> String {
        format!("{}:latest", self.repository())
    }

    /// The image a Dockerfile builds when Features go on top of it.
    pub fn base_image(&self) -> String {
        format!("{}:base", self.repository())
    }

    /// The container's name, e.g. `berth-thesis-1a2b3c4d`.
    pub fn container_name(&self) -> String {
        format!("berth-{}-{}", self.slug, self.short_id())
    }

    /// The labels of an object with `role`.
    pub fn labels(&self, role: Role) -> BTreeMap<String, String> {
        BTreeMap::from([
            (PROJECT_LABEL.to_owned(), self.id.clone()),
            (ROLE_LABEL.to_owned(), role.as_str().to_owned()),
            (
                FOLDER_LABEL.to_owned(),
                self.local_folder.to_string_lossy().into_owned(),
            ),
        ])
    }

    /// The filter for this project's objects of `role`.
    pub fn filter(&self, role: Role) -> BTreeMap<String, String> {
        BTreeMap::from([
            (PROJECT_LABEL.to_owned(), self.id.clone()),
            (ROLE_LABEL.to_owned(), role.as_str().to_owned()),
        ])
    }

    /// This project's container, if there is one.
    ///
    /// # Errors
    ///
    /// The engine does not answer.
    pub async fn container(
        &self,
        engine: &Engine,
    ) -> Result<Option<ContainerSummary>, EnvironmentError> {
        let mut found = container::list(engine, &self.filter(Role::Container))
            .await
            .map_err(engine_error(&self.local_folder, "look for the container"))?;
        // Should an interrupted run have left a second one, the running one counts.
        found.sort_by_key(|c| c.state != container::ContainerState::Running);
        Ok(found.into_iter().next())
    }

    /// This project's container; [`EnvironmentError::NoContainer`] when there is none.
    ///
    /// # Errors
    ///
    /// No container, or the engine does not answer.
    pub async fn existing_container(
        &self,
        engine: &Engine,
    ) -> Result<ContainerSummary, EnvironmentError> {
        self.container(engine)
            .await?
            .ok_or_else(|| EnvironmentError::NoContainer {
                folder: self.local_folder.clone(),
            })
    }
}

/// A folder name as Docker names allow: lowercase letters, digits, `.`, `_`, `-`.
pub fn slug(folder: &Path) -> String {
    let name = folder
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let mut out = String::new();
    for c in name.chars() {
        let keep = c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-');
        let next = if keep { c } else { '-' };
        if next == '-' && out.ends_with('-') {
            continue;
        }
        out.push(next);
    }
    let out: String = out
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .chars()
        .take(40)
        .collect();
    if out.is_empty() {
        "project".to_owned()
    } else {
        out
    }
}

/// A short hex sha256 of `parts`, each length-prefixed so their boundaries count.
pub(crate) fn hash(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_become_docker_safe_slugs() {
        assert_eq!(slug(Path::new("/home/a/Thesis")), "thesis");
        assert_eq!(slug(Path::new("/tmp/my project (v2)")), "my-project-v2");
        assert_eq!(slug(Path::new("/tmp/données")), "donn-es");
        assert_eq!(slug(Path::new("/tmp/日本")), "project");
    }

    #[test]
    fn hashing_keeps_part_boundaries() {
        assert_ne!(hash(&[b"ab", b"c"]), hash(&[b"a", b"bc"]));
        assert_eq!(hash(&[b"x"]).len(), 16);
    }
}
