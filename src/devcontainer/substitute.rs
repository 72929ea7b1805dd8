//! Variable substitution in devcontainer.json strings (`${localWorkspaceFolder}`,
//! `${localEnv:HOME}`, `${devcontainerId}`, …), done exactly as the reference CLI does
//! it, quirks included: three passes (local variables, then `devcontainerId`, then
//! `containerEnv`), a `${…}` never spans a line break, unknown variables stay as written,
//! and `${localEnv:VAR:default}` takes the default up to the next `:`.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use super::jsonc::{Member, Node, Value};

/// Why a string could not be substituted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubstituteError {
    /// `${localEnv}` or `${containerEnv}` without a variable name.
    #[error("'{variable}' names no environment variable: write e.g. ${{localEnv:HOME}}")]
    NoVariableName {
        /// The variable as written, e.g. `${localEnv}`.
        variable: String,
        /// Where the string holding it starts.
        offset: usize,
    },
}

impl SubstituteError {
    /// The byte offset this error is about.
    pub fn offset(&self) -> usize {
        match self {
            Self::NoVariableName { offset, .. } => *offset,
        }
    }

    fn at(self, offset: usize) -> Self {
        match self {
            Self::NoVariableName { variable, .. } => Self::NoVariableName { variable, offset },
        }
    }
}

/// The values variables resolve to. What is `None` stays as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variables {
    /// `${localWorkspaceFolder}`: the project folder on the host.
    pub local_workspace_folder: Option<String>,
    /// `${containerWorkspaceFolder}`: the workspace folder in the container.
    pub container_workspace_folder: Option<String>,
    /// `${localEnv:VAR}` (and `${env:VAR}`): the host's environment.
    pub local_env: HashMap<String, String>,
    /// `${containerEnv:VAR}`: the container's environment, once a container exists.
    pub container_env: Option<HashMap<String, String>>,
    /// `${devcontainerId}`: see [`devcontainer_id`].
    pub devcontainer_id: Option<String>,
    /// Look environment variables up case-insensitively, as on Windows.
    pub case_insensitive_env: bool,
}

impl Variables {
    /// Variables with the host's current environment, case-insensitive on Windows.
    pub fn from_process_env() -> Self {
        Self {
            local_env: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            case_insensitive_env: cfg!(windows),
            ..Self::default()
        }
    }
}

/// Substitute every variable in `text`.
///
/// # Errors
///
/// [`SubstituteError::NoVariableName`] for `${localEnv}` or `${containerEnv}` without a
/// name (its offset is 0: the caller knows where the string is).
pub fn substitute(text: &str, vars: &Variables) -> Result<String, SubstituteError> {
    let text = replace_all(text, |name, args, whole| local(name, args, whole, vars))?;
    let text = replace_all(&text, |name, _, whole| {
        Ok(match (&vars.devcontainer_id, name) {
            (Some(id), "devcontainerId") if !id.is_empty() => id.clone(),
            _ => whole.to_owned(),
        })
    })?;
    match &vars.container_env {
        Some(env) => replace_all(&text, |name, args, whole| {
            if name == "containerEnv" {
                lookup(env, args, whole, vars.case_insensitive_env)
            } else {
                Ok(whole.to_owned())
            }
        }),
        None => Ok(text),
    }
}

/// Substitute every string value (not property names) in a tree; spans stay as they were.
///
/// # Errors
///
/// As [`substitute`], at the offset of the string that holds the variable.
pub fn substitute_node(node: &Node, vars: &Variables) -> Result<Node, SubstituteError> {
    let value = match &node.value {
        Value::String(s) => Value::String(substitute(s, vars).map_err(|e| e.at(node.span.start))?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| substitute_node(item, vars))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|m| {
                    Ok(Member {
                        key: m.key.clone(),
                        key_span: m.key_span,
                        value: substitute_node(&m.value, vars)?,
                    })
                })
                .collect::<Result<_, _>>()?,
        ),
        other => other.clone(),
    };
    Ok(Node {
        value,
        span: node.span,
    })
}

