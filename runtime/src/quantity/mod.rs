//! Vendor-neutral quantities: beside a vendor's own reading name (kept), a reading that
//! measures a known quantity carries a `quantity` tag (`air_temperature`, `co2`, ...), so that
//! an application can ask for "every air temperature in the building" without knowing vendors.
//!
//! The labels follow The Things Network's normalized uplink schema where it has the quantity
//! (`air.temperature` -> `air_temperature`, `air.relativeHumidity` -> `relative_humidity`).
//! [`QuantityTable`] decides, from the decoder plugin's name, the device model, the reading
//! name and its unit: per-plugin overrides first (`quantity/table.rs`), where a vendor's names
//! need them (probes, soil, water and device-internal temperatures never become
//! `air_temperature`), then generic rules on the name's last meaningful dotted segment. A unit
//! that contradicts the quantity means no tag; when unsure, a reading stays untagged.
//!
//! [`Tagger`] applies it on a decoder thread: one lookup per (model, name, unit), cached, then
//! every later reading of that series gets the quantity's shared [`Tags`] (an `Arc` clone).

mod table;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crate::message::{Reading, Tags};

/// The tag key a quantity is stored under.
pub const QUANTITY_TAG: &str = "quantity";

macro_rules! quantities {
    ($($(#[doc = $doc:literal])* $case:ident = $label:literal [$($unit:expr),*];)*) => {
        /// A normalized, vendor-neutral quantity.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Quantity {
            $($(#[doc = $doc])* $case,)*
        }

        impl Quantity {
            /// Every quantity, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$case,)*];

            /// The stable snake_case label stored in the `quantity` tag.
            pub const fn label(self) -> &'static str {
                match self {
                    $(Self::$case => $label,)*
                }
            }

            /// The SenML units a reading of this quantity may carry (`None`: no unit, as a
            /// state or a flag has).
            pub const fn units(self) -> &'static [Option<&'static str>] {
                match self {
                    $(Self::$case => &[$($unit),*],)*
                }
            }
        }
    };
}

quantities! {
    /// Temperature of the air around the device (TTN `air.temperature`), in `Cel`.
    AirTemperature = "air_temperature" [Some("Cel")];
    /// Relative humidity of the air (TTN `air.relativeHumidity`), in `%RH`.
    RelativeHumidity = "relative_humidity" [Some("%RH")];
    /// Carbon dioxide concentration in the air (TTN `air.co2`), in `ppm`.
    Co2 = "co2" [Some("ppm")];
    /// Total volatile organic compounds in the air, in `ppb`, `ug/m3` or `mg/m3`.
    Tvoc = "tvoc" [Some("ppb"), Some("ug/m3"), Some("mg/m3")];
    /// Particulate matter up to 1 µm (mass concentration), in `ug/m3`.
    Pm1 = "pm1" [Some("ug/m3")];
    /// Particulate matter up to 2.5 µm (mass concentration), in `ug/m3`.
    Pm25 = "pm2_5" [Some("ug/m3")];
    /// Particulate matter up to 10 µm (mass concentration), in `ug/m3`.
    Pm10 = "pm10" [Some("ug/m3")];
    /// Atmospheric pressure (TTN `air.pressure`), in `hPa` or `Pa`.
    BarometricPressure = "barometric_pressure" [Some("hPa"), Some("Pa")];
    /// Pressure difference between two points (ducts, filters), in `Pa` or `hPa`.
    DifferentialPressure = "differential_pressure" [Some("Pa"), Some("hPa")];
    /// Illuminance (TTN `air.lightIntensity`), in `lx`.
    Illuminance = "illuminance" [Some("lx")];
    /// Sound pressure level, in `dB` or `dBA`.
    SoundLevel = "sound_level" [Some("dB"), Some("dBA")];
    /// Whether someone is there (a presence or occupancy state), without a unit.
    Occupancy = "occupancy" [None];
    /// Motions detected (TTN `action.motion.count`), in `count`.
    MotionCount = "motion_count" [Some("count")];
    /// People counted passing a line (a door, an entrance), in `count`.
    PeopleCount = "people_count" [Some("count")];
    /// Whether a door or window is open (TTN `action.contactState`), without a unit.
    DoorOpen = "door_open" [None];
    /// Whether water is detected (TTN `water.leak`), without a unit.
    WaterLeak = "water_leak" [None];
    /// Pulses counted on a pulse input (a meter's output), in `count`.
    PulseCount = "pulse_count" [Some("count")];
    /// Active electrical energy (a meter index), in `Wh` or `kWh`.
    ActiveEnergy = "active_energy" [Some("Wh"), Some("kWh")];
    /// Reactive electrical energy, in `varh` or `kvarh`.
    ReactiveEnergy = "reactive_energy" [Some("varh"), Some("kvarh")];
    /// Thermal energy a heat (or cooling) meter has counted (an index), in `kWh`, `MWh` or `Wh`.
    HeatEnergy = "heat_energy" [Some("kWh"), Some("MWh"), Some("Wh")];
    /// Active electrical power, in `W` or `kW`.
    ActivePower = "active_power" [Some("W"), Some("kW")];
    /// Apparent electrical power, in `VA` or `kVA`.
    ApparentPower = "apparent_power" [Some("VA"), Some("kVA")];
    /// Voltage of the circuit a device measures (not its battery), in `V`.
    Voltage = "voltage" [Some("V")];
    /// Current of the circuit a device measures, in `A` or `mA`.
    Current = "current" [Some("A"), Some("mA")];
    /// Water volume (a water meter index), in `m3` or `l`.
    WaterVolume = "water_volume" [Some("m3"), Some("l")];
    /// Voltage of the device's battery, in `V` or `mV`.
    BatteryVoltage = "battery_voltage" [Some("V"), Some("mV")];
    /// Charge left in the device's battery (TTN `battery`), in `%`.
    BatteryLevel = "battery_level" [Some("%")];
    /// Wind speed (TTN `wind.speed`), in `m/s`.
    WindSpeed = "wind_speed" [Some("m/s")];
    /// Wind direction (TTN `wind.direction`), in `deg`.
    WindDirection = "wind_direction" [Some("deg")];
}

impl Quantity {
    /// True when a reading in `unit` can be of this quantity.
    pub fn accepts(self, unit: Option<&str>) -> bool {
        self.units().contains(&unit)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A label that names no [`Quantity`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown quantity {0:?} (known: {known})", known = known_labels())]
pub struct UnknownQuantity(pub String);

fn known_labels() -> String {
    Quantity::ALL.iter().map(|q| q.label()).collect::<Vec<_>>().join(", ")
}

impl FromStr for Quantity {
    type Err = UnknownQuantity;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().copied().find(|q| q.label() == s).ok_or_else(|| UnknownQuantity(s.to_string()))
    }
}

/// Which models an override applies to.
#[derive(Debug, Clone, Copy)]
enum Models {
    /// Every model of the plugin.
    All,
    /// Only these.
    Only(&'static [&'static str]),
}

/// A per-plugin decision on a name's key (see [`key`]), taken before the generic rules.
#[derive(Debug, Clone, Copy)]
struct Override {
    plugin: &'static str,
    key: &'static str,
    models: Models,
    /// `None`: never tagged.
    quantity: Option<Quantity>,
}

/// The mapping (plugin, model, reading name, unit) -> [`Quantity`], with one shared [`Tags`]
/// per quantity.
#[derive(Debug)]
pub struct QuantityTable {
    overrides: &'static [Override],
    rules: &'static [(&'static str, Quantity)],
    tags: Vec<Tags>,
}

