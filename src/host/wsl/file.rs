//! Reading `.wslconfig` from disk and changing it: validated first, written atomically
//! with a timestamped backup of the old file (`project_file`), never written when
//! nothing changes and never written when the old file cannot be read.

use std::path::{Path, PathBuf};

use super::document::WslConfig;
use super::size::Size;
use super::{Setting, WslError};

/// A change to one `[wsl2]` setting, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Which setting.
    pub setting: Setting,
    /// The value to write as WSL reads it (`None`: remove the key, so WSL's default applies).
    pub value: Option<String>,
}

impl Edit {
    /// Set memory or swap to `size`.
    pub fn size(setting: Setting, size: Size) -> Self {
        Self {
            setting,
            value: Some(size.to_string()),
        }
    }

    /// Read a value a person typed for `setting`: a size for memory and swap (`8GB`,
    /// `512mb`), a count from 1 for processors, or `default` to remove the key.
    ///
    /// # Errors
    ///
    /// [`WslError::InvalidValue`]: the value, the setting and what WSL accepts.
    pub fn parse(setting: Setting, text: &str) -> Result<Self, WslError> {
        if text.eq_ignore_ascii_case("default") {
            return Ok(Self {
                setting,
                value: None,
            });
        }
        let invalid = |problem: String| WslError::InvalidValue {
            setting,
            value: text.to_owned(),
            problem,
        };
        match setting {
            Setting::Memory | Setting::Swap => {
                let size = Size::parse_input(text).map_err(|p| invalid(p.to_string()))?;
                if setting == Setting::Memory && size.bytes() < 256 << 20 {
                    return Err(invalid(
                        "WSL gives the VM at least 256MB (0 means its default): write e.g. 8GB, \
                         or 'default'"
                            .to_owned(),
                    ));
                }
                Ok(Self::size(setting, size))
            }
            Setting::Processors => match text.parse::<u32>() {
                Ok(n) if n >= 1 && i32::try_from(n).is_ok() => Ok(Self {
                    setting,
                    value: Some(n.to_string()),
                }),
                _ => Err(invalid(
                    "write a whole number of processors from 1, or 'default' for all".to_owned(),
                )),
            },
        }
    }
}

/// One setting before and after a [`set`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingChange {
    /// Which setting.
    pub setting: Setting,
    /// The value WSL read before (`None`: not set).
    pub before: Option<String>,
    /// The value now (`None`: not set, WSL's default).
    pub after: Option<String>,
}

/// What [`set`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetOutcome {
    /// The file.
    pub path: PathBuf,
    /// Each edit asked for, before and after.
    pub changes: Vec<SettingChange>,
    /// Whether the file was written (false: it already said all that).
    pub written: bool,
    /// Where the old file was kept (`None`: nothing written, or there was no old file).
    pub backup: Option<PathBuf>,
    /// A unified diff of the file, empty when nothing changed.
    pub diff: String,
}

