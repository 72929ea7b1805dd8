//! Berth's core: everything the desktop app and the `berth` command line can do lives
//! here, as documented functions over plain types, so both front ends stay thin.

pub mod devcontainer;
pub mod engine;
pub mod host;
pub mod json;
pub mod logging;
pub mod project_file;
pub mod recipe;

/// The app's reverse-DNS identifier, as in `tauri.conf.json`; names its folders.
pub const APP_IDENTIFIER: &str = "dev.berth.app";
