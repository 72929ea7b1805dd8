//! Docker Compose configurations against the real engine and the Compose CLI on this
//! machine: a two-service project (the dev service and a small companion, both on the
//! hermetic images) brought up, exec'd into, stopped, started and removed with its
//! services, volume and network; a built service with a Feature on top; and both side
//! by side with `devcontainer up` on the same engine.

use std::collections::BTreeMap;

use berth::compose::{ComposeCli, ComposeProject};
use berth::engine::container::{self, ContainerState};
use berth::engine::progress::Silent;
use berth::engine::{network, volume, Cancel, Outcome};
use berth::environment::up::UpAction;
use berth::environment::{remove, PROJECT_LABEL};

use crate::project::Project;
use crate::support::images::{self, Base};
use crate::support::{test_name, TestScope};

/// The compose file: `app` on the Debian image (the workspace mounted at
/// `/workspaces/app`), `cache` on busybox noting that it started.
fn compose_file(dev: &str, busybox: &str) -> String {
    format!(
        r#"version: '3.8'
services:
  app:
    image: {dev}
    volumes:
      - ..:/workspaces/app:cached
    command: sleep infinity
    environment:
      FROM_COMPOSE: "yes"
  cache:
    image: {busybox}
    command: ["sh", "-c", "echo companion > /tmp/up; exec sleep 100000"]
"#
    )
}

/// The devcontainer.json of the image-service project, with `commands` (lifecycle
/// properties) at its end.
fn devcontainer(commands: &str) -> String {
    format!(
        r#"{{
  "dockerComposeFile": "docker-compose.yml",
  "service": "app",
  "workspaceFolder": "/workspaces/app",
  "remoteUser": "dev",
  "containerEnv": {{"CE": "container-env"}},
  "mounts": ["source=data-${{devcontainerId}},target=/data,type=volume"],
  {commands}
}}"#
    )
}

/// The Compose project of `project`, as Berth names it.
fn compose_project(project: &Project) -> ComposeProject {
    let resolved = berth::devcontainer::load(&project.dir, &crate::project::load())
        .unwrap_or_else(|err| panic!("{err}"));
    ComposeProject::of(&resolved).unwrap_or_else(|err| panic!("{err}"))
}

#[tokio::test]
async fn a_compose_project_comes_up_and_goes_with_its_services_volume_and_network() {
    let scope = TestScope::new(test_name!()).await;
    let dev = images::ensure(scope.docker(), Base::BookwormDev).await;
    let busybox = images::ensure(scope.docker(), Base::Busybox).await;
    let project = Project::new(
        &scope,
        "course",
        &devcontainer(
            r#""postCreateCommand": "echo postCreate >> /tmp/order",
  "postStartCommand": "echo postStart >> /tmp/order""#,
        ),
    )
    .await;
    project.write(
        ".devcontainer/docker-compose.yml",
        &compose_file(&dev, &busybox),
    );
    let engine = project.engine();
    let environment = project.environment();

    let upped = project.up().await;
    assert_eq!(upped.action, UpAction::Created);
    assert_eq!(upped.ran, ["postCreateCommand", "postStartCommand"]);
    assert_eq!(upped.container_name, "course_devcontainer_app_1");
    assert_eq!(upped.remote_user.as_deref(), Some("dev"));
    assert_eq!(
        project.out("echo $(id -un) $CE $FROM_COMPOSE $(pwd); cat /tmp/order; ls /workspaces/app/.devcontainer").await,
        "dev container-env yes /workspaces/app\npostCreate\npostStart\ndevcontainer.json\ndocker-compose.yml"
    );
    let info = container::inspect(engine, &upped.container_id)
        .await
        .unwrap_or_else(|err| panic!("{err}"))
        .unwrap_or_else(|| panic!("gone"));
    assert_eq!(
        info.labels["com.docker.compose.project"],
        "course_devcontainer"
    );
    assert_eq!(
        info.labels["devcontainer.local_folder"],
        project.dir.display().to_string()
    );
    assert!(info.mounts.iter().any(|m| m.target == "/data"
        && m.source == format!("course_devcontainer_data-{}", environment.id)));

    // The companion runs, labelled as this environment's service.
    let companions = container::list(
        engine,
        &environment.filter(berth::environment::Role::Service),
    )
    .await
    .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(companions.len(), 1);
    assert_eq!(companions[0].labels["com.docker.compose.service"], "cache");
    assert_eq!(companions[0].state, ContainerState::Running);

    // A second up is the fast path.
    assert_eq!(project.up().await.action, UpAction::AlreadyRunning);
    // ls shows the environment once, by its dev container (not the companion).
    let listed = berth::environment::list::list(engine, false)
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    let ours: Vec<_> = listed.iter().filter(|l| l.id == environment.id).collect();
    assert_eq!(ours.len(), 1, "{listed:?}");
    assert_eq!(
        ours[0].container.as_deref(),
        Some("course_devcontainer_app_1")
    );
    assert_eq!(ours[0].state, Some(ContainerState::Running));

    // stop takes the companion with it; up starts both and runs postStart again.
    let (name, was_running) = remove::stop(engine, &environment)
        .await
        .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)));
    assert!(was_running);
    assert_eq!(name, "course_devcontainer_app_1");
    let all = BTreeMap::from([(PROJECT_LABEL.to_owned(), environment.id.clone())]);
    let states: Vec<ContainerState> = container::list(engine, &all)
        .await
        .unwrap_or_else(|err| panic!("{err}"))
        .into_iter()
        .map(|c| c.state)
        .collect();
    assert_eq!(states.len(), 2);
    assert!(
        states.iter().all(|s| *s != ContainerState::Running),
        "{states:?}"
    );
    let again = project.up().await;
    assert_eq!(again.action, UpAction::Started);
    assert_eq!(again.ran, ["postStartCommand"]);
    assert_eq!(
        project.out("cat /tmp/order").await,
        "postCreate\npostStart\npostStart"
    );

    // rm lists and removes both containers, the volume and the default network.
    let owned = remove::owned(engine, &environment)
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(owned.containers.len(), 2, "{owned:?}");
    assert_eq!(
        owned.volumes,
        [format!("course_devcontainer_data-{}", environment.id)]
    );
    assert_eq!(
        owned
            .networks
            .iter()
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>(),
        ["course_devcontainer_default"]
    );
    remove::remove(engine, &environment, &owned)
        .await
        .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)));
    assert!(container::list(engine, &all)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_empty());
    assert!(volume::list(engine, &all)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_empty());
    assert!(network::list(engine, &all)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_empty());
}

