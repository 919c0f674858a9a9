//! Remote file transports against real servers: a private OpenSSH `sshd` (SFTP, host key
//! pinned, key or password login) and a private vsftpd (plain FTP, and explicit FTPS with a test CA), their
//! files cut into chunks for the `flat_files` connector plugin, readings committed to SQLite.
//! Once and whole, across uploads in progress and restarts; a wrong host key refused.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use passerelle::config::Config;
use passerelle::message::Value;
use passerelle::sink::sqlite::read_dead_letters;
use passerelle::{Builder, Handle};

use crate::files::{OK_CHUNKS, counter, lines, readings, wait_until};
use crate::harness;
use crate::harness::sshd::Sshd;
use crate::harness::vsftpd::Vsftpd;

/// A config with one connector `files` on `transport`, the flat-files plugin, a SQLite sink.
fn config(transport: &str) -> String {
    format!(
        r#"(
    connectors: {{
        "files": (transport: {transport}, plugin: "{plugin}", sinks: ["db"], tick_ms: 0),
    }},
    sinks: {{ "db": sqlite(path: "passerelle.db") }},
    dead_letter: "db",
    compile_cache: "{cache}",
)"#,
        plugin = harness::plugin("flat_files"),
        cache = std::env::temp_dir().join("passerelle-it-compile-cache").display(),
    )
}

/// The SSH key of the test server's client, supplied as the secret `IT_SFTP_KEY`.
async fn start(text: &str, dir: &Path, secrets: &[(&str, String)]) -> Handle {
    let config =
        Config::parse(text, &dir.join("config.ron").display().to_string()).unwrap_or_else(|e| panic!("{e}"));
    let mut builder = Builder::new(config);
    for (name, value) in secrets {
        builder = builder.secret(*name, value.as_str());
    }
    builder.start().await.unwrap_or_else(|e| panic!("{e:#}"))
}

/// The ledger of the connector's transport, in the runtime's state folder.
fn ledger(dir: &Path, kind: &str) -> Vec<serde_json::Value> {
    let path = dir.join(format!("state/files.{kind}/ledger.json"));
    std::fs::read(&path).map(|t| serde_json::from_slice(&t).unwrap()).unwrap_or_default()
}

fn status(handle: &Handle) -> (bool, String) {
    let c = handle.status().connectors.into_iter().find(|c| c.name == "files").unwrap();
    (c.connected, c.last_error.unwrap_or_default())
}

/// The SFTP transport of a test server, pinned and logged in as `auth` says.
fn sftp(sshd: &Sshd, pin: &str, auth: &str, settings: &str) -> String {
    format!(
        r#"sftp(host: "127.0.0.1", port: {port}, user: "{user}", {auth}, {pin}, path: "{path}", {settings})"#,
        port = sshd.port,
        user = sshd.user(),
        path = sshd.files().display(),
    )
}

