//! The typed devcontainer.json: every property Berth acts on, checked against the types
//! the Dev Container spec gives it, and every other property kept as written. A value of
//! the wrong type is an error naming its JSON path (`build.args.CUDA`), what it is, what
//! it should be, and where it was written.

use std::collections::BTreeMap;

use serde_json::Map;

use super::jsonc::{Member, Node, Value};

/// Why a devcontainer.json's values do not fit the spec; each knows its byte offset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// A value of the wrong JSON type.
    #[error("`{path}` must be {expected}, but is {found}")]
    WrongType {
        /// The property's JSON path, e.g. `build.args.CUDA`.
        path: String,
        /// What the spec wants, e.g. "a string".
        expected: &'static str,
        /// What was written, e.g. "a number (12.1)".
        found: String,
        /// Where the value starts.
        offset: usize,
    },
    /// A value of the right type that the spec does not allow.
    #[error("`{path}`: {message}")]
    Invalid {
        /// The property's JSON path.
        path: String,
        /// What is wrong and how to fix it.
        message: String,
        /// Where the value starts.
        offset: usize,
    },
}

impl ModelError {
    /// The byte offset this error is about.
    pub fn offset(&self) -> usize {
        match self {
            Self::WrongType { offset, .. } | Self::Invalid { offset, .. } => *offset,
        }
    }
}

type Result<T> = std::result::Result<T, ModelError>;

/// A devcontainer.json, typed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DevContainer {
    /// `name`: shown in the UI.
    pub name: Option<String>,
    /// `image`: the image to start from.
    pub image: Option<String>,
    /// `build`: how to build the image from a Dockerfile.
    pub build: Option<Build>,
    /// `dockerFile`: the legacy top-level spelling of `build.dockerfile`.
    pub docker_file: Option<String>,
    /// `context`: the legacy top-level spelling of `build.context` (used with `dockerFile`).
    pub context: Option<String>,
    /// `dockerComposeFile`, `service`, `runServices`: a Docker Compose configuration.
    pub compose: Option<Compose>,
    /// `runArgs`: extra `docker run` arguments.
    pub run_args: Vec<String>,
    /// `mounts`: extra mounts.
    pub mounts: Vec<Mount>,
    /// `containerEnv`: environment of the whole container.
    pub container_env: BTreeMap<String, String>,
    /// `remoteEnv`: environment of the tools' processes; `None` unsets a variable.
    pub remote_env: BTreeMap<String, Option<String>>,
    /// `containerUser`: the user the container runs as.
    pub container_user: Option<String>,
    /// `remoteUser`: the user tools run as.
    pub remote_user: Option<String>,
    /// `updateRemoteUserUID`: give the remote user the host user's UID/GID (Linux).
    pub update_remote_user_uid: Option<bool>,
    /// `workspaceFolder`: where the workspace is in the container.
    pub workspace_folder: Option<String>,
    /// `workspaceMount`: the workspace's mount, in `--mount` syntax.
    pub workspace_mount: Option<String>,
    /// `forwardPorts`: ports to forward.
    pub forward_ports: Vec<ForwardPort>,
    /// `appPort`: ports to publish (legacy).
    pub app_port: Vec<AppPort>,
    /// `portsAttributes`: per-port settings, keyed by port, range or pattern.
    pub ports_attributes: BTreeMap<String, PortAttributes>,
    /// `otherPortsAttributes`: settings for every other port.
    pub other_ports_attributes: Option<PortAttributes>,
    /// `hostRequirements`: minimum host resources.
    pub host_requirements: Option<HostRequirements>,
    /// The lifecycle commands.
    pub lifecycle: LifecycleCommands,
    /// `features`: Feature id → options (an object, a version string, or a boolean).
    pub features: BTreeMap<String, serde_json::Value>,
    /// `customizations`: tool-specific settings, kept as written.
    pub customizations: Map<String, serde_json::Value>,
    /// `shutdownAction`: what to do when the tool closes.
    pub shutdown_action: Option<ShutdownAction>,
    /// `overrideCommand`: run a sleep loop instead of the image's command.
    pub override_command: Option<bool>,
    /// `privileged`: run the container privileged.
    pub privileged: Option<bool>,
    /// `capAdd`: capabilities to add.
    pub cap_add: Vec<String>,
    /// `securityOpt`: security options.
    pub security_opt: Vec<String>,
    /// `init`: run an init process.
    pub init: Option<bool>,
    /// `userEnvProbe`: how to probe the user's environment.
    pub user_env_probe: Option<UserEnvProbe>,
    /// `waitFor`: the command tools wait for before connecting.
    pub wait_for: Option<LifecycleStage>,
    /// Every other property, as written.
    pub other: Map<String, serde_json::Value>,
    /// Values Berth read although their type is looser than the spec's.
    pub loose: Vec<LooseValue>,
}

/// A value of a looser type than the spec's that the reference CLI accepts (a number or
/// boolean where a string belongs), read as the string the reference CLI would pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LooseValue {
    /// The property's JSON path, e.g. `build.args.USER_UID`.
    pub path: String,
    /// What was written, e.g. "a number (1000)".
    pub found: String,
    /// The string it was read as.
    pub read_as: String,
}

impl LooseValue {
    /// The warning a person sees.
    pub fn message(&self) -> String {
        format!(
            "`{}` should be a string but is {}; read as \"{}\" as VS Code and the devcontainer CLI do — quote it to silence this",
            self.path, self.found, self.read_as
        )
    }
}

/// `build`: a Dockerfile build.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Build {
    /// `dockerfile`, relative to the devcontainer.json.
    pub dockerfile: Option<String>,
    /// `context`, relative to the devcontainer.json.
    pub context: Option<String>,
    /// `args`: build arguments.
    pub args: BTreeMap<String, String>,
    /// `target`: the stage to build.
    pub target: Option<String>,
    /// `cacheFrom`: images to use as cache.
    pub cache_from: Vec<String>,
    /// `options`: extra `docker build` options.
    pub options: Vec<String>,
    /// Every other property of `build`, as written.
    pub other: Map<String, serde_json::Value>,
}

/// A Docker Compose configuration (recognised; Berth does not run these yet).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Compose {
    /// `dockerComposeFile`: the compose files, relative to the devcontainer.json.
    pub files: Vec<String>,
    /// `service`: the service to connect to.
    pub service: Option<String>,
    /// `runServices`: the services to start.
    pub run_services: Vec<String>,
}

/// What a mount is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountKind {
    /// A host path.
    Bind,
    /// A named or anonymous volume.
    Volume,
    /// A tmpfs.
    Tmpfs,
    /// Another type Docker knows (`npipe`, `image`, …).
    Other(String),
}

impl MountKind {
    /// The `type=` value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Bind => "bind",
            Self::Volume => "volume",
            Self::Tmpfs => "tmpfs",
            Self::Other(other) => other,
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "bind" => Self::Bind,
            "volume" => Self::Volume,
            "tmpfs" => Self::Tmpfs,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// One entry of `mounts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// `type` (Docker's default is a volume).
    pub kind: MountKind,
    /// `source`/`src`: host path or volume name.
    pub source: Option<String>,
    /// `target`/`dst`/`destination`: the path in the container.
    pub target: String,
    /// `readonly`/`ro`.
    pub read_only: bool,
    /// Every other option, e.g. `("consistency", "cached")`, in order.
    pub options: Vec<(String, String)>,
    /// The string as written (`type=bind,source=…`), when the string form was used.
    pub written: Option<String>,
}

