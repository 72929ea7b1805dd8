//! Transport types for the registry verbs (`berth login|logout --json`): which keyring
//! holds the credential, never the credential itself.

use serde::Serialize;
use ts_rs::TS;

use crate::secrets::Backend;

/// What `berth login` or `berth logout` did.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct LoginResult {
    /// The registry host (and port).
    pub registry: String,
    /// The user name kept (`berth login`), none for `berth logout`.
    pub username: Option<String>,
    /// Whether a credential is kept for the registry now.
    pub stored: bool,
    /// Whether `berth logout` found one to forget.
    pub removed: bool,
    /// The keyring that holds (or held) it.
    pub keyring: Backend,
}

impl LoginResult {
    /// A credential for `registry` kept for `username` in `keyring`.
    pub fn stored(registry: &str, username: &str, keyring: Backend) -> Self {
        Self {
            registry: registry.to_owned(),
            username: Some(username.to_owned()),
            stored: true,
            removed: false,
            keyring,
        }
    }

    /// The credential for `registry` forgotten (`removed`: there was one).
    pub fn forgotten(registry: &str, removed: bool, keyring: Backend) -> Self {
        Self {
            registry: registry.to_owned(),
            username: None,
            stored: false,
            removed,
            keyring,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_result_names_the_keyring_and_no_secret() {
        let result = LoginResult {
            registry: "localhost:5000".into(),
            username: Some("student".into()),
            stored: true,
            removed: false,
            keyring: Backend::SecretService,
        };
        assert_eq!(
            serde_json::to_value(&result).unwrap(),
            serde_json::json!({"registry": "localhost:5000", "username": "student",
                "stored": true, "removed": false, "keyring": "secret-service"})
        );
    }
}
