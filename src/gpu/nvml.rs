//! The NVIDIA driver as a [`GpuSource`], through NVML (`nvml-wrapper`, which loads
//! `libnvidia-ml.so.1` / `nvml.dll` at run time: a machine without the driver still runs
//! Berth). Static facts are read once per device; the dear calls follow [`ReadPlan`].

use std::time::Instant;

use nvml_wrapper::enum_wrappers::device::{Clock, EccCounter, MemoryError, TemperatureSensor};
use nvml_wrapper::enums::device::UsedGpuMemory;
use nvml_wrapper::error::NvmlError;
use nvml_wrapper::{Device, Nvml};

use super::{GpuError, GpuProcess, GpuReading, GpuSnapshot, GpuSource, MigMode, ReadPlan, Reading};

/// The short name of an NVML error, as recordings write it (`InvalidArg`,
/// `NotSupported`); a symbol an older driver lacks reads as `FunctionNotFound`.
fn error_name(err: &NvmlError) -> String {
    match err {
        NvmlError::FailedToLoadSymbol(_) | NvmlError::FunctionNotFound => {
            "FunctionNotFound".to_owned()
        }
        other => {
            let debug = format!("{other:?}");
            debug
                .split(['(', ' ', '{'])
                .next()
                .unwrap_or(&debug)
                .to_owned()
        }
    }
}

fn reading<T>(result: Result<T, NvmlError>) -> Reading<T> {
    match result {
        Ok(value) => Reading::Value(value),
        Err(err) => Reading::failed(error_name(&err)),
    }
}

/// Why NVML would not start, in Berth's words.
fn init_error(err: NvmlError) -> GpuError {
    match err {
        NvmlError::LibloadingError(_) | NvmlError::LibraryNotFound => GpuError::NoDriver {
            reason: format!(
                "the NVIDIA driver's library ({}) is not installed",
                if cfg!(windows) { "nvml.dll" } else { "libnvidia-ml.so.1" }
            ),
        },
        NvmlError::DriverNotLoaded => GpuError::NoDriver {
            reason: "the NVIDIA kernel driver is not loaded".to_owned(),
        },
        NvmlError::FailedToLoadSymbol(_) | NvmlError::FunctionNotFound => GpuError::NoDriver {
            reason: "the NVIDIA driver is too old for NVML's v2 interface".to_owned(),
        },
        NvmlError::NoPermission => GpuError::NoPermission,
        NvmlError::LibRmVersionMismatch => GpuError::Nvml {
            message: "the NVIDIA driver and its library have different versions (the driver was updated): reboot the machine".to_owned(),
        },
        other => GpuError::Nvml {
            message: other.to_string(),
        },
    }
}

/// What does not change while the driver runs, or changes rarely; read once per device.
#[derive(Debug, Clone, Default)]
struct DeviceFacts {
    name: Reading<String>,
    uuid: Reading<String>,
    pci_bus_id: Reading<String>,
    compute_capability: Reading<String>,
    power_limit_mw: Reading<u32>,
    max_clock_sm_mhz: Reading<u32>,
    mig_mode: Reading<MigMode>,
    fan_pct: Reading<u32>,
    energy_mj: Reading<u64>,
}

/// The machine's NVIDIA GPUs, read through NVML.
pub struct NvmlSource {
    nvml: Nvml,
    plan: ReadPlan,
    driver_version: Reading<String>,
    cuda_driver_version: Reading<i32>,
    nvml_version: Reading<String>,
    devices: Vec<DeviceFacts>,
    seq: u64,
    started: Instant,
}

impl std::fmt::Debug for NvmlSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NvmlSource")
            .field("driver_version", &self.driver_version)
            .field("devices", &self.devices.len())
            .finish_non_exhaustive()
    }
}

