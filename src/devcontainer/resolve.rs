//! Reading a project's devcontainer.json the way a tool starting it would: find the file,
//! read it strictly, work out the workspace folder and mount, substitute the variables,
//! and say what Berth cannot do with it yet. Defaults follow the reference CLI
//! (`@devcontainers/cli`), so VS Code and Berth start the same container.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use super::diagnostic::Diagnostic;
use super::discover::{self, DiscoverError};
use super::jsonc;
use super::model::{DevContainer, Source};
use super::substitute::{self, Variables};

/// Why a devcontainer.json could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The project folder or file named does not exist.
    #[error("'{}' does not exist", path.display())]
    NotFound {
        /// The path as given.
        path: PathBuf,
    },
    /// No single devcontainer.json in the project folder.
    #[error(transparent)]
    Discover(#[from] DiscoverError),
    /// A file argument and `--config` both name a devcontainer.json.
    #[error(
        "'{}' is a file and --config names '{}': give the project folder with --config, or only the file",
        file.display(),
        config.display()
    )]
    TwoConfigs {
        /// The file argument.
        file: PathBuf,
        /// The `--config` value.
        config: PathBuf,
    },
    /// The file could not be read.
    #[error("failed to read '{}'", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid: a syntax error, a wrong type, a bad value.
    #[error("{0}")]
    Invalid(Box<Diagnostic>),
    /// The configuration is valid but uses something Berth cannot run yet.
    #[error("'{}': {message}", path.display())]
    Unsupported {
        /// The devcontainer.json.
        path: PathBuf,
        /// What is unsupported and what to do instead.
        message: String,
    },
}

/// How to read a project's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadOptions {
    /// The devcontainer.json to use instead of looking for one.
    pub config: Option<PathBuf>,
    /// Mount the enclosing Git repository's root rather than the project folder, as the
    /// reference CLI and VS Code do by default.
    pub mount_git_root: bool,
    /// The host environment for `${localEnv:…}`; the process's own when `None`.
    pub local_env: Option<HashMap<String, String>>,
    /// The container's environment for `${containerEnv:…}`, once a container exists;
    /// when `None` those variables stay as written, for the container side to resolve.
    pub container_env: Option<HashMap<String, String>>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            config: None,
            mount_git_root: true,
            local_env: None,
            container_env: None,
        }
    }
}

/// Where the workspace lives in the container and how it gets there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// The workspace folder in the container (`${containerWorkspaceFolder}`).
    pub folder: String,
    /// The workspace's mount in `--mount` syntax; `None` when there is none (an empty
    /// `workspaceMount`, or Docker Compose, which mounts it itself).
    pub mount: Option<String>,
}

/// A Dockerfile build with its paths resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerfileBuild {
    /// The Dockerfile.
    pub dockerfile: PathBuf,
    /// The build context folder.
    pub context: PathBuf,
}

/// Something in the configuration Berth reads but cannot act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The property concerned, e.g. `dockerComposeFile`.
    pub property: String,
    /// What Berth will not do, and what to do instead.
    pub message: String,
}

/// A project's configuration as a tool would start it.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedConfig {
    /// The devcontainer.json (absolute).
    pub config_file: PathBuf,
    /// The project folder on the host (absolute; `${localWorkspaceFolder}`).
    pub local_folder: PathBuf,
    /// `${devcontainerId}`.
    pub id: String,
    /// The workspace in the container.
    pub workspace: Workspace,
    /// The configuration, every variable substituted.
    pub config: DevContainer,
    /// The Dockerfile build, when the image is built from one.
    pub dockerfile_build: Option<DockerfileBuild>,
    /// What Berth cannot act on.
    pub warnings: Vec<Warning>,
    /// The top-level properties as written, before substitution: what the reference CLI
    /// records in a container's `devcontainer.metadata` label.
    pub raw: serde_json::Map<String, serde_json::Value>,
}

