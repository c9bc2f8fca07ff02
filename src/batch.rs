//! The monthly batch: validate, build every superbill, render them in
//! parallel, write the exports and the manifest. Writes are atomic and skip
//! files whose bytes are unchanged, so a re-run after a crash completes the
//! batch and an unchanged re-run touches nothing.
//!
//! A superbill that depends on a row with errors is held (see `hold`), or
//! with `partial` issued marked partial; one issued before with different
//! content comes out as a corrected superbill, one revision up. One
//! patient's problem never stops the batch: the exports and the manifest
//! always cover every superbill.

mod issue;

use crate::atomic::Staged;
use crate::error::{Error, Result};
use crate::export::{self, LedgerLine, Status, SummaryRow};
use crate::findings::{Findings, Severity};
use crate::hash::HashSet;
use crate::hold::{self, Reason};
use crate::input::CompactString;
use crate::input::{PAYMENTS_FILE, PRACTICE_FILE, SESSIONS_FILE};
use crate::ledger::Ledger;
use crate::manifest::{Manifest, Revision, Sha256Sum};
use crate::money::Cents;
use crate::outdir::{Identity, OutDir, MANIFEST_FILE};
use crate::practice::Loaded;
use crate::render::{self, Document};
use crate::rows::{self, Fate};
use crate::shard::{Shard, ShardInfo, Shards};
use crate::superbill::{Plan, Request, SessionBills};
use crate::validate::{Options, Period};
use chrono::{Datelike, NaiveDate};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

pub struct BatchOptions {
    pub period: Period,
    pub as_of: NaiveDate,
    /// The output folder as given (for messages; `OutDir` does the work).
    pub out: PathBuf,
    pub dry_run: bool,
    pub jobs: usize,
    /// Documents added to each superbill (`--with`, practice.toml).
    pub extras: crate::render::Extras,
    /// Issue superbills that depend on rows with errors anyway, marked
    /// partial, instead of holding them.
    pub partial: bool,
    /// Set (by a Ctrl-C handler) to stop the run at the next superbill.
    pub cancel: Arc<AtomicBool>,
    /// `--shard K/N`: render only the documents of shard K's patients,
    /// write no exports (`merge` writes them), say so in the manifest.
    pub shard: Option<Shard>,
    /// `merge`: take every document from the shard that rendered it
    /// instead of rendering it.
    pub from_shards: Option<Shards>,
    /// With `shard`: the folder the merge will write (`--merge-into`),
    /// whose history numbers the revisions, as the merged batch numbers
    /// them.
    pub merge_into: Option<PathBuf>,
}

pub use crate::rows::RowCount;

/// A superbill not issued, and why.
#[derive(Debug, Clone)]
pub struct Held {
    pub number: String,
    pub reasons: Vec<Reason>,
}

#[derive(Debug)]
pub struct Report {
    pub superbills: usize,
    pub patients: usize,
    pub lines: usize,
    pub charged: Cents,
    pub paid: Cents,
    pub balance: Cents,
    /// Patients' credit, not counting `held_money`.
    pub credit: Cents,
    /// Money paid for named sessions not billed (rejected ones, say).
    pub held_money: Cents,
    /// Money received in the period (receipts.csv): payments and refunds.
    pub received: Cents,
    pub refunded: Cents,
    pub rows: Vec<RowCount>,
    /// Rows neither billed nor rejected, per reason (skipped.csv lists
    /// them).
    pub skipped: BTreeMap<&'static str, usize>,
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
    pub held: Vec<Held>,
    /// Numbers of the superbills issued partial.
    pub partial: Vec<String>,
    /// (number, revision) of the superbills issued corrected this run.
    pub corrected: Vec<(String, u32)>,
    /// Rows with errors whose patient cannot be read (they hold everyone's
    /// superbill).
    pub anyone: usize,
    /// Files of earlier runs removed (or, dry run, to be removed).
    pub removed: Vec<String>,
    /// With `--shard`: the superbills whose documents this shard issued
    /// (the other counts are the whole batch's).
    pub shard_superbills: usize,
}

impl Report {
    pub fn rejected_rows(&self) -> usize {
        self.rows.iter().map(|r| r.rejected).sum()
    }

    pub fn skipped_rows(&self) -> usize {
        self.skipped.values().sum()
    }
}

