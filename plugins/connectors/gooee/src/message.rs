//! Gooee JSON payloads to readings.

use passerelle_pdk::connector::{Reading, Refusal as Kind, Value};
use serde_json::{Map, Value as Json};

use crate::topics::{self, What};
use passerelle_pdk::parse_rfc3339_ms;

/// Why a message is refused: the kind of refusal and a reason naming the field.
#[derive(Debug, PartialEq)]
pub struct Refusal {
    /// `Malformed` for a malformed payload or a topic outside the table, `Unprocessable` for a
    /// `/rejected` report.
    pub kind: Kind,
    /// Why.
    pub reason: String,
}

fn bad(reason: String) -> Refusal {
    Refusal { kind: Kind::Malformed, reason }
}

/// The entity id and the readings of one message.
///
/// # Errors
/// A [`Refusal`].
pub fn readings(topic: &str, body: &[u8]) -> Result<(String, Vec<Reading>), Refusal> {
    let Some(t) = topics::parse(topic) else {
        return Err(bad(format!("topic {topic:?} is not in the Gooee topic table")));
    };
    if let What::Rejected(on) = t.what {
        return Err(Refusal { kind: Kind::Unprocessable, reason: rejected(on, body) });
    }
    let json: Json = serde_json::from_slice(body).map_err(|e| bad(format!("body is not JSON: {e}")))?;
    let out = match t.what {
        What::Meta => match &json {
            Json::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, m)| meta(m, &format!("meta[{i}]"), None))
                .collect::<Result<Vec<_>, _>>()?,
            Json::Object(_) => vec![meta(&json, "meta", None)?],
            _ => return Err(bad("meta: expected an array of meta objects".into())),
        },
        What::MetaName(name) => vec![meta(&json, "meta", Some(name))?],
        What::Actions(ty) => vec![event(&json, "action", ty, "created")?],
        What::FaultAlarms => vec![event(&json, "fault_alarm", None, "timestamp")?],
        What::Rejected(_) => Vec::new(),
    };
    Ok((t.id.to_string(), out))
}

/// The reason of a `/rejected` report: Gooee's error message and context.
fn rejected(on: &str, body: &[u8]) -> String {
    let json: Option<Json> = serde_json::from_slice(body).ok();
    let error = json.as_ref().and_then(|j| j.get("error"));
    let message = error.and_then(|e| e.get("message")).and_then(Json::as_str);
    let context = error.and_then(|e| e.get("context"));
    match (json.is_some(), message) {
        (_, Some(m)) => match context {
            Some(c) => format!("Gooee rejected a publish on {on}: {m} (context: {c})"),
            None => format!("Gooee rejected a publish on {on}: {m}"),
        },
        (true, None) => format!("Gooee rejected a publish on {on} (no error.message in the report)"),
        (false, None) => format!("Gooee rejected a publish on {on} (the report is not JSON)"),
    }
}

fn object<'a>(v: &'a Json, at: &str) -> Result<&'a Map<String, Json>, Refusal> {
    v.as_object().ok_or_else(|| bad(format!("{at}: expected an object")))
}

fn time(o: &Map<String, Json>, at: &str, field: &str) -> Result<Option<i64>, Refusal> {
    match o.get(field) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => parse_rfc3339_ms(s)
            .map(Some)
            .ok_or_else(|| bad(format!("{at}.{field}: {s:?} is not an RFC 3339 time"))),
        Some(_) => Err(bad(format!("{at}.{field}: expected an RFC 3339 string"))),
    }
}

/// One meta object (`name`, `value`, `unit_of_measure`, `timestamp`) as a reading. On a
/// per-name topic a missing `name` is the topic's.
fn meta(v: &Json, at: &str, topic_name: Option<&str>) -> Result<Reading, Refusal> {
    let o = object(v, at)?;
    let name = match (o.get("name"), topic_name) {
        (Some(Json::String(n)), _) if !n.is_empty() => n.clone(),
        (None, Some(n)) => n.to_string(),
        (None, None) => return Err(bad(format!("{at}.name: missing"))),
        _ => return Err(bad(format!("{at}.name: expected a non-empty string"))),
    };
    let value = match o.get("value") {
        None => return Err(bad(format!("{at}.value: missing"))),
        Some(Json::Null) => return Err(bad(format!("{at}.value: null"))),
        Some(Json::Number(n)) => match n.as_f64() {
            Some(f) => Value::Number(f),
            None => return Err(bad(format!("{at}.value: number out of range"))),
        },
        Some(Json::Bool(b)) => Value::Boolean(*b),
        Some(Json::String(s)) => Value::Text(s.clone()),
        Some(other) => Value::Text(other.to_string()),
    };
    let unit = match o.get("unit_of_measure") {
        None | Some(Json::Null) => None,
        Some(Json::String(u)) if u.is_empty() => None,
        Some(Json::String(u)) => Some(u.clone()),
        Some(_) => return Err(bad(format!("{at}.unit_of_measure: expected a string"))),
    };
    Ok(Reading { name, value, unit, time_ms: time(o, at, "timestamp")? })
}

