//! Makes sure a Docker engine answers before the engine tests run: uses the one that
//! answers, else starts Debian's `dockerd` (through systemd when it runs, else directly).

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::system;

/// How long a freshly started dockerd may take to answer.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The engine's version when one answers at `DOCKER_HOST` or the default socket.
fn probe(runtime: &tokio::runtime::Runtime) -> Result<String, berth::engine::EngineError> {
    runtime.block_on(async {
        let engine = berth::engine::Engine::connect().await?;
        let version = engine.version().await?;
        Ok(format!(
            "Docker Engine {} (API {}) at {}",
            version.version,
            version.api_version,
            engine.endpoint()
        ))
    })
}

/// Use the engine that answers, or start one; fails with what to do when it cannot.
pub fn ensure_running(log_dir: &Path) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("failed to start a tokio runtime")?;
    match probe(&runtime) {
        Ok(found) => {
            println!("==> using {found}");
            return Ok(());
        }
        Err(err) if std::env::var_os("DOCKER_HOST").is_some() => bail!(
            "{err}; DOCKER_HOST is set, so xtask will not start a local engine: start the engine \
             it names, or unset DOCKER_HOST"
        ),
        Err(err) => println!("==> {err}; starting one"),
    }
    if Path::new("/run/systemd/system").exists() {
        system::run_checked(
            system::as_root("systemctl")?.args(["start", "docker"]),
            "starting the Docker engine (systemctl start docker)",
        )?;
    } else {
        let dockerd = system::which("dockerd").context(
            "dockerd is not installed although docker.io should be; run `apt-get install docker.io`",
        )?;
        std::fs::create_dir_all(log_dir)?;
        let log_path = log_dir.join("dockerd.log");
        let log = std::fs::File::create(&log_path)
            .with_context(|| format!("failed to create {}", log_path.display()))?;
        println!(
            "==> starting {} in the background (no systemd here); its log: {}",
            dockerd.display(),
            log_path.display()
        );
        system::as_root(&dockerd.to_string_lossy())?
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("failed to start dockerd")?;
    }
    let started = Instant::now();
    loop {
        match probe(&runtime) {
            Ok(found) => {
                println!(
                    "==> {found} answered after {:.1} s",
                    started.elapsed().as_secs_f64()
                );
                return Ok(());
            }
            Err(err) if started.elapsed() > START_TIMEOUT => bail!(
                "the Docker engine did not answer within {} s ({err}); read {}",
                START_TIMEOUT.as_secs(),
                log_dir.join("dockerd.log").display()
            ),
            Err(_) => std::thread::sleep(Duration::from_millis(250)),
        }
    }
}

/// Whether `docker.io` (or another engine) is needed: true unless an engine answers.
pub fn engine_missing() -> bool {
    system::which("dockerd").is_none()
        && std::env::var_os("DOCKER_HOST").is_none()
        && !berth::engine::DEFAULT_ENDPOINT
            .strip_prefix("unix://")
            .is_some_and(|socket| Path::new(socket).exists())
}
