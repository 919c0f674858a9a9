//! Flat-file connector (seed 001): the chunks a file transport (`drop_folder`, next `sftp`,
//! `ftp`) hands over become readings. One plugin for every format, set by `format`, since the
//! formats share the field mapping, the time rules and the handling of bad records.
//!
//! Formats (setting `format`): `csv` (default), `json`, `xml`. Each chunk arrives with the
//! headers of the file transports: `file`, `chunk`, `first-line` (1-based line number of the
//! chunk's first line), `header` (CSV: the file's header line; without it, the chunk's own
//! first line is the header, or the `columns` setting names the columns) and `split` (`json`,
//! `xml`: the transport cut the file into JSON or XML records itself, its `records` setting, so
//! the body is those records one after the other).
//!
//! JSON (`format: json`): the records are the elements of the array at the `records` path
//! (object keys joined by `.`, e.g. `data.measures`; default empty: the top-level array, or one
//! JSON value per line, NDJSON). Each record is an object; its fields are found by the paths in
//! `module_field` (default `Module`), `timestamp_field` (`Timestamp`), `value_field` (`Value`),
//! `unit_field` (`Unit`, used when present) and `name_field` (none); a path is member names
//! joined by `.` (an array index is a number), matched exactly, else without regard to case. A
//! timestamp is a string (as in CSV, `timezone` and `timestamp_format` apply) or a number of
//! seconds since the Unix epoch (`timestamp_unit: ms`: milliseconds); a value is a number or a
//! numeric string (`decimal` applies).
//!
//! XML (`format: xml`): the records are the elements named by `record` (default `record`, its
//! local name: any namespace prefix). The same field settings name child elements (their text;
//! `a.b` for nested ones) or attributes of the record (an attribute when no child has that name;
//! `@name` for the attribute only); names are local names, matched exactly, else without regard
//! to case.
//!
//! CSV settings (all optional):
//! - `delimiter`: `;`, `,`, `tab`, `|` (default: guessed from the header line);
//! - `decimal`: `.` (default) or `,` (`12,5` is 12.5);
//! - `encoding`: `utf-8` (default) or `latin-1`; a UTF-8 BOM is dropped;
//! - `layout`: `long` (default: one reading per record, from the `module`, `timestamp`,
//!   `value` and `unit` columns) or `wide` (a `timestamp` column and one column per module);
//! - `module_column` (default `Module`), `timestamp_column` (`Timestamp`), `value_column`
//!   (`Value`), `unit_column` (`Unit`, used when present), `name_column` (none): the header
//!   mapping, matched without regard to case or surrounding spaces;
//! - `name`: the reading name when there is no `name_column` (default `value`); `unit`: the
//!   unit when there is no unit column (SenML: `kWh`, `Cel`, ...); `modules` (wide layout):
//!   comma-separated columns to read (default: every column but the timestamp);
//! - `columns`: comma-separated column names, for files without a header line;
//! - `timezone`: zone of naive timestamps (default `UTC`; `Europe/Paris`), `timestamp_format`
//!   (a `strftime` format of naive times; default ISO 8601 with `T` or a space),
//!   `ambiguous`: `reject` (default), `earlier` or `later` (see [`time`]); these three, `name`,
//!   `unit` and `decimal` apply to JSON and XML records as well.
//!
//! Each module is a device; its readings are named by `name` (or the `name_column`). A record
//! that cannot be read (a value that is not a number, a missing field, a timestamp that does not
//! exist or is ambiguous) goes to the dead letter (`dead-letter`: subject `file:line`, the
//! reason, the record's bytes), and the rest of the chunk is stored. A chunk whose header lacks a mapped column is refused whole (malformed).
// The export macro exists only on wasm32: on the host (tests) the plugin type is unused.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

pub mod csv;
pub mod fields;
pub mod json;
pub mod time;
pub mod xml;

use std::borrow::Cow;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasherDefault;
use std::sync::Mutex;

use passerelle_pdk::connector::{
    Command, ConnectorError, Discarded, Event, Guest, Inbound, Reading, Refusal, Rejection, Value,
};

use crate::fields::{Fields, Mapping};
use crate::time::{Ambiguous, TimeRule};

/// The format of the files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// CSV lines.
    Csv,
    /// JSON records at a path (dotted object keys; empty: top-level array or NDJSON).
    Json(String),
    /// XML elements of a local name.
    Xml(String),
}

/// The layout of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One reading per record.
    Long,
    /// One column per module.
    Wide,
}

