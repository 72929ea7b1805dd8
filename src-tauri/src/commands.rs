//! IPC commands: each reads its input, calls one core function and maps the result to
//! the transport types in `berth::json`.

/// Run the host checks (Docker engine, …) for the window's first screen.
#[tauri::command]
pub async fn doctor() -> Result<berth::json::DoctorReport, berth::json::Error> {
    let report = berth::host::doctor::run().await;
    Ok(berth::json::DoctorReport::from(&report))
}
