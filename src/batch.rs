//! The monthly batch: validate, build every superbill, render them in
//! parallel, write the exports and the manifest. Writes are atomic and skip
//! files whose bytes are unchanged, so a re-run after a crash completes the
//! batch and an unchanged re-run touches nothing.

use crate::error::{Error, Result};
use crate::export::{self, LedgerLine, SummaryRow};
use crate::findings::{Findings, Severity};
use crate::input::{PAYMENTS_FILE, PRACTICE_FILE};
use crate::manifest::{sha256_hex, Manifest};
use crate::practice::Loaded;
use crate::render::{self, Document};
use crate::rows::{self, RowCount};
use crate::superbill::{Plan, Request};
use crate::validate::{self, Options, Period};
use crate::{atomic, money::Cents};
use chrono::NaiveDate;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct BatchOptions {
    pub period: Period,
    pub as_of: NaiveDate,
    pub out: PathBuf,
    pub dry_run: bool,
    pub jobs: usize,
    /// Documents added to each superbill (`--with`, practice.toml).
    pub extras: crate::render::Extras,
}

#[derive(Debug)]
pub struct Report {
    pub superbills: usize,
    pub patients: usize,
    pub lines: usize,
    pub charged: Cents,
    pub paid: Cents,
    pub balance: Cents,
    /// Patients' credit, not counting `held`.
    pub credit: Cents,
    /// Money paid for named sessions not billed (rejected ones, say).
    pub held: Cents,
    /// Money received in the period (receipts.csv): payments and refunds.
    pub received: Cents,
    pub refunded: Cents,
    pub rows: Vec<RowCount>,
    /// Every row neither billed nor rejected, and why (skipped.csv).
    pub skipped: Vec<export::skipped::Skipped>,
    /// Completed sessions dated in the period, and the months (YYYY-MM)
    /// of all the sessions read: a batch that bills nothing can say which
    /// months the data does cover.
    pub sessions_in_period: usize,
    pub months: Vec<String>,
    /// Accounts the Xero journal uses without a code in practice.toml.
    pub missing_xero_codes: Vec<String>,
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
    refuse_unusable(loaded, &findings)?;
    let req = Request {
        period: opts.period,
        as_of: opts.as_of,
        patient: None,
    };
    let plan = Plan::new(loaded, &validated, &req, &findings);
    let done = produce(loaded, &plan, opts, progress)?;
    let mut session_superbill = HashMap::new();
    for d in &done {
        findings.extend(d.findings.clone());
        if let Some(row) = &d.row {
            for s in &d.sessions {
                session_superbill.insert(s.clone(), row.number.clone());
            }
        }
    }
    findings.sort();
    let fates = plan.fates(&findings, &session_superbill);
    let rows = rows::count(&fates)?;
    let skipped = export::skipped::skipped(&loaded.inputs, &fates);
    let billed: Vec<&Done> = done.iter().filter(|d| d.row.is_some()).collect();
    let bad_payments: HashSet<u64> = findings
        .items
        .iter()
        .filter(|f| f.severity == Severity::Error && f.file == PAYMENTS_FILE)
        .map(|f| f.line)
        .collect();
    let receipts = export::receipts::received(&loaded.inputs.payments, &opts.period, &bad_payments);
    let extra = Extra {
        receipts: &receipts,
        skipped: &skipped,
    };
    // From here on findings are only shown and written: a workbook read in
    // place of a CSV is named as the user knows it.
    loaded.inputs.name_sources(&mut findings);
    let (files, missing_xero_codes) = write_exports(
        loaded,
        &plan,
        &billed,
        &session_superbill,
        &findings,
        &extra,
        opts,
    )?;
    let sum =
        |f: fn(&SummaryRow) -> Cents| billed.iter().filter_map(|d| d.row.as_ref()).map(f).sum();
    Ok(Report {
        superbills: billed.len(),
        patients: billed.len(),
        lines: billed
            .iter()
            .filter_map(|d| d.row.as_ref())
            .map(|r| r.lines)
            .sum(),
        charged: sum(|r| r.charged),
        paid: sum(|r| r.paid),
        balance: sum(|r| r.balance),
        credit: plan.ledger.credit.values().copied().sum(),
        held: plan.ledger.held.values().copied().sum(),
        received: receipts
            .iter()
            .map(|p| p.amount)
            .filter(|a| !a.is_negative())
            .sum(),
        refunded: -receipts
            .iter()
            .map(|p| p.amount)
            .filter(|a| a.is_negative())
            .sum::<Cents>(),
        rows,
        skipped,
        sessions_in_period: loaded
            .inputs
            .sessions
            .iter()
            .filter(|s| opts.period.contains(s.date))
            .count(),
        months: loaded
            .inputs
            .sessions
            .iter()
            .map(|s| s.date.format("%Y-%m").to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect(),
        missing_xero_codes,
        findings,
        files,
    })
}

/// Output files (relative to OUT), whether each was (or would be) written.
type Files = Vec<(String, bool)>;

/// What the accountant's exports are made from, beside the superbills.
struct Extra<'a> {
    receipts: &'a [&'a crate::input::Payment],
    skipped: &'a [export::skipped::Skipped],
}

