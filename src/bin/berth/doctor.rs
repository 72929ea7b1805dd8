//! `berth doctor`: the host checks, as text or JSON.

use std::io::Write;
use std::process::ExitCode;

/// Arguments of `berth doctor`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Run every host check and print the report.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let json = args.json;
    let report = berth::host::doctor::run().await;
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &berth::json::DoctorReport::from(&report))?;
        writeln!(out)?;
    } else {
        for check in &report.checks {
            let mark = match check.status {
                berth::host::doctor::CheckStatus::Ok => "ok  ",
                berth::host::doctor::CheckStatus::Warning => "warn",
                berth::host::doctor::CheckStatus::Failed => "FAIL",
            };
            writeln!(out, "[{mark}] {}: {}", check.title, check.summary)?;
            if let Some(fix) = &check.fix {
                writeln!(out, "       fix: {}", fix.description)?;
                if let Some(command) = &fix.command {
                    writeln!(out, "            {command}")?;
                }
            }
        }
    }
    out.flush()?;
    Ok(if report.healthy() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
