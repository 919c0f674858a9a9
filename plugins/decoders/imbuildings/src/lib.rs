//! Passerelle decoder plugin for IMBuildings LoRaWAN devices: the People Counter, the Office
//! Occupancy Counter (infrared people counting at a door) and the Comfort Sensor (CO2,
//! temperature, humidity, presence).
//!
//! Format, as the vendor documents it in the TTN device repository (`vendor/imbuildings`: the
//! codec file and the device descriptions). A frame either starts with the IMBuildings header,
//! on any fPort, or is sent without it on an fPort that names its payload:
//!
//! | header: bytes | meaning |
//! |---|---|
//! | 0 | payload type: 1 comfort sensor, 2 people counter (`device_type_identifier`) |
//! | 1 | payload variant (`device_type_variant`) |
//! | 2..10 | device id, 8 bytes, as hex text (`device_id`) |
//!
//! | type, variant | length | body after the header (offsets from byte 10), big-endian |
//! |---|---|---|
//! | 1, 3 comfort | 20 | `device_status` u8, `battery_voltage` u16/100 V, `temperature` i16/100 °C, `humidity` u16/100 %RH, `co2` u16 ppm, `presence` u8 |
//! | 2, 5 counter (older firmware) | 19 | `device_status`, `battery_voltage`, `counter_a` u16, `counter_b` u16, `sensor_status` u8, `payload_counter` u8 |
//! | 2, 6 counter | 23 | `device_status`, `battery_voltage`, `counter_a`, `counter_b`, `sensor_status`, `total_counter_a` u16, `total_counter_b` u16, `payload_counter` |
//! | 2, 7 totals | 15 | `sensor_status`, `total_counter_a`, `total_counter_b` |
//! | 2, 8 heartbeat | 14 | `device_status`, `battery_voltage`, `sensor_status` |
//!
//! Without the header: fPort 13 is the comfort body without status and battery (7 bytes:
//! temperature, humidity, co2, presence), fPort 26 the variant 6 body (13 bytes), fPort 27 the
//! variant 7 body (5 bytes), fPort 28 the heartbeat body (4 bytes), and fPort 10 the answer to a
//! configuration downlink (see [`config`]). `counter_a` / `counter_b` are the people counted
//! in each direction since the last uplink, `total_counter_*` since the counter was reset.
//!
//! Each report has one length; another length, an unknown type or variant, or a headerless
//! frame on another fPort is an error (the vendor decoder returns an empty object or an error
//! there). Deviations from the vendor's JavaScript: the comfort `temperature` is read signed
//! (the vendor reads it unsigned, which turns -0.01 °C into 655.35 °C), and the variant 7
//! report does not repeat its `sensor_status` and totals as `device_status` and
//! `battery_voltage` (the older vendor decoder reads those at offsets the report does not have).
//! The NB-IoT variants of the older decoder (comfort 1, 2, 4, 5, counter 1 to 4, buttons and
//! pulse counters) are not LoRaWAN uplinks and are not decoded.

pub mod config;

use passerelle_pdk::{FixedBytes, Readings};

pub use passerelle_pdk::decoder::{DecodeError, Frame, Guest, Metadata, Reading, TestVector};

include!(concat!(env!("OUT_DIR"), "/vectors.rs"));

/// IMBuildings model ids (TTN device repository, `vendor/imbuildings`) this plugin decodes;
/// `people-counter` and `comfort-sensor` are the ids of the repository's earlier index.
pub const MODELS: &[&str] = &[
    "imbuildings-people-counter",
    "imbuildings-office-occupancy-counter",
    "imbuildings-comfort-sensor",
    "people-counter",
    "comfort-sensor",
];

/// Payload type of the comfort sensor.
const COMFORT: u8 = 0x01;
/// Payload type of the people counters.
const PEOPLE_COUNTER: u8 = 0x02;
/// Length of the header: type, variant, 8-byte device id.
const HEADER: usize = 10;

