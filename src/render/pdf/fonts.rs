//! Fonts: metrics for measuring text, the WinAnsi check that decides between
//! the built-in Helvetica (not embedded) and an embedded TrueType, and the
//! glyph-coverage check that refuses to print a character as `?` or a box.

use printpdf::{BuiltinFont, FontId, ParsedFont, PdfFontHandle};
use std::path::Path;

const LIBERATION_REGULAR: &[u8] =
    include_bytes!("../../../assets/fonts/LiberationSans-Regular.ttf");
const LIBERATION_BOLD: &[u8] = include_bytes!("../../../assets/fonts/LiberationSans-Bold.ttf");
/// Courier's metrics (every glyph 0.6 em), for forms printed on a
/// character grid (the CMS-1500); one weight serves both.
const LIBERATION_MONO: &[u8] = include_bytes!("../../../assets/fonts/LiberationMono-Regular.ttf");

/// Fixed resource names, so two renders of one document are byte-identical
/// (printpdf would otherwise draw random ids). Six letters: printpdf uses the
/// first six characters as the subset tag (`SBREGU+LiberationSans`).
pub const REGULAR_ID: &str = "SBREGU";
pub const BOLD_ID: &str = "SBBOLD";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// One TrueType face with a width table for the Latin-1 range (the common
/// case) and cmap lookups for everything else.
pub struct Face {
    pub parsed: ParsedFont,
    latin: [u16; 256],
    upm: f32,
    pub name: String,
}

impl Face {
    fn load(bytes: &[u8], what: &str) -> Result<Face, String> {
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut warnings)
            .ok_or_else(|| format!("cannot parse {what} as a TrueType/OpenType font"))?;
        let upm = f32::from(parsed.pdf_font_metrics.units_per_em.max(1));
        let mut latin = [0u16; 256];
        for (i, w) in latin.iter_mut().enumerate() {
            if let Some(gid) = parsed.lookup_glyph_index(i as u32) {
                *w = parsed.get_horizontal_advance(gid);
            }
        }
        let name = parsed.font_name.clone().unwrap_or_else(|| what.to_string());
        Ok(Face {
            parsed,
            latin,
            upm,
            name,
        })
    }

    /// Whether the face has a real glyph (not .notdef) for `c`.
    pub fn has_glyph(&self, c: char) -> bool {
        matches!(self.parsed.lookup_glyph_index(c as u32), Some(g) if g != 0)
    }

    /// Advance width of `text` at `size` points, in points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let mut units: u32 = 0;
        for c in text.chars() {
            let cp = c as u32;
            units += if cp < 256 {
                u32::from(self.latin[cp as usize])
            } else {
                // WinAnsi extras (em dash, curly quotes, euro) and anything
                // that needs embedding.
                self.parsed
                    .lookup_glyph_index(cp)
                    .map(|g| u32::from(self.parsed.get_horizontal_advance(g)))
                    .unwrap_or(0)
            };
        }
        units as f32 * size / self.upm
    }
}

/// Regular + bold faces. The faces always provide the metrics; whether a
/// document uses them embedded or uses the built-in font of the same
/// metrics (Helvetica for Liberation Sans, Courier for Liberation Mono) is
/// decided per document.
pub struct FontSet {
    pub regular: Face,
    pub bold: Face,
    /// The built-in family with the faces' glyph widths, so a WinAnsi-only
    /// document may use it unembedded; none for a practice's own font.
    pub builtin: Option<Builtin>,
}

/// The standard-14 families whose metrics the bundled faces share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    Helvetica,
    Courier,
}

impl FontSet {
    pub fn load(regular: Option<&Path>, bold: Option<&Path>) -> crate::Result<FontSet> {
        let read = |p: &Path| std::fs::read(p).map_err(|e| crate::Error::io(p, e));
        let custom = regular.is_some() || bold.is_some();
        let reg_bytes = match regular {
            Some(p) => read(p)?,
            None => LIBERATION_REGULAR.to_vec(),
        };
        let bold_bytes = match (bold, regular) {
            (Some(p), _) => read(p)?,
            // A custom regular font without a bold one: use it for both
            // rather than mixing families.
            (None, Some(_)) => reg_bytes.clone(),
            (None, None) => LIBERATION_BOLD.to_vec(),
        };
        let load = |bytes: &[u8], p: Option<&Path>, what: &str| {
            Face::load(bytes, what).map_err(|m| match p {
                Some(p) => crate::Error::config(p, m),
                None => crate::Error::Other(m),
            })
        };
        Ok(FontSet {
            regular: load(&reg_bytes, regular, "regular font")?,
            bold: load(&bold_bytes, bold.or(regular), "bold font")?,
            builtin: (!custom).then_some(Builtin::Helvetica),
        })
    }

