//! `receipts.csv`: one row per payment received in the period (refunds as
//! negative rows), so its amounts sum to the money actually received.

use super::{cell, Csv};
use crate::hash::HashSet;
use crate::input::Payment;
use crate::money::Cents;
use crate::validate::Period;
use std::io::Write;

pub const RECEIPTS_HEADER: [&str; 7] = [
    "date",
    "payment_id",
    "patient_id",
    "method",
    "reference",
    "type",
    "amount",
];

/// The payments received in `period`: every payment row dated in it that
/// has no error (`bad` holds the lines of payments.csv with errors; those
/// are in rejects.csv), whatever it paid for. In date order, then by line.
pub fn received<'a>(
    payments: &'a [Payment],
    period: &Period,
    bad: &HashSet<u64>,
) -> Vec<&'a Payment> {
    let mut out: Vec<&Payment> = payments
        .iter()
        .filter(|p| period.contains(p.date) && !bad.contains(&p.line))
        .collect();
    out.sort_by_key(|p| (p.date, p.line));
    out
}

pub fn total(receipts: &[&Payment]) -> Cents {
    receipts.iter().map(|p| p.amount).sum()
}

pub fn receipts_csv(receipts: &[&Payment]) -> Vec<u8> {
    write_receipts(Vec::new(), receipts).expect("writing to memory")
}

pub fn write_receipts<W: Write>(w: W, receipts: &[&Payment]) -> std::io::Result<W> {
    let mut csv = Csv::to(w, &RECEIPTS_HEADER);
    for p in receipts {
        csv.row_raw([
            p.date.to_string(),
            cell(&p.payment_id),
            cell(&p.patient_id),
            cell(&p.method),
            cell(p.reference.as_deref().unwrap_or("")),
            if p.amount.is_negative() {
                "refund"
            } else {
                "payment"
            }
            .to_string(),
            p.amount.plain(),
        ]);
    }
    csv.into_inner()
}
