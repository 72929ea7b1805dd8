//! `berth freeze`: pin the requirements to what the running environment has installed.

use std::path::PathBuf;
use std::process::ExitCode;

use berth::engine::Engine;
use berth::environment::freeze;

use crate::progress;
use crate::target::Target;

/// Arguments of `berth freeze`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    /// The requirements file (default: .devcontainer/requirements.txt, else requirements.txt).
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Show the change without writing it.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Freeze, show the diff, write with a backup.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let engine = Engine::connect().await?;
    let frozen = freeze::freeze(
        &engine,
        &args.target.path,
        &args.target.load_options(),
        args.file.as_deref(),
        args.dry_run,
    )
    .await?;
    if args.json {
        progress::print_json(&berth::json::FreezeResult::from(&frozen))?;
        return Ok(ExitCode::SUCCESS);
    }
    for name in &frozen.not_installed {
        eprintln!("berth: warning: {name} is listed but not installed; its line is kept as it is");
    }
    if frozen.diff.is_empty() {
        println!("{} already pins what is installed", frozen.path.display());
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", frozen.diff);
    match (&frozen.backup, frozen.written) {
        (Some(backup), true) => println!(
            "wrote {} (the old file is {})",
            frozen.path.display(),
            backup.display()
        ),
        (None, true) => println!("wrote {}", frozen.path.display()),
        _ => println!("(not written: --dry-run)"),
    }
    Ok(ExitCode::SUCCESS)
}
