//! A test project: a folder under the test's scope with a devcontainer.json (and more),
//! and the core's environment operations on it, each failing the test with the whole
//! error chain.

use std::path::{Path, PathBuf};
use std::process::Output;

use berth::devcontainer::LoadOptions;
use berth::engine::exec::{self, Captured};
use berth::engine::progress::Recorder;
use berth::engine::{Cancel, Engine, Outcome};
use berth::environment::{self, EnvironmentError, UpOptions, Upped};

use crate::support::TestScope;

/// A project folder of a test.
pub struct Project {
    /// The project folder.
    pub dir: PathBuf,
    engine: Engine,
}

/// How the tests read a project: the folder itself mounted (not a Git root above it).
pub fn load() -> LoadOptions {
    LoadOptions {
        mount_git_root: false,
        ..LoadOptions::default()
    }
}

impl Project {
    /// A project `name` of `scope` whose `.devcontainer/devcontainer.json` is `config`.
    pub async fn new(scope: &TestScope, name: &str, config: &str) -> Self {
        let dir = scope.project_dir(name);
        let project = Self {
            dir,
            engine: scope.engine().await,
        };
        project.write(".devcontainer/devcontainer.json", config);
        project
    }

    /// A project already written in `dir`.
    pub async fn open(scope: &TestScope, dir: PathBuf) -> Self {
        Self {
            dir,
            engine: scope.engine().await,
        }
    }

    /// Write `contents` at `relative` in the project.
    pub fn write(&self, relative: &str, contents: &str) {
        let path = self.dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|err| panic!("{err}"));
        }
        std::fs::write(&path, contents)
            .unwrap_or_else(|err| panic!("failed to write {}: {err}", path.display()));
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// `up` with `options`, its events recorded.
    pub async fn try_up(
        &self,
        options: &UpOptions,
    ) -> (Result<Outcome<Upped>, EnvironmentError>, Recorder) {
        let recorder = Recorder::new();
        let outcome = environment::up(
            &self.engine,
            &self.dir,
            &load(),
            options,
            &recorder,
            &Cancel::new(),
        )
        .await;
        (outcome, recorder)
    }

    /// `up`, which must succeed.
    pub async fn up(&self) -> Upped {
        match self.try_up(&UpOptions::default()).await {
            (Ok(Outcome::Done(upped)), _) => upped,
            (Ok(Outcome::Cancelled), _) => panic!("up was cancelled"),
            (Err(err), recorder) => panic!(
                "up of {} failed: {}\n--- events\n{:#?}",
                self.dir.display(),
                berth::error_chain(&err),
                recorder.events()
            ),
        }
    }

    /// Run `script` with `/bin/sh -c` as `berth exec` runs commands.
    pub async fn sh(&self, script: &str) -> Captured {
        let session = environment::exec::session(&self.engine, &self.dir, &load())
            .await
            .unwrap_or_else(|err| panic!("no exec session: {}", berth::error_chain(&err)));
        let spec = session.spec(vec!["/bin/sh".into(), "-c".into(), script.into()], false);
        exec::capture(&self.engine, &session.container, &spec)
            .await
            .unwrap_or_else(|err| panic!("exec failed: {err}"))
    }

    /// The trimmed stdout of `script`, which must succeed.
    pub async fn out(&self, script: &str) -> String {
        let captured = self.sh(script).await;
        assert_eq!(
            captured.exit_code,
            0,
            "`{script}` failed: {}{}",
            captured.stdout_text(),
            captured.stderr_text()
        );
        captured.stdout_text().trim().to_owned()
    }

    /// The environment of this project.
    pub fn environment(&self) -> environment::Environment {
        let resolved = berth::devcontainer::load(&self.dir, &load())
            .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)));
        environment::Environment::of(&resolved)
    }

    /// Run the `berth` binary with `args` and the project folder after them.
    pub fn berth(&self, args: &[&str]) -> Output {
        berth_in(&self.dir, args)
    }
}

/// Run the `berth` binary: `args`, then `dir` (with `--no-git-root`).
pub fn berth_in(dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(args)
        .arg(dir)
        .arg("--no-git-root")
        .output()
        .unwrap_or_else(|err| panic!("failed to run berth: {err}"))
}

/// stdout and stderr of an output, for messages.
pub fn shown(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
