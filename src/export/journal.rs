//! The month as journal entries for the books, in the two import formats
//! the clinics' accountants use:
//!
//! - `journal.csv` for QuickBooks Online (Settings > Import data > Journal
//!   entries): `Journal No, Journal Date, Account Name, Debits, Credits,
//!   Description`, dates MM/DD/YYYY, one amount per line in Debits or
//!   Credits, accounts by name.
//! - `journal-xero.csv` for Xero (Accounting > Manual journals > Import):
//!   Xero's template columns `*Narration, *Date, Description, *AccountCode,
//!   *TaxRate, *Amount`, dates `14 Sep 2026` (unambiguous in every region),
//!   accounts by code, debits positive and credits negative. Xero takes at
//!   most 300 lines a file, so a longer month continues in
//!   `journal-xero-2.csv` and so on (whole journals per file).
//!
//! One journal per day with activity, numbered `SB-YYYYMMDD`: services
//! rendered that day (debit the receivable account, credit revenue, per
//! category account if configured), payments received (debit the received
//! account of each method, credit the receivable) and refunds (the
//! reverse). Each journal balances by construction; a test checks it.
//! Amounts only, never a patient's name or id.

use super::breakdowns::Tally;
use super::{cell, Csv, LedgerLine};
use crate::input::{Accounts, Payment};
use crate::money::Cents;
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

/// Xero's limit on lines per import file.
pub const XERO_MAX_LINES: usize = 300;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalLine {
    pub journal_no: String,
    pub date: NaiveDate,
    pub account: String,
    pub debit: Cents,
    pub credit: Cents,
    pub memo: String,
}

#[derive(Default)]
struct Day<'a> {
    /// Revenue account -> (charged, sessions).
    revenue: BTreeMap<&'a str, Cents>,
    sessions: usize,
    /// Received account -> (payments, count, refunds, count).
    received: BTreeMap<&'a str, (Cents, usize, Cents, usize)>,
}

pub fn entries(
    lines: &[&LedgerLine],
    receipts: &[&Payment],
    accounts: &Accounts,
) -> Vec<JournalLine> {
    let mut tally = Tally::default();
    tally.add(lines, &vec![(Cents::ZERO, Cents::ZERO); lines.len()]);
    entries_of(&tally, receipts, accounts)
}

