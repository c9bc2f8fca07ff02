//! `superbill batch` from the outside: every output present, every row
//! accounted for, totals that agree to the cent across ledger, summary and
//! PDFs, idempotent re-runs, crash recovery, privacy of the outputs.

mod common;

use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const CLEAN_AS_OF: &str = "2026-10-05";
const MESSY_AS_OF: &str = "2026-10-15";
const OUTPUTS: [&str; 13] = [
    "ledger.csv",
    "payments.csv",
    "summary.csv",
    "rejects.csv",
    "skipped.csv",
    "receipts.csv",
    "totals-by-code.csv",
    "totals-by-provider.csv",
    "totals-by-method.csv",
    "totals-by-day.csv",
    "journal.csv",
    "journal-xero.csv",
    "manifest.json",
];
/// The sample's 45 superbills and the exports.
const FILES: usize = 45 + OUTPUTS.len();

fn batch(practice: &Path, out: &Path, as_of: &str, extra: &[&str]) -> (i32, String, String) {
    let mut cmd = on_practice("batch", practice);
    cmd.args(["--period", "2026-09", "--as-of", as_of, "--no-progress"]);
    run(cmd.args(extra).arg("--out").arg(out))
}

/// A clean batch of the sample into `<tmp>/out`.
fn clean_batch(extra: &[&str]) -> (tempfile::TempDir, PathBuf, String) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let (code, stdout, stderr) = batch(&sample("cedar-ridge"), &out, CLEAN_AS_OF, extra);
    assert_eq!(code, 0, "{stdout}{stderr}");
    (tmp, out, stdout)
}

/// The printed rows table: file -> [read, billed, skipped, rejected].
fn rows_table(stdout: &str) -> BTreeMap<String, [usize; 4]> {
    let is_row = |l: &&str| {
        ["patients.csv ", "sessions.csv ", "payments.csv "]
            .iter()
            .any(|p| l.starts_with(p))
    };
    stdout
        .lines()
        .filter(is_row)
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(w.len(), 5, "row {l:?}");
            let n: Vec<usize> = w[1..].iter().map(|v| v.parse().unwrap()).collect();
            (w[0].to_string(), [n[0], n[1], n[2], n[3]])
        })
        .collect()
}

/// A money line of the printed report (`charged   $152,920.00`), in cents.
fn printed_money(stdout: &str, key: &str) -> i64 {
    let line = stdout
        .lines()
        .find(|l| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.starts_with("  "))
        })
        .unwrap_or_else(|| panic!("no {key:?} line in\n{stdout}"));
    cents(line[key.len()..].trim())
}

