//! One module per subcommand: argument handling and printing around the
//! library stages.

pub mod batch;
pub mod codes;
pub mod docs;
pub mod explain;
pub mod json;
pub mod progress;
pub mod render;
pub mod samples;
pub mod summary;
pub mod totals;
pub mod validate;

use crate::cli::PracticeArgs;
use chrono::NaiveDate;

/// Today in local time. The command-line layer is the only place that
/// reads the clock: the library is handed "today", so runs are repeatable.
pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// `--as-of`, or today. Only used for checks relative to today; never
/// printed into documents.
pub fn as_of(args: &PracticeArgs) -> NaiveDate {
    args.as_of.unwrap_or_else(today)
}
