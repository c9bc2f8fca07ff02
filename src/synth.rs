//! A deterministic synthetic practice: `practice.toml`, `patients.csv`,
//! `sessions.csv` and `payments.csv` for a fictional Colorado ketamine
//! clinic ("Cedar Ridge Ketamine & Wellness"), for samples, tests and
//! benchmarks (`superbill samples generate`).
//!
//! - Same options, same bytes: every random choice comes from a splitmix64
//!   stream seeded by `seed` and the patient's index, never from the clock.
//! - Streaming: patients are generated one at a time and their rows written
//!   at once; only one patient's sessions are ever held in memory.
//! - Valid by construction: every completed session is billable under the
//!   primer rules (minutes and doses inside the unit rules, no Excludes1
//!   diagnosis pairs, one session per patient per day, Spravato only for an
//!   established patient, E/M beside an infusion only with modifier 25).
//! - Coverage: the first [`COVERAGE_PATIENTS`] patients follow fixed plans
//!   that together use every service key of `codes/services.toml` and every
//!   shape the tool must handle (long and 40-minute infusions, Spravato 56
//!   and 84 mg, the commercial split, intakes, psychotherapy tiers,
//!   telehealth, explicit procedures, package prepayments, a cancelled and a
//!   no-show session every month).
//!
//! Fees come from the built-in `codes/fees.csv`, so per-session payments
//! match what a superbill will charge.

use crate::money::Cents;
use crate::units;
use crate::{Error, Result};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use std::fs;
use std::path::Path;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthOptions {
    pub patients: usize,
    pub months: u32,
    /// First day of the first month (any day is moved to the 1st).
    pub start: NaiveDate,
    pub seed: u64,
}

impl SynthOptions {
    /// The options of the committed `samples/cedar-ridge` month.
    pub fn cedar_ridge() -> SynthOptions {
        SynthOptions {
            patients: 45,
            months: 1,
            start: NaiveDate::from_ymd_opt(2026, 9, 1).expect("valid date"),
            seed: CEDAR_RIDGE_SEED,
        }
    }

    /// `YYYY-MM` (as the CLI takes `--start`) to the first day of that month.
    pub fn parse_month(text: &str) -> Result<NaiveDate> {
        let t = text.trim();
        let parsed = t.split_once('-').and_then(|(y, m)| {
            let y: i32 = y.parse().ok()?;
            let m: u32 = m.parse().ok()?;
            NaiveDate::from_ymd_opt(y, m, 1)
        });
        parsed.ok_or_else(|| Error::Usage(format!("--start '{t}' is not a month like 2026-09")))
    }
}

/// Rows written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SynthStats {
    pub patients: usize,
    pub sessions: usize,
    pub payments: usize,
}

/// The seed of the committed `samples/cedar-ridge` month.
pub const CEDAR_RIDGE_SEED: u64 = 20260901;

/// Patients with fixed plans that cover every service shape (see module doc).
pub const COVERAGE_PATIENTS: usize = 16;

/// Largest number of months accepted (ten years).
pub const MAX_MONTHS: u32 = 120;

const PATIENTS_HEADER: [&str; 17] = [
    "patient_id",
    "first_name",
    "middle_name",
    "last_name",
    "dob",
    "sex",
    "address",
    "city",
    "state",
    "zip",
    "phone",
    "email",
    "payer",
    "member_id",
    "group_number",
    "subscriber_name",
    "subscriber_relationship",
];
const SESSIONS_HEADER: [&str; 11] = [
    "session_id",
    "patient_id",
    "provider_id",
    "date",
    "service",
    "procedures",
    "diagnoses",
    "minutes",
    "dose_mg",
    "place_of_service",
    "status",
];
const PAYMENTS_HEADER: [&str; 7] = [
    "payment_id",
    "patient_id",
    "session_id",
    "date",
    "amount",
    "method",
    "reference",
];

