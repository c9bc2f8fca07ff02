//! `summary.csv`: one row per superbill.

use super::{cell, Csv};
use crate::money::Cents;
use crate::superbill::Superbill;
use chrono::NaiveDate;

/// Identity first, then the period, the counts, the money in the order it
/// adds up (charged - paid = balance; credit and held beside it), and the
/// file last.
pub const SUMMARY_HEADER: [&str; 12] = [
    "superbill_number",
    "patient_id",
    "period_from",
    "period_to",
    "sessions",
    "lines",
    "charged",
    "paid",
    "balance",
    "credit",
    "held",
    "file",
];

/// One row of `summary.csv`. `credit` is what the patient paid beyond all
/// charges so far (negative when refunds exceeded payments); `held` is
/// money paid for named sessions that are not billed (rejected, say),
/// waiting for them: neither credit nor paid.
#[derive(Debug, Clone)]
pub struct SummaryRow {
    pub number: String,
    pub patient_id: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub sessions: usize,
    pub lines: usize,
    pub charged: Cents,
    pub paid: Cents,
    pub balance: Cents,
    pub credit: Cents,
    pub held: Cents,
    pub file: String,
}

impl SummaryRow {
    pub fn of(sb: &Superbill, file: String, credit: Cents, held: Cents) -> SummaryRow {
        let mut sessions: Vec<&str> = sb.lines.iter().map(|l| l.session_id.as_str()).collect();
        sessions.dedup();
        SummaryRow {
            number: sb.number.clone(),
            patient_id: sb.patient.patient_id.clone(),
            period_from: sb.period_from,
            period_to: sb.period_to,
            sessions: sessions.len(),
            lines: sb.lines.len(),
            charged: sb.total_charged,
            paid: sb.total_paid,
            balance: sb.balance,
            credit,
            held,
            file,
        }
    }
}

pub fn summary_csv(rows: &[&SummaryRow]) -> Vec<u8> {
    let mut csv = Csv::new(&SUMMARY_HEADER);
    for r in rows {
        // Amounts are ours and may be negative (credit): written raw so a
        // spreadsheet reads them as numbers; the id cells are neutralised.
        csv.row_raw([
            cell(&r.number),
            cell(&r.patient_id),
            r.period_from.to_string(),
            r.period_to.to_string(),
            r.sessions.to_string(),
            r.lines.to_string(),
            r.charged.plain(),
            r.paid.plain(),
            r.balance.plain(),
            r.credit.plain(),
            r.held.plain(),
            cell(&r.file),
        ]);
    }
    csv.finish()
}
