//! Transport type of `berth code --json` (and the window's "Open in VS Code").

use serde::Serialize;
use ts_rs::TS;

use crate::vscode::Opened;

/// How VS Code was opened.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct CodeOpened {
    /// The `vscode-remote://` URI opened.
    pub uri: String,
    /// The `code` launcher used.
    pub code: String,
    /// The whole command line: the launcher, then its arguments.
    pub command: Vec<String>,
    /// The workspace folder in the container, for a project.
    pub workspace_folder: Option<String>,
    /// What VS Code will do with the container, for a project.
    pub note: Option<String>,
}

impl CodeOpened {
    /// The result of opening `uri`.
    pub fn new(
        opened: &Opened,
        uri: &str,
        workspace_folder: Option<String>,
        note: Option<String>,
    ) -> Self {
        let code = opened.code.to_string_lossy().into_owned();
        Self {
            uri: uri.to_owned(),
            command: std::iter::once(code.clone())
                .chain(opened.args.iter().cloned())
                .collect(),
            code,
            workspace_folder,
            note,
        }
    }
}
