//! `berth code` end to end: the real binary, with a recording `code` stand-in on the
//! child's PATH (VS Code itself cannot be installed where the tests run).
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Output;

use berth::devcontainer::LoadOptions;
use berth::vscode::{self, HostOs};

/// A temp folder holding a `code` stand-in (in `bin/`) that writes each argument on a
/// line of `argv.log` and answers `--list-extensions` with `extensions`, and a project
/// folder `my project` with a devcontainer.json.
pub struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    pub fn new(extensions: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let listed: String = extensions.iter().map(|e| format!("{e}\\n")).collect();
        let script = format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> '{}'; done\nif [ \"$1\" = --list-extensions ]; then printf '{listed}'; fi\n",
            dir.path().join("argv.log").display()
        );
        std::fs::write(bin.join("code"), script).unwrap();
        std::fs::set_permissions(bin.join("code"), std::fs::Permissions::from_mode(0o755)).unwrap();
        let project = dir.path().join("my project");
        std::fs::create_dir_all(project.join(".devcontainer")).unwrap();
        std::fs::write(
            project.join(".devcontainer/devcontainer.json"),
            "{\n  // JSONC, as VS Code reads it\n  \"image\": \"ubuntu:24.04\",\n}\n",
        )
        .unwrap();
        Self { dir }
    }

    fn project(&self) -> PathBuf {
        self.dir.path().join("my project")
    }

    fn code(&self) -> PathBuf {
        self.dir.path().join("bin/code")
    }

    /// Run `berth` with `args`, the stand-in first on PATH (or no `code` at all).
    pub fn berth(&self, args: &[&str], with_code: bool) -> Output {
        let mut dirs = vec![PathBuf::from("/usr/bin"), PathBuf::from("/bin")];
        if with_code {
            dirs.insert(0, self.dir.path().join("bin"));
        }
        let path = std::env::join_paths(dirs).unwrap();
        std::process::Command::new(env!("CARGO_BIN_EXE_berth"))
            .args(args)
            .env("PATH", path)
            .env_remove("WSL_DISTRO_NAME")
            .output()
            .unwrap()
    }

    pub fn recorded(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("argv.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn berth_code_opens_the_project_in_its_dev_container() {
    let setup = Setup::new(&["ms-python.python", "ms-vscode-remote.remote-containers"]);
    let project = setup.project();
    let output = setup.berth(&["code", project.to_str().unwrap()], true);
    assert!(output.status.success(), "{}", stderr(&output));

    let expected = vscode::project(&HostOs::Unix, &project, &LoadOptions::default())
        .unwrap()
        .uri;
    let json = format!(
        r#"{{"hostPath":"{0}","configFile":{{"$mid":1,"path":"{0}/.devcontainer/devcontainer.json","scheme":"file"}}}}"#,
        project.display()
    );
    let hex: String = json.bytes().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        expected,
        format!("vscode-remote://dev-container+{hex}/workspaces/my%20project")
    );
    assert_eq!(
        setup.recorded(),
        ["--list-extensions", "--folder-uri", expected.as_str()]
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("/workspaces/my project"), "{stdout}");
}

#[test]
fn berth_code_json_prints_the_uri_the_code_used_and_the_command_line() {
    let setup = Setup::new(&["ms-vscode-remote.remote-containers"]);
    let project = setup.project();
    let output = setup.berth(&["code", project.to_str().unwrap(), "--json"], true);
    assert!(output.status.success(), "{}", stderr(&output));
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let uri = printed["uri"].as_str().unwrap();
    assert!(uri.starts_with("vscode-remote://dev-container+7b22686f737450617468223a"));
    let code = setup.code();
    assert_eq!(printed["code"], code.to_str().unwrap());
    assert_eq!(
        printed["command"],
        serde_json::json!([code.to_str().unwrap(), "--folder-uri", uri])
    );
    assert_eq!(printed["workspaceFolder"], "/workspaces/my project");
    assert!(printed["note"]
        .as_str()
        .is_some_and(|n| n.contains("VS Code")));
}

#[test]
fn berth_code_container_attaches_to_a_running_container_by_its_encoded_name() {
    let setup = Setup::new(&["ms-vscode-remote.remote-containers"]);
    let output = setup.berth(
        &[
            "code",
            "--container",
            "berth-thesis-1a2b3c4d",
            "--folder",
            "/workspaces/thesis",
        ],
        true,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    // hex of {"containerName":"/berth-thesis-1a2b3c4d"}
    let uri = "vscode-remote://attached-container+7b22636f6e7461696e65724e616d65223a222f62657274682d7468657369732d3161326233633464227d/workspaces/thesis";
    assert_eq!(setup.recorded(), ["--list-extensions", "--folder-uri", uri]);
}

#[test]
fn without_code_on_path_berth_code_says_how_to_install_it() {
    let setup = Setup::new(&[]);
    let output = setup.berth(&["code", setup.project().to_str().unwrap()], false);
    assert!(!output.status.success());
    let text = stderr(&output);
    assert!(
        text.contains(
            "VS Code's `code` command was not found: install VS Code and put `code` on PATH"
        ),
        "{text}"
    );
    assert!(setup.recorded().is_empty());
}

#[test]
fn without_the_dev_containers_extension_berth_code_names_it_and_opens_nothing() {
    let setup = Setup::new(&["ms-python.python", "ms-vscode-remote.remote-ssh"]);
    let output = setup.berth(&["code", setup.project().to_str().unwrap()], true);
    assert!(!output.status.success());
    let text = stderr(&output);
    assert!(
        text.contains("`code --install-extension ms-vscode-remote.remote-containers`"),
        "{text}"
    );
    assert_eq!(setup.recorded(), ["--list-extensions"]);
}

#[test]
fn a_folder_without_a_devcontainer_json_points_to_berth_new() {
    let setup = Setup::new(&["ms-vscode-remote.remote-containers"]);
    let empty = setup.dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let output = setup.berth(&["code", empty.to_str().unwrap()], true);
    assert!(!output.status.success());
    let text = stderr(&output);
    assert!(
        text.contains(&format!("create one with `berth new {}`", empty.display())),
        "{text}"
    );
    assert!(setup.recorded().is_empty());
}
