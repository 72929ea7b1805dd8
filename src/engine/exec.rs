//! Running a command in a running container: captured (for probes), streamed line by
//! line into a progress sink (for lifecycle commands), or attached to the caller's
//! terminal (for `berth exec`).

use std::collections::BTreeMap;

use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, ResizeExecOptions, StartExecOptions, StartExecResults};
use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::progress::{Cancel, Event, Outcome, Progress};
use super::{Engine, EngineError};

/// A command to run in a container.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExecSpec {
    /// The program and its arguments.
    pub cmd: Vec<String>,
    /// Who runs it; the container's user when `None`.
    pub user: Option<String>,
    /// Environment variables on top of the container's.
    pub env: BTreeMap<String, String>,
    /// The working folder.
    pub working_dir: Option<String>,
    /// Give it a pseudo-terminal (output then arrives as one stream).
    pub tty: bool,
}

/// What a command printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    /// The exit code.
    pub exit_code: i64,
    /// Its standard output.
    pub stdout: Vec<u8>,
    /// Its standard error.
    pub stderr: Vec<u8>,
}

impl Captured {
    /// Standard output as text.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Standard error as text.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// A streamed command's end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Streamed {
    /// The exit code.
    pub exit_code: i64,
    /// Every line it printed, oldest first (bounded to the newest few thousand).
    pub lines: Vec<String>,
}

/// How many lines of a streamed command are kept for its caller.
const KEPT_LINES: usize = 4000;

async fn start(
    engine: &Engine,
    container: &str,
    spec: &ExecSpec,
    stdin: bool,
) -> Result<(String, StartExecResults), EngineError> {
    let env: Vec<String> = spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let options = CreateExecOptions {
        attach_stdin: Some(stdin),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        tty: Some(spec.tty),
        env: Some(env),
        cmd: Some(spec.cmd.clone()),
        user: spec.user.clone(),
        working_dir: spec.working_dir.clone(),
        ..Default::default()
    };
    let docker = engine.long_running();
    let created = docker
        .create_exec(container, options)
        .await
        .map_err(|err| {
            EngineError::classify(engine.endpoint(), "run a command in the container", err)
        })?;
    let started = docker
        .start_exec(
            &created.id,
            Some(StartExecOptions {
                detach: false,
                tty: spec.tty,
                output_capacity: None,
            }),
        )
        .await
        .map_err(|err| {
            EngineError::classify(engine.endpoint(), "run a command in the container", err)
        })?;
    Ok((created.id, started))
}

async fn exit_code(engine: &Engine, exec: &str) -> Result<i64, EngineError> {
    let inspected = engine.docker().inspect_exec(exec).await.map_err(|err| {
        EngineError::classify(engine.endpoint(), "read a command's exit code", err)
    })?;
    Ok(inspected.exit_code.unwrap_or(-1))
}

/// Run `spec` in `container` and collect its output.
///
/// # Errors
///
/// The engine refuses (the container is not running) or goes away.
pub async fn capture(
    engine: &Engine,
    container: &str,
    spec: &ExecSpec,
) -> Result<Captured, EngineError> {
    let (id, started) = start(engine, container, spec, false).await?;
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    if let StartExecResults::Attached { mut output, .. } = started {
        while let Some(item) = output.next().await {
            match item.map_err(|err| {
                EngineError::classify(engine.endpoint(), "read a command's output", err)
            })? {
                LogOutput::StdOut { message } | LogOutput::Console { message } => {
                    stdout.extend_from_slice(&message);
                }
                LogOutput::StdErr { message } => stderr.extend_from_slice(&message),
                LogOutput::StdIn { .. } => {}
            }
        }
    }
    Ok(Captured {
        exit_code: exit_code(engine, &id).await?,
        stdout,
        stderr,
    })
}

