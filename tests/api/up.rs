//! `berth up` against the real engine: the container as the Dev Container spec and the
//! reference CLI shape it, lifecycle commands in order and as often as the spec says,
//! the fast path, recreation on change with the volumes kept, the last working image
//! kept when a rebuild fails, GPUs, and exec.

use std::time::{Duration, Instant};

use berth::engine::container;
use berth::engine::Outcome;
use berth::environment::up::UpAction;
use berth::environment::{EnvironmentError, UpOptions, METADATA_LABEL};
use serde_json::Value;

use crate::project::{self, Project};
use crate::support::images::{self, Base};
use crate::support::{test_name, TestScope};

/// A config using the `dev` image with every kind of mount and environment.
fn full_config(image: &str, data: &str) -> String {
    format!(
        r#"{{
  // Every form the spec has.
  "image": "{image}",
  "remoteUser": "dev",
  "containerEnv": {{"CE": "container-env", "LOOSE": 8}},
  "remoteEnv": {{"RE": "remote-env", "FROM_CONTAINER": "${{containerEnv:CE}}-seen"}},
  "mounts": [
    "source=${{localWorkspaceFolderBasename}}-${{devcontainerId}}-data,target=/data,type=volume",
    {{"type": "bind", "source": "{data}", "target": "/host-data"}},
    "type=volume,target=/scratch",
    "type=tmpfs,target=/fast"
  ],
  "onCreateCommand": "echo onCreate >> /tmp/order",
  "updateContentCommand": ["sh", "-c", "echo updateContent >> /tmp/order"],
  "postCreateCommand": "echo postCreate >> /tmp/order",
  "postStartCommand": {{"a": "echo postStart-a >> /tmp/order", "b": ["sh", "-c", "echo postStart-b >> /tmp/order"]}},
  "postAttachCommand": "echo postAttach >> /tmp/order"
}}"#
    )
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

