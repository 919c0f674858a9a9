//! The Energisme push envelope, validated field by field.

use serde::Deserialize;
use serde_json::Value;

use passerelle_pdk::parse_rfc3339_ms;

/// One validated envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// `deviceid`.
    pub device: String,
    /// `devicetype`, trimmed.
    pub devicetype: String,
    /// Decoded `payload` bytes.
    pub payload: Vec<u8>,
    /// `port`, 0 when absent.
    pub port: u8,
    /// `timestamp` in ms since the epoch.
    pub received_ms: i64,
}

#[derive(Deserialize)]
struct Raw {
    timestamp: Option<Value>,
    deviceid: Option<Value>,
    payload: Option<Value>,
    devicetype: Option<Value>,
    port: Option<Value>,
    #[serde(rename = "fPort")]
    fport: Option<Value>,
}

/// At most this many envelopes in one body: 10000. A larger batch is refused whole before its
/// envelopes are read (its items are counted as they stream past, never held).
pub const MAX_ENVELOPES: usize = 10_000;

/// Why a body is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Not an envelope or an array of envelopes, or a field at fault (HTTP 400).
    Malformed(String),
    /// More than [`MAX_ENVELOPES`] envelopes (HTTP 422: split the batch).
    TooMany,
}

/// The top of a body: one envelope (`false`), or an array of at most [`MAX_ENVELOPES`] items
/// (`true`); anything else is a data error.
struct Top<'a> {
    too_many: &'a std::cell::Cell<bool>,
}

impl<'de> serde::de::Visitor<'de> for Top<'_> {
    type Value = (Vec<Value>, bool);

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an envelope object or an array of envelopes")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Ok((vec![Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))?], false))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(item) = seq.next_element::<Value>()? {
            if out.len() == MAX_ENVELOPES {
                self.too_many.set(true);
                return Err(serde::de::Error::custom("too many envelopes"));
            }
            out.push(item);
        }
        Ok((out, true))
    }
}

/// Parses a body holding one envelope or an array of them.
///
/// # Errors
/// [`Refused`], naming the envelope and the field at fault.
pub fn parse(body: &[u8]) -> Result<Vec<Envelope>, Refused> {
    // A batch over the cap is refused before anything is parsed: one pass over the bytes.
    if top_level_items(body) > MAX_ENVELOPES {
        return Err(Refused::TooMany);
    }
    let too_many = std::cell::Cell::new(false);
    let mut de = serde_json::Deserializer::from_slice(body);
    let top = serde::Deserializer::deserialize_any(&mut de, Top { too_many: &too_many })
        .and_then(|top| de.end().map(|()| top));
    let (items, array) = match top {
        Ok(t) => t,
        Err(_) if too_many.get() => return Err(Refused::TooMany),
        Err(e) if e.is_data() => {
            return Err(Refused::Malformed(
                "body must be an envelope object or an array of envelopes".into(),
            ));
        }
        Err(e) => return Err(Refused::Malformed(format!("body is not JSON: {e}"))),
    };
    if items.is_empty() {
        return Err(Refused::Malformed("body is an empty array".into()));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            one(v).map_err(|e| Refused::Malformed(if array { format!("envelope {i}: {e}") } else { e }))
        })
        .collect()
}

/// How many items the top-level array of `body` holds, counted by its commas outside strings
/// and nested values (0 when the body is not an array). No allocation; a malformed body may be
/// miscounted, and the parser refuses it anyway.
fn top_level_items(body: &[u8]) -> usize {
    let mut bytes = body.iter().skip_while(|b| b.is_ascii_whitespace());
    if bytes.next() != Some(&b'[') {
        return 0;
    }
    let (mut depth, mut in_string, mut escaped) = (1usize, false, false);
    let (mut commas, mut any) = (0usize, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            b',' if depth == 1 => commas += 1,
            _ => {}
        }
        any |= !b.is_ascii_whitespace() && depth >= 1;
    }
    if any { commas + 1 } else { 0 }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Malformed(reason) => f.write_str(reason),
            Self::TooMany => {
                write!(f, "more than {MAX_ENVELOPES} envelopes in one request: send smaller batches")
            }
        }
    }
}

