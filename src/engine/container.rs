//! Containers: create one from Berth's own description, find, inspect, start, stop and
//! remove them. Lookups go by label, so Berth only ever sees (and touches) what the
//! caller's filter names.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use bollard::models::{
    ContainerCreateBody, ContainerStateStatusEnum, DeviceRequest, HostConfig, MountType,
    PortBinding,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, InspectContainerOptions, ListContainersOptionsBuilder,
    RemoveContainerOptionsBuilder, StartContainerOptions, StopContainerOptionsBuilder,
};

use super::{Engine, EngineError};

/// One mount of a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountSpec {
    /// A host folder or file.
    Bind {
        /// The host path.
        source: String,
        /// The path in the container.
        target: String,
        /// Mounted read-only.
        read_only: bool,
    },
    /// A named volume, or an anonymous one when `name` is `None`.
    Volume {
        /// The volume's name.
        name: Option<String>,
        /// The path in the container.
        target: String,
        /// Mounted read-only.
        read_only: bool,
    },
    /// A tmpfs.
    Tmpfs {
        /// The path in the container.
        target: String,
    },
}

impl MountSpec {
    /// The path in the container.
    pub fn target(&self) -> &str {
        match self {
            Self::Bind { target, .. } | Self::Volume { target, .. } | Self::Tmpfs { target } => {
                target
            }
        }
    }
}

/// A published port: `host_ip:host_port` → `container_port/protocol`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    /// The host address, e.g. `127.0.0.1`; empty for every address.
    pub host_ip: String,
    /// The host port; empty for a random one.
    pub host_port: String,
    /// The container port with its protocol, e.g. `8888/tcp`.
    pub container_port: String,
}

/// Everything a new container is made from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContainerSpec {
    /// The container's name, or one the engine picks.
    pub name: Option<String>,
    /// The image reference or id.
    pub image: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Environment variables of the whole container.
    pub env: BTreeMap<String, String>,
    /// The user processes run as, e.g. `vscode` or `1000:1000`.
    pub user: Option<String>,
    /// The entrypoint, replacing the image's.
    pub entrypoint: Option<Vec<String>>,
    /// The command (arguments of the entrypoint).
    pub cmd: Option<Vec<String>>,
    /// Mounts, in order.
    pub mounts: Vec<MountSpec>,
    /// `/dev/shm`'s size in bytes.
    pub shm_size: Option<i64>,
    /// Request every GPU (`--gpus all`).
    pub gpus: bool,
    /// Run an init process as PID 1.
    pub init: bool,
    /// Run privileged.
    pub privileged: bool,
    /// Capabilities to add.
    pub cap_add: Vec<String>,
    /// Security options, e.g. `seccomp=unconfined`.
    pub security_opt: Vec<String>,
    /// The network mode, e.g. `host`.
    pub network_mode: Option<String>,
    /// The IPC mode, e.g. `host`.
    pub ipc_mode: Option<String>,
    /// Ulimits, `name=soft[:hard]`.
    pub ulimits: Vec<(String, i64, i64)>,
    /// Devices, `host[:container[:permissions]]`.
    pub devices: Vec<String>,
    /// Extra `/etc/hosts` entries, `name:ip`.
    pub extra_hosts: Vec<String>,
    /// Ports to publish.
    pub publish: Vec<Publish>,
    /// A runtime, e.g. `nvidia`.
    pub runtime: Option<String>,
    /// The hostname.
    pub hostname: Option<String>,
    /// Memory limit in bytes.
    pub memory: Option<i64>,
    /// CPU limit in billionths of a CPU.
    pub nano_cpus: Option<i64>,
}

/// A container's lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerState {
    /// Created, never started.
    Created,
    /// Running.
    Running,
    /// Paused.
    Paused,
    /// Restarting.
    Restarting,
    /// Being removed.
    Removing,
    /// Stopped.
    Exited,
    /// Failed to stop or start properly.
    Dead,
}

