//! The plugin's settings, read at `start`.

use passerelle_pdk::connector::ConnectorError;

/// How a time is written in the `since` query parameter, or read as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    /// RFC 3339 in UTC (`2024-01-01T00:00:00Z`).
    Rfc3339,
    /// Milliseconds since the Unix epoch.
    Millis,
    /// Seconds since the Unix epoch.
    Seconds,
}

/// A listing: where it is, where its records are, and how its pages follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// Path after `base_url` (a template for series: `{device}`).
    pub path: String,
    /// Dotted path of the array of records in an answer.
    pub records: String,
    /// Dotted path of the next page in an answer: a URL (absolute, or a path from the
    /// origin), or a token sent as `token_param`; absent, null or empty on the last page.
    pub next: String,
    /// Query parameter of a page token.
    pub token_param: String,
}

/// Every setting, with its default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The API's base URL (`https://api.vendor.example/v1`), required.
    pub base_url: String,
    /// Devices listing (defaults: `/devices`, records `devices`, next `next_page_token`, token
    /// parameter `page_token`).
    pub devices: Listing,
    /// Device id field of a device record (default `id`).
    pub device_id_field: String,
    /// Unit field of a device record, used when a point has none (default `unit`).
    pub device_unit_field: String,
    /// Series of one device (defaults: `/devices/{device}/series`, records `points`, next
    /// `next`, token parameter `page_token`).
    pub series: Listing,
    /// Query parameter of the cursor (default `since`).
    pub since_param: String,
    /// How the cursor is written (default `rfc3339`; `ms`, `s`).
    pub since_format: TimeFormat,
    /// Field paths of a point: time (default `timestamp`), value (`value`), unit (`unit`),
    /// name (none: every reading is named `name`).
    pub time_field: String,
    /// See `time_field`.
    pub value_field: String,
    /// See `time_field`.
    pub unit_field: String,
    /// See `time_field`.
    pub name_field: Option<String>,
    /// The reading name without a `name_field` (default `value`).
    pub name: String,
    /// The unit when neither the point nor the device gives one.
    pub unit: Option<String>,
    /// How a number time is read (default `s`; `ms`).
    pub time_unit: TimeFormat,
    /// The first cursor of a device never read, in milliseconds since the Unix epoch (setting
    /// `start`, RFC 3339; default 1970-01-01T00:00:00Z).
    pub start_ms: i64,
    /// Headers of every request (settings `header.<Name>`; values may hold `{secret:NAME}`).
    pub headers: Vec<(String, String)>,
    /// Query parameters of every request (settings `query.<name>`; values may hold
    /// `{secret:NAME}`).
    pub query: Vec<(String, String)>,
    /// Interval between two polling cycles, from the start of one (default 300000 ms).
    pub poll_ms: i64,
    /// First wait after a failure (5xx, time-out, unreachable); doubled after each failure in a
    /// row up to `retry_max_ms` (defaults 1000 and 60000 ms).
    pub retry_min_ms: i64,
    /// See `retry_min_ms`.
    pub retry_max_ms: i64,
    /// Time-out of each request in milliseconds (default: the connector's).
    pub timeout_ms: Option<u32>,
}

fn bad(name: &str, why: String) -> ConnectorError {
    ConnectorError::BadSetting((name.to_string(), why))
}

fn time_format(name: &str, value: Option<String>, default: TimeFormat) -> Result<TimeFormat, ConnectorError> {
    match value.as_deref() {
        None => Ok(default),
        Some("rfc3339") if name == "since_format" => Ok(TimeFormat::Rfc3339),
        Some("ms") => Ok(TimeFormat::Millis),
        Some("s") => Ok(TimeFormat::Seconds),
        Some(v) => Err(bad(name, format!("{v:?} is not a time format here (rfc3339, ms, s)"))),
    }
}

fn millis(name: &str, value: Option<String>, default: i64) -> Result<i64, ConnectorError> {
    match value {
        None => Ok(default),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(bad(name, format!("{v:?} is not a positive number of milliseconds"))),
        },
    }
}

impl Settings {
    /// Reads the settings; a bad one is named.
    ///
    /// # Errors
    /// `bad-setting` with the setting's name and why.
    pub fn parse(settings: &[(String, String)]) -> Result<Self, ConnectorError> {
        let get = |k: &str| settings.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let or = |k: &str, d: &str| get(k).unwrap_or_else(|| d.to_string());
        let base_url = get("base_url").ok_or_else(|| bad("base_url", "is required".into()))?;
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(bad("base_url", format!("{base_url:?} is not an http:// or https:// URL")));
        }
        let start_ms = match get("start") {
            None => 0,
            Some(s) => passerelle_pdk::parse_rfc3339_ms(&s)
                .ok_or_else(|| bad("start", format!("{s:?} is not an RFC 3339 time")))?,
        };
        let prefixed = |prefix: &str| -> Vec<(String, String)> {
            settings
                .iter()
                .filter_map(|(k, v)| Some((k.strip_prefix(prefix)?.to_string(), v.clone())))
                .filter(|(k, _)| !k.is_empty())
                .collect()
        };
        let timeout_ms = match get("timeout_ms") {
            None => None,
            Some(t) => Some(t.parse().map_err(|_| bad("timeout_ms", format!("{t:?} is not a number")))?),
        };
        let retry_min_ms = millis("retry_min_ms", get("retry_min_ms"), 1_000)?;
        let retry_max_ms = millis("retry_max_ms", get("retry_max_ms"), 60_000)?.max(retry_min_ms);
        Ok(Self {
            base_url: base_url.trim_end_matches('/').to_string(),
            devices: Listing {
                path: or("devices_path", "/devices"),
                records: or("devices_records", "devices"),
                next: or("devices_next", "next_page_token"),
                token_param: or("devices_token_param", "page_token"),
            },
            device_id_field: or("device_id_field", "id"),
            device_unit_field: or("device_unit_field", "unit"),
            series: Listing {
                path: or("series_path", "/devices/{device}/series"),
                records: or("series_records", "points"),
                next: or("series_next", "next"),
                token_param: or("series_token_param", "page_token"),
            },
            since_param: or("since_param", "since"),
            since_format: time_format("since_format", get("since_format"), TimeFormat::Rfc3339)?,
            time_field: or("time_field", "timestamp"),
            value_field: or("value_field", "value"),
            unit_field: or("unit_field", "unit"),
            name_field: get("name_field"),
            name: or("name", "value"),
            unit: get("unit"),
            time_unit: time_format("time_unit", get("time_unit"), TimeFormat::Seconds)?,
            start_ms,
            headers: prefixed("header."),
            query: prefixed("query."),
            poll_ms: millis("poll_ms", get("poll_ms"), 300_000)?,
            retry_min_ms,
            retry_max_ms,
            timeout_ms,
        })
    }
}
