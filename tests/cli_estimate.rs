//! `superbill estimate`: a Good Faith Estimate from every sample plan, read
//! back from the PDF: providers with NPI and TIN, codes, charges, the total,
//! the required disclaimers; ranges priced at the dearer end; bad plans
//! refused with the field named.

mod common;

use common::*;
use std::path::Path;

fn estimate(plan: &Path, out: &Path) -> (i32, String, String) {
    run(superbill()
        .arg("estimate")
        .arg("--practice")
        .arg(sample("cedar-ridge"))
        .args(["--patient", "P0001", "--as-of", "2026-10-05", "--plan"])
        .arg(plan)
        .arg("--out")
        .arg(out))
}

/// The total printed on stdout (`total $4,815.00.`).
fn total_of(stdout: &str) -> String {
    stdout
        .rsplit("total ")
        .next()
        .unwrap()
        .trim()
        .trim_end_matches('.')
        .to_string()
}

#[test]
fn every_sample_plan_gives_a_complete_estimate() {
    let tmp = tempfile::tempdir().unwrap();
    let plans = sample("cedar-ridge").join("plans");
    let mut names: Vec<_> = std::fs::read_dir(&plans)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    assert!(names.len() >= 5, "a plan per service line");
    for plan in &names {
        let out = tmp.path().join("gfe.pdf");
        let (code, stdout, stderr) = estimate(plan, &out);
        assert_eq!(code, 0, "{}: {stdout}{stderr}", plan.display());
        let pdf = std::fs::read(&out).unwrap();
        let text = pdf_pages(&pdf).concat();
        let plan_text: toml::Table = std::fs::read_to_string(plan).unwrap().parse().unwrap();
        let total = total_of(&stdout);
        for want in [
            "Good Faith Estimate",
            "GFE-20261005-P0001",
            "Date of birth 07/09/1975",
            "TIN 84-1234567",
            "Total estimated charges",
            total.as_str(),
            "$400 or more",
            "120 calendar days",
            "Keep a copy of this Good Faith Estimate",
            "www.cms.gov/nosurprises",
            plan_text["title"].as_str().unwrap(),
        ] {
            assert!(text.contains(want), "{}: missing {want:?}", plan.display());
        }
        // The AMA notice exactly when a CPT code is shown: Spravato is billed
        // with HCPCS G-codes only.
        let ama =
            text.contains("CPT is a registered trademark of the American Medical Association.");
        let spravato = plan.ends_with("spravato.toml");
        assert_eq!(ama, !spravato, "{}", plan.display());
        if spravato {
            assert!(text.contains("G2083") || text.contains("G2082"), "{text}");
        }
        for dx in plan_text["diagnoses"].as_array().unwrap() {
            assert!(
                text.contains(dx.as_str().unwrap()),
                "{}: {dx}",
                plan.display()
            );
        }
        let provider = plan_text["provider"].as_str().unwrap();
        let npi = match provider {
            "okafor" => "1234567893",
            "lindqvist" => "2123456784",
            "reyes" => "1555555550",
            other => panic!("unknown provider {other}"),
        };
        assert!(text.contains(&format!("NPI {npi}")), "{}", plan.display());
        // Byte-identical on a second run.
        let again = tmp.path().join("again.pdf");
        assert_eq!(estimate(plan, &again).0, 0);
        assert!(std::fs::read(&again).unwrap() == pdf);
    }
}

#[test]
fn a_range_is_priced_at_the_end_that_costs_more() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |name: &str, minutes: &str| {
        let p = tmp.path().join(name);
        std::fs::write(
            &p,
            format!(
                "title = \"IV series\"\ndescription = \"Six infusions\"\ndiagnoses = [\"F33.2\"]\n\
provider = \"lindqvist\"\nperiod = {{ weeks = 3 }}\n\n[[services]]\nservice = \"ketamine-iv\"\n\
count = 6\nminutes = \"{minutes}\"\ndose_mg = 50\n"
            ),
        )
        .unwrap();
        p
    };
    let short = write("short.toml", "40-50");
    let long = write("long.toml", "40-95");
    let out = tmp.path().join("a.pdf");
    let (code, stdout, stderr) = estimate(&short, &out);
    assert_eq!(code, 0, "{stderr}");
    let a = pdf_pages(&std::fs::read(&out).unwrap()).concat();
    assert!(a.contains("96365") && !a.contains("96366"), "{a}");
    let short_total = total_of(&stdout);
    let (code, stdout, _) = estimate(&long, &out);
    assert_eq!(code, 0);
    let b = pdf_pages(&std::fs::read(&out).unwrap()).concat();
    // 95 minutes bill an additional hour (96366); the estimate says it
    // priced the dearer end and what the other end would cost.
    assert!(b.contains("96366"), "{b}");
    assert!(b.contains("the end of the range that costs more"), "{b}");
    assert!(
        cents(&total_of(&stdout).replace(['$', ','], ""))
            > cents(&short_total.replace(['$', ','], ""))
    );
}

#[test]
fn a_bad_plan_names_the_field_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = tmp.path().join("bad.toml");
    std::fs::write(
        &plan,
        "title = \"x\"\ndescription = \"y\"\ndiagnoses = [\"F33\"]\nprovider = \"okafor\"\n\
period = { months = 13 }\n\n[[services]]\nservice = \"no-such-service\"\ncount = 2\n",
    )
    .unwrap();
    let out = tmp.path().join("x.pdf");
    let (code, stdout, stderr) = estimate(&plan, &out);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("12 months"), "{stderr}");
    assert!(!out.exists());
    let missing = tmp.path().join("nope.toml");
    let (code, _, stderr) = estimate(&missing, &out);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("plans/"), "{stderr}");
}
