//! Issue 7's input reproductions, end to end: each run on a copy of
//! samples/cedar-ridge (`--period 2026-09 --as-of 2026-10-05`) with the
//! issue's own edit, asserting the finding, the exit code and that rows
//! are accounted for by physical line.

mod common;

use common::{on_practice, run, sample_copy};
use std::path::Path;

const PERIOD: [&str; 4] = ["--period", "2026-09", "--as-of", "2026-10-05"];

fn validate(dir: &Path) -> (i32, String, String) {
    run(on_practice("validate", dir).args(PERIOD))
}

fn batch(dir: &Path, out: &Path) -> (i32, String, String) {
    run(on_practice("batch", dir)
        .args(PERIOD)
        .arg("--out")
        .arg(out)
        .arg("--no-progress"))
}

/// The "read" column of the batch's rows table for `file`.
fn rows_read(stdout: &str, file: &str) -> usize {
    let line = stdout
        .lines()
        .find(|l| l.starts_with(file))
        .unwrap_or_else(|| panic!("no {file} row in:\n{stdout}"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn edit(path: &Path, f: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, f(text)).unwrap();
}

/// `sed '2s/,ch_/,"ch_/; 6s/$/"/' payments.csv`
fn stray_quote(text: String) -> String {
    text.lines()
        .enumerate()
        .map(|(i, l)| match i + 1 {
            2 => format!("{}\n", l.replacen(",ch_", ",\"ch_", 1)),
            6 => format!("{l}\"\n"),
            _ => format!("{l}\n"),
        })
        .collect()
}

#[test]
fn a_stray_quote_no_longer_swallows_rows_silently() {
    let (tmp, dir) = sample_copy("cedar-ridge");
    edit(&dir.join("payments.csv"), stray_quote);
    let (code, out, _) = validate(&dir);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("275 payments"), "{out}");
    assert!(
        out.contains("payments.csv:2 [PMT000001] reference: a quote opened on line 2 (in the reference column) closes only on line 6"),
        "{out}"
    );
    for n in 3..=6 {
        assert!(
            out.contains(&format!("payments.csv:{n} [PMT00000{}]", n - 1)),
            "{out}"
        );
    }
    let (code, out, err) = batch(&dir, &tmp.path().join("out"));
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(rows_read(&out, "payments.csv"), 275, "{out}");
    let rejects = common::read_csv(&tmp.path().join("out/rejects.csv"));
    let lines: Vec<String> = rejects
        .rows
        .iter()
        .filter(|r| r[1] == "payments.csv")
        .map(|r| r[2].clone())
        .collect();
    assert_eq!(lines, vec!["2", "3", "4", "5", "6"]);
}

#[test]
fn classic_mac_line_ends_give_true_line_numbers() {
    let (tmp, dir) = sample_copy("cedar-ridge");
    edit(&dir.join("payments.csv"), |t| {
        // One bad amount, on line 5, then every line end a lone CR.
        t.lines()
            .enumerate()
            .map(|(i, l)| {
                let mut cells: Vec<&str> = l.split(',').collect();
                if i == 4 {
                    cells[4] = "37x"; // amount
                }
                format!("{}\r", cells.join(","))
            })
            .collect()
    });
    let (code, out, _) = validate(&dir);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("275 payments"), "{out}");
    assert!(out.contains("1 error"), "{out}");
    assert!(
        out.contains("payments.csv:5 [PMT000004] amount: amount '37x'"),
        "{out}"
    );
    let (code, out, _) = batch(&dir, &tmp.path().join("out"));
    assert_eq!(code, 1);
    assert_eq!(rows_read(&out, "payments.csv"), 275, "{out}");
    let rejected: usize = out
        .lines()
        .find(|l| l.starts_with("payments.csv"))
        .and_then(|l| l.split_whitespace().nth(4))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(rejected, 1, "{out}");
}

#[test]
fn midnight_utc_dates_of_service_stay_on_their_day_with_a_warning() {
    let (tmp, dir) = sample_copy("cedar-ridge");
    common::rewrite_csv(&dir.join("sessions.csv"), |h, rows| {
        let c = h.iter().position(|x| x == "date").unwrap();
        for r in rows.iter_mut() {
            r[c] = format!("{}T00:00:00Z", r[c]);
        }
    });
    let (code, out, _) = validate(&dir);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("warning: utc-midnight (1 finding)")
            && out.contains(
                "sessions.csv:2 date: 281 date values are a timestamp at exactly 00:00:00Z"
            ),
        "{out}"
    );
    // The ledger's dates of service are those of the plain sample.
    let (code, _, _) = batch(&dir, &tmp.path().join("out"));
    assert_eq!(code, 0);
    let (plain_tmp, plain) = sample_copy("cedar-ridge");
    batch(&plain, &plain_tmp.path().join("out"));
    let ledger = |d: &Path| std::fs::read(d.join("out/ledger.csv")).unwrap();
    assert_eq!(ledger(tmp.path()), ledger(plain_tmp.path()));
}

