//! Reading an export the way real systems and Excel write it: any of the
//! encodings in `decode`, CR, LF or CRLF line ends, comma, semicolon or tab
//! delimiters (told from the header), headers in any case, extra columns,
//! or an `.xlsx` workbook (`xlsx`). Problems become findings with file and
//! line; only an unreadable file is an `Error`.
//!
//! Rows are accounted for by physical line: every line that holds data is
//! read, and ends up in a row, or rejected with a finding. A quoted cell
//! that runs over several lines is the one way a line can belong to a row
//! begun on an earlier one, and it is allowed only where notes live.

use super::decode::{self, Encoding};
use super::header;
use super::privacy::shown_id;
use crate::error::{Error, Result};
use crate::findings::{At, Findings};
use crate::hash::HashMap;
use std::path::Path;

/// The columns a file's reader understands.
#[derive(Debug, Clone, Copy)]
pub struct Columns {
    /// The first is the record's id.
    pub required: &'static [&'static str],
    pub optional: &'static [&'static str],
    /// Known columns whose cells may hold line breaks (columns the tool
    /// does not use, such as notes, may too).
    pub free_text: &'static [&'static str],
}

impl Columns {
    pub fn knows(&self, name: &str) -> bool {
        self.required.contains(&name) || self.optional.contains(&name)
    }

    fn id(&self) -> &'static str {
        self.required[0]
    }
}

/// One data row: its physical line and its cells, trimmed.
#[derive(Debug, Clone)]
pub struct Row {
    pub line: u64,
    /// One buffer for the whole row: big exports stay close to their
    /// size on disk in memory.
    cells: csv::StringRecord,
}

/// An export with its header resolved to column indexes.
#[derive(Debug)]
pub struct Table {
    pub file: String,
    columns: HashMap<String, usize>,
    /// Header names by position, for findings about a column.
    names: Vec<String>,
    pub rows: Vec<Row>,
    /// Lines that yield no row (bad quoting, wrong number of cells, not
    /// text, swallowed by a quote): counted as read and rejected.
    pub unreadable: Vec<u64>,
    /// Every physical data line, in file order, with the line of the row
    /// it belongs to (itself, except inside a multi-line cell).
    pub lines: Vec<(u64, u64)>,
    /// The patient an unreadable line names, when its cells are whole
    /// enough to tell.
    pub unreadable_patients: HashMap<u64, String>,
    /// The record id an unreadable line names, likewise: a session that
    /// names it is told its row is broken, not that it does not exist.
    pub unreadable_ids: HashMap<u64, String>,
    /// The cells of an unreadable line shaped like a date (digits and two
    /// separators, nothing else: never a name), for telling a damaged
    /// session row of another month from one of the period; kept only when
    /// the header has no column the tool does not know.
    pub unreadable_dates: HashMap<u64, Vec<String>>,
    /// Required columns absent from the header: no row can be read.
    pub missing: Vec<&'static str>,
}

/// Whether a physical line holds anything but blanks, delimiters and
/// quotes: Excel writes empty rows as `,,,,`, which are not data.
fn has_data(line: &[u8], delimiter: u8) -> bool {
    line.iter()
        .any(|&b| !b.is_ascii_whitespace() && b != b'"' && b != delimiter)
}

/// Whether a cell could be a date in any format the exports use
/// (`2026-09-15`, `09/15/2026`, `15.09.26`: digits and two separators of
/// one kind), maybe with a time (`2026-09-15T14:30:00-06:00`, `9/15/2026
/// 2:30 PM`). Nothing else of a damaged row is kept: never a name.
fn date_shaped(cell: &str) -> bool {
    let cell = cell.trim();
    let (date, time) = cell.split_at(cell.find(['T', ' ']).unwrap_or(cell.len()));
    let seps: Vec<usize> = ['-', '/', '.'].map(|c| date.matches(c).count()).into();
    (6..=10).contains(&date.len())
        && date
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '/' | '.'))
        && seps.iter().filter(|&&n| n > 0).count() == 1
        && seps.contains(&2)
        && time.len() <= 30
        && time
            .chars()
            .all(|c| c.is_ascii_digit() || " T:.+-ZAPMapm".contains(c))
}