/// Errors that make every superbill wrong stop the batch before anything
/// is written: the practice's own identifiers, or an input file that cannot
/// be read as a whole (an empty payments.csv would print "paid $0" on every
/// superbill).
fn refuse_unusable(loaded: &Loaded, findings: &Findings) -> Result<()> {
    let fatal: Vec<String> = findings
        .items
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .filter(|f| {
            (f.file == PRACTICE_FILE && f.record_id == "practice")
                || (crate::findings::is_whole_file(f.code)
                    && (f.record_id.is_empty() || f.code == "csv-unclosed-quote"))
        })
        .map(|f| {
            let field = if f.field.is_empty() {
                String::new()
            } else {
                format!(" {}:", f.field)
            };
            let file = loaded
                .inputs
                .rows
                .iter()
                .find(|r| r.file == f.file)
                .map_or(f.file.as_str(), |r| r.source.as_str());
            format!("  {file}:{}{field} {}", f.line, f.message)
        })
        .collect();
    if fatal.is_empty() {
        return Ok(());
    }
    let more = fatal.len().saturating_sub(10);
    let mut fatal: Vec<String> = fatal.into_iter().take(10).collect();
    if more > 0 {
        fatal.push(format!(
            "  ... and {more} more (`superbill validate --practice {}` lists them all)",
            crate::shell::path(&loaded.inputs.dir)
        ));
    }
    Err(Error::config(
        &loaded.inputs.dir,
        format!(
            "no superbill can be issued until these are fixed (nothing was written):\n{}",
            fatal.join("\n")
        ),
    ))
}

/// What is kept of one superbill once its documents are written: its
/// summary row, its ledger lines and its sessions; never the whole
/// superbill.
struct Done {
    row: Option<SummaryRow>,
    lines: Vec<LedgerLine>,
    sessions: Vec<String>,
    findings: Findings,
    /// One per document kind, in `render::documents` order.
    files: Vec<Written>,
}

/// One document file of a superbill.
struct Written {
    /// Path relative to the output folder, e.g. `superbills/SB-202609-P0001.pdf`.
    name: String,
    sha256: String,
    /// Whether this run wrote it (or, in a dry run, would).
    written: bool,
    /// What it was rendered from (see `Manifest::sources`).
    source: String,
}

