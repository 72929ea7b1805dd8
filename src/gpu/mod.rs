//! What the GPUs are doing: [`GpuSnapshot`]s from the NVIDIA driver (NVML) or from a
//! recording, behind [`GpuSource`]; a [`Sampler`] with a bounded history for the charts;
//! and which Berth environment each GPU process belongs to ([`Owners`]).

mod nvml;
pub mod owner;
pub mod plan;
mod replay;
mod sampler;
mod snapshot;
mod source;

use std::path::PathBuf;

pub use nvml::NvmlSource;
pub use owner::{EnvironmentRef, Owners};
pub use plan::{CallCosts, ReadPlan};
pub use replay::{Recorder, ReplaySource};
pub use sampler::{Sampler, SamplerConfig, SamplerEvent};
pub use snapshot::{throttle_words, GpuProcess, GpuReading, GpuSnapshot, MigMode, Reading};
pub use source::{open, open_configured, GpuSource, REPLAY_VARIABLE};

/// Why there are no GPU readings.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    /// No NVIDIA driver on this machine: not an error for a CPU-only machine.
    #[error("no NVIDIA driver found: {reason}; on a machine with an NVIDIA GPU, install the NVIDIA driver (e.g. `sudo apt install nvidia-driver` on Debian, `sudo ubuntu-drivers install` on Ubuntu) and reboot; CPU environments work without one")]
    NoDriver {
        /// What is missing.
        reason: String,
    },
    /// NVML may not talk to the driver as this user.
    #[error("the NVIDIA driver refused this user (no permission to read the GPUs); check the permissions of /dev/nvidia* (the user may need the 'video' group), or run `nvidia-smi` to see the same refusal")]
    NoPermission,
    /// NVML failed otherwise.
    #[error("cannot read the GPUs through NVML: {message}")]
    Nvml {
        /// NVML's message.
        message: String,
    },
    /// A recording could not be read.
    #[error("cannot read the GPU recording '{path}': {source}")]
    ReplayRead {
        /// The recording.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line of a recording is not a snapshot.
    #[error("'{path}' line {line} is not a GPU sample: {message}; a recording has one JSON snapshot per line, as `berth gpu --record FILE` writes")]
    ReplayLine {
        /// The recording.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A recording with no samples.
    #[error(
        "the GPU recording '{path}' has no samples; record one with `berth gpu --record FILE`"
    )]
    ReplayEmpty {
        /// The recording.
        path: PathBuf,
    },
    /// A recording could not be written.
    #[error("cannot write the GPU recording '{path}': {source}")]
    RecordWrite {
        /// The recording.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl GpuError {
    /// True when this machine simply has no NVIDIA driver (a state, not a failure).
    pub fn is_no_driver(&self) -> bool {
        matches!(self, Self::NoDriver { .. })
    }
}

/// This machine's NVIDIA driver for the recipes' driver gate (its version and the newest
/// CUDA it runs), read through NVML once per process; unknown (every CUDA offered) when
/// there is no driver. The window and the CLI never tell the core what the driver is.
pub fn host_driver() -> crate::recipe::DriverInfo {
    static DRIVER: std::sync::OnceLock<crate::recipe::DriverInfo> = std::sync::OnceLock::new();
    DRIVER
        .get_or_init(|| match NvmlSource::open() {
            Ok(source) => source.driver(),
            Err(err) => {
                tracing::info!(error = %err, "no driver facts for the recipes");
                crate::recipe::DriverInfo::default()
            }
        })
        .clone()
}
