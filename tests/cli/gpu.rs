//! `berth gpu --watch` in a real pseudo-terminal, replaying the recorded H200 under load.

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/gpu")
        .join(name)
}

/// A pseudo-terminal pair: (master, slave), 100 columns by 40 rows.
fn pty() -> (std::fs::File, OwnedFd) {
    let mut master = -1;
    let mut slave = -1;
    let size = libc::winsize {
        ws_row: 40,
        ws_col: 100,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two fresh descriptors into the out-parameters.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty failed: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and are owned here alone.
    unsafe {
        (
            std::fs::File::from_raw_fd(master),
            OwnedFd::from_raw_fd(slave),
        )
    }
}

/// Start `berth gpu ARGS` with its stdout on a terminal; the engine is pointed nowhere
/// so the view does not wait for one.
fn watch(args: &[&str]) -> (std::process::Child, std::fs::File) {
    let (master, slave) = pty();
    let child = Command::new(env!("CARGO_BIN_EXE_berth"))
        .arg("gpu")
        .args(args)
        .env("DOCKER_HOST", "unix:///nonexistent/berth-test.sock")
        .stdin(Stdio::null())
        .stdout(Stdio::from(slave))
        .stderr(Stdio::piped())
        .spawn()
        .expect("failed to start berth");
    (child, master)
}

/// Read the terminal until the child closes it (EIO once the slave side is gone).
fn drain(mut master: std::fs::File) -> String {
    let mut all = Vec::new();
    let mut buf = [0_u8; 8192];
    loop {
        match master.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => all.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&all).into_owned()
}

#[test]
fn watch_draws_a_live_view_of_each_sample_in_a_terminal() {
    let load = fixture("load.jsonl");
    let (mut child, master) = watch(&[
        "--watch",
        "--replay",
        load.to_str().unwrap(),
        "--interval",
        "100",
        "--count",
        "5",
    ]);
    let reader = std::thread::spawn(move || drain(master));
    let status = child.wait().unwrap();
    let screen = reader.join().unwrap();
    assert!(status.success(), "{status}: {screen}");
    // Five frames, each drawn from the top of the screen with the rest cleared.
    assert_eq!(
        screen
            .matches("\x1b[HBerth GPU view: replay of load.jsonl")
            .count(),
        5,
        "{screen}"
    );
    assert!(screen.contains("\x1b[J"), "{screen:?}");
    for wanted in [
        "GPU 0  NVIDIA H200  00000000:00:06.0",
        "util    [##############################] 100 %",
        "1.1 GB / 150.8 GB",
        "temp 56 °C",
        "/ 700 W",
        "fan n/a",
        "clocks held down by: software power cap",
        "463",
        "python3",
    ] {
        assert!(screen.contains(wanted), "missing {wanted:?} in {screen}");
    }
    // The recording's clock runs on: its fifth sample is 4 s after the first.
    assert!(
        screen.contains("t = 0.0 s") && screen.contains("t = 4.0 s"),
        "{screen}"
    );
}

#[test]
fn ctrl_c_ends_the_view_cleanly() {
    let idle = fixture("idle.jsonl");
    let (mut child, master) = watch(&[
        "--watch",
        "--replay",
        idle.to_str().unwrap(),
        "--interval",
        "50",
    ]);
    let reader = std::thread::spawn(move || drain(master));
    std::thread::sleep(Duration::from_millis(600));
    // SAFETY: the child's pid, still running (it has no --count).
    let rc = unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    assert_eq!(rc, 0);
    let begun = Instant::now();
    let status = child.wait().unwrap();
    let screen = reader.join().unwrap();
    assert!(begun.elapsed() < Duration::from_secs(5));
    assert!(status.success(), "{status}");
    assert!(screen.contains("clocks held down by: idle"), "{screen}");
}

#[test]
fn without_a_driver_gpu_says_so_and_exits_1() {
    let output = Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(["gpu", "--json"])
        .env("DOCKER_HOST", "unix:///nonexistent/berth-test.sock")
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    if report["state"] == "ready" {
        // A machine with an NVIDIA driver: the readings are there instead.
        assert!(output.status.success());
        assert!(!report["gpus"].as_array().unwrap().is_empty());
        return;
    }
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(report["state"], "no-driver");
    assert!(report["message"]
        .as_str()
        .unwrap()
        .contains("no NVIDIA driver found"));
}

#[test]
fn a_recording_replays_as_it_was_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = dir.path().join("rec.jsonl");
    let output = Command::new(env!("CARGO_BIN_EXE_berth"))
        .arg("gpu")
        .args(["--replay", fixture("after.jsonl").to_str().unwrap()])
        .args([
            "--record",
            recorded.to_str().unwrap(),
            "--interval",
            "20",
            "--count",
            "3",
        ])
        .env("DOCKER_HOST", "unix:///nonexistent/berth-test.sock")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let original: Vec<serde_json::Value> = std::fs::read_to_string(fixture("after.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let copy: Vec<serde_json::Value> = std::fs::read_to_string(&recorded)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(copy.len(), 3);
    for (a, b) in original.iter().zip(&copy) {
        // The same readings; the replay's clock starts at 0.
        assert_eq!(a["gpus"], b["gpus"]);
        assert_eq!(a["driver_version"], b["driver_version"]);
    }
}
