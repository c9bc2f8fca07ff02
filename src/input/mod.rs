//! Reading a practice folder: `practice.toml` and the three exports (CSV
//! in any of the encodings and delimiters Excel writes, or `.xlsx`). Each
//! data line becomes a typed record or findings at its line; nothing is
//! dropped without a finding, so every line can be accounted for.

pub mod decode;
pub mod header;
pub mod label;
pub mod model;
pub mod parse;
pub mod privacy;
pub mod records;
pub mod refs;
pub mod table;
pub mod xlsx;

use crate::error::{Error, Result};
use crate::findings::Findings;
use chrono_tz::Tz;
pub use label::Label;
pub use model::*;
use std::path::{Path, PathBuf};
use table::Table;

/// Everything read from a practice folder.
#[derive(Debug)]
pub struct Inputs {
    pub dir: PathBuf,
    pub practice: Practice,
    /// The raw practice.toml, to point findings at the right line.
    pub practice_text: String,
    pub tz: Tz,
    pub patients: Vec<Patient>,
    pub sessions: Vec<Session>,
    pub payments: Vec<Payment>,
    /// Rows read per file, readable or not: (file, count, every line).
    pub rows: Vec<FileRows>,
    /// patient_id -> line of every patients.csv row that names one, errors
    /// or not, so a session can point at its patient's broken row.
    pub patient_lines: IdLines,
    /// session_id -> line of every sessions.csv row that names one.
    pub session_lines: IdLines,
    /// (file, line) -> what could be read of each row that yielded no
    /// record: whose it was, for holding that patient's superbill.
    pub refs: crate::hash::HashMap<(&'static str, u64), refs::RowRef>,
    /// patient_id -> index into `patients` (the first row with that id).
    patient_index: crate::hash::HashMap<String, usize>,
}

/// The data lines of one input file. Rows are accounted for by physical
/// line: `lines` holds every line that carries data, so rows read is what
/// the user counts in the file.
#[derive(Debug, Clone)]
pub struct FileRows {
    /// The name findings use (`patients.csv`), whatever the source.
    pub file: &'static str,
    /// The file actually read (`patients.xlsx` for a workbook).
    pub source: String,
    /// Every physical data line read, in file order.
    pub lines: Vec<u64>,
    /// Lines that belong to a row begun on an earlier line (a note with
    /// line breaks) -> that row's line.
    continued: crate::hash::HashMap<u64, u64>,
    /// False when the header cannot be used (one root-cause finding).
    pub usable: bool,
}

impl FileRows {
    fn of(file: &'static str, source: String, t: &Table) -> FileRows {
        let mut lines = Vec::with_capacity(t.lines.len());
        let mut continued = crate::hash::HashMap::default();
        for &(line, row) in &t.lines {
            lines.push(line);
            if line != row {
                continued.insert(line, row);
            }
        }
        lines.sort_unstable();
        FileRows {
            file,
            source,
            lines,
            continued,
            usable: t.usable(),
        }
    }

    /// The line of the row `line` belongs to: itself, or for a line inside
    /// a multi-line cell the row's first line (where its findings are).
    pub fn record_line(&self, line: u64) -> u64 {
        self.continued.get(&line).copied().unwrap_or(line)
    }
}

impl Inputs {
    /// Reads the practice folder. Configuration that cannot be understood
    /// (no folder, unreadable practice.toml, unknown time zone) is an
    /// `Error`; problems in the data are findings.
    pub fn load(dir: &Path, findings: &mut Findings) -> Result<Inputs> {
        if !dir.is_dir() {
            return Err(Error::Usage(format!(
                "practice folder '{}' does not exist: pass the folder holding practice.toml and the CSV exports",
                dir.display()
            )));
        }
        let (practice, practice_text) = load_practice(&dir.join(PRACTICE_FILE))?;
        let tz: Tz = practice.time_zone.parse().map_err(|_| {
            Error::config(
                dir.join(PRACTICE_FILE),
                format!(
                    "time_zone '{}' is not an IANA time zone name: use e.g. America/Denver",
                    practice.time_zone
                ),
            )
        })?;
        let rules = parse::DateRules {
            tz,
            utc_midnight: practice.utc_midnight.unwrap_or_default(),
        };
        // Patients and sessions are read side by side when the caller's
        // thread pool has two threads (one after the other when it has
        // one), then payments. Each file's table is dropped once its
        // records are made. Payments wait: their table beside the sessions'
        // raised the peak of a year of history by 90 to 160 MB, and the
        // patients' table does not grow with the months. Findings join in
        // file order, as if read one by one.
        let (patients, sessions) = rayon::join(
            || Part::read(dir, rules, &PATIENTS),
            || Part::read(dir, rules, &SESSIONS),
        );
        // The first error in file order, as one thread would meet it.
        let (patients, sessions) = (patients?, sessions?);
        let payments = Part::read(dir, rules, &PAYMENTS)?;
        let mut joined = Joined::default();
        let (patients, patient_lines) = joined.add(patients);
        let (sessions, session_lines) = joined.add(sessions);
        let (payments, _) = joined.add(payments);
        let Joined {
            findings: read,
            rows,
            refs: row_refs,
            midnights,
        } = joined;
        findings.extend(read);
        let explicit = practice.utc_midnight.is_some();
        midnights.report(&rules, explicit, findings);
        let mut patient_index = crate::hash::HashMap::default();
        for (i, p) in patients.iter().enumerate() {
            patient_index.entry(p.patient_id.clone()).or_insert(i);
        }
        Ok(Inputs {
            dir: dir.to_path_buf(),
            practice,
            practice_text,
            tz,
            patients,
            sessions,
            payments,
            rows,
            patient_lines,
            session_lines,
            refs: row_refs,
            patient_index,
        })
    }

