//! ChirpStack v4 MQTT integration connector: uplink events, JSON or Protobuf.
//!
//! ChirpStack publishes each device event on `application/{application_id}/device/{dev_eui}/
//! event/{event}` (its default `event_topic`), encoded as JSON (`json=true` in the
//! integration's settings: the Protobuf JSON mapping, camelCase fields, bytes in base64) or as
//! the Protobuf messages of `api/proto/integration/integration.proto`. From an `up` event
//! (`UplinkEvent`) the connector takes `deviceInfo.devEui` (the device, lower-cased),
//! `fPort`, `data` (the FRMPayload), `time` (else the time the message arrived), the model to
//! route by and, when the device profile has a codec, `object`; see [`passerelle_ns_uplink`]
//! for what is shared with The Things Stack connector (`decoded`, `decoded_prefix`,
//! `default_model`, an uplink without payload).
//!
//! Settings, beside the shared ones:
//! - `encoding`: `json` (default) or `protobuf`, as the ChirpStack integration is set;
//! - `topic`: the topic filter subscribed to at start (default
//!   `application/+/device/+/event/up`; `application/+/device/+/event/+` takes every event);
//! - `model_from`: `device_profile` (default: `deviceInfo.deviceProfileName`) or `tag:<key>`
//!   (the device's or its profile's tag `<key>`, `tag:model` for a tag `model = am307`).
//!
//! The event type is the topic's last level: an event other than `up` (`join`, `status`,
//! `ack`, `txack`, `log`, `location`, `integration`) is acknowledged and ignored with a debug
//! log line. A body that does not read as an uplink event in the set encoding, or a field that
//! does not parse, is refused as malformed: it goes to the dead letter with its bytes and the
//! reason, and the broker gets its acknowledgement.
// The export macro exists only on wasm32: on the host (tests) the plugin type is unused.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

pub mod proto;

use std::sync::Mutex;

use passerelle_ns_uplink::{Handled, Options, Uplink, setting};
use passerelle_pdk::connector::{Command, ConnectorError, Event, Guest, Inbound, Level, Refusal};
use passerelle_pdk::parse_rfc3339_ms;
use serde_json::Value as Json;

/// ChirpStack's uplink events under its default event topic.
pub const DEFAULT_TOPIC: &str = "application/+/device/+/event/up";

/// How the integration encodes its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// The Protobuf JSON mapping (ChirpStack's `json=true`).
    #[default]
    Json,
    /// Protobuf (`json=false`).
    Protobuf,
}

/// Where the model to route by comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ModelFrom {
    /// `deviceInfo.deviceProfileName`.
    #[default]
    DeviceProfile,
    /// The tag of that key in `deviceInfo.tags`.
    Tag(String),
}

/// The connector's settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settings {
    /// The shared settings.
    pub options: Options,
    /// `encoding`.
    pub encoding: Encoding,
    /// `topic`.
    pub topic: String,
    /// `model_from`.
    pub model_from: ModelFrom,
}

impl Settings {
    /// Reads the settings.
    ///
    /// # Errors
    /// `bad-setting` naming the setting at fault.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, ConnectorError> {
        let bad = |k: &str, why: String| ConnectorError::BadSetting((k.to_string(), why));
        let options = Options::from_settings(pairs).map_err(ConnectorError::BadSetting)?;
        let encoding = match setting(pairs, "encoding").as_deref() {
            None | Some("json") => Encoding::Json,
            Some("protobuf") => Encoding::Protobuf,
            Some(other) => return Err(bad("encoding", format!("{other:?} is not json or protobuf"))),
        };
        let topic = setting(pairs, "topic").unwrap_or_else(|| DEFAULT_TOPIC.to_string());
        if topic.is_empty() {
            return Err(bad("topic", "is empty".into()));
        }
        let model_from = match setting(pairs, "model_from").as_deref() {
            None | Some("device_profile") => ModelFrom::DeviceProfile,
            Some(other) => match other.strip_prefix("tag:") {
                Some(key) if !key.is_empty() => ModelFrom::Tag(key.to_string()),
                _ => return Err(bad("model_from", format!("{other:?} is not device_profile or tag:<key>"))),
            },
        };
        Ok(Self { options, encoding, topic, model_from })
    }
}

