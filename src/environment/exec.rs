//! `exec`: a command in the running container as the tools run it (the remote user, the
//! workspace folder, the login environment plus `remoteEnv`), with the settings read
//! from the container's own `devcontainer.metadata` label as the reference CLI does.

use std::path::Path;

use crate::devcontainer::{self, LoadOptions};
use crate::engine::container::ContainerState;
use crate::engine::Engine;

use super::lifecycle::{self, Session};
use super::metadata;
use super::{Environment, EnvironmentError, METADATA_LABEL};

/// A session in the running container of `target`'s environment.
///
/// # Errors
///
/// No container, not running, the configuration cannot be read, or the engine fails.
pub async fn session(
    engine: &Engine,
    target: &Path,
    load: &LoadOptions,
) -> Result<Session, EnvironmentError> {
    let resolved = devcontainer::load(target, load)?;
    let environment = Environment::of(&resolved);
    let folder = environment.local_folder.clone();
    let found = environment.existing_container(engine).await?;
    if found.state != ContainerState::Running {
        return Err(EnvironmentError::NotRunning { folder });
    }
    let info = super::inspect_container(engine, &found.id, &folder).await?;
    let merged = metadata::merge(&metadata::entries_of(
        info.labels.get(METADATA_LABEL).map(String::as_str),
    ));
    let probe = merged
        .user_env_probe
        .clone()
        .unwrap_or_else(|| "loginInteractiveShell".to_owned());
    lifecycle::session(
        engine,
        &info,
        merged.remote_user.as_deref(),
        &merged.remote_env,
        &probe,
        &resolved.workspace.folder,
        &folder,
    )
    .await
}
