//! The Docker Engine as Berth sees it: one connection (honouring `DOCKER_HOST`) whose
//! errors are sorted into what a user can act on ("not running", "permission denied"),
//! and one module per operation on it. bollard's types stay inside this module: callers
//! see Berth's own types, progress events and errors.

pub mod build;
pub mod container;
pub mod context;
pub mod dockerignore;
pub mod events;
pub mod exec;
pub mod hint;
pub mod image;
pub mod network;
pub mod progress;
pub mod volume;

pub use build::{build, BuildError, BuildFailure, BuildPlan, Builder, BuilderKind, Built};
pub use progress::{Cancel, Event, Outcome, Phase, Progress};

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use bollard::Docker;

/// How long a single "is the engine there?" request may take before Berth gives up.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long an ordinary request (create, start, remove, inspect) may take to answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// How long a long operation (a build, a command in a container) may run; its callers
/// cancel it sooner.
const LONG_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);
/// What hyper says when a connection dies under a request or response.
const CUT_OFF: &[&str] = &[
    "error reading a body from connection",
    "connection closed before message completed",
];
/// The oldest API version with BuildKit builds over a session.
const BUILDKIT_API: (u32, u32) = (1, 39);

/// Where Berth looks for the engine when `DOCKER_HOST` is not set.
#[cfg(unix)]
pub const DEFAULT_ENDPOINT: &str = "unix:///var/run/docker.sock";
/// Where Berth looks for the engine when `DOCKER_HOST` is not set.
#[cfg(windows)]
pub const DEFAULT_ENDPOINT: &str = "npipe:////./pipe/docker_engine";

/// Errors from talking to the Docker engine, sorted by what the user should do.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Nothing answers at the endpoint: no socket, or the connection was refused.
    #[error("no Docker engine is running at '{endpoint}'")]
    NotRunning {
        /// The endpoint Berth tried (`DOCKER_HOST` or the platform default).
        endpoint: String,
    },
    /// The socket exists but this user may not open it.
    #[error("permission denied opening the Docker engine socket '{endpoint}'")]
    PermissionDenied {
        /// The endpoint Berth tried.
        endpoint: String,
    },
    /// The engine went away in the middle of a request (it was stopped or crashed).
    #[error("the Docker engine at '{endpoint}' stopped answering in the middle of a request")]
    Stopped {
        /// The endpoint Berth used.
        endpoint: String,
    },
    /// The endpoint accepted the connection but did not answer in time.
    #[error("the Docker engine at '{endpoint}' did not answer within {seconds} s")]
    Timeout {
        /// The endpoint Berth tried.
        endpoint: String,
        /// How long Berth waited.
        seconds: u64,
    },
    /// `DOCKER_HOST` names something Berth cannot connect to.
    #[error("DOCKER_HOST='{endpoint}' is not an address Berth can use (expected unix://, tcp://, ssh:// or npipe://)")]
    BadEndpoint {
        /// The value of `DOCKER_HOST`.
        endpoint: String,
    },
    /// The engine answered, but with an error.
    #[error("the Docker engine at '{endpoint}' failed to {action}")]
    Api {
        /// The endpoint Berth used.
        endpoint: String,
        /// What Berth was doing, e.g. "report its version".
        action: &'static str,
        /// The engine's own error.
        #[source]
        source: bollard::errors::Error,
    },
}

impl EngineError {
    /// The endpoint this error concerns.
    pub fn endpoint(&self) -> &str {
        match self {
            Self::NotRunning { endpoint }
            | Self::Stopped { endpoint }
            | Self::PermissionDenied { endpoint }
            | Self::Timeout { endpoint, .. }
            | Self::BadEndpoint { endpoint }
            | Self::Api { endpoint, .. } => endpoint,
        }
    }

