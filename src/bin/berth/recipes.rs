//! `berth recipes`: the compatibility table, with what is offered and why the rest is not.

use std::io::Write;
use std::process::ExitCode;

use berth::json::RecipesReport;
use berth::recipe::{DriverInfo, Offer};

/// Arguments of `berth recipes`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Override the detected driver: the newest CUDA version it supports (nvidia-smi's
    /// "CUDA Version"). Without it (and --driver-version) Berth reads the driver itself.
    #[arg(long, value_name = "VERSION")]
    pub driver_cuda: Option<String>,
    /// Override the detected NVIDIA driver version, e.g. 535.104.05.
    #[arg(long, value_name = "VERSION")]
    pub driver_version: Option<String>,
    /// Print the table as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Print the table: every CUDA version (offered, or why not), Python version and framework
/// release with the CUDA builds this machine runs.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let driver = DriverInfo::given_or_detected(
        args.driver_version.as_deref().map(str::parse).transpose()?,
        args.driver_cuda.as_deref().map(str::parse).transpose()?,
    );
    let report = RecipesReport::from(&Offer::builtin(driver)?);
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "Driver: {}", report.driver)?;
    writeln!(out)?;
    writeln!(out, "CUDA  image    Ubuntu  min. driver  offered")?;
    for cuda in &report.cuda {
        let offered = match &cuda.reason {
            None => "yes".to_owned(),
            Some(reason) => format!("no: {reason}"),
        };
        writeln!(
            out,
            "{:<5} {:<8} {:<7} {:<12} {offered}",
            cuda.version, cuda.release, cuda.ubuntu, cuda.min_driver
        )?;
    }
    writeln!(out)?;
    let pythons: Vec<&str> = report.python.iter().map(|p| p.version.as_str()).collect();
    writeln!(out, "Python: {}", pythons.join(", "))?;
    let mut last_label = "";
    for framework in &report.frameworks {
        if framework.label != last_label {
            writeln!(out)?;
            writeln!(out, "{}", capitalised(&framework.label))?;
            last_label = &framework.label;
        }
        let offered: Vec<&str> = framework
            .gpu
            .iter()
            .filter(|b| b.offered)
            .map(|b| b.cuda.as_str())
            .collect();
        let refused: Vec<&str> = framework
            .gpu
            .iter()
            .filter(|b| !b.offered)
            .map(|b| b.cuda.as_str())
            .collect();
        let gpu = match (offered.is_empty(), refused.is_empty()) {
            (_, true) => format!("CUDA {}", offered.join(", ")),
            (true, false) => format!(
                "none here (CUDA {} not offered, see above)",
                refused.join(", ")
            ),
            (false, false) => format!(
                "CUDA {}; not offered: {}",
                offered.join(", "),
                refused.join(", ")
            ),
        };
        let version = framework.version.as_deref().unwrap_or("-");
        let default = if framework.default && framework.version.is_some() {
            " (default)"
        } else {
            ""
        };
        writeln!(
            out,
            "  {:<18} Python {:<27} CPU; GPU: {gpu}",
            format!("{version}{default}"),
            framework.python.join(", ")
        )?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// "no framework" → "No framework".
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
