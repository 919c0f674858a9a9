//! File transports: a real folder on disk polled by the `drop_folder` transport, its files cut
//! into chunks for the `flat_files` connector plugin, readings committed to SQLite. Once and
//! whole, across writes in progress and restarts.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use passerelle::Builder;
use passerelle::config::Config;
use passerelle::message::Value;
use passerelle::sink::sqlite::{ReadingRow, read_dead_letters, read_readings};

use crate::harness;

/// A config with one drop folder connector reading `inbox/` of its folder with the flat-files
/// plugin, and a SQLite sink.
fn config(transport: &str, settings: &str) -> String {
    format!(
        r#"(
    connectors: {{
        "files": (transport: drop_folder({transport}), plugin: "{plugin}", settings: {{ {settings} }},
                  sinks: ["db"], tick_ms: 0),
    }},
    sinks: {{ "db": sqlite(path: "passerelle.db") }},
    dead_letter: "db",
    compile_cache: "{cache}",
)"#,
        plugin = harness::plugin("flat_files"),
        cache = std::env::temp_dir().join("passerelle-it-compile-cache").display(),
    )
}

async fn start(text: &str, dir: &Path) -> passerelle::Handle {
    let config =
        Config::parse(text, &dir.join("config.ron").display().to_string()).unwrap_or_else(|e| panic!("{e}"));
    Builder::new(config).start().await.unwrap_or_else(|e| panic!("{e:#}"))
}

pub(crate) fn readings(dir: &Path) -> Vec<ReadingRow> {
    read_readings(&dir.join("passerelle.db")).unwrap_or_default()
}

pub(crate) async fn wait_until(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The value of one counter series in the metrics text, 0 when absent.
pub(crate) fn counter(metrics: &str, series: &str) -> u64 {
    metrics.lines().find_map(|l| l.strip_prefix(series)?.trim().parse::<f64>().ok()).map_or(0, |v| v as u64)
}

pub(crate) const OK_CHUNKS: &str = r#"passerelle_inbound_total{connector="files",class="ok"}"#;

fn inbox(dir: &Path) -> PathBuf {
    let inbox = dir.join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    inbox
}

/// `n` long-layout lines, one module each, a minute apart from 2024-01-01T00:00:00Z.
pub(crate) fn lines(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("m{i},2024-01-{:02}T{:02}:{:02}:00Z,{i}\n", i / 1440 + 1, i / 60 % 24, i % 60))
        .collect()
}

