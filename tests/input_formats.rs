//! Exports the way clinics really produce them (Excel's encodings and
//! delimiters, classic Mac line ends, workbooks) read into exactly the
//! records the plain UTF-8 CSV gives, with true line numbers. Fixtures are
//! made here from a slice of the sample practice; the samples are never
//! edited.

mod common;

use common::exports::{reshape, small_practice as fixture, utf16, workbook};
use std::path::Path;
use superbill::findings::{Findings, Severity};
use superbill::input::Inputs;

const FILES: [&str; 3] = ["patients.csv", "sessions.csv", "payments.csv"];

fn load(dir: &Path) -> (Inputs, Findings) {
    let mut f = Findings::default();
    let inputs = Inputs::load(dir, &mut f).expect("loads");
    (inputs, f)
}

/// Loads the fixture after `mutate`, and checks it reads into the same
/// records and data lines as the plain CSV, with only `warnings`.
fn same_as_plain(name: &str, warnings: &[&str], mutate: impl Fn(&Path, &str)) {
    let (_t0, plain_dir) = fixture(6);
    let (plain, pf) = load(&plain_dir);
    assert!(pf.items.is_empty(), "{:?}", pf.items);
    let (_t, dir) = fixture(6);
    for f in FILES {
        mutate(&dir, f);
    }
    let (inputs, f) = load(&dir);
    let codes: Vec<&str> = f.items.iter().map(|x| x.code).collect();
    assert!(
        f.items.iter().all(|x| x.severity == Severity::Warning),
        "{name}: {:?}",
        f.items
    );
    let mut expected: Vec<&str> = warnings.to_vec();
    expected.sort_unstable();
    let mut got = codes.clone();
    got.sort_unstable();
    assert_eq!(got, expected, "{name}");
    assert_eq!(inputs.patients, plain.patients, "{name}");
    assert_eq!(inputs.sessions, plain.sessions, "{name}");
    assert_eq!(inputs.payments, plain.payments, "{name}");
    for (a, b) in inputs.rows.iter().zip(&plain.rows) {
        assert_eq!(a.lines, b.lines, "{name}: {}", a.file);
    }
}

fn put(dir: &Path, file: &str, bytes: impl AsRef<[u8]>) {
    std::fs::write(dir.join(file), bytes).unwrap();
}

#[test]
fn classic_mac_crlf_and_mixed_line_ends_read_the_same() {
    same_as_plain("CR only", &[], |d, f| put(d, f, reshape(d, f, b',', "\r")));
    same_as_plain("CRLF", &[], |d, f| put(d, f, reshape(d, f, b',', "\r\n")));
    same_as_plain("mixed", &[], |d, f| {
        let text = reshape(d, f, b',', "\n");
        let mixed: String = text
            .split_inclusive('\n')
            .enumerate()
            .map(|(i, l)| match i % 3 {
                0 => l.replace('\n', "\r"),
                1 => l.replace('\n', "\r\n"),
                _ => l.to_string(),
            })
            .collect();
        put(d, f, mixed)
    });
}

#[test]
fn semicolon_and_tab_delimited_files_read_the_same() {
    same_as_plain("semicolons", &[], |d, f| {
        put(d, f, reshape(d, f, b';', "\r\n"))
    });
    same_as_plain("tabs", &[], |d, f| put(d, f, reshape(d, f, b'\t', "\n")));
}

#[test]
fn utf16_and_windows_1252_read_the_same_with_a_warning_each() {
    let three = ["csv-encoding-converted"; 3];
    // Excel's "Unicode Text": UTF-16 LE with a BOM, tab-delimited, CRLF.
    same_as_plain("UTF-16 LE", &three, |d, f| {
        put(d, f, utf16(&reshape(d, f, b'\t', "\r\n"), true))
    });
    same_as_plain("UTF-16 BE", &three, |d, f| {
        put(d, f, utf16(&reshape(d, f, b',', "\n"), false))
    });
    // Excel's "CSV" on Windows. Only patients.csv has accents: the other
    // two are plain ASCII, the same bytes in either encoding.
    same_as_plain("Windows-1252", &["csv-encoding-converted"], |d, f| {
        let text = reshape(d, f, b',', "\r\n");
        let (bytes, _, lossy) = encoding_rs::WINDOWS_1252.encode(&text);
        assert!(!lossy);
        put(d, f, bytes)
    });
    let (_t, dir) = fixture(6);
    let text = reshape(&dir, "patients.csv", b',', "\r\n");
    assert!(
        text.contains('é') || text.contains('ë') || text.contains('ñ'),
        "the fixture carries accents"
    );
}

