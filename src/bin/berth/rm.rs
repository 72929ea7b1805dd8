//! `berth rm`: everything Berth made for a project, listed first, removed once confirmed.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use berth::engine::Engine;
use berth::environment::remove;

use crate::progress;
use crate::target::Target;

/// Arguments of `berth rm`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    /// Remove without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Print what is (or would be) removed as JSON.
    #[arg(long)]
    pub json: bool,
}

/// List what the project's environment owns, and remove it when confirmed.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let engine = Engine::connect().await?;
    let environment = remove::find(&engine, &args.target.path, &args.target.load_options()).await?;
    let owned = remove::owned(&engine, &environment).await?;
    if owned.is_empty() {
        if args.json {
            progress::print_json(&berth::json::Removal::of(&owned, true))?;
        } else {
            println!(
                "Berth has nothing for '{}'",
                environment.local_folder.display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let listing = berth::json::Removal::of(&owned, false);
    if !args.json || !args.yes {
        let mut err = std::io::stderr().lock();
        writeln!(
            err,
            "This removes, for '{}':",
            environment.local_folder.display()
        )?;
        for name in &listing.containers {
            writeln!(err, "  container {name}")?;
        }
        for name in &listing.images {
            writeln!(err, "  image     {name}")?;
        }
        for name in &listing.volumes {
            writeln!(err, "  volume    {name} (installed packages are lost)")?;
        }
        for name in &listing.networks {
            writeln!(err, "  network   {name}")?;
        }
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            if args.json {
                progress::print_json(&listing)?;
            }
            eprintln!("berth: nothing removed: run again with --yes to remove these");
            return Ok(ExitCode::from(1));
        }
        eprint!("Remove them? [y/N] ");
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            eprintln!("berth: nothing removed");
            return Ok(ExitCode::from(1));
        }
    }
    remove::remove(&engine, &environment, &owned).await?;
    if args.json {
        progress::print_json(&berth::json::Removal::of(&owned, true))?;
    } else {
        println!(
            "removed everything Berth made for '{}'",
            environment.local_folder.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