/// The plugin's settings, read at `start`.
#[derive(Debug, Clone)]
pub struct Settings {
    format: Format,
    mapping: Mapping,
    delimiter: Option<char>,
    decimal_comma: bool,
    latin1: bool,
    layout: Layout,
    module_column: String,
    timestamp_column: String,
    value_column: String,
    unit_column: String,
    name_column: Option<String>,
    name: String,
    unit: Option<String>,
    modules: Option<Vec<String>>,
    columns: Option<Vec<String>>,
    time: TimeRule,
}

fn list(text: &str) -> Vec<String> {
    text.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

impl Settings {
    /// Reads the settings; a bad one is named.
    ///
    /// # Errors
    /// `bad-setting` with the setting's name and why.
    pub fn parse(settings: &[(String, String)]) -> Result<Self, ConnectorError> {
        let get = |k: &str| settings.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let bad = |k: &str, why: String| ConnectorError::BadSetting((k.to_string(), why));
        let format = match get("format").as_deref() {
            None | Some("csv") => Format::Csv,
            Some("json") => Format::Json(get("records").unwrap_or_default()),
            Some("xml") => Format::Xml(get("record").unwrap_or_else(|| "record".into())),
            Some(f) => {
                return Err(bad("format", format!("{f:?} is not a format of this plugin (csv, json, xml)")));
            }
        };
        if let Format::Xml(e) = &format
            && (e.trim().is_empty() || e.contains(['<', '>', ' ']))
        {
            return Err(bad("record", format!("{e:?} is not an element name")));
        }
        let epoch_ms = match get("timestamp_unit").as_deref() {
            None | Some("s") => false,
            Some("ms") => true,
            Some(u) => return Err(bad("timestamp_unit", format!("{u:?} is neither s nor ms"))),
        };
        let mapping = Mapping {
            module: get("module_field").unwrap_or_else(|| "Module".into()),
            timestamp: get("timestamp_field").unwrap_or_else(|| "Timestamp".into()),
            value: get("value_field").unwrap_or_else(|| "Value".into()),
            unit: get("unit_field").unwrap_or_else(|| "Unit".into()),
            name: get("name_field"),
            epoch_ms,
        };
        let delimiter = match get("delimiter").as_deref() {
            None | Some("") => None,
            Some("tab" | "\\t" | "\t") => Some('\t'),
            Some(d) if d.chars().count() == 1 => d.chars().next(),
            Some(d) => return Err(bad("delimiter", format!("{d:?} is not one character"))),
        };
        let decimal_comma = match get("decimal").as_deref() {
            None | Some(".") => false,
            Some(",") => true,
            Some(d) => return Err(bad("decimal", format!("{d:?} is neither . nor ,"))),
        };
        let latin1 = match get("encoding").map(|e| e.to_ascii_lowercase()).as_deref() {
            None | Some("utf-8" | "utf8") => false,
            Some("latin-1" | "latin1" | "iso-8859-1") => true,
            Some(e) => return Err(bad("encoding", format!("{e:?} is neither utf-8 nor latin-1"))),
        };
        let layout = match get("layout").as_deref() {
            None | Some("long") => Layout::Long,
            Some("wide") => Layout::Wide,
            Some(l) => return Err(bad("layout", format!("{l:?} is neither long nor wide"))),
        };
        let ambiguous = match get("ambiguous").as_deref() {
            None | Some("reject") => Ambiguous::Reject,
            Some("earlier") => Ambiguous::Earlier,
            Some("later") => Ambiguous::Later,
            Some(a) => return Err(bad("ambiguous", format!("{a:?} is not reject, earlier or later"))),
        };
        let zone = get("timezone").unwrap_or_else(|| "UTC".into());
        let time =
            TimeRule::new(&zone, get("timestamp_format"), ambiguous).map_err(|e| bad("timezone", e))?;
        Ok(Self {
            format,
            mapping,
            delimiter,
            decimal_comma,
            latin1,
            layout,
            module_column: get("module_column").unwrap_or_else(|| "Module".into()),
            timestamp_column: get("timestamp_column").unwrap_or_else(|| "Timestamp".into()),
            value_column: get("value_column").unwrap_or_else(|| "Value".into()),
            unit_column: get("unit_column").unwrap_or_else(|| "Unit".into()),
            name_column: get("name_column"),
            name: get("name").unwrap_or_else(|| "value".into()),
            unit: get("unit"),
            modules: get("modules").map(|m| list(&m)),
            columns: get("columns").map(|c| list(&c)),
            time,
        })
    }
}

/// A record left out: where, why, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRecord {
    /// The file and line (`meters.csv:17`): the dead letter's subject.
    pub subject: String,
    /// The file's line number of the record.
    pub line: u64,
    /// Why it could not be read.
    pub reason: String,
    /// The record's bytes.
    pub bytes: Vec<u8>,
}

