//! Building superbills: one per patient with billable sessions in the
//! period, as pure data. Once built, the plan hands what it knows to
//! `rows` to account for every input row.

use super::letters::{letter, Letters};
use super::model::*;
use crate::findings::{At, Findings};
use crate::hash::{HashMap, HashSet};
use crate::icd10;
use crate::input::{CompactString, Inputs, Patient, Session, Status, PAYMENTS_FILE, SESSIONS_FILE};
use crate::ledger::{self, Charge, Ledger};
use crate::money::Cents;
use crate::practice::Loaded;
use crate::resolve::{self, Resolved};
use crate::rows::{self, Fate};
use crate::validate::{Period, Validated};
use chrono::NaiveDate;
use rayon::prelude::*;
use std::collections::BTreeMap;

#[derive(Debug)]
pub struct Outcome {
    pub superbills: Vec<Superbill>,
    pub ledger: Ledger,
    /// Per input file: the fate of every row read, by line.
    pub fates: Vec<(&'static str, Vec<(u64, Fate)>)>,
    /// Superbill number of each billed session.
    pub session_superbill: super::SessionBills,
}

pub struct Request<'a> {
    pub period: Period,
    /// "Today" for the run: payments made up to it count.
    pub as_of: NaiveDate,
    /// Only this patient (`superbill render`).
    pub patient: Option<&'a str>,
}

impl Request<'_> {
    /// The period's end, or today while the period is still running:
    /// derived from the inputs, never from the clock.
    pub fn statement_date(&self) -> NaiveDate {
        self.period.to.min(self.as_of)
    }
}

/// One patient's billable sessions in the period (indexes into
/// `inputs.sessions`, in date order).
pub struct Group<'a> {
    pub patient: &'a Patient,
    pub sessions: Vec<usize>,
}

/// Everything needed to build any patient's superbill, computed once: the
/// groups, the ledger and lookups. Superbills are then built one at a
/// time (in parallel, in the batch), so memory holds a few superbills, not
/// all of them.
pub struct Plan<'a> {
    loaded: &'a Loaded,
    req: &'a Request<'a>,
    pub groups: Vec<Group<'a>>,
    pub ledger: Ledger,
    /// The crate's to reach: once every superbill is built, the batch
    /// drops it and the groups while ledger.csv still borrows the ledger
    /// (see [`Plan::built`]).
    pub(crate) idx: PaymentIndex<'a>,
}

impl<'a> Plan<'a> {
    pub fn new(
        loaded: &'a Loaded,
        validated: &'a Validated,
        req: &'a Request<'a>,
        findings: &Findings,
    ) -> Plan<'a> {
        let inputs = &loaded.inputs;
        let bad = rows::error_lines(findings);
        let ok = |file: &str, line: u64| !bad.contains(file, line);
        // The groups (this period's sessions by patient) and the ledger
        // (every month's charges and payments) need nothing of each other:
        // made side by side (at a million sessions one kept a core busy
        // while the other core waited).
        let ((groups, billed), ledger) = rayon::join(
            || {
                let groups = groups(inputs, validated, req, &ok);
                let billed = PaymentIndex::billed(inputs, &groups);
                (groups, billed)
            },
            || ledger_of(loaded, req, &ok),
        );
        let idx = PaymentIndex::new(inputs, &ledger, &billed);
        Plan {
            loaded,
            req,
            groups,
            ledger,
            idx,
        }
    }

    /// The superbill of one group, with any finding that kept one of its
    /// sessions off it. Pure: safe to call from several threads.
    pub fn build(&self, g: &Group) -> (Superbill, Findings) {
        let mut findings = Findings::default();
        let number = number(&self.req.period, &g.patient.patient_id);
        // Resolved again (validation reported any problem already).
        let inputs = &self.loaded.inputs;
        let resolved: Vec<Resolved> = g
            .sessions
            .iter()
            .map(|&i| {
                let mut scratch = Findings::default();
                resolve::session(
                    &inputs.sessions[i],
                    inputs.practice.default_pos_for(&inputs.sessions[i]),
                    &self.loaded.catalog,
                    &mut scratch,
                )
            })
            .collect();
        let list: Vec<(usize, &Session, &Resolved)> = g
            .sessions
            .iter()
            .zip(&resolved)
            .map(|(&i, r)| (i, &inputs.sessions[i], r))
            .collect();
        let sb = one(self.loaded, g.patient, &number, &list, self, &mut findings);
        (sb, findings)
    }

    /// Whether anything was paid toward (or refunded from) this session of
    /// the plan's superbills: the payment index knows, for those sessions
    /// only.
    pub fn has_payments(&self, session_id: &str) -> bool {
        !self.idx.allocations_of(session_id).is_empty()
    }

    /// What only building superbills needs (the groups and the payment
    /// index: at a million sessions about 80 MB), freed once they are all
    /// built; the ledger stays, for the exports and the row fates. Fields
    /// are assigned, not a `&mut self` method, because the ledger is still
    /// borrowed then: `Plan::built(&mut plan.groups, &mut plan.idx)`.
    pub(crate) fn built(groups: &mut Vec<Group<'a>>, idx: &mut PaymentIndex<'a>) {
        *groups = Vec::new();
        *idx = PaymentIndex::default();
    }

    /// What the plan owns, to be freed elsewhere (the rest only borrows).
    pub fn into_owned(self) -> (Ledger, Vec<(CompactString, usize)>) {
        (self.ledger, self.idx.by_session)
    }

    /// The fate of every input row once the superbills are known:
    /// `session_superbill` maps each billed session to its superbill.
    pub fn fates(
        &self,
        findings: &Findings,
        session_superbill: &super::SessionBills,
    ) -> Vec<(&'static str, Vec<(u64, Fate)>)> {
        rows::fates(
            &self.loaded.inputs,
            &self.req.period,
            self.req.patient,
            &rows::error_lines(findings),
            &self.ledger,
            session_superbill,
        )
    }
}

