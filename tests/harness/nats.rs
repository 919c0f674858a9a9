//! A private nats-server with JetStream on loopback: a free port, a temporary store directory,
//! killed on drop. `kill` (SIGKILL) and `restart` (same port, same store) simulate a crash.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian installs the server (`scripts/install-peers` installs nats-server).
pub const BINARY: &str = "/usr/sbin/nats-server";

/// A running server.
pub struct Nats {
    child: Option<Child>,
    /// The loopback port it listens on.
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Nats {
    /// Starts a server with JetStream on a free port.
    pub fn start() -> Self {
        assert!(
            Path::new(BINARY).exists(),
            "{BINARY} is missing: run scripts/install-peers (installs nats-server)"
        );
        let mut n = Self { child: None, port: super::free_port(), dir: tempfile::tempdir().unwrap() };
        n.restart();
        n
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Starts it again on the same port and store (after [`Nats::kill`]); waits until it is ready.
    pub fn restart(&mut self) {
        let log = self.dir.path().join("server.log");
        let _ = std::fs::remove_file(&log);
        let store = self.dir.path().join("store");
        let child = Command::new(BINARY)
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string(), "-js", "-sd"])
            .arg(&store)
            .arg("-l")
            .arg(&log)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {BINARY}: {e}"));
        self.child = Some(child);
        let start = Instant::now();
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if text.contains("Server is ready") {
                return;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "nats-server did not start: {text}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills it (SIGKILL).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.kill();
    }
}
