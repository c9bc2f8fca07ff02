//! Year-to-date totals: every month of a year computed from the practice
//! folder the way the batch computes it, nothing written.
//!
//! Why the practice folder and not the months' output folders: the
//! folders hold whatever each run left (a month never run, run twice with
//! different data, or run before late payments came in), their layout is
//! the batch's business, and summing them could silently skip or double a
//! month. The practice folder is the one source of truth; reading it
//! makes the year agree with a fresh batch of each month, to the cent.

use crate::export::receipts;
use crate::findings::{Findings, Severity};
use crate::hash::HashSet;
use crate::input::PAYMENTS_FILE;
use crate::money::Cents;
use crate::practice::Loaded;
use crate::superbill::{Plan, Request};
use crate::validate::{Options, Period};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MonthTotals {
    /// `YYYY-MM`, or the year for the total.
    pub month: String,
    pub superbills: usize,
    pub sessions: usize,
    pub lines: usize,
    pub charged: Cents,
    /// Applied to the month's superbills (as `summary.csv`).
    pub paid: Cents,
    pub balance: Cents,
    /// Money that changed hands in the month (as `receipts.csv`).
    pub received: Cents,
    pub refunded: Cents,
    /// Sessions of the month left out for errors.
    pub rejected_sessions: usize,
}

impl MonthTotals {
    fn add(&mut self, m: &MonthTotals) {
        self.superbills += m.superbills;
        self.sessions += m.sessions;
        self.lines += m.lines;
        self.charged += m.charged;
        self.paid += m.paid;
        self.balance += m.balance;
        self.received += m.received;
        self.refunded += m.refunded;
        self.rejected_sessions += m.rejected_sessions;
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct YearTotals {
    pub year: i32,
    pub as_of: NaiveDate,
    pub months: Vec<MonthTotals>,
    pub total: MonthTotals,
    /// Balances at `as_of` (or the year's end): patients' credit, and money
    /// held for sessions not billed.
    pub credit: Cents,
    pub held: Cents,
}

/// The months of `year` up to `as_of`'s month (all twelve for a past year).
pub fn months(year: i32, as_of: NaiveDate) -> Vec<Period> {
    let last = if as_of.year() > year {
        12
    } else if as_of.year() == year {
        as_of.month()
    } else {
        0
    };
    (1..=last)
        .filter_map(|m| Period::month(&format!("{year:04}-{m:02}")).ok())
        .collect()
}

pub fn month(loaded: &Loaded, period: Period, as_of: NaiveDate) -> (MonthTotals, Cents, Cents) {
    let mut findings = Findings::default();
    let opts = Options {
        as_of,
        period: Some(period),
        filing_warnings: true,
    };
    crate::preflight::run(
        &loaded.inputs,
        &loaded.catalog,
        &loaded.icd,
        Some(&period),
        &mut findings,
    );
    let validated = loaded.validate(&opts, &mut findings);
    let req = Request {
        period,
        as_of,
        patient: None,
    };
    let plan = Plan::new(loaded, &validated, &req, &findings);
    let mut t = MonthTotals {
        month: period.from.format("%Y-%m").to_string(),
        ..Default::default()
    };
    // As the batch: a superbill that depends on a rejected row is held,
    // and held superbills are not in the totals.
    let holds = crate::hold::find(
        &loaded.inputs,
        &findings.items,
        &period,
        period.to.max(as_of),
    );
    let mut billed = HashSet::default();
    for g in &plan.groups {
        if !holds.reasons(&g.patient.patient_id).is_empty() {
            continue;
        }
        let (sb, built) = plan.build(g);
        if sb.lines.is_empty() || built.has_errors() {
            continue;
        }
        t.superbills += 1;
        t.lines += sb.lines.len();
        t.charged += sb.total_charged;
        t.paid += sb.total_paid;
        t.balance += sb.balance;
        billed.extend(sb.lines.iter().map(|l| l.session_id.clone()));
    }
    t.sessions = billed.len();
    t.rejected_sessions = loaded
        .inputs
        .sessions
        .iter()
        .filter(|s| {
            period.contains(s.date)
                && s.status == crate::input::Status::Completed
                && !billed.contains(s.session_id.as_str())
        })
        .count();
    let bad: HashSet<u64> = findings
        .items
        .iter()
        .filter(|f| f.severity == Severity::Error && f.file == PAYMENTS_FILE)
        .map(|f| f.line)
        .collect();
    for p in receipts::received(&loaded.inputs.payments, &period, &bad) {
        if p.amount.is_negative() {
            t.refunded -= p.amount;
        } else {
            t.received += p.amount;
        }
    }
    let credit = plan.ledger.credit.values().copied().sum();
    let held = plan.ledger.held.values().copied().sum();
    (t, credit, held)
}

pub fn year(loaded: &Loaded, year: i32, as_of: NaiveDate) -> YearTotals {
    let mut out = YearTotals {
        year,
        as_of,
        months: Vec::new(),
        total: MonthTotals {
            month: year.to_string(),
            ..Default::default()
        },
        credit: Cents::ZERO,
        held: Cents::ZERO,
    };
    for period in months(year, as_of) {
        let (m, credit, held) = month(loaded, period, as_of);
        out.total.add(&m);
        out.months.push(m);
        out.credit = credit;
        out.held = held;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn months_run_to_the_as_of_month() {
        assert_eq!(months(2026, d(2026, 10, 5)).len(), 10);
        assert_eq!(months(2025, d(2026, 10, 5)).len(), 12);
        assert!(months(2027, d(2026, 10, 5)).is_empty());
        assert_eq!(months(2026, d(2026, 1, 31))[0].to, d(2026, 1, 31));
    }
}
