//! Reading the practice's CSV exports the way they come out of real
//! systems: a UTF-8 BOM, CRLF line endings, headers in any case or with
//! spaces, extra columns. Problems become findings with file and line;
//! only an unreadable file is an `Error`.

use crate::error::{Error, Result};
use crate::findings::{At, Findings};
use std::collections::HashMap;
use std::path::Path;

/// One data row: its physical line and its cells, trimmed.
#[derive(Debug, Clone)]
pub struct Row {
    pub line: u64,
    /// One buffer for the whole row: big exports stay close to their
    /// size on disk in memory.
    cells: csv::StringRecord,
}

/// A CSV file with its header resolved to column indexes.
#[derive(Debug)]
pub struct Table {
    pub file: String,
    columns: HashMap<String, usize>,
    pub rows: Vec<Row>,
    /// Rows that could not be read at all (bad quoting, not UTF-8, wrong
    /// number of cells), and every physical line swallowed by an unclosed
    /// quote: counted as read and rejected, never dropped.
    pub unreadable: Vec<u64>,
    /// Required columns absent from the header: every row is rejected.
    pub missing: Vec<&'static str>,
}

/// Header names are matched without regard to case, spaces or dashes:
/// `Session ID`, `session-id` and `SESSION_ID` are the same column.
pub fn normalize_header(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect()
}

/// Physical line of a byte offset, counted incrementally (offsets only grow).
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl LineCounter<'_> {
    fn at(&mut self, byte: u64) -> u64 {
        // With CRLF the reader reports a record as starting at the `\n`
        // that ends the previous one (or at blank lines before it): step
        // over line ends, which never begin a record.
        let mut to = (byte as usize).min(self.bytes.len());
        while matches!(self.bytes.get(to), Some(b'\r' | b'\n')) {
            to += 1;
        }
        if to > self.offset {
            self.line += self.bytes[self.offset..to]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            self.offset = to;
        }
        self.line
    }
}

/// The physical lines of the record at `start..end`, without their line
/// ends. A record reported as starting on the line end of the previous one
/// (CRLF) starts after it; trailing line ends belong to no line.
fn physical_lines(bytes: &[u8], start: usize, end: usize) -> Vec<&[u8]> {
    let mut start = start.min(bytes.len());
    while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
        start += 1;
    }
    let mut end = end.min(bytes.len()).max(start);
    while end > start && matches!(bytes[end - 1], b'\r' | b'\n') {
        end -= 1;
    }
    if start == end {
        return Vec::new();
    }
    bytes[start..end]
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect()
}

/// The id cell of one physical line read on its own, only when the line
/// is a whole row (as many cells as the header): otherwise the cell at
/// that position could be any text, a name included.
fn line_id(text: &[u8], column: usize, header_len: usize) -> Option<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text);
    let mut record = csv::StringRecord::new();
    if !matches!(reader.read_record(&mut record), Ok(true)) || record.len() != header_len {
        return None;
    }
    if !matches!(reader.read_record(&mut csv::StringRecord::new()), Ok(false)) {
        return None; // the line holds more than one record: not a row
    }
    record.trim();
    record.get(column).map(str::to_string)
}

