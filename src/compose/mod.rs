//! Docker Compose configurations, run through the Compose CLI as the reference CLI does:
//! `docker compose` (v2) where it is installed, else Debian's `docker-compose` (v1). The
//! project's name follows the reference CLI's rule, so VS Code and `devcontainer up` find
//! the same containers; what devcontainer.json adds to the dev service (labels, the
//! Features image, env, mounts, capabilities, the keep-alive) goes in an override file.

pub mod overlay;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;
use tokio::io::AsyncBufReadExt;

use crate::devcontainer::ResolvedConfig;
use crate::engine::progress::{Cancel, Event, Outcome, Progress};

/// What can go wrong with Compose.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// Neither Compose CLI is installed.
    #[error("'{}' uses Docker Compose, but neither `docker compose` (v2) nor `docker-compose` (v1) is installed: install Docker's compose plugin (docker-compose-plugin) or Debian's docker-compose package, then run `berth up` again", config.display())]
    Missing {
        /// The devcontainer.json.
        config: PathBuf,
    },
    /// The configuration does not say enough.
    #[error("'{}': {message}", config.display())]
    Config {
        /// The devcontainer.json.
        config: PathBuf,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A Compose command failed.
    #[error("`{command}` failed{}: {}", code.map(|c| format!(" with exit code {c}")).unwrap_or_default(), last_lines.join("\n  "))]
    Failed {
        /// The command line.
        command: String,
        /// Its exit code.
        code: Option<i32>,
        /// The last lines it printed.
        last_lines: Vec<String>,
    },
}

/// How many lines of a failed command's output an error keeps.
const LAST_LINES: usize = 20;

/// The Compose CLI on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeCli {
    /// The program and its leading arguments (`docker compose` or `docker-compose`).
    pub program: Vec<String>,
    /// Its version, e.g. `1.29.2`.
    pub version: String,
}

impl ComposeCli {
    /// Find `docker compose`, else `docker-compose`.
    ///
    /// # Errors
    ///
    /// [`ComposeError::Missing`] naming both.
    pub async fn detect(config: &Path) -> Result<Self, ComposeError> {
        for program in [vec!["docker", "compose"], vec!["docker-compose"]] {
            let mut command = tokio::process::Command::new(program[0]);
            command.args(&program[1..]).args(["version", "--short"]);
            command.stdin(Stdio::null());
            if let Ok(output) = command.output().await {
                let version = String::from_utf8_lossy(&output.stdout)
                    .trim()
                    .trim_start_matches('v')
                    .to_owned();
                if output.status.success()
                    && version.chars().next().is_some_and(|c| c.is_ascii_digit())
                {
                    return Ok(Self {
                        program: program.iter().map(|s| (*s).to_owned()).collect(),
                        version,
                    });
                }
            }
        }
        Err(ComposeError::Missing {
            config: config.to_owned(),
        })
    }

    /// The major version (1 or 2).
    pub fn major(&self) -> u32 {
        self.version
            .split('.')
            .next()
            .and_then(|m| m.parse().ok())
            .unwrap_or(1)
    }

    /// The separator in the names Compose gives images and containers (`_` before 2.8).
    pub fn separator(&self) -> &'static str {
        let mut parts = self
            .version
            .split('.')
            .map(|p| p.parse::<u32>().unwrap_or(0));
        let (major, minor) = (parts.next().unwrap_or(1), parts.next().unwrap_or(0));
        if (major, minor) >= (2, 8) {
            "-"
        } else {
            "_"
        }
    }

    /// Run `args` in `cwd`, each output line reported; returns stdout.
    ///
    /// # Errors
    ///
    /// [`ComposeError::Failed`] with the last lines it printed.
    pub async fn run(
        &self,
        args: &[String],
        cwd: &Path,
        progress: &dyn Progress,
        cancel: &Cancel,
    ) -> Result<Outcome<String>, ComposeError> {
        let line = format!("{} {}", self.program.join(" "), args.join(" "));
        tracing::info!("running {line}");
        let mut command = tokio::process::Command::new(&self.program[0]);
        command
            .args(&self.program[1..])
            .args(args)
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let failed = |code, last_lines| ComposeError::Failed {
            command: line.clone(),
            code,
            last_lines,
        };
        let mut child = command
            .spawn()
            .map_err(|err| failed(None, vec![err.to_string()]))?;
        let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            return Err(failed(None, vec!["no output pipes".to_owned()]));
        };
        let mut out_lines = tokio::io::BufReader::new(stdout).lines();
        let mut err_lines = tokio::io::BufReader::new(stderr).lines();
        let (mut stdout_text, mut last) = (String::new(), Vec::new());
        let (mut out_open, mut err_open) = (true, true);
        while out_open || err_open {
            tokio::select! {
                () = cancel.cancelled() => {
                    let _ = child.kill().await;
                    return Ok(Outcome::Cancelled);
                }
                line = out_lines.next_line(), if out_open => match line {
                    Ok(Some(line)) => { stdout_text.push_str(&line); stdout_text.push('\n'); }
                    _ => out_open = false,
                },
                line = err_lines.next_line(), if err_open => match line {
                    Ok(Some(line)) => {
                        progress.event(Event::Output { line: line.clone() });
                        last.push(line);
                        if last.len() > LAST_LINES { last.remove(0); }
                    }
                    _ => err_open = false,
                },
            }
        }
        let status = child
            .wait()
            .await
            .map_err(|err| failed(None, vec![err.to_string()]))?;
        if !status.success() {
            return Err(failed(status.code(), last));
        }
        Ok(Outcome::Done(stdout_text))
    }
}

