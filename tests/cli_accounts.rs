//! The accountant's exports from the outside: receipts.csv, the
//! breakdowns and the journal reconciled to the cent against ledger.csv,
//! payments.csv and summary.csv (on the samples and on a generated
//! 3,000-patient month), the journal balanced, the columns the accountant
//! reads, and `superbill totals --year`.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const CLEAN_AS_OF: &str = "2026-10-05";
const MESSY_AS_OF: &str = "2026-10-15";

fn batch_json(practice: &Path, out: &Path, period: &str, as_of: &str) -> Value {
    let (code, stdout, stderr) = run(on_practice("batch", practice)
        .args(["--period", period, "--as-of", as_of, "--json", "--out"])
        .arg(out));
    assert!(code == 0 || code == 1, "{stdout}{stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Empty cells (a held superbill's figures in summary.csv) count nothing.
fn sum(rows: &[BTreeMap<String, String>], col: &str) -> i64 {
    rows.iter()
        .filter(|r| !r[col].is_empty())
        .map(|r| cents(&r[col]))
        .sum()
}

fn generate(dir: &Path, patients: usize, months: u32, seed: u64) {
    let (code, _, stderr) = run(superbill()
        .args(["samples", "generate", "--start", "2026-09", "--patients"])
        .arg(patients.to_string())
        .arg("--months")
        .arg(months.to_string())
        .arg("--seed")
        .arg(seed.to_string())
        .arg("--out")
        .arg(dir));
    assert_eq!(code, 0, "{stderr}");
}

/// Every identity between the exports of one batch, to the cent. Returns
/// the total received.
fn reconcile(out: &Path, j: &Value, from: &str, to: &str) -> i64 {
    let csv = |name: &str| read_csv(&out.join(name)).maps();
    let ledger = csv("ledger.csv");
    let summary = csv("summary.csv");
    let payments = csv("payments.csv");
    let receipts = csv("receipts.csv");
    let by_code = csv("totals-by-code.csv");
    let by_provider = csv("totals-by-provider.csv");
    let by_method = csv("totals-by-method.csv");
    let by_day = csv("totals-by-day.csv");
    let totals = |k: &str| cents(j["totals"][k].as_str().unwrap());

    // Charged: ledger = summary = every breakdown = the run's total.
    let charged = sum(&ledger, "charge");
    assert_eq!(charged, totals("charged"));
    for (name, rows) in [
        ("summary", &summary),
        ("by code", &by_code),
        ("by provider", &by_provider),
        ("by day", &by_day),
    ] {
        assert_eq!(sum(rows, "charged"), charged, "charged {name}");
    }
    // Ledger lines: charge = units x fee per unit, and the counts per code.
    for l in &ledger {
        let units: i64 = l["units"].parse().unwrap();
        assert_eq!(cents(&l["charge"]), units * cents(&l["unit_fee"]), "{l:?}");
    }
    let lines: usize = by_code
        .iter()
        .map(|r| r["lines"].parse::<usize>().unwrap())
        .sum();
    assert_eq!(lines, ledger.len());

    // Paid on this period's superbills: summary = payments applied to them
    // = by code = by provider (paid - refunded).
    let paid = sum(&summary, "paid");
    assert_eq!(paid, totals("paid"));
    let applied_here: i64 = payments
        .iter()
        .filter(|r| !r["superbill_number"].is_empty())
        .map(|r| cents(&r["applied_amount"]))
        .sum();
    assert_eq!(
        applied_here, paid,
        "payments.csv applied to this period's superbills"
    );
    for (name, rows) in [("by code", &by_code), ("by provider", &by_provider)] {
        assert_eq!(
            sum(rows, "paid") - sum(rows, "refunded"),
            paid,
            "paid {name}"
        );
    }
    assert_eq!(sum(&summary, "balance"), charged - paid);

    // Money received in the period: receipts = by method = by day =
    // payments.csv rows dated in the period; one receipt per payment.
    let received = sum(&receipts, "amount");
    let ids: BTreeSet<&str> = receipts.iter().map(|r| r["payment_id"].as_str()).collect();
    assert_eq!(ids.len(), receipts.len(), "one row per payment");
    for (name, rows) in [("by method", &by_method), ("by day", &by_day)] {
        assert_eq!(
            sum(rows, "paid") - sum(rows, "refunded"),
            received,
            "received {name}"
        );
    }
    assert_eq!(
        totals("received") - totals("refunded"),
        received,
        "printed received - refunded"
    );
    let in_period = |d: &str| from <= d && d <= to;
    let dated: i64 = payments
        .iter()
        .filter(|r| in_period(&r["date"]))
        .map(|r| cents(&r["applied_amount"]))
        .sum();
    assert_eq!(dated, received, "payments.csv rows dated in the period");
    // And each receipt is one payment of payments.csv, whole.
    let mut applied: BTreeMap<&str, (i64, &str)> = BTreeMap::new();
    for r in &payments {
        let e = applied
            .entry(&r["payment_id"])
            .or_insert((0, &r["payment_amount"]));
        e.0 += cents(&r["applied_amount"]);
        assert_eq!(e.1, r["payment_amount"], "one amount per payment");
    }
    for (id, (total, amount)) in &applied {
        assert_eq!(*total, cents(amount), "{id}: applied rows vs amount");
    }
    for r in &receipts {
        assert!(in_period(&r["date"]));
        assert_eq!(
            applied[r["payment_id"].as_str()].0,
            cents(&r["amount"]),
            "{r:?}"
        );
    }

    // The journal: balanced overall and per entry; revenue = charged;
    // money into the received accounts = received.
    let journal = read_csv(&out.join("journal.csv"));
    assert_eq!(
        journal.header,
        [
            "Journal No",
            "Journal Date",
            "Account Name",
            "Debits",
            "Credits",
            "Description"
        ]
    );
    let amount = |t: &str| if t.is_empty() { 0 } else { cents(t) };
    let mut per_entry: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut by_account: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for r in &journal.rows {
        let (dr, cr) = (amount(&r[3]), amount(&r[4]));
        assert!((dr == 0) != (cr == 0), "one side per line: {r:?}");
        assert!(dr >= 0 && cr >= 0);
        let e = per_entry.entry(r[0].clone()).or_default();
        e.0 += dr;
        e.1 += cr;
        let a = by_account.entry(r[2].clone()).or_default();
        a.0 += dr;
        a.1 += cr;
        // MM/DD/YYYY, inside the period.
        let d: Vec<&str> = r[1].split('/').collect();
        assert_eq!(d.len(), 3, "{r:?}");
        assert!(in_period(&format!("{}-{}-{}", d[2], d[0], d[1])), "{r:?}");
    }
    for (no, (dr, cr)) in &per_entry {
        assert_eq!(dr, cr, "journal {no} balances");
    }
    let receivable = "Patient Receivables";
    let mut revenue = 0;
    let mut banked = 0;
    for r in &journal.rows {
        if r[2] == receivable {
            continue;
        }
        if r[5].starts_with("Services rendered") {
            revenue += amount(&r[4]) - amount(&r[3]);
        } else {
            banked += amount(&r[3]) - amount(&r[4]);
        }
    }
    assert_eq!(revenue, charged, "revenue credited = charged");
    assert_eq!(banked, received, "received accounts debited = received");
    let rec = by_account.get(receivable).copied().unwrap_or_default();
    assert_eq!(
        rec.0 - rec.1,
        charged - received,
        "receivable moves by charged - received"
    );

    // Xero: every journal nets to zero, codes not names.
    let xero = read_csv(&out.join("journal-xero.csv"));
    assert_eq!(
        xero.header,
        [
            "*Narration",
            "*Date",
            "Description",
            "*AccountCode",
            "*TaxRate",
            "*Amount"
        ]
    );
    let mut nets: BTreeMap<(String, String), i64> = BTreeMap::new();
    for r in &xero.rows {
        *nets.entry((r[0].clone(), r[1].clone())).or_default() += cents(&r[5]);
    }
    assert!(nets.values().all(|n| *n == 0), "{nets:?}");
    received
}

fn period_json(out: &Path, practice: &Path, as_of: &str) -> Value {
    batch_json(practice, out, "2026-09", as_of)
}

#[test]
fn the_sample_reconciles_to_the_cent() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let j = period_json(&out, &sample("cedar-ridge"), CLEAN_AS_OF);
    let received = reconcile(&out, &j, "2026-09-01", "2026-09-30");
    assert!(received > 0);
    // The sample's accounts come from practice.toml: Drug Sales for
    // drug lines, and every Xero code configured.
    let journal = read_csv(&out.join("journal.csv")).maps();
    assert!(journal.iter().any(|r| r["account name"] == "Drug Sales"));
    let xero = read_csv(&out.join("journal-xero.csv")).maps();
    let codes: BTreeSet<&str> = xero.iter().map(|r| r["*accountcode"].as_str()).collect();
    assert_eq!(codes, BTreeSet::from(["1200", "1210", "4000", "4010"]));
    assert!(xero.iter().all(|r| r["*taxrate"] == "Tax Exempt"));
    assert!(j["hints"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| !h.as_str().unwrap().contains("xero")));
}

#[test]
fn the_messy_sample_reconciles_too() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let j = period_json(&out, &sample("cedar-ridge-messy"), MESSY_AS_OF);
    reconcile(&out, &j, "2026-09-01", "2026-09-30");
    // Its practice.toml has no [accounts]: defaults, and a hint that Xero
    // needs codes.
    let hints: Vec<&str> = j["hints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert!(
        hints.iter().any(|h| h.contains("[accounts.xero_codes]")),
        "{hints:?}"
    );
}

