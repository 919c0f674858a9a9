//! Ultrasonic distance sensors: LDDS75, LDDS20 and LDDS45 (`vendor/dragino/ldds75.js`,
//! `ldds20-114.js`; the LDDS45 and the LDDS75 firmware 1.1.4 codecs publish the same examples as
//! `ldds20-114`). fPort 2.
//!
//! 8-byte report (LDDS20, LDDS45, LDDS75 firmware 1.1.4 and later):
//!
//! | bytes | name | value |
//! |---|---|---|
//! | 0-1 | Bat | bits 13-0 mV, as V |
//! | 2-3 | Distance | text `<mm> mm`; `No Sensor` for 0, `Invalid Reading` for 20 |
//! | 4 | Interrupt_flag | u8 |
//! | 5-6 | TempC_DS18B20 | int16 / 10, text with 2 decimals |
//! | 7 | Sensor_flag | u8 |
//!
//! The LDDS75 changed format with firmware 1.1.4 (the TTN repository keeps a codec per firmware).
//! Before it, the LDDS75's decoder knows a 5-byte report only: `value` is bytes 2-3 (the
//! distance, mm) and `distance` is the battery word of bytes 0-1 (bits 13-0; `Invalid Reading`
//! under 20), as that decoder outputs them; any other length is `distance` = `No Sensor`. From
//! 1.1.4 on, it sends the 8-byte report above. When the route names the firmware, that format
//! is read (a 5-byte frame from a 1.1.4 device is too short; an 8-byte frame from an older one
//! is `No Sensor`, as its decoder says); when it does not, the length tells them apart.
//!
//! LDDS04, four ultrasonic probes (`ldds04.js`), fPort 2, 11 bytes: BatV (bits 13-0 of bytes
//! 0-1, V), EXTI_Trigger (bit 15, `TRUE`/`FALSE`), distance1_cm .. distance4_cm (u16 / 10 at 2,
//! 4, 6, 8), mes_type (byte 10). A frame starting `03` and ending `02` is a reply the vendor
//! decoder leaves without readings (so do we).

use passerelle_pdk::{Firmware, Readings};

use crate::DecodeError;
use crate::common::{Battery, Bytes, fixed};

/// The models of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// LDDS75.
    Ldds75,
    /// LDDS20 and LDDS45 (8-byte report).
    Ldds20,
    /// LDDS04 four-probe sensor.
    Ldds04,
}

/// Model ids of the family.
pub const MODELS: &[&str] = &["ldds75", "ldds20", "ldds45", "ldds04"];

impl Model {
    /// The model of a lower-case TTN device-repository id.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "ldds75" => Self::Ldds75,
            "ldds20" | "ldds45" => Self::Ldds20,
            "ldds04" => Self::Ldds04,
            _ => return None,
        })
    }
}

/// The first LDDS75 firmware that sends the 8-byte report.
pub const LDDS75_8_BYTE_REPORT: [u32; 3] = [1, 1, 4];

/// Decodes a frame of `model` received on `port` from a device running `firmware` (if known).
pub fn decode(
    model: Model,
    port: u8,
    firmware: Option<&Firmware>,
    b: &Bytes,
    out: &mut Readings,
) -> Result<(), DecodeError> {
    if port != 2 {
        return Err(DecodeError::UnknownPort(port));
    }
    let eight_byte = firmware.map(|f| f.at_least(&LDDS75_8_BYTE_REPORT));
    match (model, b.len(), eight_byte) {
        (Model::Ldds04, _, _) => four_probes(b, out),
        (Model::Ldds75, _, Some(true)) | (Model::Ldds20, _, _) => report(b, out),
        (Model::Ldds75, 5, _) => {
            out.number("value", f64::from(b.u16_be(2)?), "mm");
            let word = b.u16_be(0)? & 0x3fff;
            if word < 20 {
                out.text("distance", "Invalid Reading");
            } else {
                out.plain("distance", f64::from(word));
            }
            Ok(())
        }
        (Model::Ldds75, _, Some(false)) => {
            out.text("distance", "No Sensor");
            Ok(())
        }
        (Model::Ldds75, len, None) if len != 8 => {
            out.text("distance", "No Sensor");
            Ok(())
        }
        (Model::Ldds75, _, None) => report(b, out),
    }
}

/// The 8-byte report.
fn report(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    b.require(8)?;
    out.number("Bat", b.battery(0)?, "V");
    let distance = b.u16_be(2)?;
    match distance {
        0 => out.text("Distance", "No Sensor"),
        20 => out.text("Distance", "Invalid Reading"),
        mm => out.text_owned("Distance", format!("{mm} mm")),
    }
    out.plain("Interrupt_flag", f64::from(b.u8(4)?));
    out.text_owned("TempC_DS18B20", fixed(i64::from(b.i16_be(5)?), 1, 2));
    out.plain("Sensor_flag", f64::from(b.u8(7)?));
    Ok(())
}

/// The LDDS04 report.
fn four_probes(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    b.require(11)?;
    if b.u8(0)? == 0x03 && b.u8(10)? == 0x02 {
        return Ok(());
    }
    out.number("BatV", b.battery(0)?, "V");
    out.text("EXTI_Trigger", if b.u8(0)? & 0x80 != 0 { "TRUE" } else { "FALSE" });
    for (j, offset) in [2, 4, 6, 8].into_iter().enumerate() {
        out.number(&format!("distance{}_cm", j + 1), f64::from(b.u16_be(offset)?) / 10.0, "cm");
    }
    out.plain("mes_type", f64::from(b.u8(10)?));
    Ok(())
}
