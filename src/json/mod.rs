//! Transport types: the one serialisable shape shared by the window's IPC and every
//! `berth … --json` output. The TypeScript side is generated from these (`ts-rs`), so
//! the UI and the core cannot drift apart. Domain types stay free of serde.

use serde::Serialize;
use ts_rs::TS;

mod config;
mod doctor;
mod environment;
mod gpu;
mod recipe;
mod registry;
mod vscode;
mod wsl;

pub use config::*;
pub use doctor::*;
pub use environment::*;
pub use gpu::*;
pub use recipe::*;
pub use registry::*;
pub use vscode::*;
pub use wsl::*;

/// The error every IPC command and `--json` failure returns.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct Error {
    /// What kind of failure; the UI branches on this and only on this.
    pub code: ErrorCode,
    /// The full message for a person: what failed, the cause, what to do next.
    pub message: String,
}

/// The failure kinds the UI acts on. Grows only when the UI needs to tell them apart.
#[derive(Debug, Clone, Copy, Serialize, TS, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub enum ErrorCode {
    /// Anything the UI shows as a plain error message.
    Failed,
}

impl Error {
    /// An error carrying `err`'s whole chain of causes as its message.
    pub fn from_chain(err: &(dyn std::error::Error + 'static)) -> Self {
        Self {
            code: ErrorCode::Failed,
            message: crate::error_chain(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_serialises_as_code_and_message() {
        let err = Error {
            code: ErrorCode::Failed,
            message: "failed to build image 'berth/x:latest'".into(),
        };
        assert_eq!(
            serde_json::to_value(&err).unwrap(),
            serde_json::json!({"code": "failed", "message": "failed to build image 'berth/x:latest'"})
        );
    }
}
