//! Transport types for the GPU readings: `berth gpu --json` and the window's dashboard.
//! Values the GPU does not report are `null` (shown as "n/a"), listed by name in
//! `unsupported`; units are the ones people read (W, °C, MHz, bytes).

use serde::Serialize;
use ts_rs::TS;

use crate::gpu::{self, GpuError, GpuSnapshot, Owners};

/// Whether there are readings, and if not, why.
#[derive(Debug, Clone, Copy, Serialize, TS, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub enum GpuState {
    /// Readings below.
    Ready,
    /// This machine has no NVIDIA driver (a CPU machine: not a failure).
    NoDriver,
    /// The driver refused this user.
    NoPermission,
    /// The readings failed otherwise; `message` says why.
    Failed,
}

/// The Berth environment a GPU process runs in.
#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct GpuProcessEnvironment {
    /// The project id.
    pub id: String,
    /// The project folder.
    pub folder: String,
    /// The container's name.
    pub container: String,
}

/// One process on a GPU.
#[derive(Debug, Clone, Serialize, TS, PartialEq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct GpuProcess {
    /// Host process id.
    pub pid: u32,
    /// Command name.
    pub name: String,
    /// GPU memory used, bytes; `null` when the driver says "unavailable".
    #[ts(type = "number | null")]
    pub used_bytes: Option<u64>,
    /// The Berth environment it runs in; `null` on the host or in a foreign container.
    pub environment: Option<GpuProcessEnvironment>,
}

/// One GPU's readings.
#[derive(Debug, Clone, Serialize, TS, PartialEq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct GpuCard {
    /// NVML's index.
    pub index: u32,
    /// Product name.
    pub name: Option<String>,
    /// UUID.
    pub uuid: Option<String>,
    /// PCI bus id.
    pub pci_bus_id: Option<String>,
    /// CUDA compute capability, e.g. "9.0".
    pub compute_capability: Option<String>,
    /// GPU utilisation, percent.
    pub util_gpu_pct: Option<u32>,
    /// Memory-bandwidth utilisation, percent.
    pub util_mem_pct: Option<u32>,
    /// Memory used, bytes.
    #[ts(type = "number | null")]
    pub mem_used_bytes: Option<u64>,
    /// Memory installed, bytes.
    #[ts(type = "number | null")]
    pub mem_total_bytes: Option<u64>,
    /// Temperature, °C.
    pub temp_c: Option<u32>,
    /// Power draw, watts.
    pub power_w: Option<f64>,
    /// Power limit, watts.
    pub power_limit_w: Option<f64>,
    /// Energy since the driver loaded, joules.
    pub energy_j: Option<f64>,
    /// Fan, percent.
    pub fan_pct: Option<u32>,
    /// SM clock, MHz.
    pub clock_sm_mhz: Option<u32>,
    /// Memory clock, MHz.
    pub clock_mem_mhz: Option<u32>,
    /// Highest SM clock, MHz.
    pub max_clock_sm_mhz: Option<u32>,
    /// Why the clocks are held down, in words ("software power cap").
    pub throttle: Vec<String>,
    /// Uncorrected ECC errors since the driver loaded.
    #[ts(type = "number | null")]
    pub ecc_uncorrected: Option<u64>,
    /// MIG mode on; `null` where the GPU has no MIG.
    pub mig_enabled: Option<bool>,
    /// The fields this GPU does not report, by name.
    pub unsupported: Vec<String>,
    /// The processes using it.
    pub processes: Vec<GpuProcess>,
}

/// The GPUs at one moment, or why there are no readings.
#[derive(Debug, Clone, Serialize, TS, PartialEq)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct GpuReport {
    /// Whether there are readings.
    pub state: GpuState,
    /// Why not, for a person (with what to do), when `state` is not `ready`.
    pub message: Option<String>,
    /// Where the readings come from: "NVML 13.580.159.04", "replay of load.jsonl".
    pub source: Option<String>,
    /// Milliseconds since the source started.
    #[ts(type = "number")]
    pub t_ms: u64,
    /// The driver's version.
    pub driver_version: Option<String>,
    /// The newest CUDA the driver runs, e.g. "13.0".
    pub cuda_version: Option<String>,
    /// Each GPU.
    pub gpus: Vec<GpuCard>,
}

impl GpuReport {
    /// No readings, and why.
    pub fn unavailable(err: &GpuError) -> Self {
        Self {
            state: match err {
                GpuError::NoDriver { .. } => GpuState::NoDriver,
                GpuError::NoPermission => GpuState::NoPermission,
                _ => GpuState::Failed,
            },
            message: Some(crate::error_chain(err)),
            source: None,
            t_ms: 0,
            driver_version: None,
            cuda_version: None,
            gpus: Vec::new(),
        }
    }

