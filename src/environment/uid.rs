//! `updateRemoteUserUID`: on Linux, give the container's remote user the host user's
//! UID and GID (and its home folder with them), so files in the bind-mounted workspace
//! belong to the same person on both sides. Done as the reference CLI does it, with a
//! small image on top of the environment's, which is kept and reused: the second `up`
//! finds it and builds nothing.

use std::collections::BTreeMap;

use crate::engine::image::{self, ImageInfo};
use crate::engine::progress::{Cancel, Event, Outcome, Phase, Progress};
use crate::engine::{build, BuildPlan, Builder, Engine};

use super::{engine_error, hash, Environment, EnvironmentError, Role};

/// The Dockerfile of the UID image: the user's entry in `/etc/passwd` (and its group)
/// gets the new ids unless another user or group has them; the home folder follows.
const DOCKERFILE: &str = r#"ARG BASE_IMAGE
FROM ${BASE_IMAGE}
USER root
ARG REMOTE_USER
ARG NEW_UID
ARG NEW_GID
SHELL ["/bin/sh", "-c"]
RUN line="$(grep "^${REMOTE_USER}:" /etc/passwd || true)"; \
    if [ -z "$line" ]; then echo "berth: ${REMOTE_USER} is not in /etc/passwd; nothing to change"; exit 0; fi; \
    old_uid="$(echo "$line" | cut -d: -f3)"; old_gid="$(echo "$line" | cut -d: -f4)"; home="$(echo "$line" | cut -d: -f6)"; \
    if [ "$old_uid" = "$NEW_UID" ] && [ "$old_gid" = "$NEW_GID" ]; then echo "berth: ${REMOTE_USER} has ${NEW_UID}:${NEW_GID} already"; exit 0; fi; \
    owner="$(awk -F: -v id="$NEW_UID" -v me="$REMOTE_USER" '$3 == id && $1 != me { print $1; exit }' /etc/passwd)"; \
    if [ "$old_uid" != "$NEW_UID" ] && [ -n "$owner" ]; then echo "berth: UID ${NEW_UID} belongs to ${owner}; ${REMOTE_USER} keeps ${old_uid}"; exit 0; fi; \
    group="$(awk -F: -v id="$NEW_GID" '$3 == id { print $1; exit }' /etc/group)"; \
    if [ "$old_gid" != "$NEW_GID" ] && [ -n "$group" ]; then echo "berth: GID ${NEW_GID} belongs to group ${group}; keeping ${old_gid}"; NEW_GID="$old_gid"; fi; \
    echo "berth: ${REMOTE_USER} ${old_uid}:${old_gid} -> ${NEW_UID}:${NEW_GID}"; \
    sed -i "s/^${REMOTE_USER}:\([^:]*\):[^:]*:[^:]*:/${REMOTE_USER}:\1:${NEW_UID}:${NEW_GID}:/" /etc/passwd; \
    if [ "$old_gid" != "$NEW_GID" ]; then sed -i "s/^\([^:]*:[^:]*:\)${old_gid}:/\1${NEW_GID}:/" /etc/group; fi; \
    if [ -d "$home" ]; then chown -R "${NEW_UID}:${NEW_GID}" "$home"; fi
ARG IMAGE_USER
USER ${IMAGE_USER}
"#;

/// The host user's UID and GID; `None` where UIDs do not carry into containers (not
/// Linux).
pub fn host_ids() -> Option<(u32, u32)> {
    #[cfg(target_os = "linux")]
    {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        // `Uid:	real	effective	saved	fs`: the effective id is the second.
        let effective = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().nth(1))
                .and_then(|id| id.parse::<u32>().ok())
        };
        Some((effective("Uid:")?, effective("Gid:")?))
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// The image to run (by name): `base` (named `reference`) itself, or the UID image on
/// top of it for `remote_user` (built once per image, user and ids; found afterwards).
///
/// # Errors
///
/// The UID image fails to build.
pub async fn ensure(
    engine: &Engine,
    environment: &Environment,
    reference: &str,
    base: &ImageInfo,
    remote_user: Option<&str>,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Outcome<String>, EnvironmentError> {
    let image_user = if base.user.is_empty() {
        "root"
    } else {
        base.user.as_str()
    };
    let user = remote_user.unwrap_or(image_user);
    let user = user.split(':').next().unwrap_or(user);
    let Some((uid, gid)) = host_ids() else {
        return Ok(Outcome::Done(reference.to_owned()));
    };
    if user == "root" || user.chars().all(|c| c.is_ascii_digit()) {
        return Ok(Outcome::Done(reference.to_owned()));
    }
    let key = hash(&[
        base.id.as_bytes(),
        user.as_bytes(),
        uid.to_string().as_bytes(),
        gid.to_string().as_bytes(),
        DOCKERFILE.as_bytes(),
    ]);
    let tag = format!("{}:uid-{key}", environment.repository());
    let folder = environment.local_folder.as_path();
    if image::inspect(engine, &tag)
        .await
        .map_err(engine_error(folder, "look for the UID image"))?
        .is_some()
    {
        return Ok(Outcome::Done(tag));
    }
    progress.event(Event::Phase {
        phase: Phase::UpdateUid,
        message: format!("giving {user} in the container your UID and GID ({uid}:{gid})"),
    });
    let dir = tempfile::tempdir().map_err(|err| {
        EnvironmentError::Invalid(format!("failed to make a temporary folder: {err}"))
    })?;
    std::fs::write(dir.path().join("Dockerfile"), DOCKERFILE).map_err(|err| {
        EnvironmentError::Invalid(format!("failed to write the UID Dockerfile: {err}"))
    })?;
    let plan = BuildPlan {
        context: dir.path().to_owned(),
        dockerfile: dir.path().join("Dockerfile"),
        tag: tag.clone(),
        args: BTreeMap::from([
            ("BASE_IMAGE".to_owned(), reference.to_owned()),
            ("REMOTE_USER".to_owned(), user.to_owned()),
            ("NEW_UID".to_owned(), uid.to_string()),
            ("NEW_GID".to_owned(), gid.to_string()),
            ("IMAGE_USER".to_owned(), image_user.to_owned()),
        ]),
        labels: environment.labels(Role::UidImage),
        network: Some("none".to_owned()),
        builder: Builder::Auto,
        ..BuildPlan::default()
    };
    match build(engine, &plan, progress, cancel).await {
        Ok(Outcome::Done(built)) => Ok(Outcome::Done(built.tag)),
        Ok(Outcome::Cancelled) => Ok(Outcome::Cancelled),
        Err(source) => Err(EnvironmentError::Build {
            error: Box::new(source),
            kept: false,
        }),
    }
}
