//! The tasks themselves: `run`, `test` and `setup`, as ordered steps with timings.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::display::VirtualDisplay;
use crate::system::{self, Package};
use crate::{engine, system::run_checked};

/// The Windows target the core is cross-checked against.
const WINDOWS_TARGET: &str = "x86_64-pc-windows-gnu";

/// Times each named step and prints a summary at the end.
struct Steps {
    started: Instant,
    done: Vec<(String, Duration)>,
}

impl Steps {
    fn new() -> Self {
        Self {
            started: Instant::now(),
            done: Vec::new(),
        }
    }

    fn step<T>(&mut self, name: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
        let started = Instant::now();
        let out = work().with_context(|| format!("step '{name}' failed"))?;
        self.done.push((name.to_owned(), started.elapsed()));
        Ok(out)
    }

    fn summary(&self) {
        println!("\n==> timings");
        for (name, took) in &self.done {
            println!("      {:<44} {:>7.1} s", name, took.as_secs_f64());
        }
        println!(
            "      {:<44} {:>7.1} s",
            "total",
            self.started.elapsed().as_secs_f64()
        );
    }
}

/// The cargo that runs this xtask, so nested builds use the same toolchain.
fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(system::repo_root());
    command
}

/// The workspace's target directory, as cargo resolves it.
fn target_dir() -> Result<PathBuf> {
    let out = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .context("failed to run cargo metadata")?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .context("cargo metadata gave no target_directory")
}

/// Install what the app (and, with `for_tests`, the tests) need.
fn install_prerequisites(for_tests: bool) -> Result<Option<PathBuf>> {
    system::require_debian_like()?;
    let mut packages: Vec<&Package> = system::APP_PACKAGES.iter().collect();
    if for_tests {
        packages.extend(
            system::TEST_PACKAGES
                .iter()
                // Another engine (Docker CE, Desktop, a remote DOCKER_HOST) is fine as it is.
                .filter(|p| p.name != "docker.io" || engine::engine_missing()),
        );
    }
    system::install_packages(&packages)?;
    system::require_node()?;
    system::npm_dependencies("ui", "the UI's Node packages")?;
    if for_tests {
        system::npm_dependencies(
            "tests/tools",
            "the reference Dev Containers CLI the tests compare with",
        )?;
        return system::tauri_driver().map(Some);
    }
    Ok(None)
}

/// `cargo xtask setup`: install everything `run` and `test` need, and nothing else.
pub fn setup() -> Result<()> {
    install_prerequisites(true)?;
    println!("==> everything `cargo xtask run` and `cargo xtask test` need is installed");
    Ok(())
}

/// `cargo xtask run`: install what is missing, build the UI, open the window.
pub fn run() -> Result<()> {
    install_prerequisites(false)?;
    system::build_ui()?;
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        bail!(
            "no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset): run this \
             from a desktop session, over `ssh -X`, or under `xvfb-run cargo xtask run`"
        );
    }
    run_checked(
        cargo().args(["run", "--package", "berth-desktop"]),
        "building and opening the Berth window (cargo run -p berth-desktop)",
    )
}

/// `cargo xtask bench`: `berth up` vs `devcontainer up` vs raw docker, ratios printed;
/// then the GPU sampler's cost at 1 Hz.
pub fn bench() -> Result<()> {
    let tauri_driver = install_prerequisites(true)?.context("tauri-driver path missing")?;
    let target = target_dir()?;
    let output = target.join("test-output");
    std::fs::create_dir_all(&output)?;
    engine::ensure_running(&output)?;
    run_checked(
        cargo().args(["build", "--release", "--bin", "berth"]),
        "building the release berth binary the benchmark times (cargo build --release)",
    )?;
    run_checked(
        cargo()
            .args(["bench", "--bench", "up"])
            .env("BERTH_BIN", target.join("release/berth"))
            .env("BERTH_TEST_OUTPUT", &output),
        "timing berth up, devcontainer up and raw docker (cargo bench --bench up)",
    )?;
    run_checked(
        cargo().args(["bench", "--bench", "gpu"]),
        "measuring the GPU sampler's cost at 1 Hz (cargo bench --bench gpu)",
    )?;
    system::build_ui()?;
    run_checked(
        cargo().args(["build", "--package", "berth-desktop"]),
        "building the desktop binary the window benchmarks drive",
    )?;
    let display = VirtualDisplay::start(&output)?;
    run_checked(
        cargo()
            .args([
                "test",
                "--test",
                "window",
                "perf",
                "--",
                "--ignored",
                "--nocapture",
            ])
            .args(["--test-threads", "1"])
            .env("DISPLAY", &display.name)
            .env("TAURI_DRIVER", &tauri_driver)
            .env("BERTH_DESKTOP_BIN", target.join("debug/berth-desktop"))
            .env("BERTH_TEST_OUTPUT", &output),
        "measuring the window: GPU dashboard CPU, a 100k-line log (cargo test --test window perf)",
    )
}

/// `cargo xtask startup [--release] [RUNS]`: build Berth and the minimal Tauri app it is
/// measured against in one cargo run (so they share every dependency's build), then time
/// their starts side by side as a user meets them.
pub fn startup(args: &[String]) -> Result<()> {
    let release = args.iter().any(|a| a == "--release");
    let runs = match args.iter().find(|a| *a != "--release") {
        Some(n) => n
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .with_context(|| format!("RUNS must be a positive number, not '{n}'"))?,
        None => 5,
    };
    install_prerequisites(false)?;
    system::build_ui()?;
    let mut build = cargo();
    build.args([
        "build",
        "--package",
        "berth-desktop",
        "--package",
        "minimal-tauri",
    ]);
    if release {
        build.arg("--release");
    }
    run_checked(
        &mut build,
        "building Berth's desktop binary and the minimal Tauri app beside it",
    )?;
    let target = target_dir()?;
    let profile = target.join(if release { "release" } else { "debug" });
    crate::startup::run(
        runs,
        profile.join("berth-desktop"),
        profile.join("minimal-tauri"),
        &target.join("startup"),
    )
}

