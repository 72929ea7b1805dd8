//! `berth exec DIR -- CMD…`: a command in the running environment, as the remote user,
//! in the workspace folder, with `remoteEnv`; interactive with a TTY when run from one.

use std::io::IsTerminal;
use std::process::ExitCode;

use berth::engine::exec::{self, TerminalSize};
use berth::engine::Engine;
use berth::environment;

use crate::target::Target;

/// Arguments of `berth exec`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    /// Never give the command a TTY, even from a terminal.
    #[arg(long, short = 'T')]
    pub no_tty: bool,
    /// The command and its arguments (after `--`); a login shell when empty.
    #[arg(last = true)]
    pub cmd: Vec<String>,
}

/// Run the command; exit with its exit code.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let engine = Engine::connect().await?;
    let session =
        environment::exec::session(&engine, &args.target.path, &args.target.load_options()).await?;
    let cmd = if args.cmd.is_empty() {
        vec!["/bin/sh".to_owned(), "-l".to_owned()]
    } else {
        args.cmd.clone()
    };
    let tty = !args.no_tty && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let spec = session.spec(cmd, tty);
    let _raw = tty.then(terminal::RawMode::enable).flatten();
    let size = if tty { terminal::size() } else { None };
    let code = exec::interactive(
        &engine,
        &session.container,
        &spec,
        size,
        tokio::io::stdin(),
        tokio::io::stdout(),
        tokio::io::stderr(),
    )
    .await?;
    drop(_raw);
    Ok(ExitCode::from(
        u8::try_from(code.clamp(0, 255)).unwrap_or(1),
    ))
}

/// The local terminal: raw mode while a TTY command runs, and its size.
mod terminal {
    use super::TerminalSize;

    /// Restores the terminal's mode when dropped.
    pub struct RawMode {
        #[cfg(unix)]
        saved: libc::termios,
    }

    impl RawMode {
        /// Put stdin's terminal in raw mode; `None` when it cannot be.
        #[cfg(unix)]
        pub fn enable() -> Option<Self> {
            // SAFETY: termios is plain data; tcgetattr fills it for fd 0 or fails.
            unsafe {
                let mut saved: libc::termios = std::mem::zeroed();
                if libc::tcgetattr(0, &mut saved) != 0 {
                    return None;
                }
                let mut raw = saved;
                libc::cfmakeraw(&mut raw);
                if libc::tcsetattr(0, libc::TCSANOW, &raw) != 0 {
                    return None;
                }
                Some(Self { saved })
            }
        }

        /// No raw mode off Unix: the command still runs, line by line.
        #[cfg(not(unix))]
        pub fn enable() -> Option<Self> {
            None
        }
    }

    impl Drop for RawMode {
        fn drop(&mut self) {
            #[cfg(unix)]
            // SAFETY: restores the attributes read in `enable` on the same fd.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, &self.saved);
            }
        }
    }

    /// The terminal's size, when stdout is one.
    #[cfg(unix)]
    pub fn size() -> Option<TerminalSize> {
        // SAFETY: winsize is plain data; TIOCGWINSZ fills it for fd 1 or fails.
        unsafe {
            let mut size: libc::winsize = std::mem::zeroed();
            if libc::ioctl(1, libc::TIOCGWINSZ, &mut size) != 0 || size.ws_col == 0 {
                return None;
            }
            Some(TerminalSize {
                width: size.ws_col,
                height: size.ws_row,
            })
        }
    }

    /// Unknown off Unix.
    #[cfg(not(unix))]
    pub fn size() -> Option<TerminalSize> {
        None
    }
}
