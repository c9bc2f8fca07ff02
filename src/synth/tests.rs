//! Tests of the synthetic practice generator.

use super::course::Sess;
use super::fees::Fees;
use super::payments::dollars;
use super::plan::compatible;
use super::practice::PSYCHIATRIST;
use super::*;
use chrono::Weekday;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

fn opts(patients: usize, months: u32) -> SynthOptions {
    SynthOptions {
        patients,
        months,
        start: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
        seed: CEDAR_RIDGE_SEED,
    }
}

fn dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("superbill-synth-{name}-"))
        .tempdir()
        .unwrap()
}

fn rows(path: PathBuf) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn same_options_same_bytes() {
    let (a, b) = (dir("a"), dir("b"));
    let o = opts(30, 2);
    let sa = generate(&o, a.path()).unwrap();
    let sb = generate(&o, b.path()).unwrap();
    assert_eq!(sa, sb);
    for f in [
        "practice.toml",
        "patients.csv",
        "sessions.csv",
        "payments.csv",
    ] {
        let x = fs::read(a.path().join(f)).unwrap();
        let y = fs::read(b.path().join(f)).unwrap();
        assert!(!x.is_empty());
        assert!(x == y, "{f} differs between runs");
    }
    // A different seed changes the data.
    let c = dir("c");
    generate(&SynthOptions { seed: 7, ..o }, c.path()).unwrap();
    assert_ne!(
        fs::read(a.path().join("patients.csv")).unwrap(),
        fs::read(c.path().join("patients.csv")).unwrap()
    );
}

#[test]
fn rows_scale_with_patients() {
    let (a, b) = (dir("small"), dir("large"));
    let small = generate(&opts(40, 1), a.path()).unwrap();
    let large = generate(&opts(400, 1), b.path()).unwrap();
    assert_eq!(small.patients, 40);
    assert_eq!(large.patients, 400);
    assert_eq!(rows(b.path().join("sessions.csv")).len(), large.sessions);
    assert_eq!(rows(b.path().join("payments.csv")).len(), large.payments);
    assert!(large.sessions > 8 * small.sessions, "{small:?} {large:?}");
    let per = large.sessions as f64 / 400.0;
    assert!(
        (3.5..=6.5).contains(&per),
        "{per} sessions per patient-month"
    );
    let per3 = {
        let c = dir("months");
        generate(&opts(200, 3), c.path()).unwrap().sessions as f64 / 600.0
    };
    assert!(
        (3.0..=6.5).contains(&per3),
        "{per3} sessions per patient-month"
    );
}

#[test]
fn a_45_patient_month_covers_every_service_and_shape() {
    let d = dir("cover");
    let stats = generate(&opts(45, 1), d.path()).unwrap();
    assert!(stats.sessions >= 200, "{stats:?}");
    let sessions = rows(d.path().join("sessions.csv"));
    let services: BTreeSet<&str> = sessions.iter().map(|s| s["service"].as_str()).collect();
    let table: toml::Table = toml::from_str(include_str!("../../codes/services.toml")).unwrap();
    for key in table["services"].as_table().unwrap().keys() {
        assert!(services.contains(key.as_str()), "service {key} never used");
    }
    let has = |f: &dyn Fn(&HashMap<String, String>) -> bool| sessions.iter().any(f);
    let num = |s: &HashMap<String, String>, k: &str| s[k].parse::<u32>().unwrap_or(0);
    let infusion = |s: &HashMap<String, String>| s["service"].starts_with("ketamine-iv");
    assert!(
        has(&|s| infusion(s) && num(s, "minutes") > 90),
        "long infusion"
    );
    assert!(
        has(&|s| infusion(s) && num(s, "minutes") == 40),
        "40-minute infusion"
    );
    for svc in ["spravato", "spravato-split"] {
        for mg in [56, 84] {
            assert!(
                has(&|s| s["service"] == svc && num(s, "dose_mg") == mg),
                "{svc} {mg}"
            );
        }
    }
    for tier in [20, 45, 55] {
        assert!(has(
            &|s| s["service"] == "psychotherapy" && num(s, "minutes") == tier
        ));
    }
    assert!(has(
        &|s| s["service"] == "telehealth-psychotherapy" && s["place_of_service"] == "10"
    ));
    for p in ["99214", "90834", "90837", "99215;99417x2", "90785"] {
        assert!(has(&|s| s["procedures"] == p), "explicit {p}");
    }
    assert!(has(&|s| s["status"] == "cancelled"));
    assert!(has(&|s| s["status"] == "no-show"));
    let payments = rows(d.path().join("payments.csv"));
    assert!(
        payments.iter().any(|p| p["amount"].starts_with('-')),
        "refund"
    );
    assert!(
        payments
            .iter()
            .any(|p| p["session_id"].is_empty() && p["date"].as_str() < "2026-09-01"),
        "August package"
    );
    let methods: BTreeSet<&str> = payments.iter().map(|p| p["method"].as_str()).collect();
    for m in ["card", "cash", "check", "hsa-card"] {
        assert!(methods.contains(m), "method {m}");
    }
    let names: String = rows(d.path().join("patients.csv"))
        .iter()
        .map(|p| format!("{} {} ", p["first_name"], p["last_name"]))
        .collect();
    for n in [
        "Zoë", "Muñoz", "Renée", "José", "Nguyễn", "Łukasz", "Dvořák",
    ] {
        assert!(names.contains(n), "{n}");
    }
}

