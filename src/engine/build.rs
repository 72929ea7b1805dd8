//! Building an image through the Engine API: the context walked with `.dockerignore`,
//! BuildKit where the engine offers it and the classic builder otherwise, every engine
//! message turned into Berth's progress events at once, and a failed build turned into
//! a [`BuildFailure`] a student can read: the step, the command, its last lines, a hint.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bollard::models::{BuildInfo, BuildInfoAux};
use bollard::query_parameters::{BuildImageOptionsBuilder, BuilderVersion};
use futures_util::StreamExt;
use regex::Regex;
use serde::Serialize;
use ts_rs::TS;

use super::context::{Context, ContextError};
use super::hint::{self, Hint};
use super::progress::{Cancel, Event, Outcome, Phase, Progress};
use super::{Engine, EngineError};

/// How many lines of the failing step a [`BuildFailure`] keeps to show.
pub const LAST_LINES: usize = 30;
/// How many lines of one step are kept to look for a known cause.
const KEPT_LINES: usize = 5000;
/// How often the context upload is reported (and a slow step's start noticed).
const TRANSFER_EVERY: Duration = Duration::from_millis(250);

/// Which builder to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Builder {
    /// BuildKit where the engine offers it, the classic builder otherwise.
    #[default]
    Auto,
    /// BuildKit.
    BuildKit,
    /// The classic builder.
    Classic,
}

/// The builder a build ran with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "../ui/src/bindings/")]
pub enum BuilderKind {
    /// BuildKit.
    BuildKit,
    /// The classic builder.
    Classic,
}

/// Everything one build needs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildPlan {
    /// The context folder.
    pub context: PathBuf,
    /// The Dockerfile (inside the context or not).
    pub dockerfile: PathBuf,
    /// The tag the image gets when, and only when, the build succeeds.
    pub tag: String,
    /// Build arguments.
    pub args: BTreeMap<String, String>,
    /// The stage to build, or the last one.
    pub target: Option<String>,
    /// Labels of the image.
    pub labels: BTreeMap<String, String>,
    /// The network of `RUN` steps (`none` for a build without network).
    pub network: Option<String>,
    /// Images to take cache from.
    pub cache_from: Vec<String>,
    /// Build without the cache.
    pub no_cache: bool,
    /// Pull a newer base image even when one is there.
    pub pull: bool,
    /// A memory limit for `RUN` steps in bytes (the classic builder only).
    pub memory: Option<i64>,
    /// Which builder.
    pub builder: Builder,
}

/// A finished build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// The image id (`sha256:…`).
    pub image_id: String,
    /// The tag it got.
    pub tag: String,
    /// Which builder built it.
    pub builder: BuilderKind,
    /// How many steps ran or came from the cache.
    pub steps: u32,
    /// How many of them came from the cache.
    pub cached_steps: u32,
    /// The build context's size in bytes.
    pub context_bytes: u64,
}

/// A build step as a failure names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct FailedStep {
    /// The step's number, from 1 (per stage with BuildKit).
    pub index: u32,
    /// How many steps (per stage with BuildKit).
    pub total: u32,
    /// The instruction, e.g. `RUN pip install -r requirements.txt`.
    pub instruction: String,
}

/// A build that ran and failed, as a person reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct BuildFailure {
    /// The step that failed, when the builder said which.
    pub step: Option<FailedStep>,
    /// The command's exit code, when it ran and exited.
    #[ts(type = "number | null")]
    pub exit_code: Option<i64>,
    /// The builder's own message.
    pub message: String,
    /// The last lines the failing step printed (up to [`LAST_LINES`]).
    pub last_lines: Vec<String>,
    /// A known cause and its fix.
    pub hint: Option<Hint>,
}

