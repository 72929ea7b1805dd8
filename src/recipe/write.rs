//! Writing rendered files into a project without ever losing what is there: files that
//! would change are shown as a unified diff and left alone unless forced; forced changes
//! keep a timestamped backup; every file is written to a temporary file and renamed into
//! place, so a crash leaves either the old file or the new one.

use std::path::{Path, PathBuf};

use super::render::{RenderedFile, RenderedFiles};
use crate::project_file::{self, FileMode};

/// A file that could not be read, backed up or written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The project path exists but is not a folder.
    #[error("'{}' is not a folder: give the project folder (it is created when missing)", path.display())]
    NotAFolder {
        /// The path given.
        path: PathBuf,
    },
    /// A file Berth writes is a folder in the project.
    #[error("'{}' is a folder, but Berth writes a file there: move it away and run again", path.display())]
    FolderInTheWay {
        /// The folder.
        path: PathBuf,
    },
    /// An existing file could not be read.
    #[error("failed to read '{}' to compare it with the new version", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The backup of an existing file could not be made; the file was left as it was.
    #[error("failed to back up '{}'; the file was not changed", path.display())]
    Backup {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file (or its folder) could not be written.
    #[error("failed to write '{}'", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// What happened, or would happen, to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileChange {
    /// It did not exist and was written.
    Created,
    /// It already had exactly these contents.
    Unchanged,
    /// It existed with other contents and was replaced; the old contents are in `backup`.
    Updated {
        /// The backup of the old contents.
        backup: PathBuf,
    },
    /// It exists with other contents and was left alone (no `force`).
    Blocked,
}

/// One file of a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    /// The path relative to the project folder.
    pub path: PathBuf,
    /// What happened to it.
    pub change: FileChange,
    /// For changed files, a unified diff from the old contents to the new.
    pub diff: Option<String>,
}

/// The outcome of [`write`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteReport {
    /// The project folder.
    pub dir: PathBuf,
    /// Every file, in the order rendered.
    pub files: Vec<FileReport>,
}

impl WriteReport {
    /// True when existing files differ and nothing was written (run again with `force`).
    pub fn blocked(&self) -> bool {
        self.files
            .iter()
            .any(|file| file.change == FileChange::Blocked)
    }
}

/// What [`write`] would do to each file, without writing anything: new files are
/// [`FileChange::Created`], identical ones [`FileChange::Unchanged`], and ones that differ
/// [`FileChange::Blocked`] with their diff (the wizard's review step).
///
/// # Errors
///
/// As [`write`], for reading.
pub fn preview(dir: &Path, files: &RenderedFiles) -> Result<WriteReport, WriteError> {
    Ok(planned_report(dir, plan(dir, files)?))
}

type Planned<'a> = (&'a RenderedFile, PathBuf, FileChange, Option<String>);

fn plan<'a>(dir: &Path, files: &'a RenderedFiles) -> Result<Vec<Planned<'a>>, WriteError> {
    if dir.exists() && !dir.is_dir() {
        return Err(WriteError::NotAFolder {
            path: dir.to_path_buf(),
        });
    }
    let mut plan = Vec::new();
    for file in &files.files {
        let target = dir.join(&file.path);
        let (change, diff) = match std::fs::symlink_metadata(&target) {
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => (FileChange::Created, None),
            Err(source) => {
                return Err(WriteError::Read {
                    path: target,
                    source,
                })
            }
            Ok(meta) if meta.is_dir() => return Err(WriteError::FolderInTheWay { path: target }),
            Ok(_) => {
                let old = std::fs::read(&target).map_err(|source| WriteError::Read {
                    path: target.clone(),
                    source,
                })?;
                if old == file.contents.as_bytes() {
                    (FileChange::Unchanged, None)
                } else {
                    let diff = crate::project_file::unified_diff(&file.path, &old, &file.contents);
                    (FileChange::Blocked, Some(diff))
                }
            }
        };
        plan.push((file, target, change, diff));
    }
    Ok(plan)
}

