//! Applying payments to charges. Cash-pay patients pay upfront, often a
//! package covering several sessions, sometimes get a refund. The rules:
//! a payment naming a session goes to that session (any excess to the
//! oldest unpaid charges); other payments go to the oldest unpaid charges
//! first; a refund first takes back unapplied credit, then reduces what was
//! applied to the newest charges. Money is conserved: every payment's
//! allocations plus its unapplied remainder equal its amount.

use crate::input::Payment;
use crate::money::Cents;
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};

/// One session's charge, billable and free of errors.
#[derive(Debug, Clone)]
pub struct Charge {
    pub session_id: String,
    pub patient_id: String,
    pub date: NaiveDate,
    pub amount: Cents,
}

/// Part of a payment applied to a session (negative for a refund taking
/// back what was applied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    pub payment_id: String,
    pub session_id: String,
    pub amount: Cents,
}

#[derive(Debug, Default)]
pub struct Ledger {
    /// In payment processing order.
    pub allocations: Vec<Allocation>,
    /// Per payment: what was not applied to any session (credit; negative
    /// when a refund exceeded what had been paid).
    pub unapplied: BTreeMap<String, Cents>,
    /// Per patient: credit left after all payments.
    pub credit: BTreeMap<String, Cents>,
    /// Per session: what was paid toward it.
    pub paid: HashMap<String, Cents>,
}

struct Open<'a> {
    charge: &'a Charge,
    paid: Cents,
    /// (payment_id, amount) applied, for refunds to take back.
    from: Vec<(String, Cents)>,
}

pub fn apply(charges: &[Charge], payments: &[Payment]) -> Ledger {
    let mut by_patient: BTreeMap<&str, (Vec<Open>, Vec<&Payment>)> = BTreeMap::new();
    for c in charges {
        by_patient.entry(&c.patient_id).or_default().0.push(Open {
            charge: c,
            paid: Cents::ZERO,
            from: Vec::new(),
        });
    }
    for p in payments {
        by_patient.entry(&p.patient_id).or_default().1.push(p);
    }
    let mut ledger = Ledger::default();
    for (patient, (mut open, mut pays)) in by_patient {
        open.sort_by(|a, b| {
            (a.charge.date, &a.charge.session_id).cmp(&(b.charge.date, &b.charge.session_id))
        });
        pays.sort_by(|a, b| (a.date, &a.payment_id).cmp(&(b.date, &b.payment_id)));
        let mut credit = Cents::ZERO;
        for p in pays {
            let left = if p.amount.is_negative() {
                refund(p, &mut open, &mut credit, &mut ledger)
            } else {
                pay(p, &mut open, &mut ledger)
            };
            credit += left;
            *ledger.unapplied.entry(p.payment_id.clone()).or_default() += left;
        }
        for o in &open {
            ledger.paid.insert(o.charge.session_id.clone(), o.paid);
        }
        if credit != Cents::ZERO {
            ledger.credit.insert(patient.to_string(), credit);
        }
    }
    ledger
}

/// Applies a payment; returns what is left over.
fn pay(p: &Payment, open: &mut [Open], ledger: &mut Ledger) -> Cents {
    let mut left = p.amount;
    let named = p.session_id.as_deref();
    // A payment for a session that is not billed here (a later month, or a
    // rejected session) waits for it instead of paying other sessions.
    if named.is_some_and(|n| !open.iter().any(|o| o.charge.session_id == n)) {
        return left;
    }
    // The named session first, then oldest first.
    let mut order: Vec<usize> = (0..open.len()).collect();
    order.sort_by_key(|&i| Some(open[i].charge.session_id.as_str()) != named);
    for i in order {
        if left == Cents::ZERO {
            break;
        }
        let o = &mut open[i];
        let due = o.charge.amount - o.paid;
        if due <= Cents::ZERO {
            continue;
        }
        let take = due.min(left);
        o.paid += take;
        o.from.push((p.payment_id.clone(), take));
        left -= take;
        ledger.allocations.push(Allocation {
            payment_id: p.payment_id.clone(),
            session_id: o.charge.session_id.clone(),
            amount: take,
        });
    }
    left
}

/// Applies a refund (negative amount); returns the part not taken from
/// credit or sessions (negative: refunded more than was ever paid).
fn refund(p: &Payment, open: &mut [Open], credit: &mut Cents, ledger: &mut Ledger) -> Cents {
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
        ledger.allocations.push(Allocation {
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
