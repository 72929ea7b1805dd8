//! Registry credentials, kept in the OS keyring and nowhere else (never on disk, never in
//! logs): one entry per registry host, holding the user name and the password or token.
//! On Linux there are two keyrings: the Secret Service of a desktop session (GNOME
//! Keyring, KWallet; kept across reboots) and, on headless machines, the kernel's
//! session keyring (keyutils; kept until the session ends). Each process picks one once.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::feature::registry::{Credential, Credentials};

/// The keyring service Berth's registry entries live under.
pub const SERVICE: &str = "dev.berth.app.registry";

/// The environment variable that picks the keyring instead of the automatic choice:
/// `secret-service` or `kernel` (Linux only).
pub const KEYRING_ENV: &str = "BERTH_KEYRING";

/// Where credentials are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub enum Backend {
    /// The freedesktop Secret Service on the session bus (GNOME Keyring, KWallet).
    SecretService,
    /// The kernel's session keyring (keyutils).
    Kernel,
    /// The platform's own store: the Windows Credential Manager or the macOS Keychain.
    Platform,
}

impl Backend {
    /// The keyring's name for a person.
    pub fn describe(self) -> &'static str {
        match self {
            Self::SecretService => "the Secret Service keyring",
            Self::Kernel => "the kernel session keyring",
            Self::Platform if cfg!(windows) => "the Windows Credential Manager",
            Self::Platform => "the macOS Keychain",
        }
    }

    /// How long an entry lasts there.
    pub fn lasts(self) -> &'static str {
        match self {
            Self::Kernel => "until this login session ends",
            Self::SecretService | Self::Platform => "across reboots",
        }
    }

    /// What to check when this keyring refuses.
    fn advice(self) -> &'static str {
        match self {
            Self::SecretService => "check that your desktop keyring (GNOME Keyring, KWallet) is unlocked, or set BERTH_KEYRING=kernel to use the kernel session keyring",
            Self::Kernel => "Berth needs a session keyring: log in through a session that has one, or run Berth under `keyctl session -`",
            Self::Platform => "check that the system keychain is unlocked",
        }
    }
}

/// What can go wrong with the keyring.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The keyring refused or is not there.
    #[error("cannot use {} for the registry '{registry}': {message}; {}", backend.describe(), backend.advice())]
    Keyring {
        /// The keyring Berth used.
        backend: Backend,
        /// The registry host.
        registry: String,
        /// The keyring's error.
        message: String,
    },
    /// `BERTH_KEYRING` names no keyring Berth knows.
    #[error(
        "{KEYRING_ENV}='{value}' names no keyring: use 'secret-service' or 'kernel', or unset it"
    )]
    UnknownBackend {
        /// The value given.
        value: String,
    },
}

/// Why a keyring was picked: the tracing line and `berth login` say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The keyring.
    pub backend: Backend,
    /// Why, for a person.
    pub reason: String,
}

/// The keyring choice on Linux from what the process sees: `forced` (the value of
/// [`KEYRING_ENV`]), whether a session bus is named, and — asked only when it matters —
/// whether a Secret Service answers on it.
///
/// # Errors
///
/// [`SecretError::UnknownBackend`].
pub fn choose(
    forced: Option<&str>,
    session_bus: Option<&str>,
    secret_service_answers: impl FnOnce() -> Result<(), String>,
) -> Result<Choice, SecretError> {
    let choice = |backend, reason: &str| {
        Ok(Choice {
            backend,
            reason: reason.to_owned(),
        })
    };
    match forced.map(str::trim).filter(|v| !v.is_empty()) {
        Some("secret-service") => return choice(Backend::SecretService, "set by BERTH_KEYRING"),
        Some("kernel") => return choice(Backend::Kernel, "set by BERTH_KEYRING"),
        Some(other) => {
            return Err(SecretError::UnknownBackend {
                value: other.to_owned(),
            })
        }
        None => {}
    }
    if session_bus.is_none_or(|bus| bus.trim().is_empty()) {
        return choice(
            Backend::Kernel,
            "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)",
        );
    }
    match secret_service_answers() {
        Ok(()) => choice(
            Backend::SecretService,
            "a Secret Service answers on the session bus",
        ),
        Err(why) => Ok(Choice {
            backend: Backend::Kernel,
            reason: format!("no Secret Service answers on the session bus ({why})"),
        }),
    }
}

