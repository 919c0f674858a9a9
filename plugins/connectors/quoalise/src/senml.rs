//! SenML records (RFC 8428, XML form) resolved into absolute readings.
//!
//! Resolution follows RFC 8428 section 4.6: base fields (`bn`, `bt`, `bu`, `bv`) apply to the
//! record that carries them and to every later one until changed; the name is `bn` + `n`, the
//! time `bt` + `t` in seconds (a resolved time below 2^28 is relative to the time of receipt,
//! section 4.5.3), the unit `u` or else `bu`, a numeric value `bv` + `v`. `vs` gives text, `vb`
//! a boolean. A record without a value, or whose fields do not parse, is reported, not stored.

use crate::xml::Element;
use passerelle_pdk::connector::Value;

/// One resolved record.
#[derive(Debug, Clone)]
pub struct Record {
    /// Resolved name (`bn` + `n`).
    pub name: String,
    /// Unit (`u`, else the base unit).
    pub unit: Option<String>,
    /// The value.
    pub value: Value,
    /// Absolute time, milliseconds since the Unix epoch.
    pub time_ms: i64,
}

/// Times below this many seconds are relative to now (RFC 8428, 4.5.3).
const RELATIVE_LIMIT_S: f64 = 268_435_456.0;

/// Resolves every `senml` child of a `sensml` element; `now_ms` anchors relative times.
/// Gives the records and, for each record that could not be resolved, its position (0-based)
/// and why.
pub fn resolve(sensml: &Element, now_ms: i64) -> (Vec<Record>, Vec<(usize, String)>) {
    let mut records = Vec::new();
    let mut problems = Vec::new();
    let (mut bn, mut bt, mut bu, mut bv) = (String::new(), 0.0_f64, None::<String>, 0.0_f64);
    for (index, r) in sensml.children_named("senml").enumerate() {
        let number = |key: &str| -> Result<Option<f64>, String> {
            match r.attr(key) {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .map(Some)
                    .ok_or_else(|| format!("{key}={v:?} is not a number")),
            }
        };
        let fields = (|| -> Result<Option<Record>, String> {
            if let Some(n) = r.attr("bn") {
                bn = n.to_string();
            }
            if let Some(t) = number("bt")? {
                bt = t;
            }
            if let Some(u) = r.attr("bu") {
                bu = Some(u.to_string());
            }
            if let Some(v) = number("bv")? {
                bv = v;
            }
            let name = format!("{bn}{}", r.attr("n").unwrap_or(""));
            if name.is_empty() {
                return Err("no name (neither bn nor n)".into());
            }
            let t = bt + number("t")?.unwrap_or(0.0);
            let seconds = if t.abs() < RELATIVE_LIMIT_S { now_ms as f64 / 1000.0 + t } else { t };
            let time_ms = (seconds * 1000.0).round();
            if !(-9.0e15..=9.0e15).contains(&time_ms) {
                return Err(format!("time {t} s is out of range"));
            }
            let value = if let Some(v) = number("v")? {
                Value::Number(bv + v)
            } else if let Some(s) = r.attr("vs") {
                Value::Text(s.to_string())
            } else if let Some(b) = r.attr("vb") {
                match b.trim() {
                    "true" => Value::Boolean(true),
                    "false" => Value::Boolean(false),
                    other => return Err(format!("vb={other:?} is not a boolean")),
                }
            } else {
                return Err("no value (v, vs or vb)".into());
            };
            let unit = r.attr("u").map(str::to_string).or_else(|| bu.clone());
            Ok(Some(Record { name, unit, value, time_ms: time_ms as i64 }))
        })();
        match fields {
            Ok(Some(record)) => records.push(record),
            Ok(None) => {}
            Err(why) => problems.push((index, why)),
        }
    }
    (records, problems)
}
