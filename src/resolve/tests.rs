use super::*;
use crate::input::records::proc_spec;
use crate::input::Status;
use chrono::NaiveDate;

fn session(
    service: Option<&str>,
    procedures: &str,
    minutes: Option<u32>,
    dose: Option<u32>,
) -> Session {
    Session {
        line: 7,
        session_id: "S1".into(),
        patient_id: "P1".into(),
        provider_id: "dr-a".into(),
        date: NaiveDate::from_ymd_opt(2026, 9, 14).unwrap(),
        diagnoses: vec!["F332".into()].into(),
        service: service.map(Into::into),
        procedures: procedures
            .split(';')
            .filter(|s| !s.is_empty())
            .map(|p| proc_spec(p).unwrap())
            .collect(),
        minutes,
        dose_mg: dose,
        place_of_service: None,
        status: Status::Completed,
        location: None,
    }
}

fn run(s: &Session) -> (Resolved, Findings) {
    let cat = Catalog::load(None).unwrap();
    let mut f = Findings::default();
    let r = super::session(s, "11", &cat, &mut f);
    (r, f)
}

fn codes(r: &Resolved) -> Vec<String> {
    r.lines
        .iter()
        .map(|l| {
            format!(
                "{}{}x{}",
                l.code,
                l.modifiers
                    .iter()
                    .map(|m| format!("-{m}"))
                    .collect::<String>(),
                l.units
            )
        })
        .collect()
}

#[test]
fn short_iv_infusion() {
    let (r, f) = run(&session(Some("ketamine-iv"), "", Some(40), Some(40)));
    assert!(f.items.is_empty(), "{:?}", f.items);
    assert_eq!(codes(&r), ["96365x1", "J3490x1"]);
    let drug = r.lines[1].drug.as_ref().unwrap();
    assert_eq!(drug.ndc11, "00409205105");
    assert_eq!(drug.unit_qualifier, "ML");
    assert_eq!(drug.quantity, "0.8");
    assert_eq!(r.lines[0].charge(), Cents(45_000));
    assert_eq!(r.place_of_service, "11");
}

#[test]
fn long_infusion_adds_96366_by_the_primer_rule() {
    let (r, f) = run(&session(Some("ketamine-iv"), "", Some(151), Some(200)));
    assert!(f.items.is_empty(), "{:?}", f.items);
    assert_eq!(codes(&r), ["96365x1", "96366x2", "J3490x1"]);
    assert_eq!(r.lines[1].charge(), Cents(30_000));
}

#[test]
fn infusion_of_12_minutes_is_rejected_as_a_push() {
    let (_, f) = run(&session(Some("ketamine-iv"), "", Some(12), Some(40)));
    assert_eq!(f.errors(), 1, "{:?}", f.items);
    assert_eq!(f.items[0].code, "infusion-too-short");
    assert_eq!(f.items[0].line, 7);
}

#[test]
fn visit_with_infusion_carries_modifier_25() {
    let (r, _) = run(&session(Some("ketamine-iv-visit"), "", Some(50), Some(50)));
    assert_eq!(codes(&r), ["99214-25x1", "96365x1", "J3490x1"]);
}

#[test]
fn antiemetic_push_has_fixed_ondansetron_dose() {
    let (r, f) = run(&session(
        Some("ketamine-iv-antiemetic"),
        "",
        Some(45),
        Some(50),
    ));
    assert!(f.items.is_empty(), "{:?}", f.items);
    assert_eq!(codes(&r), ["96365x1", "96375x1", "J3490x1", "J2405x4"]);
    assert_eq!(r.lines[3].drug.as_ref().unwrap().quantity, "2");
    assert_eq!(r.lines[3].charge(), Cents(1_800));
}

#[test]
fn spravato_g_codes_by_dose() {
    let (r, _) = run(&session(Some("spravato"), "", None, Some(56)));
    assert_eq!(codes(&r), ["G2082-KXx1"]);
    let (r, _) = run(&session(Some("spravato"), "", None, Some(84)));
    assert_eq!(codes(&r), ["G2083-KXx1"]);
    let (_, f) = run(&session(Some("spravato"), "", None, Some(60)));
    assert_eq!(f.items[0].code, "esketamine-dose");
}

