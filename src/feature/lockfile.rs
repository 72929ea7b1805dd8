//! `devcontainer-lock.json`, beside devcontainer.json, as the reference CLI writes it:
//! for each OCI Feature the version it got, the digest it resolved to, and that digest
//! again as its integrity. A locked Feature is fetched by digest, so a moved tag does not
//! change what a project builds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::FeatureError;

/// One locked Feature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Locked {
    /// The Feature's `version`.
    pub version: String,
    /// `registry/repository@sha256:…`.
    pub resolved: String,
    /// The manifest digest.
    pub integrity: String,
    /// The Feature's `dependsOn` references, when it has any.
    #[serde(default, rename = "dependsOn", skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

/// The lock file's content.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Lockfile {
    /// Feature key → what it resolved to.
    #[serde(default)]
    pub features: BTreeMap<String, Locked>,
}

impl Lockfile {
    /// Where the lock file of `config_file` lives: `devcontainer-lock.json` beside it
    /// (`.devcontainer-lock.json` for a `.devcontainer.json`).
    pub fn path_for(config_file: &Path) -> PathBuf {
        let hidden = config_file
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        let name = if hidden {
            ".devcontainer-lock.json"
        } else {
            "devcontainer-lock.json"
        };
        config_file.with_file_name(name)
    }

    /// Read the lock file at `path`; none there is an empty one.
    ///
    /// # Errors
    ///
    /// [`FeatureError::Lockfile`]: it cannot be read or is not a lock file.
    pub fn read(path: &Path) -> Result<Self, FeatureError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(err) => {
                return Err(FeatureError::Lockfile {
                    path: path.to_owned(),
                    message: format!("cannot read it: {err}"),
                })
            }
        };
        serde_json::from_str(&text).map_err(|err| FeatureError::Lockfile {
            path: path.to_owned(),
            message: format!(
                "it is not a Features lock file ({err}); fix it, or delete it to lock the Features afresh"
            ),
        })
    }

    /// The text written: two-space JSON and a final line break.
    pub fn render(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Write to `path` when the content differs from what is there (atomically).
    /// Returns whether it wrote.
    ///
    /// # Errors
    ///
    /// [`FeatureError::Lockfile`]: the file cannot be written.
    pub fn write_if_changed(&self, path: &Path) -> Result<bool, FeatureError> {
        if Self::read(path).ok().as_ref() == Some(self) && path.exists() {
            return Ok(false);
        }
        let fail = |err: std::io::Error| FeatureError::Lockfile {
            path: path.to_owned(),
            message: format!("cannot write it: {err}"),
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut staged = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
        std::io::Write::write_all(&mut staged, self.render().as_bytes()).map_err(fail)?;
        staged.persist(path).map_err(|e| fail(e.error))?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_file_sits_beside_the_config_and_round_trips() {
        assert_eq!(
            Lockfile::path_for(Path::new("/p/.devcontainer/devcontainer.json")),
            Path::new("/p/.devcontainer/devcontainer-lock.json")
        );
        assert_eq!(
            Lockfile::path_for(Path::new("/p/.devcontainer.json")),
            Path::new("/p/.devcontainer-lock.json")
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("devcontainer-lock.json");
        assert_eq!(Lockfile::read(&path).unwrap(), Lockfile::default());
        let mut lock = Lockfile::default();
        lock.features.insert(
            "ghcr.io/x/y:1".into(),
            Locked {
                version: "1.0.0".into(),
                resolved: "ghcr.io/x/y@sha256:ab".into(),
                integrity: "sha256:ab".into(),
                depends_on: vec!["ghcr.io/x/base:1".into()],
            },
        );
        assert!(lock.write_if_changed(&path).unwrap());
        assert!(!lock.write_if_changed(&path).unwrap());
        assert_eq!(Lockfile::read(&path).unwrap(), lock);
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .contains("\n  \"features\": {\n"));
        std::fs::write(&path, "[1]").unwrap();
        let err = Lockfile::read(&path).unwrap_err().to_string();
        assert!(
            err.contains("devcontainer-lock.json") && err.contains("delete it"),
            "{err}"
        );
    }
}