fn ftp(server: &Vsftpd, tls: &str, settings: &str) -> String {
    format!(r#"ftp(host: "127.0.0.1", port: {}, path: "/in", {tls} {settings})"#, server.port)
}

/// Writes a header and 100 lines into `path` a few at a time for about two seconds, as a slow
/// upload does: many polls see the file grow.
async fn write_slowly(path: PathBuf) {
    tokio::task::spawn_blocking(move || {
        let mut f = std::fs::File::create(&path).unwrap();
        f.write_all(b"Module,Timestamp,Value\n").unwrap();
        for chunk in lines(100).chunks(2) {
            f.write_all(chunk.concat().as_bytes()).unwrap();
            f.flush().unwrap();
            std::thread::sleep(Duration::from_millis(40));
        }
    })
    .await
    .unwrap();
}

/// A file uploaded while it is polled is read once, whole, then moved to `done/` on the server.
async fn uploaded_while_polled(transport: &str, files: &Path, kind: &str, secrets: &[(&str, String)]) {
    let dir = tempfile::tempdir().unwrap();
    let handle = start(&config(transport), dir.path(), secrets).await;
    write_slowly(files.join("meter.csv")).await;
    let done = files.join("done/meter.csv");
    wait_until("the file moved to done/ on the server", 60, || done.exists()).await;
    let metrics = handle.metrics().render();
    assert!(status(&handle).0, "connected: {:?}", status(&handle));
    handle.shutdown().await.unwrap();

    let rows = readings(dir.path());
    assert_eq!(rows.len(), 100, "every line of the finished file, once");
    assert!(rows.iter().any(|r| r.device == "m99" && r.value == Value::Number(99.0)));
    // 100 lines of 25 records: exactly four chunks handed over, no partial read before them.
    assert_eq!(counter(&metrics, OK_CHUNKS), 4, "{metrics}");
    let entries = ledger(dir.path(), kind);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!((entries[0]["done"].as_bool(), entries[0]["chunks"].as_u64()), (Some(true), Some(4)));
    assert!(!files.join("meter.csv").exists());
    let spool: Vec<_> =
        std::fs::read_dir(dir.path().join(format!("state/files.{kind}/spool"))).unwrap().collect();
    assert!(spool.is_empty(), "the spool copy is removed once delivered: {spool:?}");
}

/// A restart after the first committed chunks resumes at the next: nothing lost, nothing twice.
async fn restart_mid_file(transport: &str, files: &Path, kind: &str, secrets: &[(&str, String)]) {
    const LINES: usize = 1500;
    const PER_CHUNK: usize = 5;
    let dir = tempfile::tempdir().unwrap();
    let mut body = String::from("Module,Timestamp,Value\n");
    body.extend(lines(LINES));
    std::fs::write(files.join("big.csv"), body).unwrap();
    let text = config(transport);
    let handle = start(&text, dir.path(), secrets).await;
    wait_until("the first readings", 60, || !readings(dir.path()).is_empty()).await;
    handle.shutdown().await.unwrap();
    let first_run = ledger(dir.path(), kind);
    let committed = first_run[0]["chunks"].as_u64().unwrap();
    assert_eq!(first_run[0]["done"].as_bool(), Some(false), "stopped mid-file: {first_run:?}");
    assert!(committed > 0 && committed < (LINES / PER_CHUNK) as u64, "{committed}");
    assert_eq!(
        readings(dir.path()).len(),
        committed as usize * PER_CHUNK,
        "the ledger says what is committed"
    );

    let handle = start(&text, dir.path(), secrets).await;
    wait_until("the whole file", 240, || ledger(dir.path(), kind)[0]["done"].as_bool() == Some(true)).await;
    let metrics = handle.metrics().render();
    handle.shutdown().await.unwrap();
    // The second run handed over exactly the chunks the first did not commit.
    assert_eq!(counter(&metrics, OK_CHUNKS), (LINES / PER_CHUNK) as u64 - committed, "{metrics}");
    let rows = readings(dir.path());
    assert_eq!(rows.len(), LINES);
    let mut devices: Vec<&str> = rows.iter().map(|r| r.device.as_str()).collect();
    devices.sort_unstable();
    devices.dedup();
    assert_eq!(devices.len(), LINES);
    // `on_done: mark` leaves the file where it is (a read-only server).
    assert!(files.join("big.csv").exists() && !files.join("done").exists());
}

/// A gzipped file with a bad line: the line goes to the dead letter with its file and line
/// number, the rest is stored, the file moved to `done/`.
async fn gz_with_a_bad_line(transport: &str, files: &Path, secrets: &[(&str, String)]) {
    let dir = tempfile::tempdir().unwrap();
    let csv =
        "Module,Timestamp,Value\nm1,2024-01-01T00:00:00Z,1.5\nm2,yesterday,2\nm3,2024-01-01T00:10:00Z,3\n";
    // Uploaded under a temporary name, then renamed: only then is it read.
    let part = files.join("day.csv.part");
    std::fs::write(&part, csv).unwrap();
    assert!(std::process::Command::new("gzip").arg("-n").arg(&part).status().unwrap().success());
    std::fs::rename(files.join("day.csv.part.gz"), files.join("day.csv.gz")).unwrap();
    let handle = start(&config(transport), dir.path(), secrets).await;
    wait_until("the file moved to done/", 60, || files.join("done/day.csv.gz").exists()).await;
    handle.shutdown().await.unwrap();

    let got: Vec<(String, Value)> = readings(dir.path()).into_iter().map(|r| (r.device, r.value)).collect();
    assert_eq!(got, vec![("m1".to_string(), Value::Number(1.5)), ("m3".to_string(), Value::Number(3.0))]);
    let dead = read_dead_letters(&dir.path().join("passerelle.db")).unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].device, "day.csv.gz:3");
    assert_eq!(std::str::from_utf8(&dead[0].payload).unwrap(), "m2,yesterday,2\n");
}

