//! Repair and keep against the real engine: the package volume (a new container on a
//! filled volume installs nothing), reset (refused while in use, never touching volumes
//! Berth did not make), freeze, checkpoints and rollback, `ls`, `rm`.

use std::collections::BTreeMap;

use berth::engine::{volume, Cancel, Outcome};
use berth::environment::{checkpoint, freeze, list, remove, reset, EnvironmentError};
use berth::recipe;

use crate::project::{self, Project};
use crate::support::images::{self, Base};
use crate::support::wheelhouse;
use crate::support::{test_name, TestScope};

/// A Berth recipe project (see `support::recipe_project`) in the test's scope.
pub async fn recipe_project(scope: &TestScope, name: &str) -> Project {
    let base = images::ensure(scope.docker(), Base::BookwormPython).await;
    let dir = scope.project_dir(name);
    crate::support::recipe_project::write(&dir, &base);
    Project::open(scope, dir).await
}

#[tokio::test]
async fn a_new_container_on_a_filled_package_volume_installs_nothing() {
    let scope = TestScope::new(test_name!()).await;
    let project = recipe_project(&scope, "packages").await;
    let first = project.up().await;
    assert_eq!(first.remote_user.as_deref(), Some(recipe::USER));
    let installed = project
        .out("python -c 'import berth_probe; print(berth_probe.__file__)'")
        .await;
    assert!(
        installed.starts_with("/home/vscode/.local/lib/"),
        "{installed}"
    );
    let packages = project
        .environment()
        .labels(berth::environment::Role::Packages);
    let name = format!("berth-packages-{}-local", project.environment().id);
    let found = volume::inspect(project.engine(), &name)
        .await
        .unwrap_or_else(|err| panic!("{err}"))
        .unwrap_or_else(|| panic!("no package volume {name}"));
    assert_eq!(
        found.labels.get("dev.berth.project"),
        packages.get("dev.berth.project"),
        "Berth-labelled"
    );
    assert_eq!(project.out("stat -c %U ~/.local").await, recipe::USER);

    // A fresh container on the filled volume: no pip install at all.
    remove::down(project.engine(), &project.environment())
        .await
        .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)));
    let (outcome, recorder) = project.try_up(&Default::default()).await;
    let second = match outcome {
        Ok(Outcome::Done(upped)) => upped,
        other => panic!("{other:?}"),
    };
    assert_ne!(second.container_id, first.container_id);
    let lines = recorder.lines();
    assert!(
        lines.iter().any(|l| l.contains("skipping pip")),
        "{lines:#?}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("Processing") || l.contains("Successfully installed")),
        "{lines:#?}"
    );

    // After a requirements change only the changed package installs.
    let requirements = project.dir.join(".devcontainer/requirements.txt");
    let text = std::fs::read_to_string(&requirements).unwrap_or_else(|err| panic!("{err}"));
    std::fs::write(&requirements, format!("{text}berth-extra==2.0.0\n"))
        .unwrap_or_else(|err| panic!("{err}"));
    wheelhouse::write(
        &project.dir.join("wheels"),
        &[wheelhouse::Wheel::new("berth-extra", "2.0.0")],
    )
    .unwrap_or_else(|err| panic!("{err}"));
    // The running container is out of date now: `up` makes a new one.
    let (outcome, recorder) = project.try_up(&Default::default()).await;
    let third = match outcome {
        Ok(Outcome::Done(upped)) => upped,
        other => panic!("{other:?}"),
    };
    assert_eq!(third.action, berth::environment::up::UpAction::Recreated);
    let lines = recorder.lines();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Successfully installed berth-extra-2.0.0")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Requirement already satisfied: berth-probe")),
        "{lines:#?}"
    );
}

