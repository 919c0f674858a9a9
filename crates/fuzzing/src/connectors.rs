//! Connector plugins with file and XMPP parsers, through the plugin host (as decoders are):
//! the flat-files reader (CSV, JSON, XML) and Quoalise (stanzas, SenML).

use passerelle::plugin::bindings::{Answer, Command, Entry, Event, Inbound, Response};
use passerelle::plugin::{ConnectorPlugin, Engine, PluginError};

use crate::{Harness, pieces, root, split_choice};

/// 2020-09-20 at noon, UTC: the clock the connectors see.
const NOW: i64 = 1_600_603_200_000;

fn load_connector(stem: &str) -> ConnectorPlugin {
    let path = root().join("plugins/dist").join(format!("{stem}.wasm"));
    let cache = std::env::temp_dir().join("passerelle-fuzz-compile-cache");
    let engine = Engine::new(Some(&cache)).unwrap_or_else(|e| panic!("engine: {e}"));
    let compiled = engine
        .compile_file(&path)
        .unwrap_or_else(|e| panic!("{}: {e}: run scripts/build-plugins", path.display()));
    ConnectorPlugin::new(&engine, &compiled, crate::harness_limits(), stem)
        .unwrap_or_else(|e| panic!("{stem}: {e}"))
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// One event into the plugin: its commands, or nothing when it refused the event (data). A
/// trap (deadline, memory cap, trap) or a host error is a finding.
fn handle(plugin: &str, instance: &mut passerelle::plugin::ConnectorInstance, event: &Event) -> Vec<Command> {
    match instance.handle(event) {
        Ok(commands) => commands,
        Err(e) if e.is_data_error() => Vec::new(),
        Err(e @ (PluginError::Trap { .. } | PluginError::Host { .. })) => panic!("{plugin}: {e}"),
        Err(e) => panic!("{plugin}: unexpected error: {e}"),
    }
}

fn request_id(commands: &[Command]) -> Option<u64> {
    commands.iter().find_map(|c| match c {
        Command::Request(r) => Some(r.id),
        _ => None,
    })
}

/// Plays a script on a fresh instance: `start` with `settings`, `restore` with `entries`, a
/// tick; then each piece answers the request in flight, if any, or arrives as an inbound unit
/// on `channel` with `headers` (the piece's index in `chunk`).
fn play(
    plugin: &ConnectorPlugin,
    settings: Vec<(String, String)>,
    entries: Vec<Entry>,
    channel: &str,
    headers: &[(String, String)],
    script: &[u8],
) {
    let name = plugin.label().to_string();
    let mut instance = plugin.instance();
    // The settings are the harness's own: a refusal is a bug of the harness.
    if let Err(e) = instance.handle(&Event::Start(settings)) {
        panic!("{name}: start refused: {e}");
    }
    handle(&name, &mut instance, &Event::Restore(entries));
    let mut in_flight = request_id(&handle(&name, &mut instance, &Event::Tick(NOW)));
    for (i, piece) in pieces(script).into_iter().enumerate() {
        let event = match in_flight.take() {
            Some(id) => Event::Response(Response {
                id,
                outcome: Ok(Answer { status: 0, headers: Vec::new(), body: piece.to_vec() }),
            }),
            None => {
                let mut headers = headers.to_vec();
                headers.push(("chunk".into(), i.to_string()));
                Event::Inbound(Inbound {
                    id: i as u64 + 1,
                    channel: channel.to_string(),
                    headers,
                    body: piece.to_vec(),
                    received_ms: NOW,
                })
            }
        };
        in_flight = request_id(&handle(&name, &mut instance, &event));
    }
}

/// The flat-files connector (`flat_files.wasm`): each piece of the input (separated by
/// `\n---\n`) is a chunk of a file. The first byte picks the settings: CSV long layout with
/// decimal commas and Paris times (with or without the transport's `header`), CSV wide
/// layout, JSON records at `data.measures`, XML `mesure` records.
#[derive(Debug)]
pub struct FlatFiles {
    plugin: ConnectorPlugin,
}

impl Harness for FlatFiles {
    const NAME: &'static str = "flat_files";

    fn new() -> Self {
        Self { plugin: load_connector("flat_files") }
    }

    fn run(&mut self, data: &[u8]) {
        let (choice, script) = split_choice(data);
        let mut headers = pairs(&[("file", "fuzz.csv"), ("first-line", "2"), ("size", "100")]);
        let settings = match choice % 5 {
            0 => {
                pairs(&[("delimiter", ";"), ("decimal", ","), ("timezone", "Europe/Paris"), ("unit", "kWh")])
            }
            1 => {
                headers.push(("header".into(), "Module;Timestamp;Value;Unit".into()));
                pairs(&[("timezone", "Europe/Paris"), ("ambiguous", "later")])
            }
            2 => pairs(&[
                ("layout", "wide"),
                ("delimiter", ","),
                ("timestamp_column", "time"),
                ("encoding", "latin-1"),
            ]),
            3 => {
                headers.push(("split".into(), "json".into()));
                pairs(&[
                    ("format", "json"),
                    ("records", "data.measures"),
                    ("module_field", "point.id"),
                    ("timestamp_field", "t"),
                    ("value_field", "v"),
                ])
            }
            _ => {
                headers.push(("split".into(), "xml".into()));
                pairs(&[
                    ("format", "xml"),
                    ("record", "mesure"),
                    ("module_field", "@module"),
                    ("timestamp_field", "date"),
                    ("value_field", "valeur"),
                ])
            }
        };
        play(&self.plugin, settings, Vec::new(), "fuzz.csv", &headers, script);
    }
}

/// The Quoalise connector (`quoalise.wasm`), two usage points consented: the input's pieces
/// (separated by `\n---\n`) answer its requests in turn (the authorize URI, then data windows:
/// XEP-0050 results with SenML), or, when none is in flight, arrive as messages from the proxy
/// (consents).
#[derive(Debug)]
pub struct Quoalise {
    plugin: ConnectorPlugin,
}

impl Harness for Quoalise {
    const NAME: &'static str = "quoalise";

    fn new() -> Self {
        Self { plugin: load_connector("quoalise") }
    }

    fn run(&mut self, data: &[u8]) {
        let settings = pairs(&[
            ("proxy", "proxy@passerelle.test/proxy"),
            ("series", "load_curve/production,daily/consumption"),
            ("history_days", "30"),
        ]);
        let entries = ["10284856584123", "11453290002823"]
            .iter()
            .map(|up| Entry { key: format!("consent/{up}"), value: b"state".to_vec() })
            .collect();
        play(&self.plugin, settings, entries, "proxy@passerelle.test", &[], data);
    }
}
