//! Shared support for Berth's integration tests that talk to the real Docker engine: the
//! connection, per-test scopes that clean up every object they made, hermetic base images
//! built offline from this machine's own apt mirror, and a way to run a command in a
//! container. Each test binary includes it with `#[path = "../support/mod.rs"] mod support;`.

// Every test binary uses a different part of this module; the rest would warn.
#![allow(dead_code)]

pub mod apt_sources;
pub mod containers;
pub mod engine;
pub mod images;
pub mod lock;
pub mod recipe_project;
pub mod registry;
pub mod scope;
pub mod wheelhouse;

pub use scope::TestScope;

/// The reference CLI (`@devcontainers/cli`, pinned in `tests/tools/`).
pub const REFERENCE_CLI: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/tools/node_modules/@devcontainers/cli/devcontainer.js"
);

use std::io::Write;
use std::time::Duration;

/// The calling test's path, e.g. `images::busybox_echoes_hi`, for labels and messages.
///
/// Works in plain and `async` test functions: it names a nested function and strips what
/// the compiler adds around it.
macro_rules! test_name {
    () => {{
        fn here() {}
        fn type_name_of<T>(_: T) -> &'static str {
            ::std::any::type_name::<T>()
        }
        $crate::support::clean_test_name(type_name_of(here))
    }};
}
pub(crate) use test_name;

/// Turn `api::images::busybox_echoes_hi::{{closure}}::here` into `images::busybox_echoes_hi`.
pub fn clean_test_name(raw: &str) -> String {
    let parts: Vec<&str> = raw
        .split("::")
        .filter(|part| !part.starts_with('{'))
        .collect();
    // Drop the crate name in front and the helper function at the end.
    let end = parts.len().saturating_sub(1);
    parts.get(1..end).unwrap_or_default().join("::")
}

/// Print one progress line straight to the process's stderr.
///
/// libtest captures `eprintln!` and only shows it for failed tests; a CI log must show
/// what a minutes-long image build is doing while it does it, so this writes to the
/// stderr handle directly.
pub fn progress(message: impl std::fmt::Display) {
    let mut stderr = std::io::stderr().lock();
    // A closed stderr is no reason to fail a test.
    let _ = writeln!(stderr, "[berth-test] {message}");
}

/// `1m05s`, `12.3s`: a duration as a CI log should show it.
pub fn human_duration(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        let whole = duration.as_secs();
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}

/// `12.3 MiB`: a byte count as a person reads it.
pub fn human_size(bytes: i64) -> String {
    // Precision is irrelevant for a log line.
    #[allow(clippy::cast_precision_loss)]
    let mib = bytes as f64 / (1024.0 * 1024.0);
    format!("{mib:.1} MiB")
}