/// What a chunk became.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Readings per module, in the order modules first appear.
    pub readings: Vec<(String, Vec<Reading>)>,
    /// Records left out.
    pub bad: Vec<BadRecord>,
}

fn header_of<'a>(inbound: &'a Inbound, name: &str) -> Option<&'a str> {
    inbound.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// The text of a chunk: borrowed when it is UTF-8 already; a leading BOM dropped.
fn decode(bytes: &[u8], latin1: bool) -> Cow<'_, str> {
    let text = if latin1 {
        Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect())
    } else {
        String::from_utf8_lossy(bytes)
    };
    match text {
        Cow::Borrowed(t) => Cow::Borrowed(t.strip_prefix('\u{feff}').unwrap_or(t)),
        Cow::Owned(t) => match t.strip_prefix('\u{feff}') {
            Some(rest) => Cow::Owned(rest.to_string()),
            None => Cow::Owned(t),
        },
    }
}

/// The number in a field (decimal comma when set); none if it is not a finite number.
pub(crate) fn number(field: &str, decimal_comma: bool) -> Option<f64> {
    let t = field.trim();
    let n: f64 =
        if decimal_comma && t.contains(',') { t.replace(',', ".").parse().ok()? } else { t.parse().ok()? };
    n.is_finite().then_some(n)
}

/// A hasher with fixed keys: the guest has no source of randomness (WASI is not linked), and
/// the keys are module names of the operator's own files.
type FixedState = BuildHasherDefault<DefaultHasher>;

/// Readings per module of one CSV chunk, in the order modules first appear; a module name is
/// copied once per chunk, when first seen.
#[derive(Debug, Default)]
struct Grouped {
    slots: HashMap<String, usize, FixedState>,
    out: Outcome,
}

impl Grouped {
    fn push(&mut self, module: &str, reading: Reading) {
        let slot = match self.slots.get(module) {
            Some(&slot) => slot,
            None => {
                let slot = self.out.readings.len();
                self.out.readings.push((module.to_string(), Vec::new()));
                self.slots.insert(module.to_string(), slot);
                slot
            }
        };
        if let Some((_, rs)) = self.out.readings.get_mut(slot) {
            rs.push(reading);
        }
    }

    fn bad(&mut self, file: &str, place: csv::Place, reason: &str, body: &str) {
        let line = place.line;
        self.out.bad.push(BadRecord {
            subject: format!("{file}:{line}"),
            line,
            reason: format!("{file} line {line}: {reason}"),
            bytes: body.as_bytes().get(place.span.0..place.span.1).unwrap_or_default().to_vec(),
        });
    }
}

/// The last timestamp text read and its instant: lines in a row often share their timestamp
/// (one per module), parsed once.
#[derive(Debug, Default)]
struct LastTime {
    text: String,
    millis: Option<i64>,
}

impl LastTime {
    fn millis(&mut self, rule: &TimeRule, text: &str) -> Result<i64, String> {
        if let Some(ms) = self.millis
            && self.text == text
        {
            return Ok(ms);
        }
        let ms = rule.millis(text)?;
        self.text.clear();
        self.text.push_str(text);
        self.millis = Some(ms);
        Ok(ms)
    }
}