#[tokio::test]
async fn reset_refuses_while_in_use_and_never_touches_volumes_berth_did_not_make() {
    let scope = TestScope::new(test_name!()).await;
    let project = recipe_project(&scope, "reset").await;
    project.up().await;
    let name = format!("berth-reset-{}-local", project.environment().id);
    // Look-alikes: same prefix, or the same name pattern, without Berth's label.
    let lookalike = scope.create_volume("berth-reset-local-copy").await;

    let err = reset::reset_packages(project.engine(), &project.dir, &project::load(), false)
        .await
        .expect_err("in use");
    assert!(
        err.to_string()
            .contains("is used by this environment's container"),
        "{err}"
    );
    assert!(project.out("ls ~/.local/lib").await.contains("python3.11"));

    let done = reset::reset_packages(project.engine(), &project.dir, &project::load(), true)
        .await
        .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)));
    assert_eq!(done.volume, name);
    assert!(done.removed_container.is_some());
    let fresh = volume::inspect(project.engine(), &name)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("gone"));
    assert_eq!(
        fresh.labels.get("dev.berth.project"),
        Some(&project.environment().id)
    );
    assert!(volume::inspect(project.engine(), &lookalike)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_some());
    // The next up installs again.
    let (_, recorder) = project.try_up(&Default::default()).await;
    assert!(recorder
        .lines()
        .iter()
        .any(|l| l.contains("Successfully installed berth-probe")));

    // A volume of that name that Berth did not make is refused, and left alone.
    let other = Project::new(
        &scope,
        "foreign",
        &format!(
            r#"{{"image": "{}", "mounts": ["source={lookalike},target=/home/dev/.local,type=volume"]}}"#,
            images::ensure(scope.docker(), Base::BookwormDev).await
        ),
    )
    .await;
    let err = reset::reset_packages(other.engine(), &other.dir, &project::load(), true)
        .await
        .expect_err("not Berth's");
    assert!(
        matches!(err, EnvironmentError::NotOurs { what: "volume", .. }),
        "{}",
        berth::error_chain(&err)
    );
    assert!(volume::inspect(other.engine(), &lookalike)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_some());
}

#[tokio::test]
async fn freeze_pins_what_is_installed_and_keeps_the_old_file() {
    let scope = TestScope::new(test_name!()).await;
    let project = recipe_project(&scope, "freeze").await;
    let requirements = project.dir.join(".devcontainer/requirements.txt");
    let before = std::fs::read_to_string(&requirements).unwrap_or_else(|err| panic!("{err}"));
    // Loosen the pin, as a student would have written it.
    std::fs::write(
        &requirements,
        before.replace("berth-probe==1.0.0", "berth-probe  # for the tests"),
    )
    .unwrap_or_else(|err| panic!("{err}"));
    project.up().await;
    project.out("pip install --user --no-index --find-links /workspaces/freeze/wheels berth-extra==2.0.0 >/dev/null 2>&1 || true").await;
    wheelhouse::write(
        &project.dir.join("wheels"),
        &[wheelhouse::Wheel::new("berth-extra", "2.0.0")],
    )
    .unwrap_or_else(|err| panic!("{err}"));
    project.out("pip install --user --no-index --find-links /workspaces/freeze/wheels berth-extra==2.0.0").await;

    let dry = freeze::freeze(project.engine(), &project.dir, &project::load(), None, true)
        .await
        .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)));
    assert!(!dry.written);
    assert!(
        dry.diff.contains("-berth-probe  # for the tests"),
        "{}",
        dry.diff
    );
    assert!(
        dry.diff.contains("+berth-probe==1.0.0  # for the tests"),
        "{}",
        dry.diff
    );
    assert!(dry.diff.contains("+berth-extra==2.0.0"), "{}", dry.diff);

    let output = project.berth(&["freeze"]);
    assert!(output.status.success(), "{}", project::shown(&output));
    let after = std::fs::read_to_string(&requirements).unwrap_or_else(|err| panic!("{err}"));
    assert!(
        after.contains("berth-probe==1.0.0  # for the tests\n"),
        "{after}"
    );
    assert!(
        after.contains("--find-links"),
        "pip options are kept: {after}"
    );
    let backups: Vec<_> = std::fs::read_dir(project.dir.join(".devcontainer"))
        .unwrap_or_else(|err| panic!("{err}"))
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("requirements.txt.bak-")
        })
        .collect();
    assert_eq!(backups.len(), 1);
    let again = freeze::freeze(
        project.engine(),
        &project.dir,
        &project::load(),
        None,
        false,
    )
    .await
    .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)));
    assert!(
        again.diff.is_empty(),
        "a second freeze changes nothing: {}",
        again.diff
    );
}