impl ContainerState {
    fn from_status(status: Option<ContainerStateStatusEnum>) -> Self {
        match status {
            Some(ContainerStateStatusEnum::RUNNING) => Self::Running,
            Some(ContainerStateStatusEnum::PAUSED) => Self::Paused,
            Some(ContainerStateStatusEnum::RESTARTING) => Self::Restarting,
            Some(ContainerStateStatusEnum::REMOVING) => Self::Removing,
            Some(ContainerStateStatusEnum::EXITED) => Self::Exited,
            Some(ContainerStateStatusEnum::DEAD) => Self::Dead,
            _ => Self::Created,
        }
    }

    fn from_text(text: &str) -> Self {
        match text {
            "running" => Self::Running,
            "paused" => Self::Paused,
            "restarting" => Self::Restarting,
            "removing" => Self::Removing,
            "exited" => Self::Exited,
            "dead" => Self::Dead,
            _ => Self::Created,
        }
    }

    /// The engine's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Restarting => "restarting",
            Self::Removing => "removing",
            Self::Exited => "exited",
            Self::Dead => "dead",
        }
    }
}

/// A container as a listing shows it: enough to decide, without another request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSummary {
    /// Its id.
    pub id: String,
    /// Its name, without the leading `/`.
    pub name: String,
    /// The image id it runs.
    pub image_id: String,
    /// Its state.
    pub state: ContainerState,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
}

/// One mount as the engine reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountInfo {
    /// `bind`, `volume` or `tmpfs`.
    pub kind: String,
    /// The host path or volume name.
    pub source: String,
    /// The path in the container.
    pub target: String,
    /// Writable.
    pub read_write: bool,
}

/// A container in detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerInfo {
    /// Its id.
    pub id: String,
    /// Its name, without the leading `/`.
    pub name: String,
    /// The image id it was created from.
    pub image_id: String,
    /// Its state.
    pub state: ContainerState,
    /// When it was created (RFC 3339, as the engine writes it).
    pub created: String,
    /// When it last started (RFC 3339), empty when never.
    pub started_at: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Its environment, `NAME=value`.
    pub env: Vec<String>,
    /// The user it runs as.
    pub user: String,
    /// Its mounts.
    pub mounts: Vec<MountInfo>,
    /// Capabilities added (`CAP_…`).
    pub cap_add: Vec<String>,
    /// Security options.
    pub security_opt: Vec<String>,
    /// Whether it runs privileged.
    pub privileged: bool,
    /// Whether an init process runs as PID 1.
    pub init: bool,
}

