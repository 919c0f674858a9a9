//! A real Prosody XMPP server on loopback: its own config and data folder in a temporary
//! directory, a free c2s port, STARTTLS required with a certificate for the XMPP domain
//! [`DOMAIN`] signed by a test CA made with openssl, accounts created by `prosodyctl`. Killed on
//! drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::mosquitto::make_certificates_for;

/// Where Debian installs the server (`scripts/install-peers` installs it).
pub const BINARY: &str = "/usr/bin/prosody";
/// Its account tool.
pub const CTL: &str = "/usr/bin/prosodyctl";
/// The XMPP domain of the test server (the certificate names it; clients connect to 127.0.0.1).
pub const DOMAIN: &str = "passerelle.test";

/// A running server.
pub struct Prosody {
    child: Option<Child>,
    /// The loopback c2s port (STARTTLS).
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Prosody {
    /// Starts a server on a free port with the accounts `(user, password)` registered.
    pub fn start(accounts: &[(&str, &str)]) -> Self {
        for bin in [BINARY, CTL] {
            assert!(
                Path::new(bin).exists(),
                "{bin} is missing: run scripts/install-peers (installs prosody)"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        make_certificates_for(dir.path(), &format!("DNS:{DOMAIN}"));
        std::fs::create_dir_all(dir.path().join("data")).unwrap();
        std::fs::create_dir_all(dir.path().join("certs")).unwrap();
        let mut p = Self { child: None, port: super::free_port(), dir };
        p.write_config();
        for (user, password) in accounts {
            p.register(user, password);
        }
        p.spawn();
        p
    }

    /// The test CA that signs the server's certificate.
    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// `host:port` to connect to.
    pub fn server(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Creates an account (`prosodyctl register`).
    pub fn register(&self, user: &str, password: &str) {
        let out = Command::new(CTL)
            .arg("--config")
            .arg(self.config_path())
            .args(["register", user, DOMAIN, password])
            .output()
            .unwrap_or_else(|e| panic!("cannot run {CTL} ({e}): run scripts/install-peers"));
        assert!(
            out.status.success(),
            "prosodyctl register {user}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn config_path(&self) -> PathBuf {
        self.dir.path().join("prosody.cfg.lua")
    }

    fn write_config(&self) {
        let d = self.dir.path().display();
        let conf = format!(
            r#"run_as_root = true
daemonize = false
pidfile = "{d}/prosody.pid"
data_path = "{d}/data"
certificates = "{d}/certs"
log = {{ debug = "{d}/prosody.log" }}
interfaces = {{ "127.0.0.1" }}
local_interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {port} }}
c2s_direct_tls_ports = {{ }}
s2s_ports = {{ }}
component_ports = {{ }}
http_ports = {{ }}
https_ports = {{ }}
modules_enabled = {{ "tls", "saslauth", "disco", "roster", "ping", "presence" }}
modules_disabled = {{ "s2s", "offline" }}
c2s_require_encryption = true
authentication = "internal_hashed"
VirtualHost "{DOMAIN}"
  ssl = {{ certificate = "{d}/server.pem"; key = "{d}/server.key"; }}
"#,
            port = self.port,
        );
        std::fs::write(self.config_path(), conf).unwrap();
    }

    fn spawn(&mut self) {
        let out = std::fs::File::create(self.dir.path().join("out.log")).unwrap();
        let child = Command::new(BINARY)
            .arg("--config")
            .arg(self.config_path())
            .arg("-F")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {BINARY} ({e}): run scripts/install-peers"));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "prosody did not listen on {} within 15 s: {}",
                self.port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The server's log so far (debug level).
    pub fn log(&self) -> String {
        let read = |f: &str| std::fs::read_to_string(self.dir.path().join(f)).unwrap_or_default();
        format!("{}{}", read("out.log"), read("prosody.log"))
    }

    /// Kills the server (SIGKILL).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the server again on the same port and data folder.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for Prosody {
    fn drop(&mut self) {
        self.kill();
    }
}
