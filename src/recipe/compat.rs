//! The compatibility table: which CUDA images, Python versions and framework releases go
//! together, loaded from the versioned data file `compat.toml` (embedded in the binary) and
//! checked row by row before anything is offered from it.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use super::grammar::{ImageRef, IndexUrl, PipRequirement};
use super::versions::{CudaVersion, DriverVersion, PythonVersion};

/// The table shipped with Berth.
const BUILTIN: &str = include_str!("compat.toml");
/// The `schema_version` this code reads.
pub const SCHEMA_VERSION: u32 = 1;

/// A compatibility table that cannot be read or contradicts itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompatError {
    /// Not TOML, or not the table's shape.
    #[error(
        "the compatibility table '{origin}' is not valid TOML of the expected shape: {message}"
    )]
    Syntax {
        /// Where the table came from.
        origin: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// Written for another version of Berth.
    #[error("the compatibility table '{origin}' has schema_version {found}; this Berth reads schema_version {SCHEMA_VERSION}: update Berth or the table")]
    Schema {
        /// Where the table came from.
        origin: String,
        /// The version the file declares.
        found: u32,
    },
    /// A row breaks a rule.
    #[error("the compatibility table '{origin}' is inconsistent: {row}: {problem}")]
    Row {
        /// Where the table came from.
        origin: String,
        /// Which row, e.g. "framework pytorch 2.5.1".
        row: String,
        /// What is wrong with it.
        problem: String,
    },
}

/// A framework Berth knows how to install.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Framework {
    /// PyTorch.
    PyTorch,
    /// JAX.
    Jax,
    /// TensorFlow.
    TensorFlow,
    /// No framework: Python (and CUDA) only.
    None,
}

impl Framework {
    /// Every framework, in the wizard's order.
    pub const ALL: [Framework; 4] = [Self::PyTorch, Self::Jax, Self::TensorFlow, Self::None];

    /// The framework a recipe gets when none is chosen (the wizard, `berth new`, a
    /// request with no framework): the one place this default is written.
    pub const DEFAULT: Framework = Self::PyTorch;

    /// The id used in the table, on the command line and in JSON: `pytorch`.
    pub fn id(self) -> &'static str {
        match self {
            Self::PyTorch => "pytorch",
            Self::Jax => "jax",
            Self::TensorFlow => "tensorflow",
            Self::None => "none",
        }
    }

    /// The name people use: `PyTorch`.
    pub fn label(self) -> &'static str {
        match self {
            Self::PyTorch => "PyTorch",
            Self::Jax => "JAX",
            Self::TensorFlow => "TensorFlow",
            Self::None => "no framework",
        }
    }
}

impl FromStr for Framework {
    type Err = String;

    /// Case-insensitive; `torch` and `tf` too.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pytorch" | "torch" => Ok(Self::PyTorch),
            "jax" => Ok(Self::Jax),
            "tensorflow" | "tf" => Ok(Self::TensorFlow),
            "none" => Ok(Self::None),
            _ => Err(format!(
                "unknown framework '{s}': expected pytorch, jax, tensorflow or none"
            )),
        }
    }
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The kinds of `nvidia/cuda` image NVIDIA publishes for a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ImageKind {
    /// The CUDA runtime only.
    Base,
    /// Plus the CUDA math libraries.
    Runtime,
    /// Plus headers and nvcc.
    Devel,
    /// Runtime plus cuDNN.
    CudnnRuntime,
    /// Devel plus cuDNN.
    CudnnDevel,
}

impl ImageKind {
    /// Every kind, smallest first.
    pub const ALL: [ImageKind; 5] = [
        Self::Base,
        Self::Runtime,
        Self::Devel,
        Self::CudnnRuntime,
        Self::CudnnDevel,
    ];

    /// The key in the table: `cudnn-runtime`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Base => "base",
            Self::Runtime => "runtime",
            Self::Devel => "devel",
            Self::CudnnRuntime => "cudnn-runtime",
            Self::CudnnDevel => "cudnn-devel",
        }
    }

    /// The position of `self` in [`ImageKind::ALL`].
    fn index(self) -> usize {
        match self {
            Self::Base => 0,
            Self::Runtime => 1,
            Self::Devel => 2,
            Self::CudnnRuntime => 3,
            Self::CudnnDevel => 4,
        }
    }

    fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.key() == key)
    }
}

