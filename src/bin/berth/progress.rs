//! How the environment verbs show a long operation: a progress bar with the current
//! step and the log above it on a terminal, plain lines otherwise, or one JSON line per
//! event with `--json`; and Ctrl-C as cancellation (cancelled is a result, exit 130).

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use berth::engine::{Cancel, Event, Progress};
use indicatif::{ProgressBar, ProgressStyle};

/// The exit code of a cancelled operation (as a shell reports Ctrl-C).
pub const CANCELLED: u8 = 130;

/// Where progress goes.
pub enum Printer {
    /// One JSON line per event on stdout.
    Json,
    /// A bar on stderr (a terminal), or plain lines when stderr is not one.
    Human {
        bar: Option<ProgressBar>,
        last_phase: Mutex<String>,
    },
}

impl Printer {
    /// The printer for `--json` or not.
    pub fn new(json: bool) -> Self {
        if json {
            return Self::Json;
        }
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Self::Human {
            bar,
            last_phase: Mutex::new(String::new()),
        }
    }

    /// Done: take the bar away.
    pub fn finish(&self) {
        if let Self::Human { bar: Some(bar), .. } = self {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Printer {
    fn event(&self, event: Event) {
        match self {
            Self::Json => {
                let line = berth::json::ProgressLine::now(event);
                if let Ok(text) = serde_json::to_string(&line) {
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "{text}");
                    let _ = out.flush();
                }
            }
            Self::Human { bar, last_phase } => {
                let print = |line: String| match bar {
                    Some(bar) => bar.println(line),
                    None => eprintln!("{line}"),
                };
                match &event {
                    Event::Phase { message, .. } => {
                        *last_phase.lock().unwrap_or_else(|e| e.into_inner()) = message.clone();
                        if let Some(bar) = bar {
                            bar.set_message(message.clone());
                        }
                        print(format!("==> {message}"));
                    }
                    Event::Step {
                        index,
                        total,
                        instruction,
                        cached,
                    } => match bar {
                        Some(bar) => {
                            bar.set_length(u64::from(*total));
                            bar.set_position(u64::from(*index));
                            let cached = if *cached { " (cached)" } else { "" };
                            bar.set_message(format!("{instruction}{cached}"));
                        }
                        None => print(event.message()),
                    },
                    Event::Output { line } => print(format!("    {line}")),
                    Event::Transfer { .. } => {
                        if let Some(bar) = bar {
                            bar.set_message(event.message());
                        }
                    }
                    Event::Warning { message } => print(format!("berth: warning: {message}")),
                }
            }
        }
    }
}

/// A cancel handle that Ctrl-C triggers.
pub fn cancel_on_ctrl_c() -> Cancel {
    let cancel = Cancel::new();
    let handle = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\nberth: cancelling…");
            handle.cancel();
        }
    });
    cancel
}

/// Print `value` as one JSON line on stdout.
pub fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}
