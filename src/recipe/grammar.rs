//! The grammar of every value a user can put into a recipe. A value reaches a generated
//! file only as one of these types, and each is parsed against the rule of the place it
//! ends up in (PEP 508, Debian policy, OCI references, Docker mount syntax, pip's
//! requirement files), so a typo is caught here with a message naming the rule, and a
//! hostile string never reaches a shell, a Dockerfile or a requirements file.

use std::fmt;
use std::str::FromStr;

use url::Url;

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

/// A PEP 508 requirement that pip reads back unchanged from a requirements file: written
/// in its normalised form, without `${VAR}` (pip expands it), ` #` (pip strips it as a
/// comment) or a trailing `\` (pip joins the next line).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PipRequirement {
    text: String,
    name: String,
}

impl PipRequirement {
    /// The requirement as written into `requirements.txt`, e.g. `numpy==2.1.3`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The normalised distribution name, e.g. `scikit-learn`.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// PEP 508 identifiers (the name, each extra) end with a letter or digit; pep508_rs 0.9
/// panics instead of refusing a name or extra that ends in `.`, `-` or `_` and is followed
/// by more text, so those are refused here first.
fn identifier_rule(requirement: &str) -> Option<&'static str> {
    let is_identifier = |c: char| c.is_ascii_alphanumeric() || "._-".contains(c);
    let ends_badly = |identifier: &str| identifier.ends_with(['.', '-', '_']);
    let name_len = requirement
        .find(|c: char| !is_identifier(c))
        .unwrap_or(requirement.len());
    if ends_badly(&requirement[..name_len]) {
        return Some("the package name must end with a letter or digit (PEP 508)");
    }
    let rest = requirement[name_len..].trim_start();
    if let Some(extras) = rest.strip_prefix('[') {
        let inside = extras.split(']').next().unwrap_or_default();
        for extra in inside.split(',').map(str::trim) {
            let run = extra
                .find(|c: char| !is_identifier(c))
                .unwrap_or(extra.len());
            if ends_badly(&extra[..run]) {
                return Some("each extra must end with a letter or digit (PEP 508)");
            }
        }
    }
    None
}

impl FromStr for PipRequirement {
    type Err = GrammarError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |rule: String| GrammarError::PipRequirement {
            value: s.to_owned(),
            rule,
        };
        if s.len() > MAX_LEN {
            return Err(err(format!("longer than {MAX_LEN} characters")));
        }
        if let Some(c) = control_char(s) {
            return Err(err(format!(
                "control character {} is not allowed; give one requirement per value",
                shown(&c.to_string())
            )));
        }
        let trimmed = s.trim();
        if trimmed.starts_with('-') {
            return Err(err(
                "pip options are not requirements; use --index-url or --find-links instead"
                    .to_owned(),
            ));
        }
        if let Some(rule) = identifier_rule(trimmed) {
            return Err(err(rule.to_owned()));
        }
        let mut warnings = Vec::new();
        let mut reporter = |_kind: pep508_rs::MarkerWarningKind, warning: String| {
            warnings.push(warning);
        };
        // pep508_rs 0.9 panics on a few inputs it should refuse (see `identifier_rule`);
        // whatever else slips through is refused here, never a crash.
        let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pep508_rs::Requirement::<Url>::parse_reporter(trimmed, ".", &mut reporter)
        }))
        .map_err(|_| err("the PEP 508 parser could not read it".to_owned()))?;
        let requirement = parsed.map_err(|e| {
            // The parser's message carries a caret line under the input; keep its first line.
            let first = e.message.to_string();
            err(format!(
                "not a PEP 508 requirement (expected e.g. 'numpy==2.1.3'): {}",
                first.lines().next().unwrap_or_default()
            ))
        })?;
        if let Some(warning) = warnings.first() {
            return Err(err(format!(
                "its environment marker would be ignored by pip: {warning}"
            )));
        }
        let text = requirement.to_string();
        let reads_back = pep508_rs::Requirement::<Url>::from_str(&text)
            .is_ok_and(|again| again.to_string() == text);
        if !reads_back {
            return Err(err(format!(
                "its normalised form {} does not read back the same; avoid quotes inside marker values",
                shown(&text)
            )));
        }
        if text.contains("${") {
            return Err(err(
                "'${' is not allowed: pip expands ${VAR} in requirements files".to_owned(),
            ));
        }
        if text
            .split(char::is_whitespace)
            .any(|word| word.starts_with('#'))
        {
            return Err(err(
                "' #' is not allowed: pip reads it as the start of a comment".to_owned(),
            ));
        }
        if text.ends_with('\\') {
            return Err(err(
                "a trailing '\\' is not allowed: pip joins it with the next line".to_owned(),
            ));
        }
        Ok(Self {
            text,
            name: requirement.name.to_string(),
        })
    }
}

