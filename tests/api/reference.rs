//! Berth side by side with the reference CLI (`@devcontainers/cli`) on the same engine:
//! for each configuration, `devcontainer up` and `berth up` start a container from two
//! copies of one project, and `docker inspect` and exec probes must see the same thing —
//! user and uid, environment, working folder, mounts, labels, which lifecycle commands
//! ran in which order, and which run again after a stop and a second `up`.

use std::collections::BTreeMap;
use std::path::Path;

use berth::engine::container::{self, ContainerInfo};
use berth::engine::exec::{self, ExecSpec};
use serde_json::Value;

use crate::project::{self, Project};
use crate::support::images::{self, Base};
use crate::support::registry::TestRegistry;
use crate::support::{progress, test_name, TestScope};

/// The reference CLI the tests compare with (pinned in `tests/tools/`).
pub const CLI: &str = crate::support::REFERENCE_CLI;

/// `devcontainer <verb> --workspace-folder <dir> <rest>`; returns stdout, fails the test
/// on error.
fn reference(args: &[&str], dir: &Path) -> String {
    let (verb, rest) = args.split_first().unwrap_or_else(|| panic!("no verb"));
    let output = std::process::Command::new("node")
        .arg(CLI)
        .arg(verb)
        .arg("--workspace-folder")
        .arg(dir)
        .args(rest)
        .output()
        .unwrap_or_else(|err| panic!("failed to run the reference CLI: {err}"));
    assert!(
        output.status.success(),
        "devcontainer {args:?}: {}",
        project::shown(&output)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The reference CLI's container of `dir`.
async fn reference_container(project: &Project) -> ContainerInfo {
    let labels = BTreeMap::from([(
        "devcontainer.local_folder".to_owned(),
        project.dir.display().to_string(),
    )]);
    let found = container::list(project.engine(), &labels)
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    let id = &found
        .first()
        .unwrap_or_else(|| panic!("no reference container"))
        .id;
    container::inspect(project.engine(), id)
        .await
        .unwrap_or_else(|err| panic!("{err}"))
        .unwrap_or_else(|| panic!("gone"))
}

/// The name of the image the reference CLI made for `project`'s container, if it made one.
async fn reference_image_name(project: &Project) -> Option<String> {
    let info = reference_container(project).await;
    let image = berth::engine::image::inspect(project.engine(), &info.image_id)
        .await
        .unwrap_or_else(|err| panic!("{err}"))
        .unwrap_or_else(|| panic!("no image {}", info.image_id));
    image
        .tags
        .into_iter()
        .find(|t| t.starts_with("vsc-"))
        .map(|t| t.trim_end_matches(":latest").to_owned())
}

/// What the tests compare of one container.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    user: String,
    env: Vec<String>,
    mounts: Vec<String>,
    labels: BTreeMap<String, Value>,
    exec: String,
    order: String,
    installed: String,
    entrypoint: String,
    cap_add: Vec<String>,
    security_opt: Vec<String>,
    privileged: bool,
    init: bool,
}

/// `text` with the project's folder, id and Compose project name replaced, so two
/// copies compare.
fn normal(text: &str, project: &Project) -> String {
    let env = project.environment();
    let base: String = project
        .dir
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_')
        .collect();
    let compose = format!("{base}_devcontainer");
    text.replace(&project.dir.display().to_string(), "<project>")
        .replace(&env.id, "<id>")
        .replace(&compose, "<compose>")
}

/// The same probe through each tool's own exec.
const PROBE: &str = "echo user=$(id -un) uid=$(id -u) gid=$(id -g) pwd=$(pwd); env | grep -v -e '^HOSTNAME=' -e '^_=' | sort";

/// What a file in the container holds ("" when it is not there).
async fn file_text(project: &Project, info: &ContainerInfo, path: &str) -> String {
    exec::capture(
        project.engine(),
        &info.id,
        &ExecSpec {
            cmd: vec!["sh".into(), "-c".into(), format!("cat {path} 2>/dev/null")],
            ..ExecSpec::default()
        },
    )
    .await
    .unwrap_or_else(|err| panic!("{err}"))
    .stdout_text()
}

async fn seen(project: &Project, info: &ContainerInfo, exec_output: String) -> Seen {
    let order = file_text(project, info, "/tmp/order").await;
    // What Features' install.sh wrote while the image was built.
    let installed = normal(&file_text(project, info, "/tmp/installed").await, project);
    // What Features' entrypoints wrote when the container started.
    let entrypoint = file_text(project, info, "/tmp/entry").await;
    let mut cap_add = info.cap_add.clone();
    cap_add.sort();
    let mut env: Vec<String> = info.env.iter().map(|e| normal(e, project)).collect();
    env.sort();
    let mut mounts: Vec<String> = info
        .mounts
        .iter()
        .map(|m| {
            // Anonymous volumes have random names.
            let source = if m.kind == "volume" && m.source.len() == 64 {
                "<anonymous>".to_owned()
            } else {
                normal(&m.source, project)
            };
            format!("{} {} -> {} rw={}", m.kind, source, m.target, m.read_write)
        })
        .collect();
    mounts.sort();
    let labels = info
        .labels
        .iter()
        .filter(|(k, _)| k.starts_with("devcontainer."))
        .map(|(k, v)| {
            let value = if k == "devcontainer.metadata" {
                serde_json::from_str(v).unwrap_or(Value::Null)
            } else {
                Value::String(normal(v, project))
            };
            (k.clone(), value)
        })
        .collect();
    Seen {
        user: info.user.clone(),
        env,
        mounts,
        labels,
        exec: normal(&exec_output, project),
        order,
        installed,
        entrypoint,
        cap_add,
        security_opt: info.security_opt.clone(),
        privileged: info.privileged,
        init: info.init,
    }
}

/// Copy the folder `from` into `to`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|err| panic!("{err}"));
    for entry in std::fs::read_dir(from).unwrap_or_else(|err| panic!("{err}")) {
        let entry = entry.unwrap_or_else(|err| panic!("{err}"));
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|err| panic!("{err}"));
        }
    }
}

