//! The command line: subcommands that read like sentences. Each command
//! returns its exit code: 0 all good, 1 problems found in the data, 2
//! unusable arguments or configuration.

use crate::cmd;
use chrono::NaiveDate;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "superbill",
    version,
    about = "Turn a cash-pay clinic's session records into insurer-ready out-of-network superbills.",
    long_about = "Turn a cash-pay clinic's session records into insurer-ready out-of-network superbills (PDF) and exports for the accountant.\n\n\
A practice is a folder holding practice.toml, patients.csv, sessions.csv and payments.csv (see samples/cedar-ridge). \
Start with `superbill validate --practice DIR`, fix what it reports, then run `superbill batch`.",
    after_help = "Exit codes: 0 success, 1 problems found in the data (see the report), 2 unusable arguments or configuration, 130 interrupted.\n\n\
Examples:\n  superbill validate --practice samples/cedar-ridge --period 2026-09\n  superbill batch --practice samples/cedar-ridge --period 2026-09 --out out/\n  superbill codes lookup F33"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a practice's exports and list every problem that would get a claim denied
    #[command(
        long_about = "Check a practice's exports and list every problem that would get a claim denied.\n\n\
Reads practice.toml, patients.csv, sessions.csv and payments.csv; prints a summary grouped by problem; \
with --report writes every finding as CSV (severity,file,line,record_id,field,code,message). \
Exits 0 when there are no errors (warnings allowed), 1 when there are."
    )]
    Validate(ValidateArgs),
    /// Render one patient's superbill for a date range (front-desk use)
    #[command(
        long_about = "Render one patient's superbill for a date range (front-desk use).\n\n\
Validates the practice first and refuses, listing the findings, when this patient's row or sessions in the \
range (or the practice's own identifiers) have errors. The superbill number is SB-<range>-<patient_id>; the \
statement date is --to (or --as-of when earlier).\n\n\
Example:\n  superbill render --practice samples/cedar-ridge --patient P0001 --from 2026-09-01 --to 2026-09-30 --out P0001.pdf"
    )]
    Render(RenderArgs),
    /// Produce the month's superbills, ledger and exports for the accountant
    #[command(
        long_about = "Produce the month's superbills, ledger and exports for the accountant.\n\n\
Writes under --out: superbills/SB-<YYYYMM>-<patient_id>.pdf (one per patient with billable sessions), \
ledger.csv (one row per service line), payments.csv (how each payment was applied), receipts.csv (one row \
per payment received), summary.csv (one row per superbill, held ones included), totals-by-code.csv, \
totals-by-provider.csv, totals-by-method.csv and totals-by-day.csv (the month broken down), journal.csv \
(QuickBooks Online) and journal-xero.csv (Xero), skipped.csv (rows not billed, and why), rejects.csv (every \
error, as `validate --report`) and manifest.json (SHA-256 of every input and output, and the history of every \
superbill issued from the folder). A superbill that depends on a row with errors (the patient's row, a \
session of the month, a payment) is held: listed in summary.csv with the reasons, not issued. --partial \
issues it anyway, marked partial on every page with what it leaves out. A superbill issued again with \
different content is a corrected superbill with a revision number.\n\n\
The output folder holds one practice's batch for one period; it may not overlap the practice folder. Only \
files the batch wrote are ever overwritten or removed. Writes are atomic and skip unchanged files, so \
re-running is always safe; Ctrl-C stops cleanly.\n\n\
Exit codes: 0 every row billed or skipped, 1 rows rejected or superbills held, 2 unusable arguments, \
configuration or output folder (nothing written), 130 interrupted.\n\n\
Example:\n  superbill batch --practice samples/cedar-ridge --period 2026-09 --out out/2026-09"
    )]
    Batch(BatchArgs),
    /// Combine the folders of a sharded batch (`batch --shard K/N`) into the whole batch
    #[command(
        long_about = "Combine the folders of a sharded batch into the whole batch: exactly the files one \
unsharded `superbill batch` writes, byte for byte (superbills, exports, manifest.json).\n\n\
`batch --shard K/N` renders only the documents of shard K's patients (each patient id belongs to one \
shard, by a stable hash) and writes them with a manifest naming the shard, the inputs' hashes and the \
options. merge checks that it is given every shard 1 to N once, all of one run (same inputs, period, \
--as-of, --partial, documents); reads the practice folder again (the one the shards' manifests name, or \
--practice) and refuses it unless its files are the ones the shards read; then runs the batch with each \
PDF taken from the shard that rendered it (checked against the data it was rendered from) instead of \
rendering it, and writes the exports once. The output folder follows batch's rules (lock, atomic writes, \
only our files replaced).\n\n\
Exit codes: as batch (0, 1 rows rejected or superbills held, 2 a shard missing, given twice, of another \
run or changed, or an unusable folder), 130 interrupted.\n\n\
Give the shards --merge-into with the folder merge writes: corrected superbills are numbered from its history.\n\n\
Example:\n  superbill batch --practice P --period 2026-09 --as-of 2026-10-05 --shard 1/2 --merge-into out/2026-09 --out work/1\n  \
superbill batch --practice P --period 2026-09 --as-of 2026-10-05 --shard 2/2 --merge-into out/2026-09 --out work/2\n  \
superbill merge --out out/2026-09 work/1 work/2"
    )]
    Merge(MergeArgs),
    /// Look up and search code sets; import a new ICD-10-CM release
    #[command(subcommand)]
    Codes(CodesCommand),
    /// The CMS-1500 claim form: an alignment page for pre-printed forms
    #[command(subcommand)]
    Cms1500(Cms1500Command),
    /// Year-to-date totals for the accountant, month by month
    #[command(
        long_about = "Year-to-date totals for the accountant, month by month: superbills, sessions, charged, \
paid (applied to each month's superbills), money received and refunded (by payment date), balance due, \
patient credit and money held for sessions not billed.\n\n\
Reads the practice folder and computes every month the way `superbill batch` does (nothing is written), \
so the figures never depend on which batches were run or re-run. Months run from January to the month of \
--as-of (all twelve for a past year).\n\n\
Example:\n  superbill totals --practice samples/cedar-ridge --year 2026 --as-of 2026-10-05"
    )]
    Totals(TotalsArgs),
    /// Each patient's year-end statement of amounts paid for care (HSA/FSA, IRS Publication 502)
    #[command(
        long_about = "Each patient's year-end statement: one PDF per patient with a billed service or a payment \
in the year (every date of service with the service in plain words and its charge, every payment and refund \
with its date and method, the totals, the practice's tax ID), plus statements.csv. It is a record of \
amounts paid for medical care for HSA/FSA records and the IRS Publication 502 deduction. Services are \
billed month by month exactly as the monthly batches bill them, so the statements agree to the cent with \
the months' ledger.csv and receipts.csv. A patient whose rows have errors is held (exit 1), not issued.\n\n\
Example:\n  superbill statement --practice samples/cedar-ridge --year 2026 --out statements-2026"
    )]
    Statement(StatementArgs),
    /// A Good Faith Estimate for a self-pay patient from a treatment plan (plans/*.toml)
    #[command(
        long_about = "A Good Faith Estimate (No Surprises Act, 45 CFR 149.610) for a self-pay patient: the \
expected services of a treatment plan itemised with codes and charges from the practice's fee schedule, \
each provider's name, NPI and TIN, the location, the expected diagnoses, the period of care, and the \
required disclaimers. A plan is a TOML file, usually in the practice's plans/ folder (see \
samples/cedar-ridge/plans/). Ranges of minutes or dose are priced at the end that costs more. The \
estimate is dated --as-of (default today).\n\n\
Example:\n  superbill estimate --practice samples/cedar-ridge --patient P0001 --plan plans/ketamine-iv.toml --out gfe.pdf"
    )]
    Estimate(EstimateArgs),
    /// Generate synthetic practices for demos and benchmarks
    #[command(subcommand)]
    Samples(SamplesCommand),
    /// Let patients download their own superbills: invite, serve, revoke, audit
    #[command(
        subcommand,
        long_about = "Let patients download their own superbills.\n\n\
`portal invite` registers a finished batch folder's superbills in a SQLite database and invites each patient \
(a link and a one-time code, for your mail merge or sent by SMTP); `portal serve` runs the web portal where \
patients confirm their date of birth and code and download their PDFs; `portal revoke` ends a patient's access at \
once; `portal audit` lists who downloaded what, when and from where.\n\n\
Examples:\n  superbill portal invite --practice clinic/ --out out/2026-10 --db portal.sqlite --base-url https://portal.clinic.example\n  \
superbill portal serve --db portal.sqlite --listen 127.0.0.1:8080 --behind-tls\n  superbill portal revoke --db portal.sqlite --patient P0001\n  \
superbill portal audit --db portal.sqlite --patient P0001"
    )]
    Portal(PortalCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    #[command(long_about = "Print a shell completion script on stdout.\n\n\
Examples:\n  superbill completions bash > ~/.local/share/bash-completion/completions/superbill\n  \
superbill completions zsh > ~/.zfunc/_superbill\n  superbill completions fish > ~/.config/fish/completions/superbill.fish")]
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
    /// Explain a finding code: what it means, what it stops, how to fix it
    #[command(
        long_about = "Explain a finding code: what it means, its default severity, what it stops \
(the batch, the patient's superbill, or nothing) and how to fix it. Without a code, lists every code.\n\n\
Examples:\n  superbill explain csv-missing-column\n  superbill explain            # every code, one per line\n  \
superbill explain --json     # every code, for scripts"
    )]
    Explain(ExplainArgs),
    /// Print the manual page (roff) on stdout
    #[command(long_about = "Print the manual page (roff) on stdout.\n\n\
