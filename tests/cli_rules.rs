//! Drug quantities, service facilities and payer-aware notes from the
//! outside: the sample clinic (and copies of it with one change) through
//! `render`, `batch` and `validate`, the PDFs read back as text.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const AS_OF: &str = "2026-10-05";

/// `superbill render` of one patient's September; the PDF's page texts.
fn render_pages(practice: &Path, patient: &str) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join(format!("{patient}.pdf"));
    let (code, stdout, stderr) = run(on_practice("render", practice)
        .args([
            "--patient",
            patient,
            "--from",
            "2026-09-01",
            "--to",
            "2026-09-30",
            "--as-of",
            AS_OF,
            "--out",
        ])
        .arg(&out));
    assert_eq!(code, 0, "{stdout}{stderr}");
    pdf_pages(&std::fs::read(&out).unwrap())
}

/// A batch of September into a temp folder: (its folder, the ledger).
fn batch(practice: &Path) -> (tempfile::TempDir, PathBuf, Vec<BTreeMap<String, String>>) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let (code, stdout, stderr) = run(on_practice("batch", practice)
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
    let ledger = read_csv(&out.join("ledger.csv")).maps();
    (tmp, out, ledger)
}

/// The sample's hydration patient (P0017) has `96360;96375;J7030;J2405x8`
/// and `96360;J7050x2` sessions: the NDC quantity follows the billed units.
#[test]
fn drug_quantities_follow_the_billed_units_on_the_pdf_and_in_the_ledger() {
    let dir = sample("cedar-ridge");
    let sessions = read_csv(&dir.join("sessions.csv")).maps();
    assert!(sessions
        .iter()
        .any(|s| s["patient_id"] == "P0017" && s["procedures"].contains("J2405x8")));
    let text = render_pages(&dir, "P0017").join("\n");
    assert!(text.contains("N400409475503 ML4"), "{text}");
    assert!(!text.contains("N400409475503 ML2"), "{text}");
    assert!(text.contains("N400338004902 ML500"), "{text}");
    assert!(text.contains("N400338004904 ML1000"), "{text}");
    let (_tmp, _out, ledger) = batch(&dir);
    let row = |code: &str| {
        ledger
            .iter()
            .find(|r| r["patient_id"] == "P0017" && r["code"] == code)
            .unwrap_or_else(|| panic!("no {code} line"))
            .clone()
    };
    let j2405 = row("J2405");
    assert_eq!(
        (
            j2405["units"].as_str(),
            j2405["ndc"].as_str(),
            j2405["ndc_unit"].as_str(),
            j2405["ndc_quantity"].as_str(),
            j2405["charge"].as_str()
        ),
        ("8", "00409475503", "ML", "4", "36.00")
    );
    let j7050 = row("J7050");
    assert_eq!(
        (j7050["units"].as_str(), j7050["ndc_quantity"].as_str()),
        ("2", "500")
    );
    // A line without a drug has empty NDC cells.
    assert_eq!(row("96360")["ndc"], "");
}

#[test]
fn hydration_and_tms_lines_reach_the_ledger_with_their_rules() {
    let (_tmp, _out, ledger) = batch(&sample("cedar-ridge"));
    let codes = |patient: &str| -> Vec<String> {
        ledger
            .iter()
            .filter(|r| r["patient_id"] == patient)
            .map(|r| format!("{}x{}", r["code"], r["units"]))
            .collect()
    };
    // 100 minutes of lactated Ringer's: 96360 + one further hour.
    let hydration = codes("P0017");
    for want in ["96360x1", "96361x1", "J7120x1", "96375x1", "J7030x1"] {
        assert!(
            hydration.contains(&want.to_string()),
            "{want} in {hydration:?}"
        );
    }
    // TMS: mapping once, one threshold re-determination, sessions between.
    let tms = codes("P0018");
    assert_eq!(tms.iter().filter(|c| *c == "90867x1").count(), 1, "{tms:?}");
    assert_eq!(tms.iter().filter(|c| *c == "90869x1").count(), 1, "{tms:?}");
    assert!(
        tms.iter().filter(|c| *c == "90868x1").count() >= 10,
        "{tms:?}"
    );
    // Home visits at place of service 12.
    let home: Vec<&BTreeMap<String, String>> = ledger
        .iter()
        .filter(|r| r["patient_id"] == "P0019" && r["code"].starts_with("993"))
        .collect();
    assert!(home.len() >= 2, "{home:?}");
    assert!(
        home.iter()
            .all(|r| r["place_of_service"].starts_with("12 ")),
        "{home:?}"
    );
}

