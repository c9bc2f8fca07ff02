//! `superbill statement --year YYYY`: each patient's year-end statement.

use crate::atomic;
use crate::cli::StatementArgs;
use crate::error::{Error, Result};
use crate::findings::Findings;
use crate::render::{statement::Renderer, Document};
use crate::statement;

pub fn run(args: &StatementArgs) -> Result<i32> {
    if !(1900..=9999).contains(&args.year) {
        return Err(Error::Usage(format!(
            "--year {} is not a calendar year: use e.g. --year 2026",
            args.year
        )));
    }
    let as_of = super::as_of(&args.practice);
    let mut findings = Findings::default();
    let practice = &args.practice.practice;
    if overlaps(practice, &args.out) {
        return Err(Error::Usage(format!(
            "--out {} overlaps the practice folder: write the statements somewhere else, e.g. --out statements-{}",
            args.out.display(),
            args.year
        )));
    }
    let loaded = crate::practice::load(practice, &mut findings)?;
    let outcome = statement::statements(&loaded, args.year, as_of);
    if outcome.statements.is_empty() && outcome.held.is_empty() {
        return Err(Error::Usage(format!(
            "no patient has a billed service or a payment in {} (as of {as_of})",
            args.year
        )));
    }
    let renderer = Renderer::new(&crate::practice::render_options(&loaded))?;
    atomic::create_private_dir(&args.out)?;
    let mut written = 0;
    for st in &outcome.statements {
        let pdf = renderer.render(st)?;
        if atomic::write_if_changed(&args.out.join(renderer.file_name(&st.number)), &pdf)? {
            written += 1;
        }
    }
    let file_of = |number: &str| format!("{number}.pdf");
    atomic::write(
        &args.out.join("statements.csv"),
        &statement::csv(&outcome, &file_of),
    )?;
    let n = outcome.statements.len();
    println!(
        "Wrote {n} statement{} for {} to {} ({written} new or changed) and statements.csv.",
        super::summary::plural(n),
        args.year,
        args.out.display()
    );
    for h in &outcome.held {
        println!(
            "Held {} (patient {}): {}",
            h.number,
            h.patient_id,
            h.reasons.join("; ")
        );
    }
    if !outcome.held.is_empty() {
        println!(
            "A held statement would add up rows with errors: fix them (`superbill validate --practice {}`) and run again.",
            crate::shell::path(practice)
        );
        return Ok(1);
    }
    Ok(0)
}

/// Whether `out` is, is inside, or holds the practice folder.
fn overlaps(practice: &std::path::Path, out: &std::path::Path) -> bool {
    let abs = |p: &std::path::Path| {
        std::fs::canonicalize(p).unwrap_or_else(|_| {
            std::env::current_dir()
                .map(|d| d.join(p))
                .unwrap_or_else(|_| p.to_path_buf())
        })
    };
    let (a, b) = (abs(practice), abs(out));
    a.starts_with(&b) || b.starts_with(&a)
}
