//! CSV exports for accountants and billing staff: RFC 4180 quoting, plain
//! two-decimal money, ISO dates, and cells that a spreadsheet would run as
//! a formula neutralised. One file per export.

pub mod breakdowns;
pub mod journal;
pub mod ledger;
pub mod payments;
pub mod receipts;
pub mod skipped;
pub mod summary;

pub use ledger::{ledger_csv, LedgerLine, LEDGER_HEADER};
pub use payments::{payments_csv, PAYMENTS_HEADER};
pub use summary::{summary_csv, Status, SummaryRow, SUMMARY_HEADER};

use crate::findings::Finding;
use std::io::Write;

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

/// A CSV writer with a header row, over a byte buffer or (in the batch) a
/// file being written ([`crate::atomic::Staged`]). Rows never fail one by
/// one: the first write error is kept and returned by `into_inner`, so
/// building an export reads the same whether it goes to memory or disk.
pub struct Csv<W: Write = Vec<u8>> {
    w: csv::Writer<W>,
    error: Option<std::io::Error>,
}

impl Csv {
    /// Rows only, for parts joined under one header later.
    pub fn headless() -> Csv {
        Csv::over(Vec::new())
    }

    pub fn new(header: &[&str]) -> Csv {
        Csv::to(Vec::new(), header)
    }

    pub fn finish(self) -> Vec<u8> {
        self.into_inner().expect("writing to memory")
    }
}

impl<W: Write> Csv<W> {
    fn over(w: W) -> Csv<W> {
        Csv {
            w: csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(w),
            error: None,
        }
    }

    /// A CSV written to `w`, starting with `header`.
    pub fn to(w: W, header: &[&str]) -> Csv<W> {
        let mut csv = Csv::over(w);
        csv.row_raw(header);
        csv
    }

    /// Writes one row; text cells are neutralised, so callers pass raw
    /// values. Use `row_raw` for cells that are already safe (amounts).
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells.into_iter().map(|c| cell(c.as_ref())).collect();
        self.row_raw(&cells);
    }

    /// Rows whose cells we generated ourselves, e.g. `-40.00`.
    pub fn row_raw<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        if self.error.is_none() {
            if let Err(e) = self.w.write_record(cells) {
                self.error = Some(e.into());
            }
        }
    }

    /// The writer, once everything is flushed into it; the first error.
    pub fn into_inner(self) -> std::io::Result<W> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.w.into_inner().map_err(|e| e.into_error())
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
    write_findings(Vec::new(), findings).expect("writing to memory")
}

pub fn write_findings<'a, W: Write>(
    w: W,
    findings: impl IntoIterator<Item = &'a Finding>,
) -> std::io::Result<W> {
    let mut csv = Csv::to(w, &FINDINGS_HEADER);
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
    csv.into_inner()
}

/// A place-of-service code as a spreadsheet keeps it: `02 Telehealth,
/// patient not at home`. A bare `02` becomes the number 2 when Excel,
/// LibreOffice or Google Sheets opens the file, whatever the quoting;
/// `="02"` would keep it but is a formula, the very thing `cell` refuses.
/// Code and name together are text everywhere, read well, and the code is
/// still the first two characters for a script.
pub fn place_text(code: &str, catalog: &crate::codes::Catalog) -> String {
    match catalog.places.get(code) {
        Some(p) => format!("{code} {}", p.description),
        None => format!("POS {code}"),
    }
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

    #[test]
    fn place_of_service_stays_text() {
        let cat = crate::codes::Catalog::load(None).unwrap();
        let t = place_text("02", &cat);
        assert!(t.starts_with("02 "), "{t}");
        // Not a number and not a formula for any spreadsheet.
        assert!(t.trim().parse::<f64>().is_err());
        assert_eq!(cell(&t), t);
        assert_eq!(place_text("11", &cat), "11 Office");
    }
}
