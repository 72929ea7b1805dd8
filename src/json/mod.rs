//! Transport types: the one serialisable shape shared by the window's IPC and every
//! `berth … --json` output. The TypeScript side is generated from these (`ts-rs`), so
//! the UI and the core cannot drift apart. Domain types stay free of serde.

use serde::Serialize;
use ts_rs::TS;

mod config;
mod doctor;
mod environment;
mod gpu;
mod ipc;
mod recipe;
mod registry;
mod vscode;
mod wsl;

pub use config::*;
pub use doctor::*;
pub use environment::*;
pub use gpu::*;
pub use ipc::*;
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
    /// The recipe choice the error is about, for the wizard to highlight; absent when the
    /// error is not about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<crate::recipe::Field>,
    /// The failed build step, its last lines and hint, for the window's failure card;
    /// absent when the error is not a failed build.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub build: Option<Box<crate::engine::BuildFailure>>,
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
    /// A plain failure with `message` (what failed and what to do next).
    pub fn message(message: impl Into<String>) -> Self {
        Self {
            code: ErrorCode::Failed,
            message: message.into(),
            field: None,
            build: None,
        }
    }

    /// An error carrying `err`'s whole chain of causes as its message.
    pub fn from_chain(err: &(dyn std::error::Error + 'static)) -> Self {
        let mut field = None;
        let mut build = None;
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
        while let Some(c) = cause {
            if let Some(recipe) = c.downcast_ref::<crate::recipe::RecipeError>() {
                field = field.or(recipe.field());
            }
            if let Some(failed) = c.downcast_ref::<crate::engine::BuildError>() {
                build = build.or_else(|| failed.failure().cloned().map(Box::new));
            }
            // The environment's build error shows its cause in its message, not as a source.
            if let Some(failed) = c.downcast_ref::<crate::environment::EnvironmentError>() {
                build = build.or_else(|| failed.build_failure().cloned().map(Box::new));
            }
            cause = c.source();
        }
        Self {
            code: ErrorCode::Failed,
            message: crate::error_chain(err),
            field,
            build,
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
            field: None,
            build: None,
        };
        assert_eq!(
            serde_json::to_value(&err).unwrap(),
            serde_json::json!({"code": "failed", "message": "failed to build image 'berth/x:latest'"})
        );
    }

    // regression: the window's failure card had no step or last lines, because the
    // environment's build error carries the build's failure in its message only
    #[test]
    fn a_failed_build_carries_its_step_for_the_failure_card() {
        let failure = crate::engine::BuildFailure {
            step: Some(crate::engine::build::FailedStep {
                index: 2,
                total: 2,
                instruction: "RUN exit 3".into(),
            }),
            exit_code: Some(3),
            message: "exit code: 3".into(),
            last_lines: vec!["no space left on device".into()],
            hint: None,
        };
        let err = crate::environment::EnvironmentError::Build {
            error: Box::new(crate::engine::BuildError::Failed {
                tag: "berth/x:latest".into(),
                failure: Box::new(failure.clone()),
            }),
            kept: false,
        };
        let ipc = Error::from_chain(&err);
        assert_eq!(ipc.build.as_deref(), Some(&failure));
        let value = serde_json::to_value(&ipc).unwrap();
        assert_eq!(value["build"]["exit_code"], 3);
        assert_eq!(value["build"]["step"]["instruction"], "RUN exit 3");
    }

    #[test]
    fn a_refused_recipe_choice_carries_its_field_for_the_wizard() {
        let request = crate::recipe::RecipeRequest {
            target: Some("cpu".into()),
            cuda: Some("12.4".into()),
            ..crate::recipe::RecipeRequest::default()
        };
        let err = request.to_choices().unwrap_err();
        let value = serde_json::to_value(Error::from_chain(&err)).unwrap();
        assert_eq!(value["field"], "cuda");
        assert!(value["message"]
            .as_str()
            .unwrap()
            .contains("choose the GPU target"));
    }
}
