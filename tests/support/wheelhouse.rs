//! A local wheelhouse of tiny stand-in wheels, so the tests can `pip install` the pinned
//! framework packages without an index: real torch, jax and tensorflow wheels are
//! gigabytes, and containers here have no package index. Each stand-in is a pure-Python
//! wheel of the pinned name and version whose module only sets `__version__`.

use std::path::Path;

use sha2::{Digest, Sha256};

/// One stand-in wheel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wheel {
    /// The distribution name, e.g. `torch`.
    pub name: String,
    /// The version, e.g. `2.9.1+cpu`.
    pub version: String,
    /// `Requires-Dist` lines, e.g. `jaxlib==0.7.2`.
    pub requires: Vec<String>,
}

impl Wheel {
    /// A wheel of `name` `version` with no dependencies.
    pub fn new(name: &str, version: &str) -> Self {
        Self {
            name: name.to_owned(),
            version: version.to_owned(),
            requires: Vec::new(),
        }
    }

    /// The importable module: `berth-probe` → `berth_probe`.
    pub fn module(&self) -> String {
        self.name.replace('-', "_")
    }

    /// `berth_probe-1.0.0-py3-none-any.whl`.
    pub fn file_name(&self) -> String {
        format!("{}-{}-py3-none-any.whl", self.module(), self.version)
    }
}

/// The stand-ins that satisfy the pinned requirement `requirement` (`name[extras]==version`):
/// the package itself, and for `jax` the `jaxlib` it requires.
pub fn stand_ins(requirement: &str) -> Vec<Wheel> {
    let (name, version) = requirement
        .split_once("==")
        .unwrap_or_else(|| panic!("stand-ins need a pinned requirement, got {requirement:?}"));
    let name = name.split('[').next().unwrap_or(name).trim();
    let version = version.trim();
    match name {
        "jax" => {
            let public = version.split('+').next().unwrap_or(version);
            vec![
                Wheel {
                    requires: vec![format!("jaxlib=={public}")],
                    ..Wheel::new("jax", version)
                },
                Wheel::new("jaxlib", public),
            ]
        }
        _ => vec![Wheel::new(name, version)],
    }
}

/// Write each wheel into the folder `dir` (created when missing).
pub fn write(dir: &Path, wheels: &[Wheel]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for wheel in wheels {
        std::fs::write(dir.join(wheel.file_name()), wheel_bytes(wheel))?;
    }
    Ok(())
}

/// The wheel as a zip archive (stored, not compressed): module, METADATA, WHEEL, RECORD.
fn wheel_bytes(wheel: &Wheel) -> Vec<u8> {
    let dist_info = format!("{}-{}.dist-info", wheel.module(), wheel.version);
    let mut metadata = format!(
        "Metadata-Version: 2.1\nName: {}\nVersion: {}\nSummary: Berth test stand-in\n",
        wheel.name, wheel.version
    );
    for requirement in &wheel.requires {
        metadata.push_str(&format!("Requires-Dist: {requirement}\n"));
    }
    let mut files: Vec<(String, String)> = vec![
        (
            format!("{}/__init__.py", wheel.module()),
            format!("__version__ = {:?}\n", wheel.version),
        ),
        (format!("{dist_info}/METADATA"), metadata),
        (
            format!("{dist_info}/WHEEL"),
            "Wheel-Version: 1.0\nGenerator: berth-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
                .to_owned(),
        ),
    ];
    let mut record = String::new();
    for (path, contents) in &files {
        let digest = Sha256::digest(contents.as_bytes());
        let hash = base64_url(&digest);
        record.push_str(&format!("{path},sha256={hash},{}\n", contents.len()));
    }
    record.push_str(&format!("{dist_info}/RECORD,,\n"));
    files.push((format!("{dist_info}/RECORD"), record));
    stored_zip(&files)
}

/// Unpadded URL-safe base64, as wheel RECORD files write hashes.
fn base64_url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let symbols = chunk.len() + 1;
        for i in 0..symbols {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 0x3f) as usize]));
        }
    }
    out
}

/// A zip archive of `files`, each stored uncompressed, dated 1980-01-01.
fn stored_zip(files: &[(String, String)]) -> Vec<u8> {
    const DATE_1980_01_01: u16 = 0x0021;
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, contents) in files {
        let data = contents.as_bytes();
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let crc = crc.sum();
        let size = u32::try_from(data.len()).unwrap_or_else(|_| panic!("{name} is too large"));
        let name_len = u16::try_from(name.len()).unwrap_or_else(|_| panic!("{name} is too long"));
        let offset = u32::try_from(out.len()).unwrap_or_else(|_| panic!("archive too large"));
        // Local file header.
        out.extend_from_slice(&0x0403_4b50_u32.to_le_bytes());
        out.extend_from_slice(&20_u16.to_le_bytes()); // version needed
        out.extend_from_slice(&0_u16.to_le_bytes()); // flags
        out.extend_from_slice(&0_u16.to_le_bytes()); // stored
        out.extend_from_slice(&0_u16.to_le_bytes()); // time
        out.extend_from_slice(&DATE_1980_01_01.to_le_bytes());
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0_u16.to_le_bytes()); // extra length
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        // Central directory entry.
        central.extend_from_slice(&0x0201_4b50_u32.to_le_bytes());
        central.extend_from_slice(&(0x0300_u16 | 20).to_le_bytes()); // made by: Unix
        central.extend_from_slice(&20_u16.to_le_bytes());
        central.extend_from_slice(&0_u16.to_le_bytes());
        central.extend_from_slice(&0_u16.to_le_bytes());
        central.extend_from_slice(&0_u16.to_le_bytes());
        central.extend_from_slice(&DATE_1980_01_01.to_le_bytes());
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&name_len.to_le_bytes());
        central.extend_from_slice(&0_u16.to_le_bytes()); // extra
        central.extend_from_slice(&0_u16.to_le_bytes()); // comment
        central.extend_from_slice(&0_u16.to_le_bytes()); // disk
        central.extend_from_slice(&0_u16.to_le_bytes()); // internal attributes
        central.extend_from_slice(&(0o100_644_u32 << 16).to_le_bytes()); // external: -rw-r--r--
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let central_offset = u32::try_from(out.len()).unwrap_or_else(|_| panic!("archive too large"));
    let central_size = u32::try_from(central.len()).unwrap_or_else(|_| panic!("archive too large"));
    let entries = u16::try_from(files.len()).unwrap_or_else(|_| panic!("too many files"));
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50_u32.to_le_bytes());
    out.extend_from_slice(&0_u16.to_le_bytes());
    out.extend_from_slice(&0_u16.to_le_bytes());
    out.extend_from_slice(&entries.to_le_bytes());
    out.extend_from_slice(&entries.to_le_bytes());
    out.extend_from_slice(&central_size.to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0_u16.to_le_bytes()); // comment length
    out
}
