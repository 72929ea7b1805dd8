//! Hermetic base images for engine tests, made on this machine without pulling anything:
//!
//! - `berth-test/bookworm-python:<HARNESS_VERSION>`: Debian bookworm (minbase) with
//!   python3, venv, pip, git and sudo, bootstrapped with `debootstrap` from this machine's own apt
//!   mirror and imported through the Engine API;
//! - `berth-test/busybox:<HARNESS_VERSION>`: `FROM scratch` plus the host's static busybox,
//!   built through the Engine API.
//!
//! Each is built once and then found by its tag and labels; bump [`HARNESS_VERSION`] to
//! force a rebuild. Test scopes never remove these: they are the cache.

use std::collections::{HashMap, VecDeque};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use berth::engine::{BuildPlan, Cancel, Event, Outcome, Progress};
use bollard::query_parameters::{CreateImageOptionsBuilder, ListImagesOptionsBuilder};
use bollard::Docker;
use futures_util::StreamExt;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::sync::OnceCell;

use super::apt_sources::{self, SUITE};
use super::lock::MachineLock;
use super::{engine, human_duration, human_size, progress};

/// Bump to rebuild every base image (and remove those of older versions).
pub const HARNESS_VERSION: &str = "2";
/// Names which base image an image is.
pub const BASE_LABEL: &str = "dev.berth.test.base";
/// The [`HARNESS_VERSION`] an image was built by.
pub const VERSION_LABEL: &str = "dev.berth.test.harness-version";
/// `PATH` in the base images, as in Debian's official images.
pub const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The packages debootstrap adds to minbase: Python, and what Berth's generated
/// Dockerfiles install (git, sudo, CA certificates), so builds from this image need no
/// package mirror (the recipe tests build with the network off).
const DEBIAN_PACKAGES: &str = "python3,python3-venv,python3-pip,ca-certificates,git,sudo";
/// The host's static busybox (Debian package `busybox-static`).
const BUSYBOX: &str = "/bin/busybox";
/// How long debootstrap may take.
const DEBOOTSTRAP_LIMIT: Duration = Duration::from_secs(30 * 60);
/// Quiet stretches of repetitive output longer than this get a line anyway.
const HEARTBEAT: Duration = Duration::from_secs(20);

/// One of the hermetic base images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// Debian bookworm minbase with python3, venv, pip, git and sudo.
    BookwormPython,
    /// `FROM scratch` + static busybox: a shell and coreutils in 2 MB.
    Busybox,
    /// Bookworm-python with a non-root user `dev` (UID 1000, home `/home/dev`, its
    /// `~/.local` made), as devcontainer images have one.
    BookwormDev,
}

impl Base {
    /// The value of [`BASE_LABEL`], also the image's name under `berth-test/`.
    pub fn name(self) -> &'static str {
        match self {
            Self::BookwormPython => "bookworm-python",
            Self::Busybox => "busybox",
            Self::BookwormDev => "bookworm-dev",
        }
    }

    /// The repository, e.g. `berth-test/busybox`.
    pub fn repository(self) -> String {
        format!("berth-test/{}", self.name())
    }

    /// The full reference, e.g. `berth-test/busybox:1`.
    pub fn reference(self) -> String {
        format!("{}:{HARNESS_VERSION}", self.repository())
    }

    /// The labels the image carries.
    pub fn labels(self) -> HashMap<String, String> {
        HashMap::from([
            (BASE_LABEL.to_owned(), self.name().to_owned()),
            (VERSION_LABEL.to_owned(), HARNESS_VERSION.to_owned()),
        ])
    }

    /// The outcome of making this image in this process, shared by every test.
    fn made(self) -> &'static OnceCell<Result<String, String>> {
        static BOOKWORM_PYTHON: OnceCell<Result<String, String>> = OnceCell::const_new();
        static BUSYBOX: OnceCell<Result<String, String>> = OnceCell::const_new();
        static BOOKWORM_DEV: OnceCell<Result<String, String>> = OnceCell::const_new();
        match self {
            Self::BookwormPython => &BOOKWORM_PYTHON,
            Self::Busybox => &BUSYBOX,
            Self::BookwormDev => &BOOKWORM_DEV,
        }
    }
}

/// `berth-test/bookworm-python:<HARNESS_VERSION>`, built if missing. See [`ensure`].
pub async fn bookworm_python(docker: &Docker) -> String {
    ensure(docker, Base::BookwormPython).await
}

