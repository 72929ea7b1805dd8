//! `ls`: every Berth environment on the engine, grouped by project, with its state, image
//! size and package-volume size; and the engine's events to keep such a list live.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::engine::container::{self, ContainerState, ContainerSummary};
use crate::engine::{image, volume, Engine};

use super::{engine_error, Role, FOLDER_LABEL, PROJECT_LABEL, ROLE_LABEL};

/// One environment as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The project id.
    pub id: String,
    /// The project folder.
    pub folder: PathBuf,
    /// Whether the folder still exists.
    pub folder_exists: bool,
    /// The container's name, when there is one.
    pub container: Option<String>,
    /// Its state (`None`: no container).
    pub state: Option<ContainerState>,
    /// The known-good image and its size in bytes.
    pub image: Option<(String, u64)>,
    /// The package volume and its size in bytes (`None` when not measured).
    pub packages: Option<(String, Option<u64>)>,
    /// How many checkpoints.
    pub checkpoints: usize,
}

/// Every environment, sorted by folder. With `sizes`, package volumes are measured (a
/// short `du`, in the running container or a helper of the environment's image).
///
/// # Errors
///
/// The engine fails.
pub async fn list(engine: &Engine, sizes: bool) -> Result<Vec<Listed>, super::EnvironmentError> {
    let here = PathBuf::from(".");
    // An empty value matches every project.
    let any = BTreeMap::from([(PROJECT_LABEL.to_owned(), String::new())]);
    let containers = container::list(engine, &any)
        .await
        .map_err(engine_error(&here, "list Berth's containers"))?;
    let images = image::list(engine, &any)
        .await
        .map_err(engine_error(&here, "list Berth's images"))?;
    let volumes = volume::list(engine, &any)
        .await
        .map_err(engine_error(&here, "list Berth's volumes"))?;

    let mut by_id: BTreeMap<String, Listed> = BTreeMap::new();
    let mut entry = |labels: &BTreeMap<String, String>| -> Option<String> {
        let id = labels.get(PROJECT_LABEL)?.clone();
        let folder = PathBuf::from(labels.get(FOLDER_LABEL).cloned().unwrap_or_default());
        by_id.entry(id.clone()).or_insert_with(|| Listed {
            id: id.clone(),
            folder_exists: folder.exists(),
            folder,
            container: None,
            state: None,
            image: None,
            packages: None,
            checkpoints: 0,
        });
        Some(id)
    };
    let role =
        |labels: &BTreeMap<String, String>| labels.get(ROLE_LABEL).cloned().unwrap_or_default();
    let mut running: BTreeMap<String, ContainerSummary> = BTreeMap::new();
    let mut images_of: BTreeMap<String, String> = BTreeMap::new();
    let mut found_containers = Vec::new();
    for c in containers {
        if role(&c.labels) != Role::Container.as_str() {
            continue;
        }
        if let Some(id) = entry(&c.labels) {
            found_containers.push((id, c));
        }
    }
    let mut found_images = Vec::new();
    for i in images {
        if let Some(id) = entry(&i.labels) {
            found_images.push((id, i));
        }
    }
    let mut found_volumes = Vec::new();
    for v in volumes {
        if role(&v.labels) != Role::Packages.as_str() {
            continue;
        }
        if let Some(id) = entry(&v.labels) {
            found_volumes.push((id, v));
        }
    }
    for (id, c) in found_containers {
        let listed = by_id.get_mut(&id).expect("entered above");
        listed.container = Some(c.name.clone());
        listed.state = Some(c.state);
        if c.state == ContainerState::Running {
            running.insert(id.clone(), c);
        }
    }
    for (id, i) in found_images {
        let listed = by_id.get_mut(&id).expect("entered above");
        match role(&i.labels).as_str() {
            "image" => {
                let tag = i.tags.first().cloned().unwrap_or_else(|| i.id.clone());
                images_of.insert(id.clone(), tag.clone());
                listed.image = Some((tag, i.size));
            }
            "checkpoint" => listed.checkpoints += i.tags.len().max(1),
            _ => {}
        }
    }
    let reported = if sizes && !found_volumes.is_empty() {
        volume::reported_sizes(engine).await.ok().flatten()
    } else {
        None
    };
    for (id, v) in found_volumes {
        let size = if let Some(size) = reported.as_ref().and_then(|r| r.get(&v.name)) {
            Some(*size)
        } else if sizes {
            let inside = running.get(&id).map(|c| c.id.clone());
            measure(
                engine,
                &v.name,
                inside.as_deref(),
                images_of.get(&id),
                &by_id[&id],
            )
            .await
        } else {
            None
        };
        by_id.get_mut(&id).expect("entered above").packages = Some((v.name, size));
    }
    let mut out: Vec<Listed> = by_id.into_values().collect();
    out.sort_by(|a, b| a.folder.cmp(&b.folder));
    Ok(out)
}

/// The size of a package volume, or `None` when it cannot be measured now.
async fn measure(
    engine: &Engine,
    name: &str,
    running: Option<&str>,
    image: Option<&String>,
    listed: &Listed,
) -> Option<u64> {
    if let Some(container_id) = running {
        let info = container::inspect(engine, container_id).await.ok()??;
        if let Some(mount) = info.mounts.iter().find(|m| m.source == name) {
            return volume::size(
                engine,
                name,
                Some((container_id, &mount.target)),
                "",
                &BTreeMap::new(),
            )
            .await
            .ok();
        }
    }
    let image = image?;
    let mut labels = BTreeMap::from([(PROJECT_LABEL.to_owned(), listed.id.clone())]);
    labels.insert(ROLE_LABEL.to_owned(), Role::Helper.as_str().to_owned());
    labels.insert(
        FOLDER_LABEL.to_owned(),
        listed.folder.to_string_lossy().into_owned(),
    );
    volume::size(engine, name, None, image, &labels).await.ok()
}

/// The engine's events that change what [`list`] shows: Berth's containers coming,
/// starting, stopping and going. Helper containers (the size measurements [`list`] itself
/// runs) are left out, so a list refreshed on each event does not trigger itself.
pub fn changes(
    engine: &Engine,
) -> impl futures_util::Stream<
    Item = Result<crate::engine::events::EngineEvent, crate::engine::EngineError>,
> + Send
       + 'static {
    use futures_util::StreamExt;
    crate::engine::events::watch(engine, PROJECT_LABEL).filter(|item| {
        let keep = match item {
            Ok(event) => !is_helper(&event.labels),
            Err(_) => true,
        };
        std::future::ready(keep)
    })
}

/// Whether a container's labels say it is one of Berth's short-lived helpers.
fn is_helper(labels: &BTreeMap<String, String>) -> bool {
    labels.get(ROLE_LABEL).map(String::as_str) == Some(Role::Helper.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    // regression: the window refreshed its list on every event, and each refresh's size
    // helper sent events of its own, so the list never stopped measuring
    #[test]
    fn helper_events_do_not_change_the_list() {
        let helper = BTreeMap::from([(ROLE_LABEL.to_owned(), Role::Helper.as_str().to_owned())]);
        assert!(is_helper(&helper));
        let container =
            BTreeMap::from([(ROLE_LABEL.to_owned(), Role::Container.as_str().to_owned())]);
        assert!(!is_helper(&container));
        assert!(!is_helper(&BTreeMap::new()));
    }
}
