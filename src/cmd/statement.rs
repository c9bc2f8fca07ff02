//! `superbill statement --year YYYY`: each patient's year-end statement.

use crate::atomic;
use crate::manifest::{sha256_hex, Manifest};
use crate::outdir::{self, Identity, OutDir, MANIFEST_FILE};
use std::collections::BTreeSet;

/// The statements' table, beside the PDFs.
const CSV_FILE: &str = "statements.csv";
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
    // The statements' folder follows the batch's rules: never the practice
    // folder, one run at a time (locked), one practice and one year per
    // folder, and only files this command wrote are replaced or removed
    // (its manifest.json lists them).
    outdir::check_overlap(&args.out, practice)?;
    let mut out = OutDir::open(&args.out, false)?;
    let loaded = crate::practice::load(practice, &mut findings)?;
    let me = Identity {
        practice: crate::batch::practice_id(&loaded.inputs.practice),
        period: format!("statements-{}", args.year),
        period_text: format!("statements-{}", args.year),
    };
    out.check_identity(&me)?;
    let outcome = statement::statements(&loaded, args.year, as_of);
    if outcome.statements.is_empty() && outcome.held.is_empty() {
        return Err(Error::Usage(format!(
            "no patient has a billed service or a payment in {} (as of {as_of})",
            args.year
        )));
    }
    let renderer = Renderer::new(&crate::practice::render_options(&loaded))?;
    let file_of = |number: &str| renderer.file_name(number);
    let mut names: BTreeSet<String> = outcome
        .statements
        .iter()
        .map(|st| renderer.file_name(&st.number))
        .collect();
    names.insert(CSV_FILE.to_string());
    names.insert(MANIFEST_FILE.to_string());
    out.claim(&names, &me)?;
    let mut manifest = Manifest {
        tool: "superbill".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        period: me.period.clone(),
        practice: me.practice.clone(),
        icd10cm_releases: Vec::new(),
        inputs: crate::batch::input_hashes(practice)?,
        ..Manifest::default()
    };
    let mut written = 0;
    for st in &outcome.statements {
        let name = renderer.file_name(&st.number);
        let pdf = renderer.render(st)?;
        if atomic::write_if_changed(&out.path.join(&name), &pdf)? {
            written += 1;
        }
        manifest.outputs.insert(name, sha256_hex(&pdf));
    }
    let csv = statement::csv(&outcome, &file_of);
    atomic::write_if_changed(&out.path.join(CSV_FILE), &csv)?;
    manifest
        .outputs
        .insert(CSV_FILE.to_string(), sha256_hex(&csv));
    // A statement of an earlier run that is now held (or gone) goes.
    out.remove_stale(&names)?;
    atomic::write_if_changed(&out.path.join(MANIFEST_FILE), &manifest.to_json())?;
    out.finish();
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
