//! Where this machine's `.wslconfig` is, whether WSL will read it there, how much memory
//! Windows has, and `wsl --shutdown`. WSL reads the file only at
//! `%UserProfile%\.wslconfig`: on Windows that is `USERPROFILE`; inside WSL the Windows
//! side is asked (`cmd.exe /c echo %USERPROFILE%`, then `wslpath -u`); elsewhere a file
//! must be named.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::WslError;
use crate::host::facts::HostFacts;

/// How the file was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocatedBy {
    /// Named by the user (`--file`).
    Given,
    /// `%UserProfile%\.wslconfig` on Windows.
    UserProfile,
    /// The Windows profile, asked from inside WSL.
    FromInsideWsl,
}

/// The `.wslconfig` to read or edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The file (it may not exist yet).
    pub path: PathBuf,
    /// How it was found.
    pub by: LocatedBy,
    /// Where WSL reads it on this machine, when Berth can tell.
    pub wsl_reads: Option<PathBuf>,
}

/// Find the `.wslconfig` to work on: `given` when there is one, else the one WSL reads.
///
/// # Errors
///
/// [`WslError::NoLocation`]: no file was given and this machine has no Windows profile
/// Berth can find (Linux or macOS without WSL, or a WSL without Windows interop).
pub fn locate(given: Option<&Path>) -> Result<Located, WslError> {
    let wsl_reads = default_path();
    match (given, wsl_reads) {
        (Some(path), wsl_reads) => Ok(Located {
            path: path.to_path_buf(),
            by: LocatedBy::Given,
            wsl_reads: wsl_reads.ok(),
        }),
        (None, Ok(path)) => Ok(Located {
            wsl_reads: Some(path.clone()),
            path,
            by: if cfg!(windows) {
                LocatedBy::UserProfile
            } else {
                LocatedBy::FromInsideWsl
            },
        }),
        (None, Err(err)) => Err(err),
    }
}

/// Whether WSL's settings concern this machine: Windows, or inside WSL with a Windows
/// profile Berth can reach. Elsewhere containers use the host's memory directly.
pub fn applies_here() -> bool {
    default_path().is_ok()
}

/// Why WSL might not read `located.path`, for `show`: it is not where WSL looks, a
/// `.wslconfig.txt` (Notepad's doing) sits beside it, or a `~/.wslconfig` in the Linux
/// home suggests it was put on the wrong side.
pub fn placement_warnings(located: &Located) -> Vec<String> {
    let mut warnings = Vec::new();
    let path = &located.path;
    if let Some(reads) = &located.wsl_reads {
        if !same_file(path, reads) {
            warnings.push(format!(
                "WSL reads only {}; it does not read {}",
                reads.display(),
                path.display()
            ));
        }
    } else if !cfg!(windows) && !HostFacts::read().wsl {
        warnings.push(
            "this machine is not Windows: the file is checked as WSL would read it, and the \
             advice uses this machine's memory as if it were the Windows host's"
                .to_owned(),
        );
    }
    if path.file_name().is_some_and(|name| name != ".wslconfig") {
        warnings.push(format!(
            "WSL reads a file named exactly .wslconfig, not {}",
            path.file_name().unwrap_or_default().to_string_lossy()
        ));
    }
    for stray in [".wslconfig.txt", "wslconfig", "wslconfig.txt"] {
        let beside = path.with_file_name(stray);
        if beside.is_file() {
            warnings.push(format!(
                "{} is not read by WSL (an editor may have added or dropped part of the \
                 name): put its settings in {}, then delete it",
                beside.display(),
                path.display()
            ));
        }
    }
    if !cfg!(windows) {
        if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
            let linux_copy = home.join(".wslconfig");
            if linux_copy.is_file() && !same_file(&linux_copy, path) && HostFacts::read().wsl {
                warnings.push(format!(
                    "{} is in the Linux home, where WSL does not read it: WSL reads only the \
                     one in the Windows profile (%UserProfile%\\.wslconfig)",
                    linux_copy.display()
                ));
            }
        }
    }
    warnings
}

/// Physical memory of the Windows host, in bytes, and whether that is what it is: on
/// Windows this machine's; inside WSL asked from Windows (the VM's own total is what
/// `.wslconfig` limits, not the host's); elsewhere this machine's, standing in.
pub fn host_memory_bytes() -> (u64, bool) {
    let facts = HostFacts::read();
    #[cfg(windows)]
    {
        (facts.memory_total_bytes, true)
    }
    #[cfg(not(windows))]
    {
        match facts.wsl.then(windows_memory_from_inside_wsl).flatten() {
            Some(bytes) => (bytes, true),
            None => (facts.memory_total_bytes, false),
        }
    }
}

/// Whether [`shutdown`] can run here; ask before writing anything that `--apply` needs.
///
/// # Errors
///
/// [`WslError::ShutdownUnavailable`] off Windows: inside WSL it would stop the shell
/// asking, so it is refused there too.
pub fn check_shutdown() -> Result<(), WslError> {
    if cfg!(windows) {
        return Ok(());
    }
    let reason = if HostFacts::read().wsl {
        "this is inside WSL, and shutting WSL down would stop this shell too: run \
         `wsl --shutdown` from PowerShell or cmd on Windows"
    } else {
        "this machine is not Windows; run `wsl --shutdown` on the Windows machine the file \
         belongs to"
    };
    Err(WslError::ShutdownUnavailable {
        reason: reason.to_owned(),
    })
}