impl Mount {
    /// Parse Docker's `--mount` syntax: comma-separated `key=value` fields, CSV-quoted.
    ///
    /// # Errors
    ///
    /// A message saying what is wrong (no target, bad quoting, a bad `readonly` value).
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        if text.is_empty() {
            return Err(
                "the mount is empty: write type=bind,source=/path/on/host,target=/path/in/container"
                    .to_owned(),
            );
        }
        let mut kind = MountKind::Volume;
        let mut source = None;
        let mut target = None;
        let mut read_only = false;
        let mut options = Vec::new();
        for field in split_csv(text)? {
            let (key, value) = match field.split_once('=') {
                Some((key, value)) => (key.to_ascii_lowercase(), Some(value.to_owned())),
                None => (field.to_ascii_lowercase(), None),
            };
            match (key.as_str(), value) {
                ("type", Some(value)) => kind = MountKind::parse(&value),
                ("source" | "src", Some(value)) => source = Some(value),
                ("target" | "dst" | "destination", Some(value)) => target = Some(value),
                ("readonly" | "ro", None) => read_only = true,
                ("readonly" | "ro", Some(value)) => {
                    read_only = match value.to_ascii_lowercase().as_str() {
                        "1" | "true" => true,
                        "0" | "false" => false,
                        _ => {
                            return Err(format!(
                                "'{key}={value}' is not a valid read-only flag: use {key}, {key}=true or {key}=false"
                            ))
                        }
                    }
                }
                ("", _) => return Err("empty field (two commas in a row?)".to_owned()),
                (_, Some(value)) => options.push((key, value)),
                (_, None) => options.push((key, String::new())),
            }
        }
        let Some(target) = target.filter(|t| !t.is_empty()) else {
            return Err("the mount has no target: add target=/path/in/container".to_owned());
        };
        if kind == MountKind::Bind && source.as_deref().is_none_or(str::is_empty) {
            return Err("a bind mount needs a source: add source=/path/on/host".to_owned());
        }
        Ok(Self {
            kind,
            source,
            target,
            read_only,
            options,
            written: Some(text.to_owned()),
        })
    }
}

/// Split CSV fields as Docker's `--mount` parser (Go's `encoding/csv`) does: a field that
/// starts with `"` is quoted, and `""` inside it is one quote.
fn split_csv(text: &str) -> std::result::Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                    None => {
                        return Err("a quoted field is not closed: a '\"' is missing".to_owned())
                    }
                }
            }
            match chars.next() {
                None => {
                    fields.push(field);
                    return Ok(fields);
                }
                Some(',') => fields.push(field),
                Some(_) => {
                    return Err(
                        "unexpected text after a closing '\"' (quote the whole field)".to_owned(),
                    )
                }
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        fields.push(field);
                        return Ok(fields);
                    }
                    Some(',') => break,
                    Some('"') => {
                        return Err("a '\"' in the middle of a field: quote the whole field, e.g. \"source=/a,b\"".to_owned())
                    }
                    Some(c) => field.push(c),
                }
            }
            fields.push(field);
        }
    }
}

/// One entry of `forwardPorts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardPort {
    /// A port of the container.
    Port(u16),
    /// `host:port`: a port of another service, e.g. `db:5432`.
    HostPort {
        /// The service's host name.
        host: String,
        /// Its port.
        port: u16,
    },
}

impl std::fmt::Display for ForwardPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Port(port) => write!(f, "{port}"),
            Self::HostPort { host, port } => write!(f, "{host}:{port}"),
        }
    }
}

/// One entry of `appPort`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppPort {
    /// A port published as the same port on the host.
    Port(u16),
    /// A `docker run -p` mapping, e.g. `8000:8000`.
    Mapping(String),
}

/// `portsAttributes` / `otherPortsAttributes`: how tools treat a forwarded port.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PortAttributes {
    /// `label`: shown in the UI.
    pub label: Option<String>,
    /// `protocol`: `http` or `https`.
    pub protocol: Option<String>,
    /// `onAutoForward`: `notify`, `openBrowser`, `silent`, `ignore`, …
    pub on_auto_forward: Option<String>,
    /// `requireLocalPort`: fail rather than pick another local port.
    pub require_local_port: Option<bool>,
    /// `elevateIfNeeded`: elevate to forward a low port.
    pub elevate_if_needed: Option<bool>,
    /// Every other property, as written.
    pub other: Map<String, serde_json::Value>,
}

/// A size such as `8gb`, as `hostRequirements` writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByteSize {
    /// As written, e.g. `8gb`.
    pub text: String,
    /// In bytes (`kb`, `mb`, `gb`, `tb` are powers of 1024, as the reference CLI reads them).
    pub bytes: u64,
}

impl ByteSize {
    /// Parse `<digits>[kb|mb|gb|tb]`.
    pub fn parse(text: &str) -> Option<Self> {
        let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
            Some(i) => text.split_at(i),
            None => (text, ""),
        };
        let scale: u64 = match unit {
            "" => 1,
            "kb" => 1 << 10,
            "mb" => 1 << 20,
            "gb" => 1 << 30,
            "tb" => 1 << 40,
            _ => return None,
        };
        if digits.is_empty() {
            return None;
        }
        let bytes = digits.parse::<u64>().ok()?.checked_mul(scale)?;
        Some(Self {
            text: text.to_owned(),
            bytes,
        })
    }
}

/// `hostRequirements.gpu`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GpuRequirement {
    /// `true`, or an object of minimums: a GPU is required.
    Required {
        /// `cores`: minimum GPU cores.
        cores: Option<u64>,
        /// `memory`: minimum GPU memory.
        memory: Option<ByteSize>,
    },
    /// `"optional"`: use a GPU when there is one (Berth honours this).
    Optional,
    /// `false`: no GPU.
    NotRequired,
}

/// `hostRequirements`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HostRequirements {
    /// `cpus`: minimum CPU count.
    pub cpus: Option<u64>,
    /// `memory`: minimum memory.
    pub memory: Option<ByteSize>,
    /// `storage`: minimum storage.
    pub storage: Option<ByteSize>,
    /// `gpu`: whether a GPU is needed.
    pub gpu: Option<GpuRequirement>,
    /// Every other property, as written.
    pub other: Map<String, serde_json::Value>,
}

/// A lifecycle stage, named as its devcontainer.json property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LifecycleStage {
    /// `initializeCommand`: on the host, before anything else.
    Initialize,
    /// `onCreateCommand`: in the container, when it is created.
    OnCreate,
    /// `updateContentCommand`: after new content is available.
    UpdateContent,
    /// `postCreateCommand`: after the container is created and the user set up.
    PostCreate,
    /// `postStartCommand`: every time the container starts.
    PostStart,
    /// `postAttachCommand`: every time a tool attaches.
    PostAttach,
}

impl LifecycleStage {
    /// Every stage, in the order they run.
    pub const ALL: [Self; 6] = [
        Self::Initialize,
        Self::OnCreate,
        Self::UpdateContent,
        Self::PostCreate,
        Self::PostStart,
        Self::PostAttach,
    ];

    /// The devcontainer.json property name, e.g. `postCreateCommand`.
    pub fn property(self) -> &'static str {
        match self {
            Self::Initialize => "initializeCommand",
            Self::OnCreate => "onCreateCommand",
            Self::UpdateContent => "updateContentCommand",
            Self::PostCreate => "postCreateCommand",
            Self::PostStart => "postStartCommand",
            Self::PostAttach => "postAttachCommand",
        }
    }
}

