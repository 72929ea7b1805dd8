//! Transport types for `berth config` (a resolved devcontainer.json). Property names are
//! the devcontainer.json ones (camelCase), so the output reads like the file it came from.

use std::collections::BTreeMap;

use serde::Serialize;
use ts_rs::TS;

use crate::devcontainer::{model, resolve};

/// A project's devcontainer.json, resolved as a tool starting it would (`berth config --json`).
#[derive(Debug, Clone, Serialize, TS, PartialEq)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct ResolvedConfig {
    /// The devcontainer.json (absolute path).
    pub config_file: String,
    /// The project folder on the host (`${localWorkspaceFolder}`).
    pub local_workspace_folder: String,
    /// `${devcontainerId}`.
    pub devcontainer_id: String,
    /// Where the image comes from.
    pub source: ConfigSource,
    /// The workspace in the container.
    pub workspace: ConfigWorkspace,
    /// The configuration, every variable substituted.
    pub configuration: DevContainerConfig,
    /// What Berth reads but cannot act on.
    pub warnings: Vec<ConfigWarning>,
}

/// Where the image comes from.
#[derive(Debug, Clone, Copy, Serialize, TS, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub enum ConfigSource {
    /// `image`.
    Image,
    /// `build.dockerfile` or `dockerFile`.
    Dockerfile,
    /// `dockerComposeFile` (not supported by Berth yet).
    Compose,
    /// None of them.
    None,
}

/// The workspace folder and mount.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct ConfigWorkspace {
    /// The workspace folder in the container.
    pub workspace_folder: String,
    /// Its mount in `--mount` syntax; null when there is none.
    pub workspace_mount: Option<String>,
}

/// Something Berth reads but cannot act on.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct ConfigWarning {
    /// The property concerned.
    pub property: String,
    /// What Berth will not do, and what to do instead.
    pub message: String,
}

/// The typed devcontainer.json.
#[derive(Debug, Clone, Serialize, TS, PartialEq)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct DevContainerConfig {
    /// `name`.
    pub name: Option<String>,
    /// `image`.
    pub image: Option<String>,
    /// `build`, with the legacy top-level `dockerFile`/`context` folded in.
    pub build: Option<ConfigBuild>,
    /// `dockerComposeFile`, `service`, `runServices`.
    pub compose: Option<ConfigCompose>,
    /// `runArgs`.
    pub run_args: Vec<String>,
    /// `mounts`.
    pub mounts: Vec<ConfigMount>,
    /// `containerEnv`.
    pub container_env: BTreeMap<String, String>,
    /// `remoteEnv` (null unsets a variable).
    pub remote_env: BTreeMap<String, Option<String>>,
    /// `containerUser`.
    pub container_user: Option<String>,
    /// `remoteUser`.
    pub remote_user: Option<String>,
    /// `updateRemoteUserUID`.
    #[serde(rename = "updateRemoteUserUID")]
    pub update_remote_user_uid: Option<bool>,
    /// `workspaceFolder` as written (substituted); see `workspace` for the one in use.
    pub workspace_folder: Option<String>,
    /// `workspaceMount` as written (substituted).
    pub workspace_mount: Option<String>,
    /// `forwardPorts`.
    pub forward_ports: Vec<ConfigPort>,
    /// `appPort`.
    pub app_port: Vec<ConfigPort>,
    /// `portsAttributes`.
    pub ports_attributes: BTreeMap<String, ConfigPortAttributes>,
    /// `otherPortsAttributes`.
    pub other_ports_attributes: Option<ConfigPortAttributes>,
    /// `hostRequirements`.
    pub host_requirements: Option<ConfigHostRequirements>,
    /// `initializeCommand`.
    pub initialize_command: Option<ConfigCommand>,
    /// `onCreateCommand`.
    pub on_create_command: Option<ConfigCommand>,
    /// `updateContentCommand`.
    pub update_content_command: Option<ConfigCommand>,
    /// `postCreateCommand`.
    pub post_create_command: Option<ConfigCommand>,
    /// `postStartCommand`.
    pub post_start_command: Option<ConfigCommand>,
    /// `postAttachCommand`.
    pub post_attach_command: Option<ConfigCommand>,
    /// `features`: id → options.
    #[ts(type = "Record<string, unknown>")]
    pub features: BTreeMap<String, serde_json::Value>,
    /// `customizations`, as written.
    #[ts(type = "Record<string, unknown>")]
    pub customizations: serde_json::Map<String, serde_json::Value>,
    /// `shutdownAction`.
    pub shutdown_action: Option<String>,
    /// `overrideCommand`.
    pub override_command: Option<bool>,
    /// `privileged`.
    pub privileged: Option<bool>,
    /// `capAdd`.
    pub cap_add: Vec<String>,
    /// `securityOpt`.
    pub security_opt: Vec<String>,
    /// `init`.
    pub init: Option<bool>,
    /// `userEnvProbe`.
    pub user_env_probe: Option<String>,
    /// `waitFor`.
    pub wait_for: Option<String>,
    /// Every other property, as written (substituted).
    #[ts(type = "Record<string, unknown>")]
    pub other_properties: serde_json::Map<String, serde_json::Value>,
}

