//! The batch writes a registered document without knowing it: files named
//! by the document, listed in the manifest, skipped when unchanged.

use crate::batch::{self, BatchOptions};
use crate::findings::Findings;
use crate::testutil::{practice_dir, PRACTICE};
use crate::validate::Period;
use chrono::NaiveDate;

fn pages_text(pdf: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(pdf).expect("PDF loads");
    let n = doc.get_pages().len() as u32;
    (1..=n)
        .map(|p| doc.extract_text(&[p]).expect("text"))
        .collect()
}

fn run(practice: &std::path::Path, out: &std::path::Path) -> batch::Report {
    let mut findings = Findings::default();
    let loaded = crate::practice::load(practice, &mut findings).unwrap();
    let opts = BatchOptions {
        period: Period::month("2026-09").unwrap(),
        as_of: NaiveDate::from_ymd_opt(2026, 10, 5).unwrap(),
        out: out.to_path_buf(),
        dry_run: false,
        jobs: 2,
        extras: Default::default(),
        partial: false,
        cancel: Default::default(),
        shard: None,
        from_shards: None,
        merge_into: None,
    };
    let dir = crate::outdir::OutDir::open(out, false).unwrap();
    batch::run(&loaded, findings, &opts, dir, &|_, _| {}).unwrap()
}

#[test]
fn the_batch_writes_a_registered_document_and_skips_it_when_unchanged() {
    // Thirty psychotherapy sessions for P1 (two pages of rows),
    // one for P2.
    let mut sessions: Vec<String> = (1..=30)
        .map(|d| format!("S{d},P1,b,2026-09-{d:02},psychotherapy,,F33.2,45,,"))
        .collect();
    sessions.push("T1,P2,b,2026-09-15,psychotherapy,,F41.1,45,,".into());
    let rows: Vec<&str> = sessions.iter().map(String::as_str).collect();
    let dir = practice_dir(PRACTICE, &rows, &[]);
    let out = tempfile::tempdir().unwrap();

    let report = run(dir.path(), out.path());
    assert!(!report.findings.has_errors(), "{:?}", report.findings);
    let name = "dummy/SB-202609-P1-dummy.pdf";
    let pdf = std::fs::read(out.path().join(name)).expect("dummy written");
    let pages = pages_text(&pdf);
    assert_eq!(pages.len(), 2, "{pages:?}");
    assert!(pages[0].contains("Dummy"), "{}", pages[0]);
    assert!(pages[0].contains("Page 1 of 2"), "{}", pages[0]);
    // The running header and the repeated table header on page 2.
    assert!(
        pages[1].contains("Dummy SB-202609-P1 (continued)"),
        "{}",
        pages[1]
    );
    assert!(pages[1].contains("Charge"), "{}", pages[1]);
    assert!(pages[1].contains("Total"), "{}", pages[1]);
    assert!(out.path().join("dummy/SB-202609-P2-dummy.pdf").is_file());
    assert!(out.path().join("superbills/SB-202609-P1.pdf").is_file());

    let manifest = crate::manifest::Manifest::previous(out.path());
    assert!(manifest.outputs.contains_key(name));
    assert!(manifest.sources.contains_key(name));
    assert!(report
        .files
        .iter()
        .any(|(n, written)| n == name && *written));

    // Unchanged inputs: nothing is rendered or written again.
    let again = run(dir.path(), out.path());
    assert!(
        again.files.iter().all(|(_, written)| !written),
        "{:?}",
        again.files
    );
    assert_eq!(std::fs::read(out.path().join(name)).unwrap(), pdf);
}

#[test]
fn a_document_that_fails_for_one_superbill_holds_that_one_only() {
    let sessions = [
        "S1,P1,b,2026-09-01,psychotherapy,,F33.2,45,,".to_string(),
        format!(
            "{},P2,b,2026-09-15,psychotherapy,,F41.1,45,,",
            super::FAILS_ON_SESSION
        ),
    ];
    let rows: Vec<&str> = sessions.iter().map(String::as_str).collect();
    let dir = practice_dir(PRACTICE, &rows, &[]);
    let out = tempfile::tempdir().unwrap();
    let report = run(dir.path(), out.path());
    let o = out.path();

    // P2 held with a finding naming the failed document; P1 issued.
    assert_eq!(report.superbills, 1);
    assert_eq!(report.held.len(), 1);
    assert_eq!(report.held[0].number, "SB-202609-P2");
    assert_eq!(report.held[0].reasons[0].codes, ["render-failed"]);
    assert!(report
        .findings
        .items
        .iter()
        .any(|f| f.code == "render-failed" && f.record_id == "P2"));
    // Every document of a superbill is rendered before any is written:
    // the held one leaves no file of its own.
    assert!(!o.join("superbills/SB-202609-P2.pdf").exists());
    assert!(!o.join("dummy/SB-202609-P2-dummy.pdf").exists());
    assert!(o.join("superbills/SB-202609-P1.pdf").is_file());
    assert!(o.join("dummy/SB-202609-P1-dummy.pdf").is_file());

    // The exports and the manifest are complete: the summary lists both,
    // and the manifest vouches for every file it names.
    let summary = std::fs::read_to_string(o.join("summary.csv")).unwrap();
    assert_eq!(summary.lines().count(), 3, "{summary}");
    let held = summary
        .lines()
        .find(|l| l.contains("SB-202609-P2"))
        .unwrap();
    assert!(
        held.contains("held") && held.contains("render-failed"),
        "{held}"
    );
    let manifest = crate::manifest::Manifest::previous(o);
    assert!(manifest.outputs.contains_key("summary.csv"));
    assert!(manifest.outputs.contains_key("ledger.csv"));
    assert!(!manifest.outputs.keys().any(|n| n.contains("P2")));
    for (name, sha) in &manifest.outputs {
        let bytes = std::fs::read(o.join(name)).unwrap();
        assert_eq!(&crate::manifest::sha256_hex(&bytes), sha, "{name}");
    }
}
