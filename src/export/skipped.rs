//! `skipped.csv`: every row the batch did not bill and did not reject
//! (cancelled, no-show, outside the period...), with file, line and why.

use super::Csv;
use crate::input::{Inputs, PATIENTS_FILE, PAYMENTS_FILE, SESSIONS_FILE};
use std::collections::HashMap;

pub const SKIPPED_HEADER: [&str; 4] = ["file", "line", "record_id", "reason"];

/// One skipped row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub file: &'static str,
    pub line: u64,
    pub record_id: String,
    pub reason: &'static str,
}

/// The skipped rows among `fates` (per file: line and fate), with the id
/// each row carries.
pub fn skipped(
    inputs: &Inputs,
    fates: &[(&'static str, Vec<(u64, crate::rows::Fate)>)],
) -> Vec<Skipped> {
    let ids: HashMap<(&str, u64), &str> = inputs
        .patients
        .iter()
        .map(|p| ((PATIENTS_FILE, p.line), p.patient_id.as_str()))
        .chain(
            inputs
                .sessions
                .iter()
                .map(|s| ((SESSIONS_FILE, s.line), s.session_id.as_str())),
        )
        .chain(
            inputs
                .payments
                .iter()
                .map(|p| ((PAYMENTS_FILE, p.line), p.payment_id.as_str())),
        )
        .collect();
    let mut out = Vec::new();
    for (file, rows) in fates {
        for (line, fate) in rows {
            if let crate::rows::Fate::Skipped(reason) = fate {
                out.push(Skipped {
                    file,
                    line: *line,
                    record_id: ids.get(&(*file, *line)).unwrap_or(&"").to_string(),
                    reason,
                });
            }
        }
    }
    out
}

pub fn skipped_csv(rows: &[Skipped]) -> Vec<u8> {
    let mut csv = Csv::new(&SKIPPED_HEADER);
    for r in rows {
        csv.row([r.file, &r.line.to_string(), &r.record_id, r.reason]);
    }
    csv.finish()
}
