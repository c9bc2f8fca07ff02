//! Excel workbooks (`.xlsx`, and the older `.xls`), read with calamine.
//! Billing staff keep exports in Excel; the worksheet's row numbers are the
//! "lines" that findings name, so a finding points at the row they see.

use super::table::{Columns, Table};
use crate::findings::{At, Findings};
use calamine::{Data, Reader};
use std::io::Cursor;

/// Reads the worksheet named after the table (`patients` for
/// patients.xlsx), else the first one.
pub fn read(bytes: &[u8], file: &str, cols: &Columns, findings: &mut Findings) -> Table {
    let whole = At::new(file, 0, "");
    let unreadable = |findings: &mut Findings, why: String| {
        findings.error(
            &whole,
            "",
            "xlsx-unreadable",
            format!("the workbook cannot be read ({why}): open it in Excel and save it again as .xlsx, or as CSV UTF-8"),
        );
        let mut t = Table::from_cells(file, cols, Vec::new(), &mut Findings::default());
        t.missing = cols.required.to_vec();
        t
    };
    let mut book = match calamine::open_workbook_auto_from_rs(Cursor::new(bytes)) {
        Ok(b) => b,
        Err(e) => return unreadable(findings, first_line(&e.to_string())),
    };
    let names = book.sheet_names();
    let stem = file.split('.').next().unwrap_or(file);
    let Some(sheet) = names
        .iter()
        .find(|n| n.trim().eq_ignore_ascii_case(stem))
        .or_else(|| names.first())
        .cloned()
    else {
        return unreadable(findings, "it has no worksheet".into());
    };
    if names.len() > 1 {
        findings.warning(
            &whole,
            "",
            "xlsx-sheet",
            format!(
                "the workbook has {} worksheets: the one named '{}' was read (name the sheet '{stem}' to choose it)",
                names.len(),
                printable(&sheet)
            ),
        );
    }
    let range = match book.worksheet_range(&sheet) {
        Ok(r) => r,
        Err(e) => return unreadable(findings, first_line(&e.to_string())),
    };
    // Worksheet row numbers are 1-based; the range starts at its first
    // used cell, wherever that is.
    let (top, _) = range.start().unwrap_or((0, 0));
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            (
                u64::from(top) + i as u64 + 1,
                cells.iter().map(text).collect(),
            )
        })
        .collect::<Vec<(u64, Vec<String>)>>();
    Table::from_cells(file, cols, rows, findings)
}

/// A cell as the text a CSV export of it would hold: dates as ISO, whole
/// numbers without `.0`, no float noise (a sum that Excel shows as 375.00
/// may be stored as 374.99999999999994).
fn text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            if (h, mi, s) == (0, 0, 0) && dt.as_f64().fract() == 0.0 {
                format!("{y:04}-{mo:02}-{d:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
            }
        }
        Data::DateTime(dt) => number(dt.as_f64()),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// `375` for 375.0, `12.5` for 12.5, `374.99999999999994` as `375`.
/// Nine decimals keep every real value (12.345 stays, and is refused as
/// money later) and drop binary noise.
fn number(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    let s = format!("{f:.9}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(120)
        .collect()
}

/// A sheet name for a message: staff name sheets, not patients.
fn printable(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_a_csv_export_would_show_them() {
        assert_eq!(number(375.0), "375");
        assert_eq!(number(374.99999999999994), "375");
        assert_eq!(number(12.5), "12.5");
        assert_eq!(number(12.345), "12.345");
        assert_eq!(number(-40.0), "-40");
        assert_eq!(number(431393984.0), "431393984");
        assert_eq!(number(-0.0), "0");
    }

    #[test]
    fn a_damaged_workbook_is_one_clear_finding() {
        let mut f = Findings::default();
        let cols = Columns {
            required: &["id"],
            optional: &[],
            free_text: &[],
        };
        let t = read(
            b"PK\x03\x04 not really a zip",
            "patients.csv",
            &cols,
            &mut f,
        );
        assert!(!t.usable());
        assert_eq!(f.items.len(), 1);
        assert_eq!(f.items[0].code, "xlsx-unreadable");
    }
}
