//! Checks on single records: references, dates, diagnoses, duplicates.

use super::Options;
use crate::codes::Catalog;
use crate::findings::{At, Findings};
use crate::hash::{HashMap, HashSet};
use crate::icd10::{self, Check, CodeSet};
use crate::input::{Inputs, Session, PATIENTS_FILE, PAYMENTS_FILE, SESSIONS_FILE};
use crate::money::Cents;
use crate::superbill::letters::{Letters, Overflow, MAX_DIAGNOSES};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Timely filing: plans ask for claims within 90 days and refuse them after
/// a year.
const FILING_WARN_DAYS: i64 = 90;
const FILING_LIMIT_DAYS: i64 = 365;
/// Longer than any infusion or visit the clinics run: a typo.
const MAX_MINUTES: u32 = 480;
/// More ketamine or esketamine than any protocol gives in one session.
const MAX_DOSE_MG: u32 = 1_000;

pub fn patients(inputs: &Inputs, cat: &Catalog, opts: &Options, f: &mut Findings) {
    let mut seen: HashMap<&str, u64> = HashMap::default();
    for p in &inputs.patients {
        let at = At::new(PATIENTS_FILE, p.line, &p.patient_id);
        if let Some(first) = seen.insert(&p.patient_id, p.line) {
            f.error(
                &at,
                "patient_id",
                "duplicate-id",
                format!(
                    "patient_id {} is already used on line {first}: give each patient one row",
                    p.patient_id
                ),
            );
        }
        if p.dob > opts.as_of {
            f.error(
                &at,
                "dob",
                "date-in-future",
                "date of birth is in the future: check the year",
            );
        } else if opts.as_of.years_since(p.dob).unwrap_or(0) > 120 {
            f.error(
                &at,
                "dob",
                "bad-date",
                "date of birth is more than 120 years ago: check the year",
            );
        }
        if p.subscriber_name.is_some() && p.subscriber_relationship.is_none() {
            f.error(&at, "subscriber_relationship", "missing-value",
                "subscriber_name is set but subscriber_relationship is empty: fill in self, spouse, child or other");
        }
        if let Some(dob) = p.subscriber_dob {
            if dob > opts.as_of {
                f.error(
                    &at,
                    "subscriber_dob",
                    "date-in-future",
                    "the subscriber's date of birth is in the future: check the year",
                );
            } else if opts.as_of.years_since(dob).unwrap_or(0) > 120 {
                f.error(
                    &at,
                    "subscriber_dob",
                    "bad-date",
                    "the subscriber's date of birth is more than 120 years ago: check the year",
                );
            }
        }
        payer_type(p, cat, &at, f);
        if p.address.state.len() != 2 {
            f.warning(
                &at,
                "state",
                "bad-value",
                "state should be the two-letter postal code, e.g. CO",
            );
        }
    }
}

/// Medicare and Medicaid patients: staff are warned (the rules of those
/// programs differ from a commercial plan's), and an unknown `payer_type`
/// is named. The message names the type, never the payer cell.
fn payer_type(p: &crate::input::Patient, cat: &Catalog, at: &At, f: &mut Findings) {
    match cat.payers.classify(&p.payer, p.payer_type.as_deref()) {
        Ok(None) => {}
        Ok(Some(key)) => {
            let t = &cat.payers.types[key];
            f.warning(
                at,
                if p.payer_type.is_some() {
                    "payer_type"
                } else {
                    "payer"
                },
                "public-payer",
                format!(
                    "patient {}'s payer is {}: {}",
                    p.patient_id, t.label, t.warning
                ),
            );
        }
        Err(crate::codes::payers::UnknownType(_)) => f.warning(
            at,
            "payer_type",
            "bad-value",
            format!(
                "payer_type is not one of {}: the type is recognised from the payer name instead",
                cat.payers.accepted().join(", ")
            ),
        ),
    }
}