/// What is kept of one superbill once its PDF is written: its summary row,
/// its ledger rows (CSV bytes) and its sessions; never the whole superbill.
#[derive(Clone)]
struct Done {
    /// `SB-YYYYMM-` and the patient id: inline up to 24 bytes.
    number: CompactString,
    status: Status,
    reasons: Vec<Reason>,
    row: Option<SummaryRow>,
    lines: Vec<LedgerLine>,
    /// Sessions billed on it; empty when the revision lists the same ones
    /// (kept once: see [`Done::billed_sessions`]).
    sessions: Vec<CompactString>,
    /// Every session of the patient's billable group (held ones included).
    group_sessions: Vec<CompactString>,
    findings: Findings,
    /// One per document kind, in `render::documents` order (the superbill
    /// itself first); empty when held.
    files: Vec<Written>,
    /// Boxed: it moves into the manifest's history once every superbill is
    /// issued, and an empty slot here would weigh as much as a full one in
    /// every superbill's `Done` (a million sessions: 185,185 of them). Its
    /// `sha256` and `source` are empty until then: they are the first
    /// file's, copied in as it moves.
    revision: Option<Box<Revision>>,
}

/// One document file of a superbill.
#[derive(Clone)]
struct Written {
    /// Path relative to the output folder, e.g. `superbills/SB-202609-P0001.pdf`.
    name: String,
    /// None in a dry run for a file it would write.
    sha256: Option<Sha256Sum>,
    /// Whether this run wrote it (or, in a dry run, would).
    written: bool,
    /// What it was rendered from (see `Manifest::sources`).
    source: Sha256Sum,
}

impl Done {
    fn held(
        number: &str,
        patient_id: &str,
        period: &Period,
        findings: Findings,
        reasons: &[Reason],
    ) -> Done {
        Done {
            number: number.into(),
            status: Status::Held,
            reasons: reasons.to_vec(),
            row: Some(SummaryRow::held(
                number,
                patient_id,
                period.from,
                period.to,
                issue::reasons_text(reasons),
            )),
            lines: Vec::new(),
            sessions: Vec::new(),
            group_sessions: Vec::new(),
            findings,
            files: Vec::new(),
            revision: None,
        }
    }

    /// The sessions billed on it, taken (from the revision when they were
    /// kept only there).
    fn billed_sessions(&mut self) -> Vec<CompactString> {
        match (&self.revision, self.sessions.is_empty()) {
            (Some(r), true) => r.sessions.clone(),
            _ => std::mem::take(&mut self.sessions),
        }
    }

    /// The same, in allocations of its own made one after another. Its
    /// strings and lists were made by a worker among the renderer's
    /// short-lived allocations of the same sizes; once those are freed,
    /// every page they shared stays resident for one small survivor. Copied
    /// as its slice of superbills is done, and the first copy dropped, what
    /// a million sessions keep to the end took about 100 MB less.
    fn compacted(self) -> Done {
        self.clone()
    }
}

