//! Helpers shared by the Dragino formats: fixed-offset big-endian access to a payload, the
//! vendor's number-to-text conventions (`toFixed`, JavaScript number printing), UTC dates and
//! the device-status (fPort 5) reports.

use passerelle_pdk::civil_from_days;
use passerelle_pdk::{FixedBytes, Readings};

use crate::DecodeError;

/// Fixed-offset, bounds-checked, big-endian access to a payload: the pdk's [`FixedBytes`], so
/// a byte past the end is [`DecodeError::TooShort`], never a panic ([`FixedBytes::new`]), or
/// reads as 0 where the vendor decoders read `undefined` ([`FixedBytes::zero_padded`]).
pub type Bytes<'a> = FixedBytes<'a>;

/// The battery word of the Dragino reports that carry one.
pub trait Battery {
    /// The battery word at `i`: bits 13-0 of the big-endian u16, in mV, as volts.
    fn battery(&self, i: usize) -> Result<f64, DecodeError>;
}

impl Battery for Bytes<'_> {
    fn battery(&self, i: usize) -> Result<f64, DecodeError> {
        Ok(f64::from(self.u16_be(i)? & 0x3fff) / 1000.0)
    }
}

/// `value / 10^scale` written with `digits` decimals, as JavaScript's `toFixed(digits)` writes
/// it (`digits >= scale`; computed on the integer, so no binary rounding can creep in).
pub fn fixed(value: i64, scale: u32, digits: u32) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    let div = 10u64.pow(scale);
    let whole = abs / div;
    if digits == 0 {
        return format!("{sign}{whole}");
    }
    let frac = (abs % div) * 10u64.pow(digits.saturating_sub(scale));
    let width = usize::try_from(digits).unwrap_or(0);
    format!("{sign}{whole}.{frac:0width$}")
}

/// A number as JavaScript's `String(x)` writes it, for the values the vendor decoders put in
/// text (`27.81`, `-5`, `1.2`): shortest round-trip digits, no trailing `.0`.
pub fn js_number(x: f64) -> String {
    if x == 0.0 {
        // JavaScript writes -0 as "0".
        return String::from("0");
    }
    format!("{x}")
}

/// UTC date and time of a Unix timestamp in seconds, `YYYY-MM-DD HH:MM:SS` (the vendor
/// decoders' `getMyDate`, which uses the local time zone in some models: we always use UTC).
pub fn datetime(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!("{year}-{month:02}-{day:02} {:02}:{:02}:{:02}", secs / 3600, (secs % 3600) / 60, secs % 60)
}

/// The LoRaWAN region of a Dragino frequency-band code. `with_as923_4` adds code 0x0F
/// (`AS923_4`), which only some decoders know.
pub fn frequency_band(code: u8, with_as923_4: bool) -> Option<&'static str> {
    Some(match code {
        0x01 => "EU868",
        0x02 => "US915",
        0x03 => "IN865",
        0x04 => "AU915",
        0x05 => "KZ865",
        0x06 => "RU864",
        0x07 => "AS923",
        0x08 => "AS923_1",
        0x09 => "AS923_2",
        0x0a => "AS923_3",
        0x0b => "CN470",
        0x0c => "EU433",
        0x0d => "KR920",
        0x0e => "MA869",
        0x0f if with_as923_4 => "AS923_4",
        _ => return None,
    })
}

/// A firmware version `x.y.z` from two bytes: x = low nibble of the first, y and z the nibbles
/// of the second.
pub fn firmware(major: u8, minor: u8) -> String {
    format!("{}.{}.{}", major & 0x0f, minor >> 4, minor & 0x0f)
}

/// The sub-band byte: 0xFF is the text `NULL`, any other value a number.
fn sub_band(out: &mut Readings, name: &str, byte: u8) {
    if byte == 0xff {
        out.text(name, "NULL");
    } else {
        out.plain(name, f64::from(byte));
    }
}

/// The first-generation device-status report (fPort 5 of the LSN50 v2, LT-22222-L):
///
/// | byte | name | value |
/// |---|---|---|
/// | 0 | freq_band | region code ([`frequency_band`], with `AS923_4`; absent if unknown) |
/// | 1 | sub_band | u8, 0xFF = `NULL` |
/// | 2-3 | firm_ver | `x.y.z` ([`firmware`]) |
/// | 4-6 | tdc_time | u24 transmit interval |
pub fn device_status_v1(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    b.require(7)?;
    if let Some(band) = frequency_band(b.u8(0)?, true) {
        out.text("freq_band", band);
    }
    sub_band(out, "sub_band", b.u8(1)?);
    out.text_owned("firm_ver", firmware(b.u8(2)?, b.u8(3)?));
    out.plain("tdc_time", f64::from(b.u24_be(4)?));
    Ok(())
}