Example:\n  superbill man > superbill.1 && man ./superbill.1")]
    Man,
}

#[derive(Args)]
pub struct ExplainArgs {
    /// A finding code, as reports show it (e.g. icd-header)
    pub code: Option<String>,
    /// Print JSON on stdout
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print the README's table of every code (Markdown)
    #[arg(long)]
    pub markdown: bool,
}

#[derive(Args)]
pub struct TotalsArgs {
    #[command(flatten)]
    pub practice: PracticeArgs,
    /// The calendar year (YYYY)
    #[arg(long, value_name = "YYYY")]
    pub year: i32,
    /// Also write the month-by-month table to this CSV file
    #[arg(long, value_name = "FILE.csv")]
    pub csv: Option<PathBuf>,
    /// Print one JSON document on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct EstimateArgs {
    #[command(flatten)]
    pub practice: PracticeArgs,
    /// The patient's id (patient_id in patients.csv)
    #[arg(long, value_name = "ID")]
    pub patient: String,
    /// The treatment plan: a path, or a name in the practice's plans/ folder
    #[arg(long, value_name = "FILE.toml")]
    pub plan: PathBuf,
    /// The first expected visit (YYYY-MM-DD) [default: the estimate's date]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub start: Option<NaiveDate>,
    /// Where to write the PDF
    #[arg(long, value_name = "FILE.pdf")]
    pub out: PathBuf,
}