/// One physical line read on its own, if it is one record.
fn line_cells(line: &[u8], delimiter: u8) -> Option<csv::StringRecord> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(line);
    let mut record = csv::StringRecord::new();
    if !matches!(reader.read_record(&mut record), Ok(true)) {
        return None;
    }
    if !matches!(reader.read_record(&mut csv::StringRecord::new()), Ok(false)) {
        return None;
    }
    record.trim();
    Some(record)
}

/// `sep=;` on line 1 is Excel's way of naming the delimiter.
fn sep_line(text: &[u8]) -> Option<u8> {
    let first = text.split(|b| *b == b'\n').next()?;
    match first.strip_prefix(b"sep=")? {
        [d] => Some(*d),
        _ => None,
    }
}

/// The delimiter under which the header names the most known columns
/// (then: splits into the most cells); a comma when nothing tells.
fn detect_delimiter(header_line: &[u8], cols: &Columns) -> u8 {
    let mut best = (0, 0, b',');
    for d in [b',', b';', b'\t'] {
        let Some(cells) = line_cells(header_line, d) else {
            continue;
        };
        let cells: Vec<String> = cells.iter().map(str::to_string).collect();
        let key = (header::known_count(&cells, cols), cells.len());
        if key > (best.0, best.1) {
            best = (key.0, key.1, d);
        }
    }
    best.2
}

/// A reader of `text` as exports are read: the header is a row like any
/// other (resolved by the caller), rows may have any number of cells.
fn reader_of(text: &[u8], delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text)
}

/// The record's physical lines: from `start` to where the next record
/// starts (`end`), without the empty lines at its end.
fn span_of(text: &[u8], start: usize, end: usize) -> Vec<&[u8]> {
    let mut span: Vec<&[u8]> = text[start..end].split(|b| *b == b'\n').collect();
    while span.len() > 1 && span.last().is_some_and(|l| l.is_empty()) {
        span.pop();
    }
    span
}

/// Physical line of a byte offset, counted incrementally (offsets only grow).
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl LineCounter<'_> {
    /// The line of the record the reader reports at `byte`, and where it
    /// really starts: the reader counts blank lines before a record as
    /// part of it.
    fn at(&mut self, byte: usize) -> (u64, usize) {
        let mut to = byte.min(self.bytes.len());
        while self.bytes.get(to) == Some(&b'\n') {
            to += 1;
        }
        if to > self.offset {
            self.line += self.bytes[self.offset..to]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            self.offset = to;
        }
        (self.line, to)
    }
}

/// What a parse needs to know about the file.
struct Ctx<'a> {
    file: &'a str,
    cols: &'a Columns,
    delimiter: u8,
    width: usize,
}

impl Table {
    fn new(file: &str) -> Table {
        Table {
            file: file.to_string(),
            columns: HashMap::default(),
            names: Vec::new(),
            rows: Vec::new(),
            unreadable: Vec::new(),
            lines: Vec::new(),
            unreadable_patients: HashMap::default(),
            unreadable_ids: HashMap::default(),
            unreadable_dates: HashMap::default(),
            missing: Vec::new(),
        }
    }

