//! Registry credentials, kept in the OS keyring and nowhere else (never on disk, never in
//! logs): one entry per registry host, holding the user name and the password or token.

use serde::{Deserialize, Serialize};

use crate::feature::registry::{Credential, Credentials};

/// The keyring service Berth's registry entries live under.
pub const SERVICE: &str = "dev.berth.app.registry";

/// What can go wrong with the keyring.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The keyring refused or is not there.
    #[error("cannot use the OS keyring for the registry '{registry}': {message}; check that a keyring is available (on Linux a session keyring, e.g. under `keyctl session`)")]
    Keyring {
        /// The registry host.
        registry: String,
        /// The keyring's error.
        message: String,
    },
}

#[derive(Serialize, Deserialize)]
struct Stored {
    username: String,
    secret: String,
}

fn entry(registry: &str) -> Result<keyring::Entry, SecretError> {
    keyring::Entry::new(SERVICE, registry).map_err(|err| SecretError::Keyring {
        registry: registry.to_owned(),
        message: err.to_string(),
    })
}

/// Keep `credential` for `registry` (host and port), replacing any kept before.
///
/// # Errors
///
/// [`SecretError::Keyring`].
pub fn store(registry: &str, credential: &Credential) -> Result<(), SecretError> {
    let text = serde_json::to_string(&Stored {
        username: credential.username.clone(),
        secret: credential.secret.clone(),
    })
    .unwrap_or_default();
    entry(registry)?
        .set_password(&text)
        .map_err(|err| SecretError::Keyring {
            registry: registry.to_owned(),
            message: err.to_string(),
        })
}

/// Forget what is kept for `registry`; nothing kept is not an error.
///
/// # Errors
///
/// [`SecretError::Keyring`].
pub fn forget(registry: &str) -> Result<(), SecretError> {
    match entry(registry)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(err) => Err(SecretError::Keyring {
            registry: registry.to_owned(),
            message: err.to_string(),
        }),
    }
}

/// The credentials in the OS keyring.
pub struct Keyring;

impl Credentials for Keyring {
    fn for_registry(&self, registry: &str) -> Option<Credential> {
        let text = match entry(registry).ok()?.get_password() {
            Ok(text) => text,
            Err(keyring::Error::NoEntry) => return None,
            Err(err) => {
                tracing::warn!(
                    "cannot read the keyring entry for the registry '{registry}': {err}"
                );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credential_is_kept_read_back_and_forgotten() {
        let registry = format!("berth-unit-{}.invalid:5000", std::process::id());
        let credential = Credential {
            username: "student".into(),
            secret: "s3cret".into(),
        };
        store(&registry, &credential).unwrap();
        assert_eq!(Keyring.for_registry(&registry), Some(credential));
        forget(&registry).unwrap();
        assert_eq!(Keyring.for_registry(&registry), None);
        forget(&registry).unwrap();
    }
}