#[tokio::test]
async fn up_makes_the_container_the_spec_describes_and_the_reference_cli_recognises() {
    let scope = TestScope::new(test_name!()).await;
    let image = images::ensure(scope.docker(), Base::BookwormDev).await;
    let data = scope.project_dir("host-data");
    std::fs::write(data.join("hello.txt"), "from the host").unwrap_or_else(|err| panic!("{err}"));
    let project = Project::new(
        &scope,
        "thesis",
        &full_config(&image, &data.display().to_string()),
    )
    .await;
    let upped = project.up().await;
    assert_eq!(upped.action, UpAction::Created);
    assert_eq!(upped.remote_user.as_deref(), Some("dev"));
    assert_eq!(upped.workspace_folder, "/workspaces/thesis");
    assert_eq!(
        upped.ran,
        [
            "onCreateCommand",
            "updateContentCommand",
            "postCreateCommand",
            "postStartCommand",
            "postAttachCommand"
        ]
    );

    let info = container::inspect(project.engine(), &upped.container_id)
        .await
        .unwrap_or_else(|err| panic!("{err}"))
        .unwrap_or_else(|| panic!("no container"));
    let env = project.environment();
    assert_eq!(info.labels["dev.berth.project"], env.id);
    assert_eq!(
        info.labels["devcontainer.local_folder"],
        project.dir.display().to_string()
    );
    assert_eq!(
        info.labels["devcontainer.config_file"],
        project
            .dir
            .join(".devcontainer/devcontainer.json")
            .display()
            .to_string()
    );
    let metadata: Value =
        serde_json::from_str(&info.labels[METADATA_LABEL]).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(metadata[0]["remoteUser"], "dev");
    assert_eq!(
        metadata[0]["remoteEnv"]["FROM_CONTAINER"], "${containerEnv:CE}-seen",
        "unsubstituted, as the reference keeps it"
    );
    let container_env = info.env_map();
    assert_eq!(container_env["CE"], "container-env");
    assert_eq!(container_env["LOOSE"], "8");
    assert!(
        !container_env.contains_key("RE"),
        "remoteEnv is not the container's environment"
    );

    let mounts: Vec<(&str, &str)> = info
        .mounts
        .iter()
        .map(|m| (m.kind.as_str(), m.target.as_str()))
        .collect();
    for expected in [
        ("bind", "/workspaces/thesis"),
        ("volume", "/data"),
        ("bind", "/host-data"),
        ("volume", "/scratch"),
        ("tmpfs", "/fast"),
    ] {
        assert!(
            mounts.contains(&expected) || expected.0 == "tmpfs",
            "{expected:?} not in {mounts:?}"
        );
    }
    let named = info
        .mounts
        .iter()
        .find(|m| m.target == "/data")
        .unwrap_or_else(|| panic!("no /data"));
    assert_eq!(named.source, format!("thesis-{}-data", env.id));

    // As the tools run commands: the remote user, the workspace, remoteEnv applied.
    assert_eq!(project.out("id -un").await, "dev");
    assert_eq!(project.out("pwd").await, "/workspaces/thesis");
    assert_eq!(
        project.out("echo $RE $FROM_CONTAINER").await,
        "remote-env container-env-seen"
    );
    assert_eq!(
        project.out("cat /host-data/hello.txt").await,
        "from the host"
    );
    assert_eq!(
        project
            .out("df -k /dev/shm | tail -1 | awk '{print ($2 >= 1048576)}'")
            .await,
        "1",
        "shared memory for data loaders"
    );
    assert_eq!(
        lines(&project.out("cat /tmp/order").await)[..3],
        ["onCreate", "updateContent", "postCreate"]
    );

    // The reference CLI finds Berth's container by its labels and runs as its remoteUser.
    let output = std::process::Command::new("node")
        .arg(crate::reference::CLI)
        .args(["exec", "--workspace-folder"])
        .arg(&project.dir)
        .args(["sh", "-c", "echo $(id -un) $RE $(pwd)"])
        .output()
        .unwrap_or_else(|err| panic!("{err}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("dev remote-env /workspaces/thesis"),
        "{}",
        project::shown(&output)
    );
}

#[tokio::test]
async fn lifecycle_commands_run_once_per_container_and_post_start_on_every_start() {
    let scope = TestScope::new(test_name!()).await;
    let image = images::ensure(scope.docker(), Base::BookwormDev).await;
    let data = scope.project_dir("data");
    let project = Project::new(
        &scope,
        "order",
        &full_config(&image, &data.display().to_string()),
    )
    .await;
    let first = project.up().await;

    // Running and current: at once, nothing runs again.
    let started = Instant::now();
    let again = project.up().await;
    let fast = started.elapsed();
    assert_eq!(again.action, UpAction::AlreadyRunning);
    assert_eq!(again.container_id, first.container_id);
    assert!(again.ran.is_empty());
    assert!(fast < Duration::from_secs(2), "took {fast:?}");

    berth::environment::remove::stop(project.engine(), &project.environment())
        .await
        .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)));
    let restarted = project.up().await;
    assert_eq!(restarted.action, UpAction::Started);
    assert_eq!(restarted.ran, ["postStartCommand", "postAttachCommand"]);
    let order = project.out("cat /tmp/order").await;
    let order = lines(&order);
    assert_eq!(order[..3], ["onCreate", "updateContent", "postCreate"]);
    // The two parallel postStart commands, then postAttach, twice.
    for start in [3, 6] {
        let mut parallel = order[start..start + 2].to_vec();
        parallel.sort_unstable();
        assert_eq!(parallel, ["postStart-a", "postStart-b"], "{order:?}");
        assert_eq!(order[start + 2], "postAttach", "{order:?}");
    }
    assert_eq!(order.len(), 9, "{order:?}");
}

