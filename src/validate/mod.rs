//! Validation: every problem that would get a claim denied, found before
//! anything is generated, each with file, line, record, field and the fix.
//! Checks relative to "today" take `as_of` so results never depend on the
//! clock.

mod day;
mod practice;
mod records;

pub use records::{render_alone, too_many_for_superbill};

use crate::codes::Catalog;
use crate::findings::Findings;
use crate::icd10::CodeSet;
use crate::input::{Inputs, Session, Status};
use crate::resolve;
use chrono::{Datelike, NaiveDate};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// An inclusive range of dates of service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// `2026-09` -> September 1 to 30, 2026.
    pub fn month(text: &str) -> Result<Period, String> {
        let bad = || format!("period '{text}' must be a month written YYYY-MM, e.g. 2026-09");
        let (y, m) = text.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let y: i32 = y.parse().map_err(|_| bad())?;
        let m: u32 = m.parse().map_err(|_| bad())?;
        let from = NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad)?;
        let next = if m == 12 {
            NaiveDate::from_ymd_opt(y + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(y, m + 1, 1)
        }
        .ok_or_else(bad)?;
        Ok(Period {
            from,
            to: next.pred_opt().ok_or_else(bad)?,
        })
    }

    pub fn contains(&self, d: NaiveDate) -> bool {
        self.from <= d && d <= self.to
    }

    /// `202609` for a calendar month, else `20260905-20260912`.
    pub fn label(&self) -> String {
        let whole_month = self.from.day() == 1
            && Period::month(&self.from.format("%Y-%m").to_string()).ok() == Some(*self);
        if whole_month {
            self.from.format("%Y%m").to_string()
        } else {
            format!(
                "{}-{}",
                self.from.format("%Y%m%d"),
                self.to.format("%Y%m%d")
            )
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub as_of: NaiveDate,
    pub period: Option<Period>,
    /// Warn about sessions late to file (past 90 days). The error for
    /// sessions past the filing limit is made either way.
    pub filing_warnings: bool,
}

/// What validation learned: which sessions it checked (completed, in the
/// period). Their lines are resolved again when superbills are built, one
/// patient at a time, so no stage holds every line of a big practice.
#[derive(Debug)]
pub struct Validated {
    pub checked: Vec<bool>,
}

pub fn run(
    inputs: &Inputs,
    cat: &Catalog,
    icd: &CodeSet,
    opts: &Options,
    findings: &mut Findings,
) -> Validated {
    practice::check(inputs, cat, findings);
    // Providers with any error in practice.toml: their sessions wait.
    let bad_providers: crate::hash::HashSet<&str> = inputs
        .practice
        .providers
        .iter()
        .filter(|p| {
            findings.items.iter().any(|f| {
                f.severity == crate::findings::Severity::Error
                    && f.file == crate::input::PRACTICE_FILE
                    && f.record_id == p.id
            })
        })
        .map(|p| p.id.as_str())
        .collect();
    // Three checks of whole files that read no finding: side by side (a
    // million payments kept one core busy for a second or more), their
    // findings joined in the order one core would have made them.
    let ((patients, ()), ((payments, ()), (duplicates, repeats))) = rayon::join(
        || found(|f| records::patients(inputs, cat, opts, f)),
        || {
            rayon::join(
                || found(|f| records::payments(inputs, opts, f)),
                || found(|f| records::duplicate_sessions(inputs, f)),
            )
        },
    );
    findings.extend(patients);
    findings.extend(payments);
    findings.extend(duplicates);
    let checked: Vec<bool> = inputs
        .sessions
        .iter()
        .map(|s| s.status == Status::Completed && opts.period.is_none_or(|p| p.contains(s.date)))
        .collect();
    // One group per future superbill: the patient in the period, or in
    // each calendar month when no period is given (a batch bills months).
    let mut by_patient: BTreeMap<(&str, String), Vec<&Session>> = BTreeMap::new();
    for (s, _) in inputs.sessions.iter().zip(&checked).filter(|(_, c)| **c) {
        if repeats.contains(&s.line) {
            continue;
        }
        let month = match opts.period {
            Some(_) => String::new(),
            None => s.date.format("%Y-%m").to_string(),
        };
        by_patient
            .entry((&s.patient_id, month))
            .or_default()
            .push(s);
    }
    practice::signatures(inputs, &checked, findings);
    let first = day::first_visits(inputs);
    // Each patient's sessions are checked on their own, so patients are
    // checked side by side (a million sessions took seconds on one core);
    // their findings join in patient order, as if checked one by one.
    let before = &*findings;
    let groups: Vec<Vec<&Session>> = by_patient.into_values().collect();
    let found: Vec<Findings> = groups
        .into_par_iter()
        .map(|mut sessions| {
            let mut f = Findings::default();
            sessions.sort_by_key(|s| (s.date, s.session_id.as_str()));
            records::superbill_diagnoses(&sessions, cat, &inputs.dir, &mut f);
            let mut resolved = Vec::with_capacity(sessions.len());
            for s in sessions {
                records::session(inputs, &bad_providers, s, icd, cat, opts, &mut f);
                let pos = inputs.practice.default_pos_for(s);
                let r = resolve::session(s, pos, cat, &mut f);
                let file = crate::input::SESSIONS_FILE;
                if r.lines.is_empty()
                    && !f.has_error_at(file, s.line)
                    && !before.has_error_at(file, s.line)
                {
                    // Every row must end billed, skipped or rejected with a reason.
                    f.error(
                        &crate::findings::At::new(file, s.line, &s.session_id),
                        "service",
                        "nothing-to-bill",
                        "the session resolves to no billable line (check minutes, dose and the service mapping)",
                    );
                }
                resolved.push((s, r));
            }
            day::check_patient(cat, &first, &resolved, &mut f);
            f
        })
        .collect();
    for f in found {
        findings.extend(f);
    }
    records::icd_release_coverage(inputs, &checked, icd, findings);
    records::sessions_of_bad_patients(inputs, &checked, findings);
    findings.sort();
    Validated { checked }
}

/// A check run on its own: what it found, and what it returned.
fn found<R>(check: impl FnOnce(&mut Findings) -> R) -> (Findings, R) {
    let mut f = Findings::default();
    let r = check(&mut f);
    (f, r)
}

#[cfg(test)]
mod tests;