/// The superbill number of a patient's superbill for a period: stable, so
/// a corrected superbill keeps it (with a higher revision).
pub fn number(period: &Period, patient_id: &str) -> String {
    format!("SB-{}-{}", period.label(), patient_id)
}

/// Builds every superbill at once (one patient at the front desk, tests).
pub fn superbills(
    loaded: &Loaded,
    validated: &Validated,
    req: &Request,
    findings: &mut Findings,
) -> Outcome {
    let plan = Plan::new(loaded, validated, req, findings);
    let mut out = Vec::new();
    let mut session_superbill = super::SessionBills::default();
    for g in &plan.groups {
        let (sb, f) = plan.build(g);
        findings.extend(f);
        session_superbill.add(
            &sb.number,
            sb.lines.iter().map(|l| l.session_id.as_str().into()),
        );
        if !sb.lines.is_empty() {
            out.push(sb);
        }
    }
    let session_superbill = session_superbill.done();
    let fates = plan.fates(findings, &session_superbill);
    Outcome {
        superbills: out,
        ledger: plan.ledger,
        fates,
        session_superbill,
    }
}

/// One group per patient with sessions to bill in the period, in patient
/// order, each group's sessions by date.
fn groups<'a>(
    inputs: &'a Inputs,
    validated: &Validated,
    req: &Request,
    ok: &dyn Fn(&str, u64) -> bool,
) -> Vec<Group<'a>> {
    let mut mine: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in inputs.sessions.iter().enumerate() {
        if validated.checked[i]
            && s.status == Status::Completed
            && req.period.contains(s.date)
            && ok(SESSIONS_FILE, s.line)
            && req.patient.is_none_or(|p| p == s.patient_id)
        {
            mine.entry(&s.patient_id).or_default().push(i);
        }
    }
    mine.into_iter()
        .filter_map(|(pid, mut sessions)| {
            let key = |i: &usize| {
                (
                    inputs.sessions[*i].date,
                    inputs.sessions[*i].session_id.as_str(),
                )
            };
            sessions.sort_by(|a, b| key(a).cmp(&key(b)));
            Some(Group {
                patient: inputs.patient(pid)?,
                sessions,
            })
        })
        .collect()
}

/// Every month's charges with the payments applied to them.
fn ledger_of(loaded: &Loaded, req: &Request, ok: &(dyn Fn(&str, u64) -> bool + Sync)) -> Ledger {
    let earlier = earlier_errors(loaded, req);
    let charges = charges(loaded, req, &|file: &str, line: u64| {
        ok(file, line) && !(file == SESSIONS_FILE && earlier.contains(&line))
    });
    let paid_by = req.period.to.max(req.as_of);
    ledger::apply(&charges, payments_ok(&loaded.inputs, &charges, paid_by, ok))
}

