//! `berth up`: build what is needed and start the environment; `berth build`: only the
//! image.

use std::process::ExitCode;

use berth::engine::{Engine, Outcome};
use berth::environment::{self, UpOptions};

use crate::progress::{self, Printer};
use crate::target::Target;

/// Arguments of `berth up`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    /// Rebuild the image and recreate the container even when nothing changed.
    #[arg(long)]
    pub rebuild: bool,
    /// Build without Docker's cache (implies --rebuild).
    #[arg(long)]
    pub no_cache: bool,
    /// Progress as JSON lines, then the result as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Bring the environment up and say how it went.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let engine = Engine::connect().await?;
    let printer = Printer::new(args.json);
    let cancel = progress::cancel_on_ctrl_c();
    let options = UpOptions {
        rebuild: args.rebuild,
        no_cache: args.no_cache,
        ..UpOptions::default()
    };
    let outcome = environment::up(
        &engine,
        &args.target.path,
        &args.target.load_options(),
        &options,
        &printer,
        &cancel,
    )
    .await;
    printer.finish();
    match outcome? {
        Outcome::Done(upped) => {
            if args.json {
                progress::print_json(&berth::json::UpResult::from(&upped))?;
            } else {
                for warning in &upped.warnings {
                    eprintln!("berth: warning: {warning}");
                }
                let did = match upped.action {
                    environment::up::UpAction::AlreadyRunning => "is running",
                    environment::up::UpAction::Started => "started",
                    environment::up::UpAction::Created => "created and started",
                    environment::up::UpAction::Recreated => "recreated and started",
                };
                println!(
                    "{} {did} ({}, workspace {}{})",
                    upped.container_name,
                    upped.image,
                    upped.workspace_folder,
                    upped
                        .remote_user
                        .as_deref()
                        .map(|u| format!(", user {u}"))
                        .unwrap_or_default()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Cancelled => {
            if args.json {
                progress::print_json(&berth::json::UpResult::cancelled())?;
            } else {
                eprintln!("berth: cancelled; nothing half-made was left behind");
            }
            Ok(ExitCode::from(progress::CANCELLED))
        }
    }
}

/// Arguments of `berth build`.
#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub target: Target,
    /// Build without Docker's cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Progress as JSON lines, then the result as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Build the environment's image (its known-good tag moves only on success).
pub async fn build(args: BuildArgs) -> anyhow::Result<ExitCode> {
    let engine = Engine::connect().await?;
    let printer = Printer::new(args.json);
    let cancel = progress::cancel_on_ctrl_c();
    let outcome = environment::up::build_image(
        &engine,
        &args.target.path,
        &args.target.load_options(),
        args.no_cache,
        &printer,
        &cancel,
    )
    .await;
    printer.finish();
    match outcome? {
        Outcome::Done((image, id)) => {
            if args.json {
                progress::print_json(
                    &serde_json::json!({"outcome": "success", "image": image, "imageId": id}),
                )?;
            } else {
                println!("built {image} ({id}); `berth up` recreates the container from it");
            }
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Cancelled => {
            if args.json {
                progress::print_json(&serde_json::json!({"outcome": "cancelled"}))?;
            } else {
                eprintln!("berth: cancelled; the environment's image is as it was");
            }
            Ok(ExitCode::from(progress::CANCELLED))
        }
    }
}
