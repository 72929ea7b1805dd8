//! The Settings screen: the Docker host, WSL memory, and registry credentials (kept in
//! the OS keyring only).

use berth::feature::registry::Credential;
use berth::json::{
    Error, LoginArgs, LoginResult, NoArgs, RegistryArgs, SettingsReport, WslSetResult,
    WslShowReport,
};

use super::ipc;

/// The settings in effect.
#[tauri::command]
pub fn settings(args: NoArgs) -> SettingsReport {
    let _ = args;
    SettingsReport::current()
}

/// `.wslconfig` against what builds need on this machine.
#[tauri::command]
pub fn wsl_show(args: NoArgs) -> Result<WslShowReport, Error> {
    let _ = args;
    let overview = berth::host::wsl::overview(None).map_err(ipc)?;
    Ok(WslShowReport::of(&overview))
}

/// Write the recommended memory and swap (a backup of the old file is kept).
#[tauri::command]
pub fn wsl_apply(args: NoArgs) -> Result<WslSetResult, Error> {
    let _ = args;
    let (outcome, _) = berth::host::wsl::set_recommended(None).map_err(ipc)?;
    Ok(WslSetResult::new(&outcome, false))
}

/// Keep a registry credential in the OS keyring.
#[tauri::command]
pub fn registry_login(args: LoginArgs) -> Result<LoginResult, Error> {
    let keyring = berth::secrets::keyring().map_err(ipc)?;
    let credential = Credential {
        username: args.username.clone(),
        secret: args.secret,
    };
    keyring.store(&args.registry, &credential).map_err(ipc)?;
    Ok(LoginResult::stored(
        &args.registry,
        &args.username,
        keyring.choice().backend,
    ))
}

/// Forget a registry credential.
#[tauri::command]
pub fn registry_logout(args: RegistryArgs) -> Result<LoginResult, Error> {
    let keyring = berth::secrets::keyring().map_err(ipc)?;
    let removed = keyring.forget(&args.registry).map_err(ipc)?;
    Ok(LoginResult::forgotten(
        &args.registry,
        removed,
        keyring.choice().backend,
    ))
}
