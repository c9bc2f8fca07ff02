//! Findings: every problem the tool sees in the inputs, with where it is and
//! what to do about it. Messages name record ids and line numbers, never a
//! patient's name or date of birth: reports get e-mailed around.

use serde::Serialize;
use std::borrow::Cow;
use std::fmt;

pub mod registry;
pub use registry::Code;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem. `code` is a stable machine-readable slug (e.g.
/// `icd-header`), so reports can be filtered and grouped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub file: String,
    /// 1-based physical line of the record in its file; 0 when the finding
    /// is about the file as a whole.
    pub line: u64,
    pub record_id: String,
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

/// Whether a code says a whole input file cannot be read as a table:
/// every row of it depends on that one cause, so the batch stops and the
/// rows are not reported again.
pub fn is_whole_file(code: &str) -> bool {
    Code::parse(code).is_some_and(|c| c.scope() == registry::Scope::File)
}

/// Where a kind of finding sits in a chain of causes (see `Code::rank`);
/// summaries list root causes first.
pub fn rank(code: &str) -> u8 {
    Code::parse(code).map_or(1, Code::rank)
}

/// Collects findings while inputs are read and checked.
#[derive(Debug, Default, Clone)]
pub struct Findings {
    pub items: Vec<Finding>,
}

/// Where a finding points: file, line and record.
#[derive(Debug, Clone, Default)]
pub struct At<'a> {
    pub file: Cow<'a, str>,
    pub line: u64,
    pub record_id: Cow<'a, str>,
}

// Borrowed: every record is pointed at by several checks, and a finding
// (which owns its strings) is the rare case.
impl<'a> At<'a> {
    pub fn new(
        file: impl Into<Cow<'a, str>>,
        line: u64,
        record_id: impl Into<Cow<'a, str>>,
    ) -> At<'a> {
        At {
            file: file.into(),
            line,
            record_id: record_id.into(),
        }
    }
}

impl Findings {
    pub fn push(
        &mut self,
        severity: Severity,
        at: &At,
        field: &str,
        code: &'static str,
        message: impl Into<String>,
    ) {
        debug_assert!(
            Code::parse(code).is_some(),
            "finding code `{code}` is not in src/findings/registry.rs: add it there with its severity, scope, explanation and fix"
        );
        self.items.push(Finding {
            severity,
            file: at.file.to_string(),
            line: at.line,
            record_id: at.record_id.to_string(),
            field: field.to_string(),
            code,
            message: message.into(),
        });
    }

    pub fn error(&mut self, at: &At, field: &str, code: &'static str, message: impl Into<String>) {
        self.push(Severity::Error, at, field, code, message);
    }

    pub fn warning(
        &mut self,
        at: &At,
        field: &str,
        code: &'static str,
        message: impl Into<String>,
    ) {
        self.push(Severity::Warning, at, field, code, message);
    }

    pub fn extend(&mut self, other: Findings) {
        self.items.extend(other.items);
    }

    pub fn errors(&self) -> usize {
        self.items
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.items.len() - self.errors()
    }

    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }

    /// Errors first, then by file and line, so reports read top to bottom
    /// and are identical from run to run.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            (a.severity, &a.file, a.line, &a.field, a.code, &a.message)
                .cmp(&(b.severity, &b.file, b.line, &b.field, b.code, &b.message))
        });
        self.items.dedup();
    }

    /// Findings that make the record at (file, line) unbillable.
    pub fn has_error_at(&self, file: &str, line: u64) -> bool {
        self.items
            .iter()
            .any(|f| f.severity == Severity::Error && f.file == file && f.line == line)
    }
}
