//! The CMS-1500 from the outside: `batch --with cms1500` (or practice.toml's
//! `[documents]`), `render --form cms1500`, `cms1500 test-page`, and the
//! flags that only make sense together.

mod common;

use common::*;
use std::path::Path;

const AS_OF: &str = "2026-10-05";

fn batch(practice: &Path, out: &Path, extra: &[&str]) -> (i32, String, String) {
    run(superbill()
        .arg("batch")
        .arg("--practice")
        .arg(practice)
        .args(["--period", "2026-09", "--as-of", AS_OF, "--quiet", "--out"])
        .arg(out)
        .args(extra))
}

fn page_count(pdf: &[u8]) -> usize {
    lopdf::Document::load_mem(pdf).unwrap().get_pages().len()
}

#[test]
fn batch_with_cms1500_writes_one_claim_per_superbill_six_lines_a_form() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let (code, stdout, stderr) = batch(&sample("cedar-ridge"), &out, &["--with", "cms1500"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let summary = read_csv(&out.join("summary.csv")).maps();
    assert!(!summary.is_empty());
    // Each form holds one office's lines (box 32), six at most: the lines
    // of each superbill by office, from the ledger and the sessions.
    let office: std::collections::HashMap<String, String> =
        read_csv(&sample("cedar-ridge").join("sessions.csv"))
            .maps()
            .into_iter()
            .map(|r| (r["session_id"].clone(), r["location"].clone()))
            .collect();
    let mut by_office: std::collections::BTreeMap<
        String,
        std::collections::BTreeMap<String, usize>,
    > = Default::default();
    for r in read_csv(&out.join("ledger.csv")).maps() {
        *by_office
            .entry(r["superbill_number"].clone())
            .or_default()
            .entry(office[&r["session_id"]].clone())
            .or_default() += 1;
    }
    let mut several = 0;
    let mut two_offices = 0;
    for row in &summary {
        let number = &row["superbill_number"];
        let pdf = std::fs::read(out.join("cms1500").join(format!("{number}.pdf")))
            .unwrap_or_else(|e| panic!("{number}: {e}"));
        let lines: usize = row["lines"].parse().unwrap();
        let offices = &by_office[number];
        assert_eq!(offices.values().sum::<usize>(), lines);
        let forms: usize = offices.values().map(|n| n.div_ceil(6)).sum();
        assert_eq!(page_count(&pdf), forms, "{number}: {offices:?}");
        several += usize::from(forms > 1);
        two_offices += usize::from(offices.len() > 1);
        let first = pdf_pages(&pdf).remove(0);
        assert!(
            first.contains(&format!("Claim {number}, form 1 of {forms}")),
            "{first}"
        );
        assert!(first.contains("HEALTH INSURANCE CLAIM FORM"));
    }
    assert!(
        several > 0,
        "the sample has superbills of more than six lines"
    );
    assert!(two_offices > 0, "and one with lines at both offices");
    // The manifest accounts for them like every other output.
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("cms1500/SB-202609-P0001.pdf"),
        "{manifest}"
    );
    // Without --with, none.
    let plain = tmp.path().join("plain");
    let (code, _, _) = batch(&sample("cedar-ridge"), &plain, &[]);
    assert_eq!(code, 0);
    assert!(!plain.join("cms1500").exists());
}

#[test]
fn practice_toml_adds_the_form_and_says_how_it_prints() {
    let (_tmp, practice) = sample_copy("cedar-ridge");
    let toml_path = practice.join("practice.toml");
    let mut text = std::fs::read_to_string(&toml_path).unwrap();
    text.push_str("\n[documents]\nwith = [\"cms1500\"]\n\n[documents.cms1500]\ndata_only = true\noffset_x = \"0.1in\"\n");
    std::fs::write(&toml_path, text).unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("out");
    let (code, stdout, stderr) = batch(&practice, &out, &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let pdf = std::fs::read(out.join("cms1500/SB-202609-P0001.pdf")).unwrap();
    let text = pdf_pages(&pdf).concat();
    assert!(!text.contains("HEALTH INSURANCE CLAIM FORM"), "data only");
    assert!(text.contains("W"), "the data is there");
    // render --form cms1500 uses the same settings: the same bytes.
    let single = out_dir.path().join("one.pdf");
    let (code, stdout, stderr) = run(superbill()
        .arg("render")
        .arg("--practice")
        .arg(&practice)
        .args([
            "--patient",
            "P0001",
            "--from",
            "2026-09-01",
            "--to",
            "2026-09-30",
            "--as-of",
            AS_OF,
            "--form",
            "cms1500",
            "--out",
        ])
        .arg(&single));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("CMS-1500 on"), "{stdout}");
    assert!(std::fs::read(&single).unwrap() == pdf);
}

