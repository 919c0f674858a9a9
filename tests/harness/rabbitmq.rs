//! A private RabbitMQ node with Web-STOMP (STOMP over WebSocket, plain and TLS) on loopback:
//! free ports, every data path in a temporary directory, its own node name; the machine's own
//! RabbitMQ service is never touched. Started from `/usr/lib/rabbitmq/bin/rabbitmq-server` (the
//! real script, not the `sbin` wrapper that switches user), as `../shared/NOTES-peers.md`
//! records. `kill` (SIGKILL) and `restart` (same ports, same data) simulate a broker crash.
//!
//! The test publisher speaks STOMP over the node's plain TCP listener with Passerelle's own
//! codec, and waits for the broker's RECEIPT of each SEND, so a message is on the broker (on
//! disk, `persistent:true`) before the test goes on.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use passerelle::transport::stomp::{Command as Stomp, Decoded, Decoder, Frame, encode};

const BIN: &str = "/usr/lib/rabbitmq/bin";

/// The broker's default account.
pub const USER: &str = "guest";
/// Its password.
pub const PASSWORD: &str = "guest";

/// A running node.
pub struct Rabbit {
    dir: tempfile::TempDir,
    node: String,
    child: Option<Child>,
    /// The STOMP over TCP port (the test publisher).
    pub stomp_port: u16,
    /// The Web-STOMP port without TLS (`ws://127.0.0.1:<port>/ws`).
    pub ws_port: u16,
    /// The Web-STOMP port with TLS (`wss://...:<port>/ws`), certificate from [`Rabbit::ca`].
    pub wss_port: u16,
    amqp_port: u16,
    dist_port: u16,
}

impl Rabbit {
    /// Starts a node whose TLS certificate is valid for `subject_alt_name` only (`DNS:hemis.test`,
    /// `IP:127.0.0.1`).
    pub fn start(subject_alt_name: &str) -> Self {
        assert!(
            Path::new(BIN).join("rabbitmq-server").exists(),
            "{BIN}/rabbitmq-server is missing: run scripts/install-peers (installs rabbitmq-server)"
        );
        let dir = tempfile::tempdir().unwrap();
        for sub in ["tls", "mnesia", "log"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        super::mosquitto::make_certificates_for(&dir.path().join("tls"), subject_alt_name);
        let [stomp_port, ws_port, wss_port, amqp_port, dist_port] = super::free_ports::<5>();
        let mut r = Self {
            node: format!("passerelle-it-{amqp_port}@localhost"),
            dir,
            child: None,
            stomp_port,
            ws_port,
            wss_port,
            amqp_port,
            dist_port,
        };
        r.write_config();
        r.spawn();
        r
    }

    /// The CA that signs the node's certificate.
    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("tls/ca.pem")
    }

    fn write_config(&self) {
        let d = self.dir.path();
        let t = d.join("tls");
        std::fs::write(d.join("rabbitmq-env.conf"), "").unwrap();
        std::fs::write(d.join("enabled_plugins"), "[rabbitmq_stomp,rabbitmq_web_stomp].\n").unwrap();
        let conf = format!(
            "listeners.tcp.default = 127.0.0.1:{amqp}\nloopback_users = none\n\
             stomp.listeners.tcp.1 = 127.0.0.1:{stomp}\n\
             web_stomp.tcp.ip = 127.0.0.1\nweb_stomp.tcp.port = {ws}\n\
             web_stomp.ssl.ip = 127.0.0.1\nweb_stomp.ssl.port = {wss}\n\
             web_stomp.ssl.cacertfile = {ca}\nweb_stomp.ssl.certfile = {cert}\nweb_stomp.ssl.keyfile = {key}\n",
            amqp = self.amqp_port,
            stomp = self.stomp_port,
            ws = self.ws_port,
            wss = self.wss_port,
            ca = t.join("ca.pem").display(),
            cert = t.join("server.pem").display(),
            key = t.join("server.key").display(),
        );
        std::fs::write(d.join("rabbitmq.conf"), conf).unwrap();
    }