/// A text field. `deviceid` is kept exactly as sent (an integer id too, in its decimal form;
/// a number that is not an integer is refused); the others lose surrounding white space.
fn text(field: &str, v: Option<Value>) -> Result<String, String> {
    match v {
        Some(Value::String(s)) if !s.trim().is_empty() && field == "deviceid" => Ok(s),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        Some(Value::Number(n)) if field == "deviceid" && (n.is_u64() || n.is_i64()) => Ok(n.to_string()),
        Some(Value::Number(_)) if field == "deviceid" => {
            Err(format!("field `{field}` must be a string or an integer"))
        }
        Some(Value::String(_)) => Err(format!("field `{field}` is empty")),
        Some(_) => Err(format!("field `{field}` must be a string")),
        None => Err(format!("field `{field}` is missing")),
    }
}

fn one(v: Value) -> Result<Envelope, String> {
    let raw: Raw = serde_json::from_value(v).map_err(|e| format!("not an envelope object: {e}"))?;
    let timestamp = text("timestamp", raw.timestamp)?;
    let received_ms = parse_rfc3339_ms(&timestamp)
        .ok_or_else(|| format!("field `timestamp` is not an RFC 3339 time: {timestamp:?}"))?;
    let device = text("deviceid", raw.deviceid)?;
    let devicetype = text("devicetype", raw.devicetype)?;
    let hex = text("payload", raw.payload)?;
    let payload = decode_hex(&hex).map_err(|e| format!("field `payload`: {e}"))?;
    let port = match raw.port.or(raw.fport) {
        None | Some(Value::Null) => 0,
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|p| u8::try_from(p).ok())
            .ok_or_else(|| format!("field `port` must be an integer 0..=255, got {n}"))?,
        Some(_) => return Err("field `port` must be an integer 0..=255".into()),
    };
    Ok(Envelope { device, devicetype, payload, port, received_ms })
}