impl std::fmt::Display for BuildFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(step) = &self.step {
            write!(
                f,
                "step {}/{} `{}` failed",
                step.index, step.total, step.instruction
            )?;
            if let Some(code) = self.exit_code {
                write!(f, " with exit code {code}")?;
            }
            write!(f, ": ")?;
        }
        write!(f, "{}", self.message)?;
        if !self.last_lines.is_empty() {
            write!(f, "\n  last output:")?;
            for line in &self.last_lines {
                write!(f, "\n    {line}")?;
            }
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {}", hint.message)?;
        }
        Ok(())
    }
}

/// Why a build did not produce an image.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The context could not be packed.
    #[error("failed to build image '{tag}'")]
    Context {
        /// The tag the image would have had.
        tag: String,
        /// The cause.
        #[source]
        source: ContextError,
    },
    /// The build ran and a step failed. Nothing was tagged.
    #[error("failed to build image '{tag}': {failure}")]
    Failed {
        /// The tag the image would have had.
        tag: String,
        /// What failed.
        failure: Box<BuildFailure>,
    },
    /// The engine could not be reached, went away during the build, or refused a request.
    #[error(
        "failed to build image '{tag}': {}; nothing was tagged, {}",
        crate::error_chain(cause),
        again(cause)
    )]
    Engine {
        /// The tag the image would have had.
        tag: String,
        /// The cause (shown in the message).
        cause: EngineError,
    },
    /// The build's output ended in the middle of a message (the engine is up) and the
    /// engine does not confirm that the build tagged its image: the lost part may have
    /// been the failure.
    #[error("failed to build image '{tag}': the engine's build output ended in the middle of a message, and {why}; whether the build succeeded is unknown, run the build again")]
    Unconfirmed {
        /// The tag the image would have had.
        tag: String,
        /// What the engine said when asked about the tag.
        why: String,
    },
}

/// What to do after an engine error: wait for the engine only when it is not there.
fn again(cause: &EngineError) -> &'static str {
    match cause {
        EngineError::NotRunning { .. }
        | EngineError::Stopped { .. }
        | EngineError::Timeout { .. } => "run the build again once the engine is back",
        _ => "run the build again",
    }
}

/// True when a build's output stream ended with bytes that do not make a whole message.
/// bollard reads the answer line by line with tokio-util's `FramedRead`; when the body ends
/// cleanly (the engine finished the HTTP answer) with a partial line left over, the default
/// `Decoder::decode_eof` fails with this I/O error. A dead engine fails differently (hyper's
/// "error reading a body from connection"), so this one says nothing about the engine.
fn ended_mid_message(err: &bollard::errors::Error) -> bool {
    matches!(
        err,
        bollard::errors::Error::IOError { err }
            if err.kind() == std::io::ErrorKind::Other
                && err.to_string() == "bytes remaining on stream"
    )
}

/// What the engine confirms about a build whose output ended in the middle of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Confirmation {
    /// The build reported its image and the tag points to it: the build succeeded.
    Built,
    /// Nothing confirms the build, for this reason.
    Unknown(String),
}

/// Decide a cut-off build from the image id the build reported (BuildKit's
/// `moby.image.id`, the classic builder's aux message) and the image the tag points to now.
/// Without a reported id the build may have failed in the lost part, and an older image
/// may carry the tag, so only a match confirms it.
fn confirm(reported: Option<&str>, tagged: Option<&str>) -> Confirmation {
    let bare = |id: &str| id.trim().trim_start_matches("sha256:").to_owned();
    match (reported, tagged) {
        (Some(reported), Some(tagged)) if bare(reported) == bare(tagged) => Confirmation::Built,
        (Some(reported), Some(tagged)) => Confirmation::Unknown(format!(
            "the tag points to {tagged}, not to the image {reported} the build reported"
        )),
        (Some(reported), None) => Confirmation::Unknown(format!(
            "the build reported the image {reported}, but the tag does not exist"
        )),
        (None, _) => Confirmation::Unknown("the build had not reported its image".to_owned()),
    }
}

