//! Vendor-neutral quantity tags (issue 17, item 4): every vendor vector the repository carries
//! and every decoder's own vectors, decoded through the host and tagged as a decoder thread
//! tags them, give the quantities expected from the vendors' formats; a pushed frame ends in
//! SQLite with its `quantity` tag; `quantities: false` stores none. Prints the coverage per
//! plugin (distinct reading names of its vectors, and how many got a quantity).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use passerelle::message::{Frame, Reading};
use passerelle::plugin::kit::test_vector;
use passerelle::plugin::{DecoderPlugin, Engine, Limits};
use passerelle::quantity::{QUANTITY_TAG, QuantityTable, Tagger};

use crate::harness::{self, envelope, plugin, post, root};

const PLUGINS: [&str; 14] = [
    "adeunis",
    "browan",
    "decentlab",
    "dragino",
    "elsys",
    "elvaco",
    "imbuildings",
    "mclimate",
    "micropelt",
    "milesight",
    "netvox",
    "nexelec",
    "sensative",
    "tektelic",
];

/// What a reading must get: (plugin, model or `*`, name with indexes as `#`, quantity label or
/// `None` for no tag). The first entry matching a reading applies. Written from the vendors'
/// formats; every entry must match at least one reading of the vectors, and every reading
/// tagged `air_temperature` must be listed here.
const EXPECTED: &[(&str, &str, &str, Option<&str>)] = &[
    // Adeunis: comfort sensors measure the room; TEMP is a probe sensor; Linky registers.
    ("adeunis", "comfort", "bytes.temperature.values.#", Some("air_temperature")),
    ("adeunis", "comfort-co2", "bytes.temperature.values.#", Some("air_temperature")),
    ("adeunis", "comfort", "bytes.humidity.values.#", Some("relative_humidity")),
    ("adeunis", "comfort-co2", "bytes.co2.values.#", Some("co2")),
    ("adeunis", "comfort-serenity", "bytes.temperature.values.#", Some("air_temperature")),
    ("adeunis", "comfort-serenity", "bytes.humidity.values.#", Some("relative_humidity")),
    ("adeunis", "comfort-serenity", "bytes.co2.values.#", Some("co2")),
    ("adeunis", "comfort-serenity", "bytes.voc.values.#", None),
    ("adeunis", "temp", "bytes.temperatures.#.values.#", None),
    ("adeunis", "temp-4", "bytes.temperatures.#.values.#", None),
    ("adeunis", "comfort", "bytes.alarmTemperature.temperature.value", None),
    ("adeunis", "temp-4", "bytes.alarms.#.temperature.value", None),
    ("adeunis", "comfort-co2", "bytes.temperatureAverage.value", None),
    ("adeunis", "deltap", "bytes.deltaPressure.values.#", Some("differential_pressure")),
    ("adeunis", "tic-cbe-linky-mono", "bytes.BASE.value", Some("active_energy")),
    ("adeunis", "tic-cbe-linky-mono", "bytes.IINST.value", Some("current")),
    ("adeunis", "tic-cbe-linky-mono", "bytes.PAPP.value", Some("apparent_power")),
    ("adeunis", "tic-pme-pmi", "bytes.ER+_s.value", Some("reactive_energy")),
    ("adeunis", "pulse", "bytes.counterValues.#", Some("pulse_count")),
    ("adeunis", "motion", "bytes.counterValues.#", None),
    ("adeunis", "motion", "bytes.luminosity.values.#", None),
    ("adeunis", "breath", "bytes.pm25.value", Some("pm2_5")),
    ("adeunis", "breath", "bytes.pm10.average.value", None),
    ("adeunis", "breath", "bytes.tvoc.value", Some("tvoc")),
    // Browan Tabs: a tracker's temperature is its own, the board's too.
    ("browan", "objectlocator", "Temp", None),
    ("browan", "tbol100", "Temp", None),
    ("browan", "*", "Temp", Some("air_temperature")),
    ("browan", "*", "temperature", Some("air_temperature")),
    ("browan", "*", "temperatureBoard", None),
    ("browan", "waterleaksensor", "Temp_Sensor", None),
    ("browan", "waterleaksensor", "Temp_PCB", None),
    ("browan", "tbhh100", "humidity", Some("relative_humidity")),
    ("browan", "tbhh100", "battery", Some("battery_voltage")),
    ("browan", "cd10", "co2_ppm", Some("co2")),
    ("browan", "tbhv100", "eco2", None),
    ("browan", "tbhv100", "voc", Some("tvoc")),
    ("browan", "tbam100", "lux", Some("illuminance")),
    ("browan", "tbsl100", "decibel", Some("sound_level")),
    ("browan", "tbms100", "count", Some("motion_count")),
    ("browan", "tbdw100", "count", None),
    ("browan", "waterleaksensor", "WaterLeakageDetected", Some("water_leak")),
    // Decentlab: only `air_temperature` is the air's.
    ("decentlab", "*", "air_temperature.value", Some("air_temperature")),
    ("decentlab", "dl-sht35", "air_humidity.value", Some("relative_humidity")),
    ("decentlab", "dl-ds18", "temperature.value", None),
    ("decentlab", "dl-blg", "temperature.value", None),
    ("decentlab", "dl-pr26", "temperature.value", None),
    ("decentlab", "dl-trs12", "soil_temperature.value", None),
    ("decentlab", "dl-wrm", "head_temperature.value", None),
    ("decentlab", "dl-lp8p", "barometer_temperature.value", None),
    ("decentlab", "dl-iam", "co2_concentration.value", Some("co2")),
    ("decentlab", "dl-iam", "barometric_pressure.value", Some("barometric_pressure")),
    ("decentlab", "dl-iam", "illuminance.value", Some("illuminance")),
    ("decentlab", "dl-iam", "total_voc.value", Some("tvoc")),
    ("decentlab", "dl-pm", "pm2_5_mass_concentration.value", Some("pm2_5")),
    ("decentlab", "dl-pm", "pm2_5_number_concentration.value", None),
    ("decentlab", "dl-atm22", "wind_speed.value", Some("wind_speed")),
    ("decentlab", "dl-atm22", "battery_voltage.value", Some("battery_voltage")),
    ("decentlab", "dl-dlr2-004", "current.value", None),
    ("decentlab", "dl-pr26", "pressure.value", None),
    // Dragino: the SHT sensor inside LHT65/LHT52/LAQ4; DS18B20 and LSN50 inputs are probes.
    ("dragino", "lht65", "TempC_SHT", Some("air_temperature")),
    ("dragino", "lht52", "TempC_SHT", Some("air_temperature")),
    ("dragino", "lht65n", "TempC_SHT", Some("air_temperature")),
    ("dragino", "lht65n-pir", "TempC_SHT", Some("air_temperature")),
    ("dragino", "lht65n-e31f", "TempC_SHT", Some("air_temperature")),
    ("dragino", "laq4", "TempC_SHT", Some("air_temperature")),
    ("dragino", "lht65", "Hum_SHT", Some("relative_humidity")),
    ("dragino", "lsn50-v2", "TempC_SHT", None),
    ("dragino", "lsn50-v2", "Hum_SHT", None),
    ("dragino", "lht65", "TempC_DS", None),
    ("dragino", "lht65n", "Temp.#", None),
    ("dragino", "lsn50-v2", "TempC1", None),
    ("dragino", "lht65n-e31f", "EXT_TempC_SHT", None),
    ("dragino", "d2x-lb", "Temp_C1", None),
    ("dragino", "lht65", "BatV", Some("battery_voltage")),
    ("dragino", "lht52", "Bat_mV", Some("battery_voltage")),
    ("dragino", "lht65", "ILL_lx", Some("illuminance")),
    ("dragino", "laq4", "CO2_ppm", Some("co2")),
    ("dragino", "laq4", "CO2MAX", None),
    ("dragino", "laq4", "TVOC_ppb", Some("tvoc")),
    ("dragino", "lds01", "DOOR_OPEN_STATUS", Some("door_open")),
    ("dragino", "lds01", "DOOR_OPEN_TIMES", None),
    ("dragino", "lwl02", "WATER_LEAK_STATUS", Some("water_leak")),
    ("dragino", "lht65n-vib", "temperature", Some("air_temperature")),
    ("dragino", "lht65n-vib", "humidity", Some("relative_humidity")),
    ("dragino", "ds03a-lb", "door1_open_status", Some("door_open")),
    ("dragino", "ds03a-lb", "door2_open_status", Some("door_open")),
    ("dragino", "wl03a-lb", "water_leak_status", Some("water_leak")),
    ("dragino", "cs01-lb", "current1_a", Some("current")),
    ("dragino", "cs01-lb", "battery", Some("battery_voltage")),
    ("dragino", "cpl01", "TOTAL_PULSE", Some("pulse_count")),
    ("dragino", "cpl03-lb", "pa8_pulsecounter", Some("pulse_count")),
    ("dragino", "sw3l", "Total_pulse", Some("pulse_count")),
    ("dragino", "sw3l", "Last_pulse", None),
    ("dragino", "sw3l", "Water_flow_value", None),
    ("dragino", "ltc2", "Temp_Channel1", None),
    ("dragino", "ps-lb", "IDC_intput_mA", None),
    // Elsys.
    ("elsys", "*", "temperature", Some("air_temperature")),
    ("elsys", "ers-co2", "humidity", Some("relative_humidity")),
    ("elsys", "ers-co2", "co2", Some("co2")),
    ("elsys", "ers-co2", "light", Some("illuminance")),
    ("elsys", "ers-co2", "motion", Some("motion_count")),
    ("elsys", "ers-eye", "occupancy", Some("occupancy")),
    ("elsys", "ers-sound", "soundAvg", Some("sound_level")),
    ("elsys", "ers-sound", "soundPeak", None),
    ("elsys", "elt-lite", "externalTemperature", None),
    ("elsys", "ers-desk", "irExternalTemperature", None),
    ("elsys", "ers-desk", "irInternalTemperature", None),
    ("elsys", "ers-grideye", "grideye.#", None),
    ("elsys", "ems", "waterleak", None),
    ("elsys", "ems", "pulse1", Some("pulse_count")),
    ("elsys", "elt-lite", "vdd", Some("battery_voltage")),
    ("elsys", "ers-co2", "setpoint", None),
    ("elsys", "ers-co2", "externalHumidity", None),
    ("elsys", "ers-co2", "settings.co2Ref", None),
    ("elsys", "elt-2", "pressure", Some("barometric_pressure")),
    // Elvaco: heat meters: heat energy, the water volume; thermal power, water temperatures
    // and flow are not tagged.
    ("elvaco", "*", "energy", Some("heat_energy")),
    ("elvaco", "*", "energy_tariff_1", Some("heat_energy")),
    ("elvaco", "*", "volume", Some("water_volume")),
    ("elvaco", "*", "power", None),
    ("elvaco", "*", "flow", None),
    ("elvaco", "*", "flow_temperature", None),
    ("elvaco", "*", "forward_temperature", None),
    ("elvaco", "*", "return_temperature", None),
    ("elvaco", "*", "serial", None),
    ("elvaco", "*", "error_flag", None),
    // IMBuildings: people counted at a door; the comfort sensor measures the room.
    ("imbuildings", "*", "counter_a", Some("people_count")),
    ("imbuildings", "*", "counter_b", Some("people_count")),
    ("imbuildings", "*", "total_counter_a", Some("people_count")),
    ("imbuildings", "*", "total_counter_b", Some("people_count")),
    ("imbuildings", "*", "payload_counter", None),
    ("imbuildings", "*", "sensor_status", None),
    ("imbuildings", "*", "battery_voltage", Some("battery_voltage")),
    ("imbuildings", "*", "temperature", Some("air_temperature")),
    ("imbuildings", "*", "humidity", Some("relative_humidity")),
    ("imbuildings", "*", "co2", Some("co2")),
    ("imbuildings", "*", "presence", Some("occupancy")),
    ("imbuildings", "*", "interval", None),
    // MClimate: the Vicki valve reads at the radiator; settings are not measurements.
    ("mclimate", "co2-sensor", "co2", Some("co2")),
    ("mclimate", "co2-display-lite", "CO2", Some("co2")),
    ("mclimate", "co2-display", "ppm", Some("co2")),
    ("mclimate", "ht-sensor", "sensorTemperature", Some("air_temperature")),
    ("mclimate", "co2-display", "sensorTemperature", Some("air_temperature")),
    ("mclimate", "co2-display-lite", "sensorTemperature", Some("air_temperature")),
    ("mclimate", "vicki", "sensorTemperature", None),
    ("mclimate", "vicki", "targetTemperature", None),
    ("mclimate", "vicki", "antiFreezeParams.targetTemperature", None),
    ("mclimate", "vicki", "temperatureRangeSettings.min", None),
    ("mclimate", "ht-sensor", "extThermistorTemperature", None),
    ("mclimate", "vicki", "extSensorTemperature", None),
    ("mclimate", "*", "temperature", Some("air_temperature")),
    ("mclimate", "ht-sensor", "relativeHumidity", Some("relative_humidity")),
    ("mclimate", "co2-sensor", "battery", Some("battery_voltage")),
    ("mclimate", "flood-sensor", "flood", Some("water_leak")),
    ("mclimate", "co2-display", "lux", Some("illuminance")),
    ("mclimate", "wireless-thermostat", "sensorTemperature", Some("air_temperature")),
    ("mclimate", "fan-coil-thermostat", "sensorTemperature", Some("air_temperature")),
    ("mclimate", "pir-mini", "sensorTemperature", Some("air_temperature")),
    ("mclimate", "ht-pir-lite", "sensorTemperature", Some("air_temperature")),
    ("mclimate", "co2-pir-lite", "sensorTemperature", Some("air_temperature")),
    ("mclimate", "mc-button", "sensorTemperature", None),
    ("mclimate", "wireless-thermostat", "targetTemperature", None),
    ("mclimate", "fan-coil-thermostat", "targetTemperature", None),
    ("mclimate", "16aspm", "internalTemperature", None),
    ("mclimate", "t-valve", "waterTemp", None),
    ("mclimate", "co2-pir-lite", "CO2", Some("co2")),
    ("mclimate", "aqi-sensor", "CO2eq", None),
    ("mclimate", "aqi-sensor", "pressure", Some("barometric_pressure")),
    ("mclimate", "aqi-sensor", "voltage", Some("battery_voltage")),
    ("mclimate", "*", "occupied", Some("occupancy")),
    ("mclimate", "*", "pirTriggerCount", Some("motion_count")),
    ("mclimate", "16aspm", "energy_kWh", Some("active_energy")),
    ("mclimate", "16aspm", "power_W", Some("active_power")),
    ("mclimate", "16aspm", "acVoltage_V", Some("voltage")),
    ("mclimate", "16aspm", "acCurrent_mA", Some("current")),
    ("mclimate", "t-valve", "flood", Some("water_leak")),
    // Micropelt: the MLR003 valve reads at the radiator; the MLRTPS1 room unit measures the room.
    ("micropelt", "mlr003", "Ambient_Temperature", None),
    ("micropelt", "mlr003", "Ambient_Sensor_Raw", None),
    ("micropelt", "mlr003", "Flow_Temperature", None),
    ("micropelt", "mlr003", "Flow_Sensor_Raw", None),
    ("micropelt", "mlr003", "Used_Temperature", None),
    ("micropelt", "mlr003", "User_Value", None),
    ("micropelt", "mlr003", "flow_offset", None),
    ("micropelt", "mlr003", "Current_Valve_Position", None),
    ("micropelt", "*", "Storage_Voltage", Some("battery_voltage")),
    ("micropelt", "mlrtps1", "Ambient_Temperature", Some("air_temperature")),
    ("micropelt", "mlrtps01", "Ambient_Temperature", Some("air_temperature")),
    ("micropelt", "mlrtps1", "PIR_Status", Some("occupancy")),
    ("micropelt", "mlrtps1", "Set_Point_Temperature_Value", None),
    // Milesight: a PT100 probe, soil and current transformers are not the air.
    ("milesight", "em500-pt100", "temperature", None),
    ("milesight", "em500-pt100", "history.#.temperature", None),
    ("milesight", "em500-smt", "temperature", None),
    ("milesight", "em500-smtc", "temperature", None),
    ("milesight", "ct101", "temperature", None),
    ("milesight", "ct310", "temperature", None),
    ("milesight", "*", "temperature", Some("air_temperature")),
    ("milesight", "*", "history.#.temperature", Some("air_temperature")),
    ("milesight", "em300-th", "humidity", Some("relative_humidity")),
    ("milesight", "em300-th", "battery", Some("battery_level")),
    ("milesight", "em500-smt", "humidity", None),
    ("milesight", "am319", "co2", Some("co2")),
    ("milesight", "am319", "pm2.#", Some("pm2_5")),
    ("milesight", "am319", "pm10", Some("pm10")),
    ("milesight", "am319", "pressure", Some("barometric_pressure")),
    ("milesight", "am319", "tvoc", Some("tvoc")),
    ("milesight", "am319", "hcho", None),
    ("milesight", "am308", "tvoc", None),
    ("milesight", "em500-pp", "pressure", None),
    ("milesight", "em300-mcs", "magnet", Some("door_open")),
    ("milesight", "am104", "activity", Some("motion_count")),
    ("milesight", "am104", "illumination", Some("illuminance")),
    ("milesight", "ws52x", "active_power", Some("active_power")),
    ("milesight", "ws52x", "energy", Some("active_energy")),
    ("milesight", "ws52x", "voltage", Some("voltage")),
    ("milesight", "ws52x", "power", None),
    ("milesight", "ct101", "current", Some("current")),
    ("milesight", "ct101", "current_alarm_config.threshold_max", None),
    ("milesight", "ws302", "laeq", Some("sound_level")),
    ("milesight", "em300-di", "pulse", Some("pulse_count")),
    // Nexelec: the room sensors and smoke detectors measure the room, the FLOW valves read at
    // the radiator; thresholds, deltas and daily statistics are not tagged.
    ("nexelec", "flow-core", "temperature.value", None),
    ("nexelec", "flow-pro", "temperature.value", None),
    ("nexelec", "*", "temperature.value", Some("air_temperature")),
    ("nexelec", "*", "temperature.value.#", Some("air_temperature")),
    ("nexelec", "*", "humidity.value", Some("relative_humidity")),
    ("nexelec", "*", "co2.value", Some("co2")),
    ("nexelec", "*", "co2.value.#", Some("co2")),
    ("nexelec", "*", "covt.value", Some("tvoc")),
    ("nexelec", "*", "luminosity.value", Some("illuminance")),
    ("nexelec", "*", "averageNoise.value", Some("sound_level")),
    ("nexelec", "*", "peakNoise.value", None),
    ("nexelec", "*", "occupancyRate.value", None),
    ("nexelec", "*", "batteryVoltage.value", Some("battery_voltage")),
    ("nexelec", "*", "lowBatterieThreshold.value", None),
    ("nexelec", "*", "mediumCO2Threshold.value", None),
    ("nexelec", "*", "deltaTemperature.value", None),
    ("nexelec", "*", "temperatureAvg.value", None),
    ("nexelec", "*", "humidityAvg.value", None),
    ("nexelec", "*", "internalTemperature.value", None),
    ("nexelec", "*", "regulationTemperature.value", None),
    ("nexelec", "*", "batteryVoltageSlot1.value", Some("battery_voltage")),
    ("nexelec", "*", "statusExternalProbeBatteryVoltage.value", None),
    ("nexelec", "carbon", "CO2_concentration_(ppm)", Some("co2")),
    ("nexelec", "carbon", "CO2_concentration(ppm)", Some("co2")),
    ("nexelec", "carbon", "Temperature(°C)", Some("air_temperature")),
    ("nexelec", "carbon", "Relative_Humidity_(%RH)", Some("relative_humidity")),
    ("nexelec", "carbon", "Temperature(°C) [n]", None),
    ("nexelec", "carbon", "CO2_autocalibration_value_(ppm)", None),
    ("nexelec", "carbon", "Temperature alert threshold 1 (°C)", None),
    // Netvox: R718B/CK/CT read a probe or a thermocouple; `TempChange` is a setting.
    ("netvox", "r711", "Temp", Some("air_temperature")),
    ("netvox", "r718a", "Temp", Some("air_temperature")),
    ("netvox", "r718ab", "Temp", Some("air_temperature")),
    ("netvox", "r720a", "Temp", Some("air_temperature")),
    // The air-quality stations (RA07 series, R726 series) measure the air around them.
    ("netvox", "ra0715", "Temperature", Some("air_temperature")),
    ("netvox", "ra0715y", "Temperature", Some("air_temperature")),
    ("netvox", "r726xx", "Temperature", Some("air_temperature")),
    ("netvox", "r72615a", "Temperature", Some("air_temperature")),
    ("netvox", "r718b", "Temp", None),
    ("netvox", "r718ck", "Temp", None),
    ("netvox", "r718ct", "Temp", None),
    ("netvox", "r718b2", "Temp1", None),
    ("netvox", "r711", "TempChange", None),
    ("netvox", "r711", "Humi", Some("relative_humidity")),
    ("netvox", "r711", "Volt", Some("battery_voltage")),
    ("netvox", "r311b", "Illuminance", Some("illuminance")),
    ("netvox", "r718h", "PulseCount", Some("pulse_count")),
    // Sensative Strips.
    ("sensative", "*", "temperature", Some("air_temperature")),
    ("sensative", "*", "temperature.value", Some("air_temperature")),
    ("sensative", "strips", "history.#.temperature.value", Some("air_temperature")),
    ("sensative", "strips-comfort", "averageTemperature.value", None),
    ("sensative", "strips-comfort", "humidity.value", Some("relative_humidity")),
    ("sensative", "strips-comfort", "lux.value", Some("illuminance")),
    ("sensative", "strips-guard", "door.value", Some("door_open")),
    ("sensative", "strips-presence", "presence.value", Some("occupancy")),
    ("sensative", "strips-drip", "floodAlarm.value", Some("water_leak")),
    ("sensative", "strips-drip", "flood.value", None),
    ("sensative", "strips", "battery", Some("battery_level")),
    // Tektelic: the room sensors measure the room (not `mcu_temperature`); the CO2 sensors'
    // measured CO2 (not the raw one), pressure and remaining battery (not the display's); the
    // AC outlets' circuit (not the energy meter, whose unit the vendor does not state).
    ("tektelic", "*", "ambient_temperature", Some("air_temperature")),
    ("tektelic", "t0007806-breeze-v", "temperature", Some("air_temperature")),
    ("tektelic", "*", "mcu_temperature", None),
    ("tektelic", "*", "relative_humidity", Some("relative_humidity")),
    ("tektelic", "*", "battery_voltage", Some("battery_voltage")),
    ("tektelic", "t00078xx-smart-room-sensor-co2", "co2_concentration_filtered", Some("co2")),
    ("tektelic", "t00078xx-smart-room-sensor-co2", "co2_concentration_raw", None),
    ("tektelic", "t0007806-breeze-v", "co2_pressure_compensated", Some("co2")),
    ("tektelic", "t0007806-breeze-v", "co2_raw", None),
    ("tektelic", "t00078xx-smart-room-sensor-co2", "atmospheric_pressure", Some("barometric_pressure")),
    ("tektelic", "t0007806-breeze-v", "barometric_pressure", Some("barometric_pressure")),
    ("tektelic", "t00078xx-smart-room-sensor-co2", "remaining_battery_capacity", Some("battery_level")),
    ("tektelic", "t0007806-breeze-v", "rem_batt_capacity_sensor", Some("battery_level")),
    ("tektelic", "*", "rem_batt_capacity_display", None),
    ("tektelic", "*", "remaining_display_battery_capacity", None),
    ("tektelic", "*", "motion_event_count", Some("motion_count")),
    ("tektelic", "*", "motion_event_state", None),
    ("tektelic", "*", "light_intensity", None),
    ("tektelic", "*", "rms_voltage", Some("voltage")),
    ("tektelic", "*", "rms_current", Some("current")),
    ("tektelic", "*", "real_power", Some("active_power")),
    ("tektelic", "*", "apparent_power", Some("apparent_power")),
    ("tektelic", "*", "reactive_power", None),
    ("tektelic", "*", "energy_consumption_meter.energy_consumed", None),
];

