//! `berth login`, `berth push` and `berth logout` end to end: the real binary, the real
//! engine, a real registry with a password on loopback, and both Linux keyrings — the
//! kernel session keyring (this test process runs under `keyctl session -`) and a
//! Secret Service (gnome-keyring on a private session bus, started for the children
//! only). The token is then looked for in every log, state and project file: never there.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use base64::Engine as _;

use crate::project::{shown, Project};
use crate::support::images::{self, Base};
use crate::support::registry::{self, TestRegistry};
use crate::support::{test_name, TestScope};

/// The folders a test's `berth` processes write to: logs, state, the Features cache.
struct Homes {
    root: tempfile::TempDir,
}

impl Homes {
    fn new() -> Self {
        Self {
            root: tempfile::tempdir().unwrap_or_else(|err| panic!("{err}")),
        }
    }

    fn logs(&self) -> PathBuf {
        self.root.path().join("logs")
    }

    /// `berth args…`, `stdin` fed to it, in a headless environment: no session bus, so
    /// the kernel keyring is the one Berth picks by itself.
    fn berth(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_berth"));
        command
            .args(args)
            .env("BERTH_LOG_DIR", self.logs())
            .env("BERTH_STATE_DIR", self.root.path().join("state"))
            .env("BERTH_CACHE_DIR", self.root.path().join("cache"))
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove(berth::secrets::KEYRING_ENV)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .unwrap_or_else(|err| panic!("failed to run berth: {err}"));
        let mut pipe = child.stdin.take();
        if let (Some(pipe), Some(text)) = (pipe.as_mut(), stdin) {
            pipe.write_all(text.as_bytes())
                .unwrap_or_else(|err| panic!("{err}"));
        }
        drop(pipe);
        child
            .wait_with_output()
            .unwrap_or_else(|err| panic!("{err}"))
    }
}

/// A GET on the registry's HTTP API with basic auth: the status and the headers.
fn registry_get(host: &str, path: &str, auth: Option<(&str, &str)>) -> (u16, String) {
    let port = host.rsplit_once(':').map_or("80", |(_, port)| port);
    let mut stream = TcpStream::connect(format!("127.0.0.1:{port}"))
        .unwrap_or_else(|err| panic!("cannot reach the registry: {err}"));
    let mut request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nAccept: application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json\r\n"
    );
    if let Some((user, password)) = auth {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        request.push_str(&format!("Authorization: Basic {basic}\r\n"));
    }
    request.push_str("\r\n");
    stream
        .write_all(request.as_bytes())
        .unwrap_or_else(|err| panic!("{err}"));
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .unwrap_or_else(|err| panic!("{err}"));
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status in: {answer}"));
    let head = answer
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .to_owned();
    (status, head)
}

/// The value of header `name` in an HTTP head.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then_some(value.trim())
    })
}

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() && !path.is_symlink() {
            found.extend(files_containing(&path, needle));
        } else if let Ok(bytes) = std::fs::read(&path) {
            if bytes.windows(needle.len()).any(|w| w == needle) {
                found.push(path);
            }
        }
    }
    found
}

