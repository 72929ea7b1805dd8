//! A Feature's own `devcontainer-feature.json`: its id and version, its options (type,
//! default, allowed values), what it adds to the container, and what it must be
//! installed after. What Berth passes on unchanged (mounts, lifecycle commands,
//! customizations, …) is kept as written for the `devcontainer.metadata` label.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::FeatureError;

/// The file every Feature folder holds.
pub const MANIFEST_FILE: &str = "devcontainer-feature.json";

/// The properties of a Feature that go into the image's `devcontainer.metadata` entry
/// for it, in the reference CLI's order (its `containerEnv` becomes `ENV` instead).
pub const RECORDED: &[&str] = &[
    "onCreateCommand",
    "updateContentCommand",
    "postCreateCommand",
    "postStartCommand",
    "postAttachCommand",
    "init",
    "privileged",
    "capAdd",
    "securityOpt",
    "entrypoint",
    "mounts",
    "customizations",
];

/// The type of an option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionKind {
    /// `"type": "boolean"`.
    Boolean,
    /// `"type": "string"`, with the only values allowed (`enum`) when it lists them.
    String {
        /// `enum`: the values allowed, or empty for any (`proposals` only suggest).
        allowed: Vec<String>,
    },
}

/// One option a Feature takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionSpec {
    /// Its type.
    pub kind: OptionKind,
    /// Its default, as the text install.sh sees.
    pub default: Option<String>,
}

/// A parsed `devcontainer-feature.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureManifest {
    /// `id`.
    pub id: String,
    /// `version`.
    pub version: Option<String>,
    /// `name`, for messages.
    pub name: Option<String>,
    /// `documentationURL`, for failure messages.
    pub documentation_url: Option<String>,
    /// `options`.
    pub options: BTreeMap<String, OptionSpec>,
    /// `containerEnv`: written as `ENV` before the Feature's install step.
    pub container_env: BTreeMap<String, String>,
    /// `dependsOn`: Feature reference → options; installed first, fetched if missing.
    pub depends_on: BTreeMap<String, Value>,
    /// `installsAfter`: installed first when present.
    pub installs_after: Vec<String>,
    /// `legacyIds`: earlier ids of this Feature.
    pub legacy_ids: Vec<String>,
    /// `deprecated`.
    pub deprecated: bool,
    /// The properties in [`RECORDED`], as written.
    pub recorded: Map<String, Value>,
}

impl FeatureManifest {
    /// Read `devcontainer-feature.json` in `folder`; `feature` names the Feature in errors.
    ///
    /// # Errors
    ///
    /// [`FeatureError::Manifest`]: the file is missing, not JSON, or a property has the
    /// wrong shape.
    pub fn read(folder: &Path, feature: &str) -> Result<Self, FeatureError> {
        let path = folder.join(MANIFEST_FILE);
        let fail = |message: String| FeatureError::Manifest {
            feature: feature.to_owned(),
            path: path.clone(),
            message,
        };
        let bytes = std::fs::read(&path).map_err(|err| {
            fail(if err.kind() == std::io::ErrorKind::NotFound {
                format!(
                    "there is no {MANIFEST_FILE}: is '{}' a Feature folder?",
                    folder.display()
                )
            } else {
                format!("cannot read it: {err}")
            })
        })?;
        let text = crate::devcontainer::jsonc::decode(&bytes).map_err(|e| fail(e.to_string()))?;
        let node = crate::devcontainer::jsonc::parse(text).map_err(|e| fail(e.to_string()))?;
        Self::from_json(&node.to_json()).map_err(fail)
    }