impl BuildError {
    /// The failure, when a step failed.
    pub fn failure(&self) -> Option<&BuildFailure> {
        match self {
            Self::Failed { failure, .. } => Some(failure),
            _ => None,
        }
    }
}

/// Build `plan`, reporting progress to `progress`; `cancel` stops the build, and then
/// nothing is tagged. The engine tags the image only when every step succeeded, so an
/// image already carrying `plan.tag` stays as it was when the build fails.
///
/// # Errors
///
/// [`BuildError`]: the context, a failed step, or the engine.
pub async fn build(
    engine: &Engine,
    plan: &BuildPlan,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Outcome<Built>, BuildError> {
    let tag = plan.tag.clone();
    let context_plan = (plan.context.clone(), plan.dockerfile.clone());
    let context =
        tokio::task::spawn_blocking(move || Context::collect(&context_plan.0, &context_plan.1))
            .await
            .map_err(|err| BuildError::Context {
                tag: tag.clone(),
                source: ContextError::Read {
                    path: plan.context.clone(),
                    source: std::io::Error::other(err.to_string()),
                },
            })?
            .map_err(|source| BuildError::Context {
                tag: tag.clone(),
                source,
            })?;
    let kind = match plan.builder {
        Builder::BuildKit => BuilderKind::BuildKit,
        Builder::Classic => BuilderKind::Classic,
        Builder::Auto => engine
            .preferred_builder()
            .await
            .map_err(|cause| BuildError::Engine {
                tag: tag.clone(),
                cause,
            })?,
    };
    progress.event(Event::Phase {
        phase: Phase::Build,
        message: format!(
            "building image '{tag}' from {} with {}",
            plan.dockerfile.display(),
            match kind {
                BuilderKind::BuildKit => "BuildKit",
                BuilderKind::Classic => "the classic builder",
            }
        ),
    });
    if let Some(file) = &context.ignore_file {
        tracing::debug!(file = %file.display(), "build context filtered by an ignore file");
    }
    let context = match kind {
        BuilderKind::BuildKit => context.without_forced_ignore_file(),
        BuilderKind::Classic => context,
    };
    run(engine, plan, context, kind, progress, cancel).await
}

/// One build with the chosen builder.
async fn run(
    engine: &Engine,
    plan: &BuildPlan,
    context: Context,
    kind: BuilderKind,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Outcome<Built>, BuildError> {
    let tag = plan.tag.clone();
    let args: HashMap<String, String> = plan.args.clone().into_iter().collect();
    let labels: HashMap<String, String> = plan.labels.clone().into_iter().collect();
    let mut options = BuildImageOptionsBuilder::new()
        .dockerfile(&context.dockerfile)
        .t(&tag)
        .buildargs(&args)
        .labels(&labels)
        .rm(true)
        .forcerm(true)
        .nocache(plan.no_cache);
    if let Some(target) = &plan.target {
        options = options.target(target);
    }
    if let Some(network) = &plan.network {
        options = options.networkmode(network);
    }
    if !plan.cache_from.is_empty() {
        options = options.cachefrom(&plan.cache_from);
    }
    if plan.pull {
        options = options.pull("true");
    }
    let session = format!(
        "berth-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    );
    options = match kind {
        BuilderKind::BuildKit => options
            .version(BuilderVersion::BuilderBuildKit)
            .session(&session),
        BuilderKind::Classic => {
            let mut options = options.version(BuilderVersion::BuilderV1);
            if let Some(memory) = plan.memory {
                let memory = i32::try_from(memory).unwrap_or(i32::MAX);
                options = options.memory(memory).memswap(memory);
            }
            options
        }
    };
    progress.event(Event::Phase {
        phase: Phase::Context,
        message: format!(
            "sending the build context: {} entries from {}",
            context.entries.len(),
            context.root.display()
        ),
    });
    let (chunks, sent) = context.stream();
    let body = bollard::body_try_stream(tokio_stream::wrappers::ReceiverStream::new(chunks));
    let docker = engine.long_running();
    let mut stream = docker.build_image(options.build(), None, Some(body));
    let mut reader = match kind {
        BuilderKind::Classic => Reader::Classic(ClassicReader::default()),
        BuilderKind::BuildKit => Reader::BuildKit(BuildKitReader::default()),
    };
    let mut ticker = tokio::time::interval(TRANSFER_EVERY);
    let mut reported = 0;
    let mut image_id = None;
    loop {
        let item = tokio::select! {
            () = cancel.cancelled() => {
                drop(stream);
                progress.event(Event::Warning { message: format!("the build of '{tag}' was cancelled; nothing was tagged") });
                return Ok(Outcome::Cancelled);
            }
            _ = ticker.tick() => {
                reader.tick(progress);
                let now = sent.load(Ordering::Relaxed);
                if now != reported {
                    reported = now;
                    progress.event(Event::Transfer { what: "build context".to_owned(), bytes: now });
                }
                continue;
            }
            item = stream.next() => item,
        };
        match item {
            None => break,
            Some(Ok(info)) => {
                if let Some(id) = reader.read(info, progress) {
                    image_id = Some(id);
                }
            }
            Some(Err(bollard::errors::Error::DockerStreamError { error })) => {
                let failure = reader.failure(error);
                return Err(BuildError::Failed {
                    tag,
                    failure: Box::new(failure),
                });
            }
            Some(Err(err)) if ended_mid_message(&err) => {
                let tagged = match docker.inspect_image(&tag).await {
                    Ok(image) => image.id,
                    Err(bollard::errors::Error::DockerResponseServerError {
                        status_code: 404,
                        ..
                    }) => None,
                    Err(err) => {
                        return Err(BuildError::Engine {
                            tag: tag.clone(),
                            cause: EngineError::classify(
                                engine.endpoint(),
                                "inspect the image it built",
                                err,
                            ),
                        })
                    }
                };
                match confirm(image_id.as_deref(), tagged.as_deref()) {
                    Confirmation::Built => {
                        tracing::warn!(%tag, "the build output ended mid-message after the image was reported; the tag points to it");
                        break;
                    }
                    Confirmation::Unknown(why) => return Err(BuildError::Unconfirmed { tag, why }),
                }
            }
            Some(Err(err)) => {
                let source = EngineError::classify(engine.endpoint(), "build an image", err);
                // The engine refusing the request outright is a failure of the build too.
                if let EngineError::Api {
                    source: bollard::errors::Error::DockerResponseServerError { message, .. },
                    ..
                } = &source
                {
                    let failure = reader.failure(message.clone());
                    return Err(BuildError::Failed {
                        tag,
                        failure: Box::new(failure),
                    });
                }
                return Err(BuildError::Engine { tag, cause: source });
            }
        }
    }
    reader.flush(progress);
    let context_bytes = sent.load(Ordering::Relaxed);
    let inspected = docker
        .inspect_image(&tag)
        .await
        .map_err(|err| BuildError::Engine {
            tag: tag.clone(),
            cause: EngineError::classify(engine.endpoint(), "inspect the image it built", err),
        })?;
    let image_id = inspected.id.or(image_id).unwrap_or_default();
    let (steps, cached_steps) = reader.counts();
    Ok(Outcome::Done(Built {
        image_id,
        tag,
        builder: kind,
        steps,
        cached_steps,
        context_bytes,
    }))
}

/// The output of a build, one reader per builder.
enum Reader {
    Classic(ClassicReader),
    BuildKit(BuildKitReader),
}

impl Reader {
    /// Turn one engine message into events; returns the image id when it says it.
    fn read(&mut self, info: BuildInfo, progress: &dyn Progress) -> Option<String> {
        match self {
            Self::Classic(reader) => reader.read(info, progress),
            Self::BuildKit(reader) => reader.read(info, progress),
        }
    }

    fn flush(&mut self, progress: &dyn Progress) {
        match self {
            Self::Classic(reader) => reader.flush(progress),
            Self::BuildKit(reader) => reader.flush(progress),
        }
    }

    fn tick(&mut self, progress: &dyn Progress) {
        if let Self::Classic(reader) = self {
            reader.tick(progress);
        }
    }

    fn failure(&mut self, message: String) -> BuildFailure {
        let (step, lines) = match self {
            Self::Classic(reader) => reader.failing(),
            Self::BuildKit(reader) => reader.failing(),
        };
        let message = message.trim().to_owned();
        let exit_code = Regex::new(r"(?:exit code: |returned a non-zero code: )(\d+)")
            .ok()
            .and_then(|re| re.captures(&message))
            .and_then(|c| c[1].parse().ok());
        let hint = hint::classify(&message, &lines);
        BuildFailure {
            step,
            exit_code,
            message,
            last_lines: lines[lines.len().saturating_sub(LAST_LINES)..].to_vec(),
            hint,
        }
    }

    fn counts(&self) -> (u32, u32) {
        match self {
            Self::Classic(reader) => (reader.steps, reader.cached),
            Self::BuildKit(reader) => (reader.steps, reader.cached),
        }
    }
}

/// Splits chunks of output into whole lines.
#[derive(Debug, Default)]
struct Lines {
    partial: String,
}

impl Lines {
    fn push(&mut self, chunk: &str) -> Vec<String> {
        self.partial.push_str(chunk);
        let mut out = Vec::new();
        while let Some(end) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=end).collect();
            out.push(line.trim_end_matches(['\n', '\r']).to_owned());
        }
        out
    }

    fn rest(&mut self) -> Option<String> {
        let rest = std::mem::take(&mut self.partial);
        (!rest.trim().is_empty()).then(|| rest.trim_end().to_owned())
    }
}

/// Keeps the newest `KEPT_LINES` lines.
fn keep(lines: &mut Vec<String>, line: String) {
    if lines.len() >= KEPT_LINES {
        lines.drain(..KEPT_LINES / 2);
    }
    lines.push(line);
}

/// How long a classic step waits for its "Using cache" line before it is reported as
/// running (a COPY of a large file prints nothing until it is done).
const CACHE_LINE_WAIT: Duration = Duration::from_millis(300);

/// Reads the classic builder's `Step 3/9 : RUN …` text stream.
#[derive(Debug, Default)]
struct ClassicReader {
    lines: Lines,
    /// The step announced last, not yet reported (its cache line may follow), and when.
    pending: Option<FailedStep>,
    pending_since: Option<std::time::Instant>,
    current: Option<FailedStep>,
    output: Vec<String>,
    steps: u32,
    cached: u32,
}

impl ClassicReader {
    fn read(&mut self, info: BuildInfo, progress: &dyn Progress) -> Option<String> {
        let id = match info.aux {
            Some(BuildInfoAux::Default(image)) => image.id,
            _ => None,
        };
        for text in info.stream.iter().chain(info.status.iter()) {
            for line in self.lines.push(text) {
                self.line(line, progress);
            }
        }
        id
    }

    fn line(&mut self, line: String, progress: &dyn Progress) {
        static STEP: std::sync::OnceLock<Option<Regex>> = std::sync::OnceLock::new();
        let step = STEP.get_or_init(|| Regex::new(r"^Step (\d+)/(\d+) : (.*)$").ok());
        if let Some(captures) = step.as_ref().and_then(|re| re.captures(&line)) {
            self.announce(false, progress);
            self.pending = Some(FailedStep {
                index: captures[1].parse().unwrap_or(0),
                total: captures[2].parse().unwrap_or(0),
                instruction: captures[3].to_owned(),
            });
            self.pending_since = Some(std::time::Instant::now());
            self.output.clear();
            return;
        }
        let trimmed = line.trim();
        if trimmed == "---> Using cache" {
            self.announce(true, progress);
            return;
        }
        self.announce(false, progress);
        if let Some(warning) = trimmed.strip_prefix("---> [Warning] ") {
            progress.event(Event::Warning {
                message: warning.to_owned(),
            });
            return;
        }
        let noise = trimmed.starts_with("---> ")
            || trimmed.starts_with("Removing intermediate container ")
            || trimmed.starts_with("Successfully built ")
            || trimmed.starts_with("Successfully tagged ");
        if noise || trimmed.is_empty() {
            return;
        }
        keep(&mut self.output, line.clone());
        progress.event(Event::Output { line });
    }

    fn announce(&mut self, cached: bool, progress: &dyn Progress) {
        self.pending_since = None;
        if let Some(step) = self.pending.take() {
            self.steps += 1;
            self.cached += u32::from(cached);
            progress.event(Event::Step {
                index: step.index,
                total: step.total,
                instruction: step.instruction.clone(),
                cached,
            });
            self.current = Some(step);
        }
    }

    fn flush(&mut self, progress: &dyn Progress) {
        if let Some(line) = self.lines.rest() {
            self.line(line, progress);
        }
        self.announce(false, progress);
    }

    /// Report a step whose cache line did not come in time as running.
    fn tick(&mut self, progress: &dyn Progress) {
        if self
            .pending_since
            .is_some_and(|since| since.elapsed() >= CACHE_LINE_WAIT)
        {
            self.announce(false, progress);
        }
    }

    fn failing(&mut self) -> (Option<FailedStep>, Vec<String>) {
        if let Some(line) = self.lines.rest() {
            keep(&mut self.output, line);
        }
        let step = self.pending.take().or_else(|| self.current.clone());
        (step, std::mem::take(&mut self.output))
    }
}

/// One BuildKit vertex (a step, or the builder's own work such as loading metadata).
#[derive(Debug, Default)]
struct Vertex {
    name: String,
    step: Option<FailedStep>,
    announced: bool,
    error: Option<String>,
    lines: Lines,
    output: Vec<String>,
}

/// Reads BuildKit's status messages: vertices, their logs and errors.
#[derive(Debug, Default)]
struct BuildKitReader {
    vertices: HashMap<String, Vertex>,
    failed: Option<String>,
    steps: u32,
    cached: u32,
}

impl BuildKitReader {
    fn read(&mut self, info: BuildInfo, progress: &dyn Progress) -> Option<String> {
        let status = match info.aux {
            Some(BuildInfoAux::BuildKit(status)) => status,
            Some(BuildInfoAux::Default(image)) => return image.id,
            None => {
                // BuildKit's own notes ("Successfully tagged …") are not step output.
                if let Some(text) = info.stream.filter(|s| {
                    let s = s.trim();
                    !s.is_empty() && !s.starts_with("Successfully ")
                }) {
                    progress.event(Event::Output {
                        line: text.trim_end().to_owned(),
                    });
                }
                return None;
            }
        };
        for vertex in status.vertexes {
            let state = self.vertices.entry(vertex.digest.clone()).or_default();
            if state.name.is_empty() {
                state.name.clone_from(&vertex.name);
                state.step = numbered_step(&vertex.name);
            }
            let begun = vertex.started.is_some() || vertex.cached;
            if begun && !state.announced {
                state.announced = true;
                if let Some(step) = &state.step {
                    self.steps += 1;
                    self.cached += u32::from(vertex.cached);
                    progress.event(Event::Step {
                        index: step.index,
                        total: step.total,
                        instruction: step.instruction.clone(),
                        cached: vertex.cached,
                    });
                }
            }
            if !vertex.error.is_empty() {
                state.error = Some(vertex.error.clone());
                // The first error is the cause; later ones are cancellations it caused.
                if self.failed.is_none() && !vertex.error.contains("context canceled") {
                    self.failed = Some(vertex.digest.clone());
                }
            }
        }
        for log in status.logs {
            let state = self.vertices.entry(log.vertex.clone()).or_default();
            let text = String::from_utf8_lossy(&log.msg).into_owned();
            for line in state.lines.push(&text) {
                keep(&mut state.output, line.clone());
                progress.event(Event::Output { line });
            }
        }
        for warning in status.warnings {
            let message = String::from_utf8_lossy(&warning.short).into_owned();
            progress.event(Event::Warning { message });
        }
        None
    }

    fn flush(&mut self, progress: &dyn Progress) {
        for vertex in self.vertices.values_mut() {
            if let Some(line) = vertex.lines.rest() {
                progress.event(Event::Output { line });
            }
        }
    }

    fn failing(&mut self) -> (Option<FailedStep>, Vec<String>) {
        let Some(vertex) = self
            .failed
            .as_ref()
            .and_then(|digest| self.vertices.get_mut(digest))
        else {
            return (None, Vec::new());
        };
        if let Some(line) = vertex.lines.rest() {
            keep(&mut vertex.output, line);
        }
        let step = vertex.step.clone().or_else(|| {
            // Not a numbered step: the builder's own work, e.g. resolving the base image.
            (!vertex.name.is_empty()).then(|| FailedStep {
                index: 0,
                total: 0,
                instruction: vertex.name.clone(),
            })
        });
        let mut lines = std::mem::take(&mut vertex.output);
        if let Some(error) = &vertex.error {
            if lines.is_empty() {
                lines.push(error.clone());
            }
        }
        (step.filter(|s| s.total > 0), lines)
    }
}

/// `[base 3/9] RUN apt-get …` → step 3 of 9, `RUN apt-get …` (stage named in front).
fn numbered_step(name: &str) -> Option<FailedStep> {
    static STEP: std::sync::OnceLock<Option<Regex>> = std::sync::OnceLock::new();
    let re = STEP
        .get_or_init(|| Regex::new(r"^\[(?:(\S+) )?(\d+)/(\d+)\] (.*)$").ok())
        .as_ref()?;
    let captures = re.captures(name)?;
    let instruction = match captures.get(1) {
        Some(stage) if stage.as_str() != "stage-0" => {
            format!("[{}] {}", stage.as_str(), &captures[4])
        }
        _ => captures[4].to_owned(),
    };
    Some(FailedStep {
        index: captures[2].parse().ok()?,
        total: captures[3].parse().ok()?,
        instruction,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::progress::Recorder;

    fn stream(text: &str) -> BuildInfo {
        BuildInfo {
            stream: Some(text.to_owned()),
            ..Default::default()
        }
    }

    #[test]
    fn classic_steps_are_reported_with_their_cache_state() {
        let recorder = Recorder::new();
        let mut reader = ClassicReader::default();
        for text in [
            "Step 1/3 : FROM busybox\n",
            " ---> 1234abcd\n",
            "Step 2/3 : RUN echo hi\n",
            " ---> Using cache\n",
            " ---> 5678\n",
            "Step 3/3 : RUN echo there && echo partial",
            "\n ---> Running in 9abc\n",
            "there\nparti",
            "al\n",
            "Removing intermediate container 9abc\n",
            "Successfully built 77\n",
        ] {
            reader.read(stream(text), &recorder);
        }
        reader.flush(&recorder);
        let events = recorder.events();
        let steps: Vec<(u32, bool)> = events
            .iter()
            .filter_map(|e| match e {
                Event::Step { index, cached, .. } => Some((*index, *cached)),
                _ => None,
            })
            .collect();
        assert_eq!(steps, [(1, false), (2, true), (3, false)]);
        assert_eq!(recorder.lines(), ["there", "partial"]);
        assert_eq!((reader.steps, reader.cached), (3, 1));
    }

    #[test]
    fn a_classic_failure_names_the_step_its_exit_code_and_last_lines() {
        let recorder = Recorder::new();
        let mut reader = Reader::Classic(ClassicReader::default());
        for text in [
            "Step 4/9 : RUN apt-get install -y libfoo-dev\n",
            " ---> Running in 1\n",
            "Reading package lists...\n",
            "E: Unable to locate package libfoo-dev\n",
        ] {
            reader.read(stream(text), &recorder);
        }
        let failure = reader.failure(
            "The command '/bin/sh -c apt-get install -y libfoo-dev' returned a non-zero code: 100"
                .to_owned(),
        );
        assert_eq!(
            failure.step,
            Some(FailedStep {
                index: 4,
                total: 9,
                instruction: "RUN apt-get install -y libfoo-dev".into()
            })
        );
        assert_eq!(failure.exit_code, Some(100));
        assert_eq!(failure.last_lines.len(), 2);
        assert_eq!(
            failure.hint.as_ref().map(|h| h.cause),
            Some(hint::Cause::AptPackageMissing)
        );
        let text = failure.to_string();
        assert!(
            text.starts_with(
                "step 4/9 `RUN apt-get install -y libfoo-dev` failed with exit code 100"
            ),
            "{text}"
        );
    }

    #[test]
    fn buildkit_step_names_carry_their_stage() {
        assert_eq!(
            numbered_step("[base 3/9] RUN apt-get update"),
            Some(FailedStep {
                index: 3,
                total: 9,
                instruction: "[base] RUN apt-get update".into()
            })
        );
        assert_eq!(
            numbered_step("[2/4] COPY . /src").map(|s| s.instruction),
            Some("COPY . /src".into())
        );
        assert_eq!(numbered_step("[internal] load build definition"), None);
    }

    #[test]
    fn a_build_cut_off_mid_message_is_done_only_when_the_tag_has_the_reported_image() {
        // regression: a build whose stream ended mid-frame was reported as failed
        let id = "sha256:5e1f";
        assert_eq!(confirm(Some(id), Some(id)), Confirmation::Built);
        assert_eq!(confirm(Some("5e1f"), Some(id)), Confirmation::Built);
        // The tag still has the old image, is gone, or nothing was reported: a failure may
        // have been lost with the rest of the message.
        for (reported, tagged) in [
            (Some(id), Some("sha256:01d")),
            (Some(id), None),
            (None, Some(id)),
            (None, None),
        ] {
            assert!(
                matches!(confirm(reported, tagged), Confirmation::Unknown(_)),
                "{reported:?} {tagged:?}"
            );
        }
    }

    #[test]
    fn only_a_partial_last_message_counts_as_cut_off_and_the_message_does_not_blame_the_engine() {
        let partial =
            bollard::errors::Error::from(std::io::Error::other("bytes remaining on stream"));
        assert!(ended_mid_message(&partial));
        let gone = bollard::errors::Error::from(std::io::Error::other(
            "error reading a body from connection",
        ));
        assert!(!ended_mid_message(&gone));

        let unconfirmed = BuildError::Unconfirmed {
            tag: "berth/x:uid".into(),
            why: "the build had not reported its image".into(),
        }
        .to_string();
        assert!(!unconfirmed.contains("engine is back"), "{unconfirmed}");
        let stopped = BuildError::Engine {
            tag: "berth/x:uid".into(),
            cause: EngineError::Stopped {
                endpoint: "unix:///var/run/docker.sock".into(),
            },
        }
        .to_string();
        assert!(stopped.ends_with("once the engine is back"), "{stopped}");
    }

    #[test]
    fn lines_are_joined_across_chunks() {
        let mut lines = Lines::default();
        assert!(lines.push("ab").is_empty());
        assert_eq!(lines.push("c\r\nd\n"), ["abc", "d"]);
        assert_eq!(lines.push("tail"), Vec::<String>::new());
        assert_eq!(lines.rest().as_deref(), Some("tail"));
    }
}
