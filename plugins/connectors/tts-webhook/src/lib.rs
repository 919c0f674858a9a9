//! The Things Stack (v3) webhook connector: uplink messages pushed over HTTP.
//!
//! The Things Stack's webhook integration POSTs one JSON message per request (its "JSON"
//! format, as documented in The Things Stack's *Data Formats*; empty fields are left out). The
//! uplink message carries `end_device_ids` (`dev_eui`, `device_id`, `application_ids`) and
//! `uplink_message` with `f_port`, `frm_payload` (base64), `received_at`, `version_ids`
//! (`brand_id`, `model_id`, `firmware_version`, ...) and, when the application runs a payload
//! formatter, `decoded_payload`. The frame goes to the decoder of its model; see
//! [`passerelle_ns_uplink`] for what is shared with the ChirpStack connector (`decoded`,
//! `decoded_prefix`, `default_model`, an uplink without payload).
//!
//! Settings, beside the shared ones:
//! - `model_from`: `model_id` (default: `uplink_message.version_ids.model_id`, the device
//!   repository's model such as `am307`) or `brand_model` (`<brand_id>/<model_id>`, such as
//!   `milesight-iot/am307`, when models of two brands share an id).
//!
//! The device is the DevEUI, lower-cased (`end_device_ids.dev_eui`; a device registered
//! without one is named by its `device_id`). The reading time is `uplink_message.received_at`
//! (the network server's receive time), else the message's `received_at`, else the time the
//! request arrived.
//!
//! Other messages (`join_accept`, `downlink_ack`, `downlink_nack`, `downlink_sent`,
//! `downlink_failed`, `downlink_queued`, `downlink_queue_invalidated`, `location_solved`,
//! `service_data`, `uplink_normalized`, and any later kind) are acknowledged and ignored with a
//! debug log line: a webhook with more message types enabled does not fill the dead letter.
//! A body that is not such a message, or an uplink with a field that does not parse, is
//! refused as malformed (HTTP 400) and dead-lettered with its bytes and the field at fault.
//!
//! Headers are never read: the webhook's `X-Downlink-Apikey`, `X-Downlink-Push` and
//! `X-Downlink-Replace` (the key and URLs The Things Stack adds for scheduling downlinks) reach
//! the plugin with the request, and are neither logged, stored nor used.
// The export macro exists only on wasm32: on the host (tests) the plugin type is unused.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use std::sync::Mutex;

use passerelle_ns_uplink::{Handled, Options, Uplink, setting};
use passerelle_pdk::connector::{Command, ConnectorError, Event, Guest, Inbound, Level, Refusal};
use passerelle_pdk::parse_rfc3339_ms;
use serde_json::Value as Json;

/// Where the model to route by comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ModelFrom {
    /// `version_ids.model_id`.
    #[default]
    ModelId,
    /// `version_ids.brand_id` `/` `version_ids.model_id`.
    BrandModel,
}

/// The connector's settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settings {
    /// The shared settings.
    pub options: Options,
    /// `model_from`.
    pub model_from: ModelFrom,
}

impl Settings {
    /// Reads the settings.
    ///
    /// # Errors
    /// `bad-setting` naming the setting at fault.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, ConnectorError> {
        let options = Options::from_settings(pairs).map_err(ConnectorError::BadSetting)?;
        let model_from = match setting(pairs, "model_from").as_deref() {
            None | Some("model_id") => ModelFrom::ModelId,
            Some("brand_model") => ModelFrom::BrandModel,
            Some(other) => {
                return Err(ConnectorError::BadSetting((
                    "model_from".into(),
                    format!("{other:?} is not model_id or brand_model"),
                )));
            }
        };
        Ok(Self { options, model_from })
    }
}

/// The message kinds that are not uplinks, by their field.
const OTHER_KINDS: [&str; 10] = [
    "join_accept",
    "downlink_ack",
    "downlink_nack",
    "downlink_sent",
    "downlink_failed",
    "downlink_queued",
    "downlink_queue_invalidated",
    "location_solved",
    "service_data",
    "uplink_normalized",
];

