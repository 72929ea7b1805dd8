//! The build stage that installs Features on top of an image, as the spec lays it out:
//! each Feature's folder copied in and its `install.sh` run as root, in install order,
//! with its options as upper-cased environment variables plus `_REMOTE_USER`,
//! `_CONTAINER_USER` and their homes; a Feature's `containerEnv` is set (`ENV`) before
//! its step, so its install.sh and everything after see it. One layer per Feature, so an
//! unchanged Feature comes from the build cache.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{FeatureError, FeatureInstall};

/// Where the Features' folders go inside the image while they install.
const INSTALL_ROOT: &str = "/tmp/berth-features";

/// The users a Feature installs for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Users {
    /// `_CONTAINER_USER`.
    pub container: String,
    /// `_REMOTE_USER`.
    pub remote: String,
    /// The base image's own `USER`, restored after the Features ("" for root).
    pub image: String,
}

/// A build context written to a temporary folder: the Dockerfile and each Feature's
/// folder. The folder goes when this is dropped.
pub struct Stage {
    dir: tempfile::TempDir,
    /// A hash of everything the stage installs (each Feature's files, options, users).
    pub inputs: String,
}

impl Stage {
    /// The context folder.
    pub fn context(&self) -> &Path {
        self.dir.path()
    }

    /// The Dockerfile in it.
    pub fn dockerfile(&self) -> PathBuf {
        self.dir.path().join("Dockerfile")
    }
}

/// Write the stage installing `installs` (in order) on `base`.
///
/// # Errors
///
/// [`FeatureError::Stage`]: a Feature folder cannot be read or the stage written.
pub fn write(
    base: &str,
    installs: &[FeatureInstall],
    users: &Users,
) -> Result<Stage, FeatureError> {
    let fail = |err: std::io::Error| FeatureError::Stage {
        message: format!("cannot prepare the Features build: {err}"),
    };
    let dir = tempfile::Builder::new()
        .prefix("berth-features-")
        .tempdir()
        .map_err(fail)?;
    let mut hasher = Sha256::new();
    hasher.update(format!("{base}\0{users:?}\0"));
    let builtin = format!(
        "_CONTAINER_USER={}\n_REMOTE_USER={}\n",
        shell_quote(&users.container),
        shell_quote(&users.remote)
    );
    std::fs::write(dir.path().join("builtin.env"), &builtin).map_err(fail)?;

    let mut dockerfile = String::new();
    let _ = writeln!(dockerfile, "FROM {base}");
    let _ = writeln!(dockerfile, "USER root");
    let _ = writeln!(dockerfile, "COPY builtin.env {INSTALL_ROOT}/builtin.env");
    let _ = writeln!(
        dockerfile,
        "RUN echo \"_CONTAINER_USER_HOME=$( {} | cut -d: -f6)\" >> {INSTALL_ROOT}/builtin.env \\\n && echo \"_REMOTE_USER_HOME=$( {} | cut -d: -f6)\" >> {INSTALL_ROOT}/builtin.env",
        passwd_line(&users.container),
        passwd_line(&users.remote)
    );
    for (index, install) in installs.iter().enumerate() {
        let name = folder_name(index, &install.manifest.id);
        let target = dir.path().join(&name);
        copy_folder(&install.folder, &target, &mut hasher).map_err(fail)?;
        let env: String = install
            .values
            .iter()
            .map(|(option, value)| {
                format!(
                    "{}={}\n",
                    super::options::env_name(option),
                    shell_quote(value)
                )
            })
            .collect();
        hasher.update(format!("{}\0{env}\0", install.key));
        std::fs::write(target.join("berth-feature.env"), env).map_err(fail)?;
        std::fs::write(target.join("berth-install.sh"), wrapper(install)).map_err(fail)?;
        for (key, value) in &install.manifest.container_env {
            let _ = writeln!(dockerfile, "ENV {key}=\"{}\"", dockerfile_escape(value));
        }
        let folder = format!("{INSTALL_ROOT}/{name}");
        let _ = writeln!(dockerfile, "COPY --chown=root:root {name}/ {folder}/");
        let _ = writeln!(
            dockerfile,
            "RUN cd {folder} && chmod -R 0755 . && ./berth-install.sh && cd / && rm -rf {folder}"
        );
    }
    let image_user = if users.image.is_empty() {
        "root"
    } else {
        &users.image
    };
    let _ = writeln!(dockerfile, "USER {image_user}");
    hasher.update(&dockerfile);
    std::fs::write(dir.path().join("Dockerfile"), dockerfile).map_err(fail)?;
    Ok(Stage {
        dir,
        inputs: super::hex(&hasher.finalize()),
    })
}

