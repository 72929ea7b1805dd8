//! `berth`: the command line over Berth's core. Every verb the window offers is here too,
//! each with `--json` for scripts and for the tests.

mod checkpoint;
mod code;
mod config;
mod doctor;
mod exec;
mod freeze;
mod gpu;
mod login;
mod ls;
mod new;
mod progress;
mod push;
mod recipes;
mod reset;
mod rm;
mod stop;
mod target;
mod up;
mod wsl;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Reproducible GPU development environments.
#[derive(Debug, Parser)]
#[command(name = "berth", version, about, long_about = None)]
struct Cli {
    /// More log output on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check this machine: Docker engine, and what to fix. Exits 1 when a check fails.
    Doctor(doctor::Args),
    /// Write a `.devcontainer/` for a framework, target and Python version into DIR.
    New(new::Args),
    /// List the framework/CUDA/Python combinations Berth offers, and why others are not.
    Recipes(recipes::Args),
    /// Read a devcontainer.json (DIR or FILE) and print the resolved configuration.
    Config(config::Args),
    /// Build the environment's image (the last working one stays if the build fails).
    Build(up::BuildArgs),
    /// Start the environment: build, create and set up only what is needed.
    Up(up::Args),
    /// Run a command in the running environment (after `--`).
    Exec(exec::Args),
    /// Stop the environment's container.
    Stop(stop::Args),
    /// Remove the environment's container; its volumes and image stay.
    Down(stop::Args),
    /// Remove everything Berth made for a project (listed first).
    Rm(rm::Args),
    /// Empty the project's package volume (~/.local) so the next `up` reinstalls.
    Reset(reset::Args),
    /// Pin the requirements to what the running environment has installed.
    Freeze(freeze::Args),
    /// Keep the environment's image as a checkpoint (or list, or delete them).
    Checkpoint(checkpoint::Args),
    /// Recreate the container from a checkpoint.
    Rollback(checkpoint::RollbackArgs),
    /// List Berth's environments with their state and sizes.
    Ls(ls::Args),
    /// What the GPUs are doing: once, live (--watch), recorded or replayed.
    Gpu(gpu::Args),
    /// Open the project in VS Code, in its dev container.
    Code(code::Args),
    /// Keep a registry's token in the OS keyring (read from standard input).
    Login(login::Args),
    /// Forget a registry's token.
    Logout(login::LogoutArgs),
    /// WSL's memory and swap (.wslconfig): show them against what builds need, or set them.
    Wsl(wsl::Args),
    /// Push the environment's image to a registry as REFERENCE (`host:port/name:tag`).
    Push(push::Args),
}

impl Command {
    /// Whether the verb was asked for JSON: its failure is then `{code, message}` on stdout.
    fn json(&self) -> bool {
        match self {
            Self::Doctor(args) => args.json,
            Self::New(args) => args.json(),
            Self::Recipes(args) => args.json,
            Self::Config(args) => args.json,
            Self::Build(args) => args.json,
            Self::Up(args) => args.json,
            Self::Exec(_) => false,
            Self::Stop(args) | Self::Down(args) => args.json,
            Self::Rm(args) => args.json,
            Self::Reset(args) => args.json,
            Self::Freeze(args) => args.json,
            Self::Checkpoint(args) => args.json,
            Self::Rollback(args) => args.json,
            Self::Ls(args) => args.json,
            Self::Gpu(args) => args.json,
            Self::Code(args) => args.json,
            Self::Login(args) => args.json,
            Self::Logout(args) => args.json,
            Self::Wsl(args) => args.json(),
            Self::Push(args) => args.json,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(err) = berth::logging::init_cli(cli.verbose) {
        eprintln!("berth: {err}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("berth: failed to start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let json = cli.command.json();
    let result = runtime.block_on(run(cli.command));
    // Do not wait for a blocked read of stdin (`berth exec`) once the work is done.
    runtime.shutdown_background();
    match result {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) if json => {
            let error = berth::json::Error::from_chain(err.as_ref());
            // One line: the verbs with progress print JSON lines.
            match serde_json::to_string(&error) {
                Ok(text) => println!("{text}"),
                Err(_) => eprintln!("berth: {}", error.message),
            }
            ExitCode::FAILURE
        }
        Err(err) => {
            let mut message = format!("berth: {err}");
            for cause in err.chain().skip(1) {
                message.push_str(&format!("\n  caused by: {cause}"));
            }
            if let Some(field) = recipe_field(&err) {
                message.push_str(&format!("\n  option: {}", new::flag(field)));
            }
            if let Some(fix) = engine_fix(&err) {
                message.push_str(&format!("\n  fix: {}", fix.description));
                if let Some(command) = fix.command {
                    message.push_str(&format!("\n       {command}"));
                }
            }
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Doctor(args) => doctor::run(args).await,
        Command::New(args) => new::run(args).await,
        Command::Recipes(args) => recipes::run(args).await,
        Command::Config(args) => config::run(args).await,
        Command::Build(args) => up::build(args).await,
        Command::Up(args) => up::run(args).await,
        Command::Exec(args) => exec::run(args).await,
        Command::Stop(args) => stop::stop(args).await,
        Command::Down(args) => stop::down(args).await,
        Command::Rm(args) => rm::run(args).await,
        Command::Reset(args) => reset::run(args).await,
        Command::Freeze(args) => freeze::run(args).await,
        Command::Checkpoint(args) => checkpoint::run(args).await,
        Command::Rollback(args) => checkpoint::rollback(args).await,
        Command::Ls(args) => ls::run(args).await,
        Command::Gpu(args) => gpu::run(args).await,
        Command::Code(args) => code::run(args).await,
        Command::Login(args) => login::login(args).await,
        Command::Logout(args) => login::logout(args).await,
        Command::Wsl(args) => wsl::run(args).await,
        Command::Push(args) => push::run(args).await,
    }
}

/// The recipe choice an error is about, to name its option.
fn recipe_field(err: &anyhow::Error) -> Option<berth::recipe::Field> {
    err.chain()
        .find_map(|cause| cause.downcast_ref::<berth::recipe::RecipeError>()?.field())
}

/// How to get the engine back, when the error is that it is not there.
fn engine_fix(err: &anyhow::Error) -> Option<berth::host::doctor::Fix> {
    use berth::engine::EngineError;
    err.chain().find_map(|cause| {
        let engine = cause
            .downcast_ref::<EngineError>()
            .or_else(|| cause.downcast_ref::<Box<EngineError>>().map(AsRef::as_ref))?;
        berth::host::doctor::fix_for(engine)
    })
}

/// A closed stdout (e.g. `berth doctor | head -1`) is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap checks a verb's arguments only when that verb is parsed (and only in debug
    /// builds): a defaulted DIR before a required positional panicked `berth push` and
    /// `berth rollback`. Every verb, so the next one cannot.
    #[test]
    fn every_verb_is_well_formed() {
        super::Cli::command().debug_assert();
        for verb in super::Cli::command().get_subcommands() {
            verb.clone().debug_assert();
        }
    }
}
