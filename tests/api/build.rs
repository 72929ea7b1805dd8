//! `engine::build` against the real engine: both builders, progress events, the context
//! Docker's own rules would send, failures a student can read (each hint provoked by a
//! Dockerfile that really fails that way), cancellation, and the last working image.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use berth::engine::hint::Cause;
use berth::engine::progress::Recorder;
use berth::engine::{
    build, BuildError, BuildPlan, Builder, BuilderKind, Cancel, Event, Outcome, Progress,
};
use tokio::sync::Notify;

use crate::support::images::{self, Base};
use crate::support::wheelhouse::{self, Wheel};
use crate::support::{test_name, TestScope};

/// A project folder with `files` (path, contents) and a plan to build its `Dockerfile`.
fn project(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("no temp dir: {err}"));
    for (path, contents) in files {
        let path = dir.path().join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|err| panic!("{err}"));
        }
        std::fs::write(&path, contents).unwrap_or_else(|err| panic!("{err}"));
    }
    dir
}

fn plan(scope: &TestScope, dir: &Path, what: &str, builder: Builder) -> BuildPlan {
    let tag = format!("{}:latest", scope.unique_name(what));
    scope.track_image(tag.clone());
    BuildPlan {
        context: dir.to_owned(),
        dockerfile: dir.join("Dockerfile"),
        tag,
        labels: scope.labels().into_iter().collect(),
        network: Some("none".to_owned()),
        builder,
        ..BuildPlan::default()
    }
}

async fn run(
    scope: &TestScope,
    plan: &BuildPlan,
    progress: &dyn Progress,
) -> Result<Outcome<berth::engine::Built>, BuildError> {
    build(&scope.engine().await, plan, progress, &Cancel::new()).await
}

fn steps(events: &[Event]) -> Vec<(u32, bool)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Step { index, cached, .. } => Some((*index, *cached)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn both_builders_report_steps_cache_hits_and_output() {
    let scope = TestScope::new(test_name!()).await;
    let busybox = images::busybox(scope.docker()).await;
    let dockerfile = format!(
        "FROM {busybox}\nRUN echo 'hello from {}'\nRUN echo second > /second\n",
        scope.id()
    );
    let dir = project(&[("Dockerfile", dockerfile.as_bytes())]);
    for (builder, kind) in [
        (Builder::Classic, BuilderKind::Classic),
        (Builder::BuildKit, BuilderKind::BuildKit),
        (Builder::Auto, BuilderKind::BuildKit),
    ] {
        let plan = plan(
            &scope,
            dir.path(),
            &format!("{kind:?}").to_lowercase(),
            builder,
        );
        let first = Recorder::new();
        let built = run(&scope, &plan, &first)
            .await
            .unwrap_or_else(|err| panic!("{builder:?}: {}", berth::error_chain(&err)))
            .done()
            .unwrap_or_else(|| panic!("cancelled"));
        assert_eq!(built.builder, kind);
        assert!(built.image_id.starts_with("sha256:"), "{built:?}");
        let lines = first.lines();
        let hello = format!("hello from {}", scope.id());
        if kind == BuilderKind::Classic || builder == Builder::BuildKit {
            // The first build of this Dockerfile by this builder runs the step.
            assert!(
                lines.iter().any(|l| l.contains(&hello)),
                "{builder:?}: {lines:?}"
            );
        }
        let again = Recorder::new();
        let rebuilt = run(&scope, &plan, &again)
            .await
            .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)))
            .done()
            .unwrap_or_else(|| panic!("cancelled"));
        assert_eq!(
            rebuilt.image_id, built.image_id,
            "{builder:?}: a cached rebuild"
        );
        let cached = steps(&again.events());
        assert!(
            cached.iter().filter(|(i, _)| *i >= 2).all(|(_, c)| *c),
            "{builder:?}: every RUN step comes from the cache the second time: {cached:?}"
        );
        assert!(!again.lines().iter().any(|l| l.contains(&hello)));
    }
}

