//! Which superbills rejected rows bear on. A superbill whose figures could
//! depend on a row with errors is never issued as final: by default it is
//! held (listed with the reasons, no PDF); with `--partial` the rest of it
//! is issued, marked partial, naming what it leaves out.
//!
//! A rejected row bears on a patient's superbill for the period when it is
//! - the patient's own row in patients.csv;
//! - one of the patient's sessions dated in the period (or whose date
//!   cannot be read), unless it is a cancelled or no-show visit;
//! - one of the patient's payments made by the end of the period (or by
//!   the run's as-of date, when later: such payments settle the period's
//!   balances), naming one of the period's sessions, or undated.
//!
//! A session or payment row whose patient cannot be read (and, for a
//! payment, whose session does not tell either) could be anyone's: it
//! bears on every superbill of the period.

use crate::findings::{Finding, Severity};
use crate::hash::HashMap;
use crate::input::{Inputs, Status, PATIENTS_FILE, PAYMENTS_FILE, SESSIONS_FILE};
use crate::superbill::LeftOut;
use crate::validate::Period;
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

/// One rejected row and what it would add to the superbill.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reason {
    pub file: String,
    pub line: u64,
    /// Finding codes at that line, e.g. `bad-amount`.
    pub codes: Vec<&'static str>,
    /// What a partial superbill leaves out; None when no partial superbill
    /// can be issued without it (the patient's own row, a failed render).
    pub left_out: Option<LeftOut>,
}

impl Reason {
    /// `payments.csv:12 bad-amount`, as summary.csv and the screen show it.
    pub fn label(&self) -> String {
        format!("{}:{} {}", self.file, self.line, self.codes.join(","))
    }

    /// A reason made from a finding met while building or rendering.
    pub fn of(f: &Finding, left_out: Option<LeftOut>) -> Reason {
        Reason {
            file: f.file.clone(),
            line: f.line,
            codes: vec![f.code],
            left_out,
        }
    }
}

#[derive(Debug, Default)]
pub struct Holds {
    /// patient_id -> the rejected rows that bear on the patient's superbill.
    pub by_patient: BTreeMap<String, Vec<Reason>>,
    /// Rejected rows whose patient cannot be read: they bear on every
    /// superbill.
    pub anyone: Vec<Reason>,
    /// Patients with a rejected session in the period: they would have a
    /// superbill once it is fixed, so they are listed as held even when
    /// nothing else of theirs is billable.
    pub with_rejected_sessions: BTreeSet<String>,
}

impl Holds {
    /// Every reason to hold the superbill of `patient_id`.
    pub fn reasons(&self, patient_id: &str) -> Vec<Reason> {
        let mut v: Vec<Reason> = self
            .by_patient
            .get(patient_id)
            .into_iter()
            .flatten()
            .chain(&self.anyone)
            .cloned()
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

/// Finds the rows with errors in the three exports and the superbills they
/// bear on. `paid_by` is the last payment date the period's ledger counts.
pub fn find(inputs: &Inputs, findings: &[Finding], period: &Period, paid_by: NaiveDate) -> Holds {
    let mut codes: BTreeMap<(&str, u64), Vec<&'static str>> = BTreeMap::new();
    for f in findings {
        let file = match f.file.as_str() {
            PATIENTS_FILE => PATIENTS_FILE,
            SESSIONS_FILE => SESSIONS_FILE,
            PAYMENTS_FILE => PAYMENTS_FILE,
            _ => continue,
        };
        if f.severity == Severity::Error && f.line > 0 {
            let v = codes.entry((file, f.line)).or_default();
            if !v.contains(&f.code) {
                v.push(f.code);
            }
        }
    }
    // session_id -> (patient, date) of every session row that says so.
    let mut session_owner: HashMap<&str, (Option<&str>, Option<NaiveDate>)> = HashMap::default();
    for s in &inputs.sessions {
        session_owner.insert(&s.session_id, (Some(&s.patient_id), Some(s.date)));
    }
    for ((file, _), r) in &inputs.refs {
        if *file == SESSIONS_FILE {
            if let Some(id) = &r.id {
                session_owner
                    .entry(id)
                    .or_insert((r.patient_id.as_deref(), r.date));
            }
        }
    }

    let mut holds = Holds::default();
    for ((file, line), codes) in codes {
        let rf = inputs.refs.get(&(file, line));
        // Reasons are shown (summary.csv, the report, a partial
        // superbill's notice): named as the user knows the file.
        let shown = inputs.source_name(file);
        let reason = |left_out: Option<LeftOut>| Reason {
            file: shown.to_string(),
            line,
            codes: codes.clone(),
            left_out,
        };
        let row = || LeftOut::Row {
            file: shown.to_string(),
            line,
        };
        let (patient, reason) = match file {
            PATIENTS_FILE => {
                let id = inputs
                    .patient_at(line)
                    .map(|p| p.patient_id.clone())
                    .or_else(|| rf.and_then(|r| r.id.clone()));
                // A patients.csv row without a readable id is nobody
                // else's row: it holds no other patient's superbill.
                let Some(id) = id else { continue };
                (Some(id), reason(None))
            }
            SESSIONS_FILE => {
                let (pid, id, date) = match (inputs.session_at(line), rf) {
                    (Some(s), _) => {
                        if s.status != Status::Completed {
                            continue;
                        }
                        (
                            Some(s.patient_id.to_string()),
                            Some(s.session_id.to_string()),
                            Some(s.date),
                        )
                    }
                    (None, Some(r)) => (r.patient_id.clone(), r.id.clone(), r.date),
                    (None, None) => (None, None, None),
                };
                if date.is_some_and(|d| !period.contains(d)) {
                    continue;
                }
                let left = match id {
                    Some(id) => LeftOut::Session { id, date },
                    None => row(),
                };
                if let Some(p) = &pid {
                    holds.with_rejected_sessions.insert(p.clone());
                }
                (pid, reason(Some(left)))
            }
            _ => {
                let (pid, id, session, date) = match (inputs.payment_at(line), rf) {
                    (Some(p), _) => (
                        Some(p.patient_id.to_string()),
                        Some(p.payment_id.to_string()),
                        p.session_id.as_ref().map(|s| s.to_string()),
                        Some(p.date),
                    ),
                    (None, Some(r)) => (
                        r.patient_id.clone(),
                        r.id.clone(),
                        r.session_id.clone(),
                        r.date,
                    ),
                    (None, None) => (None, None, None, None),
                };
                let owner = session.as_deref().and_then(|s| session_owner.get(s));
                let names_this_period =
                    owner.is_some_and(|(_, d)| d.is_none_or(|d| period.contains(d)));
                if date.is_some_and(|d| d > paid_by) && !names_this_period {
                    continue;
                }
                let pid = pid.or_else(|| owner.and_then(|(p, _)| p.map(str::to_string)));
                let left = match id {
                    Some(id) => LeftOut::Payment { id },
                    None => row(),
                };
                (pid, reason(Some(left)))
            }
        };
        match patient {
            Some(p) => holds.by_patient.entry(p).or_default().push(reason),
            None => holds.anyone.push(reason),
        }
    }
    holds
}
