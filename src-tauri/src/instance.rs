//! One Berth window at a time. The single-instance plugin finds the running window over
//! the D-Bus session bus on Linux; where that bus is missing or broken (a bare X session,
//! SSH with X forwarding, a container), registering it has panicked in some releases, so
//! Berth registers it only when the bus answers and otherwise starts without it.

use tauri::{Manager, Runtime};

/// Whether this session's D-Bus bus accepts connections (always true off Linux, where
/// the plugin does not use D-Bus).
pub fn session_bus_usable() -> Result<(), String> {
    if !cfg!(target_os = "linux") {
        return Ok(());
    }
    let address = std::env::var("DBUS_SESSION_BUS_ADDRESS")
        .ok()
        .filter(|a| !a.is_empty());
    let path = match &address {
        Some(address) => unix_path(address)
            .ok_or_else(|| format!("DBUS_SESSION_BUS_ADDRESS='{address}' names no unix socket"))?,
        None => {
            let runtime = std::env::var("XDG_RUNTIME_DIR").map_err(|_| {
                "neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set".to_owned()
            })?;
            format!("{runtime}/bus")
        }
    };
    connect(&path)
        .map_err(|err| format!("the D-Bus session bus at '{path}' does not answer: {err}"))
}

/// The socket of a `unix:path=…` (or `unix:abstract=…`, as `@…`) address; the first
/// usable one of a `;`-separated list.
fn unix_path(address: &str) -> Option<String> {
    address.split(';').find_map(|one| {
        let params = one.strip_prefix("unix:")?;
        params.split(',').find_map(|kv| match kv.split_once('=')? {
            ("path", path) => Some(path.to_owned()),
            ("abstract", name) => Some(format!("@{name}")),
            _ => None,
        })
    })
}

#[cfg(unix)]
fn connect(path: &str) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    if let Some(name) = path.strip_prefix('@') {
        use std::os::linux::net::SocketAddrExt;
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
        return std::os::unix::net::UnixStream::connect_addr(&addr).map(drop);
    }
    std::os::unix::net::UnixStream::connect(path).map(drop)
}

#[cfg(not(unix))]
fn connect(_path: &str) -> std::io::Result<()> {
    Ok(())
}

/// Add the single-instance plugin when the bus allows it: a second launch then brings
/// the running window to the front and exits.
pub fn guard<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    match session_bus_usable() {
        Ok(()) => builder.plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tracing::info!("a second Berth was started; showing this window instead");
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        })),
        Err(reason) => {
            tracing::warn!(%reason, "starting without the one-window guard");
            builder
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bus_addresses_name_their_socket() {
        assert_eq!(
            unix_path("unix:path=/run/user/1000/bus").as_deref(),
            Some("/run/user/1000/bus")
        );
        assert_eq!(
            unix_path("unix:abstract=/tmp/dbus-x,guid=1").as_deref(),
            Some("@/tmp/dbus-x")
        );
        assert_eq!(
            unix_path("tcp:host=localhost,port=1;unix:path=/b").as_deref(),
            Some("/b")
        );
        assert_eq!(unix_path("tcp:host=localhost"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_socket_nobody_listens_on_is_not_a_bus() {
        let dir = std::env::temp_dir().join("berth-no-bus");
        assert!(connect(dir.join("bus").to_str().unwrap()).is_err());
    }
}