/// Adds a Houston office to a copy of the sample and moves one of P0001's
/// sessions there.
fn with_houston() -> (tempfile::TempDir, PathBuf, String) {
    let (tmp, dir) = sample_copy("cedar-ridge");
    let toml = std::fs::read_to_string(dir.join("practice.toml")).unwrap();
    let houston = "\n[[locations]]\nid = \"houston\"\nname = \"Cedar Ridge Houston Infusion Center\"\nnpi = \"1765432103\"\nplace_of_service = \"11\"\n\n[locations.address]\nline1 = \"4400 Post Oak Pkwy\"\nline2 = \"Suite 900\"\ncity = \"Houston\"\nstate = \"TX\"\nzip = \"77027\"\n";
    // Before the accounts tables, so [[locations]] stays a top-level array.
    let at = toml.find("\n[accounts]").unwrap();
    let toml = format!("{}{houston}{}", &toml[..at], &toml[at..]);
    std::fs::write(dir.join("practice.toml"), toml).unwrap();
    let mut moved = String::new();
    rewrite_csv(&dir.join("sessions.csv"), |header, rows| {
        let pid = header.iter().position(|h| h == "patient_id").unwrap();
        let svc = header.iter().position(|h| h == "service").unwrap();
        let loc = header.iter().position(|h| h == "location").unwrap();
        let sid = header.iter().position(|h| h == "session_id").unwrap();
        let r = rows
            .iter_mut()
            .find(|r| r[pid] == "P0001" && r[svc] == "ketamine-iv")
            .unwrap();
        r[loc] = "houston".into();
        moved = r[sid].clone();
    });
    (tmp, dir, moved)
}

#[test]
fn a_houston_session_shows_the_houston_facility_on_its_line() {
    let (_tmp, dir, moved) = with_houston();
    let text = render_pages(&dir, "P0001").join(" ");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // The billing address stays Denver; the Houston line says where it was.
    assert!(text.contains("2750 Larkspur Ridge Pkwy"), "{text}");
    assert!(
        text.contains("At Cedar Ridge Houston Infusion Center, 4400 Post Oak Pkwy, Suite 900, Houston, TX 77027 (NPI 1765432103)"),
        "{text}"
    );
    assert!(text.contains("At the billing address"), "{text}");
    assert!(text.contains("shown on each service line"), "{text}");
    // Exactly the moved session's lines carry Houston.
    let (_t, out, ledger) = batch(&dir);
    assert!(ledger.iter().any(|r| r["session_id"] == moved));
    let pdf = std::fs::read(out.join("superbills/SB-202609-P0001.pdf")).unwrap();
    let pages = pdf_pages(&pdf).join(" ");
    let pages = pages.split_whitespace().collect::<Vec<_>>().join(" ");
    let houston_lines = pages
        .matches("At Cedar Ridge Houston Infusion Center")
        .count();
    let moved_lines = ledger.iter().filter(|r| r["session_id"] == moved).count();
    assert_eq!(houston_lines, moved_lines, "{pages}");
    // An unknown location is an error naming the known ones.
    rewrite_csv(&dir.join("sessions.csv"), |header, rows| {
        let loc = header.iter().position(|h| h == "location").unwrap();
        rows[0][loc] = "dallas".into();
    });
    let (code, stdout, _) = run(on_practice("validate", &dir).args(["--as-of", AS_OF, "--json"]));
    assert_eq!(code, 1, "{stdout}");
    let j: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let f = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "unknown-location")
        .expect("unknown-location");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("denver, boulder, houston"),
        "{f}"
    );
}

/// The sample's TMS patient is treated at the Boulder office only: one
/// facility block, not a note on every line.
#[test]
fn a_superbill_whose_lines_share_a_facility_shows_one_facility_block() {
    let text = render_pages(&sample("cedar-ridge"), "P0018").join("\n");
    assert_eq!(
        value_after(&text, "Service facility").as_deref(),
        Some("Cedar Ridge Ketamine & Wellness, Boulder"),
        "{text}"
    );
    assert!(text.contains("1830 Folsom St"), "{text}");
    assert_eq!(
        value_after(&text, "Facility NPI").as_deref(),
        Some("1287654325")
    );
    assert!(!text.contains("At the billing address"), "{text}");
    // A patient seen only at the billing address shows no facility.
    let text = render_pages(&sample("cedar-ridge"), "P0001").join("\n");
    assert!(!text.contains("Service facility"), "{text}");
}