/// Up both, compare; stop both, up both, compare again.
/// Returns the two projects (the reference CLI's, Berth's).
async fn side_by_side(
    scope: &TestScope,
    case: &str,
    config: &str,
    files: &[(&str, &str)],
) -> (Project, Project) {
    let theirs = Project::new(scope, &format!("reference/{case}"), config).await;
    let ours = Project::new(scope, &format!("berth/{case}"), config).await;
    compare(scope, case, theirs, ours, files).await
}

/// Both tools on copies of the project in `template`.
async fn side_by_side_copies(scope: &TestScope, case: &str, template: &Path) {
    let theirs = scope.project_dir(&format!("reference/{case}"));
    let ours = scope.project_dir(&format!("berth/{case}"));
    copy_tree(template, &theirs);
    copy_tree(template, &ours);
    let theirs = Project::open(scope, theirs).await;
    let ours = Project::open(scope, ours).await;
    compare(scope, case, theirs, ours, &[]).await;
}

pub(crate) async fn compare(
    scope: &TestScope,
    case: &str,
    theirs: Project,
    ours: Project,
    files: &[(&str, &str)],
) -> (Project, Project) {
    for (path, contents) in files {
        theirs.write(path, contents);
        ours.write(path, contents);
    }
    for round in ["first up", "after a stop and a second up"] {
        if round != "first up" {
            let reference_id = reference_container(&theirs).await.id;
            container::stop(
                theirs.engine(),
                &reference_id,
                std::time::Duration::from_secs(10),
            )
            .await
            .unwrap_or_else(|err| panic!("{err}"));
            berth::environment::remove::stop(ours.engine(), &ours.environment())
                .await
                .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)));
        }
        let up = reference(&["up", "--log-format", "json"], &theirs.dir);
        assert!(up.contains("\"outcome\":\"success\""), "{up}");
        let upped = ours.up().await;
        let reference_info = reference_container(&theirs).await;
        let reference_exec = reference(&["exec", "sh", "-c", PROBE], &theirs.dir);
        let berth_info = container::inspect(ours.engine(), &upped.container_id)
            .await
            .unwrap_or_else(|err| panic!("{err}"))
            .unwrap_or_else(|| panic!("gone"));
        let berth_exec = ours.sh(PROBE).await.stdout_text();
        let a = seen(&theirs, &reference_info, reference_exec).await;
        let b = seen(&ours, &berth_info, berth_exec).await;
        progress(format!(
            "{case}, {round}: both tools agree on {} env entries, {} mounts, order {:?}",
            a.env.len(),
            a.mounts.len(),
            a.order.lines().collect::<Vec<_>>()
        ));
        assert_eq!(
            a, b,
            "{case}, {round}: the reference CLI (left) and Berth (right) differ"
        );
    }
    // The reference CLI's images (`vsc-<folder>-<hash>[-uid]`) carry no label of ours:
    // remove them, by name, with the scope.
    // And its named volumes.
    for mount in reference_container(&theirs).await.mounts {
        if mount.kind == "volume" && mount.source.len() != 64 {
            scope.track_volume(mount.source);
        }
    }
    if let Some(name) = reference_image_name(&theirs).await {
        let without_uid = name.strip_suffix("-uid").unwrap_or(&name).to_owned();
        // With Features: `vsc-…` (a Dockerfile's build), `vsc-…-features`, `…-uid`.
        if let Some(base) = without_uid.strip_suffix("-features") {
            scope.track_image(base.to_owned());
        }
        if without_uid != name {
            scope.track_image(without_uid);
        }
        scope.track_image(name);
    }
    (theirs, ours)
}

