//! The month's totals broken down for the accountant, one file each:
//! `totals-by-code.csv`, `totals-by-provider.csv`, `totals-by-method.csv`,
//! `totals-by-day.csv`.
//!
//! Two kinds of money, never mixed within a file:
//! - by code and by provider: what was charged on this period's superbills
//!   and the payments applied to them (`paid` gross, `refunded` taken back),
//!   as in ledger.csv and payments.csv;
//! - by method and by day: money that changed hands on those dates, as in
//!   receipts.csv (by day also shows what was charged for services that day).
//!
//! A session's payments cover its lines in the order they are printed
//! (first line first) and refunds come back from the last line first, so
//! the figures per code add up to the cent to those per superbill.

use super::{cell, Csv, LedgerLine};
use crate::input::Payment;
use crate::ledger::Ledger;
use crate::money::Cents;
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CodeRow {
    pub code: String,
    pub description: String,
    pub category: String,
    pub lines: usize,
    pub units: u64,
    pub charged: Cents,
    pub paid: Cents,
    pub refunded: Cents,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ProviderRow {
    pub npi: String,
    pub name: String,
    pub sessions: usize,
    pub lines: usize,
    pub charged: Cents,
    pub paid: Cents,
    pub refunded: Cents,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MethodRow {
    pub method: String,
    pub payments: usize,
    pub refunds: usize,
    pub paid: Cents,
    pub refunded: Cents,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DayRow {
    pub date: Option<NaiveDate>,
    pub sessions: usize,
    pub lines: usize,
    pub charged: Cents,
    pub payments: usize,
    pub refunds: usize,
    pub paid: Cents,
    pub refunded: Cents,
}

#[derive(Debug, Default, Clone)]
pub struct Breakdowns {
    pub by_code: Vec<CodeRow>,
    pub by_provider: Vec<ProviderRow>,
    pub by_method: Vec<MethodRow>,
    pub by_day: Vec<DayRow>,
}

/// What each line was paid and refunded: each session's applied payments
/// fill its lines first to last; its refunds come back last to first.
pub fn line_payments(lines: &[&LedgerLine], ledger: &Ledger) -> Vec<(Cents, Cents)> {
    let wanted: HashSet<&str> = lines.iter().map(|l| &*l.session_id).collect();
    let mut per_session: HashMap<&str, (Cents, Cents)> = HashMap::new();
    for a in &ledger.allocations {
        if let Some(s) = wanted.get(a.session_id.as_str()) {
            let e = per_session.entry(s).or_default();
            if a.amount.is_negative() {
                e.1 -= a.amount;
            } else {
                e.0 += a.amount;
            }
        }
    }
    let mut of_session: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, l) in lines.iter().enumerate() {
        of_session.entry(&l.session_id).or_default().push(i);
    }
    let mut out = vec![(Cents::ZERO, Cents::ZERO); lines.len()];
    for (session, idx) in of_session {
        let (mut paid, mut refunded) = per_session.get(session).copied().unwrap_or_default();
        for (k, &i) in idx.iter().enumerate() {
            // The last line takes whatever remains, so nothing is lost even
            // if a session were paid beyond its charge.
            let take = if k + 1 == idx.len() {
                paid
            } else {
                paid.min(lines[i].charge).max(Cents::ZERO)
            };
            out[i].0 = take;
            paid -= take;
        }
        for (k, &i) in idx.iter().enumerate().rev() {
            let take = if k == 0 {
                refunded
            } else {
                refunded.min(out[i].0).max(Cents::ZERO)
            };
            out[i].1 = take;
            refunded -= take;
        }
    }
    out
}

pub fn compute(lines: &[&LedgerLine], ledger: &Ledger, receipts: &[&Payment]) -> Breakdowns {
    let money = line_payments(lines, ledger);
    let mut codes: BTreeMap<&str, CodeRow> = BTreeMap::new();
    let mut providers: BTreeMap<&str, (ProviderRow, BTreeSet<&str>)> = BTreeMap::new();
    let mut days: BTreeMap<NaiveDate, (DayRow, BTreeSet<&str>)> = BTreeMap::new();
    for (l, (paid, refunded)) in lines.iter().zip(money) {
        let c = codes.entry(&l.code).or_insert_with(|| CodeRow {
            code: l.code.to_string(),
            description: l.description.to_string(),
            category: l.category.to_string(),
            ..Default::default()
        });
        c.lines += 1;
        c.units += u64::from(l.units);
        c.charged += l.charge;
        c.paid += paid;
        c.refunded += refunded;
        let (p, sessions) = providers.entry(&l.provider_npi).or_insert_with(|| {
            (
                ProviderRow {
                    npi: l.provider_npi.to_string(),
                    name: l.provider_name.to_string(),
                    ..Default::default()
                },
                BTreeSet::new(),
            )
        });
        p.lines += 1;
        p.charged += l.charge;
        p.paid += paid;
        p.refunded += refunded;
        sessions.insert(&l.session_id);
        let (d, sessions) = days.entry(l.date).or_default();
        d.lines += 1;
        d.charged += l.charge;
        sessions.insert(&l.session_id);
    }
    let mut methods: BTreeMap<&str, MethodRow> = BTreeMap::new();
    for p in receipts {
        let m = methods.entry(&p.method).or_insert_with(|| MethodRow {
            method: p.method.clone(),
            ..Default::default()
        });
        let (d, _) = days.entry(p.date).or_default();
        if p.amount.is_negative() {
            m.refunds += 1;
            m.refunded -= p.amount;
            d.refunds += 1;
            d.refunded -= p.amount;
        } else {
            m.payments += 1;
            m.paid += p.amount;
            d.payments += 1;
            d.paid += p.amount;
        }
    }
    Breakdowns {
        by_code: codes.into_values().collect(),
        by_provider: providers
            .into_values()
            .map(|(mut p, s)| {
                p.sessions = s.len();
                p
            })
            .collect(),
        by_method: methods.into_values().collect(),
        by_day: days
            .into_iter()
            .map(|(date, (mut d, s))| {
                d.date = Some(date);
                d.sessions = s.len();
                d
            })
            .collect(),
    }
}

pub const BY_CODE_HEADER: [&str; 8] = [
    "code",
    "description",
    "category",
    "lines",
    "units",
    "charged",
    "paid",
    "refunded",
];
pub const BY_PROVIDER_HEADER: [&str; 7] = [
    "provider_npi",
    "provider_name",
    "sessions",
    "lines",
    "charged",
    "paid",
    "refunded",
];
pub const BY_METHOD_HEADER: [&str; 5] = ["method", "payments", "refunds", "paid", "refunded"];
pub const BY_DAY_HEADER: [&str; 8] = [
    "date", "sessions", "lines", "charged", "payments", "refunds", "paid", "refunded",
];

impl Breakdowns {
    /// The four files, by name.
    pub fn files(&self) -> Vec<(&'static str, Vec<u8>)> {
        let mut code = Csv::new(&BY_CODE_HEADER);
        for r in &self.by_code {
            code.row_raw([
                cell(&r.code),
                cell(&r.description),
                cell(&r.category),
                r.lines.to_string(),
                r.units.to_string(),
                r.charged.plain(),
                r.paid.plain(),
                r.refunded.plain(),
            ]);
        }
        let mut provider = Csv::new(&BY_PROVIDER_HEADER);
        for r in &self.by_provider {
            provider.row_raw([
                cell(&r.npi),
                cell(&r.name),
                r.sessions.to_string(),
                r.lines.to_string(),
                r.charged.plain(),
                r.paid.plain(),
                r.refunded.plain(),
            ]);
        }
        let mut method = Csv::new(&BY_METHOD_HEADER);
        for r in &self.by_method {
            method.row_raw([
                cell(&r.method),
                r.payments.to_string(),
                r.refunds.to_string(),
                r.paid.plain(),
                r.refunded.plain(),
            ]);
        }
        let mut day = Csv::new(&BY_DAY_HEADER);
        for r in &self.by_day {
            day.row_raw([
                r.date.map(|d| d.to_string()).unwrap_or_default(),
                r.sessions.to_string(),
                r.lines.to_string(),
                r.charged.plain(),
                r.payments.to_string(),
                r.refunds.to_string(),
                r.paid.plain(),
                r.refunded.plain(),
            ]);
        }
        vec![
            ("totals-by-code.csv", code.finish()),
            ("totals-by-provider.csv", provider.finish()),
            ("totals-by-method.csv", method.finish()),
            ("totals-by-day.csv", day.finish()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Allocation;

    fn line(session: &str, code: &str, charge: i64) -> LedgerLine {
        LedgerLine {
            superbill_number: "SB-1".into(),
            patient_id: "P1".into(),
            session_id: session.into(),
            date: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
            provider_npi: "1234567893".into(),
            provider_name: "Maya Okafor, MD".into(),
            place_of_service: "11 Office".into(),
            code: code.into(),
            modifiers: "".into(),
            description: "".into(),
            category: "".into(),
            units: 1,
            unit_fee: Cents(charge),
            pointers: "A".into(),
            charge: Cents(charge),
            ndc: "".into(),
            ndc_unit: "".into(),
            ndc_quantity: "".into(),
        }
    }

    fn alloc(session: &str, cents: i64) -> Allocation {
        Allocation {
            payment_id: "PAY".into(),
            session_id: session.into(),
            amount: Cents(cents),
        }
    }

    #[test]
    fn payments_fill_lines_in_order_and_refunds_come_back_from_the_last() {
        let lines = [
            line("S1", "99215", 30_000),
            line("S1", "96365", 60_000),
            line("S2", "90837", 22_500),
        ];
        let refs: Vec<&LedgerLine> = lines.iter().collect();
        let ledger = Ledger {
            allocations: vec![
                alloc("S1", 50_000),
                alloc("S1", -10_000),
                alloc("S2", 22_500),
            ],
            ..Default::default()
        };
        let m = line_payments(&refs, &ledger);
        assert_eq!(m[0], (Cents(30_000), Cents::ZERO));
        assert_eq!(m[1], (Cents(20_000), Cents(10_000)));
        assert_eq!(m[2], (Cents(22_500), Cents::ZERO));
        let b = compute(&refs, &ledger, &[]);
        let paid: Cents = b.by_code.iter().map(|r| r.paid - r.refunded).sum();
        assert_eq!(paid, Cents(62_500));
        assert_eq!(b.by_provider[0].sessions, 2);
        assert_eq!(b.by_provider[0].charged, Cents(112_500));
    }
}
