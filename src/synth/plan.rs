//! Each patient's plan: kind of treatment, start, payment habits, diagnoses.

use super::practice::SECOND_OFFICE;
use super::rng::Rng;
use super::COVERAGE_PATIENTS;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Depression/anxiety: IV ketamine series, then boosters.
    Iv,
    /// CRPS/chronic pain: long infusions.
    Crps,
    /// Spravato, Medicare style (G2082/G2083).
    SpravatoG,
    /// Spravato, commercial split bill (J0013 + 99215 + 99417).
    SpravatoSplit,
    /// IM ketamine with psychotherapy.
    Im,
    /// Psychotherapy and medication management.
    Therapy,
    /// IV hydration (saline, lactated Ringer's; an anti-nausea push).
    Hydration,
    /// TMS: mapping, a daily course, a threshold re-determination.
    Tms,
    /// Home visits (place of service 12).
    Home,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pay {
    PerSession,
    /// A 6-infusion package paid before the first infusion.
    Package,
}

#[derive(Debug, Clone)]
pub(super) struct Plan {
    pub(super) kind: Kind,
    /// None: already in treatment before the first month.
    pub(super) start_month: Option<u32>,
    /// Day of the start month the course begins.
    pub(super) start_day: u32,
    /// intake-visit (99205) rather than intake-psychiatric (90792).
    pub(super) intake_visit: bool,
    /// Prefers video visits for therapy and medication management.
    pub(super) telehealth: bool,
    /// Some visits recorded as explicit procedures instead of a service.
    pub(super) explicit: bool,
    /// Ondansetron push with infusions.
    pub(super) nausea: bool,
    /// Spravato maintenance dose.
    pub(super) spravato_mg: u32,
    pub(super) pay: Pay,
    pub(super) method: &'static str,
    pub(super) underpays: bool,
    pub(super) overpays: bool,
    pub(super) medicare: bool,
    /// Where the patient is treated (empty: the practice's default office).
    pub(super) location: &'static str,
    pub(super) diagnoses: Vec<&'static str>,
}

impl Plan {
    fn base(kind: Kind) -> Plan {
        Plan {
            kind,
            start_month: None,
            start_day: 1,
            intake_visit: false,
            telehealth: false,
            explicit: false,
            nausea: false,
            spravato_mg: 56,
            pay: Pay::PerSession,
            method: "card",
            underpays: false,
            overpays: false,
            medicare: false,
            location: "",
            diagnoses: Vec::new(),
        }
    }

    pub(super) fn for_patient(idx: usize, months: u32, rng: &mut Rng) -> Plan {
        let mut p = if idx < COVERAGE_PATIENTS {
            Plan::coverage(idx)
        } else {
            Plan::random(months, rng)
        };
        p.diagnoses = diagnoses(p.kind, idx, rng);
        p
    }

    /// Fixed plans: together they use every service and shape.
    fn coverage(idx: usize) -> Plan {
        let new = |mut p: Plan, day: u32| {
            p.start_month = Some(0);
            p.start_day = day;
            p
        };
        match idx {
            0 => {
                // Intake 90792, then infusions incl. 40 min, -visit, antiemetic.
                let mut p = new(Plan::base(Kind::Iv), 1);
                p.nausea = true;
                p
            }
            1 => {
                // CRPS: intake 99205, long infusions; a cancelled session monthly.
                let mut p = new(Plan::base(Kind::Crps), 2);
                p.intake_visit = true;
                p.method = "hsa-card";
                p
            }
            2 => {
                // Spravato G2082 (56 mg), established; a no-show monthly.
                let mut p = Plan::base(Kind::SpravatoG);
                p.medicare = true;
                p.method = "check";
                p
            }
            3 => {
                // Spravato split, 84 mg, established.
                let mut p = Plan::base(Kind::SpravatoSplit);
                p.spravato_mg = 84;
                p
            }
            4 => {
                // Spravato G-codes through induction (56 then 84 mg).
                let mut p = new(Plan::base(Kind::SpravatoG), 1);
                p.medicare = true;
                p.spravato_mg = 84;
                p
            }
            5 => {
                // Spravato split through induction, stays on 56 mg.
                let mut p = new(Plan::base(Kind::SpravatoSplit), 3);
                p.method = "hsa-card";
                p
            }
            6 => {
                // Explicit procedures (99214, 90834, 99215;99417x2, +90785).
                let mut p = Plan::base(Kind::Therapy);
                p.explicit = true;
                p.underpays = true;
                p
            }
            7 => {
                // Telehealth (POS 10, modifier 95).
                let mut p = Plan::base(Kind::Therapy);
                p.telehealth = true;
                p
            }
            8 => {
                // 6-infusion package prepaid in the month before.
                let mut p = new(Plan::base(Kind::Iv), 1);
                p.pay = Pay::Package;
                p
            }
            9 => {
                let mut p = Plan::base(Kind::Im);
                p.method = "cash";
                p
            }
            10 => {
                let mut p = Plan::base(Kind::Iv);
                p.overpays = true;
                p
            }
            11 => {
                let mut p = Plan::base(Kind::Crps);
                p.nausea = true;
                p
            }
            12 => {
                let mut p = new(Plan::base(Kind::Therapy), 4);
                p.intake_visit = true;
                p
            }
            13 => {
                let mut p = new(Plan::base(Kind::Iv), 2);
                p.pay = Pay::Package;
                p.method = "hsa-card";
                p
            }
            14 => {
                let mut p = new(Plan::base(Kind::Iv), 5);
                p.telehealth = true;
                p.intake_visit = true;
                p.method = "check";
                p
            }
            15 => {
                let mut p = new(Plan::base(Kind::Im), 3);
                p.explicit = true;
                p
            }
            16 => {
                // IV hydration, one session at the second office.
                new(Plan::base(Kind::Hydration), 2)
            }
            17 => {
                // A TMS course, all at the second office (a facility block).
                let mut p = new(Plan::base(Kind::Tms), 1);
                p.location = SECOND_OFFICE;
                p.method = "hsa-card";
                p
            }
            _ => {
                // Home visits: new, then established.
                let mut p = new(Plan::base(Kind::Home), 3);
                p.method = "check";
                p
            }
        }
    }

