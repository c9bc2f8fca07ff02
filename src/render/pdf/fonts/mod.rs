//! Fonts: the fallback chain that draws any name in any script, the
//! WinAnsi check that lets most documents use the built-in Helvetica (not
//! embedded, nothing to prepare), and the glyph check that refuses a
//! character no font can draw instead of printing `?` or a box.
//!
//! The chain, first match wins for each character (a space or a name's
//! punctuation after text of another face stays in that face when it has
//! it; see [`text`]):
//! 1. the practice's `font` / `font_bold` (practice.toml), then its
//!    `fallback_fonts`, in order;
//! 2. Liberation Sans (bundled; Helvetica's metrics);
//! 3. Noto Sans Hebrew and Noto Sans Arabic (bundled);
//! 4. the machine's fonts, found by fontdb in a fixed order (Noto Sans CJK
//!    first; see [`system`]), unless practice.toml sets
//!    `system_fonts = false`.
//!
//! Private-use characters are refused whatever the fonts: they mean
//! nothing to an insurer.
//!
//! - [`face`]: one face, its metrics and identity;
//! - [`text`]: a line of text into glyph runs (fallback, right-to-left
//!   order with unicode-bidi, shaping with rustybuzz);
//! - [`embed`]: the subsets a document embeds, prepared once per glyph set;
//! - [`truetype`]: a TrueType subset, written in the layout `program`
//!   embeds;
//! - [`program`]: a subset's font program, the tables every subset of a
//!   face shares deflated once.

pub mod embed;
pub mod face;
mod program;
pub mod script;
mod system;
pub mod text;
mod truetype;

pub use face::Face;
use face::Origin;
use printpdf::{BuiltinFont, PdfFontHandle};
use std::path::{Path, PathBuf};

const LIBERATION_REGULAR: &[u8] =
    include_bytes!("../../../../assets/fonts/LiberationSans-Regular.ttf");
const LIBERATION_BOLD: &[u8] = include_bytes!("../../../../assets/fonts/LiberationSans-Bold.ttf");
/// Courier's metrics (every glyph 0.6 em), for forms printed on a
/// character grid (the CMS-1500); one weight serves both.
const LIBERATION_MONO: &[u8] =
    include_bytes!("../../../../assets/fonts/LiberationMono-Regular.ttf");
const HEBREW_REGULAR: &[u8] = include_bytes!("../../../../assets/fonts/NotoSansHebrew-Regular.ttf");
const HEBREW_BOLD: &[u8] = include_bytes!("../../../../assets/fonts/NotoSansHebrew-Bold.ttf");
const ARABIC_REGULAR: &[u8] = include_bytes!("../../../../assets/fonts/NotoSansArabic-Regular.ttf");
const ARABIC_BOLD: &[u8] = include_bytes!("../../../../assets/fonts/NotoSansArabic-Bold.ttf");

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Weight {
    Regular,
    Bold,
}

/// A regular face and, when the family has one, its bold face.
pub struct Family {
    pub regular: Face,
    pub bold: Option<Face>,
}

impl Family {
    /// The face for `w`, and the other weight of the family to try when
    /// that face lacks a character (a bold name in a script whose font has
    /// only a regular face still prints).
    fn faces(&self, w: Weight) -> (&Face, Option<&Face>) {
        match (w, &self.bold) {
            (Weight::Bold, Some(b)) => (b, Some(&self.regular)),
            (Weight::Regular, Some(b)) => (&self.regular, Some(b)),
            (_, None) => (&self.regular, None),
        }
    }
}

/// What the practice says about fonts (practice.toml).
#[derive(Debug, Clone, Default)]
pub struct FontChoice {
    pub font: Option<PathBuf>,
    pub font_bold: Option<PathBuf>,
    /// Further fonts tried, in order, before the bundled ones.
    pub fallback: Vec<PathBuf>,
    /// Whether the machine's own fonts end the chain.
    pub no_system_fonts: bool,
}

/// The fallback chain, built once per batch and shared across threads.
pub struct FontSet {
    /// Fixed links, the primary family (the practice's or Liberation Sans)
    /// first.
    families: Vec<Family>,
    system: Option<system::SystemFonts>,
    /// The built-in family with the primary faces' glyph widths (Helvetica
    /// for Liberation Sans, Courier for Liberation Mono), so WinAnsi text
    /// may use it unembedded; none for a practice's own font.
    pub builtin: Option<Builtin>,
    pub subsets: embed::SubsetCache,
    shaped: text::ShapedCache,
}

