//! `superbill validate`

use crate::atomic;
use crate::cli::ValidateArgs;
use crate::error::{Error, Result};
use crate::export;
use crate::findings::Findings;
use crate::validate::{self, Options, Period};

pub fn run(args: &ValidateArgs) -> Result<i32> {
    let period = args
        .period
        .as_deref()
        .map(Period::month)
        .transpose()
        .map_err(Error::Usage)?;
    let mut findings = Findings::default();
    let loaded = super::load(&args.practice.practice, &mut findings)?;
    let opts = Options {
        as_of: super::as_of(&args.practice),
        period,
    };
    validate::run(
        &loaded.inputs,
        &loaded.catalog,
        &loaded.icd,
        &opts,
        &mut findings,
    );

    let inputs = &loaded.inputs;
    println!(
        "Checked {} patients, {} sessions, {} payments in {}{}.",
        inputs.rows[0].lines.len(),
        inputs.rows[1].lines.len(),
        inputs.rows[2].lines.len(),
        args.practice.practice.display(),
        period
            .map(|p| format!(" (sessions dated {} to {})", p.from, p.to))
            .unwrap_or_default()
    );
    if let Some(path) = &args.report {
        atomic::write(path, &export::findings_csv(&findings.items))?;
    }
    print!("{}", super::summary::grouped(&findings, args.verbose));
    let (e, w) = (findings.errors(), findings.warnings());
    if e == 0 {
        println!(
            "OK: no errors, {w} warning{}. Ready for `superbill batch`.",
            super::summary::plural(w)
        );
    } else {
        println!(
            "{e} error{} and {w} warning{}. Fix the errors (each names file, line and the fix) and run validate again{}.",
            super::summary::plural(e),
            super::summary::plural(w),
            if args.report.is_none() { "; --report FILE writes them all as CSV" } else { "" }
        );
    }
    Ok(if e == 0 { 0 } else { 1 })
}