fn key_secret(sshd: &Sshd) -> Vec<(&'static str, String)> {
    vec![("IT_SFTP_KEY", std::fs::read_to_string(sshd.client_key()).unwrap())]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sftp_a_file_uploaded_while_it_is_polled_is_read_once_and_whole() {
    let sshd = Sshd::start();
    let pin = format!(r#"known_hosts: "{}""#, sshd.known_hosts(true).display());
    let auth = format!(r#"private_key_file: "{}""#, sshd.client_key().display());
    let t = sftp(&sshd, &pin, &auth, "poll_ms: 500, header: true, chunk_records: 25");
    uploaded_while_polled(&t, &sshd.files(), "sftp", &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sftp_a_restart_in_the_middle_of_a_file_loses_and_duplicates_nothing() {
    let sshd = Sshd::start();
    let pin = format!(r#"host_key_fingerprint: "{}""#, sshd.fingerprint());
    let t = sftp(
        &sshd,
        &pin,
        r#"private_key_env: "IT_SFTP_KEY""#,
        "poll_ms: 50, header: true, chunk_records: 5, on_done: mark",
    );
    restart_mid_file(&t, &sshd.files(), "sftp", &key_secret(&sshd)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sftp_reads_gzip_and_dead_letters_a_bad_line() {
    let sshd = Sshd::start();
    let pin = format!(r#"host_key_fingerprint: "{}""#, sshd.fingerprint());
    let t = sftp(&sshd, &pin, r#"private_key_env: "IT_SFTP_KEY""#, "poll_ms: 100, header: true");
    gz_with_a_bad_line(&t, &sshd.files(), &key_secret(&sshd)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sftp_a_wrong_host_key_is_refused_with_a_clear_error() {
    let sshd = Sshd::start();
    std::fs::write(sshd.files().join("meter.csv"), "Module,Timestamp,Value\nm1,2024-01-01T00:00:00Z,1\n")
        .unwrap();
    let auth = format!(r#"private_key_file: "{}""#, sshd.client_key().display());
    let wrong = [
        (format!(r#"host_key_fingerprint: "{}""#, sshd.other_fingerprint()), "host_key_fingerprint SHA256:"),
        (format!(r#"known_hosts: "{}""#, sshd.known_hosts(false).display()), "known_hosts "),
    ];
    for (pin, pinned) in wrong {
        let dir = tempfile::tempdir().unwrap();
        let t = sftp(&sshd, &pin, &auth, "poll_ms: 100, header: true, reconnect_min_ms: 100");
        let handle = start(&config(&t), dir.path(), &[]).await;
        wait_until("the refusal in the status", 30, || !status(&handle).1.is_empty()).await;
        // It keeps refusing across reconnects: give it a few attempts.
        tokio::time::sleep(Duration::from_millis(600)).await;
        let (connected, error) = status(&handle);
        handle.shutdown().await.unwrap();
        let expected = format!("host key of 127.0.0.1:{} does not match the pinned {pinned}", sshd.port);
        assert!(error.contains(&expected), "{error}");
        assert!(error.contains(&format!("the server presented {}", sshd.fingerprint())), "{error}");
        assert!(!connected);
        assert!(readings(dir.path()).is_empty());
        assert!(ledger(dir.path(), "sftp").is_empty());
        // Refused before any login: the server never saw a key offered.
        assert!(!sshd.log().contains("Accepted publickey"), "{}", sshd.log());
    }
    assert!(sshd.files().join("meter.csv").exists());
}

/// Password login (`password_env`), against a server that accepts nothing else; a wrong
/// password is refused with a clear error and reads nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sftp_logs_in_with_a_password_and_a_wrong_one_is_refused() {
    const PASSWORD: &str = "it-sftp-password 7";
    let sshd = Sshd::start_with_password(PASSWORD);
    let pin = format!(r#"host_key_fingerprint: "{}""#, sshd.fingerprint());
    let t = sftp(&sshd, &pin, r#"password_env: "IT_SFTP_PASSWORD""#, "poll_ms: 100, header: true");
    std::fs::write(sshd.files().join("meter.csv"), format!("Module,Timestamp,Value\n{}", lines(3).concat()))
        .unwrap();

    // A wrong password: refused at login, so nothing is listed, read or moved.
    let dir = tempfile::tempdir().unwrap();
    let wrong = [("IT_SFTP_PASSWORD", "not the password".to_string())];
    let handle = start(&config(&t), dir.path(), &wrong).await;
    wait_until("the refusal in the status", 30, || !status(&handle).1.is_empty()).await;
    let (connected, error) = status(&handle);
    handle.shutdown().await.unwrap();
    let user = sshd.user();
    assert!(error.contains(&format!("127.0.0.1:{} refused the login of user {user}", sshd.port)), "{error}");
    assert!(!connected);
    assert!(readings(dir.path()).is_empty());
    assert!(sshd.files().join("meter.csv").exists());
    assert!(sshd.log().contains(&format!("Failed password for {user}")), "{}", sshd.log());

    // The right one: the file is read whole and moved to done/ on the server.
    let dir = tempfile::tempdir().unwrap();
    let handle = start(&config(&t), dir.path(), &[("IT_SFTP_PASSWORD", PASSWORD.to_string())]).await;
    let done = sshd.files().join("done/meter.csv");
    wait_until("the file moved to done/ on the server", 60, || done.exists()).await;
    handle.shutdown().await.unwrap();
    let rows = readings(dir.path());
    assert_eq!(rows.iter().map(|r| r.device.as_str()).collect::<Vec<_>>(), ["m0", "m1", "m2"]);
    assert!(sshd.log().contains(&format!("Accepted password for {user}")), "{}", sshd.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ftp_a_file_uploaded_while_it_is_polled_is_read_once_and_whole() {
    let server = Vsftpd::start();
    let t = ftp(&server, "", "poll_ms: 500, header: true, chunk_records: 25");
    uploaded_while_polled(&t, &server.files(), "ftp", &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ftp_a_restart_in_the_middle_of_a_file_loses_and_duplicates_nothing() {
    let server = Vsftpd::start();
    let t = ftp(&server, "", "poll_ms: 50, header: true, chunk_records: 5, on_done: mark");
    restart_mid_file(&t, &server.files(), "ftp", &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ftps_with_the_test_ca_reads_gzip_and_dead_letters_a_bad_line() {
    let server = Vsftpd::start_tls();
    let tls = format!(r#"tls: (ca_file: "{}"),"#, server.ca().display());
    let t = ftp(&server, &tls, "poll_ms: 100, header: true");
    gz_with_a_bad_line(&t, &server.files(), &[]).await;
    // Every data connection was protected: vsftpd forces TLS on logins and data.
    assert!(server.log().contains("AUTH TLS"), "{}", server.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ftps_with_an_untrusted_certificate_reads_nothing() {
    let server = Vsftpd::start_tls();
    std::fs::write(server.files().join("meter.csv"), "Module,Timestamp,Value\nm1,2024-01-01T00:00:00Z,1\n")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The system's roots do not hold the test CA.
    let t = ftp(&server, "tls: (),", "poll_ms: 100, header: true, reconnect_min_ms: 100");
    let handle = start(&config(&t), dir.path(), &[]).await;
    wait_until("the TLS failure in the status", 30, || !status(&handle).1.is_empty()).await;
    let (connected, error) = status(&handle);
    handle.shutdown().await.unwrap();
    assert!(error.contains("TLS upgrade") && error.contains("certificate"), "{error}");
    assert!(!connected);
    assert!(readings(dir.path()).is_empty());
    assert!(server.files().join("meter.csv").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ftp_reads_a_json_file_record_by_record_and_dead_letters_a_bad_record() {
    let server = Vsftpd::start();
    let t = ftp(&server, "", r#"poll_ms: 100, records: json(path: "data.measures"), chunk_records: 7"#);
    let text = config(&t).replace(
        "tick_ms: 0),",
        r#"tick_ms: 0, settings: { "format": "json", "records": "data.measures", "module_field": "Module",
            "timestamp_field": "Timestamp", "value_field": "Value", "unit_field": "Unit" }),"#,
    );
    assert!(text.contains(r#""format": "json""#), "{text}");
    let dir = tempfile::tempdir().unwrap();
    let handle = start(&text, dir.path(), &[]).await;
    let mut records: Vec<String> = (0..30)
        .map(|i| {
            format!(
                r#"    {{"Module": "m-{}", "Timestamp": "2024-01-15 10:{i:02}:00", "Value": {i}.5, "Unit": "kWh"}}"#,
                i % 3
            )
        })
        .collect();
    records[17] =
        r#"    {"Module": "m-2", "Timestamp": "2024-01-15 10:17:00", "Value": "n/a", "Unit": "kWh"}"#.into();
    let body = format!("{{\"site\": \"Lyon\", \"data\": {{\"measures\": [\n{}\n]}}}}\n", records.join(",\n"));
    let tmp = server.files().join("releve.json.part");
    std::fs::write(&tmp, body).unwrap();
    std::fs::rename(&tmp, server.files().join("releve.json")).unwrap();
    wait_until("29 readings and a dead letter", 60, || readings(dir.path()).len() == 29).await;
    let dead = read_dead_letters(&dir.path().join("passerelle.db")).unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    // Line 1 is the document's head; record i is on line i + 2.
    assert_eq!(dead[0].device, "releve.json:19");
    assert!(String::from_utf8_lossy(&dead[0].payload).contains("n/a"));
    let rows = readings(dir.path());
    assert!(rows.iter().any(|r| r.device == "m-0" && r.unit.as_deref() == Some("kWh")), "{rows:?}");
    handle.shutdown().await.unwrap();
}
