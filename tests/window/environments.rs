//! A student's whole path in the real window against the real engine: create an
//! environment with the wizard in a new folder (on the hermetic base image), watch it
//! build, see it running, open VS Code (a recording stand-in), stop and start it, reset
//! its packages, delete it; and a build cancelled half-way that leaves nothing behind.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bollard::query_parameters::{
    ListContainersOptionsBuilder, ListImagesOptionsBuilder, ListVolumesOptionsBuilder,
};

use crate::driver::Window;
use crate::support;

/// How long a build of the small recipe may take on a busy 2-core machine.
const BUILD: Duration = Duration::from_secs(600);
/// How long the list or a short action may take.
const SHORT: Duration = Duration::from_secs(60);

/// A temporary home for the test: the project folder and a `code` stand-in that records
/// its arguments. Whatever Berth made for the project is removed when it is dropped.
struct Desk {
    dir: tempfile::TempDir,
}

impl Desk {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temp folder");
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).expect("a bin folder");
        let script = format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> '{}'; done\n\
             if [ \"$1\" = --list-extensions ]; then echo ms-vscode-remote.remote-containers; fi\n",
            dir.path().join("code-argv.log").display()
        );
        std::fs::write(bin.join("code"), script).expect("write the code stand-in");
        std::fs::set_permissions(bin.join("code"), std::fs::Permissions::from_mode(0o755))
            .expect("make the stand-in executable");
        Self { dir }
    }

    fn project(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// PATH with the stand-in first.
    fn path(&self) -> String {
        let rest = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into());
        format!("{}:{rest}", self.dir.path().join("bin").display())
    }

    fn code_argv(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("code-argv.log")).unwrap_or_default()
    }
}

/// The environment id Berth gives the project in `folder` (the rows' test ids use it).
fn environment_id(folder: &Path) -> String {
    let resolved = berth::devcontainer::load(folder, &berth::devcontainer::LoadOptions::default())
        .unwrap_or_else(|err| panic!("the project in {} does not load: {err}", folder.display()));
    berth::environment::Environment::of(&resolved).id
}

/// Every engine object that carries the project's label, as "kind name" lines.
async fn berth_objects(id: &str) -> Vec<String> {
    let docker = support::engine::connect().await;
    let label = format!("dev.berth.project={id}");
    let filters = HashMap::from([("label".to_owned(), vec![label])]);
    let mut found = Vec::new();
    let containers = docker
        .list_containers(Some(
            ListContainersOptionsBuilder::new()
                .all(true)
                .filters(&filters)
                .build(),
        ))
        .await
        .expect("list containers");
    found.extend(
        containers
            .into_iter()
            .map(|c| format!("container {:?}", c.names.unwrap_or_default())),
    );
    let images = docker
        .list_images(Some(
            ListImagesOptionsBuilder::new().filters(&filters).build(),
        ))
        .await
        .expect("list images");
    found.extend(
        images
            .into_iter()
            .map(|i| format!("image {:?}", i.repo_tags)),
    );
    let volumes = docker
        .list_volumes(Some(
            ListVolumesOptionsBuilder::new().filters(&filters).build(),
        ))
        .await
        .expect("list volumes");
    found.extend(
        volumes
            .volumes
            .unwrap_or_default()
            .into_iter()
            .map(|v| format!("volume {}", v.name)),
    );
    found
}

/// Remove whatever Berth made for `folder` (after a failed test), through the real CLI.
fn clean_up(folder: &Path) {
    let _ = std::process::Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(["rm", "--yes", "--json"])
        .arg(folder)
        .output();
}

struct CleanUp(PathBuf);

impl Drop for CleanUp {
    fn drop(&mut self) {
        if self.0.exists() {
            clean_up(&self.0);
        }
    }
}

/// A project in `folder` whose devcontainer.json builds `dockerfile`.
pub fn dockerfile_project(folder: &Path, dockerfile: &str) {
    std::fs::create_dir_all(folder.join(".devcontainer")).expect("make the project");
    std::fs::write(
        folder.join(".devcontainer/devcontainer.json"),
        "{ \"build\": { \"dockerfile\": \"Dockerfile\" } }\n",
    )
    .expect("write devcontainer.json");
    std::fs::write(folder.join(".devcontainer/Dockerfile"), dockerfile)
        .expect("write the Dockerfile");
}

