//! Changing one property of a devcontainer.json while keeping every comment, blank line
//! and indent the user wrote: edits go through `jsonc-parser`'s concrete syntax tree, and
//! the result is checked to differ from the original only inside the value or the
//! object/array that was changed. Files are written atomically (a temporary file renamed
//! over the original) after a timestamped backup, `devcontainer.json.bak-YYYYmmdd-HHMMSS`,
//! which never replaces an earlier one.

use std::path::{Path, PathBuf};

use jsonc_parser::cst::{CstContainerNode, CstInputValue, CstNode, CstObject, CstRootNode};

use super::diagnostic::Diagnostic;
use super::jsonc::{self, Node, Value};
use super::model::join;
use super::model::DevContainer;
use crate::project_file::{self, FileMode};

/// Why an edit was not made.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The file is not valid JSONC; Berth does not edit what it cannot read.
    #[error("{0}")]
    Invalid(Box<Diagnostic>),
    /// An edit with an empty property path.
    #[error("an edit needs a property name")]
    EmptyPath,
    /// A property on the way is not an object.
    #[error("cannot change `{path}`: `{parent}` is {found}, not an object")]
    NotAnObject {
        /// The property the edit is about.
        path: String,
        /// The property in the way.
        parent: String,
        /// What it is.
        found: &'static str,
    },
    /// The property to append to is not an array.
    #[error("cannot append to `{path}`: it is {found}, not an array")]
    NotAnArray {
        /// The property.
        path: String,
        /// What it is.
        found: &'static str,
    },
    /// The property to remove is not there.
    #[error("cannot remove `{path}`: there is no such property")]
    Missing {
        /// The property.
        path: String,
    },
    /// A number that JSON cannot hold (NaN or infinite).
    #[error("cannot write {value} to `{path}`: JSON has no such number")]
    BadNumber {
        /// The property.
        path: String,
        /// The value.
        value: String,
    },
    /// The new value does not fit the spec (e.g. a number where a string belongs).
    #[error("cannot change `{path}`: the file would be invalid: {reason}")]
    WouldBeInvalid {
        /// The property.
        path: String,
        /// What would be wrong.
        reason: String,
    },
    /// The edited text did not come out as intended; nothing was written.
    #[error("editing `{path}` would have changed more than that property; nothing was written (please report this)")]
    Unverified {
        /// The property.
        path: String,
    },
    /// Reading the file failed.
    #[error("failed to read '{}'", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Writing the backup or the new file failed; the original is unchanged.
    #[error("failed to write '{}'; the original is unchanged", path.display())]
    Write {
        /// The file Berth was writing.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The backup of the original could not be written; the original is unchanged.
    #[error("failed to back up '{}' before editing it; the original is unchanged", path.display())]
    Backup {
        /// The file Berth was editing.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file changed on disk while Berth was editing it.
    #[error("'{}' changed while Berth was editing it; nothing was written, try again", path.display())]
    Changed {
        /// The file.
        path: PathBuf,
    },
}

/// One change to a devcontainer.json. Paths are property names from the root, e.g.
/// `["build", "args", "CUDA"]`.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Set a property, creating missing objects on the way.
    Set {
        /// Where.
        path: Vec<String>,
        /// The new value.
        value: serde_json::Value,
    },
    /// Append to an array property (creating it when missing), e.g. add a mount.
    Append {
        /// The array property.
        path: Vec<String>,
        /// The element to add.
        value: serde_json::Value,
    },
    /// Remove a property.
    Remove {
        /// Which.
        path: Vec<String>,
    },
}

impl Edit {
    /// [`Edit::Set`] from a list of property names.
    pub fn set(path: &[&str], value: serde_json::Value) -> Self {
        Self::Set {
            path: path.iter().map(|s| (*s).to_owned()).collect(),
            value,
        }
    }

    /// [`Edit::Append`] from a list of property names.
    pub fn append(path: &[&str], value: serde_json::Value) -> Self {
        Self::Append {
            path: path.iter().map(|s| (*s).to_owned()).collect(),
            value,
        }
    }

