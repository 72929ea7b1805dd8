//! `berth doctor` on what needs no engine: VS Code and its extension found through a
//! recording `code` stand-in, and the fix Berth runs itself.
#![cfg(unix)]

use crate::code::Setup;

fn report(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "not JSON ({err}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn check<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} check in {report}"))
}

#[test]
fn a_missing_dev_containers_extension_is_a_fix_berth_runs_itself() {
    let setup = Setup::new(&["ms-python.python"]);
    let output = setup.berth(&["doctor", "--json"], true);
    let report = report(&output);
    let vscode = check(&report, "vscode");
    assert_eq!(vscode["status"], "warning", "{vscode}");
    assert_eq!(
        vscode["fix"]["action"], "install-dev-containers",
        "{vscode}"
    );
    assert_eq!(
        vscode["fix"]["command"],
        "code --install-extension ms-vscode-remote.remote-containers"
    );

    let fixed = setup.berth(&["doctor", "--fix", "install-dev-containers"], true);
    assert!(
        fixed.status.success(),
        "{}",
        String::from_utf8_lossy(&fixed.stderr)
    );
    let recorded = setup.recorded();
    assert!(
        recorded
            .windows(2)
            .any(|w| w == ["--install-extension", "ms-vscode-remote.remote-containers"]),
        "{recorded:?}"
    );
}

#[test]
fn vscode_with_the_extension_passes_and_without_code_says_how_to_get_it() {
    let setup = Setup::new(&["MS-VSCode-Remote.Remote-Containers"]);
    let with = report(&setup.berth(&["doctor", "--json"], true));
    assert_eq!(check(&with, "vscode")["status"], "ok");
    let without = report(&setup.berth(&["doctor", "--json"], false));
    let vscode = check(&without, "vscode");
    assert_eq!(vscode["status"], "warning");
    assert!(
        vscode["summary"]
            .as_str()
            .unwrap()
            .contains("VS Code not found"),
        "{vscode}"
    );
    assert_eq!(vscode["fix"]["action"], serde_json::Value::Null);
}

#[test]
fn every_check_is_there_with_a_stable_id() {
    let setup = Setup::new(&[]);
    let report = report(&setup.berth(&["doctor", "--json"], true));
    let ids: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    for id in [
        "docker-engine",
        "nvidia-driver",
        "nvidia-runtime",
        "disk",
        "vscode",
        "keyring",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    assert!(report["host"]["cpus"].as_u64().unwrap() >= 1, "{report}");
    assert_eq!(
        report["host"]["wsl"],
        std::env::var_os("WSL_DISTRO_NAME").is_some()
    );
    // The WSL check appears only where WSL is.
    assert!(!ids.contains(&"wsl-memory") || std::env::var_os("WSL_DISTRO_NAME").is_some());
}

#[test]
fn an_unknown_fix_is_refused_with_the_ones_there_are() {
    let setup = Setup::new(&[]);
    let output = setup.berth(&["doctor", "--fix", "format-disk"], true);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("install-dev-containers") && stderr.contains("set-wsl-memory"),
        "{stderr}"
    );
}
