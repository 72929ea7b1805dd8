//! The Environments screen: list, start (a stream), stop, reset, freeze, checkpoints,
//! VS Code, delete. Every command works on the environment of a project folder.

use std::path::Path;

use berth::devcontainer::LoadOptions;
use berth::engine::{Engine, Event, Outcome, Progress};
use berth::environment::{self, checkpoint, freeze as frozen, remove, reset, UpOptions};
use berth::json::{
    CheckpointArgs, CheckpointInfo, CodeOpened, Error, FolderArgs, FreezeArgs, FreezeResult,
    JobArgs, ListedEnvironment, NoArgs, ProgressLine, Removal, ResetResult, RollbackArgs,
    StopResult, UpArgs, UpResult,
};
use tauri::ipc::Channel;
use tauri::State;

use super::ipc;
use crate::jobs::Jobs;

/// Progress of a stream: the core's events as lines on the command's channel, sent in
/// batches (at most every [`BATCH`]) so a build printing thousands of lines a second is
/// a few messages to the page, not thousands.
struct ChannelProgress {
    pending: std::sync::Arc<std::sync::Mutex<Vec<ProgressLine>>>,
    flusher: tauri::async_runtime::JoinHandle<()>,
    channel: Channel<Vec<ProgressLine>>,
}

/// How long a progress line may wait to be sent with others.
const BATCH: std::time::Duration = std::time::Duration::from_millis(50);

impl ChannelProgress {
    fn new(channel: Channel<Vec<ProgressLine>>) -> Self {
        let pending = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (shared, out) = (std::sync::Arc::clone(&pending), channel.clone());
        let flusher = tauri::async_runtime::spawn(async move {
            loop {
                tokio::time::sleep(BATCH).await;
                send(&out, &shared);
            }
        });
        Self {
            pending,
            flusher,
            channel,
        }
    }
}

fn send(channel: &Channel<Vec<ProgressLine>>, pending: &std::sync::Mutex<Vec<ProgressLine>>) {
    let batch = std::mem::take(&mut *pending.lock().unwrap_or_else(|e| e.into_inner()));
    if batch.is_empty() {
        return;
    }
    if let Err(err) = channel.send(batch) {
        tracing::debug!(error = %err, "the window stopped listening to progress");
    }
}

impl Progress for ChannelProgress {
    fn event(&self, event: Event) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.push(ProgressLine::now(event));
    }
}

impl Drop for ChannelProgress {
    /// The last lines go before the result does.
    fn drop(&mut self) {
        self.flusher.abort();
        send(&self.channel, &self.pending);
    }
}

/// Progress of a request: logged, since nobody watches it line by line.
struct LoggedProgress;

impl Progress for LoggedProgress {
    fn event(&self, event: Event) {
        tracing::debug!(message = %event.message(), "progress");
    }
}

/// The environment of the project in `folder` (also when the folder is gone).
async fn environment_of(
    engine: &Engine,
    folder: &str,
) -> Result<berth::environment::Environment, Error> {
    remove::find(engine, Path::new(folder), &LoadOptions::default())
        .await
        .map_err(ipc)
}

async fn engine() -> Result<Engine, Error> {
    Engine::connect().await.map_err(ipc)
}

/// Every Berth environment on the engine, without measuring package volumes: the first
/// screen draws from this at once and asks [`environment_sizes`] after.
#[tauri::command]
pub async fn environments(args: NoArgs) -> Result<Vec<ListedEnvironment>, Error> {
    let _ = args;
    listed("environments", false).await
}

/// The same list with package volumes measured (the engine's disk-usage report, or a
/// short `du` per volume): seconds on a busy engine, so never on the way to first paint.
#[tauri::command]
pub async fn environment_sizes(args: NoArgs) -> Result<Vec<ListedEnvironment>, Error> {
    let _ = args;
    listed("environment sizes", true).await
}

/// The list, logged with how long it took (`cargo xtask startup` reads these lines).
async fn listed(what: &str, sizes: bool) -> Result<Vec<ListedEnvironment>, Error> {
    let started = std::time::Instant::now();
    tracing::info!("{what}: asked");
    let listed = environment::list::list(&engine().await?, sizes)
        .await
        .map_err(ipc)?;
    tracing::info!(
        count = listed.len(),
        took_ms = started.elapsed().as_millis(),
        "{what}: answered"
    );
    Ok(listed.iter().map(ListedEnvironment::from).collect())
}

/// What deleting the environment would remove (nothing is removed).
#[tauri::command]
pub async fn removal_preview(args: FolderArgs) -> Result<Removal, Error> {
    let engine = engine().await?;
    let found = environment_of(&engine, &args.folder).await?;
    let owned = remove::owned(&engine, &found).await.map_err(ipc)?;
    Ok(Removal::of(&owned, false))
}

/// Delete the environment: every container, image, volume and network Berth made for it.
#[tauri::command]
pub async fn remove_environment(args: FolderArgs, jobs: State<'_, Jobs>) -> Result<Removal, Error> {
    let _job = jobs.start(&args.folder, "delete")?;
    let engine = engine().await?;
    let found = environment_of(&engine, &args.folder).await?;
    let owned = remove::owned(&engine, &found).await.map_err(ipc)?;
    remove::remove(&engine, &found, &owned).await.map_err(ipc)?;
    Ok(Removal::of(&owned, true))
}

