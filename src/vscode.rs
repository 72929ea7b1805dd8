//! Opening VS Code attached to an environment, the way the Dev Containers extension names
//! it: `code --folder-uri vscode-remote://dev-container+…` for a project, or
//! `…attached-container+…` for a running container.

mod launcher;
mod uri;

use std::path::{Path, PathBuf};

pub use launcher::{check_extension, launch, CodeSearch, LAUNCH_GRACE};
pub use uri::{attached_container, dev_container, HostOs};

use crate::devcontainer::{self, ConfigError, DiscoverError, LoadOptions, ResolvedConfig};
use crate::engine::container::{ContainerState, ContainerSummary};
use crate::engine::Engine;
use crate::environment::Environment;

/// The Dev Containers extension's identifier.
pub const EXTENSION_ID: &str = "ms-vscode-remote.remote-containers";

/// Why VS Code could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum VsCodeError {
    /// No `code` launcher on `PATH` or in the usual install folders.
    #[error(
        "VS Code's `code` command was not found: install VS Code and put `code` on PATH ({how})"
    )]
    CodeNotFound {
        /// How to do that on this host.
        how: &'static str,
    },
    /// VS Code is there, the Dev Containers extension is not.
    #[error(
        "VS Code's Dev Containers extension ({EXTENSION_ID}) is not installed: install it with `code --install-extension {EXTENSION_ID}`"
    )]
    ExtensionMissing,
    /// `code --list-extensions` failed.
    #[error("failed to ask '{}' for its extensions: {cause}", code.display())]
    ListExtensions {
        /// The launcher.
        code: PathBuf,
        /// What went wrong.
        cause: String,
    },
    /// The launcher could not be started, or failed at once.
    #[error("failed to start VS Code with '{}': {cause}", code.display())]
    Launch {
        /// The launcher.
        code: PathBuf,
        /// What went wrong (its exit status and error output).
        cause: String,
    },
    /// The folder has no devcontainer.json.
    #[error(
        "'{}' has no devcontainer.json, so there is no dev container to open it in: create one with `berth new {}`",
        folder.display(),
        folder.display()
    )]
    NoConfig {
        /// The project folder.
        folder: PathBuf,
    },
    /// The configuration could not be read.
    #[error(transparent)]
    Config(ConfigError),
    /// A path VS Code must be told about is not absolute on the host.
    #[error("'{path}' is not an absolute path on this machine, which VS Code needs")]
    HostPath {
        /// The path.
        path: String,
    },
}

/// The host Berth runs on, as VS Code will see its paths.
pub fn current_host() -> HostOs {
    if cfg!(windows) {
        return HostOs::Windows;
    }
    if crate::host::facts::HostFacts::read().wsl {
        if let Some(distro) = std::env::var_os("WSL_DISTRO_NAME") {
            return HostOs::Wsl {
                distro: distro.to_string_lossy().into_owned(),
            };
        }
        tracing::warn!(
            "inside WSL but WSL_DISTRO_NAME is not set: naming the project by its Linux path"
        );
    }
    HostOs::Unix
}

/// A project ready to open in VS Code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// The project folder.
    pub local_folder: PathBuf,
    /// Its devcontainer.json.
    pub config_file: PathBuf,
    /// The workspace folder in the container, as the configuration resolves it.
    pub workspace_folder: String,
    /// The `vscode-remote://dev-container+…` URI.
    pub uri: String,
    /// Its environment (to look for its container).
    pub environment: Environment,
}

/// Read the project in `target` (a folder or a devcontainer.json) and build the URI
/// that opens it in its dev container on `host`. The workspace folder is the one the
/// configuration resolves to (`workspaceFolder`, or `/workspaces/<folder>`).
///
/// # Errors
///
/// [`VsCodeError::NoConfig`] for a folder without a devcontainer.json, otherwise the
/// configuration's error.
pub fn project(
    host: &HostOs,
    target: &Path,
    options: &LoadOptions,
) -> Result<Project, VsCodeError> {
    let resolved = devcontainer::load(target, options).map_err(|err| match err {
        ConfigError::Discover(DiscoverError::NotFound { folder }) => {
            VsCodeError::NoConfig { folder }
        }
        other => VsCodeError::Config(other),
    })?;
    project_of(host, &resolved)
}