/// `berth-test/busybox:<HARNESS_VERSION>`, built if missing. See [`ensure`].
pub async fn busybox(docker: &Docker) -> String {
    ensure(docker, Base::Busybox).await
}

/// The reference of `base`, after building it if no image with its tag and labels exists.
///
/// Tests in one process share one attempt (a failure too, so that fifty tests do not
/// retry a ten-minute build); processes share a machine-wide lock.
///
/// # Panics
///
/// When the image cannot be built, with the reason.
pub async fn ensure(docker: &Docker, base: Base) -> String {
    match base.made().get_or_init(|| make(docker, base)).await {
        Ok(reference) => reference.clone(),
        Err(err) => panic!(
            "failed to make test base image '{}': {err}",
            base.reference()
        ),
    }
}

/// Find or build `base`.
async fn make(docker: &Docker, base: Base) -> Result<String, String> {
    let reference = base.reference();
    if is_current(docker, base).await? {
        return Ok(reference);
    }
    let _lock = MachineLock::acquire(
        &format!("berth-test-image-{}", base.name()),
        &format!("building {reference}"),
    )
    .await;
    if is_current(docker, base).await? {
        progress(format!("{reference} was built by another process"));
        return Ok(reference);
    }
    progress(format!(
        "building {reference} (harness version {HARNESS_VERSION})"
    ));
    let started = Instant::now();
    match base {
        Base::BookwormPython => build_bookworm_python(docker, base).await?,
        Base::Busybox => build_busybox(base).await?,
        Base::BookwormDev => build_bookworm_dev(docker, base).await?,
    }
    if !is_current(docker, base).await? {
        return Err(format!(
            "the engine accepted the build but '{reference}' lacks the labels {:?}",
            base.labels()
        ));
    }
    let size = docker
        .inspect_image(&reference)
        .await
        .ok()
        .and_then(|image| image.size)
        .map_or_else(|| "size unknown".to_owned(), human_size);
    progress(format!(
        "built {reference} in {} ({size})",
        human_duration(started.elapsed())
    ));
    remove_outdated(docker, base).await;
    Ok(reference)
}

/// True when the engine has `base`'s tag with `base`'s labels.
async fn is_current(docker: &Docker, base: Base) -> Result<bool, String> {
    let reference = base.reference();
    match docker.inspect_image(&reference).await {
        Ok(image) => {
            let labels = image
                .config
                .and_then(|config| config.labels)
                .unwrap_or_default();
            let current = base
                .labels()
                .iter()
                .all(|(key, value)| labels.get(key) == Some(value));
            if !current {
                progress(format!(
                    "{reference} exists but its labels {labels:?} are not {:?}: rebuilding",
                    base.labels()
                ));
            }
            Ok(current)
        }
        Err(err) if engine::is_not_found(&err) => Ok(false),
        Err(err) => Err(format!("failed to inspect image '{reference}': {err}")),
    }
}

