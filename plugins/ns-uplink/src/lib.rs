//! What the LoRaWAN network-server connectors share (`tts-webhook`, `chirpstack-mqtt`).
//!
//! A network server (The Things Stack, ChirpStack) hands over one uplink per message: the
//! device's DevEUI, the fPort, the frame payload (FRMPayload), the receive time, what tells the
//! device's model (a device-repository model id, a device-profile name, a tag) and, when the
//! server runs a payload formatter of its own, its decoded fields. Each connector reads its
//! server's message into an [`Uplink`]; [`commands`] turns it into connector commands the same
//! way for both:
//!
//! - the frame goes to the decoder of its model (the route key is the model, as the Energisme
//!   connector's `devicetype`), unless the server's decoded fields replace it (`decoded: only`);
//! - with `decoded: keep` or `only`, the server's decoded fields are stored as readings named by
//!   dotted paths (`passerelle_vectors::flatten`, the naming of the vendor outputs and of every
//!   decoder), at the uplink's receive time, under `decoded_prefix`; a `null` field is no reading;
//! - an uplink without an application payload (fPort 0: MAC commands only; or an empty
//!   FRMPayload, which both servers leave out) has no frame to decode: it is acknowledged,
//!   nothing is routed, and [`Handled::note`] says so (the connector logs it at debug level);
//! - a frame to route without a model (none in the message and no `default_model`) is refused
//!   as unprocessable, so it lands in the dead letter with its bytes and the reason.
//!
//! Common settings ([`Options::from_settings`]): `decoded` (`ignore`, the default: decode with
//! our plugin; `keep`: store the server's fields and decode too; `only`: store the server's
//! fields instead of decoding, decoding only the uplinks it did not decode), `decoded_prefix`
//! (default empty), `default_model` (default none).

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use passerelle_pdk::connector::{Command, Frame, Reading, Refusal, Rejection, Value};
use serde_json::Value as Json;

/// One uplink as a network server reported it.
#[derive(Debug, Clone, PartialEq)]
pub struct Uplink {
    /// The device: its DevEUI in lower-case hex (both servers' spellings give one id).
    pub device: String,
    /// The model to route the frame by, when the message tells it.
    pub model: Option<String>,
    /// LoRaWAN fPort (0: MAC commands only).
    pub port: u8,
    /// FRMPayload, decrypted by the server (empty when the server sent none).
    pub payload: Vec<u8>,
    /// Receive time in milliseconds since the Unix epoch.
    pub received_ms: i64,
    /// The server's own decoded fields (`decoded_payload`, `object`), when it sent them.
    pub decoded: Option<Json>,
}

/// What to do with the fields the network server decoded itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Decoded {
    /// Ignore them; the frame is decoded by our plugin (the default).
    #[default]
    Ignore,
    /// Store them as readings, and decode the frame with our plugin too.
    Keep,
    /// Store them as readings instead of decoding the frame; an uplink the server did not
    /// decode still goes to our plugin.
    Only,
}

/// The settings both connectors share.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Options {
    /// `decoded`: what to do with the server's decoded fields.
    pub decoded: Decoded,
    /// `decoded_prefix`: put before the name of every reading taken from them (default empty;
    /// `ns.` keeps them apart from our decoder's readings of the same names with `keep`).
    pub prefix: String,
    /// `default_model`: the model of a frame whose message names none.
    pub default_model: Option<String>,
}

impl Options {
    /// Reads `decoded`, `decoded_prefix` and `default_model` from the connector's settings.
    ///
    /// # Errors
    /// The setting's name and why it is refused.
    pub fn from_settings(pairs: &[(String, String)]) -> Result<Self, (String, String)> {
        let decoded = match setting(pairs, "decoded").as_deref() {
            None | Some("ignore") => Decoded::Ignore,
            Some("keep") => Decoded::Keep,
            Some("only") => Decoded::Only,
            Some(other) => {
                return Err(("decoded".into(), format!("{other:?} is not ignore, keep or only")));
            }
        };
        let prefix = setting(pairs, "decoded_prefix").unwrap_or_default();
        let default_model = setting(pairs, "default_model").filter(|m| !m.is_empty());
        Ok(Self { decoded, prefix, default_model })
    }
}

/// A setting's value, trimmed.
pub fn setting(pairs: &[(String, String)], key: &str) -> Option<String> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim().to_string())
}

/// The commands for one uplink, and a note for the debug log.
#[derive(Debug, Clone)]
pub struct Handled {
    /// Readings and frames emitted, then the accept; or a rejection.
    pub commands: Vec<Command>,
    /// Why nothing was routed (an uplink without payload, a message that is not an uplink).
    pub note: Option<String>,
}

impl Handled {
    /// The inbound unit `id` acknowledged with nothing to route, and why.
    pub fn ignored(id: u64, note: String) -> Self {
        Self { commands: vec![Command::Accept(id)], note: Some(note) }
    }

    /// The inbound unit `id` refused as `kind`, for `reason`.
    pub fn refused(id: u64, kind: Refusal, reason: String) -> Self {
        Self { commands: vec![Command::Reject(Rejection { id, kind, reason })], note: None }
    }
}

