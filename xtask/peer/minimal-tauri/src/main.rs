//! A minimal Tauri app: one window whose page calls one command and shows the answer.
//! `cargo xtask startup --release` launches it beside Berth as the yardstick.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// The one command: a fixed answer, so the page has something real to show.
#[tauri::command]
fn answer() -> String {
    format!("minimal Tauri app, process {}", std::process::id())
}

fn main() {
    if let Err(err) = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![answer])
        .run(tauri::generate_context!())
    {
        eprintln!("minimal-tauri: the window failed to start: {err}");
        std::process::exit(1);
    }
}
