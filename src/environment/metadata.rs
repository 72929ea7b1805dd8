//! The `devcontainer.metadata` label: the configuration a container was made from, as a
//! JSON array of entries (the base image's own entries first, then devcontainer.json's),
//! shaped as the reference CLI writes it so VS Code and the devcontainer CLI read a
//! Berth container as their own. Merging the entries gives the effective settings.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// The devcontainer.json properties the reference CLI records, in its order.
pub const RECORDED: &[&str] = &[
    "onCreateCommand",
    "updateContentCommand",
    "postCreateCommand",
    "postStartCommand",
    "postAttachCommand",
    "waitFor",
    "customizations",
    "mounts",
    "containerEnv",
    "containerUser",
    "init",
    "privileged",
    "capAdd",
    "securityOpt",
    "remoteUser",
    "userEnvProbe",
    "remoteEnv",
    "overrideCommand",
    "portsAttributes",
    "otherPortsAttributes",
    "forwardPorts",
    "shutdownAction",
    "updateRemoteUserUID",
    "hostRequirements",
];

/// The entries of an image's (or container's) `devcontainer.metadata` label; an absent
/// or unreadable label has none.
pub fn entries_of(label: Option<&str>) -> Vec<Map<String, Value>> {
    let Some(text) = label else {
        return Vec::new();
    };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items
            .into_iter()
            .filter_map(|item| match item {
                Value::Object(map) => Some(map),
                _ => None,
            })
            .collect(),
        Ok(Value::Object(map)) => vec![map],
        _ => {
            tracing::warn!("ignoring an unreadable devcontainer.metadata label");
            Vec::new()
        }
    }
}

/// The entry for devcontainer.json: its recorded properties as written (`raw`, before
/// substitution, as the reference CLI keeps them).
pub fn config_entry(raw: &Map<String, Value>) -> Map<String, Value> {
    RECORDED
        .iter()
        .filter_map(|key| {
            raw.get(*key)
                .map(|value| ((*key).to_owned(), value.clone()))
        })
        .collect()
}

/// The label's text: the entries as a JSON array, each entry's keys in the reference
/// CLI's order, empty entries left out.
pub fn label(entries: &[Map<String, Value>]) -> String {
    let rendered: Vec<String> = entries
        .iter()
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            // A Feature's entry: `id` first, then its properties in the Feature order.
            let order: Vec<&str> = if entry.contains_key("id") {
                std::iter::once("id")
                    .chain(crate::feature::manifest::RECORDED.iter().copied())
                    .collect()
            } else {
                RECORDED.to_vec()
            };
            let mut keys: Vec<&String> = entry.keys().collect();
            keys.sort_by_key(|key| order.iter().position(|k| k == key).unwrap_or(order.len()));
            let fields: Vec<String> = keys
                .into_iter()
                .map(|key| {
                    format!(
                        "{}:{}",
                        Value::String(key.clone()),
                        serde_json::to_string(&entry[key]).unwrap_or_default()
                    )
                })
                .collect();
            format!("{{{}}}", fields.join(","))
        })
        .collect();
    format!("[{}]", rendered.join(","))
}

/// What the entries mean together: later entries win for single values, lists and
/// maps accumulate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Merged {
    /// `remoteUser`.
    pub remote_user: Option<String>,
    /// `containerUser`.
    pub container_user: Option<String>,
    /// `remoteEnv` (`None` unsets).
    pub remote_env: BTreeMap<String, Option<String>>,
    /// `containerEnv`.
    pub container_env: BTreeMap<String, String>,
    /// `updateRemoteUserUID`.
    pub update_remote_user_uid: Option<bool>,
    /// `userEnvProbe`.
    pub user_env_probe: Option<String>,
    /// `overrideCommand`.
    pub override_command: Option<bool>,
    /// `init`: any entry asking for it.
    pub init: bool,
    /// `privileged`: any entry asking for it.
    pub privileged: bool,
    /// `capAdd`, without repeats.
    pub cap_add: Vec<String>,
    /// `securityOpt`, without repeats.
    pub security_opt: Vec<String>,
    /// `mounts` (string form), the last one for each target.
    pub mounts: Vec<Value>,
    /// Lifecycle commands per property, each with where it came from, in run order.
    pub lifecycle: BTreeMap<String, Vec<(String, Value)>>,
    /// Features' `entrypoint`s, run by the keep-alive before the container's command.
    pub entrypoints: Vec<String>,
}

