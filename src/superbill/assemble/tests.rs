use super::*;
use crate::practice;
use crate::testutil::{practice_dir, PRACTICE};
use crate::validate::Options;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn run(sessions: &[&str], payments: &[&str]) -> (Outcome, Findings) {
    let dir = practice_dir(PRACTICE, sessions, payments);
    outcome(dir.path())
}

/// September 2026 of the practice in `dir`, as of 2026-10-05.
fn outcome(dir: &std::path::Path) -> (Outcome, Findings) {
    let mut f = Findings::default();
    let loaded = practice::load(dir, &mut f).unwrap();
    let period = Period::month("2026-09").unwrap();
    let opts = Options {
        as_of: d("2026-10-05"),
        period: Some(period),
        filing_warnings: true,
    };
    let v = loaded.validate(&opts, &mut f);
    let req = Request {
        period,
        as_of: d("2026-10-05"),
        patient: None,
    };
    let out = superbills(&loaded, &v, &req, &mut f);
    (out, f)
}

#[test]
fn one_superbill_per_patient_with_letters_pointers_and_totals() {
    let (out, f) = run(
        &[
            "S2,P1,b,2026-09-16,psychotherapy,,F33.2;F41.1,45,,",
            "S1,P1,a,2026-09-14,ketamine-iv,,F33.2;F17.210,151,200,",
            "S3,P2,a,2026-09-15,med-management,,F43.12,,,",
            "S4,P1,a,2026-10-02,med-management,,F33.2,,,",
        ],
        &[
            "PAY1,P1,,2026-09-01,1000.00,card",
            "PAY2,P2,S3,2026-09-15,225.00,cash",
        ],
    );
    assert!(!f.has_errors(), "{:?}", f.items);
    assert_eq!(out.superbills.len(), 2);
    let sb = &out.superbills[0];
    assert_eq!(sb.number, "SB-202609-P1");
    assert_eq!(sb.patient.name, "Quill, Zed");
    // Diagnoses in first-use order across sessions in date order.
    let dx: Vec<_> = sb
        .diagnoses
        .iter()
        .map(|x| (x.letter, x.code.as_str()))
        .collect();
    assert_eq!(dx, [('A', "F33.2"), ('B', "F17.210"), ('C', "F41.1")]);
    assert!(sb.diagnoses[0]
        .description
        .starts_with("Major depressive disorder, recurrent"));
    let lines: Vec<_> = sb
        .lines
        .iter()
        .map(|l| {
            (
                l.session_id.as_str(),
                l.code.as_str(),
                l.units,
                l.pointers.as_str(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("S1", "96365", 1, "AB"),
            ("S1", "96366", 2, "AB"),
            ("S1", "J3490", 1, "AB"),
            ("S2", "90834", 1, "AC")
        ]
    );
    // 450 + 2*150 + 85 + 195
    assert_eq!(sb.total_charged, Cents(103_000));
    assert_eq!(sb.total_paid, Cents(100_000));
    assert_eq!(sb.balance, Cents(3_000));
    assert_eq!(sb.providers.len(), 2);
    assert!(sb.shows_cpt);
    let p2 = &out.superbills[1];
    assert_eq!(
        (p2.total_charged, p2.total_paid, p2.balance),
        (Cents(22_500), Cents(22_500), Cents::ZERO)
    );
    // The October session is skipped, not billed.
    let fates = &out
        .fates
        .iter()
        .find(|(f, _)| *f == SESSIONS_FILE)
        .unwrap()
        .1;
    assert_eq!(fates.iter().filter(|x| x.1 == Fate::Billed).count(), 3);
    assert_eq!(
        fates
            .iter()
            .filter(|x| x.1 == Fate::Skipped("outside the period"))
            .count(),
        1
    );
}

#[test]
fn rejected_session_is_left_out_but_the_patient_is_still_billed() {
    let (out, f) = run(
        &[
            "S1,P1,a,2026-09-14,med-management,,F33.2,,,",
            "S2,P1,a,2026-09-15,med-management,,F33,,,",
        ],
        &[],
    );
    assert!(f.has_error_at(SESSIONS_FILE, 3));
    assert_eq!(out.superbills.len(), 1);
    assert_eq!(out.superbills[0].lines.len(), 1);
    let fates = &out
        .fates
        .iter()
        .find(|(f, _)| *f == SESSIONS_FILE)
        .unwrap()
        .1;
    assert_eq!(fates, &vec![(2, Fate::Billed), (3, Fate::Rejected)]);
}

#[test]
fn prepayment_from_before_the_period_pays_older_charges_first() {
    let (out, f) = run(
        &[
            "S0,P1,a,2026-08-20,med-management,,F33.2,,,",
            "S1,P1,a,2026-09-14,med-management,,F33.2,,,",
        ],
        &["PAY1,P1,,2026-08-01,300.00,card"],
    );
    assert!(!f.has_errors(), "{:?}", f.items);
    let sb = &out.superbills[0];
    // 225 went to the August visit; 75 to September's.
    assert_eq!(sb.total_paid, Cents(7_500));
    assert_eq!(sb.payments.len(), 1);
    assert_eq!(sb.payments[0].amount, Cents(7_500));
    assert_eq!(sb.balance, Cents(15_000));
}

#[test]
fn cancelled_and_no_show_are_skipped() {
    let dir = practice_dir(PRACTICE, &[], &[]);
    let s = "session_id,patient_id,provider_id,date,service,diagnoses,status\nS1,P1,a,2026-09-14,med-management,F33.2,cancelled\nS2,P1,a,2026-09-15,med-management,F33.2,no-show\nS3,P1,a,2026-09-16,med-management,F33.2,\n";
    std::fs::write(dir.path().join("sessions.csv"), s).unwrap();
    let (out, _) = outcome(dir.path());
    let fates = &out
        .fates
        .iter()
        .find(|(f, _)| *f == SESSIONS_FILE)
        .unwrap()
        .1;
    assert_eq!(
        fates,
        &vec![
            (2, Fate::Skipped("cancelled")),
            (3, Fate::Skipped("no-show")),
            (4, Fate::Billed)
        ]
    );
}

#[test]
fn service_facility_appears_only_when_it_differs_from_the_billing_address() {
    let facility = |line1: &str| {
        format!("{PRACTICE}\n[service_facility]\nname = \"Infusion Suite\"\n[service_facility.address]\nline1 = \"{line1}\"\ncity = \"Denver\"\nstate = \"CO\"\nzip = \"80202\"\n")
    };
    for (line1, shown) in [("9 Side St", true), ("1 Main St", false)] {
        let dir = practice_dir(
            &facility(line1),
            &["S1,P1,a,2026-09-14,med-management,,F33.2,,,"],
            &[],
        );
        let (out, _) = outcome(dir.path());
        assert_eq!(out.superbills[0].facility.is_some(), shown, "{line1}");
    }
}

#[test]
fn an_earlier_session_with_errors_does_not_absorb_payments() {
    // The August visit has a header code: its own month rejects it, so the
    // package pays September's visit instead.
    let (out, f) = run(
        &[
            "S0,P1,a,2026-08-20,med-management,,F33,,,",
            "S1,P1,a,2026-09-14,med-management,,F33.2,,,",
        ],
        &["PAY1,P1,,2026-08-01,225.00,card"],
    );
    assert!(!f.has_errors(), "{:?}", f.items);
    assert_eq!(out.superbills[0].total_paid, Cents(22_500));
    assert_eq!(out.superbills[0].balance, Cents::ZERO);
}

#[test]
fn a_balance_paid_after_the_month_shows_as_paid() {
    // Paid on 2026-10-03; the run is as of 2026-10-05.
    let (out, _) = run(
        &["S1,P1,a,2026-09-14,med-management,,F33.2,,,"],
        &["PAY1,P1,,2026-10-03,225.00,card"],
    );
    assert_eq!(out.superbills[0].total_paid, Cents(22_500));
}

#[test]
fn paid_per_line_follows_the_ledger_and_adds_up_to_total_paid() {
    // S1 (several lines: infusion, drug...) paid in part, S2 in full, a
    // general payment spent oldest-first.
    let (out, f) = run(
        &[
            "S1,P1,a,2026-09-14,ketamine-iv,,F33.2,151,200,",
            "S2,P1,b,2026-09-16,psychotherapy,,F33.2,45,,",
        ],
        &[
            "PAY1,P1,S1,2026-09-14,300.00,card",
            "PAY2,P1,S2,2026-09-16,150.00,card",
            "PAY3,P1,,2026-09-20,40.01,cash",
        ],
    );
    assert!(!f.has_errors(), "{:?}", f.items);
    let sb = &out.superbills[0];
    let s1: Vec<&ServiceLine> = sb.lines.iter().filter(|l| l.session_id == "S1").collect();
    assert!(s1.len() > 1, "a session with several lines");
    let paid: Cents = sb.lines.iter().map(|l| l.paid).sum();
    assert_eq!(paid, sb.total_paid);
    for session in ["S1", "S2"] {
        let lines: Cents = sb
            .lines
            .iter()
            .filter(|l| l.session_id == session)
            .map(|l| l.paid)
            .sum();
        assert_eq!(lines, out.ledger.paid(session), "{session}");
    }
    // In line order, each up to its charge.
    let mut open = true;
    for l in &s1 {
        assert!(l.paid <= l.charge);
        if !open {
            assert_eq!(l.paid, Cents::ZERO, "{}", l.code);
        }
        open = l.paid == l.charge;
    }
}

#[test]
fn earlier_months_are_checked_without_late_filing_warnings_but_with_the_limit() {
    // What `earlier_errors` asks of validation: no "file soon" warning for
    // every old session (a year of them was the batch's peak memory), but
    // the filing-limit error still made, as before, so that it keeps
    // standing in for errors that would otherwise follow (such as a
    // session that bills nothing) and is then set aside.
    let dir = practice_dir(
        PRACTICE,
        &[
            "S0,P1,a,2025-10-20,med-management,,F33.2,,,",
            "S1,P1,a,2026-08-20,med-management,,F33.2,,,",
        ],
        &[],
    );
    let mut f = Findings::default();
    let loaded = practice::load(dir.path(), &mut f).unwrap();
    let codes = |filing_warnings| {
        let opts = Options {
            as_of: d("2026-11-30"),
            period: Some(Period {
                from: d("2025-10-01"),
                to: d("2026-08-31"),
            }),
            filing_warnings,
        };
        let mut g = Findings::default();
        crate::validate::run(&loaded.inputs, &loaded.catalog, &loaded.icd, &opts, &mut g);
        g.items
            .iter()
            .filter(|x| x.code.starts_with("filing"))
            .map(|x| (x.line, x.code))
            .collect::<Vec<_>>()
    };
    assert_eq!(codes(true), [(2, "filing-limit"), (3, "filing-late")]);
    assert_eq!(codes(false), [(2, "filing-limit")]);
}