/// A reading name with its numeric segments as `#` (`history.3.temperature` -> `history.#.temperature`).
fn pattern(name: &str) -> String {
    name.split('.')
        .map(|s| if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) { "#" } else { s })
        .collect::<Vec<_>>()
        .join(".")
}

/// Readings of one plugin's vectors, and its decoder's name.
struct Decoded {
    name: String,
    /// (model, readings) per vector that decoded.
    frames: Vec<(String, Vec<Reading>)>,
}

/// Decodes every vector of `stem` (its own and the repository's vendor vectors of its vendor)
/// through the host, then tags the readings as a decoder thread does.
fn decode_all(engine: &Engine, stem: &str, vendor: &[passerelle::plugin::bindings::TestVector]) -> Decoded {
    let compiled = engine.compile_file(plugin(stem).as_ref()).unwrap();
    let decoder = DecoderPlugin::new(engine, &compiled, Limits::default()).unwrap();
    let (own, failures) = decoder.check_vectors().unwrap();
    assert!(failures.is_empty(), "{stem}: {failures:?}");
    let name = decoder.metadata().name.clone();
    let mut tagger = Tagger::new(Arc::new(QuantityTable::standard()), &name);
    let mut instance = decoder.instance();
    let mut frames = Vec::new();
    for v in own.iter().chain(vendor) {
        let frame = Frame {
            device: Arc::from("vector"),
            devicetype: Arc::from(v.frame.model.as_str()),
            port: v.frame.port,
            payload: v.frame.payload.clone().into(),
            received_ms: v.frame.received_ms,
            connector: Arc::from("test"),
            firmware: None,
        };
        if let Ok(mut readings) = instance.decode(&frame, &v.frame.model) {
            tagger.tag(&v.frame.model, &mut readings);
            frames.push((v.frame.model.clone(), readings));
        }
    }
    Decoded { name, frames }
}

