//! The monthly batch: validate, build every superbill, render them in
//! parallel, write the exports and the manifest. Writes are atomic and skip
//! files whose bytes are unchanged, so a re-run after a crash completes the
//! batch and an unchanged re-run touches nothing.

use crate::build::{self, Fate, Outcome, Request};
use crate::cmd::Loaded;
use crate::error::{Error, Result};
use crate::export;
use crate::findings::{Findings, Severity};
use crate::input::PRACTICE_FILE;
use crate::manifest::{sha256_hex, Manifest};
use crate::render::Renderer;
use crate::superbill::Superbill;
use crate::validate::{self, Options, Period};
use crate::{atomic, money::Cents};
use chrono::NaiveDate;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub struct BatchOptions {
    pub period: Period,
    pub as_of: NaiveDate,
    pub out: PathBuf,
    pub dry_run: bool,
    pub jobs: usize,
}

/// Per input file: rows read and their fates.
#[derive(Debug, Clone, Default)]
pub struct RowCount {
    pub file: &'static str,
    pub read: usize,
    pub billed: usize,
    pub skipped: usize,
    pub rejected: usize,
}

#[derive(Debug)]
pub struct Report {
    pub superbills: usize,
    pub patients: usize,
    pub lines: usize,
    pub charged: Cents,
    pub paid: Cents,
    pub balance: Cents,
    pub credit: Cents,
    pub rows: Vec<RowCount>,
    pub findings: Findings,
    /// Output files (relative to OUT), whether each was (or would be) written.
    pub files: Vec<(String, bool)>,
}

impl Report {
    pub fn rejected_rows(&self) -> usize {
        self.rows.iter().map(|r| r.rejected).sum()
    }
}

