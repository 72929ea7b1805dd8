//! `berth checkpoint` (make, list, delete) and `berth rollback`.

use std::process::ExitCode;

use berth::engine::{Engine, Outcome};
use berth::environment::checkpoint;

use crate::progress::{self, Printer};
use crate::target::{Target, TargetDir};

/// Arguments of `berth checkpoint`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    /// A name for the new checkpoint (default: the date and time).
    #[arg(long, conflicts_with_all = ["list", "delete"])]
    pub name: Option<String>,
    /// List the checkpoints instead.
    #[arg(long)]
    pub list: bool,
    /// Delete the checkpoint NAME instead.
    #[arg(long, value_name = "NAME")]
    pub delete: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Make, list or delete checkpoints.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let engine = Engine::connect().await?;
    let load = args.target.load_options();
    let path = &args.target.path;
    if args.list {
        let all = checkpoint::list(&engine, path, &load).await?;
        if args.json {
            let list: Vec<berth::json::CheckpointInfo> = all.iter().map(Into::into).collect();
            progress::print_json(&list)?;
        } else if all.is_empty() {
            println!("no checkpoints yet: `berth checkpoint` makes one");
        } else {
            for c in &all {
                let requirements = if c.requirements_current {
                    "same requirements"
                } else {
                    "requirements changed since"
                };
                println!(
                    "{:<32} {}  {}  ({requirements})",
                    c.name,
                    c.created,
                    berth::engine::progress::human_bytes(c.size)
                );
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(name) = &args.delete {
        let gone = checkpoint::delete(&engine, path, &load, name).await?;
        if args.json {
            progress::print_json(&berth::json::CheckpointInfo::from(&gone))?;
        } else {
            println!("deleted {}", gone.name);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let printer = Printer::new(args.json);
    let cancel = progress::cancel_on_ctrl_c();
    let made = checkpoint::create(
        &engine,
        path,
        &load,
        args.name.as_deref(),
        &printer,
        &cancel,
    )
    .await;
    printer.finish();
    match made? {
        Outcome::Done(made) => {
            if args.json {
                progress::print_json(&berth::json::CheckpointInfo::from(&made))?;
            } else {
                println!(
                    "checkpoint {} ({}); `berth rollback . {}` returns to it",
                    made.name, made.reference, made.name
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Cancelled => Ok(ExitCode::from(progress::CANCELLED)),
    }
}

/// Arguments of `berth rollback`.
#[derive(Debug, clap::Args)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub target: TargetDir,
    /// The checkpoint to return to.
    pub name: String,
    /// Progress as JSON lines, then the result.
    #[arg(long)]
    pub json: bool,
}

/// Recreate the container from a checkpoint.
pub async fn rollback(args: RollbackArgs) -> anyhow::Result<ExitCode> {
    let engine = Engine::connect().await?;
    let printer = Printer::new(args.json);
    let cancel = progress::cancel_on_ctrl_c();
    let target = args.target.target();
    let outcome = checkpoint::rollback(
        &engine,
        &target.path,
        &target.load_options(),
        &args.name,
        &printer,
        &cancel,
    )
    .await;
    printer.finish();
    match outcome? {
        Outcome::Done((checkpoint, upped)) => {
            if args.json {
                progress::print_json(&berth::json::UpResult::from(&upped))?;
            } else {
                println!("{} runs {} again", upped.container_name, checkpoint.name);
            }
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Cancelled => Ok(ExitCode::from(progress::CANCELLED)),
    }
}
