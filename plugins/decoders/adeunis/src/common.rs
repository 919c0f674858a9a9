//! Pieces shared by every Adeunis product: bounds-checked random access to the frame, the
//! reading writer (every name under `bytes.`), the status byte, the timestamp, and the generic
//! frames several products answer with (`0x1f`, `0x20`, `0x2f`, `0x30`, `0x33`, `0x36`, `0x37`,
//! `0x51`, `0x52`).
//!
//! The vendor decoders read fields at fixed offsets of the whole frame. [`Bytes`] (the pdk's
//! [`FixedBytes`]) does the same, so a field past the end gives `DecodeError::TooShort` where
//! the vendor's JavaScript would produce `NaN` or `undefined`.

use passerelle_pdk::civil_from_days;
use passerelle_pdk::decoder::{DecodeError, Reading};
use passerelle_pdk::{FixedBytes, Readings};

/// SenML unit of a Celsius temperature.
pub const CEL: &str = "Cel";
/// SenML unit of a relative humidity.
pub const RH: &str = "%RH";
/// SenML unit of a plain percentage.
pub const PCT: &str = "%";
/// SenML unit of a duration in seconds.
pub const SEC: &str = "s";
/// SenML unit of a duration in minutes (the vendor writes `m` for minutes).
pub const MIN: &str = "min";
/// SenML unit of a duration in hours.
pub const HOUR: &str = "h";
/// Unit of a duration in milliseconds.
pub const MS: &str = "ms";
/// SenML unit of a CO2 concentration.
pub const PPM: &str = "ppm";
/// Unit of a counter.
pub const COUNT: &str = "count";

/// A frame, read at absolute offsets as the vendor decoders do (a read past the end is an
/// error: build it with [`FixedBytes::new`]).
pub type Bytes<'a> = FixedBytes<'a>;

/// The Adeunis frame header and trailer, read from a [`Bytes`].
pub trait AdeunisFrame {
    /// The low 24 bits of the big-endian 32-bit word at `offset` (bytes `offset + 1 ..= offset + 3`).
    fn u24_of_word(&self, offset: usize) -> Result<u32, DecodeError>;

    /// The status byte (second byte of every frame).
    fn status(&self) -> Result<u8, DecodeError>;

    /// True when the status byte announces a trailing timestamp (bit 2).
    fn has_timestamp(&self) -> Result<bool, DecodeError>;

    /// Length of the frame without its trailing 4-byte timestamp, when it has one.
    fn data_len(&self) -> Result<usize, DecodeError>;
}

impl AdeunisFrame for Bytes<'_> {
    fn u24_of_word(&self, offset: usize) -> Result<u32, DecodeError> {
        Ok(self.u32_be(offset)? & 0x00ff_ffff)
    }

    fn status(&self) -> Result<u8, DecodeError> {
        self.u8(1)
    }

    fn has_timestamp(&self) -> Result<bool, DecodeError> {
        Ok(self.status()? & 0x04 != 0)
    }

    fn data_len(&self) -> Result<usize, DecodeError> {
        Ok(if self.has_timestamp()? { self.len().saturating_sub(4) } else { self.len() })
    }
}

/// Collects the readings of one frame, each named under `bytes.` as the vendor decoders nest
/// their output (`bytes.status.frameCounter`).
#[derive(Debug, Default)]
pub struct Out {
    readings: Readings,
}

impl Out {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    fn name(path: &str) -> String {
        format!("bytes.{path}")
    }

    /// A text reading.
    pub fn text(&mut self, path: &str, value: &str) {
        self.readings.text(&Self::name(path), value);
    }

    /// A boolean reading.
    pub fn flag(&mut self, path: &str, value: bool) {
        self.readings.boolean(&Self::name(path), value);
    }

    /// A numeric reading, with its SenML unit when it has one.
    pub fn num(&mut self, path: &str, value: f64, unit: Option<&str>) {
        match unit {
            Some(unit) => self.readings.number(&Self::name(path), value, unit),
            None => self.readings.plain(&Self::name(path), value),
        }
    }

