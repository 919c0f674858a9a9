//! The ten message types of the Hemis real-time API (seed 000), as readings.
//!
//! Every message has a `type` and a `timestamp` (UTC milliseconds), the reading time. The device
//! is the Hemis object the message is about:
//!
//! | type | device | readings |
//! | --- | --- | --- |
//! | `SENSOR_STATE` | `sensorId` | `<factorId>`: the value, read by `valueType` |
//! | `ACTUATOR_{TARGET,HARDWARE,CURRENT}_STATE` | the ActuatorState's `actuatorId` (else `itId`) | `<factorId>.<target\|hardware\|current>`: its `value` by `valueType`; `<factorId>.<kind>.<field>` for its other number, boolean and text fields |
//! | `IT_STATE` | `itId` | `it.<field>` for each field of the ITCompositeState |
//! | `FACTOR_{TARGET,CURRENT}_STATE` | `zoneId` | `<factorId>.<target\|current>` |
//! | `OBJECTIVE_STATE` | `objectiveId` | `objective.executable` (boolean) |
//! | `DATA_PROVIDER` | the container's `sourceId` | `<sourceGroup>[.<customPersistenceId>].<column>` per column of `columns_mapping`, per data point at its `d` |
//! | `ENTITY_MANAGEMENT` | `entityId` | `entity_management`: the message itself, as text |
//!
//! Fields of an object that are `null` (an actuator without colour) are left out. The unit of a
//! `DATA_PROVIDER` container (`measurementUnit`) goes with its `VALUENB` column, as the SenML
//! unit where one exists (`°C` is `Cel`), else as sent. The seed's `DATA_PROVIDER` example gives
//! `timestamp` and `d` in seconds: there, a time below 10^11 is read as seconds.

use passerelle_pdk::connector::{Discarded, Reading, Refusal as Kind, Value};
use serde_json::{Map, Value as Json};

/// How the value of a `valueType` code is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A double: a JSON number, or a string holding one (`"21.0"`).
    Number,
    /// Text.
    Text,
    /// A boolean: `true`/`false`, or the strings `"true"`/`"false"`.
    Boolean,
}

/// What the connector needs to read messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `valueType` codes and how to read their values.
    pub value_types: Vec<(String, ValueKind)>,
}

/// Why a message is refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// Malformed (not a Hemis message) or unprocessable (cannot be stored faithfully).
    pub kind: Kind,
    /// Why, naming the field.
    pub reason: String,
}

/// What one message gives.
#[derive(Debug, Default)]
pub struct Output {
    /// Readings by device, in the message's order.
    pub devices: Vec<(String, Vec<Reading>)>,
    /// Parts kept in the dead letter (`id` left 0, set by the caller).
    pub discarded: Vec<Discarded>,
}

fn malformed(reason: impl Into<String>) -> Refusal {
    Refusal { kind: Kind::Malformed, reason: reason.into() }
}
fn unprocessable(reason: impl Into<String>) -> Refusal {
    Refusal { kind: Kind::Unprocessable, reason: reason.into() }
}

