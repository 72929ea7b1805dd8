//! The GPU sampler: reads a [`GpuSource`] at a steady rate (1 Hz by default) on its own
//! thread and keeps a bounded history (10 minutes by default) for the charts.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{GpuSnapshot, GpuSource};

/// How often to sample and how much to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SamplerConfig {
    /// Time between samples.
    pub interval: Duration,
    /// How far back the history reaches.
    pub history: Duration,
}

impl Default for SamplerConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(1),
            history: Duration::from_secs(600),
        }
    }
}

impl SamplerConfig {
    /// How many samples the history holds.
    pub fn capacity(&self) -> usize {
        let interval = self.interval.as_millis().max(1);
        (self.history.as_millis() / interval).clamp(1, 1 << 20) as usize
    }
}

/// What the sampler tells its listener after each tick.
#[derive(Debug, Clone)]
pub enum SamplerEvent {
    /// A new snapshot (also in the history).
    Sample(Arc<GpuSnapshot>),
    /// The source could not be read this time; the message says why.
    Failed(String),
}

#[derive(Default)]
struct State {
    history: VecDeque<Arc<GpuSnapshot>>,
    stopping: bool,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

/// A running sampler; dropping it stops the thread.
pub struct Sampler {
    shared: Arc<Shared>,
    capacity: usize,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Sampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sampler")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl Sampler {
    /// Start sampling `source`; `listener` hears of every tick, on the sampler's thread.
    pub fn start(
        mut source: Box<dyn GpuSource>,
        config: SamplerConfig,
        mut listener: impl FnMut(SamplerEvent) + Send + 'static,
    ) -> Self {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
        });
        let capacity = config.capacity();
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("berth-gpu-sampler".into())
            .spawn(move || {
                let start = Instant::now();
                let mut tick: u32 = 0;
                loop {
                    let event = match source.sample() {
                        Ok(snapshot) => {
                            let snapshot = Arc::new(snapshot);
                            let mut state = lock(&thread_shared.state);
                            if state.history.len() == capacity {
                                state.history.pop_front();
                            }
                            state.history.push_back(Arc::clone(&snapshot));
                            SamplerEvent::Sample(snapshot)
                        }
                        Err(err) => {
                            tracing::warn!(error = %err, "GPU sample failed");
                            SamplerEvent::Failed(crate::error_chain(&err))
                        }
                    };
                    listener(event);
                    // The next tick on a fixed grid, so a slow sample does not drift the rate.
                    tick = tick.saturating_add(1);
                    let due = start + config.interval * tick;
                    let mut state = lock(&thread_shared.state);
                    loop {
                        if state.stopping {
                            return;
                        }
                        let now = Instant::now();
                        if now >= due {
                            break;
                        }
                        state = thread_shared
                            .wake
                            .wait_timeout(state, due - now)
                            .map(|(state, _)| state)
                            .unwrap_or_else(|poisoned| poisoned.into_inner().0);
                    }
                }
            })
            .ok();
        Self {
            shared,
            capacity,
            thread,
        }
    }

    /// Every snapshot kept, oldest first.
    pub fn history(&self) -> Vec<Arc<GpuSnapshot>> {
        lock(&self.shared.state).history.iter().cloned().collect()
    }

    /// The newest snapshot, once there is one.
    pub fn latest(&self) -> Option<Arc<GpuSnapshot>> {
        lock(&self.shared.state).history.back().cloned()
    }

    /// How many snapshots the history holds at most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Stop the thread and wait for it.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        lock(&self.shared.state).stopping = true;
        self.shared.wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.halt();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpu::ReplaySource;

    fn load() -> Box<dyn GpuSource> {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gpu/load.jsonl");
        Box::new(ReplaySource::open(&path).unwrap())
    }

    #[test]
    fn the_history_keeps_the_newest_samples_up_to_its_bound() {
        let config = SamplerConfig {
            interval: Duration::from_millis(5),
            history: Duration::from_millis(40),
        };
        assert_eq!(config.capacity(), 8);
        let (tx, rx) = std::sync::mpsc::channel();
        let sampler = Sampler::start(load(), config, move |event| {
            if let SamplerEvent::Sample(s) = event {
                let _ = tx.send(s.seq);
            }
        });
        let seen: Vec<u64> = rx.iter().take(20).collect();
        assert_eq!(seen, (0..20).collect::<Vec<_>>());
        let history = sampler.history();
        assert_eq!(history.len(), 8);
        let seqs: Vec<u64> = history.iter().map(|s| s.seq).collect();
        assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
        assert!(seqs[7] >= 19);
        sampler.stop();
    }

    #[test]
    fn the_default_is_one_hertz_for_ten_minutes() {
        let config = SamplerConfig::default();
        assert_eq!(config.interval, Duration::from_secs(1));
        assert_eq!(config.capacity(), 600);
    }

    #[test]
    fn stopping_does_not_wait_for_the_next_tick() {
        let config = SamplerConfig {
            interval: Duration::from_secs(3600),
            history: Duration::from_secs(7200),
        };
        let sampler = Sampler::start(load(), config, |_| {});
        while sampler.latest().is_none() {
            std::thread::sleep(Duration::from_millis(1));
        }
        let begun = Instant::now();
        sampler.stop();
        assert!(begun.elapsed() < Duration::from_secs(5));
    }
}