/// `cargo xtask package [--check]`: build the `.deb`; with `--check`, install it, start
/// the installed app under Xvfb until it paints, and remove it.
pub fn package(args: &[String]) -> Result<()> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        other => bail!("package takes only --check, not '{}'", other.join(" ")),
    };
    install_prerequisites(false)?;
    let target = target_dir()?;
    let deb = crate::package::build(cargo, &target)?;
    if check {
        let output = target.join("test-output");
        std::fs::create_dir_all(&output)?;
        crate::package::check(&deb, &output)?;
    }
    Ok(())
}

/// `cargo xtask test`: every check and test the project has, in one command.
pub fn test(cargo_test_args: &[String]) -> Result<()> {
    let mut steps = Steps::new();
    let tauri_driver = steps
        .step("install prerequisites", || install_prerequisites(true))?
        .context("tauri-driver path missing")?;
    let root = system::repo_root();
    let target = target_dir()?;
    let output = target.join("test-output");
    std::fs::create_dir_all(&output)?;

    steps.step("ui: svelte-check", || {
        run_checked(
            Command::new("npm")
                .args(["run", "check"])
                .current_dir(root.join("ui")),
            "type-checking the web UI (svelte-check)",
        )
    })?;
    steps.step("ui: vitest", || {
        run_checked(
            Command::new("npm")
                .args(["test"])
                .current_dir(root.join("ui")),
            "running the UI's component tests (vitest)",
        )
    })?;
    steps.step("ui: vite build", system::build_ui)?;
    steps.step("cargo fmt --check", || {
        run_checked(
            cargo().args(["fmt", "--all", "--", "--check"]),
            "checking formatting (cargo fmt --check)",
        )
    })?;
    steps.step("cargo clippy", || {
        run_checked(
            cargo().args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
            "linting (cargo clippy --workspace --all-targets -D warnings)",
        )
    })?;
    steps.step("docker engine", || engine::ensure_running(&output))?;
    let display = steps.step("xvfb", || VirtualDisplay::start(&output))?;
    steps.step("build desktop binary", || {
        run_checked(
            cargo().args(["build", "--package", "berth-desktop"]),
            "building the desktop binary the window tests drive",
        )
    })?;
    steps.step("cargo test --workspace", || {
        // The keyring tests need a session keyring of their own (keyutils refuses to
        // find keys in the user's fallback session): `keyctl session -` gives one.
        let cargo_path = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut test = Command::new("keyctl");
        test.current_dir(system::repo_root())
            .args(["session", "-", &cargo_path]);
        run_checked(
            // The minimal Tauri app is only the startup benchmark's yardstick: no tests.
            test.args(["test", "--workspace", "--exclude", "minimal-tauri"])
                .args(cargo_test_args)
                .env("DISPLAY", &display.name)
                .env("TAURI_DRIVER", &tauri_driver)
                .env("BERTH_DESKTOP_BIN", target.join("debug/berth-desktop"))
                .env("BERTH_TEST_OUTPUT", &output)
                // Features fetched by the tests stay out of the user's own cache.
                .env("BERTH_CACHE_DIR", output.join("berth-cache")),
            "running unit, engine and window tests (cargo test --workspace)",
        )
    })?;
    drop(display);
    steps.step("generated TypeScript is committed", bindings_committed)?;
    steps.step("windows cross-check", windows_check)?;
    steps.summary();
    println!("==> test output (screenshots, logs): {}", output.display());
    Ok(())
}

/// The tests regenerate `ui/src/bindings` from the Rust transport types (ts-rs); fail
/// when that changed anything, so the committed UI always matches the core.
fn bindings_committed() -> Result<()> {
    let root = system::repo_root();
    if !root.join(".git").exists() {
        println!("==> not a git checkout: skipping the generated-TypeScript freshness check");
        return Ok(());
    }
    let out = Command::new("git")
        .args(["status", "--porcelain", "--", "ui/src/bindings"])
        .current_dir(&root)
        .output()
        .context("failed to run git status")?;
    let changed = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || !changed.trim().is_empty() {
        bail!(
            "the generated TypeScript in ui/src/bindings differs from the Rust types:\n{changed}\
             commit the regenerated files (they are written by `cargo test`)"
        );
    }
    Ok(())
}

/// `cargo check` the core and the shell for Windows so Windows-only code cannot rot.
fn windows_check() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).contains(WINDOWS_TARGET));
    match installed {
        Ok(true) => {}
        Ok(false) => run_checked(
            Command::new("rustup").args(["target", "add", WINDOWS_TARGET]),
            "adding the Windows target for the cross-check (rustup target add)",
        )?,
        Err(_) => bail!(
            "rustup is not available, so the Windows cross-check cannot run; install Rust with \
             rustup (https://rustup.rs)"
        ),
    }
    run_checked(
        cargo().args(["check", "--package", "berth", "--package", "berth-desktop", "--target", WINDOWS_TARGET]),
        "checking the core and the desktop shell for Windows (cargo check --target x86_64-pc-windows-gnu)",
    )
}
