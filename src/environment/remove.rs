//! Stopping and removing environments: `stop` (the container stays), `down` (the
//! container goes, its volumes stay) and `rm` (everything carrying this project's label,
//! listed before anything is removed). Objects without Berth's label are never touched.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::devcontainer::{self, ConfigError, LoadOptions};
use crate::engine::container::{self, ContainerState};
use crate::engine::{image, network, volume, Engine};

use super::{engine_error, up, Environment, EnvironmentError, Role, FOLDER_LABEL, PROJECT_LABEL};

/// How long a container may take to stop before it is killed.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// The environment of `target`: from its devcontainer.json, or, when the project folder
/// is gone, from the folder label on what Berth made for it.
///
/// # Errors
///
/// Neither a configuration nor any object of that folder.
pub async fn find(
    engine: &Engine,
    target: &Path,
    load: &LoadOptions,
) -> Result<Environment, EnvironmentError> {
    match devcontainer::load(target, load) {
        Ok(resolved) => Ok(Environment::of(&resolved)),
        Err(ConfigError::NotFound { .. }) => {
            let folder = std::path::absolute(target).unwrap_or_else(|_| target.to_owned());
            let labels = std::collections::BTreeMap::from([(
                FOLDER_LABEL.to_owned(),
                folder.to_string_lossy().into_owned(),
            )]);
            let found = container::list(engine, &labels)
                .await
                .map_err(engine_error(&folder, "look for its objects"))?;
            let id = match found.first().and_then(|c| c.labels.get(PROJECT_LABEL)) {
                Some(id) => id.clone(),
                None => volume::list(engine, &labels)
                    .await
                    .map_err(engine_error(&folder, "look for its objects"))?
                    .first()
                    .and_then(|v| v.labels.get(PROJECT_LABEL).cloned())
                    .ok_or_else(|| {
                        EnvironmentError::Invalid(format!(
                            "'{}' does not exist and Berth has nothing made for it",
                            folder.display()
                        ))
                    })?,
            };
            Ok(Environment {
                id,
                slug: super::slug(&folder),
                config_file: PathBuf::new(),
                local_folder: folder,
            })
        }
        Err(err) => Err(err.into()),
    }
}

/// Stop the environment's container (and the other services of its Compose project);
/// returns its name and whether it was running.
///
/// # Errors
///
/// No container, or the engine fails.
pub async fn stop(
    engine: &Engine,
    environment: &Environment,
) -> Result<(String, bool), EnvironmentError> {
    let folder = &environment.local_folder;
    let found = environment.existing_container(engine).await?;
    if found.state != ContainerState::Running {
        return Ok((found.name, false));
    }
    container::stop(engine, &found.id, STOP_GRACE)
        .await
        .map_err(engine_error(folder, "stop the container"))?;
    // The other services of a Compose project stop with it (shutdownAction stopCompose).
    for companion in companions(engine, environment).await? {
        if companion.state == ContainerState::Running {
            container::stop(engine, &companion.id, STOP_GRACE)
                .await
                .map_err(engine_error(
                    folder,
                    "stop a service of its Compose project",
                ))?;
        }
    }
    Ok((found.name, true))
}

/// The containers of the other services of the environment's Compose project.
async fn companions(
    engine: &Engine,
    environment: &Environment,
) -> Result<Vec<container::ContainerSummary>, EnvironmentError> {
    container::list(engine, &environment.filter(super::Role::Service))
        .await
        .map_err(engine_error(
            &environment.local_folder,
            "list its Compose services",
        ))
}

/// Remove the environment's container, keeping its volumes; `Ok(None)` when there was
/// none, else its name.
///
/// # Errors
///
/// The engine fails.
pub async fn down(
    engine: &Engine,
    environment: &Environment,
) -> Result<Option<String>, EnvironmentError> {
    let Some(found) = environment.container(engine).await? else {
        return Ok(None);
    };
    container::remove(engine, &found.id)
        .await
        .map_err(engine_error(
            &environment.local_folder,
            "remove the container",
        ))?;
    up::forget(&found.id);
    for companion in companions(engine, environment).await? {
        container::remove(engine, &companion.id)
            .await
            .map_err(engine_error(
                &environment.local_folder,
                "remove a service of its Compose project",
            ))?;
    }
    Ok(Some(found.name))
}