#[tokio::test]
async fn a_failing_lifecycle_command_says_which_and_runs_again_at_the_next_up() {
    let scope = TestScope::new(test_name!()).await;
    let image = images::ensure(scope.docker(), Base::BookwormDev).await;
    let project = Project::new(
        &scope,
        "failing",
        &format!(
            r#"{{"image": "{image}", "remoteUser": "dev",
                 "postCreateCommand": "echo trying >> /tmp/tries; test -f /workspaces/failing/fixed || (echo 'E: Unable to locate package libfoo-dev'; exit 3)",
                 "postStartCommand": "echo started >> /tmp/starts"}}"#
        ),
    )
    .await;
    let (outcome, _) = project.try_up(&UpOptions::default()).await;
    let err = outcome.expect_err("postCreateCommand fails");
    let EnvironmentError::Lifecycle(failure) = &err else {
        panic!("not a lifecycle failure: {}", berth::error_chain(&err));
    };
    assert_eq!(failure.stage, "postCreateCommand");
    assert_eq!(failure.exit_code, Some(3));
    assert!(
        failure.last_lines.iter().any(|l| l.contains("libfoo-dev")),
        "{failure:?}"
    );
    assert_eq!(
        failure.hint.as_ref().map(|h| h.cause),
        Some(berth::engine::hint::Cause::AptPackageMissing)
    );
    let message = err.to_string();
    assert!(
        message.starts_with("postCreateCommand failed with exit code 3"),
        "{message}"
    );

    project.write("fixed", "");
    let upped = project.up().await;
    assert_eq!(
        upped.ran,
        ["postCreateCommand", "postStartCommand"],
        "only what had not run"
    );
    assert_eq!(project.out("wc -l < /tmp/tries").await, "2");
    assert_eq!(project.out("wc -l < /tmp/starts").await, "1");
}

#[tokio::test]
async fn a_changed_config_recreates_the_container_and_keeps_its_volumes() {
    let scope = TestScope::new(test_name!()).await;
    let image = images::ensure(scope.docker(), Base::BookwormDev).await;
    let config = |value: &str| {
        format!(
            r#"{{"image": "{image}", "remoteUser": "dev", "containerEnv": {{"V": "{value}"}},
                 "mounts": ["source=keep-${{devcontainerId}},target=/home/dev/.local,type=volume"]}}"#
        )
    };
    let project = Project::new(&scope, "changing", &config("one")).await;
    let first = project.up().await;
    project.out("echo kept > ~/.local/file").await;

    // Changed while the container runs: recreated, the named volume kept.
    project.write(".devcontainer/devcontainer.json", &config("two"));
    let second = project.up().await;
    assert_eq!(second.action, UpAction::Recreated);
    assert_ne!(second.container_id, first.container_id);
    assert_eq!(project.out("echo $V; cat ~/.local/file").await, "two\nkept");
    let gone = container::inspect(project.engine(), &first.container_id)
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(gone.is_none(), "the old container is gone");

    // Removed behind Berth's back: made again.
    container::remove(project.engine(), &second.container_id)
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    let third = project.up().await;
    assert_eq!(third.action, UpAction::Created);
    assert_eq!(project.out("cat ~/.local/file").await, "kept");
}

#[tokio::test]
async fn a_failed_rebuild_leaves_the_running_container_and_its_image_alone() {
    let scope = TestScope::new(test_name!()).await;
    let image = images::ensure(scope.docker(), Base::BookwormDev).await;
    let project = Project::new(
        &scope,
        "rebuild",
        r#"{"build": {"dockerfile": "Dockerfile", "args": {"MARK": 1}}, "remoteUser": "dev"}"#,
    )
    .await;
    project.write(
        ".devcontainer/Dockerfile",
        &format!("FROM {image}\nARG MARK\nRUN echo \"v$MARK\" > /version\n"),
    );
    let first = project.up().await;
    assert_eq!(project.out("cat /version").await, "v1");

    project.write(
        ".devcontainer/Dockerfile",
        &format!("FROM {image}\nRUN apt-get install -y berth-no-such-package\n"),
    );
    let (outcome, _) = project.try_up(&UpOptions::default()).await;
    let err = outcome.expect_err("the broken Dockerfile fails");
    let message = err.to_string();
    assert!(
        message.contains("the environment's last working image and container are untouched"),
        "{message}"
    );
    assert!(message.contains("Unable to locate package"), "{message}");
    let still = container::inspect(project.engine(), &first.container_id)
        .await
        .unwrap_or_else(|err| panic!("{err}"))
        .unwrap_or_else(|| panic!("the container went"));
    assert_eq!(still.state, container::ContainerState::Running);
    assert_eq!(project.out("cat /version").await, "v1");
}