    /// A snapshot from `source`, each process named by its environment in `owners`.
    pub fn ready(snapshot: &GpuSnapshot, source: &str, owners: &Owners) -> Self {
        Self {
            state: GpuState::Ready,
            message: None,
            source: Some(source.to_owned()),
            t_ms: snapshot.t_ms,
            driver_version: snapshot.driver_version.value().cloned(),
            cuda_version: snapshot.driver().max_cuda.map(|cuda| cuda.to_string()),
            gpus: snapshot.gpus.iter().map(|gpu| card(gpu, owners)).collect(),
        }
    }
}

fn card(gpu: &gpu::GpuReading, owners: &Owners) -> GpuCard {
    let mut unsupported = Vec::new();
    let mut note = |name: &str, present: bool| {
        if !present {
            unsupported.push(name.to_owned());
        }
    };
    note("util", gpu.util_gpu_pct.value().is_some());
    note("memory", gpu.mem_used_bytes.value().is_some());
    note("temperature", gpu.temp_c.value().is_some());
    note("power", gpu.power_mw.value().is_some());
    note("power limit", gpu.power_limit_mw.value().is_some());
    note("energy", gpu.energy_mj.value().is_some());
    note("fan", gpu.fan_pct.value().is_some());
    note("clocks", gpu.clock_sm_mhz.value().is_some());
    note(
        "throttle reasons",
        gpu.throttle_reasons_bits.value().is_some(),
    );
    note("ECC", gpu.ecc_uncorrected_volatile.value().is_some());
    note("MIG", gpu.mig_mode.value().is_some());
    let watts = |mw: Option<u32>| mw.map(|mw| f64::from(mw) / 1000.0);
    GpuCard {
        index: gpu.index,
        name: gpu.name.value().cloned(),
        uuid: gpu.uuid.value().cloned(),
        pci_bus_id: gpu.pci_bus_id.value().cloned(),
        compute_capability: gpu.compute_capability.value().cloned(),
        util_gpu_pct: gpu.util_gpu_pct.get(),
        util_mem_pct: gpu.util_mem_pct.get(),
        mem_used_bytes: gpu.mem_used_bytes.get(),
        mem_total_bytes: gpu.mem_total_bytes.get(),
        temp_c: gpu.temp_c.get(),
        power_w: watts(gpu.power_mw.get()),
        power_limit_w: watts(gpu.power_limit_mw.get()),
        #[allow(clippy::cast_precision_loss)]
        energy_j: gpu.energy_mj.get().map(|mj| mj as f64 / 1000.0),
        fan_pct: gpu.fan_pct.get(),
        clock_sm_mhz: gpu.clock_sm_mhz.get(),
        clock_mem_mhz: gpu.clock_mem_mhz.get(),
        max_clock_sm_mhz: gpu.max_clock_sm_mhz.get(),
        throttle: gpu
            .throttle_reasons_bits
            .get()
            .map(gpu::throttle_words)
            .unwrap_or_default(),
        ecc_uncorrected: gpu.ecc_uncorrected_volatile.get(),
        mig_enabled: gpu.mig_mode.get().map(|mig| mig.current == 1),
        unsupported,
        processes: gpu
            .processes
            .iter()
            .map(|p| GpuProcess {
                pid: p.pid,
                name: p.name.clone(),
                used_bytes: p.used_bytes,
                environment: owners
                    .of(p.cgroup.as_deref())
                    .map(|env| GpuProcessEnvironment {
                        id: env.id.clone(),
                        folder: env.folder.display().to_string(),
                        container: env.container.clone(),
                    }),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpu::{GpuSource, ReplaySource};

    #[test]
    fn the_load_recording_reads_as_a_dashboard_card() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gpu/load.jsonl");
        let mut source = ReplaySource::open(&path).unwrap();
        let snapshot = source.sample().unwrap();
        let report = GpuReport::ready(&snapshot, &source.describe(), &Owners::default());
        let value = serde_json::to_value(&report).unwrap();
        assert_eq!(value["state"], "ready");
        assert_eq!(value["cuda_version"], "13.0");
        let gpu = &value["gpus"][0];
        assert_eq!(gpu["power_limit_w"], 700.0);
        assert_eq!(gpu["power_w"], 693.71);
        assert_eq!(gpu["fan_pct"], serde_json::Value::Null);
        assert_eq!(gpu["unsupported"], serde_json::json!(["fan"]));
        assert_eq!(gpu["throttle"], serde_json::json!(["software power cap"]));
        assert_eq!(gpu["mig_enabled"], false);
        assert_eq!(gpu["processes"][0]["name"], "python3");
        assert_eq!(gpu["processes"][0]["environment"], serde_json::Value::Null);
    }

    #[test]
    fn no_driver_is_a_state_with_a_message() {
        let err = GpuError::NoDriver {
            reason: "the NVIDIA kernel driver is not loaded".into(),
        };
        let value = serde_json::to_value(GpuReport::unavailable(&err)).unwrap();
        assert_eq!(value["state"], "no-driver");
        assert!(value["message"]
            .as_str()
            .unwrap()
            .starts_with("no NVIDIA driver found"));
        assert_eq!(value["gpus"], serde_json::json!([]));
    }
}
