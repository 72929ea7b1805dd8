//! `berth new` and recipe rendering against the real engine: generated files build.
//!
//! The CPU form of every framework's recipe is built through the Engine API on the
//! hermetic Debian base (swapped in with `BASE_IMAGE`, as a user would), its post-create
//! script installs the pinned requirements from a local wheelhouse into the package volume
//! as the non-root user, and skips pip when run again; plain `docker build` builds the same
//! files. The `berth` binary is driven for what the CLI promises: files, diffs, backups.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Instant;

use berth::engine::BuildPlan;
use berth::recipe::{self, Choices, Framework, Recipe};
use serde_json::Value;

use crate::support::containers::{self, Finished};
use crate::support::images::{self, Base};
use crate::support::scope::{TEST_LABEL, TEST_NAME_LABEL};
use crate::support::wheelhouse::{self, Wheel};
use crate::support::{human_duration, progress, test_name, TestScope};

/// Where the tests mount the project in the container, as VS Code does.
const WORKSPACE: &str = "/workspaces/project";

/// A project folder with a rendered CPU recipe for `framework` and a wheelhouse (`wheels/`)
/// holding stand-ins for everything it pins, rendered to install without an index.
struct Project {
    _temp: tempfile::TempDir,
    dir: PathBuf,
    recipe: Recipe,
}

impl Project {
    fn cpu(framework: Framework) -> Self {
        let temp = tempfile::tempdir().unwrap_or_else(|err| panic!("no temp dir: {err}"));
        let dir = temp.path().join(format!("{}-project", framework.id()));
        let recipe = crate::support::recipe_project::new(&dir, framework);
        Self {
            _temp: temp,
            dir,
            recipe,
        }
    }

    /// The framework's own stand-in (`torch` 2.9.1+cpu, …).
    fn framework_wheel(&self) -> Wheel {
        let install = self
            .recipe
            .install
            .as_ref()
            .unwrap_or_else(|| panic!("no framework"));
        wheelhouse::stand_ins(install.requirements[0].as_str()).remove(0)
    }
}

/// Build the project's `stage` with `BASE_IMAGE` set to `base`, through the core's
/// `engine::build` (BuildKit on this engine), tagged `tag` and labelled with the scope.
async fn build(
    scope: &TestScope,
    dir: &Path,
    stage: &str,
    base: &str,
    tag: &str,
) -> Result<(), String> {
    scope.track_image(tag);
    let plan = BuildPlan {
        context: dir.to_owned(),
        dockerfile: dir.join(".devcontainer/Dockerfile"),
        tag: tag.to_owned(),
        args: BTreeMap::from([("BASE_IMAGE".to_owned(), base.to_owned())]),
        target: Some(stage.to_owned()),
        labels: scope.labels().into_iter().collect(),
        // Hermetic: everything comes from the base image and the wheelhouse.
        network: Some("none".to_owned()),
        ..BuildPlan::default()
    };
    images::build_image(&plan, images::Echo::Captured).await
}

/// Run `cmd` in a new container of `image` as the image's user, without a network, with
/// the project mounted read-only at [`WORKSPACE`] and `volume` at the user's `~/.local`.
async fn run(
    scope: &TestScope,
    image: &str,
    volume: &str,
    project: &Path,
    cmd: &[&str],
) -> Finished {
    let binds = vec![
        format!("{volume}:/home/{}/.local", recipe::USER),
        format!("{}:{WORKSPACE}:ro", project.display()),
    ];
    containers::run_with_binds(scope, image, cmd, binds).await
}

