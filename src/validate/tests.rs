//! Validation rules against small practice folders written per test.

use super::*;
use crate::practice;
use crate::testutil::{practice_dir, PRACTICE};

/// Validates a practice whose sessions.csv rows follow this header:
/// `session_id,patient_id,provider_id,date,service,procedures,diagnoses,minutes,dose_mg,place_of_service`.
fn findings_for(sessions: &[&str], practice: &str, as_of: &str) -> Findings {
    let dir = practice_dir(practice, sessions, &[]);
    findings_in(dir.path(), as_of)
}

/// Validates the practice folder `dir` as of `as_of`, all months.
fn findings_in(dir: &std::path::Path, as_of: &str) -> Findings {
    let mut f = Findings::default();
    let loaded = practice::load(dir, &mut f).unwrap();
    let opts = Options {
        as_of: NaiveDate::parse_from_str(as_of, "%Y-%m-%d").unwrap(),
        period: None,
        filing_warnings: true,
    };
    run(&loaded.inputs, &loaded.catalog, &loaded.icd, &opts, &mut f);
    f
}

fn codes(sessions: &[&str]) -> Vec<&'static str> {
    let f = findings_for(sessions, PRACTICE, "2026-10-05");
    f.items
        .iter()
        .filter(|x| x.severity == Severity::Error)
        .map(|x| x.code)
        .collect()
}

use crate::findings::Severity;

#[test]
fn clean_session_has_no_findings() {
    let f = findings_for(
        &["S1,P1,a,2026-09-14,ketamine-iv,,F33.2,45,50,"],
        PRACTICE,
        "2026-10-05",
    );
    assert!(f.items.is_empty(), "{:?}", f.items);
}

#[test]
fn addon_needs_its_primary_same_day_same_provider() {
    assert_eq!(
        codes(&["S1,P1,a,2026-09-14,,96366,F33.2,150,,"]),
        ["addon-without-primary"]
    );
    assert!(codes(&["S1,P1,a,2026-09-14,,96365;96366,F33.2,150,,"]).is_empty());
    // The primary in another session of the same day and provider counts...
    assert!(codes(&[
        "S1,P1,a,2026-09-14,,96365,F33.2,150,,",
        "S2,P1,a,2026-09-14,,96366,F33.2,150,,"
    ])
    .is_empty());
    // ...but not from another provider.
    assert_eq!(
        codes(&[
            "S1,P1,a,2026-09-14,,96365,F33.2,150,,",
            "S2,P1,b,2026-09-14,,96366,F33.2,150,,"
        ]),
        ["addon-without-primary"]
    );
    assert_eq!(
        codes(&["S1,P1,a,2026-09-14,,90833,F33.2,30,,"]),
        ["addon-without-primary"]
    );
    assert!(codes(&["S1,P1,a,2026-09-14,,99214;90833,F33.2,30,,"]).is_empty());
}

#[test]
fn exclusive_pairs() {
    for (procs, minutes) in [
        ("90791;90792", "45"),
        ("90792;99214", "45"),
        ("90834;90836", "45"),
        // One unit of either prolonged code beside 99215.
        ("99215;99417x1;G2212x1", "69"),
        ("96365;96374", "45"),
        ("96360;96365", "45"),
        ("90867;90868", ""),
    ] {
        let c = codes(&[&format!("S1,P1,a,2026-09-14,,{procs},F33.2,{minutes},,")]);
        assert!(c.contains(&"exclusive-codes"), "{procs}: {c:?}");
    }
    // "Any two of" a list is one finding per pair, not one per order.
    let c = codes(&["S1,P1,a,2026-09-14,,90867;90868;90869,F33.2,,,"]);
    assert_eq!(c, ["exclusive-codes"; 3], "{c:?}");
    // A second IV site lifts the two-initial-codes rule.
    let c = codes(&["S1,P1,a,2026-09-14,,96365;96374-XS,F33.2,45,,"]);
    assert!(!c.contains(&"exclusive-codes"), "{c:?}");
    // G-code Spravato with a separate esketamine drug code.
    let c = codes(&["S1,P1,a,2026-09-14,spravato,J0013x56,F33.2,,56,"]);
    assert!(c.contains(&"exclusive-codes"), "{c:?}");
}

