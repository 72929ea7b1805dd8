//! What the WSL 2 VM gets (the file's values, else WSL's defaults) against what
//! deep-learning builds need, and the assessment the Doctor shows.
//!
//! WSL's defaults, from `wsl::core::Config::Initialize` in microsoft/WSL
//! `src/windows/common/WslCoreConfig.cpp` (and the "memory" row of Microsoft's "Advanced
//! settings configuration in WSL", corrected in MicrosoftDocs/WSL#1939 to "50% of total
//! memory on Windows", no 8 GB cap): memory unset or 0 → half of Windows' physical
//! memory, otherwise clamped to 256 MB … all of it; swap unset → a quarter of that memory
//! rounded up to a whole GB (`swap=0`: no swap); processors unset or ≤ 0 → every logical
//! processor.
//!
//! What builds need: a seed report (a WSL dev-container build crashing until memory and
//! swap were both raised to 8 GB) sets Berth's floor at 8 GB of each; Windows keeps at
//! least 4 GB, so a small machine is offered less memory and told to build with fewer
//! parallel jobs.

use serde::Serialize;
use ts_rs::TS;

use super::document::WslConfig;
use super::size::Size;
use super::{Setting, WslError};

const GB: u64 = 1 << 30;
/// Memory a deep-learning image build needs (pip resolving and compiling wheels).
pub const BUILD_MEMORY: Size = Size::from_gb(8);
/// Swap that carries a build over its peaks.
pub const BUILD_SWAP: Size = Size::from_gb(8);
/// Memory Windows keeps for itself when Berth recommends what WSL may take.
pub const WINDOWS_HEADROOM: Size = Size::from_gb(4);
/// The least memory WSL gives the VM, whatever the file says.
const WSL_MIN_MEMORY: u64 = 256 << 20;

/// How the VM's memory and swap compare with what builds need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "../ui/src/bindings/", rename = "WslMemoryStatus")]
pub enum AssessmentStatus {
    /// Memory and swap are at least the recommendation.
    Enough,
    /// Memory or swap is below the recommendation.
    BelowRecommendation,
    /// The file cannot be read (UTF-16, not valid): WSL may ignore it, Berth cannot edit it.
    Unreadable,
}

/// Where a setting's effective value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueSource {
    /// The file sets it, on this line.
    File {
        /// The line, from 1.
        line: usize,
    },
    /// The file does not set it: WSL's default applies.
    Default,
    /// The file sets it to something WSL does not read, so WSL warns and uses its default.
    Ignored {
        /// The line, from 1.
        line: usize,
        /// Why WSL does not read it, and what to write.
        problem: String,
    },
}

/// One setting as WSL will apply it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingState {
    /// Which setting.
    pub setting: Setting,
    /// The value as written in `[wsl2]`, if the file sets it.
    pub written: Option<String>,
    /// What the VM gets: bytes for memory and swap; processors, `None` meaning all.
    pub effective: Option<u64>,
    /// The effective value for a person: "8GB", "all".
    pub effective_text: String,
    /// Where it comes from.
    pub source: ValueSource,
}

/// What Berth recommends for deep-learning builds on a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommendation {
    /// At least this much memory for the VM.
    pub memory: Size,
    /// At least this much swap.
    pub swap: Size,
    /// True when the host cannot spare [`BUILD_MEMORY`] and keep [`WINDOWS_HEADROOM`].
    pub limited_by_host: bool,
    /// A sentence for small machines: build with fewer parallel jobs.
    pub note: Option<String>,
}

/// The memory check the Doctor shows: status, one line, and what to set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryAssessment {
    /// How the VM's memory and swap compare with the recommendation.
    pub status: AssessmentStatus,
    /// One line for a person.
    pub summary: String,
    /// What builds need on this host.
    pub recommended: Recommendation,
    /// Memory, swap and processors as WSL will apply them.
    pub settings: Vec<SettingState>,
    /// What in the file WSL reads differently from what was probably meant.
    pub warnings: Vec<String>,
}

/// The recommendation for a host with `host_total_bytes` of physical memory (Windows').
pub fn recommend(host_total_bytes: u64) -> Recommendation {
    let spare = floor_gb(host_total_bytes.saturating_sub(WINDOWS_HEADROOM.bytes()))
        .max(floor_gb(host_total_bytes / 2))
        .max(GB);
    let limited_by_host = spare < BUILD_MEMORY.bytes();
    let memory = Size::from_bytes(BUILD_MEMORY.bytes().min(spare));
    let note = limited_by_host.then(|| {
        format!(
            "this machine has {} of memory, so WSL can have only {memory} and leave Windows \
             enough: a build may need fewer parallel jobs (e.g. MAX_JOBS=2 for PyTorch \
             extensions, make -j2)",
            crate::host::facts::human_bytes(host_total_bytes)
        )
    });
    Recommendation {
        memory,
        swap: BUILD_SWAP,
        limited_by_host,
        note,
    }
}

