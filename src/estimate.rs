//! The Good Faith Estimate (No Surprises Act, 45 CFR 149.610) as pure data:
//! a treatment plan (`plans/*.toml` in the practice folder) priced for one
//! patient with the practice's own service mapping, unit rules and fees,
//! exactly as the visits would be billed.
//!
//! A plan names the primary service in plain words, the expected diagnosis
//! codes, the period of care (at most 12 months: a recurring course gets a
//! new estimate each year) and the expected services: a service key of
//! `services.toml` or explicit codes, how many visits, and minutes and dose
//! as a number or a range (`"40-50"`). A range is priced at the end that
//! costs more (units by the unit rules: 40-50 minutes of infusion is one
//! unit of 96365 at both ends, 40-95 minutes adds a unit of 96366), so the
//! patient is never estimated below what the rules would bill.

use crate::findings::{Findings, Severity};
use crate::input::{ProcSpec, Session, Status};
use crate::money::Cents;
use crate::practice::Loaded;
use crate::superbill::{BillingEntity, Diagnosis};
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A plan file, as written in `plans/<name>.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    /// A short name, e.g. "IV ketamine infusion series".
    pub title: String,
    /// The primary service in plain words, for the patient.
    pub description: String,
    /// Expected ICD-10-CM codes, primary first.
    pub diagnoses: Vec<String>,
    /// The provider (practice.toml `providers.id`) of every service that
    /// names none.
    #[serde(default)]
    pub provider: Option<String>,
    pub period: PeriodSpec,
    /// Items or services expected to be scheduled separately, before or
    /// after this period of care (each gets its own estimate).
    #[serde(default)]
    pub separately: Vec<String>,
    pub services: Vec<PlannedService>,
}

/// How long the period of care runs from its start: `weeks` or `months`,
/// or explicit `from` and `to` dates.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodSpec {
    #[serde(default)]
    pub weeks: Option<u32>,
    #[serde(default)]
    pub months: Option<u32>,
    #[serde(default)]
    pub from: Option<NaiveDate>,
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlannedService {
    /// A key of the practice's service mapping (services.toml).
    #[serde(default)]
    pub service: Option<String>,
    /// Explicit codes as in sessions.csv: `99215;99417x2`.
    #[serde(default)]
    pub codes: Option<String>,
    /// How many visits.
    pub count: u32,
    #[serde(default)]
    pub minutes: Option<Range>,
    #[serde(default)]
    pub dose_mg: Option<Range>,
    /// When, in plain words: "over 2-3 weeks", "monthly".
    #[serde(default)]
    pub when: Option<String>,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub place_of_service: Option<String>,
    /// Overrides the service's own description on the estimate.
    #[serde(default)]
    pub label: Option<String>,
}

/// A number, or a range written `"40-50"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub low: u32,
    pub high: u32,
}

impl Range {
    pub fn parse(text: &str) -> Result<Range, String> {
        let bad = || format!("'{text}' is not a number or a range such as 40-50");
        let (lo, hi) = match text.split_once('-') {
            Some((a, b)) => (a.trim(), b.trim()),
            None => (text.trim(), text.trim()),
        };
        let low: u32 = lo.parse().map_err(|_| bad())?;
        let high: u32 = hi.parse().map_err(|_| bad())?;
        if low > high {
            return Err(format!("'{text}': the range runs backwards"));
        }
        Ok(Range { low, high })
    }

    pub fn text(&self) -> String {
        if self.low == self.high {
            self.low.to_string()
        } else {
            format!("{}-{}", self.low, self.high)
        }
    }
}

impl<'de> Deserialize<'de> for Range {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Range, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(i64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(n) => {
                let n = u32::try_from(n).map_err(|_| {
                    serde::de::Error::custom(format!("{n} is not a whole number of 0 or more"))
                })?;
                Ok(Range { low: n, high: n })
            }
            Raw::S(s) => Range::parse(&s).map_err(serde::de::Error::custom),
        }
    }
}

impl PlanFile {
    pub fn load(path: &Path) -> crate::Result<PlanFile> {
        let text = std::fs::read_to_string(path).map_err(|e| crate::Error::io(path, e))?;
        let plan: PlanFile = toml::from_str(&text)
            .map_err(|e| crate::Error::config(path, e.to_string().trim().to_string()))?;
        if plan.services.is_empty() {
            return Err(crate::Error::config(
                path,
                "the plan lists no [[services]]: add at least one",
            ));
        }
        Ok(plan)
    }
}

