//! Check: VS Code's `code` launcher is found and the Dev Containers extension is
//! installed (Open in VS Code needs both). Installing the extension is a safe fix.

use crate::vscode::{self, CodeSearch, VsCodeError, EXTENSION_ID};

use super::{Check, CheckId, CheckStatus, Fix, FixAction};

const TITLE: &str = "VS Code and Dev Containers";

/// The check, looking for `code` as `search` says.
pub(super) async fn check(search: &CodeSearch) -> Check {
    let code = match search.find() {
        Ok(code) => code,
        Err(err) => return Check::new(
            CheckId::VsCode,
            TITLE,
            CheckStatus::Warning,
            format!("VS Code not found: Open in VS Code will not work ({err})"),
            Some(Fix::to_copy(
                "Install VS Code from code.visualstudio.com and put its `code` command on PATH.",
                None,
            )),
        ),
    };
    match vscode::check_extension(&code).await {
        Ok(()) => Check::new(
            CheckId::VsCode,
            TITLE,
            CheckStatus::Ok,
            format!("{} with the Dev Containers extension", code.display()),
            None,
        ),
        Err(VsCodeError::ExtensionMissing) => Check::new(
            CheckId::VsCode,
            TITLE,
            CheckStatus::Warning,
            format!(
                "{} has no Dev Containers extension: it cannot open environments",
                code.display()
            ),
            Some(Fix {
                description: format!(
                    "Install VS Code's Dev Containers extension ({EXTENSION_ID})."
                ),
                command: Some(format!("code --install-extension {EXTENSION_ID}")),
                action: Some(FixAction::InstallDevContainers),
            }),
        ),
        Err(err) => Check::new(
            CheckId::VsCode,
            TITLE,
            CheckStatus::Warning,
            crate::error_chain(&err),
            None,
        ),
    }
}

/// The safe fix: `code --install-extension ms-vscode-remote.remote-containers`.
///
/// # Errors
///
/// VS Code is not found, or the install failed (its output is in the message).
pub(super) async fn install_extension(search: &CodeSearch) -> Result<String, VsCodeError> {
    let code = search.find()?;
    let output = tokio::process::Command::new(&code)
        .args(["--install-extension", EXTENSION_ID])
        .output()
        .await
        .map_err(|err| VsCodeError::Launch {
            code: code.clone(),
            cause: err.to_string(),
        })?;
    if !output.status.success() {
        return Err(VsCodeError::Launch {
            code,
            cause: format!(
                "`--install-extension {EXTENSION_ID}` failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        });
    }
    Ok(format!("installed {EXTENSION_ID} into {}", code.display()))
}