fn interrupted(opts: &BatchOptions) -> Result<()> {
    if opts.cancel.load(Ordering::Relaxed) {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}

/// The practice as an output folder's manifest names it: EIN and NPI.
pub fn practice_id(p: &crate::input::Practice) -> String {
    format!(
        "EIN {} NPI {}",
        crate::ein::format(&p.tax_id),
        p.npi.as_deref().unwrap_or("none")
    )
}

/// Whose batch this is, for the output folder's one-practice-one-period rule.
pub fn identity(loaded: &Loaded, period: &Period) -> Identity {
    Identity {
        practice: practice_id(&loaded.inputs.practice),
        period: period.label(),
        period_text: if period.label().len() == 6 {
            period.from.format("%Y-%m").to_string()
        } else {
            period.label()
        },
    }
}

/// Runs the batch into `out` (opened, and locked, by the caller before the
/// practice was read). `progress(done, total)` is called as superbills
/// render.
pub fn run(
    loaded: &Loaded,
    mut findings: Findings,
    opts: &BatchOptions,
    mut out: OutDir,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Report> {
    let vopts = Options {
        as_of: opts.as_of,
        period: Some(opts.period),
        filing_warnings: true,
    };
    // Reading a million rows leaves the files' text and its cells freed
    // but still resident; validation and the plan would sit on top of it.
    release_freed_memory();
    // `--jobs` threads for everything the batch does side by side.
    let pool = workers(opts.jobs)?;
    let validated = pool.install(|| {
        crate::preflight::run(
            &loaded.inputs,
            &loaded.catalog,
            &loaded.icd,
            Some(&opts.period),
            &mut findings,
        );
        loaded.validate(&vopts, &mut findings)
    });
    interrupted(opts)?;
    refuse_unusable(loaded, &findings)?;
    let me = identity(loaded, &opts.period);
    out.check_identity(&me)?;
    if let (Some(_), Some(into)) = (&opts.shard, &opts.merge_into) {
        // Read only: the merge, not the shard, writes there.
        out.previous.history = Manifest::previous(into).history;
    }
    let mut render_opts = crate::practice::render_options(loaded);
    render_opts.extras = opts.extras;
    // Built in a dry run too: file names and fingerprints come from them.
    let documents = render::documents(&render_opts)?;
    let req = Request {
        period: opts.period,
        as_of: opts.as_of,
        patient: None,
    };
    let paid_by = opts.period.to.max(opts.as_of);
    // Both only read what validation found.
    let (mut plan, holds) = pool.install(|| {
        rayon::join(
            || Plan::new(loaded, &validated, &req, &findings),
            || hold::find(&loaded.inputs, &findings.items, &opts.period, paid_by),
        )
    });
    interrupted(opts)?;
    // Validation's scratch goes back before rendering adds its own.
    release_freed_memory();

    // The documents' folders (no symlinks), then every name this run may
    // write, claimed before any is written.
    let folders: Vec<&str> = documents.iter().map(|d| d.folder()).collect();
    out.prepare_folders(&folders)?;
    // A shard writes its patients' documents and its manifest only.
    let exports_claimed: &[&str] = if opts.shard.is_some() { &[] } else { &EXPORTS };
    let mut names: BTreeSet<String> = exports_claimed.iter().map(|n| n.to_string()).collect();
    names.insert(MANIFEST_FILE.into());
    for g in &plan.groups {
        let held = !holds.reasons(&g.patient.patient_id).is_empty() && !opts.partial;
        let mine = opts.shard.is_none_or(|s| s.owns(&g.patient.patient_id));
        if !held && mine {
            let number = crate::superbill::number(&opts.period, &g.patient.patient_id);
            for doc in &documents {
                names.insert(file_path(doc.as_ref(), &number));
            }
        }
    }
    // The ledger's money per session is made while the names are claimed
    // (each looked up in the folder): at a million sessions each took
    // about half a second on one core. It borrows the plan's ledger only,
    // so that the rest of the plan can go once the superbills are built.
    let plan_ledger = &plan.ledger;
    let (claimed, money) = pool.install(|| {
        rayon::join(
            || out.claim(&names, &me),
            || {
                // A shard writes no exports: the merge composes them, once,
                // from the whole batch (and gives the journal's hint).
                opts.shard
                    .is_none()
                    .then(|| LedgerStream::money(plan_ledger, &plan))
            },
        )
    });
    claimed?;
    // The folder keeps what it claimed; a copy of every name need not
    // stay beside it while the superbills render.
    drop(names);
    let mut ledger = money
        .map(|money| LedgerStream::new(&out.path, opts.dry_run, money))
        .transpose()?;
    let mut done = produce(
        loaded,
        &plan,
        &holds,
        opts,
        &out,
        &documents,
        progress,
        ledger.as_mut(),
        &pool,
    )?;
    interrupted(opts)?;
    // Patients whose only sessions in the period have errors: listed as
    // held, so that no one's superbill goes missing without a word.
    let have: HashSet<&str> = plan
        .groups
        .iter()
        .map(|g| g.patient)
        .map(|p| p.patient_id.as_str())
        .collect();
    // Every superbill is built: the groups and the payment index would
    // otherwise be held through the exports, the run's peak.
    Plan::built(&mut plan.groups, &mut plan.idx);
    for pid in &holds.with_rejected_sessions {
        if have.contains(pid.as_str()) || !loaded.inputs.patient_lines.contains_key(pid.as_str()) {
            continue;
        }
        let number = crate::superbill::number(&opts.period, pid);
        done.push(Done::held(
            &number,
            pid,
            &opts.period,
            Findings::default(),
            &holds.reasons(pid),
        ));
    }
    done.sort_by(|a, b| a.number.cmp(&b.number));
    // Money facts of the patient, not figures of the superbill: shown for
    // held superbills too, so the money still reconciles.
    for d in &mut done {
        if let Some(row) = d.row.as_mut().filter(|r| r.status == Status::Held) {
            let get = |m: &BTreeMap<String, Cents>| m.get(&row.patient_id).copied();
            row.credit = get(&plan.ledger.credit).unwrap_or_default();
            row.held = get(&plan.ledger.held).unwrap_or_default();
        }
    }

    let mut session_superbill = SessionBills::default();
    let mut held_sessions = SessionBills::default();
    for d in &mut done {
        findings.extend(std::mem::take(&mut d.findings));
        // Moved, or copied from the revision where only it kept them (the
        // ids are inline: no allocation per session).
        let sessions = d.billed_sessions();
        session_superbill.add(&d.number, sessions);
        let group = std::mem::take(&mut d.group_sessions);
        if d.status == Status::Held {
            held_sessions.add(&d.number, group);
        }
    }
    let (session_superbill, held_sessions) =
        pool.install(|| rayon::join(|| session_superbill.done(), || held_sessions.done()));
    findings.sort();
    let mut fates = pool.install(|| plan.fates(&findings, &session_superbill));
    mark_held(loaded, &mut fates, &held_sessions, &findings);
    let mut rows = rows::count(&fates)?;
    for c in &mut rows {
        c.file = loaded.inputs.source_name(&c.file).to_string();
    }
    let skipped = export::skipped::by_reason(&fates);
    let bad_payments: HashSet<u64> = findings
        .items
        .iter()
        .filter(|f| f.severity == Severity::Error && f.file == PAYMENTS_FILE)
        .map(|f| f.line)
        .collect();
    let receipts = export::receipts::received(&loaded.inputs.payments, &opts.period, &bad_payments);

    let extra = Extra {
        receipts: &receipts,
        fates: &fates,
        session_superbill: &session_superbill,
        held_sessions: &held_sessions,
    };
    // From here on findings are only shown and written: a workbook read in
    // place of a CSV is named as the user knows it.
    loaded.inputs.name_sources(&mut findings);
    let (exports, missing_xero_codes) = match ledger {
        None => (Exports::new(), Vec::new()),
        Some(ledger) => compose_exports(loaded, &plan, &done, &findings, &extra, ledger, &pool)?,
    };
    // What the report needs of the plan, the payments and the sessions;
    // then the plan, the row fates, the maps of sessions, the validation
    // results and the holds are freed while the folder is tidied, before
    // the manifest is built: they were all still held when it was, the
    // run's peak (at a million sessions, a fifth of it).
    let credit = plan.ledger.credit.values().copied().sum();
    let held_money = plan.ledger.held.values().copied().sum();
    let received = receipts
        .iter()
        .map(|p| p.amount)
        .filter(|a| !a.is_negative())
        .sum();
    let refunded = -receipts
        .iter()
        .map(|p| p.amount)
        .filter(|a| a.is_negative())
        .sum::<Cents>();
    let anyone = holds.anyone.len();
    let freeing = free_soon((
        plan.into_owned(),
        fates,
        session_superbill,
        held_sessions,
        validated,
        holds,
    ));
    drop(receipts);

    // Each issued superbill's revision moves into the history (not a copy:
    // at a million sessions the revisions list a million session ids).
    let mut history = std::mem::take(&mut out.previous.history);
    let mut corrected = Vec::new();
    for d in done.iter_mut().filter(|d| d.status != Status::Held) {
        let Some(mut r) = d.revision.take().map(|r| *r) else {
            continue;
        };
        if let Some(pdf) = d.files.first() {
            r.sha256 = pdf.sha256.map(hex::encode).unwrap_or_default();
            r.source = hex::encode(pdf.source);
        }
        let h = history.entry(r.number.to_string()).or_default();
        let again = h.last().map(|p| p.revision) == Some(r.revision);
        if d.row.is_some() && r.revision > 1 && !again {
            corrected.push((r.number.to_string(), r.revision));
        }
        match h.last_mut() {
            Some(last) if last.revision == r.revision => *last = r,
            _ => {
                // Room for this one only: a first push makes room for four
                // revisions (650 bytes unused per superbill, 120 MB at a
                // million sessions), and most superbills have one.
                h.reserve_exact(1);
                h.push(r)
            }
        }
    }
    let issued: Vec<&Done> = done
        .iter()
        .filter(|d| d.status != Status::Held && d.row.is_some())
        .collect();
    // A long month may need journal-xero-2.csv: claimed like the rest.
    let more: BTreeSet<String> = exports
        .keys()
        .filter(|n| !exports_claimed.contains(&n.as_str()))
        .cloned()
        .collect();
    if !more.is_empty() {
        out.claim(&more, &me)?;
    }
    let removed = {
        let keep: BTreeSet<&str> = issued
            .iter()
            .flat_map(|d| d.files.iter().map(|f| f.name.as_str()))
            .chain(exports.keys().map(String::as_str))
            .chain([MANIFEST_FILE])
            .collect();
        if opts.dry_run {
            out.stale(&keep)
        } else {
            out.remove_stale(&keep)?
        }
    };
    interrupted(opts)?;
    // Every issued superbill has a row (the filter above).
    let summary: Vec<&SummaryRow> = issued.iter().filter_map(|d| d.row.as_ref()).collect();
    let sum = |f: fn(&SummaryRow) -> Cents| summary.iter().map(|r| f(r)).sum();
    let mut report = Report {
        superbills: issued.len(),
        patients: issued.len(),
        lines: summary.iter().map(|r| r.lines).sum(),
        charged: sum(|r| r.charged),
        paid: sum(|r| r.paid),
        balance: sum(|r| r.balance),
        credit,
        held_money,
        received,
        refunded,
        rows,
        skipped,
        sessions_in_period: loaded
            .inputs
            .sessions
            .iter()
            .filter(|s| opts.period.contains(s.date))
            .count(),
        months: {
            // Formatted once per month, not once per session.
            let firsts: BTreeSet<NaiveDate> = loaded
                .inputs
                .sessions
                .iter()
                .filter_map(|s| s.date.with_day(1))
                .collect();
            firsts
                .iter()
                .map(|d| d.format("%Y-%m").to_string())
                .collect()
        },
        missing_xero_codes,
        findings,
        files: Vec::new(),
        held: done
            .iter()
            .filter(|d| d.status == Status::Held && d.row.is_some())
            .map(|d| Held {
                number: d.number.to_string(),
                reasons: d.reasons.clone(),
            })
            .collect(),
        partial: issued
            .iter()
            .filter(|d| d.status == Status::Partial)
            .map(|d| d.number.to_string())
            .collect(),
        corrected,
        anyone,
        removed,
        shard_superbills: issued.iter().filter(|d| !d.files.is_empty()).count(),
    };
    // The manifest is built from what is still held, so the freed pages
    // go back first (they would otherwise count toward the peak beside it).
    freeing.wait();
    report.files = write_exports(loaded, done, history, exports, opts, &mut out)?;
    out.finish();
    Ok(report)
}

/// `jobs` threads for what the batch does side by side (at least one).
pub fn workers(jobs: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .map_err(|e| Error::Other(format!("cannot start worker threads: {e}")))
}

/// Frees `x` on a thread of its own while the caller goes on. A million
/// sessions leave millions of small allocations; freeing them took seconds
/// of the run's last, single threaded stretch, and a command line run
/// exits right after anyway. [`Freeing::wait`] returns once `x` is freed
/// and the pages are handed back to the system; a caller that does not
/// wait lets the thread finish on its own. Should no thread start, `x` is
/// freed at once.
fn free_soon<T: Send + 'static>(x: T) -> Freeing {
    Freeing(
        std::thread::Builder::new()
            .name("free".into())
            .spawn(move || drop(x))
            .ok(),
    )
}

struct Freeing(Option<std::thread::JoinHandle<()>>);

impl Freeing {
    fn wait(self) {
        if let Some(h) = self.0 {
            let _ = h.join();
        }
        release_freed_memory();
    }
}

/// Hands the pages glibc's allocator holds free back to the system. glibc
/// keeps the free space of its per-thread heaps, and rendering leaves it in
/// holes between live blocks that it never trims by itself: a batch of
/// 18,519 superbills held 682 MB resident with this off, 473 MB with it on,
/// for no more CPU (README, "Content streams"). The `superbill` program
/// allocates with mimalloc, which returns freed pages by itself (this then
/// trims only what C code took from glibc); a program that keeps glibc's
/// allocator for the library still needs it.
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages; it is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// A document's file for a superbill, relative to the output folder.
fn file_path(doc: &dyn Document, number: &str) -> String {
    format!("{}/{}", doc.folder(), doc.file_name(number))
}

/// The exports whose names never change, besides the superbills and the
/// manifest (journal-xero-N.csv are added as a month needs them).
const EXPORTS: [&str; 12] = [
    "ledger.csv",
    "payments.csv",
    "summary.csv",
    "rejects.csv",
    "skipped.csv",
    "receipts.csv",
    "totals-by-code.csv",
    "totals-by-provider.csv",
    "totals-by-method.csv",
    "totals-by-day.csv",
    "journal.csv",
    "journal-xero.csv",
];

/// Output files (relative to OUT), whether each was (or would be) written.
type Files = Vec<(String, bool)>;

/// What the accountant's exports are made from, beside the superbills.
struct Extra<'a> {
    receipts: &'a [&'a crate::input::Payment],
    fates: &'a export::skipped::Fates,
    session_superbill: &'a SessionBills,
    held_sessions: &'a SessionBills,
}