/// The commands for one MQTT message.
pub fn handle_inbound(settings: &Settings, inbound: &Inbound) -> Handled {
    let id = inbound.id;
    let event = inbound.channel.rsplit('/').next().unwrap_or_default();
    if event != "up" {
        return Handled::ignored(
            id,
            format!("A {event:?} event on {} ignored: only uplinks are stored.", inbound.channel),
        );
    }
    let read = match settings.encoding {
        Encoding::Json => from_json(settings, &inbound.body, inbound.received_ms),
        Encoding::Protobuf => from_protobuf(settings, &inbound.body, inbound.received_ms),
    };
    match read {
        Ok(uplink) => passerelle_ns_uplink::commands(id, uplink, &settings.options),
        Err(reason) => Handled::refused(id, Refusal::Malformed, reason),
    }
}

/// An uplink event in the JSON encoding.
fn from_json(settings: &Settings, body: &[u8], arrived_ms: i64) -> Result<Uplink, String> {
    let json: Json = serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    let event = json.as_object().ok_or("body is not an uplink event (a JSON object)")?;
    let info = event.get("deviceInfo").and_then(Json::as_object).ok_or("field `deviceInfo` is missing")?;
    let device = match info.get("devEui") {
        Some(Json::String(eui)) => {
            passerelle_ns_uplink::dev_eui(eui).map_err(|e| format!("field `deviceInfo.devEui`: {e}"))?
        }
        _ => return Err("field `deviceInfo.devEui` is missing".into()),
    };
    let port = passerelle_ns_uplink::port(event.get("fPort")).map_err(|e| format!("field `fPort`: {e}"))?;
    let payload = match event.get("data") {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::String(b64)) => {
            passerelle_ns_uplink::base64(b64).map_err(|e| format!("field `data`: {e}"))?
        }
        Some(_) => return Err("field `data` is not a string".into()),
    };
    let received_ms = match event.get("time") {
        None | Some(Json::Null) => arrived_ms,
        Some(t) => t
            .as_str()
            .and_then(parse_rfc3339_ms)
            .ok_or_else(|| format!("field `time` is not an RFC 3339 time: {t}"))?,
    };
    let text = |v: Option<&Json>| v.and_then(Json::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    let model = match &settings.model_from {
        ModelFrom::DeviceProfile => text(info.get("deviceProfileName")),
        ModelFrom::Tag(key) => text(info.get("tags").and_then(|t| t.get(key))),
    };
    let decoded = match event.get("object") {
        None | Some(Json::Null) => None,
        Some(o @ Json::Object(_)) => Some(o.clone()),
        Some(_) => return Err("field `object` is not an object".into()),
    };
    Ok(Uplink { device, model, port, payload, received_ms, decoded })
}

/// An `UplinkEvent` in the Protobuf encoding.
fn from_protobuf(settings: &Settings, body: &[u8], arrived_ms: i64) -> Result<Uplink, String> {
    let e = proto::uplink_event(body).map_err(|e| format!("not a Protobuf UplinkEvent: {e}"))?;
    let eui = e.dev_eui.ok_or("field `device_info.dev_eui` is missing")?;
    let device =
        passerelle_ns_uplink::dev_eui(&eui).map_err(|e| format!("field `device_info.dev_eui`: {e}"))?;
    let port = u8::try_from(e.f_port).map_err(|_| format!("field `f_port`: {} is not an fPort", e.f_port))?;
    let model = match &settings.model_from {
        ModelFrom::DeviceProfile => e.device_profile_name,
        ModelFrom::Tag(key) => e.tags.into_iter().find(|(k, _)| k == key).map(|(_, v)| v),
    }
    .filter(|m| !m.is_empty());
    let received_ms = e.time_ms.unwrap_or(arrived_ms);
    Ok(Uplink { device, model, port, payload: e.data, received_ms, decoded: e.object })
}

static SETTINGS: Mutex<Option<Settings>> = Mutex::new(None);

struct ChirpStack;