/// Reads one message body.
///
/// # Errors
/// A [`Refusal`] naming the field at fault.
pub fn read(settings: &Settings, body: &[u8]) -> Result<Output, Refusal> {
    let json: Json = serde_json::from_slice(body).map_err(|e| malformed(format!("not JSON: {e}")))?;
    let m = json.as_object().ok_or_else(|| malformed("not a JSON object"))?;
    let kind = text(m, "type")?;
    let time = m
        .get("timestamp")
        .and_then(Json::as_i64)
        .ok_or_else(|| malformed("timestamp is missing or not an integer"))?;
    let mut out = Output::default();
    match kind {
        "SENSOR_STATE" => {
            let device = text(m, "sensorId")?.to_string();
            let factor = text(m, "factorId")?;
            let value = scalar(settings, m, value_of(m)?)?;
            out.devices.push((device, vec![reading(factor.to_string(), value, None, time)]));
        }
        "ACTUATOR_TARGET_STATE" | "ACTUATOR_HARDWARE_STATE" | "ACTUATOR_CURRENT_STATE" => {
            let which = kind.trim_start_matches("ACTUATOR_").trim_end_matches("_STATE").to_ascii_lowercase();
            let factor = text(m, "factorId")?;
            let value = value_of(m)?;
            let name = format!("{factor}.{which}");
            let (device, readings) = match value.as_object() {
                Some(state) => {
                    let device = state
                        .get("actuatorId")
                        .and_then(Json::as_str)
                        .or_else(|| state.get("itId").and_then(Json::as_str))
                        .or_else(|| m.get("itId").and_then(Json::as_str))
                        .ok_or_else(|| malformed("value has no actuatorId or itId"))?;
                    let main = state
                        .get("value")
                        .filter(|v| !v.is_null())
                        .ok_or_else(|| unprocessable(format!("{kind}: value.value is null or missing")))?;
                    let mut readings = vec![reading(name.clone(), scalar(settings, m, main)?, None, time)];
                    for (field, v) in state {
                        if matches!(field.as_str(), "id" | "itId" | "actuatorId" | "value") {
                            continue;
                        }
                        if let Some(v) = plain(v) {
                            readings.push(reading(format!("{name}.{field}"), v, None, time));
                        }
                    }
                    (device.to_string(), readings)
                }
                None => {
                    let device = m.get("itId").and_then(Json::as_str).unwrap_or(factor);
                    (device.to_string(), vec![reading(name, scalar(settings, m, value)?, None, time)])
                }
            };
            out.devices.push((device, readings));
        }
        "IT_STATE" => {
            let device = text(m, "itId")?.to_string();
            let value = value_of(m)?;
            let readings = match value.as_object() {
                Some(state) => state
                    .iter()
                    .filter_map(|(field, v)| Some(reading(format!("it.{field}"), plain(v)?, None, time)))
                    .collect(),
                None => vec![reading("it.state".into(), scalar(settings, m, value)?, None, time)],
            };
            out.devices.push((device, readings));
        }
        "FACTOR_TARGET_STATE" | "FACTOR_CURRENT_STATE" => {
            let which = kind.trim_start_matches("FACTOR_").trim_end_matches("_STATE").to_ascii_lowercase();
            let device = text(m, "zoneId")?.to_string();
            let factor = text(m, "factorId")?;
            let value = scalar(settings, m, value_of(m)?)?;
            out.devices.push((device, vec![reading(format!("{factor}.{which}"), value, None, time)]));
        }
        "OBJECTIVE_STATE" => {
            let device = text(m, "objectiveId")?.to_string();
            let value = match value_of(m)? {
                Json::Bool(b) => Value::Boolean(*b),
                other => {
                    return Err(unprocessable(format!("OBJECTIVE_STATE: value {other} is not a boolean")));
                }
            };
            out.devices.push((device, vec![reading("objective.executable".into(), value, None, time)]));
        }
        "ENTITY_MANAGEMENT" => {
            let device = text(m, "entityId")?.to_string();
            text(m, "entityType")?;
            text(m, "action")?;
            let payload = String::from_utf8_lossy(body).into_owned();
            out.devices
                .push((device, vec![reading("entity_management".into(), Value::Text(payload), None, time)]));
        }
        "DATA_PROVIDER" => data_provider(m, &mut out)?,
        other => return Err(unprocessable(format!("unknown message type {other:?}"))),
    }
    Ok(out)
}

/// A container: one reading per column per data point; a point that cannot be read goes to the
/// dead letter alone.
fn data_provider(m: &Map<String, Json>, out: &mut Output) -> Result<(), Refusal> {
    let container =
        m.get("container").and_then(Json::as_object).ok_or_else(|| malformed("container is missing"))?;
    let info = container
        .get("dataInfo")
        .and_then(Json::as_object)
        .ok_or_else(|| malformed("container.dataInfo is missing"))?;
    let source = info
        .get("sourceTypeInfo")
        .and_then(Json::as_object)
        .ok_or_else(|| malformed("dataInfo.sourceTypeInfo is missing"))?;
    let device = text(info, "sourceId").map_err(|r| malformed(format!("dataInfo.{}", r.reason)))?.to_string();
    let group = text(source, "sourceGroup").map_err(|r| malformed(format!("sourceTypeInfo.{}", r.reason)))?;
    let custom = source.get("customPersistenceId").and_then(Json::as_str).unwrap_or("");
    let unit = source.get("measurementUnit").and_then(Json::as_str).filter(|u| !u.is_empty()).map(senml_unit);
    let data = container
        .get("data")
        .and_then(Json::as_object)
        .ok_or_else(|| malformed("container.data is missing"))?;
    let mapping = data
        .get("header")
        .and_then(|h| h.get("columns_mapping"))
        .and_then(Json::as_object)
        .ok_or_else(|| malformed("data.header.columns_mapping is missing"))?;
    let mut columns: Vec<(String, usize)> = Vec::with_capacity(mapping.len());
    for (column, index) in mapping {
        let index = index
            .as_u64()
            .and_then(|i| usize::try_from(i).ok())
            .ok_or_else(|| malformed(format!("columns_mapping.{column} is not an index")))?;
        columns.push((column.clone(), index));
    }
    columns.sort_by_key(|(_, i)| *i);
    let points = data
        .get("data_points")
        .and_then(Json::as_array)
        .ok_or_else(|| malformed("data.data_points is missing"))?;
    let prefix = if custom.is_empty() { group.to_string() } else { format!("{group}.{custom}") };
    let mut readings = Vec::with_capacity(points.len() * columns.len());
    for point in points {
        match data_point(point, &columns, &prefix, unit.as_deref()) {
            Ok(mut r) => readings.append(&mut r),
            Err(reason) => out.discarded.push(Discarded {
                id: 0,
                subject: device.clone(),
                reason: format!("DATA_PROVIDER data point: {reason}"),
                bytes: point.to_string().into_bytes(),
            }),
        }
    }
    out.devices.push((device, readings));
    Ok(())
}