/// Builds every superbill and renders and writes its documents, in
/// parallel; results come back in plan order whatever the thread count.
fn produce(
    loaded: &Loaded,
    plan: &Plan,
    opts: &BatchOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<Done>> {
    let out = &opts.out;
    // Built in a dry run too: file names and fingerprints come from them.
    let mut render_opts = crate::practice::render_options(loaded);
    render_opts.extras = opts.extras;
    let documents = render::documents(&render_opts)?;
    if !opts.dry_run {
        atomic::create_private_dir(out)?;
        atomic::sweep_temp_files(out);
        for doc in &documents {
            let dir = out.join(doc.folder());
            atomic::create_private_dir(&dir)?;
            atomic::sweep_temp_files(&dir);
        }
    }
    let previous = Manifest::previous(out);
    let count = AtomicUsize::new(0);
    let total = plan.groups.len();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .build()
        .map_err(|e| Error::Other(format!("cannot start worker threads: {e}")))?;
    let credit = &plan.ledger.credit;
    let held = &plan.ledger.held;
    let results: Vec<Result<Done>> = pool.install(|| {
        plan.groups
            .par_iter()
            .map(|g| {
                let (sb, findings) = plan.build(g);
                let mut d = Done {
                    row: None,
                    lines: Vec::new(),
                    sessions: Vec::new(),
                    findings,
                    files: Vec::new(),
                };
                if sb.lines.is_empty() {
                    return Ok(d);
                }
                let data = serde_json::to_vec(&sb).expect("superbill serialises");
                for doc in &documents {
                    let name = format!("{}/{}", doc.folder(), doc.file_name(&sb));
                    let source = source_of(&data, doc.fingerprint());
                    let same = unchanged(&previous, out, &name, &source);
                    let (sha256, written) = if opts.dry_run {
                        (String::new(), !same)
                    } else if same {
                        (previous.outputs[&name].clone(), false)
                    } else {
                        let bytes = doc.render(&sb)?;
                        let written = atomic::write_if_changed(&out.join(&name), &bytes)?;
                        (sha256_hex(&bytes), written)
                    };
                    d.files.push(Written {
                        name,
                        sha256,
                        written,
                        source,
                    });
                }
                d.lines = LedgerLine::of(&sb, &loaded.catalog);
                d.sessions = sb.lines.iter().map(|l| l.session_id.clone()).collect();
                d.sessions.dedup();
                // The first document is the superbill itself.
                d.row = Some(SummaryRow::of(
                    &sb,
                    d.files[0].name.clone(),
                    credit
                        .get(&sb.patient.patient_id)
                        .copied()
                        .unwrap_or_default(),
                    held.get(&sb.patient.patient_id)
                        .copied()
                        .unwrap_or_default(),
                ));
                progress(count.fetch_add(1, Ordering::Relaxed) + 1, total);
                Ok(d)
            })
            .collect()
    });
    let done = results.into_iter().collect::<Result<Vec<_>>>()?;
    if !opts.dry_run {
        let keep: HashSet<&str> = done
            .iter()
            .flat_map(|d| &d.files)
            .map(|f| f.name.as_str())
            .collect();
        for doc in &documents {
            remove_stale(out, doc.as_ref(), &opts.period, &keep)?;
        }
    }
    Ok(done)
}

fn write_exports(
    loaded: &Loaded,
    plan: &Plan,
    billed: &[&Done],
    session_superbill: &HashMap<String, String>,
    findings: &Findings,
    extra: &Extra,
    opts: &BatchOptions,
) -> Result<(Files, Vec<String>)> {
    let out = &opts.out;
    let rejects: Vec<_> = findings
        .items
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    let summary: Vec<&SummaryRow> = billed.iter().filter_map(|d| d.row.as_ref()).collect();
    let lines: Vec<&LedgerLine> = billed.iter().flat_map(|d| &d.lines).collect();
    let mut outputs: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    outputs.insert(
        "ledger.csv".into(),
        export::ledger_csv(lines.iter().copied()),
    );
    // Received in the period, for a session after the run: the ledger
    // leaves them for their month, payments.csv lists them as held.
    let waiting: Vec<&crate::input::Payment> = extra
        .receipts
        .iter()
        .filter(|p| !plan.ledger.unapplied.contains_key(&p.payment_id))
        .copied()
        .collect();
    outputs.insert(
        "payments.csv".into(),
        export::payments_csv(&loaded.inputs, &plan.ledger, session_superbill, &waiting),
    );
    outputs.insert("summary.csv".into(), export::summary_csv(&summary));
    outputs.insert("rejects.csv".into(), export::findings_csv(rejects));
    outputs.insert(
        "skipped.csv".into(),
        export::skipped::skipped_csv(extra.skipped),
    );
    outputs.insert(
        "receipts.csv".into(),
        export::receipts::receipts_csv(extra.receipts),
    );
    let breakdowns = export::breakdowns::compute(&lines, &plan.ledger, extra.receipts);
    for (name, bytes) in breakdowns.files() {
        outputs.insert(name.into(), bytes);
    }
    let chart = &loaded.inputs.practice.accounts;
    let journal = export::journal::entries(&lines, extra.receipts, chart);
    outputs.insert(
        "journal.csv".into(),
        export::journal::quickbooks_csv(&journal),
    );
    for (name, bytes) in export::journal::xero_files(&journal, chart) {
        outputs.insert(name, bytes);
    }
    let missing_codes = export::journal::missing_xero_codes(&journal, chart);
    // A longer month may have needed journal-xero-2.csv; a shorter re-run
    // must not leave it beside the new files.
    let previous = Manifest::previous(out);
    let stale: Vec<&String> = previous
        .outputs
        .keys()
        .filter(|n| n.starts_with("journal-xero-") && !outputs.contains_key(*n))
        .collect();
    let mut manifest = Manifest {
        tool: "superbill".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        period: opts.period.label(),
        icd10cm_releases: loaded.icd.releases().map(|r| r.name.clone()).collect(),
        inputs: input_hashes(&loaded.inputs.dir)?,
        outputs: BTreeMap::new(),
        sources: BTreeMap::new(),
    };
    let mut files: Vec<(String, bool)> = Vec::new();
    for f in billed.iter().flat_map(|d| &d.files) {
        manifest.outputs.insert(f.name.clone(), f.sha256.clone());
        manifest.sources.insert(f.name.clone(), f.source.clone());
        files.push((f.name.clone(), f.written));
    }
    for (name, bytes) in &outputs {
        manifest.outputs.insert(name.clone(), sha256_hex(bytes));
    }
    outputs.insert("manifest.json".into(), manifest.to_json());
    for (name, bytes) in outputs {
        let path = out.join(&name);
        let written = if opts.dry_run {
            std::fs::read(&path).map(|b| b != bytes).unwrap_or(true)
        } else {
            atomic::write_if_changed(&path, &bytes)?
        };
        files.push((name, written));
    }
    if !opts.dry_run {
        for name in stale {
            let path = out.join(name);
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(Error::io(&path, e))
                }
                _ => {}
            }
        }
    }
    Ok((files, missing_codes))
}

