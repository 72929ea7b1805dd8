//! What a long operation tells whoever watches it (the CLI's bars, `--json` lines, the
//! window, the tests), how a watcher stops it, and how it ends: the same three types for
//! every build, `up` and lifecycle command.

use std::sync::Mutex;

use serde::Serialize;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

/// How a long operation ended when it did not fail: cancelled is a result, not an error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Outcome<T> {
    /// It ran to the end.
    Done(T),
    /// Someone cancelled it; whatever it had made half-way is gone again.
    Cancelled,
}

impl<T> Outcome<T> {
    /// The value when done, `None` when cancelled.
    pub fn done(self) -> Option<T> {
        match self {
            Self::Done(value) => Some(value),
            Self::Cancelled => None,
        }
    }

    /// Apply `f` to the value when done.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Outcome<U> {
        match self {
            Self::Done(value) => Outcome::Done(f(value)),
            Self::Cancelled => Outcome::Cancelled,
        }
    }

    /// True when cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Self::Cancelled)
    }
}

/// A handle to cancel a long operation; clones share one state.
#[derive(Debug, Clone, Default)]
pub struct Cancel(CancellationToken);

impl Cancel {
    /// A fresh, not-cancelled handle.
    pub fn new() -> Self {
        Self::default()
    }

    /// Ask every operation holding a clone to stop.
    pub fn cancel(&self) {
        self.0.cancel();
    }

    /// Whether cancellation was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.0.is_cancelled()
    }

    /// Resolves once cancellation is asked for.
    pub async fn cancelled(&self) {
        self.0.cancelled().await;
    }
}

/// Which part of an operation is running, for a progress bar's label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub enum Phase {
    /// Packing and sending the build context.
    Context,
    /// Fetching Dev Container Features.
    Features,
    /// Building an image.
    Build,
    /// Changing the container user's UID/GID to the host user's.
    UpdateUid,
    /// Creating or recreating the container.
    Create,
    /// Starting the container.
    Start,
    /// Running a lifecycle command.
    Lifecycle,
    /// Stopping a container.
    Stop,
    /// Removing containers, volumes or images.
    Remove,
    /// Pushing an image to a registry.
    Push,
}

/// How much an event matters; `--json` lines carry it as `level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub enum Level {
    /// Detail: a line of output.
    Debug,
    /// Normal progress.
    Info,
    /// Worth a person's attention; the operation goes on.
    Warning,
}

/// One thing a long operation reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub enum Event {
    /// A part of the operation began.
    Phase {
        /// Which part.
        phase: Phase,
        /// What is happening, for a person: "building image 'berth-thesis…'".
        message: String,
    },
    /// A build step began (or was taken from the cache).
    Step {
        /// The step's number, from 1.
        index: u32,
        /// How many steps the build has, as far as the builder knows yet.
        total: u32,
        /// The instruction, e.g. `RUN pip install -r requirements.txt`.
        instruction: String,
        /// True when the builder reused a cached result.
        cached: bool,
    },
    /// A line that a build step or a command printed.
    Output {
        /// The line, without its line ending.
        line: String,
    },
    /// Bytes moved so far (the build context).
    Transfer {
        /// What is being moved.
        what: String,
        /// Bytes so far.
        #[ts(type = "number")]
        bytes: u64,
    },
    /// Something a person should know; the operation goes on.
    Warning {
        /// What, and what to do about it.
        message: String,
    },
}

impl Event {
    /// How much this event matters.
    pub fn level(&self) -> Level {
        match self {
            Self::Output { .. } | Self::Transfer { .. } => Level::Debug,
            Self::Phase { .. } | Self::Step { .. } => Level::Info,
            Self::Warning { .. } => Level::Warning,
        }
    }

    /// The event as one line for a person.
    pub fn message(&self) -> String {
        match self {
            Self::Phase { message, .. } | Self::Warning { message } => message.clone(),
            Self::Step {
                index,
                total,
                instruction,
                cached,
            } => {
                let cached = if *cached { " (cached)" } else { "" };
                format!("step {index}/{total}: {instruction}{cached}")
            }
            Self::Output { line } => line.clone(),
            Self::Transfer { what, bytes } => {
                format!("{what}: {}", human_bytes(*bytes))
            }
        }
    }
}

/// `12.3 MB`, `512 B`: a byte count as a person reads it (decimal units, as Docker shows).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    // Precision does not matter for a label.
    #[allow(clippy::cast_precision_loss)]
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Where a long operation's events go. Implementations must be cheap: a build sends
/// one event per output line.
pub trait Progress: Send + Sync {
    /// Receive one event.
    fn event(&self, event: Event);
}

/// Drops every event: for callers that do not watch.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn event(&self, _event: Event) {}
}

/// Keeps every event, in order: for tests, and for callers that show them afterwards.
#[derive(Debug, Default)]
pub struct Recorder(Mutex<Vec<Event>>);

impl Recorder {
    /// An empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every event so far.
    pub fn events(&self) -> Vec<Event> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Every output line so far.
    pub fn lines(&self) -> Vec<String> {
        self.events()
            .into_iter()
            .filter_map(|event| match event {
                Event::Output { line } => Some(line),
                _ => None,
            })
            .collect()
    }
}

impl Progress for Recorder {
    fn event(&self, event: Event) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(event);
    }
}

/// Sends every event to two sinks (e.g. a recorder for a failure's last lines and the
/// caller's sink).
pub struct Tee<'a>(pub &'a dyn Progress, pub &'a dyn Progress);

impl Progress for Tee<'_> {
    fn event(&self, event: Event) {
        self.0.event(event.clone());
        self.1.event(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialise_with_their_kind() {
        let event = Event::Step {
            index: 3,
            total: 9,
            instruction: "RUN pip install torch".into(),
            cached: true,
        };
        assert_eq!(
            serde_json::to_value(&event).unwrap(),
            serde_json::json!({"kind": "step", "index": 3, "total": 9,
                "instruction": "RUN pip install torch", "cached": true})
        );
        assert_eq!(event.message(), "step 3/9: RUN pip install torch (cached)");
        assert_eq!(event.level(), Level::Info);
    }

    #[test]
    fn byte_counts_read_as_docker_shows_them() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(12_345), "12.3 kB");
        assert_eq!(human_bytes(5_400_000_000), "5.4 GB");
    }

    #[test]
    fn a_cancel_handle_is_shared_by_its_clones() {
        let cancel = Cancel::new();
        let clone = cancel.clone();
        assert!(!clone.is_cancelled());
        cancel.cancel();
        assert!(clone.is_cancelled());
    }

    #[test]
    fn a_recorder_keeps_output_lines_in_order() {
        let recorder = Recorder::new();
        let silent = Silent;
        let tee = Tee(&recorder, &silent);
        tee.event(Event::Output { line: "a".into() });
        tee.event(Event::Warning {
            message: "w".into(),
        });
        tee.event(Event::Output { line: "b".into() });
        assert_eq!(recorder.lines(), ["a", "b"]);
        assert_eq!(recorder.events().len(), 3);
    }
}
