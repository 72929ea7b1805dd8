//! Checkpoints: the environment's working image kept under its own name, labelled with
//! the hash of the requirements it was made with and its date; rolling back makes a
//! checkpoint the known-good image again and recreates the container from it, without
//! building.

use std::collections::BTreeMap;
use std::path::Path;

use crate::devcontainer::{self, LoadOptions};
use crate::engine::progress::{Cancel, Outcome, Progress};
use crate::engine::{build, image, BuildPlan, Builder, Engine};

use super::plan::Plan;
use super::up::{self, UpOptions, Upped};
use super::{engine_error, freeze, hash, Environment, EnvironmentError, Role};

/// The label with the requirements hash a checkpoint was made with.
pub const REQUIREMENTS_LABEL: &str = "dev.berth.checkpoint.requirements";
/// The label with a checkpoint's date (RFC 3339).
pub const CREATED_LABEL: &str = "dev.berth.checkpoint.created";
/// The label with the image a checkpoint was made from.
pub const SOURCE_LABEL: &str = "dev.berth.checkpoint.source";

/// One checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Its name: the image tag, e.g. `checkpoint-20261202-154501`.
    pub name: String,
    /// Its image reference.
    pub reference: String,
    /// Its image id.
    pub image_id: String,
    /// When it was made.
    pub created: String,
    /// The requirements hash it was made with.
    pub requirements: String,
    /// Whether the project's requirements are still the same.
    pub requirements_current: bool,
    /// The image size in bytes.
    pub size: u64,
}

/// The hash of the project's requirements file (empty when there is none).
pub fn requirements_hash(project: &Path) -> String {
    freeze::requirements_file(project)
        .and_then(|path| std::fs::read(path).ok())
        .map(|bytes| hash(&[&bytes]))
        .unwrap_or_default()
}

fn environment_of(target: &Path, load: &LoadOptions) -> Result<Environment, EnvironmentError> {
    Ok(Environment::of(&devcontainer::load(target, load)?))
}

