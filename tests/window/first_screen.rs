//! The first screens: the environment list (what the window opens on) and the system
//! check, with the engine up and with the engine down.

use std::time::Duration;

use crate::driver::Window;

/// How long the first list may take.
const CHECK: Duration = Duration::from_secs(30);

/// The real engine's version, read independently of Berth.
async fn real_engine_version() -> String {
    let docker = bollard::Docker::connect_with_defaults()
        .expect("a Docker client")
        .negotiate_version()
        .await
        .unwrap_or_else(|e| {
            panic!("no Docker engine answers ({e}): run `cargo xtask test`, which starts dockerd")
        });
    let version = docker
        .version()
        .await
        .expect("the engine reports its version");
    version.version.expect("the engine names its version")
}

#[tokio::test]
async fn the_first_screen_names_the_real_engine_version() {
    let version = real_engine_version().await;
    let window = Window::open("engine-up", &[]).await;
    let listed = window
        .wait_for_any_attr(
            "screen-environments",
            "data-state",
            &["ready", "empty"],
            CHECK,
        )
        .await;
    window.screenshot("environments-first-screen").await;
    window.assert_accessible("environments").await;
    window.click("nav-system-check").await;
    let shown_in = window.wait_until_checked().await;
    assert_eq!(window.text("check-docker-engine-status").await, "ok");
    let summary = window.text("check-docker-engine-summary").await;
    assert!(
        summary.contains(&version),
        "the check should name engine version {version}, it says: {summary}"
    );
    assert!(
        !window.has("check-docker-engine-fix").await,
        "a passing check offers no fix"
    );
    let ready = window.eval("window.__BERTH_READY__ ?? null").await;
    let shot = window.screenshot("system-check").await;
    window.assert_accessible("system-check").await;
    eprintln!(
        "window: session up in {:.2} s, environments {listed}, checks shown {:.2} s later, page ready at {ready} ms; screenshot {}",
        window.opened_in.as_secs_f64(),
        shown_in.as_secs_f64(),
        shot.display()
    );
    let logs = window.log_dir();
    window.close().await;
    assert_logged(&logs, "Berth desktop starting");
}

/// The desktop app writes a daily `berth.<date>.log` to its log folder; one of them says `line`.
fn assert_logged(dir: &std::path::Path, line: &str) {
    let files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("the app made no log folder {}: {err}", dir.display()))
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("berth.") && n.ends_with(".log"))
        })
        .collect();
    assert!(
        files
            .iter()
            .any(|f| std::fs::read_to_string(f).is_ok_and(|text| text.contains(line))),
        "no berth.*.log in {} says '{line}' (files: {files:?})",
        dir.display()
    );
}

#[tokio::test]
async fn a_dead_engine_shows_not_running_with_the_fix() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let dead = format!("unix://{}/dead.sock", dir.path().display());
    let window = Window::open("engine-down", &[("DOCKER_HOST", dead.as_str())]).await;
    // The list says why it is empty, and points at the check.
    window
        .wait_for_attr("screen-environments", "data-state", "error", CHECK)
        .await;
    let why = window.text("env-error-message").await;
    assert!(
        why.contains("no Docker engine") && why.contains(&dead),
        "{why}"
    );
    window.screenshot("environments-engine-down").await;
    window.assert_accessible("environments-error").await;
    window.click("env-system-check").await;
    window.wait_until_checked().await;
    assert_eq!(window.text("check-docker-engine-status").await, "failed");
    let summary = window.text("check-docker-engine-summary").await;
    assert!(summary.contains("not running"), "{summary}");
    assert!(
        summary.contains(&dead),
        "the summary names the endpoint: {summary}"
    );
    let fix = window.text("check-docker-engine-fix").await;
    assert!(fix.contains("DOCKER_HOST"), "{fix}");
    let command = window.text("check-docker-engine-fix-command").await;
    assert_eq!(command, "unset DOCKER_HOST");
    window.screenshot("engine-not-running").await;
    let logs = window.log_dir();
    window.close().await;
    assert_logged(&logs, "Docker engine check failed");
}