#[test]
fn a_generated_3000_patient_month_reconciles_to_the_cent() {
    let tmp = tempfile::tempdir().unwrap();
    let practice = tmp.path().join("practice");
    generate(&practice, 3000, 1, 3000);
    let out = tmp.path().join("out");
    let j = period_json(&out, &practice, CLEAN_AS_OF);
    assert!(
        j["superbills"].as_u64().unwrap() > 2000,
        "{}",
        j["superbills"]
    );
    reconcile(&out, &j, "2026-09-01", "2026-09-30");
    // Xero's 300-line limit: every file under it.
    for f in files_under(&out) {
        let name = f.display().to_string();
        if name.starts_with("journal-xero") {
            assert!(read_csv(&out.join(&f)).rows.len() <= 300, "{name}");
        }
    }
}

#[test]
fn ledger_and_summary_columns_for_the_accountant() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    period_json(&out, &sample("cedar-ridge"), CLEAN_AS_OF);
    let summary = read_csv(&out.join("summary.csv"));
    assert_eq!(
        summary.header,
        [
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
            "reasons"
        ]
    );
    for r in summary.maps() {
        assert_eq!(r["period_from"], "2026-09-01");
        assert_eq!(r["period_to"], "2026-09-30");
    }
    let ledger = read_csv(&out.join("ledger.csv"));
    for col in [
        "provider_name",
        "description",
        "unit_fee",
        "category",
        "place_of_service",
    ] {
        ledger.col(col);
    }
    let providers = [
        ("1234567893", "Maya Okafor, MD"),
        ("2123456784", "Erik Lindqvist, MD"),
        ("1555555550", "Claire Reyes, PMHNP-BC"),
    ];
    for r in ledger.maps() {
        let (_, name) = providers
            .iter()
            .find(|p| p.0 == r["provider_npi"])
            .expect("known NPI");
        assert_eq!(&r["provider_name"], name);
        assert!(
            !r["description"].is_empty() && !r["category"].is_empty(),
            "{r:?}"
        );
        // POS stays text in a spreadsheet: code first, then its name; not
        // a number, not a formula.
        let pos = &r["place_of_service"];
        assert!(
            pos.len() > 3 && pos.as_bytes()[..2].iter().all(u8::is_ascii_digit),
            "{pos}"
        );
        assert_eq!(&pos[2..3], " ");
        assert!(pos.parse::<f64>().is_err() && !pos.starts_with(['=', '+', '-', '@']));
    }
    let by_provider = read_csv(&out.join("totals-by-provider.csv")).maps();
    assert_eq!(by_provider.len(), 3);
    for r in &by_provider {
        assert!(
            providers.contains(&(r["provider_npi"].as_str(), r["provider_name"].as_str())),
            "{r:?}"
        );
    }
    let payments = read_csv(&out.join("payments.csv"));
    payments.col("applied_amount");
    payments.col("payment_amount");
    assert!(!payments
        .header
        .iter()
        .any(|h| h == "amount" || h == "applied"));
    // No cell of any new export is a formula.
    for name in [
        "receipts.csv",
        "skipped.csv",
        "totals-by-code.csv",
        "totals-by-provider.csv",
        "totals-by-method.csv",
        "totals-by-day.csv",
        "journal.csv",
        "journal-xero.csv",
    ] {
        for row in read_csv(&out.join(name)).rows {
            for cell in row {
                assert!(!cell.starts_with(['=', '+', '@']), "{name}: {cell:?}");
            }
        }
    }
}

