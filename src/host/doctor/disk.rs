//! Check: room for images where the engine keeps its data. Deep-learning images are
//! 5–15 GB each, and a build needs room for its layers on top.

use std::path::Path;

use crate::engine::EngineFacts;
use crate::host::facts::{free_disk_bytes, human_bytes};

use super::{Check, CheckId, CheckStatus, Fix};

const TITLE: &str = "Free disk for images";
const GB: u64 = 1 << 30;
/// Below this a CUDA image build will not fit.
const FAIL_BELOW: u64 = 5 * GB;
/// Below this one large image fits, perhaps, but not two.
const WARN_BELOW: u64 = 20 * GB;

/// The check: measure the free space under the engine's data folder when the engine is
/// on this machine.
pub(super) fn check(facts: Option<&EngineFacts>) -> Check {
    let Some(facts) = facts else {
        return Check::without_engine(CheckId::Disk, TITLE);
    };
    let root = facts
        .root_dir
        .clone()
        .unwrap_or_else(|| "/var/lib/docker".to_owned());
    if !facts.local {
        return Check::new(
            CheckId::Disk,
            TITLE,
            CheckStatus::Ok,
            format!("not measured: the engine runs elsewhere (its data is in {root} there)"),
            None,
        );
    }
    // Docker Desktop's root is inside its VM, not a path here.
    match free_disk_bytes(Path::new(&root)) {
        Some(free) => assess(&root, free),
        None => Check::new(
            CheckId::Disk,
            TITLE,
            CheckStatus::Ok,
            format!("not measured: {root} is not a folder on this machine (Docker Desktop keeps it in its VM)"),
            None,
        ),
    }
}

/// The status for `free` bytes under `root`.
fn assess(root: &str, free: u64) -> Check {
    let summary = format!(
        "{} free where the engine keeps images ({root})",
        human_bytes(free)
    );
    let prune = Fix::to_copy(
        "Free space: remove the build cache and images no container uses (this deletes them), or move Docker's data to a larger disk.",
        Some("docker builder prune && docker image prune"),
    );
    if free < FAIL_BELOW {
        Check::new(
            CheckId::Disk,
            TITLE,
            CheckStatus::Failed,
            format!("{summary}: a deep-learning image (5–15 GB) will not fit"),
            Some(prune),
        )
    } else if free < WARN_BELOW {
        Check::new(
            CheckId::Disk,
            TITLE,
            CheckStatus::Warning,
            format!("{summary}: enough for one deep-learning image (5–15 GB), not many"),
            Some(prune),
        )
    } else {
        Check::new(CheckId::Disk, TITLE, CheckStatus::Ok, summary, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_space_is_weighed_against_deep_learning_images() {
        assert_eq!(assess("/var/lib/docker", 100 * GB).status, CheckStatus::Ok);
        let tight = assess("/var/lib/docker", 12 * GB);
        assert_eq!(tight.status, CheckStatus::Warning);
        assert!(
            tight.summary.starts_with("12.0 GB free"),
            "{}",
            tight.summary
        );
        let full = assess("/var/lib/docker", 2 * GB);
        assert_eq!(full.status, CheckStatus::Failed);
        assert!(full
            .fix
            .unwrap()
            .command
            .unwrap()
            .contains("docker builder prune"));
    }

    #[test]
    fn a_remote_engine_is_not_measured_here() {
        let facts = EngineFacts {
            root_dir: Some("/var/lib/docker".into()),
            local: false,
            ..EngineFacts::default()
        };
        let check = check(Some(&facts));
        assert_eq!(check.status, CheckStatus::Ok);
        assert!(check.summary.starts_with("not measured"));
    }

    #[test]
    fn the_local_engines_folder_is_measured() {
        let dir = tempfile::tempdir().unwrap();
        let facts = EngineFacts {
            root_dir: Some(dir.path().display().to_string()),
            local: true,
            ..EngineFacts::default()
        };
        let check = check(Some(&facts));
        assert!(
            check.summary.contains("free where the engine keeps images"),
            "{}",
            check.summary
        );
    }
}