/// The commands for uplink `uplink` of inbound unit `id`, under `options`.
pub fn commands(id: u64, uplink: Uplink, options: &Options) -> Handled {
    let mut commands = Vec::new();
    let mut stored = false;
    if let Some(decoded) = uplink.decoded.as_ref().filter(|_| options.decoded != Decoded::Ignore) {
        match readings(decoded, &options.prefix, uplink.received_ms) {
            Ok(readings) if readings.is_empty() => {}
            Ok(readings) => {
                commands.push(Command::EmitReadings((id, uplink.device.clone(), readings)));
                stored = true;
            }
            Err(reason) => return Handled::refused(id, Refusal::Malformed, reason),
        }
    }
    let mut note = None;
    if stored && options.decoded == Decoded::Only {
        // The server's fields replace our decoder.
    } else if uplink.port == 0 || uplink.payload.is_empty() {
        note = Some(if uplink.port == 0 {
            format!("Uplink of {} on fPort 0 (MAC commands only): no frame to decode.", uplink.device)
        } else {
            format!(
                "Uplink of {} on fPort {} without payload: no frame to decode.",
                uplink.device, uplink.port
            )
        });
    } else {
        let Some(model) = uplink.model.or_else(|| options.default_model.clone()) else {
            return Handled::refused(
                id,
                Refusal::Unprocessable,
                "no model to route the frame by: the message names none and no default_model is set".into(),
            );
        };
        commands.push(Command::EmitFrames((
            id,
            vec![Frame {
                device: uplink.device,
                model,
                port: uplink.port,
                payload: uplink.payload,
                received_ms: uplink.received_ms,
                firmware: None,
            }],
        )));
    }
    commands.push(Command::Accept(id));
    Handled { commands, note }
}

/// The server's decoded fields as readings: dotted names under `prefix`, at `time_ms`; a
/// `null` field gives no reading.
///
/// # Errors
/// Why the fields cannot be stored (not an object).
pub fn readings(decoded: &Json, prefix: &str, time_ms: i64) -> Result<Vec<Reading>, String> {
    if !decoded.is_object() {
        return Err("the decoded fields are not a JSON object".into());
    }
    let flat = passerelle_vectors::flatten(&without_nulls(decoded))
        .map_err(|e| format!("decoded field `{}`: {}", e.name, e.what))?;
    Ok(flat
        .into_iter()
        .map(|r| Reading {
            name: format!("{prefix}{}", r.name),
            value: match r.value {
                passerelle_vectors::Value::Number(n) => Value::Number(n),
                passerelle_vectors::Value::Text(s) => Value::Text(s),
                passerelle_vectors::Value::Boolean(b) => Value::Boolean(b),
                passerelle_vectors::Value::Bytes(b) => Value::Bytes(b),
            },
            unit: None,
            time_ms: Some(time_ms),
        })
        .collect())
}

/// `value` without its `null`s, which no reading can hold: a `null` member is left out, and a
/// list holding a `null` becomes an object keyed by the indexes of the others, so that they
/// keep their names (`[1, null, 3]` gives `.0` and `.2`).
fn without_nulls(value: &Json) -> Json {
    match value {
        Json::Object(map) => Json::Object(
            map.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), without_nulls(v))).collect(),
        ),
        Json::Array(items) if items.iter().any(Json::is_null) => Json::Object(
            items
                .iter()
                .enumerate()
                .filter(|(_, v)| !v.is_null())
                .map(|(i, v)| (i.to_string(), without_nulls(v)))
                .collect(),
        ),
        Json::Array(items) => Json::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// Base64 as both servers write bytes in JSON (RFC 4648 standard alphabet; padding optional).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decodes base64 text.
///
/// # Errors
/// Why it is not base64.
pub fn base64(text: &str) -> Result<Vec<u8>, String> {
    BASE64.decode(text).map_err(|e| format!("not base64: {e}"))
}

/// A DevEUI as the device id: 16 hex digits, lower-cased.
///
/// # Errors
/// Why it is not a DevEUI.
pub fn dev_eui(text: &str) -> Result<String, String> {
    if text.len() == 16 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(text.to_ascii_lowercase())
    } else {
        Err(format!("{text:?} is not a DevEUI (16 hex digits)"))
    }
}

