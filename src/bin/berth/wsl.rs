//! `berth wsl show|set`: WSL's memory, swap and processors in `.wslconfig`, against what
//! deep-learning builds need; `set` edits the file (backup kept) and, with `--apply`,
//! restarts WSL after asking.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use berth::host::wsl::{self, AssessmentStatus, Edit, Setting};
use berth::json::{WslSetResult, WslShowReport, WslValueSource};

/// `berth wsl`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: WslCommand,
}

#[derive(Debug, clap::Subcommand)]
enum WslCommand {
    /// Show memory, swap and processors as WSL applies them, WSL's defaults for what is
    /// not set, and what deep-learning builds need. Exits 1 when WSL cannot read the file.
    Show(ShowArgs),
    /// Set memory, swap or processors in [wsl2], keeping everything else in the file; the
    /// old file is kept as a backup. Exits 1 when --apply was declined.
    Set(SetArgs),
}

/// `berth wsl show`.
#[derive(Debug, clap::Args)]
struct ShowArgs {
    /// The .wslconfig to read [default: %UserProfile%\.wslconfig].
    #[arg(long, value_name = "PATH")]
    file: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// `berth wsl set`.
#[derive(Debug, clap::Args)]
struct SetArgs {
    /// Memory for the WSL 2 VM, e.g. 8GB or 512MB; `default` removes the key.
    #[arg(long, value_name = "SIZE")]
    memory: Option<String>,
    /// Swap size, e.g. 8GB (0: no swap); `default` removes the key.
    #[arg(long, value_name = "SIZE")]
    swap: Option<String>,
    /// Logical processors for the VM; `default` (all) removes the key.
    #[arg(long, value_name = "N")]
    processors: Option<String>,
    /// Raise memory and swap that are below the recommendation to it (what is given
    /// explicitly wins).
    #[arg(long)]
    recommended: bool,
    /// The .wslconfig to edit [default: %UserProfile%\.wslconfig].
    #[arg(long, value_name = "PATH")]
    file: Option<PathBuf>,
    /// Then run `wsl --shutdown` (stops every distribution) so WSL reads the file; asks
    /// first. Windows only.
    #[arg(long)]
    apply: bool,
    /// With --apply: do not ask.
    #[arg(long, short)]
    yes: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

impl Args {
    /// Whether the result (or the error) is wanted as JSON.
    pub fn json(&self) -> bool {
        match &self.command {
            WslCommand::Show(args) => args.json,
            WslCommand::Set(args) => args.json,
        }
    }
}

/// Run `berth wsl …`.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        WslCommand::Show(args) => show(args),
        WslCommand::Set(args) => set(args),
    }
}

fn locate(file: Option<&std::path::Path>) -> anyhow::Result<wsl::Located> {
    wsl::locate(file).context("name the file with --file PATH")
}

