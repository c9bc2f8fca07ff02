//! Applying payments to charges. Cash-pay patients pay upfront, often a
//! package covering several sessions, sometimes get a refund. For each
//! patient, payments are applied in three rounds:
//!
//! 1. A payment naming a session goes to that session first, even if
//!    another payment is dated earlier. What it pays beyond that session's
//!    balance joins round 2. A payment naming a session that is not billed
//!    here (a later month, or a rejected session) is not applied at all: it
//!    stays as credit, waiting for that session.
//! 2. Payments naming no session (such as package prepayments), and the
//!    excess from round 1, pay the oldest unpaid charges first.
//! 3. Refunds come last: a refund first takes back unapplied credit, then
//!    reduces what was paid toward the session it names (if any), then what
//!    was paid toward the newest charges. A refund larger than everything
//!    paid leaves negative credit.
//!
//! Money paid for a named session not billed here is *held* for it, not
//! counted as credit (`Ledger::held`).
//!
//! Within each round, payments are taken by date, and payments with the
//! same date in the order of their lines in the payments file. Money is
//! conserved: every payment's allocations plus its unapplied remainder
//! equal its amount.

use crate::input::{CompactString, Payment};
use crate::money::Cents;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// One session's charge, billable and free of errors.
#[derive(Debug, Clone)]
pub struct Charge {
    pub session_id: CompactString,
    pub patient_id: CompactString,
    pub date: NaiveDate,
    pub amount: Cents,
}

/// Part of a payment applied to a session (negative for a refund taking
/// back what was applied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    pub payment_id: CompactString,
    pub session_id: CompactString,
    pub amount: Cents,
}

#[derive(Debug, Default)]
pub struct Ledger {
    /// In payment processing order.
    pub allocations: Vec<Allocation>,
    /// Per payment: what was not applied to any session (credit; negative
    /// when a refund exceeded what had been paid).
    pub unapplied: crate::sorted::SortedMap<CompactString, Cents>,
    /// Per patient: credit left after all payments, not counting `held`.
    pub credit: BTreeMap<String, Cents>,
    /// Per patient: money paid for named sessions not billed here (a
    /// rejected session, say), waiting for them. Not credit: it belongs to
    /// that session once it is fixed.
    pub held: BTreeMap<String, Cents>,
    /// Payments that wait for their named session (what they left unapplied
    /// is held, not credit).
    pub waiting: crate::hash::HashSet<CompactString>,
}

impl Ledger {
    /// What was paid toward a session: its allocations, refunds taken off.
    /// Summed when asked, not kept per session: the ledger spans every
    /// month, and nothing in a run asks for a session outside it (only the
    /// tests do; a scan of every allocation, so not for a loop).
    #[cfg(test)]
    pub fn paid(&self, session_id: &str) -> Cents {
        self.allocations
            .iter()
            .filter(|a| a.session_id == session_id)
            .map(|a| a.amount)
            .sum()
    }
}

struct Open<'a> {
    charge: &'a Charge,
    paid: Cents,
}

/// `payments` are borrowed: the batch passes every payment of every month.
pub fn apply<'p>(charges: &[Charge], payments: impl IntoIterator<Item = &'p Payment>) -> Ledger {
    use rayon::prelude::*;
    let mut by_patient: BTreeMap<&str, (Vec<Open>, Vec<&Payment>)> = BTreeMap::new();
    for c in charges {
        by_patient.entry(&c.patient_id).or_default().0.push(Open {
            charge: c,
            paid: Cents::ZERO,
        });
    }
    for p in payments {
        by_patient.entry(&p.patient_id).or_default().1.push(p);
    }
    // A patient's payments pay their own charges only: the patients are
    // worked side by side (in the caller's thread pool) and joined in
    // patient order, as one thread would have made them (at a million
    // sessions this kept one core busy for about two seconds).
    let parts: Vec<PatientLedger> = by_patient
        .into_par_iter()
        .map(|(patient, (open, pays))| one_patient(patient, open, pays))
        .collect();
    let mut ledger = Ledger::default();
    ledger
        .allocations
        .reserve_exact(parts.iter().map(|p| p.allocations.len()).sum());
    let mut unapplied = Vec::with_capacity(parts.iter().map(|p| p.unapplied.len()).sum());
    for part in parts {
        ledger.allocations.extend(part.allocations);
        unapplied.extend(part.unapplied);
        ledger.waiting.extend(part.waiting);
        if part.held != Cents::ZERO {
            ledger.held.insert(part.patient.to_string(), part.held);
        }
        if part.credit != Cents::ZERO {
            ledger.credit.insert(part.patient.to_string(), part.credit);
        }
    }
    ledger.unapplied = crate::sorted::SortedMap::of(unapplied, |sum, more| *sum += more);
    ledger
}

