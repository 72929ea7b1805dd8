//! `cargo xtask`: the project's chores. `run` opens the desktop app, `test` runs every
//! test; each first installs what this machine is missing and says what it installs.

mod display;
mod engine;
mod package;
mod startup;
mod system;
mod tasks;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task> [-- <cargo test args>]

tasks:
  run     install what the desktop app needs, build the UI, open the Berth window
  test    install what the tests need, start dockerd and Xvfb when missing, then run
          formatting and lint checks, unit tests, engine tests, window end-to-end
          tests and the Windows cross-check
  bench   time `berth up` against `devcontainer up` and raw docker on the same engine
          and project (cold, warm running, warm stopped, requirements changed, fresh
          container on a filled package volume) and print the ratios
  package [--check]
          build the .deb (release build + the Tauri bundler); with --check, install it
          with dpkg, start the installed app under Xvfb until its window paints, remove it
  setup   only install what `run` and `test` need
  startup [--release] [RUNS]
          launch Berth and a minimal Tauri app (xtask/peer/minimal-tauri, same tauri)
          RUNS times each (default 5), alternating, on one Xvfb screen: time from launch
          until the screen stops changing, the memory of each app and its WebKit
          processes, Berth's ratios to the minimal app, and where Berth's time went
";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let task = args.next();
    let rest: Vec<String> = args.skip_while(|a| a == "--").collect();
    let result = match task.as_deref() {
        Some("run") => tasks::run(),
        Some("test") => tasks::test(&rest),
        Some("setup") => tasks::setup(),
        Some("bench") => tasks::bench(),
        Some("startup") => tasks::startup(&rest),
        Some("package") => tasks::package(&rest),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => {
            eprint!("xtask: unknown task '{other}'\n\n{USAGE}");
            return ExitCode::from(2);
        }
        None => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("\nxtask: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
