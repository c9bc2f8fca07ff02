//! `superbill validate`

use crate::atomic;
use crate::cli::ValidateArgs;
use crate::error::{Error, Result};
use crate::export;
use crate::findings::Findings;
use crate::shell;
use crate::validate::{Options, Period};
use serde_json::json;

pub fn run(args: &ValidateArgs) -> Result<i32> {
    let period = args
        .period
        .as_deref()
        .map(Period::month)
        .transpose()
        .map_err(Error::Usage)?;
    let mut findings = Findings::default();
    let dir = &args.practice.practice;
    let loaded = crate::practice::load(dir, &mut findings)?;
    let as_of = super::as_of(&args.practice);
    let opts = Options {
        as_of,
        period,
        filing_warnings: true,
    };
    crate::preflight::run(
        &loaded.inputs,
        &loaded.catalog,
        &loaded.icd,
        period.as_ref(),
        &mut findings,
    );
    loaded.validate(&opts, &mut findings);
    loaded.inputs.name_sources(&mut findings);
    if let Some(path) = &args.report {
        atomic::write(path, &export::findings_csv(&findings.items))?;
    }
    let inputs = &loaded.inputs;
    let counts = [
        inputs.rows[0].lines.len(),
        inputs.rows[1].lines.len(),
        inputs.rows[2].lines.len(),
    ];
    let (e, w) = (findings.errors(), findings.warnings());
    let code = if e == 0 { 0 } else { 1 };
    // The month to suggest for the batch: the one checked, else the
    // latest month the sessions cover.
    let month = period
        .map(|p| p.from)
        .or_else(|| inputs.sessions.iter().map(|s| s.date).max());
    let next = month.map(|m| {
        let m = m.format("%Y-%m");
        format!(
            "superbill batch --practice {} --period {m} --out {}",
            shell::path(dir),
            shell::quote(&format!("out/{m}"))
        )
    });
    if args.output.json {
        super::json::print(&json!({
            "command": "validate",
            "ok": e == 0,
            "exit_code": code,
            "practice": dir,
            "period": period.map(|p| json!({"from": p.from, "to": p.to})),
            "as_of": as_of,
            "rows": {"patients": counts[0], "sessions": counts[1], "payments": counts[2]},
            "errors": e,
            "warnings": w,
            "findings": super::json::findings(&findings.items),
            "report": args.report,
            "next": if e == 0 { next } else { None },
        }));
        return Ok(code);
    }
    if !args.output.quiet {
        println!(
            "Checked {} patients, {} sessions, {} payments in {}{}.",
            counts[0],
            counts[1],
            counts[2],
            dir.display(),
            period
                .map(|p| format!(" (sessions dated {} to {})", p.from, p.to))
                .unwrap_or_default()
        );
    }
    print!("{}", super::summary::grouped(&findings, args.verbose));
    if e == 0 {
        if !args.output.quiet {
            let next = next.map(|n| format!(" Next: `{n}`")).unwrap_or_default();
            println!(
                "OK: no errors, {w} warning{}.{next}",
                super::summary::plural(w)
            );
        }
    } else {
        let report = if args.report.is_none() {
            format!(
                "; `superbill validate --practice {}{} --report problems.csv` writes them all as CSV",
                shell::path(dir),
                period
                    .map(|p| format!(" --period {}", p.from.format("%Y-%m")))
                    .unwrap_or_default()
            )
        } else {
            String::new()
        };
        println!(
            "{e} error{} and {w} warning{}. Fix the errors (each names file, line and the fix) and run validate again{report}.",
            super::summary::plural(e),
            super::summary::plural(w),
        );
    }
    Ok(code)
}
