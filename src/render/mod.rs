//! Rendering documents. `pdf` is the document-neutral PDF layer (canvas,
//! fonts, pager, images, deterministic assembly); each document is a folder
//! beside it that lays its own pages out with that layer: `superbill`
//! today, the CMS-1500, year-end statement and Good Faith Estimate next.
//!
//! The batch sees documents only through [`Document`]: adding one is a
//! folder here plus one line in [`documents`]. `guide` is a folder of
//! pages rather than a document of its own: the patient's filing guide,
//! which the superbill renderer puts before its pages (one file for the
//! patient).

pub mod cms1500;
pub mod estimate;
pub mod guide;
pub mod pdf;
pub mod statement;
pub mod superbill;

#[cfg(test)]
mod dummy;

use crate::superbill::Superbill;
use std::path::PathBuf;

/// Identifies the program's own sources (code, templates, code tables,
/// fonts, Cargo.lock) as computed by `build.rs`: a rebuilt program with
/// different sources renders documents again, an identical rebuild does
/// not. Hashing the sources at build time replaces hashing the binary at
/// every run.
pub const BUILD_ID: &str = env!("SUPERBILL_BUILD_ID");

/// A document rendered from a model `M`: by default one the batch writes
/// for each superbill it issues; the year-end statement renders from its
/// own model. Built once per run (fonts parsed, templates compiled) and
/// shared across threads.
pub trait Document<M = Superbill>: Send + Sync {
    /// The folder under the batch's output folder that holds this kind,
    /// e.g. `superbills`.
    fn folder(&self) -> &'static str;
    /// The file for the document numbered `number` inside
    /// [`Document::folder`], made of validated ids only, e.g.
    /// `SB-202609-P0001.pdf`. From the number alone: the batch knows every
    /// name it will write before it builds a superbill, and checks that
    /// nothing it did not write is in the way.
    fn file_name(&self, number: &str) -> String;
    /// The document's bytes: identical input, identical bytes.
    fn render(&self, sb: &M) -> crate::Result<Vec<u8>>;
    /// [`Document::fingerprint`] plus what only this document depends on:
    /// the machine's font files that draw its text (a CJK name drawn with
    /// this machine's Noto Sans CJK), so a re-run with another machine's
    /// font renders it again.
    fn fingerprint_for(&self, sb: &M) -> String {
        let _ = sb;
        self.fingerprint().to_string()
    }
    /// A digest of everything besides the superbill that shapes the bytes
    /// (this program's [`BUILD_ID`], templates, fonts, images): the same
    /// fingerprint and superbill data give the same file, which lets a
    /// re-run skip rendering what it already wrote.
    fn fingerprint(&self) -> &str;
}

/// `09/14/2026`: the date as US claim forms and superbills print it.
/// Written digit by digit: chrono's `format` reads its pattern on every
/// call, a visible cost when every line of every document prints a date.
pub fn us_date(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let year = d.year();
    if !(0..=9999).contains(&year) {
        return d.format("%m/%d/%Y").to_string();
    }
    let two = |n: u32| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
    let y = year as u32;
    let mut b = [0u8; 10];
    b[..2].copy_from_slice(&two(d.month()));
    b[2] = b'/';
    b[3..5].copy_from_slice(&two(d.day()));
    b[5] = b'/';
    b[6..8].copy_from_slice(&two(y / 100));
    b[8..].copy_from_slice(&two(y % 100));
    b.iter().map(|&c| c as char).collect()
}

/// Every document the batch writes per superbill, in output order. The
/// superbill itself comes first: `summary.csv` names its file.
pub fn documents(opts: &RenderOptions) -> crate::Result<Vec<Box<dyn Document>>> {
    let mut docs: Vec<Box<dyn Document>> = vec![
        Box::new(superbill::Renderer::new(opts.clone())?),
        // A test-only kind: proves a document needs nothing beyond its
        // folder and this line.
        #[cfg(test)]
        Box::new(dummy::Dummy::new(opts)?),
    ];
    if let Some(form) = opts.extras.cms1500 {
        docs.push(Box::new(cms1500::Renderer::new(form)?));
    }
    Ok(docs)
}

