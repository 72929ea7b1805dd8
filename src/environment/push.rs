//! Push: the image Berth made for a project, sent to a registry under a name the user
//! gives (`host:port/name:tag`), with the credential kept for that registry in the OS
//! keyring, or anonymously when none is kept.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::devcontainer::{self, LoadOptions};
use crate::engine::image::{self, Login, PushFailure};
use crate::engine::progress::{Cancel, Event, Outcome, Phase, Progress};
use crate::engine::Engine;
use crate::feature::registry::Credentials;
use crate::recipe::ImageRef;

use super::plan::Plan;
use super::{engine_error, EnvironmentError};

/// Why a push failed.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The name to push to is not a usable image reference.
    #[error("cannot push to '{reference}': {rule}")]
    Reference {
        /// The name as given.
        reference: String,
        /// What is wrong with it.
        rule: String,
    },
    /// Berth has not made an image for the project yet.
    #[error("'{0}' has no image yet: run `berth build {0}` (or `berth up {0}`) first", folder.display())]
    NoImage {
        /// The project folder.
        folder: PathBuf,
    },
    /// The registry wants a credential, or refused the one kept for it.
    #[error("{}: run `berth login {registry} --username <user>` (the token on standard input){}", if *had_credentials { format!("the registry '{registry}' refused the credential kept for it") } else { format!("the registry '{registry}' needs a credential and none is kept for it") }, if *had_credentials { " with the right token" } else { "" })]
    Unauthorized {
        /// The registry host (and port).
        registry: String,
        /// Whether a credential was sent.
        had_credentials: bool,
        /// The registry's words.
        #[source]
        source: PushFailure,
    },
    /// The registry or the engine stopped the push for another reason.
    #[error("failed to push '{reference}' to the registry '{registry}': {message}")]
    Refused {
        /// The name pushed to.
        reference: String,
        /// The registry host (and port).
        registry: String,
        /// The engine's words.
        message: String,
    },
    /// Reading the project or the engine failed.
    #[error(transparent)]
    Environment(#[from] EnvironmentError),
}

impl From<devcontainer::ConfigError> for PushError {
    fn from(err: devcontainer::ConfigError) -> Self {
        Self::Environment(err.into())
    }
}

/// Where a push goes: a reference split as the engine wants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushTarget {
    /// The whole reference, e.g. `localhost:5000/team/thesis:1`.
    pub reference: String,
    /// The registry host (and port), what credentials are kept under.
    pub registry: String,
    /// The repository with its registry, e.g. `localhost:5000/team/thesis`.
    pub repository: String,
    /// The tag (`latest` when none is written).
    pub tag: String,
}

impl FromStr for PushTarget {
    type Err = PushError;

    fn from_str(reference: &str) -> Result<Self, Self::Err> {
        let refused = |rule: String| PushError::Reference {
            reference: reference.to_owned(),
            rule,
        };
        // The rules every image reference in Berth follows (OCI grammar, lowercase).
        ImageRef::from_str(reference).map_err(|err| refused(err.to_string()))?;
        let parsed = oci_spec::distribution::Reference::try_from(reference)
            .map_err(|err| refused(err.to_string()))?;
        if parsed.digest().is_some() {
            return Err(refused(
                "a push names a tag, not a digest: drop the '@sha256:…' part".to_owned(),
            ));
        }
        let registry = parsed.registry().to_owned();
        let repository = format!("{registry}/{}", parsed.repository());
        let tag = parsed.tag().unwrap_or("latest").to_owned();
        Ok(Self {
            reference: format!("{repository}:{tag}"),
            registry,
            repository,
            tag,
        })
    }
}

/// What a push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// The reference the registry has now.
    pub reference: String,
    /// The manifest digest the registry stored (`sha256:…`).
    pub digest: String,
    /// The local image that was pushed.
    pub image: String,
    /// Whether a kept credential was sent.
    pub authenticated: bool,
}

