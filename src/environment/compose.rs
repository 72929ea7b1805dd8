//! `up` for a Docker Compose configuration, as the reference CLI does it: read the
//! merged compose configuration, build the dev service's image (Compose builds it) and
//! put Features (and the UID change) on top, write the override file, `compose up -d`,
//! then run the lifecycle commands in the dev service's container. Berth's labels go on
//! every service it starts, so `stop`, `down` and `rm` find them and nothing else.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::compose::overlay::Overlay;
use crate::compose::{ComposeCli, ComposeError, ComposeProject};
use crate::engine::container::{ContainerState, ContainerSummary, MountSpec};
use crate::engine::image;
use crate::engine::progress::{Cancel, Event, Outcome, Phase, Progress};
use crate::engine::Engine;

use super::plan::{GpuRequest, Plan};
use super::up::{UpAction, UpOptions, Upped, IMAGE_ID_LABEL};
use super::{engine_error, uid, EnvironmentError, Role, FOLDER_LABEL, PROJECT_LABEL, ROLE_LABEL};

impl From<ComposeError> for EnvironmentError {
    fn from(err: ComposeError) -> Self {
        Self::Invalid(err.to_string())
    }
}

/// Where the override file of an environment is kept (it is rewritten by each `up`).
fn overlay_path(environment_id: &str) -> PathBuf {
    super::up::state_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("compose")
        .join(format!("{environment_id}.yml"))
}

