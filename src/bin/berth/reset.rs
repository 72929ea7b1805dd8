//! `berth reset`: empty the project's package volume, so the next `up` reinstalls.

use std::process::ExitCode;

use berth::engine::Engine;
use berth::environment::reset;

use crate::progress;
use crate::target::Target;

/// Arguments of `berth reset`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    /// Remove the environment's container first when it uses the volume (it is made
    /// again by the next `berth up`).
    #[arg(long)]
    pub stop: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Reset the package volume.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let engine = Engine::connect().await?;
    let done = reset::reset_packages(
        &engine,
        &args.target.path,
        &args.target.load_options(),
        args.stop,
    )
    .await?;
    if args.json {
        progress::print_json(&berth::json::ResetResult::from(&done))?;
    } else {
        if let Some(name) = &done.removed_container {
            println!("removed the container {name}");
        }
        println!(
            "the package volume {} is empty again; `berth up` reinstalls the requirements",
            done.volume
        );
    }
    Ok(ExitCode::SUCCESS)
}
