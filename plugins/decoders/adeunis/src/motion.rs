//! MOTION (presence and luminosity): `motion`.
//!
//! Status byte: bit 3 = configuration inconsistency.
//!
//! | code | frame | layout after the status byte |
//! |---|---|---|
//! | `0x10` | configuration | keep-alive u16 x 10 s, history count u16, samples per point u16, sampling period u16 x 2 s, detector inhibition u16 x 10 s |
//! | `0x4e` | data (counter firmware) | global counter u16, then (counter i16, luminosity u8 %) per point |
//! | `0x4f` | presence alarm (counter firmware) | global counter u16, counter u16 |
//! | `0x50` | luminosity alarm | alarm u8, luminosity u8 % |
//! | `0x5c` | data (presence firmware) | presence when sending u8, then (presence u8 %, luminosity u8 %) per point |
//! | `0x5d` | presence alarm (presence firmware) | alarm u8, luminosity u8 % |

use crate::common::{Bytes, COUNT, Handled, Out, PCT, SEC, StatusFlags, active, sampling_counts, status};

/// Model ids of this product.
pub const MODELS: &[&str] = &["motion"];

const FLAGS: StatusFlags = &[("configurationInconsistency", 0x08)];

/// Decodes a MOTION frame of code `code`.
pub fn decode(code: u8, b: &Bytes, out: &mut Out) -> Handled {
    match code {
        0x10 => {
            out.kind("0x10 Motion configuration");
            status(out, b, FLAGS)?;
            let keep_alive = f64::from(b.u16_be(2)?) * 10.0;
            out.quantity("transmissionPeriodKeepAlive", "s", keep_alive, Some(SEC));
            sampling_counts(out, b, 4, 6, 8)?;
            let inhibition = f64::from(b.u16_be(10)?) * 10.0;
            out.quantity("presenceDetectorInhibition", "s", inhibition, Some(SEC));
        }
        0x4e => {
            out.kind("0x4e Motion data");
            status(out, b, FLAGS)?;
            out.num("globalCounterValue", f64::from(b.u16_be(2)?), Some(COUNT));
            let (mut counters, mut light) = (Vec::new(), Vec::new());
            let mut offset = 4;
            while offset < b.len() {
                counters.push(f64::from(b.i16_be(offset)?));
                light.push(f64::from(b.u8(offset + 2)?));
                offset += 3;
            }
            out.text("decodingInfo", "counterValues/values: [t=0, t-1, t-2, ...]");
            out.list("counterValues", &counters, Some(COUNT));
            out.series("luminosity", "%", &light, Some(PCT));
        }
        0x4f => {
            out.kind("0x4f Motion presence alarm");
            status(out, b, FLAGS)?;
            let global = f64::from(b.u16_be(2)?);
            out.num("alarmPresence.globalCounterValue", global, Some(COUNT));
            let counter = f64::from(b.u16_be(4)?);
            out.num("alarmPresence.counterValue", counter, Some(COUNT));
        }
        0x50 | 0x5d => {
            let (kind, path) = if code == 0x50 {
                ("0x50 Motion luminosity alarm", "alarmLuminosity")
            } else {
                ("0x5d Motion presence alarm", "alarmPresence")
            };
            out.kind(kind);
            status(out, b, FLAGS)?;
            out.text(&format!("{path}.alarmStatus"), active(b.u8(2)? != 0));
            let light = f64::from(b.u8(3)?);
            out.quantity(&format!("{path}.luminosity"), "%", light, Some(PCT));
        }
        0x5c => {
            out.kind("0x5c Motion data");
            status(out, b, FLAGS)?;
            out.flag("presenceDetectedWhenSending", b.u8(2)? != 0);
            let (mut presence, mut light) = (Vec::new(), Vec::new());
            let mut offset = 3;
            while offset < b.len() {
                presence.push(f64::from(b.u8(offset)?));
                light.push(f64::from(b.u8(offset + 1)?));
                offset += 2;
            }
            out.text("decodingInfo", "values: [t=0, t-1, t-2, ...]");
            out.series("presence", "%", &presence, Some(PCT));
            out.series("luminosity", "%", &light, Some(PCT));
        }
        _ => return Ok(false),
    }
    Ok(true)
}
