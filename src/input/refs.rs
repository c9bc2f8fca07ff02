//! Whose row it was, for rows that yielded no record. A rejected payment
//! still belongs to a patient, and that patient's superbill must not be
//! issued as final without it: the batch holds the superbills that
//! rejected rows bear on. Only well-formed ids and readable dates are
//! taken from the cells; nothing else of a rejected row is kept.

use super::parse::DateRules;
use super::records::check_id;
use super::table::Table;
use crate::hash::{HashMap, HashSet};
use chrono::NaiveDate;

/// What a rejected row says about itself, as far as it can be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowRef {
    /// The row's own id (patient, session or payment id).
    pub id: Option<String>,
    pub patient_id: Option<String>,
    /// For a payment: the session it names.
    pub session_id: Option<String>,
    /// Date of service or of payment (never a date of birth).
    pub date: Option<NaiveDate>,
}

/// RowRefs of the lines of `t` that yielded no record (rows whose cells
/// were rejected, and lines that could not be read as a row at all), by
/// line. `dates` reads the row's date (sessions and payments); a line that
/// could not be read as a row tells at most its own id, its patient and,
/// for a session, its date.
pub fn unrecorded(
    t: &Table,
    id_col: &str,
    dates: Option<DateRules>,
    recorded: &HashSet<u64>,
) -> HashMap<u64, RowRef> {
    let id = |v: Option<&str>| v.filter(|v| check_id(v).is_ok()).map(str::to_string);
    let mut out: HashMap<u64, RowRef> = t
        .rows
        .iter()
        .filter(|r| !recorded.contains(&r.line))
        .map(|r| {
            let date = dates.and_then(|rules| {
                let d = t.get(r, "date")?;
                super::parse::date_with(d, rules).ok().map(|d| d.date)
            });
            let session_id = if id_col == "session_id" {
                None
            } else {
                id(t.get(r, "session_id"))
            };
            let rf = RowRef {
                id: id(t.get(r, id_col)),
                patient_id: id(t.get(r, "patient_id")),
                session_id,
                date,
            };
            (r.line, rf)
        })
        .collect();
    for &line in &t.unreadable {
        if recorded.contains(&line) {
            continue;
        }
        // A damaged session row's date, when exactly one date can be read
        // from its cells and the header has only the columns the tool
        // knows (of which one is a date): a row of another month then
        // holds nothing of this one. Not for payments:
        // a payment of any date may pay a session of the period, and a
        // damaged row's session cannot be told.
        let date = match (id_col, dates) {
            ("session_id", Some(rules)) => {
                let mut read = t
                    .unreadable_dates
                    .get(&line)
                    .into_iter()
                    .flatten()
                    .filter_map(|d| super::parse::date_with(d, rules).ok().map(|d| d.date));
                match (read.next(), read.next()) {
                    (Some(d), None) => Some(d),
                    _ => None,
                }
            }
            _ => None,
        };
        out.entry(line).or_insert_with(|| RowRef {
            id: t.unreadable_ids.get(&line).cloned(),
            patient_id: if id_col == "patient_id" {
                t.unreadable_ids.get(&line).cloned()
            } else {
                t.unreadable_patients.get(&line).cloned()
            },
            session_id: None,
            date,
        });
    }
    out
}