/// Type `folder` into the wizard; it has a `.devcontainer/`, so the wizard offers to
/// build and start it as it is, which this takes.
pub async fn build_existing(window: &Window, folder: &Path) {
    window.click("nav-create").await;
    window
        .wait_for_attr("screen-create", "data-state", "ready", SHORT)
        .await;
    window
        .fill("wizard-folder", &folder.display().to_string())
        .await;
    window.press_tab().await;
    window
        .wait_for_attr("wizard-project", "data-state", "existing", SHORT)
        .await;
    window.screenshot("existing-project").await;
    window.click("wizard-build-existing").await;
}

/// Wait for the build panel to end; on failure, fail with its card.
async fn wait_built(window: &Window, shot: &str) {
    let state = window
        .wait_for_any_attr(
            "build-progress",
            "data-state",
            &["done", "failed", "cancelled"],
            BUILD,
        )
        .await;
    let path = window.screenshot(shot).await;
    if state != "done" {
        let card = if window.has("build-failure").await {
            window.text("build-failure").await
        } else {
            String::new()
        };
        panic!(
            "the build ended {state} (screenshot {}):\n{card}",
            path.display()
        );
    }
}

#[tokio::test]
async fn a_student_creates_starts_opens_resets_and_deletes_an_environment() {
    let docker = support::engine::connect().await;
    let base = support::images::bookworm_python(&docker).await;
    let desk = Desk::new();
    let folder = desk.project("thesis");
    let _clean = CleanUp(folder.clone());
    let path = desk.path();
    let window = Window::open("student", &[("PATH", path.as_str())]).await;

    // The wizard, step by step.
    window.click("nav-create").await;
    window
        .wait_for_attr("screen-create", "data-state", "ready", SHORT)
        .await;
    window
        .fill("wizard-folder", &folder.display().to_string())
        .await;
    window.press_tab().await;
    window
        .wait_for_attr("wizard-project", "data-state", "new", SHORT)
        .await;
    window.screenshot("wizard-1-folder").await;
    window.assert_accessible("wizard-folder").await;
    window.click("wizard-next").await;
    window.choose("wizard-framework", "none").await;
    window.screenshot("wizard-2-framework").await;
    window.click("wizard-next").await;
    window.click("wizard-target-cpu").await;
    window.screenshot("wizard-3-target").await;
    window.assert_accessible("wizard-target").await;
    window.click("wizard-next").await;
    window.click("wizard-advanced").await;
    window.fill("wizard-base-image", &base).await;
    window.press_tab().await;
    window.screenshot("wizard-4-packages").await;
    window.click("wizard-next").await;
    window.click("wizard-next").await;
    window
        .wait_for_attr("wizard-preview-state", "data-state", "ok", SHORT)
        .await;
    window.screenshot("wizard-6-review").await;
    window.assert_accessible("wizard-review").await;
    assert!(!folder.exists(), "the review writes nothing");
    window.click("wizard-create").await;

    // Build and start, watched to the end.
    window.wait_for("build-progress", SHORT).await;
    window.screenshot("build-running").await;
    wait_built(&window, "build-done").await;
    assert!(folder.join(".devcontainer/devcontainer.json").is_file());
    let id = environment_id(&folder);
    let row = format!("env-row-{id}");

    // Running, in the list.
    window.click("nav-environments").await;
    window
        .wait_for_attr(&row, "data-state", "running", SHORT)
        .await;
    window.screenshot("environments-running").await;
    window.assert_accessible("environments-running").await;
    // The keyboard reaches every action of the row, in reading order.
    let order = window.tab_order(80).await;
    for action in [
        "open",
        "stop",
        "rebuild",
        "reset",
        "freeze",
        "checkpoint",
        "delete",
    ] {
        let testid = format!("env-{id}-{action}");
        assert!(
            order.contains(&testid),
            "Tab never reaches {testid}: {order:?}"
        );
    }
    for nav in [
        "nav-environments",
        "nav-create",
        "nav-gpus",
        "nav-system-check",
        "nav-settings",
    ] {
        assert!(
            order.iter().any(|t| t == nav),
            "Tab never reaches {nav}: {order:?}"
        );
    }

    // Open in VS Code: the stand-in is called with the container's folder URI.
    window.click(&format!("env-{id}-open")).await;
    window.wait_for(&format!("env-{id}-notice"), SHORT).await;
    let argv = desk.code_argv();
    assert!(
        argv.contains("--folder-uri") && argv.contains("vscode-remote://dev-container+"),
        "code was called with: {argv}"
    );

    // Stop, then start again.
    window.click(&format!("env-{id}-stop")).await;
    window
        .wait_for_attr(&row, "data-state", "exited", SHORT)
        .await;
    window.screenshot("environments-stopped").await;
    window.click(&format!("env-{id}-start")).await;
    wait_built(&window, "restart-done").await;
    window
        .wait_for_attr(&row, "data-state", "running", SHORT)
        .await;

    // Reset the packages: the container goes, the volume is empty again.
    window.click(&format!("env-{id}-reset")).await;
    window.wait_for("reset-dialog", SHORT).await;
    window.screenshot("reset-confirm").await;
    window.assert_accessible("reset-dialog").await;
    window.click("confirm-reset").await;
    window.wait_gone("reset-dialog", SHORT).await;
    let said = window.text(&format!("env-{id}-notice")).await;
    assert!(said.contains("Emptied"), "{said}");
    window
        .wait_for_any_attr(&row, "data-state", &["none"], SHORT)
        .await;

    // Delete: the dialog lists exactly what goes, then it is gone from the engine.
    let before = berth_objects(&id).await;
    assert!(!before.is_empty(), "Berth made objects for {id}");
    window.click(&format!("env-{id}-delete")).await;
    window
        .wait_for_attr("delete-dialog", "data-state", "ready", SHORT)
        .await;
    let listed = window.text("delete-dialog").await;
    window.screenshot("delete-confirm").await;
    window.assert_accessible("delete-dialog").await;
    assert!(
        listed.contains(&format!("berth/{}", id.split('-').next().unwrap_or(&id)))
            || listed.contains("image"),
        "the dialog names the images: {listed}"
    );
    window.click("confirm-delete").await;
    // regression: the row stayed after a delete (the dialog's callback read the closed
    // dialog, threw, and never refreshed the list or said what was removed)
    window.wait_gone(&row, SHORT).await;
    window.screenshot("environments-after-delete").await;
    let after = berth_objects(&id).await;
    assert!(after.is_empty(), "left behind after delete: {after:?}");
    assert!(
        folder.join(".devcontainer/devcontainer.json").is_file(),
        "the project's files stay"
    );
    window.close().await;
}