#[test]
fn em_on_an_infusion_day_needs_modifier_25() {
    assert_eq!(
        codes(&["S1,P1,a,2026-09-14,,99214;96365,F33.2,45,,"]),
        ["missing-modifier"]
    );
    assert!(codes(&["S1,P1,a,2026-09-14,,99214-25;96365,F33.2,45,,"]).is_empty());
}

#[test]
fn facility_only_push_at_the_office() {
    let c = codes(&["S1,P1,a,2026-09-14,,96374;96376,F33.2,,,11"]);
    assert!(c.contains(&"pos-not-allowed"), "{c:?}");
}

#[test]
fn diagnoses() {
    assert_eq!(
        codes(&["S1,P1,a,2026-09-14,med-management,,F41.2,,,"]),
        ["icd-absent"]
    );
    assert_eq!(
        codes(&["S1,P1,a,2026-09-14,med-management,,F33,,,"]),
        ["icd-header"]
    );
    assert_eq!(
        codes(&["S1,P1,a,2026-09-14,med-management,,G90.51,,,"]),
        ["icd-header"]
    );
    assert!(codes(&["S1,P1,a,2026-09-14,med-management,,F332;F17210,,,"]).is_empty());
    for pair in ["F32.1;F33.1", "F31.81;F33.2", "G90.511;G56.41"] {
        assert_eq!(
            codes(&[&format!("S1,P1,a,2026-09-14,med-management,,{pair},,,")]),
            ["excludes1"],
            "{pair}"
        );
    }
    let thirteen =
        "F33.2;F41.1;F42.2;F43.10;F17.210;G89.4;R45.851;F41.0;F40.10;F50.00;F51.01;F63.81;F90.0";
    assert_eq!(
        codes(&[&format!("S1,P1,a,2026-09-14,med-management,,{thirteen},,,")]),
        ["too-many-diagnoses"]
    );
}

#[test]
fn dates_relative_to_as_of() {
    let f = findings_for(
        &["S1,P1,a,2026-06-01,med-management,,F33.2,,,"],
        PRACTICE,
        "2026-09-30",
    );
    assert_eq!(
        f.items
            .iter()
            .map(|x| (x.severity, x.code))
            .collect::<Vec<_>>(),
        [(Severity::Warning, "filing-late")]
    );
    let c: Vec<_> = findings_for(
        &["S1,P1,a,2025-09-01,med-management,,F33.2,,,"],
        PRACTICE,
        "2026-09-30",
    )
    .items
    .iter()
    .filter(|x| x.severity == Severity::Error)
    .map(|x| x.code)
    .collect();
    assert!(c.contains(&"filing-limit"), "{c:?}");
    assert_eq!(
        codes(&["S1,P1,a,2026-10-06,med-management,,F33.2,,,"]),
        ["date-in-future"]
    );
    assert_eq!(
        codes(&["S1,P1,a,1979-05-05,med-management,,F33.2,,,"])[0],
        "before-birth"
    );
}

#[test]
fn retired_and_unknown_codes() {
    assert_eq!(
        codes(&["S1,P1,a,2026-09-14,,99215;S0013x56,F33.2,,56,"]),
        ["code-not-effective"]
    );
    assert_eq!(
        codes(&["S1,P1,a,2026-09-14,,99999,F33.2,,,"]),
        ["unknown-code"]
    );
    assert_eq!(
        codes(&["S1,P1,c,2026-09-14,med-management,,F33.2,,,"]),
        ["unknown-provider"]
    );
    assert_eq!(
        codes(&["S1,P9,a,2026-09-14,med-management,,F33.2,,,"]),
        ["unknown-patient"]
    );
}

