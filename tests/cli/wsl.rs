//! `berth wsl show|set --file` run as a user runs them, on temporary copies of the
//! fixtures in `tests/fixtures/wslconfig/` (no engine needed).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn berth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(args)
        .output()
        .unwrap_or_else(|err| panic!("cannot run berth: {err}"))
}

/// A temporary folder holding `fixture` as `.wslconfig`.
fn copy_of(fixture: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".wslconfig");
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/wslconfig")
        .join(fixture);
    std::fs::copy(source, &path).unwrap();
    (dir, path)
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "not JSON ({err}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[test]
fn show_reads_the_values_and_recommends_8_gb_of_memory_and_swap() {
    let (_dir, path) = copy_of("docker-desktop.wslconfig");
    let output = berth(&["wsl", "show", "--file", path.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("memory      4GB"), "{text}");
    assert!(text.contains("(line 5)"), "{text}");
    // The memory recommended depends on this machine's memory; swap is always 8 GB.
    assert!(
        text.contains("recommended for deep-learning builds"),
        "{text}"
    );
    assert!(text.contains(" swap=8GB"), "{text}");
}

#[test]
fn show_as_json_marks_a_value_wsl_does_not_read() {
    let (_dir, path) = copy_of("inline-comments.wslconfig");
    let output = berth(&["wsl", "show", "--json", "--file", path.to_str().unwrap()]);
    assert!(output.status.success());
    let report = json(&output);
    assert_eq!(report["settings"][0]["written"], "6GB");
    assert_eq!(report["settings"][1]["source"], "ignored");
    assert!(report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains("use '#'")));
}

#[test]
fn set_as_json_writes_the_file_and_names_the_backup_which_holds_the_old_file() {
    let (_dir, path) = copy_of("crlf.wslconfig");
    let old = std::fs::read(&path).unwrap();
    let output = berth(&[
        "wsl",
        "set",
        "--memory",
        "8gb",
        "--swap",
        "8GB",
        "--json",
        "--file",
        path.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result = json(&output);
    assert_eq!(result["written"], true);
    assert_eq!(
        result["changes"][0],
        serde_json::json!({"key": "memory", "before": "4GB", "after": "8GB"})
    );
    let backup = PathBuf::from(result["backup"].as_str().unwrap());
    assert_eq!(std::fs::read(backup).unwrap(), old);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        b"[wsl2]\r\nmemory=8GB\r\nprocessors=4\r\nswap=8GB\r\n\r\n# keep me\r\n[experimental]\r\nautoMemoryReclaim=gradual\r\n"
    );
}

#[test]
fn set_on_a_utf16_file_fails_with_the_reason_and_leaves_it_untouched() {
    let (dir, path) = copy_of("utf16.wslconfig");
    let old = std::fs::read(&path).unwrap();
    let output = berth(&[
        "wsl",
        "set",
        "--memory",
        "8GB",
        "--json",
        "--file",
        path.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let error = json(&output);
    assert!(
        error["message"].as_str().unwrap().contains("only as UTF-8"),
        "{error}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), old);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no backup was made"
    );
}

#[test]
fn a_size_wsl_does_not_read_is_refused_naming_the_flag_and_the_value() {
    let (_dir, path) = copy_of("crlf.wslconfig");
    let output = berth(&[
        "wsl",
        "set",
        "--memory",
        "8 GiB",
        "--file",
        path.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--memory"), "{stderr}");
    assert!(stderr.contains("'8 GiB'"), "{stderr}");
}

#[cfg(not(windows))]
#[test]
fn apply_off_windows_is_refused_before_anything_is_written() {
    let (_dir, path) = copy_of("crlf.wslconfig");
    let old = std::fs::read(&path).unwrap();
    let output = berth(&[
        "wsl",
        "set",
        "--memory",
        "8GB",
        "--apply",
        "--yes",
        "--file",
        path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("wsl --shutdown"));
    assert_eq!(std::fs::read(&path).unwrap(), old);
}