#[test]
fn formulas_in_methods_and_references_stay_neutralised_in_every_export() {
    let (tmp, dir) = sample_copy("cedar-ridge");
    rewrite_csv(&dir.join("payments.csv"), |h, rows| {
        let col = |name: &str| h.iter().position(|c| c == name).unwrap();
        for r in rows.iter_mut().take(5) {
            r[col("method")] = "=HYPERLINK(\"http://x\")".into();
            r[col("reference")] = "@SUM(A1)".into();
        }
    });
    let out = tmp.path().join("out");
    period_json(&out, &dir, CLEAN_AS_OF);
    for name in ["receipts.csv", "totals-by-method.csv", "payments.csv"] {
        let text = std::fs::read_to_string(out.join(name)).unwrap();
        assert!(text.contains("'=HYPERLINK"), "{name}");
        for row in read_csv(&out.join(name)).rows {
            for cell in row {
                assert!(!cell.starts_with(['=', '+', '@']), "{name}: {cell:?}");
            }
        }
    }
}

/// Money for a session that is rejected is held, not credit: the patient
/// credit stays what it was, and the held amount appears beside it.
#[test]
fn money_for_a_rejected_session_is_held_not_credit() {
    let tmp = tempfile::tempdir().unwrap();
    let clean = period_json(
        &tmp.path().join("clean"),
        &sample("cedar-ridge"),
        CLEAN_AS_OF,
    );
    let (_tmp2, dir) = sample_copy("cedar-ridge");
    // S000001 (paid by PMT000001, which names it) gets a header code.
    rewrite_csv(&dir.join("sessions.csv"), |h, rows| {
        let col = h.iter().position(|c| c == "diagnoses").unwrap();
        rows[0][col] = "F33".into();
    });
    let payments = read_csv(&dir.join("payments.csv")).maps();
    let named: i64 = payments
        .iter()
        .filter(|p| p["session_id"] == "S000001")
        .map(|p| cents(&p["amount"]))
        .sum();
    assert!(named > 0);
    let out = tmp.path().join("broken");
    let j = period_json(&out, &dir, CLEAN_AS_OF);
    assert_eq!(j["exit_code"], 1);
    let t = |v: &Value, k: &str| cents(v["totals"][k].as_str().unwrap());
    assert_eq!(t(&j, "held"), named);
    assert_eq!(t(&j, "patient_credit"), t(&clean, "patient_credit"));
    let p1 = read_csv(&out.join("summary.csv"))
        .maps()
        .into_iter()
        .find(|r| r["patient_id"] == "P0001")
        .unwrap();
    assert_eq!(cents(&p1["held"]), named);
    let rows = read_csv(&out.join("payments.csv")).maps();
    assert!(rows
        .iter()
        .any(|r| r["session_id"] == "S000001" && r["status"] == "held for its session"));
    reconcile(&out, &j, "2026-09-01", "2026-09-30");
}

