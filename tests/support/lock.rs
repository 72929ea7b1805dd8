//! A lock shared by every process on this machine, so that test binaries running at the
//! same time build a base image once instead of racing each other for minutes.
//!
//! It is a directory created atomically (`mkdir` either makes it or fails), holding a
//! file that names the owner's pid. A lock whose owner died is taken over. Two waiters
//! that take over the same dead lock at the same moment could both build; that costs
//! time, not correctness, since building an image is idempotent.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{human_duration, progress};

/// How long to wait for another process before giving up.
const WAIT_LIMIT: Duration = Duration::from_secs(45 * 60);
/// How often to look again.
const POLL: Duration = Duration::from_millis(500);
/// A lock directory without an owner file older than this was left by a crash between
/// creating the directory and writing the file.
const OWNERLESS_GRACE: Duration = Duration::from_secs(60);
/// The file inside the lock directory naming the owner.
const OWNER_FILE: &str = "owner";

/// A held lock; dropping it releases it.
#[derive(Debug)]
pub struct MachineLock {
    dir: PathBuf,
    token: String,
}

impl MachineLock {
    /// Wait until the lock named `name` (e.g. `berth-test-image-busybox`) is free, and take
    /// it. `purpose` says in the log what the lock guards.
    ///
    /// # Panics
    ///
    /// When the lock stays taken for longer than 45 minutes, or the lock directory
    /// cannot be created at all.
    pub async fn acquire(name: &str, purpose: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("{name}.lock"));
        let token = format!("{} {}", std::process::id(), unique_suffix());
        let started = Instant::now();
        let mut announced = false;
        loop {
            match std::fs::create_dir(&dir) {
                Ok(()) => {
                    let owner = dir.join(OWNER_FILE);
                    if let Err(err) = std::fs::write(&owner, &token) {
                        let _ = std::fs::remove_dir_all(&dir);
                        panic!(
                            "failed to write the lock owner file {}: {err}",
                            owner.display()
                        );
                    }
                    if announced {
                        progress(format!(
                            "took lock {} after {}",
                            dir.display(),
                            human_duration(started.elapsed())
                        ));
                    }
                    return Self { dir, token };
                }
                Err(err) if err.kind() == ErrorKind::AlreadyExists => {}
                Err(err) => panic!("failed to create lock directory {}: {err}", dir.display()),
            }
            match holder(&dir) {
                Holder::Dead(why) => {
                    progress(format!("taking over lock {}: {why}", dir.display()));
                    let _ = std::fs::remove_dir_all(&dir);
                    continue;
                }
                Holder::Alive(pid) if !announced => {
                    progress(format!(
                        "waiting for process {pid}, which holds {} ({purpose})",
                        dir.display()
                    ));
                    announced = true;
                }
                Holder::Alive(_) | Holder::Starting => {}
            }
            if started.elapsed() > WAIT_LIMIT {
                panic!(
                    "waited {} for lock {} ({purpose}); if no test is running, remove it: rm -r {}",
                    human_duration(WAIT_LIMIT),
                    dir.display(),
                    dir.display()
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

impl Drop for MachineLock {
    fn drop(&mut self) {
        // Only remove the lock if it is still ours (it may have been taken over).
        let owner = std::fs::read_to_string(self.dir.join(OWNER_FILE)).unwrap_or_default();
        if owner == self.token {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Who holds a lock directory.
enum Holder {
    /// A live process, by pid.
    Alive(u32),
    /// Just created; the owner file is not written yet.
    Starting,
    /// Nobody: the owner died. Says how we know.
    Dead(String),
}

/// Find out who holds the lock directory `dir`.
fn holder(dir: &Path) -> Holder {
    match std::fs::read_to_string(dir.join(OWNER_FILE)) {
        Ok(text) => {
            let pid = text
                .split_whitespace()
                .next()
                .and_then(|pid| pid.parse::<u32>().ok());
            match pid {
                Some(pid) if Path::new(&format!("/proc/{pid}")).exists() => Holder::Alive(pid),
                Some(pid) => Holder::Dead(format!("its owner, process {pid}, is gone")),
                None => Holder::Dead(format!("its owner file says {text:?}, not a pid")),
            }
        }
        Err(_) => {
            let age = std::fs::metadata(dir)
                .and_then(|meta| meta.modified())
                .ok()
                .and_then(|modified| SystemTime::now().duration_since(modified).ok());
            match age {
                Some(age) if age > OWNERLESS_GRACE => {
                    Holder::Dead(format!("it has had no owner for {}", human_duration(age)))
                }
                _ => Holder::Starting,
            }
        }
    }
}

/// Something that differs between two locks taken by one process.
fn unique_suffix() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}