#[test]
fn practice_identifiers() {
    let bad = PRACTICE
        .replace("84-1234567", "07-1234567")
        .replace("\"1234567893\"", "\"1234567890\"")
        .replace("261QM0801X", "261QM0801");
    let f = findings_for(
        &["S1,P1,a,2026-09-14,med-management,,F33.2,,,"],
        &bad,
        "2026-10-05",
    );
    let c: Vec<_> = f
        .items
        .iter()
        .map(|x| (x.file.as_str(), x.field.as_str(), x.code))
        .collect();
    assert!(c.contains(&("practice.toml", "tax_id", "bad-ein")), "{c:?}");
    assert!(c.contains(&("practice.toml", "npi", "bad-npi")), "{c:?}");
    assert!(
        c.contains(&("practice.toml", "taxonomy", "bad-taxonomy")),
        "{c:?}"
    );
    // The provider's sessions are rejected too, pointing at practice.toml.
    assert!(
        c.contains(&("sessions.csv", "provider_id", "provider-invalid")),
        "{c:?}"
    );
}

#[test]
fn telehealth_without_95_is_a_warning() {
    let f = findings_for(
        &["S1,P1,a,2026-09-14,,99214,F33.2,,,10"],
        PRACTICE,
        "2026-10-05",
    );
    assert_eq!(
        f.items
            .iter()
            .map(|x| (x.severity, x.code))
            .collect::<Vec<_>>(),
        [(Severity::Warning, "telehealth-modifier")]
    );
}

#[test]
fn period_labels() {
    let p = Period::month("2026-09").unwrap();
    assert_eq!(
        (p.from.to_string(), p.to.to_string(), p.label()),
        ("2026-09-01".into(), "2026-09-30".into(), "202609".into())
    );
    assert_eq!(
        Period::month("2026-12").unwrap().to.to_string(),
        "2026-12-31"
    );
    assert!(Period::month("2026-13").is_err());
    assert!(Period::month("26-09").is_err());
    let odd = Period {
        from: p.from,
        to: NaiveDate::from_ymd_opt(2026, 9, 12).unwrap(),
    };
    assert_eq!(odd.label(), "20260901-20260912");
}

#[test]
fn a_superbill_takes_at_most_twelve_diagnoses_across_sessions() {
    let c = codes(&[
        "S1,P1,a,2026-09-14,med-management,,F33.2;F41.1;F42.2;F43.10;F17.210;G89.4;R45.851,,,",
        "S2,P1,a,2026-09-21,med-management,,F41.0;F40.10;F50.00;F51.01;F63.81;F90.0,,,",
    ]);
    assert_eq!(c, ["superbill-diagnoses"]);
    // The same codes over two months are two superbills: fine.
    let c = codes(&[
        "S1,P1,a,2026-08-14,med-management,,F33.2;F41.1;F42.2;F43.10;F17.210;G89.4;R45.851,,,",
        "S2,P1,a,2026-09-21,med-management,,F41.0;F40.10;F50.00;F51.01;F63.81;F90.0,,,",
    ]);
    assert!(c.is_empty(), "{c:?}");
}

#[test]
fn a_practice_release_covers_its_dates_of_service() {
    let dir = practice_dir(
        PRACTICE,
        &[
            "S1,P1,a,2026-10-05,med-management,,F33.2,,,",
            "S2,P1,a,2026-10-06,med-management,,F41.1,,,",
        ],
        &[],
    );
    let icd = dir.path().join("codes/icd10cm");
    std::fs::create_dir_all(&icd).unwrap();
    // A tiny stand-in for an imported FY2027 table.
    std::fs::write(
        icd.join("FY2027.tsv"),
        "# name: FY2027\n# valid_from: 2026-10-01\n# valid_to: 2027-09-30\n# source: test\n# count: 2\nF33\tH\tMajor depressive disorder, recurrent\nF332\tB\tMajor depressive disorder, recurrent severe without psychotic features\n",
    )
    .unwrap();
    let f = findings_in(dir.path(), "2026-10-20");
    let got: Vec<_> = f
        .items
        .iter()
        .map(|x| (x.record_id.as_str(), x.code))
        .collect();
    // No "no release" warning; F41.1 is judged by FY2027, which lacks it.
    assert_eq!(got, [("S2", "icd-absent")], "{:?}", f.items);
}

