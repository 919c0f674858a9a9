//! Timestamps of flat files: with an offset (`2024-10-27T01:30:00Z`, `+02:00`) they are
//! instants; without one (`2024-10-27 02:30:00`, Energisme's `AAAA-MM-JJ HH:MM:SS`) they are
//! wall-clock times of the configured time zone, whose daylight-saving rules come from the
//! bundled IANA database.
//!
//! The rule for naive times a daylight-saving change makes doubtful:
//! - a time that does not exist (the hour skipped in spring, 02:30 on the last Sunday of March
//!   in Europe/Paris) is refused: no instant was measured then, so the line is dead-lettered;
//! - a time that exists twice (the hour repeated in autumn, 02:30 on the last Sunday of
//!   October) is refused by default (`ambiguous: reject`), since the line alone cannot say which
//!   of the two instants it means; `ambiguous: earlier` or `later` picks one for sources known to
//!   write one of them (for instance a logger that stays on summer time until the change).

use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone};

/// What a naive time repeated by a daylight-saving change means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ambiguous {
    /// Refused: the line goes to the dead letter (default).
    Reject,
    /// The first of the two instants (still on summer time).
    Earlier,
    /// The second of the two instants (already on winter time).
    Later,
}

/// How a timestamp field is read.
#[derive(Debug, Clone)]
pub struct TimeRule {
    /// The zone of naive times.
    pub zone: TimeZone,
    /// Its name, for messages.
    pub zone_name: String,
    /// A `strftime`-style format of naive times, when not ISO 8601 (`%d/%m/%Y %H:%M`).
    pub format: Option<String>,
    /// What a repeated time means.
    pub ambiguous: Ambiguous,
}

impl TimeRule {
    /// The rule for a zone name (`UTC`, `Europe/Paris`).
    ///
    /// # Errors
    /// The zone is not in the bundled database.
    pub fn new(zone_name: &str, format: Option<String>, ambiguous: Ambiguous) -> Result<Self, String> {
        let zone = TimeZone::get(zone_name).map_err(|e| format!("unknown time zone {zone_name:?}: {e}"))?;
        Ok(Self { zone, zone_name: zone_name.to_string(), format, ambiguous })
    }

    /// The instant of `text` in milliseconds since the Unix epoch.
    ///
    /// # Errors
    /// A reason naming the text: it does not parse, does not exist in the zone, or is ambiguous.
    pub fn millis(&self, text: &str) -> Result<i64, String> {
        let text = text.trim();
        if self.format.is_none()
            && let Ok(ts) = text.parse::<jiff::Timestamp>()
        {
            return Ok(ts.as_millisecond());
        }
        let civil = match &self.format {
            Some(f) => DateTime::strptime(f, text)
                .map_err(|e| format!("timestamp {text:?} does not match {f:?}: {e}"))?,
            None => {
                text.parse::<DateTime>().map_err(|_| format!("timestamp {text:?} is not a date and time"))?
            }
        };
        let ambiguous = self.zone.to_ambiguous_timestamp(civil);
        let ts = match ambiguous.offset() {
            AmbiguousOffset::Unambiguous { .. } => ambiguous.compatible(),
            AmbiguousOffset::Gap { .. } => {
                return Err(format!(
                    "timestamp {text:?} does not exist in {} (skipped by a daylight-saving change)",
                    self.zone_name
                ));
            }
            AmbiguousOffset::Fold { .. } => match self.ambiguous {
                Ambiguous::Reject => {
                    return Err(format!(
                        "timestamp {text:?} is ambiguous in {} (repeated by a daylight-saving change; setting `ambiguous` can pick earlier or later)",
                        self.zone_name
                    ));
                }
                Ambiguous::Earlier => ambiguous.earlier(),
                Ambiguous::Later => ambiguous.later(),
            },
        };
        ts.map(|t| t.as_millisecond()).map_err(|e| format!("timestamp {text:?}: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::{Ambiguous, TimeRule};

    fn ms(iso: &str) -> i64 {
        iso.parse::<jiff::Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn paris_across_both_changes_of_2024() {
        let paris = TimeRule::new("Europe/Paris", None, Ambiguous::Reject).unwrap();
        assert_eq!(paris.millis("2024-03-31 01:30:00"), Ok(ms("2024-03-31T00:30:00Z")));
        assert_eq!(paris.millis("2024-03-31 03:30:00"), Ok(ms("2024-03-31T01:30:00Z")));
        assert!(paris.millis("2024-03-31 02:30:00").unwrap_err().contains("does not exist"));
        assert_eq!(paris.millis("2024-10-27 01:30:00"), Ok(ms("2024-10-26T23:30:00Z")));
        assert!(paris.millis("2024-10-27 02:30:00").unwrap_err().contains("ambiguous"));
        assert_eq!(paris.millis("2024-10-27 03:30:00"), Ok(ms("2024-10-27T02:30:00Z")));
        let later = TimeRule::new("Europe/Paris", None, Ambiguous::Later).unwrap();
        assert_eq!(later.millis("2024-10-27 02:30:00"), Ok(ms("2024-10-27T01:30:00Z")));
        let earlier = TimeRule::new("Europe/Paris", None, Ambiguous::Earlier).unwrap();
        assert_eq!(earlier.millis("2024-10-27 02:30:00"), Ok(ms("2024-10-27T00:30:00Z")));
    }

    #[test]
    fn offsets_win_and_formats_apply() {
        let paris = TimeRule::new("Europe/Paris", None, Ambiguous::Reject).unwrap();
        assert_eq!(paris.millis("2024-10-27T02:30:00+01:00"), Ok(ms("2024-10-27T01:30:00Z")));
        let fr = TimeRule::new("Europe/Paris", Some("%d/%m/%Y %H:%M".into()), Ambiguous::Reject).unwrap();
        assert_eq!(fr.millis("15/01/2024 10:00"), Ok(ms("2024-01-15T09:00:00Z")));
        assert!(fr.millis("2024-01-15").is_err());
        assert!(TimeRule::new("Mars/Olympus", None, Ambiguous::Reject).is_err());
    }
}
