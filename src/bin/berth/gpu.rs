//! `berth gpu`: what the GPUs are doing, once, live in the terminal (`--watch`), as JSON,
//! from a recording (`--replay FILE`) or into one (`--record FILE`).

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use berth::engine::progress::human_bytes;
use berth::engine::Engine;
use berth::gpu::{
    self, GpuError, GpuSource, Owners, Recorder, ReplaySource, Sampler, SamplerConfig, SamplerEvent,
};
use berth::json::{GpuCard, GpuReport, GpuState};

/// Arguments of `berth gpu`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the readings as JSON (with --watch: one JSON line per sample).
    #[arg(long)]
    pub json: bool,
    /// Keep the view live, one refresh per sample, until Ctrl-C.
    #[arg(long)]
    pub watch: bool,
    /// Read the samples from a recording (JSON lines, as --record writes) instead of the
    /// driver; it plays in a loop.
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
    /// Write every sample to FILE as JSON lines, until Ctrl-C (or --count).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Milliseconds between samples (with --watch or --record).
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    pub interval: u64,
    /// Stop after this many samples (with --watch or --record).
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
}

/// Read the GPUs and print them as asked.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut source: Box<dyn GpuSource> = match &args.replay {
        Some(path) => Box::new(ReplaySource::open(path)?),
        None => match gpu::open() {
            Ok(source) => source,
            Err(err) => return unavailable(&err, args.json),
        },
    };
    let described = source.describe();
    let owners = read_owners().await;
    if !args.watch && args.record.is_none() {
        let snapshot = source.sample()?;
        let report = GpuReport::ready(&snapshot, &described, &owners.unwrap_or_default());
        let mut out = std::io::stdout().lock();
        if args.json {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        } else {
            write!(out, "{}", frame(&report))?;
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    live(source, described, owners, &args).await
}

/// No driver (or no permission): a state, said plainly; exit 1 ("the answer is no").
fn unavailable(err: &GpuError, json: bool) -> anyhow::Result<ExitCode> {
    let report = GpuReport::unavailable(err);
    if json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else if let Some(message) = &report.message {
        println!("{message}");
    }
    Ok(match report.state {
        GpuState::Failed => ExitCode::from(2),
        _ => ExitCode::FAILURE,
    })
}

/// Berth's containers, to name each process's environment; `None` when the engine does
/// not answer (the view then says "?" for processes in containers).
async fn read_owners() -> Option<Owners> {
    let read = async {
        let engine = Engine::connect().await.ok()?;
        Owners::read(&engine).await.ok()
    };
    tokio::time::timeout(Duration::from_secs(3), read)
        .await
        .ok()
        .flatten()
}

fn stale(owners: &Owners, snapshot: &gpu::GpuSnapshot) -> bool {
    snapshot
        .gpus
        .iter()
        .flat_map(|g| &g.processes)
        .any(|p| owners.is_stale_for(p.cgroup.as_deref()))
}

/// `--watch` and `--record`: sample until Ctrl-C or `--count`.
async fn live(
    source: Box<dyn GpuSource>,
    described: String,
    mut owners: Option<Owners>,
    args: &Args,
) -> anyhow::Result<ExitCode> {
    let mut recorder = args.record.as_deref().map(Recorder::create).transpose()?;
    let config = SamplerConfig {
        interval: Duration::from_millis(args.interval.max(10)),
        ..SamplerConfig::default()
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let sampler = Sampler::start(source, config, move |event| {
        let _ = tx.send(event);
    });
    let terminal = std::io::stdout().is_terminal();
    if let Some(path) = &args.record {
        eprintln!(
            "recording GPU samples to {} (Ctrl-C to stop)",
            path.display()
        );
    }
    let mut samples = 0_u64;
    let mut owners_read = Instant::now();
    let no_owners = Owners::default();
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        let event = tokio::select! {
            _ = &mut interrupted => break,
            event = rx.recv() => match event { Some(event) => event, None => break },
        };
        let snapshot = match event {
            SamplerEvent::Sample(snapshot) => snapshot,
            SamplerEvent::Failed(message) => {
                eprintln!("berth: {message}");
                continue;
            }
        };
        if let Some(recorder) = recorder.as_mut() {
            recorder.write(&snapshot)?;
        }
        samples += 1;
        let refresh_due = owners_read.elapsed() > Duration::from_secs(5);
        if refresh_due && owners.as_ref().is_none_or(|o| stale(o, &snapshot)) {
            owners = read_owners().await;
            owners_read = Instant::now();
        }
        if args.watch {
            let report =
                GpuReport::ready(&snapshot, &described, owners.as_ref().unwrap_or(&no_owners));
            let mut out = std::io::stdout().lock();
            if args.json {
                serde_json::to_writer(&mut out, &report)?;
                writeln!(out)?;
            } else if terminal {
                // Home, draw, clear what the last frame left below.
                write!(
                    out,
                    "\x1b[H{}\x1b[J",
                    frame(&report).replace('\n', "\x1b[K\n")
                )?;
            } else {
                writeln!(out, "{}", frame(&report))?;
            }
            out.flush()?;
        }
        if args.count.is_some_and(|count| samples >= count) {
            break;
        }
    }
    sampler.stop();
    if let Some(path) = &args.record {
        eprintln!("recorded {samples} samples to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// A bar of `width` cells filled to `pct` percent.
fn bar(pct: Option<f64>, width: usize) -> String {
    let Some(pct) = pct else {
        return format!("[{}]", " ".repeat(width));
    };
    let filled = ((pct.clamp(0.0, 100.0) / 100.0) * width as f64).round() as usize;
    format!("[{}{}]", "#".repeat(filled), "-".repeat(width - filled))
}

fn or_na<T: std::fmt::Display>(value: Option<T>, unit: &str) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v}{unit}"))
}

/// One screen of the view.
fn frame(report: &GpuReport) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "Berth GPU view: {} | driver {} | CUDA up to {} | t = {:.1} s",
        report.source.as_deref().unwrap_or("?"),
        report.driver_version.as_deref().unwrap_or("n/a"),
        report.cuda_version.as_deref().unwrap_or("n/a"),
        report.t_ms as f64 / 1000.0
    );
    if report.gpus.is_empty() {
        let _ = writeln!(text, "no GPUs on this driver");
    }
    for gpu in &report.gpus {
        card(&mut text, gpu);
    }
    text
}