/// Every error-free completed session up to the period's end carries a
/// charge: payments are applied across months, oldest charges first.
fn charges(loaded: &Loaded, req: &Request, ok: &(dyn Fn(&str, u64) -> bool + Sync)) -> Vec<Charge> {
    let inputs = &loaded.inputs;
    // Every session of every month is resolved for its charge: side by
    // side, in session order.
    inputs
        .sessions
        .par_iter()
        .filter(|s| {
            // Sessions before the period were validated by `earlier_errors`
            // (and left out by `ok` when they had errors).
            s.status == Status::Completed && s.date <= req.period.to && ok(SESSIONS_FILE, s.line)
        })
        .map(|s| {
            let mut scratch = Findings::default();
            let r = resolve::session(
                s,
                inputs.practice.default_pos_for(s),
                &loaded.catalog,
                &mut scratch,
            );
            Charge {
                session_id: s.session_id.clone(),
                patient_id: s.patient_id.clone(),
                date: s.date,
                amount: total(&r),
            }
        })
        .collect()
}

/// Lines of sessions before the period that their own month's validation
/// rejects: they carry no charge, so no payment is spent on them. Filing
/// age does not count here: an old visit was still paid for.
fn earlier_errors(loaded: &Loaded, req: &Request) -> HashSet<u64> {
    let Some(before) = req.period.from.pred_opt() else {
        return HashSet::default();
    };
    let first = loaded.inputs.sessions.iter().map(|s| s.date).min();
    let Some(first) = first.filter(|d| *d <= before) else {
        return HashSet::default();
    };
    let mut scratch = Findings::default();
    let opts = crate::validate::Options {
        as_of: req.period.to,
        period: Some(Period {
            from: first,
            to: before,
        }),
        // Only errors matter here: at a year of history, telling every old
        // session it is late to file made hundreds of thousands of
        // warnings (the run's peak memory).
        filing_warnings: false,
    };
    let i = &loaded.inputs;
    crate::validate::run(i, &loaded.catalog, &loaded.icd, &opts, &mut scratch);
    scratch
        .items
        .iter()
        .filter(|f| f.severity == crate::findings::Severity::Error && f.file == SESSIONS_FILE)
        .filter(|f| f.code != "filing-limit")
        .map(|f| f.line)
        .collect()
}

fn total(r: &Resolved) -> Cents {
    r.lines.iter().map(|l| l.charge()).sum()
}

/// Payments the period's ledger sees: error-free, and either naming a
/// session it charges (a late payment for it counts) or, without a
/// session, made by `end` (the period's end, or the run's as-of date when
/// later, so a balance settled after the month shows as paid). Payments
/// naming later sessions wait for their month instead of showing as credit.
fn payments_ok<'a>(
    inputs: &'a Inputs,
    charges: &[Charge],
    end: NaiveDate,
    ok: &(dyn Fn(&str, u64) -> bool + Sync),
) -> Vec<&'a crate::input::Payment> {
    let charged: HashSet<&str> = charges.iter().map(|c| c.session_id.as_str()).collect();
    let later: HashSet<&str> = inputs
        .sessions
        .iter()
        .filter(|s| s.date > end)
        .map(|s| s.session_id.as_str())
        .collect();
    // Side by side, in file order.
    inputs
        .payments
        .par_iter()
        .filter(|p| ok(PAYMENTS_FILE, p.line))
        .filter(|p| match &p.session_id {
            Some(s) => {
                charged.contains(s.as_str()) || (p.date <= end && !later.contains(s.as_str()))
            }
            None => p.date <= end,
        })
        .collect()
}

