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

/// Parses a body holding one envelope or an array of them.
pub fn parse(body: &[u8]) -> Result<Vec<Envelope>, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    match value {
        Value::Array(items) => {
            if items.is_empty() {
                return Err("body is an empty array".into());
            }
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| one(v).map_err(|e| format!("envelope {i}: {e}")))
                .collect()
        }
        v @ Value::Object(_) => Ok(vec![one(v)?]),
        _ => Err("body must be an envelope object or an array of envelopes".into()),
    }
}

fn text(field: &str, v: Option<Value>) -> Result<String, String> {
    match v {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        Some(Value::Number(n)) if field == "deviceid" => Ok(n.to_string()),
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
        assert!(parse(b"{").unwrap_err().contains("not JSON"));
        let bad_hex =
            br#"[{"timestamp":"2019-04-28T12:59:36Z","deviceid":"1","payload":"0G","devicetype":"x"}]"#;
        let e = parse(bad_hex).unwrap_err();
        assert!(e.contains("envelope 0") && e.contains("payload"), "{e}");
        let no_type = br#"{"timestamp":"2019-04-28T12:59:36Z","deviceid":"1","payload":"00"}"#;
        assert!(parse(no_type).unwrap_err().contains("devicetype"));
        let bad_port = br#"{"timestamp":"2019-04-28T12:59:36Z","deviceid":"1","payload":"00","devicetype":"x","port":300}"#;
        assert!(parse(bad_port).unwrap_err().contains("port"));
    }
}
