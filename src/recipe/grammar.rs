//! The grammar of every value a user can put into a recipe. A value reaches a generated
//! file only as one of these types, and each is parsed against the rule of the place it
//! ends up in (PEP 508, Debian policy, OCI references, Docker mount syntax, pip's
//! requirement files), so a typo is caught here with a message naming the rule, and a
//! hostile string never reaches a shell, a Dockerfile or a requirements file.

use std::fmt;
use std::str::FromStr;

use url::Url;

mod mount;
mod pip;

pub use mount::{ContainerPath, DatasetMount, HostPath};
pub use pip::{split_requirement_list, PipRequirement};

/// The longest value Berth accepts for any field (paths, URLs, requirements).
const MAX_LEN: usize = 4096;
/// The largest extra CA certificate file Berth accepts.
const MAX_CA_CERT_BYTES: usize = 1 << 20;

/// A value that breaks the grammar of its field. The message names the value and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrammarError {
    /// Not a Debian package name.
    #[error("invalid Debian package name {}: {rule}", shown(.value))]
    AptPackage {
        /// The value given.
        value: String,
        /// The rule it breaks.
        rule: String,
    },
    /// Not a PEP 508 requirement, or one pip would misread in a requirements file.
    #[error("invalid pip requirement {}: {rule}", shown(.value))]
    PipRequirement {
        /// The value given.
        value: String,
        /// The rule it breaks.
        rule: String,
    },
    /// Not an OCI image reference.
    #[error("invalid image reference {}: {rule}", shown(.value))]
    ImageRef {
        /// The value given.
        value: String,
        /// The rule it breaks.
        rule: String,
    },
    /// Not a usable path inside the container.
    #[error("invalid container path {}: {rule}", shown(.value))]
    ContainerPath {
        /// The value given.
        value: String,
        /// The rule it breaks.
        rule: String,
    },
    /// Not a usable path on the host.
    #[error("invalid host path {}: {rule}", shown(.value))]
    HostPath {
        /// The value given.
        value: String,
        /// The rule it breaks.
        rule: String,
    },
    /// Not `HOST:CONTAINER[:ro]`.
    #[error("invalid dataset mount {}: {rule}", shown(.value))]
    Mount {
        /// The value given.
        value: String,
        /// The rule it breaks.
        rule: String,
    },
    /// Not a VS Code extension id.
    #[error("invalid VS Code extension id {}: {rule}", shown(.value))]
    ExtensionId {
        /// The value given.
        value: String,
        /// The rule it breaks.
        rule: String,
    },
    /// Not a package index URL.
    #[error("invalid package index URL {}: {rule}", shown(.value))]
    IndexUrl {
        /// The value given.
        value: String,
        /// The rule it breaks.
        rule: String,
    },
    /// Not a find-links URL or project folder.
    #[error("invalid find-links location {}: {rule}", shown(.value))]
    FindLinks {
        /// The value given.
        value: String,
        /// The rule it breaks.
        rule: String,
    },
    /// Not a PEM certificate.
    #[error("invalid CA certificate {}: {rule}", shown(.value))]
    CaCertificate {
        /// Where the certificate came from (a file name).
        value: String,
        /// The rule it breaks.
        rule: String,
    },
}

/// The user's value in quotes, escaped and shortened so a hostile value cannot garble the
/// message itself.
fn shown(value: &str) -> String {
    const SHOWN: usize = 120;
    let escaped: String = value.escape_debug().collect();
    if escaped.chars().count() > SHOWN {
        let head: String = escaped.chars().take(SHOWN).collect();
        format!("'{head}…'")
    } else {
        format!("'{escaped}'")
    }
}

/// The first character that is a control character (newline, NUL, tab, …), if any.
fn control_char(value: &str) -> Option<char> {
    value.chars().find(|c| c.is_control())
}

/// A Debian package name: lowercase letters, digits, `+`, `-`, `.`; at least two
/// characters, starting with a letter or digit (Debian Policy §5.6.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AptPackage(String);

