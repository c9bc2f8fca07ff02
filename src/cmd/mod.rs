//! One module per subcommand: argument handling and printing around the
//! library stages.

pub mod batch;
pub mod codes;
pub mod docs;
pub mod json;
pub mod progress;
pub mod render;
pub mod samples;
pub mod summary;
pub mod totals;
pub mod validate;

use crate::cli::PracticeArgs;
use chrono::NaiveDate;

/// `--as-of`, or today in local time. Only used for checks relative to
/// today; never printed into documents.
pub fn as_of(args: &PracticeArgs) -> NaiveDate {
    args.as_of
        .unwrap_or_else(|| chrono::Local::now().date_naive())
}

use crate::codes::Catalog;
use crate::error::Result;
use crate::findings::Findings;
use crate::icd10::CodeSet;
use crate::input::Inputs;
use std::path::Path;

/// A practice folder read with its code tables: the common first step of
/// validate, render and batch.
pub struct Loaded {
    pub inputs: Inputs,
    pub catalog: Catalog,
    pub icd: CodeSet,
}

pub fn load(dir: &Path, findings: &mut Findings) -> Result<Loaded> {
    let inputs = Inputs::load(dir, findings)?;
    let catalog = Catalog::load(Some(dir))?;
    let icd = CodeSet::load(&dir.join("codes").join("icd10cm"))?;
    Ok(Loaded {
        inputs,
        catalog,
        icd,
    })
}

/// Renderer options from practice.toml (paths relative to the practice).
pub fn render_options(loaded: &Loaded) -> crate::render::RenderOptions {
    let dir = &loaded.inputs.dir;
    let p = &loaded.inputs.practice;
    crate::render::RenderOptions {
        practice_dir: Some(dir.clone()),
        logo: p.logo.as_ref().map(|f| dir.join(f)),
        signature: p.signature.as_ref().map(|f| dir.join(f)),
        font: p.font.as_ref().map(|f| dir.join(f)),
        font_bold: p.font_bold.as_ref().map(|f| dir.join(f)),
    }
}
