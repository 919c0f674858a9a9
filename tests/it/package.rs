//! The Debian package (`scripts/package-deb`), end to end: built with the debug binary and
//! inspected (`dpkg-deb --info`, `--contents`), then installed with `dpkg -i` in a mount
//! namespace of its own where `/usr`, `/etc`, `/var` and `/run` are overlays whose upper layers
//! live in a tmpfs mounted only there: dpkg, adduser and the maintainer scripts write there, and
//! the host's files are compared before and after. No systemd runs here, so the test plays the
//! service manager: it checks the installed unit with `systemd-analyze verify` (which works
//! without a running systemd), then runs its `ExecStart` as its `User` and `Group` (setpriv), in
//! its `WorkingDirectory`, with its `Environment` and `EnvironmentFile`; a frame over HTTP into
//! SQLite, a config edit applied by `ExecReload` (SIGHUP), `KillSignal` (SIGTERM) and a clean
//! exit; then remove (the data stays) and purge (it goes). Runs as root (mounts, dpkg); a missing
//! tool fails the test and names its Debian package.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{self, envelope, post_raw};

/// What the test runs, and the Debian package each comes from.
const TOOLS: &[(&str, &str)] = &[
    ("/usr/bin/dpkg", "dpkg"),
    ("/usr/bin/dpkg-deb", "dpkg"),
    ("/usr/bin/dpkg-shlibdeps", "dpkg-dev"),
    ("/usr/bin/strip", "binutils"),
    ("/usr/sbin/adduser", "adduser"),
    ("/usr/bin/systemd-analyze", "systemd"),
    ("/usr/bin/unshare", "util-linux"),
    ("/usr/bin/nsenter", "util-linux"),
    ("/usr/bin/setpriv", "util-linux"),
    ("/usr/bin/getent", "libc-bin"),
    ("/bin/kill", "procps"),
];

const NSENTER: &str = "/usr/bin/nsenter";
const UNIT: &str = "/lib/systemd/system/passerelle.service";
const ENV_FILE: &str = "/etc/passerelle/passerelle.env";
const CONFIG: &str = "/etc/passerelle/passerelle.ron";
const DB: &str = "/var/lib/passerelle/passerelle.db";
/// systemd's `PATH` for system services.
const SERVICE_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin";
const TOKEN: &str = "pkg-token";
const TS: &str = "2026-11-22T08:00:00.000Z";

/// A mount namespace held open by a `sleep` (killed on drop, which ends the namespace, its
/// overlays and their tmpfs).
struct Namespace {
    holder: Child,
}

impl Namespace {
    fn new(scratch: &Path) -> Self {
        let script = r#"set -e
mount -t tmpfs tmpfs "$1"
for p in usr etc var run; do
  mkdir "$1/$p.upper" "$1/$p.work"
  mount -t overlay overlay -o "lowerdir=/$p,upperdir=$1/$p.upper,workdir=$1/$p.work" "/$p"
done
echo ready
exec sleep infinity"#;
        let mut holder = Command::new("/usr/bin/unshare")
            .args(["--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh"])
            .arg(scratch)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run unshare ({e}): install util-linux"));
        let mut line = String::new();
        BufReader::new(holder.stdout.take().unwrap()).read_line(&mut line).unwrap();
        if line.trim() != "ready" {
            let out = holder.wait_with_output().unwrap();
            panic!("the private overlays failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        Self { holder }
    }

    /// A path of the namespace, from the host (`/proc/<pid>/root`, through its mounts).
    fn path(&self, path: &str) -> PathBuf {
        PathBuf::from(format!("/proc/{}/root{path}", self.holder.id()))
    }

    /// `program` in the namespace, with a clean environment (`PATH` only).
    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(NSENTER);
        c.arg(format!("--target={}", self.holder.id()))
            .args(["--mount", "--no-fork", "--"])
            .arg(program)
            .env_clear()
            .env("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        c
    }

    /// Runs `program args` in the namespace and returns its stdout; a failure fails the test.
    fn run(&self, program: &str, args: &[&str]) -> String {
        let out = self.command(program).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{program} {args:?} in the namespace: {}\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn read(&self, path: &str) -> String {
        fs::read_to_string(self.path(path)).unwrap_or_else(|e| panic!("{path} in the namespace: {e}"))
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

/// The `[Service]` settings of a unit file, each key with its values in order.
fn service_section(unit: &str) -> BTreeMap<String, Vec<String>> {
    let mut settings: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut in_service = false;
    for line in unit.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            in_service = line == "[Service]";
            continue;
        }
        assert!(!line.ends_with('\\'), "the test reads no continued lines: {line}");
        if let (true, Some((key, value))) = (in_service, line.split_once('=')) {
            settings.entry(key.trim().to_string()).or_default().push(value.trim().to_string());
        }
    }
    settings
}

/// The `VAR=value` lines of an environment file (no quotes in ours).
fn env_file(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap_or_else(|| panic!("not VAR=value: {l}"));
            (k.trim().to_string(), v.trim().to_string())
        })
        .collect()
}

/// The unit's process as systemd would start it: `ExecStart` as `User`/`Group` with their
/// supplementary groups, `NoNewPrivileges`, in `WorkingDirectory`, with systemd's service
/// environment, `Environment` and the `EnvironmentFile`; stdout and stderr to `log` (the
/// journal's part).
struct Service {
    child: Child,
    log: PathBuf,
}

impl Service {
    fn start(ns: &Namespace, unit: &BTreeMap<String, Vec<String>>, log: &Path) -> Self {
        let file = fs::File::create(log).unwrap();
        let child = as_unit_user(ns, unit, &one(unit, "ExecStart"))
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap();
        Self { child, log: log.to_path_buf() }
    }

    fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Waits for the process to exit.
    fn exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "passerelle still runs after {within:?}:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `port` accepts connections.
    fn wait_listening(&mut self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(45);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(self.running(), "passerelle exited before listening:\n{}", self.log());
            assert!(
                Instant::now() < deadline,
                "passerelle did not listen on {port} in 45 s:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the log holds `line`.
    fn wait_log(&mut self, line: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.log().contains(line) {
            assert!(self.running(), "passerelle exited before logging {line:?}:\n{}", self.log());
            assert!(Instant::now() < deadline, "no {line:?} in the log in 20 s:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The last value of a unit setting.
fn one(unit: &BTreeMap<String, Vec<String>>, key: &str) -> String {
    unit.get(key).and_then(|v| v.last()).cloned().unwrap_or_else(|| panic!("the unit has no {key}="))
}

/// A command line of the unit, run in the namespace as systemd runs a service's commands.
fn as_unit_user(ns: &Namespace, unit: &BTreeMap<String, Vec<String>>, command_line: &str) -> Command {
    let user = one(unit, "User");
    let mut env: Vec<(String, String)> = vec![
        ("PATH".into(), SERVICE_PATH.into()),
        ("USER".into(), user.clone()),
        ("LOGNAME".into(), user.clone()),
        ("HOME".into(), ns.run("/usr/bin/getent", &["passwd", &user]).split(':').nth(5).unwrap().into()),
    ];
    for assignments in unit.get("Environment").into_iter().flatten() {
        for kv in assignments.split_whitespace() {
            let (k, v) = kv.split_once('=').unwrap();
            env.push((k.into(), v.into()));
        }
    }
    for file in unit.get("EnvironmentFile").into_iter().flatten() {
        // A leading `-`: a missing file is no error.
        let (optional, path) = file.strip_prefix('-').map_or((false, file.as_str()), |p| (true, p));
        match fs::read_to_string(ns.path(path)) {
            Ok(text) => env.extend(env_file(&text)),
            Err(e) => assert!(optional, "EnvironmentFile {path}: {e}"),
        }
    }
    let mut c = Command::new(NSENTER);
    c.arg(format!("--target={}", ns.holder.id()))
        .args(["--mount", "--no-fork"])
        .arg(format!("--wdns={}", one(unit, "WorkingDirectory")))
        .args(["--", "/usr/bin/setpriv"])
        .arg(format!("--reuid={user}"))
        .arg(format!("--regid={}", one(unit, "Group")))
        .arg("--init-groups");
    if one(unit, "NoNewPrivileges") == "yes" {
        c.arg("--no-new-privs");
    }
    c.arg("--").args(command_line.split_whitespace()).env_clear().envs(env);
    c
}

/// The debug `passerelle` binary, beside this test binary (`<target>/debug/deps/it-*`).
fn debug_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().and_then(Path::parent).unwrap().join("passerelle");
    assert!(
        bin.exists(),
        "{} is missing: cargo build -p passerelle (scripts/test builds it before the tests)",
        bin.display()
    );
    bin
}

/// Runs a host command; its stdout.
fn host(program: &str, args: &[&str]) -> String {
    let out =
        Command::new(program).args(args).output().unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What the package could change on the host: the account and dpkg databases and its paths.
fn host_state() -> Vec<(&'static str, Option<String>)> {
    ["/etc/passwd", "/etc/group", "/etc/shadow", "/var/lib/dpkg/status", "/var/log/dpkg.log"]
        .into_iter()
        .map(|p| (p, fs::read_to_string(p).ok()))
        .chain(
            ["/usr/bin/passerelle", "/etc/passerelle", "/var/lib/passerelle", UNIT, "/usr/lib/passerelle"]
                .into_iter()
                .map(|p| (p, Path::new(p).exists().then(|| "exists".to_string()))),
        )
        .collect()
}

/// The crate stems of `plugins/<dir>` folders, as their `.wasm` files are named.
fn stems(dir: &str) -> Vec<String> {
    let mut stems: Vec<String> = fs::read_dir(harness::root().join(dir))
        .unwrap()
        .map(Result::unwrap)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().replace('-', "_"))
        .collect();
    stems.sort();
    stems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_debian_package_installs_runs_as_its_unit_and_purges() {
    for (tool, package) in TOOLS {
        assert!(Path::new(tool).exists(), "{tool} is missing: apt-get install {package}");
    }
    assert_eq!(
        host("/usr/bin/id", &["-u"]).trim(),
        "0",
        "the package test needs root (mount namespaces, dpkg)"
    );
    let before = host_state();
    harness::plugin("energisme_push"); // plugins/dist is built, or the test says how

    // The package, with the debug binary and the plugins scripts/build-plugins made.
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(harness::root().join("scripts/package-deb"))
        .arg("--bin")
        .arg(debug_binary())
        .arg("--plugins")
        .arg(harness::root().join("plugins/dist"))
        .arg("--out")
        .arg(dir.path())
        // dpkg-deb's own settings: the debug binary is big, and xz (the default) took long.
        .env("DPKG_DEB_COMPRESSOR_TYPE", "gzip")
        .env("DPKG_DEB_COMPRESSOR_LEVEL", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "scripts/package-deb: {}", String::from_utf8_lossy(&out.stderr));
    let deb = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let arch = host("/usr/bin/dpkg", &["--print-architecture"]);
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        deb.file_name().unwrap().to_string_lossy(),
        format!("passerelle_{version}_{}.deb", arch.trim())
    );
    let deb = deb.to_str().unwrap();

    // Its metadata.
    let control = host("/usr/bin/dpkg-deb", &["--info", deb, "control"]);
    let field = |name: &str| {
        control
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name} in:\n{control}"))
            .to_string()
    };
    assert_eq!(field("Package"), "passerelle");
    assert_eq!(field("Version"), version);
    assert_eq!(field("Architecture"), arch.trim());
    let depends = field("Depends");
    assert!(depends.contains("libc6 (>= ") && depends.contains("adduser"), "Depends: {depends}");
    let conffiles = host("/usr/bin/dpkg-deb", &["--info", deb, "conffiles"]);
    assert_eq!(conffiles.lines().collect::<Vec<_>>(), [CONFIG, ENV_FILE]);
    for script in ["postinst", "prerm", "postrm"] {
        assert!(host("/usr/bin/dpkg-deb", &["--info", deb, script]).starts_with("#!/bin/sh"), "{script}");
    }

    // Its files: mode and owner by path (`--root-owner-group`: root's, whoever built it).
    let contents = host("/usr/bin/dpkg-deb", &["--contents", deb]);
    let files: BTreeMap<String, (String, String)> = contents
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[5].trim_start_matches('.').to_string(), (f[0].to_string(), f[1].to_string()))
        })
        .collect();
    for (path, mode) in [
        ("/usr/bin/passerelle", "-rwxr-xr-x"),
        (CONFIG, "-rw-r--r--"),
        (ENV_FILE, "-rw-------"),
        (UNIT, "-rw-r--r--"),
        ("/usr/share/doc/passerelle/copyright", "-rw-r--r--"),
    ] {
        assert_eq!(files.get(path).map(|(m, _)| m.as_str()), Some(mode), "{path} in:\n{contents}");
    }
    assert!(files.values().all(|(_, owner)| owner == "root/root"), "{contents}");
    let dir_of_plugins = "/usr/lib/passerelle/plugins/";
    let mut plugins: Vec<String> = files
        .keys()
        .filter_map(|p| p.strip_prefix(dir_of_plugins)?.strip_suffix(".wasm").map(str::to_string))
        .collect();
    plugins.sort();
    let mut shipped =
        [stems("plugins/decoders"), stems("plugins/connectors"), vec!["js_codec".into()]].concat();
    shipped.sort();
    assert_eq!(plugins, shipped, "the vendor decoders, the connectors and the script decoder");
    // plugins/dist holds the test plugins too: none of them is packaged.
    let is_test = |p: &str| p.starts_with("hostile_") || p.starts_with("testing_") || p == "bad_vectors";
    let test_plugins: Vec<String> = fs::read_dir(harness::root().join("plugins/dist"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().trim_end_matches(".wasm").to_string())
        .filter(|p| is_test(p))
        .collect();
    assert!(test_plugins.len() >= 6, "the test plugins in plugins/dist: {test_plugins:?}");
    assert!(!plugins.iter().any(|p| is_test(p)), "a test plugin in the package: {plugins:?}");

    // Installed in the namespace.
    let scratch = dir.path().join("namespace");
    fs::create_dir(&scratch).unwrap();
    let ns = Namespace::new(&scratch);
    ns.run("/usr/bin/dpkg", &["-i", deb]);
    let account = ns.run("/usr/bin/getent", &["passwd", "passerelle"]);
    let account: Vec<&str> = account.trim().split(':').collect();
    assert_eq!(account[5], "/var/lib/passerelle", "{account:?}");
    assert!(account[6].ends_with("nologin"), "{account:?}");
    let uid: u32 = account[2].parse().unwrap();
    assert!(uid < 1000, "a system user: {account:?}");
    let group = ns.run("/usr/bin/getent", &["group", "passerelle"]);
    let gid: u32 = group.split(':').nth(2).unwrap().parse().unwrap();
    let data = fs::metadata(ns.path("/var/lib/passerelle")).unwrap();
    assert_eq!((data.uid(), data.gid(), data.permissions().mode() & 0o777), (uid, gid, 0o750));
    assert_eq!(fs::metadata(ns.path(ENV_FILE)).unwrap().permissions().mode() & 0o777, 0o600);
    let checked = ns.run("/usr/bin/passerelle", &["check", CONFIG]);
    assert!(
        checked.contains(": OK (1 connectors, 2 decoders, 2 routes, 1 sinks; every plugin loads)"),
        "{checked}"
    );
    // postinst enables the unit only where systemd runs; here it does not.
    assert!(
        fs::symlink_metadata(ns.path("/etc/systemd/system/multi-user.target.wants/passerelle.service"))
            .is_err(),
        "the unit was enabled without systemd"
    );

    // The installed unit: what the issue asks for, and what systemd says of it.
    let verify = ns.command("/usr/bin/systemd-analyze").args(["verify", UNIT]).output().unwrap();
    let said =
        format!("{}{}", String::from_utf8_lossy(&verify.stdout), String::from_utf8_lossy(&verify.stderr));
    assert!(verify.status.success() && said.trim().is_empty(), "systemd-analyze verify: {said}");
    let unit = service_section(&ns.read(UNIT));
    for (key, value) in [
        ("User", "passerelle"),
        ("Group", "passerelle"),
        ("ExecStart", "/usr/bin/passerelle run /etc/passerelle/passerelle.ron"),
        ("ExecReload", "/bin/kill -HUP $MAINPID"),
        ("KillSignal", "SIGTERM"),
        ("Restart", "on-failure"),
        ("StateDirectory", "passerelle"),
        ("WorkingDirectory", "/var/lib/passerelle"),
        ("EnvironmentFile", "-/etc/passerelle/passerelle.env"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ReadWritePaths", "/var/lib/passerelle"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
    ] {
        assert_eq!(one(&unit, key), value, "{key}=");
    }

    // The test's one change to the shipped config: free ports instead of 18080 and 18081.
    let [push, admin] = harness::free_ports::<2>();
    let shipped_config = ns.read(CONFIG);
    assert!(shipped_config.contains("127.0.0.1:18080") && shipped_config.contains("127.0.0.1:18081"));
    let config = shipped_config
        .replace("127.0.0.1:18080", &format!("127.0.0.1:{push}"))
        .replace("127.0.0.1:18081", &format!("127.0.0.1:{admin}"));
    fs::write(ns.path(CONFIG), &config).unwrap();

    // As shipped, the secrets file sets nothing: the service refuses to start and says why.
    let mut service = Service::start(&ns, &unit, &dir.path().join("unset.log"));
    let status = service.exit(Duration::from_secs(30));
    let log = service.log();
    assert!(!status.success(), "started without its tokens:\n{log}");
    assert!(log.contains("is not set") && log.contains("_TOKEN"), "{log}");
    drop(service);

    // What an admin does: the tokens in the secrets file.
    let mut secrets = fs::OpenOptions::new().append(true).open(ns.path(ENV_FILE)).unwrap();
    writeln!(secrets, "ENERGISME_TOKEN={TOKEN}\nPASSERELLE_ADMIN_TOKEN=pkg-admin-token").unwrap();
    drop(secrets);

    // Started as the unit says: a frame over HTTP lands in SQLite, written by the service user.
    let mut service = Service::start(&ns, &unit, &dir.path().join("service.log"));
    service.wait_listening(push);
    let url = format!("http://127.0.0.1:{push}/");
    let frame = |device: &str, devicetype: &str| {
        envelope(device, devicetype, "0175320367c80004683c", 85, TS).to_string().into_bytes()
    };
    let (status, body) = post_raw(&url, frame("pkg-1", "em300-th"), Some(TOKEN)).await;
    assert_eq!((status, &body["stored"]), (200, &serde_json::json!(1)), "{body}");
    // SQLite resolves the magic link of /proc/<pid>/root: the installed CLI reads it in there.
    let readings = || ns.run("/usr/bin/passerelle", &["readings", CONFIG]);
    let stored = readings();
    assert!(
        stored.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
            == ["pkg-1", "2026-11-22", "08:00:00Z", "temperature", "20", "Cel", "air_temperature"]),
        "{stored}"
    );
    assert_eq!(fs::metadata(ns.path(DB)).unwrap().uid(), uid, "the database is the service user's");
    assert!(!service.log().contains('\u{1b}'), "colour codes in the journal:\n{}", service.log());

    // A devicetype without a route is dead-lettered; the config gets its route, ExecReload
    // (SIGHUP) applies it, and the process serves on.
    let (status, body) = post_raw(&url, frame("pkg-2", "PKG-TH-02"), Some(TOKEN)).await;
    assert_eq!((status, &body["dead_lettered"]), (200, &serde_json::json!(1)), "{body}");
    let route = r#"routes: [
        (devicetype: "PKG-TH-02", decoder: "milesight", model: "em300-th", sinks: ["local"]),"#;
    assert!(config.contains("routes: ["));
    fs::write(ns.path(CONFIG), config.replacen("routes: [", route, 1)).unwrap();
    let reload = one(&unit, "ExecReload").replace("$MAINPID", &service.child.id().to_string());
    let out = as_unit_user(&ns, &unit, &reload).output().unwrap();
    assert!(out.status.success(), "{reload}: {}", String::from_utf8_lossy(&out.stderr));
    service.wait_log("Config reloaded.");
    assert!(service.running());
    let (status, body) = post_raw(&url, frame("pkg-3", "PKG-TH-02"), Some(TOKEN)).await;
    assert_eq!((status, &body["stored"]), (200, &serde_json::json!(1)), "{body}");
    let stored = readings();
    assert!(stored.lines().any(|l| l.starts_with("pkg-3 ") && l.contains(" temperature ")), "{stored}");
    assert!(!stored.lines().any(|l| l.starts_with("pkg-2 ")), "{stored}");

    // KillSignal: a clean shutdown, exit 0.
    let signal = one(&unit, "KillSignal");
    let signal = signal.trim_start_matches("SIG");
    host("/bin/kill", &[&format!("-{signal}"), &service.child.id().to_string()]);
    let status = service.exit(Duration::from_secs(30));
    assert!(status.success(), "{status}:\n{}", service.log());
    assert!(service.log().contains("Shutting down."), "{}", service.log());
    drop(service);

    // Removed: the binary goes, config and data stay. Purged: they go too.
    ns.run("/usr/bin/dpkg", &["--remove", "passerelle"]);
    assert!(!ns.path("/usr/bin/passerelle").exists());
    assert!(!ns.path(UNIT).exists());
    assert!(ns.path(DB).exists(), "remove took the data");
    assert!(ns.path(CONFIG).exists(), "remove took the config");
    ns.run("/usr/bin/dpkg", &["--purge", "passerelle"]);
    assert!(!ns.path("/var/lib/passerelle").exists(), "purge left the data");
    assert!(!ns.path("/etc/passerelle").exists(), "purge left the config");
    let query = ns.command("/usr/bin/dpkg-query").args(["--show", "passerelle"]).output().unwrap();
    assert!(!query.status.success(), "still known to dpkg: {}", String::from_utf8_lossy(&query.stdout));
    drop(ns);

    // The host saw none of it.
    assert_eq!(host_state(), before, "the host's files changed");
}
