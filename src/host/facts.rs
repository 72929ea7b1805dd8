//! Facts about the machine Berth runs on (sysinfo): what the Doctor weighs and what the
//! WSL memory advice is computed from.

use std::path::{Path, PathBuf};

/// What Berth knows about this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFacts {
    /// The operating system's name and version, e.g. "Debian GNU/Linux 12".
    pub os: String,
    /// The kernel's release, e.g. `6.1.0-18-amd64` or `5.15.153.1-microsoft-standard-WSL2`.
    pub kernel: Option<String>,
    /// Logical CPUs.
    pub cpus: usize,
    /// Physical memory, in bytes (inside WSL: what the WSL VM was given).
    pub memory_total_bytes: u64,
    /// Memory available to new programs, in bytes.
    pub memory_available_bytes: u64,
    /// Whether Berth runs inside Windows Subsystem for Linux.
    pub wsl: bool,
}

impl HostFacts {
    /// Read this machine's facts. Cheap (a few milliseconds): no process list is read.
    pub fn read() -> Self {
        let mut system = sysinfo::System::new();
        system.refresh_memory();
        let kernel = sysinfo::System::kernel_version();
        let os = sysinfo::System::long_os_version()
            .or_else(sysinfo::System::name)
            .unwrap_or_else(|| std::env::consts::OS.to_owned());
        let cpus = std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1);
        Self {
            wsl: is_wsl(
                kernel.as_deref(),
                std::env::var_os("WSL_DISTRO_NAME").is_some(),
            ),
            os,
            kernel,
            cpus,
            memory_total_bytes: system.total_memory(),
            memory_available_bytes: system.available_memory(),
        }
    }
}

/// WSL's kernels name themselves `…-microsoft-standard-WSL2` (WSL 1: `…-Microsoft`), and
/// WSL sets `WSL_DISTRO_NAME` in every distribution's environment.
fn is_wsl(kernel: Option<&str>, distro_name_set: bool) -> bool {
    distro_name_set || kernel.is_some_and(|k| k.to_ascii_lowercase().contains("microsoft"))
}

/// Free space on the file system that holds `path` (or its nearest existing parent), in
/// bytes; `None` when no mounted disk holds it.
pub fn free_disk_bytes(path: &Path) -> Option<u64> {
    let mut probe = PathBuf::from(path);
    while !probe.exists() {
        if !probe.pop() {
            return None;
        }
    }
    let probe = probe.canonicalize().unwrap_or(probe);
    let disks = sysinfo::Disks::new_with_refreshed_list();
    disks
        .list()
        .iter()
        .filter(|disk| probe.starts_with(disk.mount_point()))
        .max_by_key(|disk| disk.mount_point().as_os_str().len())
        .map(sysinfo::Disk::available_space)
}

/// `bytes` in the unit people read sizes in: "12.4 GB" (powers of 1024, as Docker and
/// WSL count).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_machine_has_cpus_and_memory() {
        let facts = HostFacts::read();
        assert!(facts.cpus >= 1);
        assert!(facts.memory_total_bytes > 64 << 20, "{facts:?}");
        assert!(facts.memory_available_bytes <= facts.memory_total_bytes);
        assert!(!facts.os.is_empty());
    }

    #[test]
    fn wsl_is_known_by_its_kernel_or_its_variable() {
        assert!(is_wsl(Some("5.15.153.1-microsoft-standard-WSL2"), false));
        assert!(is_wsl(Some("4.4.0-19041-Microsoft"), false));
        assert!(is_wsl(Some("6.1.0-18-amd64"), true));
        assert!(!is_wsl(Some("6.1.0-18-amd64"), false));
        assert!(!is_wsl(None, false));
    }

    #[test]
    fn free_disk_is_read_for_a_path_that_does_not_exist_yet() {
        let dir = tempfile::tempdir().unwrap();
        let free = free_disk_bytes(&dir.path().join("not/yet/there"));
        assert!(free.is_some_and(|bytes| bytes > 0), "{free:?}");
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(8 << 30), "8.0 GB");
        assert_eq!(human_bytes(1536 << 20), "1.5 GB");
    }
}
