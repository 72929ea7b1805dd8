//! `berth doctor` and the Doctor's engine check, against the real engine and a dead one.

use std::process::Output;

use berth::host::doctor::{self, CheckId, CheckStatus};
use serde_json::Value;

use crate::support::engine;

/// The engine's version, asked independently of Berth.
async fn real_engine_version() -> String {
    let docker = engine::connect().await;
    let version = docker
        .version()
        .await
        .unwrap_or_else(|err| panic!("failed to ask the engine for its version: {err}"));
    version
        .version
        .unwrap_or_else(|| panic!("the engine did not report a version"))
}

/// Run `berth doctor --json`, optionally with `DOCKER_HOST` set; returns the output and
/// the parsed report.
async fn berth_doctor_json(docker_host: Option<&str>) -> (Output, Value) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_berth"));
    command.args(["doctor", "--json"]);
    if let Some(host) = docker_host {
        command.env("DOCKER_HOST", host);
    }
    let output = command
        .output()
        .await
        .unwrap_or_else(|err| panic!("failed to run `berth doctor --json`: {err}"));
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "`berth doctor --json` did not print JSON ({err})\n--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output, report)
}

#[tokio::test]
async fn names_the_real_engine_version() {
    let version = real_engine_version().await;

    let report = doctor::run().await;

    let check = report
        .checks
        .iter()
        .find(|check| check.id == CheckId::DockerEngine)
        .unwrap_or_else(|| panic!("no docker-engine check in {report:?}"));
    assert_eq!(check.status, CheckStatus::Ok, "{check:?}");
    assert!(
        check.summary.contains(&version),
        "summary {:?} does not name engine version {version:?}",
        check.summary
    );
    assert!(check.fix.is_none(), "{check:?}");
    assert!(report.healthy());
}

#[tokio::test]
async fn cli_prints_the_engine_version_as_json_and_exits_0() {
    let version = real_engine_version().await;

    let (output, report) = berth_doctor_json(None).await;

    assert_eq!(output.status.code(), Some(0), "{report:#}");
    assert_eq!(report["healthy"], true, "{report:#}");
    let check = &report["checks"][0];
    assert_eq!(check["id"], "docker-engine", "{report:#}");
    assert_eq!(check["status"], "ok", "{report:#}");
    let summary = check["summary"].as_str().unwrap_or_default();
    assert!(
        summary.contains(&version),
        "summary {summary:?} does not name engine version {version:?}"
    );
}

#[tokio::test]
async fn cli_blames_a_dead_docker_host_and_exits_1() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("failed to make a temp dir: {err}"));
    let dead = format!("unix://{}", dir.path().join("dead.sock").display());

    let (output, report) = berth_doctor_json(Some(&dead)).await;

    assert_eq!(output.status.code(), Some(1), "{report:#}");
    assert_eq!(report["healthy"], false, "{report:#}");
    let check = &report["checks"][0];
    assert_eq!(check["id"], "docker-engine", "{report:#}");
    assert_eq!(check["status"], "failed", "{report:#}");
    let summary = check["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("not running"), "{report:#}");
    assert!(
        summary.contains(&dead),
        "summary does not name {dead}: {report:#}"
    );
    let fix = &check["fix"];
    let description = fix["description"].as_str().unwrap_or_default();
    let command = fix["command"].as_str().unwrap_or_default();
    assert!(
        description.contains("DOCKER_HOST") && command.contains("DOCKER_HOST"),
        "the fix does not mention DOCKER_HOST: {report:#}"
    );
}
