//! `berth push`: send the environment's image to a registry under a name the user gives,
//! with the token kept by `berth login`.

use std::process::ExitCode;

use berth::engine::{Engine, Outcome};
use berth::environment::push;

use crate::progress::{self, Printer};
use crate::target::TargetDir;

/// Arguments of `berth push` (both positionals required: `berth push DIR REFERENCE`).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: TargetDir,
    /// The name to push to, `host:port/name:tag` (e.g. `ghcr.io/me/thesis:1`).
    pub reference: String,
    /// Progress as JSON lines, then the pushed reference and digest.
    #[arg(long)]
    pub json: bool,
}

/// Push the environment's image.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let keyring = berth::secrets::keyring()?;
    let engine = Engine::connect().await?;
    let printer = Printer::new(args.json);
    let cancel = progress::cancel_on_ctrl_c();
    let target = args.target.target();
    let outcome = push::push(
        &engine,
        &target.path,
        &target.load_options(),
        &args.reference,
        keyring,
        &printer,
        &cancel,
    )
    .await;
    printer.finish();
    match outcome? {
        Outcome::Done(pushed) => {
            if args.json {
                progress::print_json(&berth::json::PushResult::from(&pushed))?;
            } else {
                println!("pushed {} ({})", pushed.reference, pushed.digest);
            }
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Cancelled => Ok(ExitCode::from(progress::CANCELLED)),
    }
}