    /// A `{unit, value}` object of the vendor output: `<path>.unit` (the vendor's unit text)
    /// and `<path>.value` (the number, with its SenML unit when it has one).
    pub fn quantity(&mut self, path: &str, vendor_unit: &str, value: f64, unit: Option<&str>) {
        self.text(&format!("{path}.unit"), vendor_unit);
        self.num(&format!("{path}.value"), value, unit);
    }

    /// A `{unit, values: [...]}` object: `<path>.unit` and `<path>.values.<i>`.
    pub fn series(&mut self, path: &str, vendor_unit: &str, values: &[f64], unit: Option<&str>) {
        self.text(&format!("{path}.unit"), vendor_unit);
        self.list(&format!("{path}.values"), values, unit);
    }

    /// An array of numbers: `<path>.<i>`.
    pub fn list(&mut self, path: &str, values: &[f64], unit: Option<&str>) {
        for (i, v) in values.iter().enumerate() {
            self.num(&format!("{path}.{i}"), *v, unit);
        }
    }

    /// The frame-type text (`bytes.type`), first reading of every frame.
    pub fn kind(&mut self, text: &str) {
        self.text("type", text);
    }

    /// The readings collected.
    pub fn finish(self) -> Vec<Reading> {
        self.readings.into_vec()
    }
}

/// What a product's frame table returns: `Ok(true)` when it knew the frame code and decoded the
/// frame, `Ok(false)` for a frame code it does not define.
pub type Handled = Result<bool, DecodeError>;

/// The status-byte flags a product adds to the common ones, as (name, bit mask) in vendor order.
pub type StatusFlags = &'static [(&'static str, u8)];

/// The common status fields of byte 1 (`frameCounter` = bits 7-5, `hardwareError` always false,
/// `lowBattery` = bit 1, `configurationDone` = bit 0), then the product's own `flags`.
pub fn status(out: &mut Out, b: &Bytes, flags: StatusFlags) -> Result<(), DecodeError> {
    let s = b.status()?;
    out.num("status.frameCounter", f64::from((s & 0xe0) >> 5), None);
    out.flag("status.hardwareError", false);
    out.flag("status.lowBattery", s & 0x02 != 0);
    out.flag("status.configurationDone", s & 0x01 != 0);
    for (name, mask) in flags {
        out.flag(&format!("status.{name}"), s & mask != 0);
    }
    Ok(())
}

/// Seconds from the Unix epoch to 2013-01-01T00:00:00Z, the origin of Adeunis timestamps.
pub const EPOCH_2013: i64 = 1_356_998_400;

/// The UTC date and time of an Adeunis timestamp (seconds since 2013-01-01) as the vendor
/// prints it: ISO 8601 with milliseconds and no zone (`2023-12-28T19:22:17.000`).
pub fn format_timestamp(seconds_since_2013: u32) -> String {
    let unix = i64::from(seconds_since_2013) + EPOCH_2013;
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// Writes `bytes.timestamp` from the 32-bit timestamp at `offset`, when the status byte
/// announces one.
pub fn timestamp_at(out: &mut Out, b: &Bytes, offset: usize) -> Result<(), DecodeError> {
    if b.has_timestamp()? {
        out.text("timestamp", &format_timestamp(b.u32_be(offset)?));
    }
    Ok(())
}

/// Writes `bytes.timestamp` from the frame's last four bytes, when the status byte announces one.
pub fn trailing_timestamp(out: &mut Out, b: &Bytes) -> Result<(), DecodeError> {
    // A frame shorter than 4 bytes fails reading the 4 bytes at offset 0.
    timestamp_at(out, b, b.len().saturating_sub(4))
}

/// `value` rounded to `digits` decimals exactly as JavaScript's `parseFloat(value.toFixed(digits))`
/// does: from the exact binary value, a tie going to the larger candidate (unlike Rust's
/// formatting, which rounds ties to even). For finite non-negative values; others are rounded
/// with [`f64::round`].
pub fn js_to_fixed(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    if !value.is_finite() || value < 0.0 || !(0..=9).contains(&digits) {
        return (value * scale).round() / scale;
    }
    let bits = value.to_bits();
    let biased = i32::try_from((bits >> 52) & 0x7ff).unwrap_or(0);
    let fraction = u128::from(bits & ((1u64 << 52) - 1));
    let (mantissa, exponent) =
        if biased == 0 { (fraction, -1074) } else { (fraction | (1u128 << 52), biased - 1075) };
    let scaled = mantissa * 10u128.pow(digits.unsigned_abs());
    if exponent >= 0 {
        // Already an integer.
        return value;
    }
    let shift = exponent.unsigned_abs();
    let n = if shift > 100 {
        0
    } else {
        let q = scaled >> shift;
        let rem = scaled - (q << shift);
        q + u128::from(rem >= 1u128 << (shift - 1))
    };
    // For the magnitudes decoded here (24-bit values) n < 2^53: the conversion is exact and
    // the division correctly rounded, as `parseFloat` of the decimal text would be.
    (n as f64) / scale
}

/// `"active"` or `"inactive"`, the vendor's alarm-status text.
pub fn active(flag: bool) -> &'static str {
    if flag { "active" } else { "inactive" }
}

