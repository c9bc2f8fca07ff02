//! A superbill whose figures depend on a rejected row is never issued as
//! final: held by default (summary.csv and the screen say why, by file,
//! line and finding code), issued marked partial with `--partial`, and a
//! superbill issued again with different content is a corrected one with
//! a revision number that the manifest's history explains.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::Path;

const AS_OF: &str = "2026-10-05";

fn batch(practice: &Path, out: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut cmd = on_practice("batch", practice);
    cmd.args(["--period", "2026-09", "--as-of", AS_OF, "--no-progress"]);
    run(cmd.args(extra).arg("--out").arg(out))
}

/// summary.csv by superbill number.
fn summary(out: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    read_csv(&out.join("summary.csv"))
        .maps()
        .into_iter()
        .map(|r| (r["superbill_number"].clone(), r))
        .collect()
}

fn pdfs(out: &Path) -> Vec<String> {
    let dir = out.join("superbills");
    if !dir.exists() {
        return Vec::new();
    }
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

fn pdf_text(out: &Path, number: &str) -> Vec<String> {
    pdf_pages(&std::fs::read(out.join(format!("superbills/{number}.pdf"))).unwrap())
}

/// Names and dates of birth of the sample's patients, which must never
/// appear on screen or in the reasons.
fn identities(practice: &Path) -> Vec<String> {
    let t = read_csv(&practice.join("patients.csv")).maps();
    t.iter()
        .flat_map(|r| [r["last_name"].clone(), r["dob"].clone()])
        .filter(|v| v.len() > 3)
        .collect()
}

/// Sets `column` of the row of `file` whose `key` column is `id`.
fn set_cell(file: &Path, key: &str, id: &str, column: &str, value: &str) {
    rewrite_csv(file, |h, rows| {
        let k = h.iter().position(|c| c == key).unwrap();
        let c = h.iter().position(|c| c == column).unwrap();
        let row = rows.iter_mut().find(|r| r[k] == id).unwrap();
        row[c] = value.to_string();
    });
}

#[test]
fn rejected_payments_hold_every_superbill_they_bear_on() {
    // The issue's reproduction: a trailing comma on every payments row
    // rejects all 265 payments. Before, 45 superbills went out showing
    // $0.00 paid; now none is issued, each is listed as held.
    let (tmp, practice) = sample_copy("cedar-ridge");
    let path = practice.join("payments.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    for l in lines.iter_mut().skip(1) {
        l.push(',');
    }
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let out = tmp.path().join("out");
    let (code, stdout, stderr) = batch(&practice, &out, &[]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert_eq!(pdfs(&out), Vec::<String>::new(), "superbills issued");
    let s = summary(&out);
    assert_eq!(s.len(), 45);
    for (number, row) in &s {
        assert_eq!(row["status"], "held", "{number}");
        assert_eq!(row["file"], "", "{number}");
        assert_eq!(row["paid"], "", "{number}: a held superbill has no figures");
        assert!(
            row["reasons"].contains("payments.csv:") && row["reasons"].contains("csv-cell-count"),
            "{number}: {}",
            row["reasons"]
        );
    }
    // P0001's own payments, by line, and no one else's.
    let p1 = &s["SB-202609-P0001"]["reasons"];
    for line in 2..=9 {
        assert!(p1.contains(&format!("payments.csv:{line} ")), "{p1}");
    }
    assert!(!p1.contains("payments.csv:10 "), "{p1}");
    assert!(stdout.contains("Held 45 superbills"), "{stdout}");
    assert!(
        stdout.contains("SB-202609-P0001  payments.csv:2 csv-cell-count"),
        "{stdout}"
    );
    // Nothing billed: the ledger is empty, the rows still add up.
    assert_eq!(read_csv(&out.join("ledger.csv")).rows.len(), 0);
    assert!(stdout.contains("rows read"), "{stdout}");
    for id in identities(&practice) {
        assert!(
            !stdout.contains(&id) && !stderr.contains(&id),
            "{id} printed"
        );
        assert!(!std::fs::read_to_string(out.join("summary.csv"))
            .unwrap()
            .contains(&id));
    }
}

#[test]
fn a_rejected_session_holds_its_patients_superbill_and_no_other() {
    let (tmp, practice) = sample_copy("cedar-ridge");
    set_cell(
        &practice.join("sessions.csv"),
        "session_id",
        "S000003",
        "diagnoses",
        "F33",
    );
    let out = tmp.path().join("out");
    let (code, stdout, stderr) = batch(&practice, &out, &[]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let s = summary(&out);
    let p1 = &s["SB-202609-P0001"];
    assert_eq!(p1["status"], "held");
    assert_eq!(p1["reasons"], "sessions.csv:4 icd-header");
    assert!(!out.join("superbills/SB-202609-P0001.pdf").exists());
    assert_eq!(pdfs(&out).len(), 44);
    for (n, row) in &s {
        if n != "SB-202609-P0001" {
            assert_eq!(row["status"], "final", "{n}");
            assert_eq!(row["revision"], "1", "{n}");
        }
    }
    // The held patient's other sessions are skipped, not billed.
    let ledger = read_csv(&out.join("ledger.csv")).maps();
    assert!(!ledger.iter().any(|r| r["patient_id"] == "P0001"));
    let payments = read_csv(&out.join("payments.csv")).maps();
    let p = payments
        .iter()
        .find(|r| r["payment_id"] == "PMT000001")
        .unwrap();
    assert_eq!(p["status"], "applied, superbill held");
    assert_eq!(p["superbill_number"], "", "names issued superbills only");
    assert!(
        stdout.contains("SB-202609-P0001  sessions.csv:4 icd-header"),
        "{stdout}"
    );
}

/// A session row too damaged to read (a cell too many) still tells its
/// patient and its one date: a row of another month holds nothing of this
/// one, a row of the period (or one whose date cannot be told) holds its
/// patient's superbill. Either way the line is rejected and accounted for.
#[test]
fn a_damaged_session_row_of_another_month_holds_nothing() {
    for (date, extra, held) in [
        ("2026-08-20", "", false),
        ("08/20/2026 2:30 PM", "", false),
        ("2026-09-20", "", true),
        // Two dates in the cells: which is the session's cannot be told.
        ("2026-08-20", "2026-09-21", true),
    ] {
        let (tmp, practice) = sample_copy("cedar-ridge");
        let path = practice.join("sessions.csv");
        let mut text = std::fs::read_to_string(&path).unwrap();
        let line = text.lines().count() + 1;
        text.push_str(&format!(
            "S009999,P0001,okafor,{date},ketamine-iv,,F33.2,40,50,,completed,,{extra}\n"
        ));
        std::fs::write(&path, text).unwrap();
        let out = tmp.path().join("out");
        let (code, stdout, stderr) = batch(&practice, &out, &[]);
        assert_eq!(code, 1, "{date}: the row is an error\n{stdout}{stderr}");
        let rejects = read_csv(&out.join("rejects.csv")).maps();
        assert!(
            rejects
                .iter()
                .any(|r| r["file"] == "sessions.csv" && r["line"] == line.to_string()),
            "{date}: {rejects:?}"
        );
        let p1 = &summary(&out)["SB-202609-P0001"];
        if held {
            assert_eq!(p1["status"], "held", "{date} {extra}");
            assert_eq!(
                p1["reasons"],
                format!("sessions.csv:{line} csv-cell-count"),
                "{date} {extra}"
            );
        } else {
            assert_eq!(p1["status"], "final", "{date}: {}", p1["reasons"]);
            assert!(out.join("superbills/SB-202609-P0001.pdf").exists());
        }
        assert_eq!(pdfs(&out).len(), if held { 44 } else { 45 }, "{date}");
    }
}

#[test]
fn a_patient_whose_row_is_rejected_is_held_even_with_partial() {
    let (tmp, practice) = sample_copy("cedar-ridge");
    set_cell(
        &practice.join("patients.csv"),
        "patient_id",
        "P0003",
        "member_id",
        "",
    );
    let out = tmp.path().join("out");
    let (code, stdout, stderr) = batch(&practice, &out, &["--partial"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let s = summary(&out);
    let p3 = &s["SB-202609-P0003"];
    assert_eq!(p3["status"], "held");
    assert!(
        p3["reasons"].starts_with("patients.csv:4 missing-value"),
        "{}",
        p3["reasons"]
    );
    assert!(!out.join("superbills/SB-202609-P0003.pdf").exists());
}

#[test]
fn partial_issues_the_rest_and_says_so_on_every_page() {
    let (tmp, practice) = sample_copy("cedar-ridge");
    // P0001: one session and one payment with errors.
    set_cell(
        &practice.join("sessions.csv"),
        "session_id",
        "S000003",
        "diagnoses",
        "F33",
    );
    set_cell(
        &practice.join("payments.csv"),
        "payment_id",
        "PMT000005",
        "amount",
        "12.345",
    );
    let out = tmp.path().join("out");
    let (code, stdout, stderr) = batch(&practice, &out, &["--partial"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let s = summary(&out);
    let p1 = &s["SB-202609-P0001"];
    assert_eq!(p1["status"], "partial");
    assert_eq!(p1["revision"], "1");
    assert_eq!(
        p1["reasons"],
        "payments.csv:6 bad-amount; sessions.csv:4 icd-header"
    );
    assert!(stdout.contains("Issued 1 partial superbill"), "{stdout}");
    let pages = pdf_text(&out, "SB-202609-P0001");
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains("PARTIAL SUPERBILL"),
            "page {} has no banner:\n{page}",
            i + 1
        );
    }
    let text = pages.join("\n");
    assert!(text.contains("LEFT OUT OF THIS SUPERBILL"), "{text}");
    assert!(
        text.contains("Session S000003, date of service 09/09/2026"),
        "{text}"
    );
    assert!(text.contains("Payment PMT000005"), "{text}");
    assert!(
        !text.contains("12.345"),
        "a rejected cell's text is printed"
    );
    // The session left out is not billed; the rest are.
    assert!(!text.contains("09/09/2026\n96365"), "{text}");
    let ledger = read_csv(&out.join("ledger.csv")).maps();
    let sessions: Vec<&str> = ledger
        .iter()
        .filter(|r| r["patient_id"] == "P0001")
        .map(|r| r["session_id"].as_str())
        .collect();
    assert!(!sessions.contains(&"S000003") && sessions.contains(&"S000004"));
    // Other superbills are final, without banner.
    assert_eq!(s["SB-202609-P0002"]["status"], "final");
    let other = pdf_text(&out, "SB-202609-P0002").join("\n");
    assert!(!other.contains("PARTIAL"), "{other}");
}

#[test]
fn a_superbill_issued_again_with_other_content_is_a_numbered_correction() {
    // The issue's case: a session rejected, the superbill issued without
    // it (partial), the session fixed, the superbill issued again.
    let (tmp, practice) = sample_copy("cedar-ridge");
    let sessions = practice.join("sessions.csv");
    let original = std::fs::read(&sessions).unwrap();
    set_cell(&sessions, "session_id", "S000003", "diagnoses", "F33");
    let out = tmp.path().join("out");
    let (code, _, _) = batch(&practice, &out, &["--partial"]);
    assert_eq!(code, 1);
    let first = std::fs::read(out.join("superbills/SB-202609-P0002.pdf")).unwrap();
    std::fs::write(&sessions, &original).unwrap();
    let (code, stdout, stderr) = batch(&practice, &out, &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("Issued 1 corrected superbill")
            && stdout.contains("SB-202609-P0001 revision 2"),
        "{stdout}"
    );
    let s = summary(&out);
    assert_eq!(s["SB-202609-P0001"]["status"], "final");
    assert_eq!(s["SB-202609-P0001"]["revision"], "2");
    assert_eq!(s["SB-202609-P0002"]["revision"], "1");
    let text = pdf_text(&out, "SB-202609-P0001");
    for page in &text {
        assert!(page.contains("CORRECTED SUPERBILL, revision 2"), "{page}");
    }
    assert!(!text.join("\n").contains("PARTIAL"));
    // Others unchanged, byte for byte.
    assert_eq!(
        std::fs::read(out.join("superbills/SB-202609-P0002.pdf")).unwrap(),
        first
    );
    // The manifest keeps both revisions.
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let h = m["history"]["SB-202609-P0001"].as_array().unwrap();
    assert_eq!(h.len(), 2, "{h:?}");
    assert_eq!(h[0]["revision"], 1);
    assert_eq!(h[0]["status"], "partial");
    assert_eq!(h[0]["reason"], "first issue");
    assert_eq!(h[1]["revision"], 2);
    assert_eq!(h[1]["status"], "final");
    let reason = h[1]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("corrects revision 1: sessions added: S000003"),
        "{reason}"
    );
    let pdf = std::fs::read(out.join("superbills/SB-202609-P0001.pdf")).unwrap();
    assert_eq!(h[1]["sha256"], superbill::manifest::sha256_hex(&pdf));
    assert_eq!(h[1]["number"], "SB-202609-P0001");
    assert!(h[0]["sha256"] != h[1]["sha256"] && h[0]["content"] != h[1]["content"]);
    assert!(h[1]["source"].as_str().unwrap().len() == 64);
    assert_eq!(m["history"]["SB-202609-P0002"].as_array().unwrap().len(), 1);
    // An unchanged re-run keeps revision 2 and writes nothing.
    let before = snapshot(&out);
    let (code, stdout, _) = batch(&practice, &out, &[]);
    assert_eq!(code, 0);
    assert!(stdout.contains("Wrote 0 of"), "{stdout}");
    assert!(!stdout.contains("corrected"), "{stdout}");
    assert!(snapshot(&out) == before);
}