/// SHA-256 of the superbill's data (serialised) and the document's
/// fingerprint.
fn source_of(data: &[u8], fingerprint: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(data);
    h.update(fingerprint.as_bytes());
    hex::encode(h.finalize())
}

/// Whether the PDF a previous run wrote from the same source is still
/// there, intact: then rendering it again would give the same bytes.
fn unchanged(previous: &Manifest, out: &Path, name: &str, source: &str) -> bool {
    if previous.sources.get(name).map(String::as_str) != Some(source) {
        return false;
    }
    let Some(sha) = previous.outputs.get(name) else {
        return false;
    };
    std::fs::read(out.join(name)).is_ok_and(|b| sha256_hex(&b) == *sha)
}

/// Documents of this period from an earlier run that this run no longer
/// produces (their sessions are now rejected) must not linger beside the
/// new ones. `keep` holds paths relative to the output folder.
fn remove_stale(
    out: &Path,
    doc: &dyn Document,
    period: &Period,
    keep: &HashSet<&str>,
) -> Result<()> {
    let dir = out.join(doc.folder());
    let prefix = format!("SB-{}-", period.label());
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let path = format!("{}/{name}", doc.folder());
        if name.starts_with(&prefix) && name.ends_with(".pdf") && !keep.contains(path.as_str()) {
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