    /// Sort a bollard error from `action` into the variant the user can act on.
    pub(crate) fn classify(
        endpoint: &str,
        action: &'static str,
        err: bollard::errors::Error,
    ) -> Self {
        let endpoint = endpoint.to_owned();
        match &err {
            bollard::errors::Error::SocketNotFoundError(_) => return Self::NotRunning { endpoint },
            bollard::errors::Error::UnsupportedURISchemeError { .. } => {
                return Self::BadEndpoint { endpoint }
            }
            bollard::errors::Error::RequestTimeoutError => {
                return Self::Timeout {
                    endpoint,
                    seconds: PROBE_TIMEOUT.as_secs(),
                }
            }
            _ => {}
        }
        // The engine's own answers say what they say; the rest are the connection's.
        let answered = matches!(
            err,
            bollard::errors::Error::DockerResponseServerError { .. }
                | bollard::errors::Error::DockerStreamError { .. }
        );
        let mut cause: Option<&(dyn StdError + 'static)> = Some(&err);
        while let Some(current) = cause {
            // A response cut off half-way (hyper's words; bollard passes its errors on
            // transparently, so only the text tells): the engine went away under it.
            let text = current.to_string();
            if !answered && CUT_OFF.iter().any(|words| text.contains(words)) {
                return Self::Stopped { endpoint };
            }
            if let Some(io_err) = current.downcast_ref::<io::Error>() {
                match io_err.kind() {
                    io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused => {
                        return Self::NotRunning { endpoint }
                    }
                    io::ErrorKind::PermissionDenied => return Self::PermissionDenied { endpoint },
                    io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::BrokenPipe
                    | io::ErrorKind::UnexpectedEof => return Self::Stopped { endpoint },
                    io::ErrorKind::TimedOut => {
                        return Self::Timeout {
                            endpoint,
                            seconds: PROBE_TIMEOUT.as_secs(),
                        }
                    }
                    _ => {}
                }
            }
            cause = current.source();
        }
        Self::Api {
            endpoint,
            action,
            source: err,
        }
    }
}

/// What the engine says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineVersion {
    /// The engine's release, e.g. `20.10.24+dfsg1`.
    pub version: String,
    /// The newest API version the engine speaks, e.g. `1.41`.
    pub api_version: String,
    /// The API version Berth and the engine agreed on.
    pub negotiated_api_version: String,
    /// The engine's operating system and architecture, e.g. `linux/amd64`.
    pub platform: String,
    /// The kernel the engine runs on, when it says.
    pub kernel: Option<String>,
}

/// A connection to one Docker engine.
#[derive(Debug, Clone)]
pub struct Engine {
    docker: Docker,
    endpoint: String,
}

/// The endpoint Berth will use: `DOCKER_HOST` when set and not empty, else the default.
pub fn configured_endpoint() -> String {
    docker_host().unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned())
}

/// Where [`configured_endpoint`] comes from, for a person.
pub fn endpoint_source() -> &'static str {
    match docker_host() {
        Some(_) => "the DOCKER_HOST environment variable",
        None => "the platform's default socket (DOCKER_HOST is not set)",
    }
}

fn docker_host() -> Option<String> {
    std::env::var("DOCKER_HOST")
        .ok()
        .filter(|value| !value.trim().is_empty())
}

impl Engine {
    /// Connect to the engine named by `DOCKER_HOST` (or the platform default) and agree
    /// on an API version with it, so older engines (Debian's 20.10: API 1.41) work.
    pub async fn connect() -> Result<Self, EngineError> {
        Self::connect_to(&configured_endpoint()).await
    }

    /// Connect to the engine at `endpoint` (`unix://…`, `tcp://…`, `ssh://…`, `npipe://…`).
    pub async fn connect_to(endpoint: &str) -> Result<Self, EngineError> {
        let docker = Docker::connect_with_host(endpoint)
            .map_err(|err| EngineError::classify(endpoint, "accept a connection", err))?
            .with_timeout(REQUEST_TIMEOUT);
        let docker = tokio::time::timeout(PROBE_TIMEOUT, docker.negotiate_version())
            .await
            .map_err(|_| EngineError::Timeout {
                endpoint: endpoint.to_owned(),
                seconds: PROBE_TIMEOUT.as_secs(),
            })?
            .map_err(|err| EngineError::classify(endpoint, "agree on an API version", err))?;
        tracing::debug!(endpoint, api = %docker.client_version(), "connected to the Docker engine");
        Ok(Self {
            docker,
            endpoint: endpoint.to_owned(),
        })
    }

    /// The endpoint this connection uses.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The underlying bollard client, for the engine modules of this crate.
    pub(crate) fn docker(&self) -> &Docker {
        &self.docker
    }

    /// A client for requests that stream for as long as the operation runs (builds,
    /// commands); they end through cancellation, not a timeout.
    pub(crate) fn long_running(&self) -> Docker {
        self.docker.clone().with_timeout(LONG_TIMEOUT)
    }

    /// Whether the engine has the NVIDIA container runtime registered (so a container can
    /// be given GPUs), as `docker info` lists it.
    ///
    /// # Errors
    ///
    /// The engine does not answer.
    pub async fn has_nvidia_runtime(&self) -> Result<bool, EngineError> {
        let info = self
            .docker
            .info()
            .await
            .map_err(|err| EngineError::classify(&self.endpoint, "describe itself", err))?;
        Ok(info
            .runtimes
            .is_some_and(|runtimes| runtimes.contains_key("nvidia")))
    }