/// Merge `entries` (image entries first, devcontainer.json's last).
pub fn merge(entries: &[Map<String, Value>]) -> Merged {
    let mut merged = Merged::default();
    let text = |value: &Value| match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let mut mounts: Vec<(String, Value)> = Vec::new();
    for entry in entries {
        let origin = entry
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("devcontainer.json")
            .to_owned();
        for (key, value) in entry {
            match key.as_str() {
                "remoteUser" => merged.remote_user = text(value),
                "containerUser" => merged.container_user = text(value),
                "updateRemoteUserUID" => merged.update_remote_user_uid = value.as_bool(),
                "userEnvProbe" => merged.user_env_probe = text(value),
                "overrideCommand" => merged.override_command = value.as_bool(),
                "init" => merged.init |= value.as_bool() == Some(true),
                "privileged" => merged.privileged |= value.as_bool() == Some(true),
                "capAdd" | "securityOpt" => {
                    let list = if key == "capAdd" {
                        &mut merged.cap_add
                    } else {
                        &mut merged.security_opt
                    };
                    for item in value.as_array().into_iter().flatten().filter_map(text) {
                        if !list.contains(&item) {
                            list.push(item);
                        }
                    }
                }
                "remoteEnv" => {
                    for (name, value) in value.as_object().into_iter().flatten() {
                        merged.remote_env.insert(name.clone(), text(value));
                    }
                }
                "containerEnv" => {
                    for (name, value) in value.as_object().into_iter().flatten() {
                        if let Some(value) = text(value) {
                            merged.container_env.insert(name.clone(), value);
                        }
                    }
                }
                "mounts" => {
                    for mount in value.as_array().into_iter().flatten() {
                        let target = mount_target(mount).unwrap_or_default();
                        mounts.retain(|(t, _)| t != &target || target.is_empty());
                        mounts.push((target, mount.clone()));
                    }
                }
                "entrypoint" => {
                    if let Some(entrypoint) = text(value).filter(|e| !e.is_empty()) {
                        merged.entrypoints.push(entrypoint);
                    }
                }
                "onCreateCommand"
                | "updateContentCommand"
                | "postCreateCommand"
                | "postStartCommand"
                | "postAttachCommand" => {
                    merged
                        .lifecycle
                        .entry(key.clone())
                        .or_default()
                        .push((origin.clone(), value.clone()));
                }
                _ => {}
            }
        }
    }
    merged.mounts = mounts.into_iter().map(|(_, m)| m).collect();
    merged
}

/// The `target` of a mount in string or object form.
fn mount_target(mount: &Value) -> Option<String> {
    match mount {
        Value::String(text) => text.split(',').find_map(|field| {
            let (key, value) = field.split_once('=')?;
            matches!(key.trim(), "target" | "dst" | "destination").then(|| value.to_owned())
        }),
        Value::Object(map) => map.get("target").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    #[test]
    fn the_label_lists_recorded_properties_in_the_reference_order() {
        let raw = map(json!({
            "image": "x",
            "remoteEnv": {"RE": "${localEnv:HOME}"},
            "remoteUser": "dev",
            "mounts": ["source=v,target=/data,type=volume"],
            "onCreateCommand": "echo hi",
            "name": "not recorded"
        }));
        let entry = config_entry(&raw);
        assert_eq!(
            label(&[entry]),
            r#"[{"onCreateCommand":"echo hi","mounts":["source=v,target=/data,type=volume"],"remoteUser":"dev","remoteEnv":{"RE":"${localEnv:HOME}"}}]"#
        );
    }

    #[test]
    fn image_entries_come_first_and_later_entries_win() {
        let image = map(json!({"remoteUser": "vscode", "containerEnv": {"A": "1"},
            "postCreateCommand": "image-step", "capAdd": ["SYS_PTRACE"]}));
        let config = map(json!({"remoteUser": "dev", "containerEnv": {"B": "2"},
            "postCreateCommand": "config-step", "capAdd": ["SYS_PTRACE", "NET_ADMIN"]}));
        let merged = merge(&[image, config]);
        assert_eq!(merged.remote_user.as_deref(), Some("dev"));
        assert_eq!(merged.container_env.len(), 2);
        assert_eq!(merged.cap_add, ["SYS_PTRACE", "NET_ADMIN"]);
        let steps: Vec<&Value> = merged.lifecycle["postCreateCommand"]
            .iter()
            .map(|(_, v)| v)
            .collect();
        assert_eq!(steps, [&json!("image-step"), &json!("config-step")]);
    }

    #[test]
    fn an_unreadable_label_has_no_entries() {
        assert!(entries_of(Some("{not json")).is_empty());
        assert_eq!(entries_of(Some(r#"{"remoteUser":"a"}"#)).len(), 1);
        assert!(entries_of(None).is_empty());
    }
}
