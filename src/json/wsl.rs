//! Transport types for `berth wsl show|set --json` (and the window's WSL memory panel).

use serde::Serialize;
use ts_rs::TS;

use crate::host::wsl::{
    AssessmentStatus, Located, MemoryAssessment, Recommendation, SetOutcome, SettingState,
    ValueSource,
};

/// `.wslconfig` as WSL will apply it, against what deep-learning builds need.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct WslShowReport {
    /// The file read (it may not exist).
    pub path: String,
    /// Whether it exists.
    pub exists: bool,
    /// Where WSL reads the file on this machine, when Berth can tell.
    pub wsl_reads: Option<String>,
    /// The host's physical memory the advice is based on, in bytes.
    #[ts(type = "number")]
    pub host_memory_bytes: u64,
    /// False when that is this machine's memory standing in for the Windows host's.
    pub host_memory_is_windows: bool,
    /// Enough, below the recommendation, or unreadable.
    pub status: AssessmentStatus,
    /// One line for a person.
    pub summary: String,
    /// Memory, swap and processors as WSL will apply them.
    pub settings: Vec<WslSetting>,
    /// What builds need on this host.
    pub recommended: WslRecommendation,
    /// What WSL reads differently from what was probably meant, and misplaced files.
    pub warnings: Vec<String>,
}

/// One `[wsl2]` setting.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct WslSetting {
    /// The key: `memory`, `swap` or `processors`.
    pub key: String,
    /// The value written in the file, if any.
    pub written: Option<String>,
    /// What the VM gets: bytes for memory and swap, a count for processors (null: all).
    #[ts(type = "number | null")]
    pub effective: Option<u64>,
    /// The same for a person: "8.0 GB", "all".
    pub effective_text: String,
    /// `file`, `default` (not set) or `ignored` (set to something WSL does not read).
    pub source: WslValueSource,
    /// The line that sets it.
    pub line: Option<usize>,
    /// Why WSL does not read the written value.
    pub problem: Option<String>,
}

/// Where a setting's value comes from.
#[derive(Debug, Clone, Copy, Serialize, TS, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub enum WslValueSource {
    /// The file sets it.
    File,
    /// WSL's default.
    Default,
    /// The file's value is not one WSL reads; WSL's default applies.
    Ignored,
}

/// What Berth recommends for deep-learning builds.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct WslRecommendation {
    /// Memory, as written in `.wslconfig` (`8GB`).
    pub memory: String,
    /// The same in bytes.
    #[ts(type = "number")]
    pub memory_bytes: u64,
    /// Swap, as written in `.wslconfig`.
    pub swap: String,
    /// The same in bytes.
    #[ts(type = "number")]
    pub swap_bytes: u64,
    /// True when the host cannot spare 8 GB and keep 4 GB for Windows.
    pub limited_by_host: bool,
    /// Advice for small machines.
    pub note: Option<String>,
}

/// What `berth wsl set` did.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct WslSetResult {
    /// The file.
    pub path: String,
    /// Whether it was written (false: it already said that).
    pub written: bool,
    /// Where the old file was kept.
    pub backup: Option<String>,
    /// Each setting before and after (null: not set, WSL's default).
    pub changes: Vec<WslChange>,
    /// A unified diff of the file; empty when nothing changed.
    pub diff: String,
    /// Whether `wsl --shutdown` ran, so the next WSL start uses the file.
    pub applied: bool,
}

/// One setting before and after.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct WslChange {
    /// The key.
    pub key: String,
    /// The value before.
    pub before: Option<String>,
    /// The value after.
    pub after: Option<String>,
}

impl WslShowReport {
    /// The report for the file at `located` (`exists`: whether it is there), assessed on a
    /// host with `host_memory_bytes`; `placement` are the warnings about where it is.
    pub fn new(
        located: &Located,
        exists: bool,
        host_memory_bytes: u64,
        host_memory_is_windows: bool,
        assessment: &MemoryAssessment,
        placement: Vec<String>,
    ) -> Self {
        let mut warnings = placement;
        warnings.extend(assessment.warnings.iter().cloned());
        Self {
            path: located.path.display().to_string(),
            exists,
            wsl_reads: located.wsl_reads.as_ref().map(|p| p.display().to_string()),
            host_memory_bytes,
            host_memory_is_windows,
            status: assessment.status,
            summary: assessment.summary.clone(),
            settings: assessment.settings.iter().map(WslSetting::from).collect(),
            recommended: WslRecommendation::from(&assessment.recommended),
            warnings,
        }
    }