#[test]
fn clean_batch_accounts_for_every_row_and_cent() {
    let dir = sample("cedar-ridge");
    let (_tmp, out, stdout) = clean_batch(&[]);
    for f in OUTPUTS {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    // Rows read = billed + skipped + rejected, read = data rows of the input.
    let table = rows_table(&stdout);
    assert_eq!(table.len(), 3, "{stdout}");
    for (file, [read, billed, skipped, rejected]) in &table {
        assert_eq!(*read, billed + skipped + rejected, "{file}");
        assert_eq!(
            *read,
            read_csv(&dir.join(file)).rows.len(),
            "{file} rows read"
        );
        assert_eq!(*rejected, 0, "{file}");
    }
    // One PDF per summary row, and nothing else in superbills/.
    let summary = read_csv(&out.join("summary.csv")).maps();
    assert_eq!(summary.len(), 45);
    let listed: BTreeSet<String> = summary.iter().map(|r| r["file"].clone()).collect();
    let pdfs = files_under(&out.join("superbills")).into_iter();
    let pdfs: BTreeSet<String> = pdfs
        .map(|p| format!("superbills/{}", p.display()))
        .collect();
    assert_eq!(listed, pdfs);

    let ledger = read_csv(&out.join("ledger.csv")).maps();
    let mut by_number: BTreeMap<&str, i64> = BTreeMap::new();
    for r in &ledger {
        *by_number.entry(r["superbill_number"].as_str()).or_default() += cents(&r["charge"]);
    }
    assert_eq!(by_number.len(), summary.len());
    for s in &summary {
        let number = s["superbill_number"].as_str();
        assert!(s["file"].ends_with(&format!("{number}.pdf")));
        let charged = cents(&s["charged"]);
        assert_eq!(by_number[number], charged, "{number}: ledger vs summary");
        assert_eq!(
            cents(&s["paid"]) + cents(&s["balance"]),
            charged,
            "{number}"
        );
        let pages = pdf_pages(&std::fs::read(out.join(&s["file"])).unwrap());
        let text = pages.join("\n");
        assert!(text.contains(number));
        for (label, col) in [
            ("Total charged", "charged"),
            ("Total paid", "paid"),
            ("Balance due", "balance"),
        ] {
            let pdf = value_after(&text, label).map(|t| cents(&t));
            assert_eq!(
                pdf,
                Some(cents(&s[col])),
                "{number}: PDF {label} vs summary"
            );
        }
        let printed: i64 = printed_lines(&pages).iter().map(|l| l.2).sum();
        assert_eq!(printed, charged, "{number}: printed lines vs total");
        // The paid column adds up to the total paid, to the cent.
        let paid: i64 = printed_lines(&pages).iter().map(|l| l.3).sum();
        assert_eq!(paid, cents(&s["paid"]), "{number}: paid column vs total");
    }
    let sum = |col: &str| summary.iter().map(|r| cents(&r[col])).sum::<i64>();
    assert_eq!(sum("charged"), printed_money(&stdout, "charged"));
    assert_eq!(sum("paid"), printed_money(&stdout, "paid"));
    assert_eq!(sum("balance"), printed_money(&stdout, "balance due"));
    assert_eq!(printed_money(&stdout, "balance due"), 20_000); // $200.00

    // Each payment's rows sum to its amount.
    let payments = read_csv(&out.join("payments.csv")).maps();
    let mut applied: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for r in &payments {
        let e = applied
            .entry(r["payment_id"].as_str())
            .or_insert((cents(&r["payment_amount"]), 0));
        assert_eq!(e.0, cents(&r["payment_amount"]), "one amount per payment");
        e.1 += cents(&r["applied_amount"]);
    }
    assert!(!applied.is_empty());
    for (id, (amount, total)) in &applied {
        assert_eq!(amount, total, "{id}: applied rows vs amount");
    }
    // No rejects; the manifest names every output with its hash.
    assert_eq!(read_csv(&out.join("rejects.csv")).rows.len(), 0);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let outputs = manifest["outputs"].as_object().unwrap();
    // Every output but the manifest itself.
    assert_eq!(outputs.len(), summary.len() + OUTPUTS.len() - 1);
    for (name, hash) in outputs {
        use sha2::Digest;
        let digest = hex::encode(sha2::Sha256::digest(std::fs::read(out.join(name)).unwrap()));
        assert_eq!(hash.as_str(), Some(digest.as_str()), "{name}");
    }
}

#[test]
fn outputs_are_private_and_names_carry_no_patient_identity() {
    let (_tmp, out, _) = clean_batch(&["--jobs", "2"]);
    let patients = read_csv(&sample("cedar-ridge").join("patients.csv")).maps();
    for f in files_under(&out.join("superbills")) {
        let name = f.to_str().unwrap();
        let stem = name
            .strip_suffix(".pdf")
            .unwrap_or_else(|| panic!("{name}"));
        let rest = stem.strip_prefix("SB-").unwrap_or_else(|| panic!("{name}"));
        let (period, id) = rest.split_at(6);
        assert!(period.chars().all(|c| c.is_ascii_digit()), "{name}");
        let id = id.strip_prefix('-').unwrap_or_else(|| panic!("{name}"));
        assert!(!id.is_empty(), "{name}");
        assert!(
            id.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
            "{name}"
        );
        for p in &patients {
            for n in [&p["first_name"], &p["last_name"], &p["dob"]] {
                assert!(
                    !name.to_lowercase().contains(&n.to_lowercase()),
                    "{name} holds {n}"
                );
            }
        }
    }
    #[cfg(unix)]
    {
        assert_eq!(format!("{:o}", mode(&out)), "700");
        assert_eq!(format!("{:o}", mode(&out.join("superbills"))), "700");
        for f in files_under(&out) {
            assert_eq!(
                format!("{:o}", mode(&out.join(&f))),
                "600",
                "{}",
                f.display()
            );
        }
    }
}

#[test]
fn unchanged_rerun_touches_nothing() {
    let dir = sample("cedar-ridge");
    let (_tmp, out, _) = clean_batch(&[]);
    let before = snapshot(&out);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (code, stdout, stderr) = batch(&dir, &out, CLEAN_AS_OF, &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!("Wrote 0 of {FILES} file(s)")),
        "{stdout}"
    );
    let after = snapshot(&out);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (f, (bytes, mtime)) in &before {
        assert!(after[f].0 == *bytes, "{} changed", f.display());
        assert_eq!(after[f].1, *mtime, "{} was rewritten", f.display());
    }
}