impl ResolvedConfig {
    /// Fail unless Berth can start this configuration.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Unsupported`] for a configuration with no image, Dockerfile or
    /// Compose file.
    pub fn ensure_supported(&self) -> Result<(), ConfigError> {
        match self.config.source() {
            Source::Missing => Err(ConfigError::Unsupported {
                path: self.config_file.clone(),
                message: NO_SOURCE.to_owned(),
            }),
            Source::Image(_) | Source::Dockerfile { .. } | Source::Compose(_) => Ok(()),
        }
    }
}

const NO_SOURCE: &str =
    "the configuration names no \"image\", \"build.dockerfile\" or \"dockerComposeFile\"; add one";

/// Read the devcontainer.json of `target` (a project folder or a devcontainer.json) and
/// resolve it: workspace defaults, `${devcontainerId}`, every variable.
///
/// # Errors
///
/// [`ConfigError`]: nothing found, several found, unreadable, or invalid (with file, line
/// and column).
pub fn load(target: &Path, options: &LoadOptions) -> Result<ResolvedConfig, ConfigError> {
    let target = absolute(target);
    if !target.exists() {
        return Err(ConfigError::NotFound { path: target });
    }
    let (local_folder, config_file) = if target.is_dir() {
        let config = match &options.config {
            Some(config) => absolute(config),
            None => discover::find(&target)?,
        };
        (target, config)
    } else {
        if let Some(config) = &options.config {
            return Err(ConfigError::TwoConfigs {
                file: target,
                config: config.clone(),
            });
        }
        (discover::project_folder(&target), target)
    };
    let bytes = std::fs::read(&config_file).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ConfigError::NotFound {
            path: config_file.clone(),
        },
        _ => ConfigError::Read {
            path: config_file.clone(),
            source,
        },
    })?;
    let mut vars = match &options.local_env {
        Some(env) => Variables {
            local_env: env.clone(),
            case_insensitive_env: cfg!(windows),
            ..Variables::default()
        },
        None => Variables::from_process_env(),
    };
    vars.container_env.clone_from(&options.container_env);
    resolve(
        &config_file,
        &bytes,
        &local_folder,
        options.mount_git_root,
        &mut vars,
    )
}

/// Read a devcontainer.json's text without resolving anything (no defaults, no
/// substitution); `path` only names the file in errors.
///
/// # Errors
///
/// [`ConfigError::Invalid`] with the line and column of the first problem.
pub fn read_str(path: &Path, text: &str) -> Result<DevContainer, ConfigError> {
    let node = jsonc::parse(text).map_err(|e| invalid(path, text, e.offset(), e.to_string()))?;
    DevContainer::from_node(&node).map_err(|e| invalid(path, text, e.offset(), e.to_string()))
}

fn invalid(path: &Path, text: &str, offset: usize, message: String) -> ConfigError {
    ConfigError::Invalid(Box::new(Diagnostic::at(path, text, offset, message)))
}

