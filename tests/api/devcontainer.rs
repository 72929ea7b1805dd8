//! `berth config` against the reference Dev Containers CLI (`@devcontainers/cli`, installed
//! in `tests/tools` by `cargo xtask test`): on every file of the real-world corpus in
//! `tests/corpus/devcontainer/valid` both must read the same image, build, mounts, users,
//! lifecycle commands and workspace; on the files in `tests/corpus/devcontainer/broken`,
//! which VS Code's editor marks as wrong, the reference CLI reads on (usually changing
//! what the file says) while Berth stops at the right line and column.
//!
//! These tests need no Docker engine: `read-configuration` only reads files.
//!
//! Where the two differ by design, the comparison says so:
//! - `${devcontainerId}`: the reference CLI substitutes it only once a container exists,
//!   so `read-configuration` leaves it as written; Berth always knows it. The CLI's output
//!   gets Berth's id put in before comparing, and the id itself is checked against the
//!   reference CLI's own function, run by Node.
//! - Several devcontainer.json files: the CLI takes the first, Berth asks for `--config`.
//! - The legacy top-level `extensions`/`settings` the CLI moves into
//!   `customizations.vscode`; Berth keeps them where they are (not compared).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

/// The environment both tools run with, so `${localEnv:…}` means the same to both.
const ENV: &[(&str, &str)] = &[("USER", "berth-test"), ("HF_TOKEN", "hf_test_token")];

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn corpus(kind: &str) -> PathBuf {
    repo_root().join("tests/corpus/devcontainer").join(kind)
}

/// The reference CLI; the tests fail loudly when it is missing.
fn reference_cli() -> PathBuf {
    let cli = repo_root().join("tests/tools/node_modules/.bin/devcontainer");
    assert!(
        cli.exists(),
        "the reference Dev Containers CLI is not installed at {}: run `cargo xtask test` (it runs `npm ci` in tests/tools)",
        cli.display()
    );
    cli
}

/// Each corpus project, by name.
pub(crate) fn projects(kind: &str) -> Vec<(String, PathBuf)> {
    let dir = corpus(kind);
    let mut projects: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("failed to list {}: {err}", dir.display()))
        .map(|entry| {
            let path = entry
                .unwrap_or_else(|err| panic!("failed to list {}: {err}", dir.display()))
                .path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, path)
        })
        .filter(|(_, path)| path.is_dir())
        .collect();
    projects.sort();
    projects
}

/// A copy of a corpus project in a fresh temporary folder (outside this Git checkout, so
/// no Git root changes the workspace), keeping the project's folder name.
pub(crate) fn copy_project(source: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("failed to make a temp dir: {err}"));
    let name = source.file_name().unwrap_or_default();
    let target = dir.path().join(name);
    copy_dir(source, &target);
    (dir, target)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to)
        .unwrap_or_else(|err| panic!("failed to create {}: {err}", to.display()));
    for entry in std::fs::read_dir(from)
        .unwrap_or_else(|err| panic!("failed to list {}: {err}", from.display()))
    {
        let entry = entry.unwrap_or_else(|err| panic!("failed to list {}: {err}", from.display()));
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &dest);
        } else {
            std::fs::copy(&path, &dest)
                .unwrap_or_else(|err| panic!("failed to copy {}: {err}", path.display()));
        }
    }
}

/// The one devcontainer.json of a project, as Berth finds it.
pub(crate) fn config_file(project: &Path) -> PathBuf {
    berth::devcontainer::discover::find(project).unwrap_or_else(|err| panic!("{err}"))
}

fn run(command: &mut Command, what: &str) -> Output {
    command
        .envs(ENV.iter().copied())
        .output()
        .unwrap_or_else(|err| panic!("failed to run {what}: {err}"))
}

fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `devcontainer read-configuration` on a project.
fn reference_read(project: &Path, config: Option<&Path>, git_root: bool) -> Output {
    let mut command = Command::new(reference_cli());
    command
        .arg("read-configuration")
        .arg("--workspace-folder")
        .arg(project)
        .arg("--mount-workspace-git-root")
        .arg(git_root.to_string());
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    run(&mut command, "the reference CLI")
}

fn reference_json(project: &Path, config: Option<&Path>, git_root: bool) -> Value {
    let output = reference_read(project, config, git_root);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "the reference CLI printed no JSON ({err}): {}",
            describe(&output)
        )
    })
}