    /// 1-based line in practice.toml where `needle` first appears (0 when
    /// it does not), so findings about the practice point somewhere useful.
    pub fn practice_line(&self, needle: &str) -> u64 {
        // Only the practice's own keys, before the first [[providers]].
        self.practice_text
            .lines()
            .take_while(|l| !l.trim_start().starts_with("[["))
            .position(|l| l.contains(needle))
            .map(|i| i as u64 + 1)
            .unwrap_or(0)
    }

    /// Line of `field` inside the `[[providers]]` block whose id is `id`,
    /// else the block's `id` line.
    pub fn provider_line(&self, id: &str, field: &str) -> u64 {
        let lines: Vec<&str> = self.practice_text.lines().collect();
        let is_id = |l: &str| {
            let l = l.trim();
            l.starts_with("id") && l.contains(&format!("\"{id}\""))
        };
        let Some(start) = lines.iter().position(|l| is_id(l)) else {
            return 0;
        };
        // The block runs from its `[[providers]]` header to the next one.
        let begin = lines[..start]
            .iter()
            .rposition(|l| l.trim().starts_with("[["))
            .unwrap_or(start);
        let end = lines[start..]
            .iter()
            .position(|l| l.trim().starts_with("[["))
            .map_or(lines.len(), |e| start + e);
        let key = |l: &str| l.split('=').next().map(str::trim) == Some(field);
        let found = lines[begin..end]
            .iter()
            .position(|l| key(l))
            .map(|i| begin + i);
        found.unwrap_or(start) as u64 + 1
    }

    /// Whether `file` (e.g. `patients.csv`) could be read as a table. When
    /// it could not, its one root-cause finding stands for every row, and
    /// checks that depend on it (is this patient known?) stay silent.
    pub fn usable(&self, file: &str) -> bool {
        self.rows.iter().all(|r| r.file != file || r.usable)
    }

    /// The file a user knows the rows of `file` by: `patients.xlsx` when
    /// the workbook was read in place of `patients.csv`.
    pub fn source_name<'a>(&'a self, file: &'a str) -> &'a str {
        self.rows
            .iter()
            .find(|r| r.file == file)
            .map_or(file, |r| r.source.as_str())
    }

    /// Findings name files as `patients.csv` throughout the run; a
    /// workbook read in its place is named as the user knows it, just
    /// before findings are shown or written: where the finding points, and
    /// in its message (a payment's finding may name sessions.csv).
    pub fn name_sources(&self, findings: &mut Findings) {
        for r in self.rows.iter().filter(|r| r.source != r.file) {
            for f in findings.items.iter_mut() {
                if f.file == r.file {
                    f.file = r.source.clone();
                }
                if f.message.contains(r.file) {
                    f.message = rename_file(&f.message, r.file, &r.source);
                }
            }
        }
    }

    /// The record read from the row at `line`, if that row yielded one:
    /// a binary search (records are in file order, see `in_file_order`),
    /// not a map of every row.
    pub fn patient_at(&self, line: u64) -> Option<&Patient> {
        at_line(&self.patients, line, |p| p.line)
    }

    pub fn session_at(&self, line: u64) -> Option<&Session> {
        at_line(&self.sessions, line, |s| s.line)
    }

    pub fn payment_at(&self, line: u64) -> Option<&Payment> {
        at_line(&self.payments, line, |p| p.line)
    }