/// The files a real `docker build` (the docker CLI's own context walker) sends.
async fn sent_by_docker(dir: &Path, scope: &TestScope, busybox: &str) -> Vec<String> {
    let dockerfile = dir.join("Dockerfile");
    let tag = format!("{}:sent", scope.unique_name("docker-cli"));
    scope.track_image(tag.clone());
    let output = tokio::process::Command::new("docker")
        .args(["build", "--no-cache", "--network", "none", "-t", &tag])
        .args([
            "--label",
            &format!("{}={}", crate::support::scope::TEST_LABEL, scope.id()),
        ])
        .args(["--build-arg", &format!("BASE={busybox}")])
        .arg("-f")
        .arg(&dockerfile)
        .arg(dir)
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .await
        .unwrap_or_else(|err| panic!("failed to run docker: {err}"));
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    listed(&text)
}

/// The `find` listing between the markers of the context-listing Dockerfile.
fn listed(text: &str) -> Vec<String> {
    let mut names: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("sent: ./"))
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn the_context_holds_exactly_what_docker_build_sends() {
    let scope = TestScope::new(test_name!()).await;
    let busybox = images::busybox(scope.docker()).await;
    let dockerfile = "ARG BASE\nFROM ${BASE}\nCOPY . /ctx\nRUN cd /ctx && find . -mindepth 1 | sed 's/^/sent: /'\n";
    let cases: &[&str] = &[
        "data\n",
        "*.pyc\n!keep.pyc\n",
        "**/*.pyc\n",
        "data\n!data/README.md\n",
        "data\n!**/README.md\n",
        "# comment\n  /build/  \nsrc/*.tmp\n",
        "*\n!src\n",
        "src/**\n!src/keep/**\n",
        "[ab]*.log\nfile?.txt\n",
        "Dockerfile\n.dockerignore\n",
    ];
    for ignore in cases {
        let dir = project(&[
            ("Dockerfile", dockerfile.as_bytes()),
            (".dockerignore", ignore.as_bytes()),
            ("train.py", b"print()"),
            ("keep.pyc", b"x"),
            ("a.pyc", b"x"),
            ("pkg/b.pyc", b"x"),
            ("pkg/deep/c.pyc", b"x"),
            ("data/README.md", b"x"),
            ("data/imagenet/0001.jpg", b"x"),
            ("build/out.o", b"x"),
            ("src/x.tmp", b"x"),
            ("src/deep/y.tmp", b"x"),
            ("src/keep/z.py", b"x"),
            ("a1.log", b"x"),
            ("c1.log", b"x"),
            ("file1.txt", b"x"),
            ("file12.txt", b"x"),
        ]);
        let docker = sent_by_docker(dir.path(), &scope, &busybox).await;
        let context =
            berth::engine::context::Context::collect(dir.path(), &dir.path().join("Dockerfile"))
                .unwrap_or_else(|err| panic!("{err}"));
        // A folder left out still appears in the container when a file in it is sent.
        let mut ours = std::collections::BTreeSet::new();
        for name in context.copied_names() {
            let mut path = Path::new(name);
            ours.insert(name.to_owned());
            while let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                ours.insert(parent.to_string_lossy().into_owned());
                path = parent;
            }
        }
        let ours: Vec<String> = ours.into_iter().collect();
        assert_eq!(ours, docker, ".dockerignore {ignore:?}");

        // And what Berth's own build (BuildKit here) sees in the container.
        let mut plan = plan(&scope, dir.path(), "ours", Builder::Auto);
        plan.args = BTreeMap::from([("BASE".to_owned(), busybox.clone())]);
        plan.no_cache = true;
        let recorder = Recorder::new();
        let _ = run(&scope, &plan, &recorder)
            .await
            .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)));
        // BuildKit copies a tar context as sent: a Dockerfile the rules exclude is there.
        let mut expected = docker.clone();
        if context.forced.iter().any(|f| f == "Dockerfile") {
            expected.push("Dockerfile".to_owned());
            expected.sort();
        }
        assert_eq!(
            listed(&recorder.lines().join("\n")),
            expected,
            ".dockerignore {ignore:?}"
        );
    }
}

