//! What a sink that keeps readings can give back for the console: the latest value of each
//! series, and one series over a window, down-sampled to a bounded number of points.

use crate::message::Value;

/// The most series one [`crate::sink::Sink::latest`] call returns.
pub const MAX_LATEST: usize = 1000;

/// The most points one [`crate::sink::Sink::series`] call returns.
pub const MAX_POINTS: usize = 1000;

/// The longest window one series query covers (31 days, in ms): the rows of the window are read
/// to down-sample them, so the window is bounded too.
pub const MAX_WINDOW_MS: i64 = 31 * 24 * 3600 * 1000;

/// The latest stored value of one series (device and reading name).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LatestReading {
    /// Device id.
    pub device: String,
    /// Reading name.
    pub name: String,
    /// Measurement time, ms since the epoch.
    pub time_ms: i64,
    /// The value.
    pub value: Value,
    /// SenML unit, when the series has one.
    pub unit: Option<String>,
    /// Its `quantity` tag (`power`, `temperature`), when the reading carries one.
    pub quantity: Option<String>,
}

/// One series over a window `[from_ms, to_ms]`, at most `max_points` points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesQuery {
    /// Device id.
    pub device: String,
    /// Reading name.
    pub name: String,
    /// Window start, ms since the epoch (inclusive).
    pub from_ms: i64,
    /// Window end, ms since the epoch (inclusive).
    pub to_ms: i64,
    /// The most points returned (1 to [`MAX_POINTS`]).
    pub max_points: usize,
}

/// One point of a series: a stored reading (`count` 1), or the summary of the readings of one
/// time bucket when the window holds more than the points asked for.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct SeriesPoint {
    /// The readings' mean time, ms since the epoch.
    pub time_ms: i64,
    /// Their mean value.
    pub value: f64,
    /// The lowest.
    pub min: f64,
    /// The highest.
    pub max: f64,
    /// How many readings it stands for.
    pub count: u64,
}

/// A series over a window: its numeric readings (booleans as 0 and 1; text and bytes are not
/// drawn), down-sampled when there are more than the points asked for.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Series {
    /// Device id.
    pub device: String,
    /// Reading name.
    pub name: String,
    /// SenML unit, when the series has one.
    pub unit: Option<String>,
    /// Window start (inclusive).
    pub from_ms: i64,
    /// Window end (inclusive).
    pub to_ms: i64,
    /// Numeric readings stored in the window.
    pub stored: u64,
    /// Whether the points are bucket summaries rather than the readings themselves.
    pub downsampled: bool,
    /// The points, oldest first.
    pub points: Vec<SeriesPoint>,
}

/// Turns readings streamed oldest first into at most `max_points` points, in memory bounded by
/// `max_points`: the readings themselves while they fit, then summaries of equal time buckets.
#[derive(Debug)]
pub struct Downsampler {
    from_ms: i64,
    width_ms: i128,
    max_points: usize,
    stored: u64,
    downsampled: bool,
    points: Vec<SeriesPoint>,
    /// Sum of the times of the current bucket (its mean is the point's time).
    time_sum: i128,
}

impl Downsampler {
    /// For the window `[from_ms, to_ms]` and at most `max_points` (at least 1) points.
    pub fn new(from_ms: i64, to_ms: i64, max_points: usize) -> Self {
        let max_points = max_points.clamp(1, MAX_POINTS);
        let span = i128::from(to_ms) - i128::from(from_ms) + 1;
        let n = i128::try_from(max_points).unwrap_or(1);
        // Buckets of equal width covering the window: at most `max_points` of them.
        let width = ((span.max(1) + n - 1) / n).max(1);
        Self {
            from_ms,
            width_ms: width,
            max_points,
            stored: 0,
            downsampled: false,
            points: Vec::with_capacity(max_points.min(64)),
            time_sum: 0,
        }
    }

    fn bucket(&self, time_ms: i64) -> i128 {
        (i128::from(time_ms) - i128::from(self.from_ms)) / self.width_ms
    }

    /// Adds a reading; times must not go back.
    pub fn push(&mut self, time_ms: i64, value: f64) {
        self.stored += 1;
        if !self.downsampled {
            if self.points.len() < self.max_points {
                self.points.push(SeriesPoint { time_ms, value, min: value, max: value, count: 1 });
                return;
            }
            self.start_buckets();
        }
        self.add_to_buckets(time_ms, value);
    }

