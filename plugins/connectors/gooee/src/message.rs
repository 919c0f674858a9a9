//! Gooee JSON payloads to readings.

use passerelle_pdk::connector::{Reading, Refusal as Kind, Value};
use serde::Deserialize as _;
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
    let not_json = |e: serde_json::Error| bad(format!("body is not JSON: {e}"));
    let out = match t.what {
        What::Meta => match serde_json::from_slice(body).map_err(not_json)? {
            Meta::Many(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, m)| meta(m, At::Item(i), None))
                .collect::<Result<Vec<_>, _>>()?,
            m @ Meta::One(_) => vec![meta(m, At::One, None)?],
            Meta::Other => return Err(bad("meta: expected an array of meta objects".into())),
        },
        What::MetaName(name) => {
            vec![meta(serde_json::from_slice(body).map_err(not_json)?, At::One, Some(name))?]
        }
        What::Actions(ty) => {
            let json: Json = serde_json::from_slice(body).map_err(not_json)?;
            vec![event(&json, "action", ty, "created")?]
        }
        What::FaultAlarms => {
            let json: Json = serde_json::from_slice(body).map_err(not_json)?;
            vec![event(&json, "fault_alarm", None, "timestamp")?]
        }
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
        Some(Json::String(s)) => parse_time(s, at, field).map(Some),
        Some(_) => Err(bad(format!("{at}.{field}: expected an RFC 3339 string"))),
    }
}

fn parse_time(s: &str, at: impl std::fmt::Display, field: &str) -> Result<i64, Refusal> {
    parse_rfc3339_ms(s).ok_or_else(|| bad(format!("{at}.{field}: {s:?} is not an RFC 3339 time")))
}

/// Where a meta object is, for a refusal's reason: `meta[2]` in an array, `meta` alone. Only
/// written out when a reason is.
#[derive(Clone, Copy)]
enum At {
    Item(usize),
    One,
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Item(i) => write!(f, "meta[{i}]"),
            Self::One => f.write_str("meta"),
        }
    }
}

/// A meta body, or one element of an array of them: an array, one meta object, or anything
/// else.
///
/// Read straight from the bytes, without a JSON tree: the fields a meta object has are kept
/// (strings borrowed where they have no escapes), the others skipped (`scripts/bench-mqtt`:
/// building a `serde_json::Value` per message was most of this connector's time).
enum Meta<'a> {
    Many(Vec<Meta<'a>>),
    One(MetaFields<'a>),
    Other,
}

/// The fields of a meta object a reading is made of; a field given twice keeps its last value,
/// as a JSON object does.
#[derive(Default)]
struct MetaFields<'a> {
    name: Option<Field<'a>>,
    value: Option<Field<'a>>,
    unit: Option<Field<'a>>,
    timestamp: Option<Field<'a>>,
}

/// A field's JSON value: a scalar, or (for an object or an array) the value itself.
enum Field<'a> {
    Null,
    Bool(bool),
    Number(f64),
    Str(std::borrow::Cow<'a, str>),
    Other(Json),
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Meta<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = Meta<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a meta object or an array of them")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(4));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Meta::Many(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                fields(map).map(Meta::One)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Meta::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Meta::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Meta::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Meta::Other)
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Meta::Other)
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Meta::Other)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// The meta fields of an object, the other keys skipped.
fn fields<'de: 'a, 'a, A: serde::de::MapAccess<'de>>(mut map: A) -> Result<MetaFields<'a>, A::Error> {
    let mut f = MetaFields::default();
    while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
        let slot = match &*key {
            "name" => &mut f.name,
            "value" => &mut f.value,
            "unit_of_measure" => &mut f.unit,
            "timestamp" => &mut f.timestamp,
            _ => {
                map.next_value::<serde::de::IgnoredAny>()?;
                continue;
            }
        };
        *slot = Some(map.next_value()?);
    }
    Ok(f)
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Field<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = Field<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Field::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
                Ok(Field::Bool(b))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
                Ok(Field::Number(n as f64))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
                Ok(Field::Number(n as f64))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Self::Value, E> {
                Ok(Field::Number(n))
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Field::Str(std::borrow::Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Field::Str(std::borrow::Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
                Ok(Field::Str(std::borrow::Cow::Owned(s)))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Json::deserialize(serde::de::value::SeqAccessDeserializer::new(seq)).map(Field::Other)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Json::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Field::Other)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// One meta object (`name`, `value`, `unit_of_measure`, `timestamp`) as a reading. On a
/// per-name topic a missing `name` is the topic's.
fn meta(item: Meta<'_>, at: At, topic_name: Option<&str>) -> Result<Reading, Refusal> {
    let Meta::One(o) = item else {
        return Err(bad(format!("{at}: expected an object")));
    };
    let name = match (o.name, topic_name) {
        (Some(Field::Str(n)), _) if !n.is_empty() => n.into_owned(),
        (None, Some(n)) => n.to_string(),
        (None, None) => return Err(bad(format!("{at}.name: missing"))),
        _ => return Err(bad(format!("{at}.name: expected a non-empty string"))),
    };
    let value = match o.value {
        None => return Err(bad(format!("{at}.value: missing"))),
        Some(Field::Null) => return Err(bad(format!("{at}.value: null"))),
        Some(Field::Number(f)) => Value::Number(f),
        Some(Field::Bool(b)) => Value::Boolean(b),
        Some(Field::Str(s)) => Value::Text(s.into_owned()),
        Some(Field::Other(other)) => Value::Text(other.to_string()),
    };
    let unit = match o.unit {
        None | Some(Field::Null) => None,
        Some(Field::Str(u)) if u.is_empty() => None,
        Some(Field::Str(u)) => Some(u.into_owned()),
        Some(_) => return Err(bad(format!("{at}.unit_of_measure: expected a string"))),
    };
    let time_ms = match o.timestamp {
        None | Some(Field::Null) => None,
        Some(Field::Str(s)) => Some(parse_time(&s, at, "timestamp")?),
        Some(_) => return Err(bad(format!("{at}.timestamp: expected an RFC 3339 string"))),
    };
    Ok(Reading { name, value, unit, time_ms })
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
        assert_eq!(
            reason("devices/d/meta", r#"[{"name": "a", "value": 1}, [2]]"#),
            "meta[1]: expected an object"
        );
        assert_eq!(reason("devices/d/meta/temperature", "[]"), "meta: expected an object");
        assert_eq!(reason("devices/d/fault_alarms", "{}"), "fault_alarm.type: missing");
        assert!(reason("areas/a/actions", "{}").contains("not in the Gooee topic table"));
    }
}