impl ContainerInfo {
    /// The container's environment as a map.
    pub fn env_map(&self) -> HashMap<String, String> {
        self.env
            .iter()
            .filter_map(|entry| entry.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }
}

/// A filter for containers, volumes or images: every `key=value` must be a label; an
/// empty value matches any value of that key.
pub fn label_filter(labels: &BTreeMap<String, String>) -> HashMap<String, Vec<String>> {
    let values = labels
        .iter()
        .map(|(key, value)| {
            if value.is_empty() {
                key.clone()
            } else {
                format!("{key}={value}")
            }
        })
        .collect();
    HashMap::from([("label".to_owned(), values)])
}

/// Create a container (not started) from `spec`; returns its id.
///
/// # Errors
///
/// The engine refuses (no such image, the name is taken, a bad mount).
pub async fn create(engine: &Engine, spec: &ContainerSpec) -> Result<String, EngineError> {
    let mounts = spec
        .mounts
        .iter()
        .map(|mount| match mount {
            MountSpec::Bind {
                source,
                target,
                read_only,
            } => bollard::models::Mount {
                typ: Some(MountType::BIND),
                source: Some(source.clone()),
                target: Some(target.clone()),
                read_only: Some(*read_only),
                ..Default::default()
            },
            MountSpec::Volume {
                name,
                target,
                read_only,
            } => bollard::models::Mount {
                typ: Some(MountType::VOLUME),
                source: name.clone(),
                target: Some(target.clone()),
                read_only: Some(*read_only),
                ..Default::default()
            },
            MountSpec::Tmpfs { target } => bollard::models::Mount {
                typ: Some(MountType::TMPFS),
                target: Some(target.clone()),
                ..Default::default()
            },
        })
        .collect();
    let device_requests = spec.gpus.then(|| {
        vec![DeviceRequest {
            driver: Some("nvidia".to_owned()),
            count: Some(-1),
            capabilities: Some(vec![vec!["gpu".to_owned()]]),
            ..Default::default()
        }]
    });
    let mut port_bindings: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
    for publish in &spec.publish {
        port_bindings
            .entry(publish.container_port.clone())
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(PortBinding {
                host_ip: Some(publish.host_ip.clone()),
                host_port: Some(publish.host_port.clone()),
            });
    }
    let exposed: Vec<String> = port_bindings.keys().cloned().collect();
    let body = ContainerCreateBody {
        image: Some(spec.image.clone()),
        labels: Some(spec.labels.clone().into_iter().collect()),
        env: Some(spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
        user: spec.user.clone(),
        entrypoint: spec.entrypoint.clone(),
        cmd: spec.cmd.clone(),
        hostname: spec.hostname.clone(),
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        host_config: Some(HostConfig {
            mounts: Some(mounts),
            shm_size: spec.shm_size,
            device_requests,
            init: spec.init.then_some(true),
            privileged: Some(spec.privileged),
            cap_add: (!spec.cap_add.is_empty())
                .then(|| spec.cap_add.iter().map(|c| capability(c)).collect()),
            security_opt: (!spec.security_opt.is_empty()).then(|| spec.security_opt.clone()),
            network_mode: spec.network_mode.clone(),
            ipc_mode: spec.ipc_mode.clone(),
            ulimits: (!spec.ulimits.is_empty()).then(|| {
                spec.ulimits
                    .iter()
                    .map(|(name, soft, hard)| bollard::models::ResourcesUlimits {
                        name: Some(name.clone()),
                        soft: Some(*soft),
                        hard: Some(*hard),
                    })
                    .collect()
            }),
            devices: (!spec.devices.is_empty()).then(|| {
                spec.devices
                    .iter()
                    .map(|device| {
                        let mut parts = device.splitn(3, ':');
                        let host = parts.next().unwrap_or_default().to_owned();
                        let container = parts.next().unwrap_or(&host).to_owned();
                        let permissions = parts.next().unwrap_or("rwm").to_owned();
                        bollard::models::DeviceMapping {
                            path_on_host: Some(host),
                            path_in_container: Some(container),
                            cgroup_permissions: Some(permissions),
                        }
                    })
                    .collect()
            }),
            extra_hosts: (!spec.extra_hosts.is_empty()).then(|| spec.extra_hosts.clone()),
            port_bindings: (!port_bindings.is_empty()).then_some(port_bindings),
            runtime: spec.runtime.clone(),
            memory: spec.memory,
            nano_cpus: spec.nano_cpus,
            ..Default::default()
        }),
        ..Default::default()
    };
    let options = spec
        .name
        .as_ref()
        .map(|name| CreateContainerOptionsBuilder::new().name(name).build());
    engine
        .docker()
        .create_container(options, body)
        .await
        .map(|answer| answer.id)
        .map_err(|err| EngineError::classify(engine.endpoint(), "create the container", err))
}

/// Start the container `id`.
///
/// # Errors
///
/// The engine refuses (e.g. a GPU request without the NVIDIA runtime).
pub async fn start(engine: &Engine, id: &str) -> Result<(), EngineError> {
    engine
        .docker()
        .start_container(id, None::<StartContainerOptions>)
        .await
        .map_err(|err| EngineError::classify(engine.endpoint(), "start the container", err))
}

/// Stop the container `id`, waiting up to `grace` before killing it.
///
/// # Errors
///
/// The engine refuses.
pub async fn stop(engine: &Engine, id: &str, grace: Duration) -> Result<(), EngineError> {
    let seconds = i32::try_from(grace.as_secs()).unwrap_or(i32::MAX);
    let options = StopContainerOptionsBuilder::new().t(seconds).build();
    match engine.docker().stop_container(id, Some(options)).await {
        Ok(()) => Ok(()),
        // 304: already stopped.
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 304, ..
        }) => Ok(()),
        Err(err) => Err(EngineError::classify(
            engine.endpoint(),
            "stop the container",
            err,
        )),
    }
}