/// The `.wslconfig` at `path` weighed on a host with `host_total_bytes` of memory (no
/// file: WSL's defaults).
///
/// # Errors
///
/// The file exists but cannot be read as WSL reads it ([`WslError`]).
pub fn assess_file(
    path: &std::path::Path,
    host_total_bytes: u64,
) -> Result<MemoryAssessment, WslError> {
    let config = super::file::read(path)?.map(|(_, config)| config);
    Ok(assess(config.as_ref(), host_total_bytes))
}

/// The edits that bring memory and swap up to the recommendation, leaving settings that
/// already reach it alone (`berth wsl set --recommended`, the Doctor's fix).
pub fn recommended_edits(assessment: &MemoryAssessment) -> Vec<super::file::Edit> {
    let wanted = [
        (Setting::Memory, assessment.recommended.memory),
        (Setting::Swap, assessment.recommended.swap),
    ];
    wanted
        .into_iter()
        .filter(|(setting, size)| {
            let effective = assessment
                .settings
                .iter()
                .find(|state| state.setting == *setting)
                .and_then(|state| state.effective);
            effective.unwrap_or_default() < size.bytes()
        })
        .map(|(setting, size)| super::file::Edit::size(setting, size))
        .collect()
}

/// Weigh `config` (`None`: there is no `.wslconfig`, so WSL uses its defaults) on a host
/// with `host_total_bytes` of physical memory (Windows': inside WSL, not what the VM
/// got). Pure: reads nothing, so the Doctor and the tests call it with any values.
pub fn assess(config: Option<&WslConfig>, host_total_bytes: u64) -> MemoryAssessment {
    let recommended = recommend(host_total_bytes);
    let empty = WslConfig::empty();
    let config = config.unwrap_or(&empty);
    let settings = settings(config, host_total_bytes);
    let mut warnings: Vec<String> = config
        .warnings()
        .into_iter()
        .map(|w| format!("line {}: {}", w.line, w.message))
        .collect();
    for state in &settings {
        if let ValueSource::Ignored { line, problem } = &state.source {
            warnings.push(format!(
                "line {line}: WSL does not read {}={}: {problem}; it uses its default ({})",
                state.setting,
                state.written.as_deref().unwrap_or_default(),
                state.effective_text
            ));
        }
    }
    let memory = settings[0].effective.unwrap_or_default();
    let swap = settings[1].effective.unwrap_or_default();
    let enough = memory >= recommended.memory.bytes() && swap >= recommended.swap.bytes();
    let human = crate::host::facts::human_bytes;
    let summary = if enough {
        format!(
            "WSL gets {} of memory and {} of swap: enough for deep-learning builds (memory {}, swap {} recommended)",
            human(memory),
            human(swap),
            recommended.memory,
            recommended.swap
        )
    } else {
        let mut to_set = Vec::new();
        if memory < recommended.memory.bytes() {
            to_set.push(format!("memory={}", recommended.memory));
        }
        if swap < recommended.swap.bytes() {
            to_set.push(format!("swap={}", recommended.swap));
        }
        format!(
            "WSL gets {} of memory and {} of swap, below what deep-learning builds need (memory {}, swap {}; a build may crash): set {} under [wsl2] in .wslconfig",
            human(memory),
            human(swap),
            recommended.memory,
            recommended.swap,
            to_set.join(" and ")
        )
    };
    MemoryAssessment {
        status: if enough {
            AssessmentStatus::Enough
        } else {
            AssessmentStatus::BelowRecommendation
        },
        summary,
        recommended,
        settings,
        warnings,
    }
}

impl MemoryAssessment {
    /// The assessment when `.wslconfig` could not be read (`err`): WSL's defaults, as WSL
    /// uses them when it ignores the file (for a file with a bad line WSL instead skips
    /// that line, so the file's other values may still apply).
    pub fn unreadable(err: &WslError, host_total_bytes: u64) -> Self {
        let mut assessment = assess(None, host_total_bytes);
        assessment.status = AssessmentStatus::Unreadable;
        assessment.summary = crate::error_chain(err);
        assessment
    }
}

