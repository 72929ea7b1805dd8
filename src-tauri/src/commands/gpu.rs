//! The GPU dashboard's history; live samples arrive as `gpu://sample` events (`live.rs`).

use berth::json::{Error, GpuReport, NoArgs};
use tauri::State;

use crate::live::GpuFeed;

/// Every sample the sampler keeps (oldest first), or the one report saying why there
/// are none (no driver, no permission).
#[tauri::command]
pub fn gpu_history(args: NoArgs, feed: State<'_, GpuFeed>) -> Result<Vec<GpuReport>, Error> {
    let _ = args;
    Ok(feed.history())
}