/// A case: its name, its devcontainer.json, and its other files (path, contents).
type Case = (&'static str, String, Vec<(&'static str, String)>);

#[tokio::test]
async fn berth_and_the_reference_cli_start_compose_projects_alike() {
    // Before the scope, so the scope's cleanup runs while it is still held.
    let _one_at_a_time = crate::reference::FEATURE_BUILDS.lock().await;
    let scope = TestScope::new(test_name!()).await;
    let dev = images::ensure(scope.docker(), Base::BookwormDev).await;
    let busybox = images::ensure(scope.docker(), Base::Busybox).await;
    let lifecycle = crate::reference::lifecycle();
    let feature = (
        ".devcontainer/tool/devcontainer-feature.json",
        r#"{"id": "tool", "version": "1.0.0", "name": "Tool", "containerEnv": {"TOOL": "on"},
  "postCreateCommand": "echo feature-tool >> /tmp/order"}"#,
    );
    let install = (
        ".devcontainer/tool/install.sh",
        "#!/bin/sh\nset -e\necho \"tool remote=$_REMOTE_USER\" >> /tmp/installed\n",
    );
    let built = format!(
        r#"version: '3.8'
services:
  app:
    build:
      context: .
      dockerfile: Dockerfile
    volumes:
      - ..:/workspaces/app:cached
    command: sleep infinity
  cache:
    image: {busybox}
    command: ["sh", "-c", "exec sleep 100000"]
"#
    );
    let cases: Vec<Case> = vec![
        (
            "image-service",
            devcontainer(&lifecycle),
            vec![(
                ".devcontainer/docker-compose.yml",
                compose_file(&dev, &busybox),
            )],
        ),
        (
            "built-service-with-a-feature",
            format!(
                r#"{{
  "dockerComposeFile": ["docker-compose.yml"],
  "service": "app",
  "runServices": ["app"],
  "workspaceFolder": "/workspaces/app",
  "remoteUser": "dev",
  "features": {{"./tool": {{}}}},
  {lifecycle}
}}"#
            ),
            vec![
                (".devcontainer/docker-compose.yml", built),
                (
                    ".devcontainer/Dockerfile",
                    format!("FROM {dev}\nENV BUILT=yes\n"),
                ),
                (feature.0, feature.1.to_owned()),
                (install.0, install.1.to_owned()),
            ],
        ),
    ];
    let cli = ComposeCli::detect(std::path::Path::new("compose test"))
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    for (case, config, files) in cases {
        // Different folder names, so the two Compose projects are two.
        let theirs = Project::new(&scope, &format!("reference/{case}-theirs"), &config).await;
        let ours = Project::new(&scope, &format!("berth/{case}-ours"), &config).await;
        let files: Vec<(&str, &str)> = files.iter().map(|(p, c)| (*p, c.as_str())).collect();
        let (theirs, ours) = crate::reference::compare(&scope, case, theirs, ours, &files).await;
        // Take both projects down: the reference CLI's with Compose, Berth's with rm.
        let reference = compose_project(&theirs);
        let mut args = reference.args(&[]);
        args.extend([
            "down".to_owned(),
            "--volumes".to_owned(),
            "--rmi".to_owned(),
            "local".to_owned(),
        ]);
        match cli
            .run(&args, &reference.cwd, &Silent, &Cancel::new())
            .await
        {
            Ok(Outcome::Done(_)) => {}
            other => panic!("{case}: compose down of the reference project: {other:?}"),
        }
        let environment = ours.environment();
        let owned = remove::owned(ours.engine(), &environment)
            .await
            .unwrap_or_else(|err| panic!("{err}"));
        remove::remove(ours.engine(), &environment, &owned)
            .await
            .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)));
        // Compose's own image of the built service (no label of ours).
        if case.starts_with("built") {
            scope.track_image(format!("{}_app", compose_project(&ours).name));
        }
    }
    scope.track_image("dev_container_feature_content_temp");
}