/// stdout and stderr together, for looking for words.
fn said(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test]
async fn a_pushed_image_is_in_the_registry_only_with_the_right_token_and_the_token_is_nowhere_else()
{
    let scope = TestScope::new(test_name!()).await;
    let busybox = images::ensure(scope.docker(), Base::Busybox).await;
    let registry = TestRegistry::start(true);
    let host = registry.host();
    let homes = Homes::new();
    let project = Project::new(
        &scope,
        "shared",
        r#"{"build": {"dockerfile": "Dockerfile"}}"#,
    )
    .await;
    project.write(
        ".devcontainer/Dockerfile",
        &format!("FROM {busybox}\nRUN echo pushed > /pushed\n"),
    );
    let dir = project.dir.to_string_lossy().into_owned();
    let reference = format!("{host}/berth-test/shared:1");
    let push = |json: bool| {
        let mut args = vec!["push", dir.as_str(), reference.as_str(), "--no-git-root"];
        if json {
            args.push("--json");
        }
        homes.berth(&args, None)
    };
    let wrong = format!("wrong-token-{}", std::process::id());
    let mut outputs = Vec::new();

    // Nothing built yet: the error says how to get an image.
    let none = push(false);
    assert!(!none.status.success(), "{}", shown(&none));
    assert!(
        said(&none).contains(&format!("`berth build {dir}`")),
        "{}",
        shown(&none)
    );
    let built = homes.berth(&["build", &dir, "--no-git-root"], None);
    assert!(built.status.success(), "{}", shown(&built));

    // No credential kept: anonymous, refused, and the fix named.
    let logout = homes.berth(&["logout", &host], None);
    assert!(logout.status.success(), "{}", shown(&logout));
    let anonymous = push(false);
    assert!(!anonymous.status.success(), "{}", shown(&anonymous));
    let text = said(&anonymous);
    assert!(
        text.contains(&format!("the registry '{host}' needs a credential"))
            && text.contains(&format!("berth login {host}")),
        "{}",
        shown(&anonymous)
    );

    // A wrong token: refused, named, never shown.
    let login = homes.berth(
        &["login", &host, "--username", registry::USER],
        Some(&format!("{wrong}\n")),
    );
    assert!(login.status.success(), "{}", shown(&login));
    assert!(
        said(&login).contains("kernel session keyring"),
        "headless, the kernel keyring: {}",
        shown(&login)
    );
    let refused = push(false);
    assert_eq!(refused.status.code(), Some(1), "{}", shown(&refused));
    let text = said(&refused);
    assert!(
        text.contains(&format!("the registry '{host}' refused the credential"))
            && text.contains(&format!("berth login {host}")),
        "{}",
        shown(&refused)
    );
    assert!(!text.contains(&wrong), "the token is shown: {text}");
    outputs.extend([login, refused]);

    // The right token: pushed, and the registry has the digest Berth reported.
    let login = homes.berth(
        &["login", &host, "--username", registry::USER, "--json"],
        Some(&format!("{}\n", registry::PASSWORD)),
    );
    assert!(login.status.success(), "{}", shown(&login));
    let pushed = push(true);
    assert!(pushed.status.success(), "{}", shown(&pushed));
    let stdout = String::from_utf8_lossy(&pushed.stdout).into_owned();
    let result: serde_json::Value = stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| panic!("no JSON result: {stdout}"));
    assert_eq!(result["reference"], reference.as_str(), "{result}");
    assert_eq!(result["authenticated"], true, "{result}");
    let digest = result["digest"]
        .as_str()
        .unwrap_or_else(|| panic!("no digest: {result}"))
        .to_owned();
    assert!(digest.starts_with("sha256:"), "{digest}");
    assert!(
        stdout.contains(r#""kind":"phase""#) && stdout.contains("pushing"),
        "progress lines come first: {stdout}"
    );
    outputs.extend([login, pushed]);

    let manifest = "/v2/berth-test/shared/manifests/1";
    let (status, _) = registry_get(&host, manifest, None);
    assert_eq!(status, 401, "the registry asks for the password");
    let (status, head) = registry_get(&host, manifest, Some((registry::USER, registry::PASSWORD)));
    assert_eq!(status, 200, "{head}");
    assert_eq!(
        header(&head, "Docker-Content-Digest"),
        Some(digest.as_str()),
        "{head}"
    );

    // The extra name was only for the push.
    let engine = project.engine();
    assert!(
        berth::engine::image::inspect(engine, &reference)
            .await
            .unwrap_or_else(|err| panic!("{err}"))
            .is_none(),
        "'{reference}' is left tagged"
    );

    let logout = homes.berth(&["logout", &host, "--json"], None);
    assert!(logout.status.success(), "{}", shown(&logout));
    let forgot: serde_json::Value = serde_json::from_slice(&logout.stdout)
        .unwrap_or_else(|err| panic!("{err}: {}", shown(&logout)));
    assert_eq!(forgot["removed"], true, "{forgot}");
    assert_eq!(forgot["keyring"], "kernel", "{forgot}");
    outputs.push(logout);

    // Nowhere but the keyring: not in what Berth printed or logged, not in its state,
    // not in the project.
    let log = std::fs::read_to_string(homes.logs().join(berth::logging::CLI_LOG_FILE))
        .unwrap_or_else(|err| panic!("berth logged nothing to its log file: {err}"));
    assert!(
        log.contains("using the kernel session keyring")
            && log.contains("pushing the environment's image"),
        "{log}"
    );
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        registry::USER,
        registry::PASSWORD
    ));
    for secret in [registry::PASSWORD, wrong.as_str(), basic.as_str()] {
        for output in &outputs {
            assert!(!said(output).contains(secret), "printed: {}", shown(output));
        }
        for dir in [homes.root.path(), project.dir.as_path()] {
            let found = files_containing(dir, secret.as_bytes());
            assert!(found.is_empty(), "the token is in {found:?}");
        }
    }
}