#[derive(Args)]
pub struct StatementArgs {
    #[command(flatten)]
    pub practice: PracticeArgs,
    /// The calendar year (YYYY)
    #[arg(long, value_name = "YYYY")]
    pub year: i32,
    /// The folder to write the statements and statements.csv to
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Args)]
pub struct PracticeArgs {
    /// The practice folder (practice.toml and the CSV exports); a path to
    /// its practice.toml is understood as the folder
    #[arg(long, value_name = "DIR", value_parser = practice_dir)]
    pub practice: PathBuf,
    /// Treat this as today for future-date and filing-limit checks [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
}

/// How a command reports: for people (default), for scripts, or only
/// problems.
#[derive(Args, Clone, Copy, Default)]
pub struct OutputArgs {
    /// Print one JSON document on stdout (counts, totals, findings, files) instead of the tables
    #[arg(long, conflicts_with = "quiet")]
    pub json: bool,
    /// Print only problems (errors and warnings); nothing when all is well
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub practice: PracticeArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Only check sessions dated in this month (YYYY-MM)
    #[arg(long, value_name = "YYYY-MM")]
    pub period: Option<String>,
    /// Also write every finding to this CSV file
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// List every finding instead of the first few of each kind
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub practice: PracticeArgs,
    /// The patient's id (patient_id in patients.csv)
    #[arg(long, value_name = "ID")]
    pub patient: String,
    /// First date of service to include (YYYY-MM-DD)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: NaiveDate,
    /// Last date of service to include (YYYY-MM-DD)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: NaiveDate,
    /// Where to write the PDF
    #[arg(long, value_name = "FILE.pdf")]
    pub out: PathBuf,
    /// Which document to render: the superbill, or the same claim on the CMS-1500 form
    #[arg(long, value_enum, default_value_t = Form::Superbill)]
    pub form: Form,
    /// Put the patient filing guide before the superbill's pages (as practice.toml's [documents] with = ["guide"] does)
    #[arg(long)]
    pub guide: bool,
    #[command(flatten)]
    pub print: FormArgs,
}