#[test]
fn excludes1_pairs_across_sessions_of_one_superbill() {
    let c = codes(&[
        "S1,P1,a,2026-09-14,med-management,,F33.1,,,",
        "S2,P1,a,2026-09-21,med-management,,F32.1;F41.1,,,",
    ]);
    assert_eq!(c, ["excludes1"]);
    // Different months are different superbills.
    let c = codes(&[
        "S1,P1,a,2026-08-14,med-management,,F33.1,,,",
        "S2,P1,a,2026-09-21,med-management,,F32.1;F41.1,,,",
    ]);
    assert!(c.is_empty(), "{c:?}");
}

#[test]
fn the_same_code_twice_on_a_day_is_an_error_unless_distinct() {
    assert_eq!(
        codes(&["S1,P1,a,2026-09-14,,99214;99214,F33.2,,,"]),
        ["duplicate-line"]
    );
    assert_eq!(
        codes(&[
            "S1,P1,a,2026-09-14,,99214,F33.2,,,",
            "S2,P1,a,2026-09-14,med-management,,F33.2,,,"
        ]),
        ["duplicate-line"]
    );
    assert!(codes(&["S1,P1,a,2026-09-14,,96372;96372-XS,F33.2,,,"]).is_empty());
    // Two providers, two visits: fine.
    assert!(codes(&[
        "S1,P1,a,2026-09-14,,99214,F33.2,,,",
        "S2,P1,b,2026-09-14,,99214,F33.2,,,"
    ])
    .is_empty());
}

#[test]
fn refunds_beyond_payments_are_flagged() {
    let dir = practice_dir(
        PRACTICE,
        &["S1,P1,a,2026-09-14,med-management,,F33.2,,,"],
        &[
            "PAY1,P1,,2026-09-14,100.00,card",
            "REF1,P1,,2026-09-20,-150.00,card",
        ],
    );
    let f = findings_in(dir.path(), "2026-10-05");
    let got: Vec<_> = f
        .items
        .iter()
        .map(|x| (x.record_id.as_str(), x.code))
        .collect();
    assert_eq!(got, [("REF1", "refund-exceeds-payments")]);
}

/// A payment id used again names the line of the payment before it with
/// that id; payments are checked in runs side by side, so this crosses a
/// run boundary too.
#[test]
fn a_payment_id_used_again_names_the_line_before() {
    let mut pays: Vec<String> = (0..20_000)
        .map(|i| format!("PAY{i},P1,,2026-09-14,1.00,card"))
        .collect();
    // Lines (after the header): PAY7 on 10, PAY19999 on 5 and 20,002,
    // PAY7 again on 20,003 and 20,004.
    pays.push("PAY7,P1,,2026-09-14,1.00,card".into());
    pays.insert(3, "PAY19999,P1,,2026-09-14,1.00,card".into());
    pays.push("PAY7,P1,,2026-09-14,1.00,card".into());
    let rows: Vec<&str> = pays.iter().map(String::as_str).collect();
    let dir = practice_dir(
        PRACTICE,
        &["S1,P1,a,2026-09-14,med-management,,F33.2,,,"],
        &rows,
    );
    let f = findings_in(dir.path(), "2026-10-05");
    let dups: Vec<(u64, &str, &str)> = f
        .items
        .iter()
        .filter(|x| x.code == "duplicate-id")
        .map(|x| (x.line, x.record_id.as_str(), x.message.as_str()))
        .collect();
    let line = |m: &str| {
        m.split("line ")
            .nth(1)
            .unwrap()
            .split(':')
            .next()
            .unwrap()
            .to_string()
    };
    let got: Vec<(u64, &str, String)> = dups.iter().map(|d| (d.0, d.1, line(d.2))).collect();
    assert_eq!(
        got,
        [
            (20_002, "PAY19999", "5".to_string()),
            (20_003, "PAY7", "10".to_string()),
            (20_004, "PAY7", "20003".to_string()),
        ]
    );
}