/// One patient's share of the [`Ledger`].
struct PatientLedger<'a> {
    patient: &'a str,
    allocations: Vec<Allocation>,
    /// Per payment, in processing order.
    unapplied: Vec<(CompactString, Cents)>,
    waiting: Vec<CompactString>,
    credit: Cents,
    held: Cents,
}

fn one_patient<'a>(
    patient: &'a str,
    mut open: Vec<Open>,
    mut pays: Vec<&Payment>,
) -> PatientLedger<'a> {
    open.sort_by(|a, b| {
        (a.charge.date, &a.charge.session_id).cmp(&(b.charge.date, &b.charge.session_id))
    });
    // Date, then the physical CSV line (a stable sort: never the id text).
    pays.sort_by_key(|p| (p.date, p.line));
    let mut allocations = Vec::new();
    let mut waiting = Vec::new();
    // Per payment (in `pays` order): what it left unapplied.
    let mut left = vec![Cents::ZERO; pays.len()];
    // Per payment: whether it waits for its named session.
    let mut waits = vec![false; pays.len()];
    // (a) Payments naming a billed session pay that session; the excess,
    // and payments naming no session, are spent oldest-first in (b).
    let mut general: Vec<(usize, Cents)> = Vec::new();
    for (k, p) in pays.iter().enumerate() {
        if p.amount <= Cents::ZERO {
            continue;
        }
        let Some(named) = p.session_id.as_deref() else {
            general.push((k, p.amount));
            continue;
        };
        match open.iter().position(|o| o.charge.session_id == named) {
            Some(i) => {
                let mut rest = p.amount;
                spend(p, &mut open[i], &mut rest, &mut allocations);
                if rest > Cents::ZERO {
                    general.push((k, rest));
                }
            }
            // A payment for a session that is not billed here (a later
            // month, or a rejected session) waits for it instead of
            // paying other sessions.
            None => {
                left[k] = p.amount;
                waits[k] = true;
                waiting.push(p.payment_id.clone());
            }
        }
    }
    // (b) Oldest unpaid charges first; `general` is in payment order.
    for (k, mut rest) in general {
        for o in open.iter_mut() {
            if rest == Cents::ZERO {
                break;
            }
            spend(pays[k], o, &mut rest, &mut allocations);
        }
        left[k] = rest;
    }
    let mut credit: Cents = left.iter().copied().sum();
    // (c) Refunds last, so they see everything that was paid.
    for (k, p) in pays.iter().enumerate() {
        if p.amount.is_negative() {
            left[k] = refund(p, &mut open, &mut credit, &mut allocations);
            credit += left[k];
        }
    }
    // Refunds take back credit first, held money last: what remains of
    // the waiting payments, up to what is left at all, is held.
    let waiting_money: Cents = (0..pays.len()).filter(|&k| waits[k]).map(|k| left[k]).sum();
    let held = waiting_money.min(credit.max(Cents::ZERO));
    credit -= held;
    let unapplied = pays
        .iter()
        .zip(left)
        .map(|(p, l)| (p.payment_id.clone(), l))
        .collect();
    PatientLedger {
        patient,
        allocations,
        unapplied,
        waiting,
        credit,
        held,
    }
}

/// Applies as much of `left` (what remains of payment `p`) as session `o`
/// still owes.
fn spend(p: &Payment, o: &mut Open, left: &mut Cents, allocations: &mut Vec<Allocation>) {
    let due = o.charge.amount - o.paid;
    if due <= Cents::ZERO || *left <= Cents::ZERO {
        return;
    }
    let take = due.min(*left);
    o.paid += take;
    *left -= take;
    allocations.push(Allocation {
        payment_id: p.payment_id.clone(),
        session_id: o.charge.session_id.clone(),
        amount: take,
    });
}

/// Applies a refund (negative amount); returns the part not taken from
/// credit or sessions (negative: refunded more than was ever paid).
fn refund(
    p: &Payment,
    open: &mut [Open],
    credit: &mut Cents,
    allocations: &mut Vec<Allocation>,
) -> Cents {
    let mut owed = -p.amount; // positive amount to take back
    let from_credit = owed.min((*credit).max(Cents::ZERO));
    owed -= from_credit;
    // Credit taken back is recorded on this refund as a negative unapplied part.
    let mut left = -from_credit;
    let named = p.session_id.as_deref();
    let mut order: Vec<usize> = (0..open.len()).rev().collect();
    order.sort_by_key(|&i| Some(open[i].charge.session_id.as_str()) != named);
    for i in order {
        if owed == Cents::ZERO {
            break;
        }
        let o = &mut open[i];
        let take = o.paid.min(owed);
        if take == Cents::ZERO {
            continue;
        }
        o.paid -= take;
        owed -= take;
        allocations.push(Allocation {
            payment_id: p.payment_id.clone(),
            session_id: o.charge.session_id.clone(),
            amount: -take,
        });
    }
    left -= owed;
    left
}

#[cfg(test)]
mod tests;
