//! Reset packages: delete this project's package volume and make it again, empty, so
//! the next `up` installs the requirements afresh. Only a volume carrying this project's
//! label is ever deleted; one in use is refused unless the caller asks to remove the
//! environment's container first (a stopped container still holds its volumes).

use std::path::Path;

use crate::devcontainer::{self, LoadOptions};
use crate::engine::{container, volume, Engine};

use super::plan::Plan;
use super::{engine_error, remove, EnvironmentError, Role, PROJECT_LABEL};

/// What a reset did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reset {
    /// The volume.
    pub volume: String,
    /// The container removed first, if any.
    pub removed_container: Option<String>,
}

/// Reset the package volume of `target`'s environment. With `remove_container`, the
/// environment's own container (running or not) is removed first; otherwise any
/// container using the volume makes this refuse.
///
/// # Errors
///
/// No package volume in the configuration, a volume Berth did not make, a container
/// using it, or the engine.
pub async fn reset_packages(
    engine: &Engine,
    target: &Path,
    load: &LoadOptions,
    remove_container: bool,
) -> Result<Reset, EnvironmentError> {
    let resolved = devcontainer::load(target, load)?;
    let plan = Plan::new(&resolved)?;
    let environment = &plan.environment;
    let folder = &environment.local_folder;
    let packages = plan.package_volume.clone().ok_or_else(|| {
        EnvironmentError::Invalid(format!(
            "'{}' mounts no package volume at a ~/.local: there is nothing to reset (Berth's recipes add one: `berth new`)",
            environment.config_file.display()
        ))
    })?;
    let found = volume::inspect(engine, &packages.name)
        .await
        .map_err(engine_error(folder, "look up the package volume"))?;
    let Some(found) = found else {
        volume::create(engine, &packages.name, &environment.labels(Role::Packages))
            .await
            .map_err(engine_error(folder, "create the package volume"))?;
        return Ok(Reset {
            volume: packages.name,
            removed_container: None,
        });
    };
    if found.labels.get(PROJECT_LABEL) != Some(&environment.id) {
        return Err(EnvironmentError::NotOurs {
            what: "volume",
            name: packages.name,
            folder: folder.clone(),
        });
    }
    let users = container::using_volume(engine, &packages.name)
        .await
        .map_err(engine_error(
            folder,
            "look for containers using the package volume",
        ))?;
    let ours = environment.container(engine).await?;
    let mut removed_container = None;
    for user in &users {
        let is_ours = ours.as_ref().is_some_and(|c| c.id == user.id);
        if !is_ours {
            return Err(EnvironmentError::Invalid(format!(
                "the package volume '{}' is used by the container '{}', which is not this environment's: stop and remove that container first",
                packages.name, user.name
            )));
        }
        if !remove_container {
            return Err(EnvironmentError::Invalid(format!(
                "the package volume '{}' is used by this environment's container '{}' ({}): ask Berth to remove the container too (it is recreated by the next `berth up`)",
                packages.name,
                user.name,
                user.state.as_str()
            )));
        }
    }
    if remove_container && !users.is_empty() {
        removed_container = remove::down(engine, environment).await?;
    }
    volume::remove(engine, &packages.name)
        .await
        .map_err(engine_error(folder, "remove the package volume"))?;
    volume::create(engine, &packages.name, &environment.labels(Role::Packages))
        .await
        .map_err(engine_error(folder, "create the package volume"))?;
    Ok(Reset {
        volume: packages.name,
        removed_container,
    })
}
