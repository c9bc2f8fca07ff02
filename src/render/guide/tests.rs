//! The guide inside a superbill's PDF, read back as text.

use crate::findings::Findings;
use crate::render::superbill::Renderer;
use crate::render::{Extras, RenderOptions};
use crate::superbill::{Request, Superbill};
use crate::testutil::{practice_dir, PRACTICE};
use crate::validate::{Options, Period};
use chrono::NaiveDate;
use std::path::Path;

fn superbill_of(practice: &Path, patient: &str) -> Superbill {
    let mut findings = Findings::default();
    let loaded = crate::practice::load(practice, &mut findings).unwrap();
    let period = Period::month("2026-09").unwrap();
    let as_of = NaiveDate::from_ymd_opt(2026, 10, 5).unwrap();
    let opts = Options {
        as_of,
        period: Some(period),
        filing_warnings: true,
    };
    let validated = loaded.validate(&opts, &mut findings);
    let req = Request {
        period,
        as_of,
        patient: Some(patient),
    };
    let out = crate::superbill::superbills(&loaded, &validated, &req, &mut findings);
    out.superbills.into_iter().next().expect("a superbill")
}

fn options(practice: &Path, guide: bool) -> RenderOptions {
    RenderOptions {
        practice_dir: Some(practice.to_path_buf()),
        extras: Extras {
            guide,
            ..Default::default()
        },
        ..Default::default()
    }
}

