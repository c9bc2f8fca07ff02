//! `superbill batch`

use super::progress::Progress;
use crate::batch::{self, BatchOptions, Report};
use crate::cli::BatchArgs;
use crate::error::{Error, Result};
use crate::findings::{Findings, Severity};
use crate::outdir::{self, OutDir};
use crate::shard::Shards;
use crate::shell;
use crate::validate::Period;
use indicatif::ProgressDrawTarget;
use serde_json::json;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

pub fn run(args: &BatchArgs) -> Result<i32> {
    execute(args, None)
}

/// The batch; or, given the shard folders of a sharded batch, their merge:
/// the same run, with every document taken from the shard that rendered it.
pub(super) fn execute(args: &BatchArgs, shards: Option<Shards>) -> Result<i32> {
    let started = Instant::now();
    let period = Period::month(&args.period).map_err(Error::Usage)?;
    let jobs = match args.jobs {
        Some(0) => return Err(Error::Usage("--jobs must be at least 1".into())),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let out = &args.output;
    let talk = !out.json && !out.quiet;
    let bar = talk && !args.no_progress && !args.dry_run && std::io::stderr().is_terminal();
    let progress = if talk {
        Progress::new(bar, true, ProgressDrawTarget::stderr())
    } else {
        Progress::hidden()
    };
    // Set before the folder is opened: from then on Ctrl-C ends the run
    // through the clean-up path, never half-way through creating it.
    let cancel = Arc::new(AtomicBool::new(false));
    on_interrupt(cancel.clone());
    // Before anything is written, and before the practice is read: an
    // output folder that overlaps the inputs, or that another batch holds.
    if let Some(into) = &args.merge_into {
        if outdir::resolve(into)? == outdir::resolve(&args.out)? {
            return Err(Error::Usage(format!(
                "--merge-into {} is this shard's --out: name the folder `superbill merge --out` will write, another than the shards' folders",
                into.display()
            )));
        }
    }
    let dir = match outdir::check_overlap(&args.out, &args.practice.practice)
        .and_then(|()| OutDir::open(&args.out, args.dry_run))
    {
        Ok(d) => d,
        Err(e) => {
            progress.finish();
            return Err(e);
        }
    };
    let mut findings = Findings::default();
    // Read with `--jobs` threads too: the practice's files side by side.
    let loaded = batch::workers(jobs).and_then(|pool| {
        pool.install(|| crate::practice::load(&args.practice.practice, &mut findings))
    });
    let loaded = match loaded {
        Ok(l) => l,
        Err(e) => {
            progress.finish();
            return Err(e);
        }
    };
    let opts = BatchOptions {
        period,
        as_of: super::as_of(&args.practice),
        out: args.out.clone(),
        dry_run: args.dry_run,
        jobs,
        // A merge adds the documents the shards added, as they printed them.
        extras: match &shards {
            Some(s) => s.info().documents,
            None => super::extras(&args.documents, &loaded)?,
        },
        partial: args.partial,
        cancel,
        shard: args.shard,
        from_shards: shards,
        merge_into: args.merge_into.clone(),
    };
    let report = batch::run(&loaded, findings, &opts, dir, &|done, total| {
        progress.update(done, total)
    });
    progress.finish();
    let report = report?;
    // Any error counts, not only rejected rows: a provider's missing
    // license rejects no row but still has to be fixed.
    let code = if report.findings.has_errors() { 1 } else { 0 };
    let hints = hints(&report, args, &opts);
    if out.json {
        super::json::print(&to_json(&report, args, &opts, &hints, code, started));
    } else if out.quiet {
        print_problems(&report);
        print_issues(&report, &opts, true);
        for h in hints.iter().filter(|h| h.problem) {
            println!("{}", h.text);
        }
    } else {
        print_report(&report, &opts, started);
        for h in &hints {
            println!("{}", h.text);
        }
    }
    // The process ends now: the system takes back a million sessions'
    // records at once, where freeing them one by one took seconds.
    std::mem::forget(report);
    std::mem::forget(loaded);
    Ok(code)
}

/// Ctrl-C (or SIGTERM) asks the batch to stop at the next superbill: it
/// removes its temp files and exits 130. A second Ctrl-C ends it at once
/// (a re-run sweeps what is left).
fn on_interrupt(cancel: Arc<AtomicBool>) {
    let _ = ctrlc::set_handler(move || {
        if cancel.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
}

struct Hint {
    text: String,
    /// Shown with --quiet too.
    problem: bool,
}

/// The command that re-runs this batch, ready to paste.
fn again(args: &BatchArgs, opts: &BatchOptions) -> String {
    format!(
        "superbill batch --practice {} --period {} --out {}{}{}",
        shell::path(&args.practice.practice),
        opts.period.from.format("%Y-%m"),
        shell::path(&opts.out),
        as_of_arg(args),
        opts.shard
            .map(|s| format!(" --shard {s}"))
            .unwrap_or_default()
    )
}

fn as_of_arg(args: &BatchArgs) -> String {
    args.practice
        .as_of
        .map(|d| format!(" --as-of {d}"))
        .unwrap_or_default()
}

fn hints(r: &Report, args: &BatchArgs, opts: &BatchOptions) -> Vec<Hint> {
    let mut out = Vec::new();
    let practice = shell::path(&args.practice.practice);
    let month = opts.period.from.format("%Y-%m").to_string();
    if r.superbills == 0 && r.sessions_in_period == 0 && !r.months.is_empty() {
        let latest = r.months.last().expect("not empty");
        let covered = if r.months.len() <= 6 {
            r.months.join(", ")
        } else {
            format!("{} months from {} to {latest}", r.months.len(), r.months[0])
        };
        out.push(Hint {
            text: format!(
                "No session in sessions.csv is dated in {month}: the data covers {covered}. For the latest month: `superbill batch --practice {practice} --period {latest} --out {}{}`",
                shell::quote(&format!("out/{latest}")),
                as_of_arg(args)
            ),
            problem: true,
        });
    }
    if r.findings.has_errors() && !opts.dry_run && opts.shard.is_none() {
        out.push(Hint {
            text: format!(
                "Errors (and the rows they rejected) are listed in {}: fix them and run `{}` again.",
                opts.out.join("rejects.csv").display(),
                match &opts.from_shards {
                    // The shards render from the data: they run again first.
                    Some(s) => format!(
                        "superbill batch ... --shard K/N` for every shard, then `superbill merge --out {} {}",
                        shell::path(&opts.out),
                        s.dirs().map(shell::path).collect::<Vec<_>>().join(" ")
                    ),
                    None => again(args, opts),
                }
            ),
            problem: true,
        });
    }
    if let Some(s) = opts.shard.filter(|_| !opts.dry_run) {
        out.push(Hint {
            text: format!(
                "Shard {s}: {} holds the documents of {} of the {} superbills, and no exports. Once all {} shards are done, `superbill merge --out DIR SHARD_DIR...` (every shard's folder) writes the whole batch.",
                shell::path(&opts.out),
                r.shard_superbills,
                r.superbills,
                s.count,
            ),
            problem: false,
        });
    }
    let w = r.findings.warnings();
    if w > 0 {
        out.push(Hint {
            text: format!(
                "{w} warning{} (nothing was rejected for them): `superbill validate --practice {practice} --period {month}{}` lists them.",
                super::summary::plural(w),
                as_of_arg(args)
            ),
            problem: true,
        });
    }
    if r.held_money > crate::money::Cents::ZERO {
        out.push(Hint {
            text: format!(
                "{} is held for sessions not billed (rejected, or named but not billable): it is paid toward them once they are fixed and billed.",
                r.held_money.display()
            ),
            problem: false,
        });
    }
    // A shard writes no journal: the merge gives this hint.
    if !r.missing_xero_codes.is_empty() && !opts.dry_run && opts.shard.is_none() {
        let names: Vec<String> = r
            .missing_xero_codes
            .iter()
            .map(|a| format!("\"{a}\""))
            .collect();
        out.push(Hint {
            text: format!(
                "journal-xero.csv: Xero imports account codes, and practice.toml has none for {}: add them under [accounts.xero_codes] (journal.csv for QuickBooks Online uses the names as they are).",
                names.join(", ")
            ),
            problem: false,
        });
    }
    out
}

fn money_json(r: &Report) -> serde_json::Value {
    json!({
        "charged": r.charged,
        "paid": r.paid,
        "balance_due": r.balance,
        "patient_credit": r.credit,
        "held": r.held_money,
        "received": r.received,
        "refunded": r.refunded,
    })
}

fn to_json(
    r: &Report,
    args: &BatchArgs,
    opts: &BatchOptions,
    hints: &[Hint],
    code: i32,
    started: Instant,
) -> serde_json::Value {
    let total = |f: fn(&crate::rows::RowCount) -> usize| r.rows.iter().map(f).sum::<usize>();
    json!({
        "command": if opts.from_shards.is_some() { "merge" } else { "batch" },
        "shard": opts.shard.map(|s| json!({
            "index": s.index,
            "count": s.count,
            "superbills": r.shard_superbills,
        })),
        "ok": code == 0,
        "exit_code": code,
        "practice": args.practice.practice,
        "period": {
            "month": opts.period.from.format("%Y-%m").to_string(),
            "from": opts.period.from,
            "to": opts.period.to,
        },
        "as_of": opts.as_of,
        "out": opts.out,
        "dry_run": opts.dry_run,
        "rows": r.rows.iter().map(|c| json!({
            "file": c.file,
            "read": c.read,
            "billed": c.billed,
            "skipped": c.skipped,
            "rejected": c.rejected,
        })).collect::<Vec<_>>(),
        "rows_total": {
            "read": total(|c| c.read),
            "billed": total(|c| c.billed),
            "skipped": total(|c| c.skipped),
            "rejected": total(|c| c.rejected),
        },
        "patients": r.patients,
        "superbills": r.superbills,
        "service_lines": r.lines,
        "totals": money_json(r),
        "errors": r.findings.errors(),
        "warnings": r.findings.warnings(),
        "findings": super::json::findings(&r.findings.items),
        "skipped": {
            "rows": r.skipped_rows(),
            "by_reason": r.skipped,
        },
        "superbills_held": r.held.iter().map(|h| json!({
            "number": h.number,
            "reasons": h.reasons.iter().map(|x| json!({
                "file": x.file,
                "line": x.line,
                "codes": x.codes,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "superbills_partial": r.partial,
        "superbills_corrected": r.corrected.iter().map(|(n, rev)| json!({
            "number": n,
            "revision": rev,
        })).collect::<Vec<_>>(),
        "rows_without_patient": r.anyone,
        "removed": r.removed,
        "files": r.files.iter().map(|(name, written)| json!({
            "name": name,
            "written": written,
        })).collect::<Vec<_>>(),
        "hints": hints.iter().map(|h| h.text.clone()).collect::<Vec<_>>(),
        "elapsed_seconds": (started.elapsed().as_secs_f64() * 100.0).round() / 100.0,
    })
}

/// Errors grouped by kind (warnings are counted in the footer).
fn print_problems(r: &Report) {
    if r.findings.has_errors() {
        let errors = Findings {
            items: r
                .findings
                .items
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .cloned()
                .collect(),
        };
        print!("{}", super::summary::grouped(&errors, false));
    }
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
    let total = |f: fn(&crate::rows::RowCount) -> usize| r.rows.iter().map(f).sum::<usize>();
    println!(
        "rows read {} = billed {} + skipped {} + rejected {}",
        total(|c| c.read),
        total(|c| c.billed),
        total(|c| c.skipped),
        total(|c| c.rejected)
    );
    println!();
    if r.findings.has_errors() {
        print_problems(r);
        println!();
    }
    let rows = [
        ("patients", r.patients.to_string()),
        ("superbills", r.superbills.to_string()),
        ("held superbills", r.held.len().to_string()),
        ("service lines", r.lines.to_string()),
        ("charged", r.charged.display()),
        ("paid", r.paid.display()),
        ("balance due", r.balance.display()),
        ("patient credit", r.credit.display()),
        ("held", r.held_money.display()),
        ("received", r.received.display()),
        ("refunded", r.refunded.display()),
        ("rejected rows", r.rejected_rows().to_string()),
        ("skipped rows", r.skipped_rows().to_string()),
        ("warnings", r.findings.warnings().to_string()),
        (
            "elapsed",
            format!("{:.2}s", started.elapsed().as_secs_f64()),
        ),
    ];
    let peak = peak_memory_mb().map(|mb| ("peak memory", format!("{mb} MB")));
    for (k, v) in rows.into_iter().chain(peak) {
        println!("{k:<16} {v:>14}");
    }
    print_issues(r, opts, false);
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
    }
}

/// How many held superbills are listed, and reasons per superbill.
const HELD_SHOWN: usize = 10;
const REASONS_SHOWN: usize = 4;

/// Held, partial and corrected superbills, and files of earlier runs
/// removed: ids, lines and finding codes only. `quiet`: only what needs
/// someone's attention (held and partial superbills).
fn print_issues(r: &Report, opts: &BatchOptions, quiet: bool) {
    if !r.held.is_empty() {
        println!();
        println!(
            "Held {} superbill{} (not issued: rows {} depend{} on have errors; fix them and run again, or add --partial to issue the rest marked partial):",
            r.held.len(),
            super::summary::plural(r.held.len()),
            if r.held.len() == 1 { "it" } else { "they" },
            if r.held.len() == 1 { "s" } else { "" },
        );
        for h in r.held.iter().take(HELD_SHOWN) {
            let mut reasons: Vec<String> = h
                .reasons
                .iter()
                .take(REASONS_SHOWN)
                .map(|x| x.label())
                .collect();
            if h.reasons.len() > REASONS_SHOWN {
                reasons.push(format!("+{} more", h.reasons.len() - REASONS_SHOWN));
            }
            println!("  {}  {}", h.number, reasons.join("; "));
        }
        if r.held.len() > HELD_SHOWN {
            println!(
                "  ... and {} more (summary.csv lists every one with its reasons)",
                r.held.len() - HELD_SHOWN
            );
        }
    }
    if r.anyone > 0 {
        println!(
            "{} row{} with errors name{} no patient that can be read: every superbill of the period depends on {}.",
            r.anyone,
            super::summary::plural(r.anyone),
            if r.anyone == 1 { "s" } else { "" },
            if r.anyone == 1 { "it" } else { "them" },
        );
    }
    if !r.partial.is_empty() {
        println!(
            "Issued {} partial superbill{} (--partial; each names the sessions and payments it leaves out): {}",
            r.partial.len(),
            super::summary::plural(r.partial.len()),
            list(&r.partial)
        );
    }
    if quiet {
        return;
    }
    if !r.corrected.is_empty() {
        let v: Vec<String> = r
            .corrected
            .iter()
            .map(|(n, rev)| format!("{n} revision {rev}"))
            .collect();
        println!(
            "Issued {} corrected superbill{} (content differs from what this folder issued before; the manifest keeps the history): {}",
            v.len(),
            super::summary::plural(v.len()),
            list(&v)
        );
    }
    if !r.removed.is_empty() {
        println!(
            "{} {} file{} of an earlier run that this run no longer issues: {}",
            if opts.dry_run {
                "Would remove"
            } else {
                "Removed"
            },
            r.removed.len(),
            super::summary::plural(r.removed.len()),
            list(&r.removed)
        );
    }
}

/// The first few items, then a count.
fn list(items: &[String]) -> String {
    let mut v: Vec<&str> = items.iter().take(HELD_SHOWN).map(String::as_str).collect();
    let more = items.len().saturating_sub(HELD_SHOWN);
    let tail = format!("and {more} more");
    if more > 0 {
        v.push(&tail);
    }
    v.join(", ")
}

/// Peak resident memory of this process (Linux; None elsewhere).
fn peak_memory_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.div_ceil(1024))
}
