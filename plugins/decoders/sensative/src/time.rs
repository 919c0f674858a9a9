//! UTC date text in the form JavaScript's `Date.prototype.toUTCString` writes it
//! (`Thu, 01 Jan 1970 00:00:00 GMT`), computed from milliseconds since the Unix epoch with no
//! clock and no time zone.

use passerelle_pdk::civil_from_days;
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `toUTCString` of a time in milliseconds since the Unix epoch (milliseconds dropped).
pub fn utc_string(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let weekday = usize::try_from(days.rem_euclid(7)).unwrap_or(0);
    let month_name = usize::try_from(month - 1).ok().and_then(|m| MONTHS.get(m)).copied().unwrap_or("Jan");
    format!(
        "{}, {day:02} {month_name} {year:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS.get(weekday).copied().unwrap_or("Thu"),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::utc_string;

    #[test]
    fn formats_like_javascript() {
        assert_eq!(utc_string(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(utc_string(-1000), "Wed, 31 Dec 1969 23:59:59 GMT");
        assert_eq!(utc_string(1_700_000_000_999), "Tue, 14 Nov 2023 22:13:20 GMT");
        assert_eq!(utc_string(951_782_400_000), "Tue, 29 Feb 2000 00:00:00 GMT");
    }
}
