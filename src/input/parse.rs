//! Cell parsers for what spreadsheets export. Each returns a plain-language
//! reason on failure; callers attach file, line and field.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use chrono_tz::Tz;

/// Dates: ISO `2026-09-14`, US `9/14/2026` or `09/14/2026` (optionally
/// with a time: `9/14/2026 10:00`, `9/14/2026 10:00:00`, `9/14/2026
/// 10:00 AM`, taken as local time), and timestamps (`2026-09-14T18:30:00Z`,
/// `2026-09-14T18:30:00-0600`, `2026-09-14T18:30:00.000`, `2026-09-14
/// 18:30`). A timestamp with an offset is converted to the practice's time
/// zone: a late-evening visit exported in UTC belongs to the local
/// calendar day.
pub fn date(text: &str, tz: Tz) -> Result<NaiveDate, String> {
    parse_date(text, Some(tz))
}

/// Date-only fields (a date of birth): the same forms as [`date`], but a
/// timestamp's calendar date is taken as written, never converted between
/// time zones (`1975-07-09T00:00:00Z` is July 9, 1975 everywhere).
pub fn calendar_date(text: &str) -> Result<NaiveDate, String> {
    parse_date(text, None)
}

/// `tz` is the zone timestamps with an offset are converted to; `None`
/// keeps the date as written.
fn parse_date(text: &str, tz: Option<Tz>) -> Result<NaiveDate, String> {
    let s = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d);
    }
    if s.contains('/') {
        return us_date(s);
    }
    if let Some(dt) = with_offset(s) {
        return Ok(match tz {
            Some(tz) => dt.with_timezone(&tz).date_naive(),
            None => dt.naive_local().date(),
        });
    }
    if let Some(local) = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    {
        // A timestamp without an offset is already local time.
        return Ok(local.date());
    }
    Err(format!(
        "'{s}' is not a date: use 2026-09-14 (or 9/14/2026)"
    ))
}

/// `9/14/2026`, optionally followed by a local time of day.
fn us_date(s: &str) -> Result<NaiveDate, String> {
    let day = s.split_whitespace().next().unwrap_or(s);
    let time = s[day.len()..].trim();
    let parts: Vec<&str> = day.split('/').collect();
    if parts.len() == 3 && parts[2].len() == 2 {
        return Err(format!(
            "'{s}' has a two-digit year: write the year in full (e.g. 9/14/2026 or 2026-09-14)"
        ));
    }
    let Ok(d) = NaiveDate::parse_from_str(day, "%m/%d/%Y") else {
        return Err(format!(
            "'{s}' is not a valid date (month/day/year): check month and day, e.g. 9/14/2026"
        ));
    };
    let time_ok = time.is_empty()
        || [
            "%H:%M",
            "%H:%M:%S",
            "%H:%M:%S%.f",
            "%I:%M %p",
            "%I:%M:%S %p",
            "%I:%M%p",
            "%I:%M:%S%p",
        ]
        .iter()
        .any(|f| NaiveTime::parse_from_str(time, f).is_ok());
    if !time_ok {
        return Err(format!(
            "'{s}' has a time of day that cannot be read: write e.g. 9/14/2026 10:00 (or just 9/14/2026)"
        ));
    }
    // A US date with a time is local time: no conversion.
    Ok(d)
}

/// Timestamps carrying an offset: RFC 3339 (`Z` or `-06:00`), an offset
/// without a colon (`-0600`), with or without fractional seconds.
fn with_offset(s: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt);
    }
    let zulu;
    let s = match s.strip_suffix(['Z', 'z']) {
        Some(rest) => {
            zulu = format!("{rest}+0000");
            zulu.as_str()
        }
        None => s,
    };
    [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M%z",
    ]
    .iter()
    .find_map(|f| DateTime::parse_from_str(s, f).ok())
}

