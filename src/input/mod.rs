//! Reading a practice folder: `practice.toml` and the three CSV exports.
//! Each row becomes a typed record or findings at its line; nothing is
//! dropped without a finding, so every row can be accounted for.

pub mod model;
pub mod parse;
pub mod records;
pub mod table;

use crate::error::{Error, Result};
use crate::findings::Findings;
use chrono_tz::Tz;
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
    pub patient_lines: std::collections::HashMap<String, u64>,
    /// session_id -> line of every sessions.csv row that names one.
    pub session_lines: std::collections::HashMap<String, u64>,
    /// patient_id -> index into `patients` (the first row with that id).
    patient_index: std::collections::HashMap<String, usize>,
}

#[derive(Debug, Clone)]
pub struct FileRows {
    pub file: &'static str,
    /// Line of every data row read, in file order.
    pub lines: Vec<u64>,
}

impl FileRows {
    fn of(file: &'static str, t: &Table) -> FileRows {
        let mut lines: Vec<u64> = t.rows.iter().map(|r| r.line).collect();
        lines.extend(&t.unreadable);
        lines.sort_unstable();
        FileRows { file, lines }
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
        // One file at a time: each table is dropped once its records are
        // made, so a big practice never holds all three tables at once.
        let mut rows = Vec::new();
        let t = read_table(dir, PATIENTS_FILE, records::PATIENT_COLUMNS, findings)?;
        let patient_lines = t
            .rows
            .iter()
            .filter_map(|r| Some((t.get(r, "patient_id")?.to_string(), r.line)))
            .collect();
        let patients = records::patients(&t, tz, findings);
        rows.push(FileRows::of(PATIENTS_FILE, &t));
        drop(t);
        let t = read_table(dir, SESSIONS_FILE, records::SESSION_COLUMNS, findings)?;
        let session_lines = t
            .rows
            .iter()
            .filter_map(|r| Some((t.get(r, "session_id")?.to_string(), r.line)))
            .collect();
        let sessions = records::sessions(&t, tz, findings);
        rows.push(FileRows::of(SESSIONS_FILE, &t));
        drop(t);
        let t = read_table(dir, PAYMENTS_FILE, records::PAYMENT_COLUMNS, findings)?;
        let payments = records::payments(&t, tz, findings);
        rows.push(FileRows::of(PAYMENTS_FILE, &t));
        drop(t);
        let mut patient_index = std::collections::HashMap::new();
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

    pub fn patient(&self, id: &str) -> Option<&Patient> {
        self.patient_index.get(id).map(|&i| &self.patients[i])
    }

    pub fn provider(&self, id: &str) -> Option<&Provider> {
        self.practice.providers.iter().find(|p| p.id == id)
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

fn read_table(
    dir: &Path,
    file: &'static str,
    columns: (&[&'static str], &[&'static str]),
    findings: &mut Findings,
) -> Result<Table> {
    let path = dir.join(file);
    if !path.exists() {
        return Err(Error::config(
            &path,
            format!("not found: the practice folder needs {file}"),
        ));
    }
    Table::read(&path, file, columns.0, columns.1, findings)
}
