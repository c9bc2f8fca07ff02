//! `payments.csv`: each payment and how it was applied.

use super::{cell, Csv};
use crate::input::{Inputs, Payment};
use crate::ledger::{Allocation, Ledger};
use crate::money::Cents;
use crate::superbill::SessionBills;
use rayon::prelude::*;
use std::io::Write;

/// `payment_amount` repeats on every row of a payment; `applied_amount` is
/// the part of the payment each row accounts for, so the applied amounts
/// of a payment sum to its amount. Sum `applied_amount`, never
/// `payment_amount` (receipts.csv has one row per payment).
pub const PAYMENTS_HEADER: [&str; 10] = [
    "payment_id",
    "patient_id",
    "date",
    "method",
    "reference",
    "payment_amount",
    "session_id",
    "superbill_number",
    "applied_amount",
    "status",
];

/// Each payment the period's ledger saw, and how it was applied: one row
/// per session it paid toward, plus one for any part left unapplied.
/// `waiting` are payments received but set aside for sessions dated after
/// the run (the ledger does not see them): one row each, held.
/// `held_superbills` maps the sessions of held superbills to their numbers:
/// what was applied to them says so, without a superbill number (that
/// column names superbills issued).
pub fn payments_csv(
    inputs: &Inputs,
    ledger: &Ledger,
    session_superbill: &SessionBills,
    held_superbills: &SessionBills,
    waiting: &[&Payment],
) -> Vec<u8> {
    write_payments(
        Vec::new(),
        inputs,
        ledger,
        session_superbill,
        held_superbills,
        waiting,
    )
    .expect("writing to memory")
}

pub fn write_payments<W: Write>(
    w: W,
    inputs: &Inputs,
    ledger: &Ledger,
    session_superbill: &SessionBills,
    held_superbills: &SessionBills,
    waiting: &[&Payment],
) -> std::io::Result<W> {
    // By payment, each payment's in ledger order (a stable sort): one
    // list, not a list per payment (a year holds a million payments).
    let mut allocs: Vec<&Allocation> = ledger.allocations.iter().collect();
    allocs.par_sort_by(|a, b| a.payment_id.cmp(&b.payment_id));
    let mut payments: Vec<&Payment> = inputs
        .payments
        .iter()
        .filter(|p| ledger.unapplied.contains_key(&p.payment_id))
        .chain(waiting.iter().copied())
        .collect();
    payments.sort_by(|a, b| {
        (&a.patient_id, a.date, &a.payment_id).cmp(&(&b.patient_id, b.date, &b.payment_id))
    });
    let ctx = Rows {
        ledger,
        allocs: &allocs,
        session_superbill,
        held_superbills,
    };
    let mut w = Csv::to(w, &PAYMENTS_HEADER).into_inner()?;
    // A million payments' rows are made side by side, a slice at a time
    // (each slice's bytes are written, in order, before the next is made).
    for slice in payments.chunks(PARTS * PART) {
        let parts: Vec<Vec<u8>> = slice
            .par_chunks(PART)
            .map(|part| {
                let mut csv = Csv::headless();
                for p in part {
                    ctx.rows_of(p, &mut csv);
                }
                csv.finish()
            })
            .collect();
        for part in parts {
            w.write_all(&part)?;
        }
    }
    Ok(w)
}

/// Payments per part made on one thread, and parts per slice.
const PART: usize = 2048;
const PARTS: usize = 32;

/// What a payment's rows are made from.
struct Rows<'a> {
    ledger: &'a Ledger,
    /// Sorted by payment id.
    allocs: &'a [&'a Allocation],
    session_superbill: &'a SessionBills,
    held_superbills: &'a SessionBills,
}

impl Rows<'_> {
    /// One payment's rows: one per session it paid toward, and one for any
    /// part left unapplied (or the whole, held for a later session).
    fn rows_of(&self, p: &Payment, csv: &mut Csv) {
        let ledger = self.ledger;
        let base = |session: &str, number: &str, applied: Cents, status: &str| {
            vec![
                cell(&p.payment_id),
                cell(&p.patient_id),
                p.date.to_string(),
                cell(&p.method),
                cell(p.reference.as_deref().unwrap_or("")),
                p.amount.plain(),
                cell(session),
                cell(number),
                applied.plain(),
                status.to_string(),
            ]
        };
        let Some(&left) = ledger.unapplied.get(&p.payment_id) else {
            let session = p.session_id.as_deref().unwrap_or("");
            csv.row_raw(base(session, "", p.amount, "held for a later session"));
            return;
        };
        let from = self.allocs.partition_point(|a| a.payment_id < p.payment_id);
        let to = from + self.allocs[from..].partition_point(|a| a.payment_id == p.payment_id);
        for a in &self.allocs[from..to] {
            let (number, status) = match self.session_superbill.get(&a.session_id) {
                Some(n) => (
                    n,
                    if a.amount.is_negative() {
                        "refunded"
                    } else {
                        "applied"
                    },
                ),
                None => match self.held_superbills.get(&a.session_id) {
                    // No number: it names issued superbills only.
                    Some(_) => ("", "applied, superbill held"),
                    None => ("", "applied outside this period"),
                },
            };
            csv.row_raw(base(&a.session_id, number, a.amount, status));
        }
        if left != Cents::ZERO {
            let status = if left.is_negative() {
                "refunded from credit"
            } else if ledger.waiting.contains(&p.payment_id) {
                "held for its session"
            } else {
                "credit"
            };
            csv.row_raw(base(
                p.session_id.as_deref().unwrap_or(""),
                "",
                left,
                status,
            ));
        }
    }
}
