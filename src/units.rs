//! Time and dose unit rules (primer sections 4 and 10). The figures (code
//! lists, minutes, thresholds, dose steps) come from `codes/units.toml`;
//! this module holds the arithmetic once, for every line whatever its
//! source. `Err` carries the plain reason a service is not billable as
//! such.

use serde::Deserialize;
use std::collections::BTreeMap;

/// `codes/units.toml`, merged with a practice's own.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    #[serde(default)]
    pub timed: BTreeMap<String, Timed>,
    #[serde(default)]
    pub tiers: BTreeMap<String, Tiers>,
    #[serde(default)]
    pub prolonged: BTreeMap<String, Prolonged>,
    #[serde(default)]
    pub dose: BTreeMap<String, DoseSteps>,
    /// E/M code -> minimum minutes when its level is chosen by time.
    #[serde(default)]
    pub em_time: BTreeMap<String, u32>,
    #[serde(default)]
    pub ndc: NdcRule,
}

/// An initial code for the first hour and an add-on per further hour
/// (infusion 96365/96366, hydration 96360/96361).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timed {
    pub initial: String,
    pub additional: String,
    pub min_minutes: u32,
    pub first_minutes: u32,
    pub each_minutes: u32,
    pub over_minutes: u32,
    pub finding: String,
    pub too_short: String,
}

impl Timed {
    /// (initial units, additional units) for `minutes` of running time.
    pub fn units(&self, minutes: u32) -> Result<(u32, u32), String> {
        if minutes < self.min_minutes {
            return Err(fill(&self.too_short, minutes));
        }
        let extra = minutes.saturating_sub(self.first_minutes);
        let each = self.each_minutes.max(1);
        let additional = extra / each + u32::from(extra % each > self.over_minutes);
        Ok((1, additional))
    }
}

/// Codes picked by minutes (psychotherapy 90832/90834/90837, and their
/// add-on twins beside an E/M).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tiers {
    pub min_minutes: u32,
    pub finding: String,
    pub too_short: String,
    pub tiers: Vec<Tier>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub from: u32,
    pub code: String,
    #[serde(default)]
    pub addon: Option<String>,
}

impl Tiers {
    /// The index of the tier `minutes` fall in.
    pub fn pick(&self, minutes: u32) -> Result<usize, String> {
        if minutes < self.min_minutes {
            return Err(fill(&self.too_short, minutes));
        }
        self.tiers
            .iter()
            .rposition(|t| minutes >= t.from)
            .ok_or_else(|| fill(&self.too_short, minutes))
    }

    /// The code of tier `i`, standalone or add-on.
    pub fn code(&self, i: usize, addon: bool) -> Option<&str> {
        let t = self.tiers.get(i)?;
        if addon {
            t.addon.as_deref()
        } else {
            Some(&t.code)
        }
    }

    /// The tier `code` belongs to, and whether it is the add-on.
    pub fn tier_of(&self, code: &str) -> Option<(usize, bool)> {
        self.tiers.iter().enumerate().find_map(|(i, t)| {
            if t.code == code {
                Some((i, false))
            } else if t.addon.as_deref() == Some(code) {
                Some((i, true))
            } else {
                None
            }
        })
    }

    /// The minutes tier `i` covers, for messages: `16-37`, `53 or more`.
    pub fn range(&self, i: usize) -> String {
        let from = self.tiers.get(i).map_or(0, |t| t.from);
        match self.tiers.get(i + 1) {
            Some(next) => format!("{from}-{}", next.from.saturating_sub(1)),
            None => format!("{from} or more"),
        }
    }
}

/// Prolonged time beside an E/M (99417, G2212).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prolonged {
    pub each_minutes: u32,
    /// Primary E/M -> total minutes at which the first unit is reached.
    pub first_unit_at: BTreeMap<String, u32>,
}