/// A Dockerfile build.
#[derive(Debug, Clone, Serialize, TS, PartialEq)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct ConfigBuild {
    /// The Dockerfile as written (`build.dockerfile` or `dockerFile`).
    pub dockerfile: Option<String>,
    /// The context as written (`build.context`, or `context` with `dockerFile`).
    pub context: Option<String>,
    /// `build.args`.
    pub args: BTreeMap<String, String>,
    /// `build.target`.
    pub target: Option<String>,
    /// `build.cacheFrom`.
    pub cache_from: Vec<String>,
    /// `build.options`.
    pub options: Vec<String>,
    /// The Dockerfile's absolute path, when the image is built from it.
    pub dockerfile_path: Option<String>,
    /// The build context's absolute path, when the image is built from a Dockerfile.
    pub context_path: Option<String>,
    /// Every other property of `build`.
    #[ts(type = "Record<string, unknown>")]
    pub other_properties: serde_json::Map<String, serde_json::Value>,
}

/// A Docker Compose configuration.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct ConfigCompose {
    /// `dockerComposeFile`.
    pub files: Vec<String>,
    /// `service`.
    pub service: Option<String>,
    /// `runServices`.
    pub run_services: Vec<String>,
}

/// One mount.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct ConfigMount {
    /// `bind`, `volume`, `tmpfs`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// Host path or volume name.
    pub source: Option<String>,
    /// Path in the container.
    pub target: String,
    /// Mounted read-only.
    pub read_only: bool,
    /// Every other option, in order, as `[key, value]`.
    pub options: Vec<(String, String)>,
    /// The string as written, when the string form was used.
    pub written: Option<String>,
}

/// A port: a number, or a `host:port` (or `docker run -p`) string.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[serde(untagged)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub enum ConfigPort {
    /// A port number.
    Number(u16),
    /// A string form.
    Text(String),
}

/// How tools treat a forwarded port.
#[derive(Debug, Clone, Serialize, TS, PartialEq)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct ConfigPortAttributes {
    /// `label`.
    pub label: Option<String>,
    /// `protocol`.
    pub protocol: Option<String>,
    /// `onAutoForward`.
    pub on_auto_forward: Option<String>,
    /// `requireLocalPort`.
    pub require_local_port: Option<bool>,
    /// `elevateIfNeeded`.
    pub elevate_if_needed: Option<bool>,
    /// Every other property.
    #[ts(type = "Record<string, unknown>")]
    pub other_properties: serde_json::Map<String, serde_json::Value>,
}

