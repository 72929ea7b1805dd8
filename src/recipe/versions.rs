//! The version numbers recipes compare: CUDA and Python as `major.minor`, and NVIDIA driver
//! versions (`535.104.05`), each parsed once and ordered numerically, never as text.

use std::fmt;
use std::str::FromStr;

/// A version number that is not `major.minor` or not a driver version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// Not two dot-separated numbers.
    #[error("'{value}' is not a {what} version: expected two numbers such as '{example}'")]
    NotMajorMinor {
        /// What the version is of, e.g. "CUDA".
        what: &'static str,
        /// The text given.
        value: String,
        /// A valid value, for the message.
        example: &'static str,
    },
    /// Not dot-separated numbers.
    #[error("'{value}' is not an NVIDIA driver version: expected numbers separated by dots, such as '535.104.05'")]
    NotDriver {
        /// The text given.
        value: String,
    },
}

/// `major.minor`, ordered numerically (`12.10` > `12.9`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct MajorMinor {
    major: u16,
    minor: u16,
}

impl MajorMinor {
    fn parse(value: &str, what: &'static str, example: &'static str) -> Result<Self, VersionError> {
        let error = || VersionError::NotMajorMinor {
            what,
            value: value.to_owned(),
            example,
        };
        let (major, minor) = value.split_once('.').ok_or_else(error)?;
        let number = |part: &str| {
            if part.is_empty() || part.len() > 4 || !part.bytes().all(|b| b.is_ascii_digit()) {
                Err(error())
            } else {
                part.parse::<u16>().map_err(|_| error())
            }
        };
        Ok(Self {
            major: number(major)?,
            minor: number(minor)?,
        })
    }
}

impl fmt::Display for MajorMinor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A CUDA version as NVIDIA names it in `nvidia-smi` and in image tags: `12.4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CudaVersion(MajorMinor);

impl CudaVersion {
    /// The CUDA version `major.minor`.
    pub const fn new(major: u16, minor: u16) -> Self {
        Self(MajorMinor { major, minor })
    }

    /// From NVML's `nvmlSystemGetCudaDriverVersion`: 1000 × major + 10 × minor
    /// (`13000` is 13.0); `None` for a negative or absurd value.
    pub fn from_nvml(value: i32) -> Option<Self> {
        let value = u32::try_from(value).ok()?;
        let major = u16::try_from(value / 1000).ok()?;
        let minor = u16::try_from((value % 1000) / 10).ok()?;
        Some(Self::new(major, minor))
    }

    /// The major version: `12` of `12.4`.
    pub fn major(self) -> u16 {
        self.0.major
    }

    /// The minor version: `4` of `12.4`.
    pub fn minor(self) -> u16 {
        self.0.minor
    }

    /// `124` for 12.4, as PyTorch's wheel tags (`cu124`) write it.
    pub fn nodot(self) -> String {
        format!("{}{}", self.0.major, self.0.minor)
    }
}

impl FromStr for CudaVersion {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MajorMinor::parse(s.trim(), "CUDA", "12.4").map(Self)
    }
}

impl fmt::Display for CudaVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A Python version as recipes pick it: `3.11`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PythonVersion(MajorMinor);

impl PythonVersion {
    /// The Python version `major.minor`.
    pub const fn new(major: u16, minor: u16) -> Self {
        Self(MajorMinor { major, minor })
    }
}

impl FromStr for PythonVersion {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MajorMinor::parse(s.trim(), "Python", "3.11").map(Self)
    }
}

impl fmt::Display for PythonVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An NVIDIA driver version such as `535.104.05`, ordered part by part as numbers, so
/// `570.26` < `570.124.06`. Keeps the text as written for messages.
#[derive(Debug, Clone)]
pub struct DriverVersion {
    parts: Vec<u32>,
    text: String,
}

impl DriverVersion {
    /// The first part, the driver branch: `535` of `535.104.05`.
    pub fn branch(&self) -> u32 {
        self.parts.first().copied().unwrap_or_default()
    }
}

impl PartialEq for DriverVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}

impl Eq for DriverVersion {}

impl PartialOrd for DriverVersion {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DriverVersion {
    /// Numerically part by part; a missing part counts as 0 (`570.26` == `570.26.0`).
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let len = self.parts.len().max(other.parts.len());
        (0..len)
            .map(|i| {
                let a = self.parts.get(i).copied().unwrap_or_default();
                let b = other.parts.get(i).copied().unwrap_or_default();
                a.cmp(&b)
            })
            .find(|ordering| ordering.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    }
}

impl FromStr for DriverVersion {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        let error = || VersionError::NotDriver {
            value: s.to_owned(),
        };
        let parts = text
            .split('.')
            .map(|part| {
                if part.is_empty() || part.len() > 6 || !part.bytes().all(|b| b.is_ascii_digit()) {
                    Err(error())
                } else {
                    part.parse::<u32>().map_err(|_| error())
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        if parts.len() > 4 {
            return Err(error());
        }
        Ok(Self {
            parts,
            text: text.to_owned(),
        })
    }
}

impl fmt::Display for DriverVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuda_versions_order_as_numbers() {
        let v = |s: &str| s.parse::<CudaVersion>().unwrap();
        assert!(v("12.10") > v("12.9"));
        assert!(v("13.0") > v("12.8"));
        assert_eq!(v(" 12.4 ").to_string(), "12.4");
        assert_eq!(v("12.4").nodot(), "124");
    }

    #[test]
    fn nvml_cuda_driver_version_is_1000_major_plus_10_minor() {
        assert_eq!(CudaVersion::from_nvml(13000), Some(CudaVersion::new(13, 0)));
        assert_eq!(CudaVersion::from_nvml(12020), Some(CudaVersion::new(12, 2)));
        assert_eq!(CudaVersion::from_nvml(-1), None);
    }

    #[test]
    fn malformed_major_minor_versions_name_the_value() {
        for bad in [
            "", "12", "12.", ".4", "12.4.1", "a.b", "12,4", "+1.2", "99999.1",
        ] {
            let err = bad.parse::<CudaVersion>().unwrap_err();
            assert!(err.to_string().contains(&format!("'{bad}'")), "{err}");
        }
        let err = "3".parse::<PythonVersion>().unwrap_err();
        assert!(err.to_string().contains("such as '3.11'"), "{err}");
    }

    #[test]
    fn driver_versions_order_part_by_part() {
        let d = |s: &str| s.parse::<DriverVersion>().unwrap();
        assert!(d("570.26") < d("570.124.06"));
        assert!(d("535.104.05") < d("550.54.14"));
        assert!(d("580.159.04") > d("580.65.06"));
        assert_eq!(d("570.26"), d("570.26.0"));
        assert_eq!(d("535.104.05").branch(), 535);
        assert_eq!(d("535.104.05").to_string(), "535.104.05");
        for bad in ["", "535.", "abc", "535.104.05.1.2", "5e3"] {
            assert!(bad.parse::<DriverVersion>().is_err(), "{bad}");
        }
    }
}