#[test]
fn totals_for_the_year_agree_with_each_months_batch() {
    let tmp = tempfile::tempdir().unwrap();
    let practice = tmp.path().join("practice");
    generate(&practice, 80, 3, 77);
    let as_of = "2026-12-10";
    let (code, stdout, stderr) =
        run(on_practice("totals", &practice).args(["--year", "2026", "--as-of", as_of, "--json"]));
    assert_eq!(code, 0, "{stderr}");
    let year: Value = serde_json::from_str(&stdout).unwrap();
    let months = year["months"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    assert_eq!(months[0]["month"], "2026-01");
    let m = |k: &str, v: &Value| cents(v[k].as_str().unwrap());
    let mut totals: BTreeMap<&str, i64> = BTreeMap::new();
    for month in months {
        for k in ["charged", "paid", "balance", "received", "refunded"] {
            *totals.entry(k).or_default() += m(k, month);
        }
    }
    for (k, v) in &totals {
        assert_eq!(m(k, &year["total"]), *v, "total {k}");
    }
    for (i, period) in ["2026-09", "2026-10", "2026-11"].iter().enumerate() {
        let out: PathBuf = tmp.path().join(format!("out-{period}"));
        let j = batch_json(&practice, &out, period, as_of);
        let month = &months[8 + i];
        assert_eq!(month["month"], *period);
        assert_eq!(month["superbills"], j["superbills"], "{period}");
        for (k, jk) in [
            ("charged", "charged"),
            ("paid", "paid"),
            ("balance", "balance_due"),
            ("received", "received"),
            ("refunded", "refunded"),
        ] {
            assert_eq!(
                m(k, month),
                cents(j["totals"][jk].as_str().unwrap()),
                "{period} {k}"
            );
        }
    }
    // The human table prints the same total line, and --csv the months.
    let csv = tmp.path().join("2026.csv");
    let (code, stdout, _) = run(on_practice("totals", &practice)
        .args(["--year", "2026", "--as-of", as_of, "--csv"])
        .arg(&csv));
    assert_eq!(code, 0);
    let total_line = stdout.lines().find(|l| l.starts_with("total ")).unwrap();
    assert!(
        total_line.contains(&format!("${}", group(totals["charged"]))),
        "{total_line}"
    );
    let t = read_csv(&csv).maps();
    assert_eq!(t.len(), 12);
    assert_eq!(sum(&t, "charged"), totals["charged"]);
    // A year not begun is refused.
    let (code, _, _) =
        run(on_practice("totals", &practice).args(["--year", "2027", "--as-of", as_of]));
    assert_eq!(code, 2);
}

/// `1234567` cents as printed: `12,345.67`.
fn group(cents: i64) -> String {
    let whole = (cents / 100).to_string();
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out}.{:02}", cents % 100)
}
