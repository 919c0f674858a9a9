//! The Netvox device-type table: the second byte of every fPort 6 / fPort 7 frame names the
//! device that sent it, and the device fixes the layout of the bytes after the battery byte.
//!
//! Codes and names come from the `getDeviceName` tables of the vendor's decoders in the TTN
//! device repository (`vendor/netvox/payload/*.js`); each [`Layout`] is one of those decoders.

/// How the fields of a report (fPort 6) and of a read-configuration response (fPort 7) are laid
/// out, one variant per vendor decoder family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `r311a_r718f_r730f.js`: door / window contact, `OnOff` byte.
    Contact,
    /// `r718da_r718db_r718j_r718lb_r718mba.js`: one `status` byte (vibration, dry contact,
    /// hall switch, activity, ...).
    Status,
    /// `rb02i_r718t_r312a_r312.js`: push button / siren, `Alarm` byte (`Doorbell` on R312);
    /// the button press time travels on fPort 13.
    Alarm,
    /// `r311la.js`: distance-based presence, `Status` ON/OFF and `RawSenseData`.
    Distance,
    /// `r711_r718a_r718ab_r720a.js`: temperature (int16 / 100) and humidity (uint16 / 100).
    TempHumi,
    /// `r718cj_ck_ct_cr_ce_r718b.js`: one temperature probe (int16 / 10); calibration on
    /// fPort 14.
    Temp,
    /// `r718b2.js`: two temperature probes (int16 / 10 each); calibration on fPort 14.
    TwoTemp,
    /// `r311g_b.js`: illuminance (uint16, lux).
    Light,
    /// `r311w.js`: water-leak state, one sensor (`WaterLeak`) or two on R311W, R718WA2, R718WB2
    /// (`WaterLeak_1`, `WaterLeak_2`).
    Leak,
    /// `r311wa.js`: two leak inputs `Status_1` / `Status_2` (ON/OFF).
    LeakInputs,
    /// `r718n1.js`: one current clamp (`Current`, mA, and its `Multiplier`).
    Current,
    /// `r718n3.js`: three current clamps; report types 1-4 carry currents, multipliers and
    /// threshold alarms.
    ThreePhase,
    /// `r718nl1.js`: one current clamp plus a 32-bit illuminance.
    CurrentLight,
    /// `r718h.js`: pulse counter, one input (`PulseCount`) or two on R718H2.
    Pulse,
    /// `r809a.js`: mains power plug with meter (R809A, R816B); report type 1 is the relay
    /// state, energy and alarms, report type 2 voltage, current and power. No battery byte.
    PowerPlug,
    /// `r831.js`: mains relay box; `MotorStatus` (R831A / R831B) or three relays (R831C), plus
    /// three inputs (R831D). No battery byte.
    Relay,
    /// `rb11e.js`: occupancy sensor, temperature (int16 / 100), illuminance, `Occupy` and the
    /// tamper alarm.
    Occupancy,
    /// `r311fb_r718mbb_r730mbb.js`: activity counter (`WorkCount`, 32 bits).
    WorkCount,
    /// `r311fc_r718mbc_r730mbc.js`: activity duration (`WorkDurationTime`, 32 bits).
    WorkDuration,
    /// `r718da2_r718db2_r718f2.js`: two-channel status (`status1`, `status2`): door, dry contact,
    /// vibration, hall switch.
    TwoStatus,
    /// `r315.js`: the R315 multi-sensor (PIR, contacts, shock, leak, temperature and humidity,
    /// light); report type 1 the binary sensors and climate, report type 2 illuminance.
    MultiSensor,
    /// `ra0715_r72615_ra0715y_r72615a.js`: RA07 / R726 air-quality stations, one probe group
    /// per report type ([`crate::air`]).
    Station,
    /// `ra0716.js`: temperature, humidity and PM2.5.
    Particulate,
    /// `r720e.js`: TVOC, temperature and humidity.
    Tvoc,
    /// `ra02a.js`: smoke (RA02A) and CO (RA02C) alarms.
    SafetyAlarm,
    /// `r718ad.js`: one temperature (int16 / 100).
    TempFine,
    /// `r720c.js`: air pressure (/100 hPa) and temperature (int16 / 100).
    Pressure,
    /// `r720flt.js`: toilet flush tank, refill counter, fault and tank-leak alarms.
    FlushTank,
    /// `r718g.js`: 32-bit illuminance; its decoder writes `Volt` without the low-battery flag.
    WideLight,
    /// R718NL3 (codec examples; its decoder is not in the stored repository): report type 1
    /// three currents and `Multiplier1`, type 2 `Multiplier2`, `Multiplier3` and a 32-bit
    /// illuminance.
    ThreePhaseLight,
    /// R718N360 (codec examples; its decoder is not in the stored repository): report type 1
    /// battery and `Channel_A`, report type 2 `Channel_B` and `Channel_C` without a battery
    /// byte, each a 32-bit value.
    ThreeChannel,
    /// `r718y.js`: differential pressure (int16 / 10 Pa) and temperature (int16 / 10).
    DiffPressure,
    /// `ra10.js`: mains water valve, `OnOff`. No battery byte.
    Valve,
    /// R718UBB / R718UBD CO2 multi-sensors (codec examples; their decoder `r718ub.js` is not
    /// in the stored repository): report type 1 climate, CO2 and shock, type 2 air pressure
    /// and illuminance, type 3 particulates and TVOC.
    Co2Multi,
    /// `r211.js`: the R211 IR blaster; version reports only on fPort 6, IR command responses
    /// on fPort 33 ([`crate::ir`]).
    IrBlaster,
    /// `rb02b.js` / `r718t2.js`: two or three button bytes (`Key_1`.. on RB02B / RB02C,
    /// `Alarm1`, `Alarm2` on R718T2).
    Keys,
}

