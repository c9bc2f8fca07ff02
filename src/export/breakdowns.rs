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
use crate::hash::HashSet;
use crate::input::Payment;
use crate::ledger::Ledger;
use crate::money::Cents;
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

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

/// Per session: what was applied to it and what refunds took back (held
/// by the batch from the first superbill to the exports).
pub type SessionMoney<'a> = crate::sorted::SortedMap<&'a str, (Cents, Cents)>;

/// [`SessionMoney`] of the sessions `wanted` says yes to.
pub fn session_money<'a>(ledger: &'a Ledger, wanted: impl Fn(&str) -> bool) -> SessionMoney<'a> {
    let each = ledger
        .allocations
        .iter()
        .filter(|a| wanted(&a.session_id))
        .map(|a| {
            let money = if a.amount.is_negative() {
                (Cents::ZERO, -a.amount)
            } else {
                (a.amount, Cents::ZERO)
            };
            (a.session_id.as_str(), money)
        })
        .collect();
    SessionMoney::of(each, |sum, more| {
        sum.0 += more.0;
        sum.1 += more.1;
    })
}

/// What each line was paid and refunded: each session's applied payments
/// fill its lines first to last; its refunds come back last to first.
pub fn line_payments(lines: &[&LedgerLine], ledger: &Ledger) -> Vec<(Cents, Cents)> {
    let wanted: HashSet<&str> = lines.iter().map(|l| &*l.session_id).collect();
    line_payments_of(lines, &session_money(ledger, |s| wanted.contains(s)))
}

/// The same, for lines that hold every line of their sessions.
pub fn line_payments_of(lines: &[&LedgerLine], per_session: &SessionMoney) -> Vec<(Cents, Cents)> {
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
    let mut tally = Tally::default();
    tally.add(lines, &line_payments(lines, ledger));
    tally.breakdowns(receipts)
}

/// What the ledger's lines add up to, for the breakdowns and the journal.
/// The batch adds each superbill's lines as it is issued, in ledger order,
/// and keeps no line: a million sessions' lines are never held at once.
#[derive(Debug, Default)]
pub struct Tally {
    codes: BTreeMap<String, CodeRow>,
    providers: BTreeMap<String, ProviderRow>,
    days: BTreeMap<NaiveDate, DayLines>,
}

/// The services of one day.
#[derive(Debug, Default)]
pub struct DayLines {
    pub lines: usize,
    pub charged: Cents,
    pub sessions: usize,
    /// Charged per procedure category.
    pub by_category: BTreeMap<String, Cents>,
}