/// What `render` writes.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// The superbill
    Superbill,
    /// The CMS-1500 (02/12) claim form, one page per six service lines
    Cms1500,
}

/// A document added to each superbill.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum WithDoc {
    /// The CMS-1500 claim form of each superbill, in cms1500/
    Cms1500,
    /// A filing guide for the patient as the first page of each superbill PDF
    Guide,
}

/// Documents added to superbills, and how the CMS-1500 prints. Each adds to
/// practice.toml's [documents].
#[derive(Args, Clone, Default)]
pub struct DocumentArgs {
    /// Also produce DOC for each superbill: cms1500 (the claim form, in cms1500/), guide (a filing guide for the patient, the first page of each superbill PDF); repeat or comma-separate
    #[arg(long, value_enum, value_delimiter = ',', value_name = "DOC")]
    pub with: Vec<WithDoc>,
    #[command(flatten)]
    pub print: FormArgs,
}

/// How the CMS-1500 prints, over practice.toml's [documents.cms1500].
#[derive(Args, Clone, Default)]
pub struct FormArgs {
    /// Print only the CMS-1500's data, for pre-printed red forms
    #[arg(long)]
    pub data_only: bool,
    /// Move the CMS-1500 data right (negative: left): points, or 2mm, 0.1in (with --data-only)
    #[arg(long, value_name = "LEN", value_parser = length, allow_hyphen_values = true)]
    pub offset_x: Option<crate::cms1500::Length>,
    /// Move the CMS-1500 data down (negative: up): points, or 2mm, 0.1in (with --data-only)
    #[arg(long, value_name = "LEN", value_parser = length, allow_hyphen_values = true)]
    pub offset_y: Option<crate::cms1500::Length>,
}

fn length(s: &str) -> Result<crate::cms1500::Length, String> {
    crate::cms1500::Length::parse(s)
}

#[derive(Subcommand)]
pub enum Cms1500Command {
    /// Print an alignment page for pre-printed red CMS-1500 forms
    #[command(
        name = "test-page",
        long_about = "Print an alignment page for pre-printed red CMS-1500 forms.\n\n\
Every box the program fills is filled with X's, data only. Print it on a blank red form: every X belongs \
inside its box. If the printer shifts the page, print again with --offset-x (positive: right) and \
--offset-y (positive: down), in points (72 per inch) or with mm/in, and use the same offsets with \
`render --form cms1500 --data-only` and `batch --with cms1500 --data-only` (or put them in \
practice.toml's [documents.cms1500]).\n\n\
Example:\n  superbill cms1500 test-page --out align.pdf --offset-x 2mm --offset-y -1.5"
    )]
    TestPage {
        /// Where to write the PDF
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
        /// Take the offsets from this practice's [documents.cms1500]
        #[arg(long, value_name = "DIR", value_parser = practice_dir)]
        practice: Option<PathBuf>,
        /// Move the data right (negative: left): points, or 2mm, 0.1in
        #[arg(long, value_name = "LEN", value_parser = length, allow_hyphen_values = true)]
        offset_x: Option<crate::cms1500::Length>,
        /// Move the data down (negative: up): points, or 2mm, 0.1in
        #[arg(long, value_name = "LEN", value_parser = length, allow_hyphen_values = true)]
        offset_y: Option<crate::cms1500::Length>,
    },
}