#[tokio::test]
async fn a_checkpoint_can_be_rolled_back_to_listed_and_deleted() {
    let scope = TestScope::new(test_name!()).await;
    let image = images::ensure(scope.docker(), Base::BookwormDev).await;
    let project = Project::new(
        &scope,
        "keep",
        r#"{"build": {"dockerfile": "Dockerfile"}, "remoteUser": "dev"}"#,
    )
    .await;
    project.write(
        ".devcontainer/Dockerfile",
        &format!("FROM {image}\nRUN echo good > /state\n"),
    );
    project.write(".devcontainer/requirements.txt", "numpy==2.1.0\n");
    project.up().await;
    let made = checkpoint::create(
        project.engine(),
        &project.dir,
        &project::load(),
        Some("known-good"),
        &berth::engine::progress::Silent,
        &Cancel::new(),
    )
    .await
    .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)))
    .done()
    .unwrap_or_else(|| panic!("cancelled"));
    assert_eq!(made.name, "checkpoint-known-good");

    project.write(
        ".devcontainer/Dockerfile",
        &format!("FROM {image}\nRUN echo broken > /state\n"),
    );
    project.write(".devcontainer/requirements.txt", "numpy==2.2.0\n");
    project.up().await;
    assert_eq!(project.out("cat /state").await, "broken");

    let listed = checkpoint::list(project.engine(), &project.dir, &project::load())
        .await
        .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)));
    assert_eq!(listed.len(), 1);
    assert!(
        !listed[0].requirements_current,
        "requirements changed since"
    );

    let rolled = checkpoint::rollback(
        project.engine(),
        &project.dir,
        &project::load(),
        "known-good",
        &berth::engine::progress::Silent,
        &Cancel::new(),
    )
    .await
    .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)));
    assert!(rolled.done().is_some());
    assert_eq!(project.out("cat /state").await, "good");
    // A later plain `up` keeps the rolled-back container.
    let after = project.up().await;
    assert_eq!(
        after.action,
        berth::environment::up::UpAction::AlreadyRunning
    );

    checkpoint::delete(
        project.engine(),
        &project.dir,
        &project::load(),
        "known-good",
    )
    .await
    .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)));
    assert!(
        checkpoint::list(project.engine(), &project.dir, &project::load())
            .await
            .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)))
            .is_empty()
    );
    let err = checkpoint::delete(
        project.engine(),
        &project.dir,
        &project::load(),
        "known-good",
    )
    .await
    .expect_err("gone");
    assert!(
        err.to_string()
            .contains("there is no checkpoint 'known-good'"),
        "{err}"
    );
}