/// Bring the Compose project of `plan` up and set its dev container up; `existing` is
/// the dev container there is, and whether it is current.
///
/// # Errors
///
/// No Compose CLI, a compose file Compose refuses, a service that is not there, a build,
/// a Feature, a lifecycle command.
pub(super) async fn up(
    engine: &Engine,
    plan: &Plan,
    options: &UpOptions,
    existing: Option<(&ContainerSummary, bool)>,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Outcome<Upped>, EnvironmentError> {
    let environment = &plan.environment;
    let folder = &environment.local_folder;
    let config_file = &environment.config_file;
    let cli = ComposeCli::detect(config_file).await?;
    let project = ComposeProject::of(&plan.resolved)?;
    progress.event(Event::Phase {
        phase: Phase::Create,
        message: format!(
            "reading the Compose project '{}' with {} {}",
            project.name,
            cli.program.join(" "),
            cli.version
        ),
    });
    let Outcome::Done(services) = project.services(&cli, progress, cancel).await? else {
        return Ok(Outcome::Cancelled);
    };
    let Some(service) = services.get(&project.service).cloned() else {
        let names: Vec<&str> = services.keys().map(String::as_str).collect();
        return Err(ComposeError::Config {
            config: config_file.clone(),
            message: format!(
                "the service '{}' is not in the compose files; they have: {}",
                project.service,
                names.join(", ")
            ),
        }
        .into());
    };

    // A current container that only needs starting: Compose starts it and its companions.
    let current =
        existing.is_some_and(|(_, current)| current) && !options.rebuild && !options.no_cache;
    let features = if plan.features && !current {
        match super::features::resolve(plan, progress, cancel).await? {
            Outcome::Done(set) => Some(set),
            Outcome::Cancelled => return Ok(Outcome::Cancelled),
        }
    } else {
        None
    };

    // The service's own image: built by Compose when it has `build`.
    let service_image = service
        .get("image")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let base = match (&service_image, service.get("build")) {
        // Current: the container's own image is used as it is.
        _ if current => existing
            .map(|(found, _)| found.image_id.clone())
            .unwrap_or_default(),
        (image, Some(_)) => {
            let mut args = project.args(&[]);
            args.push("build".to_owned());
            if options.no_cache {
                args.push("--no-cache".to_owned());
            }
            args.push(project.service.clone());
            progress.event(Event::Phase {
                phase: Phase::Build,
                message: format!("building the service '{}' with Compose", project.service),
            });
            if cli
                .run(&args, &project.cwd, progress, cancel)
                .await?
                .is_cancelled()
            {
                return Ok(Outcome::Cancelled);
            }
            image.clone().unwrap_or_else(|| {
                format!("{}{}{}", project.name, cli.separator(), project.service)
            })
        }
        (Some(image), _) => image.clone(),
        (None, _) => {
            return Err(ComposeError::Config {
                config: config_file.clone(),
                message: format!(
                    "the service '{}' has neither `image` nor `build` in the compose files",
                    project.service
                ),
            }
            .into())
        }
    };
    if !current {
        let named_by = format!(
            "the service '{}' of '{}'",
            project.service,
            config_file.display()
        );
        let pulled = super::up::ensure_pulled(engine, plan, &base, &named_by, progress, cancel);
        if pulled.await?.is_cancelled() {
            return Ok(Outcome::Cancelled);
        }
    }
    let kept = existing.is_some();
    let reference = match (&features, current) {
        (_, true) => existing
            .map(|(found, _)| found.image_id.clone())
            .unwrap_or_else(|| base.clone()),
        (Some(set), false) => {
            match super::features::install(
                engine, plan, set, &base, options, kept, progress, cancel,
            )
            .await?
            {
                Outcome::Done(tag) => tag,
                Outcome::Cancelled => return Ok(Outcome::Cancelled),
            }
        }
        (None, false) => base.clone(),
    };
    let image = image::inspect(engine, &reference)
        .await
        .map_err(engine_error(folder, "inspect the image"))?
        .ok_or_else(|| {
            EnvironmentError::Invalid(format!(
                "the image '{reference}' is not there; run `berth up` again"
            ))
        })?;

    // runArgs do not apply to Compose: only hostRequirements asks for GPUs.
    let mut warnings = plan.warnings.clone();
    let gpus =
        super::up::gpus_for(engine, plan, plan.gpu != GpuRequest::None, &mut warnings).await?;
    let effective = plan.effective(&image, gpus)?;
    warnings.extend(effective.warnings.iter().cloned());
    let run_image = if effective.update_remote_user_uid && !current {
        match uid::ensure(
            engine,
            environment,
            &reference,
            &image,
            effective.remote_user.as_deref(),
            progress,
            cancel,
        )
        .await?
        {
            Outcome::Done(id) => id,
            Outcome::Cancelled => return Ok(Outcome::Cancelled),
        }
    } else {
        reference.clone()
    };

    // The override: the keep-alive runs the service's own entrypoint and command unless
    // overrideCommand (false by default for Compose) says otherwise.
    let override_command = effective.override_command.unwrap_or(false);
    let strings = |value: Option<&Value>| -> Option<Vec<String>> {
        match value? {
            Value::String(s) => Some(s.split_whitespace().map(str::to_owned).collect()),
            Value::Array(items) => Some(
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_owned))
                    .collect(),
            ),
            _ => None,
        }
    };
    let service_entrypoint = strings(service.get("entrypoint"));
    let service_command = strings(service.get("command"));
    let mut entrypoint = vec!["/bin/sh".to_owned()];
    entrypoint.extend(effective.container.cmd.iter().flatten().take(3).cloned());
    let command = if override_command {
        Some(Vec::new())
    } else {
        entrypoint.extend(
            service_entrypoint
                .clone()
                .unwrap_or_else(|| image.entrypoint.clone()),
        );
        let command = service_command
            .clone()
            .or_else(|| service_entrypoint.is_none().then(|| image.cmd.clone()))
            .unwrap_or_default();
        (Some(&command) != service_command.as_ref()).then_some(command)
    };
    let mut labels = effective.container.labels.clone();
    labels.insert(IMAGE_ID_LABEL.to_owned(), image.id.clone());
    let mut volumes = Vec::new();
    let mut named_volumes = Vec::new();
    for mount in &effective.container.mounts {
        match mount {
            MountSpec::Bind { source, target, read_only } => {
                volumes.push(format!("{source}:{target}{}", if *read_only { ":ro" } else { "" }));
            }
            MountSpec::Volume { name: Some(name), target, read_only } => {
                volumes.push(format!("{name}:{target}{}", if *read_only { ":ro" } else { "" }));
                named_volumes.push(name.clone());
            }
            MountSpec::Volume { name: None, target, .. } => volumes.push(target.clone()),
            MountSpec::Tmpfs { target } => warnings.push(format!(
                "the tmpfs mount at '{target}' is not passed to Docker Compose; add it to the service's `tmpfs` in the compose file"
            )),
        }
    }
    let companion = BTreeMap::from([
        (PROJECT_LABEL.to_owned(), environment.id.clone()),
        (ROLE_LABEL.to_owned(), Role::Service.as_str().to_owned()),
        (
            FOLDER_LABEL.to_owned(),
            folder.to_string_lossy().into_owned(),
        ),
    ]);
    let first_file = std::fs::read_to_string(project.files.first().cloned().unwrap_or_default())
        .unwrap_or_default();
    let overlay = Overlay {
        version_line: first_file
            .lines()
            .find(|l| l.trim_start().starts_with("version:"))
            .map(|l| l.trim().to_owned()),
        service: project.service.clone(),
        image: (Some(&run_image) != service_image.as_ref()).then(|| run_image.clone()),
        entrypoint,
        command,
        init: effective.container.init,
        user: effective.container.user.clone(),
        environment: effective.container.env.clone(),
        privileged: effective.container.privileged,
        cap_add: effective.container.cap_add.clone(),
        security_opt: effective.container.security_opt.clone(),
        labels,
        volumes,
        named_volumes,
        gpus,
        other_services: services
            .keys()
            .filter(|name| **name != project.service)
            .map(|name| (name.clone(), companion.clone()))
            .collect(),
        volume_labels: environment.labels(Role::Volume),
        network_labels: environment.labels(Role::Network),
    };
    let path = overlay_path(&environment.id);
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&path, overlay.render()));
    written.map_err(|err| {
        EnvironmentError::Invalid(format!(
            "cannot write the Compose override '{}': {err}",
            path.display()
        ))
    })?;

    let mut args = project.args(&[path.as_path()]);
    args.extend(["up".to_owned(), "-d".to_owned()]);
    if current {
        args.push("--no-recreate".to_owned());
    }
    if !project.run_services.is_empty() {
        args.extend(project.run_services.iter().cloned());
        if !project.run_services.contains(&project.service) {
            args.push(project.service.clone());
        }
    }
    progress.event(Event::Phase {
        phase: Phase::Start,
        message: format!("starting the Compose project '{}'", project.name),
    });
    if cli
        .run(&args, &project.cwd, progress, cancel)
        .await?
        .is_cancelled()
    {
        return Ok(Outcome::Cancelled);
    }
    let found = environment
        .container(engine)
        .await?
        .filter(|c| c.state == ContainerState::Running)
        .ok_or_else(|| {
            EnvironmentError::Invalid(format!(
                "Docker Compose started the project '{}', but the service '{}' is not running: look at `docker logs` of its container",
                project.name, project.service
            ))
        })?;
    let action = match existing {
        None => UpAction::Created,
        Some((old, _)) if old.id != found.id => {
            super::up::forget(&old.id);
            UpAction::Recreated
        }
        Some(_) => UpAction::Started,
    };
    super::up::setup(
        engine, plan, &effective, &found, action, warnings, progress, cancel,
    )
    .await
}
