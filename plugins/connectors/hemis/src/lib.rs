//! Hemis real-time API connector (seed 000): JSON messages on two STOMP topics.
//!
//! Settings:
//! - `building_id`: the Hemis buildingId (also the STOMP login, set on the transport);
//! - `destinations` (optional): comma-separated destinations, `{building}` replaced by the
//!   building id; default `jms.topic.{building}.data,jms.topic.{building}.management`, the two
//!   topics of the seed (a RabbitMQ broker names them `/topic/jms.topic.{building}.data`);
//! - `value_types` (optional): comma-separated `code=kind` pairs telling how to read the value
//!   of a `*_STATE` message by its `valueType`, kind `number`, `text` or `boolean`; default
//!   `0=number` (the seed's examples: `"0"` for doubles). A code not in the table is refused.
//!
//! The answer to `start` subscribes to the destinations. Each message becomes readings (see
//! [`message`]) and is accepted; a body that is not a Hemis message is refused as malformed, a
//! message the connector cannot store faithfully (an unknown type or `valueType`, a `null`
//! value) as unprocessable: both go to the dead letter with their bytes, and the broker gets its
//! ACK. In a `DATA_PROVIDER` container, a data point that cannot be read goes to the dead letter
//! alone and the others are stored.
// The export macro exists only on wasm32: on the host (tests) the plugin type is unused.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

pub mod message;

use passerelle_pdk::connector::{Command, ConnectorError, Event, Guest, Inbound, Rejection};

use message::{Settings, ValueKind};

/// The destinations subscribed to when the settings name none (`{building}`: the building id).
pub const DEFAULT_DESTINATIONS: &str = "jms.topic.{building}.data,jms.topic.{building}.management";

struct Hemis;

impl Guest for Hemis {
    fn handle(event: Event) -> Result<Vec<Command>, ConnectorError> {
        match event {
            Event::Start(settings) => {
                let (_, destinations) = settings_from(&settings)?;
                Ok(destinations.into_iter().map(Command::Subscribe).collect())
            }
            // Settings come with every instance's start; a message needs only them.
            Event::Inbound(inbound) => Ok(handle_inbound(&settings_cache()?, &inbound)),
            Event::Restore(_) | Event::Tick(_) | Event::Response(_) => Ok(Vec::new()),
        }
    }
}

static SETTINGS: std::sync::Mutex<Option<Settings>> = std::sync::Mutex::new(None);

fn settings_cache() -> Result<Settings, ConnectorError> {
    let guard = SETTINGS.lock().map_err(|_| ConnectorError::Other("settings lock poisoned".into()))?;
    guard.clone().ok_or_else(|| ConnectorError::Other("message before start".into()))
}

/// Reads the settings (and keeps them for the messages); gives the destinations.
///
/// # Errors
/// `bad-setting` naming the setting at fault.
pub fn settings_from(pairs: &[(String, String)]) -> Result<(Settings, Vec<String>), ConnectorError> {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string());
    let bad = |k: &str, why: String| ConnectorError::BadSetting((k.to_string(), why));
    let building = get("building_id").unwrap_or_default();
    let template = get("destinations").unwrap_or_else(|| DEFAULT_DESTINATIONS.to_string());
    if building.is_empty() && template.contains("{building}") {
        return Err(bad("building_id", "is required (the Hemis buildingId names the topics)".into()));
    }
    let destinations: Vec<String> = template
        .split(',')
        .map(|d| d.trim().replace("{building}", &building))
        .filter(|d| !d.is_empty())
        .collect();
    if destinations.is_empty() {
        return Err(bad("destinations", "names no destination".into()));
    }
    let mut value_types = Vec::new();
    for pair in get("value_types").unwrap_or_else(|| "0=number".into()).split(',') {
        let pair = pair.trim();
        let (code, kind) =
            pair.split_once('=').ok_or_else(|| bad("value_types", format!("{pair:?} is not code=kind")))?;
        let kind = match kind.trim() {
            "number" => ValueKind::Number,
            "text" => ValueKind::Text,
            "boolean" => ValueKind::Boolean,
            other => {
                return Err(bad("value_types", format!("kind {other:?} is not number, text or boolean")));
            }
        };
        value_types.push((code.trim().to_string(), kind));
    }
    let settings = Settings { value_types };
    if let Ok(mut guard) = SETTINGS.lock() {
        *guard = Some(settings.clone());
    }
    Ok((settings, destinations))
}

/// The commands for one message: readings (and dead-lettered data points), then an accept; or
/// a rejection.
pub fn handle_inbound(settings: &Settings, inbound: &Inbound) -> Vec<Command> {
    let id = inbound.id;
    match message::read(settings, &inbound.body) {
        Ok(out) => {
            let mut commands: Vec<Command> = out
                .devices
                .into_iter()
                .map(|(device, readings)| Command::EmitReadings((id, device, readings)))
                .collect();
            commands.extend(out.discarded.into_iter().map(|mut d| {
                d.id = id;
                Command::DeadLetter(d)
            }));
            commands.push(Command::Accept(id));
            commands
        }
        Err(message::Refusal { kind, reason }) => {
            warn(&format!("Hemis message refused: {reason}"));
            vec![Command::Reject(Rejection { id, kind, reason })]
        }
    }
}

fn warn(message: &str) {
    #[cfg(target_arch = "wasm32")]
    passerelle_pdk::connector::passerelle::plugin::log::log(passerelle_pdk::connector::Level::Warn, message);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = message;
}

#[cfg(target_arch = "wasm32")]
passerelle_pdk::connector::export_connector!(Hemis with_types_in passerelle_pdk::connector);