    pub fn patient(&self, id: &str) -> Option<&Patient> {
        self.patient_index.get(id).map(|&i| &self.patients[i])
    }

    pub fn provider(&self, id: &str) -> Option<&Provider> {
        self.practice.providers.iter().find(|p| p.id == id)
    }
}

/// What reading one export needs to know of it.
struct Export<T> {
    file: &'static str,
    columns: table::Columns,
    /// Whether a row that yields no record is still read for its date.
    dated: bool,
    /// Whether its ids are looked up by line (a payment's are not).
    ids_by_line: bool,
    make: Make<T>,
    line_of: fn(&T) -> u64,
}

const PATIENTS: Export<Patient> = Export {
    file: PATIENTS_FILE,
    columns: records::PATIENT_COLUMNS,
    dated: false,
    ids_by_line: true,
    make: records::patients,
    line_of: |p| p.line,
};

const SESSIONS: Export<Session> = Export {
    file: SESSIONS_FILE,
    columns: records::SESSION_COLUMNS,
    dated: true,
    ids_by_line: true,
    make: records::sessions,
    line_of: |s| s.line,
};

const PAYMENTS: Export<Payment> = Export {
    file: PAYMENTS_FILE,
    columns: records::PAYMENT_COLUMNS,
    dated: true,
    ids_by_line: false,
    make: records::payments,
    line_of: |p| p.line,
};

/// One export read on its own: its records in file order, its rows, the
/// references of rows that yielded no record, its ids by line, and what
/// reading it found (joined into the run's in file order, [`Joined`]).
struct Part<T> {
    file: &'static str,
    records: Vec<T>,
    rows: FileRows,
    refs: crate::hash::HashMap<u64, refs::RowRef>,
    ids: IdLines,
    findings: Findings,
    midnights: records::Midnights,
}

type Make<T> = fn(&Table, &[table::Row], &mut records::Reading, &mut Findings) -> Vec<T>;

/// The records of every row of `t`, made in runs of rows side by side and
/// joined in file order: the records, the midnight timestamps seen and
/// the findings as one pass over the rows makes them. A few runs at a
/// time, each joined before the next are made: every run's records made
/// at once, then joined, held the file's records twice over (at twelve
/// months of history, 55 MB more at the peak).
fn made_in_parts<T: Send>(
    t: &Table,
    rules: parse::DateRules,
    make: Make<T>,
) -> (Vec<T>, records::Midnights, Findings) {
    use rayon::prelude::*;
    // A row makes at most one record.
    let mut records = Vec::with_capacity(t.rows.len());
    let mut midnights = records::Midnights::default();
    let mut findings = Findings::default();
    let wave = ROWS_PER_PART * 2 * rayon::current_num_threads();
    for rows in t.rows.chunks(wave) {
        let parts: Vec<_> = rows
            .par_chunks(ROWS_PER_PART)
            .map(|rows| {
                let mut reading = records::Reading::new(rules);
                let mut found = Findings::default();
                let made = make(t, rows, &mut reading, &mut found);
                (made, reading.midnights, found)
            })
            .collect();
        for (made, seen, found) in parts {
            records.extend(made);
            midnights.join_later(seen);
            findings.extend(found);
        }
    }
    (records, midnights, findings)
}

/// Rows made into records by one thread at a time: enough to share out a
/// big file, few enough that a small one is made at once.
const ROWS_PER_PART: usize = 16_384;

impl<T: Send> Part<T> {
    fn read(dir: &Path, rules: parse::DateRules, export: &Export<T>) -> Result<Part<T>> {
        let mut findings = Findings::default();
        let (t, source) = read_table(dir, export.file, &export.columns, &mut findings)?;
        // The first column is the record's id.
        let id_col = export.columns.required[0];
        // The ids by line and the records, side by side; the records in
        // runs of rows side by side too, joined in file order (findings,
        // and the first midnight timestamp seen, as one pass makes them).
        let (ids, made) = rayon::join(
            || {
                if export.ids_by_line {
                    ids_by_line(&t, id_col)
                } else {
                    Default::default()
                }
            },
            || made_in_parts(&t, rules, export.make),
        );
        let (records, midnights, found) = made;
        findings.extend(found);
        let records = in_file_order(records, export.line_of);
        let recorded = records.iter().map(export.line_of).collect();
        let refs = refs::unrecorded(&t, id_col, export.dated.then_some(rules), &recorded);
        let rows = FileRows::of(export.file, source, &t);
        Ok(Part {
            file: export.file,
            records,
            rows,
            refs,
            ids,
            findings,
            midnights,
        })
    }
}

/// What the exports' reading found, joined in file order.
#[derive(Default)]
struct Joined {
    findings: Findings,
    rows: Vec<FileRows>,
    refs: crate::hash::HashMap<(&'static str, u64), refs::RowRef>,
    midnights: records::Midnights,
}

impl Joined {
    /// Joins one export's reading; its records and its ids by line.
    fn add<T>(&mut self, part: Part<T>) -> (Vec<T>, IdLines) {
        self.findings.extend(part.findings);
        self.rows.push(part.rows);
        for (line, r) in part.refs {
            self.refs.insert((part.file, line), r);
        }
        self.midnights.join(part.midnights);
        (part.records, part.ids)
    }
}

fn load_practice(path: &Path) -> Result<(Practice, String)> {
    let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::config(
            path,
            "not found: every practice folder needs a practice.toml (see samples/cedar-ridge/practice.toml)",
        ),
        _ => Error::io(path, e),
    })?;
    let text = text.trim_start_matches('\u{feff}').to_string();
    let practice: Practice =
        toml::from_str(&text).map_err(|e| Error::config(path, e.to_string().trim().to_string()))?;
    if practice.providers.is_empty() {
        return Err(Error::config(
            path,
            "no [[providers]] listed: add each rendering provider with id, name, credentials, npi, taxonomy, license and license_state",
        ));
    }
    Ok((practice, text))
}