    /// Reads `path`; `file` is the name used in findings. A workbook is
    /// read as one, whatever its name says.
    pub fn read(path: &Path, file: &str, cols: &Columns, findings: &mut Findings) -> Result<Table> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        if decode::is_zip(&bytes) || decode::is_ole(&bytes) {
            let is_csv = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            if is_csv {
                findings.warning(
                    &At::new(file, 0, ""),
                    "",
                    "csv-is-workbook",
                    "the file is an Excel workbook saved under a .csv name: it was read as a workbook, and line numbers are its worksheet's row numbers (rename it to .xlsx, or save it as CSV UTF-8)",
                );
            }
            return Ok(super::xlsx::read(&bytes, file, cols, findings));
        }
        Ok(Table::parse(&bytes, file, cols, findings))
    }

    pub fn parse(bytes: &[u8], file: &str, cols: &Columns, findings: &mut Findings) -> Table {
        Table::parse_in(bytes, file, cols, findings, true)
    }

    /// As [`Table::parse`]; `side_by_side` false reads the rows in one
    /// pass whatever the file (tests compare the two).
    fn parse_in(
        bytes: &[u8],
        file: &str,
        cols: &Columns,
        findings: &mut Findings,
        side_by_side: bool,
    ) -> Table {
        let mut table = Table::new(file);
        let whole = At::new(file, 0, "");
        if decode::looks_like_bare_utf16(bytes) {
            findings.error(
                &whole,
                "",
                "csv-encoding-unknown",
                "the file looks like UTF-16 text without a byte-order mark: save it again from Excel as \"CSV UTF-8\"",
            );
            table.missing = cols.required.to_vec();
            return table;
        }
        let decoded = decode::decode(bytes);
        if decoded.encoding != Encoding::Utf8 {
            let name = decoded.encoding.name();
            findings.warning(
                &whole,
                "",
                "csv-encoding-converted",
                format!("the file is {name} text, not UTF-8: it was read as {name} (save it as \"CSV UTF-8\" to stop this warning)"),
            );
        }
        let all = &decoded.bytes[..];
        // With `sep=X` on line 1 the header is line 2.
        let (text, first_line, delimiter) = match sep_line(all) {
            Some(d) => {
                let skip = all
                    .iter()
                    .position(|b| *b == b'\n')
                    .map_or(all.len(), |p| p + 1);
                (&all[skip..], 2, d)
            }
            None => {
                let header_line = all
                    .split(|b| *b == b'\n')
                    .find(|l| !l.iter().all(u8::is_ascii_whitespace))
                    .unwrap_or_default();
                (all, 1, detect_delimiter(header_line, cols))
            }
        };
        let mut reader = reader_of(text, delimiter);
        let mut record = csv::ByteRecord::new();
        let mut lines = LineCounter {
            bytes: text,
            offset: 0,
            line: first_line,
        };
        let mut ctx: Option<Ctx> = None;
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    // Not expected from a flexible byte reader; never silent.
                    let line = e.position().map_or(0, |p| lines.at(p.byte() as usize).0);
                    findings.error(
                        &At::new(file, line, ""),
                        "",
                        "csv-malformed",
                        "the file cannot be read past this line: re-export it as CSV",
                    );
                    table.missing = cols.required.to_vec();
                    break;
                }
            }
            let (line, start) = lines.at(record.position().map_or(0, |p| p.byte() as usize));
            // The record runs to where the next one starts.
            let end = (reader.position().byte() as usize).clamp(start, text.len());
            let span = span_of(text, start, end);
            let Some(ctx) = &ctx else {
                if !span.iter().any(|l| has_data(l, delimiter)) {
                    continue; // blank lines (or `,,,`) above the header
                }
                let header = table.header(&record, line, &span, file, cols, delimiter, findings);
                let rest = end.min(text.len());
                let rest_line =
                    first_line + text[..rest].iter().filter(|b| **b == b'\n').count() as u64;
                if side_by_side
                    && table.rows_side_by_side(&header, &text[rest..], rest_line, findings)
                {
                    return table;
                }
                ctx = Some(header);
                continue;
            };
            let at_eof = end >= text.len();
            let odd_quotes = text[start..end].iter().filter(|b| **b == b'"').count() % 2 == 1;
            let unclosed = span.len() > 1 && at_eof && odd_quotes;
            table.record(ctx, &record, line, &span, unclosed, findings);
        }
        if ctx.is_none() && table.missing.is_empty() {
            findings.error(
                &whole,
                "",
                "csv-empty",
                "the file is empty: it needs a header row and the data below it",
            );
            table.missing = cols.required.to_vec();
        }
        table
    }

    /// The rows below the header, read in parts side by side when that
    /// reads them as one pass would: the text holds no quote (so every
    /// line end ends a record) and is big enough to share out. The parts
    /// start at line ends; their rows, rejected lines and findings join in
    /// file order. Returns false, having read nothing, otherwise (a file
    /// with quoted cells is read in one pass). At a million sessions this
    /// was two seconds on one core while the other waited.
    fn rows_side_by_side(
        &mut self,
        ctx: &Ctx,
        text: &[u8],
        first_line: u64,
        findings: &mut Findings,
    ) -> bool {
        use rayon::prelude::*;
        const PART: usize = 1 << 20;
        let parts = (rayon::current_num_threads() * 4).min(text.len() / PART);
        if parts < 2 || text.contains(&b'"') {
            return false;
        }
        // Part boundaries: just after the first line end at or beyond each
        // even share of the text.
        let mut starts = vec![0];
        for k in 1..parts {
            let from = (text.len() * k / parts).max(*starts.last().unwrap_or(&0));
            if let Some(nl) = text[from..].iter().position(|b| *b == b'\n') {
                let at = from + nl + 1;
                if at < text.len() && at > *starts.last().unwrap_or(&0) {
                    starts.push(at);
                }
            }
        }
        let mut pieces: Vec<(&[u8], u64)> = Vec::with_capacity(starts.len());
        let mut line = first_line;
        for (k, &at) in starts.iter().enumerate() {
            let to = starts.get(k + 1).copied().unwrap_or(text.len());
            pieces.push((&text[at..to], line));
            line += text[at..to].iter().filter(|b| **b == b'\n').count() as u64;
        }
        let this = &*self;
        let read: Vec<Option<(Table, Findings)>> = pieces
            .par_iter()
            .map(|&(piece, line)| {
                // The header's columns, no rows yet.
                let mut part = Table {
                    columns: this.columns.clone(),
                    names: this.names.clone(),
                    missing: this.missing.clone(),
                    ..Table::new(&this.file)
                };
                let mut found = Findings::default();
                part.records(ctx, piece, line, &mut found)
                    .then_some((part, found))
            })
            .collect();
        if read.iter().any(Option::is_none) {
            return false;
        }
        for (part, found) in read.into_iter().flatten() {
            self.rows.extend(part.rows);
            self.unreadable.extend(part.unreadable);
            self.lines.extend(part.lines);
            self.unreadable_patients.extend(part.unreadable_patients);
            self.unreadable_ids.extend(part.unreadable_ids);
            self.unreadable_dates.extend(part.unreadable_dates);
            findings.extend(found);
        }
        true
    }

    /// The records of `text`, a run of whole lines after the header with no
    /// quote in it, the first on line `first_line`. False when the reader
    /// failed (the caller then reads the file in one pass, which reports it).
    fn records(
        &mut self,
        ctx: &Ctx,
        text: &[u8],
        first_line: u64,
        findings: &mut Findings,
    ) -> bool {
        let mut reader = reader_of(text, ctx.delimiter);
        let mut record = csv::ByteRecord::new();
        let mut lines = LineCounter {
            bytes: text,
            offset: 0,
            line: first_line,
        };
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => return true,
                Ok(true) => {}
                Err(_) => return false,
            }
            let (line, start) = lines.at(record.position().map_or(0, |p| p.byte() as usize));
            let end = (reader.position().byte() as usize).clamp(start, text.len());
            let span = span_of(text, start, end);
            // No quote: a record is one line, never an unclosed one.
            self.record(ctx, &record, line, &span, false, findings);
        }
    }

    /// Resolves the header. A header that runs over several lines has a
    /// stray quote: nothing below it can be trusted.
    #[allow(clippy::too_many_arguments)]
    fn header<'a>(
        &mut self,
        record: &csv::ByteRecord,
        line: u64,
        span: &[&[u8]],
        file: &'a str,
        cols: &'a Columns,
        delimiter: u8,
        findings: &mut Findings,
    ) -> Ctx<'a> {
        let at = At::new(file, line, "");
        if span.len() > 1 {
            let last = line + span.len() as u64 - 1;
            findings.error(
                &at,
                "",
                "csv-bad-header",
                format!("a quote in the header on line {line} is not closed before line {last}: remove the stray quote from the header (no row of this file is read until then)"),
            );
            self.missing = cols.required.to_vec();
            for (n, text) in (line..).zip(span).skip(1) {
                if has_data(text, delimiter) {
                    self.unreadable.push(n);
                    self.lines.push((n, n));
                }
            }
        } else {
            let cells: Vec<String> = record
                .iter()
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            let resolved = header::resolve(&cells, &at, cols, findings);
            self.columns = resolved.columns;
            self.missing = resolved.missing;
            self.names = cells.iter().map(|c| header::normalize(c)).collect();
        }
        Ctx {
            file,
            cols,
            delimiter,
            width: record.len(),
        }
    }

    /// One record after the header: a row, or findings on each of its
    /// lines.
    fn record(
        &mut self,
        ctx: &Ctx,
        record: &csv::ByteRecord,
        line: u64,
        span: &[&[u8]],
        unclosed: bool,
        findings: &mut Findings,
    ) {
        let data: Vec<u64> = (line..)
            .zip(span)
            .filter(|(_, l)| has_data(l, ctx.delimiter))
            .map(|(n, _)| n)
            .collect();
        if data.is_empty() {
            return; // blank lines and `,,,,` carry no record
        }
        if !self.missing.is_empty() {
            // The header's one finding stands for every row below it.
            for &n in &data {
                self.unreadable.push(n);
                self.lines.push((n, n));
            }
            return;
        }
        let last = line + span.len() as u64 - 1;
        let cells = csv::StringRecord::from_byte_record(record.clone()).map(|mut c| {
            c.trim();
            c
        });
        let at = |id: &str| At::new(ctx.file, line, id.to_string());
        let Ok(cells) = cells else {
            findings.error(
                &at(""),
                "",
                "csv-encoding",
                "the row is not valid UTF-8 text: save the file as \"CSV UTF-8\"",
            );
            self.swallowed(ctx, line, span, &data, None, "the row", findings);
            return;
        };
        // Cells up to the first line break were read from the first line.
        let first = {
            let mut c = csv::StringRecord::new();
            for cell in cells.iter().take_while(|c| !c.contains('\n')) {
                c.push_field(cell);
            }
            c
        };
        let id = self.cell_id(&first, ctx.cols.id()).unwrap_or_default();
        if unclosed {
            // Everything to the end of the file went into one cell.
            findings.error(
                &at(&id),
                "",
                "csv-unclosed-quote",
                format!("a quote opened on line {line} is never closed, so every line after it (to line {last}) was read into one cell: close the quote (or remove it) and re-export"),
            );
            self.swallowed(
                ctx,
                line,
                span,
                &data,
                Some(&first),
                "the unclosed quote",
                findings,
            );
            return;
        }
        if span.len() == 1 {
            if cells.len() == ctx.width {
                self.push_row(line, cells, &data);
            } else {
                findings.error(
                    &at(&id),
                    "",
                    "csv-cell-count",
                    format!(
                        "the row has {} cells but the header has {}: quote cells that contain the delimiter, and check for a missing or extra one",
                        cells.len(),
                        ctx.width
                    ),
                );
                self.reject_line(ctx, line, Some(&cells));
            }
            return;
        }
        // A quoted cell with line breaks. Fine in a note, as long as the
        // row is whole and none of the lines it took looks like a row of
        // its own; anything else is a stray quote that swallowed rows.
        let broken: Vec<usize> = (0..cells.len())
            .filter(|&i| cells.get(i).is_some_and(|c| c.contains('\n')))
            .collect();
        let free = broken.iter().all(|&i| {
            self.names.get(i).is_some_and(|n| {
                !n.is_empty() && (ctx.cols.free_text.contains(&n.as_str()) || !ctx.cols.knows(n))
            })
        });
        let took_rows =
            ctx.width > 1 && span[1..].iter().any(|l| self.whole_line(ctx, l).is_some());
        let column = broken
            .first()
            .and_then(|&i| self.names.get(i))
            .filter(|n| !n.is_empty())
            .cloned()
            .unwrap_or_default();
        if cells.len() == ctx.width && free && !took_rows {
            findings.warning(
                &at(&id),
                &column,
                "csv-multiline-cell",
                format!("this row's {column} cell runs over lines {line} to {last} (a quoted cell with line breaks): it was read as one row. If it is not meant to, a quote in it lacks its closing mark"),
            );
            self.push_row(line, cells, &data);
            return;
        }
        let in_column = if column.is_empty() {
            String::new()
        } else {
            format!(" (in the {column} column)")
        };
        findings.error(
            &at(&id),
            &column,
            "csv-stray-quote",
            format!("a quote opened on line {line}{in_column} closes only on line {last}, so lines {line} to {last} were read as one row: remove the stray quote (or close it on line {line}) and re-export; every line it took is rejected until then"),
        );
        self.swallowed(
            ctx,
            line,
            span,
            &data,
            Some(&first),
            "the stray quote",
            findings,
        );
    }

    fn push_row(&mut self, line: u64, cells: csv::StringRecord, data: &[u64]) {
        for &n in data {
            self.lines.push((n, line));
        }
        self.rows.push(Row { line, cells });
    }

    /// A column's cell as a finding may show it, from cells read as one
    /// record (a damaged row's cells can hold anything: see `shown_id`).
    fn cell_id(&self, cells: &csv::StringRecord, column: &str) -> Option<String> {
        let i = *self.columns.get(column)?;
        cells.get(i).and_then(shown_id).map(str::to_string)
    }

    /// The cells of a physical line read on its own, only when the line is
    /// a whole row: otherwise the cell at a column's position could be any
    /// text, a name included.
    fn whole_line(&self, ctx: &Ctx, text: &[u8]) -> Option<csv::StringRecord> {
        line_cells(text, ctx.delimiter).filter(|c| c.len() == ctx.width)
    }

    /// Rejects one physical line; `cells` are what it was read as, to
    /// remember the patient it names.
    fn reject_line(&mut self, ctx: &Ctx, n: u64, cells: Option<&csv::StringRecord>) {
        self.unreadable.push(n);
        self.lines.push((n, n));
        if let Some(p) = cells.and_then(|c| self.cell_id(c, "patient_id")) {
            self.unreadable_patients.insert(n, p);
        }
        if let Some(id) = cells.and_then(|c| self.cell_id(c, ctx.cols.id())) {
            self.unreadable_ids.insert(n, id);
        }
        // Only where every column of the header is one the tool knows: an
        // export's own extra columns (`created_at`, notes) may hold dates
        // that are not the row's, and the row's own date may be written in
        // words, which is not kept.
        let known = self.names.iter().all(|h| h.is_empty() || ctx.cols.knows(h));
        let dates: Vec<String> = cells
            .into_iter()
            .flatten()
            .filter(|c| known && date_shaped(c))
            .map(str::to_string)
            .collect();
        if !dates.is_empty() {
            self.unreadable_dates.insert(n, dates);
        }
    }

    /// Rejects every data line of a record that could not be read, each
    /// with a finding of its own so none vanishes from the rejects. The
    /// first line's finding is the caller's.
    #[allow(clippy::too_many_arguments)]
    fn swallowed(
        &mut self,
        ctx: &Ctx,
        line: u64,
        span: &[&[u8]],
        data: &[u64],
        first: Option<&csv::StringRecord>,
        by: &str,
        findings: &mut Findings,
    ) {
        for (n, text) in (line..).zip(span) {
            if !data.contains(&n) {
                continue;
            }
            if n == line {
                self.reject_line(ctx, n, first);
                continue;
            }
            let cells = self.whole_line(ctx, text);
            let id = cells
                .as_ref()
                .and_then(|c| self.cell_id(c, ctx.cols.id()))
                .unwrap_or_default();
            findings.error(
                &At::new(ctx.file, n, id),
                "",
                "csv-swallowed-line",
                format!("this line was swallowed by {by} on line {line}: it is rejected until that is fixed"),
            );
            self.reject_line(ctx, n, cells.as_ref());
        }
    }

    /// A table from cells already split (a worksheet): `rows` are (line,
    /// cells) with the header first.
    pub fn from_cells(
        file: &str,
        cols: &Columns,
        rows: impl IntoIterator<Item = (u64, Vec<String>)>,
        findings: &mut Findings,
    ) -> Table {
        let mut table = Table::new(file);
        let mut width = None;
        for (line, cells) in rows {
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let Some(width) = width else {
                let resolved = header::resolve(&cells, &At::new(file, line, ""), cols, findings);
                table.columns = resolved.columns;
                table.missing = resolved.missing;
                table.names = cells.iter().map(|c| header::normalize(c)).collect();
                width = Some(cells.len());
                continue;
            };
            let mut record = csv::StringRecord::from(cells);
            record.trim();
            // A worksheet row is as wide as the sheet: no ragged rows.
            while record.len() < width {
                record.push_field("");
            }
            table.lines.push((line, line));
            table.rows.push(Row {
                line,
                cells: record,
            });
        }
        if width.is_none() {
            findings.error(
                &At::new(file, 0, ""),
                "",
                "csv-empty",
                "the worksheet is empty: it needs a header row and the data below it",
            );
            table.missing = cols.required.to_vec();
        }
        table
    }

    /// All data lines read, readable or not.
    pub fn rows_read(&self) -> usize {
        self.lines.len()
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
mod tests;
