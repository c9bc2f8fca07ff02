//! ICD-10-CM diagnosis codes: which codes exist in the release covering a
//! date of service, which are billable (leaves) and which are headers that
//! need a more specific code. Insurers reject superbills with header codes,
//! and a code valid today may be gone after the next October release, so
//! every check is made against a dated release.
//!
//! The binary embeds the table made by `import::run_import` from the CDC's
//! tabular XML; a practice can add later releases as `*.tsv` files in its
//! `codes/icd10cm/` directory without a new build.

pub mod import;
mod text;

use std::borrow::Cow;
use std::path::Path;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};

use crate::error::{Error, Result};

/// Every table under `codes/icd10cm/` at build time (see build.rs).
const EMBEDDED: &[&str] = include!(concat!(env!("OUT_DIR"), "/icd10cm_embedded.rs"));

/// Where the CDC publishes each ICD-10-CM release (the tabular XML is in
/// the "table and index" zip of each fiscal year).
pub const CDC_FILES: &str = "https://www.cdc.gov/nchs/icd/icd-10-cm/files.html";

const MAX_SUGGESTIONS: usize = 5;

/// `" f33.2 "` -> `"F332"`: the form tables and comparisons use.
pub fn normalize(code: &str) -> String {
    // One pass, one allocation: validation normalises every diagnosis of
    // every session, some of them several times.
    code.trim()
        .chars()
        .filter(|&c| c != '.')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// `F332` -> `F33.2`: the form people read and claim forms print.
pub fn dotted(code: &str) -> String {
    let code = normalize(code);
    match code.get(3..) {
        Some(rest) if !rest.is_empty() => format!("{}.{}", &code[..3], rest),
        _ => code,
    }
}

/// Fields borrow from the embedded table (no copy of ~100k lines at
/// start-up) and own their text when read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Without the dot, upper case.
    pub code: Cow<'static, str>,
    pub billable: bool,
    pub description: Cow<'static, str>,
}

impl Entry {
    pub fn dotted(&self) -> String {
        dotted(&self.code)
    }
}

/// One release of the code set, valid for dates of service
/// `valid_from..=valid_to`.
#[derive(Debug, Clone)]
pub struct Release {
    pub name: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    /// The tabular XML file the table was derived from.
    pub source: String,
    /// Sorted by code, so that a header's descendants are one contiguous
    /// run (ICD-10-CM is hierarchical by prefix).
    pub entries: Vec<Entry>,
}