impl Prolonged {
    /// Units of prolonged time for total `minutes` beside `em` (`code` is
    /// the prolonged code, for the message).
    pub fn units(&self, code: &str, em: &str, minutes: u32) -> Result<u32, String> {
        let first = *self.first_unit_at.get(em).ok_or_else(|| {
            let primaries: Vec<&str> = self.first_unit_at.keys().map(String::as_str).collect();
            let beside = if em.is_empty() {
                "no such visit is billed".to_string()
            } else {
                format!("not {em}")
            };
            format!(
                "{code} is reported only beside {}, {beside}",
                primaries.join(" or ")
            )
        })?;
        if minutes < first {
            return Ok(0);
        }
        Ok(1 + (minutes - first) / self.each_minutes.max(1))
    }
}

/// Doses in whole steps up to a maximum (esketamine: 28 mg devices, at
/// most 84 mg), and the code a dose picks.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoseSteps {
    /// The drug, for messages (`esketamine`).
    pub drug: String,
    /// Codes whose session dose must follow the steps.
    pub codes: Vec<String>,
    pub step_mg: u32,
    pub max_mg: u32,
    #[serde(default)]
    pub pick: Vec<DosePick>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DosePick {
    pub up_to_mg: u32,
    pub code: String,
}

impl DoseSteps {
    pub fn check(&self, dose_mg: u32) -> Result<(), String> {
        let step = self.step_mg.max(1);
        if dose_mg == 0 || !dose_mg.is_multiple_of(step) || dose_mg > self.max_mg {
            let allowed: Vec<String> = (1..=self.max_mg / step)
                .map(|n| (n * step).to_string())
                .collect();
            return Err(format!(
                "{} dose {dose_mg} mg is not {} mg (one device is {step} mg)",
                self.drug,
                or_list(&allowed)
            ));
        }
        Ok(())
    }

    /// The code `dose_mg` picks.
    pub fn pick(&self, dose_mg: u32) -> Result<&str, String> {
        self.check(dose_mg)?;
        self.pick
            .iter()
            .find(|p| dose_mg <= p.up_to_mg)
            .map(|p| p.code.as_str())
            .ok_or_else(|| format!("no code is listed for {dose_mg} mg of {}", self.drug))
    }
}

/// `[ndc]`: which procedure categories are drug lines that need an NDC.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NdcRule {
    #[serde(default)]
    pub categories: Vec<String>,
}

/// What rule, if any, sets a code's units from the session.
#[derive(Debug, Clone, Copy)]
pub enum ByCode<'a> {
    TimedInitial(&'a Timed),
    TimedAdditional(&'a Timed),
    Prolonged(&'a Prolonged),
}

impl Rules {
    /// The time rule of `code`, if its units follow the minutes.
    pub fn by_code(&self, code: &str) -> Option<ByCode<'_>> {
        for t in self.timed.values() {
            if t.initial == code {
                return Some(ByCode::TimedInitial(t));
            }
            if t.additional == code {
                return Some(ByCode::TimedAdditional(t));
            }
        }
        self.prolonged.get(code).map(ByCode::Prolonged)
    }

    /// The tier family `code` belongs to: (rules, tier, add-on).
    pub fn tier_of(&self, code: &str) -> Option<(&Tiers, usize, bool)> {
        self.tiers
            .values()
            .find_map(|t| t.tier_of(code).map(|(i, a)| (t, i, a)))
    }

    /// The dose steps that govern `code`.
    pub fn dose_of(&self, code: &str) -> Option<&DoseSteps> {
        self.dose
            .values()
            .find(|d| d.codes.iter().any(|c| c == code))
    }

    /// Whether `code` is an E/M that prolonged time can extend.
    pub fn extends(&self, code: &str) -> bool {
        self.prolonged
            .values()
            .any(|p| p.first_unit_at.contains_key(code))
    }

    /// Every code the rules name, to check against the procedure table.
    pub fn codes(&self) -> Vec<&str> {
        let mut v: Vec<&str> = Vec::new();
        for t in self.timed.values() {
            v.extend([t.initial.as_str(), t.additional.as_str()]);
        }
        for t in self.tiers.values() {
            for tier in &t.tiers {
                v.push(&tier.code);
                v.extend(tier.addon.as_deref());
            }
        }
        for (code, p) in &self.prolonged {
            v.push(code);
            v.extend(p.first_unit_at.keys().map(String::as_str));
        }
        for d in self.dose.values() {
            v.extend(d.codes.iter().map(String::as_str));
            v.extend(d.pick.iter().map(|p| p.code.as_str()));
        }
        v.extend(self.em_time.keys().map(String::as_str));
        v
    }

    /// `finding` of a rule as a stable slug (`units-mismatch` when the
    /// data names none of ours, which `check` refuses when it is loaded).
    pub fn finding(name: &str) -> &'static str {
        FINDINGS
            .iter()
            .find(|f| **f == name)
            .copied()
            .unwrap_or("units-mismatch")
    }

    /// Configuration errors a code table cannot catch: tiers in order,
    /// known finding codes.
    pub fn check(&self) -> Result<(), String> {
        for (key, t) in &self.timed {
            if !FINDINGS.contains(&t.finding.as_str()) {
                return Err(format!(
                    "timed.{key}: finding '{}' is not one of {}",
                    t.finding,
                    FINDINGS.join(", ")
                ));
            }
        }
        for (key, t) in &self.tiers {
            if !FINDINGS.contains(&t.finding.as_str()) {
                return Err(format!(
                    "tiers.{key}: finding '{}' is not one of {}",
                    t.finding,
                    FINDINGS.join(", ")
                ));
            }
            if t.tiers.is_empty() || t.tiers.windows(2).any(|w| w[0].from >= w[1].from) {
                return Err(format!(
                    "tiers.{key}: list the tiers from the fewest minutes up, each starting later"
                ));
            }
        }
        for (key, d) in &self.dose {
            if d.step_mg == 0 || d.pick.windows(2).any(|w| w[0].up_to_mg >= w[1].up_to_mg) {
                return Err(format!(
                    "dose.{key}: step_mg must be positive and pick listed from the lowest dose up"
                ));
            }
        }
        Ok(())
    }
}