/// Read `path`: `Ok(None)` when there is no file.
///
/// # Errors
///
/// It cannot be read, or WSL could not read it (see [`WslConfig::parse`]).
pub fn read(path: &Path) -> Result<Option<(Vec<u8>, WslConfig)>, WslError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let config = WslConfig::parse(&bytes, path)?;
            Ok(Some((bytes, config)))
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(WslError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Apply `edits` to the `.wslconfig` at `path` (created when missing): every other byte
/// stays, the old file is kept as `<path>.bak-<timestamp>` and the new one is written
/// atomically. WSL reads the change at its next start (`wsl --shutdown`).
///
/// # Errors
///
/// The file cannot be read or is not one WSL reads (then nothing is written), or the
/// backup or the write failed (the old file is then untouched).
pub fn set(path: &Path, edits: &[Edit]) -> Result<SetOutcome, WslError> {
    let (original, mut config) = match read(path)? {
        Some((bytes, config)) => (Some(bytes), config),
        None => (None, WslConfig::empty()),
    };
    let mut changes = Vec::new();
    for edit in edits {
        let before = config.get(edit.setting.key()).map(|e| e.value.to_owned());
        match &edit.value {
            Some(value) => config.set(edit.setting, value)?,
            None => {
                config.remove(edit.setting);
            }
        }
        changes.push(SettingChange {
            setting: edit.setting,
            before,
            after: edit.value.clone(),
        });
    }
    let rendered = config.render();
    let unchanged = match &original {
        Some(old) => *old == rendered,
        None => rendered.is_empty(),
    };
    if unchanged {
        return Ok(SetOutcome {
            path: path.to_path_buf(),
            changes,
            written: false,
            backup: None,
            diff: String::new(),
        });
    }
    let diff = crate::project_file::unified_diff(
        path,
        original.as_deref().unwrap_or_default(),
        &String::from_utf8_lossy(&rendered),
    );
    let backup = crate::project_file::replace_with_backup(path, &rendered).map_err(|source| {
        WslError::Write {
            path: path.to_path_buf(),
            source,
        }
    })?;
    Ok(SetOutcome {
        path: path.to_path_buf(),
        changes,
        written: true,
        backup,
        diff,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/wslconfig")
            .join(name);
        std::fs::read(path).unwrap()
    }

    use crate::project_file::names;

    fn memory(value: &str) -> Edit {
        Edit::parse(Setting::Memory, value).unwrap()
    }

    #[test]
    fn setting_memory_writes_the_file_and_keeps_the_old_one_as_the_backup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".wslconfig");
        let old = fixture("docker-desktop.wslconfig");
        std::fs::write(&path, &old).unwrap();
        let outcome = set(
            &path,
            &[memory("8gb"), Edit::parse(Setting::Swap, "8GB").unwrap()],
        )
        .unwrap();
        assert!(outcome.written);
        let backup = outcome.backup.unwrap();
        assert!(backup
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(".wslconfig.bak-"));
        assert_eq!(std::fs::read(&backup).unwrap(), old);
        let new = String::from_utf8(std::fs::read(&path).unwrap()).unwrap();
        assert!(new.contains("\r\nmemory=8GB\r\n"), "{new}");
        assert!(new.contains("\r\nswap=8GB\r\n"), "{new}");
        assert_eq!(outcome.changes[0].before.as_deref(), Some("4GB"));
        assert_eq!(outcome.changes[0].after.as_deref(), Some("8GB"));
        assert_eq!(outcome.changes[1].before, None);
        assert!(outcome.diff.contains("-memory=4GB"), "{}", outcome.diff);
        assert!(outcome.diff.contains("+memory=8GB"), "{}", outcome.diff);
        assert_eq!(names(dir.path()).len(), 2, "no temporary file is left");
    }

    #[test]
    fn a_file_that_already_says_it_is_not_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".wslconfig");
        std::fs::write(&path, b"[wsl2]\nmemory=8GB\n").unwrap();
        let outcome = set(&path, &[memory("8GB")]).unwrap();
        assert!(!outcome.written);
        assert_eq!(outcome.backup, None);
        assert_eq!(names(dir.path()), [".wslconfig"]);
    }

    #[test]
    fn a_missing_file_is_created_without_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".wslconfig");
        let outcome = set(&path, &[memory("8GB")]).unwrap();
        assert!(outcome.written);
        assert_eq!(outcome.backup, None);
        assert_eq!(std::fs::read(&path).unwrap(), b"[wsl2]\r\nmemory=8GB\r\n");
    }

    #[test]
    fn removing_a_setting_that_is_not_there_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".wslconfig");
        let outcome = set(&path, &[memory("default")]).unwrap();
        assert!(!outcome.written);
        assert!(!path.exists());
    }

    #[test]
    fn a_file_wsl_cannot_read_is_left_untouched() {
        for name in [
            "utf16.wslconfig",
            "unclosed-section.wslconfig",
            "missing-equals.wslconfig",
        ] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(".wslconfig");
            let old = fixture(name);
            std::fs::write(&path, &old).unwrap();
            let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
            let err = set(&path, &[memory("8GB")]).unwrap_err();
            assert!(
                matches!(err, WslError::Utf16 { .. } | WslError::InvalidLine { .. }),
                "{name}: {err:?}"
            );
            assert_eq!(std::fs::read(&path).unwrap(), old, "{name}");
            assert_eq!(
                std::fs::metadata(&path).unwrap().modified().unwrap(),
                modified,
                "{name}"
            );
            assert_eq!(
                names(dir.path()),
                [".wslconfig"],
                "{name}: no backup, no temporary file"
            );
        }
    }

    #[test]
    fn values_wsl_does_not_read_are_refused_naming_the_value_and_the_forms() {
        for (setting, text) in [
            (Setting::Memory, "8 GiB"),
            (Setting::Memory, "eight"),
            (Setting::Swap, "-8GB"),
            (Setting::Memory, "100MB"),
            (Setting::Processors, "0"),
            (Setting::Processors, "-2"),
        ] {
            let err = Edit::parse(setting, text).unwrap_err();
            let message = err.to_string();
            assert!(message.contains(&format!("'{text}'")), "{message}");
            assert!(message.starts_with(setting.key()), "{message}");
        }
        let err = Edit::parse(Setting::Memory, "8 GiB")
            .unwrap_err()
            .to_string();
        assert!(err.contains("GB or TB"), "{err}");
    }
}