    /// [`Edit::Remove`] from a list of property names.
    pub fn remove(path: &[&str]) -> Self {
        Self::Remove {
            path: path.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn path(&self) -> &[String] {
        match self {
            Self::Set { path, .. } | Self::Append { path, .. } | Self::Remove { path } => path,
        }
    }
}

/// What [`edit_file`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    /// The copy of the original.
    pub backup: PathBuf,
}

/// Apply `edit` to a devcontainer.json's text; `path` only names the file in errors.
///
/// # Errors
///
/// [`EditError`]: the text is not valid, the path runs through a non-object, the target
/// of an append is not an array, or the result would differ outside the edited value.
pub fn apply(path: &Path, text: &str, edit: &Edit) -> Result<String, EditError> {
    let invalid = |offset: usize, message: String| {
        EditError::Invalid(Box::new(Diagnostic::at(path, text, offset, message)))
    };
    let tree = jsonc::parse(text).map_err(|e| invalid(e.offset(), e.to_string()))?;
    let keys = edit.path();
    let Some((last, parents)) = keys.split_last() else {
        return Err(EditError::EmptyPath);
    };
    let dotted = dotted(keys);
    if !matches!(tree.value, Value::Object(_)) {
        return Err(EditError::NotAnObject {
            path: dotted,
            parent: "(the whole file)".to_owned(),
            found: tree.kind(),
        });
    }

    // Walk the located tree to find what will change, so the result can be checked.
    let mut node = &tree;
    let mut walked = Vec::new();
    let mut changed_span = tree.span;
    let mut complete = true;
    for key in parents {
        walked.push(key.as_str());
        match node.get(key) {
            Some(child) if matches!(child.value, Value::Object(_)) => {
                node = child;
                changed_span = child.span;
            }
            Some(child) => {
                return Err(EditError::NotAnObject {
                    path: dotted,
                    parent: dotted_str(&walked),
                    found: child.kind(),
                })
            }
            None => {
                complete = false;
                break;
            }
        }
    }
    let existing = if complete { node.get(last) } else { None };
    match (edit, existing) {
        (Edit::Set { .. }, Some(value)) => changed_span = value.span,
        (Edit::Append { .. }, Some(value)) => match value.value {
            Value::Array(_) => changed_span = value.span,
            _ => {
                return Err(EditError::NotAnArray {
                    path: dotted,
                    found: value.kind(),
                })
            }
        },
        (Edit::Remove { .. }, None) => return Err(EditError::Missing { path: dotted }),
        _ => {}
    }

    let root = CstRootNode::parse(text, &jsonc::strict_options())
        .map_err(|e| invalid(e.range().start, e.to_string()))?;
    let Some(mut object) = root.object_value() else {
        return Err(EditError::Unverified { path: dotted });
    };
    for (depth, key) in parents.iter().enumerate() {
        match object.object_value(key) {
            Some(child) => object = child,
            None => {
                // Create what is missing as one nested value.
                let rest = &keys[depth + 1..];
                let value = match edit {
                    Edit::Set { value, .. } => input(value, &dotted)?,
                    Edit::Append { value, .. } => {
                        CstInputValue::Array(vec![input(value, &dotted)?])
                    }
                    Edit::Remove { .. } => return Err(EditError::Missing { path: dotted }),
                };
                let nested = rest.iter().rev().fold(value, |inner, k| {
                    CstInputValue::Object(vec![(k.clone(), inner)])
                });
                object.append(key, nested);
                let new = verified(text, root.to_string(), changed_span, &dotted)?;
                return still_valid(&tree, new, &dotted);
            }
        }
    }
    apply_last(&object, last, edit, &dotted)?;
    let new = verified(text, root.to_string(), changed_span, &dotted)?;
    still_valid(&tree, new, &dotted)
}

/// Refuse an edit that would turn a valid devcontainer.json into an invalid one (a value
/// of the wrong type, say); a file that was invalid before is only checked as JSONC.
fn still_valid(old: &Node, new: String, dotted: &str) -> Result<String, EditError> {
    if DevContainer::from_node(old).is_err() {
        return Ok(new);
    }
    let tree = jsonc::parse(&new).map_err(|_| EditError::Unverified {
        path: dotted.to_owned(),
    })?;
    match DevContainer::from_node(&tree) {
        Ok(_) => Ok(new),
        Err(err) => Err(EditError::WouldBeInvalid {
            path: dotted.to_owned(),
            reason: err.to_string(),
        }),
    }
}

/// Make the change in the object that holds the last property.
fn apply_last(object: &CstObject, key: &str, edit: &Edit, dotted: &str) -> Result<(), EditError> {
    match edit {
        Edit::Set { value, .. } => {
            let value = input(value, dotted)?;
            match object.get(key) {
                Some(prop) => prop.set_value(value),
                None => {
                    object.append(key, value);
                }
            }
        }
        Edit::Append { value, .. } => {
            let value = input(value, dotted)?;
            match object.get(key) {
                Some(prop) => match prop.value() {
                    Some(CstNode::Container(CstContainerNode::Array(array))) => {
                        array.append(value);
                    }
                    _ => {
                        return Err(EditError::Unverified {
                            path: dotted.to_owned(),
                        })
                    }
                },
                None => {
                    object.append(key, CstInputValue::Array(vec![value]));
                }
            }
        }
        Edit::Remove { .. } => match object.get(key) {
            Some(prop) => prop.remove(),
            None => {
                return Err(EditError::Missing {
                    path: dotted.to_owned(),
                })
            }
        },
    }
    Ok(())
}

/// Check that `new` differs from `old` only inside `span`, and still parses.
fn verified(old: &str, new: String, span: jsonc::Span, dotted: &str) -> Result<String, EditError> {
    let prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let suffix = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(old.len().min(new.len()) - prefix)
        .take_while(|(a, b)| a == b)
        .count();
    let inside = prefix >= span.start && old.len() - suffix <= span.end;
    if !inside || jsonc::parse(&new).is_err() {
        return Err(EditError::Unverified {
            path: dotted.to_owned(),
        });
    }
    Ok(new)
}

/// A JSON value as the CST takes it.
fn input(value: &serde_json::Value, dotted: &str) -> Result<CstInputValue, EditError> {
    Ok(match value {
        serde_json::Value::Null => CstInputValue::Null,
        serde_json::Value::Bool(b) => CstInputValue::Bool(*b),
        serde_json::Value::Number(n) => {
            if n.as_f64().is_some_and(|f| !f.is_finite()) {
                return Err(EditError::BadNumber {
                    path: dotted.to_owned(),
                    value: n.to_string(),
                });
            }
            CstInputValue::Number(n.to_string())
        }
        serde_json::Value::String(s) => CstInputValue::String(s.clone()),
        serde_json::Value::Array(items) => CstInputValue::Array(
            items
                .iter()
                .map(|item| input(item, dotted))
                .collect::<Result<_, _>>()?,
        ),
        serde_json::Value::Object(map) => CstInputValue::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), input(v, dotted)?)))
                .collect::<Result<_, EditError>>()?,
        ),
    })
}

