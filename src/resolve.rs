//! Codes and units: turns one session (a service key and/or explicit
//! procedures, plus minutes and dose) into claim lines. Rules that need
//! other sessions of the day (pairing) live in `validate`.

use crate::codes::services::{LineSpec, UnitsRule};
use crate::codes::{Catalog, Drug};
use crate::findings::{At, Findings};
use crate::input::{Session, SESSIONS_FILE};
use crate::money::Cents;
use crate::ndc;
use crate::superbill::DrugInfo;
use crate::units::{self, Prolonged};

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

/// Resolves a completed session; errors go to `findings` (at the session's
/// line) and the lines that could be resolved are still returned so that
/// pairing checks see the whole day.
pub fn session(s: &Session, default_pos: &str, cat: &Catalog, findings: &mut Findings) -> Resolved {
    let at = At::new(SESSIONS_FILE, s.line, &s.session_id);
    let mut r = Resolver {
        s,
        cat,
        at: &at,
        findings,
        lines: Vec::new(),
    };
    let mut pos = default_pos.to_string();
    if let Some(key) = &s.service {
        match cat.services.get(key) {
            Some(svc) => {
                if let Some(p) = &svc.place_of_service {
                    pos = p.clone();
                }
                for need in &svc.needs {
                    let missing = match need.as_str() {
                        "minutes" => s.minutes.is_none(),
                        _ => s.dose_mg.is_none(),
                    };
                    if missing {
                        r.findings.error(
                            r.at,
                            need,
                            "missing-value",
                            format!("service '{key}' needs {need}: fill it in"),
                        );
                    }
                }
                for spec in &svc.lines {
                    r.line_from_spec(spec, &svc.lines);
                }
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
    for p in &s.procedures {
        r.explicit(&p.code, &p.modifiers, p.units);
    }
    if let Some(p) = &s.place_of_service {
        pos = p.clone();
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
    at: &'a At,
    findings: &'a mut Findings,
    lines: Vec<Line>,
}

impl Resolver<'_> {
    fn minutes(&mut self, why: &str) -> Option<u32> {
        if self.s.minutes.is_none() {
            self.findings.error(
                self.at,
                "minutes",
                "missing-value",
                format!("{why} is billed by time: fill in minutes"),
            );
        }
        self.s.minutes
    }

    fn dose(&mut self, why: &str) -> Option<u32> {
        if self.s.dose_mg.is_none() {
            self.findings.error(
                self.at,
                "dose_mg",
                "missing-value",
                format!("{why} is billed by dose: fill in dose_mg"),
            );
        }
        self.s.dose_mg
    }

    fn unit_error(&mut self, field: &str, code: &'static str, msg: String) {
        self.findings.error(self.at, field, code, msg);
    }

    /// One line of a service mapping.
    fn line_from_spec(&mut self, spec: &LineSpec, siblings: &[LineSpec]) {
        let code_of = |spec: &LineSpec| spec.code.clone().unwrap_or_default();
        let (code, units) = match spec.units {
            UnitsRule::Fixed => (code_of(spec), spec.count.unwrap_or(1)),
            UnitsRule::DoseMg => match self.dose(&code_of(spec)) {
                Some(d) => {
                    if !self.esketamine_dose_ok(&code_of(spec), d) {
                        return;
                    }
                    (code_of(spec), d)
                }
                None => return,
            },
            UnitsRule::InfusionInitial | UnitsRule::InfusionAdditional => {
                let Some(m) = self.minutes("an infusion") else {
                    return;
                };
                match units::infusion(m) {
                    Ok((first, more)) => {
                        let n = if spec.units == UnitsRule::InfusionInitial {
                            first
                        } else {
                            more
                        };
                        (code_of(spec), n)
                    }
                    Err(e) => {
                        // Report once, on the initial line.
                        if spec.units == UnitsRule::InfusionInitial {
                            self.unit_error("minutes", "infusion-too-short", e);
                        }
                        return;
                    }
                }
            }
            UnitsRule::Psychotherapy | UnitsRule::PsychotherapyAddon => {
                let Some(m) = self.minutes("psychotherapy") else {
                    return;
                };
                match units::psychotherapy_tier(m) {
                    Ok(t) => {
                        let list = if spec.units == UnitsRule::Psychotherapy {
                            units::PSYCHOTHERAPY_STANDALONE
                        } else {
                            units::PSYCHOTHERAPY_ADDON
                        };
                        (list[t].to_string(), 1)
                    }
                    Err(e) => {
                        self.unit_error("minutes", "psychotherapy-too-short", e);
                        return;
                    }
                }
            }
            UnitsRule::ProlongedCommercial | UnitsRule::ProlongedMedicare => {
                let Some(m) = self.minutes("prolonged time") else {
                    return;
                };
                let em = siblings
                    .iter()
                    .filter_map(|l| l.code.as_deref())
                    .find(|c| units::em_threshold(c).is_some())
                    .unwrap_or("");
                let kind = if spec.units == UnitsRule::ProlongedCommercial {
                    Prolonged::Commercial
                } else {
                    Prolonged::Medicare
                };
                match units::prolonged(em, m, kind) {
                    Ok(n) => (code_of(spec), n),
                    Err(e) => {
                        self.unit_error("service", "prolonged-without-em", e);
                        return;
                    }
                }
            }
            UnitsRule::EsketamineGcode => {
                let Some(d) = self.dose("esketamine") else {
                    return;
                };
                match units::esketamine_gcode(d) {
                    Ok(c) => (c.to_string(), 1),
                    Err(e) => {
                        self.unit_error("dose_mg", "esketamine-dose", e);
                        return;
                    }
                }
            }
        };
        if units == 0 {
            return; // time below the first unit: the line does not apply
        }
        let drug = spec
            .drug
            .as_ref()
            .and_then(|k| self.cat.services.drugs.get(k));
        self.push(code, spec.modifiers.clone(), units, spec.fee, drug);
    }

    /// One explicit `CODE-MOD xUNITS` from the procedures column.
    fn explicit(&mut self, code: &str, modifiers: &[String], given: Option<u32>) {
        let Some(proc_) = self.cat.procedure(code) else {
            self.unit_error(
                "procedures",
                "unknown-code",
                format!(
                    "procedure code {code} is not in the code table: check for a typo, or add it with the practice's own description to codes/procedures.csv"
                ),
            );
            return;
        };
        if proc_.category == "do-not-use" {
            let msg = format!("{code}: {}", proc_.description);
            self.unit_error("procedures", "wrong-code", msg);
            return;
        }
        if let Some(why) = proc_.not_valid_on(self.s.date) {
            let hint = proc_
                .replaced_by()
                .map(|r| format!(": bill {r} instead"))
                .unwrap_or_default();
            self.unit_error("procedures", "code-not-effective", format!("{why}{hint}"));
            return;
        }
        let units = match (code, given) {
            (_, Some(u)) => {
                self.check_given_units(code, u);
                u
            }
            ("96366", None) => match self.minutes("96366").map(units::infusion) {
                Some(Ok((_, n))) if n > 0 => n,
                Some(Ok(_)) => {
                    self.unit_error("minutes", "units-mismatch", format!(
                        "96366 needs more than 90 minutes of infusion; {} minutes give no additional hour: remove it",
                        self.s.minutes.unwrap_or(0)));
                    return;
                }
                _ => return,
            },
            ("99417" | "G2212", None) => match self.minutes(code) {
                Some(m) => {
                    let kind = if code == "99417" {
                        Prolonged::Commercial
                    } else {
                        Prolonged::Medicare
                    };
                    let em = self.primary_em();
                    match units::prolonged(&em, m, kind) {
                        Ok(n) if n > 0 => n,
                        Ok(_) => {
                            self.unit_error("minutes", "units-mismatch", format!(
                                "{m} minutes beside {em} do not reach the first unit of {code}: remove it"));
                            return;
                        }
                        Err(e) => {
                            self.unit_error("procedures", "prolonged-without-em", e);
                            return;
                        }
                    }
                }
                None => return,
            },
            _ if proc_.category == "esketamine-drug" => match self.dose(code) {
                Some(d) => d,
                None => return,
            },
            _ => 1,
        };
        self.check_explicit_time(code);
        if let Some(d) = self.s.dose_mg {
            if !self.esketamine_dose_ok(code, d) {
                return;
            }
            // The G-code follows the dose: G2082 up to 56 mg, G2083 above.
            if let (true, Ok(right)) = (
                matches!(code, "G2082" | "G2083"),
                units::esketamine_gcode(d),
            ) {
                if right != code {
                    self.unit_error("procedures", "units-mismatch", format!(
                        "{d} mg of esketamine is billed as {right}, not {code}: correct the code or the dose"));
                    return;
                }
            }
        }
        // Drug codes need an NDC: borrow the drug a service maps to this code.
        let drug = if matches!(proc_.category.as_str(), "drug" | "esketamine-drug") {
            let found = self
                .cat
                .services
                .services
                .values()
                .flat_map(|s| &s.lines)
                .find(|l| l.code.as_deref() == Some(code) && l.drug.is_some())
                .and_then(|l| self.cat.services.drugs.get(l.drug.as_ref()?));
            if found.is_none() {
                self.unit_error("procedures", "drug-without-ndc", format!(
                    "{code} is a drug code and needs an NDC, but no drug in the service mapping uses it: add a [drugs] entry and a service for it"));
                return;
            }
            found
        } else {
            None
        };
        self.push(code.to_string(), modifiers.to_vec(), units, None, drug);
    }

    /// Explicit time-based codes must agree with the minutes recorded.
    fn check_explicit_time(&mut self, code: &str) {
        let Some(m) = self.s.minutes else { return };
        if code == "96365" {
            if let Err(e) = units::infusion(m) {
                self.unit_error("minutes", "infusion-too-short", e);
            }
        }
        for list in [units::PSYCHOTHERAPY_STANDALONE, units::PSYCHOTHERAPY_ADDON] {
            if let Some(i) = list.iter().position(|c| *c == code) {
                match units::psychotherapy_tier(m) {
                    Err(e) => self.unit_error("minutes", "psychotherapy-too-short", e),
                    Ok(t) if t != i => self.unit_error(
                        "procedures",
                        "units-mismatch",
                        format!(
                            "{code} covers {} minutes but the session records {m}: bill {}",
                            units::psychotherapy_range(i),
                            list[t]
                        ),
                    ),
                    Ok(_) => {}
                }
            }
        }
    }

    /// Esketamine comes in whole 28 mg devices (28, 56 or 84 mg).
    fn esketamine_dose_ok(&mut self, code: &str, dose: u32) -> bool {
        let is_esketamine = self.cat.in_category(code, "esketamine-drug")
            || self.cat.in_category(code, "esketamine-visit");
        match units::esketamine_devices(dose) {
            Err(e) if is_esketamine => {
                self.unit_error("dose_mg", "esketamine-dose", e);
                false
            }
            _ => true,
        }
    }

    /// The E/M whose time prolonged codes extend: from the service's lines
    /// or the explicit procedures.
    fn primary_em(&self) -> String {
        self.lines
            .iter()
            .map(|l| l.code.as_str())
            .chain(self.s.procedures.iter().map(|p| p.code.as_str()))
            .find(|c| units::em_threshold(c).is_some())
            .unwrap_or("")
            .to_string()
    }

    fn check_given_units(&mut self, code: &str, given: u32) {
        if let Some(max) = self.cat.procedure(code).and_then(|p| p.max_units) {
            if given > max {
                self.unit_error(
                    "procedures",
                    "units-mismatch",
                    format!(
                    "{code} is billed at most {max} unit(s) a day, not {given}: correct the units"),
                );
                return;
            }
        }
        let prolonged = |kind| {
            let em = self.primary_em();
            self.s
                .minutes
                .and_then(|m| units::prolonged(&em, m, kind).ok())
        };
        let expected = match (code, self.s.minutes, self.s.dose_mg) {
            ("96366", Some(m), _) => units::infusion(m).ok().map(|(_, n)| n),
            ("99417", Some(_), _) => prolonged(Prolonged::Commercial),
            ("G2212", Some(_), _) => prolonged(Prolonged::Medicare),
            ("J0013", _, Some(d)) => Some(d),
            _ => None,
        };
        if let Some(e) = expected {
            if e != given {
                self.unit_error("procedures", "units-mismatch", format!(
                    "{code}x{given} disagrees with the session's minutes/dose, which give {e} unit(s): correct one of them"));
            }
        }
    }

    fn push(
        &mut self,
        code: String,
        modifiers: Vec<String>,
        units: u32,
        fee: Option<Cents>,
        drug: Option<&Drug>,
    ) {
        let Some(unit_fee) = fee.or_else(|| self.cat.fee(&code)) else {
            self.unit_error(
                "procedures",
                "no-fee",
                format!("there is no fee for {code}: add it to the practice's fees.csv"),
            );
            return;
        };
        let description = self
            .cat
            .procedure(&code)
            .map(|p| p.description.clone())
            .unwrap_or_default();
        let drug = drug.and_then(|d| self.drug_info(d));
        self.lines.push(Line {
            code,
            modifiers,
            units,
            unit_fee,
            drug,
            description,
        });
    }

    fn drug_info(&mut self, d: &Drug) -> Option<DrugInfo> {
        let ndc11 = match ndc::to_ndc11(&d.ndc) {
            Ok(n) => n,
            Err(e) => {
                self.unit_error("service", "bad-ndc", format!("drug '{}': {e}", d.name));
                return None;
            }
        };
        let dose = d.dose_mg.or(self.s.dose_mg)?;
        Some(DrugInfo {
            ndc11,
            unit_qualifier: d.qualifier.clone(),
            quantity: quantity(dose, d.mg_per_unit),
            name: d.name.clone(),
        })
    }
}

/// dose / per-unit strength, to at most three decimals without trailing
/// zeros (`1.2`, `2`, `0.667`), computed in integers.
pub fn quantity(dose_mg: u32, mg_per_unit: u32) -> String {
    let per = u64::from(mg_per_unit.max(1));
    let thousandths = (u64::from(dose_mg) * 1000 + per / 2) / per;
    let whole = thousandths / 1000;
    let frac = thousandths % 1000;
    if frac == 0 {
        return whole.to_string();
    }
    let s = format!("{whole}.{frac:03}");
    s.trim_end_matches('0').to_string()
}

#[cfg(test)]
mod tests;
