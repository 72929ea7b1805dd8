//! Running commands in an environment's container the way VS Code and the devcontainer
//! CLI do: as the remote user, in the workspace folder, with the environment of the
//! user's login shell (`userEnvProbe`) plus `remoteEnv`; and the lifecycle commands in
//! the spec's order, the first three once per container and `postStartCommand` once per
//! start, tracked by the same marker files (`~/.devcontainer/.<name>Marker`) the
//! reference CLI writes, so either tool opening the container later agrees on what ran.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use futures_util::future::join_all;

use crate::devcontainer::model::{CommandStep, LifecycleCommand, LifecycleStage};
use crate::devcontainer::substitute::{self, Variables};
use crate::engine::container::ContainerInfo;
use crate::engine::exec::{self, ExecSpec};
use crate::engine::hint;
use crate::engine::progress::{Cancel, Event, Outcome, Phase, Progress};
use crate::engine::Engine;

use super::plan::Step;
use super::{engine_error, EnvironmentError};

/// How long the login shell may take to print its environment.
const PROBE_LIMIT: Duration = Duration::from_secs(10);

/// Where, as whom and with what environment commands run in a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The container id.
    pub container: String,
    /// The user (`remoteUser`, else the container's).
    pub user: Option<String>,
    /// The user's home folder in the container.
    pub home: String,
    /// The workspace folder: where commands start.
    pub workspace: String,
    /// The environment commands get: the probed login environment plus `remoteEnv`.
    pub env: BTreeMap<String, String>,
    /// When the container was created (the once-per-container markers hold this).
    pub created: String,
    /// When it last started (the `postStartCommand` marker holds this).
    pub started_at: String,
}

/// A user's line of `/etc/passwd`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PasswdEntry {
    uid: String,
    home: String,
    shell: String,
}

/// The entry of `user` (a name or a numeric uid) in the passwd text.
fn passwd_entry(passwd: &str, user: &str) -> Option<PasswdEntry> {
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() < 7 || (fields[0] != user && fields[2] != user) {
            return None;
        }
        Some(PasswdEntry {
            uid: fields[2].to_owned(),
            home: fields[5].to_owned(),
            shell: fields[6].to_owned(),
        })
    })
}