/// Stop every WSL distribution and the VM (`wsl --shutdown`), so the next start reads
/// `.wslconfig`. Ask the user first: it ends every running Linux program, and Docker
/// Desktop's engine with them.
///
/// # Errors
///
/// See [`check_shutdown`]; [`WslError::ShutdownFailed`] when it ran and failed.
pub fn shutdown() -> Result<(), WslError> {
    check_shutdown()?;
    run_shutdown()
}

#[cfg(windows)]
fn run_shutdown() -> Result<(), WslError> {
    let output = Command::new("wsl.exe")
        .arg("--shutdown")
        .output()
        .map_err(|err| WslError::ShutdownFailed {
            detail: format!("cannot start wsl.exe: {err} (is WSL installed?)"),
        })?;
    if output.status.success() {
        return Ok(());
    }
    // wsl.exe writes UTF-16 text: drop the NULs to show what is readable of it.
    let text: String = String::from_utf8_lossy(&output.stderr)
        .chars()
        .chain(String::from_utf8_lossy(&output.stdout).chars())
        .filter(|c| *c != '\0')
        .collect();
    Err(WslError::ShutdownFailed {
        detail: format!("{} {}", output.status, text.trim()),
    })
}

/// Off Windows there is nothing to run: the same refusal as [`check_shutdown`].
#[cfg(not(windows))]
fn run_shutdown() -> Result<(), WslError> {
    check_shutdown()
}

/// Where WSL reads `.wslconfig` on this machine.
fn default_path() -> Result<PathBuf, WslError> {
    #[cfg(windows)]
    {
        match std::env::var_os("USERPROFILE") {
            Some(profile) if !profile.is_empty() => Ok(PathBuf::from(profile).join(".wslconfig")),
            _ => Err(WslError::NoLocation {
                reason: "the USERPROFILE environment variable is not set; name the file \
                         (it is C:\\Users\\<you>\\.wslconfig)"
                    .to_owned(),
            }),
        }
    }
    #[cfg(not(windows))]
    {
        if !HostFacts::read().wsl {
            return Err(WslError::NoLocation {
                reason: "this machine is neither Windows nor inside WSL, so it has no \
                         %UserProfile%; name the .wslconfig file to read or edit"
                    .to_owned(),
            });
        }
        windows_profile_from_inside_wsl()
            .map(|profile| profile.join(".wslconfig"))
            .ok_or_else(|| WslError::NoLocation {
                reason: "inside WSL, but Windows did not answer `cmd.exe /c echo %USERPROFILE%` \
                         (is interop off?); name the file, e.g. /mnt/c/Users/<you>/.wslconfig"
                    .to_owned(),
            })
    }
}

/// The Windows profile folder as a Linux path, asked through WSL's interop.
#[cfg(not(windows))]
fn windows_profile_from_inside_wsl() -> Option<PathBuf> {
    let profile = run_windows("cmd.exe", &["/c", "echo %USERPROFILE%"])?;
    if profile.is_empty() || profile.contains('%') {
        return None;
    }
    let linux = Command::new("wslpath")
        .args(["-u", &profile])
        .output()
        .ok()?;
    let linux = String::from_utf8(linux.stdout).ok()?;
    let linux = linux.trim();
    (!linux.is_empty()).then(|| PathBuf::from(linux))
}

/// Windows' physical memory, asked through WSL's interop.
#[cfg(not(windows))]
fn windows_memory_from_inside_wsl() -> Option<u64> {
    run_windows(
        "powershell.exe",
        &[
            "-NoProfile",
            "-NonInteractive",
            "-Command",
            "(Get-CimInstance Win32_ComputerSystem).TotalPhysicalMemory",
        ],
    )?
    .parse()
    .ok()
}

/// Run a Windows program from inside WSL; its trimmed stdout when it succeeds. Started
/// from a Windows folder, so cmd.exe does not warn about a UNC working directory.
#[cfg(not(windows))]
fn run_windows(program: &str, args: &[&str]) -> Option<String> {
    let mut command = Command::new(program);
    command.args(args);
    if Path::new("/mnt/c").is_dir() {
        command.current_dir("/mnt/c");
    }
    let output = command.output().ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8(output.stdout)
        .ok()
        .map(|text| text.trim().to_owned())
}

/// Whether two paths name the same file (the same path when neither exists yet).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(path: PathBuf, wsl_reads: Option<PathBuf>) -> Located {
        Located {
            path,
            by: LocatedBy::Given,
            wsl_reads,
        }
    }

    #[test]
    fn a_file_elsewhere_than_where_wsl_reads_is_named_as_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let warnings = placement_warnings(&given(
            dir.path().join("copy/.wslconfig"),
            Some(dir.path().join(".wslconfig")),
        ));
        assert!(
            warnings.iter().any(|w| w.starts_with("WSL reads only")),
            "{warnings:?}"
        );
    }

    #[test]
    fn a_wslconfig_txt_beside_the_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".wslconfig.txt"), b"[wsl2]\nmemory=8GB\n").unwrap();
        let path = dir.path().join(".wslconfig");
        let warnings = placement_warnings(&given(path.clone(), Some(path)));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains(".wslconfig.txt is not read by WSL"),
            "{warnings:?}"
        );
    }

    #[test]
    fn a_file_with_another_name_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wsl.conf");
        let warnings = placement_warnings(&given(path.clone(), Some(path)));
        assert!(
            warnings.iter().any(|w| w.contains("exactly .wslconfig")),
            "{warnings:?}"
        );
    }

    #[cfg(not(windows))]
    #[test]
    fn shutting_down_is_refused_off_windows_and_says_where_to_run_it() {
        let err = shutdown().unwrap_err();
        assert!(matches!(err, WslError::ShutdownUnavailable { .. }));
        assert!(err.to_string().contains("wsl --shutdown"), "{err}");
    }
}