impl Layout {
    /// Mains-powered layouts have no battery byte after the report type.
    pub fn has_battery(self) -> bool {
        !matches!(self, Layout::PowerPlug | Layout::Relay | Layout::Valve)
    }
}

/// One Netvox device type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Device {
    /// Device-type byte (`bytes[1]`).
    pub code: u8,
    /// The name the vendor decoder writes as `Device`.
    pub name: &'static str,
    /// Field layout of its reports.
    pub layout: Layout,
}

const fn dev(code: u8, name: &'static str, layout: Layout) -> Device {
    Device { code, name, layout }
}

/// Every device type this plugin decodes, by device-type byte.
pub const DEVICES: &[Device] = &[
    dev(1, "R711(R712)", Layout::TempHumi),
    dev(2, "R311A", Layout::Contact),
    dev(4, "R311G", Layout::Light),
    dev(6, "R311W", Layout::Leak),
    dev(11, "R718A", Layout::TempHumi),
    dev(16, "RB02I", Layout::Alarm),
    dev(18, "R718WB", Layout::Leak),
    dev(19, "R718AB", Layout::TempHumi),
    dev(20, "R718B2", Layout::TwoTemp),
    dev(22, "R718CK2", Layout::TwoTemp),
    dev(23, "R718CT2", Layout::TwoTemp),
    dev(26, "R718DA", Layout::Status),
    dev(27, "R718DB", Layout::Status),
    dev(29, "R718F", Layout::Contact),
    dev(31, "R718H", Layout::Pulse),
    dev(33, "R718J", Layout::Status),
    dev(37, "R718LB", Layout::Status),
    dev(39, "R718MBA", Layout::Status),
    dev(49, "R718T", Layout::Alarm),
    dev(50, "R718WA", Layout::Leak),
    dev(63, "R718H2", Layout::Pulse),
    dev(73, "R718N1", Layout::Current),
    dev(74, "R718N3", Layout::ThreePhase),
    dev(75, "R311B", Layout::Light),
    dev(77, "R312A", Layout::Alarm),
    dev(79, "R311FA", Layout::Status),
    dev(85, "R312", Layout::Alarm),
    dev(90, "R311WA", Layout::LeakInputs),
    dev(91, "R718Q", Layout::Status),
    dev(110, "R720A", Layout::TempHumi),
    dev(125, "R730F", Layout::Contact),
    dev(130, "R730MBA", Layout::Status),
    dev(137, "R730DA", Layout::Status),
    dev(139, "R730DB", Layout::Status),
    dev(141, "R730LB", Layout::Status),
    dev(144, "R718CJ", Layout::Temp),
    dev(145, "R718CK", Layout::Temp),
    dev(146, "R718CT", Layout::Temp),
    // The older decoder calls 93 `R718CR`; the R718CN codec examples name it `R718CN`.
    dev(147, "R718CN", Layout::Temp),
    dev(148, "R718CE", Layout::Temp),
    dev(149, "R718B", Layout::Temp),
    dev(151, "R718QA", Layout::Status),
    dev(152, "R718NL1", Layout::CurrentLight),
    dev(168, "R311DA", Layout::Status),
    dev(169, "R311DB", Layout::Status),
    dev(170, "R311LA", Layout::Distance),
    dev(183, "R720F", Layout::Status),
    dev(3, "RB11E", Layout::Occupancy),
    dev(14, "R809A", Layout::PowerPlug),
    dev(115, "R816B", Layout::PowerPlug),
    dev(173, "R831C", Layout::Relay),
    dev(176, "R831D", Layout::Relay),
    dev(178, "R831A", Layout::Relay),
    dev(179, "R831B", Layout::Relay),
    dev(43, "R718MBB", Layout::WorkCount),
    dev(80, "R311FB", Layout::WorkCount),
    dev(131, "R730MBB", Layout::WorkCount),
    dev(44, "R718MBC", Layout::WorkDuration),
    dev(81, "R311FC", Layout::WorkDuration),
    dev(132, "R730MBC", Layout::WorkDuration),
    dev(47, "R718DA2", Layout::TwoStatus),
    dev(61, "R718DB2", Layout::TwoStatus),
    dev(62, "R718F2", Layout::TwoStatus),
    dev(67, "R718J2", Layout::TwoStatus),
    dev(69, "R718LB2", Layout::TwoStatus),
    dev(76, "R311CA", Layout::TwoStatus),
    dev(86, "R311CB", Layout::TwoStatus),
    dev(108, "R311CC", Layout::TwoStatus),
    dev(126, "R730F2", Layout::TwoStatus),
    dev(138, "R730DA2", Layout::TwoStatus),
    dev(140, "R730DB2", Layout::TwoStatus),
    dev(142, "R730LB2", Layout::TwoStatus),
    dev(210, "R315", Layout::MultiSensor),
    // The newest vendor examples write the RA07 and R726 names with a space.
    dev(5, "RA07 Series", Layout::Station),
    dev(9, "R726 Series", Layout::Station),
    dev(13, "RA07**YSeries", Layout::Station),
    dev(53, "RA0716", Layout::Particulate),
    dev(54, "R72616", Layout::Particulate),
    dev(55, "R72716", Layout::Particulate),
    dev(106, "R72616A", Layout::Particulate),
    dev(165, "R720E", Layout::Tvoc),
    dev(10, "RA02A", Layout::SafetyAlarm),
    dev(17, "RA02C", Layout::SafetyAlarm),
    dev(111, "R720B", Layout::TempHumi),
    dev(156, "R718AD", Layout::TempFine),
    dev(157, "R720D", Layout::TempFine),
    dev(188, "R711A", Layout::TempFine),
    dev(112, "R720C", Layout::Pressure),
    dev(212, "R720FLT", Layout::FlushTank),
    dev(158, "R311K", Layout::Status),
    dev(159, "R718VA", Layout::Status),
    dev(70, "R718WA2", Layout::Leak),
    dev(71, "R718WB2", Layout::Leak),
    dev(107, "R718WBA", Layout::TempHumi),
    dev(190, "R718WAA", Layout::TempHumi),
    dev(30, "R718G", Layout::WideLight),
    dev(153, "R718NL3", Layout::ThreePhaseLight),
    dev(202, "R718N360", Layout::ThreeChannel),
    dev(172, "R718Y", Layout::DiffPressure),
    dev(113, "RA10", Layout::Valve),
    // `Seriers` (sic) is the vendor's spelling.
    dev(187, "R718UB Seriers", Layout::Co2Multi),
    dev(15, "R211", Layout::IrBlaster),
    dev(24, "R718CN2", Layout::TwoTemp),
    dev(121, "R730CK2", Layout::TwoTemp),
    dev(122, "R730CT2", Layout::TwoTemp),
    dev(166, "RB02B", Layout::Keys),
    dev(167, "RB02C", Layout::Keys),
    dev(72, "R718T2", Layout::Keys),
];

