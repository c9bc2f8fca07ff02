//! Rows the batch does not bill, and why: skipped.csv, the batch whose
//! period holds no session at all, and one warning (not one per session)
//! for dates of service after the last ICD-10-CM release.

mod common;

use common::*;
use std::collections::BTreeMap;

#[test]
fn skipped_csv_lists_every_skipped_row_with_its_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let dir = sample("cedar-ridge-messy");
    let (code, stdout, stderr) = run(on_practice("batch", &dir)
        .args([
            "--period",
            "2026-09",
            "--as-of",
            "2026-10-15",
            "--no-progress",
            "--out",
        ])
        .arg(&out));
    assert_eq!(code, 1, "{stderr}");
    let skipped = read_csv(&out.join("skipped.csv"));
    assert_eq!(skipped.header, ["file", "line", "record_id", "reason"]);
    // As many as the rows table says, file by file.
    let mut per_file: BTreeMap<String, usize> = BTreeMap::new();
    for r in &skipped.rows {
        *per_file.entry(r[0].clone()).or_default() += 1;
    }
    for file in ["patients.csv", "sessions.csv", "payments.csv"] {
        let printed = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{file} ")))
            .unwrap();
        let n: usize = printed.split_whitespace().nth(3).unwrap().parse().unwrap();
        assert_eq!(per_file.get(file).copied().unwrap_or(0), n, "{file}");
    }
    // Each row points at a real line whose record says why.
    let sessions = read_csv_lines(&dir.join("sessions.csv"));
    for r in skipped.rows.iter().filter(|r| r[0] == "sessions.csv") {
        let line: usize = r[1].parse().unwrap();
        let row = &sessions[&line];
        assert!(row.contains(&r[2]), "line {line} holds {}", r[2]);
        match r[3].as_str() {
            "cancelled" => assert!(row.to_lowercase().contains("cancel"), "{row}"),
            "no-show" => assert!(row.to_lowercase().contains("no"), "{row}"),
            "outside the period" => assert!(!row.contains("2026-09-"), "{row}"),
            // A session of a superbill held for another row's error.
            "superbill held" => assert!(row.contains("2026-09-") || row.contains("9/"), "{row}"),
            other => panic!("unexpected reason {other}"),
        }
    }
    assert!(skipped.rows.iter().any(|r| r[3] == "cancelled"));
}

/// Physical line number -> raw text (1 = the header).
fn read_csv_lines(path: &std::path::Path) -> BTreeMap<usize, String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.to_string()))
        .collect()
}

#[test]
fn a_period_with_no_session_says_which_months_the_data_covers() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let (code, stdout, stderr) = run(on_practice("batch", &sample("cedar-ridge"))
        .args([
            "--period",
            "2026-10",
            "--as-of",
            "2026-11-05",
            "--no-progress",
            "--out",
        ])
        .arg(&out));
    assert_eq!(code, 0, "{stderr}");
    let hint = stdout
        .lines()
        .find(|l| l.starts_with("No session in sessions.csv is dated in 2026-10"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(hint.contains("the data covers 2026-09"), "{hint}");
    assert!(hint.contains("--period 2026-09"), "{hint}");
    assert!(hint.contains("--practice"), "{hint}");
    // Every session is in skipped.csv as outside the period.
    let skipped = read_csv(&out.join("skipped.csv"));
    let sessions = read_csv(&sample("cedar-ridge").join("sessions.csv"))
        .rows
        .len();
    assert_eq!(
        skipped
            .rows
            .iter()
            .filter(|r| r[0] == "sessions.csv")
            .count(),
        sessions
    );
    // Also with --quiet: it is a problem worth printing.
    let (_, quiet, _) = run(on_practice("batch", &sample("cedar-ridge"))
        .args([
            "--period",
            "2026-10",
            "--as-of",
            "2026-11-05",
            "--quiet",
            "--dry-run",
            "--out",
        ])
        .arg(&out));
    assert!(quiet.contains("the data covers 2026-09"), "{quiet}");
}

#[test]
fn dates_after_the_last_icd10cm_release_get_one_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let practice = tmp.path().join("practice");
    let (code, _, stderr) = run(superbill()
        .args([
            "samples",
            "generate",
            "--patients",
            "60",
            "--months",
            "2",
            "--start",
            "2026-09",
            "--seed",
            "5",
            "--out",
        ])
        .arg(&practice));
    assert_eq!(code, 0, "{stderr}");
    let (_, stdout, _) = run(on_practice("validate", &practice).args([
        "--period",
        "2026-10",
        "--as-of",
        "2026-11-05",
        "--json",
    ]));
    let j: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let sessions_in_october = read_csv(&practice.join("sessions.csv"))
        .maps()
        .iter()
        .filter(|r| r["date"].starts_with("2026-10"))
        .count();
    assert!(sessions_in_october > 20);
    let warnings: Vec<&serde_json::Value> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "icd-no-release")
        .collect();
    assert_eq!(warnings.len(), 1, "one warning, not one per session");
    let msg = warnings[0]["message"].as_str().unwrap();
    assert!(msg.contains("FY2026-April"), "{msg}");
    assert!(msg.contains("FY2027"), "{msg}");
    assert!(
        msg.contains("https://www.cdc.gov/nchs/icd/icd-10-cm/files.html"),
        "{msg}"
    );
    assert!(msg.contains("superbill codes import-icd10cm"), "{msg}");
    assert!(msg.contains("session"), "{msg}");
    // The batch says it once too.
    let (_, stdout, _) = run(on_practice("batch", &practice)
        .args([
            "--period",
            "2026-10",
            "--as-of",
            "2026-11-05",
            "--json",
            "--out",
        ])
        .arg(tmp.path().join("out")));
    let j: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let n = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "icd-no-release")
        .count();
    assert_eq!(n, 1);
}