#[test]
fn job_counts_give_identical_outputs() {
    let (_a, one, _) = clean_batch(&["--jobs", "1"]);
    let (_b, two, _) = clean_batch(&["--jobs", "2"]);
    let (x, y) = (bytes_of(&one), bytes_of(&two));
    assert_eq!(x.len(), FILES);
    assert_eq!(x.keys().collect::<Vec<_>>(), y.keys().collect::<Vec<_>>());
    for (f, bytes) in &x {
        assert!(
            y[f] == *bytes,
            "{} differs between --jobs 1 and 2",
            f.display()
        );
    }
}

#[test]
fn dry_run_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("fresh");
    let (code, stdout, stderr) = batch(&sample("cedar-ridge"), &out, CLEAN_AS_OF, &["--dry-run"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("nothing was written"), "{stdout}");
    assert!(
        stdout.contains(&format!("would write {FILES} file(s)")),
        "{stdout}"
    );
    assert!(!out.exists(), "dry run created {}", out.display());
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn rerun_after_a_crash_restores_the_batch() {
    let dir = sample("cedar-ridge");
    let (_tmp, out, _) = clean_batch(&[]);
    let before = bytes_of(&out);
    let sb = out.join("superbills");
    for f in ["SB-202609-P0003.pdf", "SB-202609-P0040.pdf"] {
        std::fs::remove_file(sb.join(f)).unwrap();
    }
    std::fs::remove_file(out.join("summary.csv")).unwrap();
    std::fs::write(sb.join(".superbill-xyz.tmp"), b"half a PDF").unwrap();
    let (code, stdout, stderr) = batch(&dir, &out, CLEAN_AS_OF, &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!("Wrote 3 of {FILES} file(s)")),
        "{stdout}"
    );
    assert!(
        !sb.join(".superbill-xyz.tmp").exists(),
        "temp file left behind"
    );
    assert!(
        bytes_of(&out) == before,
        "recovered batch differs from the original"
    );
}

