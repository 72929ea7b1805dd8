//! Benchmarks of the real window, printed, never asserted (run them with
//! `cargo xtask test -- --test window perf -- --ignored`, or `cargo test --test window
//! perf -- --ignored` under a display): the CPU the app and its WebKit processes use with
//! the GPU dashboard open on a 1 Hz replay, against the same app idle on the environment
//! list in the same run; and the longest frame while a build log grows to 100,000 lines
//! and is scrolled end to end.

use std::time::{Duration, Instant};

use crate::driver::Window;
use crate::support;

const SHORT: Duration = Duration::from_secs(60);

/// How long each CPU measurement runs (`BERTH_BENCH_SECONDS`, default 60).
fn seconds() -> u64 {
    std::env::var("BERTH_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
}

/// The pids of `berth-desktop` and every process below it (WebKit's web and network
/// processes), found under the driver's process group.
fn app_tree() -> Vec<u32> {
    let mut app = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim() == "berth-desktop" {
            app.push(pid);
        }
    }
    let mut tree = app;
    let mut i = 0;
    while i < tree.len() {
        let pid = tree[i];
        let children =
            std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
        tree.extend(
            children
                .split_whitespace()
                .filter_map(|c| c.parse::<u32>().ok()),
        );
        i += 1;
    }
    tree
}

/// User + system CPU seconds of `pids` so far.
fn cpu_seconds(pids: &[u32]) -> f64 {
    let tick = 100.0; // USER_HZ on Linux
    pids.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok())
        .filter_map(|stat| {
            let after = stat.rsplit_once(')')?.1;
            let fields: Vec<&str> = after.split_whitespace().collect();
            let utime: f64 = fields.get(11)?.parse().ok()?;
            let stime: f64 = fields.get(12)?.parse().ok()?;
            Some((utime + stime) / tick)
        })
        .sum()
}

/// CPU of the app tree over `secs`, in % of one core.
async fn cpu_percent(secs: u64) -> f64 {
    let pids = app_tree();
    assert!(!pids.is_empty(), "no berth-desktop process found");
    let before: Vec<f64> = pids.iter().map(|p| cpu_seconds(&[*p])).collect();
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let after: Vec<f64> = pids.iter().map(|p| cpu_seconds(&[*p])).collect();
    let elapsed = started.elapsed().as_secs_f64();
    let mut used = 0.0;
    for ((pid, b), a) in pids.iter().zip(&before).zip(&after) {
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        assert!(
            a >= b,
            "process {pid} ({}) went away during the measurement",
            comm.trim()
        );
        eprintln!(
            "    {pid} {}: {:.2} %",
            comm.trim(),
            (a - b) / elapsed * 100.0
        );
        used += a - b;
    }
    used / elapsed * 100.0
}

#[tokio::test]
#[ignore = "a benchmark: run with --ignored"]
async fn perf_gpu_dashboard_cpu_against_the_idle_list() {
    let replay = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/gpu/load.jsonl");
    let window = Window::open("perf-gpu", &[("BERTH_GPU_REPLAY", replay)]).await;
    window
        .wait_for_any_attr(
            "screen-environments",
            "data-state",
            &["ready", "empty"],
            SHORT,
        )
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let secs = seconds();
    let idle = cpu_percent(secs).await;
    window.click("nav-gpus").await;
    window
        .wait_for_attr("gpu-state", "data-state", "ready", SHORT)
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let dashboard = cpu_percent(secs).await;

    window.screenshot("perf-gpu").await;
    eprintln!(
        "bench gpu-dashboard: {secs} s each, app + WebKit processes: dashboard on a 1 Hz replay \
         {dashboard:.2} % of one core, the same app idle on the list {idle:.2} % \
         (dashboard − idle = {:.2} %; target ≤ 3 %)",
        dashboard - idle
    );
    window.close().await;
}

#[tokio::test]
#[ignore = "a benchmark: run with --ignored"]
async fn perf_a_100k_line_build_log_stays_smooth() {
    let docker = support::engine::connect().await;
    let base = support::images::busybox(&docker).await;
    let dir = tempfile::tempdir().expect("a temp folder");
    let folder = dir.path().join("chatty");
    crate::environments::dockerfile_project(
        &folder,
        &format!("FROM {base}\nRUN seq 1 100000 && exit 1\n"),
    );
    let window = Window::open("perf-log", &[]).await;
    // Every frame's length from here on, in the page.
    window
        .eval(
            "(() => { window.__frames = []; let last = performance.now(); \
             const tick = (now) => { window.__frames.push(now - last); last = now; \
             requestAnimationFrame(tick); }; requestAnimationFrame(tick); return 0; })()",
        )
        .await;
    crate::environments::build_existing(&window, &folder).await;
    window
        .wait_for_any_attr(
            "build-progress",
            "data-state",
            &["failed", "done"],
            Duration::from_secs(600),
        )
        .await;
    let lines = window
        .eval("document.querySelector('[data-testid=build-log]')?.dataset.lines ?? '0'")
        .await;
    let growing = window
        .eval("(() => { const f = window.__frames; window.__frames = []; return [f.length, Math.max(...f)]; })()")
        .await;
    // Scroll the log from top to bottom in about 100 frames (a fling, not a screenful at a time).
    let scroll = window
        .eval(
            "(async () => { const el = document.querySelector('[data-testid=build-log]'); \
             el.scrollTop = 0; await new Promise(r => requestAnimationFrame(r)); window.__frames = []; \
             const step = Math.max(el.clientHeight, el.scrollHeight / 100); \
             for (let i = 0; i < 120 && el.scrollTop + el.clientHeight < el.scrollHeight - 1; i++) { \
               const was = el.scrollTop; el.scrollTop += step; \
               await new Promise(r => requestAnimationFrame(r)); if (el.scrollTop === was) break; } \
             const f = window.__frames; \
             return [f.length, Math.max(...f), el.scrollHeight, el.scrollTop + el.clientHeight]; })()",
        )
        .await;
    window.screenshot("perf-log").await;
    eprintln!(
        "bench build-log: {lines} lines shown; while appending: [frames, longest ms] = {growing}; \
         scrolling end to end: [frames, longest ms, scroll height px, reached px] = {scroll} (target: no frame over 50 ms)"
    );
    window.close().await;
}
