//! `superbill statement`: each patient's year-end statement agrees to the
//! cent with the ledgers and receipts of the year's monthly batches, and
//! its PDF carries what an HSA/FSA administrator or the IRS asks for.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::Path;

const AS_OF: &str = "2027-01-10";

fn statement(practice: &Path, out: &Path, year: &str) -> (i32, String, String) {
    run(superbill()
        .arg("statement")
        .arg("--practice")
        .arg(practice)
        .args(["--year", year, "--as-of", AS_OF, "--out"])
        .arg(out))
}

/// A fictional practice over three months, with refunds and payments
/// across month ends.
fn practice(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("clinic");
    let (code, out, err) = run(superbill()
        .args([
            "samples",
            "generate",
            "--patients",
            "14",
            "--months",
            "3",
            "--start",
            "2026-08",
            "--seed",
            "11",
            "--out",
        ])
        .arg(&p));
    assert_eq!(code, 0, "{out}{err}");
    p
}

#[derive(Default, Debug, PartialEq, Eq)]
struct Money {
    charged: i64,
    paid: i64,
    refunded: i64,
}

#[test]
fn statements_reconcile_with_the_months_ledgers_and_receipts() {
    let tmp = tempfile::tempdir().unwrap();
    let clinic = practice(tmp.path());
    // The year's twelve monthly batches, each as billing staff would run
    // it (a month without sessions still has its receipts: a July
    // prepayment for August's infusions counts in July).
    let mut want: BTreeMap<String, Money> = BTreeMap::new();
    for m in 1..=12 {
        let month = format!("2026-{m:02}");
        let month = month.as_str();
        let out = tmp.path().join(month);
        let (code, stdout, stderr) = run(superbill()
            .arg("batch")
            .arg("--practice")
            .arg(&clinic)
            .args(["--period", month, "--as-of", AS_OF, "--quiet", "--out"])
            .arg(&out));
        assert_eq!(code, 0, "{month}: {stdout}{stderr}");
        for row in read_csv(&out.join("ledger.csv")).maps() {
            want.entry(row["patient_id"].clone()).or_default().charged += cents(&row["charge"]);
        }
        for row in read_csv(&out.join("receipts.csv")).maps() {
            let m = want.entry(row["patient_id"].clone()).or_default();
            let amount = cents(&row["amount"]);
            if amount < 0 {
                m.refunded -= amount;
            } else {
                m.paid += amount;
            }
        }
    }
    assert!(
        want.values().any(|m| m.refunded > 0),
        "the data has refunds"
    );

    let out = tmp.path().join("statements");
    let (code, stdout, stderr) = statement(&clinic, &out, "2026");
    assert_eq!(code, 0, "{stdout}{stderr}");
    let rows = read_csv(&out.join("statements.csv")).maps();
    let mut got: BTreeMap<String, Money> = BTreeMap::new();
    for r in &rows {
        assert_eq!(r["status"], "issued");
        assert_eq!(r["year"], "2026");
        let m = Money {
            charged: cents(&r["charged"]),
            paid: cents(&r["paid"]),
            refunded: cents(&r["refunded"]),
        };
        assert_eq!(cents(&r["net_paid"]), m.paid - m.refunded);
        got.insert(r["patient_id"].clone(), m);
        // Each row's PDF exists and states its own totals.
        let pdf = std::fs::read(out.join(&r["file"])).unwrap();
        let text = pdf_pages(&pdf).concat();
        for field in ["charged", "paid", "refunded", "net_paid"] {
            let shown = dollars(cents(&r[field]));
            assert!(
                text.contains(&shown),
                "{}: {field} {shown} not in the PDF",
                r["file"]
            );
        }
    }
    assert_eq!(
        got, want,
        "statements vs the months' ledger.csv and receipts.csv"
    );
}

/// `$1,234.50`, as the PDF prints money.
fn dollars(c: i64) -> String {
    let (sign, c) = if c < 0 { ("-", -c) } else { ("", c) };
    let whole = (c / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}${grouped}.{:02}", c % 100)
}

