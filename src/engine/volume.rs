//! Named volumes: create (labelled), inspect, list by label, remove, and measure. The
//! engine's disk-usage call answers empty on API 1.41, so sizes are measured with `du`
//! in a throwaway container of an image the caller already has.

use std::collections::BTreeMap;

use bollard::models::VolumeCreateRequest;
use bollard::query_parameters::{ListVolumesOptionsBuilder, RemoveVolumeOptions};

use super::container::{self, label_filter, ContainerSpec, MountSpec};
use super::exec::{self, ExecSpec};
use super::{Engine, EngineError};

/// A volume as the engine knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeInfo {
    /// Its name.
    pub name: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Where the engine keeps it.
    pub mountpoint: String,
}

/// The volume `name`; `None` when there is none.
///
/// # Errors
///
/// The engine does not answer.
pub async fn inspect(engine: &Engine, name: &str) -> Result<Option<VolumeInfo>, EngineError> {
    match engine.docker().inspect_volume(name).await {
        Ok(volume) => Ok(Some(VolumeInfo {
            name: volume.name,
            labels: volume.labels.into_iter().collect(),
            mountpoint: volume.mountpoint,
        })),
        Err(err) if container::is_status(&err, 404) => Ok(None),
        Err(err) => Err(EngineError::classify(
            engine.endpoint(),
            "inspect a volume",
            err,
        )),
    }
}

/// Create the volume `name` with `labels` (a no-op answer when it exists already: the
/// engine returns the existing one, labels unchanged).
///
/// # Errors
///
/// The engine refuses.
pub async fn create(
    engine: &Engine,
    name: &str,
    labels: &BTreeMap<String, String>,
) -> Result<VolumeInfo, EngineError> {
    let request = VolumeCreateRequest {
        name: Some(name.to_owned()),
        labels: Some(labels.clone().into_iter().collect()),
        ..Default::default()
    };
    let volume = engine
        .docker()
        .create_volume(request)
        .await
        .map_err(|err| EngineError::classify(engine.endpoint(), "create a volume", err))?;
    Ok(VolumeInfo {
        name: volume.name,
        labels: volume.labels.into_iter().collect(),
        mountpoint: volume.mountpoint,
    })
}

/// Every volume carrying all of `labels`.
///
/// # Errors
///
/// The engine does not answer.
pub async fn list(
    engine: &Engine,
    labels: &BTreeMap<String, String>,
) -> Result<Vec<VolumeInfo>, EngineError> {
    let options = ListVolumesOptionsBuilder::new()
        .filters(&label_filter(labels))
        .build();
    let answer = engine
        .docker()
        .list_volumes(Some(options))
        .await
        .map_err(|err| EngineError::classify(engine.endpoint(), "list volumes", err))?;
    Ok(answer
        .volumes
        .unwrap_or_default()
        .into_iter()
        .map(|v| VolumeInfo {
            name: v.name,
            labels: v.labels.into_iter().collect(),
            mountpoint: v.mountpoint,
        })
        .collect())
}

/// Remove the volume `name`; `Ok(false)` when it was already gone.
///
/// # Errors
///
/// The engine refuses, e.g. because a container uses it (HTTP 409).
pub async fn remove(engine: &Engine, name: &str) -> Result<bool, EngineError> {
    match engine
        .docker()
        .remove_volume(name, None::<RemoveVolumeOptions>)
        .await
    {
        Ok(()) => Ok(true),
        Err(err) if container::is_status(&err, 404) => Ok(false),
        Err(err) => Err(EngineError::classify(
            engine.endpoint(),
            "remove a volume",
            err,
        )),
    }
}

/// Every volume's size as the engine's disk-usage call reports it, by name; `None` when
/// it reports none (Debian's 20.10 engine answers API 1.41's older shape, which reads as
/// empty here: measure with [`size`] then).
///
/// # Errors
///
/// The engine does not answer.
pub async fn reported_sizes(engine: &Engine) -> Result<Option<BTreeMap<String, u64>>, EngineError> {
    let usage = engine
        .long_running()
        .df(None::<bollard::query_parameters::DataUsageOptions>)
        .await
        .map_err(|err| EngineError::classify(engine.endpoint(), "report its disk usage", err))?;
    let items = usage.volume_usage.and_then(|v| v.items).unwrap_or_default();
    let sizes: BTreeMap<String, u64> = items
        .iter()
        .filter_map(|item| {
            let name = item.get("Name")?.as_str()?.to_owned();
            let size = item.get("UsageData")?.get("Size")?.as_i64()?;
            Some((name, u64::try_from(size).ok()?))
        })
        .collect();
    Ok((!sizes.is_empty()).then_some(sizes))
}

/// The bytes used by the volume `name`, measured with `du` in a short-lived container of
/// `image` (any image with a POSIX `du`) that mounts it read-only and carries `labels`,
/// or in `running` (a container that already mounts the volume at `target`) when given.
///
/// # Errors
///
/// The engine refuses, or `du` fails.
pub async fn size(
    engine: &Engine,
    name: &str,
    running: Option<(&str, &str)>,
    image: &str,
    labels: &BTreeMap<String, String>,
) -> Result<u64, EngineError> {
    let du = |path: &str| ExecSpec {
        cmd: vec!["du".into(), "-sk".into(), path.to_owned()],
        user: Some("0".into()),
        ..ExecSpec::default()
    };
    let output = if let Some((container_id, target)) = running {
        exec::capture(engine, container_id, &du(target)).await?
    } else {
        let spec = ContainerSpec {
            image: image.to_owned(),
            labels: labels.clone(),
            user: Some("0".into()),
            entrypoint: Some(vec!["sleep".into()]),
            cmd: Some(vec!["30".into()]),
            mounts: vec![MountSpec::Volume {
                name: Some(name.to_owned()),
                target: "/berth-volume".into(),
                read_only: true,
            }],
            network_mode: Some("none".into()),
            ..ContainerSpec::default()
        };
        let id = container::create(engine, &spec).await?;
        let measured = async {
            container::start(engine, &id).await?;
            exec::capture(engine, &id, &du("/berth-volume")).await
        }
        .await;
        container::remove(engine, &id).await?;
        measured?
    };
    let kib = output
        .stdout_text()
        .split_whitespace()
        .next()
        .and_then(|n| n.parse::<u64>().ok());
    Ok(kib.map_or(0, |kib| kib * 1024))
}
