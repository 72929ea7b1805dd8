//! Berth's desktop window: a thin Tauri shell. Commands translate IPC into calls on the
//! `berth` core and map its errors; they never decide anything about the domain.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod instance;
mod jobs;
mod live;

use tauri::Manager;

fn main() {
    let log = match berth::logging::init_desktop() {
        Ok(guard) => Some(guard),
        Err(err) => {
            eprintln!("berth-desktop: {err}; logging to stderr only");
            berth::logging::install_panic_hook();
            None
        }
    };
    // The one-window guard goes first, so a second launch exits before opening anything.
    let result = instance::guard(tauri::Builder::default())
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .manage(jobs::Jobs::default())
        .setup(|app| {
            // `cargo xtask startup` reads these lines to say where a launch spends its time.
            let started = std::time::Instant::now();
            tracing::info!("setup hook started");
            let feed = live::GpuFeed::start(app.handle().clone());
            tauri::async_runtime::spawn(live::watch_engine(app.handle().clone(), feed.owners()));
            app.manage(feed);
            tracing::info!(
                took_ms = started.elapsed().as_millis(),
                "setup hook finished"
            );
            Ok(())
        })
        .on_page_load(|webview, payload| {
            let event = match payload.event() {
                tauri::webview::PageLoadEvent::Started => "page load started",
                tauri::webview::PageLoadEvent::Finished => "page load finished",
            };
            tracing::info!(window = webview.label(), url = %payload.url(), "{event}");
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(err) = result {
        tracing::error!(error = %err, "the window failed to start");
        eprintln!("berth-desktop: the window failed to start: {err}");
        drop(log);
        std::process::exit(1);
    }
}
