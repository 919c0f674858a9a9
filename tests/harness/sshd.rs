//! A real OpenSSH server on loopback: a private `sshd -D` with its own config, host key and
//! authorized keys in a temporary directory, a free port and the `internal-sftp` subsystem.
//! Key authentication (a client key made by ssh-keygen); it runs as the current user (root
//! here, `StrictModes no`). Killed on drop.
//!
//! Password authentication ([`Sshd::start_with_password`]) without touching the system's
//! accounts: sshd (`UsePAM no`) checks a password against the user's `/etc/shadow` entry, so the
//! server runs in a mount namespace of its own (`unshare --mount`, private propagation) where a
//! copy of `/etc/shadow`, whose entry for the current user carries the test password, is bind
//! mounted over the real one. The namespace and its mount end with the server; the host's
//! `/etc/shadow` is never written.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian installs the server (`scripts/install-peers` installs openssh-server).
pub const BINARY: &str = "/usr/sbin/sshd";
/// Makes the host and client keys (openssh-client, on the image).
pub const KEYGEN: &str = "/usr/bin/ssh-keygen";
/// Runs the password server in a mount namespace of its own (util-linux, on the image).
pub const UNSHARE: &str = "/usr/bin/unshare";
/// Hashes the test password (`openssl passwd -6`: SHA-512 crypt, which glibc checks).
pub const OPENSSL: &str = "/usr/bin/openssl";

/// A running server.
pub struct Sshd {
    child: Option<Child>,
    /// The loopback port.
    pub port: u16,
    dir: tempfile::TempDir,
    /// The server checks passwords against a private copy of `/etc/shadow`.
    password: bool,
}

