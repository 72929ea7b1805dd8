//! Which Berth environment a GPU process belongs to. NVML names host pids; a pid's
//! `/proc/<pid>/cgroup` names its container (cgroup v1 and v2, the engine's cgroupfs and
//! systemd drivers), and the container's Berth labels name the environment.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::engine::{container, Engine, EngineError};
use crate::environment::{FOLDER_LABEL, PROJECT_LABEL};

/// The Berth environment a process runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentRef {
    /// The project id.
    pub id: String,
    /// The project folder.
    pub folder: PathBuf,
    /// The container's name.
    pub container: String,
}

/// The 64-hex container id a cgroup file names, if the process runs in a container.
///
/// Forms seen: `0::/docker/<id>` (cgroup v2, cgroupfs driver),
/// `0::/system.slice/docker-<id>.scope` (systemd driver), `12:memory:/docker/<id>`
/// (cgroup v1), `…/docker/<id>/init.scope` (Docker in Docker), and Kubernetes'
/// `…/cri-containerd-<id>.scope` and `…/crio-<id>.scope`.
pub fn container_id(cgroup: &str) -> Option<String> {
    cgroup.lines().find_map(|line| {
        // `hierarchy-id:controllers:path`; the path may itself contain ':'.
        let path = line.splitn(3, ':').nth(2)?;
        path.split('/').rev().find_map(id_in_segment)
    })
}

/// `<id>`, `docker-<id>.scope`, `cri-containerd-<id>.scope`, `crio-<id>.scope`, `libpod-<id>.scope`.
fn id_in_segment(segment: &str) -> Option<String> {
    let stem = segment.strip_suffix(".scope").unwrap_or(segment);
    let id = ["docker-", "cri-containerd-", "crio-", "libpod-"]
        .iter()
        .find_map(|prefix| stem.strip_prefix(prefix))
        .unwrap_or(stem);
    (id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())).then(|| id.to_ascii_lowercase())
}

/// Berth's containers by id, to name the environment of a GPU process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owners {
    by_container: HashMap<String, EnvironmentRef>,
}

impl Owners {
    /// Every Berth container on the engine (dev containers and Compose services).
    ///
    /// # Errors
    ///
    /// The engine does not answer.
    pub async fn read(engine: &Engine) -> Result<Self, EngineError> {
        let any = std::collections::BTreeMap::from([(PROJECT_LABEL.to_owned(), String::new())]);
        let containers = container::list(engine, &any).await?;
        Ok(Self {
            by_container: containers
                .into_iter()
                .filter_map(|c| {
                    let id = c.labels.get(PROJECT_LABEL)?.clone();
                    let folder =
                        PathBuf::from(c.labels.get(FOLDER_LABEL).cloned().unwrap_or_default());
                    Some((
                        c.id.to_ascii_lowercase(),
                        EnvironmentRef {
                            id,
                            folder,
                            container: c.name,
                        },
                    ))
                })
                .collect(),
        })
    }

    /// The environment whose container the cgroup text names; `None` for a process on the
    /// host or in a container Berth did not make.
    pub fn of(&self, cgroup: Option<&str>) -> Option<&EnvironmentRef> {
        self.by_container.get(&container_id(cgroup?)?)
    }

    /// Whether the cgroup names a container this map does not know (it may be new: read
    /// the engine again).
    pub fn is_stale_for(&self, cgroup: Option<&str>) -> bool {
        cgroup
            .and_then(container_id)
            .is_some_and(|id| !self.by_container.contains_key(&id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f4e1c2b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f";

    #[test]
    fn every_cgroup_form_names_the_container() {
        let forms = [
            format!("0::/docker/{ID}\n"),
            format!("0::/system.slice/docker-{ID}.scope\n"),
            format!("12:memory:/docker/{ID}\n11:cpu,cpuacct:/docker/{ID}\n"),
            format!("0::/docker/{ID}/init.scope\n"),
            format!("0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-{ID}.scope\n"),
            format!("1:name=systemd:/user.slice/libpod-{ID}.scope\n"),
        ];
        for form in forms {
            assert_eq!(container_id(&form).as_deref(), Some(ID), "{form}");
        }
    }

    #[test]
    fn a_process_outside_containers_has_no_container() {
        // The recorded H200 process ran in a sandbox of its own, not a container.
        let recorded = "0::/process_api/8fb5ca5e2e898f68cc11cbb197607485\n";
        assert_eq!(container_id(recorded), None);
        assert_eq!(
            container_id("0::/user.slice/user-1000.slice/session-2.scope"),
            None
        );
        assert_eq!(container_id("0::/"), None);
        assert_eq!(container_id(""), None);
    }

    #[test]
    fn a_berth_container_names_its_environment() {
        let owners = Owners {
            by_container: HashMap::from([(
                ID.to_owned(),
                EnvironmentRef {
                    id: "thesis-1a2b".into(),
                    folder: "/home/ana/thesis".into(),
                    container: "berth-thesis-1a2b".into(),
                },
            )]),
        };
        let cgroup = format!("0::/system.slice/docker-{ID}.scope\n");
        assert_eq!(owners.of(Some(&cgroup)).unwrap().id, "thesis-1a2b");
        assert!(!owners.is_stale_for(Some(&cgroup)));
        let other = format!("0::/docker/{}\n", "a".repeat(64));
        assert_eq!(owners.of(Some(&other)), None);
        assert!(owners.is_stale_for(Some(&other)));
        assert!(!owners.is_stale_for(Some("0::/user.slice")));
    }
}