impl Table {
    /// Reads `path`; `file` is the name used in findings. `required` and
    /// `optional` are the columns the caller understands; others are
    /// reported as ignored.
    pub fn read(
        path: &Path,
        file: &str,
        required: &[&'static str],
        optional: &[&'static str],
        findings: &mut Findings,
    ) -> Result<Table> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Ok(Table::parse(&bytes, file, required, optional, findings))
    }

    pub fn parse(
        bytes: &[u8],
        file: &str,
        required: &[&'static str],
        optional: &[&'static str],
        findings: &mut Findings,
    ) -> Table {
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut table = Table {
            file: file.to_string(),
            columns: HashMap::new(),
            rows: Vec::new(),
            unreadable: Vec::new(),
            missing: Vec::new(),
        };
        let mut record = csv::ByteRecord::new();
        // Lines are counted from byte offsets: the csv crate's own line
        // counter drifts after a quoted cell in CRLF files.
        let mut lines = LineCounter {
            bytes,
            offset: 0,
            line: 1,
        };
        let mut header_len = 0;
        let mut have_header = false;
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    // A quoting error leaves the reader unable to find the
                    // next row boundary reliably: report and stop.
                    let line = e.position().map(|p| lines.at(p.byte())).unwrap_or(0);
                    findings.error(
                        &At::new(file, line, ""),
                        "",
                        "csv-malformed",
                        format!(
                            "the file cannot be read past this line ({e}); check for an unclosed quote and re-export it as CSV"
                        ),
                    );
                    table.unreadable.push(line);
                    break;
                }
            }
            let start = record.position().map_or(0, |p| p.byte() as usize);
            let line = lines.at(start as u64);
            // The record runs to where the next one starts (the reader's
            // position now) or to the end of the input.
            let end = (reader.position().byte() as usize).min(bytes.len());
            if !have_header {
                have_header = true;
                header_len = record.len();
                table.read_header(&record, line, required, optional, findings);
                continue;
            }
            if record.iter().all(|c| c.iter().all(u8::is_ascii_whitespace)) {
                continue; // blank lines carry no record
            }
            let Ok(mut cells) = csv::StringRecord::from_byte_record(record.clone()) else {
                findings.error(
                    &At::new(file, line, ""),
                    "",
                    "csv-encoding",
                    "the row is not valid UTF-8: export the file as \"CSV UTF-8\"",
                );
                table.unreadable.push(line);
                continue;
            };
            cells.trim();
            // The record id comes from the id column (the first required
            // one), never from whatever cell happens to lead: that could be
            // a name.
            let id_column = required.first().and_then(|c| table.columns.get(*c));
            let id = id_column.and_then(|&i| cells.get(i)).unwrap_or_default();
            let span = physical_lines(bytes, start, end);
            // A quote opened and never closed where it should have been:
            // the reader took the following lines into one cell. That shows
            // as a record over several lines with the wrong number of cells,
            // or (a quote in the last column keeps the count right) as one
            // that runs to the end of the input with a quote left open.
            let unclosed = span.len() > 1
                && (cells.len() != header_len
                    || (end >= bytes.len()
                        && bytes[start.min(end)..end]
                            .iter()
                            .filter(|b| **b == b'"')
                            .count()
                            % 2
                            == 1));
            if unclosed {
                // Each swallowed line is counted and rejected on its own,
                // so none vanishes from the tally of rows read.
                let last = line + span.len() as u64 - 1;
                findings.error(
                    &At::new(file, line, id),
                    "",
                    "csv-unclosed-quote",
                    format!(
                        "an unclosed quote on line {line} runs to line {last}: close the quote (or remove it) and re-export"
                    ),
                );
                table.unreadable.push(line);
                for (n, text) in (line..).zip(&span).skip(1) {
                    if text.iter().all(u8::is_ascii_whitespace) {
                        continue; // blank lines carry no record
                    }
                    let id = id_column
                        .and_then(|&i| line_id(text, i, header_len))
                        .unwrap_or_default();
                    findings.error(
                        &At::new(file, n, id),
                        "",
                        "csv-unclosed-quote",
                        format!("swallowed by the unclosed quote on line {line}"),
                    );
                    table.unreadable.push(n);
                }
                continue;
            }
            if cells.len() != header_len {
                findings.error(
                    &At::new(file, line, id),
                    "",
                    "csv-cell-count",
                    format!(
                        "the row has {} cells but the header has {header_len}: quote cells that contain commas",
                        cells.len()
                    ),
                );
                table.unreadable.push(line);
                continue;
            }
            table.rows.push(Row { line, cells });
        }
        if !have_header {
            findings.error(
                &At::new(file, 0, ""),
                "",
                "csv-empty",
                "the file is empty: it needs a header row",
            );
            table.missing = required.to_vec();
        }
        table
    }

