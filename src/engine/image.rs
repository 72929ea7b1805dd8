//! Images: inspect, tag, list by label, remove, and pull with progress.

use std::collections::BTreeMap;

use bollard::query_parameters::{
    CreateImageOptionsBuilder, ListImagesOptionsBuilder, RemoveImageOptionsBuilder,
    TagImageOptionsBuilder,
};
use futures_util::StreamExt;

use super::container::{self, label_filter};
use super::progress::{Cancel, Event, Outcome, Phase, Progress};
use super::{Engine, EngineError};

/// An image as Berth needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    /// Its id (`sha256:…`).
    pub id: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// Its size in bytes.
    pub size: u64,
    /// When it was made (RFC 3339).
    pub created: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// The user its containers run as by default.
    pub user: String,
    /// Its environment, `NAME=value`.
    pub env: Vec<String>,
    /// Its entrypoint.
    pub entrypoint: Vec<String>,
    /// Its command.
    pub cmd: Vec<String>,
}

/// The image `reference` (tag or id); `None` when the engine has none.
///
/// # Errors
///
/// The engine does not answer.
pub async fn inspect(engine: &Engine, reference: &str) -> Result<Option<ImageInfo>, EngineError> {
    match engine.docker().inspect_image(reference).await {
        Ok(image) => {
            let config = image.config.unwrap_or_default();
            Ok(Some(ImageInfo {
                id: image.id.unwrap_or_default(),
                tags: image.repo_tags.unwrap_or_default(),
                size: image.size.and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
                created: image.created.map(container::go_time).unwrap_or_default(),
                labels: config.labels.unwrap_or_default().into_iter().collect(),
                user: config.user.unwrap_or_default(),
                env: config.env.unwrap_or_default(),
                entrypoint: config.entrypoint.unwrap_or_default(),
                cmd: config.cmd.unwrap_or_default(),
            }))
        }
        Err(err) if container::is_status(&err, 404) => Ok(None),
        Err(err) => Err(EngineError::classify(
            engine.endpoint(),
            "inspect an image",
            err,
        )),
    }
}

/// Give the image `source` the extra name `target` (`repository:tag`).
///
/// # Errors
///
/// The engine refuses (no such image).
pub async fn tag(engine: &Engine, source: &str, target: &str) -> Result<(), EngineError> {
    let (repo, tag) = split_reference(target);
    let options = TagImageOptionsBuilder::new().repo(repo).tag(tag).build();
    engine
        .docker()
        .tag_image(source, Some(options))
        .await
        .map_err(|err| EngineError::classify(engine.endpoint(), "tag an image", err))
}

/// `repo:tag` → (`repo`, `tag`); `latest` when there is no tag. A registry port
/// (`host:5000/repo`) is not a tag.
pub fn split_reference(reference: &str) -> (&str, &str) {
    match reference.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo, tag),
        _ => (reference, "latest"),
    }
}

/// Every image carrying all of `labels`, each with its tags.
///
/// # Errors
///
/// The engine does not answer.
pub async fn list(
    engine: &Engine,
    labels: &BTreeMap<String, String>,
) -> Result<Vec<ImageInfo>, EngineError> {
    let options = ListImagesOptionsBuilder::new()
        .filters(&label_filter(labels))
        .build();
    let found = engine
        .docker()
        .list_images(Some(options))
        .await
        .map_err(|err| EngineError::classify(engine.endpoint(), "list images", err))?;
    Ok(found
        .into_iter()
        .map(|image| ImageInfo {
            id: image.id,
            tags: image
                .repo_tags
                .into_iter()
                .filter(|t| t != "<none>:<none>")
                .collect(),
            size: u64::try_from(image.size).unwrap_or(0),
            created: chrono::DateTime::from_timestamp(image.created, 0)
                .map(|t| t.to_rfc3339())
                .unwrap_or_default(),
            labels: image.labels.into_iter().collect(),
            user: String::new(),
            env: Vec::new(),
            entrypoint: Vec::new(),
            cmd: Vec::new(),
        })
        .collect())
}

/// Remove the image name or id `reference`; `Ok(false)` when it was already gone.
///
/// Untagged parent images are never pruned: with the classic builder they are the build
/// cache of every Dockerfile that shares their steps, and another build may at this
/// moment be committing a step on top of one of them (deleting it fails that build with
/// "unknown parent image ID"). `docker image prune` reclaims them when nothing builds.
///
/// # Errors
///
/// The engine refuses (a container uses it and `force` is false).
pub async fn remove(engine: &Engine, reference: &str, force: bool) -> Result<bool, EngineError> {
    let options = RemoveImageOptionsBuilder::new()
        .force(force)
        .noprune(true)
        .build();
    match engine
        .docker()
        .remove_image(reference, Some(options), None)
        .await
    {
        Ok(_) => Ok(true),
        Err(err) if container::is_status(&err, 404) => Ok(false),
        Err(err) => Err(EngineError::classify(
            engine.endpoint(),
            "remove an image",
            err,
        )),
    }
}

/// Pull `reference`, reporting each layer's progress; nothing is left when cancelled.
///
/// # Errors
///
/// The registry cannot be reached, or the image does not exist there.
pub async fn pull(
    engine: &Engine,
    reference: &str,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Outcome<()>, EngineError> {
    let (repo, tag) = split_reference(reference);
    progress.event(Event::Phase {
        phase: Phase::Build,
        message: format!("pulling image '{reference}'"),
    });
    let options = CreateImageOptionsBuilder::new()
        .from_image(repo)
        .tag(tag)
        .build();
    let docker = engine.long_running();
    let mut stream = docker.create_image(Some(options), None, None);
    loop {
        let item = tokio::select! {
            () = cancel.cancelled() => return Ok(Outcome::Cancelled),
            item = stream.next() => item,
        };
        match item {
            None => return Ok(Outcome::Done(())),
            Some(Ok(info)) => {
                if let Some(status) = info.status {
                    let line = match (info.id, info.progress_detail) {
                        (Some(id), Some(detail)) if detail.total.is_some() => format!(
                            "{id}: {status} {}/{}",
                            detail.current.unwrap_or(0),
                            detail.total.unwrap_or(0)
                        ),
                        (Some(id), _) => format!("{id}: {status}"),
                        _ => status,
                    };
                    progress.event(Event::Output { line });
                }
            }
            Some(Err(err)) => {
                return Err(EngineError::classify(
                    engine.endpoint(),
                    "pull an image",
                    err,
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::split_reference;

    #[test]
    fn references_split_into_repository_and_tag() {
        assert_eq!(
            split_reference("berth/x:known-good"),
            ("berth/x", "known-good")
        );
        assert_eq!(split_reference("ubuntu"), ("ubuntu", "latest"));
        assert_eq!(
            split_reference("localhost:5000/team/img"),
            ("localhost:5000/team/img", "latest")
        );
        assert_eq!(
            split_reference("localhost:5000/team/img:1"),
            ("localhost:5000/team/img", "1")
        );
    }
}