/// The product-mode text of a configuration byte.
pub fn product_mode(value: u8) -> &'static str {
    match value {
        0 => "PARK",
        1 => "PRODUCTION",
        2 => "TEST",
        3 => "DEAD",
        _ => "",
    }
}

/// The request-status text of a downlink acknowledgement (`0x2f`).
pub fn ack_status(value: u8) -> &'static str {
    match value {
        1 => "success",
        2 => "errorGeneric",
        3 => "errorWrongState",
        4 => "errorInvalidRequest",
        _ => "errorOtherReason",
    }
}

/// The periodic-measurement configuration block that TEMP 4, COMFORT 2 and ANALOG V2 `0x10`
/// frames share: keep-alive period, history and sampling counts, sampling period, redundant
/// samples and the two derived periods.
pub fn sampling_config(out: &mut Out, b: &Bytes, redundant: bool) -> Result<(), DecodeError> {
    let keep_alive = f64::from(b.u16_be(2)?);
    out.quantity("transmissionPeriodKeepAlive", "s", keep_alive * 10.0, Some(SEC));
    sampling_counts(out, b, 4, 6, 8)?;
    if redundant {
        out.num("redundantSamples", f64::from(b.u8(10)?), None);
    }
    Ok(())
}

/// History count (u16 at `hist`), samples per history point (u16 at `samples`), sampling period
/// (u16 at `period` in 2 s) and the derived recording and sending periods.
pub fn sampling_counts(
    out: &mut Out,
    b: &Bytes,
    hist: usize,
    samples: usize,
    period: usize,
) -> Result<(), DecodeError> {
    let h = f64::from(b.u16_be(hist)?);
    let n = f64::from(b.u16_be(samples)?);
    let p = f64::from(b.u16_be(period)?);
    out.num("numberOfHistorizationBeforeSending", h, None);
    out.num("numberOfSamplingBeforeHistorization", n, None);
    out.quantity("samplingPeriod", "s", p * 2.0, Some(SEC));
    out.quantity("calculatedPeriodRecording", "s", p * n * 2.0, Some(SEC));
    out.quantity("calculatedSendingPeriod", "s", p * n * h * 2.0, Some(SEC));
    Ok(())
}

/// Which generic frames a product answers to and how.
#[derive(Debug, Clone, Copy, Default)]
pub struct Generic {
    /// `0x1f` digital input configuration.
    pub inputs_config: bool,
    /// `0x20` network configuration; `Some(true)` also decodes the duty-cycle and class bits
    /// (every product but the ANALOG).
    pub network: Option<bool>,
    /// `0x2f` downlink acknowledgement.
    pub ack: bool,
    /// `0x30` bare keep-alive.
    pub keep_alive: bool,
    /// `0x33` set-register status.
    pub register: bool,
    /// `0x36` alert message.
    pub alert: bool,
    /// `0x37` software version.
    pub version: bool,
    /// `0x51` / `0x52` digital input alarms.
    pub input_alarms: bool,
}

