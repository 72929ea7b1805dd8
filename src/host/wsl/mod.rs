//! WSL's `.wslconfig` (`%UserProfile%\.wslconfig`): read and edit its `[wsl2]` memory,
//! swap and processors without touching anything else, and advise what deep-learning
//! builds need. The file logic is platform-independent; only finding the file and
//! `wsl --shutdown` differ per platform (`locate`).

pub mod advice;
pub mod document;
pub mod file;
mod lines;
pub mod locate;
mod overview;
pub mod size;

use std::path::PathBuf;

pub use advice::{
    assess, assess_file, recommend, recommended_edits, AssessmentStatus, MemoryAssessment,
    Recommendation, SettingState, ValueSource,
};
pub use document::{LineEnding, WslConfig};
pub use file::{set, Edit, SetOutcome, SettingChange};
pub use locate::{
    applies_here, check_shutdown, host_memory_bytes, locate, placement_warnings, shutdown, Located,
    LocatedBy,
};
pub use overview::{overview, set_recommended, Overview};
pub use size::Size;

/// The `[wsl2]` settings Berth reads and edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Setting {
    /// `memory`: how much memory the WSL 2 VM may use.
    Memory,
    /// `swap`: the size of the VM's swap file (`0`: none).
    Swap,
    /// `processors`: how many logical processors the VM gets.
    Processors,
}

impl Setting {
    /// Every setting, in the order Berth shows them.
    pub const ALL: [Setting; 3] = [Setting::Memory, Setting::Swap, Setting::Processors];

    /// The key as Berth writes it in `.wslconfig` (WSL matches keys ignoring case).
    pub fn key(self) -> &'static str {
        match self {
            Self::Memory => "memory",
            Self::Swap => "swap",
            Self::Processors => "processors",
        }
    }
}

impl std::fmt::Display for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

/// Everything that can go wrong with `.wslconfig`; each message says what, where and how
/// to fix it.
#[derive(Debug, thiserror::Error)]
pub enum WslError {
    /// The file is UTF-16 (a byte order mark, or NUL bytes): WSL does not read it.
    #[error(
        "'{path}' is UTF-16 text ({evidence}), as PowerShell's `>` and some editors write it, \
         but WSL reads .wslconfig only as UTF-8 and may ignore this file entirely: re-save it \
         as UTF-8 (Notepad: File > Save as > Encoding: UTF-8; PowerShell: \
         Get-Content .wslconfig | Set-Content -Encoding utf8 .wslconfig.new, then rename it)"
    )]
    Utf16 {
        /// The file.
        path: PathBuf,
        /// What gave it away: "a UTF-16 byte order mark" or "NUL bytes".
        evidence: &'static str,
    },
    /// The file is not valid UTF-8 (e.g. saved in a Windows code page).
    #[error(
        "'{path}' line {line} is not UTF-8 text, and WSL reads .wslconfig only as UTF-8: \
         re-save the file as UTF-8 (Notepad: File > Save as > Encoding: UTF-8)"
    )]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// The line (from 1) where the first byte that is not UTF-8 is.
        line: usize,
    },
    /// A line WSL cannot read: Berth will not edit a file it does not understand.
    #[error(
        "'{path}' line {line} is not valid .wslconfig: {problem}: `{text}`; fix or remove that \
         line (WSL skips it with a warning), then run this again — the file was not changed"
    )]
    InvalidLine {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong with it.
        problem: String,
        /// The line as written (without its line ending).
        text: String,
    },
    /// A value for a setting that WSL would not read.
    #[error("{setting} '{value}' is not a value WSL reads: {problem}")]
    InvalidValue {
        /// The setting it was meant for.
        setting: Setting,
        /// The value as given.
        value: String,
        /// What is wrong and what WSL accepts.
        problem: String,
    },
    /// The file could not be read.
    #[error("failed to read '{path}'")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file (or its backup) could not be written; the original is untouched.
    #[error("failed to write '{path}' (the file is unchanged)")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Berth cannot tell where this machine's `.wslconfig` is.
    #[error("cannot tell where .wslconfig is: {reason}")]
    NoLocation {
        /// Why not, and what to do.
        reason: String,
    },
    /// `wsl --shutdown` was asked for where it cannot run.
    #[error("cannot run `wsl --shutdown` here: {reason}")]
    ShutdownUnavailable {
        /// Why not, and what to do instead.
        reason: String,
    },
    /// `wsl --shutdown` ran and failed.
    #[error("`wsl --shutdown` failed: {detail}")]
    ShutdownFailed {
        /// Its exit status and output.
        detail: String,
    },
}
