//! Money as integer cents. Floats never touch an amount: a superbill that is
//! off by a cent is a superbill an accountant cannot reconcile.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cents(pub i64);

/// Serialised as the plain decimal string (`"1250.00"`), so templates and
/// JSON never see a float.
impl serde::Serialize for Cents {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.plain())
    }
}

/// Read back from the same plain decimal string (the batch's manifest).
impl<'de> serde::Deserialize<'de> for Cents {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Cents, D::Error> {
        let text = String::deserialize(d)?;
        Cents::parse(&text).map_err(|e| serde::de::Error::custom(format!("amount {e}")))
    }
}

impl Cents {
    pub const ZERO: Cents = Cents(0);

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Parses what billing exports contain: `1250`, `1250.5`, `1250.00`,
    /// `$1,250.00`, `-40.00`, `($40.00)` (accounting negative), `-$40`.
    /// More than two decimal places is refused rather than rounded.
    ///
    /// ```
    /// use superbill::money::Cents;
    /// assert_eq!(Cents::parse("$1,250.00"), Ok(Cents(125_000)));
    /// assert_eq!(Cents::parse("($40.00)").unwrap().display(), "-$40.00");
    /// assert!(Cents::parse("12.345").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Cents, String> {
        let mut s = text.trim();
        if s.is_empty() {
            return Err("is empty".into());
        }
        let mut negative = false;
        if s.starts_with('(') && s.ends_with(')') {
            negative = true;
            s = &s[1..s.len() - 1];
        }
        if let Some(rest) = s.strip_prefix('-') {
            if negative {
                return Err(format!("'{text}' has more than one minus sign"));
            }
            negative = true;
            s = rest;
        }
        s = s.strip_prefix('$').unwrap_or(s).trim_start();
        // `-$40` and `$-40` are both seen; `--40` or `(-40)` are typos.
        if let Some(rest) = s.strip_prefix('-') {
            if negative {
                return Err(format!("'{text}' has more than one minus sign"));
            }
            negative = true;
            s = rest;
        }
        let (whole, frac) = match s.split_once('.') {
            Some((w, f)) => (w, f),
            None => (s, ""),
        };
        if whole.is_empty() && frac.is_empty() {
            return Err(format!("'{text}' is not an amount"));
        }
        // Thousands separators must sit in groups of three, so `1,25.00`
        // (a typo) is refused instead of read as 125.00.
        let digits: String = if whole.contains(',') {
            let groups: Vec<&str> = whole.split(',').collect();
            let ok = !groups[0].is_empty()
                && groups[0].len() <= 3
                && groups[1..].iter().all(|g| g.len() == 3);
            if !ok {
                return Err(format!("'{text}' has misplaced thousands separators"));
            }
            groups.concat()
        } else {
            whole.to_string()
        };
        if !digits.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit())
        {
            return Err(format!("'{text}' is not an amount (expected e.g. 1250.00)"));
        }
        if frac.len() > 2 {
            return Err(format!("'{text}' has more than two decimal places"));
        }
        let whole_val: i64 = if digits.is_empty() {
            0
        } else {
            digits
                .parse()
                .map_err(|_| format!("'{text}' is too large"))?
        };
        let frac_val: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().unwrap_or(0) * 10,
            _ => frac.parse::<i64>().unwrap_or(0),
        };
        let cents = whole_val
            .checked_mul(100)
            .and_then(|c| c.checked_add(frac_val))
            .ok_or_else(|| format!("'{text}' is too large"))?;
        Ok(Cents(if negative { -cents } else { cents }))
    }

    /// `1250.00`, `-40.00`: the plain form used in CSV exports.
    pub fn plain(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", a / 100, a % 100)
    }

    /// `$1,250.00`, `-$40.00`: the form printed on documents.
    pub fn display(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let whole = (a / 100).to_string();
        let mut grouped = String::new();
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        format!("{sign}${grouped}.{:02}", a % 100)
    }
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.plain())
    }
}

impl Add for Cents {
    type Output = Cents;
    fn add(self, o: Cents) -> Cents {
        Cents(self.0 + o.0)
    }
}
impl AddAssign for Cents {
    fn add_assign(&mut self, o: Cents) {
        self.0 += o.0;
    }
}
impl Sub for Cents {
    type Output = Cents;
    fn sub(self, o: Cents) -> Cents {
        Cents(self.0 - o.0)
    }
}
impl SubAssign for Cents {
    fn sub_assign(&mut self, o: Cents) {
        self.0 -= o.0;
    }
}
impl Neg for Cents {
    type Output = Cents;
    fn neg(self) -> Cents {
        Cents(-self.0)
    }
}
impl Mul<u32> for Cents {
    type Output = Cents;
    fn mul(self, n: u32) -> Cents {
        Cents(self.0 * i64::from(n))
    }
}
impl Sum for Cents {
    fn sum<I: Iterator<Item = Cents>>(iter: I) -> Cents {
        iter.fold(Cents::ZERO, Add::add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_export_formats() {
        assert_eq!(Cents::parse("1250"), Ok(Cents(125_000)));
        assert_eq!(Cents::parse("1250.00"), Ok(Cents(125_000)));
        assert_eq!(Cents::parse("$1,250.00"), Ok(Cents(125_000)));
        assert_eq!(Cents::parse(" 12.5 "), Ok(Cents(1_250)));
        assert_eq!(Cents::parse("-40.00"), Ok(Cents(-4_000)));
        assert_eq!(Cents::parse("-$40"), Ok(Cents(-4_000)));
        assert_eq!(Cents::parse("($40.00)"), Ok(Cents(-4_000)));
        assert_eq!(Cents::parse(".99"), Ok(Cents(99)));
        assert_eq!(Cents::parse("$1,000,000.01"), Ok(Cents(100_000_001)));
    }

    #[test]
    fn refuses_ambiguous_amounts() {
        for bad in [
            "", "abc", "1.234", "1,25.00", "12,3456", "$", "1.2.3", "1e3", "--5",
        ] {
            assert!(Cents::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn formats() {
        assert_eq!(Cents(125_000).plain(), "1250.00");
        assert_eq!(Cents(-5).plain(), "-0.05");
        assert_eq!(Cents(125_000).display(), "$1,250.00");
        assert_eq!(Cents(99).display(), "$0.99");
        assert_eq!(Cents(-123_456_789).display(), "-$1,234,567.89");
        assert_eq!(Cents(40_000) * 3, Cents(120_000));
    }
}
