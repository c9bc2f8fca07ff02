//! A practice folder, loaded: its exports (`input`), its code tables
//! (built-in defaults merged with the practice's own `codes/`, fees and
//! services) and its ICD-10-CM releases. Loading is the common first step
//! of validate, render and batch, and of the tests that drive the library
//! the way the CLI does.

use crate::codes::Catalog;
use crate::error::Result;
use crate::findings::Findings;
use crate::icd10::CodeSet;
use crate::input::Inputs;
use crate::render::RenderOptions;
use crate::validate::{self, Options, Validated};
use std::path::Path;

/// A practice folder read with its code tables.
pub struct Loaded {
    pub inputs: Inputs,
    pub catalog: Catalog,
    pub icd: CodeSet,
}

impl Loaded {
    /// Checks every row against the codes and rules ([`validate::run`] over
    /// this practice's exports and tables).
    pub fn validate(&self, opts: &Options, findings: &mut Findings) -> Validated {
        validate::run(&self.inputs, &self.catalog, &self.icd, opts, findings)
    }
}

/// Reads the practice folder at `dir`. Problems in rows become findings;
/// only a folder that cannot be used at all (no `practice.toml`, a broken
/// code table) is an error.
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
pub fn render_options(loaded: &Loaded) -> RenderOptions {
    render_options_of(&loaded.inputs)
}

/// The same, from the inputs alone (the preflight checks use it before
/// anything else is loaded).
pub fn render_options_of(inputs: &Inputs) -> RenderOptions {
    let dir = &inputs.dir;
    let p = &inputs.practice;
    RenderOptions {
        practice_dir: Some(dir.clone()),
        logo: p.logo.as_ref().map(|f| dir.join(f)),
        signature: p.signature.as_ref().map(|f| dir.join(f)),
        attestation: p.attestation_mode(),
        provider_signatures: p
            .providers
            .iter()
            .filter_map(|prov| Some((prov.id.clone(), dir.join(p.signature_of(&prov.id)?))))
            .collect(),
        font: p.font.as_ref().map(|f| dir.join(f)),
        font_bold: p.font_bold.as_ref().map(|f| dir.join(f)),
        extras: crate::render::Extras::of(&p.documents),
        fallback_fonts: p.fallback_fonts.iter().map(|f| dir.join(f)).collect(),
        no_system_fonts: !p.system_fonts,
    }
}
