//! RFC 3339 timestamps to milliseconds since the Unix epoch, without a clock or a time zone
//! database: the same text gives the same instant on every machine.

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]` (a space may replace `T`; no offset means UTC,
/// as in Energisme's `AAAA-MM-JJ HH:MM:SS`).
pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = s.get(from..from + len)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let sep = |at: usize, c: &[u8]| b.get(at).is_some_and(|x| c.contains(x));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if sep(i, b".") {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let frac = s.get(start..i)?;
        if frac.is_empty() {
            return None;
        }
        // Milliseconds: the first three digits, padded ("5" is 500); finer digits truncated.
        millis = frac.bytes().chain(*b"000").take(3).fold(0, |ms, c| ms * 10 + i64::from(c - b'0'));
    }
    let offset_min = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if b.len() == i + 6 && sep(i + 3, b":") => {
            let (h, m) = (num(i + 1, 2)?, num(i + 4, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            if *sign == b'+' { h * 60 + m } else { -(h * 60 + m) }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    // A day the month does not have (February 30th) is refused, never rolled over.
    if civil_from_days(days) != (year, month, day) {
        return None;
    }
    Some(((days * 86_400 + hour * 3600 + minute * 60 + second) - offset_min * 60) * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Year, month (1-12) and day (1-31) of a day count since 1970-01-01, in the proleptic
/// Gregorian calendar (H. Hinnant's civil-from-days): the inverse of the day count above.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::{civil_from_days, parse_rfc3339_ms};

    #[test]
    fn parses_forms() {
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339_ms("2019-04-28T12:59:36.599Z"), Some(1_556_456_376_599));
        assert_eq!(parse_rfc3339_ms("2019-04-28 12:59:36"), Some(1_556_456_376_000));
        assert_eq!(parse_rfc3339_ms("2019-04-28T14:59:36.5+02:00"), Some(1_556_456_376_500));
        assert_eq!(parse_rfc3339_ms("2019-04-28"), None);
        assert_eq!(parse_rfc3339_ms("2019-13-28T12:59:36Z"), None);
        assert_eq!(parse_rfc3339_ms("2019-04-28T12:59:36Zjunk"), None);
        assert_eq!(parse_rfc3339_ms("2019-02-29T00:00:00Z"), None, "2019 is not a leap year");
        assert_eq!(parse_rfc3339_ms("2019-04-31T00:00:00Z"), None);
        assert!(parse_rfc3339_ms("2020-02-29T00:00:00Z").is_some());
        assert_eq!(parse_rfc3339_ms("2019-04-28T12:59:36+24:00"), None);
        assert_eq!(parse_rfc3339_ms("2019-04-28T12:59:36+01:60"), None);
    }

    #[test]
    fn days_round_trip() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_000), (2022, 1, 8));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }
}