    /// What the Doctor weighs about the engine: its runtimes, CDI devices and data folder.
    ///
    /// # Errors
    ///
    /// The engine does not answer.
    pub async fn facts(&self) -> Result<EngineFacts, EngineError> {
        let info = self
            .docker
            .info()
            .await
            .map_err(|err| EngineError::classify(&self.endpoint, "describe itself", err))?;
        let mut runtimes: Vec<String> = info.runtimes.unwrap_or_default().into_keys().collect();
        runtimes.sort();
        Ok(EngineFacts {
            runtimes,
            cdi_devices: info
                .discovered_devices
                .unwrap_or_default()
                .into_iter()
                .filter_map(|device| device.id)
                .collect(),
            cdi_spec_dirs: info.cdi_spec_dirs.unwrap_or_default(),
            root_dir: info.docker_root_dir.filter(|dir| !dir.is_empty()),
            local: self.endpoint.starts_with("unix://") || self.endpoint.starts_with("npipe://"),
        })
    }

    /// BuildKit when the engine offers it (Linux engines with API 1.39 or newer), the
    /// classic builder otherwise.
    ///
    /// # Errors
    ///
    /// The engine does not answer.
    pub async fn preferred_builder(&self) -> Result<BuilderKind, EngineError> {
        let version = self.version().await?;
        let api = parse_api(&version.api_version);
        let linux = version.platform.starts_with("linux/");
        Ok(if linux && api.is_some_and(|api| api >= BUILDKIT_API) {
            BuilderKind::BuildKit
        } else {
            BuilderKind::Classic
        })
    }

    /// Ask the engine for its version.
    pub async fn version(&self) -> Result<EngineVersion, EngineError> {
        let action = "report its version";
        let answer = tokio::time::timeout(PROBE_TIMEOUT, self.docker().version())
            .await
            .map_err(|_| EngineError::Timeout {
                endpoint: self.endpoint.clone(),
                seconds: PROBE_TIMEOUT.as_secs(),
            })?
            .map_err(|err| EngineError::classify(&self.endpoint, action, err))?;
        Ok(EngineVersion {
            version: answer.version.unwrap_or_else(|| "unknown".to_owned()),
            api_version: answer.api_version.unwrap_or_else(|| "unknown".to_owned()),
            negotiated_api_version: self.docker.client_version().to_string(),
            platform: format!(
                "{}/{}",
                answer.os.as_deref().unwrap_or("unknown"),
                answer.arch.as_deref().unwrap_or("unknown")
            ),
            kernel: answer.kernel_version,
        })
    }
}

/// The engine's facts the Doctor checks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EngineFacts {
    /// Registered OCI runtimes (`runc`, `nvidia`, …), sorted.
    pub runtimes: Vec<String>,
    /// CDI devices the engine discovered (`nvidia.com/gpu=0`, …; engines from API 1.49).
    pub cdi_devices: Vec<String>,
    /// Where the engine reads CDI specifications (engines from API 1.44).
    pub cdi_spec_dirs: Vec<String>,
    /// Where the engine keeps images and volumes (`/var/lib/docker`).
    pub root_dir: Option<String>,
    /// Whether the engine runs on this machine (a local socket or pipe), so its data
    /// folder is a path here.
    pub local: bool,
}

/// `1.41` → (1, 41).
fn parse_api(text: &str) -> Option<(u32, u32)> {
    let (major, minor) = text.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_compare_as_numbers() {
        assert!(parse_api("1.41") >= Some(BUILDKIT_API));
        assert!(parse_api("1.9") < Some(BUILDKIT_API));
        assert_eq!(parse_api("unknown"), None);
    }

    #[tokio::test]
    async fn a_missing_socket_reads_as_not_running() {
        let dir = tempfile::tempdir().unwrap();
        let endpoint = format!("unix://{}/docker.sock", dir.path().display());
        let err = Engine::connect_to(&endpoint).await.unwrap_err();
        assert!(
            matches!(&err, EngineError::NotRunning { endpoint: e } if *e == endpoint),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn a_socket_nobody_listens_on_reads_as_not_running() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("docker.sock");
        // Bind and drop: the socket file stays but nobody accepts on it.
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        let endpoint = format!("unix://{}", path.display());
        let err = Engine::connect_to(&endpoint).await.unwrap_err();
        assert!(matches!(err, EngineError::NotRunning { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn an_unknown_scheme_is_a_bad_endpoint() {
        let err = Engine::connect_to("gopher://example").await.unwrap_err();
        assert!(matches!(err, EngineError::BadEndpoint { .. }), "{err:?}");
        assert!(err.to_string().contains("gopher://example"));
    }
}