#[tokio::test]
async fn cpu_recipes_of_every_framework_build_and_install_requirements_once_per_change() {
    let scope = TestScope::new(test_name!()).await;
    let base = images::ensure(scope.docker(), Base::BookwormPython).await;
    let post_create = format!("{WORKSPACE}/.devcontainer/post-create.sh");

    for framework in [Framework::PyTorch, Framework::Jax, Framework::TensorFlow] {
        let project = Project::cpu(framework);
        let wheel = project.framework_wheel();
        let tag = format!("{}:latest", scope.unique_name(framework.id()));
        let started = Instant::now();

        build(&scope, &project.dir, "cpu", &base, &tag)
            .await
            .unwrap_or_else(|err| panic!("{}: {err}", project.recipe.summary()));
        progress(format!(
            "built {} ({}) in {}",
            tag,
            project.recipe.summary(),
            human_duration(started.elapsed())
        ));

        let volume = scope
            .create_volume(&format!("{}-local", framework.id()))
            .await;
        let first = run(&scope, &tag, &volume, &project.dir, &["bash", &post_create]).await;
        first.assert_success("the first post-create run");
        assert!(
            first
                .stdout
                .contains("berth: installing .devcontainer/requirements.txt"),
            "{first:?}"
        );
        assert!(
            first
                .stdout
                .contains("Successfully installed berth-probe-1.0.0"),
            "{first:?}"
        );
        assert!(
            first.stdout.contains(&format!(
                "Requirement already satisfied: {}=={}",
                wheel.name, wheel.version
            )),
            "the framework should come from the image's venv: {first:?}"
        );

        let second = run(&scope, &tag, &volume, &project.dir, &["bash", &post_create]).await;
        second.assert_success("the second post-create run");
        assert!(second.stdout.contains("skipping pip"), "{second:?}");
        assert!(
            !second.stdout.contains("Successfully installed"),
            "{second:?}"
        );

        let probe = format!(
            "import os, {module}, berth_probe; print(os.getuid(), {module}.__version__, berth_probe.__file__)",
            module = wheel.module()
        );
        let check = run(
            &scope,
            &tag,
            &volume,
            &project.dir,
            &["python", "-c", &probe],
        )
        .await;
        check.assert_success("importing the framework and the probe");
        let words: Vec<&str> = check.stdout.split_whitespace().collect();
        assert_eq!(
            words.first(),
            Some(&"1000"),
            "not the non-root user: {check:?}"
        );
        assert_eq!(words.get(1), Some(&wheel.version.as_str()), "{check:?}");
        assert!(
            words
                .get(2)
                .is_some_and(|path| path
                    .starts_with(&format!("/home/{}/.local/lib/python3.11/", recipe::USER))),
            "the probe is not in the package volume: {check:?}"
        );
    }
}

#[tokio::test]
async fn plain_docker_build_builds_the_generated_files_without_berth() {
    let scope = TestScope::new(test_name!()).await;
    let base = images::ensure(scope.docker(), Base::BookwormPython).await;
    let project = Project::cpu(Framework::PyTorch);
    let tag = format!("{}:latest", scope.unique_name("cli"));
    scope.track_image(tag.clone());
    let started = Instant::now();

    let output = tokio::process::Command::new("docker")
        .arg("build")
        .args([
            "-f",
            &format!("{}/.devcontainer/Dockerfile", project.dir.display()),
        ])
        .args(["--build-arg", &format!("BASE_IMAGE={base}")])
        .args(["--target", "cpu"])
        .args(["--network", "none"])
        .args(["--label", &format!("{TEST_LABEL}={}", scope.id())])
        .args(["--label", &format!("{TEST_NAME_LABEL}={}", scope.name())])
        .args(["-t", &tag])
        .arg(&project.dir)
        .output()
        .await
        .unwrap_or_else(|err| panic!("failed to run the docker CLI: {err}"));

    assert!(
        output.status.success(),
        "docker build failed ({})\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    progress(format!(
        "docker build {tag} took {}",
        human_duration(started.elapsed())
    ));
    let image = scope
        .docker()
        .inspect_image(&tag)
        .await
        .unwrap_or_else(|err| panic!("docker build made no {tag}: {err}"));
    let config = image.config.unwrap_or_default();
    assert_eq!(config.user.as_deref(), Some(recipe::USER));
    let env = config.env.unwrap_or_default();
    assert!(env.iter().any(|e| e == "PIP_USER=1"), "{env:?}");
    assert_eq!(
        config
            .labels
            .unwrap_or_default()
            .get(TEST_LABEL)
            .map(String::as_str),
        Some(scope.id())
    );
}