/// Where the renderers' optional inputs live. All paths are read once,
/// when a renderer is built.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// The practice folder; `templates/<name>.hbs` inside it overrides the
    /// built-in template of the same name (`title.hbs`,
    /// `patient_note.hbs`, `attestation.hbs`, `footer.hbs`, `guide.hbs`,
    /// and the payer types' own).
    pub practice_dir: Option<PathBuf>,
    /// PNG printed at the top left of page 1.
    pub logo: Option<PathBuf>,
    /// PNG printed on the billing provider's signature line (the practice's
    /// `signature`).
    pub signature: Option<PathBuf>,
    /// Who attests on a superbill: each rendering provider, or the billing
    /// provider.
    pub attestation: crate::input::Attestation,
    /// Each provider's signature PNG, by provider id: their own, or the
    /// practice's for a practice of one provider. A provider without one
    /// gets a blank line to sign by hand.
    pub provider_signatures: std::collections::BTreeMap<String, PathBuf>,
    /// TrueType font used instead of Helvetica/Liberation Sans; always
    /// embedded (subset) when set.
    pub font: Option<PathBuf>,
    pub font_bold: Option<PathBuf>,
    /// Documents added to the superbill.
    pub extras: Extras,
    /// Fonts tried after `font` for characters it lacks, before the bundled
    /// ones (see [`pdf::fonts`] for the whole chain).
    pub fallback_fonts: Vec<PathBuf>,
    /// Leave the machine's own fonts out of the chain (practice.toml
    /// `system_fonts = false`): output then depends on the practice folder
    /// and this program alone.
    pub no_system_fonts: bool,
}

impl RenderOptions {
    /// The font chain these options ask for.
    pub fn font_choice(&self) -> pdf::fonts::FontChoice {
        pdf::fonts::FontChoice {
            font: self.font.clone(),
            font_bold: self.font_bold.clone(),
            fallback: self.fallback_fonts.clone(),
            no_system_fonts: self.no_system_fonts,
        }
    }
}

/// What the PDF can draw, for checking text before rendering (validate):
/// the same chain and the same rule as the renderers (WinAnsi text with the
/// default fonts is drawn by the built-in Helvetica; anything else needs a
/// face of the chain).
pub struct Glyphs {
    fonts: pdf::fonts::FontSet,
}

impl Glyphs {
    pub fn load(opts: &RenderOptions) -> crate::Result<Glyphs> {
        Ok(Glyphs {
            fonts: pdf::fonts::FontSet::new(&opts.font_choice())?,
        })
    }

    /// The first character of `text` the PDF could not draw.
    pub fn missing(&self, text: &str) -> Option<char> {
        let f = &self.fonts;
        if f.builtin.is_some()
            && text
                .chars()
                .all(|c| c.is_control() || pdf::fonts::is_win_ansi(c))
        {
            return None;
        }
        f.missing(text)
    }

    /// The fonts a missing character was looked for in, for messages.
    pub fn font_name(&self) -> String {
        self.fonts.chain_description()
    }
}

/// Documents added to each superbill, and how: practice.toml's
/// `[documents]`, then the command line (`--with`, `--data-only`,
/// `--offset-x/-y`).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Extras {
    /// Each superbill's CMS-1500 beside it (`cms1500/`), printed so.
    pub cms1500: Option<cms1500::Options>,
    /// The patient's filing guide as the first page of each superbill's
    /// PDF (see [`guide`]).
    pub guide: bool,
}

impl Extras {
    /// What practice.toml asks for.
    pub fn of(settings: &crate::input::DocumentSettings) -> Extras {
        use crate::input::Extra;
        Extras {
            cms1500: settings
                .with
                .contains(&Extra::Cms1500)
                .then(|| Extras::form_options(settings)),
            guide: settings.with.contains(&Extra::Guide),
        }
    }

    /// How the CMS-1500 prints when asked for (by `--with cms1500` or
    /// `render --form cms1500`) though practice.toml does not add it.
    pub fn form_options(settings: &crate::input::DocumentSettings) -> cms1500::Options {
        let c = &settings.cms1500;
        cms1500::Options {
            data_only: c.data_only,
            offset_x: c.offset_x.map_or(0.0, |l| l.0),
            offset_y: c.offset_y.map_or(0.0, |l| l.0),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn us_dates_are_what_chrono_writes() {
        let mut d = chrono::NaiveDate::from_ymd_opt(1899, 12, 25).unwrap();
        let end = chrono::NaiveDate::from_ymd_opt(2101, 1, 5).unwrap();
        let mut checked = 0;
        while d <= end {
            assert_eq!(super::us_date(d), d.format("%m/%d/%Y").to_string());
            d = d.succ_opt().unwrap();
            checked += 1;
        }
        assert!(checked > 73_000);
        for far in [(12_000, 2, 29), (-5, 1, 1), (9999, 12, 31), (0, 1, 1)] {
            let d = chrono::NaiveDate::from_ymd_opt(far.0, far.1, far.2).unwrap();
            assert_eq!(super::us_date(d), d.format("%m/%d/%Y").to_string());
        }
    }
}
