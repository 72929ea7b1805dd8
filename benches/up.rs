//! `cargo xtask bench`: `berth up` side by side with `devcontainer up` (the reference
//! CLI) and with raw `docker build` + `docker run`/`docker start`, on the same engine and
//! the same project (a Berth recipe on the hermetic Debian base), in one run. It prints
//! times and ratios; it asserts nothing about time (this is not a test), only that each
//! tool did its job, and that a fresh container on a filled package volume downloads
//! nothing.
//!
//! Cases: (a) cold (built without cache), (b) warm with the container running, (c) warm
//! with it stopped, (d) after a requirements change, (e) a fresh container on the filled
//! package volume.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use support::images::{self, Base};
use support::{wheelhouse, TestScope};

/// How many times the quick cases run (the median is shown).
const RUNS: usize = 5;
/// The reference CLI.
const CLI: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/tools/node_modules/@devcontainers/cli/devcontainer.js"
);
/// The berth binary: `BERTH_BIN` (xtask passes the release build), else the debug one.
fn berth_bin() -> PathBuf {
    std::env::var_os("BERTH_BIN").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/debug/berth"),
        PathBuf::from,
    )
}

fn run(command: &mut Command, what: &str) -> (Duration, Output) {
    let started = Instant::now();
    let output = command
        .output()
        .unwrap_or_else(|err| panic!("failed to run {what}: {err}"));
    let took = started.elapsed();
    assert!(
        output.status.success(),
        "{what} failed ({:?})\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (took, output)
}

fn berth(args: &[&str], dir: &Path) -> (Duration, Output) {
    run(
        Command::new(berth_bin())
            .args(args)
            .arg(dir)
            .args(["--no-git-root", "--json"]),
        &format!("berth {}", args.join(" ")),
    )
}

fn devcontainer(args: &[&str], dir: &Path) -> (Duration, Output) {
    let (verb, rest) = args.split_first().unwrap_or_else(|| panic!("no verb"));
    run(
        Command::new("node")
            .arg(CLI)
            .arg(verb)
            .arg("--workspace-folder")
            .arg(dir)
            .args(rest),
        &format!("devcontainer {}", args.join(" ")),
    )
}

fn docker(args: &[&str]) -> (Duration, Output) {
    run(
        Command::new("docker").args(args),
        &format!("docker {}", args.join(" ")),
    )
}

/// The plain-docker copy of what `up` does: names and commands.
struct Raw {
    /// `--label` values: the scope's, so its cleanup removes the container.
    labels: Vec<String>,
    dir: PathBuf,
    image: String,
    container: String,
    volume: String,
    base: String,
}

impl Raw {
    /// `docker build` then `docker run` then the post-create step, as `up` does them.
    fn cold(&self) -> Duration {
        let dockerfile = self.dir.join(".devcontainer/Dockerfile");
        let (build, _) = docker(&[
            "build",
            "--no-cache",
            "-q",
            "-f",
            &dockerfile.display().to_string(),
            "--target",
            "cpu",
            "--build-arg",
            &format!("BASE_IMAGE={}", self.base),
            "-t",
            &self.image,
            &self.dir.display().to_string(),
        ]);
        build + self.run()
    }

    /// `docker run` (workspace, package volume, shm) and the post-create step.
    fn run(&self) -> Duration {
        let mut args = vec!["run", "-d", "--name", &self.container];
        for label in &self.labels {
            args.extend(["--label", label.as_str()]);
        }
        let (run, _) = docker(
            &[
                &args[..],
                &[
                    "--shm-size=8g",
                    "-v",
                    &format!("{}:/workspaces/project", self.dir.display()),
                    "-v",
                    &format!("{}:/home/vscode/.local", self.volume),
                    &self.image,
                    "sleep",
                    "infinity",
                ],
            ]
            .concat(),
        );
        let (post, _) = docker(&[
            "exec",
            "-w",
            "/workspaces/project",
            &self.container,
            "bash",
            ".devcontainer/post-create.sh",
        ]);
        run + post
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn ratio(a: Duration, b: Duration) -> String {
    format!("{:.2}×", a.as_secs_f64() / b.as_secs_f64().max(1e-9))
}

/// pip's fetches in output: a wheel processed, downloaded or installed.
fn downloads(output: &Output) -> usize {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    text.lines()
        .filter(|l| {
            l.contains("Processing ")
                || l.contains("Downloading ")
                || l.contains("Successfully installed")
        })
        .count()
}

/// Stand-in wheels (the right names and versions, tiny) into `dir/wheels`.
fn wheels(dir: &Path, pins: &[&str]) {
    let wheels: Vec<wheelhouse::Wheel> = pins
        .iter()
        .flat_map(|pin| wheelhouse::stand_ins(pin))
        .collect();
    wheelhouse::write(&dir.join("wheels"), &wheels).unwrap_or_else(|err| panic!("{err}"));
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        // `cargo test --benches` lists benchmarks; there is nothing to list as a test.
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|err| panic!("{err}"));
    runtime.block_on(bench());
}

async fn bench() {
    let scope = TestScope::new(support::test_name!()).await;
    let base = images::ensure(scope.docker(), Base::BookwormPython).await;
    let ours = scope.project_dir("berth/project");
    let theirs = scope.project_dir("reference/project");
    let raw_dir = scope.project_dir("docker/project");
    for dir in [&ours, &theirs, &raw_dir] {
        support::recipe_project::write(dir, &base);
    }
    let raw = Raw {
        labels: scope
            .labels()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect(),
        dir: raw_dir,
        image: format!("{}:raw", scope.unique_name("bench")),
        container: scope.unique_name("raw"),
        volume: scope.create_volume("raw-local").await,
        base: base.clone(),
    };
    scope.track_image(raw.image.clone());
    let mut rows: Vec<(String, String, String, String, String)> = Vec::new();

    // (a) cold: everything built without the cache, from the base image.
    let (a_berth, _) = berth(&["up", "--no-cache"], &ours);
    let (a_reference, _) = devcontainer(&["up", "--build-no-cache"], &theirs);
    let a_docker = raw.cold();
    rows.push((
        "(a) cold (build without cache, create, post-create)".into(),
        secs(a_berth),
        secs(a_reference),
        secs(a_docker),
        format!(
            "berth/docker {}  berth/devcontainer {}",
            ratio(a_berth, a_docker),
            ratio(a_berth, a_reference)
        ),
    ));

    // (b) warm, running.
    let b_berth = median((0..RUNS).map(|_| berth(&["up"], &ours).0).collect());
    let b_reference = median(
        (0..RUNS)
            .map(|_| devcontainer(&["up"], &theirs).0)
            .collect(),
    );
    rows.push((
        "(b) warm, container running".into(),
        secs(b_berth),
        secs(b_reference),
        "-".into(),
        format!(
            "berth/devcontainer {} (target ≤ 0.10×)",
            ratio(b_berth, b_reference)
        ),
    ));

    // (c) warm, stopped.
    let reference_container = |dir: &Path| {
        let (_, output) = docker(&[
            "ps",
            "-aq",
            "--filter",
            &format!("label=devcontainer.local_folder={}", dir.display()),
        ]);
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    };
    let (mut c_berth, mut c_reference, mut c_docker) = (Vec::new(), Vec::new(), Vec::new());
    let their_id = reference_container(&theirs);
    let our_id = reference_container(&ours);
    for _ in 0..RUNS {
        docker(&["stop", "-t", "10", &our_id, &their_id, &raw.container]);
        c_berth.push(berth(&["up"], &ours).0);
        c_reference.push(devcontainer(&["up"], &theirs).0);
        c_docker.push(docker(&["start", &raw.container]).0);
    }
    let (c_berth, c_reference, c_docker) = (median(c_berth), median(c_reference), median(c_docker));
    rows.push((
        "(c) warm, container stopped".into(),
        secs(c_berth),
        secs(c_reference),
        secs(c_docker),
        format!(
            "berth/docker start {} (target ≤ 1.15×)  berth/devcontainer {}",
            ratio(c_berth, c_docker),
            ratio(c_berth, c_reference)
        ),
    ));

    // (d) a requirements change.
    for dir in [&ours, &theirs, &raw.dir] {
        let requirements = dir.join(".devcontainer/requirements.txt");
        let text = std::fs::read_to_string(&requirements).unwrap_or_else(|err| panic!("{err}"));
        std::fs::write(&requirements, format!("{text}berth-extra==2.0.0\n"))
            .unwrap_or_else(|err| panic!("{err}"));
        wheels(dir, &["berth-extra==2.0.0"]);
    }
    let (d_berth, d_output) = berth(&["up"], &ours);
    let installed = String::from_utf8_lossy(&d_output.stdout)
        .contains("Successfully installed berth-extra-2.0.0");
    let (d_reference, _) = devcontainer(&["up"], &theirs);
    let (rm, _) = docker(&["rm", "-f", &raw.container]);
    let d_docker = rm + raw.run();
    let reference_sees = Command::new("node")
        .arg(CLI)
        .args(["exec", "--workspace-folder"])
        .arg(&theirs)
        .args(["python", "-c", "import berth_extra"])
        .output()
        .is_ok_and(|o| o.status.success());
    rows.push((
        "(d) after a requirements change".into(),
        secs(d_berth),
        secs(d_reference),
        secs(d_docker),
        format!(
            "berth/docker {}; berth installed the new package: {installed}; devcontainer up reused the stale container (new package importable: {reference_sees})",
            ratio(d_berth, d_docker)
        ),
    ));

    // (e) a fresh container on the filled package volume.
    berth(&["down"], &ours);
    let (e_berth, e_output) = berth(&["up"], &ours);
    let (e_reference, e_reference_output) =
        devcontainer(&["up", "--remove-existing-container"], &theirs);
    let (rm, _) = docker(&["rm", "-f", &raw.container]);
    let e_docker = rm + raw.run();
    rows.push((
        "(e) fresh container, filled package volume".into(),
        secs(e_berth),
        secs(e_reference),
        secs(e_docker),
        format!(
            "pip downloads: berth {} (target 0), devcontainer {}",
            downloads(&e_output),
            downloads(&e_reference_output)
        ),
    ));

    println!("\nberth up vs devcontainer up vs raw docker, same engine, same project, one run");
    println!("(berth: {})\n", berth_bin().display());
    println!(
        "{:<52} {:>10} {:>14} {:>10}  ratios",
        "case", "berth", "devcontainer", "docker"
    );
    for (case, b, r, d, note) in &rows {
        println!("{case:<52} {b:>10} {r:>14} {d:>10}  {note}");
    }
    // The reference CLI's package volume and images carry no label of the scope's.
    let (_, mounts) = docker(&[
        "inspect",
        "--format",
        "{{range .Mounts}}{{.Name}} {{end}}",
        &reference_container(&theirs),
    ]);
    for name in String::from_utf8_lossy(&mounts.stdout).split_whitespace() {
        if name.len() != 64 {
            scope.track_volume(name.to_owned());
        }
    }
    let (_, named) = docker(&[
        "inspect",
        "--format",
        "{{.Config.Image}}",
        &reference_container(&theirs),
    ]);
    let name = String::from_utf8_lossy(&named.stdout).trim().to_owned();
    if let Some(base) = name.strip_suffix("-uid") {
        scope.track_image(base.to_owned());
    }
    scope.track_image(name);
}
