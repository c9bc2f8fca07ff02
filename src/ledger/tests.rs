use super::*;

fn d(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 9, day).unwrap()
}

fn charge(id: &str, day: u32, cents: i64) -> Charge {
    Charge {
        session_id: id.into(),
        patient_id: "P1".into(),
        date: d(day),
        amount: Cents(cents),
    }
}

fn payment(id: &str, day: u32, cents: i64, session: Option<&str>) -> Payment {
    Payment {
        line: 2,
        payment_id: id.into(),
        patient_id: "P1".into(),
        session_id: session.map(Into::into),
        date: d(day),
        amount: Cents(cents),
        method: "card".into(),
        reference: None,
    }
}

/// Every payment is fully accounted for by its allocations and remainder.
fn conserved(l: &Ledger, payments: &[Payment]) {
    for p in payments {
        let applied: Cents = l
            .allocations
            .iter()
            .filter(|a| a.payment_id == p.payment_id)
            .map(|a| a.amount)
            .sum();
        assert_eq!(
            applied + l.unapplied[&p.payment_id],
            p.amount,
            "{}",
            p.payment_id
        );
    }
}

#[test]
fn package_prepayment_pays_oldest_first_and_leaves_credit() {
    let charges = [
        charge("S2", 10, 50_000),
        charge("S1", 3, 50_000),
        charge("S3", 17, 50_000),
    ];
    let pays = [payment("PAY1", 1, 120_000, None)];
    let l = apply(&charges, &pays);
    assert_eq!(l.paid("S1"), Cents(50_000));
    assert_eq!(l.paid("S2"), Cents(50_000));
    assert_eq!(l.paid("S3"), Cents(20_000));
    assert!(!l.credit.contains_key("P1"));
    conserved(&l, &pays);

    let l = apply(&charges, &[payment("PAY1", 1, 160_000, None)]);
    assert_eq!(l.credit["P1"], Cents(10_000));
}

#[test]
fn named_session_is_paid_first_and_excess_goes_to_the_oldest() {
    let charges = [charge("S1", 3, 50_000), charge("S2", 10, 50_000)];
    let pays = [payment("PAY1", 10, 60_000, Some("S2"))];
    let l = apply(&charges, &pays);
    assert_eq!(l.paid("S2"), Cents(50_000));
    assert_eq!(l.paid("S1"), Cents(10_000));
    conserved(&l, &pays);
}

#[test]
fn refund_takes_credit_first_then_newest_charges() {
    let charges = [charge("S1", 3, 50_000), charge("S2", 10, 50_000)];
    let pays = [
        payment("PAY1", 1, 110_000, None),
        payment("REF1", 20, -30_000, None),
    ];
    let l = apply(&charges, &pays);
    // 10,000 of credit refunded, then 20,000 taken back from S2 (newest).
    assert_eq!(l.paid("S1"), Cents(50_000));
    assert_eq!(l.paid("S2"), Cents(30_000));
    assert!(!l.credit.contains_key("P1"));
    conserved(&l, &pays);
}

#[test]
fn refund_of_more_than_was_paid_leaves_negative_credit() {
    let pays = [
        payment("PAY1", 1, 10_000, None),
        payment("REF1", 2, -15_000, None),
    ];
    let l = apply(&[], &pays);
    assert_eq!(l.credit["P1"], Cents(-5_000));
    conserved(&l, &pays);
}

#[test]
fn patients_never_share_money() {
    let mut other = charge("S9", 1, 40_000);
    other.patient_id = "P2".into();
    let charges = [charge("S1", 3, 50_000), other];
    let l = apply(&charges, &[payment("PAY1", 1, 90_000, None)]);
    assert_eq!(l.paid("S1"), Cents(50_000));
    assert_eq!(l.paid("S9"), Cents::ZERO);
    assert_eq!(l.credit["P1"], Cents(40_000));
}

#[test]
fn payment_for_a_session_not_billed_here_waits() {
    let charges = [charge("S1", 3, 50_000)];
    let pays = [payment("PAY1", 20, 50_000, Some("S-OCT"))];
    let l = apply(&charges, &pays);
    assert_eq!(l.paid("S1"), Cents::ZERO);
    assert_eq!(l.unapplied["PAY1"], Cents(50_000));
    // Held for its session, not credit.
    assert_eq!(l.held["P1"], Cents(50_000));
    assert!(!l.credit.contains_key("P1"));
    conserved(&l, &pays);
}

#[test]
fn refunds_take_credit_before_held_money() {
    let charges = [charge("S1", 3, 50_000)];
    let pays = [
        payment("PAY1", 1, 60_000, None),
        payment("PAY2", 2, 30_000, Some("S-REJECTED")),
        payment("REF1", 10, -15_000, None),
    ];
    let l = apply(&charges, &pays);
    // 10,000 of credit is refunded, then 5,000 of the held money.
    assert!(!l.credit.contains_key("P1"));
    assert_eq!(l.held["P1"], Cents(25_000));
    conserved(&l, &pays);
}