/// One data point `{d, v}`: a reading per column.
fn data_point(
    point: &Json,
    columns: &[(String, usize)],
    prefix: &str,
    unit: Option<&str>,
) -> Result<Vec<Reading>, String> {
    let d = point.get("d").and_then(Json::as_i64).ok_or("d is missing or not an integer")?;
    let values = point.get("v").and_then(Json::as_array).ok_or("v is missing or not a list")?;
    let time = seconds_or_millis(d);
    columns
        .iter()
        .map(|(column, index)| {
            let v = values.get(*index).ok_or_else(|| format!("v has no index {index} (column {column})"))?;
            let n = v.as_f64().ok_or_else(|| format!("column {column} is {v}, not a number"))?;
            let unit = (column == "VALUENB").then(|| unit.map(str::to_string)).flatten();
            Ok(reading(format!("{prefix}.{column}"), Value::Number(n), unit, time))
        })
        .collect()
}

/// Times of the seed's `DATA_PROVIDER` example are in seconds; real ones may be milliseconds.
fn seconds_or_millis(t: i64) -> i64 {
    if t.abs() < 100_000_000_000 { t.saturating_mul(1000) } else { t }
}

/// The SenML unit (RFC 8428, secondary units of RFC 8798) for a Hemis measurement unit, or the
/// unit as sent when SenML has none.
pub fn senml_unit(unit: &str) -> String {
    match unit {
        "°C" | "C" | "degC" => "Cel",
        "K" => "K",
        "%" => "%",
        "%RH" | "% RH" => "%RH",
        "W" => "W",
        "kW" => "kW",
        "Wh" => "Wh",
        "kWh" => "kWh",
        "V" => "V",
        "A" => "A",
        "Pa" => "Pa",
        "hPa" => "hPa",
        "ppm" => "ppm",
        "lx" | "lux" => "lx",
        "dB" => "dB",
        "m3" | "m³" => "m3",
        "l" | "L" => "l",
        other => other,
    }
    .to_string()
}

fn reading(name: String, value: Value, unit: Option<String>, time: i64) -> Reading {
    Reading { name, value, unit, time_ms: Some(time) }
}

fn text<'a>(m: &'a Map<String, Json>, field: &str) -> Result<&'a str, Refusal> {
    m.get(field)
        .and_then(Json::as_str)
        .ok_or_else(|| malformed(format!("{field} is missing or not a string")))
}

fn value_of(m: &Map<String, Json>) -> Result<&Json, Refusal> {
    match m.get("value") {
        None => Err(malformed("value is missing")),
        Some(Json::Null) => Err(unprocessable("value is null")),
        Some(v) => Ok(v),
    }
}

/// A scalar value read by the message's `valueType` (by its JSON type when it has none).
fn scalar(settings: &Settings, m: &Map<String, Json>, v: &Json) -> Result<Value, Refusal> {
    let Some(code) = m.get("valueType") else {
        return plain(v).ok_or_else(|| unprocessable(format!("value {v} is not a number, boolean or text")));
    };
    let code = match code {
        Json::String(s) => s.clone(),
        Json::Number(n) => n.to_string(),
        other => return Err(malformed(format!("valueType {other} is not a code"))),
    };
    let kind = settings.value_types.iter().find(|(c, _)| *c == code).map(|(_, k)| *k).ok_or_else(|| {
        unprocessable(format!("unknown valueType {code:?} (add it to the value_types setting)"))
    })?;
    let wrong = || unprocessable(format!("value {v} is not of valueType {code:?} ({kind:?})"));
    match (kind, v) {
        (ValueKind::Number, Json::Number(n)) => n.as_f64().map(Value::Number).ok_or_else(wrong),
        (ValueKind::Number, Json::String(s)) => {
            s.trim().parse::<f64>().ok().filter(|n| n.is_finite()).map(Value::Number).ok_or_else(wrong)
        }
        (ValueKind::Text, Json::String(s)) => Ok(Value::Text(s.clone())),
        (ValueKind::Boolean, Json::Bool(b)) => Ok(Value::Boolean(*b)),
        (ValueKind::Boolean, Json::String(s)) if s == "true" || s == "false" => {
            Ok(Value::Boolean(s == "true"))
        }
        _ => Err(wrong()),
    }
}

