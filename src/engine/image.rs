//! Images: inspect, tag, list by label, remove, and pull and push with progress (with a
//! registry credential when one is kept).

use std::collections::BTreeMap;

use bollard::auth::DockerCredentials;
use bollard::query_parameters::{
    CreateImageOptionsBuilder, ListImagesOptionsBuilder, PushImageOptionsBuilder,
    RemoveImageOptionsBuilder, TagImageOptionsBuilder,
};
use futures_util::StreamExt;

use super::container::{self, label_filter};
use super::progress::{Cancel, Event, Outcome, Phase, Progress};
use super::{Engine, EngineError};
use crate::feature::registry::Credential;

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

/// The registry host (and port) of `reference`, `docker.io` for Docker Hub's short names;
/// `None` when it is no image reference.
pub fn registry_of(reference: &str) -> Option<String> {
    oci_spec::distribution::Reference::try_from(reference)
        .ok()
        .map(|parsed| parsed.registry().to_owned())
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

/// A credential for one registry, as a pull or push hands it to the engine.
#[derive(Debug, Clone, Copy)]
pub struct Login<'a> {
    /// The registry host (and port).
    pub registry: &'a str,
    /// The user name and password or token (the engine gets it, the logs never do).
    pub credential: &'a Credential,
}

/// What the engine sends the registry.
fn docker_credentials(login: Option<Login<'_>>) -> Option<DockerCredentials> {
    login.map(|login| DockerCredentials {
        username: Some(login.credential.username.clone()),
        password: Some(login.credential.secret.clone()),
        serveraddress: Some(login.registry.to_owned()),
        ..DockerCredentials::default()
    })
}