/// A command as written: one shell string, one argv, or named commands run in parallel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LifecycleCommand {
    /// A string, run by `/bin/sh -c`.
    Shell(String),
    /// An array, run directly without a shell.
    Exec(Vec<String>),
    /// An object: each named command runs in parallel.
    Parallel(BTreeMap<String, CommandStep>),
}

/// One named command of a parallel lifecycle command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandStep {
    /// A string, run by `/bin/sh -c`.
    Shell(String),
    /// An array, run directly without a shell.
    Exec(Vec<String>),
}

/// The six lifecycle commands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LifecycleCommands {
    /// `initializeCommand`.
    pub initialize: Option<LifecycleCommand>,
    /// `onCreateCommand`.
    pub on_create: Option<LifecycleCommand>,
    /// `updateContentCommand`.
    pub update_content: Option<LifecycleCommand>,
    /// `postCreateCommand`.
    pub post_create: Option<LifecycleCommand>,
    /// `postStartCommand`.
    pub post_start: Option<LifecycleCommand>,
    /// `postAttachCommand`.
    pub post_attach: Option<LifecycleCommand>,
}

impl LifecycleCommands {
    /// The command for `stage`, if there is one.
    pub fn get(&self, stage: LifecycleStage) -> Option<&LifecycleCommand> {
        match stage {
            LifecycleStage::Initialize => self.initialize.as_ref(),
            LifecycleStage::OnCreate => self.on_create.as_ref(),
            LifecycleStage::UpdateContent => self.update_content.as_ref(),
            LifecycleStage::PostCreate => self.post_create.as_ref(),
            LifecycleStage::PostStart => self.post_start.as_ref(),
            LifecycleStage::PostAttach => self.post_attach.as_ref(),
        }
    }

    fn slot(&mut self, stage: LifecycleStage) -> &mut Option<LifecycleCommand> {
        match stage {
            LifecycleStage::Initialize => &mut self.initialize,
            LifecycleStage::OnCreate => &mut self.on_create,
            LifecycleStage::UpdateContent => &mut self.update_content,
            LifecycleStage::PostCreate => &mut self.post_create,
            LifecycleStage::PostStart => &mut self.post_start,
            LifecycleStage::PostAttach => &mut self.post_attach,
        }
    }
}

/// `shutdownAction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownAction {
    /// `none`: leave the container running.
    None,
    /// `stopContainer`.
    StopContainer,
    /// `stopCompose`.
    StopCompose,
}

impl ShutdownAction {
    /// As written in devcontainer.json.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::StopContainer => "stopContainer",
            Self::StopCompose => "stopCompose",
        }
    }
}

/// `userEnvProbe`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserEnvProbe {
    /// `none`.
    None,
    /// `loginShell`.
    LoginShell,
    /// `loginInteractiveShell`.
    LoginInteractiveShell,
    /// `interactiveShell`.
    InteractiveShell,
}

impl UserEnvProbe {
    /// As written in devcontainer.json.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::LoginShell => "loginShell",
            Self::LoginInteractiveShell => "loginInteractiveShell",
            Self::InteractiveShell => "interactiveShell",
        }
    }
}

/// Where the image comes from, as the reference CLI decides it: a Dockerfile (`dockerFile`
/// or `build.dockerfile`) wins over `image`, which wins over `dockerComposeFile`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Source<'a> {
    /// Built from a Dockerfile.
    Dockerfile {
        /// The Dockerfile, relative to the devcontainer.json.
        dockerfile: &'a str,
        /// The build context, relative to the devcontainer.json; the Dockerfile's folder
        /// when `None`.
        context: Option<&'a str>,
    },
    /// Pulled.
    Image(&'a str),
    /// Docker Compose (not supported by Berth yet).
    Compose(&'a Compose),
    /// None of them: the configuration cannot start a container.
    Missing,
}

impl DevContainer {
    /// Where the image comes from.
    pub fn source(&self) -> Source<'_> {
        if let Some(dockerfile) = &self.docker_file {
            return Source::Dockerfile {
                dockerfile,
                context: self.context.as_deref(),
            };
        }
        if let Some(build) = &self.build {
            if let Some(dockerfile) = &build.dockerfile {
                return Source::Dockerfile {
                    dockerfile,
                    context: build.context.as_deref(),
                };
            }
        }
        if let Some(image) = &self.image {
            return Source::Image(image);
        }
        match &self.compose {
            Some(compose) => Source::Compose(compose),
            None => Source::Missing,
        }
    }

    /// Read a devcontainer.json's root value.
    ///
    /// # Errors
    ///
    /// The first value (in file order of the properties Berth checks) that does not fit.
    pub fn from_node(root: &Node) -> Result<Self> {
        let Value::Object(members) = &root.value else {
            return Err(ModelError::WrongType {
                path: "(the whole file)".to_owned(),
                expected: "an object ({ … })",
                found: found(root),
                offset: root.span.start,
            });
        };
        let mut fields = Fields::new(members, "");
        let mut loose = Vec::new();
        let build = fields
            .take("build")
            .map(|node| build(node, &mut loose))
            .transpose()?;
        let mut config = DevContainer {
            name: fields.string("name")?,
            image: fields.string("image")?,
            docker_file: fields.string("dockerFile")?,
            context: fields.string("context")?,
            build,
            loose,
            ..Default::default()
        };
        if let Some(node) = fields.take("dockerComposeFile") {
            let files = string_or_list(node, "dockerComposeFile")?;
            config.compose = Some(Compose {
                files,
                service: fields.string("service")?,
                run_services: fields
                    .take("runServices")
                    .map(|n| string_list(n, "runServices"))
                    .transpose()?
                    .unwrap_or_default(),
            });
        }
        config.run_args = fields.string_list("runArgs")?;
        if let Some(node) = fields.take("mounts") {
            config.mounts = array(node, "mounts")?
                .iter()
                .enumerate()
                .map(|(i, item)| mount(item, &format!("mounts[{i}]")))
                .collect::<Result<_>>()?;
        }
        if let Some(node) = fields.take("containerEnv") {
            config.container_env = string_map(node, "containerEnv", &mut config.loose)?;
        }
        if let Some(node) = fields.take("remoteEnv") {
            config.remote_env = object(node, "remoteEnv")?
                .iter()
                .map(|m| {
                    let path = join("remoteEnv", &m.key);
                    let value = match &m.value.value {
                        Value::Null => None,
                        _ => Some(loose_string(
                            &m.value,
                            &path,
                            "a string or null",
                            &mut config.loose,
                        )?),
                    };
                    Ok((m.key.clone(), value))
                })
                .collect::<Result<_>>()?;
        }
        config.container_user = fields.string("containerUser")?;
        config.remote_user = fields.string("remoteUser")?;
        config.update_remote_user_uid = fields.boolean("updateRemoteUserUID")?;
        config.workspace_folder = fields.string("workspaceFolder")?;
        config.workspace_mount = fields.string("workspaceMount")?;
        if let Some(node) = fields.take("forwardPorts") {
            config.forward_ports = array(node, "forwardPorts")?
                .iter()
                .enumerate()
                .map(|(i, item)| forward_port(item, &format!("forwardPorts[{i}]")))
                .collect::<Result<_>>()?;
        }
        if let Some(node) = fields.take("appPort") {
            config.app_port = match &node.value {
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| app_port(item, &format!("appPort[{i}]")))
                    .collect::<Result<_>>()?,
                _ => vec![app_port(node, "appPort")?],
            };
        }
        if let Some(node) = fields.take("portsAttributes") {
            config.ports_attributes = object(node, "portsAttributes")?
                .iter()
                .map(|m| {
                    let attributes = port_attributes(&m.value, &join("portsAttributes", &m.key))?;
                    Ok((m.key.clone(), attributes))
                })
                .collect::<Result<_>>()?;
        }
        config.other_ports_attributes = fields
            .take("otherPortsAttributes")
            .map(|n| port_attributes(n, "otherPortsAttributes"))
            .transpose()?;
        config.host_requirements = fields
            .take("hostRequirements")
            .map(host_requirements)
            .transpose()?;
        for stage in LifecycleStage::ALL {
            if let Some(node) = fields.take(stage.property()) {
                *config.lifecycle.slot(stage) = Some(lifecycle_command(node, stage.property())?);
            }
        }
        if let Some(node) = fields.take("features") {
            config.features = object(node, "features")?
                .iter()
                .map(|m| match &m.value.value {
                    Value::Object(_) | Value::String(_) | Value::Bool(_) => {
                        Ok((m.key.clone(), m.value.to_json()))
                    }
                    _ => Err(wrong_type(
                        &m.value,
                        &join("features", &m.key),
                        "an object of options, a version string or true/false",
                    )),
                })
                .collect::<Result<_>>()?;
        }
        if let Some(node) = fields.take("customizations") {
            config.customizations = to_map(object(node, "customizations")?);
        }
        config.shutdown_action = fields
            .take("shutdownAction")
            .map(|n| {
                choice(
                    n,
                    "shutdownAction",
                    &[
                        ("none", ShutdownAction::None),
                        ("stopContainer", ShutdownAction::StopContainer),
                        ("stopCompose", ShutdownAction::StopCompose),
                    ],
                )
            })
            .transpose()?;
        config.override_command = fields.boolean("overrideCommand")?;
        config.privileged = fields.boolean("privileged")?;
        config.cap_add = fields.string_list("capAdd")?;
        config.security_opt = fields.string_list("securityOpt")?;
        config.init = fields.boolean("init")?;
        config.user_env_probe = fields
            .take("userEnvProbe")
            .map(|n| {
                choice(
                    n,
                    "userEnvProbe",
                    &[
                        ("none", UserEnvProbe::None),
                        ("loginShell", UserEnvProbe::LoginShell),
                        ("loginInteractiveShell", UserEnvProbe::LoginInteractiveShell),
                        ("interactiveShell", UserEnvProbe::InteractiveShell),
                    ],
                )
            })
            .transpose()?;
        config.wait_for = fields
            .take("waitFor")
            .map(|n| {
                choice(
                    n,
                    "waitFor",
                    &[
                        ("initializeCommand", LifecycleStage::Initialize),
                        ("onCreateCommand", LifecycleStage::OnCreate),
                        ("updateContentCommand", LifecycleStage::UpdateContent),
                        ("postCreateCommand", LifecycleStage::PostCreate),
                        ("postStartCommand", LifecycleStage::PostStart),
                    ],
                )
            })
            .transpose()?;
        config.other = fields.rest();
        Ok(config)
    }
}

