//! `superbill render` from the outside: the PDF read back with lopdf holds
//! every field an insurer needs, with the values of the sample's own files.

mod common;

use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const FROM: &str = "2026-09-01";
const TO: &str = "2026-09-30";
const AS_OF: &str = "2026-10-05";

/// `superbill render` of one patient for September into `out`.
fn render(practice: &Path, patient: &str, out: &Path, as_of: &str) -> (i32, String, String) {
    run(superbill()
        .arg("render")
        .arg("--practice")
        .arg(practice)
        .args([
            "--patient",
            patient,
            "--from",
            FROM,
            "--to",
            TO,
            "--as-of",
            as_of,
            "--out",
        ])
        .arg(out))
}

/// Renders and returns the PDF's bytes.
fn render_ok(practice: &Path, patient: &str) -> Vec<u8> {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join(format!("{patient}.pdf"));
    let (code, stdout, stderr) = render(practice, patient, &out, AS_OF);
    assert_eq!(code, 0, "{stdout}{stderr}");
    std::fs::read(&out).unwrap()
}

fn practice_toml(dir: &Path) -> toml::Table {
    std::fs::read_to_string(dir.join("practice.toml"))
        .unwrap()
        .parse()
        .unwrap()
}

fn patient(dir: &Path, id: &str) -> BTreeMap<String, String> {
    read_csv(&dir.join("patients.csv"))
        .maps()
        .into_iter()
        .find(|p| p["patient_id"] == id)
        .unwrap()
}

/// Ledger rows of a batch run of the sample (the same month) for one patient.
fn ledger_rows(dir: &Path, patient: &str) -> Vec<BTreeMap<String, String>> {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let (code, stdout, stderr) = run(superbill()
        .arg("batch")
        .arg("--practice")
        .arg(dir)
        .args([
            "--period",
            "2026-09",
            "--as-of",
            AS_OF,
            "--no-progress",
            "--out",
        ])
        .arg(&out));
    assert_eq!(code, 0, "{stdout}{stderr}");
    read_csv(&out.join("ledger.csv"))
        .maps()
        .into_iter()
        .filter(|r| r["patient_id"] == patient)
        .collect()
}

#[test]
fn superbill_shows_every_insurer_field_with_the_sample_values() {
    let dir = sample("cedar-ridge");
    let pdf = render_ok(&dir, "P0001");
    let pages = pdf_pages(&pdf);
    let all = pages.join("\n");
    let n = pages.len();
    assert!(n >= 1);

    // The practice (billing provider).
    let practice = practice_toml(&dir);
    let legal_name = practice["legal_name"].as_str().unwrap();
    assert_eq!(legal_name, "Cedar Ridge Ketamine & Wellness, LLC");
    assert!(all.contains(legal_name));
    assert_eq!(
        value_after(&all, "Tax ID (EIN)").as_deref(),
        Some("84-1234567")
    );
    assert_eq!(practice["tax_id"].as_str(), Some("84-1234567"));
    assert_eq!(
        value_after(&all, "NPI (group)").as_deref(),
        Some("1987654328")
    );
    assert_eq!(practice["npi"].as_str(), Some("1987654328"));
    let address = practice["address"].as_table().unwrap();
    assert!(all.contains(address["line1"].as_str().unwrap()));

    // The patient, from patients.csv.
    let p = patient(&dir, "P0001");
    let name = format!("{}, {}", p["last_name"], p["first_name"]);
    assert_eq!(
        value_after(&all, "Name").as_deref(),
        Some(name.as_str()),
        "patient name as Last, First"
    );
    assert_eq!(value_after(&all, "Date of birth"), Some(us_date(&p["dob"])));
    assert_eq!(
        value_after(&all, "Member ID").as_deref(),
        Some(p["member_id"].as_str())
    );
    assert_eq!(
        value_after(&all, "Payer").as_deref(),
        Some(p["payer"].as_str())
    );
    assert_eq!(value_after(&all, "Patient ID").as_deref(), Some("P0001"));

    // Services, from a batch run's ledger of the same data.
    let ledger = ledger_rows(&dir, "P0001");
    assert!(!ledger.is_empty());
    let sessions = read_csv(&dir.join("sessions.csv")).maps();
    let mine: Vec<_> = sessions
        .iter()
        .filter(|s| {
            s["patient_id"] == "P0001"
                && s["status"] == "completed"
                && s["date"].starts_with("2026-09")
        })
        .collect();
    let billed: BTreeSet<&str> = ledger.iter().map(|r| r["session_id"].as_str()).collect();
    assert_eq!(
        billed,
        mine.iter().map(|s| s["session_id"].as_str()).collect()
    );

    // Every rendering provider that saw the patient, by NPI.
    let providers = practice["providers"].as_array().unwrap();
    for s in &mine {
        let prov = providers
            .iter()
            .find(|v| v["id"].as_str() == Some(&s["provider_id"]))
            .unwrap();
        let npi = prov["npi"].as_str().unwrap();
        assert!(all.contains(npi), "rendering NPI {npi} missing");
        assert!(ledger.iter().any(|r| r["provider_npi"] == npi));
    }
    // Every diagnosis of those sessions, dotted.
    for s in &mine {
        for dx in s["diagnoses"].split(';') {
            assert!(dx.contains('.'), "sample codes are dotted: {dx}");
            assert!(
                all.lines().any(|l| l.trim() == dx),
                "diagnosis {dx} missing"
            );
        }
    }
    // Every service code billed, and the printed lines add up.
    for r in &ledger {
        assert!(
            all.lines().any(|l| l.trim() == r["code"]),
            "code {} missing",
            r["code"]
        );
    }
    let printed = printed_lines(&pages);
    assert_eq!(
        printed.len(),
        ledger.len(),
        "one printed row per service line"
    );
    for (units, fee, charge, _paid) in &printed {
        assert_eq!(units * fee, *charge, "units x fee = charge");
    }
    let printed_sum: i64 = printed.iter().map(|l| l.2).sum();
    let ledger_sum: i64 = ledger.iter().map(|r| cents(&r["charge"])).sum();
    assert_eq!(printed_sum, ledger_sum);
    let total = value_after(&all, "Total charged").expect("Total charged");
    assert_eq!(
        cents(&total),
        printed_sum,
        "total charged = sum of the line charges"
    );
    let paid = cents(&value_after(&all, "Total paid").unwrap());
    let balance = cents(&value_after(&all, "Balance due").unwrap());
    assert_eq!(balance, printed_sum - paid);
    assert_eq!(balance, 0, "P0001 paid every session");
    assert!(all.contains("PAID IN FULL"));

    // Pages and the notices.
    assert!(pages[0].contains("Page 1 of"));
    assert!(pages[n - 1].contains(&format!("Page {n} of {n}")));
    for page in &pages {
        assert!(page.contains("CPT is a registered trademark of the American Medical Association"));
    }
}

