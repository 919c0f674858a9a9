//! ChirpStack's Protobuf `integration.UplinkEvent`, read straight off the wire format.
//!
//! Only the fields the connector uses are read (numbers from chirpstack's
//! `api/proto/integration/integration.proto`); every other field is skipped by its wire type,
//! so fields added by later ChirpStack versions do no harm. A hand reader rather than `prost`:
//! five fields and `google.protobuf.Struct` need no code generation, no `protoc` and no
//! proc-macro build, and the guest stays small.
//!
//! ```text
//! UplinkEvent  2 time: Timestamp   3 device_info: DeviceInfo   8 f_port: uint32
//!              10 data: bytes      11 object: google.protobuf.Struct
//! DeviceInfo   6 device_profile_name: string   8 dev_eui: string   9 tags: map<string, string>
//! Timestamp    1 seconds: int64    2 nanos: int32
//! Struct       1 fields: map<string, Value>
//! Value        1 null_value   2 number_value: double   3 string_value   4 bool_value
//!              5 struct_value: Struct   6 list_value: ListValue (1 values: repeated Value)
//! ```

use serde_json::{Map, Value as Json};

/// Nesting deeper than this in `object` is refused (the JSON reader's limit is 128).
const MAX_DEPTH: usize = 64;

/// The fields of an `UplinkEvent` the connector uses.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct UplinkEvent {
    /// `time`, in milliseconds since the Unix epoch.
    pub time_ms: Option<i64>,
    /// `device_info.dev_eui`.
    pub dev_eui: Option<String>,
    /// `device_info.device_profile_name`.
    pub device_profile_name: Option<String>,
    /// `device_info.tags`.
    pub tags: Vec<(String, String)>,
    /// `f_port`.
    pub f_port: u32,
    /// `data`.
    pub data: Vec<u8>,
    /// `object`, as the JSON it stands for.
    pub object: Option<Json>,
}

/// One field off the wire.
enum Field<'a> {
    Varint(u64),
    Fixed64([u8; 8]),
    Bytes(&'a [u8]),
    Fixed32,
}

/// A cursor over one message's bytes.
struct Wire<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Wire<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut out = 0u64;
        for shift in (0..64).step_by(7) {
            let b =
                *self.bytes.get(self.pos).ok_or_else(|| format!("varint cut short at byte {}", self.pos))?;
            self.pos += 1;
            out |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(out);
            }
        }
        Err(format!("varint longer than 10 bytes at byte {}", self.pos))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|end| *end <= self.bytes.len());
        let end = end.ok_or_else(|| format!("field of {n} bytes cut short at byte {}", self.pos))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    /// The next field number and value, or none at the end of the message.
    fn next(&mut self) -> Result<Option<(u64, Field<'a>)>, String> {
        if self.pos >= self.bytes.len() {
            return Ok(None);
        }
        let key = self.varint()?;
        let field = match key & 7 {
            0 => Field::Varint(self.varint()?),
            1 => {
                let mut b = [0u8; 8];
                b.copy_from_slice(self.take(8)?);
                Field::Fixed64(b)
            }
            2 => {
                let len = usize::try_from(self.varint()?).map_err(|_| "length out of range".to_string())?;
                Field::Bytes(self.take(len)?)
            }
            5 => {
                self.take(4)?;
                Field::Fixed32
            }
            other => return Err(format!("wire type {other} (field {}) is not supported", key >> 3)),
        };
        Ok(Some((key >> 3, field)))
    }
}

fn text(bytes: &[u8], field: &str) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|_| format!("field `{field}` is not UTF-8"))
}

fn wrong(field: &str) -> String {
    format!("field `{field}` has the wrong wire type")
}