#[tokio::test]
async fn a_build_cancelled_half_way_leaves_nothing_half_made() {
    let docker = support::engine::connect().await;
    let base = support::images::busybox(&docker).await;
    let desk = Desk::new();
    let folder = desk.project("slow");
    let _clean = CleanUp(folder.clone());
    dockerfile_project(
        &folder,
        &format!("FROM {base}\nRUN echo compiling the world && sleep 120\n"),
    );
    let id = environment_id(&folder);
    let path = desk.path();
    let window = Window::open("cancel", &[("PATH", path.as_str())]).await;
    // A folder that already has a .devcontainer/ goes straight to build and start.
    build_existing(&window, &folder).await;
    window
        .wait_for_attr("build-progress", "data-state", "running", SHORT)
        .await;
    // Half-way: the slow step has started.
    let started = std::time::Instant::now();
    while !window.text("build-progress").await.contains("sleep 120") {
        assert!(started.elapsed() < BUILD, "the slow step never started");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    window.screenshot("build-half-way").await;
    window.click("build-cancel").await;
    window
        .wait_for_attr("build-progress", "data-state", "cancelled", SHORT)
        .await;
    window.screenshot("build-cancelled").await;
    let left = berth_objects(&id).await;
    assert!(
        left.iter()
            .all(|o| !o.starts_with("container") && !o.starts_with("image")),
        "a cancelled first build left: {left:?}"
    );
    window.close().await;
}

#[tokio::test]
async fn a_failed_build_shows_the_step_the_command_and_its_last_lines() {
    let docker = support::engine::connect().await;
    let base = support::images::busybox(&docker).await;
    let desk = Desk::new();
    let folder = desk.project("broken");
    let _clean = CleanUp(folder.clone());
    dockerfile_project(
        &folder,
        &format!(
            "FROM {base}\nRUN echo fetching the weights && echo 'no space left on device' >&2 && exit 3\n"
        ),
    );
    let path = desk.path();
    let window = Window::open("failed-build", &[("PATH", path.as_str())]).await;
    build_existing(&window, &folder).await;
    window
        .wait_for_attr("build-progress", "data-state", "failed", BUILD)
        .await;
    window.screenshot("build-failed").await;
    window.assert_accessible("build-failed").await;
    let command = window.text("build-failure-command").await;
    assert!(
        command.contains("exit 3"),
        "the card names the command: {command}"
    );
    assert_eq!(window.text("build-failure-exit-code").await, "3");
    let lines = window.text("build-failure-lines").await;
    assert!(
        lines.contains("no space left on device"),
        "the card shows the last lines: {lines}"
    );
    assert!(window.has("build-retry").await, "the card offers a retry");
    window.close().await;
}