/// Push the image of the project `target` as `reference`, with the credential
/// `credentials` keep for its registry (anonymously when none).
///
/// # Errors
///
/// [`PushError`]: a bad reference, no image yet, a refused credential (naming the
/// registry and `berth login`), or any error the engine reports while pushing.
pub async fn push(
    engine: &Engine,
    target: &Path,
    load: &LoadOptions,
    reference: &str,
    credentials: &dyn Credentials,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Outcome<Pushed>, PushError> {
    let to = PushTarget::from_str(reference)?;
    let resolved = devcontainer::load(target, load)?;
    let plan = Plan::new(&resolved)?;
    let folder = &plan.environment.local_folder;
    let source = plan.image_reference();
    if image::inspect(engine, &source)
        .await
        .map_err(engine_error(folder, "look up the environment's image"))?
        .is_none()
    {
        return Err(PushError::NoImage {
            folder: folder.clone(),
        });
    }
    progress.event(Event::Phase {
        phase: Phase::Push,
        message: format!("pushing '{source}' as '{}'", to.reference),
    });
    // The extra name exists only for the push, unless the user had made it before.
    let named_before = image::inspect(engine, &to.reference)
        .await
        .map_err(engine_error(folder, "look up the image"))?
        .is_some();
    image::tag(engine, &source, &to.reference)
        .await
        .map_err(engine_error(
            folder,
            format!("tag the image as '{}'", to.reference),
        ))?;
    let kept = credentials.for_registry(&to.registry);
    let login = kept.as_ref().map(|credential| Login {
        registry: &to.registry,
        credential,
    });
    tracing::info!(
        reference = %to.reference,
        authenticated = kept.is_some(),
        "pushing the environment's image"
    );
    let pushed = image::push(engine, &to.repository, &to.tag, login, progress, cancel).await;
    if !named_before {
        if let Err(err) = image::remove(engine, &to.reference, false).await {
            progress.event(Event::Warning {
                message: format!("could not remove the name '{}' again: {err}", to.reference),
            });
        }
    }
    match pushed {
        Ok(outcome) => Ok(outcome.map(|digest| Pushed {
            reference: to.reference.clone(),
            digest,
            image: source,
            authenticated: kept.is_some(),
        })),
        Err(source @ PushFailure::Unauthorized { .. }) => Err(PushError::Unauthorized {
            registry: to.registry,
            had_credentials: kept.is_some(),
            source,
        }),
        Err(PushFailure::Refused { message }) => Err(PushError::Refused {
            reference: to.reference,
            registry: to.registry,
            message,
        }),
        Err(PushFailure::Engine(err)) => {
            Err(engine_error(folder, format!("push '{}'", to.reference))(err).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_push_target_splits_into_registry_repository_and_tag() {
        let to = PushTarget::from_str("localhost:5000/team/thesis:1").unwrap();
        assert_eq!(to.registry, "localhost:5000");
        assert_eq!(to.repository, "localhost:5000/team/thesis");
        assert_eq!(to.tag, "1");
        assert_eq!(to.reference, "localhost:5000/team/thesis:1");
        let latest = PushTarget::from_str("127.0.0.1:5000/thesis").unwrap();
        assert_eq!(latest.tag, "latest");
        assert_eq!(latest.reference, "127.0.0.1:5000/thesis:latest");
        let hub = PushTarget::from_str("student/thesis:v2").unwrap();
        assert_eq!(hub.registry, "docker.io");
    }

    #[test]
    fn a_bad_push_target_is_refused_with_the_rule() {
        for (bad, says) in [
            ("Team/x:1", "lowercase"),
            ("localhost:5000/x y:1", "whitespace"),
            ("localhost:5000/x:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "digest"),
            ("localhost:5000/x::1", "expected"),
            ("", "expected"),
        ] {
            let err = PushTarget::from_str(bad).unwrap_err();
            let text = err.to_string();
            assert!(text.starts_with(&format!("cannot push to '{bad}'")), "{text}");
            assert!(text.contains(says), "{bad}: {text}");
        }
    }

    #[test]
    fn a_refused_credential_names_the_registry_and_the_fix() {
        let unauthorized = |had_credentials| PushError::Unauthorized {
            registry: "localhost:5000".into(),
            had_credentials,
            source: PushFailure::Unauthorized {
                message: "unauthorized: authentication required".into(),
            },
        };
        let refused = unauthorized(true).to_string();
        assert!(
            refused.contains("'localhost:5000' refused the credential"),
            "{refused}"
        );
        assert!(refused.contains("berth login localhost:5000"), "{refused}");
        let none = unauthorized(false).to_string();
        assert!(none.contains("none is kept"), "{none}");
        assert!(none.contains("berth login localhost:5000"), "{none}");
        let chain = crate::error_chain(&unauthorized(true));
        assert!(chain.contains("authentication required"), "{chain}");
    }
}