/// `p` as read from physical CSV line `line`.
fn on_line(line: u64, mut p: Payment) -> Payment {
    p.line = line;
    p
}

fn alloc(payment: &str, session: &str, cents: i64) -> Allocation {
    Allocation {
        payment_id: payment.into(),
        session_id: session.into(),
        amount: Cents(cents),
    }
}

#[test]
fn named_payment_is_not_spent_by_an_earlier_package() {
    let charges = [
        charge("S1", 3, 50_000),
        charge("S2", 10, 50_000),
        charge("S3", 17, 50_000),
    ];
    let pays = [
        on_line(2, payment("PKG1", 1, 100_000, None)),
        on_line(3, payment("PAY2", 5, 50_000, Some("S2"))),
    ];
    let l = apply(&charges, &pays);
    assert_eq!(
        l.allocations,
        [
            alloc("PAY2", "S2", 50_000),
            alloc("PKG1", "S1", 50_000),
            alloc("PKG1", "S3", 50_000),
        ]
    );
    assert_eq!(l.unapplied["PAY2"], Cents::ZERO);
    assert_eq!(l.unapplied["PKG1"], Cents::ZERO);
    assert!(!l.credit.contains_key("P1"));
    conserved(&l, &pays);
}

#[test]
fn excess_of_a_named_payment_pays_the_oldest_in_payment_date_order() {
    let charges = [
        charge("S1", 3, 50_000),
        charge("S2", 10, 50_000),
        charge("S3", 17, 50_000),
    ];
    let pays = [
        on_line(2, payment("PKG1", 5, 60_000, None)),
        on_line(3, payment("PAY2", 1, 70_000, Some("S3"))),
    ];
    let l = apply(&charges, &pays);
    // PAY2 pays S3; its 20,000 excess is dated before PKG1, so it goes first.
    assert_eq!(
        l.allocations,
        [
            alloc("PAY2", "S3", 50_000),
            alloc("PAY2", "S1", 20_000),
            alloc("PKG1", "S1", 30_000),
            alloc("PKG1", "S2", 30_000),
        ]
    );
    assert_eq!(l.paid("S2"), Cents(30_000));
    conserved(&l, &pays);

    // An earlier package does not take the named session: PAY2 pays S1, the
    // package pays S2 and S3, and PAY2's excess finishes S3.
    let pays = [
        on_line(2, payment("PKG1", 1, 60_000, None)),
        on_line(3, payment("PAY2", 5, 70_000, Some("S1"))),
    ];
    let l = apply(&charges, &pays);
    assert_eq!(
        l.allocations,
        [
            alloc("PAY2", "S1", 50_000),
            alloc("PKG1", "S2", 50_000),
            alloc("PKG1", "S3", 10_000),
            alloc("PAY2", "S3", 20_000),
        ]
    );
    conserved(&l, &pays);
}

#[test]
fn refund_on_the_day_of_a_payment_reduces_what_was_paid() {
    let charges = [charge("S1", 3, 50_000)];
    // Refund on the earlier line (id sorting after), then refund with the id
    // sorting before the payment's: either way it comes after the payment.
    for (ref_id, ref_line, pay_line) in [("REF1", 2, 3), ("A-REF", 3, 2), ("A-REF", 2, 3)] {
        let pays = [
            on_line(ref_line, payment(ref_id, 5, -20_000, None)),
            on_line(pay_line, payment("PAY1", 5, 50_000, None)),
        ];
        let l = apply(&charges, &pays);
        assert_eq!(l.paid("S1"), Cents(30_000), "{ref_id}");
        assert_eq!(l.unapplied[ref_id], Cents::ZERO, "{ref_id}");
        assert!(!l.credit.contains_key("P1"), "{ref_id}");
        conserved(&l, &pays);
    }
}

#[test]
fn refund_naming_a_session_reduces_it_first() {
    let charges = [charge("S1", 3, 50_000), charge("S2", 10, 50_000)];
    let pays = [
        payment("PAY1", 1, 100_000, None),
        payment("REF1", 20, -30_000, Some("S1")),
    ];
    let l = apply(&charges, &pays);
    assert_eq!(l.paid("S1"), Cents(20_000));
    assert_eq!(l.paid("S2"), Cents(50_000));
    conserved(&l, &pays);
}

#[test]
fn same_day_payments_are_ordered_by_line_not_id() {
    let charges = [charge("S1", 3, 50_000), charge("S2", 10, 50_000)];
    let pays = [
        on_line(9, payment("A1", 5, 40_000, None)),
        on_line(2, payment("PMT000262", 5, 60_000, None)),
    ];
    let l = apply(&charges, &pays);
    assert_eq!(
        l.allocations,
        [
            alloc("PMT000262", "S1", 50_000),
            alloc("PMT000262", "S2", 10_000),
            alloc("A1", "S2", 40_000),
        ]
    );
    conserved(&l, &pays);
}
