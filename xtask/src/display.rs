//! A virtual X display (Xvfb) for the window tests, stopped when dropped.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// A running Xvfb server; the display closes when this is dropped.
pub struct VirtualDisplay {
    child: Child,
    /// The value for `DISPLAY`, e.g. `:99`.
    pub name: String,
}

impl VirtualDisplay {
    /// Start Xvfb on the first free display number from :99, 1280×800, 24-bit.
    pub fn start(log_dir: &Path) -> Result<Self> {
        let number = (99..199)
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .context("no free X display number between :99 and :198")?;
        let name = format!(":{number}");
        std::fs::create_dir_all(log_dir)?;
        let log = std::fs::File::create(log_dir.join("xvfb.log"))?;
        let child = Command::new("Xvfb")
            .args([&name, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("failed to start Xvfb (package xvfb)")?;
        let mut display = Self { child, name };
        let socket = format!("/tmp/.X11-unix/X{number}");
        let started = Instant::now();
        while !Path::new(&socket).exists() {
            if let Some(status) = display.child.try_wait()? {
                bail!(
                    "Xvfb exited at start ({status}); see {}",
                    log_dir.join("xvfb.log").display()
                );
            }
            if started.elapsed() > Duration::from_secs(20) {
                bail!("Xvfb did not open {socket} within 20 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        println!("==> started Xvfb on DISPLAY={}", display.name);
        Ok(display)
    }
}

impl Drop for VirtualDisplay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