#[test]
fn medicare_and_medicaid_patients_get_their_own_note() {
    let dir = sample("cedar-ridge");
    let patients = read_csv(&dir.join("patients.csv")).maps();
    let payer =
        |id: &str| patients.iter().find(|p| p["patient_id"] == id).unwrap()["payer"].clone();
    assert_eq!(payer("P0003"), "Medicare");
    let medicare = render_pages(&dir, "P0003").join(" ");
    let flat = medicare.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Medicare does not take this statement as a claim from you"),
        "{flat}"
    );
    assert!(flat.contains("CMS-1490S"), "{flat}");
    assert!(
        flat.contains("opted out of Medicare, Medicare pays nothing"),
        "{flat}"
    );
    assert!(!flat.contains("out-of-network claim form"), "{flat}");
    // A commercial plan's member gets the filing advice.
    let commercial = render_pages(&dir, "P0001").join(" ");
    let flat = commercial.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("out-of-network claim form"), "{flat}");
    assert!(!flat.contains("CMS-1490S"), "{flat}");
    // A Medicaid member, by the payer_type column.
    let (_tmp, copy) = sample_copy("cedar-ridge");
    rewrite_csv(&copy.join("patients.csv"), |header, rows| {
        header.push("payer_type".into());
        for r in rows.iter_mut() {
            let t = if r[0] == "P0001" { "medicaid" } else { "" };
            r.push(t.into());
        }
    });
    let flat = render_pages(&copy, "P0001")
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains("Medicaid generally does not allow providers to bill its members privately"),
        "{flat}"
    );
    // Validation warns about both, naming the type and not the payer cell.
    let (code, stdout, _) =
        run(on_practice("validate", &copy)
            .args(["--period", "2026-09", "--as-of", AS_OF, "--json"]));
    assert_eq!(code, 0, "{stdout}");
    let j: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let public: Vec<(&str, &str)> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "public-payer")
        .map(|f| {
            (
                f["record_id"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(public.contains(&("P0001", "warning")), "{public:?}");
    assert!(public.contains(&("P0003", "warning")), "{public:?}");
}

#[test]
fn a_practice_name_ending_in_a_period_is_not_given_a_second_one() {
    let (_tmp, dir) = sample_copy("cedar-ridge");
    let toml = std::fs::read_to_string(dir.join("practice.toml")).unwrap();
    let toml = toml.replace(
        "legal_name = \"Cedar Ridge Ketamine & Wellness, LLC\"",
        "legal_name = \"Cedar Ridge Ketamine & Wellness, Inc.\"",
    );
    std::fs::write(dir.join("practice.toml"), toml).unwrap();
    let text = render_pages(&dir, "P0007").join(" ");
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("Wellness, Inc."), "{flat}");
    assert!(!flat.contains("Inc.."), "{flat}");
}

/// A long legal name ending in "Inc." wraps in every block that shows it
/// (none cut short) and never gets a second period.
#[test]
fn a_long_legal_name_wraps_whole_and_keeps_one_period() {
    let (_tmp, dir) = sample_copy("cedar-ridge");
    let long = "Cedar Ridge Ketamine Infusion and Integrative Psychiatry Associates of the Front Range, Inc.";
    let toml = std::fs::read_to_string(dir.join("practice.toml")).unwrap();
    let toml = toml.replace(
        "legal_name = \"Cedar Ridge Ketamine & Wellness, LLC\"",
        &format!("legal_name = \"{long}\""),
    );
    assert!(toml.contains(long));
    std::fs::write(dir.join("practice.toml"), toml).unwrap();
    let pages = render_pages(&dir, "P0001");
    let text = pages.join("\n");
    // A block that cut the name short would print its start ("Integrative")
    // without its end ("Inc."): both as often, and at least twice (the
    // header and the billing provider block).
    let words: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let starts = words.matches("Integrative").count();
    assert!(starts >= 2, "{words}");
    assert_eq!(
        words.matches("Inc.").count(),
        starts,
        "a block cuts the name short: {words}"
    );
    assert!(!words.contains("Inc.."), "a second period: {words}");
}
