//! The data of [`super::QuantityTable`]: generic rules on a reading name's key, and the
//! per-plugin overrides the vendor decoders need. Keys are lower-cased (see `super::key`);
//! the unit is always checked against the quantity ([`super::Quantity::units`]).

use super::Models::{All, Only};
use super::Override;
use super::Quantity::{self, *};

/// Generic rules: a name's key -> the quantity, the first whose units accept the reading's
/// (`battery` in `V` is a battery voltage, in `%` a battery level).
pub(super) const RULES: &[(&str, Quantity)] = &[
    ("temperature", AirTemperature),
    ("temp", AirTemperature),
    ("air_temperature", AirTemperature),
    ("ambient_temperature", AirTemperature),
    ("humidity", RelativeHumidity),
    ("humi", RelativeHumidity),
    ("relativehumidity", RelativeHumidity),
    ("relative_humidity", RelativeHumidity),
    ("air_humidity", RelativeHumidity),
    ("co2", Co2),
    ("co2_ppm", Co2),
    ("co2_concentration", Co2),
    ("tvoc", Tvoc),
    ("tvoc_ppb", Tvoc),
    ("total_voc", Tvoc),
    ("voc", Tvoc),
    ("pm1", Pm1),
    ("pm1_0", Pm1),
    ("pm1_0_mass_concentration", Pm1),
    ("pm2_5", Pm25),
    ("pm25", Pm25),
    ("pm2_5_mass_concentration", Pm25),
    ("pm10", Pm10),
    ("pm10_mass_concentration", Pm10),
    ("pressure", BarometricPressure),
    ("barometric_pressure", BarometricPressure),
    ("air_pressure", BarometricPressure),
    ("deltapressure", DifferentialPressure),
    ("differential_pressure", DifferentialPressure),
    ("illuminance", Illuminance),
    ("illumination", Illuminance),
    ("lux", Illuminance),
    ("light", Illuminance),
    ("sound_level", SoundLevel),
    ("soundavg", SoundLevel),
    ("decibel", SoundLevel),
    ("laeq", SoundLevel),
    ("occupancy", Occupancy),
    ("presence", Occupancy),
    ("motion", MotionCount),
    ("motion_count", MotionCount),
    ("people_count", PeopleCount),
    ("people_counter", PeopleCount),
    ("door", DoorOpen),
    ("door_open", DoorOpen),
    ("door_open_status", DoorOpen),
    ("water_leak", WaterLeak),
    ("water_leak_status", WaterLeak),
    ("waterleakagedetected", WaterLeak),
    ("leak", WaterLeak),
    ("flood", WaterLeak),
    ("pulse", PulseCount),
    ("pulse1", PulseCount),
    ("pulse2", PulseCount),
    ("pulse_count", PulseCount),
    ("pulsecount", PulseCount),
    ("pulsecount1", PulseCount),
    ("pulsecount2", PulseCount),
    ("energy", ActiveEnergy),
    ("active_energy", ActiveEnergy),
    ("reactive_energy", ReactiveEnergy),
    ("power", ActivePower),
    ("active_power", ActivePower),
    ("apparent_power", ApparentPower),
    ("voltage", Voltage),
    ("current", Current),
    ("water_volume", WaterVolume),
    ("battery", BatteryVoltage),
    ("battery", BatteryLevel),
    ("battery_voltage", BatteryVoltage),
    ("batteryvoltage", BatteryVoltage),
    ("bat", BatteryVoltage),
    ("batv", BatteryVoltage),
    ("bat_v", BatteryVoltage),
    ("bat_mv", BatteryVoltage),
    ("battery_level", BatteryLevel),
    ("wind_speed", WindSpeed),
    ("wind_direction", WindDirection),
];

const fn tag(plugin: &'static str, key: &'static str, quantity: Quantity) -> Override {
    Override { plugin, key, models: All, quantity: Some(quantity) }
}

const fn only(
    plugin: &'static str,
    key: &'static str,
    models: &'static [&'static str],
    quantity: Quantity,
) -> Override {
    Override { plugin, key, models: Only(models), quantity: Some(quantity) }
}

const fn never(plugin: &'static str, key: &'static str) -> Override {
    Override { plugin, key, models: All, quantity: None }
}

/// Dragino models whose SHT sensor is inside the case (the others take an external probe).
const DRAGINO_SHT_INSIDE: &[&str] = &["laq4", "lht52", "lht65", "lht65n", "lht65n-pir", "lht65n-e31f"];

/// Dragino models whose `temperature` is the air's (the LHT65N-VIB's SHT sensor in the case);
/// any other `temperature` is left untagged.
const DRAGINO_AIR_TEMPERATURE: &[&str] = &["lht65n-vib"];

