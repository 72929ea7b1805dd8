//! The real Docker engine the tests run against. No engine is a failure, never a skip:
//! a test suite that passes because it tested nothing is worse than one that fails.

use std::time::Duration;

use bollard::Docker;

/// How long connecting and agreeing on an API version may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long any single engine request may take. Image imports and container runs take
/// longer than bollard's default of two minutes on a slow machine.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// The endpoint the tests use: `DOCKER_HOST`, or the platform default.
pub fn endpoint() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .filter(|value| !value.trim().is_empty())
        .unwrap_or_else(|| berth::engine::DEFAULT_ENDPOINT.to_owned())
}

/// Connect to the engine (honouring `DOCKER_HOST`) and agree on an API version.
///
/// # Panics
///
/// When no engine answers, with a message saying how to get one.
pub async fn connect() -> Docker {
    let endpoint = endpoint();
    let no_engine = |cause: &dyn std::fmt::Display| -> ! {
        panic!(
            "no Docker engine at {endpoint}: run `cargo xtask test`, which starts dockerd \
             (or start one yourself and point DOCKER_HOST at it); cause: {cause}"
        )
    };
    let docker = match Docker::connect_with_defaults() {
        Ok(docker) => docker.with_timeout(REQUEST_TIMEOUT),
        Err(err) => no_engine(&err),
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, docker.negotiate_version()).await {
        Ok(Ok(docker)) => docker,
        Ok(Err(err)) => no_engine(&err),
        Err(_) => no_engine(&format!(
            "it did not answer within {} s",
            CONNECT_TIMEOUT.as_secs()
        )),
    }
}

/// Berth's own connection to the same engine, for the core's functions.
///
/// # Panics
///
/// When no engine answers, with a message saying how to get one.
pub async fn berth_engine() -> berth::engine::Engine {
    match berth::engine::Engine::connect().await {
        Ok(engine) => engine,
        Err(err) => panic!(
            "no Docker engine at {}: run `cargo xtask test`, which starts dockerd (or start one \
             yourself and point DOCKER_HOST at it); cause: {err}",
            endpoint()
        ),
    }
}

/// True when `err` is the engine saying "no such object" (HTTP 404).
pub fn is_not_found(err: &bollard::errors::Error) -> bool {
    matches!(
        err,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}