/// Decodes the payload of a frame of `model` received on `port`.
pub fn decode_payload(model: &str, port: u8, payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    let id = model.trim().to_ascii_lowercase();
    if !MODELS.contains(&id.as_str()) {
        return Err(DecodeError::UnsupportedModel(model.to_string()));
    }
    let mut out = Readings::new();
    match header_report(payload) {
        Some((kind, variant)) => {
            let b = FixedBytes::new(payload);
            out.plain("device_type_identifier", f64::from(kind));
            out.text("device_type", if kind == COMFORT { "Comfort Sensor CO2" } else { "People Counter" });
            out.plain("device_type_variant", f64::from(variant));
            out.text_owned("device_id", hex(b.slice(2, HEADER)?));
            let body = FixedBytes::new(b.slice(HEADER, payload.len())?);
            match (kind, variant) {
                (COMFORT, _) => comfort(&body, true, &mut out)?,
                (_, 5) => counter_v5(&body, &mut out)?,
                (_, 6) => counter_v6(&body, &mut out)?,
                (_, 7) => totals(&body, &mut out)?,
                _ => heartbeat(&body, &mut out)?,
            }
        }
        None => {
            let b = FixedBytes::new(payload);
            match port {
                10 => return config::decode(payload),
                13 => {
                    b.exactly(7)?;
                    comfort(&b, false, &mut out)?;
                }
                26 => {
                    b.exactly(13)?;
                    counter_v6(&b, &mut out)?;
                }
                27 => {
                    b.exactly(5)?;
                    totals(&b, &mut out)?;
                }
                28 => {
                    b.exactly(4)?;
                    heartbeat(&b, &mut out)?;
                }
                other => return Err(DecodeError::UnknownPort(other)),
            }
        }
    }
    Ok(out.into_vec())
}

/// The (type, variant) of a frame that carries the header: a known pair at its length.
fn header_report(payload: &[u8]) -> Option<(u8, u8)> {
    let (kind, variant) = (*payload.first()?, *payload.get(1)?);
    let len = match (kind, variant) {
        (COMFORT, 3) => 20,
        (PEOPLE_COUNTER, 5) => 19,
        (PEOPLE_COUNTER, 6) => 23,
        (PEOPLE_COUNTER, 7) => 15,
        (PEOPLE_COUNTER, 8) => 14,
        _ => return None,
    };
    (payload.len() == len).then_some((kind, variant))
}

/// `device_status` and `battery_voltage` at the start of a body.
fn status_and_battery(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    out.plain("device_status", f64::from(b.u8(0)?));
    out.number("battery_voltage", f64::from(b.u16_be(1)?) / 100.0, "V");
    Ok(())
}

/// The comfort sensor's measurements, after `device_status` and `battery_voltage` when
/// `with_status`.
fn comfort(b: &FixedBytes<'_>, with_status: bool, out: &mut Readings) -> Result<(), DecodeError> {
    let at = if with_status {
        status_and_battery(b, out)?;
        3
    } else {
        0
    };
    out.number("temperature", f64::from(b.i16_be(at)?) / 100.0, "Cel");
    out.number("humidity", f64::from(b.u16_be(at + 2)?) / 100.0, "%RH");
    out.number("co2", f64::from(b.u16_be(at + 4)?), "ppm");
    out.plain("presence", f64::from(b.u8(at + 6)?));
    Ok(())
}

/// Variant 5: counts since the last uplink and the uplink counter (older firmware).
fn counter_v5(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    status_and_battery(b, out)?;
    out.number("counter_a", f64::from(b.u16_be(3)?), "count");
    out.number("counter_b", f64::from(b.u16_be(5)?), "count");
    out.plain("sensor_status", f64::from(b.u8(7)?));
    out.plain("payload_counter", f64::from(b.u8(8)?));
    Ok(())
}

/// Variant 6: counts since the last uplink, totals and the uplink counter.
fn counter_v6(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    status_and_battery(b, out)?;
    out.number("counter_a", f64::from(b.u16_be(3)?), "count");
    out.number("counter_b", f64::from(b.u16_be(5)?), "count");
    out.plain("sensor_status", f64::from(b.u8(7)?));
    out.number("total_counter_a", f64::from(b.u16_be(8)?), "count");
    out.number("total_counter_b", f64::from(b.u16_be(10)?), "count");
    out.plain("payload_counter", f64::from(b.u8(12)?));
    Ok(())
}

/// Variant 7: the totals only.
fn totals(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    out.plain("sensor_status", f64::from(b.u8(0)?));
    out.number("total_counter_a", f64::from(b.u16_be(1)?), "count");
    out.number("total_counter_b", f64::from(b.u16_be(3)?), "count");
    Ok(())
}

/// Variant 8: the heartbeat (status, battery, sensor status).
fn heartbeat(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    status_and_battery(b, out)?;
    out.plain("sensor_status", f64::from(b.u8(3)?));
    Ok(())
}

/// Lower-case hex of `bytes`, as the vendor decoder writes ids.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

passerelle_pdk::decoder_plugin! {
    name: "imbuildings",
    models: MODELS.iter().map(|m| String::from(*m)).collect(),
    decode: |frame| decode_payload(&frame.model, frame.port, &frame.payload),
    vectors: test_vectors(),
}