#[test]
fn sessions_stay_inside_the_months_and_follow_the_rules() {
    let d = dir("range");
    generate(&opts(120, 3), d.path()).unwrap();
    let sessions = rows(d.path().join("sessions.csv"));
    let lo = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    let hi = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let mut seen: HashMap<String, Vec<NaiveDate>> = HashMap::new();
    let mut ids = BTreeSet::new();
    let rules = crate::codes::Catalog::load(None).unwrap().units;
    for s in &sessions {
        assert!(ids.insert(s["session_id"].clone()), "duplicate id");
        let date: NaiveDate = s["date"].parse().unwrap();
        assert!(date >= lo && date <= hi, "{date} outside the months");
        assert!(!matches!(date.weekday(), Weekday::Sat | Weekday::Sun));
        let infusion = &rules.timed["infusion"];
        let days = seen.entry(s["patient_id"].clone()).or_default();
        assert!(!days.contains(&date), "two sessions one day");
        let first = days.is_empty() && s["status"] == "completed";
        if first {
            assert!(
                !s["service"].starts_with("spravato"),
                "Spravato for a new patient"
            );
        }
        days.push(date);
        let dx: Vec<&str> = s["diagnoses"].split(';').collect();
        assert!((1..=3).contains(&dx.len()));
        for a in &dx {
            for b in &dx {
                assert!(a == b || compatible(a, b), "{a} with {b}");
            }
        }
        let minutes: u32 = s["minutes"].parse().unwrap_or(0);
        if s["service"].starts_with("ketamine-iv") {
            assert!(infusion.units(minutes).is_ok());
        }
        if s["service"].contains("psychotherapy") {
            assert!(minutes >= 16);
        }
    }
    // Sessions are grouped by patient and in date order.
    let order: Vec<(String, String)> = sessions
        .iter()
        .map(|s| (s["patient_id"].clone(), s["date"].clone()))
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
}

#[test]
fn charges_follow_the_fee_schedule() {
    let fees = Fees::builtin();
    let d = NaiveDate::from_ymd_opt(2026, 9, 14).unwrap();
    let s = |svc, min, dose| Sess::new(d, PSYCHIATRIST, svc, min, dose);
    assert_eq!(
        fees.charge(&s("ketamine-iv", Some(40), Some(50))),
        dollars(535)
    );
    // 151 minutes: 96365 + 2 x 96366.
    assert_eq!(
        fees.charge(&s("ketamine-iv", Some(151), Some(200))),
        dollars(835)
    );
    assert_eq!(fees.charge(&s("spravato", None, Some(84))), dollars(875));
    // J0013 x 56 + 99215 + 99417 x 4 (100 minutes).
    assert_eq!(
        fees.charge(&s("spravato-split", Some(100), Some(56))),
        dollars(546) + dollars(295) + dollars(300)
    );
    assert_eq!(
        fees.charge(&Sess::explicit(d, PSYCHIATRIST, "99215;99417x2", 70)),
        dollars(445)
    );
    let mut p = s("psychotherapy", Some(45), None);
    p.procedures = "90785";
    assert_eq!(fees.charge(&p), dollars(195) + dollars(25));
}

#[test]
fn parse_month() {
    assert_eq!(
        SynthOptions::parse_month("2026-09").unwrap(),
        NaiveDate::from_ymd_opt(2026, 9, 1).unwrap()
    );
    assert!(SynthOptions::parse_month("2026-13").is_err());
    assert!(SynthOptions::parse_month("Sept").is_err());
}

/// The committed sample is exactly what the generator writes: after a
/// change to the generator or the fees, regenerate it with
/// `write_cedar_ridge_sample` and review the diff.
#[test]
fn committed_sample_matches_the_generator() {
    let d = dir("committed");
    let o = SynthOptions::cedar_ridge();
    assert_eq!(o, opts(45, 1));
    generate(&o, d.path()).unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/cedar-ridge");
    for f in [
        "practice.toml",
        "patients.csv",
        "sessions.csv",
        "payments.csv",
    ] {
        let committed = fs::read(sample.join(f)).unwrap();
        let fresh = fs::read(d.path().join(f)).unwrap();
        assert!(
            committed == fresh,
            "samples/cedar-ridge/{f} differs from the generator's output"
        );
    }
}

/// Regenerates `samples/cedar-ridge` (run with `--ignored`).
#[test]
#[ignore]
fn write_cedar_ridge_sample() {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/cedar-ridge");
    let stats = generate(&SynthOptions::cedar_ridge(), &out).unwrap();
    eprintln!("{stats:?}");
}