impl Release {
    /// Parses a table written by `import::import_tabular`; `origin` names the
    /// file in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Release> {
        Release::parse_with(text, origin, |s| Cow::Owned(s.to_string()))
    }

    /// `parse` for text that lives forever (the embedded table): entries
    /// borrow from it.
    pub fn parse_static(text: &'static str, origin: &str) -> Result<Release> {
        Release::parse_with(text, origin, Cow::Borrowed)
    }

    fn parse_with<'t>(
        text: &'t str,
        origin: &str,
        keep: impl Fn(&'t str) -> Cow<'static, str>,
    ) -> Result<Release> {
        let bad = |line: usize, msg: String| Error::config(origin, format!("line {line}: {msg}"));
        let (mut name, mut from, mut to, mut source, mut count) = (None, None, None, None, None);
        let mut entries = Vec::with_capacity(text.len() / 80);
        for (i, line) in text.lines().enumerate() {
            if let Some(meta) = line.strip_prefix('#') {
                let Some((key, value)) = meta.split_once(':') else {
                    continue;
                };
                let value = value.trim();
                let date = || {
                    NaiveDate::parse_from_str(value, "%Y-%m-%d")
                        .map_err(|_| bad(i + 1, format!("{value} is not a YYYY-MM-DD date")))
                };
                match key.trim() {
                    "name" => name = Some(value.to_string()),
                    "valid_from" => from = Some(date()?),
                    "valid_to" => to = Some(date()?),
                    "source" => source = Some(value.to_string()),
                    "count" => count = value.parse::<usize>().ok(),
                    _ => {}
                }
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
            let mut fields = line.splitn(3, '\t');
            let (Some(code), Some(kind), Some(description)) =
                (fields.next(), fields.next(), fields.next())
            else {
                return Err(bad(i + 1, "expected CODE<TAB>B|H<TAB>description".into()));
            };
            let billable = match kind {
                "B" => true,
                "H" => false,
                other => return Err(bad(i + 1, format!("'{other}' is neither B nor H"))),
            };
            entries.push(Entry {
                // Tables are written normalized; only hand edits need the work.
                code: if code
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                {
                    keep(code)
                } else {
                    Cow::Owned(normalize(code))
                },
                billable,
                description: keep(description.trim_end()),
            });
        }
        let missing = |key: &str| Error::config(origin, format!("missing '# {key}:' line"));
        let mut release = Release {
            name: name.ok_or_else(|| missing("name"))?,
            valid_from: from.ok_or_else(|| missing("valid_from"))?,
            valid_to: to.ok_or_else(|| missing("valid_to"))?,
            source: source.unwrap_or_default(),
            entries,
        };
        let got = release.entries.len();
        if let Some(n) = count.filter(|n| *n != got) {
            let msg = format!("'# count: {n}' but {got} codes (truncated?)");
            return Err(Error::config(origin, msg));
        }
        // A hand-edited table may be out of order; lookups need it sorted.
        if !release.entries.windows(2).all(|w| w[0].code < w[1].code) {
            release.entries.sort_by(|a, b| a.code.cmp(&b.code));
            if let Some(w) = release.entries.windows(2).find(|w| w[0].code == w[1].code) {
                let msg = format!("code {} appears twice", w[0].code);
                return Err(Error::config(origin, msg));
            }
        }
        Ok(release)
    }

    pub fn covers(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && date <= self.valid_to
    }

    pub fn get(&self, code: &str) -> Option<&Entry> {
        let code = normalize(code);
        self.entries
            .binary_search_by(|e| e.code.as_ref().cmp(code.as_str()))
            .ok()
            .map(|i| &self.entries[i])
    }

    /// All entries whose code starts with `prefix` (normalized), in order.
    fn with_prefix(&self, prefix: &str) -> &[Entry] {
        let start = self.entries.partition_point(|e| e.code.as_ref() < prefix);
        let len = self.entries[start..].partition_point(|e| e.code.starts_with(prefix));
        &self.entries[start..start + len]
    }

    /// Billable/header/absent as far as this release knows, whatever its dates.
    pub fn check(&self, code: &str) -> Check<'_> {
        let code = normalize(code);
        match self.get(&code) {
            Some(entry) if entry.billable => Check::Billable {
                entry,
                release: self,
            },
            Some(entry) => Check::Header {
                entry,
                release: self,
                billable_children: self
                    .with_prefix(&code)
                    .iter()
                    .filter(|e| e.billable)
                    .collect(),
            },
            None => Check::Absent {
                release: self,
                suggestions: self.suggest(&code),
            },
        }
    }

    /// Billable codes under the longest prefix of `code` that exists, e.g.
    /// F41.2 -> F41.0, F41.1, F41.3, ... Stops at the 3-character category:
    /// below that, codes share a chapter letter, not a meaning.
    fn suggest(&self, code: &str) -> Vec<&Entry> {
        let mut end = code.len();
        while end >= 3 {
            // Codes are ASCII; a non-ASCII input has no prefix to offer.
            let Some(prefix) = code.get(..end) else {
                return Vec::new();
            };
            let found = self.with_prefix(prefix);
            if !found.is_empty() {
                return found
                    .iter()
                    .filter(|e| e.billable)
                    .take(MAX_SUGGESTIONS)
                    .collect();
            }
            end -= 1;
        }
        Vec::new()
    }

    /// Every word must appear in the description (case-insensitive) or be
    /// the start of the code; billable codes first, then by code.
    pub fn search(&self, words: &str, limit: usize) -> Vec<&Entry> {
        let words: Vec<(String, String)> = words
            .split_whitespace()
            .map(|w| (w.to_lowercase(), normalize(w)))
            .collect();
        if words.is_empty() {
            return Vec::new();
        }
        let mut found: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| {
                let desc = e.description.to_lowercase();
                words
                    .iter()
                    .all(|(w, as_code)| desc.contains(w) || e.code.starts_with(as_code))
            })
            .collect();
        // Stable sort keeps code order within each group.
        found.sort_by_key(|e| !e.billable);
        found.truncate(limit);
        found
    }

    fn label(&self) -> String {
        format!(
            "ICD-10-CM {}, valid {} to {}",
            self.name, self.valid_from, self.valid_to
        )
    }
}

/// The answer to "may I bill this code on this date?".
#[derive(Debug)]
pub enum Check<'a> {
    Billable {
        entry: &'a Entry,
        release: &'a Release,
    },
    /// A category or subcategory: a claim needs one of its billable
    /// descendants (all of them, sorted; callers show the first few).
    Header {
        entry: &'a Entry,
        release: &'a Release,
        billable_children: Vec<&'a Entry>,
    },
    /// Not a code in this release; up to five billable codes sharing the
    /// longest prefix.
    Absent {
        release: &'a Release,
        suggestions: Vec<&'a Entry>,
    },
    /// No loaded release covers the date: callers warn and name the release
    /// to import. `verdict` is the nearest release's answer, usually still
    /// right since most codes survive from one release to the next.
    NoRelease {
        nearest: &'a Release,
        verdict: Box<Check<'a>>,
    },
}

