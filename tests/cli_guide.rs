//! The patient filing guide from the outside: `batch --with guide` (or
//! practice.toml's `[documents]`) on a small clinic with a commercial, a
//! Medicare and a Medicaid patient, the PDFs read back as text.

mod common;

use common::*;
use std::path::{Path, PathBuf};

const AS_OF: &str = "2026-10-05";
/// P0001 Anthem (commercial), P0002 UnitedHealthcare made Medicaid by the
/// payer_type column, P0003 Medicare by the payer name, P0004 Aetna.
const KEEP: [&str; 4] = ["P0001", "P0002", "P0003", "P0004"];

/// The sample clinic cut down to four patients.
fn clinic() -> (tempfile::TempDir, PathBuf) {
    let (tmp, dir) = sample_copy("cedar-ridge");
    for file in ["patients.csv", "sessions.csv", "payments.csv"] {
        rewrite_csv(&dir.join(file), |h, rows| {
            let k = h.iter().position(|c| c == "patient_id").unwrap();
            rows.retain(|r| KEEP.contains(&r[k].as_str()));
        });
    }
    rewrite_csv(&dir.join("patients.csv"), |h, rows| {
        h.push("payer_type".into());
        for r in rows.iter_mut() {
            let t = if r[0] == "P0002" { "medicaid" } else { "" };
            r.push(t.into());
        }
    });
    (tmp, dir)
}

fn batch(practice: &Path, out: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut cmd = on_practice("batch", practice);
    cmd.args(["--period", "2026-09", "--as-of", AS_OF, "--quiet", "--out"]);
    run(cmd.arg(out).args(extra))
}