    fn random(months: u32, rng: &mut Rng) -> Plan {
        let kind = *rng.pick(&[
            Kind::Iv,
            Kind::Iv,
            Kind::Iv,
            Kind::Iv,
            Kind::Crps,
            Kind::SpravatoG,
            Kind::SpravatoSplit,
            Kind::SpravatoSplit,
            Kind::Im,
            Kind::Therapy,
            Kind::Therapy,
        ]);
        let mut p = Plan::base(kind);
        if rng.chance(45) {
            // Half of them start in the first month, the rest spread out.
            let later = rng.chance(50);
            p.start_month = Some(if later { rng.range(0, months - 1) } else { 0 });
            p.start_day = rng.range(1, 12);
        }
        p.intake_visit = rng.chance(35);
        p.telehealth = rng.chance(25);
        p.explicit = kind == Kind::Therapy && rng.chance(30);
        p.nausea = rng.chance(20);
        p.spravato_mg = if rng.chance(60) { 84 } else { 56 };
        p.medicare = kind == Kind::SpravatoG && rng.chance(70);
        if kind == Kind::Iv && p.start_month.is_some() && rng.chance(40) {
            p.pay = Pay::Package;
            p.start_day = rng.range(1, 3);
        }
        p.method = *rng.pick(&[
            "card", "card", "card", "card", "card", "card", "hsa-card", "hsa-card", "hsa-card",
            "check", "cash",
        ]);
        p.underpays = rng.chance(5);
        p.overpays = !p.underpays && rng.chance(4);
        p
    }
}

/// 1-3 diagnoses, primary first, never an Excludes1 pair.
fn diagnoses(kind: Kind, idx: usize, rng: &mut Rng) -> Vec<&'static str> {
    let (primaries, secondaries): (&[&str], &[&str]) = match kind {
        Kind::Iv | Kind::SpravatoG | Kind::SpravatoSplit => (
            &["F33.2", "F33.2", "F33.1", "F32.2", "F32.1"],
            &["F41.1", "R45.851", "F43.10", "F17.210", "F42.2"],
        ),
        Kind::Crps => (
            &["G90.511", "G90.512", "G90.513", "G90.519"],
            &["G89.4", "G89.4", "F33.1", "F32.1", "F41.1"],
        ),
        Kind::Im => (
            &["F33.1", "F31.81", "F43.12", "F33.2"],
            &["F41.1", "F43.10", "F17.210"],
        ),
        Kind::Therapy => (
            &["F43.12", "F43.10", "F42.2", "F31.81", "F33.1", "F41.1"],
            &["F41.1", "F33.1", "F32.1", "F17.210", "R45.851"],
        ),
        Kind::Hydration => (&["E86.0"], &["R11.0", "R53.83"]),
        Kind::Tms => (&["F33.2", "F33.1", "F32.2"], &["F41.1", "F43.10"]),
        Kind::Home => (&["F33.1", "F43.12"], &["F41.1"]),
    };
    // Coverage patients get a fixed primary, so their claims are stable.
    let primary = if idx < COVERAGE_PATIENTS {
        primaries[idx % primaries.len()]
    } else {
        *rng.pick(primaries)
    };
    let mut out = vec![primary];
    let extra = rng.range(0, 2);
    for _ in 0..extra * 3 {
        if out.len() > extra as usize {
            break;
        }
        let c = *rng.pick(secondaries);
        if out.iter().all(|o| *o != c && compatible(o, c)) {
            out.push(c);
        }
    }
    out
}

/// Excludes1 pairs of `codes/pairing.toml` (primer section 5).
pub(super) fn compatible(a: &str, b: &str) -> bool {
    const PAIRS: [(&str, &[&str]); 3] = [
        ("F32", &["F33"]),
        ("F31", &["F32", "F33"]),
        ("G90.5", &["G56.4", "G57.7"]),
    ];
    !PAIRS.iter().any(|(x, ys)| {
        ys.iter().any(|y| {
            (a.starts_with(x) && b.starts_with(y)) || (b.starts_with(x) && a.starts_with(y))
        })
    })
}
