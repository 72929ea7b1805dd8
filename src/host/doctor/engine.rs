//! Check: a Docker engine answers, which version; and how to get one running on this
//! operating system (also used by every command that met a missing engine).

use crate::engine::{Engine, EngineError};

use super::{Check, CheckId, CheckStatus, Fix};

/// Check that a Docker engine answers, and name its version and API version.
pub async fn check(connected: &Result<Engine, EngineError>) -> Check {
    let engine = match connected {
        Ok(engine) => engine,
        Err(err) => return failed(err),
    };
    match engine.version().await {
        Ok(version) => Check {
            id: CheckId::DockerEngine,
            title: TITLE.to_owned(),
            status: CheckStatus::Ok,
            summary: format!(
                "Docker Engine {} (API {}, {}) at {}",
                version.version,
                version.api_version,
                version.platform,
                engine.endpoint()
            ),
            fix: None,
        },
        Err(err) => failed(&err),
    }
}

const TITLE: &str = "Docker engine reachable";

fn failed(err: &EngineError) -> Check {
    tracing::info!(error = %err, "Docker engine check failed");
    Check {
        id: CheckId::DockerEngine,
        title: TITLE.to_owned(),
        status: CheckStatus::Failed,
        summary: engine_summary(err),
        fix: Some(engine_fix(err, std::env::var_os("DOCKER_HOST").is_some())),
    }
}

/// One line saying what is wrong with the engine, in the user's words.
fn engine_summary(err: &EngineError) -> String {
    match err {
        EngineError::NotRunning { endpoint } => {
            format!("Docker engine not running: nothing answers at {endpoint}")
        }
        other => crate::error_chain(other),
    }
}

/// What to do about `err` on this machine (for any command that met it).
pub fn fix_for(err: &EngineError) -> Option<Fix> {
    match err {
        EngineError::Api { .. } => None,
        other => Some(engine_fix(other, std::env::var_os("DOCKER_HOST").is_some())),
    }
}

/// What to do about an engine error on this operating system.
fn engine_fix(err: &EngineError, docker_host_set: bool) -> Fix {
    let endpoint = err.endpoint();
    if docker_host_set && !matches!(err, EngineError::PermissionDenied { .. }) {
        let unset = if cfg!(windows) {
            "Remove-Item Env:DOCKER_HOST"
        } else {
            "unset DOCKER_HOST"
        };
        return Fix {
            description: format!(
                "DOCKER_HOST points at {endpoint}: start the engine there, or unset DOCKER_HOST to use the local engine ({}).",
                crate::engine::DEFAULT_ENDPOINT
            ),
            command: Some(unset.to_owned()),
            action: None,
        };
    }
    match err {
        EngineError::PermissionDenied { .. } => Fix {
            description: "Add your user to the 'docker' group, then log out and back in.".to_owned(),
            command: Some("sudo usermod -aG docker \"$USER\"".to_owned()),
            action: None,
        },
        EngineError::BadEndpoint { .. } => Fix {
            description: "Set DOCKER_HOST to unix:///path/to/docker.sock, tcp://host:port or ssh://user@host, or unset it.".to_owned(),
            command: None,
            action: None,
        },
        _ => start_engine_fix(),
    }
}

/// How to start the engine on this operating system.
fn start_engine_fix() -> Fix {
    if cfg!(target_os = "macos") {
        Fix {
            description: "Start Docker Desktop (or Colima) and wait until it says it is running."
                .to_owned(),
            command: Some("open -a Docker".to_owned()),
            action: None,
        }
    } else if cfg!(windows) {
        Fix {
            description:
                "Start Docker Desktop from the Start menu and wait until it says it is running."
                    .to_owned(),
            command: None,
            action: None,
        }
    } else if !engine_installed() {
        Fix {
            description: "Install the Docker engine, then start it.".to_owned(),
            command: Some(
                "sudo apt-get install docker.io && sudo systemctl start docker".to_owned(),
            ),
            action: None,
        }
    } else if std::path::Path::new("/run/systemd/system").exists() {
        Fix {
            description: "Start the Docker engine service.".to_owned(),
            command: Some("sudo systemctl start docker".to_owned()),
            action: None,
        }
    } else {
        Fix {
            description:
                "Start the Docker engine (this system has no systemd, so start dockerd directly)."
                    .to_owned(),
            command: Some("sudo dockerd > /var/log/dockerd.log 2>&1 &".to_owned()),
            action: None,
        }
    }
}

/// Whether a `dockerd` binary is on this machine.
fn engine_installed() -> bool {
    let candidates = [
        "/usr/bin/dockerd",
        "/usr/local/bin/dockerd",
        "/usr/sbin/dockerd",
    ];
    candidates.iter().any(|p| std::path::Path::new(p).exists())
        || std::env::var_os("PATH")
            .map(|path| std::env::split_paths(&path).any(|dir| dir.join("dockerd").exists()))
            .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_running_says_so_and_names_the_endpoint() {
        let err = EngineError::NotRunning {
            endpoint: "unix:///nowhere.sock".into(),
        };
        let summary = engine_summary(&err);
        assert!(summary.contains("not running"), "{summary}");
        assert!(summary.contains("unix:///nowhere.sock"), "{summary}");
    }

    #[test]
    fn a_dead_docker_host_is_blamed_on_docker_host() {
        let err = EngineError::NotRunning {
            endpoint: "unix:///nowhere.sock".into(),
        };
        let fix = engine_fix(&err, true);
        assert!(fix
            .description
            .contains("DOCKER_HOST points at unix:///nowhere.sock"));
        assert!(fix.command.unwrap().contains("DOCKER_HOST"));
    }

    #[test]
    fn permission_denied_suggests_the_docker_group() {
        let err = EngineError::PermissionDenied {
            endpoint: "unix:///var/run/docker.sock".into(),
        };
        let fix = engine_fix(&err, false);
        assert!(fix.command.unwrap().contains("usermod -aG docker"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn not_running_on_linux_says_how_to_start_the_engine() {
        let err = EngineError::NotRunning {
            endpoint: "unix:///var/run/docker.sock".into(),
        };
        let fix = engine_fix(&err, false);
        let command = fix.command.unwrap();
        assert!(
            command.contains("systemctl start docker") || command.contains("dockerd"),
            "{command}"
        );
    }
}