/// id -> line of every row whose id cell holds a well-formed id, and of
/// every unreadable line whose id could still be told (the first wins).
fn at_line<T>(records: &[T], line: u64, line_of: fn(&T) -> u64) -> Option<&T> {
    let i = records.partition_point(|r| line_of(r) < line);
    records.get(i).filter(|r| line_of(r) == line)
}

/// Records in the order of their lines. The readers make them so (rows
/// are read in file order); sorting (stably, a no-op then) keeps
/// `Inputs::session_at` and the like right whatever a reader does.
fn in_file_order<T>(mut records: Vec<T>, line_of: fn(&T) -> u64) -> Vec<T> {
    if !records.is_sorted_by_key(line_of) {
        records.sort_by_key(line_of);
    }
    records
}

fn ids_by_line(t: &Table, column: &str) -> IdLines {
    let rows = t.rows.iter().filter_map(|r| {
        let id = t.get(r, column)?;
        records::check_id(id).ok()?;
        Some((CompactString::from(id), r.line))
    });
    let all = rows
        .chain(
            t.unreadable_ids
                .iter()
                .map(|(l, id)| (CompactString::from(id.as_str()), *l)),
        )
        .collect();
    // An id's first line.
    IdLines::of(all, |first, later| *first = (*first).min(later))
}

/// The first line of each id in a file.
pub type IdLines = crate::sorted::SortedMap<CompactString, u64>;

/// Finds and reads one export: `patients.csv`, or a workbook
/// (`patients.xlsx`, `patients.xls`) in its place. Returns the table and
/// the name of the file read.
fn read_table(
    dir: &Path,
    file: &'static str,
    columns: &table::Columns,
    findings: &mut Findings,
) -> Result<(Table, String)> {
    let stem = file.trim_end_matches(".csv");
    let present: Vec<String> = [
        file.to_string(),
        format!("{stem}.xlsx"),
        format!("{stem}.xls"),
    ]
    .into_iter()
    .filter(|name| dir.join(name).is_file())
    .collect();
    match present.as_slice() {
        [] => Err(Error::config(
            dir.join(file),
            format!("not found: the practice folder needs {file} (or {stem}.xlsx)"),
        )),
        [name] => {
            let table = Table::read(&dir.join(name), file, columns, findings)?;
            Ok((table, name.clone()))
        }
        _ => Err(Error::config(
            dir.join(file),
            format!(
                "the practice folder holds {}: keep only the one to read, and move the others out",
                present.join(" and ")
            ),
        )),
    }
}