pub fn payments(inputs: &Inputs, opts: &Options, f: &mut Findings) {
    use rayon::prelude::*;
    let (patients, sessions) = rayon::join(
        || {
            inputs
                .patients
                .iter()
                .map(|p| p.patient_id.as_str())
                .collect::<HashSet<&str>>()
        },
        || {
            inputs
                .sessions
                .iter()
                .map(|s| (s.session_id.as_str(), s))
                .collect::<HashMap<&str, &Session>>()
        },
    );
    let before = same_id_before(&inputs.payments);
    // Each payment is checked on its own: side by side in runs, the
    // findings joined in file order.
    const RUN: usize = 16_384;
    let found: Vec<Findings> = inputs
        .payments
        .par_chunks(RUN)
        .enumerate()
        .map(|(run, payments)| {
            let mut f = Findings::default();
            for (k, p) in payments.iter().enumerate() {
                let before = before[run * RUN + k];
                payment(inputs, opts, &patients, &sessions, p, before, &mut f);
            }
            f
        })
        .collect();
    for part in found {
        f.extend(part);
    }
    refunds_beyond_payments(inputs, f);
}

/// For each payment, the line of the payment before it (in file order)
/// with the same id.
fn same_id_before(payments: &[crate::input::Payment]) -> Vec<Option<u64>> {
    use rayon::prelude::*;
    let mut ids: Vec<(&str, usize)> = payments
        .iter()
        .enumerate()
        .map(|(i, p)| (p.payment_id.as_str(), i))
        .collect();
    ids.par_sort_unstable();
    let mut before = vec![None; payments.len()];
    for pair in ids.windows(2) {
        if pair[0].0 == pair[1].0 {
            before[pair[1].1] = Some(payments[pair[0].1].line);
        }
    }
    before
}

fn payment(
    inputs: &Inputs,
    opts: &Options,
    patients: &HashSet<&str>,
    sessions: &HashMap<&str, &Session>,
    p: &crate::input::Payment,
    before: Option<u64>,
    f: &mut Findings,
) {
    let at = At::new(PAYMENTS_FILE, p.line, &p.payment_id);
    if let Some(first) = before {
        f.error(
            &at,
            "payment_id",
            "duplicate-id",
            format!(
                "payment_id {} is already used on line {first}: each payment needs its own id",
                p.payment_id
            ),
        );
    }
    if !patients.contains(p.patient_id.as_str()) {
        unknown_patient(inputs, &p.patient_id, &at, f);
    }
    if let Some(sid) = p
        .session_id
        .as_ref()
        .filter(|_| inputs.usable(SESSIONS_FILE))
    {
        match sessions.get(sid.as_str()) {
            None => match inputs.session_lines.get(sid.as_str()) {
                Some(line) => f.error(&at, "session_id", "session-invalid", format!(
                    "session {sid}'s row ({} line {line}) has errors: fix that row, then re-run",
                    inputs.source_name(SESSIONS_FILE))),
                None => f.error(&at, "session_id", "unknown-session", format!(
                    "session {sid} is not in sessions.csv: check the id, or leave session_id empty to apply the payment to the oldest unpaid sessions")),
            },
            Some(s) if s.patient_id != p.patient_id => f.error(&at, "session_id", "session-patient-mismatch", format!(
                "session {sid} belongs to patient {}, not {}: check both ids", s.patient_id, p.patient_id)),
            Some(_) => {}
        }
    }
    if p.date > opts.as_of {
        f.error(
            &at,
            "date",
            "date-in-future",
            format!(
                "payment date {} is after {}: check the date",
                p.date, opts.as_of
            ),
        );
    }
}

/// A patient's refunds adding up to more than they paid is almost always
/// a sign error or a refund entered twice.
fn refunds_beyond_payments(inputs: &Inputs, f: &mut Findings) {
    let mut totals: BTreeMap<&str, (Cents, Cents, Option<&crate::input::Payment>)> =
        BTreeMap::new();
    for p in &inputs.payments {
        let t = totals.entry(&p.patient_id).or_default();
        if p.amount.is_negative() {
            t.1 -= p.amount;
            t.2 = Some(p);
        } else {
            t.0 += p.amount;
        }
    }
    for (patient, (paid, refunded, last)) in totals {
        if let (true, Some(r)) = (refunded > paid, last) {
            f.warning(&At::new(PAYMENTS_FILE, r.line, &r.payment_id), "amount", "refund-exceeds-payments", format!(
                "patient {patient}'s refunds ({}) exceed their payments ({}): check the sign and for a refund entered twice",
                refunded.display(), paid.display()));
        }
    }
}