/// One CUDA release Berth can build on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CudaRow {
    /// `12.4`: what a driver must support (nvidia-smi's "CUDA Version").
    pub version: CudaVersion,
    /// The oldest Linux driver that runs this CUDA version (its GA release).
    pub min_driver: DriverVersion,
    /// Where `min_driver` comes from.
    pub driver_source: String,
    /// The release the images carry, e.g. `12.4.1`.
    pub release: String,
    /// The Ubuntu release of the images, e.g. `22.04`.
    pub ubuntu: String,
    /// The `nvidia/cuda` image of each kind, in [`ImageKind::ALL`] order.
    pub images: [ImageRef; 5],
    /// Where the image tags come from.
    pub images_source: String,
}

impl CudaRow {
    /// The image of `kind`.
    pub fn image(&self, kind: ImageKind) -> &ImageRef {
        &self.images[kind.index()]
    }
}

/// One Python version a recipe may pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonRow {
    /// `3.11`.
    pub version: PythonVersion,
    /// The image the CPU form starts from, e.g. `python:3.11-slim-bookworm`.
    pub cpu_image: ImageRef,
    /// Where the image comes from.
    pub source: String,
}

/// How one build of a framework is installed with pip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Install {
    /// What to install, pinned: `torch==2.5.1+cu124`, `jax[cuda12]==0.7.2`.
    pub requirements: Vec<PipRequirement>,
    /// The wheel index the build lives on, besides PyPI (PyTorch's per-CUDA index).
    pub extra_index_url: Option<IndexUrl>,
}

/// One GPU build of a framework release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuBuild {
    /// The CUDA version it is built for (a row of the CUDA table).
    pub cuda: CudaVersion,
    /// How to install it.
    pub install: Install,
}

/// One release of a framework and what it runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameworkRow {
    /// Which framework.
    pub framework: Framework,
    /// The release, e.g. `2.5.1`.
    pub version: String,
    /// The Python versions it ships wheels for, oldest first.
    pub python: Vec<PythonVersion>,
    /// The `nvidia/cuda` image kind its GPU form starts from.
    pub gpu_image: ImageKind,
    /// How its CPU build is installed.
    pub cpu: Install,
    /// Its GPU builds, oldest CUDA first.
    pub gpu: Vec<GpuBuild>,
    /// Where the Python and CUDA support come from.
    pub source: String,
    /// Where the install commands come from.
    pub install_source: String,
}

impl FrameworkRow {
    /// `PyTorch 2.5.1`.
    pub fn label(&self) -> String {
        format!("{} {}", self.framework.label(), self.version)
    }

    /// The GPU build for `cuda`, if there is one.
    pub fn gpu_build(&self, cuda: CudaVersion) -> Option<&GpuBuild> {
        self.gpu.iter().find(|build| build.cuda == cuda)
    }

    /// True when it ships wheels for `python`.
    pub fn supports_python(&self, python: PythonVersion) -> bool {
        self.python.contains(&python)
    }

    fn parsed_version(&self) -> Option<pep508_rs::pep440_rs::Version> {
        self.version.parse().ok()
    }
}

/// The whole table, checked: every row consistent, every referenced CUDA and Python
/// version present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompatTable {
    /// CUDA releases, oldest first.
    pub cuda: Vec<CudaRow>,
    /// Python versions, oldest first.
    pub python: Vec<PythonRow>,
    /// Framework releases, grouped by framework, oldest release first.
    pub frameworks: Vec<FrameworkRow>,
    /// The image kind the GPU form of "no framework" starts from.
    pub none_gpu_image: ImageKind,
}

impl CompatTable {
    /// The table shipped with Berth, parsed and checked once per process.
    ///
    /// # Errors
    ///
    /// When the embedded table is broken (a unit test guarantees it is not).
    pub fn builtin() -> Result<&'static CompatTable, CompatError> {
        static TABLE: OnceLock<Result<CompatTable, CompatError>> = OnceLock::new();
        TABLE
            .get_or_init(|| Self::parse(BUILTIN, "compat.toml (built in)"))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Parse and check a table; `origin` names it in errors.
    ///
    /// # Errors
    ///
    /// When it is not TOML of the expected shape, declares another schema version, or a row
    /// breaks a rule (see [`CompatError`]).
    pub fn parse(text: &str, origin: &str) -> Result<CompatTable, CompatError> {
        let raw: raw::Table = toml::from_str(text).map_err(|e| CompatError::Syntax {
            origin: origin.to_owned(),
            message: e.to_string().trim().to_owned(),
        })?;
        if raw.schema_version != SCHEMA_VERSION {
            return Err(CompatError::Schema {
                origin: origin.to_owned(),
                found: raw.schema_version,
            });
        }
        Checker { origin }.table(raw)
    }

