//! The year-end statement: for each patient with a service or a payment in
//! a calendar year, every date of service with the service in plain words
//! and its charge, every payment and refund with its date and method, and
//! the totals: a record of amounts paid for medical care for HSA/FSA
//! records and the IRS Publication 502 deduction.
//!
//! Built from the practice folder month by month, exactly the way each
//! month's batch bills it (the same validation, plan and superbills for the
//! visits; the same receipts for the money), so a statement agrees to the
//! cent with the `ledger.csv` and `receipts.csv` of the year's batches.
//! Charges go by date of service and money by the date it changed hands:
//! a December prepayment for January visits counts in December, as the IRS
//! counts medical expenses in the year they are paid.

use crate::export::receipts;
use crate::findings::{Findings, Severity};
use crate::hash::{HashMap, HashSet};
use crate::input::{Payment, PATIENTS_FILE, PAYMENTS_FILE, SESSIONS_FILE};
use crate::money::Cents;
use crate::practice::Loaded;
use crate::superbill::{BillingEntity, Plan, Request, Superbill};
use crate::validate::{self, Options};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    /// `YS-2026-P0001`: file name and document id.
    pub number: String,
    pub year: i32,
    /// December 31, or "today" while the year is still running.
    pub statement_date: NaiveDate,
    /// Whether the year is over at `statement_date`.
    pub full_year: bool,
    pub practice: BillingEntity,
    pub patient_id: String,
    /// "Last, First Middle"
    pub patient_name: String,
    pub patient_address: Vec<String>,
    /// Every billed visit of the year, by date.
    pub visits: Vec<Visit>,
    /// Money received in the year (positive amounts), by date.
    pub payments: Vec<Receipt>,
    /// Money paid back in the year (positive amounts), by date.
    pub refunds: Vec<Receipt>,
    pub total_charged: Cents,
    pub total_paid: Cents,
    pub total_refunded: Cents,
    /// paid - refunded: what the patient paid for care in the year.
    pub net_paid: Cents,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Visit {
    pub date: NaiveDate,
    pub session_id: String,
    /// The service in plain words (the practice's own description).
    pub service: String,
    /// "Maya Okafor, MD"
    pub provider: String,
    pub charge: Cents,
    /// The monthly superbill that bills it.
    pub superbill_number: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Receipt {
    pub date: NaiveDate,
    pub payment_id: String,
    pub method: String,
    pub reference: Option<String>,
    pub amount: Cents,
}

/// A patient whose statement is not issued: something it would add up
/// has an error (a rejected visit or payment, or the patient's row), so
/// its figures would be wrong. Where, never what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Held {
    pub number: String,
    pub patient_id: String,
    /// `sessions.csv:14 icd-header`
    pub reasons: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub statements: Vec<Statement>,
    pub held: Vec<Held>,
}

pub fn number(year: i32, patient_id: &str) -> String {
    format!("YS-{year}-{patient_id}")
}