/// The journal from the ledger's lines added up (see [`Tally`]).
pub fn entries_of(tally: &Tally, receipts: &[&Payment], accounts: &Accounts) -> Vec<JournalLine> {
    let mut days: BTreeMap<NaiveDate, Day> = BTreeMap::new();
    for (date, l) in tally.days() {
        let d = days.entry(date).or_default();
        for (category, charged) in &l.by_category {
            *d.revenue.entry(accounts.revenue_for(category)).or_default() += *charged;
        }
        d.sessions = l.sessions;
    }
    for p in receipts {
        let d = days.entry(p.date).or_default();
        let r = d
            .received
            .entry(accounts.received_for(&p.method))
            .or_default();
        if p.amount.is_negative() {
            r.2 -= p.amount;
            r.3 += 1;
        } else {
            r.0 += p.amount;
            r.1 += 1;
        }
    }
    let mut out = Vec::new();
    for (date, d) in days {
        let no = format!("SB-{}", date.format("%Y%m%d"));
        let mut push = |account: &str, debit: Cents, credit: Cents, memo: &str| {
            if debit != Cents::ZERO || credit != Cents::ZERO {
                out.push(JournalLine {
                    journal_no: no.clone(),
                    date,
                    account: account.to_string(),
                    debit,
                    credit,
                    memo: memo.to_string(),
                });
            }
        };
        let charged: Cents = d.revenue.values().copied().sum();
        let n = d.sessions;
        let memo = format!("Services rendered {date} ({n} session{})", plural(n));
        push(&accounts.receivable, charged, Cents::ZERO, &memo);
        for (account, amount) in &d.revenue {
            push(account, Cents::ZERO, *amount, &memo);
        }
        let (paid, count) = d
            .received
            .values()
            .fold((Cents::ZERO, 0), |(a, n), r| (a + r.0, n + r.1));
        let memo = format!(
            "Payments received {date} ({count} payment{})",
            plural(count)
        );
        for (account, r) in &d.received {
            push(account, r.0, Cents::ZERO, &memo);
        }
        push(&accounts.receivable, Cents::ZERO, paid, &memo);
        let (refunded, count) = d
            .received
            .values()
            .fold((Cents::ZERO, 0), |(a, n), r| (a + r.2, n + r.3));
        let memo = format!("Refunds paid {date} ({count} refund{})", plural(count));
        push(&accounts.receivable, refunded, Cents::ZERO, &memo);
        for (account, r) in &d.received {
            push(account, Cents::ZERO, r.2, &memo);
        }
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn amount(c: Cents) -> String {
    if c == Cents::ZERO {
        String::new()
    } else {
        c.plain()
    }
}

pub const QUICKBOOKS_HEADER: [&str; 6] = [
    "Journal No",
    "Journal Date",
    "Account Name",
    "Debits",
    "Credits",
    "Description",
];

/// `journal.csv`, QuickBooks Online's journal entry import.
pub fn quickbooks_csv(lines: &[JournalLine]) -> Vec<u8> {
    let mut csv = Csv::new(&QUICKBOOKS_HEADER);
    for l in lines {
        csv.row_raw([
            cell(&l.journal_no),
            l.date.format("%m/%d/%Y").to_string(),
            cell(&l.account),
            amount(l.debit),
            amount(l.credit),
            cell(&l.memo),
        ]);
    }
    csv.finish()
}

pub const XERO_HEADER: [&str; 6] = [
    "*Narration",
    "*Date",
    "Description",
    "*AccountCode",
    "*TaxRate",
    "*Amount",
];

/// Xero's manual journal import: (file name, bytes), as many files as the
/// 300-line limit needs.
pub fn xero_files(lines: &[JournalLine], accounts: &Accounts) -> Vec<(String, Vec<u8>)> {
    let mut journals: Vec<&[JournalLine]> = Vec::new();
    let mut start = 0;
    for i in 1..=lines.len() {
        if i == lines.len() || lines[i].journal_no != lines[start].journal_no {
            journals.push(&lines[start..i]);
            start = i;
        }
    }
    let mut files: Vec<Vec<&[JournalLine]>> = vec![Vec::new()];
    let mut count = 0;
    for j in journals {
        if count + j.len() > XERO_MAX_LINES && count > 0 {
            files.push(Vec::new());
            count = 0;
        }
        count += j.len();
        files.last_mut().expect("one file at least").push(j);
    }
    files
        .into_iter()
        .enumerate()
        .map(|(k, journals)| {
            let name = if k == 0 {
                "journal-xero.csv".to_string()
            } else {
                format!("journal-xero-{}.csv", k + 1)
            };
            let mut csv = Csv::new(&XERO_HEADER);
            for l in journals.into_iter().flatten() {
                csv.row_raw([
                    cell(&format!("Superbill journal {}", l.journal_no)),
                    l.date.format("%d %b %Y").to_string(),
                    cell(&l.memo),
                    cell(xero_code(&l.account, accounts)),
                    cell(&accounts.xero_tax_rate),
                    (l.debit - l.credit).plain(),
                ]);
            }
            (name, csv.finish())
        })
        .collect()
}

fn xero_code<'a>(account: &'a str, accounts: &'a Accounts) -> &'a str {
    accounts
        .xero_codes
        .get(account)
        .map_or(account, String::as_str)
}

/// Accounts the journal uses that have no Xero code in practice.toml.
pub fn missing_xero_codes(lines: &[JournalLine], accounts: &Accounts) -> Vec<String> {
    let used: BTreeSet<&str> = lines.iter().map(|l| l.account.as_str()).collect();
    used.into_iter()
        .filter(|a| !accounts.xero_codes.contains_key(*a))
        .map(String::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 9, day).unwrap()
    }

    fn line(day: u32, category: &str, cents: i64) -> LedgerLine {
        LedgerLine {
            superbill_number: "SB-202609-P1".into(),
            patient_id: "P1".into(),
            session_id: format!("S{day}").into(),
            date: d(day),
            provider_npi: "1234567893".into(),
            provider_name: "Maya Okafor, MD".into(),
            place_of_service: "11 Office".into(),
            code: "99215".into(),
            modifiers: "".into(),
            description: "".into(),
            category: category.into(),
            units: 1,
            unit_fee: Cents(cents),
            pointers: "A".into(),
            charge: Cents(cents),
            ndc: "".into(),
            ndc_unit: "".into(),
            ndc_quantity: "".into(),
        }
    }

    fn pay(day: u32, cents: i64, method: &str) -> Payment {
        Payment {
            line: 2,
            payment_id: format!("PAY{day}{cents}").into(),
            patient_id: "P1".into(),
            session_id: None,
            date: d(day),
            amount: Cents(cents),
            method: method.into(),
            reference: None,
        }
    }

    #[test]
    fn every_journal_balances_and_uses_the_configured_accounts() {
        let mut accounts = Accounts::default();
        accounts
            .revenue_by_category
            .insert("drug".into(), "Drug Revenue".into());
        accounts
            .received_by_method
            .insert("Cash".into(), "Cash on Hand".into());
        let lines = [
            line(1, "em", 30_000),
            line(1, "drug", 4_500),
            line(3, "em", 20_000),
        ];
        let pays = [
            pay(1, 34_500, "card"),
            pay(2, 10_000, "cash"),
            pay(3, -5_000, "card"),
        ];
        let l: Vec<&LedgerLine> = lines.iter().collect();
        let p: Vec<&Payment> = pays.iter().collect();
        let j = entries(&l, &p, &accounts);
        let mut by_no: BTreeMap<&str, (Cents, Cents)> = BTreeMap::new();
        for x in &j {
            let e = by_no.entry(&x.journal_no).or_default();
            e.0 += x.debit;
            e.1 += x.credit;
            assert!(x.debit == Cents::ZERO || x.credit == Cents::ZERO, "{x:?}");
        }
        assert_eq!(by_no.len(), 3);
        for (no, (dr, cr)) in by_no {
            assert_eq!(dr, cr, "{no}");
        }
        let accounts_used: BTreeSet<&str> = j.iter().map(|x| x.account.as_str()).collect();
        assert!(accounts_used.contains("Drug Revenue"));
        // "cash" matches the configured "Cash" whatever the case.
        assert!(accounts_used.contains("Cash on Hand"));
        let revenue: Cents = j
            .iter()
            .filter(|x| x.account == "Drug Revenue" || x.account == "Patient Services")
            .map(|x| x.credit)
            .sum();
        assert_eq!(revenue, Cents(54_500));
    }

    #[test]
    fn xero_files_keep_whole_journals_under_the_line_limit() {
        let mut accounts = Accounts::default();
        accounts
            .received_by_method
            .insert("cash".into(), "Cash on Hand".into());
        accounts
            .revenue_by_category
            .insert("drug".into(), "Drug Sales".into());
        // Sixty days of services in two categories, card and cash payments
        // and refunds: 10 lines a day.
        let day = |k: u32| d(1) + chrono::Days::new(u64::from(k));
        let mut lines = Vec::new();
        let mut pays = Vec::new();
        for k in 0..60 {
            let mut a = line(1, "em", 10_000);
            a.date = day(k);
            let mut b = line(1, "drug", 4_500);
            b.date = day(k);
            lines.extend([a, b]);
            for (cents, method) in [
                (10_000, "card"),
                (-100, "cash"),
                (200, "cash"),
                (-50, "card"),
            ] {
                let mut p = pay(1, cents, method);
                p.date = day(k);
                pays.push(p);
            }
        }
        let l: Vec<&LedgerLine> = lines.iter().collect();
        let p: Vec<&Payment> = pays.iter().collect();
        let j = entries(&l, &p, &accounts);
        assert!(j.len() > XERO_MAX_LINES, "{}", j.len());
        let files = xero_files(&j, &accounts);
        assert!(files.len() >= 2);
        assert_eq!(files[1].0, "journal-xero-2.csv");
        let mut rows = 0;
        for (_, bytes) in &files {
            let text = String::from_utf8(bytes.clone()).unwrap();
            let n = text.lines().count() - 1;
            assert!(n <= XERO_MAX_LINES);
            rows += n;
            // Each journal (narration) sums to zero within its file.
            let mut sums: BTreeMap<String, i64> = BTreeMap::new();
            for row in text.lines().skip(1) {
                let cells: Vec<&str> = row.split(',').collect();
                let amount = Cents::parse(cells[cells.len() - 1]).unwrap();
                *sums.entry(cells[0].to_string()).or_default() += amount.0;
            }
            assert!(sums.values().all(|s| *s == 0), "{sums:?}");
        }
        assert_eq!(rows, j.len());
        assert_eq!(missing_xero_codes(&j, &accounts).len(), 5);
    }
}