    /// The CUDA row of `version`.
    pub fn cuda(&self, version: CudaVersion) -> Option<&CudaRow> {
        self.cuda.iter().find(|row| row.version == version)
    }

    /// The Python row of `version`.
    pub fn python(&self, version: PythonVersion) -> Option<&PythonRow> {
        self.python.iter().find(|row| row.version == version)
    }

    /// The releases of `framework`, oldest first (none for [`Framework::None`]).
    pub fn releases(&self, framework: Framework) -> impl Iterator<Item = &FrameworkRow> {
        self.frameworks
            .iter()
            .filter(move |row| row.framework == framework)
    }

    /// The release `version` of `framework`.
    pub fn release(&self, framework: Framework, version: &str) -> Option<&FrameworkRow> {
        self.releases(framework)
            .find(|row| row.version == version.trim())
    }

    /// The newest release of `framework`: the default.
    pub fn newest(&self, framework: Framework) -> Option<&FrameworkRow> {
        self.releases(framework).last()
    }
}

/// The file's shape, as serde reads it; checked into the public types by [`Checker`].
mod raw {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Table {
        pub schema_version: u32,
        pub cuda: Vec<Cuda>,
        pub python: Vec<Python>,
        pub none: None,
        pub framework: Vec<Framework>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Cuda {
        pub version: String,
        pub min_driver: String,
        pub driver_source: String,
        pub release: String,
        pub ubuntu: String,
        pub images_source: String,
        pub images: BTreeMap<String, String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Python {
        pub version: String,
        pub cpu_image: String,
        pub source: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct None {
        pub gpu_image: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Framework {
        pub id: String,
        pub version: String,
        pub python: Vec<String>,
        pub gpu_image: String,
        pub source: String,
        pub install_source: String,
        pub cpu: Install,
        #[serde(default)]
        pub gpu: Vec<Gpu>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Install {
        pub requirements: Vec<String>,
        pub extra_index_url: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Gpu {
        pub cuda: String,
        pub requirements: Vec<String>,
        pub extra_index_url: Option<String>,
    }
}

/// Turns the raw file into checked rows, naming the row in every error.
struct Checker<'a> {
    origin: &'a str,
}

impl Checker<'_> {
    fn error(&self, row: &str, problem: impl Into<String>) -> CompatError {
        CompatError::Row {
            origin: self.origin.to_owned(),
            row: row.to_owned(),
            problem: problem.into(),
        }
    }

    fn source(&self, row: &str, field: &str, url: &str) -> Result<String, CompatError> {
        match url::Url::parse(url) {
            Ok(parsed) if parsed.scheme() == "https" && parsed.host_str().is_some() => {
                Ok(url.to_owned())
            }
            _ => Err(self.error(
                row,
                format!("{field} '{url}' must be the https:// URL of the public page the row comes from"),
            )),
        }
    }

    fn table(&self, raw: raw::Table) -> Result<CompatTable, CompatError> {
        let cuda = raw
            .cuda
            .into_iter()
            .map(|row| self.cuda(row))
            .collect::<Result<Vec<_>, _>>()?;
        self.ascending("cuda", cuda.iter().map(|row| row.version))?;
        let python = raw
            .python
            .into_iter()
            .map(|row| self.python(row))
            .collect::<Result<Vec<_>, _>>()?;
        self.ascending("python", python.iter().map(|row| row.version))?;
        let none_gpu_image = ImageKind::from_key(&raw.none.gpu_image).ok_or_else(|| {
            self.error(
                "none",
                format!("unknown gpu_image '{}'", raw.none.gpu_image),
            )
        })?;
        let mut frameworks = Vec::new();
        for row in raw.framework {
            frameworks.push(self.framework(row, &cuda, &python)?);
        }
        for framework in Framework::ALL {
            let versions: Vec<_> = frameworks
                .iter()
                .filter(|row| row.framework == framework)
                .collect();
            for pair in versions.windows(2) {
                if pair[0].parsed_version() >= pair[1].parsed_version() {
                    return Err(self.error(
                        &format!("framework {} {}", framework.id(), pair[1].version),
                        format!(
                            "releases of a framework must be listed oldest first, without repeats (after {})",
                            pair[0].version
                        ),
                    ));
                }
            }
        }
        // Group by framework, keeping each framework's order.
        frameworks.sort_by_key(|row| row.framework);
        Ok(CompatTable {
            cuda,
            python,
            frameworks,
            none_gpu_image,
        })
    }

    fn ascending<T: PartialOrd + fmt::Display>(
        &self,
        what: &str,
        versions: impl Iterator<Item = T>,
    ) -> Result<(), CompatError> {
        let versions: Vec<T> = versions.collect();
        if versions.is_empty() {
            return Err(self.error(what, "the table has no rows"));
        }
        for pair in versions.windows(2) {
            if pair[0] >= pair[1] {
                return Err(self.error(
                    &format!("{what} {}", pair[1]),
                    format!(
                        "rows must be listed oldest first, without repeats (after {})",
                        pair[0]
                    ),
                ));
            }
        }
        Ok(())
    }

    fn cuda(&self, raw: raw::Cuda) -> Result<CudaRow, CompatError> {
        let row = format!("cuda {}", raw.version);
        let version: CudaVersion = raw
            .version
            .parse()
            .map_err(|e: super::versions::VersionError| self.error(&row, e.to_string()))?;
        let min_driver: DriverVersion = raw
            .min_driver
            .parse()
            .map_err(|e: super::versions::VersionError| self.error(&row, e.to_string()))?;
        if !raw.release.starts_with(&format!("{version}.")) {
            return Err(self.error(
                &row,
                format!(
                    "release '{}' is not a release of CUDA {version}",
                    raw.release
                ),
            ));
        }
        let driver_source = self.source(&row, "driver_source", &raw.driver_source)?;
        let images_source = self.source(&row, "images_source", &raw.images_source)?;
        let mut images = Vec::new();
        for kind in ImageKind::ALL {
            let text = raw
                .images
                .get(kind.key())
                .ok_or_else(|| self.error(&row, format!("images has no '{}' image", kind.key())))?;
            let image: ImageRef = text
                .parse()
                .map_err(|e: super::grammar::GrammarError| self.error(&row, e.to_string()))?;
            let expected_prefix = format!("nvidia/cuda:{}-", raw.release);
            let expected_suffix = format!("-ubuntu{}", raw.ubuntu);
            let kind_part = kind.key().replace("cudnn-", "");
            if !text.starts_with(&expected_prefix)
                || !text.ends_with(&expected_suffix)
                || !text.contains(&format!("-{kind_part}-"))
                || (kind.key().starts_with("cudnn") != text.contains("-cudnn"))
            {
                return Err(self.error(
                    &row,
                    format!(
                        "image '{text}' for '{}' is not nvidia/cuda:{}-[cudnn…-]{kind_part}-ubuntu{}",
                        kind.key(),
                        raw.release,
                        raw.ubuntu
                    ),
                ));
            }
            images.push(image);
        }
        let images: [ImageRef; 5] = images
            .try_into()
            .map_err(|_| self.error(&row, "expected one image of each kind"))?;
        if let Some(extra) = raw
            .images
            .keys()
            .find(|key| ImageKind::from_key(key).is_none())
        {
            return Err(self.error(&row, format!("unknown image kind '{extra}'")));
        }
        Ok(CudaRow {
            version,
            min_driver,
            driver_source,
            release: raw.release,
            ubuntu: raw.ubuntu,
            images,
            images_source,
        })
    }

    fn python(&self, raw: raw::Python) -> Result<PythonRow, CompatError> {
        let row = format!("python {}", raw.version);
        let version: PythonVersion = raw
            .version
            .parse()
            .map_err(|e: super::versions::VersionError| self.error(&row, e.to_string()))?;
        let cpu_image: ImageRef = raw
            .cpu_image
            .parse()
            .map_err(|e: super::grammar::GrammarError| self.error(&row, e.to_string()))?;
        if !raw.cpu_image.contains(&format!(":{version}-")) {
            return Err(self.error(
                &row,
                format!(
                    "cpu_image '{}' is not tagged for Python {version}",
                    raw.cpu_image
                ),
            ));
        }
        let source = self.source(&row, "source", &raw.source)?;
        Ok(PythonRow {
            version,
            cpu_image,
            source,
        })
    }

    fn framework(
        &self,
        raw: raw::Framework,
        cuda: &[CudaRow],
        python: &[PythonRow],
    ) -> Result<FrameworkRow, CompatError> {
        let row = format!("framework {} {}", raw.id, raw.version);
        let framework: Framework = raw.id.parse().map_err(|e: String| self.error(&row, e))?;
        if framework == Framework::None {
            return Err(self.error(&row, "'none' has no releases; configure it under [none]"));
        }
        if raw
            .version
            .parse::<pep508_rs::pep440_rs::Version>()
            .is_err()
        {
            return Err(self.error(&row, "version is not a PEP 440 version"));
        }
        let mut versions = Vec::new();
        for text in &raw.python {
            let version: PythonVersion = text
                .parse()
                .map_err(|e: super::versions::VersionError| self.error(&row, e.to_string()))?;
            if !python.iter().any(|p| p.version == version) {
                return Err(self.error(
                    &row,
                    format!("Python {version} is not a row of the python table"),
                ));
            }
            versions.push(version);
        }
        if versions.is_empty() {
            return Err(self.error(&row, "python lists no versions"));
        }
        if versions.windows(2).any(|pair| pair[0] >= pair[1]) {
            return Err(self.error(&row, "python versions must be listed oldest first"));
        }
        let gpu_image = ImageKind::from_key(&raw.gpu_image)
            .ok_or_else(|| self.error(&row, format!("unknown gpu_image '{}'", raw.gpu_image)))?;
        let source = self.source(&row, "source", &raw.source)?;
        let install_source = self.source(&row, "install_source", &raw.install_source)?;
        let package = match framework {
            Framework::PyTorch => "torch",
            Framework::Jax => "jax",
            Framework::TensorFlow => "tensorflow",
            Framework::None => "",
        };
        let cpu = self.install(&row, "cpu", package, &raw.version, None, raw.cpu)?;
        let mut gpu = Vec::new();
        let mut seen = BTreeSet::new();
        for build in raw.gpu {
            let version: CudaVersion = build
                .cuda
                .parse()
                .map_err(|e: super::versions::VersionError| self.error(&row, e.to_string()))?;
            if !cuda.iter().any(|c| c.version == version) {
                return Err(self.error(
                    &row,
                    format!("its GPU build for CUDA {version} names a CUDA version that is not a row of the cuda table"),
                ));
            }
            if !seen.insert(version) {
                return Err(self.error(&row, format!("two GPU builds for CUDA {version}")));
            }
            let install = self.install(
                &row,
                &format!("gpu {version}"),
                package,
                &raw.version,
                Some(version),
                raw::Install {
                    requirements: build.requirements,
                    extra_index_url: build.extra_index_url,
                },
            )?;
            gpu.push(GpuBuild {
                cuda: version,
                install,
            });
        }
        if gpu.windows(2).any(|pair| pair[0].cuda >= pair[1].cuda) {
            return Err(self.error(&row, "GPU builds must be listed oldest CUDA first"));
        }
        Ok(FrameworkRow {
            framework,
            version: raw.version,
            python: versions,
            gpu_image,
            cpu,
            gpu,
            source,
            install_source,
        })
    }

    /// Check one build's pip install: the framework's package pinned to the row's version;
    /// a `+cuXYZ`/`+cpu` local version, a `cudaNN` extra and a `/whl/cuXYZ` index each match
    /// the build they belong to.
    fn install(
        &self,
        row: &str,
        build: &str,
        package: &str,
        version: &str,
        cuda: Option<CudaVersion>,
        raw: raw::Install,
    ) -> Result<Install, CompatError> {
        let fail = |problem: String| self.error(row, format!("{build} build: {problem}"));
        let requirements = raw
            .requirements
            .iter()
            .map(|text| text.parse::<PipRequirement>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| fail(e.to_string()))?;
        let main = requirements
            .iter()
            .find(|r| r.name() == package)
            .ok_or_else(|| fail(format!("requirements do not install '{package}'")))?;
        let pinned = main
            .as_str()
            .split_once("==")
            .map(|(_, pin)| pin.to_owned())
            .unwrap_or_default();
        let (public, local) = match pinned.split_once('+') {
            Some((public, local)) => (public.to_owned(), Some(local.to_owned())),
            None => (pinned.clone(), None),
        };
        if public != version {
            return Err(fail(format!(
                "'{}' does not pin {package}=={version}",
                main.as_str()
            )));
        }
        let tag = cuda.map_or_else(|| "cpu".to_owned(), |c| format!("cu{}", c.nodot()));
        if let Some(local) = &local {
            if *local != tag {
                return Err(fail(format!(
                    "'{}' is the '+{local}' build, not '+{tag}'",
                    main.as_str()
                )));
            }
        }
        for requirement in &requirements {
            if let Some(extra) = requirement
                .as_str()
                .split_once('[')
                .and_then(|(_, rest)| rest.split_once(']'))
                .map(|(extras, _)| extras)
            {
                for extra in extra.split(',').map(str::trim) {
                    if let Some(major) = extra.strip_prefix("cuda") {
                        let matches = cuda.is_some_and(|c| c.major().to_string() == major);
                        if !matches {
                            return Err(fail(format!(
                                "extra '[{extra}]' does not match CUDA {}",
                                cuda.map_or_else(
                                    || "(none: CPU build)".to_owned(),
                                    |c| c.to_string()
                                )
                            )));
                        }
                    }
                }
            }
        }
        let extra_index_url = match raw.extra_index_url {
            None => None,
            Some(text) => {
                let url: IndexUrl = text
                    .parse()
                    .map_err(|e: super::grammar::GrammarError| fail(e.to_string()))?;
                if !text.starts_with("https://") {
                    return Err(fail(format!("extra_index_url '{text}' is not https")));
                }
                let last = text
                    .trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or_default();
                let names_a_build = last == "cpu" || last.starts_with("cu");
                if names_a_build && last != tag {
                    return Err(fail(format!(
                        "extra_index_url '{text}' is the '{last}' index, not '{tag}'"
                    )));
                }
                Some(url)
            }
        };
        Ok(Install {
            requirements,
            extra_index_url,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> &'static CompatTable {
        CompatTable::builtin().unwrap_or_else(|err| panic!("{err}"))
    }

    #[test]
    fn the_builtin_table_loads_and_every_row_is_consistent() {
        let table = table();
        assert!(table.cuda.len() >= 6);
        assert!(table.python.len() >= 5);
        for framework in [Framework::PyTorch, Framework::Jax, Framework::TensorFlow] {
            assert!(table.releases(framework).count() >= 4, "{framework}");
        }
    }

    #[test]
    fn every_cuda_a_framework_names_is_a_row_of_the_cuda_table() {
        let table = table();
        for row in &table.frameworks {
            for build in &row.gpu {
                assert!(
                    table.cuda(build.cuda).is_some(),
                    "{} names CUDA {}",
                    row.label(),
                    build.cuda
                );
            }
            for python in &row.python {
                assert!(table.python(*python).is_some(), "{}", row.label());
            }
        }
    }

    #[test]
    fn the_driver_minimums_are_nvidias() {
        let table = table();
        let min = |v: &str| {
            table
                .cuda(v.parse().unwrap())
                .unwrap()
                .min_driver
                .to_string()
        };
        assert_eq!(min("11.8"), "520.61.05");
        assert_eq!(min("12.1"), "530.30.02");
        assert_eq!(min("12.4"), "550.54.14");
        assert_eq!(min("12.6"), "560.28.03");
        assert_eq!(min("12.8"), "570.26");
        assert_eq!(min("13.0"), "580.65.06");
    }

    #[test]
    fn every_row_names_an_https_source() {
        let table = table();
        for row in &table.cuda {
            assert!(row.driver_source.starts_with("https://"));
            assert!(row.images_source.starts_with("https://"));
        }
        for row in &table.frameworks {
            assert!(row.source.starts_with("https://"), "{}", row.label());
            assert!(
                row.install_source.starts_with("https://"),
                "{}",
                row.label()
            );
        }
    }

    #[test]
    fn pytorch_builds_use_the_matching_wheel_index() {
        let row = table().release(Framework::PyTorch, "2.5.1").unwrap();
        let build = row.gpu_build("12.4".parse().unwrap()).unwrap();
        assert_eq!(build.install.requirements[0].as_str(), "torch==2.5.1+cu124");
        assert_eq!(
            build.install.extra_index_url.as_ref().unwrap().as_str(),
            "https://download.pytorch.org/whl/cu124"
        );
    }

    fn broken(replace: &str, with: &str) -> CompatError {
        assert!(BUILTIN.contains(replace), "{replace}");
        CompatTable::parse(&BUILTIN.replacen(replace, with, 1), "test.toml").unwrap_err()
    }

    #[test]
    fn a_framework_naming_an_unknown_cuda_is_refused() {
        let err = broken(
            r#"{ cuda = "12.1", requirements = ["torch==2.4.1+cu121"], extra_index_url = "https://download.pytorch.org/whl/cu121" },"#,
            r#"{ cuda = "12.2", requirements = ["torch==2.4.1+cu122"], extra_index_url = "https://download.pytorch.org/whl/cu122" },"#,
        );
        let message = err.to_string();
        assert!(message.contains("framework pytorch 2.4.1"), "{message}");
        assert!(message.contains("CUDA 12.2"), "{message}");
    }

    #[test]
    fn a_build_with_the_wrong_wheel_index_is_refused() {
        let err = broken(
            r#"{ cuda = "12.4", requirements = ["torch==2.4.1+cu124"], extra_index_url = "https://download.pytorch.org/whl/cu124" },"#,
            r#"{ cuda = "12.4", requirements = ["torch==2.4.1+cu124"], extra_index_url = "https://download.pytorch.org/whl/cu121" },"#,
        );
        assert!(
            err.to_string().contains("'cu121' index, not 'cu124'"),
            "{err}"
        );
    }

    #[test]
    fn a_pin_of_another_version_is_refused() {
        let err = broken(
            r#"cpu = { requirements = ["jax==0.5.3"] }"#,
            r#"cpu = { requirements = ["jax==0.5.2"] }"#,
        );
        assert!(err.to_string().contains("does not pin jax==0.5.3"), "{err}");
    }

    #[test]
    fn a_cuda_extra_of_another_major_is_refused() {
        let err = broken(
            r#"{ cuda = "13.0", requirements = ["jax[cuda13]==0.7.2"] },"#,
            r#"{ cuda = "13.0", requirements = ["jax[cuda12]==0.7.2"] },"#,
        );
        assert!(
            err.to_string()
                .contains("'[cuda12]' does not match CUDA 13.0"),
            "{err}"
        );
    }

    #[test]
    fn a_row_without_a_source_is_refused() {
        let err = broken(
            r#"source = "https://pypi.org/project/jaxlib/0.6.2/#files""#,
            r#"source = "somewhere""#,
        );
        assert!(
            err.to_string().contains("https:// URL of the public page"),
            "{err}"
        );
    }

    #[test]
    fn an_image_of_another_release_is_refused() {
        let err = broken(
            r#"base = "nvidia/cuda:12.6.3-base-ubuntu22.04""#,
            r#"base = "nvidia/cuda:12.6.2-base-ubuntu22.04""#,
        );
        assert!(err.to_string().contains("cuda 12.6"), "{err}");
    }

    #[test]
    fn another_schema_version_is_refused() {
        let err = broken("schema_version = 1", "schema_version = 2");
        assert_eq!(
            err,
            CompatError::Schema {
                origin: "test.toml".into(),
                found: 2
            }
        );
    }

    #[test]
    fn image_kinds_index_in_the_order_of_all() {
        for (i, kind) in ImageKind::ALL.into_iter().enumerate() {
            assert_eq!(kind.index(), i, "{kind:?}");
            assert_eq!(ImageKind::from_key(kind.key()), Some(kind));
        }
    }

    #[test]
    fn frameworks_parse_by_id_and_common_names() {
        assert_eq!("PyTorch".parse::<Framework>(), Ok(Framework::PyTorch));
        assert_eq!("tf".parse::<Framework>(), Ok(Framework::TensorFlow));
        assert!("caffe"
            .parse::<Framework>()
            .unwrap_err()
            .contains("'caffe'"));
    }
}