/// Open a session in `container` for `remote_user`, probing the user's environment as
/// `user_env_probe` says and applying `remote_env` (`${containerEnv:…}` resolved).
///
/// # Errors
///
/// The engine fails a request.
pub async fn session(
    engine: &Engine,
    container: &ContainerInfo,
    remote_user: Option<&str>,
    remote_env: &BTreeMap<String, Option<String>>,
    user_env_probe: &str,
    workspace: &str,
    folder: &std::path::Path,
) -> Result<Session, EnvironmentError> {
    let container_env = container.env_map();
    let user = remote_user
        .map(str::to_owned)
        .or_else(|| (!container.user.is_empty()).then(|| container.user.clone()));
    let account = user.as_deref().unwrap_or("root");
    let account = account.split(':').next().unwrap_or(account);
    let passwd = prepare(engine, container)
        .await
        .map_err(engine_error(folder, "read the container's users"))?;
    let entry = passwd_entry(&passwd, account);
    let home = entry
        .as_ref()
        .map(|e| e.home.clone())
        .or_else(|| container_env.get("HOME").cloned())
        .unwrap_or_else(|| "/root".to_owned());
    let shell = container_env
        .get("SHELL")
        .cloned()
        .or_else(|| {
            entry
                .as_ref()
                .map(|e| e.shell.clone())
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| "/bin/sh".to_owned());
    let is_root = entry.as_ref().is_some_and(|e| e.uid == "0") || account == "root";

    let mut env: BTreeMap<String, String> = BTreeMap::new();
    if user_env_probe != "none" {
        let probed = probe(
            engine,
            &container.id,
            user.as_deref(),
            &shell,
            user_env_probe,
        )
        .await;
        match probed {
            Some(mut probed) => {
                probed.remove("PWD");
                if let (Some(shell_path), Some(container_path)) =
                    (probed.get("PATH").cloned(), container_env.get("PATH"))
                {
                    probed.insert(
                        "PATH".to_owned(),
                        merge_paths(&shell_path, container_path, is_root),
                    );
                }
                env.extend(probed);
            }
            None => tracing::warn!(
                container = %container.id,
                "userEnvProbe got no environment from the login shell; using the container's"
            ),
        }
    }
    let vars = Variables {
        container_env: Some(container_env.clone().into_iter().collect::<HashMap<_, _>>()),
        ..Variables::default()
    };
    for (name, value) in remote_env {
        match value {
            Some(value) => {
                let value = substitute::substitute(value, &vars).map_err(|err| {
                    EnvironmentError::Invalid(format!("`remoteEnv.{name}`: {err}"))
                })?;
                env.insert(name.clone(), value);
            }
            None => {
                env.remove(name);
            }
        }
    }
    Ok(Session {
        container: container.id.clone(),
        user,
        home,
        workspace: workspace.to_owned(),
        env,
        created: container.created.clone(),
        started_at: container.started_at.clone(),
    })
}

/// One root command that readies the container for sessions and returns `/etc/passwd`.
/// It makes the changes the reference CLI (and VS Code) make once in a container so that
/// login shells keep the container's environment: its variables appended to
/// `/etc/environment`, and `/etc/profile`'s `PATH=` made to keep an existing PATH. Each
/// happens once, marked in `/var/devcontainer` as they mark it, so either tool does it
/// only once.
async fn prepare(
    engine: &Engine,
    container: &ContainerInfo,
) -> Result<String, crate::engine::EngineError> {
    let environment: String = container
        .env
        .iter()
        .filter_map(|entry| entry.split_once('='))
        .map(|(key, value)| format!("\n{key}=\"{value}\""))
        .collect::<String>()
        + "\n";
    let script = r#"d=/var/devcontainer
if mkdir -p "$d" 2>/dev/null; then
  if [ ! -f "$d/.patchEtcEnvironmentMarker" ] && : > "$d/.patchEtcEnvironmentMarker"; then
    printf '%s' "$1" >> /etc/environment
  fi
  if [ ! -f "$d/.patchEtcProfileMarker" ] && : > "$d/.patchEtcProfileMarker"; then
    sed -i -E "$2" /etc/profile 2>/dev/null || true
  fi
fi
cat /etc/passwd"#;
    let spec = ExecSpec {
        cmd: vec![
            "/bin/sh".into(),
            "-c".into(),
            script.into(),
            "sh".into(),
            environment,
            r"s/((^|\s)PATH=)([^\$]*)$/\1${PATH:-\3}/g".into(),
        ],
        user: Some("0".into()),
        ..ExecSpec::default()
    };
    let output = exec::capture(engine, &container.id, &spec).await?;
    if output.exit_code != 0 {
        tracing::debug!(stderr = %output.stderr_text(), "could not prepare the container for sessions");
    }
    Ok(output.stdout_text())
}

/// The login shell's environment, as the reference CLI reads it: the shell started as
/// `-lic` (or as `probe` says) prints `/proc/self/environ` between two markers.
async fn probe(
    engine: &Engine,
    container: &str,
    user: Option<&str>,
    shell: &str,
    kind: &str,
) -> Option<BTreeMap<String, String>> {
    let flag = match kind {
        "loginInteractiveShell" => "-lic",
        "loginShell" => "-lc",
        "interactiveShell" => "-ic",
        _ => "-c",
    };
    let marker = format!(
        "berth-env-{}",
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    );
    let spec = ExecSpec {
        cmd: vec![
            shell.to_owned(),
            flag.to_owned(),
            format!("echo -n {marker}; cat /proc/self/environ; echo -n {marker}"),
        ],
        user: user.map(str::to_owned),
        ..ExecSpec::default()
    };
    let output = tokio::time::timeout(PROBE_LIMIT, exec::capture(engine, container, &spec))
        .await
        .ok()?
        .ok()?;
    let text = output.stdout_text();
    let start = text.find(&marker)? + marker.len();
    let end = start + text[start..].find(&marker)?;
    Some(
        text[start..end]
            .split('\0')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    )
}

/// The login shell's PATH with the container's own entries it lacks put back, in their
/// order (a login shell's profile often resets PATH and would lose e.g. a venv). For
/// non-root users `sbin` folders are not added, as the reference CLI does.
pub fn merge_paths(shell: &str, container: &str, root: bool) -> String {
    let mut parts: Vec<String> = shell.split(':').map(str::to_owned).collect();
    let mut insert_at = 0;
    for entry in container.split(':') {
        match parts.iter().position(|p| p == entry) {
            Some(found) => insert_at = found + 1,
            None => {
                let is_sbin = entry.ends_with("/sbin") || entry.contains("/sbin/");
                if root || !is_sbin {
                    parts.insert(insert_at, entry.to_owned());
                    insert_at += 1;
                }
            }
        }
    }
    parts.join(":")
}

/// The argv of one command.
fn argv(step: &CommandStep) -> Vec<String> {
    match step {
        CommandStep::Shell(text) => vec!["/bin/sh".into(), "-c".into(), text.clone()],
        CommandStep::Exec(args) => args.clone(),
    }
}

/// The command as a person reads it.
fn shown(command: &LifecycleCommand) -> String {
    match command {
        LifecycleCommand::Shell(text) => text.clone(),
        LifecycleCommand::Exec(args) => args.join(" "),
        LifecycleCommand::Parallel(steps) => {
            let names: Vec<&str> = steps.keys().map(String::as_str).collect();
            format!("(in parallel: {})", names.join(", "))
        }
    }
}

/// Prefixes each line with the name of a parallel command.
struct Named<'a> {
    name: &'a str,
    inner: &'a dyn Progress,
}

