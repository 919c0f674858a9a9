//! Passerelle decoder plugin for Netvox LoRaWAN sensors, plugs and relays (R311 / R312 / R315 /
//! R711 / R718 / R720 / R726 / R730 / R809 / R816 / R831 / RA02 / RA07 / RA10 / RB02 / RB11
//! families).
//!
//! Netvox frames are fixed, mostly 11 bytes, and carry the sending device's type in byte 1, so
//! the frame itself says which field layout follows ([`device::DEVICES`]). The fPort says what
//! kind of frame it is:
//!
//! | fPort | byte 0 | byte 1 | byte 2 | bytes 3.. |
//! |---|---|---|---|---|
//! | 6 | version | device type | `00` version report | `SWver` (/10), `HWver`, `Datecode` (4 bytes, hex digits) |
//! | 6 | version | device type | report type (`01`..) | battery (/10 V, bit 7 low), then the layout's fields |
//! | 7 | `81` ConfigReportRsp | device type | status (`00` Success) | - |
//! | 7 | `82` ReadConfigReportRsp | device type | `MinTime` u16 s | `MaxTime` u16 s, then the layout's thresholds |
//! | 7 | `83`..`8E` (family commands) | device type | status / value | - |
//! | 13 | `81` / `82` button press time (RB02I, R718T, R312, R312A) | status / `PressTime` | | |
//! | 33 | R211 IR command responses ([`ir`]) | | | |
//! | 14 | `81`..`83` global calibration (R718B2, R718CK, ...) | sensor type | channel - 1 | multiplier, divisor, delta |
//!
//! Status-report fields after the battery byte, per layout ([`device::Layout`]), all
//! big-endian:
//!
//! | layout | devices | fields |
//! |---|---|---|
//! | contact | R311A, R718F, R730F | `OnOff` u8 |
//! | status | R718DA, R718DB, R718J, R718LB, R718MBA, R311FA, R311DA, R311DB, R718Q(A), R720F, R730xx | `status` u8 |
//! | alarm | RB02I, R718T, R312A / R312 | `Alarm` u8 / `Doorbell` u8 |
//! | distance | R311LA | `Status` ON/OFF, `RawSenseData` u16 |
//! | temp-humi | R711(R712), R718A, R718AB, R720A | `Temp` i16 /100 °C, `Humi` u16 /100 %RH |
//! | temp | R718CJ, R718CK, R718CT, R718CN, R718CE, R718B | `Temp` i16 /10 °C |
//! | two-temp | R718B2, R718CK2, R718CT2, R718CN2, R730CK2, R730CT2 | `Temp1`, `Temp2` i16 /10 °C |
//! | light | R311G, R311B | `Illuminance` u16 lux |
//! | leak | R311W / R718WA, R718WB | `WaterLeak_1`, `WaterLeak_2` / `WaterLeak` (Leak, NoLeak) |
//! | leak inputs | R311WA | `Status_1`, `Status_2` (ON, OFF) |
//! | current | R718N1 | `Current` u16 mA, `Multiplier` u8 |
//! | three-phase | R718N3 | type 1: `Current1..3` u16 mA, `Multiplier1`; type 2: `Multiplier2`, `Multiplier3`; type 3: currents + 2-bit multiplier codes (1, 5, 10, 100); type 4: low / high current alarm bits |
//! | current-light | R718NL1 | `Current` u16 mA, `Multiplier` u8, `Illuminance` i32 lux |
//! | pulse | R718H / R718H2 | `PulseCount` u16 / `PulseCount1`, `PulseCount2` |
//! | keys | RB02B, RB02C / R718T2 | `Key_1`..`Key_3` / `Alarm1`, `Alarm2` u8 |
//! | power plug (no battery) | R809A, R816B | type 1: `OnOff`, `Energy` i32, three alarms; other types: `Vol` V, `Current` mA, `Power` W |
//! | relay (no battery) | R831A, R831B / R831C / R831D | `MotorStatus` / `Relay_1..3` / plus `Input_1..3` |
//! | valve (no battery) | RA10 | `OnOff` |
//! | occupancy | RB11E | `Temp` i16 /100, `Illuminance` u16, `Occupy`, `DisassembledAlarm` |
//! | work count / duration | R311FB, R718MBB, R730MBB / R311FC, R718MBC, R730MBC | `WorkCount` / `WorkDurationTime` i32 |
//! | two-status | R718DA2, R718DB2, R718F2, R718J2, R718LB2, R311CA, R311CB, R311CC, R730xx2 | `status1`, `status2` u8 |
//! | multi-sensor | R315 (R31501..R31510) | type 1: `FunctionEnable`, `BinarySensorReport` (binary strings), `Temp`, `Humi` u8 x 0.5; type 2: `Illuminance` |
//! | station | RA07 / RA07**Y / R726 series | 16 report types of three probe values ([`air`]) |
//! | particulate | RA0716, R72616(A), R72716 | `Temp`, `Humi`, `PM25` |
//! | TVOC | R720E | `TVOC_VOC`, `Temp`, `Humi`, `SensorUnit` |
//! | CO2 multi-sensor | R718UBB, R718UBD | type 1 `Temp`, `Humi`, `CO2`, `ShockEvent`; type 2 `AirPressure`, `Illuminance`; type 3 `PM2_5`, `PM10`, `TVOC` |
//! | safety alarm | RA02A / RA02C | `FireAlarm` / `COAlarm`, `HighTempAlarm`, RA02A `Temp` i16 /10 |
//! | fine temperature | R711A, R718AD, R720D | `Temp` i16 /100 |
//! | temp-humi + flag | R720B / R718WAA, R718WBA | temp-humi, then `Alarm` / `Status` (ON, OFF) |
//! | pressure | R720C | `AirPressure` /100 hPa, `Temp` i16 /100 |
//! | differential pressure | R718Y | `DiffPressure` i16 /10 Pa, `Temp` i16 /10 |
//! | flush tank | R720FLT | `ReplenishWaterCount` i32, `FaultAlarm`, `TankLeakAlarm` |
//! | wide light | R718G | `Illuminance` i32 (battery byte without the low flag) |
//! | three-phase light | R718NL3 | type 1 `Current1..3`, `Multiplier1`; type 2 `Multiplier2`, `Multiplier3`, `Illuminance` i32 |
//! | three channels | R718N360 | type 1 battery + `Channel_A` i32; type 2 (no battery) `Channel_B`, `Channel_C` i32 |
//!
//! fPort 7 also carries each family's own command responses (`83`.. ): switch type (R831),
//! IR disable time (RB11E), PIR / shock / alarm / dry-contact / restore settings (R315),
//! TVOC baseline (R720E), alarm threshold (RA02C), sunlight range (R718G), CO2 calibration and
//! shock sensitivity (R718UB series).
//!
//! Reading names, values and text states follow the vendor's reference decoders in the TTN
//! device repository (`vendor/netvox/payload/*.js`). Where they differ from those decoders:
//! an unknown device-type byte or command is an `InvalidField` error (the vendor decoders
//! return an object without `Device`), a frame cut before a field is `TooShort` (they read
//! `undefined`), and an fPort the model does not use is `UnknownPort`. `frame.model` selects
//! the allowed fPorts (13 and 14 frames carry no device type); on fPorts 6 and 7 the
//! device-type byte selects the layout.

