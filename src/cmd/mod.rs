//! One module per subcommand: argument handling and printing around the
//! library stages.

pub mod batch;
pub mod cms1500;
pub mod codes;
pub mod docs;
pub mod estimate;
pub mod explain;
pub mod json;
pub mod merge;
pub mod portal;
pub mod progress;
pub mod render;
pub mod samples;
pub mod statement;
pub mod summary;
pub mod totals;
pub mod validate;

use crate::cli::{DocumentArgs, FormArgs, PracticeArgs, WithDoc};
use crate::error::{Error, Result};
use crate::practice::Loaded;
use crate::render::Extras;
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

/// The documents added to each superbill: practice.toml's `[documents]`,
/// then `--with`, `--data-only` and the offsets.
pub fn extras(args: &DocumentArgs, loaded: &Loaded) -> Result<Extras> {
    let settings = &loaded.inputs.practice.documents;
    let mut x = Extras::of(settings);
    if args.with.contains(&WithDoc::Cms1500) && x.cms1500.is_none() {
        x.cms1500 = Some(Extras::form_options(settings));
    }
    x.guide |= args.with.contains(&WithDoc::Guide);
    let p = &args.print;
    let form_flags = p.data_only || p.offset_x.is_some() || p.offset_y.is_some();
    if let Some(form) = x.cms1500.as_mut() {
        apply_form_flags(p, form)?;
    } else if form_flags {
        return Err(Error::Usage(
            "--data-only and --offset-x/-y say how the CMS-1500 prints: add --with cms1500".into(),
        ));
    }
    Ok(x)
}

/// `--data-only` and the offsets over practice.toml's.
pub fn apply_form_flags(args: &FormArgs, form: &mut crate::render::cms1500::Options) -> Result<()> {
    form.data_only |= args.data_only;
    if let Some(x) = args.offset_x {
        form.offset_x = x.0;
    }
    if let Some(y) = args.offset_y {
        form.offset_y = y.0;
    }
    if !form.data_only && (args.offset_x.is_some() || args.offset_y.is_some()) {
        return Err(Error::Usage(
            "--offset-x/-y move data printed on a pre-printed form: add --data-only".into(),
        ));
    }
    Ok(())
}
