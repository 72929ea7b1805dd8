//! Drives the real desktop binary through `tauri-driver` + WebKitWebDriver under the
//! display `cargo xtask test` starts; one window at a time, always cleaned up.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

/// How long the window may take to open (session creation hangs without a display).
const OPEN_TIMEOUT: Duration = Duration::from_secs(90);

/// How long the system check on the first screen may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(30);

/// axe-core's browser build, from the UI's packages.
const AXE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/ui/node_modules/axe-core/axe.min.js"
);

/// Only one WebDriver session may exist at a time: tests take turns on this lock.
static ONE_WINDOW: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Where this test run keeps screenshots and logs.
pub fn output_dir(test: &str) -> PathBuf {
    let base = std::env::var_os("BERTH_TEST_OUTPUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("berth-test-output"));
    let dir = base.join("window").join(test);
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create test output folder {}: {e}", dir.display()));
    dir
}

/// The desktop binary under test: `BERTH_DESKTOP_BIN`, else `target/debug/berth-desktop`.
fn desktop_binary() -> PathBuf {
    let path = std::env::var_os("BERTH_DESKTOP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            // target/debug/deps/window-… → target/debug/berth-desktop
            let exe = std::env::current_exe().expect("the test binary knows its own path");
            exe.parent()
                .and_then(Path::parent)
                .expect("test binaries live in target/<profile>/deps")
                .join("berth-desktop")
        });
    assert!(
        path.is_file(),
        "the desktop binary {} is missing: build it with `cargo build -p berth-desktop` \
         (`cargo xtask test` does)",
        path.display()
    );
    path.canonicalize()
        .expect("the desktop binary path resolves")
}

/// The `tauri-driver` binary: `TAURI_DRIVER`, else on PATH, else `~/.cargo/bin`.
fn tauri_driver() -> PathBuf {
    if let Some(path) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(path);
    }
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("tauri-driver"))
            .find(|p| p.is_file())
    });
    let in_cargo_home = std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".cargo/bin/tauri-driver"))
        .filter(|p| p.is_file());
    on_path.or(in_cargo_home).unwrap_or_else(|| {
        panic!("tauri-driver is not installed: run `cargo xtask test`, which installs it")
    })
}

/// A TCP port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

