//! From a resolved devcontainer.json to what `up` makes: where the image comes from, the
//! container (mounts, environment, users, keep-alive, shared memory, GPUs), the package
//! volume, and the hash that says when the container is out of date. The base image's
//! own `devcontainer.metadata` is merged in once the image is known.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::devcontainer::model::{
    AppPort, CommandStep, GpuRequirement, LifecycleCommand, LifecycleStage, Mount, MountKind,
};
use crate::devcontainer::{ResolvedConfig, Source};
use crate::engine::container::{ContainerSpec, MountSpec, Publish};
use crate::engine::image::ImageInfo;
use crate::engine::{BuildPlan, Builder};

use super::metadata::{self, Merged};
use super::{hash, run_args, Environment, EnvironmentError, Role};
use super::{CONFIG_FILE_LABEL, CONFIG_HASH_LABEL, LOCAL_FOLDER_LABEL, METADATA_LABEL};

/// Bump when what Berth makes from the same files changes, so containers are recreated.
const PLAN_VERSION: &str = "1";

/// The keep-alive the reference CLI gives every container (so VS Code treats a Berth
/// container as its own): wait for SIGTERM, run the image's command when asked to.
pub const KEEP_ALIVE: &str = "echo Container started\ntrap \"exit 0\" 15\n\nexec \"$@\"\nwhile sleep 1 & wait $!; do :; done";

/// Where the image comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageSource {
    /// Built from a Dockerfile (tagged as the environment's known-good image).
    Build(BuildPlan),
    /// An image by reference, pulled when missing.
    Image(String),
}

/// The named volume at the container user's `~/.local`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageVolume {
    /// Its name, as devcontainer.json writes it.
    pub name: String,
    /// Where it is mounted.
    pub target: String,
}

/// What the configuration says about GPUs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GpuRequest {
    /// No GPU.
    None,
    /// Use GPUs when the engine can give them.
    Optional,
    /// Fail without GPUs.
    Required,
}

/// One lifecycle command with where it came from (`devcontainer.json` or an image).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Where it was written.
    pub origin: String,
    /// The command.
    pub command: LifecycleCommand,
}

/// Everything `up` makes for one project.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The environment.
    pub environment: Environment,
    /// The configuration it comes from.
    pub resolved: ResolvedConfig,
    /// Where the image comes from.
    pub source: ImageSource,
    /// The workspace folder in the container.
    pub workspace_folder: String,
    /// The package volume, when devcontainer.json mounts one at a `~/.local`.
    pub package_volume: Option<PackageVolume>,
    /// GPUs.
    pub gpu: GpuRequest,
    /// What the container was made from; a different hash means recreate.
    pub hash: String,
    /// What Berth reads but cannot act on, and other notes.
    pub warnings: Vec<String>,
}

/// The settings of the container once the image's own metadata is merged in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effective {
    /// The container to create (image filled in).
    pub container: ContainerSpec,
    /// The user lifecycle commands and `exec` run as.
    pub remote_user: Option<String>,
    /// `remoteEnv`, unsubstituted `${containerEnv:…}` left for the container side.
    pub remote_env: BTreeMap<String, Option<String>>,
    /// Lifecycle commands per stage, in run order (image entries first).
    pub lifecycle: BTreeMap<LifecycleStage, Vec<Step>>,
    /// Change the remote user's UID/GID to the host user's.
    pub update_remote_user_uid: bool,
    /// How to read the user's environment (`userEnvProbe`).
    pub user_env_probe: String,
    /// Warnings from reading `runArgs`.
    pub warnings: Vec<String>,
}