impl Default for QuantityTable {
    fn default() -> Self {
        Self::standard()
    }
}

impl QuantityTable {
    /// The table of the vendor decoders this repository ships, and the generic rules.
    pub fn standard() -> Self {
        let tags = Quantity::ALL
            .iter()
            .map(|q| Arc::from(vec![(QUANTITY_TAG.to_string(), q.label().to_string())]))
            .collect();
        Self { overrides: table::OVERRIDES, rules: table::RULES, tags }
    }

    /// The quantity of a reading named `name` in `unit`, decoded by `plugin` for `model`;
    /// `None` when unknown, unsure, or when the unit contradicts it.
    pub fn lookup(&self, plugin: &str, model: &str, name: &str, unit: Option<&str>) -> Option<Quantity> {
        let key = key(name)?;
        let decided = self.overrides.iter().find(|o| {
            o.plugin == plugin
                && o.key == key
                && match o.models {
                    Models::All => true,
                    Models::Only(models) => models.contains(&model),
                }
        });
        match decided {
            Some(o) => o.quantity.filter(|q| q.accepts(unit)),
            None => self.rules.iter().find(|(k, q)| *k == key && q.accepts(unit)).map(|(_, q)| *q),
        }
    }

    /// The shared tags `{"quantity": <label>}` of a quantity.
    pub fn tags(&self, quantity: Quantity) -> Option<&Tags> {
        let index = Quantity::ALL.iter().position(|q| *q == quantity)?;
        self.tags.get(index)
    }
}