#[tokio::test]
async fn a_gpu_config_without_the_nvidia_runtime_fails_clearly_unless_optional() {
    let scope = TestScope::new(test_name!()).await;
    let image = images::ensure(scope.docker(), Base::BookwormDev).await;
    let required = Project::new(
        &scope,
        "gpu",
        &format!(r#"{{"image": "{image}", "hostRequirements": {{"gpu": true}}}}"#),
    )
    .await;
    let (outcome, _) = required.try_up(&UpOptions::default()).await;
    let err = outcome.expect_err("no NVIDIA runtime here");
    assert!(
        matches!(err, EnvironmentError::NoGpu { .. }),
        "{}",
        berth::error_chain(&err)
    );
    assert!(
        err.to_string().contains("NVIDIA Container Toolkit"),
        "{err}"
    );
    assert!(required
        .environment()
        .container(required.engine())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_none());

    let optional = Project::new(
        &scope,
        "gpu-optional",
        &format!(r#"{{"image": "{image}", "hostRequirements": {{"gpu": "optional"}}}}"#),
    )
    .await;
    let upped = optional.up().await;
    assert!(
        upped
            .warnings
            .iter()
            .any(|w| w.contains("starting without GPUs")),
        "{:?}",
        upped.warnings
    );
}

#[tokio::test]
async fn exec_runs_in_a_tty_from_a_terminal_and_passes_the_exit_code() {
    let scope = TestScope::new(test_name!()).await;
    let image = images::ensure(scope.docker(), Base::BookwormDev).await;
    let project = Project::new(
        &scope,
        "exec",
        &format!(r#"{{"image": "{image}", "remoteUser": "dev", "remoteEnv": {{"RE": "x"}}}}"#),
    )
    .await;
    project.up().await;
    let berth = env!("CARGO_BIN_EXE_berth");
    let dir = project.dir.display().to_string();
    // Without a terminal: no TTY, the exit code passed on.
    let output = std::process::Command::new(berth)
        .args([
            "exec",
            &dir,
            "--no-git-root",
            "--",
            "sh",
            "-c",
            "test -t 0 && echo tty || echo no-tty; echo $RE; exit 7",
        ])
        .output()
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(output.status.code(), Some(7), "{}", project::shown(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "no-tty\nx\n");
    // In a pseudo-terminal (script(1)): a TTY, as `docker exec -it`.
    let command = format!(
        "{berth} exec '{dir}' --no-git-root -- sh -c 'test -t 0 && echo tty || echo no-tty'"
    );
    let output = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|err| panic!("{err}"));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("tty") && !text.contains("no-tty"),
        "{}",
        project::shown(&output)
    );
}

#[tokio::test]
async fn up_is_cancelled_cleanly_half_way_through_a_build() {
    let scope = TestScope::new(test_name!()).await;
    let image = images::ensure(scope.docker(), Base::BookwormDev).await;
    let project = Project::new(
        &scope,
        "cancel",
        r#"{"build": {"dockerfile": "Dockerfile"}}"#,
    )
    .await;
    project.write(
        ".devcontainer/Dockerfile",
        &format!("FROM {image}\nRUN echo {} && sleep 120\n", scope.id()),
    );
    let cancel = berth::engine::Cancel::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(3)).await;
        trigger.cancel();
    });
    let started = Instant::now();
    let outcome = berth::environment::up(
        project.engine(),
        &project.dir,
        &project::load(),
        &UpOptions::default(),
        &berth::engine::progress::Silent,
        &cancel,
    )
    .await
    .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)));
    assert!(matches!(outcome, Outcome::Cancelled));
    assert!(started.elapsed() < Duration::from_secs(30));
    let env = project.environment();
    assert!(env
        .container(project.engine())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_none());
    let image = berth::engine::image::inspect(project.engine(), &env.image())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(image.is_none(), "a cancelled build tags nothing");
}