#[test]
fn spravato_split_bill_with_prolonged_time() {
    let (r, f) = run(&session(Some("spravato-split"), "", Some(70), Some(84)));
    assert!(f.items.is_empty(), "{:?}", f.items);
    assert_eq!(codes(&r), ["J0013x84", "99215x1", "99417x2"]);
    assert_eq!(r.lines[0].drug.as_ref().unwrap().quantity, "3");
    assert_eq!(r.lines[0].charge(), Cents(975 * 84));
    // Under 55 minutes there is no prolonged line at all.
    let (r, _) = run(&session(Some("spravato-split"), "", Some(54), Some(56)));
    assert_eq!(codes(&r), ["J0013x56", "99215x1"]);
}

#[test]
fn psychotherapy_code_follows_minutes() {
    for (m, code) in [(16, "90832"), (45, "90834"), (53, "90837")] {
        let (r, _) = run(&session(Some("psychotherapy"), "", Some(m), None));
        assert_eq!(codes(&r), [format!("{code}x1")], "{m} min");
    }
    let (r, _) = run(&session(
        Some("med-management-psychotherapy"),
        "",
        Some(40),
        None,
    ));
    assert_eq!(codes(&r), ["99214x1", "90836x1"]);
    let (_, f) = run(&session(Some("psychotherapy"), "", Some(10), None));
    assert_eq!(f.items[0].code, "psychotherapy-too-short");
}

#[test]
fn telehealth_service_sets_pos_10_and_95() {
    let (r, _) = run(&session(
        Some("telehealth-psychotherapy"),
        "",
        Some(50),
        None,
    ));
    assert_eq!(r.place_of_service, "10");
    assert_eq!(codes(&r), ["90834-95x1"]);
}

#[test]
fn explicit_procedures() {
    let (r, f) = run(&session(None, "99215;99417x2", Some(70), None));
    assert!(f.items.is_empty(), "{:?}", f.items);
    assert_eq!(codes(&r), ["99215x1", "99417x2"]);
    let (r, f) = run(&session(None, "99215;99417", Some(85), None));
    assert!(f.items.is_empty(), "{:?}", f.items);
    assert_eq!(codes(&r), ["99215x1", "99417x3"]);
    let (_, f) = run(&session(None, "90837", Some(40), None));
    assert!(f.items[0].message.contains("bill 90834"), "{:?}", f.items);
}

#[test]
fn explicit_unknown_and_wrong_codes() {
    let (_, f) = run(&session(None, "99999", None, None));
    assert_eq!(f.items[0].code, "unknown-code");
    let (_, f) = run(&session(None, "J3000", None, Some(50)));
    assert_eq!(f.items[0].code, "wrong-code");
    assert!(f.items[0].message.contains("J3490"));
}

#[test]
fn missing_minutes_for_a_timed_service() {
    let (_, f) = run(&session(Some("ketamine-iv"), "", None, Some(50)));
    assert!(f.items.iter().all(|x| x.field == "minutes"));
    assert!(f.has_errors());
}

#[test]
fn unknown_service_lists_the_known_ones() {
    let (_, f) = run(&session(Some("ketamine-xx"), "", None, None));
    assert_eq!(f.items[0].code, "unknown-service");
    assert!(f.items[0].message.contains("ketamine-iv"));
}

#[test]
fn ketamine_quantity_follows_the_dose_in_exact_decimals() {
    for (dose, q) in [(60, "1.2"), (100, "2"), (35, "0.7")] {
        let (r, f) = run(&session(Some("ketamine-im"), "", None, Some(dose)));
        assert!(f.items.is_empty(), "{:?}", f.items);
        assert_eq!(r.lines[1].drug.as_ref().unwrap().quantity, q, "{dose} mg");
    }
}

fn drug(r: &Resolved, code: &str) -> String {
    let l = r.lines.iter().find(|l| l.code == code).unwrap();
    let d = l.drug.as_ref().unwrap();
    format!("{}{}", d.unit_qualifier, d.quantity)
}

