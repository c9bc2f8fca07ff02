//! `skipped.csv`: every row the batch did not bill and did not reject
//! (cancelled, no-show, outside the period...), with file, line and why.

use super::Csv;
use crate::input::{Inputs, PATIENTS_FILE, PAYMENTS_FILE, SESSIONS_FILE};
use std::io::Write;

pub const SKIPPED_HEADER: [&str; 4] = ["file", "line", "record_id", "reason"];

/// One skipped row. Its record id is looked up when skipped.csv is
/// written: a year of history skips a million rows, and their ids are in
/// the records already.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub file: &'static str,
    pub line: u64,
    pub reason: &'static str,
}

/// The skipped rows among `fates` (per file: line and fate).
pub fn skipped(fates: &[(&'static str, Vec<(u64, crate::rows::Fate)>)]) -> Vec<Skipped> {
    let is_skipped = |f: &crate::rows::Fate| matches!(f, crate::rows::Fate::Skipped(_));
    let count = fates
        .iter()
        .map(|(_, rows)| rows.iter().filter(|(_, f)| is_skipped(f)).count())
        .sum();
    let mut out = Vec::with_capacity(count);
    for (file, rows) in fates {
        for (line, fate) in rows {
            if let crate::rows::Fate::Skipped(reason) = fate {
                out.push(Skipped {
                    file,
                    line: *line,
                    reason,
                });
            }
        }
    }
    out
}

/// The records of one file by line: (line, index into the records),
/// sorted, for a binary search.
fn by_line(lines: impl Iterator<Item = u64>) -> Vec<(u64, u32)> {
    let mut v: Vec<(u64, u32)> = lines.zip(0u32..).collect();
    v.sort_unstable();
    v
}

fn find(index: &[(u64, u32)], line: u64) -> Option<usize> {
    let i = index.partition_point(|(l, _)| *l < line);
    index
        .get(i)
        .filter(|(l, _)| *l == line)
        .map(|(_, k)| *k as usize)
}

/// skipped.csv, with the id each row carries (empty when it yielded no
/// record).
pub fn skipped_csv(inputs: &Inputs, rows: &[Skipped]) -> Vec<u8> {
    write_skipped(Vec::new(), inputs, rows).expect("writing to memory")
}

pub fn write_skipped<W: Write>(w: W, inputs: &Inputs, rows: &[Skipped]) -> std::io::Result<W> {
    let patients = by_line(inputs.patients.iter().map(|p| p.line));
    let sessions = by_line(inputs.sessions.iter().map(|s| s.line));
    let payments = by_line(inputs.payments.iter().map(|p| p.line));
    let id = |file: &str, line: u64| -> &str {
        match file {
            PATIENTS_FILE => find(&patients, line).map(|i| inputs.patients[i].patient_id.as_str()),
            SESSIONS_FILE => find(&sessions, line).map(|i| inputs.sessions[i].session_id.as_str()),
            PAYMENTS_FILE => find(&payments, line).map(|i| inputs.payments[i].payment_id.as_str()),
            _ => None,
        }
        .unwrap_or("")
    };
    let mut csv = Csv::to(w, &SKIPPED_HEADER);
    for r in rows {
        csv.row([r.file, &r.line.to_string(), id(r.file, r.line), r.reason]);
    }
    csv.into_inner()
}