/// Minimum host resources.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct ConfigHostRequirements {
    /// Minimum CPUs.
    #[ts(type = "number | null")]
    pub cpus: Option<u64>,
    /// Minimum memory, as written (e.g. `16gb`).
    pub memory: Option<String>,
    /// Minimum memory in bytes.
    #[ts(type = "number | null")]
    pub memory_bytes: Option<u64>,
    /// Minimum storage, as written.
    pub storage: Option<String>,
    /// Minimum storage in bytes.
    #[ts(type = "number | null")]
    pub storage_bytes: Option<u64>,
    /// Whether a GPU is needed; null when not said.
    pub gpu: Option<ConfigGpu>,
}

/// `hostRequirements.gpu`.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct ConfigGpu {
    /// Required, optional, or not wanted.
    pub need: GpuNeed,
    /// Minimum GPU cores.
    #[ts(type = "number | null")]
    pub cores: Option<u64>,
    /// Minimum GPU memory, as written.
    pub memory: Option<String>,
}

/// How much a configuration needs a GPU.
#[derive(Debug, Clone, Copy, Serialize, TS, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub enum GpuNeed {
    /// `true` or an object: required.
    Required,
    /// `"optional"`: used when there is one.
    Optional,
    /// `false`.
    NotRequired,
}

/// A lifecycle command as written: a shell string, an argv, or named parallel commands.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[serde(untagged)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub enum ConfigCommand {
    /// Run by `/bin/sh -c`.
    Shell(String),
    /// Run directly.
    Exec(Vec<String>),
    /// Run in parallel, by name.
    Parallel(BTreeMap<String, ConfigCommandStep>),
}

/// One of the named commands of a parallel lifecycle command.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[serde(untagged)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub enum ConfigCommandStep {
    /// Run by `/bin/sh -c`.
    Shell(String),
    /// Run directly.
    Exec(Vec<String>),
}

impl From<&resolve::ResolvedConfig> for ResolvedConfig {
    fn from(resolved: &resolve::ResolvedConfig) -> Self {
        let source = match resolved.config.source() {
            model::Source::Image(_) => ConfigSource::Image,
            model::Source::Dockerfile { .. } => ConfigSource::Dockerfile,
            model::Source::Compose(_) => ConfigSource::Compose,
            model::Source::Missing => ConfigSource::None,
        };
        let mut configuration = DevContainerConfig::from(&resolved.config);
        if let (Some(build), Some(paths)) = (&mut configuration.build, &resolved.dockerfile_build) {
            build.dockerfile_path = Some(paths.dockerfile.display().to_string());
            build.context_path = Some(paths.context.display().to_string());
        }
        Self {
            config_file: resolved.config_file.display().to_string(),
            local_workspace_folder: resolved.local_folder.display().to_string(),
            devcontainer_id: resolved.id.clone(),
            source,
            workspace: ConfigWorkspace {
                workspace_folder: resolved.workspace.folder.clone(),
                workspace_mount: resolved.workspace.mount.clone(),
            },
            configuration,
            warnings: resolved
                .warnings
                .iter()
                .map(|w| ConfigWarning {
                    property: w.property.clone(),
                    message: w.message.clone(),
                })
                .collect(),
        }
    }
}