    /// Read the manifest from its JSON value.
    ///
    /// # Errors
    ///
    /// What is wrong with it, naming the property.
    pub fn from_json(json: &Value) -> Result<Self, String> {
        let object = json
            .as_object()
            .ok_or_else(|| "it must be a JSON object".to_owned())?;
        let text = |key: &str| -> Result<Option<String>, String> {
            match object.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(format!("`{key}` must be a string")),
            }
        };
        let id = text("id")?.ok_or_else(|| "`id` is missing".to_owned())?;
        let mut options = BTreeMap::new();
        for (name, spec) in object
            .get("options")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            options.insert(name.clone(), option_spec(name, spec)?);
        }
        let container_env = match object.get("containerEnv") {
            None => BTreeMap::new(),
            Some(Value::Object(map)) => map
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k.clone(), s.clone())),
                    Value::Number(n) => Ok((k.clone(), n.to_string())),
                    Value::Bool(b) => Ok((k.clone(), b.to_string())),
                    _ => Err(format!("`containerEnv.{k}` must be a string")),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err("`containerEnv` must be an object".to_owned()),
        };
        let depends_on = match object.get("dependsOn") {
            None => BTreeMap::new(),
            Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Some(_) => return Err("`dependsOn` must be an object of Feature → options".to_owned()),
        };
        let strings = |key: &str| -> Result<Vec<String>, String> {
            match object.get(key) {
                None => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map(str::to_owned)
                            .ok_or_else(|| format!("`{key}` must be a list of strings"))
                    })
                    .collect(),
                Some(_) => Err(format!("`{key}` must be a list of strings")),
            }
        };
        let recorded = RECORDED
            .iter()
            .filter_map(|key| object.get(*key).map(|v| ((*key).to_owned(), v.clone())))
            .collect();
        Ok(Self {
            id,
            version: text("version")?,
            name: text("name")?,
            documentation_url: text("documentationURL")?,
            options,
            container_env,
            depends_on,
            installs_after: strings("installsAfter")?,
            legacy_ids: strings("legacyIds")?,
            deprecated: object.get("deprecated").and_then(Value::as_bool) == Some(true),
            recorded,
        })
    }

    /// The name to show: `name`, else `id`.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}

fn option_spec(name: &str, spec: &Value) -> Result<OptionSpec, String> {
    let object = spec
        .as_object()
        .ok_or_else(|| format!("`options.{name}` must be an object"))?;
    let default = match object.get("default") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => {
            return Err(format!(
                "`options.{name}.default` must be a string or a boolean"
            ))
        }
    };
    let kind = match object.get("type").and_then(Value::as_str) {
        Some("boolean") => OptionKind::Boolean,
        Some("string") => OptionKind::String {
            allowed: object
                .get("enum")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        },
        Some(other) => {
            return Err(format!(
                "`options.{name}.type` is \"{other}\"; the spec allows \"boolean\" and \"string\""
            ))
        }
        None => return Err(format!("`options.{name}.type` is missing")),
    };
    Ok(OptionSpec { kind, default })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_manifest_keeps_options_contributions_and_ordering_hints() {
        let manifest = FeatureManifest::from_json(&json!({
            "id": "hello", "version": "1.2.0", "name": "Hello",
            "options": {
                "greeting": {"type": "string", "proposals": ["hi"], "default": "hey"},
                "shout": {"type": "boolean", "default": false},
                "flavour": {"type": "string", "enum": ["a", "b"], "default": "a"}
            },
            "containerEnv": {"HELLO_HOME": "/opt/hello"},
            "mounts": [{"source": "v", "target": "/data", "type": "volume"}],
            "postCreateCommand": "hello --ready",
            "capAdd": ["SYS_PTRACE"],
            "installsAfter": ["ghcr.io/devcontainers/features/common-utils"],
            "dependsOn": {"ghcr.io/x/base:1": {}},
            "legacyIds": ["hi"]
        }))
        .unwrap();
        assert_eq!(manifest.options["shout"].default.as_deref(), Some("false"));
        assert_eq!(
            manifest.options["flavour"].kind,
            OptionKind::String {
                allowed: vec!["a".into(), "b".into()]
            }
        );
        assert_eq!(manifest.container_env["HELLO_HOME"], "/opt/hello");
        assert_eq!(
            manifest.recorded.keys().collect::<Vec<_>>(),
            ["capAdd", "mounts", "postCreateCommand"]
        );
        assert_eq!(manifest.depends_on.len(), 1);
        assert_eq!(manifest.legacy_ids, ["hi"]);
    }

    #[test]
    fn a_bad_manifest_names_the_property() {
        for (json, says) in [
            (json!({}), "`id` is missing"),
            (
                json!({"id": "x", "options": {"o": {"type": "number"}}}),
                "options.o.type",
            ),
            (json!({"id": "x", "installsAfter": "y"}), "installsAfter"),
            (json!([1]), "JSON object"),
        ] {
            let err = FeatureManifest::from_json(&json).unwrap_err();
            assert!(err.contains(says), "{err}");
        }
    }
}