    /// The report of an [`Overview`](crate::host::wsl::Overview).
    pub fn of(overview: &crate::host::wsl::Overview) -> Self {
        Self::new(
            &overview.located,
            overview.exists,
            overview.host_memory,
            overview.host_is_windows,
            &overview.assessment,
            overview.placement.clone(),
        )
    }
}

impl From<&SettingState> for WslSetting {
    fn from(state: &SettingState) -> Self {
        let (source, line, problem) = match &state.source {
            ValueSource::File { line } => (WslValueSource::File, Some(*line), None),
            ValueSource::Default => (WslValueSource::Default, None, None),
            ValueSource::Ignored { line, problem } => {
                (WslValueSource::Ignored, Some(*line), Some(problem.clone()))
            }
        };
        Self {
            key: state.setting.key().to_owned(),
            written: state.written.clone(),
            effective: state.effective,
            effective_text: state.effective_text.clone(),
            source,
            line,
            problem,
        }
    }
}

impl From<&Recommendation> for WslRecommendation {
    fn from(recommendation: &Recommendation) -> Self {
        Self {
            memory: recommendation.memory.to_string(),
            memory_bytes: recommendation.memory.bytes(),
            swap: recommendation.swap.to_string(),
            swap_bytes: recommendation.swap.bytes(),
            limited_by_host: recommendation.limited_by_host,
            note: recommendation.note.clone(),
        }
    }
}

impl WslSetResult {
    /// The result of `outcome`; `applied`: whether `wsl --shutdown` ran after it.
    pub fn new(outcome: &SetOutcome, applied: bool) -> Self {
        Self {
            path: outcome.path.display().to_string(),
            written: outcome.written,
            backup: outcome.backup.as_ref().map(|p| p.display().to_string()),
            changes: outcome
                .changes
                .iter()
                .map(|change| WslChange {
                    key: change.setting.key().to_owned(),
                    before: change.before.clone(),
                    after: change.after.clone(),
                })
                .collect(),
            diff: outcome.diff.clone(),
            applied,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::host::wsl::{assess, LocatedBy, Setting, SettingChange, WslConfig};

    #[test]
    fn a_show_report_serialises_each_setting_with_its_source() {
        let config = WslConfig::parse(b"[wsl2]\nmemory=8gb\nswap=8GB\n", Path::new("x")).unwrap();
        let assessment = assess(Some(&config), 16 << 30);
        let located = Located {
            path: PathBuf::from("/mnt/c/Users/me/.wslconfig"),
            by: LocatedBy::Given,
            wsl_reads: None,
        };
        let report = WslShowReport::new(&located, true, 16 << 30, false, &assessment, vec![]);
        let value = serde_json::to_value(&report).unwrap();
        assert_eq!(value["status"], "enough");
        assert_eq!(value["settings"][0]["key"], "memory");
        assert_eq!(value["settings"][0]["source"], "ignored");
        assert_eq!(value["settings"][0]["line"], 2);
        assert_eq!(value["settings"][1]["source"], "file");
        assert_eq!(value["settings"][1]["effective"], 8u64 << 30);
        assert_eq!(value["settings"][2]["effectiveText"], "all");
        assert_eq!(value["recommended"]["memory"], "8GB");
        assert_eq!(value["hostMemoryIsWindows"], false);
        assert_eq!(value["warnings"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn a_set_result_names_the_backup_and_each_change() {
        let outcome = SetOutcome {
            path: PathBuf::from("/w/.wslconfig"),
            changes: vec![SettingChange {
                setting: Setting::Swap,
                before: None,
                after: Some("8GB".into()),
            }],
            written: true,
            backup: Some(PathBuf::from("/w/.wslconfig.bak-20261126-010203")),
            diff: "+swap=8GB\n".into(),
        };
        let value = serde_json::to_value(WslSetResult::new(&outcome, false)).unwrap();
        assert_eq!(value["backup"], "/w/.wslconfig.bak-20261126-010203");
        assert_eq!(
            value["changes"][0],
            serde_json::json!({"key": "swap", "before": null, "after": "8GB"})
        );
        assert_eq!(value["applied"], false);
    }
}