    fn read_header(
        &mut self,
        record: &csv::ByteRecord,
        line: u64,
        required: &[&'static str],
        optional: &[&'static str],
        findings: &mut Findings,
    ) {
        for (i, raw) in record.iter().enumerate() {
            let name = normalize_header(&String::from_utf8_lossy(raw));
            if name.is_empty() {
                continue;
            }
            if self.columns.contains_key(&name) {
                findings.error(
                    &At::new(&self.file, line, ""),
                    &name,
                    "csv-duplicate-column",
                    format!("column '{name}' appears twice: keep one"),
                );
                continue;
            }
            if !required.contains(&name.as_str()) && !optional.contains(&name.as_str()) {
                findings.warning(
                    &At::new(&self.file, line, ""),
                    &name,
                    "csv-unknown-column",
                    format!(
                        "column '{name}' is not used and will be ignored (known columns: {})",
                        required
                            .iter()
                            .chain(optional)
                            .copied()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
            self.columns.insert(name, i);
        }
        for col in required {
            if !self.columns.contains_key(*col) {
                self.missing.push(col);
                findings.error(
                    &At::new(&self.file, line, ""),
                    col,
                    "csv-missing-column",
                    format!("required column '{col}' is missing from the header: add it (every row of this file is rejected until then)"),
                );
            }
        }
    }

    /// All rows read, readable or not.
    pub fn rows_read(&self) -> usize {
        self.rows.len() + self.unreadable.len()
    }

    /// Whether the file can yield records at all.
    pub fn usable(&self) -> bool {
        self.missing.is_empty()
    }

    /// The trimmed cell of `column`, or None when absent or empty.
    pub fn get<'r>(&self, row: &'r Row, column: &str) -> Option<&'r str> {
        let i = *self.columns.get(column)?;
        row.cells.get(i).filter(|s| !s.is_empty())
    }

    pub fn has_column(&self, column: &str) -> bool {
        self.columns.contains_key(column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_crlf_and_header_case() {
        let mut f = Findings::default();
        let t = Table::parse(
            b"\xef\xbb\xbfSession ID,Patient_ID\r\nS1,P1\r\n\r\nS2,P2\r\n",
            "sessions.csv",
            &["session_id", "patient_id"],
            &[],
            &mut f,
        );
        assert!(f.items.is_empty(), "{:?}", f.items);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.get(&t.rows[1], "patient_id"), Some("P2"));
        assert_eq!(t.rows[1].line, 4);
    }

    #[test]
    fn lines_stay_right_after_quoted_cells_in_crlf_files() {
        let mut f = Findings::default();
        let t = Table::parse(
            b"a,b\r\n1,\"x, y\"\r\n2,z\r\n3,\"multi\r\nline\"\r\n4,w\r\n",
            "x.csv",
            &["a", "b"],
            &[],
            &mut f,
        );
        let lines: Vec<u64> = t.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 6]);
    }

    #[test]
    fn missing_and_unknown_columns() {
        let mut f = Findings::default();
        let t = Table::parse(
            b"session_id,notes\nS1,x\n",
            "s.csv",
            &["session_id", "patient_id"],
            &[],
            &mut f,
        );
        assert!(!t.usable());
        assert!(f
            .items
            .iter()
            .any(|x| x.code == "csv-missing-column" && x.field == "patient_id"));
        assert!(f
            .items
            .iter()
            .any(|x| x.code == "csv-unknown-column" && x.field == "notes"));
    }

    #[test]
    fn ragged_rows_and_bad_quotes_are_reported_with_lines() {
        let mut f = Findings::default();
        let t = Table::parse(b"a,b\n1,2\n1,2,3\n4,5\n", "x.csv", &["a", "b"], &[], &mut f);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.unreadable, vec![3]);
        assert_eq!(f.items[0].line, 3);
        assert_eq!(t.rows_read(), 3);

        let mut f = Findings::default();
        let t = Table::parse(b"a,b\n1,2\n\xff,2\n", "x.csv", &["a", "b"], &[], &mut f);
        assert_eq!(t.unreadable, vec![3]);
        assert_eq!(f.items[0].code, "csv-encoding");
    }

    /// Parses `data` as a file with the columns id, note and min.
    fn unclosed(data: &[u8]) -> (Table, Findings) {
        let mut f = Findings::default();
        let t = Table::parse(data, "s.csv", &["id", "note", "min"], &[], &mut f);
        (t, f)
    }

    #[test]
    fn an_unclosed_quote_rejects_every_line_it_swallows() {
        for data in [
            &b"id,note,min\nS1,ok,45\nS2,\"never closed,45\nS3,x,45\nS4,y,45\nS5,z,45\n"[..],
            b"id,note,min\r\nS1,ok,45\r\nS2,\"never closed,45\r\nS3,x,45\r\nS4,y,45\r\nS5,z,45\r\n",
            b"id,note,min\nS1,ok,45\nS2,\"never closed,45\nS3,x,45\nS4,y,45\nS5,z,45",
            // In the last column the swallowed cell keeps the count right.
            b"id,min,note\nS1,45,ok\nS2,45,\"never closed\nS3,45,x\nS4,45,y\nS5,45,z\n",
        ] {
            let (t, f) = unclosed(data);
            assert_eq!(t.rows.iter().map(|r| r.line).collect::<Vec<_>>(), vec![2]);
            assert_eq!(t.unreadable, vec![3, 4, 5, 6]);
            assert_eq!(t.rows_read(), 5);
            assert_eq!(f.items.len(), 4, "{:?}", f.items);
            for (x, n) in f.items.iter().zip(3..) {
                assert_eq!((x.line, x.code), (n, "csv-unclosed-quote"));
            }
            assert_eq!(f.items[0].record_id, "S2");
            assert_eq!(
                f.items[0].message,
                "an unclosed quote on line 3 runs to line 6: close the quote (or remove it) and re-export"
            );
            assert_eq!(
                f.items[1].message,
                "swallowed by the unclosed quote on line 3"
            );
            assert_eq!(f.items[1].record_id, "S3");
            assert_eq!(f.items[3].record_id, "S5");
        }
    }

    #[test]
    fn blank_lines_inside_the_swallowed_span_are_not_rows() {
        let (t, f) = unclosed(b"id,note,min\nS1,\"open,45\n\nS2,x,45\n\n");
        assert_eq!(t.unreadable, vec![2, 4]);
        assert_eq!(t.rows_read(), 2);
        assert!(
            f.items[0].message.contains("line 2 runs to line 4"),
            "{}",
            f.items[0].message
        );
    }

    #[test]
    fn a_quote_that_closes_later_rejects_only_its_span() {
        // The quote opened on line 3 closes on line 4; line 5 reads again.
        let (t, f) = unclosed(b"id,note,min\nS1,ok,45\nS2,\"open,45\nS3,x\",45,\nS4,y,45\n");
        assert_eq!(
            t.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![2, 5]
        );
        assert_eq!(t.unreadable, vec![3, 4]);
        assert!(f.items[0].message.contains("line 3 runs to line 4"));
    }

    #[test]
    fn a_quoted_newline_with_the_right_cell_count_is_a_row() {
        let mut f = Findings::default();
        let t = Table::parse(
            b"id,note\nS1,\"two\nlines\"\nS2,x\n",
            "s.csv",
            &["id", "note"],
            &[],
            &mut f,
        );
        assert!(f.items.is_empty(), "{:?}", f.items);
        assert_eq!(
            t.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![2, 4]
        );
        assert!(t.unreadable.is_empty());
    }

    #[test]
    fn a_swallowed_line_never_lends_a_stray_cell_as_its_id() {
        // Line 3 is not a whole row on its own: no id is taken from it.
        let (t, f) = unclosed(b"id,note,min\nS1,\"open,45\nJane Doe\nS3,x,45\n");
        assert_eq!(t.unreadable, vec![2, 3, 4]);
        assert_eq!(f.items[1].line, 3);
        assert_eq!(f.items[1].record_id, "");
        assert_eq!(f.items[2].record_id, "S3");
    }
}
