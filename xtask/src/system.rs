//! The machine under the project: which OS, how to become root, which Debian packages
//! and tools are present, and installing the missing ones (saying what and why).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

/// A Debian package the project needs, and why, for the message shown before installing.
pub struct Package {
    /// The Debian package name.
    pub name: &'static str,
    /// What it is for, in a few words.
    pub why: &'static str,
}

/// What the desktop app needs to build and run (Tauri v2's Linux prerequisites).
pub const APP_PACKAGES: &[Package] = &[
    Package {
        name: "build-essential",
        why: "C compiler and linker for native crates",
    },
    Package {
        name: "pkg-config",
        why: "finds the GTK/WebKit libraries",
    },
    Package {
        name: "libwebkit2gtk-4.1-dev",
        why: "the WebKitGTK web view the window draws with",
    },
    Package {
        name: "libgtk-3-dev",
        why: "GTK 3, the window toolkit",
    },
    Package {
        name: "libsoup-3.0-dev",
        why: "HTTP library WebKitGTK uses",
    },
    Package {
        name: "libjavascriptcoregtk-4.1-dev",
        why: "WebKitGTK's JavaScript engine",
    },
    Package {
        name: "libxdo-dev",
        why: "keyboard shortcuts in menus",
    },
    Package {
        name: "librsvg2-dev",
        why: "SVG icons",
    },
    Package {
        name: "libayatana-appindicator3-dev",
        why: "tray icon support",
    },
    Package {
        name: "file",
        why: "bundler file-type checks",
    },
];

/// What the tests need on top of the app's packages.
pub const TEST_PACKAGES: &[Package] = &[
    Package {
        name: "docker.io",
        why: "Debian's Docker engine (dockerd) the engine tests talk to",
    },
    Package {
        name: "xvfb",
        why: "a virtual X display for the window tests",
    },
    Package {
        name: "webkit2gtk-driver",
        why: "WebKitWebDriver, which tauri-driver drives the window through",
    },
    Package {
        name: "debootstrap",
        why: "builds the hermetic Debian base image (nothing can be pulled)",
    },
    Package {
        name: "busybox-static",
        why: "the tiny FROM-scratch test image",
    },
    Package {
        name: "docker-compose",
        why: "Docker Compose (v1, Debian's) for the Compose configuration tests",
    },
    Package {
        name: "docker-registry",
        why: "a real OCI registry on loopback that the Features tests publish to",
    },
    Package {
        name: "apache2-utils",
        why: "htpasswd, for the registry that asks for a password",
    },
    Package {
        name: "keyutils",
        why: "a kernel keyring session for the keyring tests",
    },
    Package {
        name: "dbus-daemon",
        why: "dbus-run-session: a private session bus for the Secret Service keyring test",
    },
    Package {
        name: "gnome-keyring",
        why: "the Secret Service a Linux desktop keeps registry tokens in (keyring test)",
    },
    Package {
        name: "libsecret-tools",
        why: "secret-tool, which reads back what Berth kept in the Secret Service",
    },
    Package {
        name: "ca-certificates",
        why: "TLS for the package registries",
    },
    Package {
        name: "gcc-mingw-w64-x86-64",
        why: "C cross-compiler for the Windows cross-check (ring)",
    },
];

/// The repository root (the parent of `xtask/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the repository root")
        .to_path_buf()
}

/// Stop with a clear message unless this is a Debian-like Linux, the only OS the
/// installer knows; elsewhere it says what to install by hand.
pub fn require_debian_like() -> Result<()> {
    if !cfg!(target_os = "linux") {
        bail!(
            "`cargo xtask` installs prerequisites only on Debian/Ubuntu. On this OS install by hand: \
             Rust, Node.js >= 20.19 with npm, the Tauri v2 prerequisites \
             (https://v2.tauri.app/start/prerequisites/) and Docker Desktop, then run \
             `npm --prefix ui ci && npm --prefix ui run build && cargo run -p berth-desktop`"
        );
    }
    let os_release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let debian_like = Path::new("/etc/debian_version").exists()
        || os_release.lines().any(|line| {
            let line = line.to_ascii_lowercase();
            (line.starts_with("id=") || line.starts_with("id_like="))
                && (line.contains("debian") || line.contains("ubuntu"))
        });
    if !debian_like {
        let name = os_release
            .lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .unwrap_or("this Linux")
            .trim_matches('"')
            .to_owned();
        bail!(
            "`cargo xtask` installs prerequisites with apt and {name} is not Debian-like. Install by \
             hand the equivalents of: {} {} and Node.js >= 20.19, then run it again",
            APP_PACKAGES.iter().map(|p| p.name).collect::<Vec<_>>().join(" "),
            TEST_PACKAGES.iter().map(|p| p.name).collect::<Vec<_>>().join(" ")
        );
    }
    Ok(())
}

