//! Codes and units: turns one session (a service key and/or explicit
//! procedures, plus minutes and dose) into claim lines. Every line, from a
//! service mapping or from the procedures column, goes through the same
//! path (`Resolver::line`): its code is picked or named, checked against
//! the code table, its units set or checked by the rules of
//! `codes/units.toml`, and drug lines get their NDC quantity. Rules that
//! need other sessions of the day (pairing) live in `validate`.

use crate::codes::services::{LineSpec, Pick};
use crate::codes::{Catalog, Drug, Procedure};
use crate::findings::{At, Findings};
use crate::input::{ProcSpec, Session, SESSIONS_FILE};
use crate::money::Cents;
use crate::ndc;
use crate::superbill::DrugInfo;
use crate::units::{ByCode, Rules};

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub code: String,
    pub modifiers: Vec<String>,
    pub units: u32,
    pub unit_fee: Cents,
    pub drug: Option<DrugInfo>,
    pub description: String,
}

impl Line {
    pub fn charge(&self) -> Cents {
        self.unit_fee * self.units
    }

    pub fn has_modifier(&self, any: &[String]) -> bool {
        self.modifiers.iter().any(|m| any.contains(m))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub place_of_service: String,
    pub lines: Vec<Line>,
}

/// One line to resolve, whatever its source.
struct Want<'a> {
    code: Option<&'a str>,
    pick: Option<Pick>,
    /// Borrowed from a mapping's `String`s or a session's inline ids.
    modifiers: Vec<&'a str>,
    /// Units as billed: `x2`, or a mapping's `count`.
    units: Option<u32>,
    fee: Option<Cents>,
    /// The drug a mapping line names.
    drug: Option<&'a str>,
    /// From the procedures column: staff wrote it, so a line the rules
    /// make zero units is an error to fix, not a line that does not apply.
    explicit: bool,
}

impl<'a> Want<'a> {
    fn spec(spec: &'a LineSpec) -> Want<'a> {
        Want {
            code: spec.code.as_deref(),
            pick: spec.units.pick(),
            modifiers: spec.modifiers.iter().map(String::as_str).collect(),
            units: spec.count,
            fee: spec.fee,
            drug: spec.drug.as_deref(),
            explicit: false,
        }
    }

    fn explicit(p: &'a ProcSpec) -> Want<'a> {
        Want {
            code: Some(&p.code),
            pick: None,
            modifiers: p.modifiers.iter().map(|m| m.as_str()).collect(),
            units: p.units,
            fee: None,
            drug: None,
            explicit: true,
        }
    }
}

/// Resolves a completed session; errors go to `findings` (at the session's
/// line) and the lines that could be resolved are still returned so that
/// pairing checks see the whole day. `default_pos` is the place of service
/// of the session's location (or the practice's default).
pub fn session(s: &Session, default_pos: &str, cat: &Catalog, findings: &mut Findings) -> Resolved {
    let at = At::new(SESSIONS_FILE, s.line, &s.session_id);
    let mut r = Resolver {
        s,
        cat,
        rules: &cat.units,
        at: &at,
        findings,
        lines: Vec::new(),
        em: None,
        named: Vec::new(),
        missing: Vec::new(),
    };
    let mut pos = default_pos.to_string();
    let mut wants = Vec::new();
    if let Some(key) = &s.service {
        match cat.services.get(key) {
            Some(svc) => {
                if let Some(p) = &svc.place_of_service {
                    pos = p.to_string();
                }
                for need in &svc.needs {
                    let missing = match need.as_str() {
                        "minutes" => s.minutes.is_none(),
                        _ => s.dose_mg.is_none(),
                    };
                    if missing {
                        let field = if need == "minutes" {
                            "minutes"
                        } else {
                            "dose_mg"
                        };
                        r.missing.push(field);
                        r.findings.error(
                            r.at,
                            field,
                            "missing-value",
                            format!("service '{key}' needs {need}: fill it in"),
                        );
                    }
                }
                wants.extend(svc.lines.iter().map(Want::spec));
            }
            None => {
                let known: Vec<&str> = cat.services.services.keys().map(String::as_str).collect();
                // A key is quoted only when it reads as one (a typo of a
                // known key, or key-like): a shifted row can put a name here.
                let near = known
                    .iter()
                    .any(|k| strsim::normalized_damerau_levenshtein(key, k) >= 0.5);
                let key_like = key.contains(['-', '_']) || key.bytes().any(|b| b.is_ascii_digit());
                let what = if near || key_like {
                    format!("service '{key}'")
                } else {
                    "the service named".to_string()
                };
                r.findings.error(
                    r.at,
                    "service",
                    "unknown-service",
                    format!(
                        "{what} is not in the practice's service mapping: use one of {} or list codes in procedures",
                        known.join(", ")
                    ),
                );
            }
        }
    }
    wants.extend(s.procedures.iter().map(Want::explicit));
    // The E/M whose time prolonged codes extend, from any source.
    r.named = wants.iter().filter_map(|w| w.code).collect();
    r.em = wants
        .iter()
        .filter_map(|w| w.code)
        .find(|c| r.rules.extends(c));
    for w in &wants {
        r.line(w);
    }
    r.em_time();
    if let Some(p) = &s.place_of_service {
        pos = p.to_string();
    }
    if !cat.places.contains_key(&pos) {
        r.findings.error(
            r.at,
            "place_of_service",
            "unknown-pos",
            format!(
                "place of service '{pos}' is not a known code: use e.g. 11 (office), 10 (telehealth at home) or 02"
            ),
        );
    }
    Resolved {
        place_of_service: pos,
        lines: r.lines,
    }
}

struct Resolver<'a> {
    s: &'a Session,
    cat: &'a Catalog,
    rules: &'a Rules,
    at: &'a At<'a>,
    findings: &'a mut Findings,
    lines: Vec<Line>,
    em: Option<&'a str>,
    /// Every code the session names (mapping or procedures column).
    named: Vec<&'a str>,
    /// Fields already reported missing: one finding per session, not one
    /// per line that needs them.
    missing: Vec<&'static str>,
}

impl<'a> Resolver<'a> {
    fn error(&mut self, field: &str, code: &'static str, msg: String) {
        self.findings.error(self.at, field, code, msg);
    }