/// Remove the container `id` (stopping it first), with its anonymous volumes; named
/// volumes stay. `Ok(false)` when it was already gone.
///
/// # Errors
///
/// The engine refuses.
pub async fn remove(engine: &Engine, id: &str) -> Result<bool, EngineError> {
    let options = RemoveContainerOptionsBuilder::new()
        .force(true)
        .v(true)
        .build();
    match engine.docker().remove_container(id, Some(options)).await {
        Ok(()) => Ok(true),
        Err(err) if is_status(&err, 404) => Ok(false),
        // Someone else is removing it (an auto-removing helper, another Berth): it is
        // going; wait until it is gone, so what comes next (its volumes) is free.
        Err(err) if removal_in_progress(&err) => {
            for _ in 0..REMOVAL_POLLS {
                match engine.docker().inspect_container(id, None).await {
                    Err(err) if is_status(&err, 404) => return Ok(true),
                    _ => tokio::time::sleep(REMOVAL_POLL).await,
                }
            }
            Err(EngineError::classify(
                engine.endpoint(),
                "remove the container",
                err,
            ))
        }
        Err(err) => Err(EngineError::classify(
            engine.endpoint(),
            "remove the container",
            err,
        )),
    }
}

/// How often, and how many times, [`remove`] looks whether a removal someone else
/// started has finished (30 s in all).
const REMOVAL_POLL: Duration = Duration::from_millis(100);
const REMOVAL_POLLS: u32 = 300;

/// The engine's answer when the container is already being removed (409).
fn removal_in_progress(err: &bollard::errors::Error) -> bool {
    matches!(
        err,
        bollard::errors::Error::DockerResponseServerError { status_code: 409, message }
            if message.contains("already in progress")
    )
}

/// Every container (running or not) carrying all of `labels`.
///
/// # Errors
///
/// The engine does not answer.
pub async fn list(
    engine: &Engine,
    labels: &BTreeMap<String, String>,
) -> Result<Vec<ContainerSummary>, EngineError> {
    Ok(listed(engine, &label_filter(labels))
        .await?
        .into_iter()
        .filter(|c| c.state != ContainerState::Removing)
        .collect())
}

/// Every container (running or not) the engine's `filters` let through.
async fn listed(
    engine: &Engine,
    filters: &HashMap<String, Vec<String>>,
) -> Result<Vec<ContainerSummary>, EngineError> {
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(filters)
        .build();
    let found = engine
        .docker()
        .list_containers(Some(options))
        .await
        .map_err(|err| EngineError::classify(engine.endpoint(), "list containers", err))?;
    Ok(found.into_iter().map(summary).collect())
}

/// A listing's entry as Berth's type.
fn summary(c: bollard::models::ContainerSummary) -> ContainerSummary {
    ContainerSummary {
        id: c.id.unwrap_or_default(),
        name: c
            .names
            .and_then(|names| names.into_iter().next())
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_owned(),
        image_id: c.image_id.unwrap_or_default(),
        state: ContainerState::from_text(&c.state.map(|s| s.to_string()).unwrap_or_default()),
        labels: c.labels.unwrap_or_default().into_iter().collect(),
    }
}

/// Every container (running or not) that mounts the volume `name`.
///
/// # Errors
///
/// The engine does not answer.
pub async fn using_volume(
    engine: &Engine,
    name: &str,
) -> Result<Vec<ContainerSummary>, EngineError> {
    listed(
        engine,
        &HashMap::from([("volume".to_owned(), vec![name.to_owned()])]),
    )
    .await
}