impl<'a> Check<'a> {
    /// The answer itself, looking through `NoRelease`.
    pub fn verdict(&self) -> &Check<'a> {
        match self {
            Check::NoRelease { verdict, .. } => verdict,
            other => other,
        }
    }

    pub fn is_billable(&self) -> bool {
        matches!(self.verdict(), Check::Billable { .. })
    }

    pub fn entry(&self) -> Option<&'a Entry> {
        match self.verdict() {
            Check::Billable { entry, .. } | Check::Header { entry, .. } => Some(entry),
            _ => None,
        }
    }
}

/// The releases the program knows: the embedded ones plus a practice's.
#[derive(Debug, Clone)]
pub struct CodeSet {
    /// Borrowed for the embedded releases so `load` does not copy ~100k
    /// entries per release.
    releases: Vec<Cow<'static, Release>>,
}

impl CodeSet {
    /// The releases built into the binary, parsed once on first use.
    pub fn embedded() -> &'static CodeSet {
        static RELEASES: OnceLock<Vec<Release>> = OnceLock::new();
        static SET: OnceLock<CodeSet> = OnceLock::new();
        SET.get_or_init(|| {
            let releases = RELEASES.get_or_init(|| {
                EMBEDDED
                    .iter()
                    .map(|t| {
                        Release::parse_static(t, "embedded ICD-10-CM table")
                            .expect("embedded table")
                    })
                    .collect()
            });
            CodeSet {
                releases: releases.iter().map(Cow::Borrowed).collect(),
            }
        })
    }

    /// The embedded releases plus every `*.tsv` in `dir` (a practice's or
    /// project's `codes/icd10cm/`); a file with an embedded release's name
    /// replaces it. A missing directory just means no extra releases.
    pub fn load(dir: &Path) -> Result<CodeSet> {
        let mut set = CodeSet::embedded().clone();
        let listing = match std::fs::read_dir(dir) {
            Ok(listing) => listing,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(set),
            Err(e) => return Err(Error::io(dir, e)),
        };
        let mut paths = Vec::new();
        for item in listing {
            let path = item.map_err(|e| Error::io(dir, e))?.path();
            if path.extension().is_some_and(|x| x == "tsv") {
                paths.push(path);
            }
        }
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            set.add(Release::parse(&text, &path.display().to_string())?);
        }
        Ok(set)
    }

    /// Adds a release, replacing one of the same name.
    pub fn add(&mut self, release: Release) {
        self.releases.retain(|r| r.name != release.name);
        self.releases.push(Cow::Owned(release));
    }

    pub fn releases(&self) -> impl Iterator<Item = &Release> {
        self.releases.iter().map(|r| r.as_ref())
    }

    /// The release covering `date`; the newest (latest start) if several
    /// overlap, since an April update amends the October release.
    pub fn release_for(&self, date: NaiveDate) -> Option<&Release> {
        self.releases()
            .filter(|r| r.covers(date))
            .max_by_key(|r| r.valid_from)
    }

    /// The covering release, else the one whose validity ends or starts
    /// closest to `date` (the newer one on a tie).
    pub fn nearest_release(&self, date: NaiveDate) -> &Release {
        if let Some(r) = self.release_for(date) {
            return r;
        }
        let distance = |r: &Release| {
            let gap = if date < r.valid_from {
                r.valid_from - date
            } else {
                date - r.valid_to
            };
            gap.num_days()
        };
        self.releases()
            .min_by_key(|r| (distance(r), std::cmp::Reverse(r.valid_from)))
            .expect("a code set always has the embedded release")
    }

    pub fn check(&self, code: &str, date: NaiveDate) -> Check<'_> {
        match self.release_for(date) {
            Some(release) => release.check(code),
            None => {
                let nearest = self.nearest_release(date);
                Check::NoRelease {
                    nearest,
                    verdict: Box::new(nearest.check(code)),
                }
            }
        }
    }

    /// The code's description in the release for `date` (or the nearest).
    pub fn describe(&self, code: &str, date: NaiveDate) -> Option<&str> {
        let entry = self.nearest_release(date).get(code)?;
        Some(entry.description.as_ref())
    }

    /// Searches the release in force on `date` (or the nearest one).
    pub fn search(&self, words: &str, date: NaiveDate, limit: usize) -> Vec<&Entry> {
        self.nearest_release(date).search(words, limit)
    }
}

/// The release in force on `date`: each starts October 1 (fiscal year =
/// next calendar year), sometimes amended by an April 1 update.
pub fn release_to_import(date: NaiveDate) -> String {
    let fy = if date.month() >= 10 {
        date.year() + 1
    } else {
        date.year()
    };
    let april = if (4..=9).contains(&date.month()) {
        " (or its April update)"
    } else {
        ""
    };
    format!("FY{fy}{april}")
}

#[cfg(test)]
mod tests;
