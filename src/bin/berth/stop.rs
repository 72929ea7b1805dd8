//! `berth stop` (the container stays) and `berth down` (the container goes, its volumes
//! stay).

use std::process::ExitCode;

use berth::engine::Engine;
use berth::environment::remove;

use crate::progress;
use crate::target::Target;

/// Arguments of `berth stop` and `berth down`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Stop the environment's container.
pub async fn stop(args: Args) -> anyhow::Result<ExitCode> {
    let engine = Engine::connect().await?;
    let environment = remove::find(&engine, &args.target.path, &args.target.load_options()).await?;
    let (name, stopped) = remove::stop(&engine, &environment).await?;
    if args.json {
        progress::print_json(&serde_json::json!({"stopped": stopped, "container": name}))?;
    } else if stopped {
        println!("stopped {name}");
    } else {
        println!("{name} was not running");
    }
    Ok(ExitCode::SUCCESS)
}

/// Remove the environment's container, keeping its volumes and images.
pub async fn down(args: Args) -> anyhow::Result<ExitCode> {
    let engine = Engine::connect().await?;
    let environment = remove::find(&engine, &args.target.path, &args.target.load_options()).await?;
    let removed = remove::down(&engine, &environment).await?;
    if args.json {
        progress::print_json(&serde_json::json!({"removed": removed}))?;
    } else {
        match removed {
            Some(name) => println!(
                "removed {name}; its volumes and image are kept (`berth up` makes it again)"
            ),
            None => println!("'{}' has no container", environment.local_folder.display()),
        }
    }
    Ok(ExitCode::SUCCESS)
}