#[derive(Args)]
pub struct BatchArgs {
    #[command(flatten)]
    pub practice: PracticeArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// The month to bill (YYYY-MM), by date of service in the practice's time zone
    #[arg(long, value_name = "YYYY-MM")]
    pub period: String,
    /// Output folder (created owner-only)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Check and count everything, print what would be written, write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Issue superbills that depend on rows with errors anyway, marked partial
    /// (every page says so, and lists the sessions and payments left out),
    /// instead of holding them
    #[arg(long)]
    pub partial: bool,
    /// Work with this many threads: checking, rendering and writing the
    /// exports [default: number of cores]
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,
    /// Plain progress lines even on a terminal
    #[arg(long)]
    pub no_progress: bool,
    #[command(flatten)]
    pub documents: DocumentArgs,
    /// Render only shard K of N (K counts from 1): the documents of the patients whose id hashes to K, and a manifest for `superbill merge`, which writes the exports
    #[arg(long, value_name = "K/N", value_parser = crate::shard::Shard::parse)]
    pub shard: Option<crate::shard::Shard>,
    /// With --shard: the folder `superbill merge` will write (read only here); its history numbers corrected superbills as the merged batch will
    #[arg(long, value_name = "DIR", requires = "shard")]
    pub merge_into: Option<PathBuf>,
}

#[derive(Args)]
pub struct MergeArgs {
    /// The folders of every shard (`batch --shard K/N --out DIR`), each once, in any order
    #[arg(required = true, value_name = "SHARD_DIR")]
    pub shards: Vec<PathBuf>,
    /// Output folder for the whole batch (created owner-only; not a shard's folder)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The practice folder the shards read [default: the one their manifests name]
    #[arg(long, value_name = "DIR", value_parser = practice_dir)]
    pub practice: Option<PathBuf>,
    /// Check the shards' manifests and inputs, count everything, print what would be written, write nothing (the real merge also checks each shard PDF's bytes)
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Build with this many threads [default: number of cores]
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,
    /// Plain progress lines even on a terminal
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Subcommand)]
pub enum CodesCommand {
    /// What a code means, whether it is billable, and its billable children
    #[command(
        long_about = "What a code means, whether it is billable, and its billable children.\n\n\
Answers for ICD-10-CM (F33.2 or F332) from the release covering --date, and for CPT/HCPCS from the \
procedure table (with a practice's own codes/procedures.csv and fees.csv when --practice is given). \
Exits 0 when the code is found, 1 when it is not (the answer then lists codes nearby)."
    )]
    Lookup {
        /// An ICD-10-CM code (F33.2 or F332) or a CPT/HCPCS code
        code: String,
        /// Answer for this date of service [default: today]
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        date: Option<NaiveDate>,
        /// Also use this practice's own code tables (codes/, fees.csv)
        #[arg(long, value_name = "DIR", value_parser = practice_dir)]
        practice: Option<PathBuf>,
        /// Print one JSON document on stdout
        #[arg(long)]
        json: bool,
    },
    /// Find procedure (CPT/HCPCS) and ICD-10-CM codes whose description holds all these words
    #[command(
        long_about = "Find codes whose description holds all these words: procedure codes (CPT/HCPCS, by the \
practice's own descriptions) first, then ICD-10-CM diagnoses from the release covering --date. \
A word may also be the start of a code (e.g. `F33` or `963`)."
    )]
    Search {
        #[arg(required = true)]
        words: Vec<String>,
        /// How many results to show of each kind
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Search the ICD-10-CM release covering this date [default: today]
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        date: Option<NaiveDate>,
        /// Also search this practice's own procedure codes
        #[arg(long, value_name = "DIR", value_parser = practice_dir)]
        practice: Option<PathBuf>,
    },
    /// Import an official ICD-10-CM tabular XML into codes/icd10cm/
    #[command(name = "import-icd10cm")]
    ImportIcd10cm {
        /// The tabular list XML, e.g. icd10cm-tabular-2027.xml
        xml: PathBuf,
        /// Folder to write the table into
        #[arg(long, default_value = "codes/icd10cm", value_name = "DIR")]
        out: PathBuf,
        /// Release name [default: derived from the file, e.g. FY2026-April]
        #[arg(long)]
        name: Option<String>,
        /// First date of service the release covers
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        from: Option<NaiveDate>,
        /// Last date of service the release covers
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        to: Option<NaiveDate>,
    },
}