impl fmt::Display for PipRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Split a comma-separated list of requirements (`torch==2.5.1,numpy>=1.26,<2`) at the
/// commas that start a new requirement: not inside `[...]`, `(...)` or quotes, and not
/// before a version operator (`<2` continues `numpy>=1.26`).
pub fn split_requirement_list(list: &str) -> Vec<String> {
    let mut pieces: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut chars = list.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), _) if c == q => {
                quote = None;
                current.push(c);
            }
            (Some(_), _) => current.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                current.push(c);
            }
            (None, '[' | '(') => {
                depth += 1;
                current.push(c);
            }
            (None, ']' | ')') => {
                depth = depth.saturating_sub(1);
                current.push(c);
            }
            (None, ',') if depth == 0 => {
                let next = chars.clone().find(|c| !c.is_whitespace());
                let continues = next.is_some_and(|n| "<>=!~".contains(n));
                if continues {
                    current.push(c);
                } else {
                    pieces.push(std::mem::take(&mut current));
                }
            }
            _ => current.push(c),
        }
    }
    pieces.push(current);
    pieces
        .into_iter()
        .map(|piece| piece.trim().to_owned())
        .filter(|piece| !piece.is_empty())
        .collect()
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
mod tests {
    use super::*;

    #[test]
    fn debian_package_names_follow_policy() {
        for good in [
            "git",
            "libgl1",
            "g++",
            "python3.11-venv",
            "libc6-dev",
            "0ad",
        ] {
            assert_eq!(good.parse::<AptPackage>().unwrap().as_str(), good);
        }
        for (bad, says) in [
            ("Git", "starts with a lowercase letter"),
            ("g", "at least two characters"),
            ("git;rm", "';' is not allowed"),
            ("git curl", "' ' is not allowed"),
            ("-y", "starts with"),
            ("libfoo_bar", "'_' is not allowed"),
            ("git$(id)", "'$' is not allowed"),
        ] {
            let message = bad.parse::<AptPackage>().unwrap_err().to_string();
            assert!(message.contains(&format!("'{bad}'")), "{message}");
            assert!(message.contains(says), "{bad}: {message}");
            assert!(message.contains("Debian Policy"), "{message}");
        }
    }

    #[test]
    fn pip_requirements_are_pep508_and_normalised() {
        let r = "NumPy >= 1.26, <2".parse::<PipRequirement>().unwrap();
        assert_eq!(r.name(), "numpy");
        assert_eq!(r.as_str(), "numpy>=1.26,<2");
        let r = "jax[cuda12]==0.7.2".parse::<PipRequirement>().unwrap();
        assert_eq!(r.as_str(), "jax[cuda12]==0.7.2");
        let r = "torch==2.9.1+cu128".parse::<PipRequirement>().unwrap();
        assert_eq!(r.as_str(), "torch==2.9.1+cu128");
        let r = "pkg @ https://example.org/pkg-1.0-py3-none-any.whl#sha256=abc"
            .parse::<PipRequirement>()
            .unwrap();
        assert!(r.as_str().contains("#sha256=abc"), "{}", r.as_str());
    }

    #[test]
    fn pip_requirements_pip_would_misread_are_rejected_with_the_rule() {
        for (bad, says) in [
            ("numpy==1.0\n--index-url https://evil", "control character"),
            (
                "--index-url=https://evil",
                "pip options are not requirements",
            ),
            ("numpy; python_version == '3.1 #x'", "marker"),
            ("numpy; sys_platform == 'linux #x'", "comment"),
            ("numpy ; platform_release == '${HOME}'", "expands ${VAR}"),
            ("numpy===", "not a PEP 508 requirement"),
            ("$(rm -rf /)", "not a PEP 508 requirement"),
        ] {
            let message = bad.parse::<PipRequirement>().unwrap_err().to_string();
            assert!(
                message.starts_with("invalid pip requirement '"),
                "{message}"
            );
            assert!(message.contains(says), "{bad:?}: {message}");
        }
    }