/// Remove images of `base` made by other harness versions; a failure only costs disk.
async fn remove_outdated(docker: &Docker, base: Base) {
    let filter = HashMap::from([("label", vec![format!("{BASE_LABEL}={}", base.name())])]);
    let Ok(images) = docker
        .list_images(Some(
            ListImagesOptionsBuilder::new().filters(&filter).build(),
        ))
        .await
    else {
        return;
    };
    for image in images {
        if image.labels.get(VERSION_LABEL).map(String::as_str) == Some(HARNESS_VERSION) {
            continue;
        }
        match berth::engine::image::remove(&engine::berth_engine().await, &image.id, true).await {
            Ok(_) => progress(format!(
                "removed outdated base image {} {:?}",
                image.id, image.repo_tags
            )),
            Err(err) => progress(format!(
                "could not remove outdated base image {}: {err}",
                image.id
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------
// busybox

/// Build `FROM scratch` + the host's static busybox with Berth's own `engine::build`.
async fn build_busybox(base: Base) -> Result<(), String> {
    let binary = std::fs::read(BUSYBOX).map_err(|err| {
        format!("failed to read {BUSYBOX} (install Debian's busybox-static): {err}")
    })?;
    let dockerfile = format!(
        r#"FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN ["/bin/busybox", "mkdir", "-p", "-m", "1777", "/tmp"]
RUN ["/bin/busybox", "mkdir", "-p", "/etc", "/root"]
ENV PATH={PATH}
CMD ["/bin/sh"]
"#
    );
    let folder = BuildFolder::new(&dockerfile, &[("busybox", &binary, 0o755)])?;
    build_image(&folder.plan(&base.reference(), &base.labels()), Echo::Live).await
}

/// Bookworm-python plus the user `dev`, built with `engine::build`.
async fn build_bookworm_dev(docker: &Docker, base: Base) -> Result<(), String> {
    let python = Box::pin(ensure(docker, Base::BookwormPython)).await;
    let dockerfile = format!(
        "FROM {python}\n\
         RUN useradd --create-home --uid 1000 --user-group --shell /bin/bash dev \\\n\
         \x20&& mkdir -p /home/dev/.local && chown dev:dev /home/dev/.local\n"
    );
    let folder = BuildFolder::new(&dockerfile, &[])?;
    build_image(&folder.plan(&base.reference(), &base.labels()), Echo::Live).await
}

/// A temporary build context: a folder holding a `Dockerfile` and some files.
pub struct BuildFolder {
    dir: tempfile::TempDir,
}

impl BuildFolder {
    /// A folder with `dockerfile` and `files` (name, contents, mode).
    ///
    /// # Errors
    ///
    /// The folder or a file cannot be written.
    pub fn new(dockerfile: &str, files: &[(&str, &[u8], u32)]) -> Result<Self, String> {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().map_err(|err| format!("no temp dir: {err}"))?;
        let entries = std::iter::once(("Dockerfile", dockerfile.as_bytes(), 0o644))
            .chain(files.iter().copied());
        for (name, contents, mode) in entries {
            let path = dir.path().join(name);
            std::fs::write(&path, contents)
                .and_then(|()| {
                    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
                })
                .map_err(|err| format!("failed to write {}: {err}", path.display()))?;
        }
        Ok(Self { dir })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A plan building this folder's Dockerfile as `tag` with `labels`.
    pub fn plan(&self, tag: &str, labels: &HashMap<String, String>) -> BuildPlan {
        BuildPlan {
            context: self.path().to_owned(),
            dockerfile: self.path().join("Dockerfile"),
            tag: tag.to_owned(),
            labels: labels.clone().into_iter().collect(),
            ..BuildPlan::default()
        }
    }
}

/// Build `plan` with Berth's `engine::build` (the code under test is the harness's
/// builder too). Each line goes to the CI log ([`Echo::Live`]) or to the test's
/// captured output; a failure comes back with its step and last lines.
///
/// # Errors
///
/// The build failed or was refused.
pub async fn build_image(plan: &BuildPlan, echo: Echo) -> Result<(), String> {
    let engine = engine::berth_engine().await;
    let printer = Printer {
        tag: plan.tag.clone(),
        echo,
    };
    match berth::engine::build(&engine, plan, &printer, &Cancel::new()).await {
        Ok(Outcome::Done(_)) => Ok(()),
        Ok(Outcome::Cancelled) => Err(format!("the build of '{}' was cancelled", plan.tag)),
        Err(err) => Err(berth::error_chain(&err)),
    }
}

/// Where build output goes.
#[derive(Debug, Clone, Copy)]
pub enum Echo {
    /// Straight to stderr, for the CI log: base images, built once.
    Live,
    /// To the test's captured output, shown when the test fails.
    Captured,
}

/// Prints a build's progress for the test log.
struct Printer {
    tag: String,
    echo: Echo,
}

impl Progress for Printer {
    fn event(&self, event: Event) {
        let line = format!("build {}: {}", self.tag, event.message());
        match self.echo {
            Echo::Live => progress(line),
            Echo::Captured => eprintln!("{line}"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// bookworm-python

/// debootstrap a bookworm rootfs from the host's mirror, slim it, and import it.
async fn build_bookworm_python(docker: &Docker, base: Base) -> Result<(), String> {
    require_root()?;
    let debootstrap = find_program("debootstrap")
        .ok_or("debootstrap is not installed: apt-get install debootstrap")?;
    let mirror = apt_sources::host_mirror()?;
    let scratch = ScratchDir::create("berth-test-rootfs")?;
    let rootfs = scratch.path().join("rootfs");

    progress(format!(
        "debootstrap --variant=minbase {SUITE} from {mirror} into {} (takes minutes)",
        rootfs.display()
    ));
    let started = Instant::now();
    run_debootstrap(&debootstrap, &mirror, &rootfs).await?;
    progress(format!(
        "debootstrap finished in {}",
        human_duration(started.elapsed())
    ));

    ensure_unmounted(&rootfs)?;
    slim(&rootfs).map_err(|err| format!("failed to clean apt caches from the rootfs: {err}"))?;

    let started = Instant::now();
    let tar_path = scratch.path().join("rootfs.tar");
    let (rootfs_for_tar, tar_for_tar) = (rootfs.clone(), tar_path.clone());
    let packed =
        tokio::task::spawn_blocking(move || write_rootfs_tar(&rootfs_for_tar, &tar_for_tar))
            .await
            .map_err(|err| format!("packing the rootfs panicked: {err}"))?
            .map_err(|err| {
                format!(
                    "failed to pack the rootfs into {}: {err}",
                    tar_path.display()
                )
            })?;
    progress(format!(
        "packed {} entries ({}) in {}; left out {} device nodes, fifos and sockets",
        packed.entries,
        human_size(i64::try_from(packed.bytes).unwrap_or(i64::MAX)),
        human_duration(started.elapsed()),
        packed.skipped
    ));

    let started = Instant::now();
    import_rootfs(docker, &tar_path, base).await?;
    progress(format!(
        "imported {} in {}",
        base.reference(),
        human_duration(started.elapsed())
    ));
    Ok(())
}

/// debootstrap needs root (mknod, chroot, file ownership).
fn require_root() -> Result<(), String> {
    use std::os::unix::fs::MetadataExt as _;
    // /proc/self belongs to the process's effective user.
    let uid = std::fs::metadata("/proc/self")
        .map(|meta| meta.uid())
        .map_err(|err| format!("failed to find out this process's user: {err}"))?;
    if uid == 0 {
        Ok(())
    } else {
        Err(format!(
            "building the Debian base image with debootstrap needs root, and these tests run \
             as uid {uid}: run them as root (`cargo xtask test` does), or build the image \
             once as root with `sudo -E cargo test -p berth --test api images::`"
        ))
    }
}

/// `name` on `PATH` or in the sbin folders, which a non-login root shell may lack.
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Run debootstrap, showing its progress, and fail with its last lines.
async fn run_debootstrap(debootstrap: &Path, mirror: &str, rootfs: &Path) -> Result<(), String> {
    let path = std::env::var("PATH").unwrap_or_default();
    let mut child = tokio::process::Command::new(debootstrap)
        .arg("--variant=minbase")
        .arg(format!("--include={DEBIAN_PACKAGES}"))
        .arg(SUITE)
        .arg(rootfs)
        .arg(mirror)
        .env("PATH", format!("{path}:{PATH}"))
        .env("LC_ALL", "C")
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|err| format!("failed to start {}: {err}", debootstrap.display()))?;
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err("debootstrap's output pipes are missing".to_owned());
    };
    let mut log = CondensedLog::new("debootstrap");
    let follow = async {
        let mut stdout = BufReader::new(stdout).lines();
        let mut stderr = BufReader::new(stderr).lines();
        let (mut stdout_open, mut stderr_open) = (true, true);
        while stdout_open || stderr_open {
            tokio::select! {
                line = stdout.next_line(), if stdout_open => match line {
                    Ok(Some(line)) => log.line(line),
                    _ => stdout_open = false,
                },
                line = stderr.next_line(), if stderr_open => match line {
                    Ok(Some(line)) => log.line(line),
                    _ => stderr_open = false,
                },
            }
        }
        child.wait().await
    };
    let outcome = tokio::time::timeout(DEBOOTSTRAP_LIMIT, follow).await;
    let status = match outcome {
        Ok(Ok(status)) => status,
        Ok(Err(err)) => return Err(format!("failed to wait for debootstrap: {err}")),
        Err(_) => {
            return Err(format!(
                "debootstrap did not finish within {}; last output:\n  {}",
                human_duration(DEBOOTSTRAP_LIMIT),
                log.tail()
            ))
        }
    };
    log.finish();
    if status.success() {
        return Ok(());
    }
    // debootstrap keeps the details (e.g. a failing maintainer script) in its own log.
    let details = std::fs::read_to_string(rootfs.join("debootstrap/debootstrap.log"))
        .map(|text| {
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(30)..].join("\n  ")
        })
        .unwrap_or_default();
    Err(format!(
        "debootstrap {SUITE} from {mirror} failed ({status}); last output:\n  {}\n  \
         debootstrap.log:\n  {details}",
        log.tail()
    ))
}

/// Shows a long, repetitive tool output in a CI log without drowning it: a line is
/// shown when its first two words ("I: Retrieving") differ from those of the last few
/// lines — so alternating "Retrieving"/"Validating" runs count as one stretch — or after
/// a quiet stretch. The last lines are kept for error messages.
struct CondensedLog {
    tool: &'static str,
    recent_keys: VecDeque<String>,
    shown_at: Instant,
    hidden: usize,
    tail: VecDeque<String>,
}

impl CondensedLog {
    const TAIL: usize = 40;
    const RECENT: usize = 3;

    fn new(tool: &'static str) -> Self {
        Self {
            tool,
            recent_keys: VecDeque::with_capacity(Self::RECENT),
            shown_at: Instant::now(),
            hidden: 0,
            tail: VecDeque::with_capacity(Self::TAIL),
        }
    }

    fn line(&mut self, line: String) {
        let key: String = line
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        if !self.recent_keys.contains(&key) || self.shown_at.elapsed() > HEARTBEAT {
            let similar = match self.hidden {
                0 => String::new(),
                n => format!(" ({n} similar lines skipped before this)"),
            };
            progress(format!("{}: {line}{similar}", self.tool));
            self.shown_at = Instant::now();
            self.hidden = 0;
        } else {
            self.hidden += 1;
        }
        if self.recent_keys.len() == Self::RECENT {
            self.recent_keys.pop_front();
        }
        self.recent_keys.push_back(key);
        if self.tail.len() == Self::TAIL {
            self.tail.pop_front();
        }
        self.tail.push_back(line);
    }

    fn finish(&self) {
        if self.hidden > 0 {
            if let Some(last) = self.tail.back() {
                progress(format!(
                    "{}: {last} ({} similar lines skipped before this)",
                    self.tool, self.hidden
                ));
            }
        }
    }

    fn tail(&self) -> String {
        self.tail.iter().cloned().collect::<Vec<_>>().join("\n  ")
    }
}

/// Leave out what a container does not need: downloaded packages, package lists (an
/// `apt-get update` brings them back), and documentation.
fn slim(rootfs: &Path) -> std::io::Result<()> {
    empty_dir(&rootfs.join("var/cache/apt/archives"), &["partial", "lock"])?;
    empty_dir(&rootfs.join("var/lib/apt/lists"), &["partial", "lock"])?;
    for cache in ["pkgcache.bin", "srcpkgcache.bin"] {
        remove_if_present(&rootfs.join("var/cache/apt").join(cache))?;
    }
    for docs in ["usr/share/doc", "usr/share/man", "usr/share/info"] {
        empty_dir(&rootfs.join(docs), &[])?;
    }
    remove_if_present(&rootfs.join("var/log/bootstrap.log"))
}

/// Remove everything in `dir` except the entries named in `keep`; a missing `dir` is fine.
fn empty_dir(dir: &Path, keep: &[&str]) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(err),
    };
    for entry in entries {
        let entry = entry?;
        if keep.iter().any(|k| entry.file_name() == *k) {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(&path)?;
        } else {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

/// Remove the file at `path`; a missing one is fine.
fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err),
        _ => Ok(()),
    }
}

/// What went into a rootfs tar.
#[derive(Debug, Default)]
struct Packed {
    entries: usize,
    bytes: u64,
    skipped: usize,
}

/// Write `rootfs` into the tar file `out`: names relative to the root, numeric owners,
/// modes and times kept, symlinks as symlinks, and no device nodes, fifos or sockets
/// (the engine gives every container its own `/dev`).
fn write_rootfs_tar(rootfs: &Path, out: &Path) -> std::io::Result<Packed> {
    let file = std::io::BufWriter::new(std::fs::File::create(out)?);
    let mut builder = tar::Builder::new(file);
    builder.follow_symlinks(false);
    builder.mode(tar::HeaderMode::Complete);
    let mut packed = Packed::default();
    add_tree(&mut builder, rootfs, Path::new(""), &mut packed)?;
    builder.into_inner()?.flush()?;
    packed.bytes = std::fs::metadata(out)?.len();
    Ok(packed)
}

fn add_tree<W: std::io::Write>(
    builder: &mut tar::Builder<W>,
    root: &Path,
    relative: &Path,
    packed: &mut Packed,
) -> std::io::Result<()> {
    let mut entries = std::fs::read_dir(root.join(relative))?.collect::<Result<Vec<_>, _>>()?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let name = relative.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() || kind.is_file() || kind.is_symlink() {
            builder.append_path_with_name(entry.path(), &name)?;
            packed.entries += 1;
            if kind.is_dir() {
                add_tree(builder, root, &name, packed)?;
            }
        } else {
            packed.skipped += 1;
        }
    }
    Ok(())
}

/// Import the rootfs tar at `tar` as `base` (the Engine API's `docker import`), with the
/// image config set through Dockerfile-style changes.
async fn import_rootfs(docker: &Docker, tar: &Path, base: Base) -> Result<(), String> {
    let file = tokio::fs::File::open(tar)
        .await
        .map_err(|err| format!("failed to open {}: {err}", tar.display()))?;
    let body = bollard::body_try_stream(futures_util::stream::try_unfold(
        file,
        |mut file| async move {
            let mut chunk = vec![0; 1 << 20];
            let read = file.read(&mut chunk).await?;
            if read == 0 {
                return Ok(None);
            }
            chunk.truncate(read);
            Ok(Some((chunk.into(), file)))
        },
    ));
    let labels = base
        .labels()
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join(" ");
    let changes = vec![
        format!("ENV PATH={PATH}"),
        "ENV LANG=C.UTF-8".to_owned(),
        r#"CMD ["/bin/bash"]"#.to_owned(),
        format!("LABEL {labels}"),
    ];
    let options = CreateImageOptionsBuilder::new()
        .from_src("-")
        .repo(&base.repository())
        .tag(HARNESS_VERSION)
        .message(&format!(
            "Berth test base: debootstrap --variant=minbase --include={DEBIAN_PACKAGES} {SUITE}"
        ))
        .changes(changes)
        .build();
    let mut stream = docker.create_image(Some(options), Some(body), None);
    while let Some(item) = stream.next().await {
        match item {
            Ok(info) => {
                if let Some(status) = info.status.filter(|s| !s.trim().is_empty()) {
                    progress(format!("import {}: {}", base.reference(), status.trim()));
                }
            }
            Err(err) => {
                return Err(format!(
                    "failed to import the rootfs as '{}': {err}",
                    base.reference()
                ))
            }
        }
    }
    Ok(())
}

/// Refuse to go on (and to delete) while something is mounted inside `dir`: removing a
/// bind-mounted `/dev` or `/proc` would remove the host's.
fn ensure_unmounted(dir: &Path) -> Result<(), String> {
    let mounts = mounts_under(dir);
    if mounts.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "debootstrap left mounts inside {}: {}; unmount them (umount -R) before removing it",
            dir.display(),
            mounts.join(", ")
        ))
    }
}

/// Mount points at or below `dir`, from `/proc/self/mountinfo`.
fn mounts_under(dir: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| line.split(' ').nth(4))
        // mountinfo escapes spaces and the like as octal: `\040`.
        .map(|point| point.replace("\\040", " "))
        .filter(|point| Path::new(point).starts_with(dir))
        .collect()
}

/// A scratch folder on disk (not a tmpfs: the rootfs is hundreds of MB, and debootstrap
/// needs a filesystem that allows device nodes), removed when dropped unless something
/// is still mounted inside it.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn create(prefix: &str) -> Result<Self, String> {
        let parent = Path::new("/var/tmp");
        let parent = if parent.is_dir() {
            parent.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let dir = parent.join(format!("{prefix}-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&dir)
            .map_err(|err| format!("failed to create scratch folder {}: {err}", dir.display()))?;
        Ok(Self(dir))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let mounts = mounts_under(&self.0);
        if !mounts.is_empty() {
            progress(format!(
                "NOT removing {}: still mounted inside it: {}",
                self.0.display(),
                mounts.join(", ")
            ));
            return;
        }
        if let Err(err) = std::fs::remove_dir_all(&self.0) {
            progress(format!("could not remove {}: {err}", self.0.display()));
        }
    }
}
