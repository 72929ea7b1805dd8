//! Finding VS Code's `code` launcher, asking it whether the Dev Containers extension is
//! installed, and starting it with a URI — plain process spawns, no shell.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use super::{HostOs, VsCodeError, EXTENSION_ID};

/// How long a launcher may take to answer `--list-extensions`.
const LIST_TIMEOUT: Duration = Duration::from_secs(60);

/// How long Berth watches a launched `code` for a failure before leaving VS Code to run.
pub const LAUNCH_GRACE: Duration = Duration::from_secs(3);

/// Where to look for `code`: the host's kind, its `PATH`, and the install folders
/// looked at after `PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeSearch {
    /// The host's kind (decides the launcher's file names).
    pub host: HostOs,
    /// The `PATH` value to search, in the host's own syntax.
    pub path: OsString,
    /// Launchers to try after `PATH`, in order.
    pub install_paths: Vec<PathBuf>,
}

impl CodeSearch {
    /// The search this process would do: its `PATH`, and the usual install folders
    /// (`%LOCALAPPDATA%\Programs\Microsoft VS Code\bin` on Windows, the app bundle on
    /// macOS).
    pub fn from_env(host: HostOs) -> Self {
        let var = |name: &str| std::env::var_os(name).map(PathBuf::from);
        let install_paths = match host {
            HostOs::Windows => {
                let mut found = Vec::new();
                for (root, folder) in [
                    (
                        var("LOCALAPPDATA"),
                        r"Programs\Microsoft VS Code\bin\code.cmd",
                    ),
                    (var("ProgramFiles"), r"Microsoft VS Code\bin\code.cmd"),
                ] {
                    if let Some(root) = root {
                        found.push(root.join(folder));
                    }
                }
                found
            }
            HostOs::Unix if cfg!(target_os = "macos") => {
                let app = "Visual Studio Code.app/Contents/Resources/app/bin/code";
                let mut found = vec![Path::new("/Applications").join(app)];
                if let Some(home) = var("HOME") {
                    found.push(home.join("Applications").join(app));
                }
                found
            }
            HostOs::Unix | HostOs::Wsl { .. } => Vec::new(),
        };
        Self {
            host,
            path: std::env::var_os("PATH").unwrap_or_default(),
            install_paths,
        }
    }

    /// The launcher to use: the first of `code`, `code-insiders` on `PATH` (`code.cmd`
    /// on Windows), then the install folders. Inside WSL, a launcher of the Windows
    /// installation (on a `/mnt/<drive>` path, reached through the Windows `PATH` WSL
    /// appends) comes before one installed in the distribution.
    ///
    /// # Errors
    ///
    /// [`VsCodeError::CodeNotFound`], saying how to put `code` on `PATH` on this host.
    pub fn find(&self) -> Result<PathBuf, VsCodeError> {
        let names: &[&str] = match self.host {
            HostOs::Windows => &["code.cmd", "code-insiders.cmd"],
            HostOs::Unix | HostOs::Wsl { .. } => &["code", "code-insiders"],
        };
        let mut candidates: Vec<PathBuf> = names
            .iter()
            .flat_map(|name| std::env::split_paths(&self.path).map(move |dir| dir.join(name)))
            .filter(|path| is_executable(path))
            .collect();
        if matches!(self.host, HostOs::Wsl { .. }) {
            // Stable: keeps `code` before `code-insiders` within each group.
            candidates.sort_by_key(|path| !path.starts_with("/mnt/"));
        }
        candidates
            .into_iter()
            .chain(
                self.install_paths
                    .iter()
                    .filter(|path| is_executable(path))
                    .cloned(),
            )
            .next()
            .ok_or_else(|| VsCodeError::CodeNotFound {
                how: install_hint(&self.host),
            })
    }
}

/// How to get `code` onto `PATH` on `host`.
fn install_hint(host: &HostOs) -> &'static str {
    match host {
        HostOs::Wsl { .. } => {
            "install VS Code on Windows (not inside WSL) and keep the Windows PATH in WSL (`appendWindowsPath` is on by default in /etc/wsl.conf); open a new WSL shell afterwards"
        }
        HostOs::Windows => {
            "install VS Code for your user (it adds `code` to PATH unless that option was unticked), then open a new terminal"
        }
        HostOs::Unix if cfg!(target_os = "macos") => {
            "install VS Code, open it and run \"Shell Command: Install 'code' command in PATH\" from the Command Palette"
        }
        HostOs::Unix => "VS Code's .deb, .rpm and snap packages put it there",
    }
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// Fail unless the launcher `code` lists the Dev Containers extension among its
/// extensions (`code --list-extensions`, compared without case).
///
/// # Errors
///
/// [`VsCodeError::ExtensionMissing`], or the launcher could not be asked.
pub async fn check_extension(code: &Path) -> Result<(), VsCodeError> {
    tracing::debug!(code = %code.display(), "asking VS Code for its extensions");
    let run = tokio::process::Command::new(code)
        .arg("--list-extensions")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(LIST_TIMEOUT, run)
        .await
        .map_err(|_| VsCodeError::ListExtensions {
            code: code.to_owned(),
            cause: format!("no answer in {} seconds", LIST_TIMEOUT.as_secs()),
        })?
        .map_err(|err| VsCodeError::ListExtensions {
            code: code.to_owned(),
            cause: err.to_string(),
        })?;
    if !output.status.success() {
        return Err(VsCodeError::ListExtensions {
            code: code.to_owned(),
            cause: failure(output.status, &output.stderr),
        });
    }
    let listed = String::from_utf8_lossy(&output.stdout);
    if listed
        .lines()
        .any(|line| line.trim().eq_ignore_ascii_case(EXTENSION_ID))
    {
        Ok(())
    } else {
        Err(VsCodeError::ExtensionMissing)
    }
}