    /// The readings kept so far are more than the points asked for: fold them into buckets.
    fn start_buckets(&mut self) {
        self.downsampled = true;
        let raw = std::mem::take(&mut self.points);
        self.time_sum = 0;
        for p in raw {
            self.add_to_buckets(p.time_ms, p.value);
        }
    }

    fn add_to_buckets(&mut self, time_ms: i64, value: f64) {
        let bucket = self.bucket(time_ms);
        let same = self.points.last().is_some_and(|last| self.bucket(last.time_ms) == bucket);
        if !same {
            self.time_sum = i128::from(time_ms);
            self.points.push(SeriesPoint { time_ms, value, min: value, max: value, count: 1 });
            return;
        }
        self.time_sum += i128::from(time_ms);
        if let Some(last) = self.points.last_mut() {
            last.count += 1;
            // A running mean: no sum that could grow without bound.
            last.value += (value - last.value) / last.count as f64;
            last.min = last.min.min(value);
            last.max = last.max.max(value);
            // The point keeps the bucket's mean time, which stays inside the bucket.
            last.time_ms = i64::try_from(self.time_sum / i128::from(last.count)).unwrap_or(time_ms);
        }
    }

    /// The series of the readings pushed.
    pub fn finish(self, query: &SeriesQuery, unit: Option<String>) -> Series {
        Series {
            device: query.device.clone(),
            name: query.name.clone(),
            unit,
            from_ms: query.from_ms,
            to_ms: query.to_ms,
            stored: self.stored,
            downsampled: self.downsampled,
            points: self.points,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(from_ms: i64, to_ms: i64, max_points: usize) -> SeriesQuery {
        SeriesQuery { device: "d".into(), name: "n".into(), from_ms, to_ms, max_points }
    }

    #[test]
    fn readings_that_fit_are_returned_as_they_are() {
        let mut d = Downsampler::new(0, 1000, 10);
        for t in 0..10 {
            d.push(t * 100, t as f64);
        }
        let s = d.finish(&query(0, 1000, 10), Some("W".into()));
        assert!(!s.downsampled);
        assert_eq!(s.points.len(), 10);
        assert_eq!((s.points[3].time_ms, s.points[3].value, s.points[3].count), (300, 3.0, 1));
    }

    #[test]
    fn more_readings_than_points_are_summarised_per_bucket() {
        // 1000 readings over [0, 9999], 10 points: buckets of 1000 ms, 100 readings each.
        let mut d = Downsampler::new(0, 9999, 10);
        for t in 0..1000 {
            d.push(t * 10, (t % 100) as f64);
        }
        let s = d.finish(&query(0, 9999, 10), None);
        assert!(s.downsampled);
        assert_eq!(s.stored, 1000);
        assert_eq!(s.points.len(), 10, "{:?}", s.points);
        for (i, p) in s.points.iter().enumerate() {
            assert_eq!(p.count, 100, "{p:?}");
            assert_eq!((p.min, p.max), (0.0, 99.0), "{p:?}");
            assert!((p.value - 49.5).abs() < 1e-9, "{p:?}");
            let start = i as i64 * 1000;
            assert!(p.time_ms >= start && p.time_ms < start + 1000, "{p:?}");
        }
    }

    #[test]
    fn a_window_of_one_millisecond_and_extreme_bounds_do_not_overflow() {
        let mut d = Downsampler::new(5, 5, 1);
        d.push(5, 1.0);
        d.push(5, 3.0);
        let s = d.finish(&query(5, 5, 1), None);
        assert_eq!((s.points.len(), s.points[0].value, s.points[0].count), (1, 2.0, 2));
        // Two buckets of 2^63 ms: the first reading alone, the other two together.
        let mut d = Downsampler::new(i64::MIN, i64::MAX, 2);
        for t in [i64::MIN, 0, i64::MAX] {
            d.push(t, 1.0);
        }
        let s = d.finish(&query(i64::MIN, i64::MAX, 2), None);
        assert_eq!((s.stored, s.points.len()), (3, 2), "{:?}", s.points);
        assert_eq!((s.points[0].time_ms, s.points[1].count), (i64::MIN, 2), "{:?}", s.points);
        assert_eq!(Downsampler::new(0, 10, MAX_POINTS + 5).max_points, MAX_POINTS);
    }
}