/// Decodes hex text (either case, no separators).
pub fn decode_hex(hex: &str) -> Result<Vec<u8>, String> {
    let bytes = hex.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return Err(format!("odd number of hex digits ({})", bytes.len()));
    }
    bytes
        .chunks(2)
        .enumerate()
        .map(|(i, pair)| match pair {
            [h, l] => match (nibble(*h), nibble(*l)) {
                (Some(h), Some(l)) => Ok(h << 4 | l),
                _ => Err(format!("not a hex digit at position {}", i * 2)),
            },
            _ => Err("odd number of hex digits".into()),
        })
        .collect()
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_example_parses() {
        let body = br#"{"timestamp": "2019-04-28T12:59:36.599Z", "deviceid": "123124",
                        "payload": "2367A3B3C1DEFE", "devicetype": " em300-th "}"#;
        let e = parse(body).unwrap();
        assert_eq!(e[0].device, "123124");
        assert_eq!(e[0].devicetype, "em300-th");
        assert_eq!(e[0].payload, vec![0x23, 0x67, 0xA3, 0xB3, 0xC1, 0xDE, 0xFE]);
        assert_eq!(e[0].received_ms, 1_556_456_376_599);
        assert_eq!(e[0].port, 0);
    }

    #[test]
    fn errors_name_the_field() {
        let err = |body: &[u8]| parse(body).unwrap_err().to_string();
        assert!(err(b"{").contains("not JSON"));
        assert!(err(b"[1,2] x").contains("not JSON"));
        assert!(err(b"42").contains("an envelope object or an array"));
        assert!(err(&[b'['; 200]).contains("recursion limit"), "{}", err(&[b'['; 200]));
        assert!(err(b"{\"deviceid\": \"\xff\"}").contains("not JSON"));
        let bad_hex =
            br#"[{"timestamp":"2019-04-28T12:59:36Z","deviceid":"1","payload":"0G","devicetype":"x"}]"#;
        let e = err(bad_hex);
        assert!(e.contains("envelope 0") && e.contains("payload"), "{e}");
        let no_type = br#"{"timestamp":"2019-04-28T12:59:36Z","deviceid":"1","payload":"00"}"#;
        assert!(err(no_type).contains("devicetype"));
        let bad_port = br#"{"timestamp":"2019-04-28T12:59:36Z","deviceid":"1","payload":"00","devicetype":"x","port":300}"#;
        assert!(err(bad_port).contains("port"));
    }

    #[test]
    fn more_than_the_cap_is_refused_whole_and_the_cap_itself_is_taken() {
        let one = r#"{"timestamp":"2019-04-28T12:59:36Z","deviceid":"1","payload":"00","devicetype":"x"}"#;
        let batch = |n: usize| format!("[{}]", vec![one; n].join(","));
        assert_eq!(parse(batch(MAX_ENVELOPES).as_bytes()).unwrap().len(), MAX_ENVELOPES);
        assert_eq!(parse(batch(MAX_ENVELOPES + 1).as_bytes()), Err(Refused::TooMany));
        assert!(Refused::TooMany.to_string().contains("smaller batches"));
        assert_eq!(top_level_items(br#" [1, "a,b\",", {"x": [1,2]}, [3,4]] "#), 4);
        assert_eq!(top_level_items(b"[]"), 0);
        assert_eq!(top_level_items(b"{\"a\": [1,2,3]}"), 0);
    }
}

/// Property tests: every field with every wrong JSON type, and values that parse but are not
/// what they claim, are refused; a valid envelope comes back with exactly the values sent.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::{Refused, parse};

    const FIELDS: [&str; 5] = ["timestamp", "deviceid", "payload", "devicetype", "port"];

    fn valid() -> Value {
        json!({"timestamp": "2019-04-28T12:59:36.599Z", "deviceid": "123124",
               "payload": "2367a3", "devicetype": "em300-th", "port": 85})
    }

    /// A JSON value of the wrong type for `field`.
    fn wrong_type(field: &'static str) -> impl Strategy<Value = Value> {
        let any = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
            ".{0,8}".prop_map(Value::String),
            Just(json!([])),
            Just(json!({"a": 1})),
        ];
        any.prop_filter("of the wrong type", move |v| match field {
            // A port is an integer 0..=255 (or absent: null means absent).
            "port" => !matches!(v, Value::Null) && v.as_u64().is_none_or(|p| p > 255),
            // An id may be an integer.
            "deviceid" => !(v.is_string() || v.is_i64() || v.is_u64()),
            // Text fields: a string that parses is not a wrong type.
            _ => !v.is_string(),
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn a_field_of_the_wrong_type_is_refused(
            (field, wrong) in prop::sample::select(&FIELDS[..]).prop_flat_map(|f| (Just(f), wrong_type(f))),
        ) {
            let mut e = valid();
            e[field] = wrong;
            let r = parse(e.to_string().as_bytes());
            prop_assert!(matches!(r, Err(Refused::Malformed(ref m)) if m.contains(field)), "{e}: {r:?}");
        }

        #[test]
        fn calendar_invalid_and_out_of_range_times_are_refused(
            year in 1970i64..2100, month in 0i64..15, day in 0i64..34,
            hour in 0i64..30, minute in 0i64..70, second in 0i64..70,
        ) {
            let days_in = |y: i64, m: i64| match m {
                1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
                4 | 6 | 9 | 11 => 30,
                2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
                2 => 28,
                _ => 0,
            };
            let valid_date = (1..=12).contains(&month) && (1..=days_in(year, month)).contains(&day)
                && hour <= 23 && minute <= 59 && second <= 60;
            let mut e = valid();
            e["timestamp"] = json!(format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z"));
            let r = parse(e.to_string().as_bytes());
            prop_assert_eq!(r.is_ok(), valid_date, "{}: {:?}", e["timestamp"], r);
        }

        #[test]
        fn a_valid_envelope_keeps_exactly_what_was_sent(
            device in "[^\u{0}]{1,24}", devicetype in "[a-z0-9-]{1,16}",
            payload in prop::collection::vec(any::<u8>(), 0..32), port in 0u8..=255,
            ms in 0i64..4_102_444_800_000,
        ) {
            let hex: String = payload.iter().map(|b| format!("{b:02X}")).collect();
            let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
            let (y, m, d) = passerelle_pdk::civil_from_days(days);
            let ts = format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
                rem / 3_600_000, rem / 60_000 % 60, rem / 1000 % 60, rem % 1000);
            let e = json!({"timestamp": ts, "deviceid": device, "payload": hex, "devicetype": devicetype, "port": port});
            let r = parse(e.to_string().as_bytes());
            if device.trim().is_empty() || hex.is_empty() {
                prop_assert!(r.is_err());
            } else {
                let got = r.map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(got.len(), 1);
                prop_assert_eq!(&got[0].device, &device);
                prop_assert_eq!(&got[0].devicetype, &devicetype);
                prop_assert_eq!(&got[0].payload, &payload);
                prop_assert_eq!(got[0].port, port);
                prop_assert_eq!(got[0].received_ms, ms);
            }
        }
    }
}
