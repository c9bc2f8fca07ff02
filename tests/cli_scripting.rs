//! What billing staff script and schedule: `--json` (parsed and checked
//! against the human output), `--quiet`, exit codes of `codes lookup`,
//! completions and the man page, `--practice` given as practice.toml,
//! hints that can be pasted as they are, progress lines in order.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

const CLEAN_AS_OF: &str = "2026-10-05";
const MESSY_AS_OF: &str = "2026-10-15";

fn json_of(stdout: &str) -> Value {
    serde_json::from_str(stdout)
        .unwrap_or_else(|e| panic!("not one JSON document ({e}):\n{stdout}"))
}

fn batch(practice: &Path, out: &Path, as_of: &str, extra: &[&str]) -> (i32, String, String) {
    let mut cmd = on_practice("batch", practice);
    cmd.args(["--period", "2026-09", "--as-of", as_of]);
    run(cmd.args(extra).arg("--out").arg(out))
}

/// The printed report's `key   value` lines.
fn report_lines(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once("  ")?;
            let v = v.trim();
            (!k.is_empty() && !k.starts_with(' ') && !v.is_empty())
                .then(|| (k.to_string(), v.to_string()))
        })
        .collect()
}

fn money(v: &Value) -> i64 {
    cents(
        v.as_str()
            .unwrap_or_else(|| panic!("money as a string: {v}")),
    )
}

