//! Sessions, a month's free weekdays, and a patient's schedule: the
//! new-course (intake and induction) half.

use super::plan::{Kind, Pay, Plan};
use super::practice::{ANESTHESIOLOGIST, NURSE_PRACTITIONER, PSYCHIATRIST, SECOND_OFFICE};
use super::rng::Rng;
use super::visits::{extras, im_visit, maintenance, med_visit, spravato, therapy_visit};
use chrono::{Datelike, Duration, NaiveDate, Weekday};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    Completed,
    Cancelled,
    NoShow,
}

impl Status {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
            Status::NoShow => "no-show",
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Sess {
    pub(super) id: String,
    pub(super) date: NaiveDate,
    pub(super) provider: &'static str,
    pub(super) service: &'static str,
    pub(super) procedures: &'static str,
    pub(super) minutes: Option<u32>,
    pub(super) dose: Option<u32>,
    pub(super) pos: &'static str,
    pub(super) status: Status,
    /// A location id of practice.toml; empty for the default office.
    pub(super) location: &'static str,
    /// Paid by the package payment.
    pub(super) in_package: bool,
}

impl Sess {
    pub(super) fn new(
        date: NaiveDate,
        provider: &'static str,
        service: &'static str,
        minutes: Option<u32>,
        dose: Option<u32>,
    ) -> Sess {
        Sess {
            id: String::new(),
            date,
            provider,
            service,
            procedures: "",
            minutes,
            dose,
            pos: "",
            status: Status::Completed,
            location: "",
            in_package: false,
        }
    }

    pub(super) fn explicit(
        date: NaiveDate,
        provider: &'static str,
        procedures: &'static str,
        minutes: u32,
    ) -> Sess {
        let mut s = Sess::new(date, provider, "", Some(minutes), None);
        s.procedures = procedures;
        s
    }
}

/// Weekday slots of one month for one patient: at most one session a day.
pub(super) struct Month {
    first: NaiveDate,
    last: NaiveDate,
    used: Vec<NaiveDate>,
}

impl Month {
    pub(super) fn day(&self, d: u32) -> NaiveDate {
        self.first + Duration::days(i64::from(d.max(1)) - 1)
    }

