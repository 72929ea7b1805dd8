//! Dataset mounts: a host folder, a path inside the container, and the characters that
//! would break Docker's mount syntax.

use std::fmt;
use std::str::FromStr;

use super::{control_char, shown, GrammarError, MAX_LEN};

/// Characters that would break Docker's `--mount` syntax (comma-separated, CSV-quoted) or
/// be substituted by the Dev Container tools (`${…}`).
fn mount_breaker(value: &str) -> Option<&'static str> {
    if value.contains(',') {
        Some("',' is not allowed: it separates the fields of a Docker mount")
    } else if value.contains('"') {
        Some("'\"' is not allowed: Docker reads mount fields as CSV")
    } else if value.contains("${") {
        Some("'${' is not allowed: the Dev Container tools substitute ${…} variables")
    } else {
        None
    }
}

/// An absolute path inside the container, not `/`, without `.`/`..` parts, without
/// characters that break a mount: `/datasets/imagenet`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContainerPath(String);

impl ContainerPath {
    /// The path.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `self` is `other` or inside it.
    pub fn is_within(&self, other: &str) -> bool {
        let other = other.trim_end_matches('/');
        self.0 == other || self.0.starts_with(&format!("{other}/"))
    }
}

impl FromStr for ContainerPath {
    type Err = GrammarError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |rule: &str| GrammarError::ContainerPath {
            value: s.to_owned(),
            rule: rule.to_owned(),
        };
        if s.len() > MAX_LEN {
            return Err(err("longer than 4096 characters"));
        }
        if control_char(s).is_some() {
            return Err(err(
                "control characters (newline, NUL, tab) are not allowed",
            ));
        }
        if !s.starts_with('/') {
            return Err(err("must be absolute, e.g. '/datasets/imagenet'"));
        }
        if let Some(rule) = mount_breaker(s) {
            return Err(err(rule));
        }
        if s.contains(':') {
            return Err(err("':' is not allowed: it separates HOST:CONTAINER"));
        }
        let parts: Vec<&str> = s.split('/').filter(|part| !part.is_empty()).collect();
        if parts.is_empty() {
            return Err(err(
                "must not be '/': mounting over the root hides the whole system",
            ));
        }
        if parts.iter().any(|part| *part == "." || *part == "..") {
            return Err(err("'.' and '..' parts are not allowed"));
        }
        Ok(Self(format!("/{}", parts.join("/"))))
    }
}

impl fmt::Display for ContainerPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A path on the host: absolute (`/data/imagenet`, `D:\data`), or relative to the project
/// folder (`data/raw`, no `..`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HostPath {
    /// An absolute path, as written.
    Absolute(String),
    /// A path inside the project folder, `/`-separated, without `.` or `..` parts.
    InProject(String),
}

impl HostPath {
    /// The path as a `devcontainer.json` mount source: absolute paths as written, project
    /// paths under `${localWorkspaceFolder}`.
    pub fn mount_source(&self) -> String {
        match self {
            Self::Absolute(path) => path.clone(),
            Self::InProject(path) => format!("${{localWorkspaceFolder}}/{path}"),
        }
    }
}

impl FromStr for HostPath {
    type Err = GrammarError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |rule: &str| GrammarError::HostPath {
            value: s.to_owned(),
            rule: rule.to_owned(),
        };
        if s.is_empty() {
            return Err(err("must not be empty"));
        }
        if s.len() > MAX_LEN {
            return Err(err("longer than 4096 characters"));
        }
        if control_char(s).is_some() {
            return Err(err(
                "control characters (newline, NUL, tab) are not allowed",
            ));
        }
        if let Some(rule) = mount_breaker(s) {
            return Err(err(rule));
        }
        let bytes = s.as_bytes();
        let windows_absolute = bytes.len() >= 3
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && (bytes[2] == b'\\' || bytes[2] == b'/');
        if s.starts_with('/') || windows_absolute || s.starts_with("\\\\") {
            let rest = if windows_absolute { &s[2..] } else { s };
            if rest.contains(':') {
                return Err(err(
                    "':' is not allowed after the drive: it separates HOST:CONTAINER",
                ));
            }
            return Ok(Self::Absolute(s.to_owned()));
        }
        let parts: Vec<&str> = s
            .split(['/', '\\'])
            .filter(|part| !part.is_empty() && *part != ".")
            .collect();
        if parts.is_empty() {
            return Err(err(
                "the project folder itself is already mounted as the workspace",
            ));
        }
        if parts.contains(&"..") {
            return Err(err(
                "'..' is not allowed: give an absolute path for folders outside the project",
            ));
        }
        let safe = |c: char| c.is_ascii_alphanumeric() || "._-+@".contains(c);
        if let Some(bad) = parts
            .iter()
            .flat_map(|part| part.chars())
            .find(|c| !safe(*c))
        {
            return Err(err(&format!(
                "{} is not allowed in a project-relative path: use letters, digits and . _ - + @, or an absolute path",
                shown(&bad.to_string())
            )));
        }
        Ok(Self::InProject(parts.join("/")))
    }
}

impl fmt::Display for HostPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Absolute(path) | Self::InProject(path) => f.write_str(path),
        }
    }
}

/// A dataset folder to mount: `HOST:CONTAINER[:ro|:rw]`, read-only when `:ro`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DatasetMount {
    /// The folder on the host.
    pub host: HostPath,
    /// Where it appears in the container.
    pub container: ContainerPath,
    /// Mounted read-only.
    pub read_only: bool,
}

impl FromStr for DatasetMount {
    type Err = GrammarError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |rule: String| GrammarError::Mount {
            value: s.to_owned(),
            rule,
        };
        let (rest, read_only) = if let Some(rest) = s.strip_suffix(":ro") {
            (rest, true)
        } else if let Some(rest) = s.strip_suffix(":rw") {
            (rest, false)
        } else {
            (s, false)
        };
        // The container path is absolute: split at the last ":/".
        let Some(split) = rest.rfind(":/") else {
            return Err(err(
                "expected HOST:CONTAINER[:ro] with an absolute container path, e.g. '/data/imagenet:/datasets/imagenet:ro'"
                    .to_owned(),
            ));
        };
        let host = rest[..split]
            .parse::<HostPath>()
            .map_err(|e| err(e.to_string()))?;
        let container = rest[split + 1..]
            .parse::<ContainerPath>()
            .map_err(|e| err(e.to_string()))?;
        Ok(Self {
            host,
            container,
            read_only,
        })
    }
}