/// Run the `berth` binary with `args`.
async fn berth(args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(args)
        .output()
        .await
        .unwrap_or_else(|err| panic!("failed to run `berth {}`: {err}", args.join(" ")))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn berth_new_writes_the_project_then_refuses_to_overwrite_without_force() {
    let temp = tempfile::tempdir().unwrap_or_else(|err| panic!("{err}"));
    let dir = temp.path().join("thesis");
    let dir_arg = dir.display().to_string();

    let first = berth(&[
        "new",
        &dir_arg,
        "--cuda",
        "12.4",
        "--driver-cuda",
        "12.4",
        "--json",
    ])
    .await;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let report: Value = serde_json::from_slice(&first.stdout)
        .unwrap_or_else(|err| panic!("not JSON ({err}): {}", text(&first.stdout)));
    assert_eq!(report["written"], true);
    assert_eq!(report["recipe"]["cuda"], "12.4");
    assert_eq!(report["recipe"]["framework_version"], "2.6.0");
    assert_eq!(
        report["recipe"]["package_volume"],
        "berth-thesis-${devcontainerId}-local"
    );
    for path in [
        ".devcontainer/Dockerfile",
        ".devcontainer/devcontainer.json",
        ".devcontainer/post-create.sh",
        ".devcontainer/requirements.txt",
        ".devcontainer/pip.conf",
        ".dockerignore",
    ] {
        assert!(dir.join(path).is_file(), "{path} missing");
    }
    let dockerfile = std::fs::read_to_string(dir.join(".devcontainer/Dockerfile"))
        .unwrap_or_else(|err| panic!("{err}"));

    // Another recipe over it: the diff, exit 1, and nothing changed.
    let second = berth(&["new", &dir_arg, "--framework", "jax", "--target", "cpu"]).await;
    assert_eq!(second.status.code(), Some(1), "{}", text(&second.stderr));
    let diff = text(&second.stdout);
    assert!(diff.contains("--- a/.devcontainer/Dockerfile"), "{diff}");
    assert!(
        diff.contains("+ARG BASE_IMAGE=python:3.11-slim-bookworm"),
        "{diff}"
    );
    assert!(
        text(&second.stderr).contains("--force"),
        "{}",
        text(&second.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join(".devcontainer/Dockerfile")).unwrap_or_default(),
        dockerfile
    );

    // With --force: written, and the old Dockerfile kept beside it.
    let third = berth(&[
        "new",
        &dir_arg,
        "--framework",
        "jax",
        "--target",
        "cpu",
        "--force",
    ])
    .await;
    assert_eq!(third.status.code(), Some(0), "{}", text(&third.stderr));
    let backups: Vec<PathBuf> = std::fs::read_dir(dir.join(".devcontainer"))
        .unwrap_or_else(|err| panic!("{err}"))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("Dockerfile.bak-"))
        })
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert_eq!(
        std::fs::read_to_string(&backups[0]).unwrap_or_default(),
        dockerfile
    );
    let new = std::fs::read_to_string(dir.join(".devcontainer/Dockerfile")).unwrap_or_default();
    assert!(new.contains("'jax==0.7.2'"), "{new}");
}

#[tokio::test]
async fn berth_new_refuses_bad_input_with_exit_1_and_writes_nothing() {
    let temp = tempfile::tempdir().unwrap_or_else(|err| panic!("{err}"));
    let dir = temp.path().join("p");
    let dir_arg = dir.display().to_string();
    for (args, says) in [
        (
            vec!["--cuda", "12.8", "--driver-cuda", "12.2"],
            "CUDA 12.8 needs driver ≥ 570.26; this driver supports up to CUDA 12.2",
        ),
        (
            vec!["--apt", "git;rm -rf /"],
            "invalid Debian package name 'git;rm -rf /'",
        ),
        (
            vec!["--pip", "numpy==1\n--index-url=http://evil"],
            "invalid pip requirement",
        ),
        (vec!["--mount", "/data:/"], "must not be '/'"),
        (
            vec!["--base-image", "Nvidia/cuda:12.4.1-base-ubuntu22.04"],
            "must be lowercase",
        ),
        (vec!["--framework", "caffe"], "unknown framework 'caffe'"),
        (
            vec!["--python", "3.14"],
            "Python 3.14 is not in Berth's compatibility table",
        ),
    ] {
        let mut all = vec!["new", dir_arg.as_str()];
        all.extend(args.iter().copied());
        let output = berth(&all).await;
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!dir.exists(), "{args:?} wrote {}", dir.display());
    }
}