#[tokio::test]
async fn an_ignored_dataset_folder_is_never_sent() {
    let scope = TestScope::new(test_name!()).await;
    let busybox = images::busybox(scope.docker()).await;
    let dir = project(&[
        (
            "Dockerfile",
            format!("FROM {busybox}\nCOPY . /ctx\n").as_bytes(),
        ),
        (".dockerignore", b"data\n"),
        ("train.py", b"print()"),
    ]);
    // 300 MB of "dataset": written, and never read by the build.
    let data = dir.path().join("data/imagenet");
    std::fs::create_dir_all(&data).unwrap_or_else(|err| panic!("{err}"));
    let file = std::fs::File::create(data.join("train.bin")).unwrap_or_else(|err| panic!("{err}"));
    file.set_len(300 << 20)
        .unwrap_or_else(|err| panic!("{err}"));
    let plan = plan(&scope, dir.path(), "dataset", Builder::Auto);
    let built = run(&scope, &plan, &berth::engine::progress::Silent)
        .await
        .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)))
        .done()
        .unwrap_or_else(|| panic!("cancelled"));
    assert!(
        built.context_bytes < 64 * 1024,
        "sent {} bytes",
        built.context_bytes
    );
}

/// Build `dockerfile` (in a folder with `files`) and return the failure.
async fn failure(
    scope: &TestScope,
    what: &str,
    dockerfile: &str,
    files: &[(&str, &[u8])],
    adjust: impl FnOnce(&mut BuildPlan),
) -> berth::engine::BuildFailure {
    let mut all = vec![("Dockerfile", dockerfile.as_bytes())];
    all.extend_from_slice(files);
    let dir = project(&all);
    let mut plan = plan(scope, dir.path(), what, Builder::Auto);
    adjust(&mut plan);
    match run(scope, &plan, &berth::engine::progress::Silent).await {
        Err(BuildError::Failed { failure, .. }) => *failure,
        other => panic!("{what}: expected a failed build, got {other:?}"),
    }
}

#[tokio::test]
async fn failed_builds_name_the_step_the_command_and_a_hint() {
    let scope = TestScope::new(test_name!()).await;
    let bookworm = images::ensure(scope.docker(), Base::BookwormPython).await;

    let apt = failure(
        &scope,
        "apt",
        &format!("FROM {bookworm}\nRUN echo ready\nRUN apt-get install -y berth-no-such-package\n"),
        &[],
        |_| {},
    )
    .await;
    let step = apt
        .step
        .clone()
        .unwrap_or_else(|| panic!("no step: {apt:?}"));
    assert_eq!((step.index, step.total), (3, 3), "{apt:?}");
    assert_eq!(
        step.instruction,
        "RUN apt-get install -y berth-no-such-package"
    );
    assert_eq!(apt.exit_code, Some(100));
    assert!(
        apt.last_lines
            .iter()
            .any(|l| l.contains("Unable to locate package")),
        "{apt:?}"
    );
    assert_eq!(
        apt.hint.as_ref().map(|h| h.cause),
        Some(Cause::AptPackageMissing)
    );
    assert!(apt.to_string().contains("'berth-no-such-package'"), "{apt}");

    let full = failure(
        &scope,
        "full",
        &format!("FROM {bookworm}\nRUN dd if=/dev/zero of=/dev/full bs=1k count=1\n"),
        &[],
        |_| {},
    )
    .await;
    assert_eq!(
        full.hint.map(|h| h.cause),
        Some(Cause::NoSpace),
        "{:?}",
        full.last_lines
    );

    let gpu = failure(
        &scope,
        "gpu",
        &format!("FROM {bookworm}\nRUN nvidia-smi\n"),
        &[],
        |_| {},
    )
    .await;
    assert_eq!(gpu.hint.map(|h| h.cause), Some(Cause::NvidiaRuntimeMissing));

    let base = failure(
        &scope,
        "base",
        "FROM berth-test/no-such-image:1\nRUN true\n",
        &[],
        |_| {},
    )
    .await;
    let hint = base
        .hint
        .unwrap_or_else(|| panic!("no hint: {}", base.message));
    assert_eq!(hint.cause, Cause::BaseImageUnavailable);

    // The classic builder can cap a step's memory: 64 MB, and a step that wants 512.
    let oom = failure(
        &scope,
        "oom",
        &format!(
            "FROM {bookworm}\nRUN python3 -c \"b = bytearray(512 * 1024 * 1024); print(len(b))\"\n"
        ),
        &[],
        |plan| {
            plan.builder = Builder::Classic;
            plan.memory = Some(64 << 20);
        },
    )
    .await;
    assert_eq!(oom.exit_code, Some(137), "{oom:?}");
    assert_eq!(oom.hint.map(|h| h.cause), Some(Cause::OutOfMemory));
}