fn one(
    loaded: &Loaded,
    p: &Patient,
    number: &str,
    sessions: &[(usize, &Session, &Resolved)],
    plan: &Plan,
    findings: &mut Findings,
) -> Superbill {
    let req = plan.req;
    let idx = &plan.idx;
    let inputs = &loaded.inputs;
    let practice = &inputs.practice;
    let mut letters = Letters::default();
    let mut providers: Vec<ProviderBlock> = Vec::new();
    let mut lines = Vec::new();
    let mut included = Vec::new();
    for (_, s, r) in sessions {
        // Validation rejects such a session already; this keeps a claim
        // within its letters whatever the caller validated.
        if letters.admit(&s.diagnoses).is_err() {
            let msg = crate::validate::too_many_for_superbill(&inputs.dir, s, Some(number));
            findings.error(
                &At::new(SESSIONS_FILE, s.line, &s.session_id),
                "diagnoses",
                "superbill-diagnoses",
                msg,
            );
            continue;
        }
        let prov = inputs.provider(&s.provider_id).expect("validated provider");
        if !providers.iter().any(|b| b.id == prov.id) {
            providers.push(ProviderBlock {
                id: prov.id.clone(),
                name: prov.display_name(),
                npi: prov.npi.clone(),
                license: prov.license.clone(),
                license_state: prov.license_state.clone(),
                taxonomy: prov.taxonomy.clone(),
            });
        }
        let pointers = letters.pointers(&s.diagnoses);
        let facility = practice
            .site_at(practice.location_of(s.location.as_deref()))
            .map(|site| Party {
                name: site.name.to_string(),
                address_lines: address_lines(site.address),
                address: site.address.clone(),
                npi: site.npi.map(str::to_string),
            });
        for l in &r.lines {
            lines.push(ServiceLine {
                session_id: s.session_id.to_string(),
                date: s.date,
                place_of_service: r.place_of_service.clone(),
                code: l.code.clone(),
                modifiers: l.modifiers.clone(),
                pointers: pointers.clone(),
                units: l.units,
                unit_fee: l.unit_fee,
                charge: l.charge(),
                paid: Cents::ZERO,
                provider_npi: prov.npi.clone(),
                description: l.description.clone(),
                drug: l.drug.clone(),
                facility: facility.clone(),
            });
        }
        included.push(s.session_id.as_str());
    }
    let diagnoses = letters
        .codes()
        .iter()
        .enumerate()
        .map(|(i, code)| Diagnosis {
            letter: letter(i),
            code: icd10::dotted(code),
            description: loaded
                .icd
                .describe(code, req.period.to)
                .unwrap_or("")
                .to_string(),
        })
        .collect();
    // One facility for every line: a block of its own.
    let facility = match lines.first() {
        Some(first) if lines.iter().all(|l| l.facility == first.facility) => first.facility.clone(),
        _ => None,
    };
    let payments = payments_for(idx, &plan.ledger, &included);
    super::paid::spread(&mut lines, &paid_by_session(idx, &plan.ledger, &included));
    let total_charged: Cents = lines.iter().map(|l| l.charge).sum();
    let total_paid: Cents = payments.iter().map(|p| p.amount).sum();
    let shows_cpt = lines.iter().any(|l| {
        loaded
            .catalog
            .procedure(&l.code)
            .is_some_and(|c| c.is_cpt())
    });
    Superbill {
        number: number.to_string(),
        statement_date: req.statement_date(),
        period_from: req.period.from,
        period_to: req.period.to,
        practice: BillingEntity {
            legal_name: practice.legal_name.clone(),
            address_lines: address_lines(&practice.address),
            address: practice.address.clone(),
            phone: practice.phone.clone(),
            tax_id: crate::ein::format(&practice.tax_id),
            npi: practice.npi.clone(),
            taxonomy: practice.taxonomy.clone(),
        },
        facility,
        patient: PatientBlock {
            patient_id: p.patient_id.clone(),
            name: p.full_name(),
            last_name: p.last_name.clone(),
            first_name: p.first_name.clone(),
            middle_name: p.middle_name.clone(),
            dob: p.dob,
            sex: p.sex.clone(),
            address_lines: address_lines(&p.address),
            address: p.address.clone(),
            phone: p.phone.clone(),
            payer: p.payer.clone(),
            member_id: p.member_id.clone(),
            group_number: p.group_number.clone(),
            subscriber: p.subscriber().map(|(n, r)| (n.to_string(), r.to_string())),
            subscriber_dob: p.subscriber().and(p.subscriber_dob),
            payer_type: loaded
                .catalog
                .payers
                .type_of(&p.payer, p.payer_type.as_deref())
                .map(str::to_string),
        },
        providers,
        diagnoses,
        lines,
        payments,
        total_charged,
        total_paid,
        balance: total_charged - total_paid,
        shows_cpt,
        issue: Issue::default(),
    }
}

fn address_lines(a: &crate::input::Address) -> Vec<String> {
    let mut v = vec![a.line1.clone()];
    if let Some(l2) = &a.line2 {
        v.push(l2.clone());
    }
    v.push(a.city_line());
    v
}