    fn need(&mut self, field: &'static str, value: Option<u32>, why: &str) -> Option<u32> {
        if value.is_none() && !self.missing.contains(&field) {
            self.missing.push(field);
            let how = if field == "minutes" { "time" } else { "dose" };
            self.error(
                field,
                "missing-value",
                format!("{why} is billed by {how}: fill in {field}"),
            );
        }
        value
    }

    fn minutes(&mut self, why: &str) -> Option<u32> {
        self.need("minutes", self.s.minutes, why)
    }

    fn dose(&mut self, why: &str) -> Option<u32> {
        self.need("dose_mg", self.s.dose_mg, why)
    }

    /// The one path of every line.
    fn line(&mut self, w: &Want<'a>) {
        let Some(code) = self.code(w) else { return };
        let Some(p) = self.procedure(&code, w) else {
            return;
        };
        let drug = match self.drug(&code, w) {
            Ok(d) => d,
            Err(()) => return,
        };
        let Some(units) = self.units(&code, p, w, drug) else {
            return;
        };
        if units == 0 {
            return; // below the first unit: the line does not apply
        }
        let info = match drug {
            Some(d) => match self.drug_info(d, units) {
                Some(i) => Some(i),
                None => return,
            },
            None => None,
        };
        let Some(unit_fee) = w.fee.or_else(|| self.cat.fee(&code)) else {
            self.error(
                "procedures",
                "no-fee",
                format!("there is no fee for {code}: add it to the practice's fees.csv"),
            );
            return;
        };
        self.lines.push(Line {
            description: p.description.clone(),
            code,
            modifiers: w.modifiers.iter().map(|m| m.to_string()).collect(),
            units,
            unit_fee,
            drug: info,
        });
    }

    /// The code a line names, or the one its minutes or dose pick.
    fn code(&mut self, w: &Want) -> Option<String> {
        match w.pick {
            None => w.code.map(str::to_string),
            Some(Pick::Tier(key, addon)) => {
                let t = self.rules.tiers.get(key)?;
                let m = self.minutes(key)?;
                match t.pick(m) {
                    Ok(i) => t.code(i, addon).map(str::to_string),
                    Err(e) => {
                        self.error("minutes", Rules::finding(&t.finding), e);
                        None
                    }
                }
            }
            Some(Pick::Dose(key)) => {
                let d = self.rules.dose.get(key)?;
                let dose = self.dose(key)?;
                match d.pick(dose) {
                    Ok(c) => Some(c.to_string()),
                    Err(e) => {
                        self.error("dose_mg", "esketamine-dose", e);
                        None
                    }
                }
            }
        }
    }