/// Memory, swap and processors as WSL applies `config` on this host.
fn settings(config: &WslConfig, host_total: u64) -> Vec<SettingState> {
    let default_memory = host_total / 2;
    let memory = match config.get(Setting::Memory.key()) {
        None => state(Setting::Memory, None, default_memory, ValueSource::Default),
        Some(entry) => {
            let written = Some(entry.value.to_owned());
            match Size::parse(entry.value) {
                Ok(size) if size.bytes() == 0 => state(
                    Setting::Memory,
                    written,
                    default_memory,
                    ValueSource::File { line: entry.line },
                ),
                Ok(size) => state(
                    Setting::Memory,
                    written,
                    size.bytes()
                        .clamp(WSL_MIN_MEMORY, host_total.max(WSL_MIN_MEMORY)),
                    ValueSource::File { line: entry.line },
                ),
                Err(problem) => state(
                    Setting::Memory,
                    written,
                    default_memory,
                    ignored(entry.line, entry.value, &problem.to_string()),
                ),
            }
        }
    };
    let memory_bytes = memory.effective.unwrap_or(default_memory);
    let default_swap = (memory_bytes / 4).div_ceil(GB) * GB;
    let swap = match config.get(Setting::Swap.key()) {
        None => state(Setting::Swap, None, default_swap, ValueSource::Default),
        Some(entry) => {
            let written = Some(entry.value.to_owned());
            match Size::parse(entry.value) {
                Ok(size) => state(
                    Setting::Swap,
                    written,
                    size.bytes(),
                    ValueSource::File { line: entry.line },
                ),
                Err(problem) => state(
                    Setting::Swap,
                    written,
                    default_swap,
                    ignored(entry.line, entry.value, &problem.to_string()),
                ),
            }
        }
    };
    let processors = match config.get(Setting::Processors.key()) {
        None => processors_state(None, None, ValueSource::Default),
        Some(entry) => {
            let written = Some(entry.value.to_owned());
            match parse_c_integer(entry.value) {
                Some(n) if n <= 0 => {
                    processors_state(written, None, ValueSource::File { line: entry.line })
                }
                Some(n) => processors_state(
                    written,
                    Some(n as u64),
                    ValueSource::File { line: entry.line },
                ),
                None => processors_state(
                    written,
                    None,
                    ignored(entry.line, entry.value, "it is not a whole number"),
                ),
            }
        }
    };
    vec![memory, swap, processors]
}

fn state(
    setting: Setting,
    written: Option<String>,
    bytes: u64,
    source: ValueSource,
) -> SettingState {
    SettingState {
        setting,
        written,
        effective: Some(bytes),
        effective_text: crate::host::facts::human_bytes(bytes),
        source,
    }
}

fn processors_state(
    written: Option<String>,
    count: Option<u64>,
    source: ValueSource,
) -> SettingState {
    SettingState {
        setting: Setting::Processors,
        written,
        effective: count,
        effective_text: count.map_or_else(|| "all".to_owned(), |n| n.to_string()),
        source,
    }
}

fn ignored(line: usize, value: &str, problem: &str) -> ValueSource {
    let hint = if value.contains(';') {
        " (WSL does not read ';' as a comment after a value: use '#')"
    } else {
        ""
    };
    ValueSource::Ignored {
        line,
        problem: format!("{problem}{hint}"),
    }
}

/// An integer as C's `strtol(value, &end, 0)` reads it, the whole text consumed (WSL's
/// integer keys): decimal, `0x` hex or leading-`0` octal, with a sign; `None` when it is
/// not one or does not fit in 32 bits.
fn parse_c_integer(value: &str) -> Option<i64> {
    let (negative, digits) = match value.as_bytes().first()? {
        b'-' => (true, &value[1..]),
        b'+' => (false, &value[1..]),
        _ => (false, value),
    };
    let magnitude = if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        i64::from_str_radix(hex, 16).ok()?
    } else if digits.len() > 1 && digits.starts_with('0') {
        i64::from_str_radix(&digits[1..], 8).ok()?
    } else {
        if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.is_empty() {
            return None;
        }
        digits.parse().ok()?
    };
    let number = if negative { -magnitude } else { magnitude };
    i32::try_from(number).ok().map(i64::from)
}