/// Writes the practice folder `out_dir` (created when missing; the four
/// files are replaced).
pub fn generate(opts: &SynthOptions, out_dir: &Path) -> Result<SynthStats> {
    if opts.patients == 0 {
        return Err(Error::Usage("--patients must be at least 1".into()));
    }
    if opts.months == 0 || opts.months > MAX_MONTHS {
        return Err(Error::Usage(format!(
            "--months must be between 1 and {MAX_MONTHS}"
        )));
    }
    let start = opts.start.with_day(1).unwrap_or(opts.start);
    let months: Vec<(NaiveDate, NaiveDate)> = (0..opts.months)
        .map(|m| month_bounds(start, m))
        .collect::<Option<_>>()
        .ok_or_else(|| Error::Usage("--start and --months run past the calendar".into()))?;
    fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let fees = Fees::builtin();

    let practice_path = out_dir.join("practice.toml");
    fs::write(&practice_path, PRACTICE_TOML).map_err(|e| Error::io(&practice_path, e))?;

    let mut pat_w = CsvOut::create(&out_dir.join("patients.csv"))?;
    let mut ses_w = CsvOut::create(&out_dir.join("sessions.csv"))?;
    let mut pay_w = CsvOut::create(&out_dir.join("payments.csv"))?;
    pat_w.row(PATIENTS_HEADER)?;
    ses_w.row(SESSIONS_HEADER)?;
    pay_w.row(PAYMENTS_HEADER)?;

    let mut stats = SynthStats::default();
    let mut next_session = 1u64;
    let mut next_payment = 1u64;
    let mut scratch = Vec::new();
    for idx in 0..opts.patients {
        let mut rng = Rng::new(opts.seed, idx as u64);
        let plan = Plan::for_patient(idx, opts.months, &mut rng);
        let person = Person::new(idx, &plan, start, &mut rng);
        let pid = format!("P{:04}", idx + 1);
        pat_w.row(person.row(&pid))?;
        stats.patients += 1;

        scratch.clear();
        schedule(&plan, idx, &months, &mut rng, &mut scratch);
        let dx = plan.diagnoses.join(";");
        let mut payer = Payer::new(&plan, &mut rng);
        for s in scratch.iter_mut() {
            s.id = format!("S{next_session:06}");
            next_session += 1;
            let minutes = s.minutes.map(|m| m.to_string()).unwrap_or_default();
            let dose = s.dose.map(|m| m.to_string()).unwrap_or_default();
            ses_w.row([
                s.id.as_str(),
                pid.as_str(),
                s.provider,
                iso(s.date).as_str(),
                s.service,
                s.procedures,
                dx.as_str(),
                minutes.as_str(),
                dose.as_str(),
                s.pos,
                s.status.as_str(),
            ])?;
            stats.sessions += 1;
        }
        for p in payer.payments(&scratch, &fees, &mut rng) {
            let id = format!("PMT{next_payment:06}");
            next_payment += 1;
            pay_w.row([
                id.as_str(),
                pid.as_str(),
                p.session_id.as_deref().unwrap_or(""),
                iso(p.date).as_str(),
                Cents(p.cents).plain().as_str(),
                p.method,
                p.reference.as_str(),
            ])?;
            stats.payments += 1;
        }
    }
    pat_w.finish()?;
    ses_w.finish()?;
    pay_w.finish()?;
    Ok(stats)
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// (first day, last day) of month `m` counted from `start`.
fn month_bounds(start: NaiveDate, m: u32) -> Option<(NaiveDate, NaiveDate)> {
    let first = start.checked_add_months(chrono::Months::new(m))?;
    let next = first.checked_add_months(chrono::Months::new(1))?;
    Some((first, next.pred_opt()?))
}

struct CsvOut {
    path: std::path::PathBuf,
    w: csv::Writer<fs::File>,
}

impl CsvOut {
    fn create(path: &Path) -> Result<CsvOut> {
        let file = fs::File::create(path).map_err(|e| Error::io(path, e))?;
        Ok(CsvOut {
            path: path.to_path_buf(),
            w: csv::WriterBuilder::new()
                .buffer_capacity(1 << 16)
                .from_writer(file),
        })
    }

    fn row<I, T>(&mut self, fields: I) -> Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.w
            .write_record(fields)
            .map_err(|e| Error::Other(format!("{}: {e}", self.path.display())))
    }

    fn finish(mut self) -> Result<()> {
        self.w.flush().map_err(|e| Error::io(&self.path, e))
    }
}