/// Reads one CSV chunk.
///
/// # Errors
/// The refusal of the whole chunk: its header lacks a mapped column.
pub fn read_csv(s: &Settings, inbound: &Inbound) -> Result<Outcome, String> {
    let first_line: u64 = header_of(inbound, "first-line").and_then(|l| l.parse().ok()).unwrap_or(1);
    let body = decode(&inbound.body, s.latin1);
    let body: &str = &body;
    let header_text = header_of(inbound, "header").map(|h| h.strip_prefix('\u{feff}').unwrap_or(h));
    let guess_from = header_text.unwrap_or_else(|| body.lines().next().unwrap_or_default());
    let delimiter = s.delimiter.unwrap_or_else(|| csv::guess_delimiter(guess_from));
    let mut reader = csv::Reader::new(body, delimiter, first_line);
    let mut fields: Vec<Cow<'_, str>> = Vec::new();
    let columns: Vec<String> = match (&s.columns, header_text) {
        (Some(c), _) => c.clone(),
        (None, Some(h)) => {
            csv::records(h, delimiter, 1).into_iter().next().map(|r| r.fields).unwrap_or_default()
        }
        (None, None) => {
            if reader.next_into(&mut fields).is_none() {
                return Ok(Outcome::default());
            }
            fields.drain(..).map(Cow::into_owned).collect()
        }
    };
    let index = |name: &str| columns.iter().position(|c| c.trim().eq_ignore_ascii_case(name.trim()));
    let need = |name: &str, what: &str| {
        index(name).ok_or_else(|| {
            format!("the header has no {what} column {name:?} (columns: {})", columns.join(", "))
        })
    };
    let file = header_of(inbound, "file").unwrap_or(&inbound.channel);
    let time_col = need(&s.timestamp_column, "timestamp")?;
    let mut out = Grouped::default();
    let mut last_time = LastTime::default();
    match s.layout {
        Layout::Long => {
            let module_col = need(&s.module_column, "module")?;
            let value_col = need(&s.value_column, "value")?;
            let unit_col = index(&s.unit_column);
            let name_col = match &s.name_column {
                Some(n) => Some(need(n, "name")?),
                None => None,
            };
            while let Some(place) = reader.next_into(&mut fields) {
                if csv::is_blank(&fields) {
                    continue;
                }
                let field = |i: usize| fields.get(i).map(|f| f.trim());
                let result = (|| {
                    let module = field(module_col).filter(|m| !m.is_empty()).ok_or("the module is empty")?;
                    let time =
                        last_time.millis(&s.time, field(time_col).ok_or("the timestamp is missing")?)?;
                    let raw = field(value_col).ok_or("the value is missing")?;
                    let value = number(raw, s.decimal_comma)
                        .ok_or_else(|| format!("value {raw:?} is not a number"))?;
                    let unit = unit_col
                        .and_then(field)
                        .filter(|u| !u.is_empty())
                        .map(str::to_string)
                        .or_else(|| s.unit.clone());
                    let name = match name_col {
                        Some(i) => field(i).filter(|n| !n.is_empty()).ok_or("the name is empty")?.to_string(),
                        None => s.name.clone(),
                    };
                    Ok::<_, String>((
                        module,
                        Reading { name, value: Value::Number(value), unit, time_ms: Some(time) },
                    ))
                })();
                match result {
                    Ok((module, reading)) => out.push(module, reading),
                    Err(reason) => out.bad(file, place, &reason, body),
                }
            }
        }
        Layout::Wide => {
            let modules: Vec<(usize, String)> = match &s.modules {
                Some(list) => list
                    .iter()
                    .map(|m| need(m, "module").map(|i| (i, m.clone())))
                    .collect::<Result<_, _>>()?,
                None => columns
                    .iter()
                    .enumerate()
                    .filter(|(i, c)| *i != time_col && !c.trim().is_empty())
                    .map(|(i, c)| (i, c.trim().to_string()))
                    .collect(),
            };
            let mut row: Vec<(&str, f64)> = Vec::with_capacity(modules.len());
            while let Some(place) = reader.next_into(&mut fields) {
                if csv::is_blank(&fields) {
                    continue;
                }
                let field = |i: usize| fields.get(i).map(|f| f.trim());
                let time = match field(time_col)
                    .ok_or_else(|| "the timestamp is missing".to_string())
                    .and_then(|t| last_time.millis(&s.time, t))
                {
                    Ok(t) => t,
                    Err(reason) => {
                        out.bad(file, place, &reason, body);
                        continue;
                    }
                };
                row.clear();
                let mut problem = None;
                for (i, module) in &modules {
                    match field(*i) {
                        None | Some("") => {}
                        Some(raw) => match number(raw, s.decimal_comma) {
                            Some(v) => row.push((module.as_str(), v)),
                            None => problem = Some(format!("{module}: value {raw:?} is not a number")),
                        },
                    }
                }
                // A record is stored whole or not at all: a bad cell sends the line to the dead letter.
                match problem {
                    Some(reason) => out.bad(file, place, &reason, body),
                    None => {
                        for &(module, v) in &row {
                            let reading = Reading {
                                name: s.name.clone(),
                                value: Value::Number(v),
                                unit: s.unit.clone(),
                                time_ms: Some(time),
                            };
                            out.push(module, reading);
                        }
                    }
                }
            }
        }
    }
    Ok(out.out)
}

/// Readings per module, in the order modules first appear.
#[derive(Debug, Default)]
struct ByModule {
    slots: BTreeMap<String, usize>,
}