impl Progress for Named<'_> {
    fn event(&self, event: Event) {
        match event {
            Event::Output { line } => self.inner.event(Event::Output {
                line: format!("[{}] {line}", self.name),
            }),
            other => self.inner.event(other),
        }
    }
}

impl Session {
    /// The marker file of `stage` (the reference CLI's name and place).
    fn marker(&self, stage: LifecycleStage) -> String {
        format!(
            "{}/.devcontainer/.{}Marker",
            self.home.trim_end_matches('/'),
            stage.property()
        )
    }

    /// What the marker of `stage` must hold once it ran for this container (or start).
    fn marker_value(&self, stage: LifecycleStage) -> Option<&str> {
        match stage {
            LifecycleStage::OnCreate
            | LifecycleStage::UpdateContent
            | LifecycleStage::PostCreate => Some(&self.created),
            LifecycleStage::PostStart => Some(&self.started_at),
            LifecycleStage::Initialize | LifecycleStage::PostAttach => None,
        }
    }

    /// A command to run in this session.
    pub fn spec(&self, cmd: Vec<String>, tty: bool) -> ExecSpec {
        ExecSpec {
            cmd,
            user: self.user.clone(),
            env: self.env.clone(),
            working_dir: Some(self.workspace.clone()),
            tty,
        }
    }

    /// What the markers of `stages` hold now, in one command (`None`: no marker).
    ///
    /// # Errors
    ///
    /// The engine fails.
    pub async fn markers(
        &self,
        engine: &Engine,
        stages: &[LifecycleStage],
    ) -> Result<BTreeMap<LifecycleStage, Option<String>>, crate::engine::EngineError> {
        const END: &str = "--berth-marker-end--";
        let mut cmd = vec![
            "/bin/sh".to_owned(),
            "-c".to_owned(),
            format!("for f in \"$@\"; do cat \"$f\" 2>/dev/null || echo '{END}-missing'; echo '{END}'; done"),
            "sh".to_owned(),
        ];
        cmd.extend(stages.iter().map(|stage| self.marker(*stage)));
        let spec = ExecSpec {
            cmd,
            user: self.user.clone(),
            ..ExecSpec::default()
        };
        let text = exec::capture(engine, &self.container, &spec)
            .await?
            .stdout_text();
        let mut found = BTreeMap::new();
        let separator = format!("{END}\n");
        let mut parts = text.split(separator.as_str());
        for stage in stages {
            let value = parts.next().unwrap_or_default().trim();
            let value =
                (!value.ends_with("-missing") && !value.is_empty()).then(|| value.to_owned());
            found.insert(*stage, value);
        }
        Ok(found)
    }