fn floor_gb(bytes: u64) -> u64 {
    bytes / GB * GB
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn config(text: &str) -> WslConfig {
        WslConfig::parse(text.as_bytes(), Path::new("x")).unwrap()
    }

    #[test]
    fn wsls_defaults_are_half_the_memory_and_a_quarter_of_that_as_swap_rounded_up() {
        let assessment = assess(None, 32 * GB);
        assert_eq!(assessment.settings[0].effective, Some(16 * GB));
        assert_eq!(assessment.settings[0].source, ValueSource::Default);
        assert_eq!(assessment.settings[1].effective, Some(4 * GB));
        assert_eq!(assessment.settings[2].effective_text, "all");
        // 15.8 GB of Windows memory: 7.9 GB for WSL, whose quarter rounds up to 2 GB.
        let odd = assess(None, 15 * GB + 800 * (1 << 20));
        assert_eq!(odd.settings[1].effective, Some(2 * GB));
    }

    #[test]
    fn a_32_gb_machine_with_wsls_defaults_is_below_the_recommendation_for_swap() {
        let assessment = assess(None, 32 * GB);
        assert_eq!(assessment.status, AssessmentStatus::BelowRecommendation);
        assert!(
            assessment.summary.contains("set swap=8GB"),
            "{}",
            assessment.summary
        );
        assert!(
            !assessment.summary.contains("memory=8GB"),
            "{}",
            assessment.summary
        );
    }

    #[test]
    fn eight_gb_of_memory_and_swap_are_enough() {
        let assessment = assess(Some(&config("[wsl2]\nmemory=8GB\nswap=8GB\n")), 16 * GB);
        assert_eq!(
            assessment.status,
            AssessmentStatus::Enough,
            "{}",
            assessment.summary
        );
        assert_eq!(assessment.settings[0].source, ValueSource::File { line: 2 });
        assert!(
            assessment.summary.contains("enough"),
            "{}",
            assessment.summary
        );
    }

    #[test]
    fn the_recommendation_is_8_gb_each_where_windows_can_spare_it() {
        let recommendation = recommend(16 * GB);
        assert_eq!(recommendation.memory, Size::from_gb(8));
        assert_eq!(recommendation.swap, Size::from_gb(8));
        assert!(!recommendation.limited_by_host);
        assert_eq!(recommendation.note, None);
    }

    #[test]
    fn a_small_machine_is_never_offered_more_than_it_can_spare_and_is_told_about_jobs() {
        let recommendation = recommend(8 * GB);
        assert_eq!(recommendation.memory, Size::from_gb(4));
        assert!(recommendation.limited_by_host);
        assert!(recommendation
            .note
            .as_deref()
            .unwrap()
            .contains("fewer parallel jobs"));
        assert_eq!(recommend(4 * GB).memory, Size::from_gb(2));
        assert_eq!(recommend(GB).memory, Size::from_gb(1));
        assert_eq!(recommend(10 * GB).memory, Size::from_gb(6));
    }

    #[test]
    fn a_value_wsl_does_not_read_falls_back_to_the_default_and_is_warned_about() {
        let assessment = assess(
            Some(&config("[wsl2]\nmemory=8gb\nswap=4GB ; note\n")),
            16 * GB,
        );
        assert_eq!(assessment.settings[0].effective, Some(8 * GB));
        assert!(matches!(
            assessment.settings[0].source,
            ValueSource::Ignored { line: 2, .. }
        ));
        assert!(matches!(
            assessment.settings[1].source,
            ValueSource::Ignored { line: 3, .. }
        ));
        assert_eq!(assessment.warnings.len(), 2, "{:?}", assessment.warnings);
        assert!(
            assessment.warnings[1].contains("use '#'"),
            "{:?}",
            assessment.warnings
        );
    }

    #[test]
    fn memory_is_clamped_to_the_host_and_zero_means_the_default() {
        let too_much = assess(Some(&config("[wsl2]\nmemory=64GB\n")), 16 * GB);
        assert_eq!(too_much.settings[0].effective, Some(16 * GB));
        let zero = assess(Some(&config("[wsl2]\nmemory=0\nswap=0\n")), 16 * GB);
        assert_eq!(zero.settings[0].effective, Some(8 * GB));
        assert_eq!(zero.settings[1].effective, Some(0));
    }

    #[test]
    fn processors_are_read_as_c_reads_integers() {
        assert_eq!(parse_c_integer("4"), Some(4));
        assert_eq!(parse_c_integer("0x10"), Some(16));
        assert_eq!(parse_c_integer("010"), Some(8));
        assert_eq!(parse_c_integer("-1"), Some(-1));
        assert_eq!(parse_c_integer("four"), None);
        assert_eq!(parse_c_integer("99999999999"), None);
        let all = assess(Some(&config("[wsl2]\nprocessors=0\n")), 16 * GB);
        assert_eq!(all.settings[2].effective_text, "all");
    }

    #[test]
    fn an_unreadable_file_says_why_in_the_summary() {
        let err = WslError::Utf16 {
            path: "C:/Users/me/.wslconfig".into(),
            evidence: "it has NUL bytes",
        };
        let assessment = MemoryAssessment::unreadable(&err, 16 * GB);
        assert_eq!(assessment.status, AssessmentStatus::Unreadable);
        assert!(
            assessment.summary.contains("UTF-8"),
            "{}",
            assessment.summary
        );
    }
}
