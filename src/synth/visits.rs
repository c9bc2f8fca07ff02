//! Maintenance months and the individual visits (Spravato, medication
//! management, psychotherapy, cancelled and no-show extras).

use super::course::{infusion_dose, psychotherapy_minutes, Month, Sess, Status};
use super::plan::{Kind, Plan};
use super::practice::{ANESTHESIOLOGIST, NURSE_PRACTITIONER, PSYCHIATRIST};
use super::rng::Rng;
use super::COVERAGE_PATIENTS;
use chrono::{Duration, NaiveDate};

pub(super) fn maintenance(
    plan: &Plan,
    idx: usize,
    m: u32,
    month: &mut Month,
    rng: &mut Rng,
    out: &mut Vec<Sess>,
) {
    let coverage = idx < COVERAGE_PATIENTS;
    match plan.kind {
        Kind::Iv => {
            // A booster, a medication check, two therapy sessions.
            let d = month.day(rng.range(2, 12));
            if let Some(day) = month.place(d) {
                let service = if coverage && idx == 10 {
                    "ketamine-iv-visit"
                } else {
                    *rng.pick(&[
                        "ketamine-iv",
                        "ketamine-iv",
                        "ketamine-iv",
                        "ketamine-iv-visit",
                        "ketamine-iv-antiemetic",
                    ])
                };
                let minutes = rng.range(8, 12) * 5;
                out.push(Sess::new(
                    day,
                    ANESTHESIOLOGIST,
                    service,
                    Some(minutes),
                    Some(infusion_dose(rng)),
                ));
            }
            med_visit(plan, month, month.day(rng.range(14, 20)), rng, out);
            therapy_visit(plan, idx, m, month, month.day(rng.range(5, 10)), rng, out);
            therapy_visit(
                plan,
                idx,
                m + 1,
                month,
                month.day(rng.range(19, 26)),
                rng,
                out,
            );
        }
        Kind::Crps => {
            let boosters = 2;
            for b in 0..boosters {
                let d = month.day(rng.range(1, 8) + 13 * b);
                if let Some(day) = month.place(d) {
                    let service = if plan.nausea {
                        "ketamine-iv-antiemetic"
                    } else {
                        "ketamine-iv"
                    };
                    let minutes = if coverage && b == 0 {
                        270
                    } else {
                        rng.range(24, 54) * 5
                    };
                    out.push(Sess::new(
                        day,
                        ANESTHESIOLOGIST,
                        service,
                        Some(minutes),
                        Some(rng.range(10, 30) * 10),
                    ));
                }
            }
            med_visit(plan, month, month.day(rng.range(10, 22)), rng, out);
        }
        Kind::SpravatoG | Kind::SpravatoSplit => {
            // Weekly maintenance.
            let mut d = month.day(rng.range(1, 5));
            while let Some(day) = month.place(d) {
                out.push(spravato(plan, day, plan.spravato_mg, rng));
                d = day + Duration::days(7);
            }
        }
        Kind::Im => {
            for w in 0..2 {
                let d = month.day(rng.range(1, 5) + 14 * w);
                if let Some(day) = month.place(d) {
                    out.push(im_visit(day, rng));
                    therapy_visit(plan, idx, w, month, day + Duration::days(2), rng, out);
                }
            }
            med_visit(plan, month, month.day(rng.range(8, 12)), rng, out);
        }
        Kind::Hydration => {
            for w in 0..2 {
                let d = month.day(rng.range(2, 10) + 14 * w);
                if let Some(day) = month.place(d) {
                    let minutes = rng.range(7, 14) * 5;
                    out.push(Sess::new(
                        day,
                        NURSE_PRACTITIONER,
                        "iv-hydration",
                        Some(minutes),
                        None,
                    ));
                }
            }
        }
        Kind::Tms => {
            // Maintenance: once a week.
            let mut d = month.day(rng.range(1, 5));
            while let Some(day) = month.place(d) {
                out.push(Sess::new(day, NURSE_PRACTITIONER, "tms", None, None));
                d = day + Duration::days(7);
            }
        }
        Kind::Home => {
            let d = month.day(rng.range(5, 20));
            if let Some(day) = month.place(d) {
                out.push(Sess::new(day, PSYCHIATRIST, "home-visit", None, None));
            }
        }
        Kind::Therapy => {
            let mut d = month.day(rng.range(1, 4));
            for w in 0..4 {
                therapy_visit(plan, idx, w, month, d, rng, out);
                d += Duration::days(7);
            }
            let d = month.day(rng.range(8, 24));
            if let Some(day) = month.place(d) {
                if plan.explicit && (coverage || rng.chance(50)) {
                    out.push(Sess::explicit(
                        day,
                        PSYCHIATRIST,
                        "99215;99417x2",
                        rng.range(70, 84),
                    ));
                } else {
                    let minutes = if coverage { 45 } else { rng.range(30, 60) };
                    out.push(Sess::new(
                        day,
                        PSYCHIATRIST,
                        "med-management-psychotherapy",
                        Some(minutes),
                        None,
                    ));
                }
            }
        }
    }
}