/// The commands for one webhook request (headers are not looked at).
pub fn handle_inbound(settings: &Settings, inbound: &Inbound) -> Handled {
    let id = inbound.id;
    let malformed = |reason: String| Handled::refused(id, Refusal::Malformed, reason);
    let json: Json = match serde_json::from_slice(&inbound.body) {
        Ok(json) => json,
        Err(e) => return malformed(format!("body is not JSON: {e}")),
    };
    let Some(message) = json.as_object() else {
        return malformed("body is not a The Things Stack message (a JSON object)".into());
    };
    let Some(ids) = message.get("end_device_ids").and_then(Json::as_object) else {
        return malformed("field `end_device_ids` is missing or not an object".into());
    };
    let device = match (ids.get("dev_eui"), ids.get("device_id")) {
        (Some(Json::String(eui)), _) => match passerelle_ns_uplink::dev_eui(eui) {
            Ok(d) => d,
            Err(e) => return malformed(format!("field `end_device_ids.dev_eui`: {e}")),
        },
        (None, Some(Json::String(id))) if !id.is_empty() => id.clone(),
        _ => return malformed("field `end_device_ids.dev_eui` (or `device_id`) is missing".into()),
    };
    let Some(up) = message.get("uplink_message") else {
        let kind = OTHER_KINDS.iter().find(|k| message.contains_key(**k)).copied().unwrap_or("unknown");
        return Handled::ignored(
            id,
            format!("A {kind} message of {device} ignored: only uplinks are stored."),
        );
    };
    match uplink(settings, device, up, message.get("received_at"), inbound.received_ms) {
        Ok(uplink) => passerelle_ns_uplink::commands(id, uplink, &settings.options),
        Err(reason) => malformed(reason),
    }
}

/// The uplink of `up` (the `uplink_message` object) for `device`.
fn uplink(
    settings: &Settings,
    device: String,
    up: &Json,
    message_time: Option<&Json>,
    arrived_ms: i64,
) -> Result<Uplink, String> {
    let up = up.as_object().ok_or("field `uplink_message` is not an object")?;
    let port = passerelle_ns_uplink::port(up.get("f_port"))
        .map_err(|e| format!("field `uplink_message.f_port`: {e}"))?;
    let payload = match up.get("frm_payload") {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::String(b64)) => passerelle_ns_uplink::base64(b64)
            .map_err(|e| format!("field `uplink_message.frm_payload`: {e}"))?,
        Some(_) => return Err("field `uplink_message.frm_payload` is not a string".into()),
    };
    let received_ms = match (up.get("received_at"), message_time) {
        (Some(t), _) => time(t, "uplink_message.received_at")?,
        (None, Some(t)) => time(t, "received_at")?,
        (None, None) => arrived_ms,
    };
    let versions = up.get("version_ids");
    let text = |key: &str| versions.and_then(|v| v.get(key)).and_then(Json::as_str).filter(|s| !s.is_empty());
    let model = match settings.model_from {
        ModelFrom::ModelId => text("model_id").map(str::to_string),
        ModelFrom::BrandModel => text("brand_id").zip(text("model_id")).map(|(b, m)| format!("{b}/{m}")),
    };
    let decoded = match up.get("decoded_payload") {
        None | Some(Json::Null) => None,
        Some(d @ Json::Object(_)) => Some(d.clone()),
        Some(_) => return Err("field `uplink_message.decoded_payload` is not an object".into()),
    };
    Ok(Uplink { device, model, port, payload, received_ms, decoded })
}

fn time(value: &Json, field: &str) -> Result<i64, String> {
    value
        .as_str()
        .and_then(parse_rfc3339_ms)
        .ok_or_else(|| format!("field `{field}` is not an RFC 3339 time: {value}"))
}

static SETTINGS: Mutex<Option<Settings>> = Mutex::new(None);

struct TtsWebhook;

