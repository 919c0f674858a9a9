//! A real Mosquitto broker on loopback: an ephemeral port, a temporary persistence directory,
//! killed on drop. `kill` (SIGKILL, no clean save) and `restart` (same port, same directory)
//! simulate a broker crash; `stop` shuts it down cleanly (its database saved).
//!
//! Tests wait on what the broker logs (`log_type all`), never on a sleep: a SUBACK before
//! anything is published to a subscriber, a database save before a crash.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian installs the broker (`scripts/install-peers` installs it).
pub const BINARY: &str = "/usr/sbin/mosquitto";
/// The publishing client from `mosquitto-clients`.
pub const PUB: &str = "/usr/bin/mosquitto_pub";
/// Writes the broker's password file.
pub const PASSWD: &str = "/usr/bin/mosquitto_passwd";
/// Gooee's user name: every client authenticates as `authorization` with its API token.
pub const USERNAME: &str = "authorization";
/// The API token (password) a TLS test broker expects.
pub const TOKEN: &str = "it-gooee-token";
/// The subscribing client from `mosquitto-clients`.
pub const SUB: &str = "/usr/bin/mosquitto_sub";

/// A running broker.
pub struct Mosquitto {
    child: Option<Child>,
    /// The loopback port it listens on.
    pub port: u16,
    dir: tempfile::TempDir,
    /// With TLS (and a client certificate required): the subject alternative name of its
    /// certificate (`IP:127.0.0.1`, `DNS:broker.test`).
    tls: Option<String>,
}

/// The PEM files of a TLS broker, made with the `openssl` command in its directory.
pub struct TlsFiles {
    /// The CA that signs the broker and client certificates.
    pub ca: PathBuf,
    /// The client certificate.
    pub client_cert: PathBuf,
    /// The client certificate's key.
    pub client_key: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl ({e}): install the openssl package"));
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

impl Mosquitto {
    /// Starts a broker with persistence (saved after every change) on a free port.
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// Starts a broker set up as Gooee's: TLS only, a client certificate signed by its own test
    /// CA required (see [`Mosquitto::tls_files`]), and user name [`USERNAME`] with password
    /// [`TOKEN`] required (no anonymous clients).
    pub fn start_tls() -> Self {
        Self::start_with(Some("IP:127.0.0.1"))
    }

    /// [`Mosquitto::start_tls`] with a certificate valid for the DNS name `name` only, not for
    /// the address clients connect to (they need a server name set to verify it).
    pub fn start_tls_named(name: &str) -> Self {
        Self::start_with(Some(&format!("DNS:{name}")))
    }

