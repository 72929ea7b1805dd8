//! One reading of every GPU: the [`GpuSnapshot`]. Its serde form is the JSON-lines
//! recording format of `tests/fixtures/gpu/` (real H200 readings), so what `berth gpu
//! --record` writes, `--replay` and the tests read back unchanged.

use serde::{Deserialize, Serialize};

/// One field as NVML answered it: a value, or the error NVML gave for it (the field is
/// then shown as "n/a"; the rest of the snapshot stands).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Reading<T> {
    /// What NVML returned.
    Value(T),
    /// NVML's error for this field, e.g. `NotSupported`, `InvalidArg` (an H200 has no
    /// fan), `FunctionNotFound` (an older driver lacks the call).
    Failed {
        /// NVML's error name.
        error: String,
    },
}

impl<T> Reading<T> {
    /// A failed reading with NVML's error name.
    pub fn failed(error: impl Into<String>) -> Self {
        Self::Failed {
            error: error.into(),
        }
    }

    /// The value, when there is one.
    pub fn value(&self) -> Option<&T> {
        match self {
            Self::Value(value) => Some(value),
            Self::Failed { .. } => None,
        }
    }

    /// Apply `f` to the value, keeping a failure as it is.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Reading<U> {
        match self {
            Self::Value(value) => Reading::Value(f(value)),
            Self::Failed { error } => Reading::Failed { error },
        }
    }
}

impl<T: Copy> Reading<T> {
    /// The value, copied, when there is one.
    pub fn get(&self) -> Option<T> {
        self.value().copied()
    }
}

impl<T> Default for Reading<T> {
    fn default() -> Self {
        Self::failed("NotRead")
    }
}

impl<T, E: std::fmt::Debug> From<Result<T, E>> for Reading<T> {
    fn from(result: Result<T, E>) -> Self {
        match result {
            Ok(value) => Self::Value(value),
            Err(err) => Self::failed(format!("{err:?}")),
        }
    }
}

/// MIG (multi-instance GPU) mode: 0 disabled, 1 enabled; `pending` takes effect at the
/// next GPU reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigMode {
    /// The mode in force.
    pub current: u32,
    /// The mode after the next reset.
    pub pending: u32,
}

/// A process using a GPU, as NVML reports it (host pids: NVML reads the driver, not a
/// container's pid namespace).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpuProcess {
    /// The process id on the host.
    pub pid: u32,
    /// The command name (`/proc/<pid>/comm`, or NVML's when /proc has none).
    #[serde(default)]
    pub name: String,
    /// GPU memory it uses, in bytes; `None` when NVML says "unavailable" (always so
    /// under Windows' WDDM).
    #[serde(default)]
    pub used_bytes: Option<u64>,
    /// Its `/proc/<pid>/cgroup` text, which names the container it runs in.
    #[serde(default)]
    pub cgroup: Option<String>,
}

/// Everything read from one GPU in one sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpuReading {
    /// NVML's device index.
    pub index: u32,
    /// The product name, e.g. "NVIDIA H200".
    pub name: Reading<String>,
    /// The GPU's UUID, e.g. `GPU-9fca33e6-…`.
    pub uuid: Reading<String>,
    /// PCI bus id, e.g. `00000000:00:06.0`.
    pub pci_bus_id: Reading<String>,
    /// CUDA compute capability, e.g. "9.0".
    #[serde(default)]
    pub compute_capability: Reading<String>,
    /// Percent of the last sample period a kernel ran.
    pub util_gpu_pct: Reading<u32>,
    /// Percent of the last sample period device memory was read or written.
    pub util_mem_pct: Reading<u32>,
    /// Device memory in use, bytes.
    pub mem_used_bytes: Reading<u64>,
    /// Device memory installed, bytes.
    pub mem_total_bytes: Reading<u64>,
    /// Device memory the driver sets aside, bytes.
    #[serde(default)]
    pub mem_reserved_bytes: Reading<u64>,
    /// GPU temperature, °C.
    pub temp_c: Reading<u32>,
    /// Power draw, milliwatts.
    pub power_mw: Reading<u32>,
    /// Enforced power limit, milliwatts.
    pub power_limit_mw: Reading<u32>,
    /// Energy since the driver loaded, millijoules.
    pub energy_mj: Reading<u64>,
    /// Fan speed, percent of the maximum (data-centre GPUs have no fan sensor).
    pub fan_pct: Reading<u32>,
    /// SM clock, MHz.
    pub clock_sm_mhz: Reading<u32>,
    /// Memory clock, MHz.
    pub clock_mem_mhz: Reading<u32>,
    /// Highest SM clock, MHz.
    #[serde(default)]
    pub max_clock_sm_mhz: Reading<u32>,
    /// Why the clocks are held down, as the NVML wrapper names the flags
    /// (`ThrottleReasons(SW_POWER_CAP)`); kept for the recording, shown through the bits.
    #[serde(default)]
    pub throttle_reasons: Reading<String>,
    /// Why the clocks are held down: NVML's bit mask (see [`throttle_words`]).
    pub throttle_reasons_bits: Reading<u64>,
    /// Uncorrected ECC errors since the last driver load.
    pub ecc_uncorrected_volatile: Reading<u64>,
    /// MIG mode, where the GPU has it.
    pub mig_mode: Reading<MigMode>,
    /// The processes using this GPU.
    #[serde(default)]
    pub processes: Vec<GpuProcess>,
}

