//! Freeze: the versions installed in the running container written back into the
//! project's pinned requirements — each listed package pinned to what is installed,
//! comments, blank lines and pip options (`--index-url`, `--find-links`, …) kept as they
//! are, installed packages the file lacks added at the end — shown as a diff and written
//! with a backup (seed 002: pinning is what stopped pip's backtracking).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::devcontainer::LoadOptions;
use crate::engine::{exec, Engine};

use super::{engine_error, EnvironmentError};

/// The outcome of a freeze.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frozen {
    /// The requirements file.
    pub path: PathBuf,
    /// A unified diff of the change (empty when nothing changed).
    pub diff: String,
    /// The new contents.
    pub contents: String,
    /// Whether the file was written.
    pub written: bool,
    /// The backup of the old file, when it was written over.
    pub backup: Option<PathBuf>,
    /// Listed packages that are not installed (kept as they were).
    pub not_installed: Vec<String>,
}

/// The requirements file of a project: `.devcontainer/requirements.txt` (what Berth's
/// recipes write), else `requirements.txt` in the project folder.
pub fn requirements_file(project: &Path) -> Option<PathBuf> {
    [
        project.join(".devcontainer").join("requirements.txt"),
        project.join("requirements.txt"),
    ]
    .into_iter()
    .find(|path| path.is_file())
}

/// PEP 503's normal form of a package name.
pub fn normalize(name: &str) -> String {
    let mut out = String::new();
    let mut separator = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
            continue;
        }
        if separator && !out.is_empty() {
            out.push('-');
        }
        separator = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Pin each requirement of `text` to `installed` (normal name → (name, version)).
/// Returns the new text and the listed names that are not installed.
pub fn merge(
    text: &str,
    installed: &BTreeMap<String, (String, String)>,
    today: &str,
) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut listed = std::collections::BTreeSet::new();
    let mut missing = Vec::new();
    for line in text.lines() {
        match pin(line, installed) {
            Line::Kept => out.push_str(line),
            Line::Pinned { name, text } => {
                listed.insert(name);
                out.push_str(&text);
            }
            Line::Missing { name, raw } => {
                listed.insert(normalize(&raw));
                missing.push(name);
                out.push_str(line);
            }
        }
        out.push('\n');
    }
    let added: Vec<String> = installed
        .iter()
        .filter(|(normal, _)| !listed.contains(*normal))
        .map(|(_, (name, version))| format!("{name}=={version}"))
        .collect();
    if !added.is_empty() {
        if !out.is_empty() && !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str(&format!(
            "# Installed in the environment and pinned by `berth freeze` on {today}:\n"
        ));
        for line in added {
            out.push_str(&line);
            out.push('\n');
        }
    }
    (out, missing)
}

enum Line {
    Kept,
    Pinned { name: String, text: String },
    Missing { name: String, raw: String },
}

/// One line of a requirements file, pinned when it names an installed package.
fn pin(line: &str, installed: &BTreeMap<String, (String, String)>) -> Line {
    let trimmed = line.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('-') {
        return Line::Kept;
    }
    let (body, comment) = match trimmed.find(" #") {
        Some(at) => (&trimmed[..at], Some(trimmed[at..].trim())),
        None => (trimmed, None),
    };
    let (spec, marker) = match body.split_once(';') {
        Some((spec, marker)) => (spec.trim(), Some(marker.trim())),
        None => (body.trim(), None),
    };
    // URLs, paths and `name @ url` stay as written: their version is the file.
    if spec.contains("://")
        || spec.contains(" @ ")
        || spec.contains('@')
        || spec.starts_with('.')
        || spec.starts_with('/')
    {
        return Line::Kept;
    }
    let name_end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(spec.len());
    let name = &spec[..name_end];
    if name.is_empty() {
        return Line::Kept;
    }
    let rest = &spec[name_end..];
    let extras = rest
        .trim_start()
        .strip_prefix('[')
        .and_then(|r| r.split_once(']'))
        .map(|(extras, _)| format!("[{extras}]"))
        .unwrap_or_default();
    match installed.get(&normalize(name)) {
        Some((_, version)) => {
            let mut text = format!("{name}{extras}=={version}");
            if let Some(marker) = marker {
                text.push_str(&format!(" ; {marker}"));
            }
            if let Some(comment) = comment {
                text.push_str(&format!("  {comment}"));
            }
            Line::Pinned {
                name: normalize(name),
                text,
            }
        }
        None => Line::Missing {
            name: name.to_owned(),
            raw: name.to_owned(),
        },
    }
}