    fn start_with(tls: Option<&str>) -> Self {
        for bin in [BINARY, PUB] {
            assert!(
                Path::new(bin).exists(),
                "{bin} is missing: run scripts/install-peers (installs mosquitto and mosquitto-clients)"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let port = super::free_port();
        let mut m = Self { child: None, port, dir, tls: tls.map(String::from) };
        if let Some(name) = tls {
            make_certificates_for(m.dir.path(), name);
            let out = Command::new(PASSWD)
                .args(["-b", "-c"])
                .arg(m.dir.path().join("passwd"))
                .args([USERNAME, TOKEN])
                .output()
                .unwrap_or_else(|e| panic!("cannot run {PASSWD} ({e}): run scripts/install-peers"));
            assert!(out.status.success(), "mosquitto_passwd: {}", String::from_utf8_lossy(&out.stderr));
        }
        m.write_config();
        m.spawn();
        m
    }
}

/// Writes a test CA (`ca.pem`), a server certificate for 127.0.0.1 (`server.pem`, `server.key`)
/// and a client certificate (`client.pem`, `client.key`) signed by it into `d`, with openssl.
pub fn make_certificates(d: &Path) {
    make_certificates_for(d, "IP:127.0.0.1");
}

/// [`make_certificates`] with the server certificate valid for `subject_alt_name` only
/// (`DNS:hemis.local`, `IP:127.0.0.1`).
pub fn make_certificates_for(d: &Path, subject_alt_name: &str) {
    {
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        openssl(
            d,
            &[
                &["req", "-x509"][..],
                &ec,
                &["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=it-ca"],
            ]
            .concat(),
        );
        let server_ext = format!("subjectAltName={subject_alt_name}\nextendedKeyUsage=serverAuth\n");
        std::fs::write(d.join("server.ext"), server_ext).unwrap();
        std::fs::write(d.join("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
        let server_cn = subject_alt_name.split_once(':').map_or(subject_alt_name, |(_, name)| name);
        for (name, cn) in [("server", server_cn), ("client", "it-client")] {
            let (key, csr, pem, ext) =
                (format!("{name}.key"), format!("{name}.csr"), format!("{name}.pem"), format!("{name}.ext"));
            openssl(
                d,
                &[&["req"][..], &ec, &["-keyout", &key, "-out", &csr, "-subj", &format!("/CN={cn}")]]
                    .concat(),
            );
            openssl(
                d,
                &[
                    "x509",
                    "-req",
                    "-in",
                    &csr,
                    "-CA",
                    "ca.pem",
                    "-CAkey",
                    "ca.key",
                    "-CAcreateserial",
                    "-out",
                    &pem,
                    "-days",
                    "2",
                    "-extfile",
                    &ext,
                ],
            );
        }
    }
}

impl Mosquitto {
    /// The CA and client certificate of a TLS broker.
    pub fn tls_files(&self) -> TlsFiles {
        let d = self.dir.path();
        TlsFiles { ca: d.join("ca.pem"), client_cert: d.join("client.pem"), client_key: d.join("client.key") }
    }

    fn write_config(&self) {
        let d = self.dir.path().display();
        let tls = if self.tls.is_some() {
            format!(
                "cafile {d}/ca.pem\ncertfile {d}/server.pem\nkeyfile {d}/server.key\n\
                 require_certificate true\npassword_file {d}/passwd\n"
            )
        } else {
            String::new()
        };
        let conf = format!(
            "listener {port} 127.0.0.1\n{tls}allow_anonymous {anonymous}\nuser root\npersistence true\n\
             persistence_location {d}/\nautosave_on_changes true\nautosave_interval 1\n\
             max_queued_messages 10000\nlog_dest file {d}/mosquitto.log\nlog_type all\n",
            port = self.port,
            anonymous = self.tls.is_none(),
        );
        std::fs::write(self.dir.path().join("mosquitto.conf"), conf).unwrap();
    }

    fn spawn(&mut self) {
        let child = Command::new(BINARY)
            .arg("-c")
            .arg(self.dir.path().join("mosquitto.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {BINARY} ({e}): run scripts/install-peers"));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "mosquitto did not listen on {} within 10 s: {}",
                self.port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the broker with SIGKILL: no clean shutdown, only what it autosaved survives.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Stops the broker cleanly (SIGTERM) and waits for it to exit: it saves its database
    /// (sessions, subscriptions, queued messages) on the way out.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let out = Command::new("kill").args(["-TERM", &c.id().to_string()]).output().unwrap();
            assert!(out.status.success(), "kill -TERM: {}", String::from_utf8_lossy(&out.stderr));
            let status = c.wait().unwrap();
            assert!(status.success(), "mosquitto exited with {status} on SIGTERM:\n{}", self.log());
            assert!(self.log().contains("terminating"), "no clean shutdown:\n{}", self.log());
        }
    }

    /// Starts the broker again on the same port and persistence directory.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// The persistence and log directory.
    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// The broker's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("mosquitto.log")).unwrap_or_default()
    }

    /// Waits until the log contains `needle` (e.g. `Sending SUBACK to <client id>`).
    pub async fn wait_for_log(&self, needle: &str, timeout: Duration) {
        self.wait_for_log_count(needle, 1, timeout).await;
    }

    /// How many times the log (which survives restarts) shows `needle`.
    pub fn log_count(&self, needle: &str) -> usize {
        self.log().matches(needle).count()
    }

    /// Waits until the log shows `needle` at least `count` times: take [`Mosquitto::log_count`]
    /// before an action and wait for one more, when an earlier line would match too.
    pub async fn wait_for_log_count(&self, needle: &str, count: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.log_count(needle) < count {
            assert!(
                Instant::now() < deadline,
                "mosquitto log never showed {needle:?} {count} times:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until the broker has saved its database after the last PUBLISH it received (it
    /// autosaves after every change), so that a [`Mosquitto::kill`] now loses none of the
    /// messages it has acknowledged.
    ///
    /// The broker logs `Saving in-memory database` *before* it writes the file and renames it
    /// into place, all in its one thread: the save is complete only once a later line shows
    /// that the broker went on. A connection opened here makes it log one if nothing else does.
    pub async fn wait_until_saved(&self) {
        const SAVE: &str = "Saving in-memory database";
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = self.log();
            let last_publish = log.rfind("Received PUBLISH from");
            if let Some(save) = log.rfind(SAVE).filter(|save| last_publish.is_none_or(|p| *save > p)) {
                if log.get(save..).is_some_and(|rest| rest.lines().count() > 1) {
                    return;
                }
                let _probe = std::net::TcpStream::connect(("127.0.0.1", self.port));
            }
            assert!(Instant::now() < deadline, "mosquitto never saved after its last PUBLISH:\n{log}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Publishes each message on its topic with QoS 1 through `mosquitto_pub` (one process per
    /// topic, one message per line); returns once the broker acknowledged them all.
    pub fn publish(&self, messages: &[(&str, String)]) {
        let mut topics: Vec<&str> = Vec::new();
        for (t, _) in messages {
            if !topics.contains(t) {
                topics.push(t);
            }
        }
        for topic in topics {
            let mut child = Command::new(PUB)
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-q", "1", "-i"])
                .arg(format!("it-pub-{}", std::process::id()))
                .args(["-t", topic, "-l"])
                .args(self.tls_args())
                .stdin(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {PUB} ({e}): run scripts/install-peers"));
            let mut stdin = child.stdin.take().unwrap();
            for (_, m) in messages.iter().filter(|(t, _)| *t == topic) {
                assert!(!m.contains('\n'), "one line per message");
                writeln!(stdin, "{m}").unwrap();
            }
            drop(stdin);
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "mosquitto_pub failed: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
}

impl Mosquitto {
    /// Publishes one message of any bytes (a Protobuf body, newlines included) on `topic` with
    /// QoS 1 through `mosquitto_pub -f`; returns once the broker acknowledged it.
    pub fn publish_bytes(&self, topic: &str, payload: &[u8]) {
        let file = tempfile::NamedTempFile::new_in(self.dir.path()).unwrap();
        std::fs::write(file.path(), payload).unwrap();
        let out = Command::new(PUB)
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-q", "1", "-i"])
            .arg(format!("it-pub-bytes-{}", std::process::id()))
            .args(["-t", topic, "-f"])
            .arg(file.path())
            .args(self.tls_args())
            .output()
            .unwrap_or_else(|e| panic!("cannot start {PUB} ({e}): run scripts/install-peers"));
        assert!(out.status.success(), "mosquitto_pub -f failed: {}", String::from_utf8_lossy(&out.stderr));
    }
}

/// How long a `mosquitto_sub` started by [`Mosquitto::subscribe`] waits for its messages.
const SUBSCRIBER_TIMEOUT_SECS: u32 = 60;

impl Mosquitto {
    /// Subscribes to `filter` (QoS 1) as `client` in a clean session; returns the
    /// `mosquitto_sub` process, which prints `topic payload` lines and exits after `count`
    /// messages or 60 s. Returns once the broker acknowledged this subscription (a SUBACK to
    /// `client` after those already in the log): only what is published after that arrives.
    pub async fn subscribe(&self, client: &str, filter: &str, count: usize) -> Child {
        self.subscriber(client, filter, count, false).await
    }

    /// Creates a persistent session for `client` subscribed to `filter` (QoS 1), then
    /// disconnects: from now on the broker queues every matching message for it, and keeps the
    /// session across a [`Mosquitto::stop`] and restart. Returns once the client has exited
    /// after the broker's SUBACK.
    pub async fn create_session(&self, client: &str, filter: &str) {
        let mut command = self.sub_command(client, filter, true);
        command.arg("-E");
        let out = tokio::task::spawn_blocking(move || command.output()).await.unwrap().unwrap();
        assert!(out.status.success(), "mosquitto_sub -E: {}", String::from_utf8_lossy(&out.stderr));
        assert!(self.log().contains(&format!("Sending SUBACK to {client}")), "{}", self.log());
    }

    /// Reconnects to the persistent session of `client` made by [`Mosquitto::create_session`]:
    /// the messages queued while it was away arrive first. Otherwise like
    /// [`Mosquitto::subscribe`].
    pub async fn resume_session(&self, client: &str, filter: &str, count: usize) -> Child {
        self.subscriber(client, filter, count, true).await
    }

    async fn subscriber(&self, client: &str, filter: &str, count: usize, persistent: bool) -> Child {
        let suback = format!("Sending SUBACK to {client}");
        let before = self.log_count(&suback);
        let child = self
            .sub_command(client, filter, persistent)
            .args(["-C", &count.to_string(), "-W", &SUBSCRIBER_TIMEOUT_SECS.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {SUB} ({e}): run scripts/install-peers"));
        self.wait_for_log_count(&suback, before + 1, Duration::from_secs(10)).await;
        child
    }

    /// `mosquitto_sub` for `client` on `filter` at QoS 1, printing topics; `-c` (a persistent
    /// session) when `persistent`.
    fn sub_command(&self, client: &str, filter: &str, persistent: bool) -> Command {
        let mut command = Command::new(SUB);
        command
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-q", "1", "-v", "-i", client])
            .args(["-t", filter])
            .args(if persistent { &["-c"][..] } else { &[] })
            .args(self.tls_args())
            .stdin(Stdio::null())
            .stderr(Stdio::piped());
        command
    }

    fn tls_args(&self) -> Vec<String> {
        let Some(name) = &self.tls else {
            return Vec::new();
        };
        let f = self.tls_files();
        // The mosquitto clients have no server-name option: skip the name check of a
        // certificate that does not name 127.0.0.1 (the chain is still verified).
        let insecure = (name != "IP:127.0.0.1").then(|| "--insecure".to_string());
        [("--cafile", f.ca), ("--cert", f.client_cert), ("--key", f.client_key)]
            .into_iter()
            .flat_map(|(flag, p)| [flag.to_string(), p.display().to_string()])
            .chain(["-u", USERNAME, "-P", TOKEN].map(String::from))
            .chain(insecure)
            .collect()
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        self.kill();
    }
}