impl From<&model::DevContainer> for DevContainerConfig {
    fn from(config: &model::DevContainer) -> Self {
        let build = match (&config.build, &config.docker_file) {
            (None, None) => None,
            (build, docker_file) => {
                let empty = model::Build::default();
                let build = build.as_ref().unwrap_or(&empty);
                let (dockerfile, context) = match docker_file {
                    Some(docker_file) => (Some(docker_file.clone()), config.context.clone()),
                    None => (build.dockerfile.clone(), build.context.clone()),
                };
                Some(ConfigBuild {
                    dockerfile,
                    context,
                    args: build.args.clone(),
                    target: build.target.clone(),
                    cache_from: build.cache_from.clone(),
                    options: build.options.clone(),
                    dockerfile_path: None,
                    context_path: None,
                    other_properties: build.other.clone(),
                })
            }
        };
        let command = |stage| config.lifecycle.get(stage).map(ConfigCommand::from);
        Self {
            name: config.name.clone(),
            image: config.image.clone(),
            build,
            compose: config.compose.as_ref().map(|c| ConfigCompose {
                files: c.files.clone(),
                service: c.service.clone(),
                run_services: c.run_services.clone(),
            }),
            run_args: config.run_args.clone(),
            mounts: config.mounts.iter().map(ConfigMount::from).collect(),
            container_env: config.container_env.clone(),
            remote_env: config.remote_env.clone(),
            container_user: config.container_user.clone(),
            remote_user: config.remote_user.clone(),
            update_remote_user_uid: config.update_remote_user_uid,
            workspace_folder: config.workspace_folder.clone(),
            workspace_mount: config.workspace_mount.clone(),
            forward_ports: config
                .forward_ports
                .iter()
                .map(|p| match p {
                    model::ForwardPort::Port(port) => ConfigPort::Number(*port),
                    other => ConfigPort::Text(other.to_string()),
                })
                .collect(),
            app_port: config
                .app_port
                .iter()
                .map(|p| match p {
                    model::AppPort::Port(port) => ConfigPort::Number(*port),
                    model::AppPort::Mapping(text) => ConfigPort::Text(text.clone()),
                })
                .collect(),
            ports_attributes: config
                .ports_attributes
                .iter()
                .map(|(k, v)| (k.clone(), ConfigPortAttributes::from(v)))
                .collect(),
            other_ports_attributes: config
                .other_ports_attributes
                .as_ref()
                .map(ConfigPortAttributes::from),
            host_requirements: config
                .host_requirements
                .as_ref()
                .map(ConfigHostRequirements::from),
            initialize_command: command(model::LifecycleStage::Initialize),
            on_create_command: command(model::LifecycleStage::OnCreate),
            update_content_command: command(model::LifecycleStage::UpdateContent),
            post_create_command: command(model::LifecycleStage::PostCreate),
            post_start_command: command(model::LifecycleStage::PostStart),
            post_attach_command: command(model::LifecycleStage::PostAttach),
            features: config.features.clone(),
            customizations: config.customizations.clone(),
            shutdown_action: config.shutdown_action.map(|a| a.as_str().to_owned()),
            override_command: config.override_command,
            privileged: config.privileged,
            cap_add: config.cap_add.clone(),
            security_opt: config.security_opt.clone(),
            init: config.init,
            user_env_probe: config.user_env_probe.map(|p| p.as_str().to_owned()),
            wait_for: config.wait_for.map(|s| s.property().to_owned()),
            other_properties: config.other.clone(),
        }
    }
}

impl From<&model::Mount> for ConfigMount {
    fn from(mount: &model::Mount) -> Self {
        Self {
            kind: mount.kind.as_str().to_owned(),
            source: mount.source.clone(),
            target: mount.target.clone(),
            read_only: mount.read_only,
            options: mount.options.clone(),
            written: mount.written.clone(),
        }
    }
}

impl From<&model::PortAttributes> for ConfigPortAttributes {
    fn from(attributes: &model::PortAttributes) -> Self {
        Self {
            label: attributes.label.clone(),
            protocol: attributes.protocol.clone(),
            on_auto_forward: attributes.on_auto_forward.clone(),
            require_local_port: attributes.require_local_port,
            elevate_if_needed: attributes.elevate_if_needed,
            other_properties: attributes.other.clone(),
        }
    }
}