#[derive(Subcommand)]
pub enum SamplesCommand {
    /// Write a synthetic practice folder (fictional people) of any size
    Generate {
        #[arg(long, default_value_t = 45)]
        patients: usize,
        #[arg(long, default_value_t = 1)]
        months: u32,
        /// First month (YYYY-MM)
        #[arg(long, default_value = "2026-09")]
        start: String,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

/// `--practice` accepts the folder or its practice.toml (a path a file
/// manager or shell completion hands over just as often).
fn practice_dir(s: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(s);
    if path.is_file() {
        return Ok(match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        });
    }
    Ok(path)
}

/// The clap definition, for completions and the man page.
pub fn command() -> clap::Command {
    Cli::command()
}

#[derive(Subcommand)]
pub enum PortalCommand {
    /// Register a finished batch's superbills and invite their patients
    #[command(
        long_about = "Register a finished batch's superbills and invite their patients.\n\n\
Reads --out (manifest.json, summary.csv, superbills/*.pdf; every PDF is checked against the manifest) and \
patients.csv in --practice (dob, and the optional email column). Each patient with a superbill gets one \
invitation: a link holding a random id and a 10-character code, valid --expires-days. The code is stored only \
as a slow salted hash together with the date of birth, so write it down now: it is shown once.\n\n\
Writes invites.csv (patient_id, email, link, code, expires; owner-only) for a mail merge, or with --send mails \
each invitation through [portal.smtp] in practice.toml and lists only the ones that could not be sent.\n\n\
Re-inviting after the next month's batch adds the new superbills to the same patient's list: a patient whose \
invitation is still valid keeps their code (their row has an empty code; the mail says new documents are ready) \
and its expiry moves out to the new date; --new-codes replaces every invitation instead (old links stop working).\n\n\
Exit codes: 0 every patient invited, 1 some could not be (listed), 2 unusable arguments or configuration."
    )]
    Invite(PortalInviteArgs),
    /// Serve the portal (HTML, no JavaScript) to patients
    #[command(long_about = "Serve the portal to patients.\n\n\
Patients open their invitation link, enter their date of birth and code, and download their PDFs. Sessions end \
when the browser closes or after --idle-minutes without activity. Serve on a loopback address behind a TLS \
reverse proxy (Caddy, nginx) and pass --behind-tls: cookies are then Secure and the client address is taken from \
the proxy's X-Forwarded-For (see deploy/ and the README). One line per request goes to stderr: method, route \
pattern and status, never ids.")]
    Serve(PortalServeArgs),
    /// Revoke a patient's invitations and end their sessions at once
    Revoke(PortalRevokeArgs),
    /// Who downloaded what, when, from where (ids only, never names)
    Audit(PortalAuditArgs),
}

#[derive(Args)]
pub struct PortalDbArgs {
    /// The portal's SQLite database (created owner-only by `portal invite`)
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
}

