//! The header row of an export. Columns are matched by name whatever their
//! case, spaces or dashes. A header that cannot be used (not a header at
//! all, a required column missing or named twice) is reported once, as the
//! root cause, with a suggestion when a column is close to a known name:
//! the rows that depend on it are not each reported again.

use super::table::Columns;
use crate::findings::{At, Findings};
use crate::hash::HashMap;

/// Header names are matched without regard to case, spaces or dashes:
/// `Session ID`, `session-id` and `SESSION_ID` are the same column.
pub fn normalize(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect()
}

/// Column name -> index, and the required columns the header lacks.
#[derive(Debug, Default)]
pub struct Resolved {
    pub columns: HashMap<String, usize>,
    pub missing: Vec<&'static str>,
}

/// Whether a header cell reads as a column name, so a finding may quote it.
/// Anything else (a headerless file's first row holds a patient's name and
/// date of birth) is referred to by its position only.
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 40
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The known column a misspelt one most likely means (`diagnosis` ->
/// `diagnoses`, `patientid` -> `patient_id`).
fn closest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::normalized_damerau_levenshtein(name, c), *c))
        .filter(|(score, _)| *score >= 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// How many of `cells` name a column of `cols`: the delimiter that finds
/// the most is the file's.
pub fn known_count(cells: &[String], cols: &Columns) -> usize {
    cells
        .iter()
        .map(|c| normalize(c))
        .filter(|n| cols.knows(n))
        .count()
}

pub fn resolve(cells: &[String], at: &At, cols: &Columns, findings: &mut Findings) -> Resolved {
    let names: Vec<String> = cells.iter().map(|c| normalize(c)).collect();
    let mut out = Resolved::default();
    let mut unknown: Vec<(usize, &str)> = Vec::new();
    let mut twice: Vec<&str> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if name.is_empty() {
            continue;
        }
        if out.columns.contains_key(name) {
            // Only a known column named twice is ambiguous; a second
            // unknown one is ignored like the first.
            if cols.knows(name) && !twice.contains(&name.as_str()) {
                twice.push(name);
            }
            continue;
        }
        if !cols.knows(name) {
            unknown.push((i, name));
        }
        out.columns.insert(name.clone(), i);
    }
    out.missing = cols
        .required
        .iter()
        .copied()
        .filter(|c| !out.columns.contains_key(*c))
        .collect();
    let expected = cols.required.join(",");
    if unknown.len() == out.columns.len() {
        // Not one cell names a column: the first line is data (or a title).
        out.missing = cols.required.to_vec();
        findings.error(
            at,
            "",
            "csv-no-header",
            format!(
                "line {} is not a header row: none of its cells names a column of this file. The first line must name the columns: {expected} (optional: {}). If line {} is data, add that header line above it",
                at.line,
                cols.optional.join(","),
                at.line
            ),
        );
        return out;
    }
    for name in &twice {
        findings.error(
            at,
            name,
            "csv-duplicate-column",
            format!("column {name} appears twice in the header: keep one (no row can be read until then)"),
        );
    }
    if !out.missing.is_empty() {
        let mut hints = Vec::new();
        for m in &out.missing {
            let near: Vec<&str> = unknown.iter().map(|(_, n)| *n).collect();
            let guess = near
                .iter()
                .filter(|n| plain_name(n))
                .find(|n| closest(n, &[m]).is_some());
            if let Some(n) = guess {
                hints.push(format!("the header has `{n}`: did you mean `{m}`?"));
            }
        }
        let list = out
            .missing
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let hint = if hints.is_empty() {
            String::new()
        } else {
            format!(" ({})", hints.join("; "))
        };
        findings.error(
            at,
            out.missing[0],
            "csv-missing-column",
            format!(
                "the header lacks required column{} {list}{hint}: rename or add {}, then run again (no row of this file is read until then; the header should hold {expected})",
                if out.missing.len() == 1 { "" } else { "s" },
                if out.missing.len() == 1 { "it" } else { "them" },
            ),
        );
        return out;
    }
    if !twice.is_empty() {
        return out;
    }
    let known: Vec<&str> = cols.required.iter().chain(cols.optional).copied().collect();
    for (i, name) in unknown {
        let shown = if plain_name(name) {
            format!("column {name}")
        } else {
            format!("column {}", i + 1)
        };
        let hint = closest(name, &known)
            .filter(|_| plain_name(name))
            .map(|k| format!(" (did you mean `{k}`?)"))
            .unwrap_or_default();
        findings.warning(
            at,
            if plain_name(name) { name } else { "" },
            "csv-unknown-column",
            format!(
                "{shown} is not used and will be ignored{hint}; known columns: {}",
                known.join(", ")
            ),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: Columns = Columns {
        required: &["session_id", "patient_id", "diagnoses"],
        optional: &["minutes"],
        free_text: &[],
    };

    fn run(header: &[&str]) -> (Resolved, Findings) {
        let mut f = Findings::default();
        let cells: Vec<String> = header.iter().map(|s| s.to_string()).collect();
        let r = resolve(&cells, &At::new("s.csv", 1, ""), &COLS, &mut f);
        (r, f)
    }

    #[test]
    fn case_spaces_and_dashes_do_not_matter() {
        let (r, f) = run(&["Session ID", "patient-id", "DIAGNOSES"]);
        assert!(f.items.is_empty(), "{:?}", f.items);
        assert_eq!(r.columns["patient_id"], 1);
    }

    #[test]
    fn a_misspelt_column_is_one_root_cause_with_a_suggestion() {
        let (r, f) = run(&["session_id", "patient_id", "diagnosis", "notes"]);
        assert_eq!(r.missing, vec!["diagnoses"]);
        assert_eq!(f.items.len(), 1, "{:?}", f.items);
        assert_eq!(f.items[0].code, "csv-missing-column");
        assert!(
            f.items[0]
                .message
                .contains("the header has `diagnosis`: did you mean `diagnoses`?"),
            "{}",
            f.items[0].message
        );
    }

    #[test]
    fn a_data_row_in_place_of_the_header_is_never_quoted() {
        let (r, f) = run(&["P0001", "Zoë", "Hargrove", "1975-07-09"]);
        assert_eq!(r.missing, COLS.required.to_vec());
        assert_eq!(f.items.len(), 1);
        assert_eq!(f.items[0].code, "csv-no-header");
        for leak in ["Zoë", "zoë", "hargrove", "1975", "p0001"] {
            assert!(!f.items[0].message.contains(leak), "{}", f.items[0].message);
        }
    }

    #[test]
    fn unknown_columns_are_warned_with_a_hint_when_the_header_works() {
        let (r, f) = run(&[
            "session_id",
            "patient_id",
            "diagnoses",
            "minute",
            "Notes (free)",
        ]);
        assert!(r.missing.is_empty());
        assert_eq!(f.items.len(), 2);
        assert!(f.items[0].message.contains("did you mean `minutes`?"));
        // Not a plain name: referred to by position.
        assert!(
            f.items[1].message.starts_with("column 5 "),
            "{}",
            f.items[1].message
        );
    }

    #[test]
    fn a_known_column_twice_is_an_error() {
        let (_, f) = run(&["session_id", "patient_id", "diagnoses", "Patient ID"]);
        assert_eq!(f.items.len(), 1);
        assert_eq!(f.items[0].code, "csv-duplicate-column");
    }
}