/// Keep the environment's current image as a checkpoint named `name` (a timestamp when
/// `None`).
///
/// # Errors
///
/// There is no image yet, the name is invalid, or the engine fails.
pub async fn create(
    engine: &Engine,
    target: &Path,
    load: &LoadOptions,
    name: Option<&str>,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Outcome<Checkpoint>, EnvironmentError> {
    let resolved = devcontainer::load(target, load)?;
    let plan = Plan::new(&resolved)?;
    let environment = &plan.environment;
    let folder = &environment.local_folder;
    let now = chrono::Local::now();
    let name = match name {
        Some(name) => {
            let valid = !name.is_empty()
                && name.len() <= 100
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !valid {
                return Err(EnvironmentError::Invalid(format!(
                    "'{name}' cannot name a checkpoint: use letters, digits, '-', '_' and '.'"
                )));
            }
            format!("checkpoint-{name}")
        }
        None => format!("checkpoint-{}", now.format("%Y%m%d-%H%M%S")),
    };
    // The image the container runs now, else the known-good one.
    let source = match environment.container(engine).await? {
        Some(container) => container
            .labels
            .get(up::IMAGE_ID_LABEL)
            .cloned()
            .unwrap_or(container.image_id),
        None => plan.image_reference(),
    };
    let found = image::inspect(engine, &source)
        .await
        .map_err(engine_error(folder, "look up the environment's image"))?
        .ok_or_else(|| {
            EnvironmentError::Invalid(format!(
                "'{}' has no image yet: run `berth up` (or `berth build`) first",
                folder.display()
            ))
        })?;
    let requirements = requirements_hash(folder);
    let mut labels = environment.labels(Role::Checkpoint);
    labels.insert(REQUIREMENTS_LABEL.to_owned(), requirements.clone());
    labels.insert(CREATED_LABEL.to_owned(), now.to_rfc3339());
    labels.insert(SOURCE_LABEL.to_owned(), found.id.clone());
    // A one-line build: the same layers, with the checkpoint's labels.
    let dir = tempfile::tempdir().map_err(|err| {
        EnvironmentError::Invalid(format!("failed to make a temporary folder: {err}"))
    })?;
    let dockerfile = dir.path().join("Dockerfile");
    std::fs::write(&dockerfile, "ARG SOURCE\nFROM ${SOURCE}\n").map_err(|source| {
        EnvironmentError::File {
            doing: "write",
            path: dockerfile.clone(),
            source,
        }
    })?;
    let reference = format!("{}:{name}", environment.repository());
    let source_ref = found
        .tags
        .first()
        .cloned()
        .unwrap_or_else(|| found.id.clone());
    let build_plan = BuildPlan {
        context: dir.path().to_owned(),
        dockerfile,
        tag: reference.clone(),
        args: BTreeMap::from([("SOURCE".to_owned(), source_ref)]),
        labels,
        builder: Builder::Classic,
        ..BuildPlan::default()
    };
    let built = match build(engine, &build_plan, progress, cancel).await {
        Ok(Outcome::Done(built)) => built,
        Ok(Outcome::Cancelled) => return Ok(Outcome::Cancelled),
        Err(source) => {
            return Err(EnvironmentError::Build {
                error: Box::new(source),
                kept: true,
            })
        }
    };
    Ok(Outcome::Done(Checkpoint {
        name,
        reference,
        image_id: built.image_id,
        created: now.to_rfc3339(),
        requirements,
        requirements_current: true,
        size: found.size,
    }))
}

/// The environment's checkpoints, newest first.
///
/// # Errors
///
/// The engine fails.
pub async fn list(
    engine: &Engine,
    target: &Path,
    load: &LoadOptions,
) -> Result<Vec<Checkpoint>, EnvironmentError> {
    let environment = environment_of(target, load)?;
    let current = requirements_hash(&environment.local_folder);
    let images = image::list(engine, &environment.filter(Role::Checkpoint))
        .await
        .map_err(engine_error(
            &environment.local_folder,
            "list its checkpoints",
        ))?;
    let prefix = format!("{}:", environment.repository());
    let mut out: Vec<Checkpoint> = images
        .into_iter()
        .flat_map(|image| {
            let requirements = image
                .labels
                .get(REQUIREMENTS_LABEL)
                .cloned()
                .unwrap_or_default();
            let created = image
                .labels
                .get(CREATED_LABEL)
                .cloned()
                .unwrap_or(image.created.clone());
            image
                .tags
                .iter()
                .filter_map(|tag| {
                    tag.strip_prefix(&prefix)
                        .map(|name| (tag.clone(), name.to_owned()))
                })
                // A rolled-back checkpoint is also the known-good `latest`: not a second one.
                .filter(|(_, name)| name.starts_with("checkpoint-"))
                .map(|(reference, name)| Checkpoint {
                    name,
                    reference,
                    image_id: image.id.clone(),
                    created: created.clone(),
                    requirements_current: requirements == current,
                    requirements: requirements.clone(),
                    size: image.size,
                })
                .collect::<Vec<_>>()
        })
        .collect();
    out.sort_by(|a, b| b.created.cmp(&a.created));
    Ok(out)
}

/// The checkpoint called `name` (with or without the `checkpoint-` prefix).
async fn find(
    engine: &Engine,
    target: &Path,
    load: &LoadOptions,
    name: &str,
) -> Result<Checkpoint, EnvironmentError> {
    let wanted = if name.starts_with("checkpoint-") {
        name.to_owned()
    } else {
        format!("checkpoint-{name}")
    };
    let all = list(engine, target, load).await?;
    let names: Vec<String> = all.iter().map(|c| c.name.clone()).collect();
    all.into_iter().find(|c| c.name == wanted).ok_or_else(|| {
        EnvironmentError::Invalid(format!(
            "there is no checkpoint '{name}'{}",
            if names.is_empty() {
                " (this environment has none yet: `berth checkpoint` makes one)".to_owned()
            } else {
                format!("; there are: {}", names.join(", "))
            }
        ))
    })
}

/// Delete the checkpoint `name`.
///
/// # Errors
///
/// No such checkpoint, or the engine fails.
pub async fn delete(
    engine: &Engine,
    target: &Path,
    load: &LoadOptions,
    name: &str,
) -> Result<Checkpoint, EnvironmentError> {
    let checkpoint = find(engine, target, load, name).await?;
    let environment = environment_of(target, load)?;
    image::remove(engine, &checkpoint.reference, false)
        .await
        .map_err(engine_error(
            &environment.local_folder,
            "remove the checkpoint",
        ))?;
    Ok(checkpoint)
}

/// Make the checkpoint `name` the known-good image and recreate the container from it.
///
/// # Errors
///
/// No such checkpoint, or what `up` can fail with.
pub async fn rollback(
    engine: &Engine,
    target: &Path,
    load: &LoadOptions,
    name: &str,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Outcome<(Checkpoint, Upped)>, EnvironmentError> {
    let checkpoint = find(engine, target, load, name).await?;
    let environment = environment_of(target, load)?;
    image::tag(engine, &checkpoint.reference, &environment.image())
        .await
        .map_err(engine_error(
            &environment.local_folder,
            "make the checkpoint the environment's image",
        ))?;
    let options = UpOptions {
        rebuild: true,
        no_build: true,
        ..UpOptions::default()
    };
    Ok(up::up(engine, target, load, &options, progress, cancel)
        .await?
        .map(|upped| (checkpoint, upped)))
}
