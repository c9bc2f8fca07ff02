//! Row accounting: what happened to every row read from the input files,
//! so a run can prove *rows read = billed + skipped + rejected* per file.
//! A row missing from that sum would be a session silently left off a
//! superbill, so a mismatch is an internal error, never a warning.

use crate::error::{Error, Result};
use crate::findings::{Findings, Severity};
use crate::hash::{HashMap, HashSet};
use crate::input::{Inputs, Status, PATIENTS_FILE, SESSIONS_FILE};
use crate::ledger::Ledger;
use crate::superbill::SessionBills;
use crate::validate::Period;
use rayon::prelude::*;

/// What happened to one input row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fate {
    Billed,
    Skipped(&'static str),
    Rejected,
}

/// Per input file: rows read and their fates.
#[derive(Debug, Clone, Default)]
pub struct RowCount {
    /// The file as the user knows it (`patients.xlsx` for a workbook).
    pub file: String,
    pub read: usize,
    pub billed: usize,
    pub skipped: usize,
    pub rejected: usize,
}

/// The (file, line) of every row with an error: such a row is rejected,
/// whatever else happened to it.
pub fn error_lines(findings: &Findings) -> ErrorLines {
    let mut by_file: HashMap<String, HashSet<u64>> = HashMap::default();
    for f in findings
        .items
        .iter()
        .filter(|f| f.severity == Severity::Error)
    {
        by_file.entry(f.file.clone()).or_default().insert(f.line);
    }
    ErrorLines(by_file)
}

/// Lines with errors, by file: asked once per row read, so a lookup makes
/// no key (a million rows made a million strings to ask).
#[derive(Debug, Default)]
pub struct ErrorLines(HashMap<String, HashSet<u64>>);

impl ErrorLines {
    pub fn contains(&self, file: &str, line: u64) -> bool {
        self.0.get(file).is_some_and(|lines| lines.contains(&line))
    }
}

/// The fate of every row read, per input file, in the order read.
/// `period` and `patient` are the run's scope (the front desk renders one
/// patient); `bad` the (file, line) pairs with errors; `session_superbill`
/// maps each billed session to its superbill.
pub fn fates(
    inputs: &Inputs,
    period: &Period,
    patient: Option<&str>,
    bad: &ErrorLines,
    ledger: &Ledger,
    session_superbill: &SessionBills,
) -> Vec<(&'static str, Vec<(u64, Fate)>)> {
    let billed_patients: HashSet<&str> = inputs
        .sessions
        .iter()
        .filter(|s| session_superbill.contains(&s.session_id))
        .map(|s| s.patient_id.as_str())
        .collect();
    // Sorted, not hashed: a million payments' ids in 16 bytes each (a set
    // took 34).
    let mut paid_here: Vec<&str> = ledger
        .allocations
        .par_iter()
        .filter(|a| session_superbill.contains(&a.session_id))
        .map(|a| a.payment_id.as_str())
        .collect();
    paid_here.par_sort_unstable();
    paid_here.dedup();
    // The fate of the row at `line` of `file`.
    let fate = |file: &str, line: u64| {
        if bad.contains(file, line) {
            return Fate::Rejected;
        }
        match file {
            SESSIONS_FILE => match inputs.session_at(line) {
                Some(s) if s.status == Status::Cancelled => Fate::Skipped("cancelled"),
                Some(s) if s.status == Status::NoShow => Fate::Skipped("no-show"),
                Some(s) if !period.contains(s.date) => Fate::Skipped("outside the period"),
                Some(s) if patient.is_some_and(|p| p != s.patient_id) => {
                    Fate::Skipped("other patient")
                }
                Some(s) if session_superbill.contains(&s.session_id) => Fate::Billed,
                _ => Fate::Rejected,
            },
            PATIENTS_FILE => match inputs.patient_at(line) {
                Some(p) if billed_patients.contains(p.patient_id.as_str()) => Fate::Billed,
                Some(_) => Fate::Skipped("no billable sessions in the period"),
                None => Fate::Rejected,
            },
            _ => match inputs.payment_at(line) {
                Some(p) if paid_here.binary_search(&p.payment_id.as_str()).is_ok() => Fate::Billed,
                Some(_) => Fate::Skipped("applied outside this run or held as credit"),
                None => Fate::Rejected,
            },
        }
    };
    inputs
        .rows
        .iter()
        .map(|rows| {
            // Each row's fate is its own: decided side by side, in file
            // order. A line inside a multi-line cell shares its row's fate.
            let v = rows
                .lines
                .par_iter()
                .map(|&physical| (physical, fate(rows.file, rows.record_line(physical))))
                .collect();
            (rows.file, v)
        })
        .collect()
}

/// Rows read = billed + skipped + rejected, per file, or it is a bug.
pub fn count(fates: &[(&'static str, Vec<(u64, Fate)>)]) -> Result<Vec<RowCount>> {
    let mut out = Vec::new();
    for (file, fates) in fates {
        let mut c = RowCount {
            file: file.to_string(),
            read: fates.len(),
            ..Default::default()
        };
        for (_, f) in fates {
            match f {
                Fate::Billed => c.billed += 1,
                Fate::Skipped(_) => c.skipped += 1,
                Fate::Rejected => c.rejected += 1,
            }
        }
        if c.read != c.billed + c.skipped + c.rejected {
            return Err(Error::Other(format!(
                "internal error: {file} rows do not add up; please report this"
            )));
        }
        out.push(c);
    }
    Ok(out)
}