impl Plan {
    /// The plan for `resolved`.
    ///
    /// # Errors
    ///
    /// The configuration cannot be started (Docker Compose, no image), or a Dockerfile
    /// named by it cannot be read.
    pub fn new(resolved: &ResolvedConfig) -> Result<Self, EnvironmentError> {
        resolved.ensure_supported()?;
        let environment = Environment::of(resolved);
        let config = &resolved.config;
        let mut hashed: Vec<Vec<u8>> = vec![
            PLAN_VERSION.as_bytes().to_vec(),
            std::fs::read(&resolved.config_file).unwrap_or_default(),
        ];
        let source = match (config.source(), &resolved.dockerfile_build) {
            (Source::Dockerfile { .. }, Some(dockerfile)) => {
                let text = std::fs::read(&dockerfile.dockerfile).map_err(|err| {
                    EnvironmentError::Invalid(format!(
                        "failed to read the Dockerfile '{}' named by '{}': {err}; check `build.dockerfile`",
                        dockerfile.dockerfile.display(),
                        resolved.config_file.display()
                    ))
                })?;
                hashed.push(text);
                let build = config.build.clone().unwrap_or_default();
                let mut plan = BuildPlan {
                    context: dockerfile.context.clone(),
                    dockerfile: dockerfile.dockerfile.clone(),
                    tag: environment.image(),
                    args: build.args.clone(),
                    target: build.target.clone(),
                    labels: environment.labels(Role::Image),
                    cache_from: build.cache_from.clone(),
                    builder: Builder::Auto,
                    ..BuildPlan::default()
                };
                let mut warnings = Vec::new();
                build_options(&build.options, &mut plan, &mut warnings);
                hashed.push(format!("{:?}", build).into_bytes());
                ImageSource::Build(plan)
            }
            (Source::Image(image), _) => {
                hashed.push(image.as_bytes().to_vec());
                ImageSource::Image(image.to_owned())
            }
            _ => unreachable!("ensure_supported refuses the rest"),
        };
        let package_volume = config.mounts.iter().find_map(|mount| match mount {
            Mount {
                kind: MountKind::Volume,
                source: Some(name),
                target,
                ..
            } if target.trim_end_matches('/').ends_with("/.local") && !name.is_empty() => {
                Some(PackageVolume {
                    name: name.clone(),
                    target: target.clone(),
                })
            }
            _ => None,
        });
        let gpu = match config
            .host_requirements
            .as_ref()
            .and_then(|h| h.gpu.as_ref())
        {
            Some(GpuRequirement::Required { .. }) => GpuRequest::Required,
            Some(GpuRequirement::Optional) => GpuRequest::Optional,
            Some(GpuRequirement::NotRequired) | None => GpuRequest::None,
        };
        let mut warnings: Vec<String> = resolved
            .warnings
            .iter()
            .map(|w| format!("{}: {}", w.property, w.message))
            .collect();
        if let ImageSource::Build(plan) = &source {
            build_options(
                &config.build.clone().unwrap_or_default().options,
                &mut plan.clone(),
                &mut warnings,
            );
        }
        let parts: Vec<&[u8]> = hashed.iter().map(Vec::as_slice).collect();
        Ok(Self {
            environment,
            resolved: resolved.clone(),
            source,
            workspace_folder: resolved.workspace.folder.clone(),
            package_volume,
            gpu,
            hash: hash(&parts),
            warnings,
        })
    }

    /// The image the container will run, before any UID change.
    pub fn image_reference(&self) -> String {
        match &self.source {
            ImageSource::Build(plan) => plan.tag.clone(),
            ImageSource::Image(image) => image.clone(),
        }
    }

    /// The devcontainer.json entry of the metadata label.
    pub fn config_entry(&self) -> Map<String, Value> {
        metadata::config_entry(&self.resolved.raw)
    }

