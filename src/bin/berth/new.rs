//! `berth new`: render a Recipe into a project's `.devcontainer/`.

use std::process::ExitCode;

/// Arguments (to be defined).
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Not built yet.
pub async fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