#[test]
fn ndc_quantity_follows_the_billed_units() {
    // J2405 is per 1 mg; 8 mg of a 2 mg/mL vial is 4 mL, not the standard
    // dose's 2 mL.
    let (r, f) = run(&session(None, "96374;J2405x8", Some(10), None));
    assert!(f.items.is_empty(), "{:?}", f.items);
    assert_eq!(codes(&r), ["96374x1", "J2405x8"]);
    assert_eq!(drug(&r, "J2405"), "ML4");
    assert_eq!(r.lines[1].drug.as_ref().unwrap().ndc11, "00409475503");
    assert_eq!(r.lines[1].charge(), Cents(8 * 450));
    // The service's standard dose: 4 mg, 2 mL.
    let (r, _) = run(&session(
        Some("ketamine-iv-antiemetic"),
        "",
        Some(45),
        Some(50),
    ));
    assert_eq!(drug(&r, "J2405"), "ML2");
    // Saline per 250 mL: two units are 500 mL.
    let (r, f) = run(&session(None, "96360;J7050x2", Some(45), None));
    assert!(f.items.is_empty(), "{:?}", f.items);
    assert_eq!(drug(&r, "J7050"), "ML500");
    // Esketamine per 1 mg in 28 mg devices: 84 units, 3 devices.
    let (r, f) = run(&session(None, "J0013x84", None, Some(84)));
    assert!(f.items.is_empty(), "{:?}", f.items);
    assert_eq!(drug(&r, "J0013"), "UN3");
}

#[test]
fn per_dose_codes_round_up_and_quantities_follow_the_dose() {
    // Ketorolac per 15 mg: 30 mg is 2 units and 1 mL of 30 mg/mL.
    let (r, f) = run(&session(None, "96374;J1885", Some(10), None));
    assert!(f.items.is_empty(), "{:?}", f.items);
    assert_eq!(codes(&r), ["96374x1", "J1885x2"]);
    assert_eq!(drug(&r, "J1885"), "ML1");
    // Promethazine "up to 50 mg": 25 mg is one unit and 1 mL of 25 mg/mL.
    let (r, _) = run(&session(None, "96374;J2550", Some(10), None));
    assert_eq!(codes(&r), ["96374x1", "J2550x1"]);
    assert_eq!(drug(&r, "J2550"), "ML1");
    // Billed at 2 units, it is 100 mg: 4 mL.
    let (r, _) = run(&session(None, "96374;J2550x2", Some(10), None));
    assert_eq!(drug(&r, "J2550"), "ML4");
    // Vitamin B12 up to 1,000 mcg, dexamethasone per 1 mg.
    let (r, _) = run(&session(None, "96372;J3420", None, None));
    assert_eq!(drug(&r, "J3420"), "ML1");
    let (r, _) = run(&session(None, "96374;J1100x10", Some(10), None));
    assert_eq!(drug(&r, "J1100"), "ML2.5");
}

#[test]
fn hydration_needs_31_minutes_and_adds_hours_like_an_infusion() {
    let (r, f) = run(&session(Some("iv-hydration"), "", Some(45), None));
    assert!(f.items.is_empty(), "{:?}", f.items);
    assert_eq!(codes(&r), ["96360x1", "J7030x1"]);
    assert_eq!(drug(&r, "J7030"), "ML1000");
    let (r, f) = run(&session(Some("iv-hydration"), "", Some(151), None));
    assert!(f.items.is_empty(), "{:?}", f.items);
    assert_eq!(codes(&r), ["96360x1", "96361x2", "J7030x1"]);
    let (_, f) = run(&session(Some("iv-hydration"), "", Some(30), None));
    assert_eq!(f.items[0].code, "hydration-too-short", "{:?}", f.items);
    assert!(f.items[0].message.contains("31 minutes"));
    // The same rule for an explicit 96360.
    let (_, f) = run(&session(None, "96360", Some(25), None));
    assert_eq!(f.items[0].code, "hydration-too-short", "{:?}", f.items);
    let (_, f) = run(&session(None, "96360;96361", Some(60), None));
    assert!(
        f.items[0].message.contains("more than 90 minutes"),
        "{:?}",
        f.items
    );
}