/// The whole resolution, from the file's bytes.
fn resolve(
    config_file: &Path,
    bytes: &[u8],
    local_folder: &Path,
    mount_git_root: bool,
    vars: &mut Variables,
) -> Result<ResolvedConfig, ConfigError> {
    let text = match jsonc::decode(bytes) {
        Ok(text) => text,
        Err(err) => {
            // Show the line up to the bad byte; the rest cannot be printed as text.
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            let valid = String::from_utf8_lossy(&body[..err.offset().min(body.len())]);
            return Err(invalid(config_file, &valid, valid.len(), err.to_string()));
        }
    };
    let raw =
        jsonc::parse(text).map_err(|e| invalid(config_file, text, e.offset(), e.to_string()))?;
    // The defaults depend on what is written before substitution; wrong types are reported
    // below, once (substitution changes no types, and mount strings only parse after it).
    let raw_folder = match raw.get("workspaceFolder").map(|n| &n.value) {
        Some(jsonc::Value::String(folder)) => Some(folder.as_str()),
        _ => None,
    };
    let has_compose = raw.get("dockerComposeFile").is_some();

    let local = local_folder.to_string_lossy().into_owned();
    let default = default_workspace(raw_folder, has_compose, local_folder, mount_git_root);
    let id = substitute::devcontainer_id(
        &drive_lower(&local),
        &drive_lower(&config_file.to_string_lossy()),
    );

    // As the reference CLI does: `${containerWorkspaceFolder}` is the workspace folder
    // with the local variables substituted, itself resolved against the unsubstituted one.
    vars.local_workspace_folder = Some(local.clone());
    vars.container_workspace_folder = Some(default.folder.clone());
    let container_folder = substitute::substitute(
        &default.folder,
        &Variables {
            devcontainer_id: None,
            container_env: None,
            ..vars.clone()
        },
    )
    .map_err(|e| {
        let offset = raw.get("workspaceFolder").map_or(0, |n| n.span.start);
        invalid(config_file, text, offset, e.to_string())
    })?;
    vars.container_workspace_folder = Some(container_folder.clone());
    vars.devcontainer_id = Some(id.clone());
    let substituted = substitute::substitute_node(&raw, vars)
        .map_err(|e| invalid(config_file, text, e.offset(), e.to_string()))?;
    let config = DevContainer::from_node(&substituted)
        .map_err(|e| invalid(config_file, text, e.offset(), e.to_string()))?;

    let folder = match &config.workspace_folder {
        Some(folder) if folder.is_empty() => {
            let offset = raw.get("workspaceFolder").map_or(0, |n| n.span.start);
            return Err(invalid(
                config_file,
                text,
                offset,
                "`workspaceFolder` is empty: remove it to use the default (/workspaces/<project folder>)"
                    .to_owned(),
            ));
        }
        Some(folder) => folder.clone(),
        None => container_folder,
    };
    let mount = if config.compose.is_some() {
        None
    } else if raw.get("workspaceMount").is_some() {
        config.workspace_mount.clone().filter(|m| !m.is_empty())
    } else {
        default.mount
    };

    let config_dir = config_file.parent().unwrap_or(Path::new("/"));
    let dockerfile_build = match config.source() {
        Source::Dockerfile {
            dockerfile,
            context,
        } => {
            let dockerfile = resolve_path(config_dir, dockerfile);
            let context = match context {
                Some(context) if !context.is_empty() => resolve_path(config_dir, context),
                _ => dockerfile.parent().unwrap_or(config_dir).to_owned(),
            };
            Some(DockerfileBuild {
                dockerfile,
                context,
            })
        }
        _ => None,
    };
    let mut warnings: Vec<Warning> = config
        .loose
        .iter()
        .map(|loose| Warning {
            property: loose.path.clone(),
            message: loose.message(),
        })
        .collect();
    match config.source() {
        Source::Missing => warnings.push(Warning {
            property: "image".to_owned(),
            message: NO_SOURCE.to_owned(),
        }),
        Source::Image(_) | Source::Dockerfile { .. } | Source::Compose(_) => {}
    }
    // Features Berth cannot fetch, and deprecated short ids, are said while reading.
    let config_dir = config_file.parent().unwrap_or(local_folder);
    for key in config.features.keys() {
        let property = format!("features[\"{key}\"]");
        match crate::feature::reference::FeatureSource::parse(key, config_dir) {
            Ok((_, Some(message))) => warnings.push(Warning { property, message }),
            Ok((_, None)) => {}
            Err(err) => warnings.push(Warning {
                property,
                message: err.to_string(),
            }),
        }
    }
    let raw = match raw.to_json() {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    Ok(ResolvedConfig {
        config_file: config_file.to_owned(),
        local_folder: local_folder.to_owned(),
        id,
        workspace: Workspace { folder, mount },
        config,
        dockerfile_build,
        warnings,
        raw,
    })
}

/// The workspace folder and mount the reference CLI uses when the configuration does
/// not set them: the project (or its Git root) mounted at `/workspaces/<its name>`. With
/// a `dockerComposeFile` (even beside an image) the folder is `/` and Compose mounts it.
fn default_workspace(
    workspace_folder: Option<&str>,
    has_compose: bool,
    local_folder: &Path,
    mount_git_root: bool,
) -> Workspace {
    let workspace_folder = workspace_folder.filter(|f| !f.is_empty());
    if has_compose {
        return Workspace {
            folder: workspace_folder.unwrap_or("/").to_owned(),
            mount: None,
        };
    }
    let mounted = if mount_git_root {
        git_root(local_folder).unwrap_or_else(|| local_folder.to_owned())
    } else {
        local_folder.to_owned()
    };
    let mounted_str = mounted.to_string_lossy().into_owned();
    let name = mounted
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let target = posix_join("/workspaces", &name);
    let folder = match workspace_folder {
        Some(folder) => folder.to_owned(),
        None => {
            let relative = local_folder
                .strip_prefix(&mounted)
                .map(|p| {
                    p.components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join("/")
                })
                .unwrap_or_default();
            posix_join(&target, &relative)
        }
    };
    let quote = |s: &str| if s.contains(',') { "\"" } else { "" };
    let consistency = if cfg!(target_os = "linux") {
        ""
    } else {
        ",consistency=consistent"
    };
    let mount = format!(
        "type=bind,{q1}source={mounted_str}{q1},{q2}target={target}{q2}{consistency}",
        q1 = quote(&mounted_str),
        q2 = quote(&target),
    );
    Workspace {
        folder,
        mount: Some(mount),
    }
}

/// The closest folder at or above `folder` that holds `.git` (a Git checkout or worktree).
fn git_root(folder: &Path) -> Option<PathBuf> {
    folder
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_owned)
}

