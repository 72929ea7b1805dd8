//! pip requirements (PEP 508, as pip reads them back from a requirements file) and the
//! comma-separated lists `--pip` takes.

use std::fmt;
use std::str::FromStr;

use url::Url;

use super::{control_char, shown, GrammarError, MAX_LEN};

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
