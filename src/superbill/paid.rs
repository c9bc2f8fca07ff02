//! What was paid toward each service line. Payments are applied to
//! sessions (the ledger); a session's paid amount is spread over its lines
//! in line order, each line taking up to its charge, and whatever is left
//! (an overpayment, a refund below zero) goes to the session's last line.
//! So the lines of a session add up to what the ledger says it was paid,
//! and the lines of a superbill to its total paid, to the cent.

use super::ServiceLine;
use crate::hash::HashMap;
use crate::money::Cents;

/// Sets `paid` on every line from the amounts paid per session.
pub fn spread(lines: &mut [ServiceLine], paid_by_session: &HashMap<&str, Cents>) {
    // A session's lines are adjacent; should one come back later, it has
    // already been paid out.
    let mut done = crate::hash::HashSet::default();
    let mut i = 0;
    while i < lines.len() {
        let session = lines[i].session_id.clone();
        let end = i + lines[i..]
            .iter()
            .take_while(|l| l.session_id == session)
            .count();
        let mut left = match paid_by_session.get(session.as_str()) {
            Some(&paid) if done.insert(session.clone()) => paid,
            _ => Cents::ZERO,
        };
        for line in &mut lines[i..end - 1] {
            let take = if left <= Cents::ZERO {
                Cents::ZERO
            } else if left < line.charge {
                left
            } else {
                line.charge
            };
            line.paid = take;
            left -= take;
        }
        lines[end - 1].paid = left;
        i = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn line(session: &str, charge: i64) -> ServiceLine {
        ServiceLine {
            session_id: session.into(),
            date: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
            place_of_service: "11".into(),
            code: "96365".into(),
            modifiers: vec![],
            pointers: "A".into(),
            units: 1,
            unit_fee: Cents(charge),
            charge: Cents(charge),
            paid: Cents::ZERO,
            provider_npi: "1234567893".into(),
            description: String::new(),
            drug: None,
            facility: None,
        }
    }

    fn paid(lines: &[ServiceLine]) -> Vec<i64> {
        lines.iter().map(|l| l.paid.0).collect()
    }

    #[test]
    fn a_session_pays_its_lines_in_order() {
        let mut lines = vec![line("S1", 25_000), line("S1", 60_000), line("S1", 4_500)];
        let by: HashMap<&str, Cents> = [("S1", Cents(70_000))].into_iter().collect();
        spread(&mut lines, &by);
        assert_eq!(paid(&lines), [25_000, 45_000, 0]);
    }

    #[test]
    fn full_and_over_payment_and_unpaid_sessions() {
        let mut lines = vec![
            line("S1", 100),
            line("S1", 200),
            line("S2", 500),
            line("S3", 300),
            line("S3", 300),
        ];
        // S1 paid in full plus 50 too much; S2 nothing; S3 refunded below zero.
        let by: HashMap<&str, Cents> = [("S1", Cents(350)), ("S3", Cents(-20))]
            .into_iter()
            .collect();
        spread(&mut lines, &by);
        assert_eq!(paid(&lines), [100, 250, 0, 0, -20]);
        let total: Cents = lines.iter().map(|l| l.paid).sum();
        assert_eq!(total, Cents(330));
    }

    #[test]
    fn every_split_adds_up_to_the_session() {
        for amount in [0, 1, 99, 100, 101, 299, 300, 301, 12_345] {
            let mut lines = vec![line("S1", 100), line("S1", 200), line("S2", 7)];
            let by: HashMap<&str, Cents> = [("S1", Cents(amount)), ("S2", Cents(7))]
                .into_iter()
                .collect();
            spread(&mut lines, &by);
            assert_eq!(lines[0].paid + lines[1].paid, Cents(amount), "{amount}");
            assert!(lines[0].paid <= lines[0].charge);
            assert_eq!(lines[2].paid, Cents(7));
        }
    }
}
