//! `cargo xtask startup`: measures the desktop app as a user meets it: time from launch
//! until the window shows its first screen, and the memory (RSS and PSS) of the app and
//! its WebKit processes once it has settled. Runs under its own Xvfb display.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::display::VirtualDisplay;
use crate::system::{self, Package};

/// Screen size Xvfb runs at; the screenshot below reads raw RGB of this size.
const SCREEN: (usize, usize) = (1280, 800);

/// How long the app may take to show its first screen.
const LIMIT: Duration = Duration::from_secs(60);

/// Distinct colours on screen above which the window counts as painted: an unpainted
/// window is one or two flat colours; the first screen has text, icon and panel.
const PAINTED_COLOURS: usize = 24;

/// One launch's figures.
struct Sample {
    first_paint: Duration,
    rss_kib: Vec<(String, u64, u64)>,
}

/// Number of distinct colours in a root-window screenshot (ImageMagick `import`).
fn distinct_colours(display: &str) -> Result<usize> {
    let out = Command::new("import")
        .args(["-silent", "-window", "root", "-depth", "8", "rgb:-"])
        .env("DISPLAY", display)
        .stderr(Stdio::null())
        .output()
        .context("failed to run ImageMagick's import")?;
    if out.stdout.len() < SCREEN.0 * SCREEN.1 * 3 {
        return Ok(0);
    }
    let mut seen = std::collections::HashSet::new();
    for pixel in out.stdout.chunks_exact(3).step_by(7) {
        seen.insert((pixel[0], pixel[1], pixel[2]));
        if seen.len() > PAINTED_COLOURS {
            break;
        }
    }
    Ok(seen.len())
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

fn launch(binary: &Path, display: &str, logs: &Path, shot: &Path) -> Result<Sample> {
    let started = Instant::now();
    let mut child = Command::new(binary)
        .env("DISPLAY", display)
        .env("BERTH_LOG_DIR", logs)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("failed to start {}", binary.display()))?;
    let first_paint = loop {
        if distinct_colours(display)? > PAINTED_COLOURS {
            break started.elapsed();
        }
        if let Some(status) = child.try_wait()? {
            bail!(
                "the app exited before painting ({status}); see {}",
                logs.display()
            );
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            bail!("the window showed nothing within {} s", LIMIT.as_secs());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // What "painted" looked like, to check the detector by eye.
    let _ = Command::new("import")
        .args(["-silent", "-window", "root"])
        .arg(shot)
        .env("DISPLAY", display)
        .status();
    // Let the first screen settle (the engine check, WebKit's caches) before reading memory.
    std::thread::sleep(Duration::from_secs(3));
    let rss_kib = process_tree(child.id())
        .into_iter()
        .filter_map(memory)
        .collect();
    let _ = child.kill();
    let _ = child.wait();
    Ok(Sample {
        first_paint,
        rss_kib,
    })
}

/// `cargo xtask startup [RUNS]`: launch the debug app RUNS times (default 5) and print
/// the median time to first paint and the memory of each process.
pub fn run(runs: usize, binary: PathBuf, output: &Path) -> Result<()> {
    system::install_packages(&[&Package {
        name: "imagemagick",
        why: "reads the virtual screen to see when the window has painted",
    }])?;
    let display = VirtualDisplay::start(output)?;
    let mut samples = Vec::new();
    for run in 1..=runs {
        let shot = output.join(format!("first-paint-{run}.png"));
        let sample = launch(&binary, &display.name, &output.join("startup-logs"), &shot)?;
        println!(
            "run {run}: first paint after {:.0} ms",
            sample.first_paint.as_secs_f64() * 1000.0
        );
        samples.push(sample);
    }
    samples.sort_by_key(|s| s.first_paint);
    let median = &samples[samples.len() / 2];
    println!(
        "\nfirst paint (launch → first screen drawn), median of {runs}: {:.0} ms (min {:.0}, max {:.0})",
        median.first_paint.as_secs_f64() * 1000.0,
        samples[0].first_paint.as_secs_f64() * 1000.0,
        samples[samples.len() - 1].first_paint.as_secs_f64() * 1000.0
    );
    println!(
        "screens at the moment of first paint: {}/first-paint-*.png",
        output.display()
    );
    println!("memory 3 s after first paint (median run):");
    let (mut rss, mut pss) = (0, 0);
    for (name, r, p) in &median.rss_kib {
        println!(
            "  {name:<24} RSS {:>7.1} MiB   PSS {:>7.1} MiB",
            *r as f64 / 1024.0,
            *p as f64 / 1024.0
        );
        rss += r;
        pss += p;
    }
    println!(
        "  {:<24} RSS {:>7.1} MiB   PSS {:>7.1} MiB",
        "total",
        rss as f64 / 1024.0,
        pss as f64 / 1024.0
    );
    Ok(())
}