/// Every lifecycle command, each noting its stage in `/tmp/order`.
pub(crate) fn lifecycle() -> String {
    let order = |stage: &str| format!("echo {stage} >> /tmp/order");
    format!(
        r#""onCreateCommand": "{}",
  "updateContentCommand": ["sh", "-c", "{}"],
  "postCreateCommand": "{}",
  "postStartCommand": {{"only": "{}"}},
  "postAttachCommand": ["sh", "-c", "{}"]"#,
        order("onCreate"),
        order("updateContent"),
        order("postCreate"),
        order("postStart"),
        order("postAttach")
    )
}

/// A case: its name, its devcontainer.json, and other files (path, contents).
type Case = (&'static str, String, Vec<(String, String)>);

#[tokio::test]
async fn berth_and_the_reference_cli_make_the_same_container() {
    let scope = TestScope::new(test_name!()).await;
    let image = images::ensure(scope.docker(), Base::BookwormDev).await;
    let data = scope.project_dir("host-data");
    let lifecycle = lifecycle();
    let cases: Vec<Case> = vec![
        (
            "image-mounts-env",
            format!(
                r#"{{
  "image": "{image}",
  "remoteUser": "dev",
  "containerEnv": {{"CE": "container-env", "UID_AS_NUMBER": 1000}},
  "remoteEnv": {{"RE": "remote-env", "PATH": "${{containerEnv:PATH}}:/opt/extra", "FROM_CE": "${{containerEnv:CE}}"}},
  "mounts": [
    "source=named-${{devcontainerId}},target=/named,type=volume",
    {{"type": "bind", "source": "{}", "target": "/host-data"}},
    "type=volume,target=/anonymous"
  ],
  {lifecycle}
}}"#,
                data.display()
            ),
            vec![],
        ),
        (
            "dockerfile-args-target",
            format!(
                r#"{{
  "build": {{"dockerfile": "Dockerfile", "target": "dev", "args": {{"GREETING": "hello"}}}},
  "remoteUser": "dev",
  "workspaceFolder": "/workspaces/${{localWorkspaceFolderBasename}}/src",
  {lifecycle}
}}"#
            ),
            vec![(
                ".devcontainer/Dockerfile".to_owned(),
                format!("FROM {image} AS base\nARG GREETING\nENV GREETING=${{GREETING}}\nFROM base AS dev\nENV STAGE=dev\n"),
            ), ("src/.keep".to_owned(), String::new())],
        ),
        (
            "users-and-uid",
            format!(
                r#"{{
  "image": "{image}",
  "containerUser": "root",
  "remoteUser": "dev",
  "updateRemoteUserUID": false,
  "userEnvProbe": "none",
  {lifecycle}
}}"#
            ),
            vec![],
        ),
    ];
    for (case, config, files) in &cases {
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_str()))
            .collect();
        side_by_side(&scope, case, config, &files).await;
    }
    // What `berth new` writes (PyTorch, CPU, the hermetic base image swapped in).
    let generated = crate::keep::recipe_project(&scope, "template/generated").await;
    side_by_side_copies(&scope, "generated", &generated.dir).await;
}

