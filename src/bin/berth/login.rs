//! `berth login` and `berth logout`: keep or forget a registry's credential in the OS
//! keyring (the only place Berth keeps secrets), for Features behind a password, base
//! images from a private registry and `berth push`.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use berth::feature::registry::Credential;

use crate::progress;

/// `berth login`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "The token (or password) is read from standard input, never from the command line:\n  \
    echo \"$TOKEN\" | berth login ghcr.io --username me\n\
    On a terminal Berth asks for it without echoing it. It is kept in the OS keyring only: the \
    Secret Service of a Linux desktop session, else the kernel session keyring (BERTH_KEYRING=kernel|secret-service picks one)."
)]
pub struct Args {
    /// The registry host (and port), e.g. `ghcr.io` or `localhost:5000`.
    pub registry: String,
    /// The user name the token belongs to.
    #[arg(long, short)]
    pub username: String,
    /// Read the token from standard input even when it is a terminal (no prompt).
    #[arg(long)]
    pub password_stdin: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `berth logout`.
#[derive(Debug, clap::Args)]
pub struct LogoutArgs {
    /// The registry host (and port).
    pub registry: String,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Keep the credential for the registry.
pub async fn login(args: Args) -> anyhow::Result<ExitCode> {
    let keyring = berth::secrets::keyring()?;
    let stdin = std::io::stdin();
    let asking = !args.password_stdin && stdin.is_terminal();
    if asking {
        eprint!(
            "token (or password) for {}@{}: ",
            args.username, args.registry
        );
        std::io::stderr().flush()?;
    }
    let secret = {
        let _quiet = asking.then(NoEcho::new);
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if asking {
        eprintln!();
    }
    if secret.is_empty() {
        anyhow::bail!(
            "no token was given for {}: pipe it on standard input (`echo \"$TOKEN\" | berth login {} --username {}`) or type it when asked",
            args.registry,
            args.registry,
            args.username
        );
    }
    let credential = Credential {
        username: args.username.clone(),
        secret,
    };
    keyring.store(&args.registry, &credential)?;
    let backend = keyring.choice().backend;
    if args.json {
        progress::print_json(&berth::json::LoginResult::stored(
            &args.registry,
            &args.username,
            backend,
        ))?;
    } else {
        println!(
            "kept the token of {} for {} in {} ({})",
            args.username,
            args.registry,
            backend.describe(),
            backend.lasts()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Forget the credential for the registry.
pub async fn logout(args: LogoutArgs) -> anyhow::Result<ExitCode> {
    let keyring = berth::secrets::keyring()?;
    let removed = keyring.forget(&args.registry)?;
    let backend = keyring.choice().backend;
    if args.json {
        progress::print_json(&berth::json::LoginResult::forgotten(
            &args.registry,
            removed,
            backend,
        ))?;
    } else if removed {
        println!(
            "forgot the token for {} ({})",
            args.registry,
            backend.describe()
        );
    } else {
        println!(
            "no token was kept for {} in {}",
            args.registry,
            backend.describe()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The terminal's echo switched off while a password is typed.
struct NoEcho {
    #[cfg(unix)]
    saved: Option<libc::termios>,
}

impl NoEcho {
    fn new() -> Self {
        #[cfg(unix)]
        {
            // SAFETY: termios is plain data; tcgetattr fills it for fd 0 or fails.
            let saved = unsafe {
                let mut saved: libc::termios = std::mem::zeroed();
                (libc::tcgetattr(0, &mut saved) == 0).then_some(saved)
            };
            if let Some(saved) = saved {
                let mut quiet = saved;
                quiet.c_lflag &= !libc::ECHO;
                // SAFETY: a termios read back from fd 0, with ECHO cleared.
                unsafe { libc::tcsetattr(0, libc::TCSANOW, &quiet) };
            }
            Self { saved }
        }
        #[cfg(not(unix))]
        Self {}
    }
}

impl Drop for NoEcho {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(saved) = &self.saved {
            // SAFETY: restores the settings read in `new`.
            unsafe { libc::tcsetattr(0, libc::TCSANOW, saved) };
        }
    }
}