/// How long the Secret Service may take to answer the first question before Berth counts
/// it as absent.
#[cfg(target_os = "linux")]
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// Whether a Secret Service answers: a lookup of an entry nobody stores, on its own
/// thread so a bus that never replies cannot hang Berth.
#[cfg(target_os = "linux")]
fn secret_service_answers() -> Result<(), String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let asked =
            keyring::secret_service::SsCredential::new_with_target(None, SERVICE, "berth-probe")
                .and_then(|credential| {
                    keyring::Entry::new_with_credential(Box::new(credential)).get_password()
                });
        let answer = match asked {
            Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(err.to_string()),
        };
        let _ = tx.send(answer);
    });
    rx.recv_timeout(PROBE_TIMEOUT)
        .unwrap_or_else(|_| Err(format!("no answer within {} s", PROBE_TIMEOUT.as_secs())))
}

/// The keyring this process uses, chosen on first use.
///
/// # Errors
///
/// [`SecretError::UnknownBackend`].
pub fn keyring() -> Result<&'static Keyring, SecretError> {
    static CHOSEN: OnceLock<Result<Keyring, String>> = OnceLock::new();
    let chosen = CHOSEN.get_or_init(|| {
        let choice = detect().map_err(|err| match err {
            SecretError::UnknownBackend { value } => value,
            SecretError::Keyring { message, .. } => message,
        })?;
        tracing::info!(
            keyring = ?choice.backend,
            reason = %choice.reason,
            "registry credentials: using {}",
            choice.backend.describe()
        );
        Ok(Keyring { choice })
    });
    chosen
        .as_ref()
        .map_err(|value| SecretError::UnknownBackend {
            value: value.clone(),
        })
}

#[cfg(target_os = "linux")]
fn detect() -> Result<Choice, SecretError> {
    let forced = std::env::var(KEYRING_ENV).ok();
    let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").ok();
    choose(forced.as_deref(), bus.as_deref(), secret_service_answers)
}

#[cfg(not(target_os = "linux"))]
fn detect() -> Result<Choice, SecretError> {
    Ok(Choice {
        backend: Backend::Platform,
        reason: "the platform's keyring".to_owned(),
    })
}

#[derive(Serialize, Deserialize)]
struct Stored {
    username: String,
    secret: String,
}

/// One keyring, the entries of every registry in it.
#[derive(Debug)]
pub struct Keyring {
    choice: Choice,
}

impl Keyring {
    /// Which keyring this is, and why it was picked.
    pub fn choice(&self) -> &Choice {
        &self.choice
    }

    fn failure(&self, registry: &str, err: &keyring::Error) -> SecretError {
        SecretError::Keyring {
            backend: self.choice.backend,
            registry: registry.to_owned(),
            message: err.to_string(),
        }
    }

    fn entry(&self, registry: &str) -> Result<keyring::Entry, SecretError> {
        let made = match self.choice.backend {
            #[cfg(target_os = "linux")]
            Backend::SecretService => {
                keyring::secret_service::SsCredential::new_with_target(None, SERVICE, registry)
                    .map(|c| keyring::Entry::new_with_credential(Box::new(c)))
            }
            #[cfg(target_os = "linux")]
            Backend::Kernel => {
                keyring::keyutils::KeyutilsCredential::new_with_target(None, SERVICE, registry)
                    .map(|c| keyring::Entry::new_with_credential(Box::new(c)))
            }
            _ => keyring::Entry::new(SERVICE, registry),
        };
        made.map_err(|err| self.failure(registry, &err))
    }

    /// Keep `credential` for `registry` (host and port), replacing any kept before.
    ///
    /// # Errors
    ///
    /// [`SecretError::Keyring`].
    pub fn store(&self, registry: &str, credential: &Credential) -> Result<(), SecretError> {
        let text = serde_json::to_string(&Stored {
            username: credential.username.clone(),
            secret: credential.secret.clone(),
        })
        .unwrap_or_default();
        self.entry(registry)?
            .set_password(&text)
            .map_err(|err| self.failure(registry, &err))
    }

    /// Forget what is kept for `registry`; `Ok(false)` when nothing was kept.
    ///
    /// # Errors
    ///
    /// [`SecretError::Keyring`].
    pub fn forget(&self, registry: &str) -> Result<bool, SecretError> {
        match self.entry(registry)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(err) => Err(self.failure(registry, &err)),
        }
    }
}

impl Credentials for Keyring {
    fn for_registry(&self, registry: &str) -> Option<Credential> {
        let read = self.entry(registry).map(|entry| entry.get_password());
        let text = match read {
            Ok(Ok(text)) => text,
            Ok(Err(keyring::Error::NoEntry)) => return None,
            Ok(Err(err)) => {
                tracing::warn!("{}", self.failure(registry, &err));
                return None;
            }
            Err(err) => {
                tracing::warn!("{err}");
                return None;
            }
        };
        match serde_json::from_str::<Stored>(&text) {
            Ok(stored) => Some(Credential {
                username: stored.username,
                secret: stored.secret,
            }),
            Err(_) => {
                tracing::warn!(
                    "the keyring entry for the registry '{registry}' is not Berth's; ignoring it"
                );
                None
            }
        }
    }
}