/// The finding codes rules may name: findings are stable slugs, so data
/// picks from these rather than inventing new ones.
pub const FINDINGS: [&str; 3] = [
    "infusion-too-short",
    "hydration-too-short",
    "psychotherapy-too-short",
];

/// E/M minimum minutes when its level is chosen by time.
pub fn em_minimum_minutes(rules: &Rules, code: &str) -> Option<u32> {
    rules.em_time.get(code).copied()
}

fn fill(template: &str, minutes: u32) -> String {
    template.replace("{minutes}", &minutes.to_string())
}

fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// `numerator / denominator` to at most three decimals without trailing
/// zeros (`1.2`, `2`, `0.667`), rounded half up, in integers: NDC
/// quantities on a claim take three decimals.
pub fn decimal(numerator: u64, denominator: u64) -> String {
    let per = denominator.max(1);
    let thousandths = (numerator * 1000 + per / 2) / per;
    let whole = thousandths / 1000;
    let frac = thousandths % 1000;
    if frac == 0 {
        return whole.to_string();
    }
    let s = format!("{whole}.{frac:03}");
    s.trim_end_matches('0').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in rules: the primer's vectors must hold for the data we
    /// ship, not for a copy of it.
    fn rules() -> Rules {
        crate::codes::Catalog::load(None).unwrap().units
    }

    #[test]
    fn infusion_primer_vectors() {
        let r = rules();
        let t = &r.timed["infusion"];
        let vectors = [
            (16, (1, 0)),
            (40, (1, 0)),
            (60, (1, 0)),
            (90, (1, 0)),
            (91, (1, 1)),
            (150, (1, 1)),
            (151, (1, 2)),
            (211, (1, 3)),
            (271, (1, 4)),
        ];
        for (m, expected) in vectors {
            assert_eq!(t.units(m), Ok(expected), "T = {m}");
        }
        assert!(matches!(r.by_code("96365"), Some(ByCode::TimedInitial(_))));
        assert!(matches!(
            r.by_code("96366"),
            Some(ByCode::TimedAdditional(_))
        ));
    }

    #[test]
    fn infusion_of_15_minutes_or_less_is_a_push() {
        let r = rules();
        for m in [0, 1, 15] {
            let e = r.timed["infusion"].units(m).unwrap_err();
            assert!(
                e.contains("push") && e.contains(&format!("{m} minutes")),
                "{e}"
            );
        }
    }

    #[test]
    fn hydration_needs_31_minutes_and_counts_hours_like_infusion() {
        let r = rules();
        let h = &r.timed["hydration"];
        assert!(h.units(30).unwrap_err().contains("not reportable"));
        assert_eq!(h.units(31), Ok((1, 0)));
        assert_eq!(h.units(60), Ok((1, 0)));
        assert_eq!(h.units(90), Ok((1, 0)));
        assert_eq!(h.units(91), Ok((1, 1)));
        assert_eq!(h.units(151), Ok((1, 2)));
        assert!(matches!(
            r.by_code("96361"),
            Some(ByCode::TimedAdditional(_))
        ));
    }

    #[test]
    fn psychotherapy_tiers() {
        let r = rules();
        let p = &r.tiers["psychotherapy"];
        assert!(p.pick(15).is_err());
        for (m, tier) in [(16, 0), (37, 0), (38, 1), (52, 1), (53, 2), (90, 2)] {
            assert_eq!(p.pick(m), Ok(tier), "{m} min");
        }
        assert_eq!(p.code(p.pick(45).unwrap(), false), Some("90834"));
        assert_eq!(p.code(p.pick(60).unwrap(), true), Some("90838"));
        assert_eq!(p.range(0), "16-37");
        assert_eq!(p.range(2), "53 or more");
        let (_, i, addon) = r.tier_of("90836").unwrap();
        assert_eq!((i, addon), (1, true));
    }

    #[test]
    fn prolonged_primer_vectors_for_99215() {
        let r = rules();
        let (c, m) = (&r.prolonged["99417"], &r.prolonged["G2212"]);
        let vectors = [(54, 0, 0), (55, 1, 0), (69, 1, 1), (70, 2, 1), (85, 3, 2)];
        for (min, commercial, medicare) in vectors {
            assert_eq!(c.units("99417", "99215", min), Ok(commercial), "{min}");
            assert_eq!(m.units("G2212", "99215", min), Ok(medicare), "{min}");
        }
    }

    #[test]
    fn prolonged_for_99205_starts_at_75_and_89() {
        let r = rules();
        let (c, m) = (&r.prolonged["99417"], &r.prolonged["G2212"]);
        assert_eq!(c.units("99417", "99205", 74), Ok(0));
        assert_eq!(c.units("99417", "99205", 75), Ok(1));
        assert_eq!(m.units("G2212", "99205", 88), Ok(0));
        assert_eq!(m.units("G2212", "99205", 89), Ok(1));
        let e = c.units("99417", "99214", 90).unwrap_err();
        assert!(e.contains("99205 or 99215") && e.contains("99214"), "{e}");
        assert!(r.extends("99215") && !r.extends("99214"));
    }

    #[test]
    fn esketamine_devices_and_g_codes() {
        let r = rules();
        let d = r.dose_of("G2082").unwrap();
        assert_eq!(d.pick(28), Ok("G2082"));
        assert_eq!(d.pick(56), Ok("G2082"));
        assert_eq!(d.pick(84), Ok("G2083"));
        assert!(d.pick(60).unwrap_err().contains("28, 56 or 84"));
        assert!(d.pick(112).is_err());
        assert!(d.check(0).is_err());
        assert!(r.dose_of("J0013").is_some());
        assert!(r.dose_of("J3490").is_none());
    }

    #[test]
    fn em_minimums() {
        let r = rules();
        assert_eq!(em_minimum_minutes(&r, "99205"), Some(60));
        assert_eq!(em_minimum_minutes(&r, "99214"), Some(30));
        assert_eq!(em_minimum_minutes(&r, "99345"), Some(75));
        assert_eq!(em_minimum_minutes(&r, "90834"), None);
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(decimal(60, 50), "1.2");
        assert_eq!(decimal(100, 50), "2");
        assert_eq!(decimal(35, 50), "0.7");
        assert_eq!(decimal(20, 30), "0.667");
        assert_eq!(decimal(8, 2), "4");
    }

    #[test]
    fn the_built_in_rules_pass_their_own_checks() {
        assert_eq!(rules().check(), Ok(()));
        let mut bad = rules();
        bad.timed.get_mut("infusion").unwrap().finding = "made-up".into();
        assert!(bad.check().unwrap_err().contains("made-up"));
    }
}
