//! Window-wide live data: the engine's events about Berth's containers (the environment
//! list refreshes from them, each also scoped to its environment as `env://{id}/state`)
//! and the GPU sampler's readings (`gpu://sample`), started once with the app.

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use berth::engine::events::EngineEvent;
use berth::engine::Engine;
use berth::environment::PROJECT_LABEL;
use berth::gpu::{Owners, Sampler, SamplerConfig, SamplerEvent};
use berth::json::GpuReport;
use futures_util::StreamExt;
use tauri::{AppHandle, Emitter};

/// Any change to Berth's containers (and the engine going away or coming back).
pub const ENVIRONMENTS_CHANGED: &str = "environments://changed";
/// Each GPU sample.
pub const GPU_SAMPLE: &str = "gpu://sample";

/// How long to wait before reconnecting to an engine that went away.
const RECONNECT: Duration = Duration::from_secs(5);

/// The GPU readings the dashboard shows: a running sampler, or why there is none.
pub struct GpuFeed {
    state: Mutex<FeedState>,
    owners: Arc<RwLock<Owners>>,
}

enum FeedState {
    Unavailable(GpuReport),
    Running { sampler: Sampler, described: String },
}

impl GpuFeed {
    /// Open the configured source (a replay or the driver) and sample it at 1 Hz,
    /// emitting each sample to the window.
    pub fn start(app: AppHandle) -> Self {
        let owners = Arc::new(RwLock::new(Owners::default()));
        let state = match berth::gpu::open_configured() {
            Err(err) => {
                tracing::info!(error = %err, "no GPU readings for the dashboard");
                FeedState::Unavailable(GpuReport::unavailable(&err))
            }
            Ok(source) => {
                let described = source.describe();
                tracing::info!(source = %described, "sampling the GPUs for the dashboard");
                let (label, shared) = (described.clone(), Arc::clone(&owners));
                let sampler = Sampler::start(source, SamplerConfig::default(), move |event| {
                    if let SamplerEvent::Sample(snapshot) = event {
                        let owners = shared.read().unwrap_or_else(|e| e.into_inner());
                        let report = GpuReport::ready(&snapshot, &label, &owners);
                        if let Err(err) = app.emit(GPU_SAMPLE, report) {
                            tracing::debug!(error = %err, "GPU sample not delivered");
                        }
                    }
                });
                FeedState::Running { sampler, described }
            }
        };
        Self {
            state: Mutex::new(state),
            owners,
        }
    }

    /// The kept samples, oldest first, or the one report saying why there are none.
    pub fn history(&self) -> Vec<GpuReport> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match &*state {
            FeedState::Unavailable(report) => vec![report.clone()],
            FeedState::Running { sampler, described } => {
                let owners = self.owners.read().unwrap_or_else(|e| e.into_inner());
                sampler
                    .history()
                    .iter()
                    .map(|snapshot| GpuReport::ready(snapshot, described, &owners))
                    .collect()
            }
        }
    }

    /// The map from GPU process to environment, refreshed by [`watch_engine`].
    pub fn owners(&self) -> Arc<RwLock<Owners>> {
        Arc::clone(&self.owners)
    }
}

/// Follow the engine's events about Berth's containers for as long as the app runs,
/// reconnecting when the engine goes away; each change refreshes the GPU owners too.
pub async fn watch_engine(app: AppHandle, owners: Arc<RwLock<Owners>>) {
    let mut connected = false;
    loop {
        match Engine::connect().await {
            Ok(engine) => {
                if !connected {
                    connected = true;
                    emit(&app, &engine_state("connected"));
                }
                refresh(&engine, &owners).await;
                let mut stream = std::pin::pin!(berth::environment::list::changes(&engine));
                while let Some(item) = stream.next().await {
                    match item {
                        Ok(event) => {
                            if matches!(event.action.as_str(), "create" | "destroy" | "start") {
                                refresh(&engine, &owners).await;
                            }
                            emit(&app, &event);
                        }
                        Err(err) => {
                            tracing::warn!(error = %err, "the engine's event stream ended");
                            break;
                        }
                    }
                }
            }
            Err(err) => tracing::debug!(error = %err, "no engine to follow yet"),
        }
        if connected {
            connected = false;
            emit(&app, &engine_state("disconnected"));
        }
        tokio::time::sleep(RECONNECT).await;
    }
}

async fn refresh(engine: &Engine, owners: &RwLock<Owners>) {
    match Owners::read(engine).await {
        Ok(read) => *owners.write().unwrap_or_else(|e| e.into_inner()) = read,
        Err(err) => tracing::debug!(error = %err, "GPU owners not refreshed"),
    }
}

/// The engine itself came or went: the list refreshes and shows the engine's state.
fn engine_state(action: &str) -> EngineEvent {
    EngineEvent {
        kind: "engine".into(),
        action: action.into(),
        id: String::new(),
        labels: Default::default(),
    }
}

fn emit(app: &AppHandle, event: &EngineEvent) {
    if let Err(err) = app.emit(ENVIRONMENTS_CHANGED, event) {
        tracing::debug!(error = %err, "engine event not delivered");
    }
    if let Some(id) = event.labels.get(PROJECT_LABEL) {
        let scoped = format!("env://{id}/state");
        if let Err(err) = app.emit(&scoped, event) {
            tracing::debug!(error = %err, event = %scoped, "engine event not delivered");
        }
    }
}
