//! The command line: subcommands that read like sentences. Each command
//! returns its exit code: 0 all good, 1 problems found in the data, 2
//! unusable arguments or configuration.

use crate::cmd;
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "superbill",
    version,
    about = "Turn a cash-pay clinic's session records into insurer-ready out-of-network superbills.",
    long_about = "Turn a cash-pay clinic's session records into insurer-ready out-of-network superbills (PDF) and exports for the accountant.\n\n\
A practice is a folder holding practice.toml, patients.csv, sessions.csv and payments.csv (see samples/cedar-ridge). \
Start with `superbill validate --practice DIR`, fix what it reports, then run `superbill batch`.",
    after_help = "Exit codes: 0 success, 1 problems found in the data (see the report), 2 unusable arguments or configuration.\n\n\
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
ledger.csv (one row per service line), payments.csv (how each payment was applied), summary.csv (one row \
per superbill), rejects.csv (every error, as `validate --report`) and manifest.json (SHA-256 of every input \
and output). Sessions with errors are left out and listed in rejects.csv; the patient's other sessions are \
still billed. Writes are atomic and skip unchanged files, so re-running is always safe.\n\n\
Exit codes: 0 every row billed or skipped, 1 some rows rejected, 2 unusable arguments or configuration.\n\n\
Example:\n  superbill batch --practice samples/cedar-ridge --period 2026-09 --out out/2026-09"
    )]
    Batch(BatchArgs),
    /// Look up and search code sets; import a new ICD-10-CM release
    #[command(subcommand)]
    Codes(CodesCommand),
    /// Generate synthetic practices for demos and benchmarks
    #[command(subcommand)]
    Samples(SamplesCommand),
}

#[derive(Args)]
pub struct PracticeArgs {
    /// The practice folder (practice.toml and the CSV exports)
    #[arg(long, value_name = "DIR")]
    pub practice: PathBuf,
    /// Treat this as today for future-date and filing-limit checks [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
}

#[derive(Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub practice: PracticeArgs,
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
}

#[derive(Args)]
pub struct BatchArgs {
    #[command(flatten)]
    pub practice: PracticeArgs,
    /// The month to bill (YYYY-MM), by date of service in the practice's time zone
    #[arg(long, value_name = "YYYY-MM")]
    pub period: String,
    /// Output folder (created owner-only)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Check and count everything, print what would be written, write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Render with this many threads [default: number of cores]
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,
    /// Plain progress lines even on a terminal
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Subcommand)]
pub enum CodesCommand {
    /// What a code means, whether it is billable, and its billable children
    Lookup {
        /// An ICD-10-CM code (F33.2 or F332) or a CPT/HCPCS code
        code: String,
        /// Answer for this date of service [default: today]
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        date: Option<NaiveDate>,
    },
    /// Find ICD-10-CM codes whose description holds all these words
    Search {
        #[arg(required = true)]
        words: Vec<String>,
        /// How many results to show
        #[arg(long, default_value_t = 20)]
        limit: usize,
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

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date: use YYYY-MM-DD"))
}

/// Parses arguments, runs the command and returns the exit code.
pub fn run() -> i32 {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate(a) => cmd::validate::run(&a),
        Command::Render(a) => cmd::render::run(&a),
        Command::Batch(a) => cmd::batch::run(&a),
        Command::Codes(c) => cmd::codes::run(c),
        Command::Samples(c) => cmd::samples::run(c),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("superbill: error: {e}");
            e.exit_code()
        }
    }
}
