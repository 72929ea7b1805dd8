//! What a key of devcontainer.json's `features` map points at: a folder beside the
//! configuration (`./name`), an OCI artifact (`ghcr.io/owner/repo/name:tag` or
//! `…@sha256:…`), or one of the deprecated short ids the reference CLI still maps
//! (`git` → `ghcr.io/devcontainers/features/git:1`).

use std::path::{Path, PathBuf};

use super::FeatureError;

/// Where the deprecated short ids live now.
const DEPRECATED_HOME: &str = "ghcr.io/devcontainers/features";

/// Short ids the reference CLI maps to `ghcr.io/devcontainers/features/<id>:1`.
const DEPRECATED_IDS: &[&str] = &[
    "aws-cli",
    "azure-cli",
    "desktop-lite",
    "docker-in-docker",
    "docker-from-docker",
    "dotnet",
    "git",
    "git-lfs",
    "github-cli",
    "java",
    "kubectl-helm-minikube",
    "node",
    "powershell",
    "python",
    "ruby",
    "rust",
    "sshd",
    "terraform",
];

/// Short ids that were renamed: the old name and the Feature's name now.
const RENAMED_IDS: &[(&str, &str)] = &[("golang", "go"), ("common", "common-utils")];

/// A Feature in an OCI registry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OciRef {
    /// The registry host (and port), e.g. `ghcr.io` or `localhost:5000`.
    pub registry: String,
    /// The repository path, e.g. `devcontainers/features/git`.
    pub repository: String,
    /// A tag (`1`, `latest`) or a digest (`sha256:…`).
    pub reference: String,
}

impl OciRef {
    /// The Feature's id: the repository's last segment (`git`).
    pub fn id(&self) -> &str {
        self.repository
            .rsplit('/')
            .next()
            .unwrap_or(&self.repository)
    }

    /// Registry and repository without the tag, as `installsAfter` and `dependsOn` name
    /// a Feature (`ghcr.io/devcontainers/features/git`).
    pub fn resource(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// Whether the reference is a digest rather than a tag.
    pub fn is_digest(&self) -> bool {
        self.reference.contains(':')
    }

    /// The same Feature pinned to `digest`, written as the lock file writes it.
    pub fn pinned(&self, digest: &str) -> String {
        format!("{}@{digest}", self.resource())
    }

    /// Whether the registry is on this machine, where plain HTTP is used (as the
    /// reference CLI does for `localhost`).
    pub fn is_loopback(&self) -> bool {
        let host = self
            .registry
            .rsplit_once(':')
            .map_or(self.registry.as_str(), |(host, _)| host);
        matches!(host, "localhost" | "127.0.0.1" | "[::1]")
    }
}

impl std::fmt::Display for OciRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let separator = if self.is_digest() { '@' } else { ':' };
        write!(
            f,
            "{}/{}{separator}{}",
            self.registry, self.repository, self.reference
        )
    }
}

/// Where a Feature comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FeatureSource {
    /// A folder on this machine, relative to the `.devcontainer/` folder.
    Local(PathBuf),
    /// An artifact in an OCI registry.
    Oci(OciRef),
}

impl FeatureSource {
    /// Read a key of the `features` map; `config_dir` is the folder of devcontainer.json.
    /// Returns the source and, for a deprecated short id, a warning naming its new form.
    ///
    /// # Errors
    ///
    /// [`FeatureError::Reference`]: a form Berth cannot fetch (a tarball URL, a GitHub
    /// release, an upper-case or malformed reference).
    pub fn parse(key: &str, config_dir: &Path) -> Result<(Self, Option<String>), FeatureError> {
        let refuse = |why: &str| FeatureError::Reference {
            feature: key.to_owned(),
            message: why.to_owned(),
        };
        if key.starts_with("./") || key.starts_with("../") {
            let relative: PathBuf = Path::new(key)
                .components()
                .filter(|c| !matches!(c, std::path::Component::CurDir))
                .collect();
            return Ok((Self::Local(config_dir.join(relative)), None));
        }
        if key.starts_with('/') {
            return Err(refuse(
                "a Feature folder must be relative to the .devcontainer folder (start it with \"./\"), as the spec asks",
            ));
        }
        if key.starts_with("https://") || key.starts_with("http://") {
            return Err(refuse(
                "Features from a tarball URL are not supported by Berth yet; publish the Feature to an OCI registry or copy it into .devcontainer/ and write \"./<folder>\"",
            ));
        }
        if !key.contains('/') {
            let short = key;
            if DEPRECATED_IDS.contains(&short) {
                let now = format!("{DEPRECATED_HOME}/{short}:1");
                let warning = format!(
                    "the Feature \"{key}\" uses a deprecated short id: write \"{now}\" instead"
                );
                return Ok((
                    Self::Oci(parse_oci(&now).map_err(|m| refuse(&m))?),
                    Some(warning),
                ));
            }
            if let Some((_, renamed)) = RENAMED_IDS.iter().find(|(old, _)| *old == short) {
                let now = format!("{DEPRECATED_HOME}/{renamed}:1");
                let warning = format!("the Feature \"{key}\" was renamed: write \"{now}\" instead");
                return Ok((
                    Self::Oci(parse_oci(&now).map_err(|m| refuse(&m))?),
                    Some(warning),
                ));
            }
            return Err(refuse(
                "not a Feature reference: write an OCI reference such as \"ghcr.io/devcontainers/features/git:1\" or a folder such as \"./my-feature\"",
            ));
        }
        let first = key.split('/').next().unwrap_or_default();
        let is_registry = first.contains('.') || first.contains(':') || first == "localhost";
        if !is_registry {
            return Err(refuse(
                "GitHub-release Features (owner/repo/feature) are deprecated and not supported by Berth; use the Feature's OCI reference (ghcr.io/owner/repo/feature:tag)",
            ));
        }
        Ok((Self::Oci(parse_oci(key).map_err(|m| refuse(&m))?), None))
    }
}

