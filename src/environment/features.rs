//! The Features image of an environment: its base image (built or pulled) with the
//! configuration's Features installed on top, tagged as the known-good image only when
//! the stage builds. The image's `devcontainer.metadata` label lists the base image's
//! entries, then one entry per Feature in install order, so `up` merges what they
//! contribute as the reference CLI does. Nothing changed (same base, same Features,
//! same options) → the image there is used as it is.

use serde_json::{Map, Value};

use crate::engine::image;
use crate::engine::progress::{Cancel, Event, Outcome, Phase, Progress};
use crate::engine::{build, BuildPlan, Builder, Engine};
use crate::feature::cache::FeatureCache;
use crate::feature::lockfile::Lockfile;
use crate::feature::stage::{self, Users};
use crate::feature::{FeatureError, FeatureSet, Resolver};

use super::metadata;
use super::plan::Plan;
use super::up::UpOptions;
use super::{engine_error, EnvironmentError, Role, METADATA_LABEL};

/// The label holding the hash of what the Features stage installed.
pub const FEATURES_INPUTS_LABEL: &str = "dev.berth.features-inputs";

/// Resolve the plan's Features (fetching what is not cached) and write the lock file:
/// done before any build, so a Feature that cannot be had fails at once.
///
/// # Errors
///
/// A Feature that cannot be fetched or used.
pub(super) async fn resolve(
    plan: &Plan,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Outcome<FeatureSet>, EnvironmentError> {
    let environment = &plan.environment;
    let config = &plan.resolved.config;
    let cache = FeatureCache::new().ok_or_else(|| FeatureError::Stage {
        message: "there is no cache folder for Features (no home folder?); set BERTH_CACHE_DIR"
            .to_owned(),
    })?;
    let resolver = Resolver {
        credentials: &crate::secrets::Kept,
        cache,
    };
    progress.event(Event::Phase {
        phase: Phase::Features,
        message: format!("resolving {} Feature(s)", config.features.len()),
    });
    let Outcome::Done(set) = resolver
        .resolve(
            &environment.config_file,
            &config.features,
            &plan.feature_install_order,
            progress,
            cancel,
        )
        .await?
    else {
        return Ok(Outcome::Cancelled);
    };
    for warning in &set.warnings {
        progress.event(Event::Warning {
            message: warning.clone(),
        });
    }
    let lock_path = Lockfile::path_for(&environment.config_file);
    if let Err(err) = set.lockfile.write_if_changed(&lock_path) {
        progress.event(Event::Warning {
            message: err.to_string(),
        });
    }
    Ok(Outcome::Done(set))
}

/// Install `set` on `base`; returns the image to run.
///
/// # Errors
///
/// The stage's build (the known-good image stays), the engine.
#[allow(clippy::too_many_arguments)]
pub(super) async fn install(
    engine: &Engine,
    plan: &Plan,
    set: &FeatureSet,
    base: &str,
    options: &UpOptions,
    kept: bool,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Outcome<String>, EnvironmentError> {
    let environment = &plan.environment;
    let folder = &environment.local_folder;
    if set.installs.is_empty() {
        return Ok(Outcome::Done(base.to_owned()));
    }

    let base_image = image::inspect(engine, base)
        .await
        .map_err(engine_error(folder, "inspect the base image"))?
        .ok_or_else(|| {
            EnvironmentError::Invalid(format!(
                "the base image '{base}' disappeared before its Features could be installed; run `berth up` again"
            ))
        })?;
    let mut entries =
        metadata::entries_of(base_image.labels.get(METADATA_LABEL).map(String::as_str));
    entries.extend(stage::metadata_entries(&set.installs));
    let users = users(&entries, &plan.config_entry(), &base_image.user);
    let written = stage::write(base, &set.installs, &users)?;
    let inputs = super::hash(&[written.inputs.as_bytes(), base_image.id.as_bytes()]);

    let tag = environment.image();
    let known_good = image::inspect(engine, &tag)
        .await
        .map_err(engine_error(folder, "look up the image"))?;
    let rebuild = options.rebuild || options.no_cache;
    if let (Some(image), false) = (&known_good, rebuild) {
        if image.labels.get(FEATURES_INPUTS_LABEL) == Some(&inputs) {
            progress.event(Event::Phase {
                phase: Phase::Build,
                message: format!("'{tag}' is up to date: its base and its Features did not change"),
            });
            return Ok(Outcome::Done(tag));
        }
    }
    let mut labels = environment.labels(Role::Image);
    labels.insert(METADATA_LABEL.to_owned(), metadata::label(&entries));
    labels.insert(FEATURES_INPUTS_LABEL.to_owned(), inputs);
    let names: Vec<&str> = set.installs.iter().map(|i| i.key.as_str()).collect();
    progress.event(Event::Phase {
        phase: Phase::Build,
        message: format!("installing the Features {} on '{base}'", names.join(", ")),
    });
    let stage_plan = BuildPlan {
        context: written.context().to_owned(),
        dockerfile: written.dockerfile(),
        tag,
        labels,
        no_cache: options.no_cache,
        builder: Builder::Auto,
        ..BuildPlan::default()
    };
    match build(engine, &stage_plan, progress, cancel).await {
        Ok(Outcome::Done(built)) => Ok(Outcome::Done(built.tag)),
        Ok(Outcome::Cancelled) => Ok(Outcome::Cancelled),
        Err(source) => Err(EnvironmentError::Build {
            error: Box::new(source),
            kept: kept || known_good.is_some(),
        }),
    }
}

/// `_CONTAINER_USER` and `_REMOTE_USER`: the last entry (devcontainer.json's last) that
/// names one, else the image's user, else root; the remote user defaults to the
/// container user.
fn users(entries: &[Map<String, Value>], config: &Map<String, Value>, image_user: &str) -> Users {
    let all: Vec<&Map<String, Value>> = entries.iter().chain(std::iter::once(config)).collect();
    let last = |key: &str| {
        all.iter()
            .rev()
            .find_map(|entry| entry.get(key).and_then(Value::as_str))
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let container = last("containerUser").unwrap_or_else(|| {
        if image_user.is_empty() {
            "root".to_owned()
        } else {
            image_user.to_owned()
        }
    });
    Users {
        remote: last("remoteUser").unwrap_or_else(|| container.clone()),
        container,
        image: image_user.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    #[test]
    fn features_install_for_the_users_the_last_entry_names() {
        let image = map(json!({"remoteUser": "vscode"}));
        let found = users(std::slice::from_ref(&image), &Map::new(), "");
        assert_eq!(
            (found.container.as_str(), found.remote.as_str()),
            ("root", "vscode")
        );
        let config = map(json!({"containerUser": "dev"}));
        let found = users(&[image], &config, "app");
        assert_eq!(
            (
                found.container.as_str(),
                found.remote.as_str(),
                found.image.as_str()
            ),
            ("dev", "vscode", "app")
        );
        let found = users(&[], &Map::new(), "app");
        assert_eq!(
            (found.container.as_str(), found.remote.as_str()),
            ("app", "app")
        );
    }
}