/// Every patient's statement for `year`, as of `as_of` (months after it
/// are not looked at).
pub fn statements(loaded: &Loaded, year: i32, as_of: NaiveDate) -> Outcome {
    let inputs = &loaded.inputs;
    let mut visits: BTreeMap<String, Vec<Visit>> = BTreeMap::new();
    let mut money: BTreeMap<String, Vec<&Payment>> = BTreeMap::new();
    let mut reasons: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let services: HashMap<&str, &str> = inputs
        .sessions
        .iter()
        .filter_map(|s| Some((s.session_id.as_str(), s.service.as_deref()?)))
        .collect();
    for period in crate::totals::months(year, as_of) {
        let mut findings = Findings::default();
        // Each month as its own batch saw it, run when the month was over:
        // an insurer's filing limit, counted from a later "today", has no
        // say in what was paid for care.
        let opts = Options {
            as_of: as_of.min(period.to),
            period: Some(period),
            filing_warnings: true,
        };
        let validated = validate::run(inputs, &loaded.catalog, &loaded.icd, &opts, &mut findings);
        let req = Request {
            period,
            as_of,
            patient: None,
        };
        let plan = Plan::new(loaded, &validated, &req, &findings);
        for g in &plan.groups {
            let (sb, _) = plan.build(g);
            if !sb.lines.is_empty() {
                visits
                    .entry(sb.patient.patient_id.clone())
                    .or_default()
                    .extend(visits_of(loaded, &services, &sb));
            }
        }
        let bad: HashSet<u64> = error_lines(&findings, PAYMENTS_FILE);
        for p in receipts::received(&inputs.payments, &period, &bad) {
            money.entry(p.patient_id.to_string()).or_default().push(p);
        }
        for (pid, why) in problems(loaded, &findings, &period) {
            reasons.entry(pid).or_default().extend(why);
        }
    }
    let last = NaiveDate::from_ymd_opt(year, 12, 31).expect("a valid year");
    let statement_date = last.min(as_of);
    let mut out = Outcome::default();
    let patients: BTreeSet<String> = visits.keys().chain(money.keys()).cloned().collect();
    for pid in &patients {
        let Some(patient) = inputs.patient(pid) else {
            // A payment for a patient whose row has errors: held below.
            out.held.push(Held {
                number: number(year, pid),
                patient_id: pid.clone(),
                reasons: reasons
                    .get(pid)
                    .map(|r| r.iter().cloned().collect())
                    .unwrap_or_else(|| vec![format!("{PATIENTS_FILE}: no usable row")]),
            });
            continue;
        };
        if let Some(why) = reasons.get(pid).filter(|r| !r.is_empty()) {
            out.held.push(Held {
                number: number(year, pid),
                patient_id: pid.clone(),
                reasons: why.iter().cloned().collect(),
            });
            continue;
        }
        let mut v = visits.remove(pid).unwrap_or_default();
        v.sort_by(|a, b| (a.date, &a.session_id).cmp(&(b.date, &b.session_id)));
        let receipts: Vec<Receipt> = money
            .get(pid)
            .into_iter()
            .flatten()
            .map(|p| Receipt {
                date: p.date,
                payment_id: p.payment_id.to_string(),
                method: p.method.to_string(),
                reference: p.reference.as_ref().map(|r| r.to_string()),
                amount: p.amount,
            })
            .collect();
        let (refunds, payments): (Vec<Receipt>, Vec<Receipt>) =
            receipts.into_iter().partition(|r| r.amount.is_negative());
        let refunds: Vec<Receipt> = refunds
            .into_iter()
            .map(|r| Receipt {
                amount: -r.amount,
                ..r
            })
            .collect();
        let total_charged = v.iter().map(|x| x.charge).sum();
        let total_paid: Cents = payments.iter().map(|r| r.amount).sum();
        let total_refunded: Cents = refunds.iter().map(|r| r.amount).sum();
        let practice = &inputs.practice;
        out.statements.push(Statement {
            number: number(year, pid),
            year,
            statement_date,
            full_year: statement_date == last,
            practice: BillingEntity {
                legal_name: practice.legal_name.clone(),
                address_lines: lines_of(&practice.address),
                address: practice.address.clone(),
                phone: practice.phone.clone(),
                tax_id: crate::ein::format(&practice.tax_id),
                npi: practice.npi.clone(),
                taxonomy: practice.taxonomy.clone(),
            },
            patient_id: pid.clone(),
            patient_name: patient.full_name(),
            patient_address: lines_of(&patient.address),
            visits: v,
            payments,
            refunds,
            total_charged,
            total_paid,
            total_refunded,
            net_paid: total_paid - total_refunded,
        });
    }
    out
}

fn lines_of(a: &crate::input::Address) -> Vec<String> {
    let mut v = vec![a.line1.clone()];
    if let Some(l2) = a.line2.as_ref().filter(|l| !l.trim().is_empty()) {
        v.push(l2.clone());
    }
    v.push(a.city_line());
    v
}

/// One visit per session of a monthly superbill: its lines' charges
/// summed, named by the service's own description (or its lines'
/// descriptions when the session lists codes).
fn visits_of(loaded: &Loaded, services: &HashMap<&str, &str>, sb: &Superbill) -> Vec<Visit> {
    let mut out: Vec<Visit> = Vec::new();
    for l in &sb.lines {
        let key = services.get(l.session_id.as_str()).copied();
        if let Some(v) = out.last_mut().filter(|v| v.session_id == l.session_id) {
            v.charge += l.charge;
            if key.is_none() && !v.service.contains(&l.description) {
                v.service = format!("{}; {}", v.service, l.description);
            }
            continue;
        }
        let service = key
            .and_then(|k| loaded.catalog.services.get(k))
            .map(|s| s.description.clone())
            .unwrap_or_else(|| l.description.clone());
        let provider = sb
            .providers
            .iter()
            .find(|p| p.npi == l.provider_npi)
            .map(|p| p.name.clone())
            .unwrap_or_default();
        out.push(Visit {
            date: l.date,
            session_id: l.session_id.clone(),
            service,
            provider,
            charge: l.charge,
            superbill_number: sb.number.clone(),
        });
    }
    out
}