/// Start `code` with `args` and return once it has handed over to VS Code: a launcher
/// that exits with an error within [`LAUNCH_GRACE`] is reported with what it printed;
/// one still running then is left to run (the window stays open after Berth exits).
///
/// # Errors
///
/// [`VsCodeError::Launch`]: it could not be started, or it failed at once.
pub async fn launch(code: &Path, args: &[String]) -> Result<(), VsCodeError> {
    let launch_error = |cause: String| VsCodeError::Launch {
        code: code.to_owned(),
        cause,
    };
    // Its error output goes to a file, not a pipe: a launcher still running when Berth
    // exits must not die writing to a closed pipe.
    let log = tempfile::tempfile().map_err(|e| launch_error(e.to_string()))?;
    let log_for_child = log.try_clone().map_err(|e| launch_error(e.to_string()))?;
    tracing::info!(code = %code.display(), ?args, "starting VS Code");
    let mut child = tokio::process::Command::new(code)
        .args(args.iter().map(OsStr::new))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log_for_child))
        .spawn()
        .map_err(|e| launch_error(e.to_string()))?;
    match tokio::time::timeout(LAUNCH_GRACE, child.wait()).await {
        Err(_) => {
            tracing::debug!("VS Code's launcher is still running; leaving it");
            Ok(())
        }
        Ok(Err(err)) => Err(launch_error(err.to_string())),
        Ok(Ok(status)) if status.success() => {
            tracing::debug!("VS Code's launcher handed over");
            Ok(())
        }
        Ok(Ok(status)) => {
            use std::io::{Read, Seek};
            let mut log = log;
            let mut stderr = Vec::new();
            let _ = log.rewind();
            let _ = log.read_to_end(&mut stderr);
            Err(launch_error(failure(status, &stderr)))
        }
    }
}

/// `exit status 2: <first lines of stderr>`.
fn failure(status: std::process::ExitStatus, stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let text: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(5)
        .collect();
    if text.is_empty() {
        status.to_string()
    } else {
        format!("{status}: {}", text.join(" / "))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn executable(dir: &Path, name: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    fn search(host: HostOs, dirs: &[&Path]) -> CodeSearch {
        CodeSearch {
            host,
            path: std::env::join_paths(dirs).unwrap(),
            install_paths: Vec::new(),
        }
    }

    #[test]
    fn code_is_found_on_the_path_given_and_insiders_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        let insiders = executable(&a, "code-insiders");
        assert_eq!(search(HostOs::Unix, &[&a, &b]).find().unwrap(), insiders);
        let code = executable(&b, "code");
        assert_eq!(search(HostOs::Unix, &[&a, &b]).find().unwrap(), code);
    }

    #[test]
    fn a_file_that_is_not_executable_is_not_code() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("code"), "not a program").unwrap();
        let err = search(HostOs::Unix, &[dir.path()]).find().unwrap_err();
        assert!(err.to_string().contains("put `code` on PATH"), "{err}");
    }

    #[test]
    fn the_install_folders_are_tried_after_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let bundled = executable(dir.path(), "app/bin/code");
        let mut search = search(HostOs::Unix, &[&dir.path().join("empty")]);
        search.install_paths = vec![dir.path().join("missing/code"), bundled.clone()];
        assert_eq!(search.find().unwrap(), bundled);
    }

    #[test]
    fn inside_wsl_the_windows_launcher_comes_first() {
        // The `/mnt/…` rule is about where the launcher lives; only its prefix is
        // checked, so a launcher outside /mnt stands in for a distribution install.
        let dir = tempfile::tempdir().unwrap();
        let linux = executable(dir.path(), "code");
        let wsl = HostOs::Wsl {
            distro: "Ubuntu".into(),
        };
        assert_eq!(search(wsl.clone(), &[dir.path()]).find().unwrap(), linux);
        let err = search(wsl, &[&dir.path().join("none")]).find().unwrap_err();
        assert!(err.to_string().contains("appendWindowsPath"), "{err}");
    }

    #[test]
    fn each_host_says_how_to_put_code_on_path() {
        assert!(install_hint(&HostOs::Windows).contains("PATH"));
        let unix = install_hint(&HostOs::Unix);
        if cfg!(target_os = "macos") {
            assert!(unix.contains("Shell Command: Install 'code' command in PATH"));
        } else {
            assert!(unix.contains(".deb"));
        }
    }
}