fn pages_text(pdf: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(pdf).expect("PDF loads");
    let n = doc.get_pages().len() as u32;
    (1..=n)
        .map(|p| {
            let t = doc.extract_text(&[p]).expect("text");
            t.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect()
}

const SESSIONS: &[&str] = &[
    "S1,P1,a,2026-09-03,psychotherapy,,F33.2,45,,",
    "S2,P1,a,2026-09-17,psychotherapy,,F33.2,45,,",
];

#[test]
fn the_guide_comes_first_and_the_superbill_keeps_its_own_numbering() {
    let dir = practice_dir(PRACTICE, SESSIONS, &["Y1,P1,S1,2026-09-03,150.00,card"]);
    let sb = superbill_of(dir.path(), "P1");
    let plain = Renderer::new(options(dir.path(), false))
        .unwrap()
        .render(&sb)
        .unwrap();
    let with = Renderer::new(options(dir.path(), true))
        .unwrap()
        .render(&sb)
        .unwrap();
    let plain_pdf = plain;
    let plain = pages_text(&plain_pdf);
    let pages = pages_text(&with);
    assert_eq!(pages.len(), plain.len() + 1);
    // The superbill's pages are the same pages, numbered as before.
    assert_eq!(&pages[1..], &plain[..]);
    assert!(pages[1].contains("Page 1 of 1"), "{}", pages[1]);

    let guide = &pages[0];
    assert!(guide.contains("Guide page 1 of 1"), "{guide}");
    assert!(!guide.contains("Page 1 of"), "{guide}");
    for want in [
        "How to get reimbursed with this superbill",
        "Patient Quill, Zed",
        "SB-202609-P1",
        "Aetna",
        "W123",
        "Questions? Call Test Clinic at (303) 555-0100",
        "member claim form",
        "90 days to 1 year",
        "IRS Publication 502",
        // 90 days after the earliest date of service, September 3.
        "Your earliest visit on this superbill was on September 3, 2026",
        "90 days after it is December 2, 2026, one year after it September 3, 2027",
        "This guide is not part of the superbill",
    ] {
        assert!(guide.contains(want), "{want:?} missing from {guide}");
    }
    // No procedure text on the guide: codes and descriptions are the
    // superbill's (and the AMA notice with them).
    for line in &sb.lines {
        assert!(!guide.contains(&line.code), "{}", line.code);
        assert!(!guide.contains(&line.description), "{}", line.description);
    }
    assert!(!guide.contains("American Medical Association"), "{guide}");
    assert!(!guide.contains("CMS-1490S"), "{guide}");

    // A viewer numbers the pages "Guide 1", then 1 to N like the footers;
    // without the guide, the viewer's own numbering.
    assert_eq!(
        page_labels(&with),
        vec![(0, "Guide ".into()), (1, String::new())]
    );
    assert!(page_labels(&plain_pdf).is_empty());
}

/// The PDF's /PageLabels: (first page index, prefix) of each range.
fn page_labels(pdf: &[u8]) -> Vec<(i64, String)> {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let Ok(tree) = doc.catalog().unwrap().get(b"PageLabels") else {
        return Vec::new();
    };
    let nums = tree
        .as_dict()
        .unwrap()
        .get(b"Nums")
        .unwrap()
        .as_array()
        .unwrap();
    nums.chunks(2)
        .map(|pair| {
            let d = pair[1].as_dict().unwrap();
            assert_eq!(d.get(b"S").unwrap().as_name().unwrap(), b"D");
            let prefix = d
                .get(b"P")
                .map(|p| String::from_utf8(p.as_str().unwrap().to_vec()).unwrap())
                .unwrap_or_default();
            (pair[0].as_i64().unwrap(), prefix)
        })
        .collect()
}

#[test]
fn the_guide_is_deterministic_and_part_of_the_fingerprint() {
    let dir = practice_dir(PRACTICE, SESSIONS, &[]);
    let sb = superbill_of(dir.path(), "P1");
    let r = Renderer::new(options(dir.path(), true)).unwrap();
    assert_eq!(r.render(&sb).unwrap(), r.render(&sb).unwrap());
    let again = Renderer::new(options(dir.path(), true)).unwrap();
    assert_eq!(r.render(&sb).unwrap(), again.render(&sb).unwrap());
    // A batch that adds the guide renders the superbill again.
    use crate::render::Document;
    let plain = Renderer::new(options(dir.path(), false)).unwrap();
    assert_ne!(plain.fingerprint(), r.fingerprint());
}

#[test]
fn payer_types_get_their_own_guide_and_a_practice_may_override_it() {
    let dir = practice_dir(PRACTICE, SESSIONS, &[]);
    // P2 becomes a Medicare patient by the payer name.
    let patients = std::fs::read_to_string(dir.path().join("patients.csv")).unwrap();
    std::fs::write(
        dir.path().join("patients.csv"),
        patients.replace("Cigna", "Medicare Part B"),
    )
    .unwrap();
    let sessions: Vec<String> = SESSIONS
        .iter()
        .map(|s| s.replace("P1", "P2").replace('S', "T"))
        .collect();
    let rows: Vec<&str> = sessions.iter().map(String::as_str).collect();
    let text = std::fs::read_to_string(dir.path().join("sessions.csv")).unwrap();
    std::fs::write(
        dir.path().join("sessions.csv"),
        format!("{}{}\n", text, rows.join("\n")),
    )
    .unwrap();
    let sb = superbill_of(dir.path(), "P2");
    assert_eq!(sb.patient.payer_type.as_deref(), Some("medicare"));
    let r = Renderer::new(options(dir.path(), true)).unwrap();
    let guide = pages_text(&r.render(&sb).unwrap()).remove(0);
    for want in [
        "Your superbill and Medicare",
        "Medicare does not accept it as a claim from you",
        "the provider must send the claim to Medicare",
        "CMS-1490S",
        "1-800-MEDICARE",
        "within 12 months of the date of service",
        "by September 3, 2027",
    ] {
        assert!(guide.contains(want), "{want:?} missing from {guide}");
    }
    assert!(!guide.contains("member claim form"), "{guide}");

    // The practice's own Medicare guide, long enough for a second page.
    let own = dir.path().join("templates");
    std::fs::create_dir(&own).unwrap();
    let mut text = String::from("# Our Medicare guide\n\n## Call us\n");
    for i in 0..50 {
        text.push_str(&format!("- Step {i}: call {{{{practice_name}}}}.\n"));
    }
    std::fs::write(own.join("guide_medicare.hbs"), text).unwrap();
    let r = Renderer::new(options(dir.path(), true)).unwrap();
    let pages = pages_text(&r.render(&sb).unwrap());
    assert!(pages[0].contains("Our Medicare guide"), "{}", pages[0]);
    assert!(
        pages[0].contains("Step 0: call Test Clinic."),
        "{}",
        pages[0]
    );
    assert!(pages[0].contains("Guide page 1 of 2"), "{}", pages[0]);
    assert!(pages[1].contains("Guide page 2 of 2"), "{}", pages[1]);
    assert!(pages[1].contains("Step 49"), "{}", pages[1]);
    assert!(
        pages[1].contains("Filing guide for superbill SB-202609-P2 (continued)"),
        "{}",
        pages[1]
    );
    assert!(pages[2].contains("Page 1 of 1"), "{}", pages[2]);
    assert!(!pages[0].contains("CMS-1490S"), "{}", pages[0]);
}

#[test]
fn deadlines_move_by_calendar_months_and_days() {
    let dir = practice_dir(PRACTICE, SESSIONS, &[]);
    let own = dir.path().join("templates");
    std::fs::create_dir(&own).unwrap();
    std::fs::write(
        own.join("guide.hbs"),
        "{{date \"2026-01-31\" plus_months=1}} / {{date \"2028-02-29\" plus_months=12}} / \
         {{date \"2026-12-15\" plus_days=30 format=\"short\"}}",
    )
    .unwrap();
    let sb = superbill_of(dir.path(), "P1");
    let r = Renderer::new(options(dir.path(), true)).unwrap();
    let guide = pages_text(&r.render(&sb).unwrap()).remove(0);
    assert!(
        guide.contains("February 28, 2026 / February 28, 2029 / 01/14/2027"),
        "{guide}"
    );
    // Without a title of its own, the guide has the default one.
    assert!(guide.contains("How to file this superbill"), "{guide}");
}