#[test]
fn workbooks_read_the_same_with_worksheet_rows_as_lines() {
    same_as_plain("xlsx", &[], |d, f| {
        let book = workbook(d, f, 0);
        std::fs::remove_file(d.join(f)).unwrap();
        put(d, &f.replace(".csv", ".xlsx"), book)
    });
    same_as_plain("workbook named .csv", &["csv-is-workbook"; 3], |d, f| {
        put(d, f, workbook(d, f, 0))
    });
    // Two empty rows above the header: the header is worksheet row 3 and
    // a bad value in the fourth patient is reported at row 7, in the
    // workbook's own name.
    let (_t, dir) = fixture(6);
    superbill_rewrite_sex(&dir, 3);
    let book = workbook(&dir, "patients.csv", 2);
    std::fs::remove_file(dir.join("patients.csv")).unwrap();
    put(&dir, "patients.xlsx", book);
    let (inputs, mut f) = load(&dir);
    assert_eq!(inputs.rows[0].lines, vec![4, 5, 6, 7, 8, 9]);
    assert_eq!(inputs.rows[0].source, "patients.xlsx");
    inputs.name_sources(&mut f);
    let bad: Vec<(&str, u64, &str)> = f
        .items
        .iter()
        .map(|x| (x.file.as_str(), x.line, x.field.as_str()))
        .collect();
    assert_eq!(bad, vec![("patients.xlsx", 7, "sex")]);
}

/// Sets the sex of the `i`th patient row to a value that is not one.
fn superbill_rewrite_sex(dir: &Path, i: usize) {
    common::rewrite_csv(&dir.join("patients.csv"), |h, rows| {
        let c = h.iter().position(|x| x == "sex").unwrap();
        rows[i][c] = "Q".into();
    });
}

#[test]
fn a_workbook_beside_its_csv_is_refused_as_ambiguous() {
    let (_t, dir) = fixture(3);
    put(&dir, "sessions.xlsx", workbook(&dir, "sessions.csv", 0));
    let err = Inputs::load(&dir, &mut Findings::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("holds sessions.csv and sessions.xlsx: keep only the one to read"),
        "{err}"
    );
}

#[test]
fn dates_in_unambiguous_us_and_spelt_out_forms_read_the_same() {
    same_as_plain("date forms", &[], |d, f| {
        if f == "patients.csv" {
            return;
        }
        common::rewrite_csv(&d.join(f), |h, rows| {
            let c = h.iter().position(|x| x == "date").unwrap();
            for (i, r) in rows.iter_mut().enumerate() {
                let date = chrono::NaiveDate::parse_from_str(&r[c], "%Y-%m-%d").unwrap();
                r[c] = match i % 4 {
                    0 => date.format("%-m/%-d/%y").to_string(),
                    1 => date.format("%b %-d, %Y").to_string(),
                    2 => date.format("%B %-d, %Y").to_string(),
                    _ => date.format("%m/%d/%Y").to_string(),
                };
            }
        });
    });
}