    /// The code table's word on the code: known, not a trap, in effect on
    /// the date of service (the one place `code-not-effective` is found).
    fn procedure(&mut self, code: &str, w: &Want) -> Option<&'a Procedure> {
        let field = if w.explicit { "procedures" } else { "service" };
        let Some(p) = self.cat.procedure(code) else {
            self.error(field, "unknown-code", format!(
                "procedure code {code} is not in the code table: check for a typo, or add it with the practice's own description to codes/procedures.csv"));
            return None;
        };
        if p.category == "do-not-use" {
            self.error(field, "wrong-code", format!("{code}: {}", p.description));
            return None;
        }
        if let Some(why) = p.not_valid_on(self.s.date) {
            let hint = p
                .replaced_by()
                .map(|r| format!(": bill {r} instead"))
                .unwrap_or_default();
            self.error("procedures", "code-not-effective", format!("{why}{hint}"));
            return None;
        }
        Some(p)
    }

    /// The drug of a line: the one its mapping names, else the one the
    /// drug table bills under the code. Drug codes need one (an NDC).
    fn drug(&mut self, code: &str, w: &Want) -> Result<Option<&'a Drug>, ()> {
        if let Some(key) = w.drug {
            return Ok(self.cat.services.drugs.get(key));
        }
        let found = self.cat.services.drugs_for(code);
        match found.as_slice() {
            [(_, d)] => Ok(Some(*d)),
            [] if self.cat.needs_ndc(code) => {
                self.error("procedures", "drug-without-ndc", format!(
                    "{code} is a drug code and needs an NDC, but no drug in the service mapping is billed under it: add a [drugs] entry with codes = [\"{code}\"]"));
                Err(())
            }
            [] => Ok(None),
            many => {
                let keys: Vec<&str> = many.iter().map(|(k, _)| *k).collect();
                self.error("procedures", "drug-without-ndc", format!(
                    "{code} is billed for several drugs ({}): bill it through a service that names its drug, so the superbill carries the right NDC", keys.join(", ")));
                Err(())
            }
        }
    }

    /// Units: as billed, checked against the code's rules, or set by them.
    fn units(&mut self, code: &str, p: &Procedure, w: &Want, drug: Option<&Drug>) -> Option<u32> {
        let given = w.units;
        if let (Some(g), Some(max)) = (given, p.max_units) {
            if g > max {
                self.error(
                    "procedures",
                    "units-mismatch",
                    format!(
                        "{code} is billed at most {max} unit(s) a day, not {g}: correct the units"
                    ),
                );
                return None;
            }
        }
        if !self.dose_steps(code, w) || !self.tier_matches(code, w) {
            return None;
        }
        // An add-on hour without its own initial code (96361 after an
        // infusion's 96365): the session's minutes are another service's,
        // so the units are as billed.
        let rule = self.rules.by_code(code).filter(|r| match r {
            ByCode::TimedAdditional(t) => self.named.contains(&t.initial.as_str()),
            _ => true,
        });
        let expected = match rule {
            Some(rule) => {
                let Some(m) = self.s.minutes else {
                    if given.is_none() {
                        self.minutes(code);
                        return None;
                    }
                    return given;
                };
                match rule {
                    ByCode::TimedInitial(t) => match t.units(m) {
                        Ok((first, _)) => Some(first),
                        Err(e) => {
                            self.error("minutes", Rules::finding(&t.finding), e);
                            return None;
                        }
                    },
                    // Too short for the initial code: that line says so.
                    ByCode::TimedAdditional(t) => Some(t.units(m).map_or(0, |(_, n)| n)),
                    ByCode::Prolonged(pr) => match pr.units(code, self.em.unwrap_or(""), m) {
                        Ok(n) => Some(n),
                        Err(e) => {
                            self.error(
                                if w.explicit { "procedures" } else { "service" },
                                "prolonged-without-em",
                                e,
                            );
                            return None;
                        }
                    },
                }
            }
            // A drug the session's dose is about: its units follow the dose.
            None => match drug.filter(|d| d.takes_session_dose() && d.code_unit_mg.is_some()) {
                Some(d) => match (self.s.dose_mg, given) {
                    (Some(dose), _) => d.units_for_dose(dose),
                    (None, None) => {
                        self.dose(code);
                        return None;
                    }
                    (None, Some(_)) => None,
                },
                // A standard dose sets the units unless they are billed.
                None => drug.and_then(|d| d.dose_mg.and_then(|mg| d.units_for_dose(mg))),
            },
        };
        let standard_dose = drug.is_some_and(|d| !d.takes_session_dose());
        match (given, expected) {
            (Some(g), Some(e)) if g != e && !standard_dose => {
                self.error("procedures", "units-mismatch", format!(
                    "{code}x{g} disagrees with the session's minutes/dose, which give {e} unit(s): correct one of them"));
                None
            }
            (Some(g), _) => Some(g),
            (None, Some(0)) if w.explicit => {
                let m = self.s.minutes.unwrap_or(0);
                let why = match self.rules.by_code(code) {
                    Some(ByCode::TimedAdditional(t)) => format!(
                        "{code} needs more than {} minutes; {m} minutes give no additional hour: remove it",
                        t.first_minutes + t.over_minutes
                    ),
                    _ => format!(
                        "{m} minutes beside {} do not reach the first unit of {code}: remove it",
                        self.em.unwrap_or("the visit")
                    ),
                };
                self.error("minutes", "units-mismatch", why);
                None
            }
            (None, e) => Some(e.unwrap_or(1)),
        }
    }

    /// Doses that come in whole steps (esketamine devices), and a G-code
    /// billed by name that must be the one its dose picks.
    fn dose_steps(&mut self, code: &str, w: &Want) -> bool {
        let (Some(steps), Some(dose)) = (self.rules.dose_of(code), self.s.dose_mg) else {
            return true;
        };
        if let Err(e) = steps.check(dose) {
            // A picked code has been checked by its pick.
            if w.pick.is_none() {
                self.error("dose_mg", "esketamine-dose", e);
            }
            return false;
        }
        if w.pick.is_none() && steps.pick.iter().any(|p| p.code == code) {
            if let Ok(right) = steps.pick(dose) {
                if right != code {
                    self.error("procedures", "units-mismatch", format!(
                        "{dose} mg of {} is billed as {right}, not {code}: correct the code or the dose", steps.drug));
                    return false;
                }
            }
        }
        true
    }

    /// A tier code billed by name must be the tier of its minutes.
    fn tier_matches(&mut self, code: &str, w: &Want) -> bool {
        if w.pick.is_some() {
            return true;
        }
        let (Some((t, i, addon)), Some(m)) = (self.rules.tier_of(code), self.s.minutes) else {
            return true;
        };
        match t.pick(m) {
            Err(e) => {
                self.error("minutes", Rules::finding(&t.finding), e);
                false
            }
            Ok(j) if j != i => {
                let right = t.code(j, addon).unwrap_or("");
                self.error(
                    "procedures",
                    "units-mismatch",
                    format!(
                        "{code} covers {} minutes but the session records {m}: bill {right}",
                        t.range(i)
                    ),
                );
                false
            }
            Ok(_) => true,
        }
    }

    /// An E/M level chosen by time needs its minimum minutes: a warning,
    /// since the level may have been chosen by medical decision making.
    /// Only when no other line is timed (the minutes are then the visit's).
    fn em_time(&mut self) {
        let Some(m) = self.s.minutes else { return };
        let timed = self.lines.iter().any(|l| {
            self.rules.by_code(&l.code).is_some() || self.rules.tier_of(&l.code).is_some()
        });
        if timed {
            return;
        }
        let short: Vec<(String, u32)> = self
            .lines
            .iter()
            .filter_map(|l| Some((l.code.clone(), *self.rules.em_time.get(&l.code)?)))
            .filter(|(_, min)| m < *min)
            .collect();
        for (code, min) in short {
            self.findings.warning(self.at, "minutes", "em-time-short", format!(
                "{code} chosen by time needs {min} minutes; the session records {m}: bill the level the time supports, or ignore this if the level was chosen by medical decision making"));
        }
    }

    fn drug_info(&mut self, d: &Drug, units: u32) -> Option<DrugInfo> {
        let ndc11 = match ndc::to_ndc11(&d.ndc) {
            Ok(n) => n,
            Err(e) => {
                self.error("service", "bad-ndc", format!("drug '{}': {e}", d.name));
                return None;
            }
        };
        let quantity = match d.quantity(units, d.dose(self.s.dose_mg)) {
            Ok(q) => q,
            Err(e) => {
                if !self.missing.contains(&"dose_mg") {
                    self.missing.push("dose_mg");
                    self.error("dose_mg", "missing-value", e);
                }
                return None;
            }
        };
        Some(DrugInfo {
            ndc11,
            unit_qualifier: d.qualifier.clone(),
            quantity,
            name: d.name.clone(),
        })
    }
}

#[cfg(test)]
mod tests;