/// An object's members, taken one by one; what is left over is kept as "other".
struct Fields<'a> {
    members: &'a [Member],
    taken: Vec<bool>,
    path: &'a str,
}

impl<'a> Fields<'a> {
    fn new(members: &'a [Member], path: &'a str) -> Self {
        Self {
            members,
            taken: vec![false; members.len()],
            path,
        }
    }

    fn take(&mut self, key: &str) -> Option<&'a Node> {
        let index = self.members.iter().position(|m| m.key == key)?;
        self.taken[index] = true;
        Some(&self.members[index].value)
    }

    fn string(&mut self, key: &str) -> Result<Option<String>> {
        let path = join(self.path, key);
        self.take(key)
            .map(|node| string(node, &path, "a string"))
            .transpose()
    }

    fn boolean(&mut self, key: &str) -> Result<Option<bool>> {
        let path = join(self.path, key);
        self.take(key)
            .map(|node| match node.value {
                Value::Bool(b) => Ok(b),
                _ => Err(wrong_type(node, &path, "true or false")),
            })
            .transpose()
    }

    fn string_list(&mut self, key: &str) -> Result<Vec<String>> {
        let path = join(self.path, key);
        Ok(self
            .take(key)
            .map(|node| string_list(node, &path))
            .transpose()?
            .unwrap_or_default())
    }

    fn rest(self) -> Map<String, serde_json::Value> {
        self.members
            .iter()
            .zip(self.taken)
            .filter(|(_, taken)| !taken)
            .map(|(m, _)| (m.key.clone(), m.value.to_json()))
            .collect()
    }
}

/// `path.key`, or `path["key"]` when the key is not a plain identifier.
pub(crate) fn join(path: &str, key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '-'));
    match (path.is_empty(), plain) {
        (true, true) => key.to_owned(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!(
            "{path}[{}]",
            serde_json::to_string(key).unwrap_or_else(|_| key.to_owned())
        ),
    }
}

/// "a number (12.1)", "a string (\"x\")", "an object".
fn found(node: &Node) -> String {
    let preview = match &node.value {
        Value::Null => return "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(raw) => raw.clone(),
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        Value::Array(_) | Value::Object(_) => return node.kind().to_owned(),
    };
    if preview.chars().count() > 40 {
        let short: String = preview.chars().take(37).collect();
        format!("{} ({short}…)", node.kind())
    } else {
        format!("{} ({preview})", node.kind())
    }
}

fn wrong_type(node: &Node, path: &str, expected: &'static str) -> ModelError {
    ModelError::WrongType {
        path: path.to_owned(),
        expected,
        found: found(node),
        offset: node.span.start,
    }
}

fn invalid(node: &Node, path: &str, message: String) -> ModelError {
    ModelError::Invalid {
        path: path.to_owned(),
        message,
        offset: node.span.start,
    }
}

fn string(node: &Node, path: &str, expected: &'static str) -> Result<String> {
    match &node.value {
        Value::String(s) => Ok(s.clone()),
        _ => Err(wrong_type(node, path, expected)),
    }
}

fn array<'a>(node: &'a Node, path: &str) -> Result<&'a [Node]> {
    match &node.value {
        Value::Array(items) => Ok(items),
        _ => Err(wrong_type(node, path, "an array")),
    }
}

fn object<'a>(node: &'a Node, path: &str) -> Result<&'a [Member]> {
    match &node.value {
        Value::Object(members) => Ok(members),
        _ => Err(wrong_type(node, path, "an object")),
    }
}

fn to_map(members: &[Member]) -> Map<String, serde_json::Value> {
    members
        .iter()
        .map(|m| (m.key.clone(), m.value.to_json()))
        .collect()
}

fn string_list(node: &Node, path: &str) -> Result<Vec<String>> {
    match &node.value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| string(item, &format!("{path}[{i}]"), "a string"))
            .collect(),
        _ => Err(wrong_type(node, path, "an array of strings")),
    }
}

fn string_or_list(node: &Node, path: &str) -> Result<Vec<String>> {
    match &node.value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(_) => string_list(node, path),
        _ => Err(wrong_type(node, path, "a string or an array of strings")),
    }
}