/// Errors of `sessions` in a practice folder that also holds `files`
/// (path relative to the folder, content).
fn codes_with(sessions: &[&str], practice: &str, files: &[(&str, &str)]) -> Vec<&'static str> {
    let dir = practice_dir(practice, sessions, &[]);
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    findings_in(dir.path(), "2026-10-05")
        .items
        .iter()
        .filter(|x| x.severity == Severity::Error)
        .map(|x| x.code)
        .collect()
}

#[test]
fn a_practice_rule_adds_to_the_built_in_ones_and_removal_is_explicit() {
    let own = "[exclusive.no-tms-on-infusion-days]\na = [\"90868\"]\nb = [\"96365\"]\nreason = \"our protocol\"\n";
    let files = [("codes/pairing.toml", own)];
    // The practice's rule applies...
    let c = codes_with(
        &["S1,P1,a,2026-09-14,,90868;96365,F33.2,45,,"],
        PRACTICE,
        &files,
    );
    assert_eq!(c, ["exclusive-codes"], "{c:?}");
    // ...and every built-in rule stays in force.
    let c = codes_with(&["S1,P1,a,2026-09-14,,96366,F33.2,150,,"], PRACTICE, &files);
    assert_eq!(c, ["addon-without-primary"], "{c:?}");
    let c = codes_with(
        &["S1,P1,a,2026-09-14,,90867;90868,F33.2,,,"],
        PRACTICE,
        &files,
    );
    assert_eq!(c, ["exclusive-codes"], "{c:?}");
    // Removing a built-in rule takes an explicit entry.
    let remove = "remove = [\"exclusive.one-tms-code-a-day\"]\n";
    let c = codes_with(
        &["S1,P1,a,2026-09-14,,90867;90868,F33.2,,,"],
        PRACTICE,
        &[("codes/pairing.toml", remove)],
    );
    assert!(c.is_empty(), "{c:?}");
}

#[test]
fn a_practice_can_change_a_time_rule_by_its_key() {
    // A payer that counts hydration from 16 minutes.
    let own = "[timed.hydration]\ninitial = \"96360\"\nadditional = \"96361\"\nmin_minutes = 16\nfirst_minutes = 60\neach_minutes = 60\nover_minutes = 30\nfinding = \"hydration-too-short\"\ntoo_short = \"{minutes} minutes\"\n";
    let row = ["S1,P1,a,2026-09-14,iv-hydration,,F33.2,20,,"];
    assert_eq!(codes(&row), ["hydration-too-short"]);
    assert!(codes_with(&row, PRACTICE, &[("codes/units.toml", own)]).is_empty());
    // The infusion rule is untouched.
    let c = codes_with(
        &["S1,P1,a,2026-09-14,ketamine-iv,,F33.2,12,40,"],
        PRACTICE,
        &[("codes/units.toml", own)],
    );
    assert_eq!(c, ["infusion-too-short"]);
}

#[test]
fn a_code_billed_once_a_day_is_not_offered_units() {
    let f = findings_for(
        &[
            "S1,P1,a,2026-09-14,tms,,F33.2,,,",
            "S2,P1,a,2026-09-14,tms,,F33.2,,,",
        ],
        PRACTICE,
        "2026-10-05",
    );
    let dup = f.items.iter().find(|x| x.code == "duplicate-line").unwrap();
    assert!(
        dup.message.contains("at most once a day"),
        "{}",
        dup.message
    );
    assert!(!dup.message.contains("90868x2"), "{}", dup.message);
    // A code billed by the unit still gets the units hint.
    let f = findings_for(
        &["S1,P1,a,2026-09-14,,96372;96372,F33.2,,,"],
        PRACTICE,
        "2026-10-05",
    );
    let dup = f.items.iter().find(|x| x.code == "duplicate-line").unwrap();
    assert!(dup.message.contains("96372x2"), "{}", dup.message);
}

