//! `cargo bench --bench gpu` (part of `cargo xtask bench`): what the GPU sampler costs at
//! 1 Hz, in percent of one core, against the target of 0.05 %.
//!
//! Two figures, side by side in one run:
//! - **measured**: the process's CPU time (getrusage) while a [`Sampler`] reads its source
//!   once a second. On a machine with an NVIDIA driver the source is NVML, run twice: with
//!   Berth's read plan and reading every field every second (the peer); elsewhere the
//!   source is the H200 recording under load (the sampler's own overhead only).
//! - **NVML estimate**: the calls each plan makes, priced with the per-call costs measured
//!   on a real H200 (`tests/fixtures/gpu/pynvml-calls.txt`).
//!
//! `BERTH_BENCH_SECONDS` sets how long each measured run lasts (default 20).

use std::time::{Duration, Instant};

use berth::gpu::{
    CallCosts, GpuSource, NvmlSource, ReadPlan, ReplaySource, Sampler, SamplerConfig,
};

/// CPU time (user + system) of this process so far.
fn cpu_time() -> Duration {
    #[cfg(unix)]
    {
        // SAFETY: getrusage fills the struct it is given.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
        let time = |t: libc::timeval| {
            Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
        };
        time(usage.ru_utime) + time(usage.ru_stime)
    }
    #[cfg(not(unix))]
    {
        Duration::ZERO
    }
}

/// Percent of one core `source` costs sampled at 1 Hz for `seconds`.
fn measure(source: Box<dyn GpuSource>, seconds: u64) -> (f64, u64) {
    let (tx, rx) = std::sync::mpsc::channel();
    let begun_cpu = cpu_time();
    let begun = Instant::now();
    let sampler = Sampler::start(source, SamplerConfig::default(), move |_| {
        let _ = tx.send(());
    });
    let mut samples = 0;
    while begun.elapsed() < Duration::from_secs(seconds) {
        if rx.recv_timeout(Duration::from_millis(200)).is_ok() {
            samples += 1;
        }
    }
    sampler.stop();
    let cpu = cpu_time() - begun_cpu;
    (
        cpu.as_secs_f64() / begun.elapsed().as_secs_f64() * 100.0,
        samples,
    )
}

fn main() {
    let seconds: u64 = std::env::var("BERTH_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let costs = CallCosts::parse(
        &std::fs::read_to_string(root.join("tests/fixtures/gpu/pynvml-calls.txt"))
            .expect("the recorded call costs are in the repository"),
    );
    let everything = ReadPlan {
        energy_every: 1,
        refresh_every: 1,
    };
    let plan = ReadPlan::default();
    let estimate = |p: &ReadPlan| costs.per_second(p, 1, 1000, 600) / 1e6 * 100.0;
    let (planned, all) = (estimate(&plan), estimate(&everything));
    println!("GPU sampler at 1 Hz, per GPU (target: at most 0.05 % of one core)");
    println!(
        "  NVML estimate (H200 call costs): Berth's plan {planned:.4} %, every field every second {all:.4} %, ratio {:.3}x",
        planned / all
    );

    match NvmlSource::open() {
        Ok(source) => {
            let (berth, n) = measure(Box::new(source.with_plan(plan)), seconds);
            let peer = NvmlSource::open().expect("NVML opened a moment ago");
            let (peer, m) = measure(Box::new(peer.with_plan(everything)), seconds);
            println!(
                "  measured on NVML ({n} and {m} samples): Berth's plan {berth:.4} %, every field every second {peer:.4} %, ratio {:.3}x",
                berth / peer
            );
        }
        Err(err) => {
            println!("  no NVML here ({err})");
            let replay = ReplaySource::open(&root.join("tests/fixtures/gpu/load.jsonl"))
                .expect("the H200 recording is in the repository");
            let (overhead, n) = measure(Box::new(replay), seconds);
            println!(
                "  measured, replay of load.jsonl ({n} samples in {seconds} s): the sampler's own cost {overhead:.4} % of one core"
            );
        }
    }
}