/// The standard-14 families whose metrics the bundled faces share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    Helvetica,
    Courier,
}

impl FontSet {
    /// The default chain with the practice's regular and bold fonts first.
    pub fn load(regular: Option<&Path>, bold: Option<&Path>) -> crate::Result<FontSet> {
        FontSet::new(&FontChoice {
            font: regular.map(Path::to_path_buf),
            font_bold: bold.map(Path::to_path_buf),
            ..Default::default()
        })
    }

    /// Liberation Mono first (Courier's metrics: 12 pt prints 10 characters
    /// per inch), for data printed on a form's character grid; the rest of
    /// the default chain after it.
    pub fn mono() -> crate::Result<FontSet> {
        FontSet::build(&FontChoice::default(), true)
    }

    pub fn new(choice: &FontChoice) -> crate::Result<FontSet> {
        FontSet::build(choice, false)
    }

    fn build(choice: &FontChoice, mono: bool) -> crate::Result<FontSet> {
        let mut families = Vec::new();
        let mut next_key = 0u32;
        let mut key = || {
            next_key += 1;
            next_key - 1
        };
        if mono {
            let face = Face::new(
                key(),
                LIBERATION_MONO,
                0,
                Origin::Bundled("Liberation Mono"),
                "Liberation Mono",
            )
            .map_err(crate::Error::Other)?;
            families.push(Family {
                regular: face,
                bold: None,
            });
        }
        let custom = choice.font.is_some() || choice.font_bold.is_some();
        match (&choice.font, &choice.font_bold) {
            (None, None) => {}
            (regular, bold) => {
                // Only a bold font: it serves both weights rather than mixing
                // families; likewise only a regular one.
                let first = regular.as_ref().or(bold.as_ref()).expect("one is set");
                let regular_face = practice_face(key(), first)?;
                let bold_face = match (regular, bold) {
                    (Some(_), Some(b)) => Some(practice_face(key(), b)?),
                    _ => None,
                };
                families.push(Family {
                    regular: regular_face,
                    bold: bold_face,
                });
            }
        }
        let mut fallbacks = Vec::new();
        for path in &choice.fallback {
            fallbacks.push(Family {
                regular: practice_face(key(), path)?,
                bold: None,
            });
        }
        let bundled = [
            ("Liberation Sans", LIBERATION_REGULAR, LIBERATION_BOLD),
            ("Noto Sans Hebrew", HEBREW_REGULAR, HEBREW_BOLD),
            ("Noto Sans Arabic", ARABIC_REGULAR, ARABIC_BOLD),
        ];
        let mut bundled_families = Vec::new();
        for (name, regular, bold) in bundled {
            let load = |k: u32, bytes: &'static [u8]| {
                Face::new(k, bytes, 0, Origin::Bundled(name), name).map_err(crate::Error::Other)
            };
            bundled_families.push(Family {
                regular: load(key(), regular)?,
                bold: Some(load(key(), bold)?),
            });
        }
        // The fallbacks serve the characters the document's font lacks.
        // Without a font of the practice's, that font is Liberation Sans
        // (Helvetica's widths, drawing what Helvetica cannot): the
        // fallbacks come after it, so the first face is always the one
        // whose widths the layout measures with.
        let mut bundled_families = bundled_families.into_iter();
        if !custom {
            families.extend(bundled_families.next());
        }
        families.extend(fallbacks);
        families.extend(bundled_families);
        Ok(FontSet {
            families,
            system: (!choice.no_system_fonts).then(system::SystemFonts::new),
            builtin: match (mono, custom) {
                (true, _) => Some(Builtin::Courier),
                (false, false) => Some(Builtin::Helvetica),
                (false, true) => None,
            },
            subsets: embed::SubsetCache::default(),
            shaped: text::ShapedCache::default(),
        })
    }

    /// The primary face of weight `w`: the practice's font or Liberation
    /// Sans. It gives the built-in Helvetica its metrics.
    pub fn face(&self, w: Weight) -> &Face {
        self.families[0].faces(w).0
    }

    /// The face that draws `c` in weight `w`: the first link of the chain
    /// that has it. None when no font can draw it.
    pub fn face_for(&self, c: char, w: Weight) -> Option<&Face> {
        if is_private_use(c) {
            return None;
        }
        for fam in &self.families {
            let (first, other) = fam.faces(w);
            if first.has_glyph(c) {
                return Some(first);
            }
            if let Some(o) = other.filter(|o| o.has_glyph(c)) {
                return Some(o);
            }
        }
        self.system.as_ref()?.face_for(c, w == Weight::Bold)
    }

    /// A face by its key (from a PDF resource name).
    pub fn by_key(&self, key: u32) -> Option<&Face> {
        for fam in &self.families {
            for f in std::iter::once(&fam.regular).chain(fam.bold.as_ref()) {
                if f.key == key {
                    return Some(f);
                }
            }
        }
        self.system.as_ref()?.by_key(key)
    }

    /// The first character of `text` that no font of the chain can draw.
    /// Control characters print as spaces and invisible formatting
    /// characters (bidi marks, joiners) need no glyph.
    pub fn missing(&self, text: &str) -> Option<char> {
        if self.builtin.is_some() && text.is_ascii() {
            return None;
        }
        text.chars()
            .filter(|&c| self.needs_face(c) && !text::is_invisible(c))
            .find(|&c| self.face_for(c, Weight::Regular).is_none())
    }

    /// Whether drawing `c` may take a face other than the bundled ones.
    /// Control characters print as spaces; with the bundled faces first,
    /// every WinAnsi character is drawn by Helvetica or Liberation Sans (a
    /// test checks): most text needs no lookup. Invisible formatting
    /// characters are left to the caller: none needs a glyph, but layout
    /// may still shape a joiner with the face of its run, so the faces a
    /// document uses (`identities`) count them.
    fn needs_face(&self, c: char) -> bool {
        !(c.is_control() || (self.builtin.is_some() && is_win_ansi(c)))
    }

    /// What identifies, beside the build, the faces that draw `text`: the
    /// hashes of the practice's and the machine's font files among them
    /// (bundled faces are part of the build). Empty when none is needed.
    pub fn identities(&self, texts: &mut dyn Iterator<Item = &str>) -> Vec<String> {
        let mut keys = std::collections::BTreeMap::new();
        for t in texts {
            for c in t.chars().filter(|&c| self.needs_face(c)) {
                for w in [Weight::Regular, Weight::Bold] {
                    if let Some(f) = self.face_for(c, w) {
                        if !matches!(f.origin, Origin::Bundled(_)) {
                            keys.entry(f.key).or_insert(f);
                        }
                    }
                }
            }
        }
        keys.values().map(|f| f.identity().to_string()).collect()
    }

    /// Whether the built-in Helvetica draws `s` as the chain would: every
    /// character WinAnsi (control characters print as spaces). Only
    /// meaningful with [`FontSet::builtin`].
    pub fn builtin_can_draw(&self, s: &str) -> bool {
        // ASCII is all printable WinAnsi or control: most text, checked fast.
        s.is_ascii() || s.chars().all(|c| c.is_control() || is_win_ansi(c))
    }

    /// Width of `s` at `size` points as drawn in `mode`.
    pub fn width(&self, s: &str, w: Weight, size: f32, mode: FontMode) -> f32 {
        match mode {
            FontMode::Builtin => self.face(w).width(s, size),
            FontMode::Embedded if self.builtin.is_some() && self.builtin_can_draw(s) => {
                self.face(w).width(s, size)
            }
            FontMode::Embedded => text::width(self, s, w, size),
        }
    }
}