// The reference CLI's classic-builder path retags one shared image
// (`dev_container_feature_content_temp`) per Feature build, so two of its Feature builds
// at once could install each other's Features: the tests that make it build Features
// take turns (`FEATURE_BUILDS`).
/// Held by every test that has the reference CLI build Features (see below).
pub(crate) static FEATURE_BUILDS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test]
async fn berth_and_the_reference_cli_install_features_alike() {
    // Before the scope, so the scope's cleanup runs while it is still held.
    let _one_at_a_time = FEATURE_BUILDS.lock().await;
    let scope = TestScope::new(test_name!()).await;
    let image = images::ensure(scope.docker(), Base::BookwormDev).await;
    for (case, config, files) in feature_cases(&image, &lifecycle()) {
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_str()))
            .collect();
        let (theirs, ours) = side_by_side(&scope, case, &config, &files).await;
        assert_eq!(
            lockfile(&theirs),
            lockfile(&ours),
            "{case}: the lock files differ"
        );
    }

    // OCI Features from a real registry on loopback: a tag, a dependency that is not
    // listed (fetched through `dependsOn`), and a digest-pinned one.
    let registry = TestRegistry::start(false);
    let host = registry.host();
    let collection = scope.project_dir("published");
    crate::features::publish_examples_on(&collection, &host);
    let digests = registry.publish(&collection, "berth/features");
    let config = format!(
        r#"{{
  "image": "{image}",
  "remoteUser": "dev",
  "features": {{
    "{host}/berth/features/app:1": {{"mode": "fast"}},
    "{host}/berth/features/extra@{}": true
  }},
  {}
}}"#,
        digests["extra"],
        lifecycle()
    );
    let (theirs, ours) = side_by_side(&scope, "oci-features", &config, &[]).await;
    let locked = lockfile(&ours);
    assert_eq!(
        lockfile(&theirs),
        locked,
        "oci-features: the lock files differ"
    );
    let features = &locked["features"];
    assert_eq!(
        features[format!("{host}/berth/features/app:1")]["integrity"],
        digests["app"].as_str(),
        "{locked:#}"
    );
    assert!(
        features[format!("{host}/berth/features/base:1")].is_object(),
        "{locked:#}"
    );
    let installed = ours.out("cat /tmp/installed").await;
    assert_eq!(installed, "base\napp MODE=fast\nextra");
    scope.track_image("dev_container_feature_content_temp");
}

/// A project's `devcontainer-lock.json` (`null` when there is none).
fn lockfile(project: &Project) -> Value {
    std::fs::read_to_string(project.dir.join(".devcontainer/devcontainer-lock.json"))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null)
}