/// Errors that make every superbill wrong stop the batch before anything
/// is written: the practice's own identifiers, files and templates, or an
/// input file that cannot be read as a whole (an empty payments.csv would print "paid $0" on every
/// superbill).
fn refuse_unusable(loaded: &Loaded, findings: &Findings) -> Result<()> {
    let fatal: Vec<String> = findings
        .items
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .filter(|f| {
            (f.file == PRACTICE_FILE && f.record_id == "practice")
                || f.file.starts_with("templates/")
                || (crate::findings::is_whole_file(f.code)
                    && (f.record_id.is_empty() || f.code == "csv-unclosed-quote"))
        })
        .map(|f| {
            let field = if f.field.is_empty() {
                String::new()
            } else {
                format!(" {}:", f.field)
            };
            let file = loaded.inputs.source_name(&f.file);
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

/// Sessions of held superbills were not billed, nor rejected (they have
/// no error): skipped, with their superbill.
fn mark_held(
    loaded: &Loaded,
    fates: &mut [(&'static str, Vec<(u64, Fate)>)],
    held_sessions: &SessionBills,
    findings: &Findings,
) {
    let lines: HashSet<u64> = loaded
        .inputs
        .sessions
        .iter()
        .filter(|s| held_sessions.contains(&s.session_id))
        .map(|s| s.line)
        .collect();
    let bad: HashSet<u64> = findings
        .items
        .iter()
        .filter(|f| f.severity == Severity::Error && f.file == SESSIONS_FILE)
        .map(|f| f.line)
        .collect();
    for (file, v) in fates.iter_mut() {
        if *file != SESSIONS_FILE {
            continue;
        }
        for (line, fate) in v.iter_mut() {
            if lines.contains(line) && !bad.contains(line) {
                *fate = Fate::Skipped("superbill held");
            }
        }
    }
}

/// Builds, renders and writes every superbill in parallel; results come
/// back in plan order whatever the thread count.
#[allow(clippy::too_many_arguments)]
fn produce(
    loaded: &Loaded,
    plan: &Plan,
    holds: &hold::Holds,
    opts: &BatchOptions,
    out: &OutDir,
    documents: &[Box<dyn Document>],
    progress: &(dyn Fn(usize, usize) + Sync),
    mut ledger: Option<&mut LedgerStream>,
    pool: &rayon::ThreadPool,
) -> Result<Vec<Done>> {
    let count = AtomicUsize::new(0);
    let total = plan.groups.len();
    let ctx = issue::Ctx {
        loaded,
        plan,
        holds,
        documents,
        dry_run: opts.dry_run,
        previous: &out.previous,
        out: &out.path,
        fresh: out.fresh(),
        partial: opts.partial,
        credit: &plan.ledger.credit,
        held_money: &plan.ledger.held,
        shard: opts.shard,
        from_shards: opts.from_shards.as_ref(),
        strings: &export::ledger::Strings::default(),
    };
    // In superbill number order, a slice at a time: each slice renders in
    // parallel, and its ledger lines go to ledger.csv and the totals in
    // that order (while the next slice renders) and are dropped, so the
    // lines of at most two slices are held at once.
    let mut order: Vec<(String, &crate::superbill::Group)> = plan
        .groups
        .iter()
        .map(|g| {
            (
                crate::superbill::number(&opts.period, &g.patient.patient_id),
                g,
            )
        })
        .collect();
    order.sort_by(|a, b| a.0.cmp(&b.0));
    let mut done = Vec::with_capacity(order.len());
    // A slice's lines go to the ledger while the next slice renders: on
    // the main thread between slices they left the workers idle.
    let mut issued: Vec<Done> = Vec::new();
    for slice in order.chunks(SLICE) {
        let previous = std::mem::take(&mut issued);
        let (results, ()) = pool.install(|| {
            rayon::join(
                || {
                    slice
                        .par_iter()
                        .map(|(_, g)| {
                            interrupted(opts)?;
                            let d = issue::issue(&ctx, g)?;
                            progress(count.fetch_add(1, Ordering::Relaxed) + 1, total);
                            Ok(d)
                        })
                        .collect::<Vec<Result<Done>>>()
                },
                || to_ledger(previous, ledger.as_deref_mut(), &mut done),
            )
        });
        // The first error in number order, as one thread would meet it.
        issued = results.into_iter().collect::<Result<Vec<Done>>>()?;
    }
    to_ledger(issued, ledger, &mut done);
    Ok(done)
}

/// Issued superbills, in order: their lines to ledger.csv and the totals,
/// then kept without them.
fn to_ledger(issued: Vec<Done>, mut ledger: Option<&mut LedgerStream>, done: &mut Vec<Done>) {
    for mut d in issued {
        if let Some(s) = ledger.as_mut().filter(|_| d.status != Status::Held) {
            s.add(&d.lines);
        }
        d.lines = Vec::new();
        if d.status != Status::Held {
            // Only a held superbill's sessions are looked up later.
            d.group_sessions = Vec::new();
        }
        done.push(d.compacted());
    }
}

/// Superbills rendered in parallel at a time, their lines flushed to the
/// ledger during the next slice: enough to keep every thread busy, few
/// enough that their lines weigh little.
const SLICE: usize = 2048;

/// ledger.csv and the totals of its lines, made as superbills are issued.
struct LedgerStream<'a> {
    /// The output folder, where every export is staged.
    dir: &'a Path,
    dry_run: bool,
    csv: export::Csv<Staged>,
    tally: export::breakdowns::Tally,
    money: export::breakdowns::SessionMoney<'a>,
}

impl<'a> LedgerStream<'a> {
    /// The money of the sessions billed here, not of every month's.
    fn money(ledger: &'a Ledger, plan: &Plan) -> export::breakdowns::SessionMoney<'a> {
        export::breakdowns::session_money(ledger, |s| plan.has_payments(s))
    }

    fn new(
        dir: &'a Path,
        dry_run: bool,
        money: export::breakdowns::SessionMoney<'a>,
    ) -> Result<Self> {
        Ok(LedgerStream {
            dir,
            dry_run,
            csv: export::Csv::to(Staged::new(dir, dry_run)?, &export::LEDGER_HEADER),
            tally: Default::default(),
            money,
        })
    }

    /// One issued superbill's lines, in order.
    fn add(&mut self, lines: &[LedgerLine]) {
        let lines: Vec<&LedgerLine> = lines.iter().collect();
        export::ledger::ledger_rows(&mut self.csv, lines.iter().copied());
        let money = export::breakdowns::line_payments_of(&lines, &self.money);
        self.tally.add(&lines, &money);
    }
}

/// Every export but the superbills and the manifest, by file name; and the
/// accounts the Xero journal lacks codes for.
fn compose_exports(
    loaded: &Loaded,
    plan: &Plan,
    done: &[Done],
    findings: &Findings,
    extra: &Extra,
    ledger: LedgerStream,
    pool: &rayon::ThreadPool,
) -> Result<(Exports, Vec<String>)> {
    let out = ledger.dir;
    let stage = || Staged::new(out, ledger.dry_run);
    let rejects: Vec<_> = findings
        .items
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    let summary: Vec<&SummaryRow> = done.iter().filter_map(|d| d.row.as_ref()).collect();
    // Each export goes to disk as it is written (a million sessions make
    // hundreds of megabytes of CSV), named only once all are complete.
    let mut outputs = Exports::new();
    let io = |name: &str, e| Error::io(out.join(name), e);
    let staged = ledger.csv.into_inner().map_err(|e| io("ledger.csv", e))?;
    outputs.insert("ledger.csv".to_string(), staged);
    // Received in the period, for a session after the run: the ledger
    // leaves them for their month, payments.csv lists them as held.
    let waiting: Vec<&crate::input::Payment> = extra
        .receipts
        .iter()
        .filter(|p| !plan.ledger.unapplied.contains_key(&p.payment_id))
        .copied()
        .collect();
    // The long exports are independent of one another: written side by
    // side (a million sessions kept one core busy for seconds on each).
    type Job<'j> = Box<dyn FnOnce(Staged) -> std::io::Result<Staged> + Send + 'j>;
    let jobs: Vec<(&str, Job)> = vec![
        (
            "payments.csv",
            Box::new(|s| {
                export::payments::write_payments(
                    s,
                    &loaded.inputs,
                    &plan.ledger,
                    extra.session_superbill,
                    extra.held_sessions,
                    &waiting,
                )
            }),
        ),
        (
            "summary.csv",
            Box::new(|s| export::summary::write_summary(s, &summary)),
        ),
        (
            "rejects.csv",
            Box::new(|s| export::write_findings(s, rejects)),
        ),
        (
            "skipped.csv",
            Box::new(|s| export::skipped::write_skipped(s, &loaded.inputs, extra.fates)),
        ),
        (
            "receipts.csv",
            Box::new(|s| export::receipts::write_receipts(s, extra.receipts)),
        ),
    ];
    let written: Vec<(&str, Result<Staged>)> = pool.install(|| {
        jobs.into_par_iter()
            .map(|(name, job)| {
                let staged = stage().and_then(|s| job(s).map_err(|e| io(name, e)));
                (name, staged)
            })
            .collect()
    });
    for (name, staged) in written {
        outputs.insert(name.to_string(), staged?);
    }
    // The small ones (a row per code, provider, method, day or journal
    // line) are made in memory.
    let mut small = |name: &str, bytes: &[u8]| -> Result<()> {
        let mut s = stage()?;
        std::io::Write::write_all(&mut s, bytes).map_err(|e| io(name, e))?;
        outputs.insert(name.to_string(), s);
        Ok(())
    };
    let breakdowns = ledger.tally.breakdowns(extra.receipts);
    for (name, bytes) in breakdowns.files() {
        small(name, &bytes)?;
    }
    let chart = &loaded.inputs.practice.accounts;
    let journal = export::journal::entries_of(&ledger.tally, extra.receipts, chart);
    small("journal.csv", &export::journal::quickbooks_csv(&journal))?;
    for (name, bytes) in export::journal::xero_files(&journal, chart) {
        small(&name, &bytes)?;
    }
    let missing_codes = export::journal::missing_xero_codes(&journal, chart);
    Ok((outputs, missing_codes))
}

/// The exports, by name, written but not yet named.
type Exports = BTreeMap<String, Staged>;

/// Writes the exports and, last, the manifest (with the history of every
/// superbill issued from the folder).
fn write_exports(
    loaded: &Loaded,
    mut done: Vec<Done>,
    history: BTreeMap<String, Vec<Revision>>,
    outputs: Exports,
    opts: &BatchOptions,
    out: &mut OutDir,
) -> Result<Files> {
    let me = identity(loaded, &opts.period);
    let mut manifest = Manifest {
        tool: "superbill".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        period: me.period,
        practice: me.practice,
        icd10cm_releases: loaded.icd.releases().map(|r| r.name.clone()).collect(),
        inputs: input_hashes(&loaded.inputs.dir)?,
        outputs: BTreeMap::new(),
        sources: BTreeMap::new(),
        history,
        shard: opts.shard.map(|s| ShardInfo {
            index: s.index,
            count: s.count,
            practice_dir: crate::outdir::resolve(&loaded.inputs.dir)
                .unwrap_or_else(|_| loaded.inputs.dir.clone()),
            as_of: opts.as_of,
            partial: opts.partial,
            documents: opts.extras,
        }),
    };
    let mut files: Vec<(String, bool)> = Vec::new();
    // Names and hashes move into the manifest: one copy of each, not three.
    for d in done.iter_mut().filter(|d| d.status != Status::Held) {
        for f in std::mem::take(&mut d.files) {
            files.push((f.name.clone(), f.written));
            manifest
                .sources
                .insert(f.name.clone(), hex::encode(f.source));
            let sha = f.sha256.map(hex::encode).unwrap_or_default();
            manifest.outputs.insert(f.name, sha);
        }
    }
    free_soon(done);
    for (name, staged) in outputs {
        interrupted(opts)?;
        let done = staged.commit(&out.path.join(&name))?;
        manifest.outputs.insert(name.clone(), done.sha256);
        files.push((name, done.written));
    }
    // The manifest last: it vouches for the files before it.
    interrupted(opts)?;
    // Written as it is serialised: it lists every file and revision.
    let path = out.path.join(MANIFEST_FILE);
    // In writes of a megabyte, not 8 KB: at a million sessions the
    // manifest is about 185 MB of JSON.
    let mut staged =
        std::io::BufWriter::with_capacity(1 << 20, Staged::new(&out.path, opts.dry_run)?);
    manifest
        .write_to(&mut staged)
        .map_err(|e| Error::io(&path, e))?;
    let staged = staged
        .into_inner()
        .map_err(|e| Error::io(&path, e.into_error()))?;
    files.push((MANIFEST_FILE.to_string(), staged.commit(&path)?.written));
    free_soon(manifest);
    Ok(files)
}

/// SHA-256 of each input file of the practice folder (the manifest's
/// `inputs`).
pub fn input_hashes(dir: &Path) -> Result<BTreeMap<String, String>> {
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
        match crate::manifest::sha256_file(&path) {
            Ok(sha) => {
                out.insert(name.to_string(), sha);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&path, e)),
        }
    }
    Ok(out)
}