fn practice_face(key: u32, path: &Path) -> crate::Result<Face> {
    let bytes = std::fs::read(path).map_err(|e| crate::Error::io(path, e))?;
    let kept = face::keep(bytes);
    Face::new(key, kept, 0, Origin::Practice(path.to_path_buf()), "font")
        .map_err(|m| crate::Error::config(path, m))
}

/// Private-use code points: no font can give them a meaning an insurer
/// shares.
pub fn is_private_use(c: char) -> bool {
    matches!(c as u32, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD)
}

/// How one document's text is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FontMode {
    /// Everything in the built-in Helvetica (WinAnsi text, default fonts):
    /// nothing embedded.
    Builtin,
    /// Every text through the fallback chain, faces embedded as subsets.
    Embedded,
}

impl FontSet {
    /// The built-in font of weight `w` with the primary faces' metrics
    /// (Helvetica when there is none: only WinAnsi text with a built-in
    /// family is drawn with it).
    pub fn builtin_handle(&self, w: Weight) -> PdfFontHandle {
        PdfFontHandle::Builtin(match (self.builtin, w) {
            (Some(Builtin::Courier), Weight::Regular) => BuiltinFont::Courier,
            (Some(Builtin::Courier), Weight::Bold) => BuiltinFont::CourierBold,
            (_, Weight::Regular) => BuiltinFont::Helvetica,
            (_, Weight::Bold) => BuiltinFont::HelveticaBold,
        })
    }
}