/// `berth config --json` on a project.
fn berth_read(target: &Path, config: Option<&Path>, git_root: bool) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_berth"));
    command.arg("config").arg("--json").arg(target);
    if !git_root {
        command.arg("--no-git-root");
    }
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    run(&mut command, "`berth config`")
}

fn berth_json(target: &Path, config: Option<&Path>, git_root: bool) -> Value {
    let output = berth_read(target, config, git_root);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "`berth config --json` printed no JSON ({err}): {}",
            describe(&output)
        )
    })
}

/// Every string in `value` with `${devcontainerId}` replaced by `id`.
fn with_id(value: &Value, id: &str) -> Value {
    match value {
        Value::String(s) => Value::String(s.replace("${devcontainerId}", id)),
        Value::Array(items) => Value::Array(items.iter().map(|v| with_id(v, id)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), with_id(v, id)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// An object of values as the reference CLI passes them to Docker: numbers and booleans
/// as their text (`--build-arg USER_UID=1000`), `null` kept (it unsets a `remoteEnv`).
fn as_passed(object: &Value) -> Value {
    let map = object.as_object().cloned().unwrap_or_default();
    Value::Object(
        map.into_iter()
            .map(|(key, value)| {
                let passed = match value {
                    Value::Number(n) => Value::String(n.to_string()),
                    Value::Bool(b) => Value::String(b.to_string()),
                    other => other,
                };
                (key, passed)
            })
            .collect(),
    )
}

/// What a property of the reference CLI's configuration is, `null` when absent.
fn prop<'a>(value: &'a Value, key: &str) -> &'a Value {
    value.get(key).unwrap_or(&Value::Null)
}

/// Assert the two tools agree on everything Berth acts on.
fn assert_agree(name: &str, reference: &Value, berth: &Value) {
    let id = berth["devcontainerId"].as_str().unwrap_or_default();
    let reference = with_id(reference, id);
    let cli = &reference["configuration"];
    let ours = &berth["configuration"];
    let context =
        |what: &str| format!("{name}: {what}\n--- reference\n{cli:#}\n--- berth\n{ours:#}");

    assert_eq!(prop(cli, "image"), &ours["image"], "{}", context("image"));
    assert_eq!(prop(cli, "name"), &ours["name"], "{}", context("name"));

    // The Dockerfile build: the legacy top-level spelling wins, as in the reference CLI.
    let build = prop(cli, "build");
    let (dockerfile, context_dir) = if cli.get("dockerFile").is_some() {
        (prop(cli, "dockerFile"), prop(cli, "context"))
    } else {
        (prop(build, "dockerfile"), prop(build, "context"))
    };
    let ours_build = &ours["build"];
    if dockerfile.is_null() && cli.get("build").is_none() {
        assert!(ours_build.is_null(), "{}", context("build"));
    } else {
        assert_eq!(
            dockerfile,
            &ours_build["dockerfile"],
            "{}",
            context("build dockerfile")
        );
        assert_eq!(
            context_dir,
            &ours_build["context"],
            "{}",
            context("build context")
        );
        let args = as_passed(&build.get("args").cloned().unwrap_or_else(|| json!({})));
        assert_eq!(args, ours_build["args"], "{}", context("build args"));
        assert_eq!(
            prop(build, "target"),
            &ours_build["target"],
            "{}",
            context("build target")
        );
    }

    // Mounts: the string form as written (substituted); the object form field by field.
    let cli_mounts = cli.get("mounts").cloned().unwrap_or_else(|| json!([]));
    let cli_mounts = cli_mounts.as_array().cloned().unwrap_or_default();
    let our_mounts = ours["mounts"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        cli_mounts.len(),
        our_mounts.len(),
        "{}",
        context("mount count")
    );
    for (theirs, mine) in cli_mounts.iter().zip(&our_mounts) {
        match theirs {
            Value::String(text) => {
                assert_eq!(
                    Some(text.as_str()),
                    mine["written"].as_str(),
                    "{}",
                    context("mount")
                );
                assert!(
                    text.contains(&format!(
                        "target={}",
                        mine["target"].as_str().unwrap_or_default()
                    )) || text.contains(&format!(
                        "dst={}",
                        mine["target"].as_str().unwrap_or_default()
                    )),
                    "{}",
                    context("mount target")
                );
            }
            object => {
                for key in ["type", "source", "target"] {
                    assert_eq!(prop(object, key), &mine[key], "{}", context("object mount"));
                }
            }
        }
    }

    for key in ["containerUser", "remoteUser"] {
        assert_eq!(prop(cli, key), &ours[key], "{}", context(key));
    }
    for key in [
        "initializeCommand",
        "onCreateCommand",
        "updateContentCommand",
        "postCreateCommand",
        "postStartCommand",
        "postAttachCommand",
    ] {
        assert_eq!(prop(cli, key), &ours[key], "{}", context(key));
    }
    for key in ["runArgs", "forwardPorts", "capAdd", "securityOpt"] {
        let theirs = cli.get(key).cloned().unwrap_or_else(|| json!([]));
        assert_eq!(theirs, ours[key], "{}", context(key));
    }
    for key in ["containerEnv", "remoteEnv"] {
        let theirs = as_passed(&cli.get(key).cloned().unwrap_or_else(|| json!({})));
        assert_eq!(theirs, ours[key], "{}", context(key));
    }
    let features = cli.get("features").cloned().unwrap_or_else(|| json!({}));
    assert_eq!(features, ours["features"], "{}", context("features"));
    assert_eq!(
        prop(cli, "workspaceFolder"),
        &ours["workspaceFolder"],
        "{}",
        context("workspaceFolder as written")
    );

    let workspace = &reference["workspace"];
    assert_eq!(
        workspace["workspaceFolder"],
        berth["workspace"]["workspaceFolder"],
        "{}",
        context("workspace folder in use")
    );
    assert_eq!(
        prop(workspace, "workspaceMount"),
        &berth["workspace"]["workspaceMount"],
        "{}",
        context("workspace mount in use")
    );
}

#[test]
fn the_corpus_has_at_least_twenty_real_world_files() {
    let valid = projects("valid");
    assert!(valid.len() >= 20, "only {} corpus projects", valid.len());
    let sources = std::fs::read_to_string(repo_root().join("tests/corpus/devcontainer/SOURCES.md"))
        .unwrap_or_else(|err| panic!("failed to read the corpus's SOURCES.md: {err}"));
    for (name, _) in valid.iter().chain(&projects("broken")) {
        assert!(
            sources.contains(&format!("`{name}`")),
            "{name} is not listed in SOURCES.md"
        );
    }
}

#[test]
fn berth_and_the_reference_cli_agree_on_every_corpus_file() {
    let mut compared = 0;
    for (name, source) in projects("valid") {
        let (_dir, project) = copy_project(&source);
        let config = config_file(&project);
        let reference = reference_json(&project, Some(&config), false);
        let berth = berth_json(&project, None, false);
        assert_eq!(
            berth["configFile"].as_str(),
            Some(config.to_string_lossy().as_ref()),
            "{name}: berth found another file"
        );
        assert_agree(&name, &reference, &berth);
        compared += 1;
    }
    assert!(compared >= 20, "compared only {compared} files");
}

#[test]
fn both_find_the_same_file_where_the_reference_cli_looks() {
    for (name, source) in projects("valid") {
        let (_dir, project) = copy_project(&source);
        let config = config_file(&project);
        let nested = config
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|n| n != ".devcontainer")
            && config.file_name().is_some_and(|n| n == "devcontainer.json")
            && config
                .parent()
                .and_then(Path::parent)
                .and_then(Path::file_name)
                .is_some_and(|n| n == ".devcontainer");
        if nested {
            // `.devcontainer/<folder>/devcontainer.json`: the reference CLI needs --config.
            continue;
        }
        let reference = reference_json(&project, None, false);
        let found = reference["configuration"]["configFilePath"]["fsPath"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(found, config.to_string_lossy(), "{name}");
        let berth = berth_json(&project, None, false);
        assert_agree(&name, &reference, &berth);
    }
}

#[test]
fn a_file_argument_reads_the_same_as_its_project_folder() {
    for (name, source) in projects("valid") {
        let (_dir, project) = copy_project(&source);
        let config = config_file(&project);
        let by_folder = berth_json(&project, None, false);
        let by_file = berth_json(&config, None, false);
        assert_eq!(by_folder, by_file, "{name}");
    }
}

#[test]
fn the_git_root_is_mounted_as_the_reference_cli_mounts_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("failed to make a temp dir: {err}"));
    let repo = dir.path().join("thesis");
    let project = repo.join("experiments/gpu");
    std::fs::create_dir_all(project.join(".devcontainer"))
        .unwrap_or_else(|err| panic!("failed to create the project: {err}"));
    std::fs::write(
        project.join(".devcontainer/devcontainer.json"),
        r#"{"image": "python:3.11", "postCreateCommand": "echo ${containerWorkspaceFolder}"}"#,
    )
    .unwrap_or_else(|err| panic!("failed to write devcontainer.json: {err}"));
    let git = run(
        Command::new("git").arg("init").arg("-q").arg(&repo),
        "git init",
    );
    assert!(git.status.success(), "{}", describe(&git));

    let reference = reference_json(&project, None, true);
    let berth = berth_json(&project, None, true);
    assert_eq!(
        berth["workspace"]["workspaceFolder"],
        "/workspaces/thesis/experiments/gpu"
    );
    assert_agree("git root", &reference, &berth);
}