#[test]
fn render_form_cms1500_matches_the_batch_and_honours_offsets() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let (code, _, stderr) = batch(&sample("cedar-ridge"), &out, &["--with", "cms1500"]);
    assert_eq!(code, 0, "{stderr}");
    let render = |file: &Path, extra: &[&str]| {
        run(superbill()
            .arg("render")
            .arg("--practice")
            .arg(sample("cedar-ridge"))
            .args([
                "--patient",
                "P0001",
                "--from",
                "2026-09-01",
                "--to",
                "2026-09-30",
                "--as-of",
                AS_OF,
                "--form",
                "cms1500",
                "--out",
            ])
            .arg(file)
            .args(extra))
    };
    let drawn = tmp.path().join("drawn.pdf");
    assert_eq!(render(&drawn, &[]).0, 0);
    let from_batch = std::fs::read(out.join("cms1500/SB-202609-P0001.pdf")).unwrap();
    assert!(std::fs::read(&drawn).unwrap() == from_batch);
    let a = tmp.path().join("a.pdf");
    let b = tmp.path().join("b.pdf");
    assert_eq!(render(&a, &["--data-only"]).0, 0);
    assert_eq!(
        render(
            &b,
            &["--data-only", "--offset-x", "-2mm", "--offset-y", "3"]
        )
        .0,
        0
    );
    let (a, b) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert!(a != b && a != from_batch);
    assert_eq!(pdf_pages(&a), pdf_pages(&b), "the same text, moved");
}

#[test]
fn form_flags_without_their_form_are_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let practice = sample("cedar-ridge");
    let (code, _, stderr) = batch(&practice, &out, &["--data-only"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--with cms1500"), "{stderr}");
    let (code, _, stderr) = batch(&practice, &out, &["--with", "cms1500", "--offset-x", "3"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--data-only"), "{stderr}");
    assert!(!out.exists(), "nothing written");
    let (code, _, stderr) = batch(
        &practice,
        &out,
        &["--with", "cms1500", "--data-only", "--offset-y", "2in"],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("more than an inch"), "{stderr}");
    let (code, _, stderr) = run(superbill()
        .arg("render")
        .arg("--practice")
        .arg(&practice)
        .args([
            "--patient",
            "P0001",
            "--from",
            "2026-09-01",
            "--to",
            "2026-09-30",
            "--data-only",
            "--out",
        ])
        .arg(tmp.path().join("x.pdf")));
    assert_eq!(code, 2);
    assert!(stderr.contains("--form cms1500"), "{stderr}");
}

#[test]
fn test_page_takes_offsets_from_the_flags_or_the_practice() {
    let tmp = tempfile::tempdir().unwrap();
    let page = |extra: &[&str], name: &str| {
        let file = tmp.path().join(name);
        let (code, stdout, stderr) = run(superbill()
            .args(["cms1500", "test-page", "--out"])
            .arg(&file)
            .args(extra));
        assert_eq!(code, 0, "{stdout}{stderr}");
        (stdout, std::fs::read(&file).unwrap())
    };
    let (_, plain) = page(&[], "plain.pdf");
    assert_eq!(page_count(&plain), 1);
    let text = pdf_pages(&plain).concat();
    assert!(text.contains("XXXXXXXXXX"), "{text}");
    assert!(!text.contains("HEALTH INSURANCE CLAIM FORM"));
    let (stdout, moved) = page(&["--offset-x", "1.5", "--offset-y", "-1mm"], "moved.pdf");
    assert!(stdout.contains("x 1.5 pt, y -2.83 pt"), "{stdout}");
    assert!(moved != plain);
    let (_, again) = page(&["--offset-x", "1.5", "--offset-y", "-1mm"], "again.pdf");
    assert!(again == moved, "deterministic");
}
