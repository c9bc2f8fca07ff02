//! What `superbill codes lookup` and `superbill codes search` print: the
//! code sets' answers as text for a person at the front desk, with the
//! release that answered and what to import when no release covers the
//! date.

use super::{dotted, release_to_import, Check, CodeSet, Entry, Release, CDC_FILES};
use chrono::NaiveDate;

/// How many billable children `lookup_text` lists before summarising.
const SHOWN_CHILDREN: usize = 12;

impl CodeSet {
    /// What `superbill codes lookup CODE` prints for a date of service on
    /// `date` (the CLI passes today unless told otherwise).
    pub fn lookup_text(&self, code: &str, date: NaiveDate) -> String {
        let check = self.check(code, date);
        let mut out = String::new();
        if let Check::NoRelease { nearest, .. } = &check {
            out.push_str(&no_release_warning(date, nearest));
        }
        let line = |e: &Entry| format!("  {:<9} {}\n", e.dotted(), e.description);
        let release = match check.verdict() {
            Check::Billable { entry, release } => {
                out.push_str(&format!(
                    "{} {} — billable\n",
                    entry.dotted(),
                    entry.description
                ));
                release
            }
            Check::Header {
                entry,
                release,
                billable_children,
            } => {
                out.push_str(&format!(
                    "{} {} — header, not billable; choose one of:\n",
                    entry.dotted(),
                    entry.description
                ));
                for e in billable_children.iter().take(SHOWN_CHILDREN) {
                    out.push_str(&line(e));
                }
                if billable_children.len() > SHOWN_CHILDREN {
                    out.push_str(&format!(
                        "  ... and {} more; look up a more specific code to narrow\n",
                        billable_children.len() - SHOWN_CHILDREN
                    ));
                }
                release
            }
            Check::Absent {
                release,
                suggestions,
            } => {
                out.push_str(&format!("{} is not an ICD-10-CM code", dotted(code)));
                if suggestions.is_empty() {
                    out.push_str(
                        "; find it by words from its description, e.g. `superbill codes search major depressive`\n",
                    );
                } else {
                    out.push_str("; codes nearby:\n");
                    for e in suggestions {
                        out.push_str(&line(e));
                    }
                }
                release
            }
            Check::NoRelease { nearest, .. } => nearest,
        };
        out.push_str(&format!(
            "(answered by {} for a date of service on {date})\n",
            release.label()
        ));
        out
    }

    /// What `superbill codes search WORDS` prints, searching the release
    /// in force on `date`.
    pub fn search_text(&self, words: &str, date: NaiveDate, limit: usize) -> String {
        let mut out = String::new();
        let release = match self.release_for(date) {
            Some(r) => r,
            None => {
                let nearest = self.nearest_release(date);
                out.push_str(&no_release_warning(date, nearest));
                nearest
            }
        };
        let found = release.search(words, limit);
        if found.is_empty() {
            out.push_str(&format!("no ICD-10-CM code matches '{}'\n", words.trim()));
        }
        for e in &found {
            let kind = if e.billable { "billable" } else { "header" };
            out.push_str(&format!(
                "{:<9} {:<8} {}\n",
                e.dotted(),
                kind,
                e.description
            ));
        }
        if found.len() == limit {
            out.push_str(&format!("(first {limit} matches; add words to narrow)\n"));
        }
        out.push_str(&format!("({})\n", release.label()));
        out
    }
}

fn no_release_warning(date: NaiveDate, nearest: &Release) -> String {
    let release = release_to_import(date);
    let fy: String = release.chars().skip(2).take(4).collect();
    let file = format!("icd10cm-tabular-{fy}.xml");
    format!(
        "warning: no loaded ICD-10-CM release covers {date}; answering from {} ({} to {}). \
         Import the {release} release: the CDC publishes it at {} (tabular XML {file}), \
         then run `superbill codes import-icd10cm {file}`.\n",
        nearest.name, nearest.valid_from, nearest.valid_to, CDC_FILES,
    )
}