/// R311W: a leak sensor with two probes.
pub const R311W: u8 = 6;
/// R311B: its light setting is a threshold, not a change.
pub const R311B: u8 = 75;
/// R312: its button byte is `Doorbell`, not `Alarm`.
pub const R312: u8 = 85;
/// R718H2: the two-input pulse counter.
pub const R718H2: u8 = 63;
/// R720B: temperature and humidity plus an activity `Alarm` byte.
pub const R720B: u8 = 111;
/// R718WBA: temperature and humidity plus a leak `Status` byte (so does R718WAA).
pub const R718WBA: u8 = 107;
/// R718WAA: see [`R718WBA`].
pub const R718WAA: u8 = 190;
/// R718WA2 and R718WB2: two-probe leak sensors like R311W.
pub const R718WA2: u8 = 70;
/// See [`R718WA2`].
pub const R718WB2: u8 = 71;

/// The ON/OFF byte some temperature-humidity devices send after `Humi`: its reading name.
pub fn temp_humi_extra(code: u8) -> Option<&'static str> {
    match code {
        R720B => Some("Alarm"),
        R718WBA | R718WAA => Some("Status"),
        _ => None,
    }
}

/// The reading names of a [`Layout::Keys`] device's button bytes.
pub fn key_names(code: u8) -> &'static [&'static str] {
    match code {
        167 => &["Key_1", "Key_2", "Key_3"],
        72 => &["Alarm1", "Alarm2"],
        _ => &["Key_1", "Key_2"],
    }
}