/// Each page's text, whitespace collapsed.
fn pages(out: &Path, number: &str) -> Vec<String> {
    let pdf = std::fs::read(out.join(format!("superbills/{number}.pdf"))).unwrap();
    pdf_pages(&pdf)
        .iter()
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

fn has_all(page: &str, wanted: &[&str]) {
    for w in wanted {
        assert!(page.contains(w), "{w:?} missing from:\n{page}");
    }
}

fn has_none(page: &str, unwanted: &[&str]) {
    for w in unwanted {
        assert!(!page.contains(w), "{w:?} found in:\n{page}");
    }
}

#[test]
fn each_payer_type_gets_its_own_guide_before_an_unchanged_superbill() {
    let (tmp, practice) = clinic();
    let plain = tmp.path().join("plain");
    let (code, stdout, stderr) = batch(&practice, &plain, &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let out = tmp.path().join("out");
    let (code, stdout, stderr) = batch(&practice, &out, &["--with", "guide"]);
    assert_eq!(code, 0, "{stdout}{stderr}");

    for number in KEEP.map(|p| format!("SB-202609-{p}")) {
        let with = pages(&out, &number);
        let without = pages(&plain, &number);
        // The guide is one page before the superbill's own pages, which
        // are the same pages, numbered "Page N of M" as without it.
        assert_eq!(with.len(), without.len() + 1, "{number}");
        assert_eq!(&with[1..], &without[..], "{number}");
        let total = without.len();
        for (i, page) in with[1..].iter().enumerate() {
            assert!(
                page.contains(&format!("Page {} of {total}", i + 1)),
                "{page}"
            );
        }
        let guide = &with[0];
        has_all(
            guide,
            &[
                "PATIENT FILING GUIDE",
                &format!("Superbill no. {number}"),
                "Guide page 1 of 1",
                "This guide is not part of the superbill",
                "Questions? Call Cedar Ridge Ketamine & Wellness, LLC at (303) 555-0142",
                "IRS Publication 502",
            ],
        );
        // The superbill's procedure text, and the AMA notice with it, stay
        // on the superbill.
        has_none(
            guide,
            &["American Medical Association", "CPT", "99215", "96365"],
        );
        assert!(!without[0].contains("PATIENT FILING GUIDE"));
    }

    let commercial = &pages(&out, "SB-202609-P0001")[0];
    has_all(
        commercial,
        &[
            "How to get reimbursed with this superbill",
            "Patient Hargrove, Zoë",
            "Insurance plan Anthem",
            "Member ID HMQ849508732",
            "Group no. CO49400",
            "How to file it with Anthem",
            "member claim form",
            "An itemized receipt, only if Anthem asks",
            "90 days to 1 year after the date of service",
            "Your earliest visit on this superbill was on September 1, 2026",
            "90 days after it is November 30, 2026, one year after it September 1, 2027",
        ],
    );
    has_none(commercial, &["CMS-1490S", "Medicaid"]);

    let medicare = &pages(&out, "SB-202609-P0003")[0];
    has_all(
        medicare,
        &[
            "Your superbill and Medicare",
            "Patient Castellanos, Renée",
            "Insurance plan Medicare",
            "Member ID 5YN4AC0CD13",
            "Medicare does not accept it as a claim from you",
            "the provider must send the claim to Medicare and may not charge you for filing it",
            "opted out of Medicare",
            "CMS-1490S",
            "applies only in narrow cases",
            "within 12 months of the date of service",
            "by September 4, 2027",
        ],
    );
    has_none(medicare, &["member claim form", "90 days"]);

    let medicaid = &pages(&out, "SB-202609-P0002")[0];
    has_all(
        medicaid,
        &[
            "Your superbill and Medicaid",
            "Insurance plan UnitedHealthcare",
            "Member ID 431393984",
            "Medicaid generally does not reimburse members",
            "Call your state Medicaid plan",
        ],
    );
    has_none(medicaid, &["member claim form", "CMS-1490S"]);

    // The same inputs give the same bytes.
    let again = tmp.path().join("again");
    let (code, _, _) = batch(&practice, &again, &["--with", "guide"]);
    assert_eq!(code, 0);
    for p in KEEP {
        let name = format!("superbills/SB-202609-{p}.pdf");
        assert_eq!(
            std::fs::read(out.join(&name)).unwrap(),
            std::fs::read(again.join(&name)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn the_practice_setting_adds_the_guide_and_its_own_template_is_used() {
    let (tmp, practice) = clinic();
    let toml = practice.join("practice.toml");
    let mut text = std::fs::read_to_string(&toml).unwrap();
    text.push_str("\n[documents]\nwith = [\"guide\"]\n");
    std::fs::write(&toml, text).unwrap();
    std::fs::create_dir(practice.join("templates")).unwrap();
    std::fs::write(
        practice.join("templates/guide.hbs"),
        "# Filing with {{payer}}, the Cedar Ridge way\n\n## Step one\n\
         - Log in to your {{payer}} portal and upload this superbill.\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let (code, stdout, stderr) = batch(&practice, &out, &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let guide = &pages(&out, "SB-202609-P0001")[0];
    has_all(
        guide,
        &[
            "Filing with Anthem, the Cedar Ridge way",
            "Log in to your Anthem portal and upload this superbill.",
            "Member ID HMQ849508732",
        ],
    );
    has_none(guide, &["member claim form"]);
    // Medicare keeps the built-in Medicare guide.
    let medicare = &pages(&out, "SB-202609-P0003")[0];
    assert!(
        medicare.contains("Your superbill and Medicare"),
        "{medicare}"
    );

    // An override with a field that does not exist: validate names the
    // template and line, and the batch refuses to start.
    std::fs::write(
        practice.join("templates/guide.hbs"),
        "# Guide\n\nCall {{practise_phone}}.\n",
    )
    .unwrap();
    let (code, stdout, _) = run(on_practice("validate", &practice)
        .args(["--period", "2026-09", "--as-of", AS_OF, "--json"]));
    assert_ne!(code, 0, "{stdout}");
    let j: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let hit = j["findings"].as_array().unwrap().iter().any(|f| {
        f["file"] == "templates/guide.hbs"
            && f["line"] == 3
            && f["code"] == "template-unknown-field"
    });
    assert!(hit, "{stdout}");
    let refused = tmp.path().join("refused");
    let (code, stdout, stderr) = batch(&practice, &refused, &[]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("templates/guide.hbs"), "{stderr}");
}

#[test]
fn held_superbills_get_no_guide_and_partial_ones_stay_marked() {
    let (tmp, practice) = clinic();
    // One of P0001's sessions gets a diagnosis with errors.
    rewrite_csv(&practice.join("sessions.csv"), |h, rows| {
        let c = h.iter().position(|c| c == "diagnoses").unwrap();
        let r = rows.iter_mut().find(|r| r[0] == "S000003").unwrap();
        r[c] = "F33".into();
    });
    let out = tmp.path().join("held");
    let (code, stdout, stderr) = batch(&practice, &out, &["--with", "guide"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(!out.join("superbills/SB-202609-P0001.pdf").exists());
    assert!(out.join("superbills/SB-202609-P0004.pdf").is_file());

    let out = tmp.path().join("partial");
    let (code, stdout, stderr) = batch(&practice, &out, &["--with", "guide", "--partial"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let all = pages(&out, "SB-202609-P0001");
    assert!(all[0].contains("PATIENT FILING GUIDE"), "{}", all[0]);
    for (i, page) in all.iter().enumerate() {
        assert!(
            page.contains("PARTIAL SUPERBILL"),
            "page {}:\n{page}",
            i + 1
        );
    }
    assert!(all[1].contains("LEFT OUT OF THIS SUPERBILL"), "{}", all[1]);
    assert!(all[1].contains("Page 1 of"), "{}", all[1]);
}

#[test]
fn render_puts_the_guide_before_one_superbill_on_request() {
    let (tmp, practice) = clinic();
    let render = |extra: &[&str], out: &Path| {
        run(on_practice("render", &practice)
            .args([
                "--patient",
                "P0003",
                "--from",
                "2026-09-01",
                "--to",
                "2026-09-30",
                "--as-of",
                AS_OF,
                "--out",
            ])
            .arg(out)
            .args(extra))
    };
    let plain = tmp.path().join("plain.pdf");
    let (code, stdout, stderr) = render(&[], &plain);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let guided = tmp.path().join("guided.pdf");
    let (code, stdout, stderr) = render(&["--guide"], &guided);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let plain = pdf_pages(&std::fs::read(&plain).unwrap());
    let guided = pdf_pages(&std::fs::read(&guided).unwrap());
    assert_eq!(guided.len(), plain.len() + 1);
    assert_eq!(&guided[1..], &plain[..]);
    assert!(
        guided[0].contains("Your superbill and Medicare"),
        "{}",
        guided[0]
    );
    // The guide goes with a superbill, not a claim form.
    let (code, _, stderr) = render(&["--guide", "--form", "cms1500"], &tmp.path().join("x.pdf"));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--guide"), "{stderr}");
}
