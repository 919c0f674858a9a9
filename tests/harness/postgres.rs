//! PostgreSQL for tests: a schema of its own per test in the machine's server (127.0.0.1:5432,
//! trust auth, user `postgres`, database `test`), dropped on drop; or a private cluster in a
//! temporary directory on a free port (`initdb` + `pg_ctl`, as user `postgres` when run as root),
//! which a test may kill and start again.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The machine's server, as a connection string.
pub const SYSTEM: &str = "host=127.0.0.1 port=5432 user=postgres dbname=test";
/// The Debian client (`scripts/install-peers` installs postgresql).
pub const PSQL: &str = "/usr/bin/psql";
/// Where Debian installs the server programs.
pub const BIN: &str = "/usr/lib/postgresql/15/bin";

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Runs SQL with psql against `url`; panics with psql's message on failure; returns its output
/// (unaligned, tuples only).
pub fn psql(url: &str, sql: &str) -> String {
    assert!(Path::new(PSQL).exists(), "{PSQL} is missing: run scripts/install-peers");
    let out = Command::new(PSQL)
        .args([url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {PSQL}: {e}"));
    assert!(out.status.success(), "psql {sql:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A schema name unique to this test run (`it_<pid>_<n>_<label>`).
pub fn unique(label: &str) -> String {
    format!("it_{}_{}_{label}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A schema of its own in a server, dropped (with everything in it) on drop.
pub struct Schema {
    /// Its name.
    pub name: String,
    /// The server's connection string.
    pub url: String,
}

impl Schema {
    /// A fresh name in the machine's server; the sink creates the schema itself.
    pub fn new(label: &str) -> Self {
        Self::in_server(SYSTEM, label)
    }

    /// A fresh name in the server at `url`.
    pub fn in_server(url: &str, label: &str) -> Self {
        let s = Self { name: unique(label), url: url.to_string() };
        psql(url, &format!("DROP SCHEMA IF EXISTS {} CASCADE", s.name));
        s
    }

    /// Runs SQL with psql; returns the output.
    pub fn sql(&self, sql: &str) -> String {
        psql(&self.url, sql)
    }

    /// One number a query returns.
    pub fn count(&self, sql: &str) -> i64 {
        let out = self.sql(sql);
        out.parse().unwrap_or_else(|e| panic!("{sql:?} gave {out:?}: {e}"))
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let _ = Command::new(PSQL)
            .args([
                self.url.as_str(),
                "-X",
                "-q",
                "-c",
                &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name),
            ])
            .output();
    }
}

/// A private PostgreSQL cluster on a free loopback port, stopped (immediately) on drop.
pub struct Cluster {
    dir: tempfile::TempDir,
    /// Its port.
    pub port: u16,
}

/// Runs a server program, as user `postgres` when this process is root (initdb refuses root).
fn pg(program: &str, args: &[&str]) {
    let path = PathBuf::from(BIN).join(program);
    assert!(path.exists(), "{} is missing: run scripts/install-peers (installs postgresql)", path.display());
    let root = Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false);
    let out = if root {
        Command::new("runuser").args(["-u", "postgres", "--"]).arg(&path).args(args).output()
    } else {
        Command::new(&path).args(args).output()
    }
    .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Cluster {
    /// Makes and starts a cluster (trust auth, user `postgres`, fsync off).
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root =
            Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false);
        if root {
            let out =
                Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()).output().unwrap();
            assert!(out.status.success(), "chown: {}", String::from_utf8_lossy(&out.stderr));
        }
        let data = dir.path().join("data");
        pg(
            "initdb",
            &["-D", &data.display().to_string(), "-U", "postgres", "--auth=trust", "-N", "-E", "UTF8"],
        );
        let c = Self { dir, port: super::free_port() };
        c.start_again();
        c
    }

    /// Its connection string (database `postgres`).
    pub fn url(&self) -> String {
        format!("host=127.0.0.1 port={} user=postgres dbname=postgres", self.port)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// Starts the stopped cluster on the same port and waits until it accepts connections.
    pub fn start_again(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=20",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        pg("pg_ctl", &["-D", &self.data(), "-o", &options, "-l", &log, "-w", "-t", "60", "start"]);
    }

    /// Stops the cluster at once (`-m immediate`: connections cut, no clean shutdown).
    pub fn kill(&self) {
        pg("pg_ctl", &["-D", &self.data(), "-m", "immediate", "-w", "stop"]);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = std::panic::catch_unwind(|| self.kill());
    }
}