/// Run `spec` in `container`, sending each line it prints (stdout and stderr) to
/// `progress`. Cancelling stops waiting for it.
///
/// # Errors
///
/// The engine refuses or goes away.
pub async fn stream(
    engine: &Engine,
    container: &str,
    spec: &ExecSpec,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Outcome<Streamed>, EngineError> {
    let (id, started) = start(engine, container, spec, false).await?;
    let mut lines = Vec::new();
    let mut partial: Vec<u8> = Vec::new();
    let emit = |bytes: &[u8], lines: &mut Vec<String>, partial: &mut Vec<u8>| {
        partial.extend_from_slice(bytes);
        while let Some(end) = partial.iter().position(|&b| b == b'\n') {
            let raw: Vec<u8> = partial.drain(..=end).collect();
            let line = String::from_utf8_lossy(&raw)
                .trim_end_matches(['\n', '\r'])
                .to_owned();
            if lines.len() >= KEPT_LINES {
                lines.drain(..KEPT_LINES / 2);
            }
            lines.push(line.clone());
            progress.event(Event::Output { line });
        }
    };
    if let StartExecResults::Attached { mut output, .. } = started {
        loop {
            let item = tokio::select! {
                () = cancel.cancelled() => return Ok(Outcome::Cancelled),
                item = output.next() => item,
            };
            let Some(item) = item else { break };
            match item.map_err(|err| {
                EngineError::classify(engine.endpoint(), "read a command's output", err)
            })? {
                LogOutput::StdOut { message }
                | LogOutput::StdErr { message }
                | LogOutput::Console { message } => emit(&message, &mut lines, &mut partial),
                LogOutput::StdIn { .. } => {}
            }
        }
    }
    if !partial.is_empty() {
        emit(b"\n", &mut lines, &mut partial);
    }
    Ok(Outcome::Done(Streamed {
        exit_code: exit_code(engine, &id).await?,
        lines,
    }))
}

/// The terminal size, columns × rows, to give a TTY command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TerminalSize {
    /// Columns.
    pub width: u16,
    /// Rows.
    pub height: u16,
}

/// Run `spec` attached to the caller's `stdin` and `stdout` (and `stderr` when there is
/// no TTY), as `docker exec -i [-t]` does; returns the exit code.
///
/// # Errors
///
/// The engine refuses or goes away.
pub async fn interactive<I, O, E>(
    engine: &Engine,
    container: &str,
    spec: &ExecSpec,
    size: Option<TerminalSize>,
    mut stdin: I,
    mut stdout: O,
    mut stderr: E,
) -> Result<i64, EngineError>
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite + Unpin,
    E: AsyncWrite + Unpin,
{
    let (id, started) = start(engine, container, spec, true).await?;
    if let (Some(size), true) = (size, spec.tty) {
        // A failed resize only costs layout.
        let _ = engine
            .docker()
            .resize_exec(
                &id,
                ResizeExecOptions {
                    height: size.height,
                    width: size.width,
                },
            )
            .await;
    }
    if let StartExecResults::Attached { mut output, input } = started {
        let forward = tokio::spawn(async move {
            let mut input = input;
            let mut buffer = [0_u8; 4096];
            loop {
                match stdin.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if input.write_all(&buffer[..n]).await.is_err() {
                            break;
                        }
                        let _ = input.flush().await;
                    }
                }
            }
            let _ = input.shutdown().await;
        });
        while let Some(item) = output.next().await {
            let item = item.map_err(|err| {
                EngineError::classify(engine.endpoint(), "read a command's output", err)
            })?;
            let written = match item {
                LogOutput::StdOut { message } | LogOutput::Console { message } => {
                    stdout.write_all(&message).await.and(stdout.flush().await)
                }
                LogOutput::StdErr { message } => {
                    stderr.write_all(&message).await.and(stderr.flush().await)
                }
                LogOutput::StdIn { .. } => Ok(()),
            };
            if written.is_err() {
                break;
            }
        }
        forward.abort();
    }
    exit_code(engine, &id).await
}
