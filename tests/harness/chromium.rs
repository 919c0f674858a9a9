//! A headless Chromium driven over WebDriver: Debian's `chromedriver` on a free loopback port,
//! with a temporary user-data dir and log, and a fantoccini client to it (plain HTTP, no TLS).
//! Killed on drop, with every Chromium process it started (its own process group). The driver's
//! log and Chromium's output stay in the temp dir, and are printed only when the test fails.
//!
//! Screenshots go to `<target dir>/artefacts/console/` (outside the clone, never committed).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

/// Where Debian installs the driver (`scripts/install-peers` installs chromium-driver).
pub const DRIVER: &str = "/usr/bin/chromedriver";
/// Where Debian installs the browser (`scripts/install-peers` installs chromium).
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// How long a page condition may take to come true before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);

/// The viewport the page sees, emulated by Chromium (`mobileEmulation.deviceMetrics`): a
/// headless window has a minimum width and browser UI, so the window size alone does not give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewport {
    /// CSS pixels wide.
    pub width: u32,
    /// CSS pixels high.
    pub height: u32,
    /// A phone: touch, and the page's `<meta name="viewport">` applies.
    pub mobile: bool,
}

/// A desktop window, also the README screenshot's size.
pub const DESKTOP: Viewport = Viewport { width: 1280, height: 800, mobile: false };

/// A phone held upright.
pub const PHONE: Viewport = Viewport { width: 375, height: 740, mobile: true };

/// A running chromedriver and a session with its Chromium.
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    driver: Driver,
}

/// The chromedriver process (its group) and its temp dir; killed on drop.
struct Driver {
    child: Option<Child>,
    dir: tempfile::TempDir,
}

impl Driver {
    /// The driver's log tail and Chromium's output, for a failure message.
    fn logs(&self) -> String {
        let read = |name: &str| {
            let text = std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(60)..].join("\n")
        };
        format!(
            "--- chromedriver.log (tail)\n{}\n--- chromedriver and chromium output (tail)\n{}",
            read("chromedriver.log"),
            read("output.log")
        )
    }

    async fn wait_ready(&mut self, url: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let ready = reqwest::get(format!("{url}/status")).await.ok().map(|r| r.status().is_success());
            if ready == Some(true) {
                return;
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("{DRIVER} exited ({status}):\n{}", self.logs());
            }
            assert!(Instant::now() < deadline, "{DRIVER} did not answer on {url}:\n{}", self.logs());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // The whole group: the driver, Chromium and its helper processes.
            let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("{}", self.logs());
        }
        self.kill();
    }
}

/// The folder the screenshots go to: `$CARGO_TARGET_DIR/artefacts/console`, or the target dir
/// of the test binary when the variable is not set.
pub fn artefacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| {
        // <target>/debug/deps/it-<hash>
        let exe = std::env::current_exe().unwrap();
        exe.ancestors().nth(3).unwrap().to_path_buf()
    });
    let dir = target.join("artefacts").join("console");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Browser {
    /// Starts chromedriver and a headless Chromium showing pages in `viewport`.
    pub async fn start(viewport: Viewport) -> Self {
        let Viewport { width, height, mobile } = viewport;
        for (binary, package) in [(DRIVER, "chromium-driver"), (CHROMIUM, "chromium")] {
            assert!(
                Path::new(binary).exists(),
                "{binary} is missing: run scripts/install-peers (installs {package})"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let port = super::free_port();
        let output = std::fs::File::create(dir.path().join("output.log")).unwrap();
        let child = Command::new(DRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .arg(format!("--log-path={}", dir.path().join("chromedriver.log").display()))
            .stdin(Stdio::null())
            .stdout(output.try_clone().unwrap())
            .stderr(output)
            // Its own group: Chromium and its helpers are killed with it.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {DRIVER}: {e}"));
        let mut driver = Driver { child: Some(child), dir };
        let url = format!("http://127.0.0.1:{port}");
        driver.wait_ready(&url).await;
        let profile = driver.dir.path().join("profile");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": CHROMIUM,
                "mobileEmulation": {
                    "deviceMetrics": {
                        "width": width, "height": height, "pixelRatio": 1, "mobile": mobile, "touch": mobile,
                    },
                },
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--disable-extensions", "--hide-scrollbars",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.display()),
                ],
            }),
        );
        let client = match ClientBuilder::new(HttpConnector::new()).capabilities(caps).connect(&url).await {
            Ok(client) => client,
            Err(e) => panic!("no WebDriver session: {e}\n{}", driver.logs()),
        };
        Self { client, driver }
    }

    /// The driver's log tail and Chromium's output.
    pub fn logs(&self) -> String {
        self.driver.logs()
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page; its return value.
    pub async fn eval(&self, script: &str, args: Vec<serde_json::Value>) -> serde_json::Value {
        self.client.execute(script, args).await.unwrap_or_else(|e| panic!("{e}: {script}"))
    }

    /// Polls the JavaScript expression `expr` until it is truthy (at most [`WAIT`]) and returns
    /// its value; otherwise a screenshot named after `what` and a failure with the page's text.
    pub async fn wait_until(&self, what: &str, expr: &str) -> serde_json::Value {
        let script = format!("return ({expr});");
        let deadline = Instant::now() + WAIT;
        loop {
            let v = self.eval(&script, Vec::new()).await;
            let truthy = !matches!(&v, serde_json::Value::Null | serde_json::Value::Bool(false))
                && v != serde_json::json!(0)
                && v != serde_json::json!("");
            if truthy {
                return v;
            }
            if Instant::now() > deadline {
                let shot = self.screenshot(&format!("timeout-{what}")).await;
                let text = self.eval("return document.body.innerText;", Vec::new()).await;
                panic!(
                    "{what}: not true within {WAIT:?}: {expr}\nscreenshot: {}\npage:\n{text}",
                    shot.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The element `css` (it must be there).
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    /// A PNG of the viewport, saved as `<artefacts>/<name>.png`; its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.unwrap();
        let path = artefacts().join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Ends the session (Chromium quits) and stops the driver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        self.driver.kill();
    }
}
