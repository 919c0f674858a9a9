//! Series, dates and the date windows requested from the proxy.

use passerelle_pdk::civil_from_days;

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// Which data a series asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `get_load_curve`: the 30-minute average power.
    LoadCurve,
    /// `get_daily`: the daily energy.
    Daily,
}

/// One series of a usage point: a command node and a direction.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Series {
    /// Which command.
    pub kind: Kind,
    /// `consumption` or `production`.
    pub direction: String,
}

impl Series {
    /// Parses `load_curve/consumption`, `daily/production`, ...
    ///
    /// # Errors
    /// Why the text names no series.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (kind, direction) =
            text.trim().split_once('/').ok_or_else(|| format!("{text:?} is not kind/direction"))?;
        let kind = match kind.trim() {
            "load_curve" => Kind::LoadCurve,
            "daily" => Kind::Daily,
            other => return Err(format!("kind {other:?} is not load_curve or daily")),
        };
        let direction = match direction.trim() {
            d @ ("consumption" | "production") => d.to_string(),
            other => return Err(format!("direction {other:?} is not consumption or production")),
        };
        Ok(Self { kind, direction })
    }

    /// The ad-hoc command node.
    pub fn node(&self) -> &'static str {
        match self.kind {
            Kind::LoadCurve => "get_load_curve",
            Kind::Daily => "get_daily",
        }
    }

    /// The series as configured (`load_curve/consumption`), as used in state keys.
    pub fn key(&self) -> String {
        let kind = match self.kind {
            Kind::LoadCurve => "load_curve",
            Kind::Daily => "daily",
        };
        format!("{kind}/{}", self.direction)
    }
}

/// The day (since 1970-01-01, UTC) of a time in milliseconds.
pub fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

/// `YYYY-MM-DD` of a day.
pub fn date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The day of a `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Option<i64> {
    passerelle_pdk::parse_rfc3339_ms(&format!("{}T00:00:00Z", text.trim())).map(day_of)
}

/// The next window from `cursor` (first day not fetched) of at most `max_days` days, ending
/// before `today` (data-connect gives complete days up to yesterday); none when up to date.
/// The end day is excluded, as data-connect's `end_date`.
pub fn window(cursor: i64, today: i64, max_days: i64) -> Option<(i64, i64)> {
    (cursor < today).then(|| (cursor, (cursor + max_days.max(1)).min(today)))
}

/// Every window that covers `from..to` (end excluded), in order: what a back-fill requests.
pub fn windows(from: i64, to: i64, max_days: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut cursor = from;
    while let Some(w) = window(cursor, to, max_days) {
        out.push(w);
        cursor = w.1;
    }
    out
}
