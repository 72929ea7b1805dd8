//! Where GPU snapshots come from: the NVML driver library ([`super::NvmlSource`]) or a
//! recording ([`super::ReplaySource`]), behind one trait so the sampler, the CLI, the
//! window and the tests do not care which.

use super::{GpuError, GpuSnapshot};

/// A source of GPU snapshots.
pub trait GpuSource: Send {
    /// Read every GPU once. A field the GPU does not support is a failed
    /// [`super::Reading`] inside the snapshot; an `Err` means no snapshot at all (the
    /// driver went away).
    ///
    /// # Errors
    ///
    /// [`GpuError`] when nothing could be read.
    fn sample(&mut self) -> Result<GpuSnapshot, GpuError>;

    /// What this source is, for a person: "NVML 13.580.159.04", "replay of load.jsonl".
    fn describe(&self) -> String;
}

/// Open the machine's NVIDIA driver, or say in [`GpuError`] why there is none.
///
/// # Errors
///
/// [`GpuError::NoDriver`] (no library, no driver loaded), [`GpuError::NoPermission`],
/// [`GpuError::Nvml`].
pub fn open() -> Result<Box<dyn GpuSource>, GpuError> {
    Ok(Box::new(super::NvmlSource::open()?))
}

/// The variable naming a recording the desktop app shows instead of the real GPUs (a
/// demonstration, and the window's tests on machines without a GPU).
pub const REPLAY_VARIABLE: &str = "BERTH_GPU_REPLAY";

/// The window's source: the recording named by [`REPLAY_VARIABLE`] when it is set, else
/// the machine's driver.
///
/// # Errors
///
/// As [`open`], or the recording's [`GpuError::ReplayRead`] / [`GpuError::ReplayLine`].
pub fn open_configured() -> Result<Box<dyn GpuSource>, GpuError> {
    match std::env::var_os(REPLAY_VARIABLE).filter(|v| !v.is_empty()) {
        Some(path) => Ok(Box::new(super::ReplaySource::open(std::path::Path::new(
            &path,
        ))?)),
        None => open(),
    }
}
