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
//!   no-show session every month, IV hydration with drug lines billed by
//!   units, a TMS course and home visits, sessions at a second office).
//!
//! Fees come from the built-in `codes/fees.csv`, so per-session payments
//! match what a superbill will charge.

mod course;
mod fees;
mod payments;
mod people;
mod plan;
mod practice;
mod rng;
mod visits;

#[cfg(test)]
mod tests;

use crate::money::Cents;
use crate::{Error, Result};
use chrono::{Datelike, NaiveDate};
use course::schedule;
use fees::Fees;
use payments::Payer;
use people::Person;
use plan::Plan;
use practice::PRACTICE_TOML;
use rng::Rng;
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
pub const COVERAGE_PATIENTS: usize = 19;

/// Largest number of months accepted (ten years).
pub const MAX_MONTHS: u32 = 120;

const PATIENTS_HEADER: [&str; 18] = [
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
    "subscriber_dob",
];
const SESSIONS_HEADER: [&str; 12] = [
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
    "location",
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
    let signatures = out_dir.join("signatures");
    fs::create_dir_all(&signatures).map_err(|e| Error::io(&signatures, e))?;
    for (id, png) in practice::SIGNATURES {
        let path = signatures.join(format!("{id}.png"));
        fs::write(&path, png).map_err(|e| Error::io(&path, e))?;
    }

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
                s.location,
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