fn unknown_patient(inputs: &Inputs, id: &str, at: &At, f: &mut Findings) {
    if !inputs.usable(PATIENTS_FILE) {
        return; // patients.csv's one root cause stands for this
    }
    match inputs.patient_lines.get(id) {
        Some(line) => f.error(
            at,
            "patient_id",
            "patient-invalid",
            format!(
                "patient {id}'s row ({} line {line}) has errors: fix that row, then re-run",
                inputs.source_name(PATIENTS_FILE)
            ),
        ),
        None => f.error(
            at,
            "patient_id",
            "unknown-patient",
            format!("patient {id} is not in patients.csv: check the id or add the patient"),
        ),
    }
}

/// Flags every repeat of a session id (the first row keeps it) and
/// returns the repeats' lines, which no later check looks at.
pub fn duplicate_sessions(inputs: &Inputs, f: &mut Findings) -> HashSet<u64> {
    let mut first: HashMap<&str, u64> = HashMap::default();
    let mut repeats = HashSet::default();
    for s in &inputs.sessions {
        match first.get(s.session_id.as_str()) {
            Some(line) => {
                repeats.insert(s.line);
                f.error(&At::new(SESSIONS_FILE, s.line, &s.session_id), "session_id", "duplicate-id", format!(
                    "session_id {} is already used on line {line}: a session is billed once; give distinct visits distinct ids", s.session_id));
            }
            None => {
                first.insert(&s.session_id, s.line);
            }
        }
    }
    repeats
}

pub fn session(
    inputs: &Inputs,
    bad_providers: &HashSet<&str>,
    s: &Session,
    icd: &CodeSet,
    cat: &Catalog,
    opts: &Options,
    f: &mut Findings,
) {
    let at = At::new(SESSIONS_FILE, s.line, &s.session_id);
    match inputs.patient(&s.patient_id) {
        None => unknown_patient(inputs, &s.patient_id, &at, f),
        Some(p) if s.date < p.dob => f.error(
            &at,
            "date",
            "before-birth",
            format!(
                "date of service is before patient {}'s date of birth: check both dates",
                s.patient_id
            ),
        ),
        Some(_) => {}
    }
    if inputs.provider(&s.provider_id).is_none() {
        let ids: Vec<&str> = inputs
            .practice
            .providers
            .iter()
            .map(|p| p.id.as_str())
            .collect();
        f.error(
            &at,
            "provider_id",
            "unknown-provider",
            format!(
                "provider '{}' is not in practice.toml: use one of {}",
                s.provider_id,
                ids.join(", ")
            ),
        );
    } else if let Some(prov) = inputs.provider(&s.provider_id) {
        if bad_providers.contains(prov.id.as_str()) {
            f.error(
                &at,
                "provider_id",
                "provider-invalid",
                format!(
                    "provider '{}' has errors in practice.toml (NPI, taxonomy, license or credentials): fix them there, then re-run",
                    prov.id
                ),
            );
        }
    }
    if let Some(id) = &s.location {
        if inputs.practice.location(id).is_none() {
            f.error(
                &at,
                "location",
                "unknown-location",
                format!(
                    "location '{id}' is not in practice.toml: {}",
                    super::practice::location_ids(inputs)
                ),
            );
        }
    }
    dates(s, opts, &at, f);
    if let Some(m) = s.minutes {
        if m > MAX_MINUTES {
            f.error(
                &at,
                "minutes",
                "too-many-minutes",
                format!("{m} minutes is more than {MAX_MINUTES} (8 hours): check the value"),
            );
        }
    }
    if let Some(d) = s.dose_mg {
        if d > MAX_DOSE_MG {
            f.error(
                &at,
                "dose_mg",
                "too-large-dose",
                format!("{d} mg is more than {MAX_DOSE_MG} mg in one session: check the value"),
            );
        }
    }
    diagnoses(s, icd, cat, &at, f);
}

fn dates(s: &Session, opts: &Options, at: &At, f: &mut Findings) {
    if s.date > opts.as_of {
        f.error(
            at,
            "date",
            "date-in-future",
            format!(
                "date of service {} is after {}: a superbill covers services already rendered",
                s.date, opts.as_of
            ),
        );
        return;
    }
    let age = (opts.as_of - s.date).num_days();
    if age > FILING_LIMIT_DAYS {
        f.error(at, "date", "filing-limit", format!(
            "date of service {} is {age} days old, past the typical 1-year filing limit: insurers will refuse it", s.date));
    } else if age > FILING_WARN_DAYS && opts.filing_warnings {
        f.warning(at, "date", "filing-late", format!(
            "date of service {} is {age} days old: many plans want claims within 90 days, tell the patient to file soon", s.date));
    }
}

