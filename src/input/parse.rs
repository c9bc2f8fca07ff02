//! Cell parsers for what spreadsheets export. Each returns a plain-language
//! reason on failure; callers attach file, line and field.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

/// Dates: ISO `2026-09-14`, US `9/14/2026` or `09/14/2026`, and timestamps
/// (`2026-09-14T18:30:00Z`, `2026-09-14 18:30`) which are converted to the
/// practice's time zone: a late-evening visit exported in UTC belongs to
/// the local calendar day.
pub fn date(text: &str, tz: Tz) -> Result<NaiveDate, String> {
    let s = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d);
    }
    if s.contains('/') {
        let parts: Vec<&str> = s.split('/').collect();
        if parts.len() == 3 && parts[2].len() == 2 {
            return Err(format!(
                "'{s}' has a two-digit year: write the year in full (e.g. 9/14/2026 or 2026-09-14)"
            ));
        }
        if let Ok(d) = NaiveDate::parse_from_str(s, "%m/%d/%Y") {
            return Ok(d);
        }
        return Err(format!(
            "'{s}' is not a valid date (month/day/year): check month and day, e.g. 9/14/2026"
        ));
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Ok(dt.with_timezone(&tz).date_naive());
    }
    if let Some(local) = [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
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
    fn whole_numbers() {
        assert_eq!(whole_number("45", "min"), Ok(45));
        assert_eq!(whole_number("56mg", "mg"), Ok(56));
        assert_eq!(whole_number("56 mg", "mg"), Ok(56));
        assert!(whole_number("4.5", "min").is_err());
        assert!(whole_number("-3", "min").is_err());
    }
}
