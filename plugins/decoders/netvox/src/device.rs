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
    /// `r311w.js`: water-leak state, one sensor (`WaterLeak`) or two on R311W
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
    dev(147, "R718CR", Layout::Temp),
    dev(148, "R718CE", Layout::Temp),
    dev(149, "R718B", Layout::Temp),
    dev(151, "R718QA", Layout::Status),
    dev(152, "R718NL1", Layout::CurrentLight),
    dev(168, "R311DA", Layout::Status),
    dev(169, "R311DB", Layout::Status),
    dev(170, "R311LA", Layout::Distance),
    dev(183, "R720F", Layout::Status),
];

/// R311W: the only leak sensor with two probes.
pub const R311W: u8 = 6;
/// R311B: its light setting is a threshold, not a change.
pub const R311B: u8 = 75;
/// R312: its button byte is `Doorbell`, not `Alarm`.
pub const R312: u8 = 85;
/// R718H2: the two-input pulse counter.
pub const R718H2: u8 = 63;

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
];

/// The device a TTN model id names (case-insensitive), `None` for a model this plugin does
/// not know.
pub fn by_model(model: &str) -> Option<Device> {
    let id = model.trim().to_ascii_lowercase();
    MODELS.iter().find(|(m, _)| *m == id).and_then(|(_, code)| by_code(*code))
}