impl AptPackage {
    /// The package name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for AptPackage {
    type Err = GrammarError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |rule: &str| GrammarError::AptPackage {
            value: s.to_owned(),
            rule: rule.to_owned(),
        };
        let name = s.trim();
        if name.len() < 2 {
            return Err(err(
                "a package name has at least two characters (Debian Policy 5.6.1)",
            ));
        }
        if name.len() > 200 {
            return Err(err("a package name has at most 200 characters"));
        }
        let mut chars = name.chars();
        let first = chars.next().unwrap_or_default();
        if !(first.is_ascii_lowercase() || first.is_ascii_digit()) {
            return Err(err(
                "a package name starts with a lowercase letter or a digit (Debian Policy 5.6.1)",
            ));
        }
        if let Some(bad) =
            chars.find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(*c)))
        {
            return Err(err(&format!(
                "{} is not allowed: only lowercase letters, digits, '+', '-' and '.' (Debian Policy 5.6.1)",
                shown(&bad.to_string())
            )));
        }
        Ok(Self(name.to_owned()))
    }
}

impl fmt::Display for AptPackage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An OCI image reference (`nvidia/cuda:12.4.1-base-ubuntu22.04`, `ghcr.io/org/img@sha256:…`)
/// with a lowercase repository, kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef(String);

impl ImageRef {
    /// The reference as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ImageRef {
    type Err = GrammarError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |rule: String| GrammarError::ImageRef {
            value: s.to_owned(),
            rule,
        };
        if s.len() > 1024 {
            return Err(err("longer than 1024 characters".to_owned()));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err(
                "whitespace is not allowed in an image reference".to_owned()
            ));
        }
        let reference = oci_spec::distribution::Reference::try_from(s).map_err(|e| {
            err(format!(
                "expected [registry/]repository[:tag][@digest], e.g. 'nvidia/cuda:12.4.1-base-ubuntu22.04' ({e})"
            ))
        })?;
        let repository = reference.repository();
        if repository.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(err(format!(
                "the repository '{repository}' must be lowercase (OCI distribution spec)"
            )));
        }
        Ok(Self(s.to_owned()))
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A VS Code extension id: `publisher.name`, e.g. `ms-python.python`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExtensionId(String);

impl ExtensionId {
    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ExtensionId {
    type Err = GrammarError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || {
            GrammarError::ExtensionId {
            value: s.to_owned(),
            rule: "expected publisher.name: letters, digits and '-', starting with a letter or digit, e.g. 'ms-python.python'".to_owned(),
        }
        };
        let part = |p: &str| {
            !p.is_empty()
                && p.len() <= 128
                && p.starts_with(|c: char| c.is_ascii_alphanumeric())
                && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        match s.trim().split_once('.') {
            Some((publisher, name)) if part(publisher) && part(name) => {
                Ok(Self(s.trim().to_owned()))
            }
            _ => Err(err()),
        }
    }
}

impl fmt::Display for ExtensionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reject what would break the line-based files a URL is written into (requirements.txt,
/// pip.conf) before parsing: `url` would quietly drop or encode some of it.
fn url_breaker(s: &str) -> Option<String> {
    if s.len() > MAX_LEN {
        return Some(format!("longer than {MAX_LEN} characters"));
    }
    if let Some(c) = s.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Some(format!(
            "{} is not allowed: URLs have no whitespace or control characters",
            shown(&c.to_string())
        ));
    }
    if let Some(c) = s.chars().find(|c| "\"'`<>\\{}|^".contains(*c)) {
        return Some(format!(
            "{} is not allowed in a URL here; percent-encode it",
            shown(&c.to_string())
        ));
    }
    if s.contains("${") {
        return Some("'${' is not allowed: pip expands ${VAR}".to_owned());
    }
    None
}

/// A package index URL for pip (`--index-url`, PyTorch's per-CUDA wheel index): `http` or
/// `https` with a host.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IndexUrl(String);

impl IndexUrl {
    /// The URL as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for IndexUrl {
    type Err = GrammarError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |rule: String| GrammarError::IndexUrl {
            value: s.to_owned(),
            rule,
        };
        if let Some(rule) = url_breaker(s) {
            return Err(err(rule));
        }
        let url = Url::parse(s).map_err(|e| {
            err(format!(
                "not a URL ({e}); expected e.g. 'https://pypi.example.edu/simple'"
            ))
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(err(
                "expected an http:// or https:// URL with a host, e.g. 'https://pypi.example.edu/simple'"
                    .to_owned(),
            ));
        }
        Ok(Self(s.to_owned()))
    }
}

impl fmt::Display for IndexUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where pip finds extra wheels (`--find-links`): a URL of a page or folder, or a folder
/// of wheels inside the project (copied into the image, for installs without an index).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FindLinks {
    /// An `http`, `https` or `file` URL, as written.
    Url(String),
    /// A folder inside the project, `/`-separated, without `.` or `..` parts.
    ProjectDir(String),
}

