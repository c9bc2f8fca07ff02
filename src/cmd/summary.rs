//! Printing findings for people: grouped by kind of problem, worst first,
//! with file:line so an editor can jump there.

use crate::findings::{Finding, Findings, Severity};
use std::collections::BTreeMap;
use std::fmt::Write;

/// How many findings of one kind to show before "... and N more".
const SHOWN_PER_KIND: usize = 5;

pub fn grouped(findings: &Findings, verbose: bool) -> String {
    let mut groups: BTreeMap<(Severity, &str), Vec<&Finding>> = BTreeMap::new();
    for f in &findings.items {
        groups.entry((f.severity, f.code)).or_default().push(f);
    }
    let mut order: Vec<_> = groups.into_iter().collect();
    // Errors first; root causes before the findings they cause; then the
    // most frequent kinds.
    order.sort_by_key(|((sev, code), items)| {
        (
            *sev,
            crate::findings::rank(code),
            std::cmp::Reverse(items.len()),
            *code,
        )
    });
    let mut out = String::new();
    for ((sev, code), items) in order {
        let _ = writeln!(
            out,
            "{sev}: {code} ({} finding{})",
            items.len(),
            plural(items.len())
        );
        let shown = if verbose { items.len() } else { SHOWN_PER_KIND };
        for f in items.iter().take(shown) {
            let place = if f.line > 0 {
                format!("{}:{}", f.file, f.line)
            } else {
                f.file.clone()
            };
            let id = if f.record_id.is_empty() {
                String::new()
            } else {
                format!(" [{}]", f.record_id)
            };
            let field = if f.field.is_empty() {
                String::new()
            } else {
                format!(" {}:", f.field)
            };
            let _ = writeln!(out, "  {place}{id}{field} {}", f.message);
        }
        if items.len() > shown {
            let _ = writeln!(
                out,
                "  ... and {} more (see --report, or -v)",
                items.len() - shown
            );
        }
    }
    out
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