/// The first pass: everything that is known on the host.
fn local(
    name: &str,
    args: &[&str],
    whole: &str,
    vars: &Variables,
) -> Result<String, SubstituteError> {
    let or_whole = |value: Option<String>| value.unwrap_or_else(|| whole.to_owned());
    Ok(match name {
        "env" | "localEnv" => {
            return lookup(&vars.local_env, args, whole, vars.case_insensitive_env)
        }
        "localWorkspaceFolder" => or_whole(vars.local_workspace_folder.clone()),
        "localWorkspaceFolderBasename" => or_whole(
            vars.local_workspace_folder
                .as_deref()
                .map(|p| host_basename(p).to_owned()),
        ),
        "containerWorkspaceFolder" => or_whole(vars.container_workspace_folder.clone()),
        "containerWorkspaceFolderBasename" => or_whole(
            vars.container_workspace_folder
                .as_deref()
                .map(|p| posix_basename(p).to_owned()),
        ),
        _ => whole.to_owned(),
    })
}

/// `${localEnv:NAME}` / `${localEnv:NAME:default}`: the value, else the default (only up
/// to the next `:`), else the empty string.
fn lookup(
    env: &HashMap<String, String>,
    args: &[&str],
    whole: &str,
    case_insensitive: bool,
) -> Result<String, SubstituteError> {
    let Some(name) = args.first() else {
        return Err(SubstituteError::NoVariableName {
            variable: whole.to_owned(),
            offset: 0,
        });
    };
    let value = if case_insensitive {
        // Like the reference CLI (and Windows itself): names are compared in lower case.
        let name = name.to_lowercase();
        env.iter()
            .find(|(k, _)| k.to_lowercase() == name)
            .map(|(_, v)| v)
    } else {
        env.get(*name)
    };
    Ok(match (value, args.get(1)) {
        (Some(value), _) => value.clone(),
        (None, Some(default)) => (*default).to_owned(),
        (None, None) => String::new(),
    })
}