impl FromStr for FindLinks {
    type Err = GrammarError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |rule: String| GrammarError::FindLinks {
            value: s.to_owned(),
            rule,
        };
        if s.contains("://") {
            if let Some(rule) = url_breaker(s) {
                return Err(err(rule));
            }
            let url = Url::parse(s).map_err(|e| err(format!("not a URL ({e})")))?;
            let usable = match url.scheme() {
                "http" | "https" => url.host_str().is_some(),
                "file" => true,
                _ => false,
            };
            if !usable {
                return Err(err(
                    "expected an http://, https:// or file:// URL, or a folder inside the project"
                        .to_owned(),
                ));
            }
            return Ok(Self::Url(s.to_owned()));
        }
        if s.starts_with('/') || s.starts_with('\\') || s.get(1..2) == Some(":") {
            return Err(err(
                "a local folder must be inside the project (relative, e.g. 'wheels'), so the build can copy it; use a file:// URL for other folders"
                    .to_owned(),
            ));
        }
        let parts: Vec<&str> = s
            .split('/')
            .filter(|part| !part.is_empty() && *part != ".")
            .collect();
        if parts.is_empty() {
            return Err(err(
                "expected a folder inside the project, e.g. 'wheels'".to_owned()
            ));
        }
        if parts.contains(&"..") {
            return Err(err(
                "'..' is not allowed: the folder must be inside the project".to_owned(),
            ));
        }
        let safe = |c: char| c.is_ascii_alphanumeric() || "._-+@".contains(c);
        if let Some(bad) = parts
            .iter()
            .flat_map(|part| part.chars())
            .find(|c| !safe(*c))
        {
            return Err(err(format!(
                "{} is not allowed in a project folder name: use letters, digits and . _ - + @",
                shown(&bad.to_string())
            )));
        }
        Ok(Self::ProjectDir(parts.join("/")))
    }
}

impl fmt::Display for FindLinks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Url(text) | Self::ProjectDir(text) => f.write_str(text),
        }
    }
}

/// An extra CA certificate (a university's TLS-intercepting proxy or mirror) in PEM form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CaCertificate {
    pem: String,
}

impl CaCertificate {
    /// Check that `pem` (read from `origin`, e.g. a file name) holds PEM certificates only.
    ///
    /// # Errors
    ///
    /// When it is too large, not ASCII, or has no complete `CERTIFICATE` block.
    pub fn from_pem(pem: &str, origin: &str) -> Result<Self, GrammarError> {
        let err = |rule: &str| GrammarError::CaCertificate {
            value: origin.to_owned(),
            rule: rule.to_owned(),
        };
        if pem.len() > MAX_CA_CERT_BYTES {
            return Err(err(
                "larger than 1 MiB; expected one or a few PEM certificates",
            ));
        }
        if !pem.is_ascii() || pem.contains('\0') {
            return Err(err("not a PEM text file (it has binary or non-ASCII bytes); convert a DER file with `openssl x509 -inform der -in cert.cer -out cert.crt`"));
        }
        let begins = pem.matches("-----BEGIN CERTIFICATE-----").count();
        let ends = pem.matches("-----END CERTIFICATE-----").count();
        if begins == 0 || begins != ends {
            return Err(err(
                "expected PEM certificates between '-----BEGIN CERTIFICATE-----' and '-----END CERTIFICATE-----'",
            ));
        }
        if pem.contains("PRIVATE KEY-----") {
            return Err(err("it contains a private key; give the certificate only"));
        }
        let mut pem = pem.replace("\r\n", "\n");
        if !pem.ends_with('\n') {
            pem.push('\n');
        }
        Ok(Self { pem })
    }

    /// Read and check the PEM file at `path`.
    ///
    /// # Errors
    ///
    /// When the file cannot be read or is not a PEM certificate.
    pub fn read(path: &std::path::Path) -> Result<Self, GrammarError> {
        let origin = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| GrammarError::CaCertificate {
            value: origin.clone(),
            rule: format!("cannot read the file: {e}"),
        })?;
        let text = String::from_utf8(bytes).map_err(|_| GrammarError::CaCertificate {
            value: origin.clone(),
            rule: "not a PEM text file (it is not UTF-8)".to_owned(),
        })?;
        Self::from_pem(&text, &origin)
    }

    /// The certificate(s), PEM, with `\n` line ends.
    pub fn pem(&self) -> &str {
        &self.pem
    }
}

#[cfg(test)]
#[path = "grammar_tests.rs"]
mod tests;