#[test]
fn batch_json_is_one_document_that_agrees_with_the_human_report() {
    let dir = sample("cedar-ridge-messy");
    let tmp = tempfile::tempdir().unwrap();
    let (code_h, human, _) = batch(&dir, &tmp.path().join("h"), MESSY_AS_OF, &["--no-progress"]);
    let (code_j, stdout, stderr) = batch(&dir, &tmp.path().join("j"), MESSY_AS_OF, &["--json"]);
    assert_eq!(code_h, 1);
    assert_eq!(code_j, 1, "{stderr}");
    assert!(stderr.is_empty(), "no progress lines with --json: {stderr}");
    let j = json_of(&stdout);
    assert_eq!(j["command"], "batch");
    assert_eq!(j["ok"], false);
    assert_eq!(j["exit_code"], 1);
    assert_eq!(j["period"]["from"], "2026-09-01");
    assert_eq!(j["period"]["to"], "2026-09-30");

    // The rows table, file by file.
    for row in j["rows"].as_array().unwrap() {
        let file = row["file"].as_str().unwrap();
        let printed = human
            .lines()
            .find(|l| l.starts_with(&format!("{file} ")))
            .unwrap_or_else(|| panic!("{file} in\n{human}"));
        let n: Vec<u64> = printed
            .split_whitespace()
            .skip(1)
            .map(|v| v.parse().unwrap())
            .collect();
        let from_json: Vec<u64> = ["read", "billed", "skipped", "rejected"]
            .iter()
            .map(|k| row[*k].as_u64().unwrap())
            .collect();
        assert_eq!(n, from_json, "{file}");
    }
    let t = &j["rows_total"];
    assert_eq!(
        t["read"].as_u64(),
        Some(
            t["billed"].as_u64().unwrap()
                + t["skipped"].as_u64().unwrap()
                + t["rejected"].as_u64().unwrap()
        )
    );

    // Totals and counts, against the printed lines.
    let printed = report_lines(&human);
    for (key, label) in [
        ("charged", "charged"),
        ("paid", "paid"),
        ("balance_due", "balance due"),
        ("patient_credit", "patient credit"),
        ("held", "held"),
        ("received", "received"),
        ("refunded", "refunded"),
    ] {
        assert_eq!(
            money(&j["totals"][key]),
            cents(&printed[label]),
            "{key} vs printed {label}"
        );
    }
    for (key, label) in [
        ("superbills", "superbills"),
        ("service_lines", "service lines"),
        ("warnings", "warnings"),
    ] {
        assert_eq!(j[key].to_string(), printed[label], "{key}");
    }
    assert_eq!(j["skipped"]["rows"].to_string(), printed["skipped rows"]);
    // Findings: the errors are rejects.csv's rows, with file and line.
    let findings = j["findings"].as_array().unwrap();
    let errors: Vec<&Value> = findings
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert_eq!(errors.len() as u64, j["errors"].as_u64().unwrap());
    let rejects = read_csv(&tmp.path().join("j").join("rejects.csv"));
    assert_eq!(rejects.rows.len(), errors.len());
    for (f, r) in errors.iter().zip(&rejects.rows) {
        assert_eq!(f["file"], r[1].as_str());
        assert_eq!(f["line"].to_string(), r[2]);
        assert_eq!(f["code"], r[5].as_str());
    }
    // Every file listed exists; every written file is listed.
    let listed: Vec<String> = j["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    let on_disk: Vec<String> = files_under(&tmp.path().join("j"))
        .iter()
        .map(|p| p.display().to_string())
        .filter(|p| !p.ends_with(".lock"))
        .collect();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(sorted, on_disk);
    // The hints the human report prints, word for word.
    let (h_out, j_out) = (tmp.path().join("h"), tmp.path().join("j"));
    let hints = j["hints"].as_array().unwrap();
    assert!(!hints.is_empty());
    for h in hints {
        let h = h
            .as_str()
            .unwrap()
            .replace(&*j_out.to_string_lossy(), &h_out.to_string_lossy());
        assert!(human.contains(&h), "{h} not in\n{human}");
    }
}

#[test]
fn validate_json_agrees_with_the_human_summary() {
    let dir = sample("cedar-ridge-messy");
    let args = ["--as-of", MESSY_AS_OF, "--period", "2026-09"];
    let (code_h, human, _) = run(on_practice("validate", &dir).args(args));
    let (code_j, stdout, _) = run(on_practice("validate", &dir).args(args).arg("--json"));
    assert_eq!((code_h, code_j), (1, 1));
    let j = json_of(&stdout);
    assert_eq!(j["command"], "validate");
    assert_eq!(j["exit_code"], 1);
    let checked = format!(
        "Checked {} patients, {} sessions, {} payments",
        j["rows"]["patients"], j["rows"]["sessions"], j["rows"]["payments"]
    );
    assert!(human.contains(&checked), "{checked}\n{human}");
    let e = j["errors"].as_u64().unwrap();
    let w = j["warnings"].as_u64().unwrap();
    assert!(e > 0);
    assert!(
        human.contains(&format!("{e} errors and {w} warning")),
        "{e} errors, {w} warnings:\n{human}"
    );
    let findings = j["findings"].as_array().unwrap();
    assert_eq!(findings.len() as u64, e + w);
    // Each kind the human summary groups appears with its count.
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for f in findings {
        *kinds
            .entry(format!(
                "{}: {}",
                f["severity"].as_str().unwrap(),
                f["code"].as_str().unwrap()
            ))
            .or_default() += 1;
    }
    for (kind, n) in kinds {
        let plural = if n == 1 { "" } else { "s" };
        assert!(
            human.contains(&format!("{kind} ({n} finding{plural})")),
            "{kind} x{n}"
        );
    }
    // Clean: ok, and the next command is pasteable.
    let (code, stdout, _) = run(on_practice("validate", &sample("cedar-ridge")).args([
        "--as-of",
        CLEAN_AS_OF,
        "--period",
        "2026-09",
        "--json",
    ]));
    assert_eq!(code, 0);
    let j = json_of(&stdout);
    assert_eq!(j["ok"], true);
    assert_eq!(j["errors"], 0);
    assert!(
        j["next"].as_str().unwrap().contains("--practice"),
        "{}",
        j["next"]
    );
}

#[test]
fn a_command_that_cannot_run_still_prints_json() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) =
        run(on_practice("validate", &tmp.path().join("nowhere")).arg("--json"));
    assert_eq!(code, 2);
    let j = json_of(&stdout);
    assert_eq!(j["ok"], false);
    assert_eq!(j["exit_code"], 2);
    assert!(
        j["error"].as_str().unwrap().contains("does not exist"),
        "{j}"
    );
    assert!(stderr.contains("superbill: error:"), "{stderr}");
}

