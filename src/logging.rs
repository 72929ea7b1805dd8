//! Logging through `tracing`: human-readable lines on stderr for the CLI, a rotating file
//! in the platform's log directory for the desktop app, and a panic hook that logs.

use std::path::{Path, PathBuf};

use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter, Layer};

/// Environment variable that overrides where the desktop app writes its log files.
pub const LOG_DIR_ENV: &str = "BERTH_LOG_DIR";

/// How many daily log files the desktop app keeps.
pub const KEPT_LOG_FILES: usize = 7;

/// Errors from setting up logging.
#[derive(Debug, thiserror::Error)]
pub enum LoggingError {
    /// The platform gave no home directory to put logs under.
    #[error("cannot find a log directory for Berth: set {LOG_DIR_ENV} to a writable folder")]
    NoLogDir,
    /// The log directory could not be created.
    #[error("cannot create the log folder '{}': check its permissions or set {LOG_DIR_ENV}", dir.display())]
    CreateDir {
        /// The folder Berth tried.
        dir: PathBuf,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// The log file could not be opened.
    #[error("cannot write logs to '{}': check that the folder is writable or set {LOG_DIR_ENV}", dir.display())]
    Open {
        /// The folder Berth tried.
        dir: PathBuf,
        /// Why it failed.
        #[source]
        source: tracing_appender::rolling::InitError,
    },
    /// Another global logger was installed first.
    #[error("logging was already set up in this process")]
    AlreadySet,
}

/// The filter for `verbosity` `-v` flags, unless `RUST_LOG` says otherwise.
fn filter(verbosity: u8) -> EnvFilter {
    if let Ok(filter) = EnvFilter::try_from_default_env() {
        return filter;
    }
    let level = match verbosity {
        0 => "warn",
        1 => "info,berth=debug",
        2 => "debug",
        _ => "trace",
    };
    EnvFilter::new(level)
}

/// The file the CLI appends its log to when [`LOG_DIR_ENV`] names a folder.
pub const CLI_LOG_FILE: &str = "berth-cli.log";

/// Set up CLI logging: human-readable lines on stderr, `-v` per level or `RUST_LOG`; and
/// when [`LOG_DIR_ENV`] is set, every run's info and Berth's debug lines appended to
/// [`CLI_LOG_FILE`] there too (for a bug report, or a test that reads what was logged).
pub fn init_cli(verbosity: u8) -> Result<(), LoggingError> {
    let layer = fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(verbosity >= 2)
        .without_time()
        .with_filter(filter(verbosity));
    let file = match std::env::var_os(LOG_DIR_ENV).filter(|d| !d.is_empty()) {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir).map_err(|source| LoggingError::CreateDir {
                dir: dir.clone(),
                source,
            })?;
            // Written as each line comes (no worker thread): the CLI has no guard to keep.
            let appender = tracing_appender::rolling::Builder::new()
                .rotation(tracing_appender::rolling::Rotation::NEVER)
                .filename_prefix("berth-cli")
                .filename_suffix("log")
                .build(&dir)
                .map_err(|source| LoggingError::Open {
                    dir: dir.clone(),
                    source,
                })?;
            Some(
                fmt::layer()
                    .with_writer(appender)
                    .with_ansi(false)
                    .with_filter(filter(1)),
            )
        }
        None => None,
    };
    tracing_subscriber::registry()
        .with(layer)
        .with(file)
        .try_init()
        .map_err(|_| LoggingError::AlreadySet)?;
    install_panic_hook();
    Ok(())
}

/// The folder the desktop app logs to: `BERTH_LOG_DIR`, or the platform's place for
/// logs (`~/.local/share/dev.berth.app/logs` on Linux, `~/Library/Logs/dev.berth.app`
/// on macOS, `%LOCALAPPDATA%\dev.berth.app\logs` on Windows, as Tauri names them).
pub fn desktop_log_dir() -> Result<PathBuf, LoggingError> {
    if let Some(dir) = std::env::var_os(LOG_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let base = directories::BaseDirs::new().ok_or(LoggingError::NoLogDir)?;
    let identifier = crate::APP_IDENTIFIER;
    Ok(if cfg!(target_os = "macos") {
        base.home_dir().join("Library/Logs").join(identifier)
    } else {
        base.data_local_dir().join(identifier).join("logs")
    })
}

/// Keeps the desktop log writer alive; dropping it flushes and closes the log file.
#[must_use = "dropping the guard stops file logging"]
pub struct LogGuard {
    _worker: tracing_appender::non_blocking::WorkerGuard,
    dir: PathBuf,
}

impl LogGuard {
    /// The folder the log files are written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Set up desktop logging: a daily-rotated `berth.log` (seven kept) in
/// [`desktop_log_dir`], plus stderr, and a panic hook that logs.
pub fn init_desktop() -> Result<LogGuard, LoggingError> {
    let dir = desktop_log_dir()?;
    // tracing-appender prunes old files before it creates the folder: create it first.
    std::fs::create_dir_all(&dir).map_err(|source| LoggingError::CreateDir {
        dir: dir.clone(),
        source,
    })?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("berth")
        .filename_suffix("log")
        .max_log_files(KEPT_LOG_FILES)
        .build(&dir)
        .map_err(|source| LoggingError::Open {
            dir: dir.clone(),
            source,
        })?;
    let (writer, worker) = tracing_appender::non_blocking(appender);
    let stderr_verbosity = u8::from(cfg!(debug_assertions));
    tracing_subscriber::registry()
        .with(
            fmt::layer()
                .with_writer(writer)
                .with_ansi(false)
                .with_filter(filter(1)),
        )
        .with(
            fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(filter(stderr_verbosity)),
        )
        .try_init()
        .map_err(|_| LoggingError::AlreadySet)?;
    install_panic_hook();
    tracing::info!(dir = %dir.display(), version = env!("CARGO_PKG_VERSION"), "Berth desktop starting");
    Ok(LogGuard {
        _worker: worker,
        dir,
    })
}

/// Log every panic (message, location, backtrace) through `tracing`, then run the
/// previous hook so the default report still reaches stderr.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_else(|| "unknown location".to_owned());
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic payload".to_owned());
        let backtrace = std::backtrace::Backtrace::force_capture();
        tracing::error!(%location, %message, %backtrace, "Berth panicked");
        previous(info);
    }));
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A `tracing` writer that keeps what it is given.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_panic_is_logged_with_its_message_and_location() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        install_panic_hook();
        tracing::subscriber::with_default(subscriber, || {
            let outcome = std::panic::catch_unwind(|| panic!("the package volume is gone"));
            assert!(outcome.is_err());
        });
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("Berth panicked"), "{text}");
        assert!(text.contains("the package volume is gone"), "{text}");
        assert!(
            text.contains("src/logging.rs"),
            "names the location: {text}"
        );
    }

    #[test]
    fn the_log_dir_can_be_overridden() {
        // Only this test reads or sets BERTH_LOG_DIR in this process.
        std::env::set_var(LOG_DIR_ENV, "/tmp/berth-logs-test");
        let dir = desktop_log_dir().unwrap();
        std::env::remove_var(LOG_DIR_ENV);
        assert_eq!(dir, PathBuf::from("/tmp/berth-logs-test"));
        let default = desktop_log_dir().unwrap();
        assert!(
            default.ends_with("dev.berth.app/logs") || default.ends_with("dev.berth.app"),
            "{}",
            default.display()
        );
    }
}