/// The estimate as printed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// `GFE-20261005-P0001`: document id.
    pub number: String,
    pub issued: NaiveDate,
    pub title: String,
    pub description: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub practice: BillingEntity,
    /// Where the services are expected to be furnished (name, address
    /// lines); its state is the last line's.
    pub location_name: String,
    pub location: Vec<String>,
    pub location_state: String,
    pub patient_id: String,
    /// "Last, First Middle"
    pub patient_name: String,
    pub patient_dob: NaiveDate,
    pub diagnoses: Vec<Diagnosis>,
    /// Grouped by provider, in plan order.
    pub providers: Vec<ProviderItems>,
    pub separately: Vec<String>,
    pub total: Cents,
    pub shows_cpt: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderItems {
    /// "Maya Okafor, MD"
    pub name: String,
    pub npi: String,
    /// The practice's EIN: its providers bill under it.
    pub tin: String,
    pub items: Vec<Item>,
    pub subtotal: Cents,
}

/// One planned service: what it is, how often, and its lines.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    /// "IV ketamine infusion, 40-50 minutes"
    pub label: String,
    /// "6 visits, over 2-3 weeks"
    pub schedule: String,
    pub visits: u32,
    pub lines: Vec<ItemLine>,
    /// Per visit, and for all visits.
    pub per_visit: Cents,
    pub total: Cents,
    /// Why a range was priced where it was, when its ends differ.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemLine {
    pub code: String,
    pub modifiers: Vec<String>,
    /// The practice's own description (never AMA text).
    pub description: String,
    pub units: u32,
    pub unit_fee: Cents,
    /// Diagnosis letters, as on a superbill.
    pub pointers: String,
    /// units * unit_fee * visits
    pub total: Cents,
}

pub struct Request<'a> {
    pub patient_id: &'a str,
    pub plan: &'a PlanFile,
    /// "Today": the estimate's date.
    pub issued: NaiveDate,
    /// The first expected visit (default: `issued`).
    pub start: Option<NaiveDate>,
}

