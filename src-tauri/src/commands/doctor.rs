//! The System check screen: the host checks and the fixes Berth may run itself.

use berth::json::{DoctorFixArgs, DoctorFixResult, DoctorReport, Error, NoArgs};

use super::ipc;

/// Run every host check (Docker engine, NVIDIA driver and runtime, disk, VS Code, …).
#[tauri::command]
pub async fn doctor(args: NoArgs) -> Result<DoctorReport, Error> {
    let _ = args;
    let report = berth::host::doctor::run().await;
    Ok(DoctorReport::from(&report))
}

/// Run one safe fix (the check's "Fix it" button).
#[tauri::command]
pub async fn doctor_fix(args: DoctorFixArgs) -> Result<DoctorFixResult, Error> {
    let message = berth::host::doctor::run_action(args.action)
        .await
        .map_err(ipc)?;
    Ok(DoctorFixResult { message })
}
