//! `.wslconfig` as a person sees it: the file WSL reads, whether it exists, and its memory
//! against what deep-learning builds need, for `berth wsl show` and the Settings screen.

use std::path::Path;

use super::{assess, file, host_memory_bytes, locate, placement_warnings};
use super::{Located, MemoryAssessment, WslError};

/// The file, the host's memory and the assessment of the two.
#[derive(Debug, Clone)]
pub struct Overview {
    /// The file WSL reads (it may not exist).
    pub located: Located,
    /// Whether it exists.
    pub exists: bool,
    /// The host's physical memory the advice is based on, in bytes.
    pub host_memory: u64,
    /// False when that is this machine's memory standing in for the Windows host's.
    pub host_is_windows: bool,
    /// Enough, below the recommendation, or unreadable.
    pub assessment: MemoryAssessment,
    /// Misplaced files and other reasons WSL would not read what was meant.
    pub placement: Vec<String>,
}

/// Read `.wslconfig` (`file`, or where WSL looks) and assess its memory. A file that
/// cannot be parsed is an [`AssessmentStatus::Unreadable`](super::AssessmentStatus)
/// overview, not an error: the person sees why.
///
/// # Errors
///
/// When the file's place cannot be found or the file cannot be read at all.
pub fn overview(file: Option<&Path>) -> Result<Overview, WslError> {
    let located = locate(file)?;
    let (host_memory, host_is_windows) = host_memory_bytes();
    let (exists, assessment) = match file::read(&located.path) {
        Ok(Some((_, config))) => (true, assess(Some(&config), host_memory)),
        Ok(None) => (false, assess(None, host_memory)),
        Err(
            err
            @ (WslError::Utf16 { .. } | WslError::NotUtf8 { .. } | WslError::InvalidLine { .. }),
        ) => (true, MemoryAssessment::unreadable(&err, host_memory)),
        Err(err) => return Err(err),
    };
    let placement = placement_warnings(&located);
    Ok(Overview {
        located,
        exists,
        host_memory,
        host_is_windows,
        assessment,
        placement,
    })
}

/// Write the recommended memory and swap into `.wslconfig` (`file`, or where WSL looks),
/// keeping every other line and a backup; nothing is written when it already has them.
/// WSL applies it after `wsl --shutdown`.
///
/// # Errors
///
/// When the file cannot be found, read, parsed or written.
pub fn set_recommended(
    file: Option<&Path>,
) -> Result<(super::SetOutcome, MemoryAssessment), WslError> {
    let located = locate(file)?;
    let (host_memory, _) = host_memory_bytes();
    let assessment = super::assess_file(&located.path, host_memory)?;
    let edits = super::recommended_edits(&assessment);
    let outcome = super::set(&located.path, &edits)?;
    Ok((outcome, assessment))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::wsl::AssessmentStatus;

    #[test]
    fn setting_the_recommendation_twice_writes_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".wslconfig");
        std::fs::write(&path, "[wsl2]\r\nmemory=2GB\r\n").unwrap();
        let (first, _) = set_recommended(Some(&path)).unwrap();
        assert!(first.written);
        assert!(first.backup.is_some(), "the old file is kept");
        let (second, _) = set_recommended(Some(&path)).unwrap();
        assert!(!second.written, "{second:?}");
    }

    #[test]
    fn a_missing_file_is_assessed_as_wsl_s_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".wslconfig");
        let seen = overview(Some(&path)).unwrap();
        assert!(!seen.exists);
        assert_eq!(seen.located.path, path);
        assert_ne!(seen.assessment.status, AssessmentStatus::Unreadable);
    }

    #[test]
    fn an_unparsable_file_is_shown_as_unreadable_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".wslconfig");
        std::fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
        let seen = overview(Some(&path)).unwrap();
        assert!(seen.exists);
        assert_eq!(seen.assessment.status, AssessmentStatus::Unreadable);
    }
}