/// An action or a fault alarm as an event reading `<prefix>.<type>` holding the JSON payload.
fn event(v: &Json, prefix: &str, topic_type: Option<&str>, time_field: &str) -> Result<Reading, Refusal> {
    let o = object(v, prefix)?;
    let ty = match (topic_type, o.get("type")) {
        (Some(t), _) => t.to_string(),
        (None, Some(Json::String(t))) if topics::valid_level(t) => t.clone(),
        (None, None) => return Err(bad(format!("{prefix}.type: missing"))),
        (None, Some(_)) => return Err(bad(format!("{prefix}.type: expected a non-empty name"))),
    };
    Ok(Reading {
        name: format!("{prefix}.{ty}"),
        value: Value::Text(v.to_string()),
        unit: None,
        time_ms: time(o, prefix, time_field)?,
    })
}

#[cfg(test)]
mod tests {
    use passerelle_pdk::connector::Value;

    use super::{Kind, Refusal, readings};

    const META: &str = r#"[
        {"name": "temperature", "display_name": "Temperature", "value": 87.4,
         "unit_of_measure": "C", "timestamp": "2016-08-09T20:00:47.539000Z"},
        {"name": "als", "value": 87, "unit_of_measure": "K", "timestamp": "2016-08-09T20:00:47.539000Z"}
    ]"#;

    #[test]
    fn meta_array() {
        let (device, rs) = readings("devices/1de8/meta", META.as_bytes()).unwrap();
        assert_eq!(device, "1de8");
        assert_eq!(rs.len(), 2);
        assert_eq!(rs[0].name, "temperature");
        assert!(matches!(rs[0].value, Value::Number(v) if (v - 87.4).abs() < 1e-9));
        assert_eq!(rs[0].unit.as_deref(), Some("C"));
        assert_eq!(rs[0].time_ms, Some(1_470_772_847_539));
        assert_eq!(rs[1].name, "als");
    }

    #[test]
    fn meta_by_name_and_head_count() {
        let (_, rs) = readings("devices/d/meta/temperature", br#"{"value": 1, "timestamp": null}"#).unwrap();
        assert_eq!(rs[0].name, "temperature");
        assert_eq!(rs[0].time_ms, None);
        let (id, rs) = readings("areas/a1/meta/head_count", br#"{"name": "headcount", "value": 2}"#).unwrap();
        assert_eq!((id.as_str(), rs[0].name.as_str()), ("a1", "headcount"));
    }

    #[test]
    fn actions_and_fault_alarms_are_events() {
        let action = br#"{"name": "Dim Device", "type": "dim", "target_type": "device",
            "value": {"level": 80}, "created": "2016-08-09T20:00:47.539000Z"}"#;
        let (_, rs) = readings("devices/d/actions", action).unwrap();
        assert_eq!(rs[0].name, "action.dim");
        assert!(matches!(&rs[0].value, Value::Text(t) if t.contains("\"level\":80")));
        assert_eq!(rs[0].time_ms, Some(1_470_772_847_539));
        let (_, rs) = readings("spaces/s/actions/off", br#"{"name": "Off"}"#).unwrap();
        assert_eq!(rs[0].name, "action.off");
        let alarm =
            br#"{"timestamp": "2020-02-17T15:47:53.046570Z", "level": "info", "type": "high_temperature"}"#;
        let (_, rs) = readings("buildings/b/fault_alarms", alarm).unwrap();
        assert_eq!(rs[0].name, "fault_alarm.high_temperature");
    }

    #[test]
    fn rejected_reports_carry_the_broker_message() {
        let report = br#"{"error": {"message": "Invalid payload due to regex pattern not matching.",
            "context": {"pattern": "^[a-z]+$"}}, "data": [{"name": "Meta_New", "value": 10}]}"#;
        let Refusal { kind, reason } = readings("devices/d/meta/rejected", report).unwrap_err();
        assert_eq!(kind, Kind::Unprocessable);
        assert!(reason.contains("regex pattern not matching"), "{reason}");
        assert!(reason.contains("^[a-z]+$"), "{reason}");
        assert!(reason.contains("devices/d/meta"), "{reason}");
        assert_eq!(
            readings("buildings/b/fault_alarms/rejected", b"junk").unwrap_err().kind,
            Kind::Unprocessable
        );
    }

    #[test]
    fn malformed_payloads_name_the_field() {
        let reason = |topic: &str, body: &str| {
            let r = readings(topic, body.as_bytes()).unwrap_err();
            assert_eq!(r.kind, Kind::Malformed);
            r.reason
        };
        assert!(reason("devices/d/meta", "{").starts_with("body is not JSON"));
        assert_eq!(reason("devices/d/meta", r#"[{"value": 1}]"#), "meta[0].name: missing");
        assert_eq!(
            reason("devices/d/meta", r#"[{"name": "a", "value": 1}, {"name": "b"}]"#),
            "meta[1].value: missing"
        );
        assert!(
            reason("devices/d/meta", r#"[{"name": "a", "value": 1, "timestamp": "yesterday"}]"#)
                .starts_with("meta[0].timestamp")
        );
        assert_eq!(reason("devices/d/meta", "3"), "meta: expected an array of meta objects");
        assert_eq!(reason("devices/d/fault_alarms", "{}"), "fault_alarm.type: missing");
        assert!(reason("areas/a/actions", "{}").contains("not in the Gooee topic table"));
    }
}