/// `text` with the file name `from` (as a whole name, not the end of a
/// longer one such as `old-sessions.csv`) written as `to`.
fn rename_file(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(i) = rest.find(from) {
        let part_of_name = rest[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
        out.push_str(&rest[..i]);
        out.push_str(if part_of_name { from } else { to });
        rest = &rest[i + from.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod rename_tests {
    #[test]
    fn only_whole_file_names_are_renamed() {
        let r = |t: &str| super::rename_file(t, "sessions.csv", "sessions.xlsx");
        assert_eq!(
            r("session S9 is not in sessions.csv: check the id"),
            "session S9 is not in sessions.xlsx: check the id"
        );
        assert_eq!(r("(sessions.csv line 4)"), "(sessions.xlsx line 4)");
        assert_eq!(
            r("old-sessions.csv and sessions.csv"),
            "old-sessions.csv and sessions.xlsx"
        );
        assert_eq!(r("no file here"), "no file here");
    }
}

#[cfg(test)]
mod line_tests {
    use super::{at_line, in_file_order};

    #[test]
    fn records_are_found_by_line_in_file_order() {
        // A reader that made records out of order: sorted by line, stably.
        let recs = in_file_order(vec![(9, 'c'), (2, 'a'), (5, 'b'), (5, 'B')], |r| r.0);
        assert_eq!(recs, vec![(2, 'a'), (5, 'b'), (5, 'B'), (9, 'c')]);
        let at = |line| at_line(&recs, line, |r| r.0).map(|r| r.1);
        assert_eq!(at(2), Some('a'));
        assert_eq!(at(5), Some('b'));
        assert_eq!(at(9), Some('c'));
        // Lines whose rows yielded no record (errors, continuations).
        assert_eq!(at(1), None);
        assert_eq!(at(3), None);
        assert_eq!(at(10), None);
    }
}

#[cfg(test)]
mod side_by_side_tests {
    use super::*;

    /// Read with `threads` threads: the findings in order, and the lines
    /// of the records of each file.
    fn read(threads: usize) -> (Vec<crate::findings::Finding>, [Vec<u64>; 3]) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/cedar-ridge-messy");
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut findings = Findings::default();
        let inputs = pool.install(|| Inputs::load(&dir, &mut findings)).unwrap();
        let lines = [
            inputs.patients.iter().map(|p| p.line).collect(),
            inputs.sessions.iter().map(|s| s.line).collect(),
            inputs.payments.iter().map(|p| p.line).collect(),
        ];
        (findings.items, lines)
    }

    #[test]
    fn files_read_side_by_side_give_what_one_thread_gives() {
        let (one, one_lines) = read(1);
        let (two, two_lines) = read(2);
        // The messy sample has findings in every file: their order is
        // the one-thread order, file by file.
        for file in [PATIENTS_FILE, SESSIONS_FILE, PAYMENTS_FILE] {
            assert!(one.iter().any(|f| f.file == file), "no finding in {file}");
        }
        assert_eq!(one, two);
        assert_eq!(one_lines, two_lines);
        let files: Vec<&str> = one.iter().map(|f| f.file.as_str()).collect();
        let first = |file: &str| files.iter().position(|f| *f == file).unwrap();
        let last = |file: &str| files.iter().rposition(|f| *f == file).unwrap();
        assert!(last(PATIENTS_FILE) < first(SESSIONS_FILE));
        assert!(last(SESSIONS_FILE) < first(PAYMENTS_FILE));
    }
}

#[cfg(test)]
mod parts_tests {
    use super::*;

    /// A file of more rows than one part: its records, midnight timestamps
    /// and findings made in parts side by side are those of one pass.
    #[test]
    fn records_made_in_parts_are_made_as_in_one_pass() {
        let mut csv = String::from("session_id,patient_id,provider_id,date,diagnoses,procedures\n");
        for i in 0..(ROWS_PER_PART * 2 + 777) {
            let date = match i % 101 {
                0 => "2026-09-03T00:00:00Z".to_string(),
                1 => "09.03.2026".to_string(),
                _ => format!("2026-09-{:02}", i % 28 + 1),
            };
            let dx = if i % 89 == 0 { "Z99.999X" } else { "F33.1" };
            csv.push_str(&format!("S{i},P{},reyes,{date},{dx},99214\n", i % 700));
        }
        let mut f = Findings::default();
        let t = Table::parse(csv.as_bytes(), SESSIONS_FILE, &SESSIONS.columns, &mut f);
        let rules = parse::DateRules {
            tz: chrono_tz::America::Denver,
            utc_midnight: Default::default(),
        };
        let mut reading = records::Reading::new(rules);
        let mut one_found = Findings::default();
        let one = records::sessions(&t, &t.rows, &mut reading, &mut one_found);
        let (parts, midnights, found) = made_in_parts(&t, rules, records::sessions);
        assert!(t.rows.len() > 2 * ROWS_PER_PART);
        assert!(one_found.items.len() > 100, "{}", one_found.items.len());
        assert_eq!(one, parts);
        assert_eq!(one_found.items, found.items);
        let report = |m: records::Midnights| {
            let mut f = Findings::default();
            m.report(&rules, false, &mut f);
            f.items
        };
        let seen = report(midnights);
        assert!(!seen.is_empty());
        assert_eq!(report(reading.midnights), seen);
    }
}