/// Stop the environment's container (its volumes, image and files stay).
#[tauri::command]
pub async fn stop_environment(args: FolderArgs) -> Result<StopResult, Error> {
    let engine = engine().await?;
    let found = environment_of(&engine, &args.folder).await?;
    let (name, stopped) = remove::stop(&engine, &found).await.map_err(ipc)?;
    Ok(StopResult {
        container: Some(name),
        stopped,
    })
}

/// Empty the package volume (removing the container first, so nothing holds it).
#[tauri::command]
pub async fn reset_packages(args: FolderArgs, jobs: State<'_, Jobs>) -> Result<ResetResult, Error> {
    let _job = jobs.start(&args.folder, "reset the packages of")?;
    let path = Path::new(&args.folder);
    let done = reset::reset_packages(&engine().await?, path, &LoadOptions::default(), true)
        .await
        .map_err(ipc)?;
    Ok(ResetResult::from(&done))
}

/// Pin what is installed into the requirements file (`write: false` only shows the diff).
#[tauri::command]
pub async fn freeze(args: FreezeArgs) -> Result<FreezeResult, Error> {
    let path = Path::new(&args.folder);
    let done = frozen::freeze(
        &engine().await?,
        path,
        &LoadOptions::default(),
        None,
        !args.write,
    )
    .await
    .map_err(ipc)?;
    Ok(FreezeResult::from(&done))
}

/// The environment's checkpoints, newest first.
#[tauri::command]
pub async fn checkpoints(args: FolderArgs) -> Result<Vec<CheckpointInfo>, Error> {
    let path = Path::new(&args.folder);
    let all = checkpoint::list(&engine().await?, path, &LoadOptions::default())
        .await
        .map_err(ipc)?;
    Ok(all.iter().map(CheckpointInfo::from).collect())
}

/// Keep the environment's current state as a checkpoint image.
#[tauri::command]
pub async fn checkpoint(
    args: CheckpointArgs,
    jobs: State<'_, Jobs>,
) -> Result<CheckpointInfo, Error> {
    let job = jobs.start(&args.folder, "checkpoint")?;
    let (engine, path, load) = (
        engine().await?,
        Path::new(&args.folder),
        LoadOptions::default(),
    );
    let made = checkpoint::create(
        &engine,
        path,
        &load,
        args.name.as_deref(),
        &LoggedProgress,
        job.cancel(),
    );
    match made.await.map_err(ipc)? {
        Outcome::Done(made) => Ok(CheckpointInfo::from(&made)),
        Outcome::Cancelled => Err(Error::message(
            "the checkpoint was cancelled; nothing was kept",
        )),
    }
}

/// Recreate the container from a checkpoint.
#[tauri::command]
pub async fn rollback(args: RollbackArgs, jobs: State<'_, Jobs>) -> Result<UpResult, Error> {
    let job = jobs.start(&args.folder, "roll back")?;
    let (engine, path, load) = (
        engine().await?,
        Path::new(&args.folder),
        LoadOptions::default(),
    );
    let done = checkpoint::rollback(
        &engine,
        path,
        &load,
        &args.name,
        &LoggedProgress,
        job.cancel(),
    );
    Ok(UpResult::of(
        &done.await.map_err(ipc)?.map(|(_, upped)| upped),
    ))
}

/// Open VS Code attached to the environment's container.
#[tauri::command]
pub async fn open_in_code(args: FolderArgs) -> Result<CodeOpened, Error> {
    let host = berth::vscode::current_host();
    let project = berth::vscode::project(&host, Path::new(&args.folder), &LoadOptions::default())
        .map_err(ipc)?;
    let note = berth::vscode::container_plan(&project).await.describe();
    let search = berth::vscode::CodeSearch::from_env(host);
    let opened = berth::vscode::open(&search, &project.uri)
        .await
        .map_err(ipc)?;
    Ok(CodeOpened::new(
        &opened,
        &project.uri,
        Some(project.workspace_folder),
        Some(note),
    ))
}

/// Cancel the long operation running on an environment; false when none runs.
#[tauri::command]
pub fn cancel(args: JobArgs, jobs: State<'_, Jobs>) -> bool {
    jobs.cancel(&args.job)
}

/// Build what is needed and start the environment, progress on `channel`; cancelling
/// leaves nothing half-made (the result says `cancelled`).
#[tauri::command]
pub async fn up(
    args: UpArgs,
    channel: Channel<Vec<ProgressLine>>,
    jobs: State<'_, Jobs>,
) -> Result<UpResult, Error> {
    let job = jobs.start(&args.folder, "start")?;
    let options = UpOptions {
        rebuild: args.rebuild || args.no_cache,
        no_cache: args.no_cache,
        ..UpOptions::default()
    };
    let (engine, load, progress) = (
        engine().await?,
        LoadOptions::default(),
        ChannelProgress::new(channel),
    );
    let path = Path::new(&args.folder);
    let outcome = environment::up(&engine, path, &load, &options, &progress, job.cancel());
    Ok(UpResult::of(&outcome.await.map_err(ipc)?))
}