/// One sample of every GPU on the machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpuSnapshot {
    /// Sample number since the source started.
    #[serde(default)]
    pub seq: u64,
    /// Milliseconds since the source started.
    #[serde(default)]
    pub t_ms: u64,
    /// How long reading this sample took, milliseconds.
    #[serde(default)]
    pub sample_ms: f64,
    /// The driver's version, e.g. `580.159.04`.
    pub driver_version: Reading<String>,
    /// The newest CUDA the driver runs, as 1000 × major + 10 × minor (13000 = 13.0).
    pub cuda_driver_version: Reading<i32>,
    /// NVML's own version.
    #[serde(default)]
    pub nvml_version: Reading<String>,
    /// Each GPU, by index.
    pub gpus: Vec<GpuReading>,
}

impl GpuSnapshot {
    /// The driver as the recipes' driver gate wants it (version and newest CUDA).
    pub fn driver(&self) -> crate::recipe::DriverInfo {
        driver_info(&self.driver_version, &self.cuda_driver_version)
    }
}

/// NVML's driver readings (`"580.159.04"`, `13000`) as the recipes' driver gate wants
/// them; a failed or unparsable reading is unknown.
pub(super) fn driver_info(
    driver_version: &Reading<String>,
    cuda_driver_version: &Reading<i32>,
) -> crate::recipe::DriverInfo {
    crate::recipe::DriverInfo {
        version: driver_version.value().and_then(|text| text.parse().ok()),
        max_cuda: cuda_driver_version
            .get()
            .and_then(crate::recipe::CudaVersion::from_nvml),
    }
}

/// NVML's clock-event ("throttle") reasons, bit by bit, in words a person reads.
const THROTTLE_WORDS: [(u64, &str); 9] = [
    (0x1, "idle"),
    (0x2, "application clock setting"),
    (0x4, "software power cap"),
    (0x8, "hardware slowdown"),
    (0x10, "sync boost"),
    (0x20, "software thermal slowdown"),
    (0x40, "hardware thermal slowdown"),
    (0x80, "hardware power brake"),
    (0x100, "display clock setting"),
];

/// The reasons in `bits`, in words ("software power cap"); unknown bits as hex.
pub fn throttle_words(bits: u64) -> Vec<String> {
    let mut words: Vec<String> = THROTTLE_WORDS
        .iter()
        .filter(|(bit, _)| bits & bit != 0)
        .map(|(_, word)| (*word).to_owned())
        .collect();
    let known = THROTTLE_WORDS.iter().fold(0, |all, (bit, _)| all | bit);
    if bits & !known != 0 {
        words.push(format!("other (0x{:x})", bits & !known));
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(file: &str) -> GpuSnapshot {
        let path = format!("{}/tests/fixtures/gpu/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(path).unwrap();
        serde_json::from_str(text.lines().next().unwrap()).unwrap()
    }

    #[test]
    fn a_real_h200_reading_under_load_reads_every_field() {
        let snapshot = first("load.jsonl");
        assert_eq!(snapshot.driver_version.value().unwrap(), "580.159.04");
        assert_eq!(snapshot.cuda_driver_version.get(), Some(13000));
        let gpu = &snapshot.gpus[0];
        assert_eq!(gpu.name.value().unwrap(), "NVIDIA H200");
        assert_eq!(gpu.util_gpu_pct.get(), Some(100));
        assert_eq!(gpu.power_limit_mw.get(), Some(700_000));
        assert_eq!(gpu.mem_total_bytes.get(), Some(150_754_820_096));
        assert_eq!(
            gpu.mig_mode.get(),
            Some(MigMode {
                current: 0,
                pending: 0
            })
        );
        assert_eq!(gpu.processes[0].name, "python3");
        assert_eq!(gpu.processes[0].used_bytes, Some(1_050_673_152));
        assert_eq!(
            throttle_words(gpu.throttle_reasons_bits.get().unwrap()),
            ["software power cap"]
        );
    }

    #[test]
    fn a_field_the_gpu_lacks_is_a_failed_reading_not_a_failed_snapshot() {
        let snapshot = first("idle.jsonl");
        let gpu = &snapshot.gpus[0];
        assert_eq!(gpu.fan_pct, Reading::failed("InvalidArg"));
        assert_eq!(gpu.fan_pct.get(), None);
        assert_eq!(gpu.temp_c.get(), Some(34));
    }

    #[test]
    fn a_snapshot_writes_back_as_it_was_read() {
        for file in ["idle.jsonl", "load.jsonl", "after.jsonl"] {
            let path = format!("{}/tests/fixtures/gpu/{file}", env!("CARGO_MANIFEST_DIR"));
            for line in std::fs::read_to_string(path).unwrap().lines() {
                let original: serde_json::Value = serde_json::from_str(line).unwrap();
                let snapshot: GpuSnapshot = serde_json::from_str(line).unwrap();
                let written = serde_json::to_value(&snapshot).unwrap();
                assert_eq!(written, original, "{file}");
            }
        }
    }

    #[test]
    fn the_driver_gate_reads_the_driver_from_a_snapshot() {
        let driver = first("idle.jsonl").driver();
        assert_eq!(driver.describe(), "driver 580.159.04, CUDA up to 13.0");
    }

    #[test]
    fn throttle_reasons_read_as_words() {
        assert_eq!(throttle_words(0x1), ["idle"]);
        assert_eq!(
            throttle_words(0x44),
            ["software power cap", "hardware thermal slowdown"]
        );
        assert_eq!(throttle_words(0x1000), ["other (0x1000)"]);
        assert!(throttle_words(0).is_empty());
    }
}
