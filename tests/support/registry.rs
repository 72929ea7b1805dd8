//! A real OCI registry for a test: Debian's `docker-registry` started as a plain host
//! process on a free loopback port, with its own storage folder and, when asked, a
//! password (htpasswd, bcrypt). Features are published to it with the reference CLI's
//! `devcontainer features publish`. The process goes when the value is dropped.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The user and password of a registry that asks for one.
pub const USER: &str = "student";
/// See [`USER`].
pub const PASSWORD: &str = "berth-test-password";

/// A running registry.
pub struct TestRegistry {
    child: Option<Child>,
    dir: tempfile::TempDir,
    port: u16,
    /// Whether it asks for [`USER`] and [`PASSWORD`].
    pub auth: bool,
}

impl TestRegistry {
    /// Start one; with `auth`, it refuses requests without the password.
    pub fn start(auth: bool) -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("{err}"));
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap_or_else(|err| panic!("no free port: {err}"))
            .port();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        );
        if auth {
            let htpasswd = Command::new("htpasswd")
                .args(["-Bbn", USER, PASSWORD])
                .output()
                .unwrap_or_else(|err| {
                    panic!("htpasswd (apache2-utils) is missing; run `cargo xtask test`: {err}")
                });
            assert!(htpasswd.status.success(), "htpasswd failed");
            std::fs::write(dir.path().join("htpasswd"), &htpasswd.stdout)
                .unwrap_or_else(|err| panic!("{err}"));
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: berth-test\n    path: {}\n",
                dir.path().join("htpasswd").display()
            ));
        }
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).unwrap_or_else(|err| panic!("{err}"));
        let log = std::fs::File::create(dir.path().join("registry.log"))
            .unwrap_or_else(|err| panic!("{err}"));
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|err| {
                panic!(
                    "docker-registry (Debian's package) is missing; run `cargo xtask test`: {err}"
                )
            });
        let mut registry = Self {
            child: Some(child),
            dir,
            port,
            auth,
        };
        registry.wait_ready();
        registry
    }

    fn wait_ready(&mut self) {
        let address = SocketAddr::from(([127, 0, 0, 1], self.port));
        let started = Instant::now();
        while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!(
                    "docker-registry exited ({status}): {}",
                    std::fs::read_to_string(self.dir.path().join("registry.log"))
                        .unwrap_or_default()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "docker-registry did not listen on {address} within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `localhost:<port>`, as Feature references name it.
    pub fn host(&self) -> String {
        format!("localhost:{}", self.port)
    }

    /// The value of `DEVCONTAINERS_OCI_AUTH` that gives the reference CLI the password.
    pub fn reference_auth(&self) -> String {
        format!("{}|{USER}|{PASSWORD}", self.host())
    }

    /// Publish the Features in `collection` (`<id>/devcontainer-feature.json` and
    /// `install.sh` each) under `namespace` with the reference CLI; returns Feature id →
    /// manifest digest.
    pub fn publish(
        &self,
        collection: &Path,
        namespace: &str,
    ) -> std::collections::BTreeMap<String, String> {
        let mut command = Command::new("node");
        command
            .arg(crate::support::REFERENCE_CLI)
            .args(["features", "publish"])
            .arg(collection)
            .args([
                "--registry",
                &self.host(),
                "--namespace",
                namespace,
                "--log-level",
                "info",
            ]);
        if self.auth {
            command.env("DEVCONTAINERS_OCI_AUTH", self.reference_auth());
        }
        let output = command.output().unwrap_or_else(|err| panic!("{err}"));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "devcontainer features publish failed: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let published: serde_json::Value = stdout
            .lines()
            .rev()
            .find_map(|line| serde_json::from_str(line).ok())
            .unwrap_or_else(|| panic!("no JSON from features publish: {stdout}"));
        published
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(id, info)| Some((id.clone(), info.get("digest")?.as_str()?.to_owned())))
            .collect()
    }

    /// Stop the process (the registry becomes unreachable).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Write a Feature `<collection>/<id>/` with `manifest` and an install.sh running `install`.
pub fn write_feature(collection: &Path, id: &str, manifest: &str, install: &str) {
    let folder = collection.join(id);
    std::fs::create_dir_all(&folder).unwrap_or_else(|err| panic!("{err}"));
    std::fs::write(folder.join("devcontainer-feature.json"), manifest)
        .unwrap_or_else(|err| panic!("{err}"));
    std::fs::write(
        folder.join("install.sh"),
        format!("#!/bin/sh\nset -e\n{install}\n"),
    )
    .unwrap_or_else(|err| panic!("{err}"));
}
