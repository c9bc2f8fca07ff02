//! `superbill batch`

use crate::batch::{self, BatchOptions, Report};
use crate::cli::BatchArgs;
use crate::error::{Error, Result};
use crate::findings::Findings;
use crate::validate::Period;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

pub fn run(args: &BatchArgs) -> Result<i32> {
    let started = Instant::now();
    let period = Period::month(&args.period).map_err(Error::Usage)?;
    let jobs = match args.jobs {
        Some(0) => return Err(Error::Usage("--jobs must be at least 1".into())),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let mut findings = Findings::default();
    let loaded = super::load(&args.practice.practice, &mut findings)?;
    let opts = BatchOptions {
        period,
        as_of: super::as_of(&args.practice),
        out: args.out.clone(),
        dry_run: args.dry_run,
        jobs,
    };
    let bar = progress_bar(args);
    let report = batch::run(&loaded, findings, &opts, &|done, total| {
        match &bar {
            Some(b) => {
                b.set_length(total as u64);
                b.set_position(done as u64);
                // indicatif's own rate prints four decimals; whole numbers read better.
                let secs = b.elapsed().as_secs_f64().max(1e-3);
                b.set_message(format!("{:.0}/s", done as f64 / secs));
            }
            None => {
                // Plain lines for logs: about ten per run.
                if done == total || done % (total / 10).max(1) == 0 {
                    eprintln!("rendered {done}/{total} superbills");
                }
            }
        }
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    print_report(&report, &opts, started);
    // Any error counts, not only rejected rows: a provider's missing
    // license rejects no row but still has to be fixed.
    Ok(if report.findings.has_errors() { 1 } else { 0 })
}

fn progress_bar(args: &BatchArgs) -> Option<ProgressBar> {
    if args.no_progress || args.dry_run || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} rendering [{bar:30}] {pos}/{len} superbills  {msg}  eta {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    Some(bar)
}

fn print_report(r: &Report, opts: &BatchOptions, started: Instant) {
    println!(
        "{:<14} {:>8} {:>8} {:>8} {:>9}",
        "input", "read", "billed", "skipped", "rejected"
    );
    for c in &r.rows {
        println!(
            "{:<14} {:>8} {:>8} {:>8} {:>9}",
            c.file, c.read, c.billed, c.skipped, c.rejected
        );
    }
    let total = |f: fn(&batch::RowCount) -> usize| r.rows.iter().map(f).sum::<usize>();
    println!(
        "rows read {} = billed {} + skipped {} + rejected {}",
        total(|c| c.read),
        total(|c| c.billed),
        total(|c| c.skipped),
        total(|c| c.rejected)
    );
    println!();
    let w = r.findings.warnings();
    if r.findings.has_errors() {
        print!(
            "{}",
            super::summary::grouped(
                &Findings {
                    items: r
                        .findings
                        .items
                        .iter()
                        .filter(|f| f.severity == crate::findings::Severity::Error)
                        .cloned()
                        .collect()
                },
                false
            )
        );
        println!();
    }
    let rows = [
        ("patients", r.patients.to_string()),
        ("superbills", r.superbills.to_string()),
        ("service lines", r.lines.to_string()),
        ("charged", r.charged.display()),
        ("paid", r.paid.display()),
        ("balance due", r.balance.display()),
        ("patient credit", r.credit.display()),
        ("rejected rows", r.rejected_rows().to_string()),
        ("warnings", w.to_string()),
        (
            "elapsed",
            format!("{:.2}s", started.elapsed().as_secs_f64()),
        ),
    ];
    let peak = peak_memory_mb().map(|mb| ("peak memory", format!("{mb} MB")));
    for (k, v) in rows.into_iter().chain(peak) {
        println!("{k:<16} {v:>14}");
    }
    let changed = r.files.iter().filter(|f| f.1).count();
    println!();
    if opts.dry_run {
        println!(
            "Dry run: would write {} file(s) under {} ({} new or changed); nothing was written.",
            r.files.len(),
            opts.out.display(),
            changed
        );
        for (name, c) in &r.files {
            println!("  {} {name}", if *c { "write" } else { "same " });
        }
    } else {
        println!(
            "Wrote {} of {} file(s) under {} ({} unchanged).",
            changed,
            r.files.len(),
            opts.out.display(),
            r.files.len() - changed
        );
        if r.findings.has_errors() {
            println!(
                "Errors (and the rows they rejected) are listed in {}: fix them and run the batch again.",
                opts.out.join("rejects.csv").display()
            );
        }
    }
    if w > 0 {
        println!(
            "{w} warning{} (nothing was rejected for them): `superbill validate --period {}` lists them.",
            super::summary::plural(w),
            opts.period.from.format("%Y-%m")
        );
    }
}

/// Peak resident memory of this process (Linux; None elsewhere).
fn peak_memory_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.div_ceil(1024))
}
