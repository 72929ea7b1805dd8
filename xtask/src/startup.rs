//! `cargo xtask startup`: measures the desktop app as a user meets it, side by side with a
//! minimal Tauri app (`xtask/peer/minimal-tauri`) built in the same cargo run: launches
//! alternate on one Xvfb screen, each timed from launch until the screen stops changing,
//! then the memory (RSS and PSS) of the app and its WebKit processes. Prints each app's
//! figures and Berth's ratios to the peer, and where Berth's launch spent its time (the
//! milestones its log file records).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};

use crate::display::VirtualDisplay;
use crate::system::{self, Package};

/// Screen size Xvfb runs at; the screenshot below reads raw RGB of this size.
const SCREEN: (usize, usize) = (1280, 800);

/// How long an app may take to settle.
const LIMIT: Duration = Duration::from_secs(60);

/// Distinct colours on screen above which a window counts as painted: an empty screen or
/// an unpainted window is one or two flat colours; text, icons and panels bring many.
pub(crate) const PAINTED_COLOURS: usize = 12;

/// The gap between the two identical screenshots that say the screen stopped changing.
const SETTLE_GAP: Duration = Duration::from_millis(100);

/// How long after settling memory is read (WebKit's caches, the engine watcher).
const MEMORY_AFTER: Duration = Duration::from_secs(3);

/// The milestones Berth's log records on the way to its first screen, in order: the
/// label printed and the text of the log line.
const MILESTONES: &[(&str, &str)] = &[
    ("logging set up (main entered)", "Berth desktop starting"),
    ("setup hook entered", "setup hook started"),
    ("setup hook done", "setup hook finished"),
    ("page load started (WebKit)", "page load started"),
    ("first IPC: environments asked", "environments: asked"),
    ("environments answered", "environments: answered"),
    (
        "page load finished (WebKit load event)",
        "page load finished",
    ),
    ("sizes asked", "environment sizes: asked"),
    ("sizes answered", "environment sizes: answered"),
];

/// One app under measurement.
struct App {
    name: &'static str,
    binary: PathBuf,
}

/// One launch's figures.
struct Sample {
    settled: Duration,
    painted: Duration,
    rss_kib: Vec<(String, u64, u64)>,
    /// Berth's milestones: label and seconds after launch.
    milestones: Vec<(&'static str, f64)>,
}

impl Sample {
    fn rss_total(&self) -> u64 {
        self.rss_kib.iter().map(|(_, r, _)| r).sum()
    }