impl Guest for ChirpStack {
    fn handle(event: Event) -> Result<Vec<Command>, ConnectorError> {
        let mut settings =
            SETTINGS.lock().map_err(|_| ConnectorError::Other("settings lock poisoned".into()))?;
        match event {
            Event::Start(pairs) => {
                let s = Settings::from_pairs(&pairs)?;
                let subscribe = Command::Subscribe(s.topic.clone());
                *settings = Some(s);
                Ok(vec![subscribe])
            }
            Event::Inbound(inbound) => {
                let s =
                    settings.as_ref().ok_or_else(|| ConnectorError::Other("message before start".into()))?;
                let handled = handle_inbound(s, &inbound);
                if let Some(note) = &handled.note {
                    log(Level::Debug, note);
                }
                Ok(handled.commands)
            }
            Event::Restore(_) | Event::Tick(_) | Event::Response(_) => Ok(Vec::new()),
        }
    }
}

fn log(level: Level, message: &str) {
    #[cfg(target_arch = "wasm32")]
    passerelle_pdk::connector::passerelle::plugin::log::log(level, message);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (level, message);
}

#[cfg(target_arch = "wasm32")]
passerelle_pdk::connector::export_connector!(ChirpStack with_types_in passerelle_pdk::connector);

/// Bytes of an annotated hex fixture: hex digits and white space, `#` comments to the end of a
/// line.
#[cfg(test)]
pub(crate) fn annotated_hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text
        .lines()
        .flat_map(|l| l.split('#').next().unwrap_or("").bytes().filter(u8::is_ascii_hexdigit))
        .collect();
    digits
        .chunks(2)
        .map(|pair| std::str::from_utf8(pair).ok().and_then(|p| u8::from_str_radix(p, 16).ok()).unwrap_or(0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use passerelle_pdk::connector::{Frame, Rejection, Value};

    const UP: &str = "application/17c82e96-be03-4f38-aef3-f83d48582d97/device/24e124707c123456/event/up";

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        if name.ends_with(".hex") { annotated_hex(&String::from_utf8(bytes).unwrap()) } else { bytes }
    }

    fn inbound(topic: &str, body: Vec<u8>) -> Inbound {
        Inbound { id: 4, channel: topic.into(), headers: Vec::new(), body, received_ms: 5 }
    }

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        let pairs: Vec<(String, String)> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_pairs(&pairs).unwrap()
    }

    fn am307(received_ms: i64) -> Frame {
        Frame {
            device: "24e124707c123456".into(),
            model: "am307".into(),
            port: 85,
            payload: vec![0x01, 0x75, 0x5c, 0x03, 0x67, 0x34, 0x01, 0x04, 0x68, 0x65, 0x05, 0x6a, 0x49, 0x00],
            received_ms,
            firmware: None,
        }
    }

    #[test]
    fn json_and_protobuf_uplinks_give_the_same_frame() {
        let json = handle_inbound(&settings(&[]), &inbound(UP, fixture("up.json")));
        let pb = handle_inbound(&settings(&[("encoding", "protobuf")]), &inbound(UP, fixture("up.pb.hex")));
        for h in [json, pb] {
            let [Command::EmitFrames((4, frames)), Command::Accept(4)] = &h.commands[..] else {
                panic!("{:?}", h.commands);
            };
            // The bindings' types have no `PartialEq`: compared by their Debug text.
            assert_eq!(format!("{frames:?}"), format!("{:?}", [am307(1_795_336_020_125)]));
        }
        // By tag: the fixtures tag the device `model = am307` too; a missing tag is no model.
        let h = handle_inbound(&settings(&[("model_from", "tag:model")]), &inbound(UP, fixture("up.json")));
        assert!(matches!(&h.commands[0], Command::EmitFrames((_, f)) if f[0].model == "am307"));
        let h = handle_inbound(&settings(&[("model_from", "tag:kind")]), &inbound(UP, fixture("up.json")));
        assert!(matches!(&h.commands[..], [Command::Reject(Rejection { kind: Refusal::Unprocessable, .. })]));
    }

    #[test]
    fn the_object_is_kept_in_both_encodings_when_asked() {
        for (encoding, name) in [("json", "up.json"), ("protobuf", "up.pb.hex")] {
            let s = settings(&[("encoding", encoding), ("decoded", "only"), ("decoded_prefix", "cs.")]);
            let h = handle_inbound(&s, &inbound(UP, fixture(name)));
            let [Command::EmitReadings((4, device, readings)), Command::Accept(4)] = &h.commands[..] else {
                panic!("{name}: {:?}", h.commands);
            };
            assert_eq!(device, "24e124707c123456");
            let got: Vec<(&str, &Value)> = readings.iter().map(|r| (r.name.as_str(), &r.value)).collect();
            let want = [
                ("cs.battery", Value::Number(92.0)),
                ("cs.humidity", Value::Number(50.5)),
                ("cs.l.0", Value::Number(1.0)),
                ("cs.ok", Value::Boolean(true)),
                ("cs.s", Value::Text("x".into())),
                ("cs.temperature", Value::Number(30.8)),
            ];
            let want: Vec<(&str, &Value)> = want.iter().map(|(n, v)| (*n, v)).collect();
            assert_eq!(format!("{got:?}"), format!("{want:?}"), "{name}");
            assert!(readings.iter().all(|r| r.time_ms == Some(1_795_336_020_125)));
        }
    }

    #[test]
    fn other_events_are_acknowledged_and_noted() {
        for event in ["join", "status", "ack", "txack", "log", "location", "integration"] {
            let topic = UP.replace("/event/up", &format!("/event/{event}"));
            let h = handle_inbound(&settings(&[]), &inbound(&topic, fixture("join.json")));
            assert!(matches!(h.commands[..], [Command::Accept(4)]), "{:?}", h.commands);
            assert!(h.note.as_deref().is_some_and(|n| n.contains(event)), "{:?}", h.note);
        }
    }

    #[test]
    fn malformed_events_name_the_field_in_either_encoding() {
        let good: Json = serde_json::from_slice(&fixture("up.json")).unwrap();
        let mut cases: Vec<(Settings, Vec<u8>, &str)> = vec![
            (settings(&[]), fixture("up.pb.hex"), "not JSON"),
            (settings(&[("encoding", "protobuf")]), fixture("up.json"), "Protobuf"),
            (settings(&[("encoding", "protobuf")]), vec![0x1a, 0x02, 0x0a], "cut short"),
            (settings(&[("encoding", "protobuf")]), vec![0x40, 0x55], "dev_eui"),
        ];
        for (pointer, value, says) in [
            ("/data", Json::from("AXV*"), "data"),
            ("/fPort", Json::from(-1), "fPort"),
            ("/time", Json::from(17), "time"),
            ("/deviceInfo/devEui", Json::from("zz"), "devEui"),
            ("/object", Json::from("x"), "object"),
        ] {
            let mut m = good.clone();
            *m.pointer_mut(pointer).unwrap() = value;
            cases.push((settings(&[]), m.to_string().into_bytes(), says));
        }
        for (s, body, says) in cases {
            let h = handle_inbound(&s, &inbound(UP, body));
            assert!(
                matches!(&h.commands[..], [Command::Reject(Rejection { id: 4, kind: Refusal::Malformed, reason })]
                    if reason.contains(says)),
                "{says}: {:?}",
                h.commands
            );
        }
    }

    #[test]
    fn an_uplink_without_data_is_acknowledged_and_noted() {
        let mut m: Json = serde_json::from_slice(&fixture("up.json")).unwrap();
        m["data"] = Json::from("");
        let h = handle_inbound(&settings(&[]), &inbound(UP, m.to_string().into_bytes()));
        assert!(matches!(h.commands[..], [Command::Accept(4)]), "{:?}", h.commands);
        assert!(h.note.is_some());
    }

    #[test]
    fn settings_are_checked() {
        for (k, v) in [("encoding", "xml"), ("model_from", "tag:"), ("topic", " ")] {
            let r = Settings::from_pairs(&[(k.to_string(), v.to_string())]);
            assert!(matches!(&r, Err(ConnectorError::BadSetting((key, _))) if key == k), "{k}: {r:?}");
        }
        assert_eq!(settings(&[]).topic, DEFAULT_TOPIC);
    }
}