/// `registry/path/name[:tag|@digest]`, the tag `latest` when none is given.
fn parse_oci(text: &str) -> Result<OciRef, String> {
    let (rest, reference) = if let Some((rest, digest)) = text.split_once('@') {
        let valid = digest
            .strip_prefix("sha256:")
            .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
        if !valid {
            return Err(format!(
                "the digest '{digest}' is not a sha256 digest (sha256: and 64 hex digits)"
            ));
        }
        (rest, digest.to_owned())
    } else {
        // A colon after the last slash starts the tag (one before it is a port).
        let slash = text.rfind('/').unwrap_or(0);
        match text[slash..].find(':') {
            Some(colon) => (&text[..slash + colon], text[slash + colon + 1..].to_owned()),
            None => (text, "latest".to_owned()),
        }
    };
    let (registry, repository) = rest
        .split_once('/')
        .ok_or_else(|| "an OCI reference needs a registry and a path".to_owned())?;
    if repository.is_empty() || repository.split('/').any(str::is_empty) {
        return Err("the repository path has an empty segment".to_owned());
    }
    if repository != repository.to_lowercase() {
        return Err("OCI repository names must be lower case".to_owned());
    }
    let valid_path = repository
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-/".contains(&b));
    if !valid_path {
        return Err("the repository path may hold only a-z, 0-9, '.', '_', '-' and '/'".to_owned());
    }
    let valid_tag = reference.contains(':')
        || (!reference.is_empty()
            && reference.len() <= 128
            && reference
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)));
    if !valid_tag {
        return Err(format!("'{reference}' is not a valid tag"));
    }
    Ok(OciRef {
        registry: registry.to_owned(),
        repository: repository.to_owned(),
        reference,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oci(key: &str) -> OciRef {
        match FeatureSource::parse(key, Path::new("/p/.devcontainer"))
            .unwrap()
            .0
        {
            FeatureSource::Oci(r) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn oci_references_keep_registry_port_tag_and_digest() {
        let git = oci("ghcr.io/devcontainers/features/git:1");
        assert_eq!(
            (
                git.registry.as_str(),
                git.repository.as_str(),
                git.reference.as_str()
            ),
            ("ghcr.io", "devcontainers/features/git", "1")
        );
        assert_eq!(git.id(), "git");
        assert_eq!(git.resource(), "ghcr.io/devcontainers/features/git");
        let local = oci("localhost:5000/berth/hello");
        assert_eq!(local.reference, "latest");
        assert_eq!(local.registry, "localhost:5000");
        assert!(local.is_loopback());
        let digest = format!("sha256:{}", "a".repeat(64));
        let pinned = oci(&format!("ghcr.io/x/y@{digest}"));
        assert!(pinned.is_digest());
        assert_eq!(pinned.to_string(), format!("ghcr.io/x/y@{digest}"));
        assert_eq!(git.to_string(), "ghcr.io/devcontainers/features/git:1");
    }

    #[test]
    fn local_folders_are_relative_to_the_config_folder() {
        let (source, _) = FeatureSource::parse("./tools", Path::new("/p/.devcontainer")).unwrap();
        assert_eq!(
            source,
            FeatureSource::Local("/p/.devcontainer/./tools".into())
        );
    }

    #[test]
    fn deprecated_short_ids_map_as_the_reference_cli_maps_them() {
        let (source, warning) = FeatureSource::parse("golang", Path::new("/p")).unwrap();
        assert_eq!(
            source,
            FeatureSource::Oci(oci("ghcr.io/devcontainers/features/go:1"))
        );
        assert!(warning
            .unwrap()
            .contains("ghcr.io/devcontainers/features/go:1"));
        let (source, _) = FeatureSource::parse("git", Path::new("/p")).unwrap();
        assert_eq!(
            source,
            FeatureSource::Oci(oci("ghcr.io/devcontainers/features/git:1"))
        );
    }

    #[test]
    fn forms_berth_cannot_fetch_are_refused_with_the_fix() {
        for (key, says) in [
            ("https://example.com/f.tgz", "tarball"),
            ("devcontainers/features/go", "GitHub-release"),
            ("nonsense", "not a Feature reference"),
            ("ghcr.io/Owner/f:1", "lower case"),
            ("ghcr.io/x/y@sha256:12", "not a sha256"),
            ("/abs/feature", "relative"),
        ] {
            let err = FeatureSource::parse(key, Path::new("/p")).unwrap_err();
            let text = err.to_string();
            assert!(text.contains(key) && text.contains(says), "{key}: {text}");
        }
    }
}