/// Segments of a parent that make a reading a setting or an alarm, not a measurement.
const NOT_MEASURED: &[&str] = &["alarm", "threshold", "config", "param", "setting"];

/// The key of a reading name: its last dotted segment that is neither an index (`0`) nor
/// `value`/`values`, lower-cased (`history.3.temperature` -> `temperature`,
/// `bytes.co2.values.0` -> `co2`). `None` when a parent segment names a setting or an alarm
/// (`alarmTemperature.temperature.value`, `current_alarm_config.threshold_max`).
fn key(name: &str) -> Option<String> {
    let mut segments = name.rsplit('.');
    let key = segments.by_ref().find(|s| {
        !s.is_empty() && !s.bytes().all(|b| b.is_ascii_digit()) && !matches!(*s, "value" | "values")
    })?;
    let setting = segments.any(|s| {
        let lower = s.to_ascii_lowercase();
        NOT_MEASURED.iter().any(|w| lower.contains(w))
    });
    (!setting).then(|| key.to_ascii_lowercase())
}

/// Results cached per model, name and unit: after the first reading of a series, tagging it is
/// a hash lookup and an `Arc` clone.
type Cache = HashMap<Box<str>, HashMap<Box<str>, Vec<(Option<Box<str>>, Option<Tags>)>>>;

/// Series one [`Tagger`] remembers at most; past it, lookups are computed each time (a plugin
/// emitting ever new names cannot grow the cache without bound).
pub const CACHE_CAPACITY: usize = 4096;

/// Tags the readings of one decoder plugin with their quantity; one per decoder thread.
#[derive(Debug)]
pub struct Tagger {
    table: Arc<QuantityTable>,
    plugin: String,
    cache: Cache,
    cached: usize,
}

impl Tagger {
    /// A tagger for the readings of the decoder plugin named `plugin` (its metadata name).
    pub fn new(table: Arc<QuantityTable>, plugin: &str) -> Self {
        Self { table, plugin: plugin.to_string(), cache: HashMap::new(), cached: 0 }
    }

    /// Adds the `quantity` tag to each reading of `model` that measures a known quantity. A
    /// reading that already has a `quantity` tag keeps it.
    pub fn tag(&mut self, model: &str, readings: &mut [Reading]) {
        for r in readings {
            if r.tags.iter().any(|(k, _)| k == QUANTITY_TAG) {
                continue;
            }
            let Some(tags) = self.quantity_tags(model, &r.name, r.unit.as_deref()) else { continue };
            r.tags = if r.tags.is_empty() {
                tags
            } else {
                r.tags.iter().chain(tags.iter()).cloned().collect::<Vec<_>>().into()
            };
        }
    }