#[test]
fn home_visits_belong_at_home() {
    assert!(codes(&["S1,P1,a,2026-09-14,home-visit,,F33.2,,,"]).is_empty());
    assert_eq!(
        codes(&["S1,P1,a,2026-09-14,home-visit,,F33.2,,,11"]),
        ["pos-not-allowed"]
    );
    assert_eq!(
        codes(&["S1,P1,a,2026-09-14,,99349,F33.2,,,11"]),
        ["pos-not-allowed"]
    );
}

#[test]
fn hydration_with_an_infusion_is_the_further_hour_not_a_second_start() {
    assert!(codes(&["S1,P1,a,2026-09-14,,96365;96361,F33.2,55,,"]).is_empty());
    assert!(codes(&["S1,P1,a,2026-09-14,iv-hydration,,F33.2,95,,"]).is_empty());
    assert_eq!(
        codes(&["S1,P1,a,2026-09-14,,99214;96360,F33.2,45,,"]),
        ["missing-modifier"]
    );
}

const TWO_OFFICES: &str = r#"
[[locations]]
id = "santa-monica"
name = "Westside Clinic Santa Monica"
place_of_service = "11"
[locations.address]
line1 = "1 Main St"
city = "Denver"
state = "CO"
zip = "80202"

[[locations]]
id = "houston"
name = "Westside Clinic Houston"
npi = "1234567890"
[locations.address]
line1 = "4400 Post Oak Pkwy"
city = "Houston"
state = "TX"
zip = "77027"
"#;

#[test]
fn sessions_name_known_locations() {
    let practice = format!("default_location = \"santa-monica\"\n{PRACTICE}{TWO_OFFICES}");
    let dir = practice_dir(
        &practice,
        &["S1,P1,a,2026-09-14,med-management,,F33.2,,,"],
        &[],
    );
    // A location column: one known, one unknown id.
    let p = dir.path().join("sessions.csv");
    std::fs::write(
        &p,
        "session_id,patient_id,provider_id,date,service,diagnoses,location\n\
         S1,P1,a,2026-09-14,med-management,F33.2,houston\n\
         S2,P1,a,2026-09-15,med-management,F33.2,dallas\n",
    )
    .unwrap();
    let f = findings_in(dir.path(), "2026-10-05");
    let got: Vec<_> = f
        .items
        .iter()
        .filter(|x| x.severity == Severity::Error)
        .map(|x| (x.record_id.as_str(), x.field.as_str(), x.code))
        .collect();
    // Houston's NPI fails its check digit; Dallas is not a location.
    assert_eq!(
        got,
        [
            ("houston", "npi", "bad-npi"),
            ("S2", "location", "unknown-location")
        ],
        "{:?}",
        f.items
    );
    let unknown = f
        .items
        .iter()
        .find(|x| x.code == "unknown-location")
        .unwrap();
    assert!(
        unknown.message.contains("santa-monica, houston"),
        "{}",
        unknown.message
    );
    // A default that is not a location.
    let bad = format!("default_location = \"austin\"\n{PRACTICE}{TWO_OFFICES}");
    let f = findings_for(
        &["S1,P1,a,2026-09-14,med-management,,F33.2,,,"],
        &bad,
        "2026-10-05",
    );
    assert!(f
        .items
        .iter()
        .any(|x| x.code == "unknown-location" && x.field == "default_location"));
}