#[tokio::test]
async fn pip_backtracking_through_versions_says_pin_it() {
    let scope = TestScope::new(test_name!()).await;
    let bookworm = images::ensure(scope.docker(), Base::BookwormPython).await;
    let dir = project(&[(
        "Dockerfile",
        format!(
            "FROM {bookworm}\nCOPY wheels /wheels\nRUN python3 -m venv /v && /v/bin/pip install --no-index --find-links /wheels berth-spacy\n"
        )
        .as_bytes(),
    )]);
    // Five versions, each needing something the wheelhouse lacks: pip tries them all.
    let wheels: Vec<Wheel> = ["3.7.4", "3.7.3", "3.7.2", "3.1.0", "3.0.6"]
        .iter()
        .map(|version| Wheel {
            requires: vec![format!("berth-thinc=={version}")],
            ..Wheel::new("berth-spacy", version)
        })
        .collect();
    wheelhouse::write(&dir.path().join("wheels"), &wheels).unwrap_or_else(|err| panic!("{err}"));
    let plan = plan(&scope, dir.path(), "pip", Builder::Auto);
    let failure = match run(&scope, &plan, &berth::engine::progress::Silent).await {
        Err(BuildError::Failed { failure, .. }) => failure,
        other => panic!("expected a failed build, got {other:?}"),
    };
    let hint = failure
        .hint
        .clone()
        .unwrap_or_else(|| panic!("no hint: {:?}", failure.last_lines));
    assert_eq!(hint.cause, Cause::PipBacktracking);
    assert!(hint.message.contains("berth-spacy"), "{}", hint.message);
    assert!(hint.message.contains("pin it"), "{}", hint.message);
}

#[tokio::test]
async fn a_failed_rebuild_leaves_the_last_working_image_tagged() {
    let scope = TestScope::new(test_name!()).await;
    let busybox = images::busybox(scope.docker()).await;
    let dir = project(&[(
        "Dockerfile",
        format!("FROM {busybox}\nRUN echo v1 > /v\n").as_bytes(),
    )]);
    let plan = plan(&scope, dir.path(), "known-good", Builder::Auto);
    let good = run(&scope, &plan, &berth::engine::progress::Silent)
        .await
        .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)))
        .done()
        .unwrap_or_else(|| panic!("cancelled"));
    std::fs::write(
        dir.path().join("Dockerfile"),
        format!("FROM {busybox}\nRUN exit 3\n"),
    )
    .unwrap_or_else(|err| panic!("{err}"));
    let err = run(&scope, &plan, &berth::engine::progress::Silent)
        .await
        .expect_err("the broken Dockerfile must fail");
    assert_eq!(err.failure().and_then(|f| f.exit_code), Some(3), "{err:?}");
    let still = berth::engine::image::inspect(&scope.engine().await, &plan.tag)
        .await
        .unwrap_or_else(|err| panic!("{err}"))
        .unwrap_or_else(|| panic!("{} is gone", plan.tag));
    assert_eq!(still.id, good.image_id);
}

/// Counts the containers of the engine (a build's step containers are not labelled).
async fn all_containers(scope: &TestScope) -> Vec<String> {
    let options = bollard::query_parameters::ListContainersOptionsBuilder::new()
        .all(true)
        .build();
    scope
        .docker()
        .list_containers(Some(options))
        .await
        .unwrap_or_else(|err| panic!("{err}"))
        .into_iter()
        .filter_map(|c| c.id)
        .collect()
}

/// Cancels when a step whose instruction contains `marker` starts.
struct CancelAt {
    marker: &'static str,
    cancel: Cancel,
    at: Mutex<Option<Instant>>,
}

impl Progress for CancelAt {
    fn event(&self, event: Event) {
        if let Event::Step { instruction, .. } = &event {
            if instruction.contains(self.marker) {
                *self.at.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
                self.cancel.cancel();
            }
        }
    }
}