#[test]
fn berth_computes_the_devcontainer_id_with_the_reference_cli_function() {
    let bundle = repo_root()
        .join("tests/tools/node_modules/@devcontainers/cli/dist/spec-node/devContainersSpecCLI.js");
    reference_cli();
    // The reference CLI's own function, found in its bundle and run by Node.
    let script = r#"
        const fs = require('fs');
        const crypto = require('crypto');
        const source = fs.readFileSync(process.argv[1], 'utf8');
        const match = /function (\w+)\(e\)\{let A=JSON\.stringify\(e,Object\.keys\(e\)\.sort\(\)\).*?padStart\(52,"0"\)\}/.exec(source);
        if (!match) { console.error('getDevContainerId not found in the bundle'); process.exit(2); }
        const hash = /(\w+)\.createHash\("sha256"\)/.exec(match[0])[1];
        const id = new Function(hash, 'return ' + match[0].replace(/^function \w+/, 'function'))(crypto);
        const pairs = JSON.parse(process.argv[2]);
        console.log(JSON.stringify(pairs.map(([folder, config]) => id({'devcontainer.local_folder': folder, 'devcontainer.config_file': config}))));
    "#;
    let mut pairs = vec![
        (
            "/home/ada/thesis".to_owned(),
            "/home/ada/thesis/.devcontainer/devcontainer.json".to_owned(),
        ),
        (
            "/tmp/with space/é".to_owned(),
            "/tmp/with space/é/.devcontainer.json".to_owned(),
        ),
        ("/q\"uote\\back\tslash".to_owned(), "/c".to_owned()),
    ];
    let mut ids_from_berth = Vec::new();
    let (_dir, project) = copy_project(&corpus("valid").join("vllm"));
    let berth = berth_json(&project, None, false);
    pairs.push((
        berth["localWorkspaceFolder"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        berth["configFile"].as_str().unwrap_or_default().to_owned(),
    ));
    for (folder, config) in &pairs {
        ids_from_berth.push(berth::devcontainer::devcontainer_id(folder, config));
    }
    assert_eq!(
        berth["devcontainerId"].as_str(),
        ids_from_berth.last().map(String::as_str)
    );

    let pairs_json = serde_json::to_string(&pairs).unwrap_or_default();
    let output = Command::new("node")
        .arg("-e")
        .arg(script)
        .arg(&bundle)
        .arg(&pairs_json)
        .output()
        .unwrap_or_else(|err| panic!("failed to run node (the reference CLI needs it too): {err}"));
    assert!(output.status.success(), "{}", describe(&output));
    let reference: Vec<String> = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("node printed no JSON ({err}): {}", describe(&output)));
    assert_eq!(reference, ids_from_berth);
}