#[test]
fn medicare_and_medicaid_patients_are_flagged_without_echoing_the_payer() {
    let dir = practice_dir(
        PRACTICE,
        &["S1,P1,a,2026-09-14,med-management,,F33.2,,,"],
        &[],
    );
    std::fs::write(
        dir.path().join("patients.csv"),
        "patient_id,first_name,last_name,dob,sex,address,city,state,zip,payer,member_id,payer_type\n\
         P1,Zed,Quill,1950-01-02,F,2 Elm St,Denver,CO,80202,Noridian Medicare Part B,1EG4TE5MK73,\n\
         P2,Ida,Rune,1990-03-04,M,3 Oak St,Denver,CO,80202,Acme Health Plan,C456,medicaid\n\
         P3,Al,Bo,1990-03-04,M,3 Oak St,Denver,CO,80202,Aetna,C457,\n\
         P4,Cy,Do,1990-03-04,M,3 Oak St,Denver,CO,80202,Aetna,C458,tricare\n",
    )
    .unwrap();
    let f = findings_in(dir.path(), "2026-10-05");
    let got: Vec<_> = f
        .items
        .iter()
        .filter(|x| x.file == "patients.csv")
        .map(|x| (x.record_id.as_str(), x.field.as_str(), x.code))
        .collect();
    assert_eq!(
        got,
        [
            ("P1", "payer", "public-payer"),
            ("P2", "payer_type", "public-payer"),
            ("P4", "payer_type", "bad-value"),
        ],
        "{:?}",
        f.items
    );
    for x in &f.items {
        assert!(
            !x.message.contains("Noridian")
                && !x.message.contains("Acme")
                && !x.message.contains("tricare"),
            "{}",
            x.message
        );
    }
    assert!(f.items[0].message.contains("Medicare"));
    assert!(!f.has_errors(), "{:?}", f.items);
}

fn signature_findings(
    practice: &str,
    sessions: &[&str],
) -> Vec<(Severity, String, u64, &'static str)> {
    let f = findings_for(sessions, practice, "2026-10-05");
    f.items
        .iter()
        .filter(|x| x.field == "signature")
        .map(|x| (x.severity, x.record_id.clone(), x.line, x.code))
        .collect()
}

#[test]
fn a_rendering_provider_without_a_signature_is_warned_about() {
    let no_b = PRACTICE.replace("signature = \"signatures/b.png\"\n", "");
    let b_line = no_b
        .lines()
        .position(|l| l == "id = \"b\"")
        .map(|i| i as u64 + 1)
        .unwrap();
    let rows = [
        "S1,P1,a,2026-09-14,ketamine-iv,,F33.2,45,50,",
        "S2,P2,b,2026-09-15,med-management,,F33.2,,,",
    ];
    assert_eq!(
        signature_findings(&no_b, &rows),
        [(
            Severity::Warning,
            "b".into(),
            b_line,
            "provider-no-signature"
        )]
    );
    // Only providers who render sessions.
    assert!(signature_findings(&no_b, &rows[..1]).is_empty());
    // With their signature, nothing.
    assert!(signature_findings(PRACTICE, &rows).is_empty());
}

#[test]
fn the_billing_provider_attestation_needs_the_practice_signature() {
    let billing = PRACTICE.replace(
        "time_zone = \"America/Denver\"\n",
        "time_zone = \"America/Denver\"\nattestation = \"billing-provider\"\n",
    );
    let rows = ["S1,P1,a,2026-09-14,ketamine-iv,,F33.2,45,50,"];
    let found = signature_findings(&billing, &rows);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "practice");
    assert_eq!(found[0].3, "provider-no-signature");
    let signed = billing.replace(
        "attestation = \"billing-provider\"\n",
        "attestation = \"billing-provider\"\nsignature = \"signatures/a.png\"\n",
    );
    assert!(signature_findings(&signed, &rows).is_empty());
}

