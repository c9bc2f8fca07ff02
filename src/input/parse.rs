//! Cell parsers for what spreadsheets export. Each returns a plain-language
//! reason on failure; callers attach file, line and field.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use chrono_tz::Tz;
use serde::Deserialize;

/// How to read a timestamp at exactly 00:00:00 UTC (`2026-09-14T00:00:00Z`).
/// Many systems store a plain date that way; converted to a US time zone it
/// would fall on the day before. `practice.toml`: `utc_midnight`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UtcMidnight {
    /// The calendar date written (the default).
    #[default]
    Date,
    /// A real instant, converted to the practice's time zone.
    Convert,
}

/// How dates of service and payment dates are read.
#[derive(Debug, Clone, Copy)]
pub struct DateRules {
    pub tz: Tz,
    pub utc_midnight: UtcMidnight,
}

/// A date read from a cell; `utc_midnight` when it was a timestamp at
/// exactly 00:00:00 UTC (read as `DateRules` say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadDate {
    pub date: NaiveDate,
    pub utc_midnight: bool,
}

/// Dates: ISO `2026-09-14`, US `9/14/2026`, `09/14/2026` or `9/14/26`
/// (optionally with a time: `9/14/2026 10:00`, `9/14/2026 10:00 AM`,
/// taken as local time), `Sep 14, 2026` or `September 14, 2026`, and
/// timestamps (`2026-09-14T18:30:00Z`, `2026-09-14T18:30:00-0600`,
/// `2026-09-14T18:30:00.000`, `2026-09-14 18:30`). A timestamp with an
/// offset is converted to the practice's time zone: a late-evening visit
/// exported in UTC belongs to the local calendar day. Errors are reasons
/// that follow the cell (or its description): "is not a date: ...".
pub fn date(text: &str, tz: Tz) -> Result<NaiveDate, String> {
    date_with(
        text,
        DateRules {
            tz,
            utc_midnight: UtcMidnight::Convert,
        },
    )
    .map(|d| d.date)
}

/// [`date`] with the practice's rule for timestamps at 00:00:00 UTC.
pub fn date_with(text: &str, rules: DateRules) -> Result<ReadDate, String> {
    parse_date(text, Some(rules))
}

/// Date-only fields (a date of birth): the same forms as [`date`], but a
/// timestamp's calendar date is taken as written, never converted between
/// time zones (`1975-07-09T00:00:00Z` is July 9, 1975 everywhere), and a
/// two-digit year is refused (1926 or 2026?).
pub fn calendar_date(text: &str) -> Result<NaiveDate, String> {
    parse_date(text, None).map(|d| d.date)
}

/// `rules` say how timestamps with an offset are converted; `None` keeps
/// the date as written.
fn parse_date(text: &str, rules: Option<DateRules>) -> Result<ReadDate, String> {
    let s = text.trim();
    let plain = |date| {
        Ok(ReadDate {
            date,
            utc_midnight: false,
        })
    };
    if let Some(d) = iso_date(s) {
        return plain(d);
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return plain(d);
    }
    if s.contains('/') {
        return us_date(s, rules.is_some()).and_then(plain);
    }
    if let Some(dt) = with_offset(s) {
        let midnight = dt.offset().local_minus_utc() == 0
            && dt.time().num_seconds_from_midnight() == 0
            && dt.time().nanosecond() == 0;
        return Ok(ReadDate {
            date: match rules {
                Some(r) if !(midnight && r.utc_midnight == UtcMidnight::Date) => {
                    dt.with_timezone(&r.tz).date_naive()
                }
                _ => dt.naive_local().date(),
            },
            utc_midnight: midnight,
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
        return plain(local.date());
    }
    if let Some(d) = month_name_date(s) {
        return plain(d);
    }
    let dotted: Vec<&str> = s.split('.').collect();
    if dotted.len() == 3
        && dotted
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("is written with dots, which does not say whether the day or the month comes first: write 2026-09-03 (year-month-day) or 9/3/2026 (month/day/year)".into());
    }
    Err("is not a date: use 2026-09-14, 9/14/2026 or Sep 14, 2026".into())
}

/// `2026-09-14` exactly, read without chrono's format parser: it is what
/// nearly every cell holds, and a million rows have several dates each.
/// Anything else (and an impossible day) goes the general way.
fn iso_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// `Sep 3, 2026`, `September 3, 2026`, `Sept 3 2026`, `3 Sep 2026`: the
/// month spelt out cannot be mistaken for the day.
fn month_name_date(s: &str) -> Option<NaiveDate> {
    let s = s.replace(',', " ");
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.len() != 3 {
        return None;
    }
    let month = |w: &str| {
        let w = w.trim_end_matches('.').to_ascii_lowercase();
        let w = if w == "sept" { "sep".to_string() } else { w };
        ["%b %d %Y", "%B %d %Y"]
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(&format!("{w} 1 2000"), f).ok())
            .map(|d| d.format("%b").to_string())
    };
    let (m, d, y) = match (month(words[0]), month(words[1])) {
        (Some(m), None) => (m, words[1], words[2]),
        (None, Some(m)) => (m, words[0], words[2]),
        _ => return None,
    };
    if y.len() != 4 {
        return None;
    }
    NaiveDate::parse_from_str(&format!("{m} {d} {y}"), "%b %d %Y").ok()
}