    #[test]
    fn requirement_lists_split_between_requirements_only() {
        assert_eq!(
            split_requirement_list(
                "torch==2.5.1, numpy>=1.26,<2,pkg[a,b]==1 ; os_name == 'a,b',scipy"
            ),
            [
                "torch==2.5.1",
                "numpy>=1.26,<2",
                "pkg[a,b]==1 ; os_name == 'a,b'",
                "scipy"
            ]
        );
        assert!(split_requirement_list(" , ").is_empty());
    }

    // Regression: pep508_rs 0.9 panics on a name or extra ending in '.', '-' or '_' that
    // is followed by more text ("K. ", "pkg[a.]"); found by the hostile-values property.
    #[test]
    fn names_and_extras_ending_in_punctuation_are_refused_not_a_panic() {
        for (bad, says) in [
            ("K. ", "must end with a letter or digit"),
            ("K.>=1", "must end with a letter or digit"),
            ("A-[", "must end with a letter or digit"),
            ("pkg[a.]", "each extra must end"),
            ("pkg[a_ , b]==1", "each extra must end"),
        ] {
            let message = bad.parse::<PipRequirement>().unwrap_err().to_string();
            assert!(message.contains(says), "{bad:?}: {message}");
        }
    }

    // Regression: pep508_rs writes the marker value "it's" as 'it's', which no PEP 508
    // parser reads back; such a line in requirements.txt would break pip.
    #[test]
    fn requirements_that_do_not_read_back_are_refused() {
        let message = r#"a ; os_name == "it's""#.parse::<PipRequirement>().unwrap_err().to_string();
        assert!(message.contains("does not read back the same"), "{message}");
    }