/// Reads an `UplinkEvent`.
///
/// # Errors
/// What is wrong, naming the field.
pub fn uplink_event(bytes: &[u8]) -> Result<UplinkEvent, String> {
    let mut out = UplinkEvent::default();
    let mut wire = Wire::new(bytes);
    while let Some((number, field)) = wire.next()? {
        match (number, field) {
            (2, Field::Bytes(b)) => out.time_ms = Some(timestamp(b)?),
            (3, Field::Bytes(b)) => device_info(b, &mut out)?,
            (8, Field::Varint(v)) => {
                out.f_port = u32::try_from(v).map_err(|_| "field `f_port` out of range".to_string())?;
            }
            (10, Field::Bytes(b)) => out.data = b.to_vec(),
            (11, Field::Bytes(b)) => out.object = Some(structure(b, 0)?),
            (2 | 3 | 8 | 10 | 11, _) => {
                let name = ["", "", "time", "device_info", "", "", "", "", "f_port", "", "data", "object"];
                return Err(wrong(name.get(number as usize).copied().unwrap_or("?")));
            }
            _ => {}
        }
    }
    Ok(out)
}

fn timestamp(bytes: &[u8]) -> Result<i64, String> {
    let (mut seconds, mut nanos) = (0i64, 0i64);
    let mut wire = Wire::new(bytes);
    while let Some((number, field)) = wire.next()? {
        match (number, field) {
            // int64 and int32 are two's complement in 64 bits on the wire.
            (1, Field::Varint(v)) => seconds = v as i64,
            (2, Field::Varint(v)) => nanos = i64::from(v as i32),
            (1 | 2, _) => return Err(wrong("time")),
            _ => {}
        }
    }
    seconds
        .checked_mul(1000)
        .and_then(|ms| ms.checked_add(nanos.div_euclid(1_000_000)))
        .ok_or_else(|| "field `time` out of range".to_string())
}

fn device_info(bytes: &[u8], out: &mut UplinkEvent) -> Result<(), String> {
    let mut wire = Wire::new(bytes);
    while let Some((number, field)) = wire.next()? {
        match (number, field) {
            (6, Field::Bytes(b)) => {
                out.device_profile_name = Some(text(b, "device_info.device_profile_name")?)
            }
            (8, Field::Bytes(b)) => out.dev_eui = Some(text(b, "device_info.dev_eui")?),
            (9, Field::Bytes(b)) => {
                let (mut key, mut value) = (String::new(), String::new());
                let mut entry = Wire::new(b);
                while let Some((n, f)) = entry.next()? {
                    match (n, f) {
                        (1, Field::Bytes(k)) => key = text(k, "device_info.tags")?,
                        (2, Field::Bytes(v)) => value = text(v, "device_info.tags")?,
                        (1 | 2, _) => return Err(wrong("device_info.tags")),
                        _ => {}
                    }
                }
                out.tags.retain(|(k, _)| *k != key);
                out.tags.push((key, value));
            }
            (6 | 8 | 9, _) => return Err(wrong("device_info")),
            _ => {}
        }
    }
    Ok(())
}

/// A `google.protobuf.Struct` as a JSON object.
fn structure(bytes: &[u8], depth: usize) -> Result<Json, String> {
    if depth > MAX_DEPTH {
        return Err(format!("field `object` nests deeper than {MAX_DEPTH}"));
    }
    let mut map = Map::new();
    let mut wire = Wire::new(bytes);
    while let Some((number, field)) = wire.next()? {
        match (number, field) {
            (1, Field::Bytes(entry)) => {
                let (mut key, mut value) = (String::new(), Json::Null);
                let mut e = Wire::new(entry);
                while let Some((n, f)) = e.next()? {
                    match (n, f) {
                        (1, Field::Bytes(k)) => key = text(k, "object")?,
                        (2, Field::Bytes(v)) => value = self::value(v, depth + 1)?,
                        (1 | 2, _) => return Err(wrong("object")),
                        _ => {}
                    }
                }
                map.insert(key, value);
            }
            (1, _) => return Err(wrong("object")),
            _ => {}
        }
    }
    Ok(Json::Object(map))
}