impl Generic {
    /// Decodes `code` when it is one of the generic frames this product answers to; the status
    /// byte is written first with `flags`.
    pub fn decode(self, code: u8, b: &Bytes, out: &mut Out, flags: StatusFlags) -> Handled {
        match code {
            0x1f if self.inputs_config => {
                out.kind("0x1f digital input configuration");
                status(out, b, flags)?;
                digital_input_config(out, b, "digitalInput1", 2)?;
                digital_input_config(out, b, "digitalInput2", 5)?;
            }
            0x20 => match self.network {
                Some(extended) => {
                    out.kind("0x20 Configuration");
                    status(out, b, flags)?;
                    network_config(out, b, extended)?;
                }
                None => return Ok(false),
            },
            0x2f if self.ack => {
                out.kind("0x2f Downlink ack");
                status(out, b, flags)?;
                out.text("downlinkFramecode", &format!("0x{:x}", b.u8(2)?));
                out.text("requestStatus", ack_status(b.u8(3)?));
            }
            0x30 if self.keep_alive => {
                out.kind("0x30 Keep alive");
                status(out, b, flags)?;
            }
            0x33 if self.register => {
                out.kind("0x33 Set register status");
                status(out, b, flags)?;
                out.text("requestStatus", register_status(b.u8(2)?));
                out.num("registerId", f64::from(b.u16_be(3)?), None);
            }
            0x36 if self.alert => {
                out.kind("0x36 Alert message");
                status(out, b, flags)?;
                match b.u8(2)? {
                    0 => out.text("alertCode", "normalState"),
                    1 => out.text("alertCode", "uplinkDownlinkForbidden"),
                    _ => {}
                }
            }
            0x37 if self.version => {
                out.kind("0x37 Software version");
                status(out, b, flags)?;
                let v = |o: usize| -> Result<String, DecodeError> {
                    Ok(format!("{}.{}.{}", b.u8(o)?, b.u8(o + 1)?, b.u8(o + 2)?))
                };
                out.text("appVersion", &v(2)?);
                out.text("rtuVersion", &v(5)?);
            }
            0x51 | 0x52 if self.input_alarms => {
                out.kind(if code == 0x51 {
                    "0x51 digital input 1 alarm"
                } else {
                    "0x52 digital input 2 alarm"
                });
                status(out, b, flags)?;
                timestamp_at(out, b, 9)?;
                let state = b.u8(2)?;
                out.flag("state.previousFrame", state & 0x02 != 0);
                out.flag("state.current", state & 0x01 != 0);
                out.num("counter.global", f64::from(b.u32_be(3)?), Some(COUNT));
                out.num("counter.instantaneous", f64::from(b.u16_be(7)?), Some(COUNT));
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// The `0x20` network configuration: its meaning depends on the frame length (4 bytes LoRaWAN,
/// 3 or 5 bytes Sigfox); any other length only sets `partialDecoding` to 1 (missing network),
/// as the vendor decoder does.
fn network_config(out: &mut Out, b: &Bytes, extended: bool) -> Result<(), DecodeError> {
    match b.len() {
        4 => {
            let cfg = b.u8(2)?;
            out.flag("loraAdr", cfg & 0x01 != 0);
            out.text("loraProvisioningMode", if b.u8(3)? == 0 { "ABP" } else { "OTAA" });
            if extended {
                // `loraDutycyle` is the vendor's spelling.
                let duty = if cfg & 0x04 != 0 { "activated" } else { "deactivated" };
                out.text("loraDutycyle", duty);
                let class = if cfg & 0x20 != 0 { "CLASS C" } else { "CLASS A" };
                out.text("loraClassMode", class);
            }
        }
        3 | 5 => {
            out.num("sigfoxRetry", f64::from(b.u8(2)? & 0x03), None);
            if b.len() == 5 {
                out.quantity("sigfoxDownlinkPeriod", "m", f64::from(b.i16_be(3)?), Some(MIN));
            }
        }
        _ => out.num("partialDecoding", 1.0, None),
    }
    Ok(())
}

fn register_status(value: u8) -> &'static str {
    match value {
        1 => "success",
        2 => "successNoUpdate",
        3 => "errorCoherency",
        4 => "errorInvalidRegister",
        5 => "errorInvalidValue",
        6 => "errorTruncatedValue",
        7 => "errorAccesNotAllowed",
        _ => "errorOtherReason",
    }
}

/// One digital input of a `0x1f` frame: edge type (low nibble), debouncing period (high nibble)
/// and a 16-bit threshold.
fn digital_input_config(out: &mut Out, b: &Bytes, name: &str, offset: usize) -> Result<(), DecodeError> {
    let cfg = b.u8(offset)?;
    let edge = match cfg & 0x0f {
        0 => "deactivated",
        1 => "highEdge",
        2 => "lowEdge",
        3 => "bothEdges",
        _ => "",
    };
    out.text(&format!("{name}.type"), edge);
    // The vendor table maps code 3 to 500 ms (50 ms would follow the sequence); kept as is.
    let debounce = match cfg >> 4 {
        1 => 10.0,
        2 => 20.0,
        3 => 500.0,
        4 => 100.0,
        5 => 200.0,
        6 => 500.0,
        7 => 1000.0,
        8 => 2000.0,
        9 => 5000.0,
        10 => 10_000.0,
        11 => 20_000.0,
        12 => 40_000.0,
        13 => 60_000.0,
        14 => 300_000.0,
        15 => 600_000.0,
        _ => 0.0,
    };
    out.quantity(&format!("{name}.debouncingPeriod"), "ms", debounce, Some(MS));
    out.num(&format!("{name}.threshold"), f64::from(b.u16_be(offset + 1)?), None);
    Ok(())
}

/// The `(value, unit)` of a 4-bit debounce code in the DRY CONTACTS and ANALOG configuration
/// frames (`m` means minutes). `last` is the value of code 15, which the ANALOG table lacks.
pub fn debounce(code: u8, last: (f64, &'static str)) -> (f64, &'static str) {
    match code {
        1 => (10.0, "ms"),
        2 => (20.0, "ms"),
        3 => (50.0, "ms"),
        4 => (100.0, "ms"),
        5 => (200.0, "ms"),
        6 => (500.0, "ms"),
        7 => (1.0, "s"),
        8 => (2.0, "s"),
        9 => (5.0, "s"),
        10 => (10.0, "s"),
        11 => (20.0, "s"),
        12 => (40.0, "s"),
        13 => (60.0, "s"),
        14 => (5.0, "m"),
        15 => last,
        _ => (0.0, "s"),
    }
}

/// The SenML unit of a vendor duration unit (`m` is minutes in Adeunis outputs).
pub fn duration_unit(vendor: &str) -> Option<&'static str> {
    match vendor {
        "ms" => Some(MS),
        "s" => Some(SEC),
        "m" | "min" => Some(MIN),
        "h" => Some(HOUR),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{format_timestamp, js_to_fixed};

    #[test]
    fn timestamps_are_utc_since_2013() {
        assert_eq!(format_timestamp(0), "2013-01-01T00:00:00.000");
        assert_eq!(format_timestamp(0x14ab_a3e9), "2023-12-28T19:22:17.000");
        assert_eq!(format_timestamp(u32::MAX), "2149-02-07T06:28:15.000");
    }

    #[test]
    fn to_fixed_matches_javascript() {
        assert_eq!(js_to_fixed(1.048_576, 3), 1.049);
        assert_eq!(js_to_fixed(10.485_76, 3), 10.486);
        // 1.0005 and 4500 µV are stored just below the tie: JavaScript rounds them down.
        assert_eq!(js_to_fixed(1.0005, 3), 1.0);
        assert_eq!(js_to_fixed(4500.0 / 1e6, 3), 0.004);
        assert_eq!(js_to_fixed(0.0105, 3), 0.011);
        assert_eq!(js_to_fixed(2.0005, 3), 2.001);
        // 0.0625 is an exact tie: JavaScript takes the larger candidate.
        assert_eq!(js_to_fixed(0.0625, 3), 0.063);
        assert_eq!(js_to_fixed(0.0, 3), 0.0);
        assert_eq!(js_to_fixed(16.777_215, 3), 16.777);
    }
}
