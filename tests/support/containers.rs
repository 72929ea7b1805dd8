//! Running one command in a throwaway container of a test scope and collecting what it
//! printed, the way a test wants it: exit code, stdout and stderr as text.

use std::time::Duration;

use bollard::container::LogOutput;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{LogsOptionsBuilder, StartContainerOptions, WaitContainerOptions};
use futures_util::StreamExt;

use super::TestScope;

/// How long a test command may run.
const RUN_LIMIT: Duration = Duration::from_secs(5 * 60);

/// What a finished container left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// The command's exit code.
    pub exit_code: i64,
    /// Everything it wrote to stdout.
    pub stdout: String,
    /// Everything it wrote to stderr.
    pub stderr: String,
}

impl Finished {
    /// Panic with everything the command printed unless it exited 0.
    pub fn assert_success(&self, what: &str) -> &Self {
        assert_eq!(
            self.exit_code, 0,
            "{what} exited with {}\n--- stdout\n{}\n--- stderr\n{}",
            self.exit_code, self.stdout, self.stderr
        );
        self
    }
}

/// Run `cmd` in a new container of `image`, without a network, labelled with `scope`
/// (which removes it), and wait for it to finish.
///
/// # Panics
///
/// When the engine fails to create, start, wait for or read the container, or the
/// command runs longer than five minutes.
pub async fn run(scope: &TestScope, image: &str, cmd: &[&str]) -> Finished {
    run_with_binds(scope, image, cmd, Vec::new()).await
}

/// [`run`], with `binds` (`source:target[:ro]`, as `docker run -v` takes them) mounted.
///
/// # Panics
///
/// As [`run`].
pub async fn run_with_binds(
    scope: &TestScope,
    image: &str,
    cmd: &[&str],
    binds: Vec<String>,
) -> Finished {
    let docker = scope.docker();
    let shown = format!("`{}` in '{image}'", cmd.join(" "));
    let id = scope
        .create_container(ContainerCreateBody {
            image: Some(image.to_owned()),
            cmd: Some(cmd.iter().map(|&arg| arg.to_owned()).collect()),
            network_disabled: Some(true),
            host_config: Some(HostConfig {
                network_mode: Some("none".to_owned()),
                binds: (!binds.is_empty()).then_some(binds),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await;
    docker
        .start_container(&id, None::<StartContainerOptions>)
        .await
        .unwrap_or_else(|err| panic!("failed to start {shown}: {err}"));

    let mut wait = docker.wait_container(&id, None::<WaitContainerOptions>);
    let exit_code = match tokio::time::timeout(RUN_LIMIT, wait.next()).await {
        Err(_) => panic!("{shown} did not finish within {} s", RUN_LIMIT.as_secs()),
        Ok(None) => panic!("the engine ended the wait for {shown} without an exit code"),
        Ok(Some(Ok(response))) => response.status_code,
        // bollard reports a non-zero exit as an error; it is an answer here.
        Ok(Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. }))) => code,
        Ok(Some(Err(err))) => panic!("failed to wait for {shown}: {err}"),
    };

    let options = LogsOptionsBuilder::new().stdout(true).stderr(true).build();
    let mut logs = docker.logs(&id, Some(options));
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    while let Some(item) = logs.next().await {
        match item {
            Ok(LogOutput::StdOut { message }) => stdout.extend_from_slice(&message),
            Ok(LogOutput::StdErr { message }) => stderr.extend_from_slice(&message),
            Ok(_) => {}
            Err(err) => panic!("failed to read the output of {shown}: {err}"),
        }
    }
    Finished {
        exit_code,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}