    fn quantity_tags(&mut self, model: &str, name: &str, unit: Option<&str>) -> Option<Tags> {
        let hit = self
            .cache
            .get(model)
            .and_then(|names| names.get(name))
            .and_then(|units| units.iter().find(|(u, _)| u.as_deref() == unit));
        if let Some((_, tags)) = hit {
            return tags.clone();
        }
        let tags =
            self.table.lookup(&self.plugin, model, name, unit).and_then(|q| self.table.tags(q)).cloned();
        if self.cached < CACHE_CAPACITY {
            self.cached += 1;
            self.cache
                .entry(model.into())
                .or_default()
                .entry(name.into())
                .or_default()
                .push((unit.map(Into::into), tags.clone()));
        }
        tags
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Value;

    fn reading(name: &str, unit: Option<&str>) -> Reading {
        Reading {
            device: Arc::from("d"),
            name: name.into(),
            value: Value::Number(1.0),
            unit: unit.map(Into::into),
            time_ms: 0,
            tags: Tags::default(),
        }
    }

    #[test]
    fn labels_are_unique_and_parse_back() {
        let mut seen = std::collections::BTreeSet::new();
        for q in Quantity::ALL {
            assert!(seen.insert(q.label()), "{q} twice");
            assert_eq!(q.label().parse::<Quantity>(), Ok(*q));
            assert!(!q.units().is_empty(), "{q} accepts no unit");
        }
        let err = "air_temp".parse::<Quantity>().unwrap_err();
        assert!(err.to_string().contains("air_temperature"), "{err}");
    }

    #[test]
    fn keys_skip_indexes_and_values_and_refuse_settings() {
        assert_eq!(key("history.3.temperature").as_deref(), Some("temperature"));
        assert_eq!(key("bytes.co2.values.0").as_deref(), Some("co2"));
        assert_eq!(key("humidity.value").as_deref(), Some("humidity"));
        assert_eq!(key("TempC_SHT").as_deref(), Some("tempc_sht"));
        assert_eq!(key("bytes.alarmTemperature.temperature.value"), None);
        assert_eq!(key("antiFreezeParams.targetTemperature"), None);
        assert_eq!(key("0.1"), None);
    }

    #[test]
    fn generic_rules_check_the_unit() {
        let t = QuantityTable::standard();
        assert_eq!(t.lookup("any", "m", "temperature", Some("Cel")), Some(Quantity::AirTemperature));
        assert_eq!(t.lookup("any", "m", "temperature", Some("K")), None);
        assert_eq!(t.lookup("any", "m", "humidity", Some("%")), None, "soil moisture is not RH");
        assert_eq!(t.lookup("any", "m", "battery", Some("V")), Some(Quantity::BatteryVoltage));
        assert_eq!(t.lookup("any", "m", "battery", Some("%")), Some(Quantity::BatteryLevel));
        assert_eq!(t.lookup("any", "m", "water_volume", Some("m3")), Some(Quantity::WaterVolume));
        assert_eq!(t.lookup("any", "m", "door", None), Some(Quantity::DoorOpen));
        assert_eq!(t.lookup("any", "m", "door", Some("count")), None);
        assert_eq!(t.lookup("any", "m", "power", Some("%")), None);
    }

    #[test]
    fn overrides_keep_probes_out_of_air_temperature() {
        let t = QuantityTable::standard();
        assert_eq!(t.lookup("netvox", "r711", "Temp", Some("Cel")), Some(Quantity::AirTemperature));
        assert_eq!(t.lookup("netvox", "r718b", "Temp", Some("Cel")), None);
        assert_eq!(t.lookup("milesight", "em500-pt100", "temperature", Some("Cel")), None);
        assert_eq!(
            t.lookup("milesight", "em300-th", "temperature", Some("Cel")),
            Some(Quantity::AirTemperature)
        );
        assert_eq!(t.lookup("decentlab", "dl-ds18", "temperature.value", Some("Cel")), None);
        assert_eq!(t.lookup("dragino", "lht65", "TempC_DS", Some("Cel")), None);
        assert_eq!(t.lookup("micropelt", "mlr003", "Ambient_Temperature", Some("Cel")), None);
        assert_eq!(t.lookup("micropelt", "mlr003", "Flow_Temperature", Some("Cel")), None);
        assert_eq!(
            t.lookup("micropelt", "mlrtps1", "Ambient_Temperature", Some("Cel")),
            Some(Quantity::AirTemperature)
        );
    }

    #[test]
    fn people_counts_are_their_own_quantity() {
        let t = QuantityTable::standard();
        assert_eq!("people_count".parse::<Quantity>(), Ok(Quantity::PeopleCount));
        let pc = "imbuildings-people-counter";
        assert_eq!(t.lookup("imbuildings", pc, "counter_a", Some("count")), Some(Quantity::PeopleCount));
        assert_eq!(
            t.lookup("imbuildings", pc, "total_counter_b", Some("count")),
            Some(Quantity::PeopleCount)
        );
        assert_eq!(t.lookup("imbuildings", pc, "counter_a", None), None, "a count has its unit");
        assert_eq!(t.lookup("imbuildings", pc, "payload_counter", None), None);
        assert_eq!(t.lookup("any", "m", "people_count", Some("count")), Some(Quantity::PeopleCount));
        assert_eq!(t.lookup("any", "m", "counter_a", Some("count")), None, "only where a vendor says so");
    }

    #[test]
    fn heat_meters_count_heat_energy_not_electricity() {
        let t = QuantityTable::standard();
        assert_eq!("heat_energy".parse::<Quantity>(), Ok(Quantity::HeatEnergy));
        assert_eq!(t.lookup("elvaco", "cmi4110", "energy", Some("kWh")), Some(Quantity::HeatEnergy));
        assert_eq!(t.lookup("elvaco", "cmi4110", "energy_tariff_1", Some("kWh")), Some(Quantity::HeatEnergy));
        assert_eq!(t.lookup("elvaco", "cmi4111", "power", Some("kW")), None, "thermal power");
        assert_eq!(t.lookup("elvaco", "cmi4111", "volume", Some("m3")), Some(Quantity::WaterVolume));
        assert_eq!(t.lookup("any", "m", "energy", Some("kWh")), Some(Quantity::ActiveEnergy));
    }

    #[test]
    fn a_tagger_shares_one_arc_per_quantity_and_keeps_a_source_tag() {
        let table = Arc::new(QuantityTable::standard());
        let mut tagger = Tagger::new(Arc::clone(&table), "milesight");
        let mut first = vec![reading("temperature", Some("Cel")), reading("gpio", None)];
        let mut second = vec![reading("temperature", Some("Cel"))];
        tagger.tag("em300-th", &mut first);
        tagger.tag("em300-th", &mut second);
        let air = table.tags(Quantity::AirTemperature).unwrap();
        assert!(Arc::ptr_eq(&first[0].tags, air) && Arc::ptr_eq(&second[0].tags, air));
        assert!(first[1].tags.is_empty());
        assert_eq!(tagger.cached, 2, "one entry per series, not per reading");

        let own: Tags = Arc::from(vec![(QUANTITY_TAG.to_string(), "power".to_string())]);
        let mut tagged = vec![Reading { tags: Arc::clone(&own), ..reading("temperature", Some("Cel")) }];
        tagger.tag("em300-th", &mut tagged);
        assert!(Arc::ptr_eq(&tagged[0].tags, &own));

        let other: Tags = Arc::from(vec![("aggregate".to_string(), "average".to_string())]);
        let mut more = vec![Reading { tags: other, ..reading("temperature", Some("Cel")) }];
        tagger.tag("em300-th", &mut more);
        assert_eq!(
            &*more[0].tags,
            &[
                ("aggregate".to_string(), "average".to_string()),
                (QUANTITY_TAG.to_string(), "air_temperature".to_string())
            ]
        );
    }

    #[test]
    fn the_cache_stops_growing_at_its_capacity() {
        let mut tagger = Tagger::new(Arc::new(QuantityTable::standard()), "elsys");
        let mut readings: Vec<Reading> =
            (0..CACHE_CAPACITY + 10).map(|i| reading(&format!("n{i}"), None)).collect();
        readings.push(reading("temperature", Some("Cel")));
        tagger.tag("ers", &mut readings);
        assert_eq!(tagger.cached, CACHE_CAPACITY);
        assert_eq!(readings.last().map(|r| r.tags.len()), Some(1), "tagged past the capacity too");
    }
}