// ---------------------------------------------------------------- PRNG

/// splitmix64: tiny, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next_u64();
        r
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next_u64() % u64::from(hi - lo + 1)) as u32
    }

    /// True with probability `pct` percent.
    fn chance(&mut self, pct: u32) -> bool {
        self.next_u64() % 100 < u64::from(pct)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next_u64() % items.len() as u64) as usize]
    }

    fn alnum(&mut self, n: usize) -> String {
        const A: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        (0..n).map(|_| *self.pick(A) as char).collect()
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + (self.next_u64() % 10) as u8))
            .collect()
    }
}

// ---------------------------------------------------------------- practice

const PSYCHIATRIST: &str = "okafor";
const ANESTHESIOLOGIST: &str = "lindqvist";
const NURSE_PRACTITIONER: &str = "reyes";

const PRACTICE_TOML: &str = r#"# Cedar Ridge Ketamine & Wellness: a fictional practice (synthetic data).
# NPIs, EIN and licenses are invented; the NPIs are check-digit valid
# fictional numbers from the billing primer.
legal_name = "Cedar Ridge Ketamine & Wellness, LLC"
phone = "(303) 555-0142"
tax_id = "84-1234567"
npi = "1987654328"
taxonomy = "261QM0801X"
time_zone = "America/Denver"
default_place_of_service = "11"

[address]
line1 = "2750 Larkspur Ridge Pkwy"
line2 = "Suite 310"
city = "Denver"
state = "CO"
zip = "80206"

[[providers]]
id = "okafor"
name = "Maya Okafor"
credentials = "MD"
npi = "1234567893"
taxonomy = "2084P0800X"
license = "DR.0067291"
license_state = "CO"

[[providers]]
id = "lindqvist"
name = "Erik Lindqvist"
credentials = "MD"
npi = "2123456784"
taxonomy = "207L00000X"
license = "DR.0058814"
license_state = "CO"

[[providers]]
id = "reyes"
name = "Claire Reyes"
credentials = "PMHNP-BC"
npi = "1555555550"
taxonomy = "363LP0808X"
license = "APN.0104527"
license_state = "CO"
"#;

// ---------------------------------------------------------------- plans

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pay {
    PerSession,
    /// A 6-infusion package paid before the first infusion.
    Package,
}

#[derive(Debug, Clone)]
struct Plan {
    kind: Kind,
    /// None: already in treatment before the first month.
    start_month: Option<u32>,
    /// Day of the start month the course begins.
    start_day: u32,
    /// intake-visit (99205) rather than intake-psychiatric (90792).
    intake_visit: bool,
    /// Prefers video visits for therapy and medication management.
    telehealth: bool,
    /// Some visits recorded as explicit procedures instead of a service.
    explicit: bool,
    /// Ondansetron push with infusions.
    nausea: bool,
    /// Spravato maintenance dose.
    spravato_mg: u32,
    pay: Pay,
    method: &'static str,
    underpays: bool,
    overpays: bool,
    medicare: bool,
    diagnoses: Vec<&'static str>,
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
            diagnoses: Vec::new(),
        }
    }

    fn for_patient(idx: usize, months: u32, rng: &mut Rng) -> Plan {
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
            _ => {
                let mut p = new(Plan::base(Kind::Im), 3);
                p.explicit = true;
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
fn compatible(a: &str, b: &str) -> bool {
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

// ---------------------------------------------------------------- sessions

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Completed,
    Cancelled,
    NoShow,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
            Status::NoShow => "no-show",
        }
    }
}

#[derive(Debug, Clone)]
struct Sess {
    id: String,
    date: NaiveDate,
    provider: &'static str,
    service: &'static str,
    procedures: &'static str,
    minutes: Option<u32>,
    dose: Option<u32>,
    pos: &'static str,
    status: Status,
    /// Paid by the package payment.
    in_package: bool,
}