/// The credentials of this process's keyring; none (with a warning) when `BERTH_KEYRING`
/// is wrong, so a pull or a Feature fetch goes on anonymously.
pub struct Kept;

impl Credentials for Kept {
    fn for_registry(&self, registry: &str) -> Option<Credential> {
        match keyring() {
            Ok(keyring) => keyring.for_registry(registry),
            Err(err) => {
                tracing::warn!("{err}");
                None
            }
        }
    }
}

/// Keep `credential` for `registry` in this process's keyring.
///
/// # Errors
///
/// [`SecretError`].
pub fn store(registry: &str, credential: &Credential) -> Result<(), SecretError> {
    keyring()?.store(registry, credential)
}

/// Forget what this process's keyring keeps for `registry`; `Ok(false)` when nothing.
///
/// # Errors
///
/// [`SecretError`].
pub fn forget(registry: &str) -> Result<bool, SecretError> {
    keyring()?.forget(registry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never_asked() -> Result<(), String> {
        panic!("the Secret Service was asked although the choice did not depend on it")
    }

    #[test]
    fn without_a_session_bus_the_kernel_keyring_is_used() {
        for bus in [None, Some(""), Some("  ")] {
            let choice = choose(None, bus, never_asked).unwrap();
            assert_eq!(choice.backend, Backend::Kernel);
            assert!(
                choice.reason.contains("DBUS_SESSION_BUS_ADDRESS"),
                "{choice:?}"
            );
        }
    }

    #[test]
    fn a_secret_service_that_answers_is_used() {
        let choice = choose(None, Some("unix:path=/run/user/1000/bus"), || Ok(())).unwrap();
        assert_eq!(choice.backend, Backend::SecretService);
    }

    #[test]
    fn a_bus_without_a_secret_service_falls_back_to_the_kernel_keyring() {
        let choice = choose(None, Some("unix:path=/run/user/1000/bus"), || {
            Err("org.freedesktop.secrets was not provided by any .service files".into())
        })
        .unwrap();
        assert_eq!(choice.backend, Backend::Kernel);
        assert!(
            choice.reason.contains("no Secret Service answers"),
            "{choice:?}"
        );
        assert!(
            choice.reason.contains("org.freedesktop.secrets"),
            "{choice:?}"
        );
    }

    #[test]
    fn berth_keyring_picks_the_keyring_or_is_refused() {
        let bus = Some("unix:path=/run/user/1000/bus");
        assert_eq!(
            choose(Some("kernel"), bus, never_asked).unwrap().backend,
            Backend::Kernel
        );
        assert_eq!(
            choose(Some("secret-service"), None, never_asked)
                .unwrap()
                .backend,
            Backend::SecretService
        );
        let err = choose(Some("gnome"), bus, never_asked).unwrap_err();
        assert!(err.to_string().contains("BERTH_KEYRING='gnome'"), "{err}");
        // Empty is unset.
        assert_eq!(
            choose(Some(""), None, never_asked).unwrap().backend,
            Backend::Kernel
        );
    }

    #[test]
    fn a_keyring_failure_names_the_keyring_and_what_to_do() {
        let err = SecretError::Keyring {
            backend: Backend::Kernel,
            registry: "localhost:5000".into(),
            message: "No matching entry found in secure storage".into(),
        };
        let text = err.to_string();
        assert!(text.contains("kernel session keyring"), "{text}");
        assert!(text.contains("'localhost:5000'"), "{text}");
        assert!(text.contains("keyctl session -"), "{text}");
    }

    /// Needs a session keyring: `keyctl session - cargo test` (as `cargo xtask test` runs).
    #[cfg(target_os = "linux")]
    #[test]
    fn a_credential_is_kept_read_back_and_forgotten_in_the_kernel_keyring() {
        // Explicitly the kernel keyring: a developer's desktop keyring stays untouched.
        let keyring = Keyring {
            choice: Choice {
                backend: Backend::Kernel,
                reason: "test".into(),
            },
        };
        let registry = format!("berth-unit-{}.invalid:5000", std::process::id());
        let credential = Credential {
            username: "student".into(),
            secret: "s3cret".into(),
        };
        keyring.store(&registry, &credential).unwrap();
        assert_eq!(keyring.for_registry(&registry), Some(credential));
        assert!(keyring.forget(&registry).unwrap());
        assert_eq!(keyring.for_registry(&registry), None);
        assert!(!keyring.forget(&registry).unwrap());
    }
}