/// One file VS Code marks as wrong: where Berth must stop, and what the reference CLI
/// makes of it.
struct Broken {
    name: &'static str,
    line: usize,
    column: usize,
    message: &'static str,
    /// What the reference CLI reads instead (a property and its value), or `None` when it
    /// rejects the file too.
    reference_reads: Option<(&'static str, Value)>,
}

fn broken_cases() -> Vec<Broken> {
    vec![
        // The reference CLI reads on past the `#`: nothing tells the user.
        Broken {
            name: "tensorrt-llm",
            line: 16,
            column: 54,
            message: "unexpected '#': comments are // or /* */ in JSON",
            reference_reads: Some(("workspaceFolder", json!("/workspaces/tensorrt_llm"))),
        },
        // Both reject it; Berth says where.
        Broken {
            name: "transformers",
            line: 1,
            column: 3,
            message: "expected a digit after '-'",
            reference_reads: None,
        },
        Broken {
            name: "missing-comma",
            line: 4,
            column: 3,
            message: "expected a comma",
            reference_reads: Some(("runArgs", json!(["--gpus=all"]))),
        },
        // The reference CLI drops the image: the container would not start.
        Broken {
            name: "single-quotes",
            line: 3,
            column: 12,
            message: "use double quotes",
            reference_reads: Some(("image", Value::Null)),
        },
        // The reference CLI reads 0x10 as 0 CPUs.
        Broken {
            name: "hex-number",
            line: 4,
            column: 13,
            message: "hexadecimal",
            reference_reads: Some(("hostRequirements", json!({"cpus": 0, "gpu": true}))),
        },
        // The reference CLI silently drops everything after `/*`, GPU access included.
        Broken {
            name: "unclosed-comment",
            line: 3,
            column: 3,
            message: "this comment is never closed",
            reference_reads: Some(("runArgs", Value::Null)),
        },
        Broken {
            name: "wrong-type",
            line: 5,
            column: 15,
            message: "`build.args.CUDA` must be a string, but is an array",
            reference_reads: Some((
                "build",
                json!({"dockerfile": "Dockerfile", "args": {"CUDA": ["12.1"], "PYTHON": "3.11"}}),
            )),
        },
        Broken {
            name: "invalid-utf8",
            line: 3,
            column: 14,
            message: "not valid UTF-8 (byte 0xe8)",
            reference_reads: Some(("name", json!("Th\u{fffd}se"))),
        },
        // The reference CLI keeps the second value without a word.
        Broken {
            name: "duplicate-key",
            line: 5,
            column: 3,
            message: "duplicate property \"remoteUser\" (first set on line 3)",
            reference_reads: Some(("remoteUser", json!("root"))),
        },
        Broken {
            name: "tab-in-string",
            line: 3,
            column: 36,
            message: "a tab inside a string",
            reference_reads: Some((
                "postCreateCommand",
                json!("pip install\t-r requirements.txt"),
            )),
        },
    ]
}

#[test]
fn berth_stops_at_the_line_and_column_where_the_reference_cli_reads_on() {
    let cases = broken_cases();
    let listed: Vec<String> = projects("broken")
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let mut names: Vec<String> = cases.iter().map(|c| c.name.to_owned()).collect();
    names.sort();
    assert_eq!(
        names, listed,
        "every broken corpus file has a case, and every case a file"
    );

    for case in cases {
        let (_dir, project) = copy_project(&corpus("broken").join(case.name));
        let config = config_file(&project);

        let output = berth_read(&project, None, false);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{}: {}",
            case.name,
            describe(&output)
        );
        let error: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
            panic!(
                "{}: no JSON error ({err}): {}",
                case.name,
                describe(&output)
            )
        });
        let message = error["message"].as_str().unwrap_or_default();
        let location = format!("{}:{}:{}: ", config.display(), case.line, case.column);
        assert!(
            message.starts_with(&location),
            "{}: expected {location}…, got:\n{message}",
            case.name
        );
        assert!(message.contains(case.message), "{}: {message}", case.name);
        // The offending line is shown with a caret under the column.
        let caret_line = message.lines().last().unwrap_or_default();
        assert!(
            caret_line.trim_end().ends_with('^'),
            "{}: {message}",
            case.name
        );

        let human = Command::new(env!("CARGO_BIN_EXE_berth"))
            .arg("config")
            .arg(&project)
            .output()
            .unwrap_or_else(|err| panic!("failed to run berth: {err}"));
        assert_eq!(human.status.code(), Some(1), "{}", describe(&human));
        let stderr = String::from_utf8_lossy(&human.stderr);
        assert!(stderr.contains(&location), "{}: {stderr}", case.name);

        let reference = reference_read(&project, None, false);
        match &case.reference_reads {
            Some((key, expected)) => {
                assert_eq!(
                    reference.status.code(),
                    Some(0),
                    "{}: {}",
                    case.name,
                    describe(&reference)
                );
                let value: Value = serde_json::from_slice(&reference.stdout)
                    .unwrap_or_else(|err| panic!("{}: no JSON ({err})", case.name));
                assert_eq!(
                    prop(&value["configuration"], key),
                    expected,
                    "{}: {value:#}",
                    case.name
                );
            }
            None => assert_ne!(
                reference.status.code(),
                Some(0),
                "{}: {}",
                case.name,
                describe(&reference)
            ),
        }
    }
}

