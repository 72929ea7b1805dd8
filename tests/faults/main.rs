//! The engine failing under Berth: dockerd killed in the middle of a build and of an
//! `up`. Berth must say clearly what happened, and once the engine is back nothing
//! Berth-labelled is left half-made (or the next `up` finishes it). These tests stop the
//! machine's engine, so they live in their own test binary and run one after another.

#[path = "../support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{progress, test_name, TestScope};

/// How long a restarted engine may take to answer.
const RESTART_LIMIT: Duration = Duration::from_secs(60);

/// The pid of the local dockerd.
fn dockerd_pid() -> u32 {
    let text = std::fs::read_to_string("/var/run/docker.pid")
        .unwrap_or_else(|err| panic!("these tests kill the local dockerd, whose pid file /var/run/docker.pid is unreadable: {err}"));
    text.trim()
        .parse()
        .unwrap_or_else(|err| panic!("bad pid file: {err}"))
}

/// Kills dockerd with SIGKILL; starts it again when dropped (also when the test fails).
struct KilledEngine;

impl KilledEngine {
    fn kill() -> Self {
        let pid = dockerd_pid();
        progress(format!("killing dockerd (pid {pid})"));
        let status = Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap_or_else(|err| panic!("{err}"));
        assert!(status.success(), "kill -9 {pid} failed");
        let deadline = Instant::now() + Duration::from_secs(20);
        while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        Self
    }
}

impl Drop for KilledEngine {
    fn drop(&mut self) {
        start_dockerd();
    }
}