/// `3-python`: the order first, so `docker history` reads in install order.
fn folder_name(index: usize, id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}-{safe}", index + 1)
}

/// The shell that prints a user's passwd line, with or without `getent`.
fn passwd_line(user: &str) -> String {
    let quoted = shell_quote(user);
    let pattern = shell_quote(&format!("^{}:", regex::escape(user)));
    format!(
        "(command -v getent >/dev/null 2>&1 && getent passwd {quoted} || grep -E {pattern} /etc/passwd || true)"
    )
}

/// The script that runs one Feature's install.sh with its environment, and names the
/// Feature when it fails.
fn wrapper(install: &FeatureInstall) -> String {
    let manifest = &install.manifest;
    let title = shell_quote(&format!(
        "Feature '{}' ({}){}",
        manifest.display_name(),
        install.key,
        manifest
            .version
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default()
    ));
    let help = manifest
        .documentation_url
        .as_deref()
        .map(|url| format!("; its documentation: {url}"))
        .unwrap_or_default();
    let failed = shell_quote(&format!(
        "Feature '{}' ({}) failed to install{help}",
        manifest.display_name(),
        install.key
    ));
    let mut script = String::from("#!/bin/sh\nset -e\n");
    let _ = writeln!(
        script,
        "on_exit() {{ status=$?; [ \"$status\" -eq 0 ] && return; echo {failed}\" (exit $status)\"; }}"
    );
    script.push_str("trap on_exit EXIT\n");
    let _ = writeln!(script, "echo \"installing \"{title}");
    if manifest.deprecated {
        let _ = writeln!(
            script,
            "echo {}",
            shell_quote(&format!(
                "warning: the Feature '{}' is deprecated",
                manifest.id
            ))
        );
    }
    script.push_str("set -a\n. ../builtin.env\n. ./berth-feature.env\nset +a\n");
    script.push_str("chmod +x ./install.sh\n./install.sh\n");
    script
}

/// Copy `from` into `to` (files, folders, links), hashing names and contents.
fn copy_folder(from: &Path, to: &Path, hasher: &mut Sha256) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    let mut entries: Vec<_> = std::fs::read_dir(from)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let source = entry.path();
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        hasher.update(entry.file_name().to_string_lossy().as_bytes());
        if kind.is_dir() {
            copy_folder(&source, &target, hasher)?;
        } else if kind.is_symlink() {
            let link = std::fs::read_link(&source)?;
            hasher.update(link.to_string_lossy().as_bytes());
            #[cfg(unix)]
            std::os::unix::fs::symlink(&link, &target)?;
            #[cfg(not(unix))]
            std::fs::copy(&source, &target).map(|_| ())?;
        } else {
            let bytes = std::fs::read(&source)?;
            hasher.update(&bytes);
            std::fs::write(&target, bytes)?;
        }
    }
    Ok(())
}