impl Sess {
    fn new(
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
            in_package: false,
        }
    }

    fn explicit(
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
struct Month {
    first: NaiveDate,
    last: NaiveDate,
    used: Vec<NaiveDate>,
}

impl Month {
    fn day(&self, d: u32) -> NaiveDate {
        self.first + Duration::days(i64::from(d.max(1)) - 1)
    }

    /// The first free weekday on or after `want`, within the month.
    fn place(&mut self, want: NaiveDate) -> Option<NaiveDate> {
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

fn infusion_dose(rng: &mut Rng) -> u32 {
    rng.range(7, 14) * 5 // 35-70 mg
}

fn psychotherapy_minutes(rng: &mut Rng) -> u32 {
    *rng.pick(&[20, 30, 45, 50, 53, 55, 60])
}

/// All sessions of one patient, in date order.
fn schedule(
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
                out.push(Sess::new(
                    day,
                    PSYCHIATRIST,
                    "ketamine-im",
                    None,
                    Some(rng.range(7, 15) * 5),
                ));
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
    }
}

fn maintenance(
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
                    out.push(Sess::new(
                        day,
                        PSYCHIATRIST,
                        "ketamine-im",
                        None,
                        Some(rng.range(7, 15) * 5),
                    ));
                    therapy_visit(plan, idx, w, month, day + Duration::days(2), rng, out);
                }
            }
            med_visit(plan, month, month.day(rng.range(8, 12)), rng, out);
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

fn spravato(plan: &Plan, day: NaiveDate, mg: u32, rng: &mut Rng) -> Sess {
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
fn med_visit(plan: &Plan, month: &mut Month, want: NaiveDate, rng: &mut Rng, out: &mut Vec<Sess>) {
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
fn therapy_visit(
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
fn extras(idx: usize, month: &mut Month, rng: &mut Rng, out: &mut Vec<Sess>, from: usize) {
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

// ---------------------------------------------------------------- fees

/// The built-in fee schedule (`codes/fees.csv`), in cents.
struct Fees(Vec<(String, i64)>);

impl Fees {
    fn builtin() -> Fees {
        let text = include_str!("../codes/fees.csv");
        let rows = text
            .lines()
            .skip(1)
            .filter_map(|l| {
                let (code, fee) = l.trim().split_once(',')?;
                Some((code.to_string(), Cents::parse(fee).ok()?.0))
            })
            .collect();
        Fees(rows)
    }

    fn fee(&self, code: &str) -> i64 {
        self.0
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, f)| *f)
            .unwrap_or(0)
    }

    /// What a session charges, following `codes/services.toml`.
    fn charge(&self, s: &Sess) -> i64 {
        let f = |c: &str| self.fee(c);
        let minutes = s.minutes.unwrap_or(0);
        let dose = s.dose.unwrap_or(0);
        let infusion = || {
            let (_, add) = units::infusion(minutes).unwrap_or((1, 0));
            f("96365") + i64::from(add) * f("96366") + f("J3490")
        };
        let therapy = |list: [&str; 3]| {
            units::psychotherapy_tier(minutes)
                .map(|t| f(list[t]))
                .unwrap_or(0)
        };
        let service = match s.service {
            "" => 0,
            "ketamine-iv" => infusion(),
            "ketamine-iv-visit" => f("99214") + infusion(),
            "ketamine-iv-antiemetic" => infusion() + f("96375") + 4 * f("J2405"),
            "ketamine-im" => f("96372") + f("J3490"),
            "spravato" => units::esketamine_gcode(dose).map(f).unwrap_or(0),
            "spravato-split" => {
                let pro =
                    units::prolonged("99215", minutes, units::Prolonged::Commercial).unwrap_or(0);
                i64::from(dose) * f("J0013") + f("99215") + i64::from(pro) * f("99417")
            }
            "intake-psychiatric" => f("90792"),
            "intake-visit" => f("99205"),
            "med-management" | "telehealth-med-management" => f("99214"),
            "psychotherapy" | "telehealth-psychotherapy" => {
                therapy(units::PSYCHOTHERAPY_STANDALONE)
            }
            "med-management-psychotherapy" => f("99214") + therapy(units::PSYCHOTHERAPY_ADDON),
            _ => 0,
        };
        let explicit: i64 = s
            .procedures
            .split(';')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (code, n) = match p.split_once('x') {
                    Some((c, n)) => (c, n.parse().unwrap_or(1)),
                    None => (p, 1),
                };
                let code = code.split('-').next().unwrap_or(code);
                n * f(code)
            })
            .sum();
        service + explicit
    }
}

// ---------------------------------------------------------------- payments

/// Whole dollars in cents.
const fn dollars(d: i64) -> i64 {
    d * 100
}

struct PaymentRow {
    session_id: Option<String>,
    date: NaiveDate,
    cents: i64,
    method: &'static str,
    reference: String,
}

struct Payer {
    method: &'static str,
    package: bool,
    underpays: bool,
    overpays: bool,
    check_no: u32,
}

/// The package price: six 40-60 minute infusions (96365 + J3490 each).
const PACKAGE_INFUSIONS: i64 = 6;

impl Payer {
    fn new(plan: &Plan, rng: &mut Rng) -> Payer {
        Payer {
            method: plan.method,
            package: plan.pay == Pay::Package,
            underpays: plan.underpays,
            overpays: plan.overpays,
            check_no: rng.range(1001, 8999),
        }
    }

    fn reference(&mut self, method: &str, rng: &mut Rng) -> String {
        match method {
            "card" | "hsa-card" => format!("ch_3Q{}", rng.alnum(22)),
            "check" => {
                self.check_no += 1;
                self.check_no.to_string()
            }
            _ => String::new(),
        }
    }

    fn payments(&mut self, sessions: &[Sess], fees: &Fees, rng: &mut Rng) -> Vec<PaymentRow> {
        let mut out = Vec::new();
        if self.package {
            if let Some(first) = sessions.iter().find(|s| s.in_package) {
                let price = PACKAGE_INFUSIONS * (fees.fee("96365") + fees.fee("J3490"));
                let date = first.date - Duration::days(i64::from(rng.range(7, 14)));
                let reference = self.reference(self.method, rng);
                out.push(PaymentRow {
                    session_id: None,
                    date,
                    cents: price,
                    method: self.method,
                    reference,
                });
            }
        }
        let last_completed = sessions
            .iter()
            .rposition(|s| s.status == Status::Completed && !s.in_package);
        for (i, s) in sessions.iter().enumerate() {
            match s.status {
                Status::NoShow => {}
                Status::Cancelled => {
                    // A booking deposit, refunded on cancellation.
                    let deposit = dollars(100);
                    let reference = format!("ch_3Q{}", rng.alnum(22));
                    out.push(PaymentRow {
                        session_id: Some(s.id.clone()),
                        date: s.date - Duration::days(i64::from(rng.range(3, 7))),
                        cents: deposit,
                        method: "card",
                        reference,
                    });
                    out.push(PaymentRow {
                        session_id: Some(s.id.clone()),
                        date: s.date,
                        cents: -deposit,
                        method: "card",
                        reference: format!("re_3Q{}", rng.alnum(22)),
                    });
                }
                Status::Completed if s.in_package => {}
                Status::Completed => {
                    let mut cents = fees.charge(s);
                    if Some(i) == last_completed {
                        if self.underpays && cents > dollars(100) {
                            cents -= dollars(100);
                        } else if self.overpays {
                            cents += dollars(50);
                        }
                    }
                    let date = if self.method == "check" {
                        s.date + Duration::days(i64::from(rng.range(0, 2)))
                    } else {
                        s.date
                    };
                    let split = cents >= dollars(200) && rng.chance(4);
                    if split {
                        // Part on the HSA card, the rest on a personal card.
                        let hsa = (cents / 2 / 100) * 100;
                        let r1 = self.reference("hsa-card", rng);
                        let r2 = self.reference("card", rng);
                        out.push(PaymentRow {
                            session_id: Some(s.id.clone()),
                            date,
                            cents: hsa,
                            method: "hsa-card",
                            reference: r1,
                        });
                        out.push(PaymentRow {
                            session_id: Some(s.id.clone()),
                            date,
                            cents: cents - hsa,
                            method: "card",
                            reference: r2,
                        });
                    } else {
                        let reference = self.reference(self.method, rng);
                        out.push(PaymentRow {
                            session_id: Some(s.id.clone()),
                            date,
                            cents,
                            method: self.method,
                            reference,
                        });
                    }
                }
            }
        }
        out
    }
}

// ---------------------------------------------------------------- people

const FIRST_F: &[&str] = &[
    "Amelia",
    "Harper",
    "Nora",
    "Claire",
    "Priya",
    "Lena",
    "Maren",
    "Tessa",
    "Imani",
    "Rosalind",
    "Hazel",
    "Josephine",
    "Lucía",
    "Ingrid",
    "Keiko",
    "Delphine",
    "Willa",
    "Sadie",
    "Noemi",
    "Bethany",
    "Marisol",
    "Avery",
    "Quinn",
    "Juniper",
    "Camille",
    "Esther",
    "Yara",
    "Talia",
    "Renée",
    "Zoë",
];
const FIRST_M: &[&str] = &[
    "Gideon", "Mateo", "Silas", "Theo", "Rowan", "Desmond", "Elliot", "Kofi", "Anders", "Tobias",
    "Julian", "Marcus", "Emeric", "Hollis", "Dev", "Caleb", "Ignatius", "Wendell", "Arlo",
    "Bastian", "Corbin", "Ezra", "Soren", "Nikhil", "Rafael", "José", "Łukasz",
];
const MIDDLE: &[&str] = &[
    "A.", "J.", "Marie", "Lee", "Rose", "James", "K.", "Elena", "T.", "Grace",
];
const LAST: &[&str] = &[
    "Ashworth",
    "Bellamy",
    "Castellanos",
    "Delacroix",
    "Eberhardt",
    "Fairbanks",
    "Galloway",
    "Hargrove",
    "Ibarra",
    "Jorgensen",
    "Kettering",
    "Lindgren",
    "Montague",
    "Northcott",
    "Okonkwo",
    "Pemberton",
    "Quintero",
    "Rasmussen",
    "Saltonstall",
    "Thackeray",
    "Underhill",
    "Vantongeren",
    "Whitcombe",
    "Yamaguchi",
    "Zellweger",
    "Abernathy",
    "Brightwater",
    "Crowfoot",
    "Dunleavy",
    "Espinoza",
    "Fitzwilliam",
    "Greenhalgh",
    "Holloway",
    "Iverson",
    "Kowalczyk",
    "Larkspur",
    "Marchetti",
    "Nakashima",
    "Oyelaran",
    "Prentiss",
    "Muñoz",
    "Nguyễn",
    "Dvořák",
];

const STREETS: &[&str] = &[
    "Larkspur Bend",
    "Quillmoor St",
    "Silverash Ct",
    "Bramblewood Dr",
    "Kestrel Hollow Rd",
    "Windrow Ln",
    "Pinyon Gate Way",
    "Foxtail Mesa Dr",
    "Juniper Crest Cir",
    "Ptarmigan Loop",
    "Columbine Ridge Ave",
    "Sagebrush Terrace",
    "Timberline Fork Rd",
    "Alpenglow Pl",
    "Cottonwood Spur St",
    "Marmot Meadow Ln",
    "Bristlecone Bluff Dr",
    "Wapiti Run",
];
const CITIES: &[(&str, &[&str])] = &[
    (
        "Denver",
        &[
            "80203", "80205", "80206", "80210", "80218", "80220", "80224",
        ],
    ),
    ("Aurora", &["80010", "80012", "80014"]),
    ("Lakewood", &["80226", "80228"]),
    ("Arvada", &["80002", "80004"]),
    ("Westminster", &["80031"]),
    ("Littleton", &["80120", "80123"]),
    ("Englewood", &["80110", "80113"]),
    ("Centennial", &["80112", "80122"]),
    ("Boulder", &["80302", "80304"]),
    ("Golden", &["80401"]),
    ("Parker", &["80134"]),
    ("Castle Rock", &["80104"]),
    ("Highlands Ranch", &["80126", "80129"]),
    ("Wheat Ridge", &["80033"]),
    ("Broomfield", &["80020"]),
];
const PAYERS: &[&str] = &[
    "Aetna",
    "Aetna",
    "Cigna",
    "Cigna",
    "UnitedHealthcare",
    "UnitedHealthcare",
    "Blue Cross Blue Shield",
    "Anthem",
    "Anthem",
];

/// Names that exercise the fonts: WinAnsi accents and ones that need an
/// embedded TrueType font.
fn forced_name(idx: usize) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match idx {
        0 => ("Zoë", "F", "Hargrove"),
        1 => ("José", "M", "Muñoz"),
        2 => ("Renée", "F", "Castellanos"),
        3 => ("Linh", "F", "Nguyễn"),
        4 => ("Łukasz", "M", "Dvořák"),
        _ => return None,
    })
}

