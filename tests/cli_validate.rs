//! `superbill validate` and `superbill codes` from the outside: exit codes,
//! the `--report` CSV against the defect table of
//! `samples/cedar-ridge-messy/README.md`, and privacy of the messages.

mod common;

use common::*;
use std::path::Path;

const AS_OF: &str = "2026-10-15";

/// One row of the `--report` CSV.
#[derive(Debug)]
struct F {
    sev: String,
    file: String,
    line: u64,
    id: String,
    field: String,
    code: String,
    msg: String,
}

impl F {
    fn at(&self, file: &str, line: u64) -> bool {
        self.file == file && self.line == line
    }
}

const HEADER: [&str; 7] = [
    "severity",
    "file",
    "line",
    "record_id",
    "field",
    "code",
    "message",
];

/// Runs validate on `practice` with `--report`; returns (exit, stdout, findings).
fn validate(practice: &Path, extra: &[&str]) -> (i32, String, Vec<F>) {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("report.csv");
    let mut cmd = on_practice("validate", practice);
    cmd.args(["--as-of", AS_OF, "--report"])
        .arg(&report)
        .args(extra);
    let (code, out, err) = run(&mut cmd);
    assert_ne!(code, 2, "validate refused to run: {err}");
    let t = read_csv(&report);
    assert_eq!(t.header, HEADER);
    let findings = t.rows.into_iter().map(|r| {
        let mut r = r.into_iter();
        let mut next = || r.next().unwrap();
        F {
            sev: next(),
            file: next(),
            line: next().parse().unwrap(),
            id: next(),
            field: next(),
            code: next(),
            msg: next(),
        }
    });
    (code, out, findings.collect())
}

fn find<'a>(v: &'a [F], file: &str, line: u64, id: &str, code: &str) -> Option<&'a F> {
    v.iter()
        .find(|f| f.at(file, line) && f.id == id && f.code == code)
}

fn error_at(v: &[F], file: &str, line: u64) -> bool {
    v.iter().any(|f| f.sev == "error" && f.at(file, line))
}