/// A JSON number, boolean or string as a value; `None` for null, lists and objects.
fn plain(v: &Json) -> Option<Value> {
    match v {
        Json::Number(n) => n.as_f64().map(Value::Number),
        Json::Bool(b) => Some(Value::Boolean(*b)),
        Json::String(s) => Some(Value::Text(s.clone())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLES: [(&str, &str); 10] = [
        ("actuator_target_state-1", include_str!("../../../../vectors/hemis/actuator_target_state-1.json")),
        (
            "actuator_hardware_state-1",
            include_str!("../../../../vectors/hemis/actuator_hardware_state-1.json"),
        ),
        ("it_state-1", include_str!("../../../../vectors/hemis/it_state-1.json")),
        ("sensor_state-1", include_str!("../../../../vectors/hemis/sensor_state-1.json")),
        ("factor_current_state-1", include_str!("../../../../vectors/hemis/factor_current_state-1.json")),
        ("objective_state-1", include_str!("../../../../vectors/hemis/objective_state-1.json")),
        ("entity_management-1", include_str!("../../../../vectors/hemis/entity_management-1.json")),
        ("entity_management-2", include_str!("../../../../vectors/hemis/entity_management-2.json")),
        ("entity_management-3", include_str!("../../../../vectors/hemis/entity_management-3.json")),
        ("data_provider-1", include_str!("../../../../vectors/hemis/data_provider-1.json")),
    ];

    /// The bindings' value has no `PartialEq`: compare what they print.
    fn same(got: &Value, want: Value) {
        assert_eq!(format!("{got:?}"), format!("{want:?}"));
    }

    fn settings() -> Settings {
        Settings { value_types: vec![("0".into(), ValueKind::Number)] }
    }

    fn example(name: &str) -> &'static str {
        EXAMPLES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t).unwrap_or_default()
    }

    fn one(name: &str) -> (String, Vec<Reading>) {
        let out = read(&settings(), example(name).as_bytes()).unwrap();
        assert!(out.discarded.is_empty());
        out.devices.into_iter().next().unwrap()
    }

    fn find<'a>(readings: &'a [Reading], name: &str) -> &'a Reading {
        readings.iter().find(|r| r.name == name).unwrap_or_else(|| panic!("no {name} in {readings:?}"))
    }

    #[test]
    fn every_seed_example_is_read() {
        for (name, text) in EXAMPLES {
            let out = read(&settings(), text.as_bytes()).unwrap_or_else(|r| panic!("{name}: {r:?}"));
            assert!(out.devices.iter().all(|(_, r)| !r.is_empty()), "{name}");
        }
    }

    #[test]
    fn an_actuator_state_gives_its_value_and_fields_at_the_message_time() {
        let (device, readings) = one("actuator_target_state-1");
        assert_eq!(device, "12345#C01");
        let main = find(&readings, "TMP.target");
        same(&main.value, Value::Number(20.0));
        assert_eq!(main.time_ms, Some(12345));
        same(&find(&readings, "TMP.target.maxActionValue").value, Value::Number(35.0));
        same(&find(&readings, "TMP.target.direct").value, Value::Boolean(true));
        assert!(readings.iter().all(|r| r.name != "TMP.target.color"), "null fields are left out");
        let (_, hardware) = one("actuator_hardware_state-1");
        same(&find(&hardware, "TMP.hardware").value, Value::Number(21.5));
    }

    #[test]
    fn sensor_factor_objective_and_it_states() {
        let (device, readings) = one("sensor_state-1");
        assert_eq!((device.as_str(), readings[0].name.as_str()), ("F023B91000000073#1", "TMP"));
        same(&readings[0].value, Value::Number(21.0));
        let (zone, factor) = one("factor_current_state-1");
        assert_eq!((zone.as_str(), factor[0].time_ms), ("MyHemis", Some(1_529_420_401_946)));
        same(&factor[0].value, Value::Number(99.7));
        assert_eq!(factor[0].name, "OCC.current");
        let (objective, r) = one("objective_state-1");
        assert_eq!(objective, "123");
        same(&r[0].value, Value::Boolean(true));
        let (it, r) = one("it_state-1");
        assert_eq!(it, "itid123456");
        same(&find(&r, "it.o").value, Value::Text("OK".into()));
        same(&find(&r, "it.pRC").value, Value::Text("100".into()));
        same(&find(&r, "it.oTs").value, Value::Number(12345.0));
        assert_eq!(r.len(), 18);
    }

    #[test]
    fn entity_management_is_stored_as_an_event_with_its_payload() {
        let (device, r) = one("entity_management-2");
        assert_eq!(device, "123456478#C01");
        assert_eq!(r[0].name, "entity_management");
        same(&r[0].value, Value::Text(example("entity_management-2").into()));
    }

    #[test]
    fn a_data_provider_container_gives_a_reading_per_column_and_point() {
        let (device, r) = one("data_provider-1");
        assert_eq!(device, "0400A5818140A9");
        assert_eq!(r.len(), 6);
        let value = find(&r, "TMP.VALUENB");
        same(&value.value, Value::Number(20.0));
        assert_eq!((value.unit.as_deref(), value.time_ms), (Some("Cel"), Some(1_564_478_714_000)));
        let reliability: Vec<&Reading> = r.iter().filter(|x| x.name == "TMP.RELIABILITY").collect();
        same(&reliability[1].value, Value::Number(0.81));
        assert_eq!(reliability[1].unit, None);
    }

    #[test]
    fn a_bad_data_point_goes_to_the_dead_letter_alone() {
        let text = example("data_provider-1").replace("[ 21, 0.81, 1 ]", "[ null, 0.81, 1 ]");
        let out = read(&settings(), text.as_bytes()).unwrap();
        assert_eq!(out.devices[0].1.len(), 3, "the good point is stored");
        assert_eq!(out.discarded.len(), 1);
        assert!(out.discarded[0].reason.contains("column VALUENB is null"), "{:?}", out.discarded[0]);
        assert_eq!(out.discarded[0].bytes, br#"{"d":1564478716,"v":[null,0.81,1]}"#.to_vec());
    }

    #[test]
    fn thousands_of_points_are_one_unit() {
        let mut message: Json = serde_json::from_str(example("data_provider-1")).unwrap();
        let points: Vec<Json> =
            (0..5000).map(|i| serde_json::json!({"d": 1_600_000_000 + i, "v": [i, 1, 1]})).collect();
        message["container"]["data"]["data_points"] = Json::Array(points);
        let out = read(&settings(), message.to_string().as_bytes()).unwrap();
        assert_eq!(out.devices[0].1.len(), 15_000);
    }

    #[test]
    fn what_cannot_be_stored_faithfully_is_refused() {
        let s = settings();
        let refuse = |text: &str| read(&s, text.as_bytes()).unwrap_err();
        assert_eq!(refuse("not json").kind, Kind::Malformed);
        let null = refuse(
            r#"{"type":"SENSOR_STATE","timestamp":1,"sensorId":"s","factorId":"TMP","valueType":"0","value":null}"#,
        );
        assert_eq!((null.kind, null.reason.as_str()), (Kind::Unprocessable, "value is null"));
        let unknown_type = refuse(
            r#"{"type":"SENSOR_STATE","timestamp":1,"sensorId":"s","factorId":"TMP","valueType":"9","value":"1"}"#,
        );
        assert!(unknown_type.reason.contains("unknown valueType \"9\""), "{unknown_type:?}");
        let unknown = refuse(r#"{"type":"WEATHER","timestamp":1}"#);
        assert_eq!(
            (unknown.kind, unknown.reason.as_str()),
            (Kind::Unprocessable, "unknown message type \"WEATHER\"")
        );
        let no_time = refuse(r#"{"type":"OBJECTIVE_STATE","objectiveId":"o","value":true}"#);
        assert!(no_time.reason.contains("timestamp"), "{no_time:?}");
        let not_a_number = refuse(
            r#"{"type":"SENSOR_STATE","timestamp":1,"sensorId":"s","factorId":"TMP","valueType":"0","value":"warm"}"#,
        );
        assert_eq!(not_a_number.kind, Kind::Unprocessable);
    }
}