fn show(args: ShowArgs) -> anyhow::Result<ExitCode> {
    let overview = wsl::overview(args.file.as_deref()).context("name the file with --file PATH")?;
    let report = WslShowReport::of(&overview);
    if args.json {
        crate::progress::print_json(&report)?;
    } else {
        print_report(&report)?;
    }
    Ok(if report.status == AssessmentStatus::Unreadable {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn print_report(report: &WslShowReport) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let presence = if report.exists {
        ""
    } else {
        " (no file: WSL uses its defaults)"
    };
    writeln!(out, ".wslconfig: {}{presence}", report.path)?;
    if report.status != AssessmentStatus::Unreadable {
        for setting in &report.settings {
            let written = setting.written.as_deref().unwrap_or("-");
            let from = match (setting.source, setting.line) {
                (WslValueSource::File, Some(line)) => format!("line {line}"),
                (WslValueSource::Ignored, Some(line)) => format!("line {line}, ignored"),
                _ => "WSL's default".to_owned(),
            };
            writeln!(
                out,
                "  {:<11} {:<10} -> {:<8} ({from})",
                setting.key, written, setting.effective_text
            )?;
        }
    }
    let host = berth::host::facts::human_bytes(report.host_memory_bytes);
    let whose = if report.host_memory_is_windows {
        "Windows has"
    } else {
        "this machine has"
    };
    writeln!(
        out,
        "recommended for deep-learning builds ({whose} {host}): memory={} swap={}",
        report.recommended.memory, report.recommended.swap
    )?;
    if let Some(note) = &report.recommended.note {
        writeln!(out, "  note: {note}")?;
    }
    let mark = match report.status {
        AssessmentStatus::Enough => "ok  ",
        AssessmentStatus::BelowRecommendation => "warn",
        AssessmentStatus::Unreadable => "FAIL",
    };
    writeln!(out, "[{mark}] {}", report.summary)?;
    for warning in &report.warnings {
        writeln!(out, "[warn] {warning}")?;
    }
    if report.status == AssessmentStatus::BelowRecommendation {
        writeln!(out, "       fix: berth wsl set --recommended --apply")?;
    }
    out.flush()?;
    Ok(())
}

fn set(args: SetArgs) -> anyhow::Result<ExitCode> {
    let mut edits = Vec::new();
    for (setting, value) in [
        (Setting::Memory, &args.memory),
        (Setting::Swap, &args.swap),
        (Setting::Processors, &args.processors),
    ] {
        if let Some(value) = value {
            edits
                .push(Edit::parse(setting, value).with_context(|| format!("invalid --{setting}"))?);
        }
    }
    if args.apply {
        wsl::check_shutdown().context("--apply was refused; the file was not changed")?;
    }
    let located = locate(args.file.as_deref())?;
    if args.recommended {
        let (host_memory, _) = wsl::host_memory_bytes();
        let assessment = wsl::assess_file(&located.path, host_memory)?;
        for edit in wsl::recommended_edits(&assessment) {
            if !edits.iter().any(|given| given.setting == edit.setting) {
                edits.push(edit);
            }
        }
    }
    if edits.is_empty() && !args.recommended {
        anyhow::bail!("nothing to set: give --memory, --swap, --processors or --recommended");
    }
    let outcome = wsl::set(&located.path, &edits)?;
    let mut applied = false;
    let mut code = ExitCode::SUCCESS;
    if !args.json {
        print_outcome(&outcome)?;
    }
    if args.apply && outcome.written {
        if confirm(args.yes)? {
            wsl::shutdown()?;
            applied = true;
            if !args.json {
                println!("WSL was shut down: it reads the new settings at its next start");
            }
        } else {
            eprintln!("not applied: run `wsl --shutdown` when you are ready");
            code = ExitCode::FAILURE;
        }
    } else if outcome.written && !args.json {
        println!("WSL reads it at its next start: run `wsl --shutdown` (stops every distribution), or berth wsl set … --apply");
    }
    if args.json {
        crate::progress::print_json(&WslSetResult::new(&outcome, applied))?;
    }
    Ok(code)
}

fn print_outcome(outcome: &wsl::SetOutcome) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for change in &outcome.changes {
        writeln!(
            out,
            "  {:<11} {} -> {}",
            change.setting.key(),
            change.before.as_deref().unwrap_or("(not set)"),
            change
                .after
                .as_deref()
                .unwrap_or("(not set: WSL's default)")
        )?;
    }
    if !outcome.written {
        writeln!(
            out,
            "{} already says that: not written",
            outcome.path.display()
        )?;
        return Ok(());
    }
    write!(out, "{}", outcome.diff)?;
    writeln!(out, "wrote {}", outcome.path.display())?;
    match &outcome.backup {
        Some(backup) => writeln!(out, "the old file is kept as {}", backup.display())?,
        None => writeln!(out, "(a new file: there was nothing to back up)")?,
    }
    out.flush()?;
    Ok(())
}

/// Whether the user agrees to `wsl --shutdown` (`yes`: agreed beforehand).
fn confirm(yes: bool) -> anyhow::Result<bool> {
    if yes {
        return Ok(true);
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        eprintln!("--apply needs a yes: there is no terminal to ask on, so pass --yes");
        return Ok(false);
    }
    eprint!(
        "`wsl --shutdown` stops every WSL distribution and everything running in them \
         (Docker Desktop's engine too). Apply now? [y/N] "
    );
    std::io::stderr().flush()?;
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