    #[test]
    fn image_references_parse_and_have_lowercase_repositories() {
        for good in [
            "ubuntu",
            "nvidia/cuda:12.4.1-base-ubuntu22.04",
            "ghcr.io/org/img:1.0",
            "localhost:5000/a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "berth-test/bookworm-python:1",
        ] {
            assert_eq!(good.parse::<ImageRef>().unwrap().as_str(), good);
        }
        let message = "Nvidia/CUDA:12"
            .parse::<ImageRef>()
            .unwrap_err()
            .to_string();
        assert!(message.contains("'Nvidia/CUDA:12'"), "{message}");
        for bad in ["", "ubuntu:22.04\nRUN id", "a b", "ubuntu:", "x@sha256:12"] {
            assert!(bad.parse::<ImageRef>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn container_paths_are_absolute_clean_and_not_root() {
        assert_eq!(
            "/datasets//imagenet/"
                .parse::<ContainerPath>()
                .unwrap()
                .as_str(),
            "/datasets/imagenet"
        );
        for (bad, says) in [
            ("datasets", "absolute"),
            ("/", "must not be '/'"),
            ("//", "must not be '/'"),
            ("/a/../etc", "'..'"),
            ("/a\nb", "control characters"),
            ("/a\0b", "control characters"),
            ("/a,b", "','"),
            ("/${HOME}", "'${'"),
            ("/a:b", "':'"),
        ] {
            let message = bad.parse::<ContainerPath>().unwrap_err().to_string();
            assert!(message.contains(says), "{bad:?}: {message}");
        }
    }

    #[test]
    fn host_paths_are_absolute_or_inside_the_project() {
        assert_eq!(
            "/data/imagenet".parse::<HostPath>().unwrap(),
            HostPath::Absolute("/data/imagenet".into())
        );
        assert_eq!(
            "D:\\data".parse::<HostPath>().unwrap(),
            HostPath::Absolute("D:\\data".into())
        );
        let relative = "./data/raw/".parse::<HostPath>().unwrap();
        assert_eq!(relative, HostPath::InProject("data/raw".into()));
        assert_eq!(relative.mount_source(), "${localWorkspaceFolder}/data/raw");
        for bad in ["../data", "", ".", "a,b", "data set", "/x\n", "a\"b"] {
            assert!(bad.parse::<HostPath>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn mounts_read_host_container_and_ro() {
        let mount = "/data/imagenet:/datasets/imagenet:ro"
            .parse::<DatasetMount>()
            .unwrap();
        assert_eq!(mount.host, HostPath::Absolute("/data/imagenet".into()));
        assert_eq!(mount.container.as_str(), "/datasets/imagenet");
        assert!(mount.read_only);
        let mount = "C:\\data:/data".parse::<DatasetMount>().unwrap();
        assert_eq!(mount.host, HostPath::Absolute("C:\\data".into()));
        assert!(!mount.read_only);
        let message = "/data".parse::<DatasetMount>().unwrap_err().to_string();
        assert!(message.contains("HOST:CONTAINER"), "{message}");
        let message = "/data:/".parse::<DatasetMount>().unwrap_err().to_string();
        assert!(message.contains("must not be '/'"), "{message}");
    }

    #[test]
    fn extension_ids_are_publisher_dot_name() {
        for good in ["ms-python.python", "GitHub.copilot", "ms-toolsai.jupyter"] {
            assert!(good.parse::<ExtensionId>().is_ok(), "{good}");
        }
        for bad in [
            "python",
            ".python",
            "ms-python.",
            "a.b.c",
            "ms python.x",
            "a.b;c",
        ] {
            let message = bad.parse::<ExtensionId>().unwrap_err().to_string();
            assert!(message.contains("publisher.name"), "{message}");
        }
    }

    #[test]
    fn index_urls_are_http_with_a_host() {
        assert!("https://pypi.example.edu/simple"
            .parse::<IndexUrl>()
            .is_ok());
        for bad in [
            "ftp://x/simple",
            "file:///srv/simple",
            "pypi.example.edu",
            "https://x/simple a",
            "https://x/${TOKEN}",
            "https://x/'",
        ] {
            assert!(bad.parse::<IndexUrl>().is_err(), "{bad}");
        }
    }

    #[test]
    fn find_links_are_urls_or_project_folders() {
        assert_eq!(
            "./wheels/".parse::<FindLinks>().unwrap(),
            FindLinks::ProjectDir("wheels".into())
        );
        assert_eq!(
            "file:///srv/wheels".parse::<FindLinks>().unwrap(),
            FindLinks::Url("file:///srv/wheels".into())
        );
        for bad in [
            "/srv/wheels",
            "../wheels",
            "C:\\wheels",
            "wh eels",
            "ftp://x/",
        ] {
            assert!(bad.parse::<FindLinks>().is_err(), "{bad}");
        }
    }

    #[test]
    fn ca_certificates_are_pem_without_keys() {
        let pem = "-----BEGIN CERTIFICATE-----\r\nMIIB\r\n-----END CERTIFICATE-----";
        let cert = CaCertificate::from_pem(pem, "proxy.crt").unwrap();
        assert_eq!(
            cert.pem(),
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
        );
        let message = CaCertificate::from_pem("hello", "proxy.crt")
            .unwrap_err()
            .to_string();
        assert!(message.contains("'proxy.crt'"), "{message}");
        let with_key =
            format!("{pem}\n-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n");
        assert!(CaCertificate::from_pem(&with_key, "x").is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// No input makes a parser panic: PEP 508 text, paths, URLs, image references.
        #[test]
        fn no_value_makes_a_grammar_panic(
            value in proptest::prop_oneof![
                proptest::prelude::any::<String>(),
                "[A-Za-z0-9._\\-\\[\\], ;=<>!~@:/'\"()]{0,24}",
            ]
        ) {
            let _ = value.parse::<AptPackage>();
            let _ = value.parse::<ImageRef>();
            let _ = value.parse::<ContainerPath>();
            let _ = value.parse::<HostPath>();
            let _ = value.parse::<DatasetMount>();
            let _ = value.parse::<ExtensionId>();
            let _ = value.parse::<IndexUrl>();
            let _ = value.parse::<FindLinks>();
            let _ = CaCertificate::from_pem(&value, "x");
            let _ = split_requirement_list(&value);
            if let Err(err) = value.parse::<PipRequirement>() {
                // The fallback for a parser panic must never be needed.
                proptest::prop_assert!(
                    !err.to_string().contains("could not read it"),
                    "{value:?}: {err}"
                );
            }
        }
    }

    #[test]
    fn shown_values_are_escaped_and_shortened() {
        assert_eq!(shown("a\nb"), "'a\\nb'");
        assert!(shown(&"x".repeat(500)).ends_with("…'"));
    }
}