#[test]
fn several_config_files_are_an_error_that_lists_them() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("failed to make a temp dir: {err}"));
    for relative in [
        ".devcontainer/devcontainer.json",
        ".devcontainer/gpu/devcontainer.json",
    ] {
        let path = dir.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap_or(dir.path()))
            .unwrap_or_else(|err| panic!("failed to create {}: {err}", path.display()));
        std::fs::write(&path, r#"{"image": "python:3.11"}"#)
            .unwrap_or_else(|err| panic!("failed to write {}: {err}", path.display()));
    }
    let output = berth_read(dir.path(), None, false);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let message = String::from_utf8_lossy(&output.stdout);
    assert!(message.contains("--config"), "{message}");
    assert!(
        message.contains(".devcontainer/gpu/devcontainer.json"),
        "{message}"
    );

    let gpu = dir.path().join(".devcontainer/gpu/devcontainer.json");
    let chosen = berth_json(dir.path(), Some(&gpu), false);
    assert_eq!(
        chosen["configFile"].as_str(),
        Some(gpu.to_string_lossy().as_ref())
    );
}

#[test]
fn compose_configurations_are_read_as_compose() {
    let (_dir, project) = copy_project(&corpus("valid").join("airflow"));
    let berth = berth_json(&project, None, false);
    assert_eq!(berth["source"], "compose");
    assert_eq!(berth["configuration"]["compose"]["service"], "airflow");
    let resolved =
        berth::devcontainer::load(&project, &berth::devcontainer::LoadOptions::default())
            .unwrap_or_else(|err| panic!("{err}"));
    assert!(resolved.ensure_supported().is_ok());
}