#[test]
fn clean_sample_has_no_errors() {
    let (code, out, findings) = validate(&sample("cedar-ridge"), &["--period", "2026-09"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("OK: no errors"), "{out}");
    assert!(
        out.contains("Checked 45 patients, 281 sessions, 275 payments"),
        "{out}"
    );
    assert!(findings.iter().all(|f| f.sev != "error"), "{findings:?}");
}

/// The defects of the messy README's table, as (file, line, record, code).
#[rustfmt::skip]
const MESSY_DEFECTS: &[(&str, u64, &str, &str)] = &[
    ("sessions.csv", 69, "S000068", "icd-header"),    ("sessions.csv", 75, "S000074", "icd-absent"),
    ("sessions.csv", 81, "S000080", "bad-date"),      ("sessions.csv", 116, "S000115", "icd-header"),
    ("sessions.csv", 136, "S000135", "too-many-diagnoses"),
    ("sessions.csv", 149, "S000147", "duplicate-id"), ("sessions.csv", 160, "S000158", "excludes1"),
    ("sessions.csv", 178, "S000176", "infusion-too-short"),
    ("sessions.csv", 191, "S000189", "unknown-provider"),
    ("sessions.csv", 207, "S000205", "unknown-code"), ("sessions.csv", 223, "S000221", "date-in-future"),
    ("sessions.csv", 229, "S000227", "psychotherapy-too-short"),
    ("sessions.csv", 240, "S000238", "wrong-code"),
    ("sessions.csv", 246, "S000244", "addon-without-primary"),
    ("sessions.csv", 255, "S000253", "code-not-effective"),
    ("sessions.csv", 265, "S000263", "missing-modifier"),
    ("sessions.csv", 274, "S000300", "unknown-patient"),
    ("sessions.csv", 194, "S000192", "before-birth"), ("sessions.csv", 195, "S000193", "before-birth"),
    ("payments.csv", 267, "PMT000300", "unknown-session"),
    ("payments.csv", 268, "PMT000301", "bad-amount"), ("patients.csv", 21, "P0020", "missing-value"),
];

#[test]
fn messy_sample_report_lists_every_defect() {
    let (code, out, v) = validate(&sample("cedar-ridge-messy"), &[]);
    assert_eq!(code, 1, "{out}");
    for &(file, line, id, code) in MESSY_DEFECTS {
        let f = find(&v, file, line, id, code)
            .unwrap_or_else(|| panic!("no {code} at {file}:{line} [{id}]\n{out}"));
        assert_eq!(f.sev, "error", "{f:?}");
    }
    // The wording the README promises.
    let msg = |file, line, id, code| &find(&v, file, line, id, code).unwrap().msg;
    assert!(msg("sessions.csv", 69, "S000068", "icd-header").contains("F33.2"));
    let absent = msg("sessions.csv", 75, "S000074", "icd-absent");
    assert!(
        absent.contains("F41.2") && absent.contains("F41.1"),
        "{absent}"
    );
    assert!(msg("sessions.csv", 207, "S000205", "unknown-code").contains("99999"));
    assert!(msg("sessions.csv", 240, "S000238", "wrong-code").contains("J3490"));
    assert!(msg("sessions.csv", 255, "S000253", "code-not-effective").contains("J0013"));
    assert!(msg("sessions.csv", 149, "S000147", "duplicate-id").contains("line 148"));
    assert_eq!(
        find(&v, "sessions.csv", 69, "S000068", "icd-header")
            .unwrap()
            .field,
        "diagnoses"
    );
    // whitford's NPI (its line number is checked in its own test below).
    let npi = v
        .iter()
        .find(|f| f.file == "practice.toml" && f.id == "whitford" && f.code == "bad-npi");
    assert!(
        npi.is_some_and(|f| f.sev == "error" && f.field == "npi"),
        "{v:?}"
    );
    // P0020's missing member_id rejects the patient's sessions and payments.
    for line in 118..=122 {
        assert!(
            error_at(&v, "sessions.csv", line),
            "P0020's session on line {line} not rejected"
        );
    }
    for line in 109..=113 {
        assert!(
            error_at(&v, "payments.csv", line),
            "P0020's payment on line {line} not rejected"
        );
    }
}

#[test]
fn bad_provider_npi_points_at_its_npi_line() {
    let (_, _, v) = validate(&sample("cedar-ridge-messy"), &[]);
    assert!(
        find(&v, "practice.toml", 51, "whitford", "bad-npi").is_some(),
        "{v:?}"
    );
}

#[test]
fn accepted_odd_formats_produce_no_errors() {
    let (_, out, v) = validate(&sample("cedar-ridge-messy"), &[]);
    // BOM + CRLF: the header and first row read fine, every row is counted.
    assert!(
        !error_at(&v, "sessions.csv", 1) && !error_at(&v, "sessions.csv", 2),
        "{out}"
    );
    assert!(out.contains("273 sessions, 267 payments"), "{out}");
    // US dates (line 121 is P0020's, rejected for its patient only).
    for line in [11, 51, 202, 262] {
        assert!(
            !error_at(&v, "sessions.csv", line),
            "US date on line {line}: {out}"
        );
    }
    let date_codes = ["bad-date", "date-in-future", "before-birth"];
    assert!(!v
        .iter()
        .any(|f| f.at("sessions.csv", 121) && date_codes.contains(&f.code.as_str())));
    // Money with `$` and thousands separators.
    for line in [18, 24, 25, 53] {
        assert!(
            !error_at(&v, "payments.csv", line),
            "money on payments.csv line {line}: {out}"
        );
    }
    // The formula-looking address is the patient's data, not an error.
    assert!(!error_at(&v, "patients.csv", 36), "{out}");
    // The extra `notes` column is a warning.
    let notes =
        find(&v, "sessions.csv", 1, "", "csv-unknown-column").expect("notes column warning");
    assert_eq!(notes.sev, "warning");
}

#[test]
fn finding_messages_never_show_patient_names_or_birth_dates() {
    let dir = sample("cedar-ridge-messy");
    let (_, out, v) = validate(&dir, &["--verbose"]);
    let mut needles = Vec::new();
    for p in read_csv(&dir.join("patients.csv")).maps() {
        needles.extend([p["first_name"].clone(), p["last_name"].clone()]);
        if !p["dob"].is_empty() {
            needles.extend([us_date(&p["dob"]), p["dob"].clone()]);
        }
    }
    needles.retain(|n| n.len() >= 2);
    assert!(needles.len() > 100);
    for f in &v {
        for n in &needles {
            assert!(
                !contains_word(&f.msg, n),
                "finding message shows {n:?}: {}",
                f.msg
            );
        }
    }
    // The printed summary (every finding, with -v) too.
    for n in &needles {
        assert!(!contains_word(&out, n), "validate output shows {n:?}");
    }
}

#[test]
fn unusable_arguments_and_configuration_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-practice");
    let (code, _, err) = run(on_practice("validate", &missing).args(["--as-of", AS_OF]));
    assert_eq!(code, 2, "missing folder: {err}");
    assert!(err.contains("does not exist"), "{err}");

    let clean = sample("cedar-ridge");
    let (code, _, err) =
        run(on_practice("validate", &clean).args(["--period", "2026-13", "--as-of", AS_OF]));
    assert_eq!(code, 2, "bad period: {err}");
    assert!(err.contains("2026-13"), "{err}");

    let (_t, dir) = sample_copy("cedar-ridge");
    let toml = dir.join("practice.toml");
    let text = std::fs::read_to_string(&toml).unwrap() + "\n[broken\nname = \"x\n";
    std::fs::write(&toml, text).unwrap();
    let (code, out, err) = run(on_practice("validate", &dir).args(["--as-of", AS_OF]));
    assert_eq!(code, 2, "TOML syntax error: {out}{err}");
    assert!(err.contains("practice.toml"), "{err}");
}