#[test]
fn the_pdf_lists_every_visit_and_payment_with_the_tax_id_and_publication_502() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("st");
    let sample = sample("cedar-ridge");
    let (code, stdout, stderr) = statement(&sample, &out, "2026");
    assert!(code == 0 || code == 1, "{stdout}{stderr}");
    let pdf = std::fs::read(out.join("YS-2026-P0001.pdf")).unwrap();
    let text = pdf_pages(&pdf).concat();
    for want in [
        "Year-end statement",
        "YS-2026-P0001",
        "Publication 502",
        "Tax ID (EIN) 84-1234567",
        "January 1 to December 31, 2026",
        "Total charged",
        "Total paid",
    ] {
        assert!(text.contains(want), "missing {want:?}");
    }
    // Every September session of P0001 (the sample's month) is listed by
    // date of service, and every payment by its id.
    let batch = tmp.path().join("batch");
    let (code, _, stderr) = run(superbill()
        .arg("batch")
        .arg("--practice")
        .arg(&sample)
        .args(["--period", "2026-09", "--as-of", AS_OF, "--quiet", "--out"])
        .arg(&batch));
    assert!(code == 0 || code == 1, "{stderr}");
    let ledger = read_csv(&batch.join("ledger.csv")).maps();
    let mine: Vec<_> = ledger
        .iter()
        .filter(|r| r["patient_id"] == "P0001")
        .collect();
    assert!(!mine.is_empty());
    for r in &mine {
        assert!(
            text.contains(&us_date(&r["date_of_service"])),
            "{}",
            r["date_of_service"]
        );
    }
    for r in read_csv(&batch.join("receipts.csv")).maps() {
        if r["patient_id"] == "P0001" {
            assert!(text.contains(&r["payment_id"]), "{}", r["payment_id"]);
        }
    }
    // No procedure code is printed, so no AMA notice is due and none of
    // the codes appears.
    for r in &mine {
        assert!(
            !contains_word(&text, &r["code"]),
            "code {} printed",
            r["code"]
        );
    }
    // Byte-identical on a second run.
    let again = tmp.path().join("again");
    statement(&sample, &again, "2026");
    assert!(std::fs::read(again.join("YS-2026-P0001.pdf")).unwrap() == pdf);
    assert!(
        std::fs::read(again.join("statements.csv")).unwrap()
            == std::fs::read(out.join("statements.csv")).unwrap()
    );
}

#[test]
fn out_inside_the_practice_folder_is_refused() {
    let (_tmp, practice) = sample_copy("cedar-ridge");
    let (code, _, stderr) = statement(&practice, &practice.join("st"), "2026");
    assert_eq!(code, 2, "{stderr}");
    assert!(!practice.join("st").exists());
    let (code, _, stderr) = statement(&practice, &practice, "20x6");
    assert_eq!(code, 2, "{stderr}");
}

/// The statements' folder is the tool's own, as a batch's is: a file it
/// did not write is never replaced, a re-run replaces only its own files
/// (listed in its manifest), and a folder of another year is refused.
#[test]
fn the_output_folder_holds_only_what_the_statement_run_wrote() {
    let (tmp, practice) = sample_copy("cedar-ridge");
    let out = tmp.path().join("statements-2026");
    let (code, stdout, stderr) = statement(&practice, &out, "2026");
    assert!(code == 0 || code == 1, "{stdout}{stderr}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let outputs = manifest["outputs"].as_object().unwrap();
    assert!(outputs.contains_key("statements.csv"));
    let pdf = outputs
        .keys()
        .find(|k| k.ends_with(".pdf"))
        .expect("a statement")
        .clone();
    assert_eq!(
        outputs[&pdf].as_str().unwrap(),
        sha256_hex(&std::fs::read(out.join(&pdf)).unwrap())
    );
    // A re-run replaces its own files.
    let (again, stdout, stderr) = statement(&practice, &out, "2026");
    assert_eq!(again, code, "{stdout}{stderr}");

    // A file the tool did not write, at a statement's name, stops the run.
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join(&pdf), b"someone else's file").unwrap();
    let (code, _, stderr) = statement(&practice, &other, "2026");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains(&pdf), "{stderr}");
    assert_eq!(
        std::fs::read(other.join(&pdf)).unwrap(),
        b"someone else's file"
    );
    assert!(!other.join("statements.csv").exists());

    // Another year's folder is not reused.
    let (code, _, stderr) = statement(&practice, &out, "2025");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("statements-2025"), "{stderr}");
}

fn sha256_hex(bytes: &[u8]) -> String {
    superbill::manifest::sha256_hex(bytes)
}
