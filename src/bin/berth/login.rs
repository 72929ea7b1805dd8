//! `berth login` and `berth logout`: keep or forget a registry's credential in the OS
//! keyring (the only place Berth keeps secrets), for Features behind a password.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use berth::feature::registry::Credential;

use crate::progress;

/// `berth login`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The registry host (and port), e.g. `ghcr.io` or `localhost:5000`.
    pub registry: String,
    /// The user name.
    #[arg(long, short)]
    pub username: String,
    /// Read the password (or token) from standard input instead of asking for it.
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
    let stdin = std::io::stdin();
    let asking = !args.password_stdin && stdin.is_terminal();
    if asking {
        eprint!("password for {}@{}: ", args.username, args.registry);
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
            "no password was given: type it when asked, or pipe it with --password-stdin"
        );
    }
    let credential = Credential {
        username: args.username.clone(),
        secret,
    };
    berth::secrets::store(&args.registry, &credential)?;
    if args.json {
        progress::print_json(
            &serde_json::json!({"registry": args.registry, "username": args.username, "stored": true}),
        )?;
    } else {
        println!(
            "kept the credential of {} for {} in the OS keyring",
            args.username, args.registry
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Forget the credential for the registry.
pub async fn logout(args: LogoutArgs) -> anyhow::Result<ExitCode> {
    berth::secrets::forget(&args.registry)?;
    if args.json {
        progress::print_json(&serde_json::json!({"registry": args.registry, "stored": false}))?;
    } else {
        println!("no credential is kept for {} any more", args.registry);
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
