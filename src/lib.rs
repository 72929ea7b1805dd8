//! Berth's core: everything the desktop app and the `berth` command line can do lives
//! here, as documented functions over plain types, so both front ends stay thin.

pub mod compose;
pub mod devcontainer;
pub mod engine;
pub mod environment;
pub mod feature;
pub mod gpu;
pub mod host;
pub mod json;
pub mod logging;
pub mod project_file;
pub mod recipe;
pub mod secrets;
pub mod vscode;

/// The app's reverse-DNS identifier, as in `tauri.conf.json`; names its folders.
pub const APP_IDENTIFIER: &str = "dev.berth.app";

/// `err` and each of its causes joined with ": ", the one-line form Berth shows a person
/// (in the window, in `--json` errors and in check summaries).
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}