/// The URI for an already resolved configuration.
///
/// # Errors
///
/// [`VsCodeError::HostPath`] when a path is not absolute on `host`.
pub fn project_of(host: &HostOs, resolved: &ResolvedConfig) -> Result<Project, VsCodeError> {
    let uri = dev_container(
        host,
        &resolved.local_folder.to_string_lossy(),
        &resolved.config_file.to_string_lossy(),
        &resolved.workspace.folder,
    )?;
    Ok(Project {
        local_folder: resolved.local_folder.clone(),
        config_file: resolved.config_file.clone(),
        workspace_folder: resolved.workspace.folder.clone(),
        uri,
        environment: Environment::of(resolved),
    })
}

/// What VS Code will do with `project`'s container: asks the engine, and says
/// [`ContainerPlan::Unknown`] when it does not answer (VS Code needs no help from Berth).
pub async fn container_plan(project: &Project) -> ContainerPlan {
    let engine = match Engine::connect().await {
        Ok(engine) => engine,
        Err(err) => {
            tracing::debug!(error = %err, "no engine to ask about the container");
            return ContainerPlan::Unknown;
        }
    };
    match project.environment.container(&engine).await {
        Ok(container) => ContainerPlan::of(container.as_ref()),
        Err(err) => {
            tracing::debug!(error = %err, "the engine did not say which container is there");
            ContainerPlan::Unknown
        }
    }
}

/// What VS Code will do with the project's container once opened. VS Code finds it by
/// the same `devcontainer.local_folder` and `devcontainer.config_file` labels Berth
/// gives it, so it reuses Berth's container instead of making another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerPlan {
    /// It is running: VS Code connects to it.
    Attach {
        /// The container's name.
        name: String,
    },
    /// It exists but is not running: VS Code starts it.
    Start {
        /// The container's name.
        name: String,
    },
    /// There is none: VS Code builds and starts one with its own tooling.
    Build,
    /// The engine could not be asked.
    Unknown,
}

impl ContainerPlan {
    /// The plan for the project's container as the engine reports it (`None`: none).
    pub fn of(container: Option<&ContainerSummary>) -> Self {
        match container {
            Some(c) if c.state == ContainerState::Running => Self::Attach {
                name: c.name.clone(),
            },
            Some(c) => Self::Start {
                name: c.name.clone(),
            },
            None => Self::Build,
        }
    }

    /// The plan for a person.
    pub fn describe(&self) -> String {
        match self {
            Self::Attach { name } => format!("VS Code connects to the running container '{name}'"),
            Self::Start { name } => format!(
                "the container '{name}' is not running: VS Code starts it (it finds Berth's container by its devcontainer.* labels)"
            ),
            Self::Build => "there is no container yet: VS Code builds and starts one with its own Dev Containers tooling (run `berth up` first to have Berth build it)".to_owned(),
            Self::Unknown => "the Docker engine could not be asked about the container: VS Code starts or builds it itself".to_owned(),
        }
    }
}

/// How VS Code was started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The launcher used.
    pub code: PathBuf,
    /// The arguments given to it.
    pub args: Vec<String>,
}

/// The arguments that open `uri`.
pub fn folder_uri_args(uri: &str) -> Vec<String> {
    vec!["--folder-uri".to_owned(), uri.to_owned()]
}