/// Whether `c` is representable in WinAnsiEncoding (Windows-1252), the
/// encoding of the built-in fonts.
pub fn is_win_ansi(c: char) -> bool {
    match c as u32 {
        0x20..=0x7E | 0xA0..=0xFF => true,
        _ => matches!(
            c,
            '\u{20AC}'
                | '\u{201A}'
                | '\u{0192}'
                | '\u{201E}'
                | '\u{2026}'
                | '\u{2020}'
                | '\u{2021}'
                | '\u{02C6}'
                | '\u{2030}'
                | '\u{0160}'
                | '\u{2039}'
                | '\u{0152}'
                | '\u{017D}'
                | '\u{2018}'
                | '\u{2019}'
                | '\u{201C}'
                | '\u{201D}'
                | '\u{2022}'
                | '\u{2013}'
                | '\u{2014}'
                | '\u{02DC}'
                | '\u{2122}'
                | '\u{0161}'
                | '\u{203A}'
                | '\u{0153}'
                | '\u{017E}'
                | '\u{0178}'
        ),
    }
}

/// Picks the font mode for a document whose printed text is `fields`
/// (field name, text). Built-in when everything is WinAnsi and the primary
/// faces have Helvetica metrics; otherwise embedded, after checking that
/// the chain can draw every character. The error names the field and the
/// code point, never the text.
pub fn choose_mode(fonts: &FontSet, fields: &[(String, &str)]) -> Result<FontMode, String> {
    let printable = |c: &char| !c.is_control();
    let all_win_ansi = fields
        .iter()
        .all(|(_, t)| t.chars().filter(printable).all(is_win_ansi));
    if all_win_ansi && fonts.builtin.is_some() {
        return Ok(FontMode::Builtin);
    }
    for (field, text) in fields {
        if let Some(c) = fonts.missing(text) {
            return Err(format!(
                "field '{field}' has {} that no available font can draw ({}); {}",
                script::describe(c),
                fonts.chain_description(),
                script::fix(c)
            ));
        }
    }
    Ok(FontMode::Embedded)
}

/// The font mode of a document that prints the strings of `data` and the
/// `extra` text built for it (rendered templates, signature lines):
/// [`choose_mode`] over every field, except that the fields are named only
/// for a message: all of it WinAnsi with a built-in family (most
/// documents), or all of it drawable by the chain (a name in another
/// script), is decided by walking the strings alone.
pub fn mode_for<T: serde::Serialize + ?Sized>(
    fonts: &FontSet,
    data: &T,
    extra: &[(String, String)],
) -> Result<FontMode, String> {
    if fonts.builtin.is_some()
        && extra.iter().all(|(_, t)| fonts.builtin_can_draw(t))
        && super::glyphs::all_strings(data, |t| fonts.builtin_can_draw(t))
    {
        return Ok(FontMode::Builtin);
    }
    let drawable = |t: &str| fonts.missing(t).is_none();
    if extra.iter().all(|(_, t)| drawable(t)) && super::glyphs::all_strings(data, drawable) {
        return Ok(FontMode::Embedded);
    }
    let mut fields = super::glyphs::fields(data);
    fields.extend(extra.iter().cloned());
    let named: Vec<(String, &str)> = fields
        .iter()
        .map(|(n, t)| (n.clone(), t.as_str()))
        .collect();
    choose_mode(fonts, &named)
}

impl FontSet {
    /// The chain, for messages: "Liberation Sans, Noto Sans Hebrew, ...".
    pub fn chain_description(&self) -> String {
        let mut names: Vec<String> = self
            .families
            .iter()
            .map(|f| f.regular.name.clone())
            .collect();
        names.push(if self.system.is_some() {
            "this machine's fonts".into()
        } else {
            "no system fonts (system_fonts = false)".into()
        });
        format!("tried {}", names.join(", "))
    }
}

/// Checks a font file the way a renderer will read it (the preflight of
/// `validate`).
pub fn check_font(path: &Path) -> Result<(), String> {
    FontSet::load(Some(path), None)
        .map(|_| ())
        .map_err(|e| match e {
            crate::Error::Config { message, .. } => message,
            other => other.to_string(),
        })
}

#[cfg(test)]
mod tests;