/// The container `id` in detail; `None` when it does not exist.
///
/// # Errors
///
/// The engine does not answer.
pub async fn inspect(engine: &Engine, id: &str) -> Result<Option<ContainerInfo>, EngineError> {
    let answer = match engine
        .docker()
        .inspect_container(id, None::<InspectContainerOptions>)
        .await
    {
        Ok(answer) => answer,
        Err(err) if is_status(&err, 404) => return Ok(None),
        Err(err) => {
            return Err(EngineError::classify(
                engine.endpoint(),
                "inspect the container",
                err,
            ))
        }
    };
    let state = answer.state.unwrap_or_default();
    let config = answer.config.unwrap_or_default();
    let host = answer.host_config.unwrap_or_default();
    Ok(Some(ContainerInfo {
        cap_add: host.cap_add.unwrap_or_default(),
        security_opt: host.security_opt.unwrap_or_default(),
        privileged: host.privileged.unwrap_or(false),
        init: host.init.unwrap_or(false),
        id: answer.id.unwrap_or_default(),
        name: answer
            .name
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_owned(),
        image_id: answer.image.unwrap_or_default(),
        state: ContainerState::from_status(state.status),
        created: answer.created.map(go_time).unwrap_or_default(),
        started_at: state.started_at.unwrap_or_default(),
        labels: config.labels.unwrap_or_default().into_iter().collect(),
        env: config.env.unwrap_or_default(),
        user: config.user.unwrap_or_default(),
        mounts: answer
            .mounts
            .unwrap_or_default()
            .into_iter()
            .map(|m| MountInfo {
                kind: m.typ.map(|t| t.to_string()).unwrap_or_default(),
                source: m.name.or(m.source).unwrap_or_default(),
                target: m.destination.unwrap_or_default(),
                read_write: m.rw.unwrap_or(true),
            })
            .collect(),
    }))
}

/// A capability as the docker CLI sends it: upper case with the `CAP_` prefix
/// (`sys_ptrace` → `CAP_SYS_PTRACE`), `ALL` as it is.
pub fn capability(name: &str) -> String {
    let upper = name.trim().to_uppercase();
    if upper == "ALL" || upper.starts_with("CAP_") {
        upper
    } else {
        format!("CAP_{upper}")
    }
}

/// A time as the engine writes it in JSON (Go's RFC 3339 with nanoseconds, trailing
/// zeros dropped): VS Code's lifecycle markers hold exactly this text.
pub fn go_time(time: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Timelike;
    let mut text = time.format("%Y-%m-%dT%H:%M:%S").to_string();
    let nanos = time.nanosecond() % 1_000_000_000;
    if nanos != 0 {
        let fraction = format!("{nanos:09}");
        text.push('.');
        text.push_str(fraction.trim_end_matches('0'));
    }
    text.push('Z');
    text
}

/// True when `err` is the engine answering with HTTP `status`.
pub(crate) fn is_status(err: &bollard::errors::Error, status: u16) -> bool {
    matches!(
        err,
        bollard::errors::Error::DockerResponseServerError { status_code, .. } if *status_code == status
    )
}

#[cfg(test)]
mod tests {
    // regression: deleting an environment while the list's size helper was being
    // auto-removed failed with "removal of container … is already in progress"
    #[test]
    fn a_removal_already_in_progress_is_recognised() {
        let busy = bollard::errors::Error::DockerResponseServerError {
            status_code: 409,
            message: "removal of container 04c73daa is already in progress".into(),
        };
        assert!(super::removal_in_progress(&busy));
        let conflict = bollard::errors::Error::DockerResponseServerError {
            status_code: 409,
            message: "You cannot remove a running container".into(),
        };
        assert!(!super::removal_in_progress(&conflict));
    }

    use super::*;

    #[test]
    fn capabilities_are_sent_as_the_docker_cli_sends_them() {
        assert_eq!(capability("sys_ptrace"), "CAP_SYS_PTRACE");
        assert_eq!(capability("CAP_NET_ADMIN"), "CAP_NET_ADMIN");
        assert_eq!(capability("all"), "ALL");
    }

    #[test]
    fn times_read_as_the_engine_writes_them() {
        let time = chrono::DateTime::parse_from_rfc3339("2026-12-02T03:45:12.338053390Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(go_time(time), "2026-12-02T03:45:12.33805339Z");
        let whole = chrono::DateTime::parse_from_rfc3339("2026-12-02T03:45:12Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(go_time(whole), "2026-12-02T03:45:12Z");
    }
}
