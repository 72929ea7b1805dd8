//! Check: the OS keyring keeps a secret (registry credentials live there and nowhere
//! else). A throwaway entry is written, read back and removed.

use crate::feature::registry::{Credential, Credentials};
use crate::secrets;

use super::{Check, CheckId, CheckStatus, Fix};

const TITLE: &str = "OS keyring for registry credentials";
/// The entry the probe uses; not a registry anyone can have.
const PROBE: &str = "berth-doctor-probe.invalid";

/// The check: a round trip through this process's keyring.
pub(super) fn check() -> Check {
    let outcome = secrets::keyring().and_then(|keyring| {
        let probe = Credential {
            username: "berth-doctor".to_owned(),
            secret: "probe".to_owned(),
        };
        keyring.store(PROBE, &probe)?;
        let read = keyring.for_registry(PROBE);
        keyring.forget(PROBE)?;
        Ok((keyring.choice().backend, read == Some(probe)))
    });
    match outcome {
        Ok((backend, true)) => Check::new(
            CheckId::Keyring,
            TITLE,
            CheckStatus::Ok,
            format!(
                "{} keeps credentials {}",
                backend.describe(),
                backend.lasts()
            ),
            None,
        ),
        Ok((backend, false)) => Check::new(
            CheckId::Keyring,
            TITLE,
            CheckStatus::Warning,
            format!(
                "{} took a secret but did not give it back",
                backend.describe()
            ),
            Some(keyring_fix()),
        ),
        Err(err) => Check::new(
            CheckId::Keyring,
            TITLE,
            CheckStatus::Warning,
            format!("credentials cannot be kept: {}", crate::error_chain(&err)),
            Some(keyring_fix()),
        ),
    }
}

fn keyring_fix() -> Fix {
    if cfg!(target_os = "linux") {
        Fix::to_copy(
            "Unlock your desktop's keyring (GNOME Keyring, KWallet), or on a headless machine run Berth inside a session keyring.",
            Some("keyctl session - berth doctor"),
        )
    } else {
        Fix::to_copy(
            "Unlock the system keychain, then run the check again.",
            None,
        )
    }
}