impl From<&model::HostRequirements> for ConfigHostRequirements {
    fn from(requirements: &model::HostRequirements) -> Self {
        Self {
            cpus: requirements.cpus,
            memory: requirements.memory.as_ref().map(|m| m.text.clone()),
            memory_bytes: requirements.memory.as_ref().map(|m| m.bytes),
            storage: requirements.storage.as_ref().map(|s| s.text.clone()),
            storage_bytes: requirements.storage.as_ref().map(|s| s.bytes),
            gpu: requirements.gpu.as_ref().map(|gpu| match gpu {
                model::GpuRequirement::Required { cores, memory } => ConfigGpu {
                    need: GpuNeed::Required,
                    cores: *cores,
                    memory: memory.as_ref().map(|m| m.text.clone()),
                },
                model::GpuRequirement::Optional => ConfigGpu {
                    need: GpuNeed::Optional,
                    cores: None,
                    memory: None,
                },
                model::GpuRequirement::NotRequired => ConfigGpu {
                    need: GpuNeed::NotRequired,
                    cores: None,
                    memory: None,
                },
            }),
        }
    }
}

impl From<&model::LifecycleCommand> for ConfigCommand {
    fn from(command: &model::LifecycleCommand) -> Self {
        match command {
            model::LifecycleCommand::Shell(s) => Self::Shell(s.clone()),
            model::LifecycleCommand::Exec(args) => Self::Exec(args.clone()),
            model::LifecycleCommand::Parallel(steps) => Self::Parallel(
                steps
                    .iter()
                    .map(|(name, step)| {
                        let step = match step {
                            model::CommandStep::Shell(s) => ConfigCommandStep::Shell(s.clone()),
                            model::CommandStep::Exec(args) => ConfigCommandStep::Exec(args.clone()),
                        };
                        (name.clone(), step)
                    })
                    .collect(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_resolved_config_serialises_with_devcontainer_names() {
        let text = r#"{
            "image": "x", "remoteUser": "vscode", "updateRemoteUserUID": false,
            "forwardPorts": [8888, "db:5432"],
            "postCreateCommand": {"a": "make", "b": ["ls"]}, "onCreateCommand": ["pip", "install"],
            "mounts": ["type=bind,source=/d,target=/d,readonly"],
            "hostRequirements": {"gpu": {"cores": 2, "memory": "8gb"}, "memory": "1kb"},
            "shutdownAction": "none", "waitFor": "onCreateCommand", "extra": 1
        }"#;
        let config = crate::devcontainer::read_str(std::path::Path::new("f"), text).unwrap();
        let value = serde_json::to_value(DevContainerConfig::from(&config)).unwrap();
        assert_eq!(value["remoteUser"], "vscode");
        assert_eq!(value["updateRemoteUserUID"], false);
        assert_eq!(value["forwardPorts"], json!([8888, "db:5432"]));
        assert_eq!(
            value["postCreateCommand"],
            json!({"a": "make", "b": ["ls"]})
        );
        assert_eq!(value["onCreateCommand"], json!(["pip", "install"]));
        assert_eq!(value["initializeCommand"], json!(null));
        assert_eq!(value["mounts"][0]["type"], "bind");
        assert_eq!(value["mounts"][0]["readOnly"], true);
        assert_eq!(
            value["mounts"][0]["written"],
            "type=bind,source=/d,target=/d,readonly"
        );
        assert_eq!(
            value["hostRequirements"]["gpu"],
            json!({"need": "required", "cores": 2, "memory": "8gb"})
        );
        assert_eq!(value["hostRequirements"]["memoryBytes"], 1024);
        assert_eq!(value["shutdownAction"], "none");
        assert_eq!(value["waitFor"], "onCreateCommand");
        assert_eq!(value["otherProperties"], json!({"extra": 1}));
    }

    #[test]
    fn the_legacy_docker_file_is_folded_into_build() {
        let text = r#"{"dockerFile": "D", "context": "..", "build": {"target": "dev"}}"#;
        let config = crate::devcontainer::read_str(std::path::Path::new("f"), text).unwrap();
        let value = serde_json::to_value(DevContainerConfig::from(&config)).unwrap();
        assert_eq!(value["build"]["dockerfile"], "D");
        assert_eq!(value["build"]["context"], "..");
        assert_eq!(value["build"]["target"], "dev");
    }
}