pub mod air;
pub mod config;
pub mod device;
pub mod ir;
pub mod mains;
pub mod multi;
pub mod report;

use passerelle_pdk::{Reader, Readings};

pub use passerelle_pdk::decoder::{DecodeError, Frame, Guest, Metadata, Reading, TestVector};

use crate::device::{Device, Layout};

include!(concat!(env!("OUT_DIR"), "/vectors.rs"));

/// Every TTN model id this plugin decodes.
pub fn models() -> Vec<String> {
    device::MODELS.iter().map(|(m, _)| String::from(*m)).collect()
}

fn device_of(code: u8) -> Result<Device, DecodeError> {
    device::by_code(code)
        .ok_or_else(|| DecodeError::InvalidField(format!("unknown device type 0x{code:02x}")))
}

/// Decodes the payload of a frame of `model` received on `port`.
pub fn decode_payload(model: &str, port: u8, payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    let sender = device::by_model(model).ok_or_else(|| DecodeError::UnsupportedModel(model.to_string()))?;
    let mut out = Readings::new();
    let mut r = Reader::new(payload);
    match port {
        6 => {
            let _version = r.u8()?;
            let dev = device_of(r.u8()?)?;
            match r.u8()? {
                0x00 => report::version(dev, &mut r, &mut out)?,
                // Newer R211 firmware flags its version report with 80.
                0x80 if dev.layout == Layout::IrBlaster => report::version(dev, &mut r, &mut out)?,
                _ if dev.layout == Layout::IrBlaster => {
                    return Err(DecodeError::InvalidField(
                        "R211: fPort 6 carries version reports only".into(),
                    ));
                }
                report_type => report::status(dev, report_type, &mut r, &mut out)?,
            }
        }
        7 if sender.layout != Layout::IrBlaster => {
            let cmd = r.u8()?;
            let dev = device_of(r.u8()?)?;
            config::port7(cmd, dev, &mut r, &mut out)?;
        }
        33 if sender.layout == Layout::IrBlaster => ir::port33(&mut r, &mut out)?,
        13 if sender.layout == Layout::Alarm => config::port13(&mut r, &mut out)?,
        14 if matches!(sender.layout, Layout::Temp | Layout::TwoTemp) => {
            config::port14(&mut r, &mut out)?;
        }
        other => return Err(DecodeError::UnknownPort(other)),
    }
    Ok(out.into_vec())
}

passerelle_pdk::decoder_plugin! {
    name: "netvox",
    models: models(),
    decode: |frame| decode_payload(&frame.model, frame.port, &frame.payload),
    vectors: test_vectors(),
}