impl ByModule {
    fn push(&mut self, out: &mut Outcome, module: String, reading: Reading) {
        let slot = *self.slots.entry(module.clone()).or_insert_with(|| {
            out.readings.push((module, Vec::new()));
            out.readings.len() - 1
        });
        if let Some((_, rs)) = out.readings.get_mut(slot) {
            rs.push(reading);
        }
    }
}

/// Reads one chunk of JSON or XML records: each record becomes a reading, or goes to the
/// dead letter (subject `file:line`) with why and its bytes.
pub fn read_records(s: &Settings, inbound: &Inbound) -> Outcome {
    let first_line: u64 = header_of(inbound, "first-line").and_then(|l| l.parse().ok()).unwrap_or(1);
    let file = header_of(inbound, "file").unwrap_or(&inbound.channel).to_string();
    let host_split = header_of(inbound, "split").is_some();
    let cap = inbound.body.len().max(1);
    let mut body = inbound.body.as_slice();
    let mut out = Outcome::default();
    let mut modules = ByModule::default();
    let mut next =
        |out: &mut Outcome, record: passerelle_records::Record, parsed: Result<Box<dyn Fields>, String>| {
            match parsed.and_then(|r| fields::reading(s, &s.mapping, r.as_ref())) {
                Ok((module, reading)) => modules.push(out, module, reading),
                Err(reason) => out.bad.push(BadRecord {
                    subject: format!("{file}:{}", record.line),
                    line: record.line,
                    reason: format!("{file} line {}: {reason}", record.line),
                    bytes: record.bytes,
                }),
            }
        };
    match &s.format {
        Format::Json(path) => {
            let mut split = json::splitter(host_split, path, first_line);
            // Reading a byte slice cannot fail.
            while let Ok(Some(record)) = split.next_record(&mut body, cap) {
                let parsed = json::JsonRecord::parse(&record.bytes).map(|r| Box::new(r) as Box<dyn Fields>);
                next(&mut out, record, parsed);
            }
        }
        Format::Xml(element) => {
            let mut split = passerelle_records::XmlSplitter::element(element).starting_at(first_line);
            while let Ok(Some(record)) = split.next_record(&mut body, cap) {
                let parsed = xml::Node::parse(&record.bytes).map(|r| Box::new(r) as Box<dyn Fields>);
                next(&mut out, record, parsed);
            }
        }
        Format::Csv => {}
    }
    out
}

/// The commands for one chunk: readings per module, the records left out, and an accept; or a
/// rejection of the whole chunk.
pub fn handle_inbound(s: &Settings, inbound: &Inbound) -> Vec<Command> {
    let id = inbound.id;
    let read = match s.format {
        Format::Csv => read_csv(s, inbound),
        Format::Json(_) | Format::Xml(_) => Ok(read_records(s, inbound)),
    };
    match read {
        Ok(outcome) => {
            let mut commands: Vec<Command> = outcome
                .readings
                .into_iter()
                .map(|(module, readings)| Command::EmitReadings((id, module, readings)))
                .collect();
            // Each record left out goes to the dead letter with its bytes, committed with the
            // readings of the rest of the chunk.
            commands.extend(outcome.bad.into_iter().map(|bad| {
                Command::DeadLetter(Discarded {
                    id,
                    subject: bad.subject,
                    reason: bad.reason,
                    bytes: bad.bytes,
                })
            }));
            commands.push(Command::Accept(id));
            commands
        }
        Err(reason) => vec![Command::Reject(Rejection { id, kind: Refusal::Malformed, reason })],
    }
}

static SETTINGS: Mutex<Option<Settings>> = Mutex::new(None);

struct FlatFiles;

impl Guest for FlatFiles {
    fn handle(event: Event) -> Result<Vec<Command>, ConnectorError> {
        let mut guard = SETTINGS.lock().map_err(|_| ConnectorError::Other("state poisoned".into()))?;
        match event {
            Event::Start(settings) => {
                *guard = Some(Settings::parse(&settings)?);
                Ok(Vec::new())
            }
            Event::Inbound(inbound) => {
                let s = guard.as_ref().ok_or_else(|| ConnectorError::Other("inbound before start".into()))?;
                Ok(handle_inbound(s, &inbound))
            }
            // Stateless: every chunk carries what it needs (its header, its first line number).
            Event::Restore(_) | Event::Tick(_) | Event::Response(_) => Ok(Vec::new()),
        }
    }
}

#[cfg(target_arch = "wasm32")]
passerelle_pdk::connector::export_connector!(FlatFiles with_types_in passerelle_pdk::connector);

#[cfg(test)]
mod tests;
