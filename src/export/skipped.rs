//! `skipped.csv`: every row the batch did not bill and did not reject
//! (cancelled, no-show, outside the period...), with file, line and why.

use super::Csv;
use crate::input::{Inputs, PATIENTS_FILE, PAYMENTS_FILE, SESSIONS_FILE};
use crate::rows::Fate;
use std::collections::BTreeMap;
use std::io::Write;

pub const SKIPPED_HEADER: [&str; 4] = ["file", "line", "record_id", "reason"];

/// Each input file's rows, in the order read: line and fate.
pub type Fates = [(&'static str, Vec<(u64, Fate)>)];

/// How many rows were skipped, per reason. skipped.csv itself is written
/// from the fates when the exports are: a year of history skips over a
/// million rows, and listing them first cost 40 bytes each.
pub fn by_reason(fates: &Fates) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for (_, rows) in fates {
        for (_, fate) in rows {
            if let Fate::Skipped(reason) = fate {
                *out.entry(*reason).or_default() += 1;
            }
        }
    }
    out
}

/// skipped.csv: every skipped row among `fates`, with the id it carries
/// (empty when it yielded no record).
pub fn write_skipped<W: Write>(w: W, inputs: &Inputs, fates: &Fates) -> std::io::Result<W> {
    let id = |file: &str, line: u64| -> &str {
        match file {
            PATIENTS_FILE => inputs.patient_at(line).map(|p| p.patient_id.as_str()),
            SESSIONS_FILE => inputs.session_at(line).map(|s| s.session_id.as_str()),
            PAYMENTS_FILE => inputs.payment_at(line).map(|p| p.payment_id.as_str()),
            _ => None,
        }
        .unwrap_or("")
    };
    let mut csv = Csv::to(w, &SKIPPED_HEADER);
    for (file, rows) in fates {
        for (line, fate) in rows {
            if let Fate::Skipped(reason) = fate {
                csv.row([*file, &line.to_string(), id(file, *line), reason]);
            }
        }
    }
    csv.into_inner()
}