/// Whole minutes or milligrams: `45`, `45 min`, `56mg`.
pub fn whole_number(text: &str, unit: &str) -> Result<u32, String> {
    let s = text.trim();
    let digits = s
        .strip_suffix(unit)
        .or_else(|| s.strip_suffix(&unit.to_ascii_uppercase()))
        .unwrap_or(s)
        .trim();
    digits
        .parse::<u32>()
        .map_err(|_| format!("'{s}' is not a whole number of {unit}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DENVER: Tz = chrono_tz::America::Denver;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dates_in_export_formats() {
        assert_eq!(date("2026-09-14", DENVER), Ok(d(2026, 9, 14)));
        assert_eq!(date("09/14/2026", DENVER), Ok(d(2026, 9, 14)));
        assert_eq!(date("9/4/2026", DENVER), Ok(d(2026, 9, 4)));
        assert_eq!(date("2026-09-14 16:30", DENVER), Ok(d(2026, 9, 14)));
    }

    #[test]
    fn utc_timestamps_fall_on_the_local_day() {
        // 02:30 UTC on Oct 1 is 20:30 on Sep 30 in Denver.
        assert_eq!(date("2026-10-01T02:30:00Z", DENVER), Ok(d(2026, 9, 30)));
    }

    #[test]
    fn bad_dates_say_why() {
        assert!(date("2026-13-05", DENVER).is_err());
        assert!(date("13/14/2026", DENVER)
            .unwrap_err()
            .contains("month/day/year"));
        assert!(date("9/14/26", DENVER)
            .unwrap_err()
            .contains("two-digit year"));
        assert!(date("Sept 14", DENVER).is_err());
        assert!(date("46279", DENVER).is_err());
    }

    #[test]
    fn offsets_without_a_colon_are_converted() {
        assert_eq!(date("2026-09-07T10:00:00-0600", DENVER), Ok(d(2026, 9, 7)));
        // 23:30 at -0600 is 05:30 UTC the next day, 23:30 in Denver (MDT).
        assert_eq!(date("2026-09-07T23:30:00-0600", DENVER), Ok(d(2026, 9, 7)));
        // 01:00 at +0200 is 17:00 the previous day in Denver.
        assert_eq!(date("2026-09-08T01:00:00+0200", DENVER), Ok(d(2026, 9, 7)));
        assert_eq!(date("2026-09-07 10:00-0600", DENVER), Ok(d(2026, 9, 7)));
    }

    #[test]
    fn fractional_seconds() {
        assert_eq!(date("2026-09-14T10:00:00.000", DENVER), Ok(d(2026, 9, 14)));
        assert_eq!(
            date("2026-09-14 10:00:00.123456", DENVER),
            Ok(d(2026, 9, 14))
        );
        assert_eq!(date("2026-10-01T02:30:00.000Z", DENVER), Ok(d(2026, 9, 30)));
        assert_eq!(
            date("2026-10-01T02:30:00.000+0000", DENVER),
            Ok(d(2026, 9, 30))
        );
        assert_eq!(
            date("2026-10-01T02:30:00.5+00:00", DENVER),
            Ok(d(2026, 9, 30))
        );
        assert_eq!(
            date("2026-09-14T10:00:00.000-0600", DENVER),
            Ok(d(2026, 9, 14))
        );
    }

    #[test]
    fn us_dates_with_a_time_are_local() {
        assert_eq!(date("9/9/2026 10:00", DENVER), Ok(d(2026, 9, 9)));
        assert_eq!(date("9/9/2026 10:00:00", DENVER), Ok(d(2026, 9, 9)));
        assert_eq!(date("9/9/2026 10:00 AM", DENVER), Ok(d(2026, 9, 9)));
        assert_eq!(date("09/09/2026 11:45 pm", DENVER), Ok(d(2026, 9, 9)));
        assert_eq!(date("9/9/2026 23:59", DENVER), Ok(d(2026, 9, 9)));
        assert!(date("9/9/26 10:00", DENVER)
            .unwrap_err()
            .contains("two-digit year"));
        assert!(date("13/9/2026 10:00", DENVER)
            .unwrap_err()
            .contains("month/day/year"));
        let e = date("9/9/2026 noon", DENVER).unwrap_err();
        assert!(e.contains("time of day"), "{e}");
        assert!(date("9/9/2026 25:00", DENVER).is_err());
    }

    #[test]
    fn errors_echo_only_the_cell() {
        for cell in ["9/9/26 10:00", "13/9/2026", "9/9/2026 noon", "Sept 14"] {
            let e = date(cell, DENVER).unwrap_err();
            assert!(e.starts_with(&format!("'{cell}' ")), "{e}");
            assert_eq!(e.matches('\'').count(), 2, "{e}");
        }
    }

    #[test]
    fn calendar_dates_are_never_shifted() {
        assert_eq!(calendar_date("1975-07-09T00:00:00Z"), Ok(d(1975, 7, 9)));
        assert_eq!(calendar_date("1975-07-09T00:00:00.000Z"), Ok(d(1975, 7, 9)));
        assert_eq!(calendar_date("1975-07-09T23:00:00-0600"), Ok(d(1975, 7, 9)));
        assert_eq!(
            calendar_date("1975-07-09T00:00:00+14:00"),
            Ok(d(1975, 7, 9))
        );
        assert_eq!(calendar_date("1975-07-09"), Ok(d(1975, 7, 9)));
        assert_eq!(calendar_date("7/9/1975"), Ok(d(1975, 7, 9)));
        assert_eq!(calendar_date("07/09/1975 12:00 AM"), Ok(d(1975, 7, 9)));
        assert_eq!(calendar_date("1975-07-09 00:00"), Ok(d(1975, 7, 9)));
        assert!(calendar_date("7/9/75")
            .unwrap_err()
            .contains("two-digit year"));
        assert!(calendar_date("2/30/1975")
            .unwrap_err()
            .contains("month/day/year"));
        assert!(calendar_date("July 9").is_err());
        // Contrast: a date of service is converted.
        assert_eq!(date("1975-07-09T00:00:00Z", DENVER), Ok(d(1975, 7, 8)));
    }

    #[test]
    fn whole_numbers() {
        assert_eq!(whole_number("45", "min"), Ok(45));
        assert_eq!(whole_number("56mg", "mg"), Ok(56));
        assert_eq!(whole_number("56 mg", "mg"), Ok(56));
        assert!(whole_number("4.5", "min").is_err());
        assert!(whole_number("-3", "min").is_err());
    }
}
