//! DL-LID, laser distance / level sensor.
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 11 | distance_average, _minimum, _maximum, _median, _10th_percentile, _25th_percentile, _75th_percentile, _90th_percentile, _most_frequent_value = x0..x8 mm, number_of_samples = x9, total_acquisition_time = x10 / 1.024 ms |
//! | 1 | 1 | battery_voltage = x0 / 1000 V |

use crate::protocol::{BATTERY, Sensor, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-lid"];

const MM: Option<&str> = Some("mm");

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[
    Sensor {
        words: 11,
        values: &[
            value("distance_average", "Distance: average", MM, MM, |x| x.get(0)),
            value("distance_minimum", "Distance: minimum", MM, MM, |x| x.get(1)),
            value("distance_maximum", "Distance: maximum", MM, MM, |x| x.get(2)),
            value("distance_median", "Distance: median", MM, MM, |x| x.get(3)),
            value("distance_10th_percentile", "Distance: 10th percentile", MM, MM, |x| x.get(4)),
            value("distance_25th_percentile", "Distance: 25th percentile", MM, MM, |x| x.get(5)),
            value("distance_75th_percentile", "Distance: 75th percentile", MM, MM, |x| x.get(6)),
            value("distance_90th_percentile", "Distance: 90th percentile", MM, MM, |x| x.get(7)),
            value("distance_most_frequent_value", "Distance: most frequent value", MM, MM, |x| x.get(8)),
            value("number_of_samples", "Number of samples", None, Some("count"), |x| x.get(9)),
            value("total_acquisition_time", "Total acquisition time", Some("ms"), Some("ms"), |x| {
                x.get(10) / 1.024
            }),
        ],
    },
    BATTERY,
];