    fn pss_total(&self) -> u64 {
        self.rss_kib.iter().map(|(_, _, p)| p).sum()
    }
}

/// One root-window screenshot: a hash of its pixels and how many distinct colours it has.
pub(crate) struct Frame {
    hash: u64,
    /// Distinct colours, counted up to one more than [`PAINTED_COLOURS`].
    pub(crate) colours: usize,
}

/// Read the whole screen of `display` (ImageMagick's `import`).
pub(crate) fn screenshot(display: &str) -> Result<Frame> {
    let out = Command::new("import")
        .args(["-silent", "-window", "root", "-depth", "8", "rgb:-"])
        .env("DISPLAY", display)
        .stderr(Stdio::null())
        .output()
        .context("failed to run ImageMagick's import")?;
    if out.stdout.len() < SCREEN.0 * SCREEN.1 * 3 {
        return Ok(Frame {
            hash: 0,
            colours: 0,
        });
    }
    let mut hasher = DefaultHasher::new();
    out.stdout.hash(&mut hasher);
    let mut seen = std::collections::HashSet::new();
    for pixel in out.stdout.chunks_exact(3).step_by(7) {
        seen.insert((pixel[0], pixel[1], pixel[2]));
        if seen.len() > PAINTED_COLOURS {
            break;
        }
    }
    Ok(Frame {
        hash: hasher.finish(),
        colours: seen.len(),
    })
}

/// The process ids of `root` and all its descendants.
fn process_tree(root: u32) -> Vec<u32> {
    let mut tree = vec![root];
    let mut index = 0;
    while index < tree.len() {
        let parent = tree[index];
        let children = std::fs::read_to_string(format!("/proc/{parent}/task/{parent}/children"))
            .unwrap_or_default();
        tree.extend(
            children
                .split_whitespace()
                .filter_map(|p| p.parse::<u32>().ok()),
        );
        index += 1;
    }
    tree
}

/// (name, RSS KiB, PSS KiB) of one process.
fn memory(pid: u32) -> Option<(String, u64, u64)> {
    let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let field = |key: &str| {
        rollup
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Some((name.trim().to_owned(), field("Rss:"), field("Pss:")))
}

/// Kill the app and every process it started (WebKit's), and wait for it.
pub(crate) fn stop(child: &mut Child) {
    for pid in process_tree(child.id()).into_iter().skip(1) {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Seconds since midnight UTC of a log line's RFC 3339 timestamp (`…T15:20:01.123456Z`).
fn log_time_of_day(line: &str) -> Option<f64> {
    let stamp = line.split_whitespace().next()?;
    let time = stamp.split_once('T')?.1.trim_end_matches('Z');
    let mut parts = time.splitn(3, ':');
    let hours: f64 = parts.next()?.parse().ok()?;
    let minutes: f64 = parts.next()?.parse().ok()?;
    let seconds: f64 = parts.next()?.parse().ok()?;
    Some(hours * 3600.0 + minutes * 60.0 + seconds)
}

/// Berth's milestones in the log files under `logs`, as seconds after `launched`.
fn milestones(logs: &Path, launched: SystemTime) -> Vec<(&'static str, f64)> {
    let since_epoch = launched
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64();
    let launch_of_day = since_epoch % 86_400.0;
    let text: String = std::fs::read_dir(logs)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
        .collect();
    MILESTONES
        .iter()
        .filter_map(|(label, needle)| {
            let at = text
                .lines()
                .filter(|line| line.contains(needle))
                .filter_map(log_time_of_day)
                .map(|t| t - launch_of_day)
                .find(|after| *after >= -0.01)?;
            Some((*label, at))
        })
        .collect()
}

/// Launch `app` once and wait for its screen to settle, then read its memory.
fn launch(app: &App, display: &str, logs: &Path, shot: &Path) -> Result<Sample> {
    let _ = std::fs::remove_dir_all(logs);
    let launched = SystemTime::now();
    let started = Instant::now();
    let mut child = Command::new(&app.binary)
        .env("DISPLAY", display)
        .env("BERTH_LOG_DIR", logs)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("failed to start {}", app.binary.display()))?;
    let mut painted = None;
    // The last painted frame: when it was taken and its hash.
    let mut previous: Option<(Duration, u64)> = None;
    let settled = loop {
        let taken = started.elapsed();
        let frame = screenshot(display)?;
        if frame.colours > PAINTED_COLOURS {
            painted.get_or_insert(taken);
            if let Some((at, hash)) = previous {
                if hash == frame.hash && taken - at >= SETTLE_GAP {
                    break at;
                }
            }
            if previous.is_none_or(|(_, hash)| hash != frame.hash) {
                previous = Some((taken, frame.hash));
            }
        }
        if let Some(status) = child.try_wait()? {
            bail!(
                "{} exited before its screen settled ({status}); see {}",
                app.name,
                logs.display()
            );
        }
        if started.elapsed() > LIMIT {
            stop(&mut child);
            bail!(
                "{}'s screen did not settle within {} s",
                app.name,
                LIMIT.as_secs()
            );
        }
        // Screenshots about SETTLE_GAP apart (import itself takes a good part of it).
        let next = taken + SETTLE_GAP;
        if let Some(wait) = next.checked_sub(started.elapsed()) {
            std::thread::sleep(wait);
        }
    };
    // What "settled" looked like, to check the detector by eye.
    let _ = Command::new("import")
        .args(["-silent", "-window", "root"])
        .arg(shot)
        .env("DISPLAY", display)
        .status();
    std::thread::sleep(MEMORY_AFTER);
    let rss_kib = process_tree(child.id())
        .into_iter()
        .filter_map(memory)
        .collect();
    stop(&mut child);
    Ok(Sample {
        settled,
        painted: painted.unwrap_or(settled),
        rss_kib,
        milestones: milestones(logs, launched),
    })
}

/// Wait until the screen is empty again (the last window gone) before the next launch.
fn wait_for_empty_screen(display: &str) -> Result<()> {
    let started = Instant::now();
    while screenshot(display)?.colours > 2 {
        if started.elapsed() > Duration::from_secs(10) {
            bail!("the screen did not clear within 10 s of closing the app");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Min, median and max of `values`.
fn spread(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    (
        values[0],
        values[values.len() / 2],
        values[values.len() - 1],
    )
}

/// Print one app's figures; returns its median settle time (s) and median RSS (MiB).
fn report(app: &App, samples: &[Sample]) -> (f64, f64) {
    let settled = spread(samples.iter().map(|s| s.settled.as_secs_f64()).collect());
    let painted = spread(samples.iter().map(|s| s.painted.as_secs_f64()).collect());
    let rss = spread(samples.iter().map(|s| mib(s.rss_total())).collect());
    let pss = spread(samples.iter().map(|s| mib(s.pss_total())).collect());
    println!(
        "\n{} ({} runs): min / median / max",
        app.name,
        samples.len()
    );
    println!(
        "  launch → screen settled  {:>6.2} / {:>6.2} / {:>6.2} s",
        settled.0, settled.1, settled.2
    );
    println!(
        "  launch → first paint     {:>6.2} / {:>6.2} / {:>6.2} s",
        painted.0, painted.1, painted.2
    );
    println!(
        "  RSS, app + WebKit        {:>6.0} / {:>6.0} / {:>6.0} MiB",
        rss.0, rss.1, rss.2
    );
    println!(
        "  PSS, app + WebKit        {:>6.0} / {:>6.0} / {:>6.0} MiB",
        pss.0, pss.1, pss.2
    );
    let mut by_settle: Vec<&Sample> = samples.iter().collect();
    by_settle.sort_by_key(|s| s.settled);
    let median = by_settle[by_settle.len() / 2];
    println!("  processes of the median run:");
    for (name, r, p) in &median.rss_kib {
        println!(
            "    {name:<22} RSS {:>7.1} MiB   PSS {:>7.1} MiB",
            mib(*r),
            mib(*p)
        );
    }
    if !median.milestones.is_empty() {
        println!("  where the median run's time went (its log, seconds after launch):");
        for (label, at) in &median.milestones {
            println!("    {at:>6.3} s  {label}");
        }
        println!(
            "    {:>6.3} s  first paint (screenshots)\n    {:>6.3} s  screen settled (screenshots)",
            median.painted.as_secs_f64(),
            median.settled.as_secs_f64()
        );
    }
    (settled.1, rss.1)
}

/// One Berth environment for the first screen to list, as Berth labels it: a package
/// volume of a project folder (the row then has a size to measure). Removed when dropped.
struct Fixture {
    volume: String,
}

impl Fixture {
    const VOLUME: &'static str = "berth-startup-benchmark-packages";

    /// Make it with the `docker` CLI; `None` (said) when the engine does not answer.
    fn create(folder: &Path) -> Option<Self> {
        use berth::environment::{FOLDER_LABEL, PROJECT_LABEL, ROLE_LABEL};
        std::fs::create_dir_all(folder).ok()?;
        let label = |key: &str, value: &str| format!("{key}={value}");
        let made = Command::new("docker")
            .args(["volume", "create"])
            .args(["--label", &label(PROJECT_LABEL, "startupbenchmark")])
            .args(["--label", &label(ROLE_LABEL, "packages")])
            .args(["--label", &label(FOLDER_LABEL, &folder.to_string_lossy())])
            .arg(Self::VOLUME)
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            println!(
                "==> no Docker engine answers: Berth's first screen will show its engine error"
            );
            return None;
        }
        println!(
            "==> made one Berth environment for the first screen to list (volume {})",
            Self::VOLUME
        );
        Some(Self {
            volume: Self::VOLUME.to_owned(),
        })
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["volume", "rm", "-f", &self.volume])
            .stdout(Stdio::null())
            .status();
    }
}

/// Launch Berth and the peer `runs` times each, alternating (after one unmeasured warm-up
/// launch of each, so both start with WebKit's caches warm), and print the figures.
pub fn run(runs: usize, berth: PathBuf, peer: PathBuf, output: &Path) -> Result<()> {
    system::install_packages(&[&Package {
        name: "imagemagick",
        why: "reads the virtual screen to see when a window has painted and settled",
    }])?;
    let apps = [
        App {
            name: "Berth",
            binary: berth,
        },
        App {
            name: "minimal Tauri app",
            binary: peer,
        },
    ];
    let _fixture = Fixture::create(&output.join("startup-project"));
    let display = VirtualDisplay::start(output)?;
    let logs = output.join("startup-logs");
    let mut samples: [Vec<Sample>; 2] = [Vec::new(), Vec::new()];
    for run in 0..=runs {
        for (index, app) in apps.iter().enumerate() {
            wait_for_empty_screen(&display.name)?;
            let slug = if index == 0 { "berth" } else { "minimal" };
            let shot = output.join(format!("settled-{slug}-{run}.png"));
            let sample = launch(app, &display.name, &logs.join(slug), &shot)?;
            if run == 0 {
                println!(
                    "warm-up  {:<18} settled after {:.2} s (not counted)",
                    app.name,
                    sample.settled.as_secs_f64()
                );
                continue;
            }
            println!(
                "run {run:<4} {:<18} settled after {:.2} s, RSS {:.0} MiB",
                app.name,
                sample.settled.as_secs_f64(),
                mib(sample.rss_total())
            );
            samples[index].push(sample);
        }
    }
    let (berth_time, berth_rss) = report(&apps[0], &samples[0]);
    let (peer_time, peer_rss) = report(&apps[1], &samples[1]);
    println!(
        "\nBerth ÷ minimal Tauri app (medians): time to settled screen {:.2}×, RSS {:.2}×",
        berth_time / peer_time,
        berth_rss / peer_rss
    );
    println!(
        "screens as they settled: {}/settled-*.png",
        output.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_give_their_time_of_day() {
        let line = "2026-12-02T15:20:01.250000Z  INFO berth::logging: Berth desktop starting";
        let at = log_time_of_day(line).unwrap();
        assert!((at - (15.0 * 3600.0 + 20.0 * 60.0 + 1.25)).abs() < 1e-6);
        assert_eq!(log_time_of_day("no timestamp here"), None);
    }

    #[test]
    fn spread_is_min_median_max() {
        assert_eq!(spread(vec![3.0, 1.0, 2.0]), (1.0, 2.0, 3.0));
    }
}