    /// The container for `image` (its metadata merged in), with GPUs when `gpus`.
    ///
    /// # Errors
    ///
    /// A mount Berth cannot make.
    pub fn effective(&self, image: &ImageInfo, gpus: bool) -> Result<Effective, EnvironmentError> {
        let config = &self.resolved.config;
        let mut entries =
            metadata::entries_of(image.labels.get(METADATA_LABEL).map(String::as_str));
        let image_entries = entries.clone();
        entries.push(self.config_entry());
        let from_image = metadata::merge(&image_entries);

        let mut labels = self.environment.labels(Role::Container);
        labels.insert(
            LOCAL_FOLDER_LABEL.to_owned(),
            self.environment.local_folder.to_string_lossy().into_owned(),
        );
        labels.insert(
            CONFIG_FILE_LABEL.to_owned(),
            self.environment.config_file.to_string_lossy().into_owned(),
        );
        labels.insert(METADATA_LABEL.to_owned(), metadata::label(&entries));
        labels.insert(CONFIG_HASH_LABEL.to_owned(), self.hash.clone());

        let mut env = from_image.container_env.clone();
        env.extend(config.container_env.clone());

        let mut mounts = Vec::new();
        if let Some(workspace) = &self.resolved.workspace.mount {
            let mount = Mount::parse(workspace).map_err(|message| {
                EnvironmentError::Invalid(format!("`workspaceMount` '{workspace}': {message}"))
            })?;
            mounts.push(mount_spec(&mount).map_err(|m| {
                EnvironmentError::Invalid(format!("`workspaceMount` '{workspace}': {m}"))
            })?);
        }
        let image_mounts = from_image
            .mounts
            .iter()
            .filter_map(|value| value.as_str().and_then(|text| Mount::parse(text).ok()));
        for mount in image_mounts.chain(config.mounts.iter().cloned()) {
            let spec = mount_spec(&mount).map_err(|message| {
                EnvironmentError::Invalid(format!(
                    "a mount in '{}' ({}): {message}",
                    self.environment.config_file.display(),
                    mount.written.as_deref().unwrap_or(&mount.target)
                ))
            })?;
            mounts.retain(|m: &MountSpec| m.target() != spec.target());
            mounts.push(spec);
        }

        let override_command = config
            .override_command
            .or(from_image.override_command)
            .unwrap_or(true);
        let mut cmd = vec!["-c".to_owned(), KEEP_ALIVE.to_owned(), "-".to_owned()];
        if !override_command {
            cmd.extend(image.entrypoint.iter().cloned());
            cmd.extend(image.cmd.iter().cloned());
        }
        let mut container = ContainerSpec {
            name: Some(self.environment.container_name()),
            image: image.id.clone(),
            labels,
            env,
            user: config
                .container_user
                .clone()
                .or(from_image.container_user.clone()),
            entrypoint: Some(vec!["/bin/sh".to_owned()]),
            cmd: Some(cmd),
            mounts,
            shm_size: Some(default_shm_size()),
            init: config.init.unwrap_or(false) || from_image.init,
            privileged: config.privileged.unwrap_or(false) || from_image.privileged,
            cap_add: union(&from_image.cap_add, &config.cap_add),
            security_opt: union(&from_image.security_opt, &config.security_opt),
            publish: config
                .app_port
                .iter()
                .filter_map(|port| match port {
                    AppPort::Port(port) => Some(Publish {
                        host_ip: "127.0.0.1".to_owned(),
                        host_port: port.to_string(),
                        container_port: format!("{port}/tcp"),
                    }),
                    AppPort::Mapping(_) => None,
                })
                .collect(),
            ..ContainerSpec::default()
        };
        let mut app_port_args = Vec::new();
        for port in &config.app_port {
            if let AppPort::Mapping(mapping) = port {
                app_port_args.extend(["-p".to_owned(), mapping.clone()]);
            }
        }
        let mut warnings = run_args::apply(&app_port_args, &mut container).warnings;
        let read = run_args::apply(&config.run_args, &mut container);
        warnings.extend(read.warnings);
        container.gpus = gpus && (self.gpu != GpuRequest::None || read.gpus);

        let mut remote_env = from_image.remote_env.clone();
        remote_env.extend(config.remote_env.clone());

        Ok(Effective {
            remote_user: config
                .remote_user
                .clone()
                .or(from_image.remote_user.clone())
                .or_else(|| container.user.clone()),
            container,
            remote_env,
            lifecycle: lifecycle(&from_image, config),
            update_remote_user_uid: config
                .update_remote_user_uid
                .or(from_image.update_remote_user_uid)
                .unwrap_or(true),
            user_env_probe: config
                .user_env_probe
                .map(|p| p.as_str().to_owned())
                .or(from_image.user_env_probe.clone())
                .unwrap_or_else(|| "loginInteractiveShell".to_owned()),
            warnings,
        })
    }

    /// Whether runArgs ask for GPUs (`--gpus`), besides `hostRequirements.gpu`.
    pub fn run_args_want_gpus(&self) -> bool {
        run_args::apply(
            &self.resolved.config.run_args,
            &mut ContainerSpec::default(),
        )
        .gpus
    }
}