/// A string; a number or boolean is read as its text and noted in `loose`.
fn loose_string(
    node: &Node,
    path: &str,
    expected: &'static str,
    loose: &mut Vec<LooseValue>,
) -> Result<String> {
    let read_as = match &node.value {
        Value::String(s) => return Ok(s.clone()),
        Value::Number(raw) => raw.clone(),
        Value::Bool(b) => b.to_string(),
        _ => return Err(wrong_type(node, path, expected)),
    };
    loose.push(LooseValue {
        path: path.to_owned(),
        found: found(node),
        read_as: read_as.clone(),
    });
    Ok(read_as)
}

/// An object of strings (numbers and booleans read loosely, as the reference CLI does).
fn string_map(
    node: &Node,
    path: &str,
    loose: &mut Vec<LooseValue>,
) -> Result<BTreeMap<String, String>> {
    object(node, path)?
        .iter()
        .map(|m| {
            Ok((
                m.key.clone(),
                loose_string(&m.value, &join(path, &m.key), "a string", loose)?,
            ))
        })
        .collect()
}

/// A whole number in `min..=max`; `8080.0` counts, as it does for JSON Schema.
fn integer(node: &Node, path: &str, min: u64, max: u64) -> Result<u64> {
    let Value::Number(raw) = &node.value else {
        return Err(wrong_type(node, path, "a whole number"));
    };
    let value = raw.parse::<u64>().ok().or_else(|| {
        raw.parse::<f64>()
            .ok()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= u64::MAX as f64)
            .map(|f| f as u64)
    });
    match value {
        Some(value) if (min..=max).contains(&value) => Ok(value),
        _ => Err(invalid(
            node,
            path,
            format!("{raw} is not a whole number from {min} to {max}"),
        )),
    }
}

fn choice<T: Copy>(node: &Node, path: &str, options: &[(&str, T)]) -> Result<T> {
    let text = string(node, path, "a string")?;
    options
        .iter()
        .find(|(name, _)| *name == text)
        .map(|(_, value)| *value)
        .ok_or_else(|| {
            let names: Vec<String> = options.iter().map(|(n, _)| format!("\"{n}\"")).collect();
            invalid(
                node,
                path,
                format!("must be one of {}, not \"{text}\"", names.join(", ")),
            )
        })
}

fn build(node: &Node, loose: &mut Vec<LooseValue>) -> Result<Build> {
    let mut fields = Fields::new(object(node, "build")?, "build");
    let mut build = Build {
        dockerfile: fields.string("dockerfile")?,
        context: fields.string("context")?,
        target: fields.string("target")?,
        ..Default::default()
    };
    if let Some(args) = fields.take("args") {
        build.args = string_map(args, "build.args", loose)?;
    }
    if let Some(cache_from) = fields.take("cacheFrom") {
        build.cache_from = string_or_list(cache_from, "build.cacheFrom")?;
    }
    build.options = fields.string_list("options")?;
    build.other = fields.rest();
    Ok(build)
}

fn mount(node: &Node, path: &str) -> Result<Mount> {
    match &node.value {
        Value::String(text) => Mount::parse(text).map_err(|message| invalid(node, path, message)),
        Value::Object(members) => {
            let mut fields = Fields::new(members, path);
            let kind = match fields.take("type") {
                Some(n) => MountKind::parse(&string(n, &join(path, "type"), "a string")?),
                None => {
                    return Err(invalid(
                        node,
                        path,
                        "the mount has no type: add \"type\": \"bind\" or \"type\": \"volume\""
                            .to_owned(),
                    ))
                }
            };
            let source = fields.string("source")?;
            let Some(target) = fields.string("target")? else {
                return Err(invalid(
                    node,
                    path,
                    "the mount has no target: add \"target\": \"/path/in/container\"".to_owned(),
                ));
            };
            let options = fields
                .rest()
                .into_iter()
                .map(|(key, value)| match value {
                    serde_json::Value::String(s) => (key, s),
                    other => (key, other.to_string()),
                })
                .collect();
            Ok(Mount {
                kind,
                source,
                target,
                read_only: false,
                options,
                written: None,
            })
        }
        _ => Err(wrong_type(
            node,
            path,
            "a string (\"type=bind,source=…,target=…\") or an object",
        )),
    }
}

fn forward_port(node: &Node, path: &str) -> Result<ForwardPort> {
    match &node.value {
        Value::Number(_) => Ok(ForwardPort::Port(port(node, path)?)),
        Value::String(text) => {
            let parsed = text.split_once(':').and_then(|(host, port)| {
                let host_ok = !host.is_empty()
                    && host
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                let port_ok =
                    (1..=5).contains(&port.len()) && port.chars().all(|c| c.is_ascii_digit());
                (host_ok && port_ok)
                    .then(|| port.parse::<u16>().ok())
                    .flatten()
                    .map(|port| ForwardPort::HostPort {
                        host: host.to_owned(),
                        port,
                    })
            });
            parsed.ok_or_else(|| {
                invalid(
                    node,
                    path,
                    format!(
                        "\"{text}\" is not a port: write a number, or \"host:port\" with a lower-case host (e.g. \"db:5432\")"
                    ),
                )
            })
        }
        _ => Err(wrong_type(
            node,
            path,
            "a port number or a \"host:port\" string",
        )),
    }
}

fn port(node: &Node, path: &str) -> Result<u16> {
    let value = integer(node, path, 0, u64::from(u16::MAX))?;
    u16::try_from(value).map_err(|_| invalid(node, path, format!("{value} is not a port")))
}

fn app_port(node: &Node, path: &str) -> Result<AppPort> {
    match &node.value {
        Value::Number(_) => Ok(AppPort::Port(port(node, path)?)),
        Value::String(text) => Ok(AppPort::Mapping(text.clone())),
        _ => Err(wrong_type(
            node,
            path,
            "a port number or a \"host:container\" string",
        )),
    }
}

fn port_attributes(node: &Node, path: &str) -> Result<PortAttributes> {
    let mut fields = Fields::new(object(node, path)?, path);
    Ok(PortAttributes {
        label: fields.string("label")?,
        protocol: fields.string("protocol")?,
        on_auto_forward: fields.string("onAutoForward")?,
        require_local_port: fields.boolean("requireLocalPort")?,
        elevate_if_needed: fields.boolean("elevateIfNeeded")?,
        other: fields.rest(),
    })
}

fn byte_size(node: &Node, path: &str) -> Result<ByteSize> {
    let text = string(node, path, "a size string such as \"8gb\"")?;
    ByteSize::parse(&text).ok_or_else(|| {
        invalid(
            node,
            path,
            format!("\"{text}\" is not a size: write digits and kb, mb, gb or tb in lower case, e.g. \"16gb\""),
        )
    })
}

fn host_requirements(node: &Node) -> Result<HostRequirements> {
    let path = "hostRequirements";
    let mut fields = Fields::new(object(node, path)?, path);
    let cpus = fields
        .take("cpus")
        .map(|n| integer(n, "hostRequirements.cpus", 1, u64::from(u32::MAX)))
        .transpose()?;
    let memory = fields
        .take("memory")
        .map(|n| byte_size(n, "hostRequirements.memory"))
        .transpose()?;
    let storage = fields
        .take("storage")
        .map(|n| byte_size(n, "hostRequirements.storage"))
        .transpose()?;
    let gpu = fields.take("gpu").map(gpu).transpose()?;
    Ok(HostRequirements {
        cpus,
        memory,
        storage,
        gpu,
        other: fields.rest(),
    })
}