    /// Run `stage`'s `steps` unless its marker (as read by [`Session::markers`]: `current`)
    /// says they ran for this container (or this start); then write the marker. Returns
    /// whether anything ran.
    ///
    /// # Errors
    ///
    /// [`EnvironmentError::Lifecycle`] naming the failing command, with its last lines.
    #[allow(clippy::too_many_arguments)]
    pub async fn run_stage(
        &self,
        engine: &Engine,
        stage: LifecycleStage,
        steps: &[Step],
        current: Option<&str>,
        progress: &dyn Progress,
        cancel: &Cancel,
        folder: &std::path::Path,
    ) -> Result<Outcome<bool>, EnvironmentError> {
        let marker = self
            .marker_value(stage)
            .map(|value| (self.marker(stage), value));
        if let Some((_, value)) = &marker {
            if current == Some(*value) {
                return Ok(Outcome::Done(false));
            }
        }
        let mut ran = false;
        for step in steps {
            ran = true;
            progress.event(Event::Phase {
                phase: Phase::Lifecycle,
                message: format!(
                    "running {} from {}: {}",
                    stage.property(),
                    step.origin,
                    shown(&step.command)
                ),
            });
            let commands: Vec<(Option<&str>, Vec<String>)> = match &step.command {
                LifecycleCommand::Shell(text) => {
                    vec![(None, argv(&CommandStep::Shell(text.clone())))]
                }
                LifecycleCommand::Exec(args) => vec![(None, args.clone())],
                LifecycleCommand::Parallel(steps) => steps
                    .iter()
                    .map(|(name, step)| (Some(name.as_str()), argv(step)))
                    .collect(),
            };
            let runs = commands.iter().map(|(name, cmd)| async move {
                let spec = self.spec(cmd.clone(), false);
                let named = name.map(|name| Named {
                    name,
                    inner: progress,
                });
                let sink: &dyn Progress = match &named {
                    Some(named) => named,
                    None => progress,
                };
                (
                    name,
                    cmd,
                    exec::stream(engine, &self.container, &spec, sink, cancel).await,
                )
            });
            for (name, cmd, result) in join_all(runs).await {
                let streamed = match result
                    .map_err(engine_error(folder, format!("run {}", stage.property())))?
                {
                    Outcome::Done(streamed) => streamed,
                    Outcome::Cancelled => return Ok(Outcome::Cancelled),
                };
                if streamed.exit_code != 0 {
                    let what = match name {
                        Some(name) => format!("{name} of {}", stage.property()),
                        None => stage.property().to_owned(),
                    };
                    let hint = hint::classify(
                        &format!("exit code: {}", streamed.exit_code),
                        &streamed.lines,
                    );
                    return Err(EnvironmentError::Lifecycle(Box::new(
                        super::LifecycleFailure {
                            stage: what,
                            command: cmd.join(" "),
                            exit_code: Some(streamed.exit_code),
                            last_lines: streamed.lines,
                            hint,
                        },
                    )));
                }
            }
        }
        if let Some((path, value)) = marker {
            self.write_marker(engine, &path, value)
                .await
                .map_err(engine_error(folder, "record which lifecycle commands ran"))?;
        }
        Ok(Outcome::Done(ran))
    }

    async fn write_marker(
        &self,
        engine: &Engine,
        path: &str,
        value: &str,
    ) -> Result<(), crate::engine::EngineError> {
        let folder = path.rsplit_once('/').map_or("/", |(dir, _)| dir);
        let spec = ExecSpec {
            cmd: vec![
                "/bin/sh".into(),
                "-c".into(),
                "mkdir -p \"$1\" && echo \"$3\" > \"$2\"".into(),
                "sh".into(),
                folder.to_owned(),
                path.to_owned(),
                value.to_owned(),
            ],
            user: self.user.clone(),
            ..ExecSpec::default()
        };
        let output = exec::capture(engine, &self.container, &spec).await?;
        if output.exit_code != 0 {
            tracing::warn!(path, stderr = %output.stderr_text(), "could not write a lifecycle marker");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_login_path_gets_the_container_entries_back_in_order() {
        let login = "/usr/local/bin:/usr/bin:/bin:/usr/games";
        let container =
            "/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        assert_eq!(
            merge_paths(login, container, false),
            "/opt/venv/bin:/usr/local/bin:/usr/bin:/bin:/usr/games"
        );
        assert_eq!(
            merge_paths(login, container, true),
            "/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/games"
        );
    }

    #[test]
    fn passwd_entries_are_found_by_name_or_uid() {
        let passwd =
            "root:x:0:0:root:/root:/bin/bash\nvscode:x:1000:1000::/home/vscode:/bin/bash\n";
        let by_name = passwd_entry(passwd, "vscode").unwrap();
        assert_eq!(by_name.home, "/home/vscode");
        assert_eq!(passwd_entry(passwd, "1000"), Some(by_name));
        assert_eq!(passwd_entry(passwd, "nobody"), None);
    }
}