#[test]
fn balance_due_is_not_paid_in_full() {
    // P0007 underpays its last session by $100.00 (sample README).
    let pages = pdf_pages(&render_ok(&sample("cedar-ridge"), "P0007"));
    let all = pages.join("\n");
    assert_eq!(cents(&value_after(&all, "Balance due").unwrap()), 10_000); // $100.00
    let charged = cents(&value_after(&all, "Total charged").unwrap());
    let paid = cents(&value_after(&all, "Total paid").unwrap());
    assert_eq!(charged - paid, 10_000); // $100.00
    assert!(!all.contains("PAID IN FULL"));
}

#[test]
fn renders_are_byte_identical() {
    let dir = sample("cedar-ridge");
    let a = render_ok(&dir, "P0004");
    let b = render_ok(&dir, "P0004");
    assert!(a.starts_with(b"%PDF-"));
    assert!(a == b, "two renders of the same patient differ");
}

#[test]
fn patient_with_an_error_in_range_is_not_rendered() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p0011.pdf");
    let (code, stdout, stderr) = render(&sample("cedar-ridge-messy"), "P0011", &out, "2026-10-15");
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(!out.exists(), "a superbill was written despite errors");
    assert!(
        stderr.contains("sessions.csv:69") && stderr.contains("icd-header"),
        "{stderr}"
    );
    assert!(
        std::fs::read_dir(tmp.path()).unwrap().next().is_none(),
        "left a file behind"
    );
}

#[test]
fn unrelated_provider_error_does_not_block_render() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p0001.pdf");
    let (code, stdout, stderr) = render(&sample("cedar-ridge-messy"), "P0001", &out, "2026-10-15");
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(out.exists());
}

#[test]
fn unknown_patient_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x.pdf");
    let (code, _, stderr) = render(&sample("cedar-ridge"), "P9999", &out, AS_OF);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("P9999"), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn from_after_to_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x.pdf");
    let (code, _, stderr) = run(superbill()
        .arg("render")
        .arg("--practice")
        .arg(sample("cedar-ridge"))
        .args([
            "--patient",
            "P0001",
            "--from",
            "2026-09-30",
            "--to",
            "2026-09-01",
            "--as-of",
            AS_OF,
            "--out",
        ])
        .arg(&out));
    assert_eq!(code, 2, "{stderr}");
    assert!(!out.exists());
}

#[cfg(unix)]
#[test]
fn output_file_is_owner_only() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p.pdf");
    let (code, stdout, stderr) = render(&sample("cedar-ridge"), "P0002", &out, AS_OF);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(format!("{:o}", mode(&out)), "600");
}

#[test]
fn template_with_unknown_field_fails_naming_it() {
    let (tmp, dir) = sample_copy("cedar-ridge");
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::write(
        dir.join("templates/attestation.hbs"),
        "I certify the services of {{practice_name}} {{no_such_field}}.\n",
    )
    .unwrap();
    let out = tmp.path().join("p.pdf");
    let (code, stdout, stderr) = render(&dir, "P0001", &out, AS_OF);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("attestation.hbs"), "{stderr}");
    assert!(stderr.contains("no_such_field"), "{stderr}");
    assert!(!out.exists());
}

#[cfg(unix)]
#[test]
fn render_leaves_an_existing_folder_permissions_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let shared = shared_dir(tmp.path(), "shared");
    let out = shared.join("p.pdf");
    let (code, stdout, stderr) = render(&sample("cedar-ridge"), "P0001", &out, AS_OF);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(format!("{:o}", mode(&out)), "600");
    assert_eq!(
        format!("{:o}", mode(&shared)),
        "755",
        "render changed the permissions of the folder it wrote into"
    );
}