/// Each payment's allocations to these sessions, summed per payment, in
/// payment date order.
fn payments_for(idx: &PaymentIndex, ledger: &Ledger, sessions: &[&str]) -> Vec<PaymentLine> {
    let mut sums: BTreeMap<&str, Cents> = BTreeMap::new();
    for s in sessions {
        for &(_, i) in idx.allocations_of(s) {
            let a = &ledger.allocations[i];
            *sums.entry(a.payment_id.as_str()).or_default() += a.amount;
        }
    }
    let mut out: Vec<PaymentLine> = sums
        .into_iter()
        .filter(|(_, amount)| *amount != Cents::ZERO)
        .map(|(id, amount)| {
            let p = idx.payment(id);
            PaymentLine {
                payment_id: p.payment_id.to_string(),
                date: p.date,
                method: p.method.to_string(),
                reference: p.reference.as_ref().map(|r| r.to_string()),
                amount,
            }
        })
        .collect();
    out.sort_by(|a, b| (a.date, &a.payment_id).cmp(&(b.date, &b.payment_id)));
    out
}

/// What the ledger applied to each of these sessions (the same
/// allocations `payments_for` sums per payment).
fn paid_by_session<'s>(
    idx: &PaymentIndex,
    ledger: &Ledger,
    sessions: &[&'s str],
) -> HashMap<&'s str, Cents> {
    sessions
        .iter()
        .map(|s| {
            let paid = idx
                .allocations_of(s)
                .iter()
                .map(|&(_, i)| ledger.allocations[i].amount)
                .sum();
            (*s, paid)
        })
        .collect()
}

/// Lookups built once per run: superbills are many and allocations more.
/// Sorted lists searched by halves, not hash maps: made side by side (the
/// maps were built on one core, about a second at a million sessions) and
/// about half the memory (a map entry per session with a list of its own).
#[derive(Default)]
pub(crate) struct PaymentIndex<'a> {
    /// (session id, index into `ledger.allocations`), sorted: a session's
    /// allocations are a run, in ledger order.
    by_session: Vec<(CompactString, usize)>,
    /// (payment id, line, payment) of the payments the allocations name,
    /// sorted.
    payments: Vec<(&'a str, u64, &'a crate::input::Payment)>,
}

impl<'a> PaymentIndex<'a> {
    /// The sessions the groups bill: what the index is made for.
    fn billed(inputs: &'a Inputs, groups: &[Group]) -> HashSet<&'a str> {
        groups
            .iter()
            .flat_map(|g| g.sessions.iter())
            .map(|&i| inputs.sessions[i].session_id.as_str())
            .collect()
    }

    /// Only what the groups' superbills can ask for: the ledger spans every
    /// month, and a year of history would make the index twelve times the
    /// size of the month's.
    fn new(inputs: &'a Inputs, ledger: &Ledger, billed: &HashSet<&str>) -> Self {
        let allocations = &ledger.allocations;
        let mut by_session: Vec<(CompactString, usize)> = (0..allocations.len())
            .into_par_iter()
            .filter(|&i| billed.contains(allocations[i].session_id.as_str()))
            .map(|i| (allocations[i].session_id.clone(), i))
            .collect();
        by_session.par_sort_unstable();
        let mut paying: Vec<&str> = by_session
            .par_iter()
            .map(|&(_, i)| allocations[i].payment_id.as_str())
            .collect();
        paying.par_sort_unstable();
        paying.dedup();
        let mut payments: Vec<(&'a str, u64, &'a crate::input::Payment)> = inputs
            .payments
            .par_iter()
            .filter(|p| paying.binary_search(&p.payment_id.as_str()).is_ok())
            .map(|p| (p.payment_id.as_str(), p.line, p))
            .collect();
        payments.par_sort_unstable_by_key(|&(id, line, _)| (id, line));
        PaymentIndex {
            by_session,
            payments,
        }
    }

    /// The session's (id, allocation index) pairs, in ledger order.
    fn allocations_of(&self, session_id: &str) -> &[(CompactString, usize)] {
        let from = self
            .by_session
            .partition_point(|(s, _)| s.as_str() < session_id);
        let to = from + self.by_session[from..].partition_point(|(s, _)| s.as_str() == session_id);
        &self.by_session[from..to]
    }

    /// The payment an allocation names: of two rows with its id (an error
    /// of the later one), the later, as a map filled in file order held.
    fn payment(&self, id: &str) -> &'a crate::input::Payment {
        let end = self.payments.partition_point(|&(p, _, _)| p <= id);
        let (found, _, p) = self.payments[end - 1];
        debug_assert_eq!(found, id);
        p
    }
}

#[cfg(test)]
mod tests;
