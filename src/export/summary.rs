//! `summary.csv`: one row per superbill.

use super::{cell, Csv};
use crate::money::Cents;
use crate::superbill::Superbill;
use chrono::NaiveDate;
use std::io::Write;

/// Identity first, then the period, the counts, the money in the order it
/// adds up (charged - paid = balance; credit and held beside it), the
/// file, and how the superbill came out (status, revision, and the reasons
/// a held or partial one depends on).
pub const SUMMARY_HEADER: [&str; 15] = [
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
    "status",
    "revision",
    "reasons",
];

/// How a superbill came out of the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Issued complete.
    Final,
    /// Issued with `--partial`, leaving out rows with errors (listed on it).
    Partial,
    /// Not issued: rows it depends on have errors (see `reasons`).
    Held,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Final => "final",
            Status::Partial => "partial",
            Status::Held => "held",
        }
    }
}

/// One row of `summary.csv`. `credit` is what the patient paid beyond all
/// charges so far (negative when refunds exceeded payments); `held` is
/// money paid for named sessions that are not billed (rejected, say),
/// waiting for them: neither credit nor paid. A held superbill (`status`)
/// has no figures (sessions, lines, charged, paid, balance, revision are
/// empty: nothing was issued); its patient's credit and held money are
/// shown, so the money still adds up.
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
    pub status: Status,
    /// The revision issued (1 = first issue); 0 when held.
    pub revision: u32,
    /// Why held or partial: `file:line code` of each row with errors it
    /// depends on, `; `-separated.
    pub reasons: String,
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
            status: if sb.issue.is_partial() {
                Status::Partial
            } else {
                Status::Final
            },
            revision: sb.issue.revision,
            reasons: String::new(),
        }
    }

    pub fn held(
        number: &str,
        patient_id: &str,
        period_from: NaiveDate,
        period_to: NaiveDate,
        reasons: String,
    ) -> SummaryRow {
        SummaryRow {
            number: number.to_string(),
            patient_id: patient_id.to_string(),
            period_from,
            period_to,
            sessions: 0,
            lines: 0,
            charged: Cents::ZERO,
            paid: Cents::ZERO,
            balance: Cents::ZERO,
            credit: Cents::ZERO,
            held: Cents::ZERO,
            file: String::new(),
            status: Status::Held,
            revision: 0,
            reasons,
        }
    }
}

pub fn summary_csv(rows: &[&SummaryRow]) -> Vec<u8> {
    write_summary(Vec::new(), rows).expect("writing to memory")
}

pub fn write_summary<W: Write>(w: W, rows: &[&SummaryRow]) -> std::io::Result<W> {
    let mut csv = Csv::to(w, &SUMMARY_HEADER);
    for r in rows {
        // Amounts are ours and may be negative (credit): written raw so a
        // spreadsheet reads them as numbers; the id cells are neutralised.
        let issued = r.status != Status::Held;
        let n = |v: String| if issued { v } else { String::new() };
        csv.row_raw([
            cell(&r.number),
            cell(&r.patient_id),
            r.period_from.to_string(),
            r.period_to.to_string(),
            n(r.sessions.to_string()),
            n(r.lines.to_string()),
            n(r.charged.plain()),
            n(r.paid.plain()),
            n(r.balance.plain()),
            r.credit.plain(),
            r.held.plain(),
            cell(&r.file),
            r.status.as_str().to_string(),
            n(r.revision.to_string()),
            cell(&r.reasons),
        ]);
    }
    csv.into_inner()
}