#[test]
fn timestamps_at_midnight_utc_are_dates_unless_the_practice_says_otherwise() {
    let to_midnight = |d: &Path| {
        common::rewrite_csv(&d.join("sessions.csv"), |h, rows| {
            let c = h.iter().position(|x| x == "date").unwrap();
            for r in rows.iter_mut() {
                r[c] = format!("{}T00:00:00Z", r[c]);
            }
        })
    };
    let (_t0, plain_dir) = fixture(4);
    let (plain, _) = load(&plain_dir);

    let (_t, dir) = fixture(4);
    to_midnight(&dir);
    let (inputs, f) = load(&dir);
    assert_eq!(inputs.sessions, plain.sessions);
    assert_eq!(f.items.len(), 1, "{:?}", f.items);
    let w = &f.items[0];
    assert_eq!(
        (
            w.severity,
            w.code,
            w.file.as_str(),
            w.line,
            w.field.as_str()
        ),
        (Severity::Warning, "utc-midnight", "sessions.csv", 2, "date")
    );
    assert!(
        w.message.starts_with(&format!(
            "{} date values are a timestamp at exactly 00:00:00Z",
            plain.sessions.len()
        )),
        "{}",
        w.message
    );

    // Said explicitly: no warning, and `convert` moves each a day back in
    // Denver.
    for (setting, shift) in [("date", 0), ("convert", 1)] {
        let toml = std::fs::read_to_string(dir.join("practice.toml")).unwrap();
        let toml = toml
            .lines()
            .filter(|l| !l.starts_with("utc_midnight"))
            .collect::<Vec<_>>()
            .join("\n");
        let toml = toml.replacen(
            "time_zone = ",
            &format!("utc_midnight = \"{setting}\"\ntime_zone = "),
            1,
        );
        std::fs::write(dir.join("practice.toml"), toml).unwrap();
        let (inputs, f) = load(&dir);
        assert!(f.items.is_empty(), "{setting}: {:?}", f.items);
        for (a, b) in inputs.sessions.iter().zip(&plain.sessions) {
            assert_eq!((b.date - a.date).num_days(), shift, "{setting}");
        }
    }
}

/// A superbill held for a row of a workbook names the workbook, as the
/// findings do: summary.csv's reasons and the report say `patients.xlsx`,
/// never the `patients.csv` the user does not have.
#[test]
fn held_reasons_name_the_workbook_read() {
    let (_t, dir) = fixture(6);
    superbill_rewrite_sex(&dir, 3);
    let book = workbook(&dir, "patients.csv", 0);
    std::fs::remove_file(dir.join("patients.csv")).unwrap();
    put(&dir, "patients.xlsx", book);
    let out = dir.parent().unwrap().join("out");
    let (code, stdout, stderr) = common::run(
        common::superbill()
            .arg("batch")
            .arg("--practice")
            .arg(&dir)
            .args(["--period", "2026-09", "--as-of", "2026-10-05", "--out"])
            .arg(&out),
    );
    assert_eq!(code, 1, "{stdout}{stderr}");
    let summary = common::read_csv(&out.join("summary.csv"));
    let (status, reasons) = (summary.col("status"), summary.col("reasons"));
    let held: Vec<&String> = summary
        .rows
        .iter()
        .filter(|r| r[status] == "held")
        .map(|r| &r[reasons])
        .collect();
    // The fourth patient's row is worksheet row 5 (header on row 1); the
    // patient's sessions and payments are rejected with it.
    assert_eq!(held.len(), 1, "{stdout}");
    assert!(
        held[0].starts_with("patients.xlsx:5 bad-value; "),
        "{held:?}"
    );
    assert!(!held[0].contains("patients.csv"), "{held:?}");
    // The row count and the knock-on findings name the workbook too.
    assert!(
        stdout.contains("\npatients.xlsx ") && !stdout.contains("patients.csv"),
        "the report names a file the practice does not have:\n{stdout}"
    );
    assert!(
        stdout.contains("patient P0006's row (patients.xlsx line 5) has errors"),
        "{stdout}"
    );
}

/// A finding's message names the workbook read too, also when it is about
/// another file's row (a payment naming a session that sessions.xlsx does
/// not have), so nothing tells staff to fix a sessions.csv they do not
/// have.
#[test]
fn messages_name_the_workbook_read() {
    let (_t, dir) = fixture(4);
    let pays = common::read_csv(&dir.join("payments.csv"));
    let mut rows = pays.rows.clone();
    rows[0][pays.col("session_id")] = "S99999".into();
    common::exports::write_csv(&dir.join("payments.csv"), &pays.header, &rows);
    let book = workbook(&dir, "sessions.csv", 0);
    std::fs::remove_file(dir.join("sessions.csv")).unwrap();
    put(&dir, "sessions.xlsx", book);
    let report = dir.parent().unwrap().join("report.csv");
    let (code, stdout, stderr) = common::run(
        common::superbill()
            .arg("validate")
            .arg("--practice")
            .arg(&dir)
            .args(["--as-of", "2026-10-05", "--report"])
            .arg(&report),
    );
    assert_ne!(code, 0, "{stdout}{stderr}");
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(
        text.contains("S99999 is not in sessions.xlsx"),
        "{text}\n{stdout}"
    );
    for shown in [&text, &stdout, &stderr] {
        assert!(!shown.contains("sessions.csv"), "{shown}");
    }
}
