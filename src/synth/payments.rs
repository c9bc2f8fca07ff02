//! Payment rows: per-session payments, packages, deposits and refunds.

use super::course::{Sess, Status};
use super::fees::Fees;
use super::plan::{Pay, Plan};
use super::rng::Rng;
use chrono::{Duration, NaiveDate};

/// Whole dollars in cents.
pub(super) const fn dollars(d: i64) -> i64 {
    d * 100
}

pub(super) struct PaymentRow {
    pub(super) session_id: Option<String>,
    pub(super) date: NaiveDate,
    pub(super) cents: i64,
    pub(super) method: &'static str,
    pub(super) reference: String,
}

pub(super) struct Payer {
    method: &'static str,
    package: bool,
    underpays: bool,
    overpays: bool,
    check_no: u32,
}

/// The package price: six 40-60 minute infusions (96365 + J3490 each).
const PACKAGE_INFUSIONS: i64 = 6;

impl Payer {
    pub(super) fn new(plan: &Plan, rng: &mut Rng) -> Payer {
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

    pub(super) fn payments(
        &mut self,
        sessions: &[Sess],
        fees: &Fees,
        rng: &mut Rng,
    ) -> Vec<PaymentRow> {
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