impl Guest for TtsWebhook {
    fn handle(event: Event) -> Result<Vec<Command>, ConnectorError> {
        let mut settings =
            SETTINGS.lock().map_err(|_| ConnectorError::Other("settings lock poisoned".into()))?;
        match event {
            Event::Start(pairs) => {
                *settings = Some(Settings::from_pairs(&pairs)?);
                Ok(Vec::new())
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
passerelle_pdk::connector::export_connector!(TtsWebhook with_types_in passerelle_pdk::connector);

#[cfg(test)]
mod tests {
    use super::*;
    use passerelle_pdk::connector::{Frame, Rejection, Value};

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn inbound(body: Vec<u8>) -> Inbound {
        let headers = vec![
            ("x-downlink-apikey".to_string(), "NNSXS.SECRET".to_string()),
            (
                "x-downlink-push".to_string(),
                "https://eu1.cloud.thethings.network/api/v3/as/applications/a/webhooks/w/devices/d/down/push"
                    .to_string(),
            ),
        ];
        Inbound { id: 9, channel: "/".into(), headers, body, received_ms: 5 }
    }

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        let pairs: Vec<(String, String)> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_pairs(&pairs).unwrap()
    }

    #[test]
    fn the_documented_uplink_becomes_a_frame_for_its_model() {
        let h = handle_inbound(&settings(&[]), &inbound(fixture("uplink.json")));
        let [Command::EmitFrames((9, frames)), Command::Accept(9)] = &h.commands[..] else {
            panic!("{:?}", h.commands);
        };
        let want = Frame {
            device: "24e124707c123456".into(),
            model: "am307".into(),
            port: 85,
            payload: vec![0x01, 0x75, 0x5c, 0x03, 0x67, 0x34, 0x01, 0x04, 0x68, 0x65, 0x05, 0x6a, 0x49, 0x00],
            // uplink_message.received_at, not the message's.
            received_ms: 1_795_336_020_000,
            firmware: None,
        };
        // The bindings' types have no `PartialEq`: compared by their Debug text.
        assert_eq!(format!("{frames:?}"), format!("{:?}", [want]));
        let h = handle_inbound(&settings(&[("model_from", "brand_model")]), &inbound(fixture("uplink.json")));
        assert!(matches!(&h.commands[0], Command::EmitFrames((_, f)) if f[0].model == "milesight-iot/am307"));
    }

    #[test]
    fn decoded_payload_is_kept_when_asked() {
        let h = handle_inbound(&settings(&[("decoded", "only")]), &inbound(fixture("uplink.json")));
        let [Command::EmitReadings((9, device, readings)), Command::Accept(9)] = &h.commands[..] else {
            panic!("{:?}", h.commands);
        };
        assert_eq!(device, "24e124707c123456");
        let got: Vec<(&str, &Value)> = readings.iter().map(|r| (r.name.as_str(), &r.value)).collect();
        let want = [
            ("battery", Value::Number(92.0)),
            ("humidity", Value::Number(50.5)),
            ("temperature", Value::Number(30.8)),
        ];
        assert_eq!(
            format!("{got:?}"),
            format!("{:?}", want.iter().map(|(n, v)| (*n, v)).collect::<Vec<_>>())
        );
    }

    #[test]
    fn other_messages_and_uplinks_without_payload_are_acknowledged_and_noted() {
        for (name, says) in [
            ("join_accept.json", "join_accept message"),
            ("downlink_queued.json", "downlink_queued message"),
            ("uplink_without_payload.json", "without payload"),
        ] {
            let h = handle_inbound(&settings(&[]), &inbound(fixture(name)));
            assert!(matches!(h.commands[..], [Command::Accept(9)]), "{name}: {:?}", h.commands);
            assert!(h.note.as_deref().is_some_and(|n| n.contains(says)), "{name}: {:?}", h.note);
        }
    }

    #[test]
    fn malformed_messages_name_the_field() {
        let good: Json = serde_json::from_slice(&fixture("uplink.json")).unwrap();
        let mut cases: Vec<(Vec<u8>, &str)> = vec![
            (b"{\"end_device_ids\": ".to_vec(), "not JSON"),
            (b"[1]".to_vec(), "JSON object"),
            (br#"{"uplink_message": {}}"#.to_vec(), "end_device_ids"),
        ];
        let mut changed = |pointer: &str, value: Json, says: &'static str| {
            let mut m = good.clone();
            *m.pointer_mut(pointer).unwrap() = value;
            cases.push((m.to_string().into_bytes(), says));
        };
        changed("/uplink_message/frm_payload", Json::from("AXV*"), "uplink_message.frm_payload");
        changed("/uplink_message/f_port", Json::from(300), "uplink_message.f_port");
        changed("/uplink_message/received_at", Json::from("yesterday"), "uplink_message.received_at");
        changed("/end_device_ids/dev_eui", Json::from("24E1"), "end_device_ids.dev_eui");
        changed("/uplink_message/decoded_payload", Json::from(1), "decoded_payload");
        for (body, says) in cases {
            let h = handle_inbound(&settings(&[]), &inbound(body.clone()));
            assert!(
                matches!(&h.commands[..], [Command::Reject(Rejection { id: 9, kind: Refusal::Malformed, reason })]
                    if reason.contains(says)),
                "{}: {:?}",
                String::from_utf8_lossy(&body),
                h.commands
            );
        }
    }

    #[test]
    fn the_downlink_key_is_never_in_what_the_plugin_returns() {
        for name in ["uplink.json", "join_accept.json", "downlink_queued.json"] {
            for s in [settings(&[]), settings(&[("decoded", "keep")])] {
                let h = handle_inbound(&s, &inbound(fixture(name)));
                let said = format!("{h:?}");
                assert!(!said.contains("NNSXS") && !said.contains("down/push"), "{said}");
            }
        }
    }

    #[test]
    fn bad_settings_are_named() {
        let bad = Settings::from_pairs(&[("model_from".into(), "brand".into())]);
        assert!(matches!(bad, Err(ConnectorError::BadSetting((k, _))) if k == "model_from"));
    }
}
