//! `superbill totals --year YYYY`: the year to date, month by month.

use crate::atomic;
use crate::cli::TotalsArgs;
use crate::error::{Error, Result};
use crate::export::{cell, Csv};
use crate::findings::Findings;
use crate::totals::{self, MonthTotals};
use serde_json::json;

pub const TOTALS_HEADER: [&str; 10] = [
    "month",
    "superbills",
    "sessions",
    "lines",
    "charged",
    "paid",
    "balance",
    "received",
    "refunded",
    "rejected_sessions",
];

pub fn run(args: &TotalsArgs) -> Result<i32> {
    if !(1900..=9999).contains(&args.year) {
        return Err(Error::Usage(format!(
            "--year {} is not a calendar year: use e.g. --year 2026",
            args.year
        )));
    }
    let as_of = super::as_of(&args.practice);
    let mut findings = Findings::default();
    let loaded = crate::practice::load(&args.practice.practice, &mut findings)?;
    let year = totals::year(&loaded, args.year, as_of);
    if year.months.is_empty() {
        return Err(Error::Usage(format!(
            "{} has not started by {as_of}: nothing to total (pass --as-of to look ahead)",
            args.year
        )));
    }
    if let Some(path) = &args.csv {
        let mut csv = Csv::new(&TOTALS_HEADER);
        for m in &year.months {
            csv.row_raw(row(m));
        }
        atomic::write(path, &csv.finish())?;
    }
    if args.json {
        super::json::print(&json!({
            "command": "totals",
            "ok": true,
            "exit_code": 0,
            "practice": args.practice.practice,
            "year": year.year,
            "as_of": year.as_of,
            "months": year.months,
            "total": year.total,
            "patient_credit": year.credit,
            "held": year.held,
            "csv": args.csv,
        }));
        return Ok(0);
    }
    println!(
        "{:<8} {:>10} {:>8} {:>14} {:>14} {:>12} {:>14} {:>11} {:>8}",
        "month",
        "superbills",
        "sessions",
        "charged",
        "paid",
        "balance",
        "received",
        "refunded",
        "rejected"
    );
    let line = |m: &MonthTotals| {
        println!(
            "{:<8} {:>10} {:>8} {:>14} {:>14} {:>12} {:>14} {:>11} {:>8}",
            m.month,
            m.superbills,
            m.sessions,
            m.charged.display(),
            m.paid.display(),
            m.balance.display(),
            m.received.display(),
            m.refunded.display(),
            m.rejected_sessions
        );
    };
    for m in &year.months {
        line(m);
    }
    let mut total = year.total.clone();
    total.month = "total".into();
    line(&total);
    println!();
    println!(
        "Year to date {} through {} (as of {}): paid is what was applied to each month's superbills, received and refunded are by payment date (as receipts.csv).",
        year.year,
        year.months.last().map(|m| m.month.as_str()).unwrap_or(""),
        year.as_of
    );
    println!(
        "Patient credit {} and {} held for sessions not billed, as of {}.",
        year.credit.display(),
        year.held.display(),
        year.as_of
    );
    if year.total.rejected_sessions > 0 {
        println!(
            "{} session(s) left out for errors: `superbill validate --practice {}` lists them.",
            year.total.rejected_sessions,
            crate::shell::path(&args.practice.practice)
        );
    }
    Ok(0)
}

fn row(m: &MonthTotals) -> Vec<String> {
    vec![
        cell(&m.month),
        m.superbills.to_string(),
        m.sessions.to_string(),
        m.lines.to_string(),
        m.charged.plain(),
        m.paid.plain(),
        m.balance.plain(),
        m.received.plain(),
        m.refunded.plain(),
        m.rejected_sessions.to_string(),
    ]
}