/// `a` then what `b` adds.
fn union(a: &[String], b: &[String]) -> Vec<String> {
    let mut out = a.to_vec();
    for item in b {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    out
}

/// The lifecycle commands of the image's metadata, then devcontainer.json's.
fn lifecycle(
    from_image: &Merged,
    config: &crate::devcontainer::DevContainer,
) -> BTreeMap<LifecycleStage, Vec<Step>> {
    let mut out: BTreeMap<LifecycleStage, Vec<Step>> = BTreeMap::new();
    for stage in LifecycleStage::ALL {
        let mut steps = Vec::new();
        for (origin, value) in from_image
            .lifecycle
            .get(stage.property())
            .into_iter()
            .flatten()
        {
            if let Some(command) = command_of(value) {
                steps.push(Step {
                    origin: origin.clone(),
                    command,
                });
            }
        }
        if let Some(command) = config.lifecycle.get(stage) {
            steps.push(Step {
                origin: "devcontainer.json".to_owned(),
                command: command.clone(),
            });
        }
        if !steps.is_empty() {
            out.insert(stage, steps);
        }
    }
    out
}

/// A lifecycle command from an image's metadata (JSON).
fn command_of(value: &Value) -> Option<LifecycleCommand> {
    let step = |value: &Value| match value {
        Value::String(s) => Some(CommandStep::Shell(s.clone())),
        Value::Array(items) => Some(CommandStep::Exec(
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
        )),
        _ => None,
    };
    match value {
        Value::String(s) => Some(LifecycleCommand::Shell(s.clone())),
        Value::Array(_) => match step(value)? {
            CommandStep::Exec(args) => Some(LifecycleCommand::Exec(args)),
            CommandStep::Shell(s) => Some(LifecycleCommand::Shell(s)),
        },
        Value::Object(map) => Some(LifecycleCommand::Parallel(
            map.iter()
                .filter_map(|(name, v)| step(v).map(|s| (name.clone(), s)))
                .collect(),
        )),
        _ => None,
    }
}

/// A devcontainer.json mount as the engine takes it.
///
/// # Errors
///
/// A type the engine cannot mount this way.
pub fn mount_spec(mount: &Mount) -> Result<MountSpec, String> {
    match &mount.kind {
        MountKind::Bind => Ok(MountSpec::Bind {
            source: mount.source.clone().unwrap_or_default(),
            target: mount.target.clone(),
            read_only: mount.read_only,
        }),
        MountKind::Volume => Ok(MountSpec::Volume {
            name: mount.source.clone().filter(|s| !s.is_empty()),
            target: mount.target.clone(),
            read_only: mount.read_only,
        }),
        MountKind::Tmpfs => Ok(MountSpec::Tmpfs {
            target: mount.target.clone(),
        }),
        MountKind::Other(kind) => Err(format!(
            "mounts of type '{kind}' are not supported by Berth; use bind, volume or tmpfs"
        )),
    }
}

/// `build.options` that change a build (`--network`, `--no-cache`, `--pull`,
/// `--memory`); others are reported.
fn build_options(options: &[String], plan: &mut BuildPlan, warnings: &mut Vec<String>) {
    let mut iter = options.iter().peekable();
    while let Some(option) = iter.next() {
        let (flag, inline) = match option.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (option.as_str(), None),
        };
        let mut value = || inline.clone().or_else(|| iter.next().cloned());
        match flag {
            "--no-cache" => plan.no_cache = true,
            "--pull" => plan.pull = true,
            "--network" => plan.network = value(),
            "--memory" | "-m" => {
                if let Some(bytes) = value().and_then(|v| run_args::parse_bytes(&v).ok()) {
                    plan.memory = Some(bytes);
                }
            }
            _ => warnings.push(format!(
                "build.options: '{option}' is not passed to the engine by Berth; ignored"
            )),
        }
    }
}

/// `/dev/shm` for PyTorch's data loaders: half the machine's memory, at most 8 GiB, at
/// least 1 GiB (Docker's 64 MB default makes multi-worker loaders fail with a bus error).
fn default_shm_size() -> i64 {
    const GIB: i64 = 1 << 30;
    let total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|line| line.strip_prefix("MemTotal:"))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|kib| kib.parse::<i64>().ok())
        })
        .map_or(4 * GIB, |kib| kib * 1024);
    (total / 2).clamp(GIB, 8 * GIB)
}