fn vendor_vectors() -> BTreeMap<String, Vec<passerelle::plugin::bindings::TestVector>> {
    let text = std::fs::read_to_string(root().join("vectors/ttn/vectors.jsonl")).unwrap();
    let mut by_stem: BTreeMap<String, Vec<_>> = BTreeMap::new();
    let mut examples = 0;
    for v in passerelle_vectors::parse_vendor_vectors(&text).unwrap() {
        let stem = v.vendor.strip_suffix("-iot").unwrap_or(&v.vendor).replace('-', "_");
        by_stem.entry(stem).or_default().push(test_vector(v.into_vector()));
        examples += 1;
    }
    assert_eq!((by_stem.len(), examples), (14, 48), "vendors and examples of vectors/ttn/vectors.jsonl");
    by_stem
}

#[test]
fn every_vector_reading_gets_the_quantity_of_its_vendor_format() {
    let engine = Engine::new(None).unwrap();
    let vendor = vendor_vectors();
    let mut seen = vec![false; EXPECTED.len()];
    let mut problems = Vec::new();
    let mut coverage = Vec::new();
    for stem in PLUGINS {
        let decoded = decode_all(&engine, stem, vendor.get(stem).map_or(&[][..], Vec::as_slice));
        assert_eq!(decoded.name, stem, "the plugin's metadata name is the table's plugin key");
        assert!(!decoded.frames.is_empty(), "{stem}: nothing decoded");
        let (mut names, mut tagged) = (BTreeSet::new(), BTreeSet::new());
        for (model, readings) in &decoded.frames {
            for r in readings {
                let quantity = r.tags.iter().find(|(k, _)| k == QUANTITY_TAG).map(|(_, v)| v.as_str());
                let p = pattern(&r.name);
                names.insert(p.clone());
                if quantity.is_some() {
                    tagged.insert(p.clone());
                }
                let entry = EXPECTED
                    .iter()
                    .position(|(pl, m, n, _)| *pl == stem && (*m == "*" || m == model) && *n == p);
                match entry {
                    Some(i) => {
                        seen[i] = true;
                        if EXPECTED[i].3 != quantity {
                            problems.push(format!(
                                "{stem} {model} {} [{:?}]: got {quantity:?}, want {:?}",
                                r.name, r.unit, EXPECTED[i].3
                            ));
                        }
                    }
                    None if quantity == Some("air_temperature") => {
                        problems.push(format!("{stem} {model} {}: air_temperature, not expected", r.name));
                    }
                    None => {}
                }
            }
        }
        coverage.push((stem, names.len(), tagged.len()));
    }
    for (i, (pl, m, n, q)) in EXPECTED.iter().enumerate() {
        if !seen[i] {
            problems.push(format!("expected {pl} {m} {n} -> {q:?} matches no reading of the vectors"));
        }
    }
    println!(
        "quantity coverage: distinct reading names (indexes as #) of each plugin's vectors, and those tagged"
    );
    println!("{:<10} {:>6} {:>7}", "PLUGIN", "NAMES", "TAGGED");
    for (stem, names, tagged) in &coverage {
        println!("{stem:<10} {names:>6} {tagged:>7}");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(coverage.iter().all(|(_, _, tagged)| *tagged > 0), "{coverage:?}");
}

fn tags_by_name(rows: &[passerelle::sink::sqlite::ReadingRow]) -> BTreeMap<String, BTreeMap<String, String>> {
    rows.iter().map(|r| (r.name.clone(), r.tags.clone())).collect()
}

fn quantity(q: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(QUANTITY_TAG.to_string(), q.to_string())])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pushed_frame_is_stored_with_its_quantities() {
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&harness::standard_config(), dir.path()).await;
    let body = serde_json::json!([
        envelope("th", "em300-th", "0175320367c80004683c", 85, "2026-11-22T08:00:00.000Z"),
        envelope("co2", "ers-co2", "0100e202290400270506060308", 1, "2026-11-22T08:00:00.000Z"),
    ]);
    let (status, body) = post(&rt.url, &body).await;
    assert_eq!(status, 200, "{body}");
    let rows = rt.readings();
    let th = tags_by_name(&rows.iter().filter(|r| r.device == "th").cloned().collect::<Vec<_>>());
    assert_eq!(th.get("temperature"), Some(&quantity("air_temperature")), "{rows:?}");
    assert_eq!(th.get("humidity"), Some(&quantity("relative_humidity")), "{rows:?}");
    assert_eq!(th.get("battery"), Some(&quantity("battery_level")), "{rows:?}");
    let co2 = tags_by_name(&rows.iter().filter(|r| r.device == "co2").cloned().collect::<Vec<_>>());
    assert_eq!(co2.get("co2"), Some(&quantity("co2")), "{rows:?}");
    // The stored JSON text itself.
    let db = rt.db.clone();
    let text: String = tokio::task::spawn_blocking(move || {
        let c = rusqlite::Connection::open(db).unwrap();
        c.query_row("SELECT tags FROM reading_view WHERE device = 'th' AND name = 'temperature'", [], |row| {
            row.get(0)
        })
        .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(text, r#"{"quantity":"air_temperature"}"#);
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quantities_off_stores_no_tag_and_a_reload_turns_them_on() {
    let dir = tempfile::tempdir().unwrap();
    let route = r#"(devicetype: "em300-th", decoder: "milesight", sinks: ["db"]),"#;
    let off = harness::config(
        &format!(r#""milesight": (plugin: "{}", quantities: false)"#, plugin("milesight")),
        route,
    );
    let rt = harness::start_in(&off, dir.path()).await;
    let frame = |ts| envelope("th", "em300-th", "0175320367c80004683c", 85, ts);
    let (status, body) = post(&rt.url, &frame("2026-11-22T08:00:00.000Z")).await;
    assert_eq!(status, 200, "{body}");
    let rows = rt.readings();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.iter().all(|r| r.tags.is_empty()), "{rows:?}");

    // The default (on), applied by a config reload: the decoder's pool is replaced.
    let on = harness::config(&format!(r#""milesight": (plugin: "{}")"#, plugin("milesight")), route);
    let mut config =
        passerelle::config::Config::parse(&on, &dir.path().join("config.ron").display().to_string()).unwrap();
    config.set_base_dir(dir.path());
    let report = rt.handle.reload_config(config).await.unwrap();
    assert_eq!(report.decoders_changed, vec!["milesight".to_string()], "{report:?}");
    let (status, body) = post(&rt.url, &frame("2026-11-22T09:00:00.000Z")).await;
    assert_eq!(status, 200, "{body}");
    let rows = rt.readings();
    let later: Vec<_> = rows.iter().filter(|r| r.time_ms > 1_795_334_400_000).cloned().collect();
    assert_eq!(later.len(), 3, "{rows:?}");
    assert_eq!(tags_by_name(&later).get("temperature"), Some(&quantity("air_temperature")), "{rows:?}");
    rt.handle.shutdown().await.unwrap();
}

#[test]
fn a_reading_tagged_by_its_source_keeps_its_tag() {
    let table = Arc::new(QuantityTable::standard());
    let mut tagger = Tagger::new(Arc::clone(&table), "milesight");
    let own: passerelle::message::Tags = Arc::from(vec![(QUANTITY_TAG.to_string(), "power".to_string())]);
    let plain = Reading {
        device: Arc::from("d"),
        name: "temperature".into(),
        value: passerelle::message::Value::Number(21.0),
        unit: Some("Cel".into()),
        time_ms: 0,
        tags: Default::default(),
    };
    let mut readings = vec![Reading { tags: Arc::clone(&own), ..plain.clone() }, plain];
    tagger.tag("em300-th", &mut readings);
    assert_eq!(&*readings[0].tags, &*own, "the source's quantity stays");
    assert_eq!(&*readings[1].tags, &[(QUANTITY_TAG.to_string(), "air_temperature".to_string())]);
}