#[tokio::test]
async fn berth_recipes_lists_what_a_cuda_12_2_driver_is_offered_and_why_not_the_rest() {
    let output = berth(&["recipes", "--driver-cuda", "12.2", "--json"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("not JSON ({err}): {}", text(&output.stdout)));

    let cuda = report["cuda"].as_array().cloned().unwrap_or_default();
    let offered: Vec<&str> = cuda
        .iter()
        .filter(|c| c["offered"] == true)
        .filter_map(|c| c["version"].as_str())
        .collect();
    assert_eq!(offered, ["11.8", "12.1"]);
    let refused = cuda
        .iter()
        .find(|c| c["version"] == "13.0")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        refused["reason"],
        "CUDA 13.0 needs driver ≥ 580.65.06; this driver supports up to CUDA 12.2"
    );

    let listing = berth(&["recipes", "--driver-cuda", "12.2"]).await;
    let listing = text(&listing.stdout);
    assert!(
        listing.contains("this driver supports up to CUDA 12.2"),
        "{listing}"
    );
    assert!(listing.contains("PyTorch"), "{listing}");
}

#[tokio::test]
async fn the_devcontainer_cli_reads_the_generated_configuration() {
    let temp = tempfile::tempdir().unwrap_or_else(|err| panic!("{err}"));
    let dir = temp.path().join("vision");
    let choices = Choices {
        datasets: vec!["/srv/imagenet:/datasets/imagenet:ro"
            .parse()
            .unwrap_or_else(|err| panic!("{err}"))],
        ..Choices::default()
    };
    recipe::new_project(&dir, &choices, false).unwrap_or_else(|err| panic!("{err}"));
    let cli = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/tools/node_modules/@devcontainers/cli/devcontainer.js"
    );

    let output = tokio::process::Command::new("node")
        .arg(cli)
        .args(["read-configuration", "--workspace-folder"])
        .arg(&dir)
        .output()
        .await
        .unwrap_or_else(|err| panic!("failed to run the devcontainer CLI ({cli}): {err}"));

    assert!(output.status.success(), "{}", text(&output.stderr));
    let read: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("not JSON ({err}): {}", text(&output.stdout)));
    let config = &read["configuration"];
    assert_eq!(config["build"]["target"], "gpu");
    assert_eq!(config["hostRequirements"]["gpu"], true);
    assert_eq!(config["remoteUser"], recipe::USER);
    let mounts = config["mounts"].as_array().cloned().unwrap_or_default();
    assert!(
        mounts.contains(&Value::from(
            "source=berth-vision-${devcontainerId}-local,target=/home/vscode/.local,type=volume"
        )),
        "{mounts:?}"
    );
    assert!(
        mounts.contains(&Value::from(
            "source=/srv/imagenet,target=/datasets/imagenet,type=bind,readonly"
        )),
        "{mounts:?}"
    );
}

#[tokio::test]
async fn berth_new_with_json_reports_bad_input_as_code_and_message_on_stdout() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("failed to make a temp dir: {err}"));
    let project = dir.path().join("thesis");
    let path = project.to_string_lossy().into_owned();
    let output = berth(&["new", &path, "--apt", "vim;reboot", "--json"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let error: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("stdout is not JSON ({err}): {}", text(&output.stdout)));
    assert_eq!(error["code"], "failed");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("'vim;reboot'"),
        "names the value: {message}"
    );
    assert!(!project.exists(), "nothing is written on bad input");
}