fn card(text: &mut String, gpu: &GpuCard) {
    let _ = writeln!(
        text,
        "\nGPU {}  {}  {}  {}",
        gpu.index,
        gpu.name.as_deref().unwrap_or("n/a"),
        gpu.pci_bus_id.as_deref().unwrap_or(""),
        gpu.uuid.as_deref().unwrap_or("")
    );
    let util = gpu.util_gpu_pct.map(f64::from);
    let _ = writeln!(
        text,
        "  util    {} {:>4}",
        bar(util, 30),
        or_na(gpu.util_gpu_pct, " %")
    );
    let mem_pct = match (gpu.mem_used_bytes, gpu.mem_total_bytes) {
        (Some(used), Some(total)) if total > 0 => Some(used as f64 * 100.0 / total as f64),
        _ => None,
    };
    let _ = writeln!(
        text,
        "  memory  {} {} / {}",
        bar(mem_pct, 30),
        gpu.mem_used_bytes.map_or("n/a".into(), human_bytes),
        gpu.mem_total_bytes.map_or("n/a".into(), human_bytes)
    );
    let _ = writeln!(
        text,
        "  temp {}  power {} / {} W  SM {}  mem clock {}  fan {}",
        or_na(gpu.temp_c, " °C"),
        or_na(gpu.power_w.map(|w| format!("{w:.0}")), ""),
        or_na(gpu.power_limit_w.map(|w| format!("{w:.0}")), ""),
        or_na(gpu.clock_sm_mhz, " MHz"),
        or_na(gpu.clock_mem_mhz, " MHz"),
        or_na(gpu.fan_pct, " %")
    );
    let throttle = if gpu.throttle.is_empty() {
        "none".to_owned()
    } else {
        gpu.throttle.join(", ")
    };
    let _ = writeln!(text, "  clocks held down by: {throttle}");
    if gpu.processes.is_empty() {
        let _ = writeln!(text, "  no processes");
        return;
    }
    let _ = writeln!(
        text,
        "  {:<8} {:>10}  {:<16} ENVIRONMENT",
        "PID", "MEMORY", "COMMAND"
    );
    for process in &gpu.processes {
        let environment = process.environment.as_ref().map_or("-".to_owned(), |env| {
            format!("{} ({})", env.folder, env.container)
        });
        let _ = writeln!(
            text,
            "  {:<8} {:>10}  {:<16} {}",
            process.pid,
            process.used_bytes.map_or("n/a".into(), human_bytes),
            process.name,
            environment
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_fill_by_percent() {
        assert_eq!(bar(Some(0.0), 4), "[----]");
        assert_eq!(bar(Some(50.0), 4), "[##--]");
        assert_eq!(bar(Some(100.0), 4), "[####]");
        assert_eq!(bar(Some(250.0), 4), "[####]");
        assert_eq!(bar(None, 4), "[    ]");
    }

    #[test]
    fn a_frame_of_the_load_recording_shows_the_gpu_and_its_process() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gpu/load.jsonl");
        let mut source = ReplaySource::open(&path).unwrap();
        let snapshot = source.sample().unwrap();
        let text = frame(&GpuReport::ready(
            &snapshot,
            &source.describe(),
            &Owners::default(),
        ));
        assert!(
            text.contains("GPU 0  NVIDIA H200  00000000:00:06.0"),
            "{text}"
        );
        assert!(
            text.contains(&format!("[{}] 100 %", "#".repeat(30))),
            "{text}"
        );
        assert!(text.contains("power 694 / 700 W"), "{text}");
        assert!(text.contains("fan n/a"), "{text}");
        assert!(
            text.contains("clocks held down by: software power cap"),
            "{text}"
        );
        assert!(text.contains("463") && text.contains("python3"), "{text}");
    }
}