/// Runs the batch. `progress(done, total)` is called as superbills render.
pub fn run(
    loaded: &Loaded,
    mut findings: Findings,
    opts: &BatchOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Report> {
    let vopts = Options {
        as_of: opts.as_of,
        period: Some(opts.period),
    };
    let validated = validate::run(
        &loaded.inputs,
        &loaded.catalog,
        &loaded.icd,
        &vopts,
        &mut findings,
    );
    let practice_errors: Vec<_> = findings
        .items
        .iter()
        .filter(|f| {
            f.severity == Severity::Error && f.file == PRACTICE_FILE && f.record_id == "practice"
        })
        .collect();
    if !practice_errors.is_empty() {
        let list: Vec<String> = practice_errors
            .iter()
            .map(|f| format!("  {}:{} {}: {}", f.file, f.line, f.field, f.message))
            .collect();
        return Err(Error::config(
            loaded.inputs.dir.join(PRACTICE_FILE),
            format!(
                "the practice's own identifiers have errors, so no superbill can be issued:\n{}",
                list.join("\n")
            ),
        ));
    }
    let req = Request {
        period: opts.period,
        statement_date: opts.period.to.min(opts.as_of),
        patient: None,
    };
    let outcome = build::superbills(loaded, &validated, &req, &mut findings);
    findings.sort();
    let rows = count_rows(&outcome)?;
    let files = write_all(loaded, &outcome, &findings, opts, progress)?;
    let sbs = &outcome.superbills;
    Ok(Report {
        superbills: sbs.len(),
        patients: sbs
            .iter()
            .map(|s| &s.patient.patient_id)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        lines: sbs.iter().map(|s| s.lines.len()).sum(),
        charged: sbs.iter().map(|s| s.total_charged).sum(),
        paid: sbs.iter().map(|s| s.total_paid).sum(),
        balance: sbs.iter().map(|s| s.balance).sum(),
        credit: outcome.ledger.credit.values().copied().sum(),
        rows,
        findings,
        files,
    })
}

/// Rows read = billed + skipped + rejected, per file, or it is a bug.
fn count_rows(outcome: &Outcome) -> Result<Vec<RowCount>> {
    let mut out = Vec::new();
    for (file, fates) in &outcome.fates {
        let mut c = RowCount {
            file,
            read: fates.len(),
            ..Default::default()
        };
        for (_, f) in fates {
            match f {
                Fate::Billed => c.billed += 1,
                Fate::Skipped(_) => c.skipped += 1,
                Fate::Rejected => c.rejected += 1,
            }
        }
        if c.read != c.billed + c.skipped + c.rejected {
            return Err(Error::Other(format!(
                "internal error: {file} rows do not add up; please report this"
            )));
        }
        out.push(c);
    }
    Ok(out)
}

pub fn pdf_name(sb: &Superbill) -> String {
    format!("superbills/{}.pdf", sb.number)
}

fn write_all(
    loaded: &Loaded,
    outcome: &Outcome,
    findings: &Findings,
    opts: &BatchOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<(String, bool)>> {
    let out = &opts.out;
    let mut outputs: BTreeMap<String, (Vec<u8>, bool)> = BTreeMap::new();
    let sbs = &outcome.superbills;
    let mut pdfs: Vec<(String, String, bool)> = Vec::new(); // name, sha, written
    if opts.dry_run {
        pdfs = sbs
            .iter()
            .map(|sb| {
                (
                    pdf_name(sb),
                    String::new(),
                    !out.join(pdf_name(sb)).exists(),
                )
            })
            .collect();
    } else {
        atomic::create_private_dir(&out.join("superbills"))?;
        atomic::sweep_temp_files(out);
        atomic::sweep_temp_files(&out.join("superbills"));
        let renderer = Renderer::new(crate::cmd::render_options(loaded))?;
        let done = Mutex::new(0usize);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(opts.jobs.max(1))
            .build()
            .map_err(|e| Error::Other(format!("cannot start worker threads: {e}")))?;
        let results: Vec<Result<(String, String, bool)>> = pool.install(|| {
            sbs.par_iter()
                .map(|sb| {
                    let bytes = renderer.render(sb)?;
                    let name = pdf_name(sb);
                    let written = atomic::write_if_changed(&out.join(&name), &bytes)?;
                    let mut d = done.lock().expect("progress lock");
                    *d += 1;
                    progress(*d, sbs.len());
                    Ok((name, sha256_hex(&bytes), written))
                })
                .collect()
        });
        for r in results {
            pdfs.push(r?);
        }
        remove_stale(out, &opts.period, sbs)?;
    }
    let rejects: Vec<_> = findings
        .items
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    outputs.insert("ledger.csv".into(), (export::ledger_csv(sbs), false));
    outputs.insert(
        "payments.csv".into(),
        (export::payments_csv(&loaded.inputs, outcome), false),
    );
    outputs.insert(
        "summary.csv".into(),
        (export::summary_csv(sbs, outcome, pdf_name), false),
    );
    outputs.insert("rejects.csv".into(), (export::findings_csv(rejects), false));
    let mut manifest = Manifest {
        tool: "superbill",
        version: env!("CARGO_PKG_VERSION"),
        period: opts.period.label(),
        icd10cm_releases: loaded.icd.releases().map(|r| r.name.clone()).collect(),
        inputs: input_hashes(&loaded.inputs.dir)?,
        outputs: BTreeMap::new(),
    };
    for (name, sha, _) in &pdfs {
        manifest.outputs.insert(name.clone(), sha.clone());
    }
    for (name, (bytes, _)) in &outputs {
        manifest.outputs.insert(name.clone(), sha256_hex(bytes));
    }
    outputs.insert("manifest.json".into(), (manifest.to_json(), false));
    let mut files: Vec<(String, bool)> = pdfs.into_iter().map(|(n, _, w)| (n, w)).collect();
    for (name, (bytes, _)) in outputs {
        let path = out.join(&name);
        let written = if opts.dry_run {
            std::fs::read(&path).map(|b| b != bytes).unwrap_or(true)
        } else {
            atomic::write_if_changed(&path, &bytes)?
        };
        files.push((name, written));
    }
    Ok(files)
}

/// Superbills of this period from an earlier run that this run no longer
/// produces (their sessions are now rejected) must not linger beside the
/// new ones.
fn remove_stale(out: &Path, period: &Period, sbs: &[Superbill]) -> Result<()> {
    let dir = out.join("superbills");
    let prefix = format!("SB-{}-", period.label());
    let keep: std::collections::HashSet<String> =
        sbs.iter().map(|s| format!("{}.pdf", s.number)).collect();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with(&prefix) && name.ends_with(".pdf") && !keep.contains(&name) {
            std::fs::remove_file(e.path()).map_err(|err| Error::io(e.path(), err))?;
        }
    }
    Ok(())
}

fn input_hashes(dir: &Path) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for name in [
        "practice.toml",
        "patients.csv",
        "sessions.csv",
        "payments.csv",
        "services.toml",
        "fees.csv",
    ] {
        let path = dir.join(name);
        match std::fs::read(&path) {
            Ok(bytes) => {
                out.insert(name.to_string(), sha256_hex(&bytes));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&path, e)),
        }
    }
    Ok(out)
}