fn diagnoses(s: &Session, icd: &CodeSet, cat: &Catalog, at: &At, f: &mut Findings) {
    if let Err(Overflow::Session(n)) = Letters::check_session(&s.diagnoses) {
        f.error(at, "diagnoses", "too-many-diagnoses", format!(
            "{n} diagnoses listed; a claim takes at most {MAX_DIAGNOSES} (A-L): keep the {MAX_DIAGNOSES} that the services treat"));
    }
    for code in &s.diagnoses {
        icd_code(code, s.date, icd, at, f);
    }
    for rule in cat.pairing.excludes1.values() {
        if let Some((a, b)) = rule.clash(&s.diagnoses) {
            f.error(
                at,
                "diagnoses",
                "excludes1",
                format!(
                    "{} and {} are an Excludes1 pair: {}",
                    icd10::dotted(a),
                    icd10::dotted(b),
                    rule.reason
                ),
            );
        }
    }
}

fn icd_code(code: &str, date: NaiveDate, icd: &CodeSet, at: &At, f: &mut Findings) {
    let dotted = icd10::dotted(code);
    let check = match icd.check(code, date) {
        Check::NoRelease { verdict, .. } => *verdict,
        other => other,
    };
    match check {
        Check::Billable { .. } | Check::NoRelease { .. } => {}
        Check::Header {
            billable_children, ..
        } => {
            let shown: Vec<String> = billable_children
                .iter()
                .take(6)
                .map(|e| format!("{} ({})", icd10::dotted(&e.code), e.description))
                .collect();
            let more = billable_children.len().saturating_sub(6);
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            f.error(at, "diagnoses", "icd-header", format!(
                "{dotted} is a category header, not billable: choose the specific code, e.g. {}{tail}", shown.join("; ")));
        }
        Check::Absent { suggestions, .. } => {
            let hint = if suggestions.is_empty() {
                format!(
                    "find the right code with `superbill codes search` and words from the diagnosis, or `superbill codes lookup {}`",
                    icd10::normalize(code).get(..3).unwrap_or(code)
                )
            } else {
                format!(
                    "did you mean {}?",
                    suggestions
                        .iter()
                        .map(|e| format!("{} ({})", icd10::dotted(&e.code), e.description))
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            };
            f.error(
                at,
                "diagnoses",
                "icd-absent",
                format!("{dotted} is not an ICD-10-CM code valid on {date}: {hint}"),
            );
        }
    }
}

/// A session cannot be billed for a patient whose own row has errors (the
/// superbill would carry them); point staff at that row.
pub fn sessions_of_bad_patients(inputs: &Inputs, checked: &[bool], f: &mut Findings) {
    let bad_lines: HashSet<u64> = f
        .items
        .iter()
        .filter(|x| x.severity == crate::findings::Severity::Error && x.file == PATIENTS_FILE)
        .map(|x| x.line)
        .collect();
    let bad: HashMap<&str, u64> = inputs
        .patients
        .iter()
        .filter(|p| bad_lines.contains(&p.line))
        .map(|p| (p.patient_id.as_str(), p.line))
        .collect();
    if bad.is_empty() {
        return;
    }
    for (s, c) in inputs.sessions.iter().zip(checked) {
        if let (true, Some(line)) = (*c, bad.get(s.patient_id.as_str())) {
            f.error(
                &At::new(SESSIONS_FILE, s.line, &s.session_id),
                "patient_id",
                "patient-invalid",
                format!(
                    "patient {} has errors at patients.csv line {line}: fix that row, then re-run",
                    s.patient_id
                ),
            );
        }
    }
}

/// A superbill lists at most 12 diagnoses (A-L) across its sessions, and
/// never an Excludes1 pair: the session that would add a 13th code, or
/// the second code of a pair, is rejected with the way out.
pub fn superbill_diagnoses(
    sessions: &[&Session],
    cat: &Catalog,
    dir: &std::path::Path,
    f: &mut Findings,
) {
    let mut seen = Letters::default();
    for s in sessions {
        if Letters::check_session(&s.diagnoses).is_err() {
            continue; // rejected on its own (too-many-diagnoses)
        }
        if cat.pairing.excludes1_clash(&s.diagnoses) {
            continue; // rejected on its own (excludes1 within the session)
        }
        let at = At::new(SESSIONS_FILE, s.line, &s.session_id);
        let Ok(union) = seen.with(&s.diagnoses) else {
            f.error(
                &at,
                "diagnoses",
                "superbill-diagnoses",
                too_many_for_superbill(dir, s, None),
            );
            continue;
        };
        let mut clash = false;
        for rule in cat.pairing.excludes1.values() {
            if let Some((a, b)) = rule.clash(&union) {
                clash = true;
                f.error(&at, "diagnoses", "excludes1", format!(
                    "{} and {} would meet on the patient's superbill (another session this period has one of them): {}",
                    icd10::dotted(a), icd10::dotted(b), rule.reason));
            }
        }
        if !clash {
            seen.admit(&s.diagnoses).expect("checked above");
        }
    }
}

/// What to do with a session that would put a 13th diagnosis on a
/// superbill (`number` when it is already known).
pub fn too_many_for_superbill(dir: &std::path::Path, s: &Session, number: Option<&str>) -> String {
    let which = number.map_or("the patient's superbill".to_string(), |n| {
        format!("superbill {n}")
    });
    format!(
        "with this session {which} would list more than {MAX_DIAGNOSES} diagnoses (A-L): keep the codes the services treat, or bill it on its own with `{}`",
        render_alone(dir, s)
    )
}

/// Dates of service no loaded ICD-10-CM release covers: one warning per
/// release to import, on the first such session, not one per session (a
/// practice running October before importing FY2027 would otherwise get
/// hundreds). Their codes are still checked against the nearest release.
pub fn icd_release_coverage(inputs: &Inputs, checked: &[bool], icd: &CodeSet, f: &mut Findings) {
    let mut missing: BTreeMap<String, (usize, &Session, NaiveDate, NaiveDate)> = BTreeMap::new();
    for (s, _) in inputs.sessions.iter().zip(checked).filter(|(_, c)| **c) {
        if icd.release_for(s.date).is_some() {
            continue;
        }
        let e = missing
            .entry(icd10::release_to_import(s.date))
            .or_insert((0, s, s.date, s.date));
        e.0 += 1;
        if (s.date, s.line) < (e.1.date, e.1.line) {
            e.1 = s;
        }
        e.2 = e.2.min(s.date);
        e.3 = e.3.max(s.date);
    }
    for (release, (n, first, from, to)) in missing {
        let nearest = icd.nearest_release(from);
        let side = if from > nearest.valid_to {
            "after the last"
        } else {
            "outside every"
        };
        let fy: String = release.chars().skip(2).take(4).collect();
        let file = format!("icd10cm-tabular-{fy}.xml");
        let out = crate::shell::path(&inputs.dir.join("codes").join("icd10cm"));
        f.warning(
            &At::new(SESSIONS_FILE, first.line, &first.session_id),
            "date",
            "icd-no-release",
            format!(
                "{n} session{} dated {from} to {to} fall {side} loaded ICD-10-CM release ({}, valid {} to {}); their diagnoses were checked against it. \
                 Import the {release} release: the CDC publishes it at {} (tabular XML {file} in the table and index zip), then run `superbill codes import-icd10cm {file} --out {out}`",
                if n == 1 { "" } else { "s" },
                nearest.name,
                nearest.valid_from,
                nearest.valid_to,
                icd10::CDC_FILES,
            ),
        );
    }
}

/// The command that bills one session on a superbill of its own, ready to
/// paste.
pub fn render_alone(dir: &std::path::Path, s: &Session) -> String {
    format!(
        "superbill render --practice {} --patient {} --from {} --to {} --out {}",
        crate::shell::path(dir),
        crate::shell::quote(&s.patient_id),
        s.date,
        s.date,
        crate::shell::quote(&format!(
            "SB-{}-{}.pdf",
            s.date.format("%Y%m%d"),
            s.patient_id
        ))
    )
}
