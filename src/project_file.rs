//! Writing into a user's project, the one way Berth does it: a timestamped backup before
//! anything is replaced, and every write atomic (a temporary file beside the target,
//! flushed, then renamed over it), so a file is never lost or left half-written.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The permissions a written file gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileMode {
    /// Those of the file it replaces (a new file gets the process default).
    Keep,
    /// 0644 on Unix.
    Regular,
    /// 0755 on Unix (scripts).
    Executable,
}

/// The suffix of a backup made at `now`: `YYYYmmdd-HHMMSS`, local time.
pub fn backup_stamp(now: chrono::NaiveDateTime) -> String {
    now.format("%Y%m%d-%H%M%S").to_string()
}

/// Keep `original` (the bytes of `path` as Berth read them) as `<file>.bak-<stamp>`, or
/// `…-2`, `-3`, … when that name is taken: an earlier backup is never replaced. Returns the
/// backup's path; on failure nothing is left behind.
pub fn back_up(path: &Path, original: &[u8], stamp: &str) -> std::io::Result<PathBuf> {
    let name = file_name(path);
    for attempt in 1u32.. {
        let suffix = if attempt == 1 {
            String::new()
        } else {
            format!("-{attempt}")
        };
        let backup = path.with_file_name(format!("{name}.bak-{stamp}{suffix}"));
        match std::fs::File::create_new(&backup) {
            Ok(mut file) => {
                return match file.write_all(original).and_then(|()| file.sync_all()) {
                    Ok(()) => Ok(backup),
                    Err(err) => {
                        let _ = std::fs::remove_file(&backup);
                        Err(err)
                    }
                };
            }
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(err),
        }
    }
    unreachable!("the attempts never run out")
}

/// A unified diff of `path` from `old` to `new`, or a note when the old file is not text.
pub fn unified_diff(path: &Path, old: &[u8], new: &str) -> String {
    let shown = path.to_string_lossy().replace('\\', "/");
    match std::str::from_utf8(old) {
        Ok(old) => {
            let diff = similar::TextDiff::from_lines(old, new);
            let mut unified = diff.unified_diff();
            unified
                .context_radius(3)
                .header(&format!("a/{shown}"), &format!("b/{shown}"));
            unified.to_string()
        }
        Err(_) => format!("Binary file {shown} differs (the existing file is not UTF-8 text)\n"),
    }
}

/// Replace `path` with `contents`: the old bytes kept as a timestamped backup first, then
/// an atomic write. Returns the backup's path (`None` for a new file).
///
/// # Errors
///
/// The backup or the write failed; the original is then untouched.
pub fn replace_with_backup(path: &Path, contents: &[u8]) -> std::io::Result<Option<PathBuf>> {
    let backup = match std::fs::read(path) {
        Ok(old) => Some(back_up(
            path,
            &old,
            &backup_stamp(chrono::Local::now().naive_local()),
        )?),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(err),
    };
    stage(path, contents, FileMode::Keep)?.commit()?;
    Ok(backup)
}

/// New contents written to a temporary file beside their target, flushed to disk; nothing
/// has replaced the target yet. [`Staged::commit`] renames it into place; dropping it
/// instead removes the temporary file.
#[derive(Debug)]
#[must_use = "a staged file replaces nothing until it is committed"]
pub struct Staged {
    temp: PathBuf,
    target: PathBuf,
    committed: bool,
}

/// Write `contents` for `target` (creating its folder) into a temporary file beside it.
pub fn stage(target: &Path, contents: &[u8], mode: FileMode) -> std::io::Result<Staged> {
    let parent = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent)?;
    let name = file_name(target);
    let mut attempt = 0u32;
    let (temp, mut file) = loop {
        let temp = parent.join(format!(
            ".{name}.berth-{}-{attempt}.tmp",
            std::process::id()
        ));
        match std::fs::File::create_new(&temp) {
            Ok(file) => break (temp, file),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(err) => return Err(err),
        }
    };
    let staged = Staged {
        temp,
        target: target.to_path_buf(),
        committed: false,
    };
    file.write_all(contents)?;
    match mode {
        FileMode::Keep => {
            if let Ok(metadata) = std::fs::metadata(target) {
                file.set_permissions(metadata.permissions())?;
            }
        }
        FileMode::Regular => set_unix_mode(&file, 0o644)?,
        FileMode::Executable => set_unix_mode(&file, 0o755)?,
    }
    file.sync_all()?;
    Ok(staged)
}

impl Staged {
    /// Rename the staged file over its target.
    pub fn commit(mut self) -> std::io::Result<()> {
        std::fs::rename(&self.temp, &self.target)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// `path`'s file name as text, for the names of its backups and temporary files.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(unix)]
fn set_unix_mode(file: &std::fs::File, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_unix_mode(_file: &std::fs::File, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// The names in `dir`, sorted (the tests of what writes backups beside a file).
#[cfg(test)]
pub(crate) fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_backup_in_the_same_second_gets_its_own_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("devcontainer.json");
        let first = back_up(&file, b"one", "20261126-010203").unwrap();
        let second = back_up(&file, b"two", "20261126-010203").unwrap();
        assert!(first.ends_with("devcontainer.json.bak-20261126-010203"));
        assert!(second.ends_with("devcontainer.json.bak-20261126-010203-2"));
        assert_eq!(std::fs::read(first).unwrap(), b"one");
        assert_eq!(std::fs::read(second).unwrap(), b"two");
    }

    #[test]
    fn a_committed_file_replaces_its_target_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sub/post-create.sh");
        stage(&file, b"#!/bin/sh\n", FileMode::Executable)
            .unwrap()
            .commit()
            .unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"#!/bin/sh\n");
        assert_eq!(names(&dir.path().join("sub")), ["post-create.sh"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o755);
        }
    }

    #[test]
    fn a_dropped_stage_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("devcontainer.json");
        std::fs::write(&file, b"{}").unwrap();
        drop(stage(&file, b"{\"x\": 1}", FileMode::Keep).unwrap());
        assert_eq!(std::fs::read(&file).unwrap(), b"{}");
        assert_eq!(names(dir.path()), ["devcontainer.json"]);
    }
}