/// Whether a Debian package is installed.
fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A command run as root: directly when root, else through `sudo` (which may prompt);
/// stops with a clear message when neither is possible.
pub fn as_root(program: &str) -> Result<Command> {
    if is_root() {
        return Ok(Command::new(program));
    }
    if which("sudo").is_none() {
        bail!(
            "installing needs root, and this user is not root and has no sudo. \
             Ask an administrator to run `{program} …` as root, or run `cargo xtask setup` as root"
        );
    }
    let mut command = Command::new("sudo");
    command.arg(program);
    Ok(command)
}

/// Install every package in `packages` that is missing, saying what and why first.
pub fn install_packages(packages: &[&Package]) -> Result<()> {
    let missing: Vec<&&Package> = packages.iter().filter(|p| !installed(p.name)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!(
        "==> installing {} missing Debian package(s):",
        missing.len()
    );
    for package in &missing {
        println!("      {:<32} {}", package.name, package.why);
    }
    let status = as_root("apt-get")?
        .args(["update", "-q"])
        .status()
        .context("failed to run apt-get update")?;
    if !status.success() {
        bail!("`apt-get update` failed ({status}); check the apt sources and the network, then run again");
    }
    let status = as_root("apt-get")?
        .env("DEBIAN_FRONTEND", "noninteractive")
        .args(["install", "-y", "-q", "--no-install-recommends"])
        .args(missing.iter().map(|p| p.name))
        .status()
        .context("failed to run apt-get install")?;
    if !status.success() {
        bail!(
            "`apt-get install {}` failed ({status}); read apt's message above",
            missing.iter().map(|p| p.name).collect::<Vec<_>>().join(" ")
        );
    }
    Ok(())
}

/// The full path of `program` on `PATH`, if any.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Run `command` to completion, failing with `what` when it does not succeed.
pub fn run_checked(command: &mut Command, what: &str) -> Result<()> {
    println!("==> {what}");
    let status = command
        .status()
        .with_context(|| format!("failed to start {:?} ({what})", command.get_program()))?;
    if !status.success() {
        bail!("{what}: failed ({status})");
    }
    Ok(())
}

/// Node.js's version as (major, minor), when `node` is on PATH.
fn node_version() -> Option<(u32, u32)> {
    let out = Command::new("node").arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.trim().trim_start_matches('v').split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// Make sure Node.js >= 20.19 and npm are present (Vite 8 needs them), installing
/// Debian's when absent and stopping with a clear message when too old.
pub fn require_node() -> Result<()> {
    if node_version().is_none() || which("npm").is_none() {
        install_packages(&[
            &Package {
                name: "nodejs",
                why: "builds the web UI (Vite)",
            },
            &Package {
                name: "npm",
                why: "installs the web UI's packages",
            },
        ])?;
    }
    match node_version() {
        Some((major, minor)) if major > 20 || (major == 20 && minor >= 19) => Ok(()),
        Some((major, minor)) => bail!(
            "Node.js {major}.{minor} is too old: the UI's build (Vite 8) needs Node.js >= 20.19. \
             Install a newer Node.js (e.g. from NodeSource or nvm) and run again"
        ),
        None => {
            bail!("Node.js is still missing after installing it; install Node.js >= 20.19 by hand")
        }
    }
}

/// `npm ci` in `dir` (relative to the repository root) when its `node_modules` is
/// missing or older than its `package-lock.json`.
pub fn npm_dependencies(dir: &str, what: &str) -> Result<()> {
    let folder = repo_root().join(dir);
    let stamp = folder.join("node_modules/.package-lock.json");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let fresh = match (
        modified(&stamp),
        modified(&folder.join("package-lock.json")),
    ) {
        (Some(installed), Some(lock)) => installed >= lock,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    run_checked(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&folder),
        &format!("installing {what} (npm ci in {dir}/)"),
    )
}

/// Build the web UI into `ui/dist`, which the desktop binary embeds.
pub fn build_ui() -> Result<()> {
    run_checked(
        Command::new("npm")
            .args(["run", "build"])
            .current_dir(repo_root().join("ui")),
        "building the web UI (vite build → ui/dist)",
    )
}

/// The `tauri-driver` binary, installed with `cargo install` when missing.
pub fn tauri_driver() -> Result<PathBuf> {
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|home| home.join("bin/tauri-driver"));
    if let Some(found) = which("tauri-driver").or(cargo_bin.clone().filter(|p| p.is_file())) {
        return Ok(found);
    }
    run_checked(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())).args([
            "install",
            "tauri-driver",
            "--locked",
            "--version",
            "^2",
        ]),
        "installing tauri-driver 2.x (cargo install), the WebDriver bridge to the window",
    )?;
    which("tauri-driver")
        .or(cargo_bin.filter(|p| p.is_file()))
        .context("tauri-driver was installed but is not on PATH nor in ~/.cargo/bin")
}
