//! `berth doctor`: the host checks, as text or JSON.

use std::io::Write;
use std::process::ExitCode;

use crate::progress;

/// Arguments of `berth doctor`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Run a fix Berth can run safely, by the id the report gives
    /// (install-dev-containers, set-wsl-memory), instead of the checks.
    #[arg(long, value_name = "ACTION")]
    pub fix: Option<berth::host::doctor::FixAction>,
}

/// Run every host check and print the report.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let json = args.json;
    if let Some(action) = args.fix {
        let done = berth::host::doctor::run_action(action).await?;
        if json {
            progress::print_json(&serde_json::json!({ "action": action.as_str(), "done": done }))?;
        } else {
            println!("{done}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let report = berth::host::doctor::run().await;
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &berth::json::DoctorReport::from(&report))?;
        writeln!(out)?;
    } else {
        let host = &report.host;
        writeln!(
            out,
            "Host: {}, {} CPUs, {} memory ({} available){}",
            host.os,
            host.cpus,
            berth::host::facts::human_bytes(host.memory_total_bytes),
            berth::host::facts::human_bytes(host.memory_available_bytes),
            if host.wsl { ", WSL" } else { "" }
        )?;
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
                if let Some(action) = fix.action {
                    writeln!(
                        out,
                        "       or let Berth do it: berth doctor --fix {}",
                        action.as_str()
                    )?;
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