#[test]
fn tms_and_home_visits() {
    let (r, f) = run(&session(Some("tms"), "", None, None));
    assert!(f.items.is_empty(), "{:?}", f.items);
    assert_eq!(codes(&r), ["90868x1"]);
    let (r, f) = run(&session(Some("home-visit"), "", None, None));
    assert!(f.items.is_empty(), "{:?}", f.items);
    assert_eq!(r.place_of_service, "12");
    assert_eq!(codes(&r), ["99349x1"]);
    // 99343 was deleted on 2023-01-01.
    let (_, f) = run(&session(None, "99343", None, None));
    assert_eq!(f.items[0].code, "code-not-effective", "{:?}", f.items);
    assert!(f.items[0].message.contains("ended on 2022-12-31"));
}

#[test]
fn a_retired_code_is_reported_once_from_either_source() {
    let mut s = session(None, "S0013x56", None, Some(56));
    let (_, f) = run(&s);
    let not_effective = |f: &Findings| {
        f.items
            .iter()
            .filter(|x| x.code == "code-not-effective")
            .count()
    };
    assert_eq!(not_effective(&f), 1, "{:?}", f.items);
    assert!(f.items[0].message.contains("bill J0013 instead"));
    // J0013 before 2026, through the service mapping.
    s = session(Some("spravato-split"), "", Some(70), Some(56));
    s.date = NaiveDate::from_ymd_opt(2025, 12, 1).unwrap();
    let (_, f) = run(&s);
    assert_eq!(not_effective(&f), 1, "{:?}", f.items);
}

#[test]
fn the_session_dose_sets_per_dose_units_and_billed_units_must_agree() {
    let (_, f) = run(&session(None, "J0013x56", None, Some(84)));
    assert_eq!(f.items[0].code, "units-mismatch", "{:?}", f.items);
    assert!(f.items[0].message.contains("84"), "{:?}", f.items);
    let (r, _) = run(&session(None, "J0013", None, Some(56)));
    assert_eq!(codes(&r), ["J0013x56"]);
    // Without a dose a drug line cannot be quantified: one finding.
    let (_, f) = run(&session(Some("ketamine-im"), "", None, None));
    assert_eq!(f.errors(), 1, "{:?}", f.items);
    assert_eq!(f.items[0].field, "dose_mg");
}

#[test]
fn an_em_chosen_by_time_below_its_minimum_is_a_warning() {
    let (_, f) = run(&session(None, "99215", Some(25), None));
    assert_eq!(f.items[0].code, "em-time-short", "{:?}", f.items);
    assert!(!f.has_errors());
    let (_, f) = run(&session(None, "99215", Some(40), None));
    assert!(f.items.is_empty(), "{:?}", f.items);
    // The minutes of a session with a timed service are that service's.
    let (_, f) = run(&session(Some("ketamine-iv-visit"), "", Some(20), Some(50)));
    assert!(f.items.is_empty(), "{:?}", f.items);
}

#[test]
fn explicit_units_are_checked_against_minutes_dose_and_limits() {
    // 45 minutes beside 99215 reach no prolonged unit.
    let (_, f) = run(&session(None, "99215;99417x3", Some(45), None));
    assert_eq!(f.items[0].code, "units-mismatch", "{:?}", f.items);
    // A visit is billed once a day.
    let (_, f) = run(&session(None, "90837x3", Some(60), None));
    assert!(
        f.items[0].message.contains("at most 1 unit"),
        "{:?}",
        f.items
    );
    // The G-code follows the dose.
    let (_, f) = run(&session(None, "G2082-KX", None, Some(84)));
    assert!(f.items[0].message.contains("G2083"), "{:?}", f.items);
    let (r, f) = run(&session(None, "G2083-KX", None, Some(84)));
    assert!(f.items.is_empty(), "{:?}", f.items);
    assert_eq!(codes(&r), ["G2083-KXx1"]);
}

#[test]
fn prolonged_time_finds_its_visit_in_the_service_lines() {
    // 99205 comes from the intake-visit service, 99417 from procedures.
    let (r, f) = run(&session(Some("intake-visit"), "99417", Some(90), None));
    assert!(f.items.is_empty(), "{:?}", f.items);
    assert_eq!(codes(&r), ["99205x1", "99417x2"]);
}

#[test]
fn split_bill_spravato_needs_whole_devices() {
    let (_, f) = run(&session(Some("spravato-split"), "", Some(70), Some(60)));
    assert_eq!(f.items[0].code, "esketamine-dose", "{:?}", f.items);
}
