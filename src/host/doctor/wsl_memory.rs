//! Check (Windows and WSL only): the WSL VM's memory and swap, from `.wslconfig`, against
//! what a deep-learning build needs (seed 002: 8 GB of memory and swap stopped a build
//! from crashing WSL). Its fix writes the recommended values, with a backup.

use crate::host::wsl::{self, AssessmentStatus, MemoryAssessment};

use super::{Check, CheckId, CheckStatus, Fix, FixAction};

const TITLE: &str = "WSL memory for builds";

/// The check on this machine: find and read `.wslconfig`, weigh it.
pub(super) fn check() -> Check {
    let located = match wsl::locate(None) {
        Ok(located) => located,
        Err(err) => {
            return Check::new(
                CheckId::WslMemory,
                TITLE,
                CheckStatus::Warning,
                format!("not checked: {}", crate::error_chain(&err)),
                None,
            )
        }
    };
    let (host_memory, _) = wsl::host_memory_bytes();
    let assessment = wsl::assess_file(&located.path, host_memory)
        .unwrap_or_else(|err| MemoryAssessment::unreadable(&err, host_memory));
    from_assessment(&assessment)
}

/// The check for an assessment.
fn from_assessment(assessment: &MemoryAssessment) -> Check {
    let recommended = format!(
        "memory={} swap={}",
        assessment.recommended.memory, assessment.recommended.swap
    );
    match assessment.status {
        AssessmentStatus::Enough => Check::new(
            CheckId::WslMemory,
            TITLE,
            CheckStatus::Ok,
            assessment.summary.clone(),
            None,
        ),
        AssessmentStatus::BelowRecommendation => Check::new(
            CheckId::WslMemory,
            TITLE,
            CheckStatus::Warning,
            assessment.summary.clone(),
            Some(Fix {
                description: format!(
                    "Set {recommended} in .wslconfig (a backup is kept), then restart WSL with `wsl --shutdown` (it stops every distribution)."
                ),
                command: Some("berth wsl set --recommended --apply".to_owned()),
                action: Some(FixAction::SetWslMemory),
            }),
        ),
        AssessmentStatus::Unreadable => Check::new(
            CheckId::WslMemory,
            TITLE,
            CheckStatus::Warning,
            assessment.summary.clone(),
            Some(Fix::to_copy(
                "Save .wslconfig as UTF-8 (WSL reads nothing else), then run the check again.",
                Some("berth wsl show"),
            )),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GB: u64 = 1 << 30;

    #[test]
    fn the_defaults_on_a_small_laptop_are_below_what_builds_need_and_berth_can_fix_it() {
        // No .wslconfig on an 8 GB laptop: WSL gives half, 4 GB, and 1 GB of swap.
        let check = from_assessment(&wsl::assess(None, 8 * GB));
        assert_eq!(check.status, CheckStatus::Warning, "{check:?}");
        let fix = check.fix.unwrap();
        assert_eq!(fix.action, Some(FixAction::SetWslMemory));
        assert!(
            fix.description.contains("wsl --shutdown"),
            "{}",
            fix.description
        );
    }

    #[test]
    fn enough_memory_and_swap_pass() {
        let path = std::path::Path::new("C:/Users/ana/.wslconfig");
        let config = wsl::WslConfig::parse(b"[wsl2]\nmemory=16GB\nswap=8GB\n", path).unwrap();
        let check = from_assessment(&wsl::assess(Some(&config), 32 * GB));
        assert_eq!(check.status, CheckStatus::Ok, "{check:?}");
    }
}