#[tokio::test]
async fn ls_and_rm_see_only_berth_objects_of_each_project() {
    let scope = TestScope::new(test_name!()).await;
    let image = images::ensure(scope.docker(), Base::BookwormDev).await;
    let config = format!(
        r#"{{"image": "{image}", "remoteUser": "dev", "mounts": ["source=berth-${{devcontainerId}}-local,target=/home/dev/.local,type=volume"]}}"#
    );
    // Two projects with the same folder name, and a path with spaces and non-ASCII.
    let one = Project::new(&scope, "a/same name — données", &config).await;
    let two = Project::new(&scope, "b/same name — données", &config).await;
    let first = one.up().await;
    let second = two.up().await;
    assert_ne!(first.container_name, second.container_name);
    // A look-alike container Berth did not make.
    let lookalike = scope
        .create_container(bollard::models::ContainerCreateBody {
            image: Some(image.clone()),
            cmd: Some(vec!["sleep".into(), "600".into()]),
            labels: Some(std::collections::HashMap::from([(
                "devcontainer.local_folder".to_owned(),
                one.dir.display().to_string(),
            )])),
            ..Default::default()
        })
        .await;

    let all = list::list(one.engine(), true)
        .await
        .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)));
    let ours: Vec<&list::Listed> = all
        .iter()
        .filter(|l| l.folder == one.dir || l.folder == two.dir)
        .collect();
    assert_eq!(ours.len(), 2, "{all:#?}");
    for listed in &ours {
        assert_eq!(
            listed.state,
            Some(berth::engine::container::ContainerState::Running)
        );
        let (_, size) = listed
            .packages
            .clone()
            .unwrap_or_else(|| panic!("no package volume: {listed:?}"));
        assert!(size.is_some_and(|s| s > 0), "measured: {listed:?}");
    }
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(["ls", "--json"])
        .arg(&one.dir)
        .output()
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(output.status.success(), "{}", project::shown(&output));
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("{err}: {}", project::shown(&output)));
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");
    assert_eq!(rows[0]["state"], "running");
    assert!(
        rows[0]["packageVolumeSize"].as_u64().is_some_and(|s| s > 0),
        "{rows}"
    );

    let env = one.environment();
    let owned = remove::owned(one.engine(), &env)
        .await
        .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)));
    assert_eq!(owned.containers.len(), 1);
    assert_eq!(owned.volumes.len(), 1);
    // Without --yes and no terminal: listed, nothing removed.
    let output = one.berth(&["rm"]);
    assert_eq!(output.status.code(), Some(1), "{}", project::shown(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains(&first.container_name));
    let output = one.berth(&["rm", "--yes", "--json"]);
    assert!(output.status.success(), "{}", project::shown(&output));
    assert!(remove::owned(one.engine(), &env)
        .await
        .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)))
        .is_empty());
    // The other project and the look-alike are untouched.
    assert!(two
        .environment()
        .container(two.engine())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_some());
    assert!(berth::engine::container::inspect(one.engine(), &lookalike)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .is_some());
    let labels = BTreeMap::from([("dev.berth.project".to_owned(), two.environment().id)]);
    assert_eq!(
        volume::list(two.engine(), &labels)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .len(),
        1
    );
}

#[tokio::test]
async fn the_engine_events_tell_a_berth_containers_start_and_stop() {
    use futures_util::StreamExt;
    let scope = TestScope::new(test_name!()).await;
    let image = images::ensure(scope.docker(), Base::BookwormDev).await;
    let project = Project::new(&scope, "events", &format!(r#"{{"image": "{image}"}}"#)).await;
    let label = format!("dev.berth.project={}", project.environment().id);
    let mut events = Box::pin(berth::engine::events::watch(project.engine(), &label));
    let upped = project.up().await;
    remove::stop(project.engine(), &project.environment())
        .await
        .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)));
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while !seen.contains(&"die".to_owned()) {
        let event = tokio::time::timeout_at(deadline, events.next())
            .await
            .unwrap_or_else(|_| panic!("no die event within 30 s; saw {seen:?}"))
            .unwrap_or_else(|| panic!("the event stream ended; saw {seen:?}"))
            .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(event.id, upped.container_id);
        assert_eq!(
            event.labels.get("dev.berth.local-folder"),
            Some(&project.dir.display().to_string())
        );
        seen.push(event.action);
    }
    for action in ["create", "start", "die"] {
        assert!(
            seen.iter().any(|a| a == action),
            "{action} missing from {seen:?}"
        );
    }
}

#[tokio::test]
async fn a_package_volume_removed_behind_berths_back_is_made_again() {
    let scope = TestScope::new(test_name!()).await;
    let project = recipe_project(&scope, "vanished").await;
    project.up().await;
    let name = format!("berth-vanished-{}-local", project.environment().id);
    remove::down(project.engine(), &project.environment())
        .await
        .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)));
    // Someone runs `docker volume rm` while the environment is down.
    assert!(volume::remove(project.engine(), &name)
        .await
        .unwrap_or_else(|e| panic!("{e}")));
    let (outcome, recorder) = project.try_up(&Default::default()).await;
    assert!(matches!(outcome, Ok(Outcome::Done(_))), "{outcome:?}");
    let made = volume::inspect(project.engine(), &name)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("{name} was not made again"));
    assert_eq!(
        made.labels.get("dev.berth.project"),
        Some(&project.environment().id)
    );
    assert!(
        recorder
            .lines()
            .iter()
            .any(|l| l.contains("Successfully installed berth-probe")),
        "the packages are installed again"
    );
}