/// `9/14/2026`, optionally followed by a local time of day. `9/14/26` is
/// 2026 when `short_years` (dates of service), refused otherwise.
fn us_date(s: &str, short_years: bool) -> Result<NaiveDate, String> {
    let day = s.split_whitespace().next().unwrap_or(s);
    let time = s[day.len()..].trim();
    let parts: Vec<&str> = day.split('/').collect();
    let two_digit = parts.len() == 3 && parts[2].len() == 2;
    if two_digit && !short_years {
        return Err(
            "has a two-digit year: write the year in full (e.g. 7/9/1975 or 1975-07-09)".into(),
        );
    }
    let format = if two_digit { "%m/%d/%y" } else { "%m/%d/%Y" };
    let parsed = NaiveDate::parse_from_str(day, format)
        .ok()
        .filter(|_| parts.len() == 3 && (two_digit || parts[2].len() == 4));
    let Some(d) = parsed else {
        return Err(
            "is not a valid date (month/day/year): check month and day, e.g. 9/14/2026".into(),
        );
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
        return Err(
            "has a time of day that cannot be read: write e.g. 9/14/2026 10:00 (or just 9/14/2026)"
                .into(),
        );
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
        .map_err(|_| format!("is not a whole number of {unit}"))
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
    fn iso_fast_path_reads_what_chrono_reads() {
        for s in [
            "2026-09-14",
            "2024-02-29",
            "2026-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-09-00",
            "2026-09-31",
            "0000-01-01",
            "9999-12-31",
            "2026-9-14",
            "2026-09-1x",
            "20260-9-14",
            "2026/09/14",
            "+2026-09-1",
            "2026-09-14 ",
        ] {
            let chrono = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
            match iso_date(s) {
                // When the fast path reads a date, chrono reads the same one.
                Some(d) => assert_eq!(Some(d), chrono, "{s}"),
                // It declines only what is not YYYY-MM-DD (the general
                // path then decides) or is no date at all.
                None => assert!(
                    chrono.is_none()
                        || s.len() != 10
                        || !s.bytes().all(|b| b.is_ascii_digit() || b == b'-'),
                    "{s}"
                ),
            }
        }
    }

    #[test]
    fn unambiguous_us_and_spelt_out_dates() {
        assert_eq!(date("9/3/26", DENVER), Ok(d(2026, 9, 3)));
        assert_eq!(date("09/03/26 10:00 AM", DENVER), Ok(d(2026, 9, 3)));
        assert_eq!(date("Sep 3, 2026", DENVER), Ok(d(2026, 9, 3)));
        assert_eq!(date("September 3, 2026", DENVER), Ok(d(2026, 9, 3)));
        assert_eq!(date("Sept. 3, 2026", DENVER), Ok(d(2026, 9, 3)));
        assert_eq!(date("sep 3 2026", DENVER), Ok(d(2026, 9, 3)));
        assert_eq!(date("3 Sep 2026", DENVER), Ok(d(2026, 9, 3)));
        assert_eq!(calendar_date("July 9, 1975"), Ok(d(1975, 7, 9)));
        assert!(date("Sep 31, 2026", DENVER).is_err());
        assert!(date("Sep 3, 26", DENVER).is_err());
    }

    #[test]
    fn dotted_dates_stay_errors_naming_the_form() {
        let e = date("03.09.2026", DENVER).unwrap_err();
        assert!(e.contains("day or the month comes first"), "{e}");
        assert!(e.contains("2026-09-03"), "{e}");
    }

    #[test]
    fn utc_timestamps_fall_on_the_local_day() {
        // 02:30 UTC on Oct 1 is 20:30 on Sep 30 in Denver.
        assert_eq!(date("2026-10-01T02:30:00Z", DENVER), Ok(d(2026, 9, 30)));
    }

    #[test]
    fn midnight_utc_is_read_as_the_practice_says() {
        let rules = |utc_midnight| DateRules {
            tz: DENVER,
            utc_midnight,
        };
        for cell in [
            "2026-09-14T00:00:00Z",
            "2026-09-14T00:00:00.000Z",
            "2026-09-14T00:00:00+00:00",
            "2026-09-14 00:00:00+0000",
        ] {
            assert_eq!(
                date_with(cell, rules(UtcMidnight::Date)),
                Ok(ReadDate {
                    date: d(2026, 9, 14),
                    utc_midnight: true
                }),
                "{cell}"
            );
            assert_eq!(
                date_with(cell, rules(UtcMidnight::Convert)),
                Ok(ReadDate {
                    date: d(2026, 9, 13),
                    utc_midnight: true
                }),
                "{cell}"
            );
        }
        // Not midnight UTC: converted either way, and not flagged.
        for cell in ["2026-09-14T00:00:01Z", "2026-09-14T00:00:00-06:00"] {
            let r = date_with(cell, rules(UtcMidnight::Date)).unwrap();
            assert!(!r.utc_midnight, "{cell}");
        }
    }

    #[test]
    fn bad_dates_say_why() {
        assert!(date("2026-13-05", DENVER).is_err());
        assert!(date("13/14/2026", DENVER)
            .unwrap_err()
            .contains("month/day/year"));
        assert!(calendar_date("9/14/26")
            .unwrap_err()
            .contains("two-digit year"));
        assert!(date("Sept 14", DENVER).is_err());
        assert!(date("46279", DENVER).is_err());
        assert!(date("9/14/226", DENVER).is_err());
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
        assert!(calendar_date("9/9/26 10:00")
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
    fn errors_never_echo_the_cell() {
        // The caller decides whether the cell may be shown (see privacy).
        for cell in [
            "9/9/26 1o:00",
            "13/9/2026",
            "9/9/2026 noon",
            "Sept 14",
            "1975-07-09x",
        ] {
            let e = date(cell, DENVER).unwrap_err();
            assert!(!e.contains(cell), "{e}");
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