fn planned_report(dir: &Path, plan: Vec<Planned<'_>>) -> WriteReport {
    WriteReport {
        dir: dir.to_path_buf(),
        files: plan
            .into_iter()
            .map(|(file, _, change, diff)| FileReport {
                path: file.path.clone(),
                change,
                diff,
            })
            .collect(),
    }
}

/// Write `files` into the project folder `dir` (created when missing).
///
/// A file that does not exist is created; one with the same contents is left alone. When
/// an existing file differs: without `force`, nothing at all is written and the report
/// lists each such file as [`FileChange::Blocked`] with its diff; with `force`, the old file
/// is first copied to `<file>.bak-YYYYmmdd-HHMMSS`, then replaced. Every write goes to a
/// temporary file in the same folder and is renamed into place.
///
/// # Errors
///
/// When `dir` is not a folder, or a file cannot be read, backed up or written; files
/// written before the failure stay written, and none is left half-written.
pub fn write(dir: &Path, files: &RenderedFiles, force: bool) -> Result<WriteReport, WriteError> {
    let plan = plan(dir, files)?;
    let blocked = plan
        .iter()
        .any(|(_, _, change, _)| *change == FileChange::Blocked);
    if blocked && !force {
        return Ok(planned_report(dir, plan));
    }
    let stamp = project_file::backup_stamp(chrono::Local::now().naive_local());
    let mut reports = Vec::new();
    for (file, target, change, diff) in plan {
        let change = match change {
            FileChange::Unchanged => FileChange::Unchanged,
            FileChange::Created => {
                replace(&target, &file.contents, file.executable)?;
                FileChange::Created
            }
            FileChange::Blocked | FileChange::Updated { .. } => {
                let backup = std::fs::read(&target)
                    .and_then(|old| project_file::back_up(&target, &old, &stamp))
                    .map_err(|source| WriteError::Backup {
                        path: target.clone(),
                        source,
                    })?;
                replace(&target, &file.contents, file.executable)?;
                FileChange::Updated { backup }
            }
        };
        reports.push(FileReport {
            path: file.path.clone(),
            change,
            diff,
        });
    }
    Ok(WriteReport {
        dir: dir.to_path_buf(),
        files: reports,
    })
}

