//! From a resolved devcontainer.json to what `up` makes: where the image comes from, the
//! container (mounts, environment, users, keep-alive, shared memory, GPUs), the package
//! volume, and the hash that says when the container is out of date. The base image's
//! own `devcontainer.metadata` is merged in once the image is known.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::devcontainer::model::{
    AppPort, CommandStep, GpuRequirement, LifecycleCommand, LifecycleStage, Mount, MountKind,
};
use crate::devcontainer::substitute::{self, Variables};
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
    /// A Docker Compose project: Compose builds or pulls the service's image.
    Compose,
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
    /// Whether devcontainer.json lists Features (installed on top of the base image).
    pub features: bool,
    /// `overrideFeatureInstallOrder`.
    pub feature_install_order: Vec<String>,
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
    /// `overrideCommand` where devcontainer.json or an image says it (Compose's default
    /// is false, the others' true).
    pub override_command: Option<bool>,
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
        let mut warnings: Vec<String> = resolved
            .warnings
            .iter()
            .map(|w| format!("{}: {}", w.property, w.message))
            .collect();
        let features = !config.features.is_empty();
        let feature_install_order: Vec<String> = config
            .other
            .get("overrideFeatureInstallOrder")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        // Local Features are part of the project: a changed one makes a new container.
        let config_dir = resolved
            .config_file
            .parent()
            .unwrap_or(&resolved.local_folder);
        for key in config.features.keys() {
            if key.starts_with("./") || key.starts_with("../") {
                hashed.push(crate::feature::folder_digest(&config_dir.join(key)));
            }
        }
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
                    // With Features, the Dockerfile's image is the base of the Features
                    // stage, which gets the known-good tag.
                    tag: if features {
                        environment.base_image()
                    } else {
                        environment.image()
                    },
                    args: build.args.clone(),
                    target: build.target.clone(),
                    labels: environment.labels(Role::Image),
                    cache_from: build.cache_from.clone(),
                    builder: Builder::Auto,
                    ..BuildPlan::default()
                };
                build_options(&build.options, &mut plan, &mut warnings);
                hashed.push(format!("{build:?}").into_bytes());
                ImageSource::Build(plan)
            }
            (Source::Image(image), _) => {
                hashed.push(image.as_bytes().to_vec());
                ImageSource::Image(image.to_owned())
            }
            (Source::Compose(compose), _) => {
                // Every compose file is part of what the container is made from.
                let config_dir = resolved
                    .config_file
                    .parent()
                    .unwrap_or(&resolved.local_folder);
                for file in &compose.files {
                    hashed.push(std::fs::read(config_dir.join(file)).unwrap_or_default());
                }
                ImageSource::Compose
            }
            _ => unreachable!("ensure_supported refuses the rest"),
        };
        // A changed requirements file makes a new container, whose post-create step
        // installs what changed into the package volume (what is there stays).
        if let Some(requirements) = super::freeze::requirements_file(&resolved.local_folder) {
            hashed.push(std::fs::read(requirements).unwrap_or_default());
        }
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
            features,
            feature_install_order,
        })
    }

    /// The image the container will run, before any UID change.
    pub fn image_reference(&self) -> String {
        match &self.source {
            _ if self.features => self.environment.image(),
            ImageSource::Build(plan) => plan.tag.clone(),
            ImageSource::Image(image) => image.clone(),
            // The service's image is known once Compose has read its files.
            ImageSource::Compose => self.environment.image(),
        }
    }

    /// The known-good tag Berth moves on each successful build, when Berth builds one.
    pub fn known_good(&self) -> Option<String> {
        match &self.source {
            ImageSource::Image(_) | ImageSource::Compose if !self.features => None,
            _ => Some(self.environment.image()),
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
        // Features' and images' mounts may name `${devcontainerId}` and the workspace.
        let vars = Variables {
            local_workspace_folder: Some(
                self.environment.local_folder.to_string_lossy().into_owned(),
            ),
            container_workspace_folder: Some(self.workspace_folder.clone()),
            devcontainer_id: Some(self.environment.id.clone()),
            ..Variables::from_process_env()
        };
        let image_mounts = from_image
            .mounts
            .iter()
            .filter_map(|value| metadata_mount(value, &vars));
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

        let explicit_override = config.override_command.or(from_image.override_command);
        let override_command = explicit_override.unwrap_or(true);
        let script = if from_image.entrypoints.is_empty() {
            KEEP_ALIVE.to_owned()
        } else {
            KEEP_ALIVE.replacen(
                "\n\nexec",
                &format!("\n{}\nexec", from_image.entrypoints.join("\n")),
                1,
            )
        };
        let mut cmd = vec!["-c".to_owned(), script, "-".to_owned()];
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
            override_command: explicit_override,
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

/// A mount of an image's (or a Feature's) metadata, string or object form, its
/// variables substituted.
fn metadata_mount(value: &Value, vars: &Variables) -> Option<Mount> {
    let text = match value {
        Value::String(text) => text.clone(),
        Value::Object(map) => {
            let field = |key: &str| map.get(key).and_then(Value::as_str);
            let mut text = format!("type={}", field("type")?);
            if let Some(source) = field("source").filter(|s| !s.is_empty()) {
                text.push_str(&format!(",source={source}"));
            }
            text.push_str(&format!(",target={}", field("target")?));
            text
        }
        _ => return None,
    };
    let text = substitute::substitute(&text, vars).unwrap_or(text);
    Mount::parse(&text).ok()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devcontainer::{load, LoadOptions};
    use crate::engine::image::ImageInfo;

    fn plan(config: &str) -> (tempfile::TempDir, Plan) {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("thesis");
        std::fs::create_dir_all(project.join(".devcontainer")).unwrap();
        std::fs::write(project.join(".devcontainer/devcontainer.json"), config).unwrap();
        std::fs::write(project.join(".devcontainer/Dockerfile"), "FROM x\n").unwrap();
        let options = LoadOptions {
            mount_git_root: false,
            ..LoadOptions::default()
        };
        let resolved = load(&project, &options).unwrap();
        (dir, Plan::new(&resolved).unwrap())
    }

    fn image(labels: &[(&str, &str)]) -> ImageInfo {
        ImageInfo {
            id: "sha256:abc".into(),
            tags: vec!["base:1".into()],
            size: 0,
            created: String::new(),
            labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            user: String::new(),
            env: Vec::new(),
            entrypoint: vec!["/entry".into()],
            cmd: vec!["serve".into()],
        }
    }

    #[test]
    fn the_container_gets_the_workspace_first_then_the_mounts_and_the_keep_alive() {
        let (_dir, plan) = plan(
            r#"{"image": "base:1", "remoteUser": "dev",
                "mounts": ["source=pkgs,target=/home/dev/.local,type=volume", "type=tmpfs,target=/t"],
                "containerEnv": {"A": "1"}, "runArgs": ["--shm-size=1g", "--cap-add=SYS_PTRACE"]}"#,
        );
        assert_eq!(
            plan.package_volume,
            Some(PackageVolume {
                name: "pkgs".into(),
                target: "/home/dev/.local".into()
            })
        );
        let effective = plan.effective(&image(&[]), false).unwrap();
        let container = &effective.container;
        let targets: Vec<&str> = container.mounts.iter().map(MountSpec::target).collect();
        assert_eq!(targets, ["/workspaces/thesis", "/home/dev/.local", "/t"]);
        assert_eq!(container.env["A"], "1");
        assert_eq!(
            container.entrypoint.as_deref(),
            Some(&["/bin/sh".to_owned()][..])
        );
        assert_eq!(container.cmd.as_ref().unwrap()[1], KEEP_ALIVE);
        assert_eq!(
            container.shm_size,
            Some(1 << 30),
            "runArgs win over the default"
        );
        assert_eq!(container.cap_add, ["SYS_PTRACE"]);
        assert_eq!(
            container.name.as_deref(),
            Some(plan.environment.container_name().as_str())
        );
        for label in [
            LOCAL_FOLDER_LABEL,
            CONFIG_FILE_LABEL,
            METADATA_LABEL,
            CONFIG_HASH_LABEL,
        ] {
            assert!(container.labels.contains_key(label), "{label}");
        }
        assert_eq!(effective.remote_user.as_deref(), Some("dev"));
        assert!(!container.gpus);
    }

    #[test]
    fn image_metadata_fills_in_what_the_config_leaves_out() {
        let (_dir, plan) = plan(r#"{"image": "base:1", "postCreateCommand": "config-step"}"#);
        let metadata = r#"[{"remoteUser": "vscode", "postCreateCommand": "image-step", "containerEnv": {"FROM_IMAGE": "1"}}]"#;
        let effective = plan
            .effective(&image(&[(METADATA_LABEL, metadata)]), false)
            .unwrap();
        assert_eq!(effective.remote_user.as_deref(), Some("vscode"));
        assert_eq!(effective.container.env["FROM_IMAGE"], "1");
        let steps: Vec<&LifecycleCommand> = effective.lifecycle[&LifecycleStage::PostCreate]
            .iter()
            .map(|s| &s.command)
            .collect();
        assert_eq!(
            steps,
            [
                &LifecycleCommand::Shell("image-step".into()),
                &LifecycleCommand::Shell("config-step".into())
            ],
            "the image's command first"
        );
        let label: serde_json::Value =
            serde_json::from_str(&effective.container.labels[METADATA_LABEL]).unwrap();
        assert_eq!(label[0]["remoteUser"], "vscode", "the image's entry first");
        assert_eq!(label[1]["postCreateCommand"], "config-step");
    }

    #[test]
    fn override_command_false_runs_the_images_own_command() {
        let (_dir, plan) = plan(r#"{"image": "base:1", "overrideCommand": false}"#);
        let effective = plan.effective(&image(&[]), false).unwrap();
        let cmd = effective.container.cmd.unwrap();
        assert_eq!(cmd[3..], ["/entry".to_owned(), "serve".to_owned()]);
    }

    #[test]
    fn gpus_are_requested_only_when_asked_for_and_available() {
        let (_dir, optional) =
            plan(r#"{"image": "base:1", "hostRequirements": {"gpu": "optional"}}"#);
        assert_eq!(optional.gpu, GpuRequest::Optional);
        assert!(
            optional
                .effective(&image(&[]), true)
                .unwrap()
                .container
                .gpus
        );
        assert!(
            !optional
                .effective(&image(&[]), false)
                .unwrap()
                .container
                .gpus
        );
        let (_dir, none) = plan(r#"{"image": "base:1"}"#);
        assert!(!none.effective(&image(&[]), true).unwrap().container.gpus);
        let (_dir, run_args) = plan(r#"{"image": "base:1", "runArgs": ["--gpus", "all"]}"#);
        assert!(run_args.run_args_want_gpus());
        assert!(
            run_args
                .effective(&image(&[]), true)
                .unwrap()
                .container
                .gpus
        );
    }

    #[test]
    fn the_hash_changes_with_the_dockerfile_and_not_without() {
        let (dir, first) = plan(r#"{"build": {"dockerfile": "Dockerfile"}}"#);
        let project = dir.path().join("thesis");
        let options = LoadOptions {
            mount_git_root: false,
            ..LoadOptions::default()
        };
        let again = Plan::new(&load(&project, &options).unwrap()).unwrap();
        assert_eq!(first.hash, again.hash);
        std::fs::write(project.join(".devcontainer/Dockerfile"), "FROM y\n").unwrap();
        let changed = Plan::new(&load(&project, &options).unwrap()).unwrap();
        assert_ne!(first.hash, changed.hash);
        let ImageSource::Build(build) = &changed.source else {
            panic!("not a build")
        };
        assert_eq!(build.tag, changed.environment.image());
    }

    #[test]
    fn build_options_reach_the_build_and_the_rest_are_reported() {
        let (_dir, plan) = plan(
            r#"{"build": {"dockerfile": "Dockerfile", "options": ["--network=host", "--memory", "2g", "--squash"]}}"#,
        );
        let ImageSource::Build(build) = &plan.source else {
            panic!("not a build")
        };
        assert_eq!(build.network.as_deref(), Some("host"));
        assert_eq!(build.memory, Some(2 << 30));
        assert!(
            plan.warnings.iter().any(|w| w.contains("--squash")),
            "{:?}",
            plan.warnings
        );
    }
}