#[test]
fn period_limits_session_findings_to_that_month() {
    let dir = sample("cedar-ridge-messy");
    let (_, _, all) = validate(&dir, &[]);
    let (code, _, sept) = validate(&dir, &["--period", "2026-09"]);
    assert_eq!(code, 1);
    // The December session is outside September: no finding for it.
    assert!(find(&all, "sessions.csv", 223, "S000221", "date-in-future").is_some());
    assert!(!sept.iter().any(|f| f.at("sessions.csv", 223)), "{sept:?}");
    assert!(find(&sept, "sessions.csv", 69, "S000068", "icd-header").is_some());
    // October holds no sessions: none of September's session checks fire.
    let (_, out, oct) = validate(&dir, &["--period", "2026-10"]);
    assert!(
        out.contains("sessions dated 2026-10-01 to 2026-10-31"),
        "{out}"
    );
    let session_checks: Vec<&str> = MESSY_DEFECTS
        .iter()
        .filter(|d| d.3 != "bad-date" && d.3 != "duplicate-id")
        .map(|d| d.3)
        .collect();
    for f in &oct {
        assert!(
            !(f.file == "sessions.csv" && session_checks.contains(&f.code.as_str())),
            "{f:?} outside --period"
        );
    }
    assert!(oct.len() < sept.len() && sept.len() < all.len());
}

#[test]
fn sessions_without_diagnoses_column_are_rejected() {
    let (_t, dir) = sample_copy("cedar-ridge");
    let mut rows_in = 0;
    rewrite_csv(&dir.join("sessions.csv"), |header, rows| {
        let i = header.iter().position(|h| h == "diagnoses").unwrap();
        header.remove(i);
        rows.iter_mut().for_each(|r| drop(r.remove(i)));
        rows_in = rows.len();
    });
    let (code, out, v) = validate(&dir, &[]);
    assert_eq!(code, 1, "{out}");
    let missing: Vec<&F> = v
        .iter()
        .filter(|f| f.code == "csv-missing-column")
        .collect();
    assert!(
        missing
            .iter()
            .any(|f| f.at("sessions.csv", 1) && f.field == "diagnoses"),
        "{missing:?}"
    );
    assert!(missing.iter().all(|f| f.sev == "error"));
    // One root cause, not one finding per row that depends on it (and
    // none for the payments that name those sessions).
    assert_eq!(v.iter().filter(|f| f.sev == "error").count(), 1, "{v:?}");
    assert!(rows_in > 0);
    assert!(out.contains(&format!("{rows_in} sessions")), "{out}");
}

fn codes(args: &[&str]) -> String {
    let (code, out, err) = run(superbill().arg("codes").args(args));
    assert_eq!(code, 0, "codes {args:?}: {err}");
    out
}

#[test]
fn codes_lookup_and_search() {
    let f33 = codes(&["lookup", "F33", "--date", "2026-09-15"]);
    assert!(f33.contains("header, not billable"), "{f33}");
    let child = f33
        .lines()
        .find(|l| l.trim_start().starts_with("F33.2"))
        .unwrap_or_else(|| panic!("{f33}"));
    assert!(
        child.contains("recurrent severe without psychotic features"),
        "{f33}"
    );
    for c in ["F33.0", "F33.1", "F33.9"] {
        assert!(f33.contains(c), "{c} missing: {f33}");
    }
    for spelling in ["F33.2", "f332"] {
        let out = codes(&["lookup", spelling, "--date", "2026-09-15"]);
        assert!(out.contains("F33.2") && out.contains("— billable"), "{out}");
        assert!(!out.contains("not billable"), "{out}");
    }
    let found = codes(&["search", "major", "depressive", "recurrent"]);
    let hits: Vec<&str> = found.lines().filter(|l| l.starts_with("F33")).collect();
    assert!(
        hits.iter()
            .any(|l| l.starts_with("F33.2") && l.contains("billable")),
        "{found}"
    );
    assert!(hits.len() >= 5, "{found}");
    assert!(
        !found.lines().any(|l| l.starts_with("F32")),
        "single episode matched 'recurrent': {found}"
    );

    let add_on = codes(&["lookup", "96366"]);
    assert!(
        add_on.contains("96366") && add_on.contains("CPT"),
        "{add_on}"
    );
    assert!(
        add_on.contains("IV infusion, each additional hour"),
        "{add_on}"
    );
}

#[cfg(unix)]
#[test]
fn report_leaves_an_existing_folder_permissions_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let shared = shared_dir(tmp.path(), "shared");
    let mut cmd = on_practice("validate", &sample("cedar-ridge"));
    let (code, _, err) = run(cmd
        .args(["--as-of", AS_OF, "--report"])
        .arg(shared.join("r.csv")));
    assert_eq!(code, 0, "{err}");
    assert_eq!(format!("{:o}", mode(&shared.join("r.csv"))), "600");
    assert_eq!(
        format!("{:o}", mode(&shared)),
        "755",
        "validate changed the permissions of the folder it wrote into"
    );
}