fn ledger(inbox: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read(inbox.join(".passerelle/ledger.json")).unwrap();
    serde_json::from_slice(&text).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_written_while_it_is_polled_is_read_once_and_whole() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = inbox(dir.path());
    let text = config(r#"path: "inbox", poll_ms: 250, header: true, chunk_records: 25"#, "");
    let handle = start(&text, dir.path()).await;
    // The writer appends a few lines every 20 ms for about a second: many polls see it grow.
    let path = inbox.join("meter.csv");
    let writer = tokio::task::spawn_blocking(move || {
        let mut f = std::fs::File::create(&path).unwrap();
        f.write_all(b"Module,Timestamp,Value\n").unwrap();
        for chunk in lines(100).chunks(2) {
            f.write_all(chunk.concat().as_bytes()).unwrap();
            f.flush().unwrap();
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    writer.await.unwrap();
    wait_until("the file moved to done/", 20, || inbox.join("done/meter.csv").exists()).await;
    let metrics = handle.metrics().render();
    handle.shutdown().await.unwrap();

    let rows = readings(dir.path());
    assert_eq!(rows.len(), 100, "every line of the finished file, once");
    assert!(rows.iter().any(|r| r.device == "m99" && r.value == Value::Number(99.0)));
    // 100 lines of 25 records: exactly four chunks handed over, no partial read before them.
    assert_eq!(counter(&metrics, OK_CHUNKS), 4, "{metrics}");
    let entries = ledger(&inbox);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!((entries[0]["done"].as_bool(), entries[0]["chunks"].as_u64()), (Some(true), Some(4)));
    assert!(!inbox.join("meter.csv").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_in_the_middle_of_a_file_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = inbox(dir.path());
    const LINES: usize = 3000;
    const PER_CHUNK: usize = 5;
    let mut body = String::from("Module,Timestamp,Value\n");
    body.extend(lines(LINES));
    std::fs::write(inbox.join("big.csv"), body).unwrap();
    let text = config(
        &format!(r#"path: "inbox", poll_ms: 20, header: true, chunk_records: {PER_CHUNK}, on_done: mark"#),
        "",
    );
    let handle = start(&text, dir.path()).await;
    wait_until("the first readings", 20, || !readings(dir.path()).is_empty()).await;
    handle.shutdown().await.unwrap();
    let first_run = ledger(&inbox);
    let committed = first_run[0]["chunks"].as_u64().unwrap();
    assert_eq!(first_run[0]["done"].as_bool(), Some(false), "stopped mid-file: {first_run:?}");
    assert!(committed > 0 && committed < (LINES / PER_CHUNK) as u64, "{committed}");
    let stored_before = readings(dir.path()).len();
    assert_eq!(stored_before, committed as usize * PER_CHUNK, "the ledger says what is committed");

    let handle = start(&text, dir.path()).await;
    wait_until("the whole file", 240, || ledger(&inbox)[0]["done"].as_bool() == Some(true)).await;
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
    // `on_done: mark` leaves the file where it is.
    assert!(inbox.join("big.csv").exists() && !inbox.join("done").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decimal_commas_a_bom_and_paris_times_across_dst_changes_store_the_right_utc_instants() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = inbox(dir.path());
    // Energisme style: `;`, decimal commas, a BOM, `AAAA-MM-JJ HH:MM:SS` in Paris local time, gzipped.
    let csv = "\u{feff}Module;Timestamp;Valeur;Unite\r\n\
               compteur-1;2024-03-31 01:30:00;1,5;kWh\r\n\
               compteur-1;2024-03-31 02:30:00;2,5;kWh\r\n\
               compteur-1;2024-03-31 03:30:00;3,5;kWh\r\n\
               compteur-1;2024-10-27 01:30:00;4,5;kWh\r\n\
               compteur-1;2024-10-27 02:30:00;5,5;kWh\r\n\
               compteur-1;2024-10-27 03:30:00;\"6,5\";kWh\r\n\
               compteur-1;2024-07-14 12:00:00;douze;kWh\r\n";
    let plain = inbox.join("energisme.csv.part");
    std::fs::write(&plain, csv).unwrap();
    let gz = std::process::Command::new("gzip").arg("-n").arg(&plain).status().unwrap();
    assert!(gz.success());
    // An upload finishes with a rename from a temporary name: only then is it read.
    std::fs::rename(inbox.join("energisme.csv.part.gz"), inbox.join("energisme.csv.gz")).unwrap();
    let text = config(
        r#"path: "inbox", poll_ms: 50, header: true"#,
        r#""decimal": ",", "timezone": "Europe/Paris", "value_column": "Valeur", "unit_column": "Unite""#,
    );
    let handle = start(&text, dir.path()).await;
    wait_until("the file done", 20, || inbox.join("done/energisme.csv.gz").exists()).await;
    handle.shutdown().await.unwrap();

    let got: Vec<(i64, Value, Option<String>)> =
        readings(dir.path()).into_iter().map(|r| (r.time_ms, r.value, r.unit)).collect();
    let at = |iso: &str| iso.parse::<chrono_free::Utc>().unwrap().0;
    let kwh = || Some("kWh".to_string());
    assert_eq!(
        got,
        vec![
            (at("2024-03-31T00:30:00Z"), Value::Number(1.5), kwh()),
            (at("2024-03-31T01:30:00Z"), Value::Number(3.5), kwh()),
            (at("2024-10-26T23:30:00Z"), Value::Number(4.5), kwh()),
            (at("2024-10-27T02:30:00Z"), Value::Number(6.5), kwh()),
        ],
        "02:30 on 31 March does not exist, 02:30 on 27 October is ambiguous, douze is no number"
    );
    // Those three lines are in the dead letter, each with its file, line number, reason and bytes.
    let dead = read_dead_letters(&dir.path().join("passerelle.db")).unwrap();
    let got: Vec<(&str, &str)> =
        dead.iter().map(|d| (d.device.as_str(), std::str::from_utf8(&d.payload).unwrap())).collect();
    assert_eq!(
        got,
        vec![
            ("energisme.csv.gz:3", "compteur-1;2024-03-31 02:30:00;2,5;kWh\r\n"),
            ("energisme.csv.gz:6", "compteur-1;2024-10-27 02:30:00;5,5;kWh\r\n"),
            ("energisme.csv.gz:8", "compteur-1;2024-07-14 12:00:00;douze;kWh\r\n"),
        ]
    );
    assert!(dead[0].error.contains("does not exist") && dead[1].error.contains("ambiguous"), "{dead:?}");
    assert!(dead[2].error.contains("\"douze\" is not a number"), "{dead:?}");
}

/// RFC 3339 UTC instants in tests without a date crate: `YYYY-MM-DDTHH:MM:SSZ` only.
mod chrono_free {
    pub(super) struct Utc(pub(super) i64);

    impl std::str::FromStr for Utc {
        type Err = String;
        fn from_str(s: &str) -> Result<Self, String> {
            let n = |a: usize, b: usize| s.get(a..b).and_then(|t| t.parse::<i64>().ok()).ok_or(s.to_string());
            let (y, m, d) = (n(0, 4)?, n(5, 7)?, n(8, 10)?);
            let (hh, mm, ss) = (n(11, 13)?, n(14, 16)?, n(17, 19)?);
            // Days from civil (Howard Hinnant's algorithm).
            let y = if m <= 2 { y - 1 } else { y };
            let era = y.div_euclid(400);
            let yoe = y - era * 400;
            let mp = (m + 9) % 12;
            let doy = (153 * mp + 2) / 5 + d - 1;
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            let days = era * 146_097 + doe - 719_468;
            Ok(Utc(((days * 24 + hh) * 60 + mm) * 60_000 + ss * 1000))
        }
    }
}

/// A config with two drop folder connectors, JSON (`inbox-json/`, records at `data.measures`)
/// and XML (`inbox-xml/`, `<mesure>` records), into one SQLite sink.
fn json_and_xml_config(chunk_records: usize) -> String {
    format!(
        r#"(
    connectors: {{
        "json": (transport: drop_folder(path: "inbox-json", poll_ms: 50, chunk_records: {chunk_records},
                                        records: json(path: "data.measures")),
                 plugin: "{plugin}",
                 settings: {{ "format": "json", "records": "data.measures", "module_field": "point.id",
                              "timezone": "Europe/Paris" }},
                 sinks: ["db"], tick_ms: 0),
        "xml": (transport: drop_folder(path: "inbox-xml", poll_ms: 50, chunk_records: {chunk_records},
                                       chunk_bytes: 1024, records: xml(element: "mesure")),
                plugin: "{plugin}",
                settings: {{ "format": "xml", "record": "mesure", "module_field": "@module",
                             "timestamp_field": "horodatage", "value_field": "valeur", "decimal": "," }},
                sinks: ["db"], tick_ms: 0),
    }},
    sinks: {{ "db": sqlite(path: "passerelle.db") }},
    dead_letter: "db",
    compile_cache: "{cache}",
)"#,
        plugin = harness::plugin("flat_files"),
        cache = std::env::temp_dir().join("passerelle-it-compile-cache").display(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_and_xml_files_are_cut_into_records_and_a_bad_record_is_dead_lettered_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let (json_in, xml_in) = (dir.path().join("inbox-json"), dir.path().join("inbox-xml"));
    std::fs::create_dir_all(&json_in).unwrap();
    std::fs::create_dir_all(&xml_in).unwrap();
    // 1000 JSON records, pretty-printed one per line from line 3; the one on line 503 is bad.
    const N: usize = 1000;
    let mut json = String::from("{\"site\": \"Lyon\",\n \"data\": {\"measures\": [\n");
    for i in 0..N {
        let value = if i == 500 { "\"n/a\"".to_string() } else { i.to_string() };
        let sep = if i + 1 < N { "," } else { "" };
        json.push_str(&format!(
            "  {{\"point\": {{\"id\": \"m{}\"}}, \"Timestamp\": \"2024-01-01 {:02}:{:02}:00\", \"Value\": {value}, \"Unit\": \"kWh\"}}{sep}\n",
            i % 10,
            i / 60 % 24,
            i % 60
        ));
    }
    json.push_str("]}}\n");
    std::fs::write(json_in.join("releve.json"), json).unwrap();
    let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<e:export xmlns:e=\"urn:energisme\">\n\
               <e:mesure module=\"compteur-1\"><horodatage>2024-03-31T00:30:00Z</horodatage><valeur>1,5</valeur></e:mesure>\n\
               <mesure module=\"compteur-1\"><horodatage>2024-03-31T01:30:00Z</horodatage><valeur>douze</valeur></mesure>\n\
               <mesure module=\"compteur-2\">\n  <horodatage>2024-03-31T01:30:00Z</horodatage>\n  <valeur>3</valeur>\n</mesure>\n\
               <mesure module=\"compteur-9\"><note>NOTE</note><valeur>9</valeur></mesure>\n\
               <mesure module=\"compteur-3\"><horodatage>2024-03-31T01:40:00Z</horodatage><valeur>4</valeur></mesure>\n\
               </e:export>\n";
    // The record on line 9 is longer than the XML connector's chunk_bytes (1024): cut there, it
    // cannot be read, and the record after it is whole.
    let xml = xml.replace("NOTE", &"x".repeat(2000));
    std::fs::write(xml_in.join("export.xml"), xml).unwrap();

    let handle = start(&json_and_xml_config(100), dir.path()).await;
    wait_until("both files done", 60, || {
        json_in.join("done/releve.json").exists() && xml_in.join("done/export.xml").exists()
    })
    .await;
    let metrics = handle.metrics().render();
    handle.shutdown().await.unwrap();

    let rows = readings(dir.path());
    assert_eq!(rows.len(), N - 1 + 3, "every good record, once");
    assert!(rows.iter().any(|r| r.device == "compteur-3" && r.value == Value::Number(4.0)));
    let paris = rows.iter().find(|r| r.device == "m0").unwrap();
    assert_eq!(
        paris.time_ms,
        "2023-12-31T23:00:00Z".parse::<chrono_free::Utc>().unwrap().0,
        "Paris local time"
    );
    assert_eq!(paris.unit.as_deref(), Some("kWh"));
    assert!(rows.iter().any(|r| r.device == "compteur-2" && r.value == Value::Number(3.0)));
    assert!(rows.iter().any(|r| r.device == "compteur-1" && r.value == Value::Number(1.5)));
    // The JSON file went in ten chunks of 100 records, not in one piece.
    let json_chunks = counter(&metrics, r#"passerelle_inbound_total{connector="json",class="ok"}"#);
    assert_eq!(json_chunks, 10, "{metrics}");
    let dead = read_dead_letters(&dir.path().join("passerelle.db")).unwrap();
    let mut got: Vec<(&str, &str)> =
        dead.iter().map(|d| (d.device.as_str(), std::str::from_utf8(&d.payload).unwrap())).collect();
    got.sort_unstable();
    let cut = got.iter().position(|(subject, _)| *subject == "export.xml:9").expect("the cut record");
    let (_, bytes) = got.remove(cut);
    assert!(bytes.len() == 1024 && bytes.starts_with("<mesure module=\"compteur-9\"><note>xxx"), "{bytes}");
    assert_eq!(
        got,
        vec![
            (
                "export.xml:4",
                "<mesure module=\"compteur-1\"><horodatage>2024-03-31T01:30:00Z</horodatage><valeur>douze</valeur></mesure>"
            ),
            (
                "releve.json:503",
                "{\"point\": {\"id\": \"m0\"}, \"Timestamp\": \"2024-01-01 08:20:00\", \"Value\": \"n/a\", \"Unit\": \"kWh\"}"
            ),
        ]
    );
    let errors: Vec<&str> = dead.iter().map(|d| d.error.as_str()).collect();
    assert_eq!(errors.iter().filter(|e| e.contains("is not a number")).count(), 2, "{errors:?}");
    assert!(
        errors.iter().any(|e| e.contains("export.xml line 9") && e.contains("not well-formed")),
        "{errors:?}"
    );
}

/// Splits a chunk of `records` records, one of them (at `stall`, 0-based) spinning forever, the
/// way the transport does after deadlines: a part overruns when it holds more than `max` records
/// or the stalling one; returns how many splits that takes.
fn splits(first: usize, records: usize, stall: usize, max: usize) -> u64 {
    let stalls = (first..first + records).contains(&stall);
    if records <= 1 || (records <= max && !stalls) {
        return 0;
    }
    let half = records / 2;
    1 + splits(first, half, stall, max) + splits(first + half, records - half, stall, max)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_past_its_plugin_deadline_is_split_and_only_a_record_that_always_overruns_is_dead_lettered() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = inbox(dir.path());
    // `hostile_stall` overruns its deadline (the default 100 ms) on a unit of more than 100
    // lines and on a line `stall`; the file is one chunk of 1000 lines, line 500 is `stall`.
    const LINES: usize = 1000;
    const STALL: usize = 499;
    let body: String =
        (0..LINES).map(|i| if i == STALL { "stall\n".to_string() } else { format!("f{i},{i}\n") }).collect();
    std::fs::write(inbox.join("big.csv"), body).unwrap();
    let text = format!(
        r#"(
    connectors: {{
        "files": (transport: drop_folder(path: "inbox", poll_ms: 50, chunk_records: {LINES}, on_done: mark),
                  plugin: "{plugin}", settings: {{ "max_lines": "100" }},
                  sinks: ["db"], tick_ms: 0),
    }},
    sinks: {{ "db": sqlite(path: "passerelle.db") }},
    dead_letter: "db",
    compile_cache: "{cache}",
)"#,
        plugin = harness::plugin("hostile_stall"),
        cache = std::env::temp_dir().join("passerelle-it-compile-cache").display(),
    );
    let handle = start(&text, dir.path()).await;
    wait_until("the whole file", 120, || {
        std::fs::read(inbox.join(".passerelle/ledger.json")).is_ok_and(|_| ledger(&inbox)[0]["done"] == true)
    })
    .await;
    let metrics = handle.metrics().render();
    handle.shutdown().await.unwrap();

    // Every other line stored exactly once.
    let rows = readings(dir.path());
    assert_eq!(rows.len(), LINES - 1);
    let mut devices: Vec<&str> = rows.iter().map(|r| r.device.as_str()).collect();
    devices.sort_unstable();
    devices.dedup();
    assert_eq!(devices.len(), LINES - 1);
    // Only the line that overruns even alone (and on its retry with a longer deadline) is in the
    // dead letter, with its file, line number, reason and bytes.
    let dead = read_dead_letters(&dir.path().join("passerelle.db")).unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!((dead[0].device.as_str(), dead[0].payload.as_slice()), ("big.csv:500", &b"stall\n"[..]));
    assert_eq!(dead[0].stage, "plugin");
    assert!(dead[0].error.contains("big.csv:500") && dead[0].error.contains("deadline"), "{dead:?}");
    // The splits show in the metrics: exactly as many as halving down to parts that fit takes.
    let series =
        |o: &str| format!(r#"passerelle_inbound_deadlines_total{{connector="files",outcome="{o}"}}"#);
    assert_eq!(counter(&metrics, &series("split")), splits(0, LINES, STALL, 100), "{metrics}");
    assert_eq!(counter(&metrics, &series("dead_lettered")), 1, "{metrics}");
    // The ledger counts the chunk once, whole.
    let entries = ledger(&inbox);
    assert_eq!(
        (entries[0]["chunks"].as_u64(), entries[0]["records"].as_u64()),
        (Some(1), Some(LINES as u64))
    );
}