/// Replace every `${…}` as JavaScript's `/\$\{(.*?)\}/g` would: the shortest match, never
/// across a line terminator. `f` gets the name, the `:`-separated arguments and the whole
/// match.
fn replace_all(
    text: &str,
    mut f: impl FnMut(&str, &[&str], &str) -> Result<String, SubstituteError>,
) -> Result<String, SubstituteError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let end = after.find(['}', '\n', '\r', '\u{2028}', '\u{2029}']);
        match end {
            Some(end) if after[end..].starts_with('}') => {
                let inner = &after[..end];
                let whole = &rest[start..start + 2 + end + 1];
                let mut parts: Vec<&str> = inner.split(':').collect();
                let name = parts.remove(0);
                out.push_str(&rest[..start]);
                out.push_str(&f(name, &parts, whole)?);
                rest = &after[end + 1..];
            }
            _ => {
                // No match here; the next one can start no earlier than the next char.
                out.push_str(&rest[..start + 1]);
                rest = &rest[start + 1..];
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Node's `path.posix.basename`: the last `/`-separated part, trailing slashes ignored.
pub(crate) fn posix_basename(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// The basename of a host path (on Windows `\` separates too).
fn host_basename(path: &str) -> &str {
    if cfg!(windows) {
        let trimmed = path.trim_end_matches(['/', '\\']);
        trimmed.rsplit(['/', '\\']).next().unwrap_or(trimmed)
    } else {
        posix_basename(path)
    }
}

/// `${devcontainerId}`, computed as the spec and the reference CLI do: the JSON of the id
/// labels `{"devcontainer.config_file": …, "devcontainer.local_folder": …}` (keys sorted,
/// no spaces), its SHA-256 read as one number, written in base 32 (`0-9a-v`) and
/// left-padded with `0` to 52 characters.
pub fn devcontainer_id(local_folder: &str, config_file: &str) -> String {
    let json = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let labels = format!(
        "{{\"devcontainer.config_file\":{},\"devcontainer.local_folder\":{}}}",
        json(config_file),
        json(local_folder)
    );
    let digest = Sha256::digest(labels.as_bytes());
    base32_52(digest.as_slice())
}

/// A 256-bit big-endian number in base 32, 52 digits (the top digit holds the top bit).
fn base32_52(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
    let bit = |i: usize| -> u8 {
        // Bit i counted from the least significant end.
        let Some(byte_index) = bytes.len().checked_sub(1 + i / 8) else {
            return 0;
        };
        (bytes[byte_index] >> (i % 8)) & 1
    };
    (0..52)
        .rev()
        .map(|digit| {
            let value = (0..5).fold(0u8, |acc, b| acc | (bit(digit * 5 + b) << b));
            char::from(DIGITS[usize::from(value)])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Variables {
        Variables {
            local_workspace_folder: Some("/home/ada/thesis".into()),
            container_workspace_folder: Some("/workspaces/thesis".into()),
            local_env: HashMap::from([
                ("HOME".to_owned(), "/home/ada".to_owned()),
                ("EMPTY".to_owned(), String::new()),
            ]),
            container_env: None,
            devcontainer_id: Some("ID".into()),
            case_insensitive_env: false,
        }
    }

    fn sub(text: &str) -> String {
        substitute(text, &vars()).unwrap()
    }

    #[test]
    fn workspace_folders_and_basenames() {
        assert_eq!(
            sub("${localWorkspaceFolder}|${localWorkspaceFolderBasename}|${containerWorkspaceFolder}|${containerWorkspaceFolderBasename}"),
            "/home/ada/thesis|thesis|/workspaces/thesis|thesis"
        );
    }

    #[test]
    fn local_env_with_and_without_default() {
        assert_eq!(sub("${localEnv:HOME}/x"), "/home/ada/x");
        assert_eq!(sub("${env:HOME}"), "/home/ada");
        assert_eq!(sub("${localEnv:NOPE}"), "");
        assert_eq!(sub("${localEnv:NOPE:fallback}"), "fallback");
        assert_eq!(sub("${localEnv:EMPTY:fallback}"), "");
        // The default ends at the next colon, as in the reference CLI.
        assert_eq!(sub("${localEnv:NOPE:http://x}"), "http");
    }

    #[test]
    fn a_missing_env_name_is_an_error() {
        let err = substitute("a ${localEnv} b", &vars()).unwrap_err();
        assert!(err.to_string().contains("${localEnv}"), "{err}");
    }

    #[test]
    fn unknown_and_container_variables_stay() {
        assert_eq!(
            sub("${foo} ${containerEnv:PATH} ${workspaceFolder}"),
            "${foo} ${containerEnv:PATH} ${workspaceFolder}"
        );
    }

    #[test]
    fn container_env_resolves_when_given() {
        let mut v = vars();
        v.container_env = Some(HashMap::from([("PATH".to_owned(), "/usr/bin".to_owned())]));
        assert_eq!(
            substitute("${containerEnv:PATH}:/x ${containerEnv:NO:d}", &v).unwrap(),
            "/usr/bin:/x d"
        );
        assert!(substitute("${containerEnv}", &v).is_err());
    }

    #[test]
    fn devcontainer_id_is_substituted_after_local_variables() {
        let mut v = vars();
        v.local_env.insert("X".into(), "${devcontainerId}".into());
        assert_eq!(
            substitute("${localEnv:X}-${devcontainerId}", &v).unwrap(),
            "ID-ID"
        );
        v.devcontainer_id = None;
        assert_eq!(
            substitute("${devcontainerId}", &v).unwrap(),
            "${devcontainerId}"
        );
    }

    #[test]
    fn matches_are_shortest_and_stay_on_one_line() {
        assert_eq!(sub("${a${localEnv:HOME}}"), "${a${localEnv:HOME}}");
        assert_eq!(sub("${\n${localEnv:HOME}"), "${\n/home/ada");
        assert_eq!(sub("$${localEnv:HOME}"), "$/home/ada");
        assert_eq!(sub("${localEnv:HOME"), "${localEnv:HOME");
        assert_eq!(sub("é${localEnv:HOME}é"), "é/home/adaé");
    }

    #[test]
    fn missing_folders_leave_the_variable() {
        let v = Variables::default();
        assert_eq!(
            substitute(
                "${localWorkspaceFolder} ${containerWorkspaceFolderBasename}",
                &v
            )
            .unwrap(),
            "${localWorkspaceFolder} ${containerWorkspaceFolderBasename}"
        );
    }

    #[test]
    fn windows_env_is_case_insensitive() {
        let mut v = vars();
        v.case_insensitive_env = true;
        assert_eq!(substitute("${localEnv:home}", &v).unwrap(), "/home/ada");
    }

    #[test]
    fn nodes_keep_keys_and_spans() {
        let text = r#"{"${localEnv:HOME}": ["${localEnv:HOME}", 1]}"#;
        let node = super::super::jsonc::parse(text).unwrap();
        let out = substitute_node(&node, &vars()).unwrap();
        assert_eq!(
            out.to_json(),
            serde_json::json!({"${localEnv:HOME}": ["/home/ada", 1]})
        );
        assert_eq!(out.span, node.span);
        let node = super::super::jsonc::parse("{\"a\": \"${env}\"}").unwrap();
        assert_eq!(substitute_node(&node, &vars()).unwrap_err().offset(), 6);
    }

    #[test]
    fn basenames() {
        assert_eq!(posix_basename("/a/b/"), "b");
        assert_eq!(posix_basename("/"), "");
        assert_eq!(posix_basename("b"), "b");
    }

    // Values computed by the reference CLI's own function (see tests/api/devcontainer.rs,
    // which checks more against it).
    #[test]
    fn devcontainer_id_matches_the_reference_cli() {
        assert_eq!(
            devcontainer_id("/tmp/dc1", "/tmp/dc1/.devcontainer/devcontainer.json"),
            "08b2rn2g1uvptejnr4l3mg9mrheuro35g9g0a973b4pm2jrf8be1"
        );
        assert_eq!(
            devcontainer_id("/home/u/my proj", "/home/u/my proj/.devcontainer.json"),
            "1d2br630e7sb58c9s3jtbo2j7p461t20eru1vio7574e6931ddi3"
        );
        assert_eq!(
            devcontainer_id("/x\"\\\n\u{1f}/é", "/c"),
            "0qs6lll7ilq570cajplvpumn6f2q36b547f7oss4cefb6msonce6"
        );
    }

    #[test]
    fn base32_pads_and_uses_the_top_bit() {
        assert_eq!(base32_52(&[0; 32]), "0".repeat(52));
        let mut one = [0u8; 32];
        one[31] = 33;
        assert_eq!(base32_52(&one), format!("{}11", "0".repeat(50)));
        let top = base32_52(&[0xff; 32]);
        assert_eq!(top.len(), 52);
        assert!(top.starts_with('1') && top[1..].chars().all(|c| c == 'v'));
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn never_panics(text in "(\\$|\\{|\\}|:|localEnv|env|containerEnv|devcontainerId|localWorkspaceFolder(Basename)?|containerWorkspaceFolder(Basename)?|HOME|x|é|\n){0,24}") {
                let mut v = Variables {
                    local_workspace_folder: Some("/p/q".into()),
                    container_workspace_folder: Some("/workspaces/q".into()),
                    local_env: HashMap::from([("HOME".to_owned(), "/h".to_owned())]),
                    container_env: Some(HashMap::from([("HOME".to_owned(), "/c".to_owned())])),
                    devcontainer_id: Some("id".into()),
                    case_insensitive_env: false,
                };
                let _ = substitute(&text, &v);
                v.case_insensitive_env = true;
                v.container_env = None;
                let _ = substitute(&text, &v);
            }

            #[test]
            fn text_without_variables_is_unchanged(text in "[^$]{0,40}") {
                prop_assert_eq!(substitute(&text, &Variables::default()).unwrap(), text);
            }

            #[test]
            fn ids_are_52_base32_digits(a in any::<String>(), b in any::<String>()) {
                let id = devcontainer_id(&a, &b);
                prop_assert_eq!(id.len(), 52);
                prop_assert!(id.chars().all(|c| c.is_ascii_digit() || ('a'..='v').contains(&c)));
            }
        }
    }
}
