//! The screens that need no environment: the GPU dashboard (replayed H200 samples, and
//! no driver at all), Settings, and the one-window guard without a usable D-Bus bus.
//! Each is checked with axe-core and keeps a screenshot.

use std::path::PathBuf;
use std::time::Duration;

use crate::driver::Window;

const SHORT: Duration = Duration::from_secs(30);

/// A recording of real H200 readings under load (`tests/fixtures/gpu/`).
fn load_recording() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gpu/load.jsonl")
}

#[tokio::test]
async fn the_gpu_dashboard_draws_replayed_h200_samples_live() {
    let recording = load_recording();
    let replay = recording.display().to_string();
    let window = Window::open("gpu-replay", &[("BERTH_GPU_REPLAY", replay.as_str())]).await;
    window.click("nav-gpus").await;
    window
        .wait_for_attr("gpu-state", "data-state", "ready", SHORT)
        .await;
    window.wait_for("gpu-card-0", SHORT).await;
    let name = window.text("gpu-0-name").await;
    assert!(name.contains("H200"), "the card names the GPU: {name}");
    let source = window.text("gpu-source").await;
    assert!(
        source.contains("load.jsonl"),
        "the dashboard says it is a replay: {source}"
    );
    // Live: a few samples later the charts have more points than at first.
    let points = || {
        window.eval("document.querySelectorAll('[data-testid=gpu-0-chart-usage] canvas').length")
    };
    assert!(
        points().await.as_u64().unwrap_or(0) >= 1,
        "the usage chart has a canvas"
    );
    let util_first = window.text("gpu-0-util").await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let util_later = window.text("gpu-0-util").await;
    eprintln!("utilisation shown: {util_first} then {util_later}");
    window.wait_for("gpu-0-processes", SHORT).await;
    let processes = window.text("gpu-0-processes").await;
    assert!(
        processes.contains("not a Berth environment") || processes.contains("python"),
        "{processes}"
    );
    let shot = window.screenshot("gpu-dashboard-load").await;
    window.assert_accessible("gpu-dashboard").await;
    // The README shows this screen; keep the file next to the docs when asked.
    if let Some(dest) = std::env::var_os("BERTH_README_SCREENSHOT") {
        std::fs::copy(&shot, &dest).expect("copy the screenshot for the README");
    }
    window.close().await;
}

#[tokio::test]
async fn without_a_driver_the_dashboard_says_so() {
    let window = Window::open("gpu-none", &[("BERTH_GPU_REPLAY", "")]).await;
    window.click("nav-gpus").await;
    window
        .wait_for_attr("gpu-state", "data-state", "no-driver", SHORT)
        .await;
    let message = window.text("gpu-state").await;
    assert!(message.contains("No NVIDIA driver found"), "{message}");
    window.screenshot("gpu-no-driver").await;
    window.assert_accessible("gpu-no-driver").await;
    window.close().await;
}

#[tokio::test]
async fn settings_show_the_docker_host_and_wsl_advice() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let dead = format!("unix://{}/docker.sock", dir.path().display());
    let window = Window::open("settings", &[("DOCKER_HOST", dead.as_str())]).await;
    window.click("nav-settings").await;
    window
        .wait_for_attr("screen-settings", "data-state", "ready", SHORT)
        .await;
    assert_eq!(window.text("settings-docker-host").await, dead);
    let source = window.text("settings-docker-host-source").await;
    assert!(source.contains("DOCKER_HOST"), "{source}");
    window.wait_for("settings-wsl", SHORT).await;
    // Not Windows, not WSL: WSL's settings are explained, not an error.
    window.wait_for("settings-wsl-not-windows", SHORT).await;
    assert!(!window.has("settings-wsl-error").await);
    window.wait_for("settings-registry", SHORT).await;
    window.screenshot("settings").await;
    window.assert_accessible("settings").await;
    window.close().await;
}

#[tokio::test]
async fn without_a_usable_session_bus_the_window_still_opens() {
    let window = Window::open(
        "no-dbus",
        &[(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/berth-test-bus",
        )],
    )
    .await;
    window
        .wait_for_any_attr(
            "screen-environments",
            "data-state",
            &["ready", "empty", "error"],
            SHORT,
        )
        .await;
    window.screenshot("no-dbus").await;
    let logs = window.log_dir();
    window.close().await;
    let text: String = std::fs::read_dir(&logs)
        .expect("the app wrote logs")
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect();
    assert!(
        text.contains("starting without the one-window guard")
            && text.contains("/nonexistent/berth-test-bus"),
        "the log says why the guard is off: {text}"
    );
}

#[tokio::test]
async fn the_system_check_runs_a_safe_fix_at_a_click() {
    use std::os::unix::fs::PermissionsExt;
    // A `code` with no Dev Containers extension, recording what it is asked.
    let dir = tempfile::tempdir().expect("a temp folder");
    let argv = dir.path().join("argv.log");
    let script = format!(
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> '{}'; done\n",
        argv.display()
    );
    let code = dir.path().join("code");
    std::fs::write(&code, script).expect("write the stand-in");
    std::fs::set_permissions(&code, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let window = Window::open("doctor-fix", &[("PATH", path.as_str())]).await;
    window.click("nav-system-check").await;
    window.wait_until_checked().await;
    assert_eq!(window.text("check-vscode-status").await, "warning");
    window.screenshot("doctor-before-fix").await;
    window.assert_accessible("system-check-with-fix").await;
    window.click("doctor-fix-vscode").await;
    window.wait_for("doctor-fix-vscode-result", SHORT).await;
    let said = window.text("doctor-fix-vscode-result").await;
    assert!(said.contains("installed"), "{said}");
    let asked = std::fs::read_to_string(&argv).unwrap_or_default();
    assert!(
        asked.contains("--install-extension\nms-vscode-remote.remote-containers"),
        "code was asked: {asked}"
    );
    window.screenshot("doctor-after-fix").await;
    window.close().await;
}
