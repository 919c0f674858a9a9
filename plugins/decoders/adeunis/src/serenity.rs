//! COMFORT SERENITY (`comfort-serenity`): temperature, humidity, CO2 and, on the VOC version,
//! a VOC index.
//!
//! Every COMFORT CO2 frame (`0x10`, `0x30`, `0x6a`, `0x6b` and the generic ones, see
//! [`crate::comfort`]) with `Comfort Serenity` in its type text, and:
//!
//! | code | frame | layout after the status byte |
//! |---|---|---|
//! | `0x31` | get register | value1 u16, value2 u8, value3 u32, [timestamp] |
//! | `0x38` | daily frame with VOC | icon u8, red-air duration u8 x 10 min, T max i16 / 10, CO2 max u16, RH max u8, VOC max u16; [T min, CO2 min, RH min, VOC min, T avg, CO2 avg, RH avg, VOC avg] (25 bytes, 29 with a timestamp at 25) |
//! | `0x6f` | data with VOC | (temperature i16 / 10 °C, humidity u8 %, CO2 u16 ppm, VOC u16 index) per point, newest first, [timestamp] |
//! | `0x70` | alarm with VOC | alarm flags u8 (bit 4 temperature, bit 0 humidity, bit 5 CO2, bit 6 VOC), temperature i16 / 10, humidity u8, CO2 i16, VOC i16, [timestamp] |
//!
//! The VOC is an index (the vendor's unit text `index value`): no SenML unit.

use crate::comfort::{FLAGS, INFO, decode_co2_family};
use crate::common::{
    AdeunisFrame, Bytes, CEL, Handled, MIN, Out, PPM, RH, active, status, timestamp_at, trailing_timestamp,
};

/// Model ids of the COMFORT SERENITY.
pub const MODELS: &[&str] = &["comfort-serenity"];

const VOC_UNIT: &str = "index value";

/// Decodes a COMFORT SERENITY frame of code `code`.
pub fn decode(code: u8, b: &Bytes, out: &mut Out) -> Handled {
    match code {
        0x31 => {
            out.kind("0x31 Comfort Serenity Get Register");
            status(out, b, FLAGS)?;
            trailing_timestamp(out, b)?;
            out.num("value1", f64::from(b.u16_be(2)?), None);
            out.num("value2", f64::from(b.u8(4)?), None);
            out.num("value3", f64::from(b.u32_be(5)?), None);
        }
        0x38 => {
            out.kind("0x38 Comfort Serenity Daily frame");
            status(out, b, FLAGS)?;
            timestamp_at(out, b, 25)?;
            out.num("icone", f64::from(b.u8(2)?), None);
            out.quantity("qaiRedDuration", "min", f64::from(b.u8(3)?) * 10.0, Some(MIN));
            out.quantity("temperatureMax", "°C", f64::from(b.i16_be(4)?) / 10.0, Some(CEL));
            out.quantity("co2Max", "ppm", f64::from(b.u16_be(6)?), Some(PPM));
            out.quantity("humidityMax", "%", f64::from(b.u8(8)?), Some(RH));
            out.quantity("vocMax", VOC_UNIT, f64::from(b.u16_be(9)?), None);
            match b.len() {
                11 => {}
                25 | 29 => {
                    out.quantity("temperatureMin", "°C", f64::from(b.i16_be(11)?) / 10.0, Some(CEL));
                    out.quantity("co2Min", "ppm", f64::from(b.u16_be(13)?), Some(PPM));
                    out.quantity("humidityMin", "%", f64::from(b.u8(15)?), Some(RH));
                    out.quantity("vocMin", VOC_UNIT, f64::from(b.u16_be(16)?), None);
                    let t_avg = f64::from(b.i16_be(18)?) / 10.0;
                    out.quantity("temperatureAverage", "°C", t_avg, Some(CEL));
                    out.quantity("co2Average", "ppm", f64::from(b.u16_be(20)?), Some(PPM));
                    out.quantity("humidityAverage", "%", f64::from(b.u8(22)?), Some(RH));
                    out.quantity("vocAverage", VOC_UNIT, f64::from(b.u16_be(23)?), None);
                }
                _ => out.num("partialDecoding", 1.0, None),
            }
        }
        0x6f => {
            out.kind("0x6f Comfort Serenity data");
            status(out, b, FLAGS)?;
            trailing_timestamp(out, b)?;
            let end = b.data_len()?;
            let (mut temp, mut hum, mut co2, mut voc) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            let mut offset = 2;
            while offset < end {
                temp.push(f64::from(b.i16_be(offset)?) / 10.0);
                hum.push(f64::from(b.u8(offset + 2)?));
                co2.push(f64::from(b.u16_be(offset + 3)?));
                voc.push(f64::from(b.u16_be(offset + 5)?));
                offset += 7;
            }
            out.text("decodingInfo", INFO);
            out.series("temperature", "°C", &temp, Some(CEL));
            out.series("humidity", "%", &hum, Some(RH));
            out.series("co2", "ppm", &co2, Some(PPM));
            out.series("voc", VOC_UNIT, &voc, None);
        }
        0x70 => {
            out.kind("0x70 Comfort Serenity alarm");
            status(out, b, FLAGS)?;
            trailing_timestamp(out, b)?;
            let flags = b.u8(2)?;
            out.text("alarmTemperature.alarmStatus", active(flags & 0x10 != 0));
            let t = f64::from(b.i16_be(3)?) / 10.0;
            out.quantity("alarmTemperature.temperature", "°C", t, Some(CEL));
            out.text("alarmHumidity.alarmStatus", active(flags & 0x01 != 0));
            out.quantity("alarmHumidity.humidity", "%", f64::from(b.u8(5)?), Some(RH));
            out.text("alarmCo2.alarmStatus", active(flags & 0x20 != 0));
            out.quantity("alarmCo2.co2", "ppm", f64::from(b.i16_be(6)?), Some(PPM));
            out.text("alarmVoc.alarmStatus", active(flags & 0x40 != 0));
            out.quantity("alarmVoc.voc", VOC_UNIT, f64::from(b.i16_be(8)?), None);
        }
        _ => return decode_co2_family(code, b, out, "Comfort Serenity"),
    }
    Ok(true)
}