/// One Compose project of a devcontainer.json.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeProject {
    /// The project name (`--project-name`).
    pub name: String,
    /// The compose files, absolute, in order.
    pub files: Vec<PathBuf>,
    /// The service Berth connects to.
    pub service: String,
    /// The services to start (empty: all of them).
    pub run_services: Vec<String>,
    /// Where Compose runs (the project folder, where a `.env` is read).
    pub cwd: PathBuf,
}

impl ComposeProject {
    /// The project of `resolved`, named as the reference CLI names it:
    /// `COMPOSE_PROJECT_NAME`, a `.env`'s `COMPOSE_PROJECT_NAME`, the compose file's
    /// `name`, else `<project folder>_devcontainer` when the compose file is in
    /// `.devcontainer/`, else the compose file's folder name.
    ///
    /// # Errors
    ///
    /// [`ComposeError::Config`] when `service` is missing.
    pub fn of(resolved: &ResolvedConfig) -> Result<Self, ComposeError> {
        let config = &resolved.config_file;
        let compose = resolved
            .config
            .compose
            .as_ref()
            .ok_or_else(|| ComposeError::Config {
                config: config.clone(),
                message: "it names no dockerComposeFile".to_owned(),
            })?;
        let service = compose
            .service
            .clone()
            .ok_or_else(|| ComposeError::Config {
                config: config.clone(),
                message:
                    "a Docker Compose configuration needs `service`: the service to connect to"
                        .to_owned(),
            })?;
        let config_dir = config.parent().unwrap_or(&resolved.local_folder);
        let files: Vec<PathBuf> = compose
            .files
            .iter()
            .map(|f| normalize(&config_dir.join(f)))
            .collect();
        if let Some(missing) = files.iter().find(|f| !f.is_file()) {
            return Err(ComposeError::Config {
                config: config.clone(),
                message: format!(
                    "the compose file '{}' named in `dockerComposeFile` does not exist; fix the path (it is relative to the devcontainer.json)",
                    missing.display()
                ),
            });
        }
        let cwd = resolved.local_folder.clone();
        let name = std::env::var("COMPOSE_PROJECT_NAME")
            .ok()
            .map(|n| sanitize(&n))
            .filter(|n| !n.is_empty())
            .or_else(|| {
                let env = std::fs::read_to_string(cwd.join(".env")).ok()?;
                env.lines()
                    .find_map(|l| l.strip_prefix("COMPOSE_PROJECT_NAME="))
                    .map(|n| sanitize(n.trim()))
                    .filter(|n| !n.is_empty())
            })
            .or_else(|| {
                files
                    .iter()
                    .rev()
                    .find_map(|f| name_in(f))
                    .map(|n| sanitize(&n))
            })
            .unwrap_or_else(|| {
                let first_dir = files.first().and_then(|f| f.parent()).unwrap_or(&cwd);
                if first_dir == resolved.local_folder.join(".devcontainer") {
                    sanitize(&format!(
                        "{}_devcontainer",
                        folder_name(&resolved.local_folder)
                    ))
                } else {
                    sanitize(&folder_name(first_dir))
                }
            });
        Ok(Self {
            name,
            files,
            service,
            run_services: compose.run_services.clone(),
            cwd,
        })
    }