fn gpu(node: &Node) -> Result<GpuRequirement> {
    let path = "hostRequirements.gpu";
    match &node.value {
        Value::Bool(true) => Ok(GpuRequirement::Required {
            cores: None,
            memory: None,
        }),
        Value::Bool(false) => Ok(GpuRequirement::NotRequired),
        Value::String(s) if s == "optional" => Ok(GpuRequirement::Optional),
        Value::String(s) => Err(invalid(
            node,
            path,
            format!("must be true, false, \"optional\" or an object, not \"{s}\""),
        )),
        Value::Object(members) => {
            let mut fields = Fields::new(members, path);
            let cores = fields
                .take("cores")
                .map(|n| integer(n, "hostRequirements.gpu.cores", 1, u64::from(u32::MAX)))
                .transpose()?;
            let memory = fields
                .take("memory")
                .map(|n| byte_size(n, "hostRequirements.gpu.memory"))
                .transpose()?;
            Ok(GpuRequirement::Required { cores, memory })
        }
        _ => Err(wrong_type(
            node,
            path,
            "true, false, \"optional\" or an object ({\"cores\": …, \"memory\": …})",
        )),
    }
}

fn lifecycle_command(node: &Node, path: &str) -> Result<LifecycleCommand> {
    match &node.value {
        Value::String(s) => Ok(LifecycleCommand::Shell(s.clone())),
        Value::Array(_) => Ok(LifecycleCommand::Exec(string_list(node, path)?)),
        Value::Object(members) => members
            .iter()
            .map(|m| {
                let step_path = join(path, &m.key);
                let step = match &m.value.value {
                    Value::String(s) => CommandStep::Shell(s.clone()),
                    Value::Array(_) => CommandStep::Exec(string_list(&m.value, &step_path)?),
                    _ => {
                        return Err(wrong_type(
                            &m.value,
                            &step_path,
                            "a string or an array of strings",
                        ))
                    }
                };
                Ok((m.key.clone(), step))
            })
            .collect::<Result<_>>()
            .map(LifecycleCommand::Parallel),
        _ => Err(wrong_type(
            node,
            path,
            "a string, an array of strings, or an object of named commands",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::jsonc;
    use super::*;

    fn read(text: &str) -> DevContainer {
        DevContainer::from_node(&jsonc::parse(text).unwrap()).unwrap()
    }

    fn error(text: &str) -> (ModelError, jsonc::Position) {
        let err = DevContainer::from_node(&jsonc::parse(text).unwrap()).unwrap_err();
        let position = jsonc::Position::at(text, err.offset());
        (err, position)
    }

    #[test]
    fn reads_image_and_build() {
        let config = read(
            r#"{"image": "ubuntu", "build": {"dockerfile": "Dockerfile", "context": "..",
                "args": {"CUDA": "12.4"}, "target": "dev", "cacheFrom": "ghcr.io/x/cache",
                "options": ["--network=host"], "future": 1}}"#,
        );
        assert_eq!(config.image.as_deref(), Some("ubuntu"));
        let build = config.build.clone().unwrap();
        assert_eq!(build.dockerfile.as_deref(), Some("Dockerfile"));
        assert_eq!(build.context.as_deref(), Some(".."));
        assert_eq!(build.args["CUDA"], "12.4");
        assert_eq!(build.target.as_deref(), Some("dev"));
        assert_eq!(build.cache_from, ["ghcr.io/x/cache"]);
        assert_eq!(build.options, ["--network=host"]);
        assert_eq!(build.other["future"], 1);
        assert_eq!(
            config.source(),
            Source::Dockerfile {
                dockerfile: "Dockerfile",
                context: Some("..")
            }
        );
    }

    #[test]
    fn cache_from_may_be_an_array() {
        let config = read(r#"{"build": {"dockerfile": "D", "cacheFrom": ["a", "b"]}}"#);
        assert_eq!(config.build.unwrap().cache_from, ["a", "b"]);
    }

    #[test]
    fn the_legacy_docker_file_wins_over_build_and_image() {
        let config = read(
            r#"{"image": "x", "dockerFile": "Dockerfile.dev", "context": "..", "build": {"target": "dev", "context": "ignored"}}"#,
        );
        assert_eq!(
            config.source(),
            Source::Dockerfile {
                dockerfile: "Dockerfile.dev",
                context: Some("..")
            }
        );
        assert_eq!(config.build.unwrap().target.as_deref(), Some("dev"));
    }

    #[test]
    fn compose_is_recognised() {
        let config = read(
            r#"{"dockerComposeFile": ["a.yml", "b.yml"], "service": "app", "runServices": ["db"]}"#,
        );
        let compose = config.compose.clone().unwrap();
        assert_eq!(compose.files, ["a.yml", "b.yml"]);
        assert_eq!(compose.service.as_deref(), Some("app"));
        assert_eq!(compose.run_services, ["db"]);
        assert!(matches!(config.source(), Source::Compose(_)));
        let config = read(r#"{"dockerComposeFile": "docker-compose.yml"}"#);
        assert_eq!(config.compose.unwrap().files, ["docker-compose.yml"]);
    }

    #[test]
    fn nothing_to_start_from_is_missing() {
        assert_eq!(read("{}").source(), Source::Missing);
    }

    #[test]
    fn a_wrong_type_names_the_path_and_the_value_position() {
        let text = "{\n  \"build\": {\n    \"args\": {\"CUDA\": [12.1]}\n  }\n}";
        let (err, at) = error(text);
        let message = err.to_string();
        assert!(message.contains("`build.args.CUDA`"), "{message}");
        assert!(message.contains("a string"), "{message}");
        assert!(message.contains("an array"), "{message}");
        assert_eq!((at.line, at.column), (3, 22));
    }

    #[test]
    fn odd_keys_are_quoted_in_paths() {
        let (err, _) = error(r#"{"features": {"ghcr.io/x/y:1": 5}}"#);
        assert!(
            err.to_string().contains(r#"`features["ghcr.io/x/y:1"]`"#),
            "{err}"
        );
        let (err, _) = error(r#"{"runArgs": ["--gpus", 1]}"#);
        assert!(err.to_string().contains("`runArgs[1]`"), "{err}");
    }

    #[test]
    fn a_root_that_is_not_an_object_is_an_error() {
        let (err, at) = error("[1]");
        assert!(err.to_string().contains("an object"), "{err}");
        assert_eq!((at.line, at.column), (1, 1));
    }

    #[test]
    fn string_mounts_are_parsed() {
        let config = read(
            r#"{"mounts": [
                "type=bind,source=/data,target=/data,readonly",
                "source=cache,target=/root/.cache,type=volume",
                "src=/a,dst=/b,type=bind,consistency=cached,ro=false",
                "type=tmpfs,destination=/tmp",
                "\"source=/a,b\",target=/c,type=bind"
            ]}"#,
        );
        let m = &config.mounts;
        assert_eq!(m[0].kind, MountKind::Bind);
        assert_eq!(m[0].source.as_deref(), Some("/data"));
        assert_eq!(m[0].target, "/data");
        assert!(m[0].read_only);
        assert_eq!(
            m[0].written.as_deref(),
            Some("type=bind,source=/data,target=/data,readonly")
        );
        assert_eq!(m[1].kind, MountKind::Volume);
        assert_eq!(m[1].source.as_deref(), Some("cache"));
        assert_eq!(m[2].target, "/b");
        assert!(!m[2].read_only);
        assert_eq!(
            m[2].options,
            [("consistency".to_owned(), "cached".to_owned())]
        );
        assert_eq!(m[3].kind, MountKind::Tmpfs);
        assert_eq!(m[3].source, None);
        assert_eq!(m[4].source.as_deref(), Some("/a,b"));
    }

    #[test]
    fn a_mount_without_type_is_a_volume() {
        let config = read(r#"{"mounts": ["source=x,target=/y"]}"#);
        assert_eq!(config.mounts[0].kind, MountKind::Volume);
    }

    #[test]
    fn object_mounts_are_read() {
        let config = read(r#"{"mounts": [{"type": "volume", "source": "v", "target": "/v"}]}"#);
        let mount = &config.mounts[0];
        assert_eq!(mount.kind, MountKind::Volume);
        assert_eq!(mount.source.as_deref(), Some("v"));
        assert_eq!(mount.target, "/v");
        assert_eq!(mount.written, None);
    }

    #[test]
    fn bad_mounts_say_why() {
        for (text, expected) in [
            (r#"{"mounts": ["source=/a,type=bind"]}"#, "no target"),
            (r#"{"mounts": ["target=/a,type=bind"]}"#, "needs a source"),
            (r#"{"mounts": ["target=/a,,type=volume"]}"#, "empty field"),
            (r#"{"mounts": ["target=/a,readonly=maybe"]}"#, "read-only"),
            (r#"{"mounts": ["\"target=/a"]}"#, "not closed"),
            (
                r#"{"mounts": [{"source": "a", "target": "/a"}]}"#,
                "no type",
            ),
            (r#"{"mounts": [5]}"#, "must be a string"),
        ] {
            let (err, _) = error(text);
            assert!(err.to_string().contains(expected), "{text}: {err}");
            assert!(err.to_string().contains("mounts[0]"), "{text}: {err}");
        }
    }

    #[test]
    fn environment_maps_are_read() {
        let config = read(
            r#"{"containerEnv": {"A": "1"}, "remoteEnv": {"PATH": "${containerEnv:PATH}:/x", "UNSET": null}}"#,
        );
        assert_eq!(config.container_env["A"], "1");
        assert_eq!(
            config.remote_env["PATH"].as_deref(),
            Some("${containerEnv:PATH}:/x")
        );
        assert_eq!(config.remote_env["UNSET"], None);
        let (err, _) = error(r#"{"containerEnv": {"A": null}}"#);
        assert!(err.to_string().contains("`containerEnv.A`"), "{err}");
        let (err, _) = error(r#"{"remoteEnv": {"A": [1]}}"#);
        assert!(err.to_string().contains("a string or null"), "{err}");
    }

    #[test]
    fn users_and_flags_are_read() {
        let config = read(
            r#"{"containerUser": "root", "remoteUser": "vscode", "updateRemoteUserUID": false,
                "overrideCommand": false, "privileged": true, "init": true,
                "capAdd": ["SYS_PTRACE"], "securityOpt": ["seccomp=unconfined"],
                "shutdownAction": "none", "userEnvProbe": "loginShell", "waitFor": "postCreateCommand",
                "workspaceFolder": "/w", "workspaceMount": "type=bind,source=/a,target=/w", "name": "n"}"#,
        );
        assert_eq!(config.container_user.as_deref(), Some("root"));
        assert_eq!(config.remote_user.as_deref(), Some("vscode"));
        assert_eq!(config.update_remote_user_uid, Some(false));
        assert_eq!(config.override_command, Some(false));
        assert_eq!(config.privileged, Some(true));
        assert_eq!(config.init, Some(true));
        assert_eq!(config.cap_add, ["SYS_PTRACE"]);
        assert_eq!(config.security_opt, ["seccomp=unconfined"]);
        assert_eq!(config.shutdown_action, Some(ShutdownAction::None));
        assert_eq!(config.user_env_probe, Some(UserEnvProbe::LoginShell));
        assert_eq!(config.wait_for, Some(LifecycleStage::PostCreate));
        assert_eq!(config.workspace_folder.as_deref(), Some("/w"));
        assert_eq!(config.name.as_deref(), Some("n"));
    }

    #[test]
    fn enums_name_their_choices() {
        let (err, _) = error(r#"{"shutdownAction": "stop"}"#);
        assert!(
            err.to_string().contains("\"stopContainer\"") && err.to_string().contains("\"stop\""),
            "{err}"
        );
        let (err, _) = error(r#"{"updateRemoteUserUID": "true"}"#);
        assert!(err.to_string().contains("true or false"), "{err}");
    }

    #[test]
    fn ports_are_read() {
        let config = read(
            r#"{"forwardPorts": [8888, "db:5432"], "appPort": [3000, "8000:8000"],
                "portsAttributes": {"8888": {"label": "Jupyter", "onAutoForward": "ignore", "x": 1}},
                "otherPortsAttributes": {"onAutoForward": "silent"}}"#,
        );
        assert_eq!(
            config.forward_ports,
            [
                ForwardPort::Port(8888),
                ForwardPort::HostPort {
                    host: "db".into(),
                    port: 5432
                }
            ]
        );
        assert_eq!(config.forward_ports[1].to_string(), "db:5432");
        assert_eq!(
            config.app_port,
            [AppPort::Port(3000), AppPort::Mapping("8000:8000".into())]
        );
        let jupyter = &config.ports_attributes["8888"];
        assert_eq!(jupyter.label.as_deref(), Some("Jupyter"));
        assert_eq!(jupyter.other["x"], 1);
        assert_eq!(
            config
                .other_ports_attributes
                .unwrap()
                .on_auto_forward
                .as_deref(),
            Some("silent")
        );
        assert_eq!(read(r#"{"appPort": 8080}"#).app_port, [AppPort::Port(8080)]);
    }

    #[test]
    fn bad_ports_say_why() {
        for (text, expected) in [
            (r#"{"forwardPorts": [70000]}"#, "from 0 to 65535"),
            (r#"{"forwardPorts": [80.5]}"#, "whole number"),
            (r#"{"forwardPorts": ["DB:5432"]}"#, "lower-case"),
            (r#"{"forwardPorts": ["db:99999"]}"#, "not a port"),
            (r#"{"forwardPorts": [true]}"#, "port number"),
        ] {
            let (err, _) = error(text);
            assert!(err.to_string().contains(expected), "{text}: {err}");
        }
    }

    #[test]
    fn host_requirements_are_read() {
        let config = read(
            r#"{"hostRequirements": {"cpus": 4, "memory": "16gb", "storage": "64gb", "gpu": "optional"}}"#,
        );
        let req = config.host_requirements.unwrap();
        assert_eq!(req.cpus, Some(4));
        assert_eq!(req.memory.unwrap().bytes, 16 << 30);
        assert_eq!(req.storage.unwrap().text, "64gb");
        assert_eq!(req.gpu, Some(GpuRequirement::Optional));
        for (gpu, expected) in [
            (
                "true",
                GpuRequirement::Required {
                    cores: None,
                    memory: None,
                },
            ),
            ("false", GpuRequirement::NotRequired),
            (
                r#"{"cores": 2, "memory": "8gb"}"#,
                GpuRequirement::Required {
                    cores: Some(2),
                    memory: ByteSize::parse("8gb"),
                },
            ),
        ] {
            let config = read(&format!(r#"{{"hostRequirements": {{"gpu": {gpu}}}}}"#));
            assert_eq!(
                config.host_requirements.unwrap().gpu,
                Some(expected),
                "{gpu}"
            );
        }
    }

    #[test]
    fn bad_host_requirements_say_why() {
        for (text, expected) in [
            (r#"{"hostRequirements": {"memory": "16GB"}}"#, "lower case"),
            (r#"{"hostRequirements": {"memory": 16}}"#, "a size string"),
            (r#"{"hostRequirements": {"cpus": 0}}"#, "from 1"),
            (r#"{"hostRequirements": {"gpu": "yes"}}"#, "\"optional\""),
            (
                r#"{"hostRequirements": {"gpu": 1}}"#,
                "hostRequirements.gpu",
            ),
        ] {
            let (err, _) = error(text);
            assert!(err.to_string().contains(expected), "{text}: {err}");
        }
    }

    #[test]
    fn byte_sizes_parse() {
        assert_eq!(ByteSize::parse("512").unwrap().bytes, 512);
        assert_eq!(ByteSize::parse("2kb").unwrap().bytes, 2048);
        assert_eq!(ByteSize::parse("1tb").unwrap().bytes, 1 << 40);
        assert!(ByteSize::parse("gb").is_none());
        assert!(ByteSize::parse("1.5gb").is_none());
        assert!(ByteSize::parse("99999999999999999999tb").is_none());
    }

    #[test]
    fn lifecycle_commands_take_three_forms() {
        let config = read(
            r#"{"initializeCommand": "echo hi", "onCreateCommand": ["pip", "install", "-r", "r.txt"],
                "postCreateCommand": {"a": "make", "b": ["ls", "-l"]},
                "updateContentCommand": "", "postStartCommand": "x", "postAttachCommand": ["y"]}"#,
        );
        let l = &config.lifecycle;
        assert_eq!(
            l.initialize,
            Some(LifecycleCommand::Shell("echo hi".into()))
        );
        assert_eq!(
            l.on_create,
            Some(LifecycleCommand::Exec(vec![
                "pip".into(),
                "install".into(),
                "-r".into(),
                "r.txt".into()
            ]))
        );
        let Some(LifecycleCommand::Parallel(steps)) = &l.post_create else {
            panic!("{:?}", l.post_create)
        };
        assert_eq!(steps["a"], CommandStep::Shell("make".into()));
        assert_eq!(
            steps["b"],
            CommandStep::Exec(vec!["ls".into(), "-l".into()])
        );
        assert!(l.get(LifecycleStage::UpdateContent).is_some());
        assert!(l.get(LifecycleStage::PostAttach).is_some());
        let (err, _) = error(r#"{"postCreateCommand": {"a": 1}}"#);
        assert!(err.to_string().contains("`postCreateCommand.a`"), "{err}");
        let (err, _) = error(r#"{"postStartCommand": 1}"#);
        assert!(
            err.to_string().contains("object of named commands"),
            "{err}"
        );
    }

    #[test]
    fn features_and_customizations_are_kept() {
        let config = read(
            r#"{"features": {"ghcr.io/devcontainers/features/rust:1": {}, "./local": "latest", "x": true},
                "customizations": {"vscode": {"extensions": ["ms-python.python"]}}}"#,
        );
        assert_eq!(config.features.len(), 3);
        assert_eq!(config.features["./local"], "latest");
        assert_eq!(
            config.customizations["vscode"]["extensions"][0],
            "ms-python.python"
        );
    }

    #[test]
    fn unknown_properties_are_kept() {
        let config = read(
            r#"{"image": "x", "extensions": ["a"], "settings": {"b": 1}, "$schema": "s", "overrideFeatureInstallOrder": []}"#,
        );
        assert_eq!(
            config.other.keys().collect::<Vec<_>>(),
            [
                "$schema",
                "extensions",
                "overrideFeatureInstallOrder",
                "settings"
            ]
        );
        assert_eq!(config.other["settings"]["b"], 1);
    }

    #[test]
    fn service_without_compose_file_is_kept_as_other() {
        let config = read(r#"{"image": "x", "service": "app"}"#);
        assert!(config.compose.is_none());
        assert_eq!(config.other["service"], "app");
    }

    mod properties {
        use super::super::super::jsonc;
        use super::super::*;
        use proptest::prelude::*;

        const KEYS: &[&str] = &[
            "name",
            "image",
            "build",
            "dockerfile",
            "context",
            "args",
            "target",
            "cacheFrom",
            "options",
            "dockerFile",
            "dockerComposeFile",
            "service",
            "runServices",
            "runArgs",
            "mounts",
            "type",
            "source",
            "containerEnv",
            "remoteEnv",
            "containerUser",
            "remoteUser",
            "updateRemoteUserUID",
            "workspaceFolder",
            "workspaceMount",
            "forwardPorts",
            "appPort",
            "portsAttributes",
            "otherPortsAttributes",
            "label",
            "onAutoForward",
            "hostRequirements",
            "cpus",
            "memory",
            "storage",
            "gpu",
            "cores",
            "initializeCommand",
            "onCreateCommand",
            "updateContentCommand",
            "postCreateCommand",
            "postStartCommand",
            "postAttachCommand",
            "features",
            "customizations",
            "shutdownAction",
            "overrideCommand",
            "privileged",
            "capAdd",
            "securityOpt",
            "init",
            "userEnvProbe",
            "waitFor",
            "other",
        ];

        fn devcontainer_ish() -> impl Strategy<Value = serde_json::Value> {
            let leaf = prop_oneof![
                Just(serde_json::Value::Null),
                any::<bool>().prop_map(serde_json::Value::Bool),
                prop_oneof![
                    Just(-1i64),
                    Just(0),
                    Just(1),
                    Just(8080),
                    Just(70000),
                    any::<i64>()
                ]
                .prop_map(|n| serde_json::json!(n)),
                Just(serde_json::json!(1.5)),
                prop_oneof![
                    Just("optional".to_owned()),
                    Just("16gb".to_owned()),
                    Just("db:5432".to_owned()),
                    Just("type=bind,source=/a,target=/b".to_owned()),
                    Just("target=/a,readonly=x".to_owned()),
                    Just("\"a,b\",target=/c".to_owned()),
                    Just("none".to_owned()),
                    "[ -~]{0,16}",
                ]
                .prop_map(serde_json::Value::String),
            ];
            leaf.prop_recursive(4, 48, 6, |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..4)
                        .prop_map(serde_json::Value::Array),
                    proptest::collection::btree_map(proptest::sample::select(KEYS), inner, 0..6)
                        .prop_map(|m| serde_json::Value::Object(
                            m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
                        )),
                ]
            })
        }

        proptest! {
            #[test]
            fn never_panics_on_devcontainer_like_values(value in devcontainer_ish()) {
                let text = serde_json::to_string_pretty(&value).unwrap();
                let node = jsonc::parse(&text).unwrap();
                match DevContainer::from_node(&node) {
                    Ok(config) => { let _ = config.source(); }
                    Err(err) => {
                        prop_assert!(err.offset() < text.len());
                        prop_assert!(!err.to_string().is_empty());
                    }
                }
            }

            #[test]
            fn mount_strings_never_panic(text in "[a-z=,\"/ ]{0,40}") {
                let _ = Mount::parse(&text);
            }
        }
    }
}