impl NvmlSource {
    /// Load NVML and read each device's static facts.
    ///
    /// # Errors
    ///
    /// [`GpuError::NoDriver`], [`GpuError::NoPermission`], [`GpuError::Nvml`].
    pub fn open() -> Result<Self, GpuError> {
        let started = Instant::now();
        let nvml = Nvml::init().map_err(init_error)?;
        let count = nvml.device_count().map_err(init_error)?;
        let mut source = Self {
            driver_version: reading(nvml.sys_driver_version()),
            cuda_driver_version: reading(nvml.sys_cuda_driver_version()),
            nvml_version: reading(nvml.sys_nvml_version()),
            devices: Vec::new(),
            plan: ReadPlan::default(),
            seq: 0,
            started,
            nvml,
        };
        for index in 0..count {
            let facts = match source.nvml.device_by_index(index) {
                Ok(device) => DeviceFacts {
                    name: reading(device.name()),
                    uuid: reading(device.uuid()),
                    pci_bus_id: reading(device.pci_info().map(|pci| pci.bus_id)),
                    compute_capability: reading(
                        device
                            .cuda_compute_capability()
                            .map(|cc| format!("{}.{}", cc.major, cc.minor)),
                    ),
                    ..DeviceFacts::default()
                },
                Err(err) => {
                    let failed = Reading::failed(error_name(&err));
                    DeviceFacts {
                        name: failed.clone(),
                        uuid: failed.clone(),
                        pci_bus_id: failed.clone(),
                        compute_capability: failed,
                        ..DeviceFacts::default()
                    }
                }
            };
            source.devices.push(facts);
        }
        tracing::info!(
            gpus = count,
            driver = ?source.driver_version.value(),
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "NVML opened"
        );
        Ok(source)
    }

    /// The driver as the recipes' driver gate wants it.
    pub fn driver(&self) -> crate::recipe::DriverInfo {
        super::snapshot::driver_info(&self.driver_version, &self.cuda_driver_version)
    }

    /// The same source following another read plan (the bench compares plans).
    pub fn with_plan(mut self, plan: ReadPlan) -> Self {
        self.plan = plan;
        self
    }

    fn read_device(&mut self, index: u32, seq: u64) -> GpuReading {
        let plan = self.plan;
        let facts = &mut self.devices[index as usize];
        let device = match self.nvml.device_by_index(index) {
            Ok(device) => device,
            Err(err) => return failed_device(index, facts, &error_name(&err)),
        };
        if plan.refresh_due(seq) {
            facts.power_limit_mw = reading(device.enforced_power_limit());
            facts.max_clock_sm_mhz = reading(device.max_clock_info(Clock::SM));
            facts.mig_mode = reading(device.mig_mode().map(|m| MigMode {
                current: m.current,
                pending: m.pending,
            }));
            facts.fan_pct = reading(device.fan_speed(0));
        }
        if plan.energy_due(seq) {
            facts.energy_mj = reading(device.total_energy_consumption());
        }
        let utilization = reading(device.utilization_rates());
        let memory = reading(device.memory_info());
        let throttle = reading(device.current_throttle_reasons());
        GpuReading {
            index,
            name: facts.name.clone(),
            uuid: facts.uuid.clone(),
            pci_bus_id: facts.pci_bus_id.clone(),
            compute_capability: facts.compute_capability.clone(),
            util_gpu_pct: utilization.clone().map(|u| u.gpu),
            util_mem_pct: utilization.map(|u| u.memory),
            mem_used_bytes: memory.clone().map(|m| m.used),
            mem_total_bytes: memory.clone().map(|m| m.total),
            mem_reserved_bytes: memory.map(|m| m.reserved),
            temp_c: reading(device.temperature(TemperatureSensor::Gpu)),
            power_mw: reading(device.power_usage()),
            power_limit_mw: facts.power_limit_mw.clone(),
            energy_mj: facts.energy_mj.clone(),
            fan_pct: facts.fan_pct.clone(),
            clock_sm_mhz: reading(device.clock_info(Clock::SM)),
            clock_mem_mhz: reading(device.clock_info(Clock::Memory)),
            max_clock_sm_mhz: facts.max_clock_sm_mhz.clone(),
            throttle_reasons: throttle.clone().map(|t| format!("{t:?}")),
            throttle_reasons_bits: throttle.map(|t| t.bits()),
            ecc_uncorrected_volatile: reading(
                device.total_ecc_errors(MemoryError::Uncorrected, EccCounter::Volatile),
            ),
            mig_mode: facts.mig_mode.clone(),
            processes: processes(&self.nvml, &device),
        }
    }
}

