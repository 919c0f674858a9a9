//! A real vsftpd on loopback: its own config in a temporary directory, a free control port and a
//! range of passive data ports, anonymous login with a writable folder `in/` (files written
//! straight to [`Vsftpd::files`] are what clients see). With TLS: explicit FTPS required for
//! login and data, an RSA certificate for 127.0.0.1 signed by a test CA made with openssl, and
//! `require_ssl_reuse=NO` (rustls clients do not resume the TLS session on data connections).
//! Killed on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian installs the server (`scripts/install-peers` installs vsftpd).
pub const BINARY: &str = "/usr/sbin/vsftpd";
/// Passive data ports per server.
const PASV_PORTS: usize = 4;

/// A running server.
pub struct Vsftpd {
    child: Option<Child>,
    /// The loopback control port.
    pub port: u16,
    dir: tempfile::TempDir,
}

fn run(dir: &Path, program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}): run scripts/install-peers"));
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A test CA (`ca.pem`) and an RSA server certificate for 127.0.0.1 (`server.pem`,
/// `server.key`) in `d`.
fn make_certificates(d: &Path) {
    let rsa = ["-newkey", "rsa:2048", "-nodes"];
    run(
        d,
        "openssl",
        &[
            &["req", "-x509"][..],
            &rsa,
            &["-days", "2", "-subj", "/CN=it-ftp-ca", "-keyout", "ca.key", "-out", "ca.pem"],
        ]
        .concat(),
    );
    run(
        d,
        "openssl",
        &[&["req"][..], &rsa, &["-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr"]]
            .concat(),
    );
    std::fs::write(
        d.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(
        d,
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.pem",
        ],
    );
}

impl Vsftpd {
    /// Starts a plain FTP server.
    pub fn start() -> Self {
        Self::start_with(false)
    }

    /// Starts an FTPS server (explicit `AUTH TLS` required); its CA is [`Vsftpd::ca`].
    pub fn start_tls() -> Self {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Self {
        assert!(
            Path::new(BINARY).exists(),
            "{BINARY} is missing: run scripts/install-peers (installs vsftpd)"
        );
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // vsftpd refuses a writable anonymous root: the root is the server's, `in/` is user ftp's.
        std::fs::create_dir_all(d.join("ftp/in")).unwrap();
        std::fs::create_dir_all(d.join("empty")).unwrap();
        for (path, mode) in [(d.to_path_buf(), "755"), (d.join("ftp"), "755"), (d.join("ftp/in"), "777")] {
            run(d, "chmod", &[mode, &path.display().to_string()]);
        }
        let ports = super::free_ports::<{ PASV_PORTS + 1 }>();
        let (port, pasv) = (ports[0], &ports[1..]);
        let tls_conf = if tls {
            make_certificates(d);
            format!(
                "ssl_enable=YES\nallow_anon_ssl=YES\nforce_anon_logins_ssl=YES\nforce_anon_data_ssl=YES\n\
                 require_ssl_reuse=NO\nssl_ciphers=HIGH\nrsa_cert_file={d}/server.pem\n\
                 rsa_private_key_file={d}/server.key\n",
                d = d.display()
            )
        } else {
            "ssl_enable=NO\n".to_string()
        };
        // Passive ports: a contiguous range is not guaranteed free, so the range spans the free
        // ports found and vsftpd picks within it (a taken port in between is skipped by vsftpd).
        let (min, max) = (pasv.iter().min().unwrap(), pasv.iter().max().unwrap());
        let conf = format!(
            "listen=YES\nlisten_ipv6=NO\nlisten_address=127.0.0.1\nlisten_port={port}\nbackground=NO\n\
             seccomp_sandbox=NO\nsecure_chroot_dir={d}/empty\nanonymous_enable=YES\nanon_root={d}/ftp\n\
             no_anon_password=YES\nwrite_enable=YES\nanon_upload_enable=YES\nanon_mkdir_write_enable=YES\n\
             anon_other_write_enable=YES\nanon_umask=022\nlocal_enable=NO\npasv_enable=YES\n\
             pasv_address=127.0.0.1\npasv_min_port={min}\npasv_max_port={max}\n{tls_conf}\
             vsftpd_log_file={d}/vsftpd.log\nxferlog_enable=YES\nlog_ftp_protocol=YES\n",
            d = d.display()
        );
        std::fs::write(d.join("vsftpd.conf"), conf).unwrap();
        let mut v = Self { child: None, port, dir };
        v.spawn();
        v
    }

    fn spawn(&mut self) {
        let out = std::fs::File::create(self.dir.path().join("out.log")).unwrap();
        let child = Command::new(BINARY)
            .arg(self.dir.path().join("vsftpd.conf"))
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
                "vsftpd did not listen on {} within 15 s: {}",
                self.port,
                self.log()
            );
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                panic!("vsftpd exited with {status}: {}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The anonymous user's writable folder, `/in` for clients.
    pub fn files(&self) -> PathBuf {
        self.dir.path().join("ftp/in")
    }

    /// The test CA that signs the server's certificate (TLS servers).
    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The server's logs so far.
    pub fn log(&self) -> String {
        let read = |f: &str| std::fs::read_to_string(self.dir.path().join(f)).unwrap_or_default();
        format!("{}{}", read("out.log"), read("vsftpd.log"))
    }
}

impl Drop for Vsftpd {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