#[test]
fn messy_batch_rejects_bad_rows_and_bills_the_rest() {
    let dir = sample("cedar-ridge-messy");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let (code, stdout, stderr) = batch(&dir, &out, MESSY_AS_OF, &[]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let table = rows_table(&stdout);
    for (file, [read, billed, skipped, rejected]) in &table {
        assert_eq!(*read, billed + skipped + rejected, "{file}");
        assert_eq!(
            *read,
            read_csv(&dir.join(file)).rows.len(),
            "{file} rows read"
        );
    }
    // Patients without errors get their superbills; a superbill that
    // depends on a rejected row (a session, a payment, the patient's own
    // row) is held, with the reasons.
    let sb = out.join("superbills");
    for p in ["P0001", "P0002", "P0035"] {
        assert!(sb.join(format!("SB-202609-{p}.pdf")).is_file(), "{p}");
    }
    let summary: BTreeMap<String, BTreeMap<String, String>> = read_csv(&out.join("summary.csv"))
        .maps()
        .into_iter()
        .map(|r| (r["patient_id"].clone(), r))
        .collect();
    assert_eq!(
        summary.len(),
        45,
        "every patient with sessions in September"
    );
    for (p, reason) in [
        ("P0011", "sessions.csv:69 icd-header"),
        ("P0012", "payments.csv:267 unknown-session"),
        ("P0017", "payments.csv:268 bad-amount"),
        ("P0020", "patients.csv:21 missing-value"),
        (
            "P0032",
            "sessions.csv:194 before-birth; sessions.csv:195 before-birth",
        ),
    ] {
        assert!(!sb.join(format!("SB-202609-{p}.pdf")).exists(), "{p}");
        assert_eq!(summary[p]["status"], "held", "{p}");
        assert!(
            summary[p]["reasons"].starts_with(reason),
            "{p}: {}",
            summary[p]["reasons"]
        );
    }
    let held = summary.values().filter(|r| r["status"] == "held").count();
    assert_eq!(held + std::fs::read_dir(&sb).unwrap().count(), 45);
    assert!(
        stdout.contains(&format!("Held {held} superbills")),
        "{stdout}"
    );
    // rejects.csv lists each rejected row's line; counts match the table.
    let rejects = read_csv(&out.join("rejects.csv"));
    assert_eq!(
        rejects.header,
        [
            "severity",
            "file",
            "line",
            "record_id",
            "field",
            "code",
            "message"
        ]
    );
    let rejected_lines = |file: &str| {
        let mut v: Vec<u64> = rejects
            .rows
            .iter()
            .filter(|r| r[1] == file)
            .map(|r| r[2].parse().unwrap())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let sessions = rejected_lines("sessions.csv");
    for line in [
        69, 75, 81, 116, 136, 149, 160, 178, 191, 207, 229, 240, 246, 255, 265, 274,
    ] {
        assert!(
            sessions.contains(&line),
            "sessions.csv line {line} not in rejects.csv"
        );
    }
    assert_eq!(sessions.len(), table["sessions.csv"][3]);
    assert_eq!(
        rejected_lines("payments.csv").len(),
        table["payments.csv"][3]
    );
    assert_eq!(rejected_lines("patients.csv"), [21]);
    // A rejected session is never billed.
    let ledger = read_csv(&out.join("ledger.csv")).maps();
    assert!(!ledger
        .iter()
        .any(|r| ["S000068", "S000238", "S000300"].contains(&r["session_id"].as_str())));
    assert!(!ledger.iter().any(|r| r["patient_id"] == "P0011"));
    assert!(ledger.iter().any(|r| r["patient_id"] == "P0001"));
    // P0035's address is a formula: the PDF prints it as text; no CSV
    // export carries addresses, and no cell of any CSV starts a formula.
    let text = pdf_pages(&std::fs::read(sb.join("SB-202609-P0035.pdf")).unwrap()).join("\n");
    assert!(
        text.contains("=HYPERLINK(\"http://x\")"),
        "address missing from the PDF"
    );
    for f in ["ledger.csv", "payments.csv", "summary.csv", "rejects.csv"] {
        let t = read_csv(&out.join(f));
        for cell in t.rows.iter().flatten() {
            assert!(
                !cell.starts_with(['=', '+', '@']),
                "{f}: formula cell {cell:?}"
            );
            assert!(
                !cell.contains("HYPERLINK") || cell.starts_with('\''),
                "{f}: {cell:?}"
            );
        }
    }
}

#[test]
fn formula_cells_in_payments_are_neutralised() {
    let (tmp, dir) = sample_copy("cedar-ridge");
    rewrite_csv(&dir.join("payments.csv"), |h, rows| {
        let col = |name: &str| h.iter().position(|c| c == name).unwrap();
        rows[0][col("method")] = "=cmd|' /C calc'!A0".into();
        rows[0][col("reference")] = "+1234".into();
        rows[1][col("reference")] = "@SUM(A1)".into();
    });
    let out = tmp.path().join("out");
    let (code, stdout, stderr) = batch(&dir, &out, CLEAN_AS_OF, &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let payments = read_csv(&out.join("payments.csv")).maps();
    let row = |id: &str| payments.iter().find(|r| r["payment_id"] == id).unwrap();
    assert_eq!(row("PMT000001")["method"], "'=cmd|' /C calc'!A0");
    assert_eq!(row("PMT000001")["reference"], "'+1234");
    assert_eq!(row("PMT000002")["reference"], "'@SUM(A1)");
    for cell in payments.iter().flat_map(|r| r.values()) {
        assert!(!cell.starts_with(['=', '+', '@']), "formula cell {cell:?}");
    }
}

#[test]
fn unusable_arguments_exit_2_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let cases = [
        ["--jobs", "0", "--period", "2026-09"],
        ["--jobs", "1", "--period", "2026-13"],
        ["--jobs", "1", "--period", "Sept"],
    ];
    for extra in cases {
        let (code, _, stderr) = run(superbill()
            .arg("batch")
            .arg("--practice")
            .arg(sample("cedar-ridge"))
            .args(["--as-of", CLEAN_AS_OF])
            .args(extra)
            .arg("--out")
            .arg(&out));
        assert_eq!(code, 2, "{extra:?}: {stderr}");
        assert!(
            stderr.starts_with("superbill: error:"),
            "{extra:?} refused by the product, not by clap: {stderr}"
        );
        assert!(!out.exists(), "{extra:?} created the output folder");
    }
}

#[test]
fn rerun_repairs_a_tampered_pdf_and_follows_template_changes() {
    let (_tmp, practice) = sample_copy("cedar-ridge");
    let out = practice.parent().unwrap().join("out");
    let (code, stdout, stderr) = batch(&practice, &out, CLEAN_AS_OF, &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let before = bytes_of(&out);
    // A PDF edited after the run is rendered again, not trusted.
    let pdf = out.join("superbills/SB-202609-P0002.pdf");
    std::fs::write(&pdf, b"%PDF-1.3 tampered").unwrap();
    let (code, stdout, _) = batch(&practice, &out, CLEAN_AS_OF, &[]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains(&format!("Wrote 1 of {FILES} file(s)")),
        "{stdout}"
    );
    assert!(bytes_of(&out) == before, "tampered PDF not restored");
    // A practice template change reaches every superbill.
    std::fs::create_dir_all(practice.join("templates")).unwrap();
    std::fs::write(
        practice.join("templates/footer.hbs"),
        "Billing questions: {{practice_phone}} (Mon-Fri).",
    )
    .unwrap();
    let (code, stdout, _) = batch(&practice, &out, CLEAN_AS_OF, &[]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains(&format!("Wrote 46 of {FILES} file(s)")),
        "{stdout}"
    );
    let text = pdf_pages(&std::fs::read(&pdf).unwrap()).concat();
    assert!(text.contains("(Mon-Fri)"), "{text}");
}

#[test]
fn unreadable_input_files_stop_the_batch_before_anything_is_written() {
    // An empty payments.csv would print "paid $0" on every superbill; an
    // unclosed quote swallows the rest of sessions.csv.
    for (file, edit) in [("payments.csv", "empty"), ("sessions.csv", "quote")] {
        let (_tmp, practice) = sample_copy("cedar-ridge");
        let path = practice.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let damaged = match edit {
            "empty" => String::new(),
            _ => text.replacen(",ketamine-iv,", ",\"ketamine-iv,", 1),
        };
        std::fs::write(&path, damaged).unwrap();
        let out = practice.parent().unwrap().join("out");
        let (code, stdout, stderr) = batch(&practice, &out, CLEAN_AS_OF, &[]);
        assert_eq!(code, 2, "{file}: {stdout}{stderr}");
        assert!(
            stderr.contains(file) && stderr.contains("nothing was written"),
            "{stderr}"
        );
        assert!(!out.exists(), "{file}: output written");
    }
}