/// The last `lines` lines of a log file, for failure messages.
fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// An open Berth window under WebDriver. Close it with [`Window::close`]; if a test
/// panics first, dropping it kills tauri-driver, WebKitWebDriver and the app.
pub struct Window {
    client: Option<Client>,
    driver: Child,
    driver_log: PathBuf,
    output: PathBuf,
    /// How long from starting tauri-driver until the WebDriver session was up.
    pub opened_in: Duration,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl Window {
    /// Launch the app for `test` with extra environment variables (e.g. `DOCKER_HOST`).
    pub async fn open(test: &str, env: &[(&str, &str)]) -> Window {
        let turn = ONE_WINDOW.lock().await;
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "DISPLAY is not set: the window tests need an X display; `cargo xtask test` starts Xvfb"
        );
        let output = output_dir(test);
        let driver_log = output.join("tauri-driver.log");
        let log = std::fs::File::create(&driver_log).expect("create the tauri-driver log");
        let port = free_port();
        let native_port = free_port();
        let started = Instant::now();
        let mut command = Command::new(tauri_driver());
        command
            .args(["--port", &port.to_string()])
            .args(["--native-port", &native_port.to_string()])
            .env("BERTH_LOG_DIR", output.join("logs"))
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the log handle"))
            .stderr(log)
            // Its own process group, so the app and WebKitWebDriver die with it.
            .process_group(0);
        let driver = command.spawn().expect("start tauri-driver");
        let mut window = Window {
            client: None,
            driver,
            driver_log,
            output,
            opened_in: Duration::ZERO,
            _turn: turn,
        };
        // tauri-driver starts WebKitWebDriver at once; a session request before both
        // listen fails with a connect error, so wait for both ports.
        let listening = |p: u16| TcpStream::connect(("127.0.0.1", p)).is_ok();
        while !(listening(port) && listening(native_port)) {
            if let Ok(Some(status)) = window.driver.try_wait() {
                panic!(
                    "tauri-driver exited at start ({status}):\n{}",
                    tail(&window.driver_log, 30)
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "tauri-driver (port {port}) and WebKitWebDriver (port {native_port}) did not \
                 both listen within 20 s:\n{}",
                tail(&window.driver_log, 30)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": desktop_binary() }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut builder = ClientBuilder::new(connector);
        builder.capabilities(capabilities);
        let url = format!("http://127.0.0.1:{port}");
        let client = match tokio::time::timeout(OPEN_TIMEOUT, builder.connect(&url)).await {
            Ok(Ok(client)) => client,
            Ok(Err(err)) => panic!(
                "the window did not open ({err}); tauri-driver and app output:\n{}",
                tail(&window.driver_log, 40)
            ),
            Err(_) => panic!(
                "the window did not open within {} s; tauri-driver and app output:\n{}",
                OPEN_TIMEOUT.as_secs(),
                tail(&window.driver_log, 40)
            ),
        };
        window.opened_in = started.elapsed();
        window.client = Some(client);
        window
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("the window is open")
    }

    /// The text of the element with `data-testid` = `testid`.
    pub async fn text(&self, testid: &str) -> String {
        let selector = format!("[data-testid='{testid}']");
        match self.client().find(Locator::Css(&selector)).await {
            Ok(element) => element.text().await.expect("read the element's text"),
            Err(err) => panic!("no element with data-testid='{testid}' ({err})"),
        }
    }

    /// Whether an element with `data-testid` = `testid` is on the page.
    pub async fn has(&self, testid: &str) -> bool {
        let selector = format!("[data-testid='{testid}']");
        self.client().find(Locator::Css(&selector)).await.is_ok()
    }

    /// Wait until the element `testid` has attribute `name` = `expected` (e.g. the
    /// panel's `data-state`); returns how long it took.
    pub async fn wait_for_attr(
        &self,
        testid: &str,
        name: &str,
        expected: &str,
        limit: Duration,
    ) -> Duration {
        let started = Instant::now();
        self.wait_for_any_attr(testid, name, &[expected], limit)
            .await;
        started.elapsed()
    }

    /// Wait until the first screen's system check has finished; returns how long it took.
    pub async fn wait_until_checked(&self) -> Duration {
        self.wait_for_attr("doctor-panel", "data-state", "done", CHECK_TIMEOUT)
            .await
    }

    async fn element(&self, testid: &str, limit: Duration) -> fantoccini::elements::Element {
        let selector = format!("[data-testid='{testid}']");
        let started = Instant::now();
        loop {
            if let Ok(element) = self.client().find(Locator::Css(&selector)).await {
                return element;
            }
            if started.elapsed() > limit {
                let shot = self.screenshot(&format!("missing-{testid}")).await;
                panic!(
                    "no element with data-testid='{testid}' within {} s (screenshot: {})",
                    limit.as_secs(),
                    shot.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Wait until `testid` is on the page.
    pub async fn wait_for(&self, testid: &str, limit: Duration) {
        self.element(testid, limit).await;
    }

    /// Wait until `testid` is gone from the page.
    pub async fn wait_gone(&self, testid: &str, limit: Duration) {
        let started = Instant::now();
        while self.has(testid).await {
            if started.elapsed() > limit {
                let shot = self.screenshot(&format!("still-{testid}")).await;
                panic!(
                    "data-testid='{testid}' is still on the page after {} s (screenshot: {})",
                    limit.as_secs(),
                    shot.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Click `testid` (waiting up to 10 s for it to appear).
    pub async fn click(&self, testid: &str) {
        let element = self.element(testid, Duration::from_secs(10)).await;
        if let Err(err) = element.click().await {
            let shot = self.screenshot(&format!("unclickable-{testid}")).await;
            panic!(
                "cannot click data-testid='{testid}': {err} (screenshot: {})",
                shot.display()
            );
        }
    }

    /// Replace the text of the field `testid` with `text`, as typed.
    pub async fn fill(&self, testid: &str, text: &str) {
        let element = self.element(testid, Duration::from_secs(10)).await;
        element.clear().await.expect("clear the field");
        element.send_keys(text).await.expect("type into the field");
    }

    /// Press Tab in the focused element (leaves a field: its `change` fires).
    pub async fn press_tab(&self) {
        let focused = self
            .client()
            .active_element()
            .await
            .expect("an element has focus");
        focused.send_keys("\u{E004}").await.expect("press Tab");
    }

    /// Choose the option with `value` in the select `testid`.
    pub async fn choose(&self, testid: &str, value: &str) {
        let element = self.element(testid, Duration::from_secs(10)).await;
        element
            .select_by_value(value)
            .await
            .unwrap_or_else(|err| panic!("no option '{value}' in data-testid='{testid}': {err}"));
    }

    /// Wait until `testid`'s attribute `name` is one of `expected`; returns the one it is.
    pub async fn wait_for_any_attr(
        &self,
        testid: &str,
        name: &str,
        expected: &[&str],
        limit: Duration,
    ) -> String {
        let started = Instant::now();
        let selector = format!("[data-testid='{testid}']");
        let mut last = String::from("(not on the page)");
        while started.elapsed() < limit {
            if let Ok(element) = self.client().find(Locator::Css(&selector)).await {
                last = element.attr(name).await.ok().flatten().unwrap_or_default();
                if expected.contains(&last.as_str()) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let shot = self.screenshot("timeout").await;
        panic!(
            "data-testid='{testid}' has {name}='{last}', not one of {expected:?}, after {} s \
             (screenshot: {})",
            limit.as_secs(),
            shot.display()
        );
    }

    /// Run axe-core in the page and fail on any WCAG 2 A/AA violation, naming each rule
    /// and the elements it found; `screen` names the screenshot kept on failure.
    pub async fn assert_accessible(&self, screen: &str) {
        let source = std::fs::read_to_string(AXE).unwrap_or_else(|err| {
            panic!("cannot read axe-core at {AXE} ({err}): run `npm --prefix ui ci`")
        });
        self.client()
            .execute(&source, vec![])
            .await
            .expect("inject axe-core into the page");
        let script = r#"
            const done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
              .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + n.failureSummary) }))))
              .catch(e => done([{ id: "axe-error", help: String(e), nodes: [] }]));
        "#;
        let violations = self
            .client()
            .execute_async(script, vec![])
            .await
            .expect("run axe-core");
        let list = violations.as_array().cloned().unwrap_or_default();
        if !list.is_empty() {
            let shot = self.screenshot(&format!("a11y-{screen}")).await;
            panic!(
                "the {screen} screen has {} accessibility violation(s) (screenshot {}):\n{}",
                list.len(),
                shot.display(),
                serde_json::to_string_pretty(&list).unwrap_or_default()
            );
        }
    }

    /// Tab through the page and return the `data-testid`s that received focus, in order
    /// (up to `limit` presses): every action must be reachable by keyboard.
    pub async fn tab_order(&self, limit: usize) -> Vec<String> {
        let mut seen: Vec<String> = Vec::new();
        for _ in 0..limit {
            // Keys go to the focused element (sending them to another would move focus).
            let focused = self
                .client()
                .active_element()
                .await
                .expect("an element has focus");
            focused.send_keys("\u{E004}").await.expect("press Tab");
            let id = self
                .eval("document.activeElement?.getAttribute('data-testid') ?? ''")
                .await;
            if let Some(id) = id.as_str().filter(|id| !id.is_empty()) {
                if seen.first().is_some_and(|first| first == id) {
                    break;
                }
                seen.push(id.to_owned());
            }
        }
        seen
    }

    /// A JavaScript expression's value in the page.
    pub async fn eval(&self, expression: &str) -> serde_json::Value {
        self.client()
            .execute(&format!("return {expression};"), vec![])
            .await
            .expect("run a script in the page")
    }

    /// Save a PNG screenshot as `<output>/<name>.png` and return its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        // What the DOM says may not be painted yet: wait for two frames first.
        let _ = self
            .client()
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 50)));",
                vec![],
            )
            .await;
        let png = self.client().screenshot().await.expect("take a screenshot");
        assert!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
        let path = self.output.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }

    /// The folder the app under test writes its log files to (`BERTH_LOG_DIR`).
    pub fn log_dir(&self) -> PathBuf {
        self.output.join("logs")
    }

    /// End the WebDriver session (the app closes) and stop tauri-driver.
    pub async fn close(mut self) {
        if let Some(client) = self.client.take() {
            if let Err(err) = client.close().await {
                eprintln!("closing the WebDriver session failed: {err}");
            }
        }
    }
}

impl Drop for Window {
    fn drop(&mut self) {
        // Kill the whole group: tauri-driver, WebKitWebDriver and the app.
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.driver.wait();
    }
}