/// Write `contents` over `target` atomically (0755 for scripts, 0644 for the rest).
fn replace(target: &Path, contents: &str, executable: bool) -> Result<(), WriteError> {
    let mode = if executable {
        FileMode::Executable
    } else {
        FileMode::Regular
    };
    project_file::stage(target, contents.as_bytes(), mode)
        .and_then(project_file::Staged::commit)
        .map_err(|source| WriteError::Write {
            path: target.to_path_buf(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::render::RenderedFile;

    fn files(dockerfile: &str) -> RenderedFiles {
        RenderedFiles {
            files: vec![
                RenderedFile {
                    path: ".devcontainer/Dockerfile".into(),
                    contents: dockerfile.to_owned(),
                    executable: false,
                },
                RenderedFile {
                    path: ".devcontainer/post-create.sh".into(),
                    contents: "#!/bin/sh\n".to_owned(),
                    executable: true,
                },
            ],
        }
    }

    fn read(dir: &Path, path: &str) -> String {
        std::fs::read_to_string(dir.join(path)).unwrap()
    }

    #[test]
    fn a_new_project_is_created_with_its_folders() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("thesis");

        let report = write(&dir, &files("FROM a\n"), false).unwrap();

        assert!(!report.blocked());
        assert!(report.files.iter().all(|f| f.change == FileChange::Created));
        assert_eq!(read(&dir, ".devcontainer/Dockerfile"), "FROM a\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(".devcontainer/post-create.sh"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o755);
        }
    }

    #[test]
    fn writing_the_same_files_again_changes_nothing() {
        let temp = tempfile::tempdir().unwrap();
        write(temp.path(), &files("FROM a\n"), false).unwrap();

        let report = write(temp.path(), &files("FROM a\n"), false).unwrap();

        assert!(report
            .files
            .iter()
            .all(|f| f.change == FileChange::Unchanged));
    }

    #[test]
    fn a_changed_file_without_force_is_shown_as_a_diff_and_nothing_is_written() {
        let temp = tempfile::tempdir().unwrap();
        write(temp.path(), &files("FROM a\nRUN x\n"), false).unwrap();
        std::fs::remove_file(temp.path().join(".devcontainer/post-create.sh")).unwrap();

        let report = write(temp.path(), &files("FROM b\nRUN x\n"), false).unwrap();

        assert!(report.blocked());
        let dockerfile = &report.files[0];
        assert_eq!(dockerfile.change, FileChange::Blocked);
        let diff = dockerfile.diff.as_deref().unwrap();
        assert!(diff.contains("--- a/.devcontainer/Dockerfile"), "{diff}");
        assert!(diff.contains("-FROM a\n+FROM b\n"), "{diff}");
        assert_eq!(
            read(temp.path(), ".devcontainer/Dockerfile"),
            "FROM a\nRUN x\n"
        );
        // Not even the missing file was written: all or nothing.
        assert!(!temp.path().join(".devcontainer/post-create.sh").exists());
    }

    #[test]
    fn a_forced_change_keeps_a_timestamped_backup() {
        let temp = tempfile::tempdir().unwrap();
        write(temp.path(), &files("FROM a\n"), false).unwrap();

        let report = write(temp.path(), &files("FROM b\n"), true).unwrap();

        let FileChange::Updated { backup } = &report.files[0].change else {
            panic!("{report:?}");
        };
        let name = backup.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("Dockerfile.bak-"), "{name}");
        assert_eq!(name.len(), "Dockerfile.bak-YYYYmmdd-HHMMSS".len(), "{name}");
        assert_eq!(std::fs::read_to_string(backup).unwrap(), "FROM a\n");
        assert_eq!(read(temp.path(), ".devcontainer/Dockerfile"), "FROM b\n");
        assert_eq!(report.files[1].change, FileChange::Unchanged);
    }

    #[test]
    fn two_forced_changes_in_one_second_keep_both_backups() {
        let temp = tempfile::tempdir().unwrap();
        write(temp.path(), &files("1\n"), false).unwrap();
        write(temp.path(), &files("2\n"), true).unwrap();
        write(temp.path(), &files("3\n"), true).unwrap();

        let backups: Vec<String> = std::fs::read_dir(temp.path().join(".devcontainer"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with("Dockerfile.bak-"))
            .collect();
        assert_eq!(backups.len(), 2, "{backups:?}");
        let mut contents: Vec<String> = backups
            .iter()
            .map(|name| read(temp.path(), &format!(".devcontainer/{name}")))
            .collect();
        contents.sort();
        assert_eq!(contents, ["1\n", "2\n"]);
    }

    #[test]
    fn no_temporary_files_are_left_behind() {
        let temp = tempfile::tempdir().unwrap();
        write(temp.path(), &files("FROM a\n"), false).unwrap();
        write(temp.path(), &files("FROM b\n"), true).unwrap();

        let leftovers: Vec<String> = std::fs::read_dir(temp.path().join(".devcontainer"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn a_file_where_the_project_folder_should_be_is_an_error() {
        let temp = tempfile::tempdir().unwrap();
        let file = temp.path().join("not-a-folder");
        std::fs::write(&file, "x").unwrap();

        let err = write(&file, &files("FROM a\n"), false).unwrap_err();

        assert!(err.to_string().contains("is not a folder"), "{err}");
    }

    #[test]
    fn a_folder_where_a_file_goes_is_an_error_and_is_left_alone() {
        let temp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(temp.path().join(".devcontainer/Dockerfile")).unwrap();

        let err = write(temp.path(), &files("FROM a\n"), true).unwrap_err();

        assert!(err.to_string().contains("is a folder"), "{err}");
        assert!(temp.path().join(".devcontainer/Dockerfile").is_dir());
    }
}