impl Tally {
    /// Adds `lines`, each with what it was paid and refunded. Every line of
    /// a session must come in one call (a superbill holds all of its
    /// sessions' lines): sessions are counted once per call.
    pub fn add(&mut self, lines: &[&LedgerLine], money: &[(Cents, Cents)]) {
        let mut provider_sessions: BTreeSet<(&str, &str)> = BTreeSet::new();
        let mut day_sessions: BTreeSet<(NaiveDate, &str)> = BTreeSet::new();
        for (l, &(paid, refunded)) in lines.iter().zip(money) {
            let c = row(&mut self.codes, &l.code, || CodeRow {
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
            let p = row(&mut self.providers, &l.provider_npi, || ProviderRow {
                npi: l.provider_npi.to_string(),
                name: l.provider_name.to_string(),
                ..Default::default()
            });
            p.lines += 1;
            p.charged += l.charge;
            p.paid += paid;
            p.refunded += refunded;
            if provider_sessions.insert((&l.provider_npi, &l.session_id)) {
                p.sessions += 1;
            }
            let d = self.days.entry(l.date).or_default();
            d.lines += 1;
            d.charged += l.charge;
            if day_sessions.insert((l.date, &l.session_id)) {
                d.sessions += 1;
            }
            match d.by_category.get_mut(&*l.category) {
                Some(c) => *c += l.charge,
                None => {
                    d.by_category.insert(l.category.to_string(), l.charge);
                }
            }
        }
    }

    /// Days with services, in order.
    pub fn days(&self) -> impl Iterator<Item = (NaiveDate, &DayLines)> {
        self.days.iter().map(|(d, l)| (*d, l))
    }

    /// The four breakdowns, with the money received (`receipts`).
    pub fn breakdowns(&self, receipts: &[&Payment]) -> Breakdowns {
        let mut days: BTreeMap<NaiveDate, DayRow> = self
            .days
            .iter()
            .map(|(date, l)| {
                let row = DayRow {
                    date: Some(*date),
                    sessions: l.sessions,
                    lines: l.lines,
                    charged: l.charged,
                    ..Default::default()
                };
                (*date, row)
            })
            .collect();
        let mut methods: BTreeMap<&str, MethodRow> = BTreeMap::new();
        for p in receipts {
            let m = methods.entry(&p.method).or_insert_with(|| MethodRow {
                method: p.method.to_string(),
                ..Default::default()
            });
            let d = days.entry(p.date).or_insert_with(|| DayRow {
                date: Some(p.date),
                ..Default::default()
            });
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
            by_code: self.codes.values().cloned().collect(),
            by_provider: self.providers.values().cloned().collect(),
            by_method: methods.into_values().collect(),
            by_day: days.into_values().collect(),
        }
    }
}

/// The row of `key`, made by `make` the first time (the key is copied
/// then only, not for every line).
fn row<'m, R>(map: &'m mut BTreeMap<String, R>, key: &str, make: impl FnOnce() -> R) -> &'m mut R {
    if !map.contains_key(key) {
        map.insert(key.to_string(), make());
    }
    map.get_mut(key).expect("just inserted")
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

    /// The batch adds superbill by superbill what `compute` adds at once:
    /// the same breakdowns and the same journal, to the cent and count.
    #[test]
    fn a_tally_made_superbill_by_superbill_equals_one_made_at_once() {
        let mut lines = Vec::new();
        for (k, (patient, session, code, charge, day, cat)) in [
            ("P1", "S1", "99215", 30_000, 1, "em"),
            ("P1", "S1", "96365", 60_000, 1, "infusion-initial"),
            ("P1", "S3", "90837", 22_500, 3, "psychotherapy"),
            ("P2", "S2", "99215", 30_000, 1, "em"),
            ("P2", "S4", "J3490", 4_500, 3, "drug"),
            ("P3", "S5", "90837", 22_500, 3, "psychotherapy"),
        ]
        .into_iter()
        .enumerate()
        {
            let mut l = line(session, code, charge);
            l.patient_id = patient.into();
            l.superbill_number = format!("SB-{patient}").into();
            l.category = cat.into();
            l.date = NaiveDate::from_ymd_opt(2026, 9, day).unwrap();
            if k == 5 {
                l.provider_npi = "1245319599".into();
            }
            lines.push(l);
        }
        let ledger = Ledger {
            allocations: vec![
                alloc("S1", 50_000),
                alloc("S1", -10_000),
                alloc("S2", 30_000),
                alloc("S5", 22_500),
            ],
            ..Default::default()
        };
        let all: Vec<&LedgerLine> = lines.iter().collect();
        let at_once = compute(&all, &ledger, &[]);
        let money = session_money(&ledger, |_| true);
        let mut tally = Tally::default();
        for patient in ["P1", "P2", "P3"] {
            let mine: Vec<&LedgerLine> =
                lines.iter().filter(|l| &*l.patient_id == patient).collect();
            tally.add(&mine, &line_payments_of(&mine, &money));
        }
        let by_superbill = tally.breakdowns(&[]);
        assert_eq!(by_superbill.by_code, at_once.by_code);
        assert_eq!(by_superbill.by_provider, at_once.by_provider);
        assert_eq!(by_superbill.by_day, at_once.by_day);
        // Sessions are counted once per provider and per day.
        assert_eq!(at_once.by_day[0].sessions, 2);
        assert_eq!(at_once.by_provider[0].sessions, 4);
        let accounts = crate::input::Accounts::default();
        assert_eq!(
            crate::export::journal::entries_of(&tally, &[], &accounts),
            crate::export::journal::entries(&all, &[], &accounts)
        );
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
