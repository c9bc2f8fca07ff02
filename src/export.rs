//! CSV exports for accountants and billing staff: RFC 4180 quoting, plain
//! two-decimal money, ISO dates, and cells that a spreadsheet would run as
//! a formula neutralised.

use crate::findings::Finding;

/// Prefixes a cell that begins with `=`, `+`, `-`, `@` (or a tab/CR, which
/// some spreadsheets also strip before evaluating) with `'`, so the cell
/// is shown as text. Numbers we write ourselves (negative amounts) go
/// through `money`, not here.
pub fn cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// A CSV writer over a byte buffer with a header row.
pub struct Csv {
    w: csv::Writer<Vec<u8>>,
}

impl Csv {
    /// Rows only, for parts joined under one header later.
    pub fn headless() -> Csv {
        Csv {
            w: csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::new()),
        }
    }

    pub fn new(header: &[&str]) -> Csv {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        w.write_record(header).expect("writing to memory");
        Csv { w }
    }

    /// Writes one row; text cells are neutralised, so callers pass raw
    /// values. Use `row_raw` for cells that are already safe (amounts).
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells.into_iter().map(|c| cell(c.as_ref())).collect();
        self.w.write_record(&cells).expect("writing to memory");
    }

    /// Rows whose cells we generated ourselves, e.g. `-40.00`.
    pub fn row_raw<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        self.w.write_record(cells).expect("writing to memory");
    }

    pub fn finish(self) -> Vec<u8> {
        self.w.into_inner().expect("writing to memory")
    }
}

pub const FINDINGS_HEADER: [&str; 7] = [
    "severity",
    "file",
    "line",
    "record_id",
    "field",
    "code",
    "message",
];

/// The `validate --report` / `rejects.csv` format.
pub fn findings_csv<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Vec<u8> {
    let mut csv = Csv::new(&FINDINGS_HEADER);
    for f in findings {
        csv.row([
            f.severity.to_string(),
            f.file.clone(),
            f.line.to_string(),
            f.record_id.clone(),
            f.field.clone(),
            f.code.to_string(),
            f.message.clone(),
        ]);
    }
    csv.finish()
}

use crate::ledger::Ledger;
use crate::money::Cents;
use crate::superbill::Superbill;
use std::collections::HashMap;

pub const LEDGER_HEADER: [&str; 11] = [
    "superbill_number",
    "patient_id",
    "session_id",
    "date_of_service",
    "provider_npi",
    "place_of_service",
    "code",
    "modifiers",
    "units",
    "diagnosis_pointers",
    "charge",
];

/// One superbill's ledger rows (no header), one per service line.
pub fn ledger_rows(sb: &Superbill) -> Vec<u8> {
    let mut csv = Csv::headless();
    for l in &sb.lines {
        csv.row([
            sb.number.as_str(),
            sb.patient.patient_id.as_str(),
            l.session_id.as_str(),
            &l.date.to_string(),
            l.provider_npi.as_str(),
            l.place_of_service.as_str(),
            l.code.as_str(),
            &l.modifiers.join(";"),
            &l.units.to_string(),
            l.pointers.as_str(),
            &l.charge.plain(),
        ]);
    }
    csv.finish()
}

/// `ledger.csv` from each superbill's rows, in order.
pub fn ledger_csv<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Csv::new(&LEDGER_HEADER).finish();
    for p in parts {
        out.extend_from_slice(p);
    }
    out
}

pub const SUMMARY_HEADER: [&str; 10] = [
    "superbill_number",
    "patient_id",
    "period",
    "sessions",
    "lines",
    "charged",
    "paid",
    "balance",
    "file",
    "credit",
];

/// One row of `summary.csv`; `credit` is what the patient paid beyond all
/// charges so far (negative when refunds exceeded payments).
#[derive(Debug, Clone)]
pub struct SummaryRow {
    pub number: String,
    pub patient_id: String,
    pub period: String,
    pub sessions: usize,
    pub lines: usize,
    pub charged: Cents,
    pub paid: Cents,
    pub balance: Cents,
    pub file: String,
    pub credit: Cents,
}