/// What a desktop has: a session bus with gnome-keyring's Secret Service on it.
fn desktop_tools_present() {
    for tool in [
        "dbus-run-session",
        "gnome-keyring-daemon",
        "secret-tool",
        "keyctl",
    ] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|out| out.status.success());
        assert!(
            found,
            "{tool} is missing: `cargo xtask test` installs it (gnome-keyring, libsecret-tools, dbus-daemon, keyutils)"
        );
    }
}

#[test]
fn on_a_desktop_login_keeps_the_token_in_the_secret_service_and_logout_removes_it() {
    desktop_tools_present();
    let homes = Homes::new();
    let home = homes.root.path().join("home");
    let runtime = homes.root.path().join("run");
    for dir in [&home, &runtime] {
        std::fs::create_dir_all(dir).unwrap_or_else(|err| panic!("{err}"));
    }
    std::fs::set_permissions(
        &runtime,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap_or_else(|err| panic!("{err}"));
    let registry = format!("localhost:{}", 40000 + std::process::id() % 20000);
    let token = format!("desktop-token-{}", std::process::id());
    let description = format!("keyring-rs:{registry}@{}", berth::secrets::SERVICE);
    // On its own bus, unlocked with a password of the test's; the user's keyring and
    // session bus are never touched (HOME and the XDG folders are the test's).
    let script = r#"
        printf '%s' test-unlock | gnome-keyring-daemon --unlock --components=secrets >/dev/null
        printf '%s\n' "$TOKEN" | "$BERTH" login "$REGISTRY" --username student --json
        echo "LOOKUP=$(secret-tool lookup service "$SERVICE" username "$REGISTRY")"
        if keyctl search @s user "$DESCRIPTION" >/dev/null 2>&1; then echo KERNEL=yes; else echo KERNEL=no; fi
        "$BERTH" logout "$REGISTRY" --json
        echo "AFTER=$(secret-tool lookup service "$SERVICE" username "$REGISTRY")"
    "#;
    let output = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", script])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove(berth::secrets::KEYRING_ENV)
        .env("BERTH", env!("CARGO_BIN_EXE_berth"))
        .env("REGISTRY", &registry)
        .env("TOKEN", &token)
        .env("SERVICE", berth::secrets::SERVICE)
        .env("DESCRIPTION", &description)
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("BERTH_LOG_DIR", homes.logs())
        .env("BERTH_STATE_DIR", homes.root.path().join("state"))
        .output()
        .unwrap_or_else(|err| panic!("failed to run dbus-run-session: {err}"));
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{}", shown(&output));
    let lines: Vec<&str> = text.lines().collect();
    let json = |index: usize| -> serde_json::Value {
        serde_json::from_str(lines.get(index).copied().unwrap_or_default())
            .unwrap_or_else(|err| panic!("line {index} is not JSON ({err}): {}", shown(&output)))
    };
    let login = json(0);
    assert_eq!(login["keyring"], "secret-service", "{}", shown(&output));
    assert_eq!(login["stored"], true, "{login}");
    let kept = lines
        .iter()
        .find_map(|line| line.strip_prefix("LOOKUP="))
        .unwrap_or_else(|| panic!("{}", shown(&output)));
    let kept: serde_json::Value = serde_json::from_str(kept).unwrap_or_else(|err| {
        panic!(
            "the Secret Service holds no Berth entry ({err}): {}",
            shown(&output)
        )
    });
    assert_eq!(kept["secret"], token.as_str());
    assert_eq!(kept["username"], "student");
    assert!(
        text.contains("KERNEL=no"),
        "the kernel keyring got it too: {}",
        shown(&output)
    );
    let logout = json(3);
    assert_eq!(logout["removed"], true, "{logout}");
    assert_eq!(logout["keyring"], "secret-service", "{logout}");
    assert!(
        lines.contains(&"AFTER="),
        "logout left the entry: {}",
        shown(&output)
    );
    // Only login printed its result, never the token; the log names the keyring.
    let printed: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|line| !line.starts_with("LOOKUP="))
        .collect();
    let printed = format!(
        "{}{}",
        printed.join("\n"),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!printed.contains(&token), "{printed}");
    let log = std::fs::read_to_string(homes.logs().join(berth::logging::CLI_LOG_FILE))
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(log.contains("using the Secret Service keyring"), "{log}");
    assert!(files_containing(homes.logs().as_path(), token.as_bytes()).is_empty());
}