/// Prices the plan for the patient. Errors name the plan's fields and the
/// service by its position (`services[2]`), never patient data.
pub fn build(loaded: &Loaded, req: &Request) -> Result<Estimate, Vec<String>> {
    let inputs = &loaded.inputs;
    let plan = req.plan;
    let mut errors = Vec::new();
    let Some(patient) = inputs.patient(req.patient_id) else {
        return Err(vec![format!(
            "patient '{}' is not in patients.csv (or its row has errors: `superbill validate` lists them)",
            req.patient_id
        )]);
    };
    let (from, to) = match period(&plan.period, req.start.unwrap_or(req.issued)) {
        Ok(p) => p,
        Err(e) => return Err(vec![e]),
    };
    // Diagnoses: billable ICD-10-CM codes on the first day of care.
    let mut diagnoses = Vec::new();
    for (i, raw) in plan.diagnoses.iter().enumerate() {
        let code = crate::icd10::normalize(raw);
        let check = loaded.icd.check(&code, from);
        if !check.is_billable() {
            errors.push(format!(
                "diagnoses[{i}]: '{raw}' is not a billable ICD-10-CM code on {from} (`superbill codes lookup {raw}` shows why)"
            ));
            continue;
        }
        if diagnoses
            .iter()
            .any(|d: &Diagnosis| d.code == crate::icd10::dotted(&code))
        {
            continue;
        }
        diagnoses.push(Diagnosis {
            letter: (b'A' + diagnoses.len() as u8) as char,
            code: crate::icd10::dotted(&code),
            description: check
                .entry()
                .map(|e| e.description.to_string())
                .unwrap_or_default(),
        });
    }
    if plan.diagnoses.is_empty() {
        errors.push("diagnoses: list the expected ICD-10-CM codes, primary first".into());
    }
    if diagnoses.len() > 12 {
        errors.push("diagnoses: at most 12 codes (A-L)".into());
    }
    let pointers: String = diagnoses.iter().take(4).map(|d| d.letter).collect();
    let practice = &inputs.practice;
    let tin = crate::ein::format(&practice.tax_id);
    let mut providers: Vec<ProviderItems> = Vec::new();
    let mut shows_cpt = false;
    for (i, svc) in plan.services.iter().enumerate() {
        let at = format!("services[{i}]");
        let provider_id = svc.provider.as_deref().or(plan.provider.as_deref());
        let provider = match provider_id {
            None if practice.providers.len() == 1 => &practice.providers[0],
            None => {
                errors.push(format!(
                    "{at}: name the provider (provider = \"id\", here or for the whole plan): the practice has several"
                ));
                continue;
            }
            Some(id) => match inputs.provider(id) {
                Some(p) => p,
                None => {
                    errors.push(format!(
                        "{at}: provider '{id}' is not in practice.toml's [[providers]]"
                    ));
                    continue;
                }
            },
        };
        match item(loaded, svc, &at, from, &pointers, provider) {
            Ok(it) => {
                shows_cpt |= it.lines.iter().any(|l| {
                    loaded
                        .catalog
                        .procedure(&l.code)
                        .is_some_and(|p| p.is_cpt())
                });
                let name = provider.display_name();
                match providers.iter_mut().find(|p| p.npi == provider.npi) {
                    Some(group) => group.items.push(it),
                    None => providers.push(ProviderItems {
                        name,
                        npi: provider.npi.clone(),
                        tin: tin.clone(),
                        items: vec![it],
                        subtotal: Cents::ZERO,
                    }),
                }
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    for g in &mut providers {
        g.subtotal = g.items.iter().map(|i| i.total).sum();
    }
    let total = providers.iter().map(|g| g.subtotal).sum();
    let (location_name, address) = match &practice.service_facility {
        Some(f) => (f.name.clone(), &f.address),
        None => (practice.legal_name.clone(), &practice.address),
    };
    Ok(Estimate {
        number: format!("GFE-{}-{}", req.issued.format("%Y%m%d"), patient.patient_id),
        issued: req.issued,
        title: plan.title.clone(),
        description: plan.description.clone(),
        period_from: from,
        period_to: to,
        practice: BillingEntity {
            legal_name: practice.legal_name.clone(),
            address_lines: address_lines(&practice.address),
            address: practice.address.clone(),
            phone: practice.phone.clone(),
            tax_id: tin,
            npi: practice.npi.clone(),
            taxonomy: practice.taxonomy.clone(),
        },
        location_name,
        location: address_lines(address),
        location_state: address.state.clone(),
        patient_id: patient.patient_id.clone(),
        patient_name: patient.full_name(),
        patient_dob: patient.dob,
        diagnoses,
        providers,
        separately: plan.separately.clone(),
        total,
        shows_cpt,
    })
}

fn address_lines(a: &crate::input::Address) -> Vec<String> {
    let mut v = vec![a.line1.clone()];
    if let Some(l2) = a.line2.as_ref().filter(|l| !l.trim().is_empty()) {
        v.push(l2.clone());
    }
    v.push(a.city_line());
    v
}

/// The period of care from `start`, at most 12 months (45 CFR 149.610: a
/// recurring course is estimated a year at a time).
pub fn period(spec: &PeriodSpec, start: NaiveDate) -> Result<(NaiveDate, NaiveDate), String> {
    let (from, to) = match (spec.from, spec.to, spec.weeks, spec.months) {
        (Some(f), Some(t), None, None) => (f, t),
        (None, None, Some(w), None) if w > 0 => (
            start,
            start + chrono::Duration::weeks(i64::from(w)) - chrono::Duration::days(1),
        ),
        (None, None, None, Some(m)) if m > 0 => (
            start,
            start
                .checked_add_months(Months::new(m))
                .and_then(|d| d.pred_opt())
                .ok_or("period: too long")?,
        ),
        _ => {
            return Err(
                "period: give one of `weeks = N`, `months = N`, or `from` and `to` dates".into(),
            )
        }
    };
    if to < from {
        return Err(format!("period: {to} is before {from}"));
    }
    let limit = from
        .checked_add_months(Months::new(12))
        .and_then(|d| d.pred_opt())
        .unwrap_or(from);
    if to > limit {
        return Err(format!(
            "period: {from} to {to} is longer than 12 months; a Good Faith Estimate covers at most a year of recurring care: estimate the next year separately"
        ));
    }
    Ok((from, to))
}

/// Prices one planned service at both ends of its ranges and keeps the end
/// that costs more.
fn item(
    loaded: &Loaded,
    svc: &PlannedService,
    at: &str,
    date: NaiveDate,
    pointers: &str,
    provider: &crate::input::Provider,
) -> Result<Item, Vec<String>> {
    let mut errors = Vec::new();
    if svc.count == 0 {
        errors.push(format!("{at}: count must be at least 1"));
    }
    let procedures: Vec<ProcSpec> = match &svc.codes {
        Some(list) => {
            let mut v = Vec::new();
            for code in list
                .split([';', ','])
                .map(str::trim)
                .filter(|c| !c.is_empty())
            {
                match crate::input::records::proc_spec(code) {
                    Ok(p) => v.push(p),
                    Err(e) => errors.push(format!("{at}: codes: {e}")),
                }
            }
            v
        }
        None => Vec::new(),
    };
    if svc.service.is_none() && procedures.is_empty() {
        errors.push(format!(
            "{at}: name a `service` (a key of services.toml) or `codes`"
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let price = |minutes: Option<u32>, dose: Option<u32>| {
        let session = Session {
            line: 0,
            session_id: at.into(),
            patient_id: Default::default(),
            provider_id: provider.id.as_str().into(),
            date,
            diagnoses: Box::default(),
            service: svc.service.as_deref().map(Into::into),
            procedures: procedures.clone(),
            minutes,
            dose_mg: dose,
            place_of_service: svc.place_of_service.as_deref().map(Into::into),
            status: Status::Completed,
            location: None,
        };
        let mut findings = Findings::default();
        let r = crate::resolve::session(
            &session,
            loaded.inputs.practice.default_pos_for(&session),
            &loaded.catalog,
            &mut findings,
        );
        (r, findings)
    };
    let low = price(svc.minutes.map(|r| r.low), svc.dose_mg.map(|r| r.low));
    let high = price(svc.minutes.map(|r| r.high), svc.dose_mg.map(|r| r.high));
    let cost = |r: &crate::resolve::Resolved| r.lines.iter().map(|l| l.charge()).sum::<Cents>();
    let ranged = svc.minutes.is_some_and(|r| r.low != r.high)
        || svc.dose_mg.is_some_and(|r| r.low != r.high);
    // The dearer end, and its findings: a range whose low end is not
    // billable (15 minutes of infusion) is still an error.
    let ((resolved, findings), other) = if cost(&high.0) >= cost(&low.0) {
        (high, low)
    } else {
        (low, high)
    };
    for f in findings.items.iter().chain(&other.1.items) {
        if f.severity == Severity::Error {
            let msg = format!("{at}: {}", f.message.replace("fill in ", "give "));
            if !errors.contains(&msg) {
                errors.push(msg);
            }
        }
    }
    for l in &resolved.lines {
        match loaded.catalog.procedure(&l.code) {
            None => errors.push(format!(
                "{at}: {} is not in the procedure table (codes/procedures.csv)",
                l.code
            )),
            Some(p) => {
                if let Some(why) = p.not_valid_on(date) {
                    errors.push(format!("{at}: {why}"));
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let visits = svc.count;
    let lines: Vec<ItemLine> = resolved
        .lines
        .iter()
        .map(|l| ItemLine {
            code: l.code.clone(),
            modifiers: l.modifiers.clone(),
            description: l.description.clone(),
            units: l.units,
            unit_fee: l.unit_fee,
            pointers: pointers.to_string(),
            total: l.charge() * visits,
        })
        .collect();
    let per_visit = cost(&resolved);
    let service_desc = svc
        .service
        .as_deref()
        .and_then(|k| loaded.catalog.services.get(k))
        .map(|s| s.description.clone());
    let mut label = svc.label.clone().or(service_desc).unwrap_or_else(|| {
        lines
            .iter()
            .map(|l| l.description.clone())
            .collect::<Vec<_>>()
            .join("; ")
    });
    if let Some(m) = svc.minutes {
        label.push_str(&format!(", {} minutes", m.text()));
    }
    if let Some(d) = svc.dose_mg {
        label.push_str(&format!(", {} mg", d.text()));
    }
    let mut schedule = format!("{visits} visit{}", if visits == 1 { "" } else { "s" });
    if let Some(w) = svc.when.as_deref().filter(|w| !w.trim().is_empty()) {
        schedule.push_str(", ");
        schedule.push_str(w.trim());
    }
    let note = (ranged && cost(&other.0) != per_visit).then(|| {
        let mut at = Vec::new();
        if let Some(m) = svc.minutes.filter(|r| r.low != r.high) {
            at.push(format!(
                "{} minutes",
                if cost(&other.0) < per_visit { m.high } else { m.low }
            ));
        }
        if let Some(d) = svc.dose_mg.filter(|r| r.low != r.high) {
            at.push(format!(
                "{} mg",
                if cost(&other.0) < per_visit { d.high } else { d.low }
            ));
        }
        format!(
            "Priced at {} per visit ({}), the end of the range that costs more; at the other end a visit would be {}.",
            per_visit.display(),
            at.join(", "),
            cost(&other.0).display()
        )
    });
    Ok(Item {
        label,
        schedule,
        visits,
        lines,
        per_visit,
        total: per_visit * visits,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn ranges_parse() {
        assert_eq!(Range::parse("40-50"), Ok(Range { low: 40, high: 50 }));
        assert_eq!(Range::parse(" 45 "), Ok(Range { low: 45, high: 45 }));
        assert!(Range::parse("50-40").is_err());
        assert!(Range::parse("about an hour").is_err());
    }

    #[test]
    fn periods_run_from_the_start_and_stop_at_a_year() {
        let start = d(2026, 10, 5);
        let weeks = PeriodSpec {
            weeks: Some(3),
            ..Default::default()
        };
        assert_eq!(period(&weeks, start), Ok((start, d(2026, 10, 25))));
        let months = PeriodSpec {
            months: Some(12),
            ..Default::default()
        };
        assert_eq!(period(&months, start), Ok((start, d(2027, 10, 4))));
        let too_long = PeriodSpec {
            months: Some(13),
            ..Default::default()
        };
        assert!(period(&too_long, start).unwrap_err().contains("12 months"));
        assert!(period(&PeriodSpec::default(), start).is_err());
    }
}