/// Open `uri` in VS Code: find `code` with `search`, check that the Dev Containers
/// extension is installed, and start `code --folder-uri <uri>` without waiting for the
/// window.
///
/// # Errors
///
/// [`VsCodeError::CodeNotFound`], [`VsCodeError::ExtensionMissing`], or the launcher
/// failed.
pub async fn open(search: &CodeSearch, uri: &str) -> Result<Opened, VsCodeError> {
    let code = search.find()?;
    check_extension(&code).await?;
    let args = folder_uri_args(uri);
    launch(&code, &args).await?;
    Ok(Opened { code, args })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A `code` stand-in in its own folder: records each argument on a line of
    /// `argv.log` and answers `--list-extensions` with `extensions`.
    fn stand_in(extensions: &[&str]) -> (tempfile::TempDir, CodeSearch) {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("argv.log");
        let script = format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> '{}'; done\nif [ \"$1\" = --list-extensions ]; then printf '{}'; fi\n",
            log.display(),
            extensions.iter().map(|e| format!("{e}\\n")).collect::<String>()
        );
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let code = bin.join("code");
        std::fs::write(&code, script).unwrap();
        std::fs::set_permissions(&code, std::fs::Permissions::from_mode(0o755)).unwrap();
        let search = CodeSearch {
            host: HostOs::Unix,
            path: bin.into_os_string(),
            install_paths: Vec::new(),
        };
        (dir, search)
    }

    fn recorded(dir: &tempfile::TempDir) -> Vec<String> {
        std::fs::read_to_string(dir.path().join("argv.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    #[tokio::test]
    async fn open_checks_the_extension_then_passes_the_uri_as_one_argument() {
        let (dir, search) = stand_in(&["ms-python.python", "MS-VSCode-Remote.Remote-Containers"]);
        let uri = "vscode-remote://dev-container+7b7d/workspaces/my%20thesis";
        let opened = open(&search, uri).await.unwrap();
        assert_eq!(opened.code, dir.path().join("bin/code"));
        assert_eq!(opened.args, ["--folder-uri", uri]);
        assert_eq!(recorded(&dir), ["--list-extensions", "--folder-uri", uri]);
    }

    #[tokio::test]
    async fn a_missing_extension_is_named_with_its_install_command_and_nothing_is_opened() {
        let (dir, search) = stand_in(&["ms-python.python", "ms-vscode-remote.remote-ssh"]);
        let err = open(&search, "vscode-remote://x/").await.unwrap_err();
        assert!(matches!(err, VsCodeError::ExtensionMissing));
        assert_eq!(
            err.to_string(),
            "VS Code's Dev Containers extension (ms-vscode-remote.remote-containers) is not installed: install it with `code --install-extension ms-vscode-remote.remote-containers`"
        );
        assert_eq!(recorded(&dir), ["--list-extensions"]);
    }

    #[tokio::test]
    async fn a_launcher_that_fails_at_once_is_reported_with_its_output() {
        let dir = tempfile::tempdir().unwrap();
        let code = dir.path().join("code");
        std::fs::write(&code, "#!/bin/sh\necho 'cannot open display' >&2\nexit 3\n").unwrap();
        std::fs::set_permissions(&code, std::fs::Permissions::from_mode(0o755)).unwrap();
        let err = launch(&code, &folder_uri_args("vscode-remote://x/"))
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("exit status: 3"), "{text}");
        assert!(text.contains("cannot open display"), "{text}");
    }

    #[tokio::test]
    async fn a_launcher_still_running_after_the_grace_is_left_to_run() {
        let dir = tempfile::tempdir().unwrap();
        let code = dir.path().join("code");
        std::fs::write(&code, "#!/bin/sh\nsleep 10\n").unwrap();
        std::fs::set_permissions(&code, std::fs::Permissions::from_mode(0o755)).unwrap();
        let started = std::time::Instant::now();
        launch(&code, &[]).await.unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(8));
    }

    #[test]
    fn a_folder_without_a_configuration_suggests_berth_new() {
        let dir = tempfile::tempdir().unwrap();
        let err = project(&HostOs::Unix, dir.path(), &LoadOptions::default()).unwrap_err();
        assert!(matches!(err, VsCodeError::NoConfig { .. }));
        assert!(
            err.to_string().ends_with(&format!(
                "create one with `berth new {}`",
                dir.path().display()
            )),
            "{err}"
        );
    }

    #[test]
    fn the_workspace_folder_is_the_one_the_configuration_resolves() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("my thesis");
        std::fs::create_dir_all(folder.join(".devcontainer")).unwrap();
        std::fs::write(
            folder.join(".devcontainer/devcontainer.json"),
            r#"{"image": "ubuntu", "workspaceFolder": "/src/${localWorkspaceFolderBasename}"}"#,
        )
        .unwrap();
        let options = LoadOptions {
            mount_git_root: false,
            ..LoadOptions::default()
        };
        let opened = project(&HostOs::Unix, &folder, &options).unwrap();
        assert_eq!(opened.workspace_folder, "/src/my thesis");
        assert!(opened.uri.ends_with("/src/my%20thesis"), "{}", opened.uri);
        assert_eq!(
            opened.uri,
            dev_container(
                &HostOs::Unix,
                &folder.to_string_lossy(),
                &folder
                    .join(".devcontainer/devcontainer.json")
                    .to_string_lossy(),
                "/src/my thesis"
            )
            .unwrap()
        );
    }

    #[test]
    fn the_plan_follows_the_container_state() {
        let summary = |state| ContainerSummary {
            id: "1".into(),
            name: "berth-thesis-1a2b3c4d".into(),
            image_id: "sha256:x".into(),
            state,
            labels: Default::default(),
        };
        assert_eq!(
            ContainerPlan::of(Some(&summary(ContainerState::Running))),
            ContainerPlan::Attach {
                name: "berth-thesis-1a2b3c4d".into()
            }
        );
        let stopped = ContainerPlan::of(Some(&summary(ContainerState::Exited)));
        assert!(stopped.describe().contains("VS Code starts it"));
        assert!(ContainerPlan::of(None)
            .describe()
            .contains("builds and starts one"));
    }
}
