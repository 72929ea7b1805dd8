//! `cargo xtask package [--check]`: the Debian package of the desktop app, made by the Tauri
//! bundler (`@tauri-apps/cli` from the UI's npm packages) from the release build; with
//! `--check`, installed with `dpkg -i`, started under Xvfb until its window paints and its
//! log says it started, then removed again.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::display::VirtualDisplay;
use crate::startup;
use crate::system::{self, run_checked, Package};

/// Where the package installs the app (the bundler names it after the cargo binary).
const INSTALLED_BINARY: &str = "/usr/bin/berth-desktop";

/// The bundler would take the root package's binary (the `berth` CLI) for the app.
const MAIN_BINARY: &str = r#"{"mainBinaryName":"berth-desktop"}"#;

/// How long the installed app may take to paint its window.
const PAINT_LIMIT: Duration = Duration::from_secs(60);

/// Build `target/release/bundle/deb/*.deb`; returns its path.
pub fn build(cargo: impl Fn() -> Command, target: &Path) -> Result<PathBuf> {
    let root = system::repo_root();
    let tauri = root.join("ui/node_modules/.bin/tauri");
    if !tauri.is_file() {
        bail!(
            "the Tauri CLI is missing at {}: run `npm --prefix ui ci`",
            tauri.display()
        );
    }
    system::build_ui()?;
    run_checked(
        cargo().args(["build", "--release", "--package", "berth-desktop"]),
        "building the release desktop binary (cargo build --release -p berth-desktop)",
    )?;
    let debs = target.join("release/bundle/deb");
    let _ = std::fs::remove_dir_all(&debs);
    run_checked(
        Command::new(&tauri)
            .args([
                "bundle",
                "--bundles",
                "deb",
                "--ci",
                "--config",
                MAIN_BINARY,
            ])
            .current_dir(&root)
            // The one app configuration is at the root, beside the core's Cargo.toml:
            // the bundler is told which binary of the release build above is the app.
            .env("TAURI_APP_PATH", &root)
            .env("CARGO_TARGET_DIR", target),
        "making the .deb with the Tauri bundler (tauri bundle --bundles deb)",
    )?;
    let deb = std::fs::read_dir(&debs)
        .with_context(|| format!("the bundler made no folder {}", debs.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|e| e == "deb"))
        .with_context(|| format!("the bundler made no .deb in {}", debs.display()))?;
    let size = std::fs::metadata(&deb)?.len();
    println!(
        "==> {} ({:.1} MiB)",
        deb.display(),
        size as f64 / (1024.0 * 1024.0)
    );
    Ok(deb)
}

/// The `Package:` field of a .deb.
fn package_name(deb: &Path) -> Result<String> {
    let out = Command::new("dpkg-deb")
        .args(["--field"])
        .arg(deb)
        .arg("Package")
        .output()
        .context("failed to run dpkg-deb")?;
    let name = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if !out.status.success() || name.is_empty() {
        bail!("cannot read the package name of {}", deb.display());
    }
    Ok(name)
}

/// Install `deb`, start the installed app under Xvfb until it paints and logs that it
/// started, then remove the package (also when the check fails).
pub fn check(deb: &Path, output: &Path) -> Result<()> {
    system::install_packages(&[
        &Package {
            name: "xvfb",
            why: "a virtual X display to start the installed app on",
        },
        &Package {
            name: "imagemagick",
            why: "reads the virtual screen to see the window paint",
        },
    ])?;
    let name = package_name(deb)?;
    let installed = install(deb);
    let result = installed.and_then(|()| launch_installed(output));
    let removed = run_checked(
        system::as_root("dpkg")?.args(["-r", &name]),
        &format!("removing the package again (dpkg -r {name})"),
    );
    result?;
    removed?;
    if Path::new(INSTALLED_BINARY).exists() {
        bail!("{INSTALLED_BINARY} is still there after `dpkg -r {name}`");
    }
    println!("==> the .deb installs, starts, paints its window and removes cleanly");
    Ok(())
}

/// `dpkg -i`, then `apt-get install -f` when dpkg stopped for missing dependencies.
fn install(deb: &Path) -> Result<()> {
    println!("==> installing {} (dpkg -i)", deb.display());
    let status = system::as_root("dpkg")?.arg("-i").arg(deb).status()?;
    if !status.success() {
        run_checked(
            system::as_root("apt-get")?
                .env("DEBIAN_FRONTEND", "noninteractive")
                .args(["install", "-f", "-y", "-q"]),
            "installing the package's missing dependencies (apt-get install -f)",
        )?;
    }
    if !Path::new(INSTALLED_BINARY).is_file() {
        bail!("the package installed no {INSTALLED_BINARY}");
    }
    Ok(())
}

fn launch_installed(output: &Path) -> Result<()> {
    let display = VirtualDisplay::start(output)?;
    let logs = output.join("installed-app-logs");
    let _ = std::fs::remove_dir_all(&logs);
    println!(
        "==> starting {INSTALLED_BINARY} on DISPLAY={}",
        display.name
    );
    let started = Instant::now();
    let mut child = Command::new(INSTALLED_BINARY)
        .env("DISPLAY", &display.name)
        .env("BERTH_LOG_DIR", &logs)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("failed to start {INSTALLED_BINARY}"))?;
    let painted = loop {
        if startup::screenshot(&display.name)?.colours > startup::PAINTED_COLOURS {
            break started.elapsed();
        }
        if let Some(status) = child.try_wait()? {
            bail!(
                "the installed app exited before painting ({status}); see {}",
                logs.display()
            );
        }
        if started.elapsed() > PAINT_LIMIT {
            startup::stop(&mut child);
            bail!(
                "the installed app painted nothing within {} s",
                PAINT_LIMIT.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let shot = output.join("installed-app.png");
    let _ = Command::new("import")
        .args(["-silent", "-window", "root"])
        .arg(&shot)
        .env("DISPLAY", &display.name)
        .status();
    startup::stop(&mut child);
    let logged = std::fs::read_dir(&logs)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
        .any(|text| text.contains("Berth desktop starting"));
    if !logged {
        bail!(
            "the installed app painted but its log in {} never says 'Berth desktop starting'",
            logs.display()
        );
    }
    println!(
        "==> the installed app painted its window after {:.2} s (screenshot {})",
        painted.as_secs_f64(),
        shot.display()
    );
    Ok(())
}
