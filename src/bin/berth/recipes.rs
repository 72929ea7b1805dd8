//! `berth recipes`: the compatibility table, with what is offered and why the rest is not.

use std::process::ExitCode;

/// Arguments (to be defined).
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Not built yet.
pub async fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
