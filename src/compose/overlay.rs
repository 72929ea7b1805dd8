//! The override file Berth adds to a Compose project, shaped as the reference CLI writes
//! its own: for the dev service the image (with Features), the keep-alive entrypoint,
//! the command, init, user, environment, privileges, capabilities, labels, mounts and
//! GPUs; top-level entries for the named volumes it mounts; Berth's labels on the other
//! services so Berth can find (and only remove) what it started. Every value is written
//! as a double-quoted string with `$` doubled, so Compose substitutes nothing in it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What the override sets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Overlay {
    /// The compose files' `version:` line, repeated (Compose v1 wants them equal).
    pub version_line: Option<String>,
    /// The dev service.
    pub service: String,
    /// Its image, when Berth built one on top (Features, UID).
    pub image: Option<String>,
    /// The entrypoint: `/bin/sh -c <keep-alive> -` and the service's own.
    pub entrypoint: Vec<String>,
    /// The command, when it differs from the service's.
    pub command: Option<Vec<String>>,
    /// `init`.
    pub init: bool,
    /// `user`.
    pub user: Option<String>,
    /// `environment`.
    pub environment: BTreeMap<String, String>,
    /// `privileged`.
    pub privileged: bool,
    /// `cap_add`.
    pub cap_add: Vec<String>,
    /// `security_opt`.
    pub security_opt: Vec<String>,
    /// `labels`.
    pub labels: BTreeMap<String, String>,
    /// `volumes`, `source:target` (or just `target`).
    pub volumes: Vec<String>,
    /// Named volumes to declare at the top level.
    pub named_volumes: Vec<String>,
    /// Reserve GPUs.
    pub gpus: bool,
    /// Labels for every other service.
    pub other_services: BTreeMap<String, BTreeMap<String, String>>,
    /// Labels for the named volumes Compose makes (so Berth's `rm` finds them, and
    /// only them).
    pub volume_labels: BTreeMap<String, String>,
    /// Labels for the default network Compose makes.
    pub network_labels: BTreeMap<String, String>,
}

/// A string as YAML reads it (JSON double quotes), `$` doubled for Compose.
fn quoted(value: &str) -> String {
    serde_json::Value::String(value.replace('$', "$$")).to_string()
}

fn list(values: &[String]) -> String {
    let items: Vec<String> = values.iter().map(|v| quoted(v)).collect();
    format!("[{}]", items.join(", "))
}

impl Overlay {
    /// The file's text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Some(version) = &self.version_line {
            let _ = writeln!(out, "{version}\n");
        }
        out.push_str("services:\n");
        let _ = writeln!(out, "  {}:", quoted(&self.service));
        if let Some(image) = &self.image {
            let _ = writeln!(out, "    image: {}", quoted(image));
        }
        let _ = writeln!(out, "    entrypoint: {}", list(&self.entrypoint));
        if let Some(command) = &self.command {
            let _ = writeln!(out, "    command: {}", list(command));
        }
        if self.init {
            out.push_str("    init: true\n");
        }
        if let Some(user) = &self.user {
            let _ = writeln!(out, "    user: {}", quoted(user));
        }
        if !self.environment.is_empty() {
            out.push_str("    environment:\n");
            for (key, value) in &self.environment {
                let _ = writeln!(out, "      - {}", quoted(&format!("{key}={value}")));
            }
        }
        if self.privileged {
            out.push_str("    privileged: true\n");
        }
        for (key, values) in [
            ("cap_add", &self.cap_add),
            ("security_opt", &self.security_opt),
        ] {
            if !values.is_empty() {
                let _ = writeln!(out, "    {key}:");
                for value in values {
                    let _ = writeln!(out, "      - {}", quoted(value));
                }
            }
        }
        write_labels(&mut out, &self.labels);
        if !self.volumes.is_empty() {
            out.push_str("    volumes:\n");
            for volume in &self.volumes {
                let _ = writeln!(out, "      - {}", quoted(volume));
            }
        }
        if self.gpus {
            out.push_str("    deploy:\n      resources:\n        reservations:\n          devices:\n            - capabilities: [gpu]\n");
        }
        for (service, labels) in &self.other_services {
            let _ = writeln!(out, "  {}:", quoted(service));
            write_labels(&mut out, labels);
        }
        if !self.named_volumes.is_empty() {
            out.push_str("volumes:\n");
            for volume in &self.named_volumes {
                let _ = writeln!(out, "  {}:", quoted(volume));
                write_map(&mut out, "    ", &self.volume_labels);
            }
        }
        if !self.network_labels.is_empty() {
            out.push_str("networks:\n  default:\n");
            write_map(&mut out, "    ", &self.network_labels);
        }
        out
    }
}

/// `labels:` as a map, at `indent`.
fn write_map(out: &mut String, indent: &str, labels: &BTreeMap<String, String>) {
    if labels.is_empty() {
        return;
    }
    let _ = writeln!(out, "{indent}labels:");
    for (key, value) in labels {
        let _ = writeln!(out, "{indent}  {}: {}", quoted(key), quoted(value));
    }
}

fn write_labels(out: &mut String, labels: &BTreeMap<String, String>) {
    if labels.is_empty() {
        return;
    }
    out.push_str("    labels:\n");
    for (key, value) in labels {
        let _ = writeln!(out, "      - {}", quoted(&format!("{key}={value}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_override_is_yaml_compose_reads_without_substituting() {
        let overlay = Overlay {
            version_line: Some("version: '3.8'".into()),
            service: "app".into(),
            image: Some("berth/x:latest".into()),
            entrypoint: vec![
                "/bin/sh".into(),
                "-c".into(),
                "exec \"$@\"".into(),
                "-".into(),
            ],
            command: Some(vec![]),
            init: true,
            user: Some("dev".into()),
            environment: BTreeMap::from([("PRICE".into(), "$5 'quoted'".into())]),
            cap_add: vec!["SYS_PTRACE".into()],
            labels: BTreeMap::from([("devcontainer.metadata".into(), r#"[{"a":"b"}]"#.into())]),
            volumes: vec!["data-x:/data".into(), "/scratch".into()],
            named_volumes: vec!["data-x".into()],
            other_services: BTreeMap::from([(
                "db".into(),
                BTreeMap::from([("dev.berth.role".into(), "service".into())]),
            )]),
            volume_labels: BTreeMap::from([("dev.berth.project".into(), "p1".into())]),
            network_labels: BTreeMap::from([("dev.berth.project".into(), "p1".into())]),
            ..Overlay::default()
        };
        let text = overlay.render();
        let parsed: serde_json::Value = serde_yaml::from_str(&text).unwrap();
        let app = &parsed["services"]["app"];
        assert_eq!(app["entrypoint"][2], "exec \"$$@\"");
        assert_eq!(app["environment"][0], "PRICE=$$5 'quoted'");
        assert_eq!(app["labels"][0], r#"devcontainer.metadata=[{"a":"b"}]"#);
        assert_eq!(app["volumes"][1], "/scratch");
        assert_eq!(
            parsed["services"]["db"]["labels"][0],
            "dev.berth.role=service"
        );
        assert_eq!(
            parsed["volumes"]["data-x"]["labels"]["dev.berth.project"],
            "p1"
        );
        assert_eq!(
            parsed["networks"]["default"]["labels"]["dev.berth.project"],
            "p1"
        );
        assert_eq!(parsed["version"], "3.8");
    }
}