/// A device NVML lost between samples: what is known, every live field failed.
fn failed_device(index: u32, facts: &DeviceFacts, error: &str) -> GpuReading {
    GpuReading {
        index,
        name: facts.name.clone(),
        uuid: facts.uuid.clone(),
        pci_bus_id: facts.pci_bus_id.clone(),
        compute_capability: facts.compute_capability.clone(),
        util_gpu_pct: Reading::failed(error),
        util_mem_pct: Reading::failed(error),
        mem_used_bytes: Reading::failed(error),
        mem_total_bytes: Reading::failed(error),
        mem_reserved_bytes: Reading::failed(error),
        temp_c: Reading::failed(error),
        power_mw: Reading::failed(error),
        power_limit_mw: Reading::failed(error),
        energy_mj: Reading::failed(error),
        fan_pct: Reading::failed(error),
        clock_sm_mhz: Reading::failed(error),
        clock_mem_mhz: Reading::failed(error),
        max_clock_sm_mhz: Reading::failed(error),
        throttle_reasons: Reading::failed(error),
        throttle_reasons_bits: Reading::failed(error),
        ecc_uncorrected_volatile: Reading::failed(error),
        mig_mode: Reading::failed(error),
        processes: Vec::new(),
    }
}

/// Compute and graphics processes on `device`, each once, with name and cgroup.
fn processes(nvml: &Nvml, device: &Device<'_>) -> Vec<GpuProcess> {
    let mut found: Vec<GpuProcess> = Vec::new();
    let lists = [
        device.running_compute_processes(),
        device.running_graphics_processes(),
    ];
    for info in lists.into_iter().flatten().flatten() {
        if found.iter().any(|p| p.pid == info.pid) {
            continue;
        }
        let used_bytes = match info.used_gpu_memory {
            UsedGpuMemory::Used(bytes) => Some(bytes),
            UsedGpuMemory::Unavailable => None,
        };
        found.push(GpuProcess {
            pid: info.pid,
            name: process_name(nvml, info.pid),
            used_bytes,
            cgroup: std::fs::read_to_string(format!("/proc/{}/cgroup", info.pid)).ok(),
        });
    }
    found
}

/// `/proc/<pid>/comm` where there is a /proc, else NVML's name for the pid.
fn process_name(nvml: &Nvml, pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|name| name.trim_end().to_owned())
        .or_else(|_| nvml.sys_process_name(pid, 64))
        .unwrap_or_default()
}

impl GpuSource for NvmlSource {
    fn sample(&mut self) -> Result<GpuSnapshot, GpuError> {
        let begun = Instant::now();
        let seq = self.seq;
        self.seq += 1;
        let gpus = (0..self.devices.len() as u32)
            .map(|index| self.read_device(index, seq))
            .collect();
        Ok(GpuSnapshot {
            seq,
            t_ms: self.started.elapsed().as_millis() as u64,
            sample_ms: begun.elapsed().as_secs_f64() * 1000.0,
            driver_version: self.driver_version.clone(),
            cuda_driver_version: self.cuda_driver_version.clone(),
            nvml_version: self.nvml_version.clone(),
            gpus,
        })
    }

    fn describe(&self) -> String {
        match self.nvml_version.value() {
            Some(version) => format!("NVML {version}"),
            None => "NVML".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nvml_errors_read_as_the_recordings_name_them() {
        assert_eq!(error_name(&NvmlError::InvalidArg), "InvalidArg");
        assert_eq!(error_name(&NvmlError::NotSupported), "NotSupported");
        assert_eq!(
            error_name(&NvmlError::FailedToLoadSymbol(
                "nvmlDeviceGetMigMode".into()
            )),
            "FunctionNotFound"
        );
        assert_eq!(
            error_name(&NvmlError::InsufficientSize(Some(3))),
            "InsufficientSize"
        );
    }

    #[test]
    fn a_missing_driver_is_no_driver_and_no_permission_says_so() {
        assert!(matches!(
            init_error(NvmlError::DriverNotLoaded),
            GpuError::NoDriver { .. }
        ));
        assert!(matches!(
            init_error(NvmlError::LibraryNotFound),
            GpuError::NoDriver { .. }
        ));
        assert!(matches!(
            init_error(NvmlError::NoPermission),
            GpuError::NoPermission
        ));
    }

    /// This machine has no NVIDIA driver: opening NVML must say so, not fail otherwise
    /// or panic. (On a machine with a GPU the source must open and sample.)
    #[test]
    fn opening_nvml_here_gives_a_snapshot_or_no_driver() {
        match NvmlSource::open() {
            Ok(mut source) => {
                let snapshot = source.sample().unwrap();
                assert!(snapshot.driver_version.value().is_some());
            }
            Err(err) => assert!(
                matches!(err, GpuError::NoDriver { .. } | GpuError::NoPermission),
                "{err}"
            ),
        }
    }
}
