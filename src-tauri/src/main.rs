//! Berth's desktop window: a thin Tauri shell. Commands translate IPC into calls on the
//! `berth` core and map its errors; they never decide anything about the domain.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;

fn main() {
    let log = match berth::logging::init_desktop() {
        Ok(guard) => Some(guard),
        Err(err) => {
            eprintln!("berth-desktop: {err}; logging to stderr only");
            berth::logging::install_panic_hook();
            None
        }
    };
    let result = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![commands::doctor])
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(err) = result {
        tracing::error!(error = %err, "the window failed to start");
        eprintln!("berth-desktop: the window failed to start: {err}");
        drop(log);
        std::process::exit(1);
    }
}