/// Netvox models measuring the room (the other `Temp` models read a probe or a thermocouple).
const NETVOX_ROOM: &[&str] = &["r711", "r718a", "r718ab", "r720a"];

/// Milesight models whose `temperature` is not the air's: a PT100 probe, soil, the inside of a
/// current transformer.
const MILESIGHT_NOT_AIR: &[&str] =
    &["em500-pt100", "em500-smt", "em500-smtc", "ct101", "ct103", "ct105", "ct303", "ct305", "ct310"];

/// MClimate models whose `sensorTemperature` is the room's (the Vicki valve reads at the
/// radiator, the button's thermistor sits in its case).
const MCLIMATE_ROOM: &[&str] = &[
    "co2-display",
    "co2-display-lite",
    "ht-sensor",
    "wireless-thermostat",
    "fan-coil-thermostat",
    "pir-mini",
    "ht-pir-lite",
    "co2-pir-lite",
];

/// Micropelt's wall room units (the MLR003 valve reads at the radiator).
const MICROPELT_ROOM: &[&str] = &["mlrtps1", "mlrtps01"];

/// Nexelec's thermostatic radiator valves.
const NEXELEC_FLOW: &[&str] = &["flow-core", "flow-pro"];

/// Per-plugin decisions, taken before the generic rules; the first that applies wins.
pub(super) const OVERRIDES: &[Override] = &[
    // Adeunis: Linky TIC registers (French meter labels) and the pulse counters.
    tag("adeunis", "base", ActiveEnergy),
    tag("adeunis", "hchc", ActiveEnergy),
    tag("adeunis", "hchp", ActiveEnergy),
    tag("adeunis", "ea_s", ActiveEnergy),
    tag("adeunis", "er+_s", ReactiveEnergy),
    tag("adeunis", "er-_s", ReactiveEnergy),
    tag("adeunis", "papp", ApparentPower),
    tag("adeunis", "iinst", Current),
    tag("adeunis", "iinst1", Current),
    tag("adeunis", "iinst2", Current),
    tag("adeunis", "iinst3", Current),
    only("adeunis", "countervalues", &["pulse", "pulse-4"], PulseCount),
    // Browan: a tracker's temperature is its own; a motion sensor's count is motions.
    Override { plugin: "browan", key: "temp", models: Only(&["objectlocator", "tbol100"]), quantity: None },
    only("browan", "count", &["motionsensor", "tbms100"], MotionCount),
    // Decentlab: `temperature` is a probe, a thermistor or a pressure sensor's; `current` and
    // `voltage` are analog inputs (4-20 mA, 0-10 V), not a circuit's.
    never("decentlab", "temperature"),
    never("decentlab", "current"),
    never("decentlab", "voltage"),
    // Dragino: the SHT sensor in the case; `TempC_DS`, `TempC1`, `Temp.N` (LHT65N's probes)
    // and `EXT_*` are probes.
    only("dragino", "tempc_sht", DRAGINO_SHT_INSIDE, AirTemperature),
    only("dragino", "hum_sht", DRAGINO_SHT_INSIDE, RelativeHumidity),
    never("dragino", "temp"),
    only("dragino", "temperature", DRAGINO_AIR_TEMPERATURE, AirTemperature),
    never("dragino", "temperature"),
    tag("dragino", "ill_lx", Illuminance),
    tag("dragino", "illum", Illuminance),
    // Dragino: the DS03A-LB's doors, the CS01-LB's current clamps, the CPL01 / CPL03-LB and
    // SW3L counters' totals (`Last_pulse`, the count since the last uplink, and the SW3L's
    // litres, a total or an interval by work mode, stay untagged).
    tag("dragino", "door1_open_status", DoorOpen),
    tag("dragino", "door2_open_status", DoorOpen),
    tag("dragino", "current1_a", Current),
    tag("dragino", "current2_a", Current),
    tag("dragino", "current3_a", Current),
    tag("dragino", "current4_a", Current),
    tag("dragino", "total_pulse", PulseCount),
    tag("dragino", "pulsecounter", PulseCount),
    tag("dragino", "pa8_pulsecounter", PulseCount),
    tag("dragino", "pa4_pulsecounter", PulseCount),
    tag("dragino", "pb15_pulsecounter", PulseCount),
    // Elsys: `vdd` is the battery's voltage; `waterleak` is a raw level, not a detection.
    tag("elsys", "vdd", BatteryVoltage),
    never("elsys", "waterleak"),
    // Elvaco: the CMi41x0 read heat meters: their energy is heat, their power thermal, their
    // volume the water that went through the meter.
    tag("elvaco", "energy", HeatEnergy),
    tag("elvaco", "energy_tariff_1", HeatEnergy),
    tag("elvaco", "energy_tariff_2", HeatEnergy),
    tag("elvaco", "energy_tariff_3", HeatEnergy),
    never("elvaco", "power"),
    tag("elvaco", "volume", WaterVolume),
    // IMBuildings: the people counters' counts in each direction, per uplink and in total.
    tag("imbuildings", "counter_a", PeopleCount),
    tag("imbuildings", "counter_b", PeopleCount),
    tag("imbuildings", "total_counter_a", PeopleCount),
    tag("imbuildings", "total_counter_b", PeopleCount),
    // MClimate: the CO2 display's `ppm`; the Vicki valve reads at the radiator, the button's
    // thermistor and the switches' `internalTemperature` inside their case; the PIR sensors'
    // occupancy and trigger counts; the 16A switch's meter (names carry their unit); the AQI
    // sensor's `voltage` is its battery's.
    only("mclimate", "ppm", &["co2-display"], Co2),
    only("mclimate", "sensortemperature", MCLIMATE_ROOM, AirTemperature),
    tag("mclimate", "occupied", Occupancy),
    tag("mclimate", "pirtriggercount", MotionCount),
    tag("mclimate", "energy_kwh", ActiveEnergy),
    tag("mclimate", "power_w", ActivePower),
    tag("mclimate", "acvoltage_v", Voltage),
    tag("mclimate", "accurrent_ma", Current),
    only("mclimate", "voltage", &["aqi-sensor"], BatteryVoltage),
    // Micropelt: the MLR003 valve's `Ambient_Temperature` is its estimate of the room from the
    // radiator (like the Vicki's), its `Flow_*` the radiator's water; the room unit measures the
    // room and its PIR the presence; `Storage_Voltage` is the energy store's.
    Override { plugin: "micropelt", key: "ambient_temperature", models: Only(&["mlr003"]), quantity: None },
    only("micropelt", "pir_status", MICROPELT_ROOM, Occupancy),
    tag("micropelt", "storage_voltage", BatteryVoltage),
    // Milesight: `pm2.5` splits on its dot; EM300-MCS's `magnet` is the door contact; AM10x's
    // PIR `activity` counts motions; a few `temperature`s are not the air's.
    tag("milesight", "pm2", Pm25),
    tag("milesight", "magnet", DoorOpen),
    tag("milesight", "activity", MotionCount),
    tag("milesight", "current_chn1", Current),
    tag("milesight", "current_chn2", Current),
    tag("milesight", "current_chn3", Current),
    Override { plugin: "milesight", key: "temperature", models: Only(MILESIGHT_NOT_AIR), quantity: None },
    // Netvox: `Temp` of the room sensors only; `Volt` is the battery's.
    only("netvox", "temp", NETVOX_ROOM, AirTemperature),
    never("netvox", "temp"),
    tag("netvox", "volt", BatteryVoltage),
    // Nexelec: the room sensors' VOC, light and average noise; the FLOW valves' `temperature`
    // is their estimate of the room from the radiator (as Micropelt's), their batteries sit in
    // two slots; the Carbon's names carry their unit.
    tag("nexelec", "covt", Tvoc),
    tag("nexelec", "luminosity", Illuminance),
    tag("nexelec", "averagenoise", SoundLevel),
    Override { plugin: "nexelec", key: "temperature", models: Only(NEXELEC_FLOW), quantity: None },
    tag("nexelec", "batteryvoltageslot1", BatteryVoltage),
    tag("nexelec", "batteryvoltageslot2", BatteryVoltage),
    only("nexelec", "co2_concentration_(ppm)", &["carbon"], Co2),
    only("nexelec", "co2_concentration(ppm)", &["carbon"], Co2),
    only("nexelec", "temperature(°c)", &["carbon"], AirTemperature),
    only("nexelec", "relative_humidity_(%rh)", &["carbon"], RelativeHumidity),
    // Sensative Strips: the drip sensor's flood detection.
    tag("sensative", "floodalarm", WaterLeak),
    // Tektelic: the CO2 sensors' measured (filtered, pressure-compensated) CO2 and pressure, the
    // remaining capacity of the sensor's battery (not the BLE display's), PIR motion counts, the
    // AC outlets' circuit.
    tag("tektelic", "co2_concentration_filtered", Co2),
    tag("tektelic", "co2_pressure_compensated", Co2),
    tag("tektelic", "atmospheric_pressure", BarometricPressure),
    tag("tektelic", "remaining_battery_capacity", BatteryLevel),
    tag("tektelic", "rem_batt_capacity_sensor", BatteryLevel),
    tag("tektelic", "motion_event_count", MotionCount),
    tag("tektelic", "rms_voltage", Voltage),
    tag("tektelic", "rms_current", Current),
    tag("tektelic", "real_power", ActivePower),
];
