//! A real OpenSSH server on loopback: a private `sshd -D` with its own config, host key and
//! authorized keys in a temporary directory, a free port and the `internal-sftp` subsystem.
//! Key authentication only (a client key made by ssh-keygen); it runs as the current user
//! (root here, `StrictModes no`). Killed on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian installs the server (`scripts/install-peers` installs openssh-server).
pub const BINARY: &str = "/usr/sbin/sshd";
/// Makes the host and client keys (openssh-client, on the image).
pub const KEYGEN: &str = "/usr/bin/ssh-keygen";

/// A running server.
pub struct Sshd {
    child: Option<Child>,
    /// The loopback port.
    pub port: u16,
    dir: tempfile::TempDir,
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
        let conf = format!(
            "ListenAddress 127.0.0.1\nPort {port}\nHostKey {d}/host_ed25519\nPidFile {d}/sshd.pid\n\
             AuthorizedKeysFile {d}/authorized_keys\nPermitRootLogin prohibit-password\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n\
             LogLevel VERBOSE\nSubsystem sftp internal-sftp\n",
            d = d.display()
        );
        std::fs::write(d.join("sshd_config"), conf).unwrap();
        let mut s = Self { child: None, port, dir };
        s.spawn();
        s
    }

    fn spawn(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("sshd.log")).unwrap();
        let child = Command::new(BINARY)
            .args(["-D", "-e", "-f"])
            .arg(self.dir.path().join("sshd_config"))
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
        let out = Command::new("id").arg("-un").output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
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

impl Drop for Sshd {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