/// `'…'` with every `'` written as `'\''`.
pub fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// A value inside `ENV K="…"`: quotes and backslashes escaped, `$` left to expand (a
/// Feature's `PATH=/opt/x/bin:${PATH}` must).
fn dockerfile_escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The metadata entries of `installs`: one per Feature, `id` first, then what it
/// contributes (lifecycle commands, mounts, capabilities, entrypoint, customizations).
pub fn metadata_entries(
    installs: &[FeatureInstall],
) -> Vec<serde_json::Map<String, serde_json::Value>> {
    installs
        .iter()
        .map(|install| {
            let mut entry = serde_json::Map::new();
            entry.insert(
                "id".to_owned(),
                serde_json::Value::String(install.key.clone()),
            );
            for key in super::manifest::RECORDED {
                if let Some(value) = install.manifest.recorded.get(*key) {
                    entry.insert((*key).to_owned(), value.clone());
                }
            }
            entry
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feature::manifest::FeatureManifest;
    use crate::feature::reference::FeatureSource;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn install(dir: &Path, id: &str, env: serde_json::Value) -> FeatureInstall {
        let folder = dir.join(id);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("install.sh"), "#!/bin/sh\necho ok\n").unwrap();
        let manifest = FeatureManifest::from_json(&json!({
            "id": id, "version": "1.0.0", "containerEnv": env,
            "postCreateCommand": format!("{id}-ready"), "capAdd": ["SYS_PTRACE"]
        }))
        .unwrap();
        FeatureInstall {
            key: format!("./{id}"),
            source: FeatureSource::Local(folder.clone()),
            manifest,
            folder,
            values: BTreeMap::from([("toolVersion".to_owned(), "it's 1".to_owned())]),
            digest: None,
        }
    }

    #[test]
    fn the_stage_installs_each_feature_in_order_with_its_env_first() {
        let dir = tempfile::tempdir().unwrap();
        let installs = [
            install(
                dir.path(),
                "first",
                json!({"PATH": "/opt/first/bin:${PATH}"}),
            ),
            install(dir.path(), "second", json!({})),
        ];
        let users = Users {
            container: "root".into(),
            remote: "dev".into(),
            image: String::new(),
        };
        let stage = write("berth/base:1", &installs, &users).unwrap();
        let dockerfile = std::fs::read_to_string(stage.dockerfile()).unwrap();
        let first_env = dockerfile
            .find("ENV PATH=\"/opt/first/bin:${PATH}\"")
            .unwrap();
        let first = dockerfile.find("COPY --chown=root:root 1-first/").unwrap();
        let second = dockerfile.find("COPY --chown=root:root 2-second/").unwrap();
        assert!(first_env < first && first < second, "{dockerfile}");
        assert!(dockerfile.starts_with("FROM berth/base:1\nUSER root\n"));
        assert!(dockerfile.trim_end().ends_with("USER root"));
        let env =
            std::fs::read_to_string(stage.context().join("1-first/berth-feature.env")).unwrap();
        assert_eq!(env, "TOOLVERSION='it'\\''s 1'\n");
        let builtin = std::fs::read_to_string(stage.context().join("builtin.env")).unwrap();
        assert_eq!(builtin, "_CONTAINER_USER='root'\n_REMOTE_USER='dev'\n");
        // The wrapper, run as the build runs it, names the Feature when install.sh fails.
        let second = stage.context().join("2-second");
        std::fs::write(
            second.join("install.sh"),
            "#!/bin/sh\necho \"$TOOLVERSION\"\nexit 3\n",
        )
        .unwrap();
        let out = std::process::Command::new("sh")
            .arg("./berth-install.sh")
            .current_dir(&second)
            .output()
            .unwrap();
        let printed = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(3), "{printed}");
        assert!(
            printed.contains("it's 1\nFeature 'second' (./second) failed to install (exit 3)"),
            "{printed}"
        );
        // The same input hashes the same; a changed install.sh does not.
        let again = write("berth/base:1", &installs, &users).unwrap();
        assert_eq!(again.inputs, stage.inputs);
        std::fs::write(
            dir.path().join("first/install.sh"),
            "#!/bin/sh\necho changed\n",
        )
        .unwrap();
        assert_ne!(
            write("berth/base:1", &installs, &users).unwrap().inputs,
            stage.inputs
        );
    }

    #[test]
    fn each_feature_has_a_metadata_entry_named_by_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let entries = metadata_entries(&[install(dir.path(), "first", json!({"A": "1"}))]);
        assert_eq!(
            serde_json::Value::Object(entries[0].clone()),
            json!({"id": "./first", "postCreateCommand": "first-ready", "capAdd": ["SYS_PTRACE"]})
        );
    }
}