#[tokio::test]
async fn a_cancelled_build_stops_at_once_and_leaves_nothing_half_made() {
    let scope = TestScope::new(test_name!()).await;
    let busybox = images::busybox(scope.docker()).await;
    for builder in [Builder::Classic, Builder::BuildKit] {
        let dir = project(&[(
            "Dockerfile",
            format!("FROM {busybox}\nRUN echo {} && sleep 120\n", scope.id()).as_bytes(),
        )]);
        let plan = plan(
            &scope,
            dir.path(),
            &format!("cancel-{builder:?}").to_lowercase(),
            builder,
        );
        let before = all_containers(&scope).await;
        let watcher = CancelAt {
            marker: "sleep 120",
            cancel: Cancel::new(),
            at: Mutex::new(None),
        };
        let outcome = build(&scope.engine().await, &plan, &watcher, &watcher.cancel)
            .await
            .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)));
        assert!(outcome.is_cancelled(), "{builder:?}");
        let at = watcher
            .at
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or_else(|| panic!("never cancelled"));
        assert!(
            at.elapsed() < Duration::from_secs(10),
            "{builder:?}: took {:?}",
            at.elapsed()
        );
        let image = berth::engine::image::inspect(&scope.engine().await, &plan.tag)
            .await
            .unwrap_or_else(|err| panic!("{err}"));
        assert!(
            image.is_none(),
            "{builder:?}: a cancelled build tagged {}",
            plan.tag
        );
        // The engine removes the step's container once it sees the client go.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let now = all_containers(&scope).await;
            let new: Vec<&String> = now.iter().filter(|c| !before.contains(c)).collect();
            if new.is_empty() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{builder:?}: left containers {new:?}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

/// Signals when the build has taken its third step from the cache.
struct NotifyAtCachedStep {
    index: u32,
    notify: Arc<Notify>,
}

impl Progress for NotifyAtCachedStep {
    fn event(&self, event: Event) {
        if let Event::Step {
            index,
            cached: true,
            ..
        } = event
        {
            if index == self.index {
                self.notify.notify_one();
            }
        }
    }
}

// Regression: a cold `cargo xtask test` failed with "failed to export image: failed to set
// parent sha256:…: unknown parent image ID" — a scope's cleanup pruned the untagged
// classic-builder cache images a parallel build was committing a step on top of.
#[tokio::test]
async fn removing_an_image_never_deletes_cache_a_concurrent_build_commits_on() {
    let busybox = images::busybox(&crate::support::engine::connect().await).await;
    let first = TestScope::new(test_name!()).await;
    let second = TestScope::new(test_name!()).await;
    let steps = format!(
        "FROM {busybox}\nRUN echo one {id} > /one\nRUN echo two > /two\n",
        id = first.id()
    );
    let dir_a = project(&[("Dockerfile", steps.as_bytes())]);
    let plan_a = plan(&first, dir_a.path(), "a", Builder::Classic);
    let _ = run(&first, &plan_a, &berth::engine::progress::Silent)
        .await
        .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)));

    // The second build takes both RUN steps from the first one's cache, then commits a
    // large COPY on top of them: long enough to remove the first image meanwhile.
    let dir_b = project(&[("Dockerfile", format!("{steps}COPY big /big\n").as_bytes())]);
    let big = std::fs::File::create(dir_b.path().join("big")).unwrap_or_else(|err| panic!("{err}"));
    big.set_len(400 << 20).unwrap_or_else(|err| panic!("{err}"));
    let plan_b = plan(&second, dir_b.path(), "b", Builder::Classic);
    let notify = Arc::new(Notify::new());
    let watcher = NotifyAtCachedStep {
        index: 3,
        notify: Arc::clone(&notify),
    };
    let engine = second.engine().await;
    let cancel = Cancel::new();
    let building = build(&engine, &plan_b, &watcher, &cancel);
    let removing = async {
        notify.notified().await;
        drop(first);
    };
    let (built, ()) = tokio::join!(building, removing);
    let built = built
        .unwrap_or_else(|err| panic!("the concurrent build failed: {}", berth::error_chain(&err)));
    assert!(built.done().is_some());
}
