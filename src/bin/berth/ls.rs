//! `berth ls`: every Berth environment, with its state and sizes; `--watch` keeps the
//! list live from the engine's events.

use std::path::PathBuf;
use std::process::ExitCode;

use berth::engine::progress::human_bytes;
use berth::engine::Engine;
use berth::environment::list::{self, Listed};
use futures_util::StreamExt;

use crate::progress;

/// Arguments of `berth ls`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only the environment of this project folder.
    pub path: Option<PathBuf>,
    /// Skip measuring package volumes (faster).
    #[arg(long)]
    pub no_sizes: bool,
    /// After the list, print each change as the engine reports it, until Ctrl-C.
    #[arg(long)]
    pub watch: bool,
    /// Print the list (and with --watch, each change) as JSON.
    #[arg(long)]
    pub json: bool,
}

fn matching(all: Vec<Listed>, path: Option<&PathBuf>) -> Vec<Listed> {
    let Some(path) = path else { return all };
    let wanted = std::path::absolute(path).unwrap_or_else(|_| path.clone());
    all.into_iter().filter(|l| l.folder == wanted).collect()
}

fn print(all: &[Listed]) {
    if all.is_empty() {
        println!("no Berth environments yet: `berth new DIR` and `berth up DIR` make one");
        return;
    }
    println!(
        "{:<40} {:<10} {:>10} {:>10}  CHECKPOINTS",
        "PROJECT", "STATE", "IMAGE", "PACKAGES"
    );
    for listed in all {
        let folder = listed.folder.display().to_string();
        let folder = if listed.folder_exists {
            folder
        } else {
            format!("{folder} (gone)")
        };
        let state = listed.state.map_or("no container", |s| s.as_str());
        let image = listed
            .image
            .as_ref()
            .map_or("-".to_owned(), |(_, size)| human_bytes(*size));
        let packages = match &listed.packages {
            Some((_, Some(size))) => human_bytes(*size),
            Some((_, None)) => "?".to_owned(),
            None => "-".to_owned(),
        };
        println!(
            "{folder:<40} {state:<10} {image:>10} {packages:>10}  {}",
            listed.checkpoints
        );
    }
}

/// List the environments.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let engine = Engine::connect().await?;
    let all = matching(
        list::list(&engine, !args.no_sizes).await?,
        args.path.as_ref(),
    );
    if args.json {
        let rows: Vec<berth::json::ListedEnvironment> = all.iter().map(Into::into).collect();
        progress::print_json(&rows)?;
    } else {
        print(&all);
    }
    if !args.watch {
        return Ok(ExitCode::SUCCESS);
    }
    let mut events = Box::pin(berth::engine::events::watch(
        &engine,
        berth::environment::PROJECT_LABEL,
    ));
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return Ok(ExitCode::SUCCESS),
            event = events.next() => match event {
                None => return Ok(ExitCode::SUCCESS),
                Some(Err(err)) => return Err(err.into()),
                Some(Ok(event)) => {
                    let folder = event.labels.get(berth::environment::FOLDER_LABEL).cloned().unwrap_or_default();
                    if args.json {
                        progress::print_json(&event)?;
                    } else {
                        println!("{folder}: container {} {}", event.labels.get("name").cloned().unwrap_or_default(), event.action);
                    }
                }
            }
        }
    }
}
