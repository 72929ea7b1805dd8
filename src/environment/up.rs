//! `up`: make the environment run, doing only what is needed. A running, current
//! container returns at once (one listing, one image lookup, one file check); a stopped
//! one starts; a changed devcontainer.json or Dockerfile (a different config hash) or a
//! newer known-good image rebuilds and recreates it, keeping the volumes. A failed build
//! leaves the old image and container as they were.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::devcontainer::model::LifecycleStage;
use crate::devcontainer::{self, LoadOptions};
use crate::engine::container::{self, ContainerState, ContainerSummary};
use crate::engine::image;
use crate::engine::progress::{Cancel, Event, Outcome, Phase, Progress};
use crate::engine::{build, volume, Engine};
use crate::feature::registry::Credentials as _;

use super::lifecycle;
use super::plan::Step;
use super::plan::{Effective, GpuRequest, ImageSource, Plan};
use super::{engine_error, uid, Environment, EnvironmentError, Role, CONFIG_HASH_LABEL};

/// The label holding the known-good image id a container was made from.
pub const IMAGE_ID_LABEL: &str = "dev.berth.image-id";

/// The label holding the hash of everything a build read (see [`build_inputs`]).
pub const BUILD_INPUTS_LABEL: &str = "dev.berth.build-inputs";

/// A hash of what a build reads: the Dockerfile, its arguments, and each file of the
/// context by name, size, mode and modification time (the walk `.dockerignore` allows,
/// no file read). `None` when the context cannot be walked (the build will say why).
fn build_inputs(plan: &crate::engine::BuildPlan) -> Option<String> {
    let context = crate::engine::context::Context::collect(&plan.context, &plan.dockerfile).ok()?;
    let mut parts: Vec<Vec<u8>> = vec![
        std::fs::read(&plan.dockerfile).ok()?,
        format!(
            "{:?}",
            (
                &plan.args,
                &plan.target,
                &plan.network,
                &plan.memory,
                &plan.cache_from,
                &plan.pull
            )
        )
        .into_bytes(),
    ];
    for entry in &context.entries {
        let meta = std::fs::symlink_metadata(&entry.source).ok()?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        #[cfg(unix)]
        let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions());
        #[cfg(not(unix))]
        let mode = u32::from(meta.permissions().readonly());
        parts.push(format!("{}\0{}\0{mode}\0{modified}", entry.name, meta.len()).into_bytes());
    }
    let slices: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    Some(super::hash(&slices))
}

/// How `up` may go about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpOptions {
    /// Rebuild the image and recreate the container even when nothing changed.
    pub rebuild: bool,
    /// Build without the cache (implies `rebuild`).
    pub no_cache: bool,
    /// Do not build: run the environment's known-good image as it is (a rollback).
    pub no_build: bool,
}

/// What `up` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpAction {
    /// The container was running and current: nothing to do.
    AlreadyRunning,
    /// The container was stopped and was started.
    Started,
    /// There was no container: one was created.
    Created,
    /// The container was out of date: it was replaced, its volumes kept.
    Recreated,
}

impl UpAction {
    /// The word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AlreadyRunning => "already-running",
            Self::Started => "started",
            Self::Created => "created",
            Self::Recreated => "recreated",
        }
    }
}

/// A running environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upped {
    /// What `up` did.
    pub action: UpAction,
    /// The container's id.
    pub container_id: String,
    /// The container's name.
    pub container_name: String,
    /// The image it runs.
    pub image: String,
    /// The user tools run as.
    pub remote_user: Option<String>,
    /// The workspace folder in the container.
    pub workspace_folder: String,
    /// The lifecycle commands that ran, in order.
    pub ran: Vec<String>,
    /// Things a person should know.
    pub warnings: Vec<String>,
}

/// Where Berth notes that a container's lifecycle commands all ran.
fn done_file(container_id: &str) -> Option<PathBuf> {
    Some(state_dir()?.join(format!("{container_id}.up")))
}

/// Where Berth keeps what it notes between runs: `BERTH_STATE_DIR`, else the user's
/// local data folder.
pub(super) fn state_dir() -> Option<PathBuf> {
    match std::env::var_os("BERTH_STATE_DIR") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => Some(
            directories::BaseDirs::new()?
                .data_local_dir()
                .join(crate::APP_IDENTIFIER)
                .join("state"),
        ),
    }
}