#[test]
fn a_misspelt_header_is_one_root_cause_listed_first() {
    let (tmp, dir) = sample_copy("cedar-ridge");
    edit(&dir.join("sessions.csv"), |t| {
        t.replacen("diagnoses", "diagnosis", 1)
    });
    let (code, out, _) = validate(&dir);
    assert_eq!(code, 1, "{out}");
    let first = out.lines().nth(1).unwrap();
    assert_eq!(first, "error: csv-missing-column (1 finding)", "{out}");
    assert!(
        out.contains("the header has `diagnosis`: did you mean `diagnoses`?"),
        "{out}"
    );
    // No row of sessions.csv, and no payment naming a session, is
    // reported on its own.
    assert!(out.contains("1 error and 3 warnings"), "{out}");
    let (code, _, err) = batch(&dir, &tmp.path().join("out"));
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `diagnoses`?"), "{err}");
    assert!(!tmp.path().join("out").exists());
}

/// Each of issue 7's four leaks: the name or date of birth of patient
/// P0001 never reaches the screen or the report.
#[test]
fn no_finding_shows_a_patients_name_or_date_of_birth() {
    type Edit = fn(&Path);
    let cases: [(&str, Edit); 4] = [
        ("name in patient_id", |d| {
            edit(&d.join("sessions.csv"), |t| {
                t.replacen(",P0001,", ",Zoë Hargrove,", 1)
            })
        }),
        ("headerless patients.csv", |d| {
            edit(&d.join("patients.csv"), |t| {
                t.split_once('\n').unwrap().1.to_string()
            })
        }),
        ("stray CR", |d| {
            edit(&d.join("patients.csv"), |t| {
                t.replacen(",Hargrove,", ",\rHargrove,", 1)
            })
        }),
        ("shifted row", |d| {
            // A comma too many before the date of birth, one cell too few
            // at the end: the row is as wide as the header, one cell off.
            edit(&d.join("patients.csv"), |t| {
                let (head, rest) = t.split_once('\n').unwrap();
                let (row, rest) = rest.split_once('\n').unwrap();
                let row = row.replacen(",Hargrove,1975", ",Hargrove,,1975", 1);
                let row = row.strip_suffix(",1974-12-28").unwrap();
                format!("{head}\n{row}\n{rest}")
            })
        }),
    ];
    for (name, mutate) in cases {
        let (tmp, dir) = sample_copy("cedar-ridge");
        mutate(&dir);
        let report = tmp.path().join("report.csv");
        let (vcode, vout, verr) = run(on_practice("validate", &dir)
            .args(PERIOD)
            .arg("-v")
            .arg("--report")
            .arg(&report));
        assert_eq!(vcode, 1, "{name}: {vout}{verr}");
        let (bcode, bout, berr) = batch(&dir, &tmp.path().join("out"));
        assert!([1, 2].contains(&bcode), "{name}: {bout}{berr}");
        let rejects =
            std::fs::read_to_string(tmp.path().join("out/rejects.csv")).unwrap_or_default();
        let all = format!(
            "{vout}{verr}{bout}{berr}{rejects}{}",
            std::fs::read_to_string(&report).unwrap()
        );
        for secret in [
            "Zoë",
            "Hargrove",
            "1975-07-09",
            "8294 Pinyon",
            "zoe.hargrove26",
        ] {
            assert!(!all.contains(secret), "{name}: {secret} shown in:\n{all}");
        }
        match name {
            "name in patient_id" => assert!(
                vout.contains(
                    "patient_id holds text with spaces (a name?) that is not a valid patient id"
                ),
                "{vout}"
            ),
            "headerless patients.csv" => {
                assert!(vout.contains("error: csv-no-header (1 finding)"), "{vout}");
                assert!(
                    vout.contains("patients.csv:1 line 1 is not a header row"),
                    "{vout}"
                );
                // No knock-on: sessions and payments are not each reported.
                assert!(vout.contains("1 error and 0 warnings"), "{vout}");
            }
            "stray CR" => {
                assert!(
                    vout.contains("patients.csv:2 [P0001] the row has 4 cells"),
                    "{vout}"
                );
                assert!(
                    vout.contains("patients.csv:3 the row has 15 cells"),
                    "{vout}"
                );
                // Root cause first; the sessions and payments of P0001 follow
                // as knock-ons pointing at the broken row.
                let first = vout.lines().nth(1).unwrap();
                assert_eq!(first, "error: csv-cell-count (2 findings)", "{vout}");
                assert!(
                    vout.contains("patient P0001's row (patients.csv line 2) has errors"),
                    "{vout}"
                );
            }
            _ => assert!(
                vout.contains(
                    "patients.csv:2 [P0001] sex: a date where the sex column is expected"
                ),
                "{vout}"
            ),
        }
    }
}