/// Start dockerd as `cargo xtask test` does, and wait until it answers.
fn start_dockerd() {
    if Path::new("/run/systemd/system").exists() {
        let _ = Command::new("systemctl").args(["start", "docker"]).status();
    } else {
        let log_dir =
            std::env::var_os("BERTH_TEST_OUTPUT").map_or_else(std::env::temp_dir, Into::into);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(Path::new(&log_dir).join("dockerd.log"))
            .unwrap_or_else(|err| panic!("{err}"));
        let _ = std::fs::remove_file("/var/run/docker.pid");
        Command::new("setsid")
            .args(["-f", "dockerd"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap_or_else(|err| panic!("{err}")))
            .stderr(log)
            .status()
            .unwrap_or_else(|err| panic!("failed to start dockerd again: {err}"));
    }
    // On a thread of its own: this may run in a test's async runtime (a drop).
    let waited = std::thread::spawn(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| err.to_string())?;
        let started = Instant::now();
        loop {
            let answered = runtime.block_on(async {
                match berth::engine::Engine::connect().await {
                    Ok(engine) => engine.version().await.is_ok(),
                    Err(_) => false,
                }
            });
            if answered {
                progress(format!(
                    "dockerd answers again after {:.1}s",
                    started.elapsed().as_secs_f64()
                ));
                return Ok(());
            }
            if started.elapsed() > RESTART_LIMIT {
                return Err(format!(
                    "dockerd did not come back within {RESTART_LIMIT:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    })
    .join();
    match waited {
        Ok(Ok(())) => {}
        Ok(Err(message)) => progress(message),
        Err(_) => progress("waiting for dockerd panicked"),
    }
}

/// Run `berth <verb> <dir> --no-git-root --json`, kill dockerd when a progress line
/// contains `when`, and return what berth printed and its exit code.
fn kill_engine_during(verb: &str, dir: &Path, when: &str) -> (Option<i32>, String, KilledEngine) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_berth"))
        .arg(verb)
        .arg(dir)
        .args(["--no-git-root", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("{err}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut seen = String::new();
    let mut killed = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap_or_else(|err| panic!("{err}"));
        seen.push_str(&line);
        seen.push('\n');
        if killed.is_none() && line.contains(when) {
            std::thread::sleep(Duration::from_millis(500));
            killed = Some(KilledEngine::kill());
        }
    }
    let status = child.wait().unwrap_or_else(|err| panic!("{err}"));
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        use std::io::Read;
        let _ = err.read_to_string(&mut stderr);
    }
    let killed = killed.unwrap_or_else(|| panic!("never saw {when:?}: {seen}{stderr}"));
    (status.code(), format!("{seen}{stderr}"), killed)
}

/// Every Berth object of `folder`: (kind, name or id, detail).
async fn berth_objects(folder: &Path) -> Vec<String> {
    let engine = support::engine::berth_engine().await;
    let labels = std::collections::BTreeMap::from([(
        berth::environment::FOLDER_LABEL.to_owned(),
        folder.display().to_string(),
    )]);
    let mut out = Vec::new();
    for c in berth::engine::container::list(&engine, &labels)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    {
        out.push(format!("container {} {}", c.name, c.state.as_str()));
    }
    for i in berth::engine::image::list(&engine, &labels)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    {
        out.push(format!("image {:?}", i.tags));
    }
    for v in berth::engine::volume::list(&engine, &labels)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    {
        out.push(format!("volume {}", v.name));
    }
    out
}

/// Berth failed (exit 1) saying the engine went away, not something vaguer.
fn assert_says_the_engine_stopped(code: Option<i32>, output: &str) {
    assert_eq!(code, Some(1), "{output}");
    assert!(
        output.contains("stopped answering in the middle of a request")
            || output.contains("no Docker engine is running"),
        "a clear message: {output}"
    );
}

/// A project `name` of `scope` with `config` (and a `dockerfile`) in `.devcontainer/`.
fn project(
    scope: &TestScope,
    name: &str,
    config: &str,
    dockerfile: Option<&str>,
) -> std::path::PathBuf {
    let dir = scope.project_dir(name);
    let files =
        std::iter::once(("devcontainer.json", config)).chain(dockerfile.map(|d| ("Dockerfile", d)));
    for (file, contents) in files {
        let path = dir.join(".devcontainer").join(file);
        std::fs::create_dir_all(dir.join(".devcontainer"))
            .and_then(|()| std::fs::write(&path, contents))
            .unwrap_or_else(|err| panic!("failed to write {}: {err}", path.display()));
    }
    dir
}

#[tokio::test]
async fn the_engine_dying_mid_build_and_mid_up_is_reported_and_repaired() {
    let scope = TestScope::new(test_name!()).await;
    let image = support::images::ensure(scope.docker(), support::images::Base::BookwormDev).await;

    // 1. dockerd killed while a build step runs.
    let dir = project(
        &scope,
        "build",
        r#"{"build": {"dockerfile": "Dockerfile"}, "remoteUser": "dev"}"#,
        Some(&format!(
            "FROM {image}\nRUN echo building-{} && sleep 60\n",
            scope.id()
        )),
    );
    let build_dir = dir.clone();
    let (code, output, killed) =
        tokio::task::spawn_blocking(move || kill_engine_during("build", &build_dir, "sleep 60"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    assert_says_the_engine_stopped(code, &output);
    assert!(output.contains("nothing was tagged"), "{output}");
    tokio::task::spawn_blocking(move || drop(killed))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        berth_objects(&dir).await,
        Vec::<String>::new(),
        "nothing half-made"
    );

    // 2. dockerd killed while postCreateCommand runs; the next up finishes the job.
    let dir = project(
        &scope,
        "up",
        &format!(
            r#"{{"image": "{image}", "remoteUser": "dev", "postCreateCommand": "echo creating; sleep 30; echo created > /tmp/created"}}"#
        ),
        None,
    );
    let up_dir = dir.clone();
    let (code, output, killed) = tokio::task::spawn_blocking(move || {
        kill_engine_during("up", &up_dir, "running postCreateCommand")
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_says_the_engine_stopped(code, &output);
    tokio::task::spawn_blocking(move || drop(killed))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let left = berth_objects(&dir).await;
    assert!(
        left.iter().all(|o| !o.contains("running")),
        "the engine stopped the container: {left:?}"
    );
    let output = Command::new(env!("CARGO_BIN_EXE_berth"))
        .arg("up")
        .arg(&dir)
        .args(["--no-git-root", "--json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        text.contains("\"ran\":[\"postCreateCommand\"]"),
        "the next up runs what did not finish: {text}"
    );
}