impl SummaryRow {
    pub fn of(sb: &Superbill, file: String, credit: Cents) -> SummaryRow {
        let mut sessions: Vec<&str> = sb.lines.iter().map(|l| l.session_id.as_str()).collect();
        sessions.dedup();
        SummaryRow {
            number: sb.number.clone(),
            patient_id: sb.patient.patient_id.clone(),
            period: format!("{}..{}", sb.period_from, sb.period_to),
            sessions: sessions.len(),
            lines: sb.lines.len(),
            charged: sb.total_charged,
            paid: sb.total_paid,
            balance: sb.balance,
            file,
            credit,
        }
    }
}

pub fn summary_csv(rows: &[&SummaryRow]) -> Vec<u8> {
    let mut csv = Csv::new(&SUMMARY_HEADER);
    for r in rows {
        // Amounts are ours and may be negative (credit): written raw so a
        // spreadsheet reads them as numbers; the id cells are neutralised.
        csv.row_raw([
            cell(&r.number),
            cell(&r.patient_id),
            r.period.clone(),
            r.sessions.to_string(),
            r.lines.to_string(),
            r.charged.plain(),
            r.paid.plain(),
            r.balance.plain(),
            cell(&r.file),
            r.credit.plain(),
        ]);
    }
    csv.finish()
}

pub const PAYMENTS_HEADER: [&str; 10] = [
    "payment_id",
    "patient_id",
    "date",
    "method",
    "reference",
    "amount",
    "session_id",
    "superbill_number",
    "applied",
    "status",
];

/// Each payment and how it was applied: one row per session it paid
/// toward, plus one for any part left unapplied, so each payment's rows sum
/// to its amount.
pub fn payments_csv(
    inputs: &crate::input::Inputs,
    ledger: &Ledger,
    session_superbill: &HashMap<String, String>,
) -> Vec<u8> {
    let mut csv = Csv::new(&PAYMENTS_HEADER);
    let mut allocs: std::collections::HashMap<&str, Vec<&crate::ledger::Allocation>> =
        Default::default();
    for a in &ledger.allocations {
        allocs.entry(a.payment_id.as_str()).or_default().push(a);
    }
    let mut payments: Vec<&crate::input::Payment> = inputs
        .payments
        .iter()
        .filter(|p| ledger.unapplied.contains_key(&p.payment_id))
        .collect();
    payments.sort_by(|a, b| {
        (&a.patient_id, a.date, &a.payment_id).cmp(&(&b.patient_id, b.date, &b.payment_id))
    });
    for p in payments {
        let base = |session: &str, number: &str, applied: Cents, status: &str| {
            vec![
                cell(&p.payment_id),
                cell(&p.patient_id),
                p.date.to_string(),
                cell(&p.method),
                cell(p.reference.as_deref().unwrap_or("")),
                p.amount.plain(),
                cell(session),
                cell(number),
                applied.plain(),
                status.to_string(),
            ]
        };
        for a in allocs.get(p.payment_id.as_str()).into_iter().flatten() {
            let (number, status) = match session_superbill.get(&a.session_id) {
                Some(n) => (
                    n.as_str(),
                    if a.amount.is_negative() {
                        "refunded"
                    } else {
                        "applied"
                    },
                ),
                None => ("", "applied outside this period"),
            };
            csv.row_raw(base(&a.session_id, number, a.amount, status));
        }
        let left = ledger.unapplied[&p.payment_id];
        if left != Cents::ZERO {
            let status = match &p.session_id {
                Some(s) if !session_superbill.contains_key(s) && !left.is_negative() => {
                    "held for its session"
                }
                _ if left.is_negative() => "refunded from credit",
                _ => "credit",
            };
            csv.row_raw(base(
                p.session_id.as_deref().unwrap_or(""),
                "",
                left,
                status,
            ));
        }
    }
    csv.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-2"), "'-2");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("Main St"), "Main St");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn rfc4180_quoting() {
        let mut c = Csv::new(&["a", "b"]);
        c.row(["x, y", "say \"hi\""]);
        c.row_raw(["-40.00", "1"]);
        let text = String::from_utf8(c.finish()).unwrap();
        assert_eq!(text, "a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n-40.00,1\r\n");
    }
}