/// Every framework × target the golden tests render (the newest release of each
/// framework on the CPU and on each CUDA it has a build for; "none" on every CUDA), plus
/// a few with options.
fn generated_recipes() -> Vec<Vec<String>> {
    use berth::recipe::{CompatTable, Framework};
    let table = CompatTable::builtin().unwrap_or_else(|err| panic!("{err}"));
    let mut recipes = Vec::new();
    for framework in Framework::ALL {
        let id = framework.id().to_owned();
        recipes.push(vec![
            "--framework".into(),
            id.clone(),
            "--target".into(),
            "cpu".into(),
        ]);
        let cudas: Vec<String> = match table.newest(framework) {
            Some(row) => row.gpu.iter().map(|build| build.cuda.to_string()).collect(),
            None => table
                .cuda
                .iter()
                .map(|row| row.version.to_string())
                .collect(),
        };
        for cuda in cudas {
            recipes.push(
                ["--framework", &id, "--target", "gpu", "--cuda", &cuda]
                    .map(String::from)
                    .to_vec(),
            );
        }
    }
    let with_options: &[&[&str]] = &[
        &[
            "--framework",
            "pytorch",
            "--target",
            "gpu",
            "--mount",
            "/data:/data:ro",
        ],
        &["--framework", "jax", "--target", "cpu", "--python", "3.12"],
        &["--framework", "none", "--target", "cpu", "--pip", "numpy"],
    ];
    recipes.extend(
        with_options
            .iter()
            .map(|args| args.iter().map(|a| (*a).to_owned()).collect()),
    );
    recipes
}

#[test]
fn what_berth_new_writes_reads_the_same_in_berth_and_the_reference_cli() {
    let recipes = generated_recipes();
    assert!(recipes.len() >= 20, "only {} recipes", recipes.len());
    for args in &recipes {
        let dir =
            tempfile::tempdir().unwrap_or_else(|err| panic!("failed to make a temp dir: {err}"));
        let project = dir.path().join("thesis");
        let output = run(
            Command::new(env!("CARGO_BIN_EXE_berth"))
                .arg("new")
                .arg(&project)
                .args(args),
            "`berth new`",
        );
        assert!(
            output.status.success(),
            "berth new {args:?}: {}",
            describe(&output)
        );

        let reference = reference_json(&project, None, false);
        let berth = berth_json(&project, None, false);
        assert_agree(&format!("berth new {args:?}"), &reference, &berth);
        assert!(
            berth["warnings"].as_array().is_some_and(Vec::is_empty),
            "berth new {args:?}: {berth:#}"
        );
        // The files Berth writes are strict JSONC, through and through.
        let text = std::fs::read_to_string(project.join(".devcontainer/devcontainer.json"))
            .unwrap_or_else(|err| panic!("failed to read what berth new wrote: {err}"));
        berth::devcontainer::read_str(Path::new("devcontainer.json"), &text)
            .unwrap_or_else(|err| panic!("berth new {args:?} wrote an invalid file: {err}"));
    }
}