struct Person {
    first: &'static str,
    middle: &'static str,
    last: &'static str,
    dob: NaiveDate,
    sex: &'static str,
    address: String,
    city: &'static str,
    zip: &'static str,
    phone: String,
    email: String,
    payer: &'static str,
    member_id: String,
    group: String,
    subscriber: String,
    relationship: &'static str,
}

impl Person {
    fn new(idx: usize, plan: &Plan, start: NaiveDate, rng: &mut Rng) -> Person {
        let (first, sex, last) = forced_name(idx).unwrap_or_else(|| {
            let female = rng.chance(55);
            let first = if female {
                *rng.pick(FIRST_F)
            } else {
                *rng.pick(FIRST_M)
            };
            (first, if female { "F" } else { "M" }, *rng.pick(LAST))
        });
        let middle = if rng.chance(40) {
            *rng.pick(MIDDLE)
        } else {
            ""
        };
        let age = if plan.medicare {
            rng.range(65, 81)
        } else {
            rng.range(19, 63)
        };
        let birth_year = start.year() - age as i32;
        let dob = NaiveDate::from_ymd_opt(birth_year, rng.range(1, 12), rng.range(1, 28))
            .unwrap_or(start);
        let address = {
            let n = rng.range(100, 9899);
            let street = *rng.pick(STREETS);
            if rng.chance(20) {
                format!("{n} {street} Apt {}", rng.range(1, 40))
            } else {
                format!("{n} {street}")
            }
        };
        let &(city, zips) = rng.pick(CITIES);
        let zip = *rng.pick(zips);
        let area = *rng.pick(&["303", "720"]);
        let phone = format!("({area}) 555-01{:02}", rng.range(0, 99));
        let email = format!(
            "{}.{}{}@example.com",
            ascii_fold(first),
            ascii_fold(last),
            rng.range(1, 99)
        );
        let payer = if plan.medicare {
            "Medicare"
        } else {
            *rng.pick(PAYERS)
        };
        let member_id = member_id(payer, rng);
        let group = match payer {
            "Medicare" => String::new(),
            _ if rng.chance(35) => String::new(),
            "Aetna" => format!("0{}", rng.digits(6)),
            "Cigna" => rng.digits(7),
            "UnitedHealthcare" => format!("{}", rng.range(700000, 999999)),
            _ => format!("CO{}", rng.digits(5)),
        };
        // A few are covered through a spouse or, under 26, a parent.
        let (subscriber, relationship) = if payer != "Medicare" && age < 26 && rng.chance(60) {
            let parent = if rng.chance(50) {
                *rng.pick(FIRST_F)
            } else {
                *rng.pick(FIRST_M)
            };
            (format!("{parent} {last}"), "child")
        } else if payer != "Medicare" && rng.chance(12) {
            let spouse = if sex == "F" {
                *rng.pick(FIRST_M)
            } else {
                *rng.pick(FIRST_F)
            };
            (format!("{spouse} {last}"), "spouse")
        } else {
            (String::new(), "")
        };
        Person {
            first,
            middle,
            last,
            dob,
            sex,
            address,
            city,
            zip,
            phone,
            email,
            payer,
            member_id,
            group,
            subscriber,
            relationship,
        }
    }