/// What pip says is installed for the session's user: the user site (`~/.local`, the
/// package volume) when it has anything, else the whole environment.
async fn installed(
    engine: &Engine,
    session: &super::lifecycle::Session,
    folder: &Path,
) -> Result<BTreeMap<String, (String, String)>, EnvironmentError> {
    for user_only in [true, false] {
        let mut cmd = vec![
            "python3".to_owned(),
            "-m".to_owned(),
            "pip".to_owned(),
            "list".to_owned(),
            "--format=json".to_owned(),
            "--disable-pip-version-check".to_owned(),
        ];
        if user_only {
            cmd.push("--user".to_owned());
        }
        let output = exec::capture(engine, &session.container, &session.spec(cmd, false))
            .await
            .map_err(engine_error(folder, "ask pip what is installed"))?;
        if output.exit_code != 0 {
            return Err(EnvironmentError::Invalid(format!(
                "`pip list` failed in the container (exit code {}): {}",
                output.exit_code,
                output.stderr_text().trim()
            )));
        }
        let listed: Vec<serde_json::Value> =
            serde_json::from_slice(&output.stdout).map_err(|err| {
                EnvironmentError::Invalid(format!("`pip list` printed no JSON: {err}"))
            })?;
        let packages: BTreeMap<String, (String, String)> = listed
            .iter()
            .filter_map(|p| {
                let name = p.get("name")?.as_str()?;
                let version = p.get("version")?.as_str()?;
                Some((normalize(name), (name.to_owned(), version.to_owned())))
            })
            .filter(|(normal, _)| !matches!(normal.as_str(), "pip" | "setuptools" | "wheel"))
            .collect();
        if !packages.is_empty() || !user_only {
            return Ok(packages);
        }
    }
    Ok(BTreeMap::new())
}

/// Freeze `target`'s running environment into `file` (or the project's requirements
/// file); writes it (keeping a backup) unless `dry_run`.
///
/// # Errors
///
/// No running container, no requirements file, pip failing, or the write.
pub async fn freeze(
    engine: &Engine,
    target: &Path,
    load: &LoadOptions,
    file: Option<&Path>,
    dry_run: bool,
) -> Result<Frozen, EnvironmentError> {
    let session = super::exec::session(engine, target, load).await?;
    let resolved = crate::devcontainer::load(target, load)?;
    let folder = resolved.local_folder.clone();
    let path = match file {
        Some(file) => file.to_owned(),
        None => requirements_file(&folder).ok_or_else(|| {
            EnvironmentError::Invalid(format!(
                "'{}' has no requirements.txt (in .devcontainer/ or the project folder): name the file to freeze into",
                folder.display()
            ))
        })?,
    };
    let old = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(EnvironmentError::File {
                doing: "read",
                path,
                source,
            })
        }
    };
    let installed = installed(engine, &session, &folder).await?;
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    let (contents, not_installed) = merge(&old, &installed, &today);
    let diff = if contents == old {
        String::new()
    } else {
        crate::project_file::unified_diff(&path, old.as_bytes(), &contents)
    };
    let mut frozen = Frozen {
        path: path.clone(),
        diff,
        contents,
        written: false,
        backup: None,
        not_installed,
    };
    if !dry_run && !frozen.diff.is_empty() {
        frozen.backup = crate::project_file::replace_with_backup(&path, frozen.contents.as_bytes())
            .map_err(|source| EnvironmentError::File {
                doing: "write",
                path,
                source,
            })?;
        frozen.written = true;
    }
    Ok(frozen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn installed(pairs: &[(&str, &str)]) -> BTreeMap<String, (String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (normalize(n), ((*n).to_owned(), (*v).to_owned())))
            .collect()
    }

    #[test]
    fn listed_packages_are_pinned_and_everything_else_kept() {
        let text = "# data science\n--index-url https://download.pytorch.org/whl/cpu\n--find-links wheels\n\nnumpy>=1.26\nSpacy[lookups] < 4.0 ; python_version >= \"3.9\"  # NLP\n-e .\ngit+https://example.org/x.git\nnot-installed==1.0\n";
        let (out, missing) = merge(
            text,
            &installed(&[("numpy", "2.1.0"), ("spacy", "3.7.4"), ("thinc", "8.2.5")]),
            "2026-12-02",
        );
        assert_eq!(
            out,
            "# data science\n--index-url https://download.pytorch.org/whl/cpu\n--find-links wheels\n\nnumpy==2.1.0\nSpacy[lookups]==3.7.4 ; python_version >= \"3.9\"  # NLP\n-e .\ngit+https://example.org/x.git\nnot-installed==1.0\n\n# Installed in the environment and pinned by `berth freeze` on 2026-12-02:\nthinc==8.2.5\n"
        );
        assert_eq!(missing, ["not-installed"]);
    }

    #[test]
    fn freezing_twice_changes_nothing() {
        let packages = installed(&[("numpy", "2.1.0"), ("thinc", "8.2.5")]);
        let (once, _) = merge("numpy\n", &packages, "2026-12-02");
        let (twice, _) = merge(&once, &packages, "2026-12-03");
        assert_eq!(once, twice);
    }

    #[test]
    fn names_are_compared_in_normal_form() {
        assert_eq!(normalize("Foo__Bar.baz"), "foo-bar-baz");
        let (out, _) = merge("foo_bar\n", &installed(&[("Foo-Bar", "1")]), "d");
        assert_eq!(out, "foo_bar==1\n");
    }
}