#[derive(Args)]
pub struct PortalInviteArgs {
    /// The practice folder (practice.toml and patients.csv)
    #[arg(long, value_name = "DIR", value_parser = practice_dir)]
    pub practice: PathBuf,
    /// The finished batch folder whose superbills to register
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The portal's SQLite database (created owner-only if missing)
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// Days a new invitation stays valid [default: [portal] expires_days, else 30]
    #[arg(long, value_name = "N")]
    pub expires_days: Option<u32>,
    /// The portal's public address, e.g. https://portal.clinic.example [default: [portal] base_url]
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Where to write the invitations for the mail merge [default: OUT/invites.csv]
    #[arg(long, value_name = "FILE")]
    pub invites: Option<PathBuf>,
    /// Mail the invitations through [portal.smtp] in practice.toml
    #[arg(long)]
    pub send: bool,
    /// New codes for everyone, even patients whose invitation is still valid
    #[arg(long)]
    pub new_codes: bool,
    /// Print the summary as JSON (never codes)
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct PortalServeArgs {
    #[command(flatten)]
    pub db: PortalDbArgs,
    /// Address and port to listen on (port 0 picks a free one)
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Sign patients out after this many minutes without activity
    #[arg(long, value_name = "N", default_value_t = 15)]
    pub idle_minutes: u32,
    /// Served through a TLS reverse proxy: Secure cookies, HSTS, client address from X-Forwarded-For
    #[arg(long)]
    pub behind_tls: bool,
    /// Also believe X-Forwarded-For from this proxy address (loopback always is, with --behind-tls)
    #[arg(long = "trusted-proxy", value_name = "IP")]
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

#[derive(Args)]
pub struct PortalRevokeArgs {
    #[command(flatten)]
    pub db: PortalDbArgs,
    /// The patient's id (patient_id in patients.csv)
    #[arg(long, value_name = "ID")]
    pub patient: String,
}

#[derive(Args)]
pub struct PortalAuditArgs {
    #[command(flatten)]
    pub db: PortalDbArgs,
    /// Only this patient's entries
    #[arg(long, value_name = "ID")]
    pub patient: Option<String>,
    /// Print the log as JSON
    #[arg(long)]
    pub json: bool,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date: use YYYY-MM-DD"))
}

/// Parses arguments, runs the command and returns the exit code.
pub fn run() -> i32 {
    let cli = Cli::parse();
    let json = match &cli.command {
        Command::Validate(a) => a.output.json,
        Command::Batch(a) => a.output.json,
        Command::Merge(a) => a.output.json,
        Command::Totals(a) => a.json,
        Command::Explain(a) => a.json,
        Command::Codes(CodesCommand::Lookup { json, .. }) => *json,
        Command::Portal(PortalCommand::Invite(a)) => a.json,
        Command::Portal(PortalCommand::Audit(a)) => a.json,
        _ => false,
    };
    let result = match cli.command {
        Command::Validate(a) => cmd::validate::run(&a),
        Command::Render(a) => cmd::render::run(&a),
        Command::Batch(a) => cmd::batch::run(&a),
        Command::Merge(a) => cmd::merge::run(&a),
        Command::Codes(c) => cmd::codes::run(c),
        Command::Cms1500(c) => cmd::cms1500::run(c),
        Command::Totals(a) => cmd::totals::run(&a),
        Command::Statement(a) => cmd::statement::run(&a),
        Command::Estimate(a) => cmd::estimate::run(&a),
        Command::Samples(c) => cmd::samples::run(c),
        Command::Completions { shell } => cmd::docs::completions(shell),
        Command::Explain(a) => cmd::explain::run(&a),
        Command::Man => cmd::docs::man(),
        Command::Portal(c) => cmd::portal::run(c),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            if matches!(e, crate::Error::Interrupted) {
                eprintln!("superbill: {e}");
            } else {
                eprintln!("superbill: error: {e}");
            }
            if json {
                // Scripts asked for JSON: they get a document even now.
                cmd::json::print(&cmd::json::failure(&e));
            }
            e.exit_code()
        }
    }
}