#[test]
fn a_practice_signature_serves_a_practice_of_one_provider_only() {
    let only_a = PRACTICE
        .replace("signature = \"signatures/a.png\"\n", "")
        .replace("signature = \"signatures/b.png\"\n", "");
    let one = only_a[..only_a.rfind("[[providers]]").unwrap()].replace(
        "time_zone = \"America/Denver\"\n",
        "time_zone = \"America/Denver\"\nsignature = \"signatures/a.png\"\n",
    );
    let rows = ["S1,P1,a,2026-09-14,ketamine-iv,,F33.2,45,50,"];
    assert!(signature_findings(&one, &rows).is_empty());
    let p: crate::input::Practice = toml::from_str(&one).unwrap();
    assert_eq!(
        p.attestation_mode(),
        crate::input::Attestation::EachProvider
    );
    assert!(p.signature_of("a").is_some());
    // With two providers and no signature of their own, the practice's
    // signature is the billing provider's.
    let two = only_a.replace(
        "time_zone = \"America/Denver\"\n",
        "time_zone = \"America/Denver\"\nsignature = \"signatures/a.png\"\n",
    );
    let p: crate::input::Practice = toml::from_str(&two).unwrap();
    assert_eq!(
        p.attestation_mode(),
        crate::input::Attestation::BillingProvider
    );
    assert!(p.signature_of("a").is_none());
    assert!(signature_findings(&two, &rows).is_empty());
}

#[test]
fn a_missing_provider_signature_file_stops_the_batch_at_its_line() {
    let dir = practice_dir(PRACTICE, &[], &[]);
    std::fs::remove_file(dir.path().join("signatures/b.png")).unwrap();
    let mut f = Findings::default();
    let loaded = practice::load(dir.path(), &mut f).unwrap();
    crate::preflight::run(&loaded.inputs, &loaded.catalog, &loaded.icd, None, &mut f);
    let line = PRACTICE
        .lines()
        .position(|l| l == "signature = \"signatures/b.png\"")
        .map(|i| i as u64 + 1)
        .unwrap();
    let hit: Vec<_> = f
        .items
        .iter()
        .filter(|x| x.code == "file-missing")
        .collect();
    assert_eq!(hit.len(), 1, "{:?}", f.items);
    assert_eq!((hit[0].line, hit[0].field.as_str()), (line, "signature"));
    assert!(hit[0].message.contains("provider 'b'"));
    assert!(crate::preflight::is_configuration(hit[0]));
}

#[test]
fn subscriber_dob_is_read_as_a_date_and_checked() {
    let dir = practice_dir(PRACTICE, &[], &[]);
    let patients = "patient_id,first_name,last_name,dob,sex,address,city,state,zip,payer,member_id,subscriber_name,subscriber_relationship,subscriber_dob\n\
P1,Zed,Quill,1980-01-02,F,2 Elm St,Denver,CO,80202,Aetna,W123,Ann Quill,spouse,3/4/1979\n\
P2,Ida,Rune,1990-03-04,M,3 Oak St,Denver,CO,80202,Cigna,C456,Bo Rune,spouse,1979-14-40\n\
P3,Al,Tor,1990-03-04,M,3 Oak St,Denver,CO,80202,Cigna,C457,Cy Tor,spouse,2030-01-01\n";
    std::fs::write(dir.path().join("patients.csv"), patients).unwrap();
    let f = findings_in(dir.path(), "2026-10-05");
    let mut f2 = Findings::default();
    let loaded = practice::load(dir.path(), &mut f2).unwrap();
    let p1 = loaded
        .inputs
        .patients
        .iter()
        .find(|p| p.patient_id == "P1")
        .unwrap();
    assert_eq!(p1.subscriber_dob, NaiveDate::from_ymd_opt(1979, 3, 4));
    let on = |id: &str| -> Vec<(&str, &str)> {
        f.items
            .iter()
            .filter(|x| x.record_id == id && x.field == "subscriber_dob")
            .map(|x| (x.code, x.message.as_str()))
            .collect()
    };
    assert!(on("P1").is_empty());
    let p2 = on("P2");
    assert_eq!(p2.len(), 1);
    assert_eq!(p2[0].0, "bad-date");
    assert!(
        !p2[0].1.contains("1979-14-40"),
        "a date of birth is never quoted"
    );
    assert_eq!(on("P3")[0].0, "date-in-future");
}
