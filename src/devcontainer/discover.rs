//! Finding a project's devcontainer.json where the spec says tools look:
//! `.devcontainer/devcontainer.json`, `.devcontainer.json`, and
//! `.devcontainer/<folder>/devcontainer.json` one level deep. Where several exist Berth
//! does not guess (the reference CLI silently takes the first): it lists them and asks
//! for `--config`.

use std::path::{Path, PathBuf};

/// Why no single devcontainer.json was found.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// None of the places the spec names has one.
    #[error(
        "no devcontainer.json in '{}': looked for .devcontainer/devcontainer.json, .devcontainer.json and .devcontainer/<folder>/devcontainer.json; create one with `berth new`, or name one with --config",
        folder.display()
    )]
    NotFound {
        /// The project folder.
        folder: PathBuf,
    },
    /// More than one; the user must choose.
    #[error(
        "{} devcontainer.json files in '{}': {}; choose one with --config",
        found.len(),
        folder.display(),
        found.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    Ambiguous {
        /// The project folder.
        folder: PathBuf,
        /// Every candidate, in the spec's order of precedence.
        found: Vec<PathBuf>,
    },
    /// The folder could not be read.
    #[error("failed to look for a devcontainer.json in '{}'", folder.display())]
    Read {
        /// The folder Berth was reading.
        folder: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Every devcontainer.json the spec would consider in `folder`, in its order of
/// precedence (the `<folder>` ones sorted by name).
///
/// # Errors
///
/// [`DiscoverError::Read`] when `folder/.devcontainer` exists but cannot be listed.
pub fn candidates(folder: &Path) -> Result<Vec<PathBuf>, DiscoverError> {
    let mut found = Vec::new();
    let dot_folder = folder.join(".devcontainer");
    let primary = dot_folder.join("devcontainer.json");
    if primary.is_file() {
        found.push(primary);
    }
    let root = folder.join(".devcontainer.json");
    if root.is_file() {
        found.push(root);
    }
    if dot_folder.is_dir() {
        let entries = std::fs::read_dir(&dot_folder).map_err(|source| DiscoverError::Read {
            folder: dot_folder.clone(),
            source,
        })?;
        let mut nested: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.path().join("devcontainer.json"))
            .filter(|path| path.is_file())
            .collect();
        nested.sort();
        found.extend(nested);
    }
    Ok(found)
}

/// The one devcontainer.json of the project in `folder`.
///
/// # Errors
///
/// [`DiscoverError::NotFound`] or [`DiscoverError::Ambiguous`] (listing every candidate).
pub fn find(folder: &Path) -> Result<PathBuf, DiscoverError> {
    let mut found = candidates(folder)?;
    match found.len() {
        0 => Err(DiscoverError::NotFound {
            folder: folder.to_owned(),
        }),
        1 => Ok(found.remove(0)),
        _ => Err(DiscoverError::Ambiguous {
            folder: folder.to_owned(),
            found,
        }),
    }
}

/// What a folder holds, as the wizard needs to know before it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectState {
    /// The folder, absolute.
    pub folder: PathBuf,
    /// Whether it exists.
    pub exists: bool,
    /// Its one devcontainer.json, when it has one.
    pub config_file: Option<PathBuf>,
}

/// Whether `folder` exists and which devcontainer.json it has, if any.
///
/// # Errors
///
/// [`DiscoverError::Ambiguous`] when it has several (the window asks which), or
/// [`DiscoverError::Read`] when `.devcontainer` cannot be listed.
pub fn state(folder: &Path) -> Result<ProjectState, DiscoverError> {
    let folder = std::path::absolute(folder).unwrap_or_else(|_| folder.to_path_buf());
    if !folder.is_dir() {
        return Ok(ProjectState {
            exists: folder.exists(),
            folder,
            config_file: None,
        });
    }
    let config_file = match find(&folder) {
        Ok(path) => Some(path),
        Err(DiscoverError::NotFound { .. }) => None,
        Err(err) => return Err(err),
    };
    Ok(ProjectState {
        folder,
        exists: true,
        config_file,
    })
}

/// The project folder a devcontainer.json belongs to: the parent of `.devcontainer/` for
/// `.devcontainer/devcontainer.json` and `.devcontainer/<folder>/devcontainer.json`,
/// otherwise the folder holding the file.
pub fn project_folder(config_file: &Path) -> PathBuf {
    let parent = config_file.parent().unwrap_or(Path::new("."));
    let is_dot_devcontainer = |p: &Path| p.file_name().is_some_and(|n| n == ".devcontainer");
    if is_dot_devcontainer(parent) {
        return parent.parent().unwrap_or(parent).to_owned();
    }
    if let Some(grandparent) = parent.parent() {
        if is_dot_devcontainer(grandparent) {
            return grandparent.parent().unwrap_or(grandparent).to_owned();
        }
    }
    parent.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, relative: &str) -> PathBuf {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "{}").unwrap();
        path
    }

    #[test]
    fn a_folder_s_state_says_whether_it_has_a_config() {
        let dir = tempfile::tempdir().unwrap();
        let empty = state(dir.path()).unwrap();
        assert!(empty.exists);
        assert_eq!(empty.config_file, None);
        let config = touch(dir.path(), ".devcontainer/devcontainer.json");
        assert_eq!(state(dir.path()).unwrap().config_file, Some(config));
        let missing = state(&dir.path().join("not-yet")).unwrap();
        assert!(!missing.exists);
        assert_eq!(missing.config_file, None);
        touch(dir.path(), ".devcontainer.json");
        assert!(matches!(
            state(dir.path()),
            Err(DiscoverError::Ambiguous { .. })
        ));
    }

    #[test]
    fn finds_each_spec_location() {
        for relative in [
            ".devcontainer/devcontainer.json",
            ".devcontainer.json",
            ".devcontainer/gpu/devcontainer.json",
        ] {
            let dir = tempfile::tempdir().unwrap();
            let path = touch(dir.path(), relative);
            assert_eq!(find(dir.path()).unwrap(), path, "{relative}");
        }
    }

    #[test]
    fn deeper_folders_are_not_searched() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), ".devcontainer/a/b/devcontainer.json");
        assert!(matches!(
            find(dir.path()),
            Err(DiscoverError::NotFound { .. })
        ));
    }

    #[test]
    fn several_are_listed_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let nested_b = touch(dir.path(), ".devcontainer/b/devcontainer.json");
        let nested_a = touch(dir.path(), ".devcontainer/a/devcontainer.json");
        let root = touch(dir.path(), ".devcontainer.json");
        let primary = touch(dir.path(), ".devcontainer/devcontainer.json");
        let err = find(dir.path()).unwrap_err();
        let DiscoverError::Ambiguous { found, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(found, &[primary, root, nested_a, nested_b]);
        assert!(err.to_string().contains("--config"), "{err}");
    }

    #[test]
    fn nothing_found_says_where_it_looked() {
        let dir = tempfile::tempdir().unwrap();
        let err = find(dir.path()).unwrap_err();
        assert!(err.to_string().contains(".devcontainer.json"), "{err}");
    }

    #[test]
    fn the_project_folder_of_each_layout() {
        assert_eq!(
            project_folder(Path::new("/p/.devcontainer/devcontainer.json")),
            Path::new("/p")
        );
        assert_eq!(
            project_folder(Path::new("/p/.devcontainer/gpu/devcontainer.json")),
            Path::new("/p")
        );
        assert_eq!(
            project_folder(Path::new("/p/.devcontainer.json")),
            Path::new("/p")
        );
        assert_eq!(
            project_folder(Path::new("/p/x/other.json")),
            Path::new("/p/x")
        );
    }
}