/// Leak sensors with two probes (`WaterLeak_1`, `WaterLeak_2`).
pub fn two_probe_leak(code: u8) -> bool {
    matches!(code, R311W | R718WA2 | R718WB2)
}
/// RA02A: the smoke alarm (RA02C is the CO alarm).
pub const RA02A: u8 = 10;
/// R831C: three relays.
pub const R831C: u8 = 173;
/// R831D: three relays and three inputs.
pub const R831D: u8 = 176;

/// The device of a device-type byte.
pub fn by_code(code: u8) -> Option<Device> {
    DEVICES.iter().copied().find(|d| d.code == code)
}

/// TTN device-repository model ids (`vendor/netvox/<id>.yaml`) and the device-type byte each
/// one sends.
pub const MODELS: &[(&str, u8)] = &[
    ("r311a", 2),
    ("r718f", 29),
    ("r711", 1),
    ("r718a", 11),
    ("r718ab", 19),
    ("r720a", 110),
    ("r311w", 6),
    ("r718wa", 50),
    ("r718wb", 18),
    ("r311wa", 90),
    ("rb02i", 16),
    ("r718t", 49),
    ("r312a", 77),
    ("r312", 85),
    ("r718da", 26),
    ("r718db", 27),
    ("r718j", 33),
    ("r718lb", 37),
    ("r718mba", 39),
    ("r311fa", 79),
    ("r718q", 91),
    ("r718qa", 151),
    ("r730mba", 130),
    ("r730da", 137),
    ("r730db", 139),
    ("r311da", 168),
    ("r311db", 169),
    ("r720f", 183),
    ("r311la", 170),
    ("r311g", 4),
    ("r311b", 75),
    ("r718b2", 20),
    ("r718ck2", 22),
    ("r718ct2", 23),
    ("r718ck", 145),
    ("r718ct", 146),
    ("r718b", 149),
    ("r718n1", 73),
    ("r718n3", 74),
    ("r718nl1", 152),
    ("r718h", 31),
    ("r718h2", 63),
    ("rb11e", 3),
    ("r809a", 14),
    ("r816b", 115),
    ("r831a", 178),
    ("r831b", 179),
    ("r831c", 173),
    ("r831d", 176),
    ("r311fb", 80),
    ("r718mbb", 43),
    ("r311fc", 81),
    ("r718mbc", 44),
    ("r718da2", 47),
    ("r718db2", 61),
    ("r718f2", 62),
    ("r718j2", 67),
    ("r718lb2", 69),
    ("r311ca", 76),
    ("r311cb", 86),
    ("r311cc", 108),
    ("r31501", 210),
    ("r31502", 210),
    ("r31503", 210),
    ("r31504", 210),
    ("r31505", 210),
    ("r31506", 210),
    ("r31507", 210),
    ("r31508", 210),
    ("r31509", 210),
    ("r31510", 210),
    ("ra0715", 5),
    ("ra0715y", 13),
    ("r726xx", 9),
    ("r72615a", 9),
    ("ra0716", 53),
    ("r72616", 54),
    ("r72616a", 106),
    ("r72716", 55),
    ("r720e", 165),
    ("ra02a", 10),
    ("ra02c", 17),
    ("r720b", 111),
    ("r718ad", 156),
    ("r711a", 188),
    ("r720c", 112),
    ("r720flt", 212),
    ("r311k", 158),
    ("r718va", 159),
    ("r718wa2", 70),
    ("r718wb2", 71),
    ("r718wba", 107),
    ("r718waa", 190),
    ("r718g", 30),
    ("r718nl3", 153),
    ("r718n360", 202),
    ("r718y", 172),
    ("ra10", 113),
    ("r718ubb", 187),
    ("r718ubd", 187),
    ("r211", 15),
    ("r718cn", 147),
    ("r718cn2", 24),
    ("r730ck2", 121),
    ("r730ct2", 122),
    ("rb02b", 166),
    ("rb02c", 167),
    ("r718t2", 72),
];

/// The device a TTN model id names (case-insensitive), `None` for a model this plugin does
/// not know.
pub fn by_model(model: &str) -> Option<Device> {
    let id = model.trim().to_ascii_lowercase();
    MODELS.iter().find(|(m, _)| *m == id).and_then(|(_, code)| by_code(*code))
}