/// Node's `path.posix.join` for two parts: one `/` between them, `.` parts dropped.
fn posix_join(base: &str, rest: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in base.split('/').chain(rest.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    format!("/{}", parts.join("/"))
}

/// `path` relative to `base`, `..` and `.` resolved without touching the file system.
fn resolve_path(base: &Path, path: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for component in base.join(path).components() {
        match component {
            Component::ParentDir => {
                if !out.pop() {
                    out.push(component);
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// An absolute path (from the current directory), without resolving symlinks.
fn absolute(path: &Path) -> PathBuf {
    let joined = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// On Windows the reference CLI writes the drive letter in lower case in the id labels.
fn drive_lower(path: &str) -> String {
    let bytes = path.as_bytes();
    if cfg!(windows) && bytes.len() >= 2 && bytes[1] == b':' {
        let mut out = path[..1].to_lowercase();
        out.push_str(&path[1..]);
        out
    } else {
        path.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (relative, text) in files {
            let path = dir.path().join(relative);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    fn options() -> LoadOptions {
        LoadOptions {
            config: None,
            mount_git_root: false,
            local_env: Some(HashMap::from([("USER".to_owned(), "ada".to_owned())])),
            container_env: None,
        }
    }

    fn load_one(text: &str) -> (tempfile::TempDir, ResolvedConfig) {
        let dir = project(&[(".devcontainer/devcontainer.json", text)]);
        let resolved = load(dir.path(), &options()).unwrap();
        (dir, resolved)
    }

    #[test]
    fn defaults_mount_the_project_under_workspaces() {
        let (dir, resolved) = load_one(r#"{"image": "ubuntu"}"#);
        let name = dir
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let local = dir.path().display().to_string();
        assert_eq!(resolved.workspace.folder, format!("/workspaces/{name}"));
        let mount = resolved.workspace.mount.clone().unwrap();
        assert!(
            mount.starts_with(&format!(
                "type=bind,source={local},target=/workspaces/{name}"
            )),
            "{mount}"
        );
        assert_eq!(resolved.local_folder, dir.path());
        assert_eq!(
            resolved.config_file,
            dir.path().join(".devcontainer/devcontainer.json")
        );
        assert_eq!(
            resolved.id,
            substitute::devcontainer_id(&local, &resolved.config_file.to_string_lossy())
        );
        assert!(resolved.warnings.is_empty());
        assert!(resolved.ensure_supported().is_ok());
    }

    #[test]
    fn numbers_and_booleans_in_string_maps_are_read_as_text_with_a_warning() {
        let (_dir, resolved) = load_one(
            r#"{"build": {"dockerfile": "Dockerfile", "args": {"USER_UID": 1000, "X": true}},
                "containerEnv": {"N": 8}, "remoteEnv": {"D": false, "U": null}}"#,
        );
        let config = &resolved.config;
        let args = &config.build.as_ref().unwrap().args;
        assert_eq!(args["USER_UID"], "1000");
        assert_eq!(args["X"], "true");
        assert_eq!(config.container_env["N"], "8");
        assert_eq!(config.remote_env["D"].as_deref(), Some("false"));
        assert_eq!(config.remote_env["U"], None);
        let properties: Vec<&str> = resolved
            .warnings
            .iter()
            .map(|w| w.property.as_str())
            .collect();
        assert_eq!(
            properties,
            [
                "build.args.USER_UID",
                "build.args.X",
                "containerEnv.N",
                "remoteEnv.D"
            ]
        );
        assert!(
            resolved.warnings[0]
                .message
                .contains("is a number (1000); read as \"1000\""),
            "{}",
            resolved.warnings[0].message
        );
    }

    #[test]
    fn an_object_where_a_string_belongs_is_still_an_error() {
        let dir = project(&[(
            ".devcontainer/devcontainer.json",
            r#"{"image": "x", "containerEnv": {"A": {"b": 1}}}"#,
        )]);
        let err = load(dir.path(), &options()).unwrap_err().to_string();
        assert!(
            err.contains("`containerEnv.A` must be a string, but is an object"),
            "{err}"
        );
    }

    #[test]
    fn variables_are_substituted_everywhere() {
        let (dir, resolved) = load_one(
            r#"{"image": "ubuntu", "workspaceFolder": "/w/${localWorkspaceFolderBasename}",
                "mounts": ["type=bind,source=${localWorkspaceFolder}/data,target=${containerWorkspaceFolder}/data"],
                "containerEnv": {"U": "${localEnv:USER}", "ID": "${devcontainerId}", "N": "${localEnv:NOPE:none}"},
                "postCreateCommand": "echo ${containerWorkspaceFolderBasename}"}"#,
        );
        let name = dir
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert_eq!(resolved.workspace.folder, format!("/w/{name}"));
        let mount = &resolved.config.mounts[0];
        assert_eq!(
            mount.source.as_deref(),
            Some(format!("{}/data", dir.path().display()).as_str())
        );
        assert_eq!(mount.target, format!("/w/{name}/data"));
        assert_eq!(resolved.config.container_env["U"], "ada");
        assert_eq!(resolved.config.container_env["ID"], resolved.id);
        assert_eq!(resolved.config.container_env["N"], "none");
        assert_eq!(
            resolved.config.lifecycle.post_create,
            Some(super::super::model::LifecycleCommand::Shell(format!(
                "echo {name}"
            )))
        );
    }

    #[test]
    fn container_env_is_resolved_only_when_given() {
        let text = r#"{"image": "x", "remoteEnv": {"PATH": "${containerEnv:PATH}:/opt/bin"}}"#;
        let (_dir, resolved) = load_one(text);
        assert_eq!(
            resolved.config.remote_env["PATH"].as_deref(),
            Some("${containerEnv:PATH}:/opt/bin")
        );
        let dir = project(&[(".devcontainer.json", text)]);
        let mut opts = options();
        opts.container_env = Some(HashMap::from([("PATH".to_owned(), "/usr/bin".to_owned())]));
        let resolved = load(dir.path(), &opts).unwrap();
        assert_eq!(
            resolved.config.remote_env["PATH"].as_deref(),
            Some("/usr/bin:/opt/bin")
        );
    }

    #[test]
    fn a_whole_mount_may_come_from_a_variable() {
        let dir = project(&[(
            ".devcontainer.json",
            r#"{"image": "x", "mounts": ["${localEnv:DATA_MOUNT}"]}"#,
        )]);
        let mut opts = options();
        opts.local_env = Some(HashMap::from([(
            "DATA_MOUNT".to_owned(),
            "type=bind,source=/data,target=/data".to_owned(),
        )]));
        let resolved = load(dir.path(), &opts).unwrap();
        assert_eq!(resolved.config.mounts[0].target, "/data");
        let err = load(dir.path(), &options()).unwrap_err();
        assert!(
            err.to_string().contains("`mounts[0]`: the mount is empty"),
            "{err}"
        );
    }

    #[test]
    fn an_explicit_workspace_mount_is_used_as_written() {
        let (_dir, resolved) = load_one(
            r#"{"image": "x", "workspaceMount": "source=${localWorkspaceFolder},target=/src,type=bind", "workspaceFolder": "/src"}"#,
        );
        assert!(resolved
            .workspace
            .mount
            .unwrap()
            .ends_with("target=/src,type=bind"));
        assert_eq!(resolved.workspace.folder, "/src");
        let (_dir, resolved) = load_one(r#"{"image": "x", "workspaceMount": ""}"#);
        assert_eq!(resolved.workspace.mount, None);
    }

    #[test]
    fn an_empty_workspace_folder_is_an_error() {
        let dir = project(&[(
            ".devcontainer.json",
            r#"{"image": "x", "workspaceFolder": ""}"#,
        )]);
        let err = load(dir.path(), &options()).unwrap_err();
        assert!(err.to_string().contains("workspaceFolder"), "{err}");
    }

    #[test]
    fn dockerfile_paths_are_resolved_from_the_config_folder() {
        let (dir, resolved) =
            load_one(r#"{"build": {"dockerfile": "../docker/Dockerfile", "context": ".."}}"#);
        let build = resolved.dockerfile_build.unwrap();
        assert_eq!(build.dockerfile, dir.path().join("docker/Dockerfile"));
        assert_eq!(build.context, dir.path());
        let (dir, resolved) = load_one(r#"{"build": {"dockerfile": "Dockerfile"}}"#);
        let build = resolved.dockerfile_build.unwrap();
        assert_eq!(build.context, dir.path().join(".devcontainer"));
        let (dir, resolved) = load_one(
            r#"{"build": {"dockerfile": "${localWorkspaceFolder}/.devcontainer/Dockerfile"}}"#,
        );
        assert_eq!(
            resolved.dockerfile_build.unwrap().dockerfile,
            dir.path().join(".devcontainer/Dockerfile")
        );
    }

    #[test]
    fn compose_is_read_and_can_be_started() {
        let (_dir, resolved) = load_one(
            r#"{"dockerComposeFile": "compose.yml", "service": "app", "workspaceFolder": "/app"}"#,
        );
        assert_eq!(resolved.workspace.folder, "/app");
        assert_eq!(resolved.workspace.mount, None);
        assert!(resolved.warnings.is_empty(), "{:?}", resolved.warnings);
        assert!(resolved.ensure_supported().is_ok());
        let (_dir, resolved) = load_one(r#"{"dockerComposeFile": "compose.yml"}"#);
        assert_eq!(resolved.workspace.folder, "/");
    }

    #[test]
    fn no_source_is_a_warning() {
        let (_dir, resolved) = load_one(r#"{"name": "x"}"#);
        assert_eq!(resolved.warnings.len(), 1);
        assert!(resolved.ensure_supported().is_err());
    }

    #[test]
    fn a_file_target_finds_its_project() {
        let dir = project(&[(".devcontainer/gpu/devcontainer.json", r#"{"image": "x"}"#)]);
        let file = dir.path().join(".devcontainer/gpu/devcontainer.json");
        let resolved = load(&file, &options()).unwrap();
        assert_eq!(resolved.local_folder, dir.path());
        let mut with_config = options();
        with_config.config = Some(file.clone());
        assert!(matches!(
            load(&file, &with_config),
            Err(ConfigError::TwoConfigs { .. })
        ));
        let resolved = load(dir.path(), &with_config).unwrap();
        assert_eq!(resolved.config_file, file);
    }

    #[test]
    fn the_git_root_is_mounted_when_asked() {
        let dir = project(&[
            (".git/config", ""),
            ("sub/project/.devcontainer.json", r#"{"image": "x"}"#),
        ]);
        let mut opts = options();
        opts.mount_git_root = true;
        let resolved = load(&dir.path().join("sub/project"), &opts).unwrap();
        let name = dir
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert_eq!(
            resolved.workspace.folder,
            format!("/workspaces/{name}/sub/project")
        );
        assert!(resolved.workspace.mount.unwrap().contains(&format!(
            "source={},target=/workspaces/{name}",
            dir.path().display()
        )));
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let dir = project(&[(
            ".devcontainer.json",
            "{\n  \"image\": \"x\"\n  \"name\": 1\n}",
        )]);
        let err = load(dir.path(), &options()).unwrap_err();
        let ConfigError::Invalid(diagnostic) = &err else {
            panic!("{err}")
        };
        assert_eq!((diagnostic.line, diagnostic.column), (3, 3));
        assert!(err.to_string().contains(".devcontainer.json:3:3:"), "{err}");
        let dir = project(&[(".devcontainer.json", "{\n  \"name\": 1\n}")]);
        let err = load(dir.path(), &options()).unwrap_err();
        assert!(
            err.to_string()
                .contains(".devcontainer.json:2:11: `name` must be a string"),
            "{err}"
        );
    }

    #[test]
    fn invalid_utf8_points_at_the_byte() {
        let dir = project(&[]);
        std::fs::write(
            dir.path().join(".devcontainer.json"),
            b"{\n  \"name\": \"a\xffb\"\n}",
        )
        .unwrap();
        let err = load(dir.path(), &options()).unwrap_err();
        assert!(
            err.to_string().contains(".devcontainer.json:2:13: "),
            "{err}"
        );
        assert!(err.to_string().contains("UTF-8"), "{err}");
    }

    #[test]
    fn invalid_utf8_after_a_byte_order_mark_is_placed_right() {
        let dir = project(&[]);
        std::fs::write(
            dir.path().join(".devcontainer.json"),
            b"\xEF\xBB\xBF{\"name\": \"ab\xffc\"}",
        )
        .unwrap();
        let err = load(dir.path(), &options()).unwrap_err();
        assert!(
            err.to_string().contains(".devcontainer.json:1:13: "),
            "{err}"
        );
    }

    #[test]
    fn a_missing_target_says_so() {
        let err = load(Path::new("/no/such/berth/project"), &options()).unwrap_err();
        assert!(matches!(err, ConfigError::NotFound { .. }), "{err}");
    }

    #[test]
    fn paths_resolve_lexically() {
        assert_eq!(
            resolve_path(Path::new("/a/b"), "../c/./d"),
            Path::new("/a/c/d")
        );
        assert_eq!(resolve_path(Path::new("/a"), "/x/y"), Path::new("/x/y"));
        assert_eq!(posix_join("/workspaces", ""), "/workspaces");
        assert_eq!(posix_join("/workspaces/a", "b/c"), "/workspaces/a/b/c");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]

            #[test]
            fn loading_any_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
                let dir = tempfile::tempdir().unwrap();
                std::fs::write(dir.path().join(".devcontainer.json"), &bytes).unwrap();
                if let Err(err) = load(dir.path(), &options()) {
                    prop_assert!(!err.to_string().is_empty());
                }
            }

            #[test]
            fn loading_config_like_text_never_panics(
                text in "\\{(\"(image|name|build|dockerfile|workspaceFolder|workspaceMount|mounts|dockerComposeFile|remoteEnv)\": ?(\"[^\"\\\\]{0,12}\"|\\[\\]|\\{\\}|1|null|\"\\$\\{[a-zA-Z:]{0,20}\\}\"),? ?){0,5}\\}"
            ) {
                let dir = tempfile::tempdir().unwrap();
                std::fs::write(dir.path().join(".devcontainer.json"), &text).unwrap();
                let _ = load(dir.path(), &options());
            }
        }
    }
}