/// A `google.protobuf.Value` as JSON (no kind set: `null`).
fn value(bytes: &[u8], depth: usize) -> Result<Json, String> {
    if depth > MAX_DEPTH {
        return Err(format!("field `object` nests deeper than {MAX_DEPTH}"));
    }
    let mut out = Json::Null;
    let mut wire = Wire::new(bytes);
    while let Some((number, field)) = wire.next()? {
        out = match (number, field) {
            (1, Field::Varint(_)) => Json::Null,
            (2, Field::Fixed64(b)) => {
                let n = f64::from_le_bytes(b);
                serde_json::Number::from_f64(n)
                    .map(Json::Number)
                    .ok_or("field `object`: a number that is not finite")?
            }
            (3, Field::Bytes(s)) => Json::String(text(s, "object")?),
            (4, Field::Varint(b)) => Json::Bool(b != 0),
            (5, Field::Bytes(s)) => structure(s, depth + 1)?,
            (6, Field::Bytes(list)) => {
                let mut items = Vec::new();
                let mut l = Wire::new(list);
                while let Some((n, f)) = l.next()? {
                    match (n, f) {
                        (1, Field::Bytes(v)) => items.push(self::value(v, depth + 1)?),
                        (1, _) => return Err(wrong("object")),
                        _ => {}
                    }
                }
                Json::Array(items)
            }
            (1..=6, _) => return Err(wrong("object")),
            _ => continue,
        };
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::annotated_hex;

    #[test]
    fn the_fixture_reads_as_written() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/up.pb.hex")).unwrap();
        let e = uplink_event(&annotated_hex(&text)).unwrap();
        assert_eq!(e.dev_eui.as_deref(), Some("24e124707c123456"));
        assert_eq!(e.device_profile_name.as_deref(), Some("am307"));
        assert_eq!(e.tags, [("model".to_string(), "am307".to_string())]);
        assert_eq!(e.f_port, 85);
        assert_eq!(
            e.data,
            [0x01, 0x75, 0x5c, 0x03, 0x67, 0x34, 0x01, 0x04, 0x68, 0x65, 0x05, 0x6a, 0x49, 0x00]
        );
        assert_eq!(e.time_ms, Some(1_795_336_020_125));
        assert_eq!(
            e.object,
            Some(
                json!({"battery": 92.0, "temperature": 30.8, "humidity": 50.5, "ok": true, "s": "x", "l": [1.0, null], "n": {"m": null}})
            )
        );
    }

    #[test]
    fn cut_and_wrong_messages_are_errors_not_panics() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/up.pb.hex")).unwrap();
        let bytes = annotated_hex(&text);
        for cut in 1..bytes.len() {
            // Any prefix either reads (a cut between fields) or is an error.
            let _ = uplink_event(&bytes[..cut]);
        }
        assert!(uplink_event(&bytes[..bytes.len() - 1]).is_err());
        assert!(uplink_event(&[0x0b]).unwrap_err().contains("wire type 3"));
        assert!(uplink_event(&[0x40, 0xff]).unwrap_err().contains("cut short"));
        assert!(uplink_event(&[0x42, 0x00]).unwrap_err().contains("f_port"));
        // Unknown fields are skipped: 15 (join_server_context) as bytes, 99 as fixed32.
        assert_eq!(uplink_event(&[0x7a, 0x01, 0x00, 0x9d, 0x06, 1, 2, 3, 4]), Ok(UplinkEvent::default()));
        // Nesting past the limit is refused: a struct at the limit holding one more value.
        let one_entry = [0x0a, 0x05, 0x0a, 0x01, b'a', 0x12, 0x00];
        assert!(structure(&one_entry, MAX_DEPTH - 1).is_ok());
        assert!(structure(&one_entry, MAX_DEPTH).is_err());
    }
}

/// Property tests: the reader faces the network, so any bytes give a value or an error, never a
/// panic; and the fixture with any one byte changed still reads or is refused cleanly.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::uplink_event;
    use crate::annotated_hex;

    fn fixture() -> Vec<u8> {
        let text = include_str!("../fixtures/up.pb.hex");
        annotated_hex(text)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn any_bytes_read_or_are_refused(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = uplink_event(&bytes);
        }

        #[test]
        fn the_fixture_with_one_byte_changed_reads_or_is_refused(at in 0usize..400, byte in any::<u8>()) {
            let mut bytes = fixture();
            let at = at % bytes.len();
            bytes[at] = byte;
            let _ = uplink_event(&bytes);
        }
    }
}