fn error_lines(findings: &Findings, file: &str) -> HashSet<u64> {
    findings
        .items
        .iter()
        .filter(|f| f.severity == Severity::Error && f.file == file)
        .map(|f| f.line)
        .collect()
}

/// Per patient, the errors that touch what their statement adds up: their
/// row, their completed sessions of the month, their payments dated in it.
/// Named by file, line and finding code only.
fn problems(
    loaded: &Loaded,
    findings: &Findings,
    period: &crate::validate::Period,
) -> BTreeMap<String, Vec<String>> {
    let inputs = &loaded.inputs;
    let mut by_line: BTreeMap<(&str, u64), Vec<&'static str>> = BTreeMap::new();
    for f in findings
        .items
        .iter()
        .filter(|f| f.severity == Severity::Error)
    {
        by_line
            .entry((f.file.as_str(), f.line))
            .or_default()
            .push(f.code);
    }
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut note = |pid: &str, file: &str, line: u64| {
        if let Some(codes) = by_line.get(&(file, line)) {
            for c in codes {
                out.entry(pid.to_string())
                    .or_default()
                    .push(format!("{file}:{line} {c}"));
            }
        }
    };
    for (pid, &line) in inputs.patient_lines.iter() {
        note(pid, PATIENTS_FILE, line);
    }
    for s in inputs
        .sessions
        .iter()
        .filter(|s| period.contains(s.date) && s.status == crate::input::Status::Completed)
    {
        note(&s.patient_id, SESSIONS_FILE, s.line);
    }
    for p in inputs.payments.iter().filter(|p| period.contains(p.date)) {
        note(&p.patient_id, PAYMENTS_FILE, p.line);
    }
    out
}

/// The year's statements as `statements.csv`: one row per patient, issued
/// or held; money as plain decimals.
pub fn csv(outcome: &Outcome, file_of: &dyn Fn(&str) -> String) -> Vec<u8> {
    use crate::export::cell;
    // Text cells are neutralised; amounts are ours (a refund beyond the
    // year's payments makes net_paid negative, and must stay a number).
    let mut rows: Vec<[String; 10]> = Vec::new();
    for s in &outcome.statements {
        rows.push([
            cell(&s.number),
            cell(&s.patient_id),
            s.year.to_string(),
            s.visits.len().to_string(),
            s.total_charged.plain(),
            s.total_paid.plain(),
            s.total_refunded.plain(),
            s.net_paid.plain(),
            "issued".to_string(),
            cell(&file_of(&s.number)),
        ]);
    }
    for h in &outcome.held {
        let year = h.number.get(3..7).unwrap_or("").to_string();
        rows.push([
            cell(&h.number),
            cell(&h.patient_id),
            year,
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            cell(&format!("held: {}", h.reasons.join("; "))),
            String::new(),
        ]);
    }
    rows.sort();
    let mut csv = crate::export::Csv::new(&CSV_HEADER);
    for r in rows {
        csv.row_raw(r.iter().map(String::as_str));
    }
    csv.finish()
}

pub const CSV_HEADER: [&str; 10] = [
    "statement_number",
    "patient_id",
    "year",
    "visits",
    "charged",
    "paid",
    "refunded",
    "net_paid",
    "status",
    "file",
];

impl Statement {
    /// The calendar year's first day (statements cover January 1 on).
    pub fn year_start(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, 1, 1).unwrap_or(self.statement_date)
    }

    /// The months with a visit or a payment, for the summary line.
    pub fn months_active(&self) -> usize {
        let m: BTreeSet<u32> = self
            .visits
            .iter()
            .map(|v| v.date.month())
            .chain(self.payments.iter().map(|p| p.date.month()))
            .collect();
        m.len()
    }
}