/// The second-generation device-status report (fPort 5 of the LDS03A, LWL03A, D2x-LB, CPL01,
/// SW3L and the newer -LB models):
///
/// | byte | name | value |
/// |---|---|---|
/// | 0 | SENSOR_MODEL | the model name when the code is the model's own (absent otherwise) |
/// | 1-2 | FIRMWARE_VERSION | `x.y.z` ([`firmware`]) |
/// | 3 | FREQUENCY_BAND | region code ([`frequency_band`], without `AS923_4`; absent if unknown) |
/// | 4 | SUB_BAND | u8, 0xFF = `NULL` |
/// | 5-6 | BAT | u16 mV, as V |
pub fn device_status_v2(b: &Bytes, out: &mut Readings, sensor: (u8, &str)) -> Result<(), DecodeError> {
    device_status(b, out, sensor, StatusStyle { battery: "BAT", as923_4: false })
}

/// What differs between the vendor decoders of the second-generation status report.
#[derive(Debug, Clone, Copy)]
pub struct StatusStyle {
    /// Name of the battery reading (`BAT`, or `battery` in the -LB decoders).
    pub battery: &'static str,
    /// Whether region code 0x0F (`AS923_4`) is known.
    pub as923_4: bool,
}

/// The second-generation device-status report ([`device_status_v2`]) with the battery name
/// and the region table of `style`.
pub fn device_status(
    b: &Bytes,
    out: &mut Readings,
    sensor: (u8, &str),
    style: StatusStyle,
) -> Result<(), DecodeError> {
    b.require(7)?;
    if b.u8(0)? == sensor.0 {
        out.text("SENSOR_MODEL", sensor.1);
    }
    sub_band(out, "SUB_BAND", b.u8(4)?);
    if let Some(band) = frequency_band(b.u8(3)?, style.as923_4) {
        out.text("FREQUENCY_BAND", band);
    }
    out.text_owned("FIRMWARE_VERSION", firmware(b.u8(1)?, b.u8(2)?));
    out.number(style.battery, f64::from(b.u16_be(5)?) / 1000.0, "V");
    Ok(())
}

/// The `size`-byte records of a datalog, the last one read with its missing bytes as 0 (the
/// vendor decoders read past the end as `undefined`, which their bit operations take as 0).
pub fn records<'b>(b: &'b Bytes<'_>, size: usize) -> impl Iterator<Item = Bytes<'b>> + 'b {
    let all = b.as_slice();
    (0..all.len())
        .step_by(size.max(1))
        .map(move |start| Bytes::zero_padded(all.get(start..).unwrap_or_default(), size))
}

/// `numerator / denominator` written with one decimal as JavaScript's `toFixed(1)` writes the
/// double nearest the quotient: a half the double holds exactly (0.25, 1.75) rounds up, any
/// other quotient to the tenth nearest its double (`denominator` 0 is taken as 1).
pub fn ratio_fixed1(numerator: u64, denominator: u64) -> f64 {
    let twenty = u128::from(numerator) * 20;
    let d = u128::from(denominator.max(1));
    let halves = twenty / d;
    if twenty % d == 0 && halves % 2 == 1 && halves % 5 == 0 {
        // k + 0.5 tenths held exactly by the double (a multiple of 1/4): JavaScript picks the
        // larger candidate, Rust's formatting the even one.
        return halves.div_ceil(2) as f64 / 10.0;
    }
    let text = format!("{:.1}", numerator as f64 / denominator.max(1) as f64);
    text.parse().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::{datetime, fixed, js_number};

    #[test]
    fn fixed_matches_to_fixed() {
        assert_eq!(fixed(241, 1, 1), "24.1");
        assert_eq!(fixed(2799, 1, 2), "279.90");
        assert_eq!(fixed(1957, 2, 2), "19.57");
        assert_eq!(fixed(5, 2, 2), "0.05");
        assert_eq!(fixed(-5, 1, 1), "-0.5");
        assert_eq!(fixed(-32767, 2, 2), "-327.67");
        assert_eq!(fixed(0, 2, 2), "0.00");
    }

    #[test]
    fn dates_are_utc() {
        assert_eq!(datetime(0), "1970-01-01 00:00:00");
        assert_eq!(datetime(1_667_027_698), "2022-10-29 07:14:58");
        assert_eq!(datetime(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(datetime(-1), "1969-12-31 23:59:59");
        assert_eq!(datetime(i64::from(i32::MIN)), "1901-12-13 20:45:52");
    }

    #[test]
    fn ratios_round_like_to_fixed() {
        use super::ratio_fixed1;
        assert_eq!(ratio_fixed1(1, 4), 0.3);
        assert_eq!(ratio_fixed1(3, 4), 0.8);
        assert_eq!(ratio_fixed1(7, 20), 0.3);
        assert_eq!(ratio_fixed1(900, 450), 2.0);
        assert_eq!(ratio_fixed1(100, 60), 1.7);
        assert_eq!(ratio_fixed1(0, 360), 0.0);
    }

    #[test]
    fn numbers_print_like_javascript() {
        assert_eq!(js_number(27.81), "27.81");
        assert_eq!(js_number(28.0), "28");
        assert_eq!(js_number(-0.0), "0");
        assert_eq!(js_number(-5.5), "-5.5");
    }
}