/// Pull `reference`, reporting each layer's progress, with `login` for its registry when
/// a credential is kept; nothing is left when cancelled.
///
/// # Errors
///
/// The registry cannot be reached, or the image does not exist there.
pub async fn pull(
    engine: &Engine,
    reference: &str,
    login: Option<Login<'_>>,
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
    let mut stream = docker.create_image(Some(options), None, docker_credentials(login));
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

/// How a push failed.
#[derive(Debug, thiserror::Error)]
pub enum PushFailure {
    /// The registry wants credentials, or refused the ones sent.
    #[error("the registry refused access: {message}")]
    Unauthorized {
        /// The registry's words, through the engine.
        message: String,
    },
    /// The registry or the engine stopped the push for another reason.
    #[error("{message}")]
    Refused {
        /// The engine's words.
        message: String,
    },
    /// The engine failed the request itself.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Whether the engine's words say the registry wants (other) credentials.
fn is_unauthorized(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    [
        "unauthorized",
        "authentication required",
        "no basic auth credentials",
        "denied: requested access",
        "access to the resource is denied",
    ]
    .iter()
    .any(|words| message.contains(words))
}

/// Sort an error of the push stream (which may arrive after many good items).
fn push_failure(endpoint: &str, err: bollard::errors::Error) -> PushFailure {
    let words = match &err {
        bollard::errors::Error::DockerStreamError { error } => Some(error.clone()),
        bollard::errors::Error::DockerResponseServerError { message, .. } => Some(message.clone()),
        _ => None,
    };
    match words {
        Some(message) if is_unauthorized(&message) => PushFailure::Unauthorized { message },
        Some(message) if matches!(err, bollard::errors::Error::DockerStreamError { .. }) => {
            PushFailure::Refused { message }
        }
        _ => PushFailure::Engine(EngineError::classify(endpoint, "push an image", err)),
    }
}

/// The digest in the engine's last status line, `<tag>: digest: sha256:… size: 528`.
fn digest_in(status: &str) -> Option<&str> {
    let (_, rest) = status.split_once("digest: ")?;
    let digest = rest.split_whitespace().next()?;
    digest.starts_with("sha256:").then_some(digest)
}

/// A push stream item as Berth's progress event: bytes while a layer goes up, a line for
/// every other status.
fn push_event(info: &bollard::models::PushImageInfo) -> Option<Event> {
    let status = info.status.as_deref()?;
    match info.progress_detail.as_ref().and_then(|d| d.current) {
        Some(current) => Some(Event::Transfer {
            what: format!("{status} a layer"),
            bytes: u64::try_from(current).unwrap_or(0),
        }),
        None => Some(Event::Output {
            line: status.to_owned(),
        }),
    }
}

/// Push `repository:tag` (the engine must have it under that name) to its registry with
/// `login` when a credential is kept, anonymously otherwise; the manifest digest the
/// registry now has when done. Cancelling closes the request, which stops the engine's
/// push.
///
/// # Errors
///
/// [`PushFailure`]: any error item of the stream fails the push.
pub async fn push(
    engine: &Engine,
    repository: &str,
    tag: &str,
    login: Option<Login<'_>>,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Outcome<String>, PushFailure> {
    let options = PushImageOptionsBuilder::new().tag(tag).build();
    let docker = engine.long_running();
    let mut stream = docker.push_image(repository, Some(options), docker_credentials(login));
    let mut digest = None;
    loop {
        let item = tokio::select! {
            () = cancel.cancelled() => return Ok(Outcome::Cancelled),
            item = stream.next() => item,
        };
        match item {
            None => break,
            Some(Ok(info)) => {
                if let Some(found) = info.status.as_deref().and_then(digest_in) {
                    digest = Some(found.to_owned());
                }
                if let Some(event) = push_event(&info) {
                    progress.event(event);
                }
            }
            Some(Err(err)) => return Err(push_failure(engine.endpoint(), err)),
        }
    }
    digest
        .map(Outcome::Done)
        .ok_or_else(|| PushFailure::Refused {
            message: "the engine ended the push without naming the digest the registry stored"
                .to_owned(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_names_its_registry() {
        assert_eq!(
            registry_of("localhost:5000/team/img:1").as_deref(),
            Some("localhost:5000")
        );
        assert_eq!(registry_of("ubuntu").as_deref(), Some("docker.io"));
        assert_eq!(registry_of("ghcr.io/o/i@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef").as_deref(), Some("ghcr.io"));
    }

    #[test]
    fn the_digest_is_read_from_the_last_status() {
        assert_eq!(
            digest_in("1: digest: sha256:0123abcd size: 528"),
            Some("sha256:0123abcd")
        );
        assert_eq!(digest_in("Pushed"), None);
        assert_eq!(digest_in("digest: md5:00"), None);
    }

    #[test]
    fn an_error_item_mid_stream_is_sorted_by_what_to_do() {
        let stream = |error: &str| bollard::errors::Error::DockerStreamError {
            error: error.to_owned(),
        };
        assert!(matches!(
            push_failure("unix:///x", stream("unauthorized: authentication required")),
            PushFailure::Unauthorized { .. }
        ));
        assert!(matches!(
            push_failure(
                "unix:///x",
                stream("denied: requested access to the resource is denied")
            ),
            PushFailure::Unauthorized { .. }
        ));
        assert!(matches!(
            push_failure("unix:///x", stream("blob upload unknown")),
            PushFailure::Refused { message } if message == "blob upload unknown"
        ));
        let answered = bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            message: "No such image: localhost:5000/x:1".to_owned(),
        };
        assert!(matches!(
            push_failure("unix:///x", answered),
            PushFailure::Engine(EngineError::Api { .. })
        ));
    }

    #[test]
    fn push_items_become_berth_events() {
        let item = |status: &str, current: Option<i64>| bollard::models::PushImageInfo {
            status: Some(status.to_owned()),
            progress_detail: Some(bollard::models::ProgressDetail {
                current,
                total: current.map(|c| c * 2),
            }),
            error_detail: None,
        };
        assert_eq!(
            push_event(&item("Pushing", Some(1000))),
            Some(Event::Transfer {
                what: "Pushing a layer".into(),
                bytes: 1000
            })
        );
        assert_eq!(
            push_event(&item("Preparing", None)),
            Some(Event::Output {
                line: "Preparing".into()
            })
        );
        assert_eq!(push_event(&bollard::models::PushImageInfo::default()), None);
    }

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