    fn row(&self, pid: &str) -> [String; 17] {
        [
            pid.to_string(),
            self.first.to_string(),
            self.middle.to_string(),
            self.last.to_string(),
            iso(self.dob),
            self.sex.to_string(),
            self.address.clone(),
            self.city.to_string(),
            "CO".to_string(),
            self.zip.to_string(),
            self.phone.clone(),
            self.email.clone(),
            self.payer.to_string(),
            self.member_id.clone(),
            self.group.clone(),
            self.subscriber.clone(),
            self.relationship.to_string(),
        ]
    }
}

/// Member IDs in each payer's usual shape.
fn member_id(payer: &str, rng: &mut Rng) -> String {
    match payer {
        "Aetna" => format!("W{}", rng.digits(9)),
        "Cigna" => format!("U{}01", rng.digits(8)),
        "UnitedHealthcare" => rng.digits(9),
        "Blue Cross Blue Shield" => format!("XOF{}", rng.digits(9)),
        "Anthem" => format!("HMQ{}", rng.digits(9)),
        _ => mbi(rng),
    }
}

/// A Medicare Beneficiary Identifier in the CMS shape: C A AN N A AN N A A N N
/// (C 1-9; letters exclude S, L, O, I, B, Z).
fn mbi(rng: &mut Rng) -> String {
    const L: &[u8] = b"ACDEFGHJKMNPQRTUVWXY";
    const D: &[u8] = b"0123456789";
    const AN: &[u8] = b"0123456789ACDEFGHJKMNPQRTUVWXY";
    let shape: [&[u8]; 11] = [b"123456789", L, AN, D, L, AN, D, L, L, D, D];
    shape.iter().map(|set| *rng.pick(set) as char).collect()
}

