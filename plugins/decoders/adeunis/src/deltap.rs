//! DELTA P (differential pressure, with a 0-10 V input): `deltap`.
//!
//! Status byte: bit 3 = configuration inconsistency.
//!
//! | code | frame | layout after the status byte |
//! |---|---|---|
//! | `0x10` | configuration | keep-alive u16 x 10 s, history count u16, samples per point u16, sampling period u16 x 2 s |
//! | `0x11` | 0-10 V configuration | samples per point u16, sampling period u16 x 2 s, history count u16 |
//! | `0x2f` | downlink ack | request status u8 |
//! | `0x53` | periodic data | differential pressure i16 Pa per point, newest first |
//! | `0x54` | alarm | alarm u8, differential pressure i16 Pa |
//! | `0x55` | periodic 0-10 V | voltage i16 mV per point |
//! | `0x56` | alarm 0-10 V | alarm u8, voltage i16 mV |
//! | `0x1f`, `0x20`, `0x30`, `0x33`, `0x51`, `0x52` | generic | see [`crate::common::Generic`] |

use crate::common::{
    Bytes, Generic, Handled, Out, SEC, StatusFlags, ack_status, active, sampling_counts, status,
};
use passerelle_pdk::decoder::DecodeError;

/// Model ids of this product.
pub const MODELS: &[&str] = &["deltap"];

const FLAGS: StatusFlags = &[("configurationInconsistency", 0x08)];

const GENERIC: Generic = Generic {
    inputs_config: true,
    network: Some(true),
    ack: false,
    keep_alive: true,
    register: true,
    alert: false,
    version: false,
    input_alarms: true,
};

const INFO: &str = "values: [t=0, t-1, t-2, ...]";
const PA: &str = "Pa";
const MV: &str = "mV";

/// Decodes a DELTA P frame of code `code`.
pub fn decode(code: u8, b: &Bytes, out: &mut Out) -> Handled {
    match code {
        0x10 => {
            out.kind("0x10 Delta P configuration");
            status(out, b, FLAGS)?;
            let keep_alive = f64::from(b.u16_be(2)?) * 10.0;
            out.quantity("transmissionPeriodKeepAlive", "s", keep_alive, Some(SEC));
            sampling_counts(out, b, 4, 6, 8)?;
        }
        0x11 => {
            out.kind("0x11 Delta P 0-10V configuration");
            status(out, b, FLAGS)?;
            sampling_counts(out, b, 6, 2, 4)?;
        }
        0x2f => {
            out.kind("0x2f Delta P Downlink ack");
            status(out, b, FLAGS)?;
            out.text("requestStatus", ack_status(b.u8(2)?));
        }
        0x53 => {
            out.kind("0x53 Delta P periodic data");
            status(out, b, FLAGS)?;
            out.text("decodingInfo", INFO);
            out.series("deltaPressure", "pa", &words(b)?, Some(PA));
        }
        0x54 => {
            out.kind("0x54 Delta P alarm");
            status(out, b, FLAGS)?;
            out.text("alarmStatus", active(b.u8(2)? != 0));
            let p = f64::from(b.i16_be(3)?);
            out.quantity("deltaPressure", "pa", p, Some(PA));
        }
        0x55 => {
            out.kind("0x55 Delta P - periodic 0-10 V");
            status(out, b, FLAGS)?;
            out.text("decodingInfo", INFO);
            out.series("voltage", "mV", &words(b)?, Some(MV));
        }
        0x56 => {
            out.kind("0x56 Delta P - alarm 0-10 V");
            status(out, b, FLAGS)?;
            out.text("alarmStatus", active(b.u8(2)? != 0));
            let v = f64::from(b.i16_be(3)?);
            out.quantity("voltage", "mV", v, Some(MV));
        }
        _ => return GENERIC.decode(code, b, out, FLAGS),
    }
    Ok(true)
}

/// The signed 16-bit words from offset 2 to the end (these frames carry no timestamp).
fn words(b: &Bytes) -> Result<Vec<f64>, DecodeError> {
    let mut values = Vec::new();
    let mut offset = 2;
    while offset < b.len() {
        values.push(f64::from(b.i16_be(offset)?));
        offset += 2;
    }
    Ok(values)
}