    /// Liberation Mono (Courier's metrics: 12 pt prints 10 characters per
    /// inch), for data printed on a form's character grid.
    pub fn mono() -> crate::Result<FontSet> {
        let face = || Face::load(LIBERATION_MONO, "Liberation Mono").map_err(crate::Error::Other);
        Ok(FontSet {
            regular: face()?,
            bold: face()?,
            builtin: Some(Builtin::Courier),
        })
    }

    /// The font resource of weight `w` in `mode`.
    pub fn handle(&self, mode: FontMode, w: Weight) -> PdfFontHandle {
        match (mode, self.builtin, w) {
            (FontMode::Builtin, Some(Builtin::Courier), Weight::Regular) => {
                PdfFontHandle::Builtin(BuiltinFont::Courier)
            }
            (FontMode::Builtin, Some(Builtin::Courier), Weight::Bold) => {
                PdfFontHandle::Builtin(BuiltinFont::CourierBold)
            }
            (FontMode::Builtin, _, Weight::Regular) => {
                PdfFontHandle::Builtin(BuiltinFont::Helvetica)
            }
            (FontMode::Builtin, _, Weight::Bold) => {
                PdfFontHandle::Builtin(BuiltinFont::HelveticaBold)
            }
            (FontMode::Embedded, _, Weight::Regular) => {
                PdfFontHandle::External(FontId(REGULAR_ID.into()))
            }
            (FontMode::Embedded, _, Weight::Bold) => {
                PdfFontHandle::External(FontId(BOLD_ID.into()))
            }
        }
    }

    pub fn face(&self, w: Weight) -> &Face {
        match w {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }
}

/// How one document's text is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FontMode {
    Builtin,
    Embedded,
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
/// (field name, text). Built-in when everything is WinAnsi and the faces
/// have a built-in family's metrics; otherwise embedded, after checking that both
/// faces have every character. The error names the field, never its value.
pub fn choose_mode(fonts: &FontSet, fields: &[(String, &str)]) -> Result<FontMode, String> {
    let printable = |c: &char| !c.is_control();
    let all_win_ansi = fields
        .iter()
        .all(|(_, t)| t.chars().filter(printable).all(is_win_ansi));
    if all_win_ansi && fonts.builtin.is_some() {
        return Ok(FontMode::Builtin);
    }
    for (field, text) in fields {
        for c in text.chars().filter(printable) {
            for face in [&fonts.regular, &fonts.bold] {
                if !face.has_glyph(c) {
                    return Err(format!(
                        "field '{field}' contains U+{:04X}, which font '{}' has no glyph for",
                        c as u32, face.name
                    ));
                }
            }
        }
    }
    Ok(FontMode::Embedded)
}

/// What a document can draw, for checking text before rendering (the
/// preflight of `validate`): the same fonts and the same rule as
/// [`choose_mode`] (a character is drawn by the built-in Helvetica when it
/// is WinAnsi and no custom font is set, otherwise it must be in both the
/// regular and the bold face).
pub struct Glyphs {
    fonts: FontSet,
}

impl Glyphs {
    pub fn load(regular: Option<&Path>, bold: Option<&Path>) -> crate::Result<Glyphs> {
        Ok(Glyphs {
            fonts: FontSet::load(regular, bold)?,
        })
    }

    /// The first character of `text` the document could not draw.
    pub fn missing(&self, text: &str) -> Option<char> {
        let f = &self.fonts;
        text.chars().filter(|c| !c.is_control()).find(|&c| {
            let builtin = f.builtin.is_some() && is_win_ansi(c);
            let embedded = f.regular.has_glyph(c) && f.bold.has_glyph(c);
            !(builtin || embedded)
        })
    }

    /// The font a missing character is reported against.
    pub fn font_name(&self) -> &str {
        &self.fonts.regular.name
    }
}

/// Checks a font file the way a renderer will read it.
pub fn check_font(path: &Path) -> Result<(), String> {
    FontSet::load(Some(path), None)
        .map(|_| ())
        .map_err(|e| match e {
            crate::Error::Config { message, .. } => message,
            other => other.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn win_ansi_check() {
        assert!("Zoë Muñoz — O'Brien & Sons €".chars().all(is_win_ansi));
        assert!(!"Nguyễn".chars().all(is_win_ansi));
        assert!(!"Dvořák".chars().all(is_win_ansi));
        assert!(!"Łukasz".chars().all(is_win_ansi));
    }
}