    /// The first free weekday on or after `want`, within the month.
    pub(super) fn place(&mut self, want: NaiveDate) -> Option<NaiveDate> {
        let mut d = want.max(self.first);
        while d <= self.last {
            let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
            if !weekend && !self.used.contains(&d) {
                self.used.push(d);
                return Some(d);
            }
            d += Duration::days(1);
        }
        None
    }
}

pub(super) fn infusion_dose(rng: &mut Rng) -> u32 {
    rng.range(7, 14) * 5 // 35-70 mg
}

pub(super) fn psychotherapy_minutes(rng: &mut Rng) -> u32 {
    *rng.pick(&[20, 30, 45, 50, 53, 55, 60])
}

/// All sessions of one patient, in date order.
pub(super) fn schedule(
    plan: &Plan,
    idx: usize,
    months: &[(NaiveDate, NaiveDate)],
    rng: &mut Rng,
    out: &mut Vec<Sess>,
) {
    for (m, &(first, last)) in months.iter().enumerate() {
        let m = m as u32;
        let starting = plan.start_month == Some(m);
        if let Some(s) = plan.start_month {
            if m < s {
                continue;
            }
        }
        let mut month = Month {
            first,
            last,
            used: Vec::new(),
        };
        let before = out.len();
        if starting {
            new_course(plan, idx, &mut month, rng, out);
        } else {
            maintenance(plan, idx, m, &mut month, rng, out);
        }
        if out.len() > before {
            extras(idx, &mut month, rng, out, before);
        }
        out[before..].sort_by_key(|s| s.date);
    }
    if !plan.location.is_empty() {
        for s in out.iter_mut() {
            s.location = plan.location;
        }
    }
    // Spravato only for an established patient: the first completed session
    // a patient has on record is never a Spravato session.
    if let Some(first) = out.iter_mut().find(|s| s.status == Status::Completed) {
        if first.service.starts_with("spravato") {
            *first = Sess::new(first.date, PSYCHIATRIST, "med-management", Some(30), None);
        }
    }
}

fn intake(
    plan: &Plan,
    month: &mut Month,
    day: NaiveDate,
    rng: &mut Rng,
    out: &mut Vec<Sess>,
) -> Option<NaiveDate> {
    let d = month.place(day)?;
    let s = if plan.intake_visit {
        let who = if plan.kind == Kind::Crps {
            ANESTHESIOLOGIST
        } else {
            PSYCHIATRIST
        };
        Sess::new(d, who, "intake-visit", Some(rng.range(60, 74)), None)
    } else {
        let who = if rng.chance(70) {
            PSYCHIATRIST
        } else {
            NURSE_PRACTITIONER
        };
        Sess::new(d, who, "intake-psychiatric", Some(rng.range(60, 90)), None)
    };
    out.push(s);
    Some(d)
}

fn new_course(plan: &Plan, idx: usize, month: &mut Month, rng: &mut Rng, out: &mut Vec<Sess>) {
    // Hydration and home-visit patients start without a psychiatric intake.
    let start = month.day(plan.start_day);
    if plan.kind == Kind::Hydration {
        hydration_course(month, start, out);
        return;
    }
    if plan.kind == Kind::Home {
        home_course(month, start, rng, out);
        return;
    }
    let Some(intake_day) = intake(plan, month, month.day(plan.start_day), rng, out) else {
        return;
    };
    let mut d = intake_day + Duration::days(i64::from(rng.range(2, 5)));
    match plan.kind {
        Kind::Iv => {
            let mut last = None;
            for i in 0..6 {
                let Some(day) = month.place(d) else { break };
                let minutes = if i == 0 { 40 } else { rng.range(8, 12) * 5 };
                let service = if plan.pay == Pay::Package {
                    "ketamine-iv"
                } else if i == 3 {
                    "ketamine-iv-visit"
                } else if plan.nausea && (i == 1 || i == 2) {
                    "ketamine-iv-antiemetic"
                } else {
                    "ketamine-iv"
                };
                let who = if rng.chance(75) {
                    ANESTHESIOLOGIST
                } else {
                    PSYCHIATRIST
                };
                let mut s = Sess::new(day, who, service, Some(minutes), Some(infusion_dose(rng)));
                s.in_package = plan.pay == Pay::Package;
                out.push(s);
                last = Some(day);
                d = day + Duration::days(i64::from(rng.range(2, 3)));
            }
            if let Some(last) = last {
                let next = last + Duration::days(i64::from(rng.range(1, 3)));
                therapy_visit(plan, idx, 0, month, next, rng, out);
            }
        }
        Kind::Crps => {
            for i in 0..5 {
                let Some(day) = month.place(d) else { break };
                let minutes = if i == 0 { 120 } else { rng.range(24, 54) * 5 };
                let service = if plan.nausea && i < 2 {
                    "ketamine-iv-antiemetic"
                } else if i == 2 {
                    "ketamine-iv-visit"
                } else {
                    "ketamine-iv"
                };
                out.push(Sess::new(
                    day,
                    ANESTHESIOLOGIST,
                    service,
                    Some(minutes),
                    Some(rng.range(10, 30) * 10),
                ));
                d = day + Duration::days(1);
            }
            let next = d + Duration::days(i64::from(rng.range(5, 9)));
            med_visit(plan, month, next, rng, out);
        }
        Kind::SpravatoG | Kind::SpravatoSplit => {
            // Induction: twice a week; 56 mg first, then the plan's dose.
            for i in 0..8 {
                let Some(day) = month.place(d) else { break };
                let mg = if i < 2 { 56 } else { plan.spravato_mg };
                out.push(spravato(plan, day, mg, rng));
                d = day + Duration::days(i64::from(rng.range(3, 4)));
            }
        }
        Kind::Im => {
            for i in 0..4 {
                let Some(day) = month.place(d) else { break };
                out.push(im_visit(day, rng));
                therapy_visit(plan, idx, i, month, day + Duration::days(2), rng, out);
                d = day + Duration::days(7);
            }
            med_visit(plan, month, intake_day + Duration::days(12), rng, out);
        }
        Kind::Therapy => {
            for i in 0..3 {
                therapy_visit(plan, idx, i, month, d, rng, out);
                d += Duration::days(7);
            }
        }
        Kind::Tms => {
            // Mapping first, then every weekday; the motor threshold is
            // re-determined in the third week.
            for i in 0..20 {
                let Some(day) = month.place(d) else { break };
                let service = match i {
                    0 => "tms-mapping",
                    10 => "tms-threshold",
                    _ => "tms",
                };
                out.push(Sess::new(day, NURSE_PRACTITIONER, service, None, None));
                d = day + Duration::days(1);
            }
        }
        Kind::Hydration | Kind::Home => {}
    }
}

/// IV hydration: by the service mapping (saline; lactated Ringer's past
/// the first hour), and by explicit codes whose drug lines carry their
/// units (ondansetron 8 mg: `J2405x8`, 4 mL; saline 2 x 250 mL:
/// `J7050x2`, 500 mL), one of them at the second office.
fn hydration_course(month: &mut Month, start: NaiveDate, out: &mut Vec<Sess>) {
    let visits: [(&str, &str, u32, &str); 4] = [
        ("iv-hydration", "", 45, ""),
        ("", "96360;96375;J7030;J2405x8", 50, ""),
        ("iv-hydration-lr", "", 100, ""),
        ("", "96360;J7050x2", 40, SECOND_OFFICE),
    ];
    let mut d = start;
    for (service, procedures, minutes, location) in visits {
        let Some(day) = month.place(d) else { return };
        let mut s = Sess::new(day, NURSE_PRACTITIONER, service, Some(minutes), None);
        s.procedures = procedures;
        s.location = location;
        out.push(s);
        d = day + Duration::days(7);
    }
}

/// Home visits: the first as a new patient, then established.
fn home_course(month: &mut Month, start: NaiveDate, rng: &mut Rng, out: &mut Vec<Sess>) {
    let Some(day) = month.place(start) else {
        return;
    };
    out.push(Sess::new(day, PSYCHIATRIST, "home-visit-new", None, None));
    let next = day + Duration::days(i64::from(rng.range(12, 16)));
    if let Some(day) = month.place(next) {
        out.push(Sess::new(day, PSYCHIATRIST, "home-visit", None, None));
    }
}