/// A local Feature's files: `devcontainer-feature.json` and an install.sh that notes
/// what it saw.
fn feature_files(folder: &str, manifest: &str, install: &str) -> Vec<(String, String)> {
    vec![
        (
            format!(".devcontainer/{folder}/devcontainer-feature.json"),
            manifest.to_owned(),
        ),
        (
            format!(".devcontainer/{folder}/install.sh"),
            format!("#!/bin/sh\nset -e\n{install}\n"),
        ),
    ]
}

/// Configurations with local Features: options of every type, `installsAfter`, a
/// Feature's env (one extending PATH), mount, capabilities, init, entrypoint and
/// lifecycle commands, on an image and on a Dockerfile.
fn feature_cases(image: &str, lifecycle: &str) -> Vec<Case> {
    let note = r#"echo "$(basename "$PWD" | sed 's/^[0-9]*[-_]//;s/_[0-9]*$//') GREETING=$GREETING SHOUT=$SHOUT FLAVOUR=$FLAVOUR remote=$_REMOTE_USER:$_REMOTE_USER_HOME container=$_CONTAINER_USER:$_CONTAINER_USER_HOME HELLO_HOME=$HELLO_HOME" >> /tmp/installed"#;
    let mut local = feature_files(
        "hello",
        r#"{
  "id": "hello", "version": "1.0.0", "name": "Hello",
  "options": {
    "greeting": {"type": "string", "proposals": ["hi"], "default": "hey"},
    "shout": {"type": "boolean", "default": false},
    "flavour": {"type": "string", "enum": ["a", "b"], "default": "a"}
  },
  "containerEnv": {"HELLO_HOME": "/opt/hello", "PATH": "/opt/hello/bin:${PATH}"},
  "mounts": [{"source": "hello-${devcontainerId}", "target": "/hello-data", "type": "volume"}],
  "capAdd": ["SYS_PTRACE"],
  "securityOpt": ["seccomp=unconfined"],
  "postCreateCommand": "echo feature-hello-postCreate >> /tmp/order",
  "installsAfter": ["./world"]
}"#,
        note,
    );
    local.extend(feature_files(
        "world",
        r#"{"id": "world", "version": "0.1.0", "containerEnv": {"WORLD": "round"},
  "init": true,
  "onCreateCommand": "echo feature-world-onCreate >> /tmp/order",
  "postStartCommand": ["sh", "-c", "echo feature-world-postStart >> /tmp/order"]}"#,
        note,
    ));
    let mut dockerfile = feature_files(
        "tool",
        r#"{"id": "tool", "version": "2.0.0",
  "options": {"level": {"type": "string", "default": "3"}},
  "entrypoint": "/usr/local/share/tool-entry.sh",
  "privileged": true,
  "postAttachCommand": "echo feature-tool-postAttach >> /tmp/order"}"#,
        r#"printf '#!/bin/sh\necho entry-$LEVEL >> /tmp/entry\n' | sed "s/\$LEVEL/$LEVEL/" > /usr/local/share/tool-entry.sh
chmod +x /usr/local/share/tool-entry.sh
echo "tool LEVEL=$LEVEL remote=$_REMOTE_USER container=$_CONTAINER_USER" >> /tmp/installed"#,
    );
    dockerfile.push((
        ".devcontainer/Dockerfile".to_owned(),
        format!("FROM {image}\nENV FROM_DOCKERFILE=yes\n"),
    ));
    vec![
        (
            "local-features",
            format!(
                r#"{{
  "image": "{image}",
  "remoteUser": "dev",
  "features": {{
    "./hello": {{"greeting": "hi there", "shout": true}},
    "./world": {{}}
  }},
  {lifecycle}
}}"#
            ),
            local,
        ),
        (
            "dockerfile-features",
            format!(
                r#"{{
  "build": {{"dockerfile": "Dockerfile"}},
  "containerUser": "dev",
  "features": {{"./tool": {{"level": "7"}}}},
  {lifecycle}
}}"#
            ),
            dockerfile,
        ),
    ]
}