fn keygen(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(KEYGEN)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {KEYGEN} ({e}): install openssh-client"));
    assert!(out.status.success(), "ssh-keygen {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Sshd {
    /// Starts a server on a free port; its files folder ([`Sshd::files`]) is empty.
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// Starts a server that accepts only a password login of [`Sshd::user`] with `password`
    /// (`AuthenticationMethods password`: a key is not enough), checked against a private copy
    /// of `/etc/shadow` mounted in the server's own mount namespace (see the module doc).
    pub fn start_with_password(password: &str) -> Self {
        Self::start_with(Some(password))
    }

    fn start_with(password: Option<&str>) -> Self {
        assert!(
            Path::new(BINARY).exists(),
            "{BINARY} is missing: run scripts/install-peers (installs openssh-server)"
        );
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for key in ["host_ed25519", "client_ed25519", "other_host_ed25519"] {
            keygen(d, &["-q", "-t", "ed25519", "-N", "", "-C", key, "-f", key]);
        }
        std::fs::copy(d.join("client_ed25519.pub"), d.join("authorized_keys")).unwrap();
        std::fs::create_dir_all(d.join("files")).unwrap();
        // sshd refuses to start without its privilege separation folder.
        std::fs::create_dir_all("/run/sshd").unwrap();
        let port = super::free_port();
        let auth = match password {
            None => "PermitRootLogin prohibit-password\nPasswordAuthentication no\n",
            Some(p) => {
                std::fs::write(d.join("shadow"), shadow_with(&user(), p)).unwrap();
                "PermitRootLogin yes\nPasswordAuthentication yes\nAuthenticationMethods password\n"
            }
        };
        let conf = format!(
            "ListenAddress 127.0.0.1\nPort {port}\nHostKey {d}/host_ed25519\nPidFile {d}/sshd.pid\n\
             AuthorizedKeysFile {d}/authorized_keys\n{auth}\
             KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n\
             LogLevel VERBOSE\nSubsystem sftp internal-sftp\n",
            d = d.display()
        );
        std::fs::write(d.join("sshd_config"), conf).unwrap();
        let mut s = Self { child: None, port, dir, password: password.is_some() };
        s.spawn();
        s
    }

    fn spawn(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("sshd.log")).unwrap();
        let d = self.dir.path();
        let mut command = if self.password {
            assert!(Path::new(UNSHARE).exists(), "{UNSHARE} is missing: install util-linux");
            // unshare execs the shell, which execs sshd: the child is the server itself, and
            // the bind mount lives only in its namespace.
            let mut c = Command::new(UNSHARE);
            c.args(["--mount", "--propagation", "private", "/bin/sh", "-c"])
                .arg(r#"mount --bind "$1" /etc/shadow && exec "$2" -D -e -f "$3""#)
                .arg("sh")
                .arg(d.join("shadow"))
                .arg(BINARY)
                .arg(d.join("sshd_config"));
            c
        } else {
            let mut c = Command::new(BINARY);
            c.args(["-D", "-e", "-f"]).arg(d.join("sshd_config"));
            c
        };
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {BINARY} ({e}): run scripts/install-peers"));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "sshd did not listen on {} within 15 s: {}",
                self.port,
                self.log()
            );
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                panic!("sshd exited with {status}: {}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The folder clients see at [`Sshd::files`]'s absolute path (the server is not chrooted).
    pub fn files(&self) -> PathBuf {
        self.dir.path().join("files")
    }

    /// The user to log in as: the one running the server.
    pub fn user(&self) -> String {
        user()
    }

    /// The client's private key file (OpenSSH format, no passphrase).
    pub fn client_key(&self) -> PathBuf {
        self.dir.path().join("client_ed25519")
    }

    /// The SHA-256 fingerprint of the server's host key, as `ssh-keygen -lf` prints it.
    pub fn fingerprint(&self) -> String {
        Self::fingerprint_of(&self.dir.path().join("host_ed25519.pub"))
    }

    /// The fingerprint of another key, which the server does not have.
    pub fn other_fingerprint(&self) -> String {
        Self::fingerprint_of(&self.dir.path().join("other_host_ed25519.pub"))
    }

    fn fingerprint_of(public: &Path) -> String {
        let out = keygen(public.parent().unwrap(), &["-lf", &public.display().to_string()]);
        out.split_whitespace().nth(1).unwrap().to_string()
    }

    /// Writes a known_hosts file with the server's key (or another key, with `right` false)
    /// for `[127.0.0.1]:port`; returns its path.
    pub fn known_hosts(&self, right: bool) -> PathBuf {
        let key = if right { "host_ed25519.pub" } else { "other_host_ed25519.pub" };
        let public = std::fs::read_to_string(self.dir.path().join(key)).unwrap();
        let mut parts = public.split_whitespace();
        let (kind, blob) = (parts.next().unwrap(), parts.next().unwrap());
        let path = self.dir.path().join(if right { "known_hosts" } else { "known_hosts.wrong" });
        std::fs::write(&path, format!("[127.0.0.1]:{} {kind} {blob}\n", self.port)).unwrap();
        path
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }
}

/// The user running the tests.
fn user() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A copy of `/etc/shadow` whose entry for `user` has `password` (SHA-512 crypt), changed
/// today and never expiring (so sshd does not ask for a new password).
fn shadow_with(user: &str, password: &str) -> String {
    assert!(Path::new(OPENSSL).exists(), "{OPENSSL} is missing: install openssl");
    let out = Command::new(OPENSSL)
        .args(["passwd", "-6", "-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let mut child = out.unwrap_or_else(|e| panic!("cannot run {OPENSSL} ({e})"));
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(password.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "openssl passwd failed");
    let hash = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let today =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() / 86_400;
    let entry = format!("{user}:{hash}:{today}:0:99999:7:::");
    let system =
        std::fs::read_to_string("/etc/shadow").unwrap_or_else(|e| panic!("cannot read /etc/shadow: {e}"));
    let mut lines: Vec<String> =
        system.lines().filter(|l| l.split(':').next() != Some(user)).map(str::to_string).collect();
    lines.push(entry);
    lines.join("\n") + "\n"
}

impl Drop for Sshd {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