/// A JSON fPort: an integer 0..=255, absent or `null` meaning 0 (both servers leave a zero out).
///
/// # Errors
/// Why it is not an fPort.
pub fn port(value: Option<&Json>) -> Result<u8, String> {
    match value {
        None | Some(Json::Null) => Ok(0),
        Some(v) => v
            .as_u64()
            .and_then(|p| u8::try_from(p).ok())
            .ok_or_else(|| format!("{v} is not an fPort (an integer 0..=255)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn uplink(port: u8, payload: &[u8], decoded: Option<Json>) -> Uplink {
        Uplink {
            device: "0004a30b001c0530".into(),
            model: Some("am307".into()),
            port,
            payload: payload.to_vec(),
            received_ms: 1_000,
            decoded,
        }
    }

    fn options(decoded: Decoded) -> Options {
        Options { decoded, ..Options::default() }
    }

    #[test]
    fn a_frame_goes_to_its_model_and_decoded_fields_are_ignored_by_default() {
        let h = commands(7, uplink(85, &[1, 2], Some(json!({"t": 1}))), &Options::default());
        let [Command::EmitFrames((7, frames)), Command::Accept(7)] = &h.commands[..] else {
            panic!("{:?}", h.commands);
        };
        assert_eq!(
            (frames[0].model.as_str(), frames[0].port, &frames[0].payload[..], frames[0].received_ms),
            ("am307", 85, &[1u8, 2][..], 1_000)
        );
        assert_eq!(h.note, None);
    }

    #[test]
    fn keep_stores_the_decoded_fields_and_decodes_only_replaces() {
        let decoded = json!({"temperature": 21.5, "alarm": {"low": true}, "gone": null, "list": [1, "a"]});
        let mut keep = options(Decoded::Keep);
        keep.prefix = "ns.".into();
        let h = commands(1, uplink(85, &[1], Some(decoded.clone())), &keep);
        let [Command::EmitReadings((1, device, readings)), Command::EmitFrames(_), Command::Accept(1)] =
            &h.commands[..]
        else {
            panic!("{:?}", h.commands);
        };
        assert_eq!(device, "0004a30b001c0530");
        let names: Vec<&str> = readings.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["ns.alarm.low", "ns.list.0", "ns.list.1", "ns.temperature"]);
        assert!(readings.iter().all(|r| r.time_ms == Some(1_000) && r.unit.is_none()));
        assert!(matches!(readings[3].value, Value::Number(n) if n == 21.5));
        let h = commands(1, uplink(85, &[1], Some(decoded)), &options(Decoded::Only));
        assert!(
            matches!(&h.commands[..], [Command::EmitReadings(_), Command::Accept(1)]),
            "{:?}",
            h.commands
        );
        // Not decoded by the server: `only` still decodes with our plugin.
        let h = commands(1, uplink(85, &[1], None), &options(Decoded::Only));
        assert!(matches!(&h.commands[..], [Command::EmitFrames(_), Command::Accept(1)]), "{:?}", h.commands);
    }

    #[test]
    fn no_payload_is_acknowledged_with_a_note_and_no_model_is_unprocessable() {
        for (port, payload, says) in [(0, &[3u8][..], "fPort 0"), (85, &[][..], "without payload")] {
            let h = commands(2, uplink(port, payload, None), &Options::default());
            assert!(matches!(h.commands[..], [Command::Accept(2)]), "{:?}", h.commands);
            assert!(h.note.as_deref().is_some_and(|n| n.contains(says)), "{:?}", h.note);
        }
        let mut u = uplink(85, &[1], None);
        u.model = None;
        let h = commands(3, u.clone(), &Options::default());
        assert!(
            matches!(&h.commands[..], [Command::Reject(Rejection { id: 3, kind: Refusal::Unprocessable, reason })]
                if reason.contains("default_model")),
            "{:?}",
            h.commands
        );
        let fallback = Options { default_model: Some("em300-th".into()), ..Options::default() };
        let h = commands(3, u, &fallback);
        assert!(matches!(&h.commands[0], Command::EmitFrames((_, f)) if f[0].model == "em300-th"));
    }

    #[test]
    fn decoded_fields_that_are_not_an_object_are_malformed_and_nulls_are_no_readings() {
        for bad in [json!(3), json!("x"), json!([1])] {
            let h = commands(4, uplink(85, &[1], Some(bad.clone())), &options(Decoded::Keep));
            assert!(
                matches!(&h.commands[..], [Command::Reject(Rejection { kind: Refusal::Malformed, .. })]),
                "{bad}: {:?}",
                h.commands
            );
        }
        let r = readings(&json!({"a": [null, 2, [null]], "b": {"c": null}}), "", 0).unwrap();
        let names: Vec<&str> = r.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["a.1"]);
    }

    #[test]
    fn settings_fields_and_encodings() {
        let pairs = |kv: &[(&str, &str)]| -> Vec<(String, String)> {
            kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        assert_eq!(Options::from_settings(&[]), Ok(Options::default()));
        let o = Options::from_settings(&pairs(&[("decoded", "only"), ("default_model", " x ")])).unwrap();
        assert_eq!((o.decoded, o.default_model.as_deref()), (Decoded::Only, Some("x")));
        assert_eq!(Options::from_settings(&pairs(&[("decoded", "yes")])).unwrap_err().0, "decoded");
        assert_eq!(base64("AXVc"), Ok(vec![0x01, 0x75, 0x5c]));
        assert_eq!(base64("qg=="), base64("qg"));
        assert!(base64("q!==").is_err());
        assert_eq!(dev_eui("0004A30B001C0530").as_deref(), Ok("0004a30b001c0530"));
        assert!(dev_eui("0004A30B001C05").is_err());
        assert_eq!(port(None), Ok(0));
        assert_eq!(port(Some(&json!(85))), Ok(85));
        assert!(port(Some(&json!(256))).is_err() && port(Some(&json!("1"))).is_err());
    }
}