#[tokio::test]
async fn the_remote_user_gets_the_callers_uid_and_gid_once() {
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
    let scope = TestScope::new(test_name!()).await;
    let image = images::ensure(scope.docker(), Base::BookwormDev).await;
    let project = Project::new(
        &scope,
        "uid",
        &format!(r#"{{"image": "{image}", "remoteUser": "dev"}}"#),
    )
    .await;
    // Berth run as an ordinary user (UID 4242) who may use the engine's socket.
    let endpoint = berth::engine::configured_endpoint();
    let socket = endpoint.strip_prefix("unix://").unwrap_or_else(|| {
        panic!("this test runs Berth as another user on the local socket, not {endpoint}")
    });
    let group = std::fs::metadata(socket)
        .unwrap_or_else(|err| panic!("{socket}: {err}"))
        .gid();
    let home = scope.project_dir("home-4242");
    std::os::unix::fs::chown(&home, Some(4242), Some(4242)).unwrap_or_else(|err| panic!("{err}"));
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700))
        .unwrap_or_else(|err| panic!("{err}"));
    let as_user = |args: &[&str]| {
        std::process::Command::new("setpriv")
            .args([
                "--reuid",
                "4242",
                "--regid",
                "4242",
                "--groups",
                &group.to_string(),
                "--",
            ])
            .arg(env!("CARGO_BIN_EXE_berth"))
            .args(args)
            .arg(&project.dir)
            .args(["--no-git-root", "--json"])
            .env("HOME", &home)
            .output()
            .unwrap_or_else(|err| panic!("failed to run setpriv: {err}"))
    };
    let first = as_user(&["up"]);
    assert!(first.status.success(), "{}", project::shown(&first));
    let text = String::from_utf8_lossy(&first.stdout);
    assert!(text.contains("your UID and GID (4242:4242)"), "{text}");
    assert_eq!(
        project.out("id -u; id -g; stat -c %u:%g ~").await,
        "4242\n4242\n4242:4242"
    );

    // A new container for the same user: the UID image is found, not built again.
    let down = as_user(&["down"]);
    assert!(down.status.success(), "{}", project::shown(&down));
    let second = as_user(&["up"]);
    assert!(second.status.success(), "{}", project::shown(&second));
    let text = String::from_utf8_lossy(&second.stdout);
    assert!(!text.contains("update-uid"), "built again: {text}");
    assert!(text.contains("\"action\":\"created\""), "{text}");
    assert_eq!(project.out("id -u").await, "4242");
}

#[tokio::test]
async fn an_image_that_cannot_be_pulled_is_named_with_the_fix() {
    let scope = TestScope::new(test_name!()).await;
    let project = Project::new(&scope, "pull", r#"{"image": "berth-test/no-such-image:1"}"#).await;
    let (outcome, _) = project.try_up(&UpOptions::default()).await;
    let err = outcome.expect_err("nothing can be pulled here");
    let message = berth::error_chain(&err);
    assert!(
        message.contains("failed to pull the image 'berth-test/no-such-image:1'"),
        "{message}"
    );
    assert!(message.contains("hint: the base image"), "{message}");
    assert!(project
        .environment()
        .container(project.engine())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_none());
}