fn ascii_fold(name: &str) -> String {
    name.chars()
        .filter_map(|c| {
            let c = match c {
                'ë' | 'é' | 'ễ' => 'e',
                'ñ' => 'n',
                'ř' => 'r',
                'á' => 'a',
                'í' => 'i',
                'Ł' | 'ł' => 'l',
                c => c,
            };
            c.is_ascii_alphabetic().then(|| c.to_ascii_lowercase())
        })
        .collect()
}

// ---------------------------------------------------------------- tests

#[cfg(test)]
mod tests {
    use super::*;
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
        let table: toml::Table = toml::from_str(include_str!("../codes/services.toml")).unwrap();
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
        for s in &sessions {
            assert!(ids.insert(s["session_id"].clone()), "duplicate id");
            let date: NaiveDate = s["date"].parse().unwrap();
            assert!(date >= lo && date <= hi, "{date} outside the months");
            assert!(!matches!(date.weekday(), Weekday::Sat | Weekday::Sun));
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
                assert!(units::infusion(minutes).is_ok());
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

    /// Timing at benchmark size (run with `--ignored --nocapture`).
    #[test]
    #[ignore]
    fn hundred_thousand_sessions() {
        let d = dir("bench");
        let t = std::time::Instant::now();
        let stats = generate(&opts(20_000, 1), d.path()).unwrap();
        eprintln!("{stats:?} in {:?}", t.elapsed());
        assert!(stats.sessions >= 90_000);
        let t = std::time::Instant::now();
        let stats = generate(&opts(2_000, 12), d.path()).unwrap();
        eprintln!("{stats:?} in {:?}", t.elapsed());
    }

    /// Regenerates `samples/cedar-ridge` (run with `--ignored`).
    #[test]
    #[ignore]
    fn write_cedar_ridge_sample() {
        let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/cedar-ridge");
        let stats = generate(&SynthOptions::cedar_ridge(), &out).unwrap();
        eprintln!("{stats:?}");
    }
}