/// An IM ketamine injection: 35-70 mg.
pub(super) fn im_visit(day: NaiveDate, rng: &mut Rng) -> Sess {
    Sess::new(
        day,
        PSYCHIATRIST,
        "ketamine-im",
        None,
        Some(rng.range(7, 15) * 5),
    )
}

pub(super) fn spravato(plan: &Plan, day: NaiveDate, mg: u32, rng: &mut Rng) -> Sess {
    let who = if rng.chance(60) {
        PSYCHIATRIST
    } else {
        NURSE_PRACTITIONER
    };
    if plan.kind == Kind::SpravatoSplit {
        Sess::new(
            day,
            who,
            "spravato-split",
            Some(rng.range(100, 130)),
            Some(mg),
        )
    } else {
        Sess::new(day, who, "spravato", None, Some(mg))
    }
}

/// A medication-management visit (in person, or by video for telehealth
/// patients; explicit `99214` for explicit-procedure patients).
pub(super) fn med_visit(
    plan: &Plan,
    month: &mut Month,
    want: NaiveDate,
    rng: &mut Rng,
    out: &mut Vec<Sess>,
) {
    let Some(day) = month.place(want) else { return };
    let who = if rng.chance(50) {
        PSYCHIATRIST
    } else {
        NURSE_PRACTITIONER
    };
    let minutes = Some(rng.range(30, 39));
    let s = if plan.explicit {
        Sess::explicit(day, who, "99214", rng.range(30, 39))
    } else if plan.telehealth {
        let mut s = Sess::new(day, who, "telehealth-med-management", minutes, None);
        s.pos = if rng.chance(50) { "10" } else { "" };
        s
    } else {
        Sess::new(day, who, "med-management", minutes, None)
    };
    out.push(s);
}

/// A psychotherapy session; `n` cycles coverage patients through the tiers.
pub(super) fn therapy_visit(
    plan: &Plan,
    idx: usize,
    n: u32,
    month: &mut Month,
    want: NaiveDate,
    rng: &mut Rng,
    out: &mut Vec<Sess>,
) {
    let Some(day) = month.place(want) else { return };
    let minutes = if idx < COVERAGE_PATIENTS {
        [30, 45, 55, 20][(n % 4) as usize]
    } else {
        psychotherapy_minutes(rng)
    };
    let who = if rng.chance(80) {
        NURSE_PRACTITIONER
    } else {
        PSYCHIATRIST
    };
    let s = if plan.explicit {
        match n % 4 {
            0 => Sess::explicit(day, who, "90834", rng.range(38, 52)),
            1 => Sess::explicit(day, who, "90837", rng.range(53, 60)),
            2 => {
                // A service plus an explicit add-on: interactive complexity.
                let mut s = Sess::new(day, who, "psychotherapy", Some(minutes), None);
                s.procedures = "90785";
                s
            }
            _ => Sess::new(day, who, "psychotherapy", Some(minutes), None),
        }
    } else if plan.telehealth && (idx < COVERAGE_PATIENTS || rng.chance(70)) {
        let mut s = Sess::new(day, who, "telehealth-psychotherapy", Some(minutes), None);
        s.pos = if n.is_multiple_of(2) { "10" } else { "" };
        s
    } else {
        Sess::new(day, who, "psychotherapy", Some(minutes), None)
    };
    out.push(s);
}

/// Cancelled and no-show appointments: patient 2 cancels and patient 3
/// misses one every month (so each month has both), others now and then.
/// They are extra rows on free days, copies of a session of the month.
pub(super) fn extras(
    idx: usize,
    month: &mut Month,
    rng: &mut Rng,
    out: &mut Vec<Sess>,
    from: usize,
) {
    let mut add = |status: Status, rng: &mut Rng, out: &mut Vec<Sess>| {
        let n = out.len() - from;
        let template = out[from + (rng.next_u64() % n as u64) as usize].clone();
        let want = month.day(rng.range(3, 24));
        if let Some(day) = month.place(want) {
            let mut s = template;
            s.date = day;
            s.status = status;
            s.in_package = false;
            out.push(s);
        }
    };
    if idx == 1 || rng.chance(2) {
        add(Status::Cancelled, rng, out);
    }
    if idx == 2 || rng.chance(2) {
        add(Status::NoShow, rng, out);
    }
}