    /// `--project-name <name> -f <file>…`, then `extra` files.
    pub fn args(&self, extra: &[&Path]) -> Vec<String> {
        let mut args = vec!["--project-name".to_owned(), self.name.clone()];
        for file in self
            .files
            .iter()
            .map(PathBuf::as_path)
            .chain(extra.iter().copied())
        {
            args.push("-f".to_owned());
            args.push(file.to_string_lossy().into_owned());
        }
        args
    }

    /// The services as `config` shows them (every file merged, variables substituted).
    ///
    /// # Errors
    ///
    /// The command fails, or prints what is not YAML.
    pub async fn services(
        &self,
        cli: &ComposeCli,
        progress: &dyn Progress,
        cancel: &Cancel,
    ) -> Result<Outcome<BTreeMap<String, Value>>, ComposeError> {
        let mut args = self.args(&[]);
        args.push("config".to_owned());
        let Outcome::Done(text) = cli.run(&args, &self.cwd, progress, cancel).await? else {
            return Ok(Outcome::Cancelled);
        };
        let parsed: Value = serde_yaml::from_str(&text).map_err(|err| ComposeError::Failed {
            command: format!("{} config", cli.program.join(" ")),
            code: None,
            last_lines: vec![format!("its output is not YAML: {err}")],
        })?;
        Ok(Outcome::Done(
            parsed
                .get("services")
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        ))
    }
}

/// `path` with `.` and `..` resolved without touching the disk.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A compose file's top-level `name`, if it has one.
fn name_in(file: &Path) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let parsed: Value = serde_yaml::from_str(&text).ok()?;
    parsed.get("name")?.as_str().map(str::to_owned)
}

fn folder_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A project name as Compose allows it: lower case, `a-z0-9_-`.
fn sanitize(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(dir: &Path, files: &str) -> ResolvedConfig {
        let devcontainer = dir.join(".devcontainer");
        std::fs::create_dir_all(&devcontainer).unwrap();
        std::fs::write(
            devcontainer.join("devcontainer.json"),
            format!(
                r#"{{"dockerComposeFile": {files}, "service": "app", "workspaceFolder": "/w"}}"#
            ),
        )
        .unwrap();
        crate::devcontainer::load(
            dir,
            &crate::devcontainer::LoadOptions {
                mount_git_root: false,
                ..Default::default()
            },
        )
        .unwrap()
    }

    #[test]
    fn projects_are_named_as_the_reference_cli_names_them() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("My Thesis.v2");
        std::fs::create_dir_all(root.join("compose")).unwrap();
        for file in [
            ".devcontainer/docker-compose.yml",
            "compose/base.yml",
            ".devcontainer/x.yml",
        ] {
            std::fs::create_dir_all(root.join(file).parent().unwrap()).unwrap();
            std::fs::write(root.join(file), "services: {}\n").unwrap();
        }
        let project = ComposeProject::of(&resolved(&root, r#""docker-compose.yml""#)).unwrap();
        assert_eq!(project.name, "mythesisv2_devcontainer");
        assert_eq!(
            project.files,
            [root.join(".devcontainer/docker-compose.yml")]
        );
        let project = ComposeProject::of(&resolved(&root, r#"["../compose/base.yml"]"#)).unwrap();
        assert_eq!(project.name, "compose");
        assert_eq!(project.files, [root.join("compose/base.yml")]);
        let err = ComposeProject::of(&resolved(&root, r#""../gone.yml""#)).unwrap_err();
        assert!(
            err.to_string()
                .contains("gone.yml' named in `dockerComposeFile` does not exist"),
            "{err}"
        );
        std::fs::write(root.join(".env"), "A=1\nCOMPOSE_PROJECT_NAME=Course_Lab\n").unwrap();
        assert_eq!(
            ComposeProject::of(&resolved(&root, r#""x.yml""#))
                .unwrap()
                .name,
            "course_lab"
        );
        let args = project.args(&[Path::new("/tmp/o.yml")]);
        assert_eq!(
            args[..2],
            ["--project-name".to_owned(), "compose".to_owned()]
        );
        assert_eq!(args.last().map(String::as_str), Some("/tmp/o.yml"));
    }

    #[test]
    fn the_name_separator_follows_the_compose_version() {
        let cli = |version: &str| ComposeCli {
            program: vec!["docker-compose".into()],
            version: version.into(),
        };
        assert_eq!(cli("1.29.2").separator(), "_");
        assert_eq!(cli("2.7.0").separator(), "_");
        assert_eq!(cli("2.29.1").separator(), "-");
        assert_eq!(cli("2.29.1").major(), 2);
    }
}