    fn env(&self, cmd: &mut Command) {
        let d = self.dir.path();
        cmd.env("HOME", d)
            .env("RABBITMQ_CONF_ENV_FILE", d.join("rabbitmq-env.conf"))
            .env("RABBITMQ_NODENAME", &self.node)
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_NODE_PORT", self.amqp_port.to_string())
            .env("RABBITMQ_DIST_PORT", self.dist_port.to_string())
            .env("RABBITMQ_CONFIG_FILE", d.join("rabbitmq.conf"))
            .env("RABBITMQ_ADVANCED_CONFIG_FILE", d.join("advanced.config"))
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", d.join("enabled_plugins"))
            .env("RABBITMQ_MNESIA_BASE", d.join("mnesia"))
            .env("RABBITMQ_FEATURE_FLAGS_FILE", d.join("mnesia/feature_flags"))
            .env("RABBITMQ_PLUGINS_EXPAND_DIR", d.join("mnesia/plugins-expand"))
            .env("RABBITMQ_LOG_BASE", d.join("log"))
            .env("RABBITMQ_PID_FILE", d.join("node.pid"))
            .env("ERL_EPMD_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-kernel inet_dist_use_interface {127,0,0,1}");
    }

    fn spawn(&mut self) {
        let _ = std::fs::remove_file(self.dir.path().join("node.pid"));
        let mut cmd = Command::new(Path::new(BIN).join("rabbitmq-server"));
        self.env(&mut cmd);
        let out = std::fs::File::create(self.dir.path().join("log/server.out")).unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start rabbitmq-server ({e}): run scripts/install-peers"));
        self.child = Some(child);
        let mut wait = Command::new(Path::new(BIN).join("rabbitmqctl"));
        self.env(&mut wait);
        let status = wait
            .args(["-n", &self.node, "wait", "--timeout", "90"])
            .arg(self.dir.path().join("node.pid"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "RabbitMQ node did not start: {}", self.log());
        let deadline = Instant::now() + Duration::from_secs(30);
        for port in [self.stomp_port, self.ws_port, self.wss_port] {
            while TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(Instant::now() < deadline, "RabbitMQ is not listening on {port}: {}", self.log());
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }

    fn pid(&self) -> Option<String> {
        std::fs::read_to_string(self.dir.path().join("node.pid")).ok().map(|p| p.trim().to_string())
    }

    /// Kills the node (SIGKILL to the Erlang VM): no clean shutdown.
    pub fn kill(&mut self) {
        if let Some(pid) = self.pid() {
            let _ = Command::new("kill").args(["-9", &pid]).status();
        }
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.ws_port)).is_ok() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Starts the node again on the same ports with the same data.
    pub fn restart(&mut self) {
        self.spawn();
    }

    /// The node's log.
    pub fn log(&self) -> String {
        let mut text = std::fs::read_to_string(self.dir.path().join("log/server.out")).unwrap_or_default();
        if let Ok(entries) = std::fs::read_dir(self.dir.path().join("log")) {
            for e in entries.flatten() {
                if e.path().extension().is_some_and(|x| x == "log") {
                    text.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
                }
            }
        }
        text
    }

    /// Sends each body to `destination` (persistent), one STOMP SEND with a receipt each, over
    /// TCP; returns once the broker has acknowledged every one.
    pub fn publish(&self, destination: &str, bodies: &[&[u8]]) {
        let mut s = TcpStream::connect(("127.0.0.1", self.stomp_port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut decoder = Decoder::new();
        let connect = Frame::new(Stomp::Connect)
            .with_header("accept-version", "1.2")
            .with_header("host", "/")
            .with_header("login", USER)
            .with_header("passcode", PASSWORD);
        s.write_all(&encode(&connect)).unwrap();
        expect(&mut s, &mut decoder, Stomp::Connected);
        for (i, body) in bodies.iter().enumerate() {
            let send = Frame::new(Stomp::Send)
                .with_header("destination", destination)
                .with_header("persistent", "true")
                .with_header("receipt", format!("p{i}"))
                .with_body(body.to_vec());
            s.write_all(&encode(&send)).unwrap();
        }
        for _ in bodies {
            expect(&mut s, &mut decoder, Stomp::Receipt);
        }
        let _ = s.write_all(&encode(&Frame::new(Stomp::Disconnect)));
    }
}

/// Reads frames until one of `command`; panics on an ERROR.
fn expect(s: &mut TcpStream, decoder: &mut Decoder, command: Stomp) -> Frame {
    let mut buf = [0_u8; 8192];
    loop {
        while let Some(item) = decoder.next().unwrap() {
            if let Decoded::Frame(f) = item {
                assert_ne!(f.command, Stomp::Error, "broker ERROR: {f:?}");
                if f.command == command {
                    return f;
                }
            }
        }
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "broker closed the test publisher's connection");
        decoder.push(&buf[..n]);
    }
}

impl Drop for Rabbit {
    fn drop(&mut self) {
        let mut stop = Command::new(Path::new(BIN).join("rabbitmqctl"));
        self.env(&mut stop);
        let stopped = stop
            .args(["-n", &self.node, "stop"])
            .arg(self.dir.path().join("node.pid"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !stopped {
            self.kill();
        }
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