/// Note that every lifecycle command ran for `container_id` (a failure costs a re-check
/// of the markers at the next `up`, nothing more).
fn mark_done(container_id: &str) {
    if let Some(path) = done_file(container_id) {
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, b""));
        if let Err(err) = written {
            tracing::debug!(path = %path.display(), %err, "could not note a finished up");
        }
    }
}

/// Forget `container_id` (it was removed).
pub(crate) fn forget(container_id: &str) {
    if let Some(path) = done_file(container_id) {
        let _ = std::fs::remove_file(path);
    }
}

fn is_done(container_id: &str) -> bool {
    done_file(container_id).is_some_and(|path| path.exists())
}

/// Bring up the environment of `target` (a project folder or a devcontainer.json).
///
/// # Errors
///
/// [`EnvironmentError`]: the configuration, the build (the old environment is kept), the
/// engine, a GPU that cannot be had, a lifecycle command.
pub async fn up(
    engine: &Engine,
    target: &Path,
    load: &LoadOptions,
    options: &UpOptions,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Outcome<Upped>, EnvironmentError> {
    let resolved = devcontainer::load(target, load)?;
    let plan = Plan::new(&resolved)?;
    let environment = &plan.environment;
    let folder = environment.local_folder.clone();
    let rebuild = options.rebuild || options.no_cache;
    let existing = environment.container(engine).await?;

    let current = match &existing {
        Some(found) => !rebuild && is_current(engine, &plan, found).await?,
        None => false,
    };
    if let Some(found) = &existing {
        if current {
            if found.state == ContainerState::Running && is_done(&found.id) {
                let recorded = super::metadata::merge(&super::metadata::entries_of(
                    found.labels.get(super::METADATA_LABEL).map(String::as_str),
                ));
                let user = recorded.remote_user.or(recorded.container_user);
                return Ok(Outcome::Done(upped(
                    UpAction::AlreadyRunning,
                    found,
                    &plan,
                    user,
                    Vec::new(),
                )));
            }
            if !matches!(plan.source, ImageSource::Compose) {
                return start_existing(engine, &plan, found, progress, cancel).await;
            }
        }
    }

    // Create (or recreate): run initializeCommand on the host first, as the spec says.
    if let Some(command) = plan
        .resolved
        .config
        .lifecycle
        .get(LifecycleStage::Initialize)
    {
        if !current {
            initialize(command, &folder, progress).await?;
        }
    }
    if matches!(plan.source, ImageSource::Compose) {
        let existing = existing.as_ref().map(|found| (found, current));
        return super::compose::up(engine, &plan, options, existing, progress, cancel).await;
    }
    let Outcome::Done(reference) =
        ensure_image(engine, &plan, options, existing.is_some(), progress, cancel).await?
    else {
        return Ok(Outcome::Cancelled);
    };
    let image = image::inspect(engine, &reference)
        .await
        .map_err(engine_error(&folder, "inspect the image"))?
        .ok_or_else(|| {
            EnvironmentError::Invalid(format!(
                "the image '{reference}' disappeared right after it was made; run `berth up` again"
            ))
        })?;

    let wants_gpu = plan.gpu != GpuRequest::None || plan.run_args_want_gpus();
    let mut warnings = plan.warnings.clone();
    let gpus = gpus_for(engine, &plan, wants_gpu, &mut warnings).await?;
    let mut effective = plan.effective(&image, gpus)?;
    warnings.extend(effective.warnings.clone());

    // Named by its tag where it has one, so `docker ps` says what runs.
    let run_image = if effective.update_remote_user_uid {
        let Outcome::Done(id) = uid::ensure(
            engine,
            environment,
            &reference,
            &image,
            effective.remote_user.as_deref(),
            progress,
            cancel,
        )
        .await?
        else {
            return Ok(Outcome::Cancelled);
        };
        id
    } else {
        reference.clone()
    };
    effective.container.image = run_image;
    effective
        .container
        .labels
        .insert(IMAGE_ID_LABEL.to_owned(), image.id.clone());

    if let Some(packages) = &plan.package_volume {
        ensure_package_volume(engine, environment, &packages.name).await?;
    }
    // The other named volumes: made with Berth's label (so `rm` takes them) unless they
    // exist, in which case they are used as they are and never deleted by Berth.
    for mount in &effective.container.mounts {
        let container::MountSpec::Volume {
            name: Some(name), ..
        } = mount
        else {
            continue;
        };
        if plan
            .package_volume
            .as_ref()
            .is_some_and(|p| &p.name == name)
        {
            continue;
        }
        let exists = volume::inspect(engine, name)
            .await
            .map_err(engine_error(&folder, "look up a volume"))?
            .is_some();
        if !exists {
            volume::create(engine, name, &environment.labels(Role::Volume))
                .await
                .map_err(engine_error(&folder, "create a volume"))?;
        }
    }
    for mount in &effective.container.mounts {
        if let container::MountSpec::Bind { source, .. } = mount {
            if !Path::new(source).exists() {
                return Err(EnvironmentError::Invalid(format!(
                    "the bind mount source '{source}' does not exist on this machine: create it, or fix the mount in '{}'",
                    environment.config_file.display()
                )));
            }
        }
    }
    if cancel.is_cancelled() {
        return Ok(Outcome::Cancelled);
    }

    // The new image is ready: only now does the old container go (its volumes stay).
    let action = match &existing {
        Some(old) => {
            progress.event(Event::Phase {
                phase: Phase::Remove,
                message: format!("replacing the out-of-date container '{}'", old.name),
            });
            container::remove(engine, &old.id)
                .await
                .map_err(engine_error(&folder, "remove the out-of-date container"))?;
            forget(&old.id);
            UpAction::Recreated
        }
        None => UpAction::Created,
    };
    refuse_foreign_name(engine, environment).await?;
    progress.event(Event::Phase {
        phase: Phase::Create,
        message: format!("creating container '{}'", environment.container_name()),
    });
    let id = container::create(engine, &effective.container)
        .await
        .map_err(engine_error(&folder, "create the container"))?;
    // From here a cancel or a failure must not leave a container that was never set up.
    let started = async {
        progress.event(Event::Phase {
            phase: Phase::Start,
            message: format!("starting container '{}'", environment.container_name()),
        });
        container::start(engine, &id).await
    }
    .await;
    if let Err(err) = started {
        let _ = container::remove(engine, &id).await;
        let message = crate::error_chain(&err);
        if let Some(hint) = crate::engine::hint::classify(&message, &[]) {
            return Err(EnvironmentError::Invalid(format!(
                "failed to start the container of '{}': {message}\n  hint: {}",
                folder.display(),
                hint.message
            )));
        }
        return Err(engine_error(&folder, "start the container")(err));
    }
    if cancel.is_cancelled() {
        let _ = container::remove(engine, &id).await;
        return Ok(Outcome::Cancelled);
    }
    let summary = ContainerSummary {
        id: id.clone(),
        name: environment.container_name(),
        image_id: effective.container.image.clone(),
        state: ContainerState::Running,
        labels: effective.container.labels.clone(),
    };
    setup(
        engine, &plan, &effective, &summary, action, warnings, progress, cancel,
    )
    .await
}

/// Build (or pull) the environment's image without touching its container: the
/// known-good image moves only when the build succeeds. Returns the image reference and
/// id; the next `up` recreates the container from a new image.
///
/// # Errors
///
/// The configuration, the build (the old image stays), the engine.
pub async fn build_image(
    engine: &Engine,
    target: &Path,
    load: &LoadOptions,
    no_cache: bool,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Outcome<(String, String)>, EnvironmentError> {
    let resolved = devcontainer::load(target, load)?;
    let plan = Plan::new(&resolved)?;
    let options = UpOptions {
        no_cache,
        ..UpOptions::default()
    };
    let kept = plan.environment.container(engine).await?.is_some();
    let Outcome::Done(reference) =
        ensure_image(engine, &plan, &options, kept, progress, cancel).await?
    else {
        return Ok(Outcome::Cancelled);
    };
    let image = image::inspect(engine, &reference)
        .await
        .map_err(engine_error(
            &plan.environment.local_folder,
            "inspect the image",
        ))?
        .map(|i| i.id)
        .unwrap_or_default();
    Ok(Outcome::Done((reference, image)))
}

/// Whether the container `found` was made from this configuration and the current
/// known-good image.
async fn is_current(
    engine: &Engine,
    plan: &Plan,
    found: &ContainerSummary,
) -> Result<bool, EnvironmentError> {
    if found.labels.get(CONFIG_HASH_LABEL) != Some(&plan.hash) {
        return Ok(false);
    }
    let Some(tag) = plan.known_good() else {
        return Ok(true);
    };
    let known_good = image::inspect(engine, &tag).await.map_err(engine_error(
        &plan.environment.local_folder,
        "look up the image",
    ))?;
    Ok(match known_good {
        Some(image) => found.labels.get(IMAGE_ID_LABEL) == Some(&image.id),
        // Removed behind Berth's back: the container still has its layers.
        None => true,
    })
}

/// Start a stopped container (or finish setting up one whose commands did not all run).
async fn start_existing(
    engine: &Engine,
    plan: &Plan,
    found: &ContainerSummary,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Outcome<Upped>, EnvironmentError> {
    let folder = &plan.environment.local_folder;
    let action = if found.state == ContainerState::Running {
        UpAction::AlreadyRunning
    } else {
        progress.event(Event::Phase {
            phase: Phase::Start,
            message: format!("starting container '{}'", found.name),
        });
        container::start(engine, &found.id)
            .await
            .map_err(engine_error(folder, "start the container"))?;
        UpAction::Started
    };
    // The container's image (by id: it cannot go while the container uses it) holds the
    // base image's metadata; devcontainer.json's comes from the plan.
    let image = image::inspect(engine, &found.image_id)
        .await
        .map_err(engine_error(folder, "inspect the container's image"))?
        .ok_or_else(|| EnvironmentError::NoContainer {
            folder: folder.clone(),
        })?;
    let effective = plan.effective(&image, false)?;
    setup(
        engine,
        plan,
        &effective,
        found,
        action,
        plan.warnings.clone(),
        progress,
        cancel,
    )
    .await
}

/// The lifecycle commands of a freshly created or started container, then the note that
/// they all ran. A container whose commands all ran before (`done`) only has its
/// per-start commands left; when none are configured nothing is run in it at all.
#[allow(clippy::too_many_arguments)]
pub(super) async fn setup(
    engine: &Engine,
    plan: &Plan,
    effective: &Effective,
    found: &ContainerSummary,
    action: UpAction,
    warnings: Vec<String>,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Outcome<Upped>, EnvironmentError> {
    let folder = &plan.environment.local_folder;
    let created = matches!(action, UpAction::Created | UpAction::Recreated);
    let done = !created && is_done(&found.id);
    let pending: Vec<(LifecycleStage, &[Step])> = [
        LifecycleStage::OnCreate,
        LifecycleStage::UpdateContent,
        LifecycleStage::PostCreate,
        LifecycleStage::PostStart,
        LifecycleStage::PostAttach,
    ]
    .into_iter()
    .filter(|stage| {
        !done
            || matches!(
                stage,
                LifecycleStage::PostStart | LifecycleStage::PostAttach
            )
    })
    .filter_map(|stage| {
        let steps = effective.lifecycle.get(&stage)?;
        (!steps.is_empty()).then_some((stage, steps.as_slice()))
    })
    .collect();
    if created {
        if let Some(packages) = &plan.package_volume {
            own_package_volume(
                engine,
                &found.id,
                effective.remote_user.as_deref(),
                &packages.target,
                folder,
            )
            .await?;
        }
    }
    let mut ran = Vec::new();
    if !pending.is_empty() {
        let info = super::inspect_container(engine, &found.id, folder).await?;
        let session = lifecycle::session(
            engine,
            &info,
            effective.remote_user.as_deref(),
            &effective.remote_env,
            &effective.user_env_probe,
            &plan.workspace_folder,
            folder,
        )
        .await?;
        let stages: Vec<LifecycleStage> = pending.iter().map(|(stage, _)| *stage).collect();
        let markers = session
            .markers(engine, &stages)
            .await
            .map_err(engine_error(folder, "read which lifecycle commands ran"))?;
        for (stage, steps) in pending {
            let current = markers.get(&stage).cloned().flatten();
            match session
                .run_stage(
                    engine,
                    stage,
                    steps,
                    current.as_deref(),
                    progress,
                    cancel,
                    folder,
                )
                .await?
            {
                Outcome::Done(true) => ran.push(stage.property().to_owned()),
                Outcome::Done(false) => {}
                Outcome::Cancelled => return Ok(Outcome::Cancelled),
            }
        }
    }
    mark_done(&found.id);
    Ok(Outcome::Done(
        upped(action, found, plan, effective.remote_user.clone(), ran).with_warnings(warnings),
    ))
}

fn upped(
    action: UpAction,
    found: &ContainerSummary,
    plan: &Plan,
    remote_user: Option<String>,
    ran: Vec<String>,
) -> Upped {
    Upped {
        action,
        container_id: found.id.clone(),
        container_name: found.name.clone(),
        image: plan.image_reference(),
        remote_user,
        workspace_folder: plan.workspace_folder.clone(),
        ran,
        warnings: Vec::new(),
    }
}

impl Upped {
    fn with_warnings(mut self, warnings: Vec<String>) -> Self {
        self.warnings = warnings;
        self
    }
}

/// The image to run: built (tagged known-good only when the build succeeds) or, for an
/// image configuration, used as it is or pulled; with Features, that image with the
/// Features installed on top (the known-good image then).
async fn ensure_image(
    engine: &Engine,
    plan: &Plan,
    options: &UpOptions,
    kept: bool,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Outcome<String>, EnvironmentError> {
    if options.no_build {
        let known_good = plan.environment.image();
        if image::inspect(engine, &known_good)
            .await
            .map_err(engine_error(
                &plan.environment.local_folder,
                "look up the image",
            ))?
            .is_some()
        {
            return Ok(Outcome::Done(known_good));
        }
    }
    // Features first: one that cannot be fetched fails before a long build.
    let features = if plan.features {
        match super::features::resolve(plan, progress, cancel).await? {
            Outcome::Done(set) => Some(set),
            Outcome::Cancelled => return Ok(Outcome::Cancelled),
        }
    } else {
        None
    };
    let Outcome::Done(base) =
        ensure_base_image(engine, plan, options, kept, progress, cancel).await?
    else {
        return Ok(Outcome::Cancelled);
    };
    match features {
        None => Ok(Outcome::Done(base)),
        Some(set) => {
            super::features::install(engine, plan, &set, &base, options, kept, progress, cancel)
                .await
        }
    }
}

/// The image the Dockerfile builds, or the configuration's image.
async fn ensure_base_image(
    engine: &Engine,
    plan: &Plan,
    options: &UpOptions,
    kept: bool,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Outcome<String>, EnvironmentError> {
    let folder = &plan.environment.local_folder;
    match &plan.source {
        ImageSource::Compose => Err(EnvironmentError::Invalid(format!(
            "'{}' is a Docker Compose configuration, whose images Compose builds: run `berth up`",
            plan.environment.config_file.display()
        ))),
        ImageSource::Build(build_plan) => {
            let mut build_plan = build_plan.clone();
            build_plan.no_cache |= options.no_cache;
            let known_good = image::inspect(engine, &build_plan.tag)
                .await
                .map_err(engine_error(folder, "look up the image"))?;
            let had_image = known_good.is_some();
            // Nothing the build reads changed: the known-good image is that build.
            let inputs = build_inputs(&build_plan);
            if let (Some(inputs), Some(image), false) =
                (&inputs, &known_good, options.rebuild || options.no_cache)
            {
                if image.labels.get(BUILD_INPUTS_LABEL) == Some(inputs) {
                    progress.event(Event::Phase {
                        phase: Phase::Build,
                        message: format!(
                            "'{}' is up to date: nothing it is built from changed",
                            build_plan.tag
                        ),
                    });
                    return Ok(Outcome::Done(build_plan.tag));
                }
            }
            if let Some(inputs) = inputs {
                build_plan
                    .labels
                    .insert(BUILD_INPUTS_LABEL.to_owned(), inputs);
            }
            match build(engine, &build_plan, progress, cancel).await {
                Ok(Outcome::Done(built)) => Ok(Outcome::Done(built.tag)),
                Ok(Outcome::Cancelled) => Ok(Outcome::Cancelled),
                Err(source) => Err(EnvironmentError::Build {
                    error: Box::new(source),
                    kept: kept || had_image,
                }),
            }
        }
        ImageSource::Image(reference) => {
            let named_by = format!("'{}'", plan.environment.config_file.display());
            Ok(
                ensure_pulled(engine, plan, reference, &named_by, progress, cancel)
                    .await?
                    .map(|()| reference.clone()),
            )
        }
    }
}

/// Whether the container gets GPUs when `wanted`: only when the engine has the NVIDIA
/// runtime; without it a required GPU is an error and an optional one a warning.
///
/// # Errors
///
/// [`EnvironmentError::NoGpu`], or the engine does not answer.
pub(super) async fn gpus_for(
    engine: &Engine,
    plan: &Plan,
    wanted: bool,
    warnings: &mut Vec<String>,
) -> Result<bool, EnvironmentError> {
    if !wanted {
        return Ok(false);
    }
    let runtime = engine.has_nvidia_runtime().await.map_err(engine_error(
        &plan.environment.local_folder,
        "list the engine's runtimes",
    ))?;
    if !runtime && plan.gpu == GpuRequest::Required {
        return Err(EnvironmentError::NoGpu {
            config: plan.environment.config_file.clone(),
        });
    }
    if !runtime {
        warnings.push(
            "no NVIDIA container runtime on this engine: starting without GPUs (hostRequirements.gpu is optional)"
                .to_owned(),
        );
    }
    Ok(runtime)
}

/// `reference` as it is, or pulled when the engine does not have it; a failed pull
/// names where the image was written (`named_by`) and the hint for its cause.
///
/// # Errors
///
/// The pull fails, or the engine does not answer.
pub(super) async fn ensure_pulled(
    engine: &Engine,
    plan: &Plan,
    reference: &str,
    named_by: &str,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Outcome<()>, EnvironmentError> {
    let present = image::inspect(engine, reference)
        .await
        .map_err(engine_error(
            &plan.environment.local_folder,
            "look up the image",
        ))?
        .is_some();
    if present {
        return Ok(Outcome::Done(()));
    }
    // A private base image needs the credential kept for its registry (`berth login`).
    let registry = image::registry_of(reference);
    let kept = registry
        .as_deref()
        .and_then(|registry| crate::secrets::Kept.for_registry(registry));
    let login = registry
        .as_deref()
        .zip(kept.as_ref())
        .map(|(registry, credential)| image::Login {
            registry,
            credential,
        });
    image::pull(engine, reference, login, progress, cancel)
        .await
        .map_err(|err| {
            let message = crate::error_chain(&err);
            let hint = crate::engine::hint::classify(&message, &[])
                .map(|h| format!("\n  hint: {}", h.message))
                .unwrap_or_default();
            EnvironmentError::Invalid(format!(
                "failed to pull the image '{reference}' named by {named_by}: {message}{hint}"
            ))
        })
}

/// Create the package volume with Berth's labels, or check that the one there is ours.
async fn ensure_package_volume(
    engine: &Engine,
    environment: &Environment,
    name: &str,
) -> Result<(), EnvironmentError> {
    let folder = &environment.local_folder;
    match volume::inspect(engine, name)
        .await
        .map_err(engine_error(folder, "look up the package volume"))?
    {
        Some(found) => {
            let owner = found.labels.get(super::PROJECT_LABEL);
            if owner.is_some_and(|id| id != &environment.id) {
                let other = found
                    .labels
                    .get(super::FOLDER_LABEL)
                    .cloned()
                    .unwrap_or_else(|| "another project".to_owned());
                return Err(EnvironmentError::Invalid(format!(
                    "the package volume '{name}' belongs to the Berth environment of '{other}': give this project its own volume name in the mount at ~/.local of '{}' (e.g. berth-<name>-${{devcontainerId}}-local)",
                    environment.config_file.display()
                )));
            }
            if owner.is_none() {
                tracing::info!(
                    volume = name,
                    "using a package volume Berth did not create; it will not delete it"
                );
            }
            Ok(())
        }
        None => volume::create(engine, name, &environment.labels(Role::Packages))
            .await
            .map(drop)
            .map_err(engine_error(folder, "create the package volume")),
    }
}

/// Give the package volume's root to the remote user when it is not theirs (a volume
/// mounted where the image has no folder starts out owned by root).
async fn own_package_volume(
    engine: &Engine,
    container: &str,
    user: Option<&str>,
    target: &str,
    folder: &Path,
) -> Result<(), EnvironmentError> {
    let Some(user) = user.filter(|u| *u != "root" && *u != "0") else {
        return Ok(());
    };
    let script = "owner=\"$(id -u \"$1\"):$(id -g \"$1\")\"; \
                  [ \"$(stat -c %u:%g \"$2\")\" = \"$owner\" ] || chown \"$owner\" \"$2\"";
    let spec = crate::engine::exec::ExecSpec {
        cmd: vec![
            "/bin/sh".into(),
            "-c".into(),
            script.into(),
            "sh".into(),
            user.to_owned(),
            target.to_owned(),
        ],
        user: Some("0".into()),
        ..Default::default()
    };
    let output = crate::engine::exec::capture(engine, container, &spec)
        .await
        .map_err(engine_error(folder, "check the package volume's owner"))?;
    if output.exit_code != 0 {
        tracing::warn!(stderr = %output.stderr_text(), "could not give the package volume to {user}");
    }
    Ok(())
}

/// Refuse when a container that is not this environment's has its name.
async fn refuse_foreign_name(
    engine: &Engine,
    environment: &Environment,
) -> Result<(), EnvironmentError> {
    let name = environment.container_name();
    let found = container::inspect(engine, &name)
        .await
        .map_err(engine_error(
            &environment.local_folder,
            "look up the container name",
        ))?;
    match found {
        Some(other) if other.labels.get(super::PROJECT_LABEL) != Some(&environment.id) => {
            Err(EnvironmentError::NotOurs {
                what: "container",
                name,
                folder: environment.local_folder.clone(),
            })
        }
        Some(stale) => {
            // Ours, but not found by its labels: left by an interrupted run.
            container::remove(engine, &stale.id)
                .await
                .map(drop)
                .map_err(engine_error(
                    &environment.local_folder,
                    "remove a leftover container",
                ))
        }
        None => Ok(()),
    }
}

/// Run `initializeCommand` on the host, in the project folder.
async fn initialize(
    command: &crate::devcontainer::model::LifecycleCommand,
    folder: &Path,
    progress: &dyn Progress,
) -> Result<(), EnvironmentError> {
    use crate::devcontainer::model::{CommandStep, LifecycleCommand};
    let commands: Vec<Vec<String>> = match command {
        LifecycleCommand::Shell(text) => vec![host_shell(text)],
        LifecycleCommand::Exec(args) => vec![args.clone()],
        LifecycleCommand::Parallel(steps) => steps
            .values()
            .map(|step| match step {
                CommandStep::Shell(text) => host_shell(text),
                CommandStep::Exec(args) => args.clone(),
            })
            .collect(),
    };
    progress.event(Event::Phase {
        phase: Phase::Lifecycle,
        message: "running initializeCommand on this machine".to_owned(),
    });
    for argv in commands {
        let Some((program, args)) = argv.split_first() else {
            continue;
        };
        let output = tokio::time::timeout(
            Duration::from_secs(30 * 60),
            tokio::process::Command::new(program)
                .args(args)
                .current_dir(folder)
                .output(),
        )
        .await
        .map_err(|_| EnvironmentError::Host {
            message: format!("'{}' ran for more than 30 minutes", argv.join(" ")),
        })?
        .map_err(|err| EnvironmentError::Host {
            message: format!("failed to run '{}': {err}", argv.join(" ")),
        })?;
        for line in String::from_utf8_lossy(&output.stdout)
            .lines()
            .chain(String::from_utf8_lossy(&output.stderr).lines())
        {
            progress.event(Event::Output {
                line: line.to_owned(),
            });
        }
        if !output.status.success() {
            return Err(EnvironmentError::Host {
                message: format!(
                    "'{}' exited with {}: {}",
                    argv.join(" "),
                    output.status,
                    String::from_utf8_lossy(&output.stderr).trim()
                ),
            });
        }
    }
    Ok(())
}

/// A string command on the host: `/bin/sh -c` (Windows: `cmd /c`).
fn host_shell(text: &str) -> Vec<String> {
    if cfg!(windows) {
        vec!["cmd".into(), "/c".into(), text.to_owned()]
    } else {
        vec!["/bin/sh".into(), "-c".into(), text.to_owned()]
    }
}