/// Everything Berth made for one project.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Owned {
    /// Containers: (id, name).
    pub containers: Vec<(String, String)>,
    /// Images: (id, tags).
    pub images: Vec<(String, Vec<String>)>,
    /// Volume names.
    pub volumes: Vec<String>,
    /// Networks (id, name): a Compose project's default network.
    pub networks: Vec<(String, String)>,
}

impl Owned {
    /// True when there is nothing.
    pub fn is_empty(&self) -> bool {
        self.containers.is_empty()
            && self.images.is_empty()
            && self.volumes.is_empty()
            && self.networks.is_empty()
    }
}

/// What `rm` would remove: every object labelled with the project's id.
///
/// # Errors
///
/// The engine fails.
pub async fn owned(engine: &Engine, environment: &Environment) -> Result<Owned, EnvironmentError> {
    let folder = &environment.local_folder;
    let labels =
        std::collections::BTreeMap::from([(PROJECT_LABEL.to_owned(), environment.id.clone())]);
    let containers = container::list(engine, &labels)
        .await
        .map_err(engine_error(folder, "list its containers"))?;
    let images = image::list(engine, &labels)
        .await
        .map_err(engine_error(folder, "list its images"))?;
    let volumes = volume::list(engine, &labels)
        .await
        .map_err(engine_error(folder, "list its volumes"))?;
    Ok(Owned {
        containers: containers.into_iter().map(|c| (c.id, c.name)).collect(),
        images: images.into_iter().map(|i| (i.id, i.tags)).collect(),
        volumes: volumes.into_iter().map(|v| v.name).collect(),
        networks: network::list(engine, &labels)
            .await
            .map_err(engine_error(folder, "list its networks"))?
            .into_iter()
            .map(|n| (n.id, n.name))
            .collect(),
    })
}

/// Remove exactly `owned` (as listed by [`owned`]): containers, then images, then
/// volumes, then networks. Objects already gone are not an error.
///
/// # Errors
///
/// The engine refuses one (e.g. another project's container uses a volume).
pub async fn remove(
    engine: &Engine,
    environment: &Environment,
    owned: &Owned,
) -> Result<(), EnvironmentError> {
    let folder = &environment.local_folder;
    for (id, _) in &owned.containers {
        container::remove(engine, id)
            .await
            .map_err(engine_error(folder, "remove a container"))?;
        up::forget(id);
    }
    // A helper that started since `owned` was listed (another caller measuring sizes)
    // holds the image and the volume; it is Berth's own and short-lived, so it goes too.
    let helpers = container::list(engine, &environment.filter(Role::Helper))
        .await
        .map_err(engine_error(folder, "list its helper containers"))?;
    for helper in helpers {
        container::remove(engine, &helper.id)
            .await
            .map_err(engine_error(folder, "remove a helper container"))?;
    }
    // Children first: a checkpoint or UID image is built on the environment's image.
    let mut images: Vec<&(String, Vec<String>)> = owned.images.iter().collect();
    for _ in 0..4 {
        let mut left = Vec::new();
        for entry in images {
            if image::remove(engine, &entry.0, true).await.is_err() {
                left.push(entry);
            }
        }
        images = left;
        if images.is_empty() {
            break;
        }
    }
    if let Some((id, _)) = images.first() {
        image::remove(engine, id, true)
            .await
            .map_err(engine_error(folder, "remove an image"))?;
    }
    for name in &owned.volumes {
        volume::remove(engine, name)
            .await
            .map_err(engine_error(folder, "remove a volume"))?;
    }
    for (id, _) in &owned.networks {
        network::remove(engine, id)
            .await
            .map_err(engine_error(folder, "remove a network"))?;
    }
    Ok(())
}