fn dotted(keys: &[String]) -> String {
    keys.iter()
        .fold(String::new(), |path, key| join(&path, key))
}

fn dotted_str(keys: &[&str]) -> String {
    keys.iter()
        .fold(String::new(), |path, key| join(&path, key))
}

/// Apply `edits` to the devcontainer.json at `path`: back the original up next to it, then
/// replace it atomically.
///
/// # Errors
///
/// [`EditError`]: the file is unreadable or invalid, an edit does not fit, or writing
/// failed (the original is then unchanged).
pub fn edit_file(path: &Path, edits: &[Edit]) -> Result<Edited, EditError> {
    edit_file_at(path, edits, chrono::Local::now().naive_local())
}

/// [`edit_file`] with the backup's timestamp given.
///
/// # Errors
///
/// As [`edit_file`].
pub fn edit_file_at(
    path: &Path,
    edits: &[Edit],
    now: chrono::NaiveDateTime,
) -> Result<Edited, EditError> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| EditError::Read {
            path: path.to_owned(),
            source,
        })
    };
    let original = read(path)?;
    let text = jsonc::decode(&original).map_err(|e| {
        let body = original.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&original);
        let valid = String::from_utf8_lossy(&body[..e.offset().min(body.len())]).into_owned();
        EditError::Invalid(Box::new(Diagnostic::at(
            path,
            &valid,
            valid.len(),
            e.to_string(),
        )))
    })?;
    let bom = original.len() - text.len();
    let mut new = text.to_owned();
    for edit in edits {
        new = apply(path, &new, edit)?;
    }
    let mut bytes = original[..bom].to_vec();
    bytes.extend_from_slice(new.as_bytes());

    let write_err = |source| EditError::Write {
        path: path.to_owned(),
        source,
    };
    // Staged beside the file; dropped (and so removed) on any early return below.
    let staged = project_file::stage(path, &bytes, FileMode::Keep).map_err(write_err)?;
    if read(path)? != original {
        return Err(EditError::Changed {
            path: path.to_owned(),
        });
    }
    let backup = project_file::back_up(path, &original, &project_file::backup_stamp(now)).map_err(
        |source| EditError::Backup {
            path: path.to_owned(),
            source,
        },
    )?;
    staged.commit().map_err(write_err)?;
    Ok(Edited { backup })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The value at `path` in a parsed devcontainer.json.
    fn lookup<'a>(tree: &'a Node, path: &[&str]) -> Option<&'a Node> {
        path.iter().try_fold(tree, |node, key| node.get(key))
    }

    const FILE: &str = r#"// For format details, see https://aka.ms/devcontainer.json.
{
	"name": "PyTorch",   // the name
	"build": {
		"dockerfile": "Dockerfile",
		"args": {
			// keep in sync with requirements.txt
			"CUDA": "12.1"
		}
	},

	/* mounts: datasets */
	"mounts": [
		"source=/data,target=/data,type=bind"
	],
	"remoteUser": "vscode", // trailing commas are fine
}
"#;

    fn edit(text: &str, edit: Edit) -> String {
        apply(Path::new("devcontainer.json"), text, &edit).unwrap()
    }

    /// `new` is `old` with `removed` replaced by `added` at one place.
    fn assert_spliced(old: &str, new: &str, removed: &str, added: &str) {
        let at = old
            .find(removed)
            .unwrap_or_else(|| panic!("{removed:?} not in {old}"));
        let expected = format!("{}{}{}", &old[..at], added, &old[at + removed.len()..]);
        assert_eq!(new, expected);
    }

    #[test]
    fn setting_a_nested_value_changes_only_that_value() {
        let new = edit(FILE, Edit::set(&["build", "args", "CUDA"], json!("12.4")));
        assert_spliced(FILE, &new, "\"12.1\"", "\"12.4\"");
    }

    #[test]
    fn setting_a_top_level_value_changes_only_that_value() {
        let new = edit(FILE, Edit::set(&["remoteUser"], json!("root")));
        assert_spliced(FILE, &new, "\"vscode\"", "\"root\"");
        let new = edit(FILE, Edit::set(&["name"], json!("PyTorch 2.5")));
        assert_spliced(FILE, &new, "\"PyTorch\"", "\"PyTorch 2.5\"");
    }

    #[test]
    fn appending_a_mount_keeps_everything_else() {
        let new = edit(
            FILE,
            Edit::append(
                &["mounts"],
                json!("source=/scratch,target=/scratch,type=bind"),
            ),
        );
        assert_spliced(
            FILE,
            &new,
            "\"source=/data,target=/data,type=bind\"\n",
            "\"source=/data,target=/data,type=bind\",\n\t\t\"source=/scratch,target=/scratch,type=bind\"\n",
        );
    }

    #[test]
    fn adding_a_property_appends_it_in_the_file_style() {
        let new = edit(
            FILE,
            Edit::set(
                &["postCreateCommand"],
                json!("pip install -r requirements.txt"),
            ),
        );
        assert_spliced(
            FILE,
            &new,
            "\"remoteUser\": \"vscode\", // trailing commas are fine\n",
            "\"remoteUser\": \"vscode\", // trailing commas are fine\n\t\"postCreateCommand\": \"pip install -r requirements.txt\",\n",
        );
    }

    #[test]
    fn missing_objects_are_created() {
        let new = edit(
            FILE,
            Edit::set(&["hostRequirements", "gpu"], json!("optional")),
        );
        let tree = jsonc::parse(&new).unwrap();
        assert_eq!(
            lookup(&tree, &["hostRequirements", "gpu"])
                .unwrap()
                .to_json(),
            json!("optional")
        );
        assert!(
            new.starts_with(&FILE[..FILE.find("\"remoteUser\"").unwrap()]),
            "{new}"
        );
        let new = edit(FILE, Edit::append(&["runArgs"], json!("--gpus=all")));
        let tree = jsonc::parse(&new).unwrap();
        assert_eq!(
            lookup(&tree, &["runArgs"]).unwrap().to_json(),
            json!(["--gpus=all"])
        );
        let new = edit(
            FILE,
            Edit::set(&["build", "options"], json!(["--network=host"])),
        );
        let tree = jsonc::parse(&new).unwrap();
        assert_eq!(
            lookup(&tree, &["build", "options"]).unwrap().to_json(),
            json!(["--network=host"])
        );
        assert!(new.contains("// keep in sync with requirements.txt"));
    }

    #[test]
    fn removing_a_property() {
        let new = edit(FILE, Edit::remove(&["build", "args", "CUDA"]));
        let tree = jsonc::parse(&new).unwrap();
        assert!(lookup(&tree, &["build", "args", "CUDA"]).is_none());
        assert!(new.starts_with(&FILE[..FILE.find("\"args\"").unwrap()]));
        let err = apply(Path::new("f"), FILE, &Edit::remove(&["nope"])).unwrap_err();
        assert!(matches!(err, EditError::Missing { .. }), "{err}");
    }

    #[test]
    fn edits_refuse_to_go_through_non_objects() {
        let err = apply(Path::new("f"), FILE, &Edit::set(&["name", "x"], json!(1))).unwrap_err();
        assert!(err.to_string().contains("`name` is a string"), "{err}");
        let err = apply(Path::new("f"), FILE, &Edit::append(&["name"], json!(1))).unwrap_err();
        assert!(matches!(err, EditError::NotAnArray { .. }), "{err}");
        let err = apply(Path::new("f"), FILE, &Edit::set(&[], json!(1))).unwrap_err();
        assert!(matches!(err, EditError::EmptyPath), "{err}");
    }

    #[test]
    fn edits_that_break_the_spec_are_refused() {
        let err = apply(Path::new("f"), FILE, &Edit::set(&["remoteUser"], json!(5))).unwrap_err();
        assert!(
            err.to_string()
                .contains("`remoteUser` must be a string, but is a number (5)"),
            "{err}"
        );
        let err = apply(
            Path::new("f"),
            FILE,
            &Edit::append(&["mounts"], json!("target=/x,type=bind")),
        )
        .unwrap_err();
        assert!(matches!(err, EditError::WouldBeInvalid { .. }), "{err}");
    }

    #[test]
    fn invalid_files_are_not_edited() {
        let err = apply(
            Path::new("dc.json"),
            "{\n\"a\": 1\n\"b\": 2}",
            &Edit::set(&["a"], json!(2)),
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("dc.json:3:1:"), "{err}");
    }

    #[test]
    fn odd_property_names_are_escaped() {
        let new = edit("{}", Edit::set(&["a\"b"], json!(1)));
        assert_eq!(jsonc::parse(&new).unwrap().to_json(), json!({"a\"b": 1}));
    }

    #[test]
    fn crlf_files_stay_crlf() {
        let text = "{\r\n  \"a\": 1\r\n}\r\n";
        let new = edit(text, Edit::set(&["b"], json!(2)));
        assert_eq!(new, "{\r\n  \"a\": 1,\r\n  \"b\": 2\r\n}\r\n");
    }

    #[test]
    fn editing_a_file_backs_it_up_and_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("devcontainer.json");
        std::fs::write(&path, FILE).unwrap();
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 26)
            .unwrap()
            .and_hms_opt(9, 5, 7)
            .unwrap();
        let edited =
            edit_file_at(&path, &[Edit::set(&["remoteUser"], json!("root"))], now).unwrap();
        assert_eq!(
            edited.backup,
            dir.path().join("devcontainer.json.bak-20261126-090507")
        );
        assert_eq!(std::fs::read_to_string(&edited.backup).unwrap(), FILE);
        let new = std::fs::read_to_string(&path).unwrap();
        assert_spliced(FILE, &new, "\"vscode\"", "\"root\"");

        // A second edit in the same second keeps the first backup.
        let again = edit_file_at(&path, &[Edit::set(&["remoteUser"], json!("ada"))], now).unwrap();
        assert_eq!(
            again.backup,
            dir.path().join("devcontainer.json.bak-20261126-090507-2")
        );
        assert_eq!(std::fs::read_to_string(&edited.backup).unwrap(), FILE);
        assert_eq!(std::fs::read_to_string(&again.backup).unwrap(), new);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn a_failed_edit_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("devcontainer.json");
        std::fs::write(&path, "{\"a\": 1,, }").unwrap();
        assert!(edit_file(&path, &[Edit::set(&["a"], json!(2))]).is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"a\": 1,, }");
    }

    #[test]
    fn a_byte_order_mark_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("devcontainer.json");
        std::fs::write(&path, b"\xEF\xBB\xBF{\"a\": 1}").unwrap();
        edit_file(&path, &[Edit::set(&["a"], json!(2))]).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"\xEF\xBB\xBF{\"a\": 2}");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn key() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("name".to_owned()),
                Just("build".to_owned()),
                Just("args".to_owned()),
                Just("mounts".to_owned()),
                Just("remoteUser".to_owned()),
                "[a-z\"\\\\/ ]{1,6}",
            ]
        }

        fn value() -> impl Strategy<Value = serde_json::Value> {
            prop_oneof![
                Just(serde_json::Value::Null),
                any::<bool>().prop_map(serde_json::Value::Bool),
                any::<i32>().prop_map(|n| json!(n)),
                "[ -~\n]{0,10}".prop_map(serde_json::Value::String),
                proptest::collection::vec("[a-z]{0,4}", 0..3).prop_map(|v| json!(v)),
                proptest::collection::btree_map("[a-z]{1,4}", any::<u8>(), 0..3)
                    .prop_map(|m| json!(m)),
            ]
        }

        proptest! {
            #[test]
            fn edits_change_only_what_they_say(
                path in proptest::collection::vec(key(), 1..4),
                value in value(),
                append in any::<bool>(),
            ) {
                let keys: Vec<&str> = path.iter().map(String::as_str).collect();
                let edit = if append { Edit::append(&keys, value.clone()) } else { Edit::set(&keys, value.clone()) };
                if let Ok(new) = apply(Path::new("f"), FILE, &edit) {
                    let tree = jsonc::parse(&new).unwrap();
                    let got = lookup(&tree, &keys).unwrap().to_json();
                    if append {
                        let serde_json::Value::Array(items) = got else { panic!("not an array") };
                        prop_assert_eq!(items.last(), Some(&value));
                    } else {
                        prop_assert_eq!(got, value);
                    }
                    // Every comment outside a replaced value is still there.
                    let old_tree = jsonc::parse(FILE).unwrap();
                    let replaced = match lookup(&old_tree, &keys) {
                        Some(old) if !append => &FILE[old.span.start..old.span.end],
                        _ => "",
                    };
                    for comment in ["// For format details", "// the name", "// keep in sync", "/* mounts: datasets */", "// trailing commas"] {
                        prop_assert!(replaced.contains(comment) || new.contains(comment), "{comment} lost:\n{new}");
                    }
                }
            }
        }
    }
}