#[test]
fn quiet_prints_only_problems() {
    let tmp = tempfile::tempdir().unwrap();
    // Clean but for the sample's Medicare patients (a warning by design):
    // one line pointing at the warnings, no tables, nothing on stderr.
    let (code, stdout, stderr) = batch(
        &sample("cedar-ridge"),
        &tmp.path().join("a"),
        CLEAN_AS_OF,
        &["--quiet"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.contains(" warnings (nothing was rejected for them)"),
        "{stdout}"
    );
    assert_eq!(stderr, "");
    let (code, stdout, _) = run(on_practice("validate", &sample("cedar-ridge")).args([
        "--as-of",
        CLEAN_AS_OF,
        "--period",
        "2026-09",
        "-q",
    ]));
    assert_eq!(code, 0);
    // Only the warnings themselves: no "Checked", no "OK" line.
    assert!(stdout.starts_with("warning: public-payer"), "{stdout}");
    assert!(
        stdout
            .lines()
            .skip(1)
            .all(|l| l.starts_with("  patients.csv:")),
        "{stdout}"
    );
    // Messy: the problems, and none of the tables.
    let (code, stdout, stderr) = batch(
        &sample("cedar-ridge-messy"),
        &tmp.path().join("b"),
        MESSY_AS_OF,
        &["--quiet"],
    );
    assert_eq!(code, 1);
    assert_eq!(stderr, "");
    assert!(stdout.contains("error: "), "{stdout}");
    assert!(stdout.contains("rejects.csv"), "{stdout}");
    for table in ["rows read", "superbills ", "charged ", "Wrote "] {
        assert!(
            !stdout.lines().any(|l| l.starts_with(table)),
            "{table} in quiet output:\n{stdout}"
        );
    }
    let (code, stdout, _) = run(on_practice("validate", &sample("cedar-ridge-messy")).args([
        "--as-of",
        MESSY_AS_OF,
        "--quiet",
    ]));
    assert_eq!(code, 1);
    assert!(!stdout.contains("Checked "), "{stdout}");
    assert!(stdout.contains("error: "), "{stdout}");
    // --json and --quiet together make no sense.
    let (code, _, _) =
        run(on_practice("validate", &sample("cedar-ridge")).args(["--json", "--quiet"]));
    assert_eq!(code, 2);
}

#[test]
fn codes_lookup_json_and_exit_codes() {
    let lookup = |args: &[&str]| run(superbill().args(["codes", "lookup"]).args(args));
    let (code, stdout, _) = lookup(&["F33", "--date", "2026-09-15", "--json"]);
    assert_eq!(code, 0);
    let j = json_of(&stdout);
    assert_eq!(j["found"], true);
    assert_eq!(j["code"], "F33");
    assert_eq!(j["billable"], false);
    let children = j["billable_children"].as_array().unwrap();
    assert!(children
        .iter()
        .any(|c| c["code"] == "F33.2" && c["billable"] == true));
    assert_eq!(j["release"]["name"], "FY2026-April");

    let (code, stdout, _) = lookup(&["96365", "--json"]);
    assert_eq!(code, 0);
    let j = json_of(&stdout);
    assert_eq!(j["kind"], "procedure");
    assert_eq!(j["system"], "CPT");
    assert!(
        j["description"].as_str().unwrap().contains("infusion"),
        "{j}"
    );

    // Nothing found: exit 1, in JSON and for people, with codes nearby.
    let (code, stdout, _) = lookup(&["F41.2", "--date", "2026-09-15", "--json"]);
    assert_eq!(code, 1);
    let j = json_of(&stdout);
    assert_eq!(j["found"], false);
    assert!(!j["suggestions"].as_array().unwrap().is_empty(), "{j}");
    let (code, stdout, _) = lookup(&["XYZ"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("not an ICD-10-CM code"), "{stdout}");
    let (code, _, _) = lookup(&["99999"]);
    assert_eq!(code, 1);
}

#[test]
fn codes_search_finds_procedure_codes_by_the_practice_descriptions() {
    let (code, stdout, _) = run(superbill().args(["codes", "search", "infusion"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("Procedure codes"), "{stdout}");
    for c in ["96365", "96366"] {
        assert!(
            stdout.lines().any(|l| l.trim_start().starts_with(c)),
            "{c}:\n{stdout}"
        );
    }
    // A code prefix finds codes too; ICD-10-CM still searched.
    let (_, stdout, _) = run(superbill().args(["codes", "search", "9083"]));
    assert!(stdout.contains("90834"), "{stdout}");
    let (_, stdout, _) =
        run(superbill().args(["codes", "search", "major", "depressive", "recurrent"]));
    assert!(stdout.lines().any(|l| l.starts_with("F33.2")), "{stdout}");
    // A practice's own procedure descriptions are searched with --practice.
    let (tmp, dir) = sample_copy("cedar-ridge");
    std::fs::create_dir_all(dir.join("codes")).unwrap();
    std::fs::write(
        dir.join("codes").join("procedures.csv"),
        "code,system,category,description,effective_from,effective_to,replaced_by,max_units\n\
         99499,CPT,em,Ketamine aftercare check-in call,,,,1\n",
    )
    .unwrap();
    let (_, stdout, _) = run(superbill()
        .args(["codes", "search", "aftercare", "--practice"])
        .arg(&dir));
    assert!(stdout.contains("99499"), "{stdout}");
    drop(tmp);
}

#[test]
fn completions_and_man_page_come_from_the_clap_definitions() {
    for (shell, marker) in [
        ("bash", "_superbill()"),
        ("zsh", "#compdef superbill"),
        ("fish", "complete -c superbill"),
    ] {
        let (code, stdout, stderr) = run(superbill().args(["completions", shell]));
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains(marker), "{shell}");
        for word in ["batch", "validate", "practice", "json", "totals"] {
            assert!(stdout.contains(word), "{shell} completes {word}");
        }
    }
    let (code, _, _) = run(superbill().args(["completions", "tcsh"]));
    assert_eq!(code, 2);
    let (code, man, _) = run(superbill().arg("man"));
    assert_eq!(code, 0);
    assert!(
        man.starts_with(".ie") || man.contains(".TH superbill"),
        "{}",
        &man[..200.min(man.len())]
    );
    for section in [
        "SUPERBILL BATCH",
        "SUPERBILL VALIDATE",
        "SUPERBILL CODES LOOKUP",
        "SUPERBILL TOTALS",
    ] {
        assert!(man.contains(section), "{section}");
    }
    assert!(man.contains("\\-\\-practice") || man.contains("--practice"));
    // man itself renders it, when it is installed.
    if std::process::Command::new("man")
        .arg("--version")
        .output()
        .is_ok()
    {
        let tmp = tempfile::tempdir().unwrap();
        let page = tmp.path().join("superbill.1");
        std::fs::write(&page, &man).unwrap();
        let out = std::process::Command::new("man")
            .arg("-l")
            .arg(&page)
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        if out.status.success() {
            assert!(String::from_utf8_lossy(&out.stdout).contains("superbill"));
        }
    }
}

#[test]
fn practice_toml_is_understood_as_its_folder() {
    let toml = sample("cedar-ridge").join("practice.toml");
    let args = ["--as-of", CLEAN_AS_OF, "--period", "2026-09"];
    let (code_f, by_file, err) = run(on_practice("validate", &toml).args(args));
    let (code_d, by_dir, _) = run(on_practice("validate", &sample("cedar-ridge")).args(args));
    assert_eq!((code_f, code_d), (0, 0), "{err}");
    let counts = |s: &str| {
        s.lines()
            .next()
            .unwrap()
            .split(" in ")
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(counts(&by_file), counts(&by_dir));
    let tmp = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = batch(&toml, &tmp.path().join("out"), CLEAN_AS_OF, &["--quiet"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(tmp.path().join("out").join("summary.csv").is_file());
}

/// Every command a hint prints between backticks runs as pasted (in a
/// POSIX shell, from the same folder), even with a space in the path.
#[cfg(unix)]
#[test]
fn every_hint_can_be_pasted_as_it_is() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("My Clinic");
    copy_dir(&sample("cedar-ridge-messy"), &dir);
    let out = tmp.path().join("out dir");
    let (code, stdout, _) = batch(&dir, &out, MESSY_AS_OF, &["--no-progress"]);
    assert_eq!(code, 1);
    let (_, validate_out, _) = run(on_practice("validate", &dir).args(["--as-of", MESSY_AS_OF]));
    let (_, empty_out, _) = run(on_practice("batch", &dir)
        .args(["--period", "2026-11", "--dry-run", "--out"])
        .arg(&out));
    let mut commands = Vec::new();
    for text in [&stdout, &validate_out, &empty_out] {
        for (i, part) in text.split('`').enumerate() {
            if i % 2 == 1 && part.starts_with("superbill ") && !part.contains("...") {
                commands.push(part.to_string());
            }
        }
    }
    assert!(
        commands.iter().any(|c| c.starts_with("superbill validate")),
        "{stdout}"
    );
    assert!(
        commands.iter().any(|c| c.starts_with("superbill batch")),
        "{empty_out}"
    );
    let bin = assert_cmd::cargo::cargo_bin("superbill");
    for c in commands {
        // Words (codes search) need no practice; everything else names it.
        if !c.starts_with("superbill codes") {
            assert!(c.contains("--practice"), "{c}");
        }
        let line = format!("{} {}", bin.display(), &c["superbill ".len()..]);
        let o = std::process::Command::new("sh")
            .arg("-c")
            .arg(&line)
            .current_dir(tmp.path())
            .output()
            .unwrap();
        let code = o.status.code().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        if c.starts_with("superbill codes import-icd10cm") {
            // Runs once the CDC's file is downloaded: the arguments are
            // understood, only the file is missing here.
            assert!(
                stderr.contains("icd10cm-tabular-") && stderr.contains("No such file"),
                "`{c}`: {stderr}"
            );
            continue;
        }
        assert!(code == 0 || code == 1, "`{c}` exited {code}: {stderr}");
    }
}

#[test]
fn plain_progress_lines_come_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let practice = tmp.path().join("practice");
    let (code, _, stderr) = run(superbill()
        .args([
            "samples",
            "generate",
            "--patients",
            "400",
            "--months",
            "1",
            "--start",
            "2026-09",
            "--seed",
            "11",
            "--out",
        ])
        .arg(&practice));
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = batch(
        &practice,
        &tmp.path().join("out"),
        CLEAN_AS_OF,
        &["--no-progress", "--jobs", "4"],
    );
    assert!(code == 0 || code == 1, "{stdout}{stderr}");
    let counts: Vec<(usize, usize)> = stderr
        .lines()
        .filter_map(|l| {
            l.strip_prefix("rendered ")?
                .strip_suffix(" superbills")?
                .split_once('/')
        })
        .map(|(a, b)| (a.parse().unwrap(), b.parse().unwrap()))
        .collect();
    assert!(counts.len() >= 5, "{stderr}");
    assert!(
        counts.windows(2).all(|w| w[0].0 < w[1].0),
        "out of order: {counts:?}"
    );
    let (last, total) = *counts.last().unwrap();
    assert_eq!(last, total);
}

#[test]
fn every_code_a_messy_run_reports_is_explained() {
    let dir = sample("cedar-ridge-messy");
    let args = ["--as-of", MESSY_AS_OF, "--period", "2026-09", "--json"];
    let (_, stdout, _) = run(on_practice("validate", &dir).args(args));
    let reported: std::collections::BTreeSet<String> = json_of(&stdout)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    assert!(reported.len() > 5, "{reported:?}");
    let (code, all, _) = run(superbill().args(["explain", "--json"]));
    assert_eq!(code, 0);
    let all = json_of(&all);
    let known: std::collections::BTreeSet<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    for c in &reported {
        assert!(
            known.contains(c.as_str()),
            "{c} is reported but not explained"
        );
        let (code, text, _) = run(superbill().args(["explain", c]));
        assert_eq!(code, 0, "{c}");
        assert!(
            text.starts_with(c.as_str()) && text.contains("Fix: "),
            "{text}"
        );
    }
    // The human list has one line per code, the same codes as the JSON.
    let (_, human, _) = run(superbill().arg("explain"));
    assert_eq!(human.lines().count(), known.len());
}

#[test]
fn explain_says_what_a_code_stops_and_suggests_a_near_code() {
    let (code, text, _) = run(superbill().args(["explain", "csv-missing-column"]));
    assert_eq!(code, 0);
    assert!(text.contains("Stops: the whole batch"), "{text}");
    let (_, text, _) = run(superbill().args(["explain", "icd-header"]));
    assert!(
        text.contains("Stops: the superbill of the patient"),
        "{text}"
    );
    let (_, text, _) = run(superbill().args(["explain", "filing-late"]));
    assert!(text.contains("Stops: nothing"), "{text}");
    let (code, text, _) = run(superbill().args(["explain", "csv-mising-column"]));
    assert_eq!(code, 1, "an unknown code exits 1, as codes lookup does");
    assert!(
        text.contains("did you mean `csv-missing-column`?"),
        "{text}"
    );
}
