//! One line of text into glyph runs, in visual order (left to right on the
//! page):
//! 1. right-to-left text (Hebrew, Arabic) is put in visual order by the
//!    Unicode bidirectional algorithm (unicode-bidi), so `Patient: אברהם`
//!    reads correctly and numbers inside Arabic stay left to right;
//! 2. each character goes to the first face of the chain that has it
//!    (combining marks and joiners stay with their base character);
//! 3. runs that need it are shaped by rustybuzz: Arabic joining forms and
//!    ligatures, Hebrew points, combining marks, Indic scripts. Simple runs
//!    (Latin, Greek, Cyrillic, CJK) map characters to glyphs directly, as
//!    the built-in fonts do, so a line measures the same either way.

use super::{Face, FontSet, Weight};
use crate::hash::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

/// One glyph of a run: advance and offsets in font units.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    pub gid: u16,
    pub advance: i32,
    pub dx: i32,
    pub dy: i32,
    /// The text the glyph stands for: the character drawn, or for shaped
    /// glyphs (joining forms, ligatures) their cluster's text, `""` for
    /// the second and later glyphs of one cluster. None leaves it to the
    /// face's cmap ([`Face::char_of`]).
    pub text: Option<String>,
}

/// Glyphs of one face, left to right.
pub struct Run<'f> {
    pub face: &'f Face,
    pub glyphs: Vec<Glyph>,
}

impl Run<'_> {
    /// Width in points at `size`.
    pub fn width(&self, size: f32) -> f32 {
        let units: i32 = self.glyphs.iter().map(|g| g.advance).sum();
        units as f32 * size / self.face.units_per_em()
    }
}

/// Characters that draw nothing: bidi controls, joiners, variation
/// selectors. They need no glyph.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c as u32,
        0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2069 | 0xFE00..=0xFE0F | 0xFEFF
    )
}

/// Characters whose direction is right to left (or that may turn a run
/// so): only text containing one needs the bidi algorithm.
fn is_rtl(c: char) -> bool {
    matches!(
        c as u32,
        0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF | 0x10800..=0x10FFF | 0x1E800..=0x1EFFF
    ) || matches!(c, '\u{200F}' | '\u{202B}' | '\u{202E}' | '\u{2067}')
}

/// Spaces and the punctuation of names, drawn by whichever face draws the
/// text before them (see [`directional_run`]).
fn is_neutral(c: char) -> bool {
    matches!(c, ' ' | '\u{A0}' | ',' | '.' | '-' | '\'')
}

/// Combining marks that attach to the character before them.
fn is_mark(c: char) -> bool {
    matches!(
        c as u32,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F
    )
}

/// Whether a run holding `c` must be shaped: combining marks, and scripts
/// from Hebrew on except the ones drawn one glyph per character (CJK,
/// kana, Hangul, symbols, punctuation).
fn needs_shaping(c: char) -> bool {
    let cp = c as u32;
    if is_mark(c) || c == '\u{200C}' || c == '\u{200D}' {
        return true;
    }
    if cp < 0x0590 {
        return false;
    }
    !matches!(
        cp,
        0x1E00..=0x1FFF      // Latin Extended Additional (Vietnamese), Greek Extended
            | 0x2000..=0x2BFF // punctuation, symbols, arrows
            | 0x2E80..=0x9FFF // CJK radicals, kana, CJK ideographs
            | 0xA000..=0xA4CF // Yi
            | 0xAC00..=0xD7FF // Hangul
            | 0xF900..=0xFAFF // CJK compatibility
            | 0xFF00..=0xFFEF // full-width forms
            | 0x20000..=0x3FFFF
    )
}

/// Whether `s` is drawn glyph for glyph, left to right: nothing to shape
/// or reorder, so its width is the sum of its characters' advances and
/// any split of it measures the same as the whole.
pub fn unshaped(s: &str) -> bool {
    !s.chars()
        .any(|c| needs_shaping(c) || is_rtl(c) || is_invisible(c))
}

/// Width of `s` at `size` points through the chain (embedded mode).
pub fn width(fonts: &FontSet, s: &str, w: Weight, size: f32) -> f32 {
    // The common case: every character in the primary face, nothing to
    // shape or reorder.
    let primary = fonts.face(w);
    let mut units = 0u32;
    let simple = s.chars().all(|c| {
        if c.is_control() {
            units += u32::from(primary.char_advance(' '));
            return true;
        }
        if needs_shaping(c) || is_rtl(c) || is_invisible(c) {
            return false;
        }
        match primary.glyph(c) {
            Some(g) => {
                units += u32::from(primary.advance(g));
                true
            }
            None => false,
        }
    });
    if simple {
        return units as f32 * size / primary.units_per_em();
    }
    if let Some(shaped) = fonts.shaped.get(fonts, s, w) {
        return shaped
            .iter()
            .map(|r| {
                let face = fonts.by_key(r.face).unwrap_or(primary);
                r.units as f32 * size / face.units_per_em()
            })
            .sum();
    }
    runs(fonts, s, w).iter().map(|r| r.width(size)).sum()
}

/// The glyph runs of `s` (one line) in visual order. A character no face
/// has is drawn as the primary face's .notdef (the glyph check refuses
/// such text before a document is drawn).
pub fn runs<'f>(fonts: &'f FontSet, s: &str, w: Weight) -> Vec<Run<'f>> {
    match fonts.shaped.get(fonts, s, w) {
        Some(shaped) => shaped
            .iter()
            .map(|r| Run {
                face: fonts.by_key(r.face).unwrap_or_else(|| fonts.face(w)),
                glyphs: r.glyphs.clone(),
            })
            .collect(),
        None => runs_of(fonts, s, w),
    }
}

/// Runs of text beyond Latin, kept per font chain: a name is measured and
/// drawn several times per document (party block, wrapped lines, each
/// page's footer), and finding its faces (fallback, the machine's fonts),
/// its bidi order and its shaping cost more than copying the glyphs.
/// Bounded like the subset cache; a pure function of its key, so it
/// changes speed, never output.
#[derive(Default)]
pub struct ShapedCache {
    by_weight: [Mutex<HashMap<String, Arc<[Shaped]>>>; 2],
}

/// One cached run: the face by key, its glyphs and their total advance.
pub struct Shaped {
    face: u32,
    glyphs: Vec<Glyph>,
    units: i32,
}

const SHAPED_LIMIT: usize = 4096;

impl ShapedCache {
    /// The runs of `s`, from the cache or made and kept; None for text
    /// not worth keeping (Latin: every character in the primary face, a
    /// cmap lookup each), which is made each time.
    fn get(&self, fonts: &FontSet, s: &str, w: Weight) -> Option<Arc<[Shaped]>> {
        if s.chars().all(|c| (c as u32) < 0x0370) {
            return None;
        }
        let map = &self.by_weight[w as usize];
        if let Some(hit) = map.lock().unwrap_or_else(|e| e.into_inner()).get(s) {
            return Some(hit.clone());
        }
        let made: Arc<[Shaped]> = runs_of(fonts, s, w)
            .into_iter()
            .map(|r| Shaped {
                face: r.face.key,
                units: r.glyphs.iter().map(|g| g.advance).sum(),
                glyphs: r.glyphs,
            })
            .collect();
        let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= SHAPED_LIMIT {
            map.clear();
        }
        map.insert(s.to_string(), made.clone());
        Some(made)
    }
}

fn runs_of<'f>(fonts: &'f FontSet, s: &str, w: Weight) -> Vec<Run<'f>> {
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut out = Vec::new();
    if s.chars().any(is_rtl) {
        let bidi = unicode_bidi::BidiInfo::new(&s, None);
        for para in &bidi.paragraphs {
            let (levels, visual) = bidi.visual_runs(para, para.range.clone());
            for range in visual {
                let rtl = levels[range.start].is_rtl();
                directional_run(fonts, &s, range, rtl, w, &mut out);
            }
        }
    } else {
        directional_run(fonts, &s, 0..s.len(), false, w, &mut out);
    }
    out
}

/// One run of a single direction: split by face, then shaped or mapped.
fn directional_run<'f>(
    fonts: &'f FontSet,
    s: &str,
    range: Range<usize>,
    rtl: bool,
    w: Weight,
    out: &mut Vec<Run<'f>>,
) {
    let text = &s[range.clone()];
    // (face, byte range within `text`, shape?)
    let mut segments: Vec<(&Face, Range<usize>, bool)> = Vec::new();
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        let attach = is_mark(c) || is_invisible(c);
        if let Some(last) = segments.last_mut() {
            // A mark or joiner stays with its base when that face has it
            // (or it draws nothing).
            if attach && (is_invisible(c) || last.0.has_glyph(c)) {
                last.1.end = end;
                last.2 |= needs_shaping(c);
                continue;
            }
        }
        if is_invisible(c) && !matches!(c, '\u{200C}' | '\u{200D}') {
            // A lone bidi control or the like: nothing to draw.
            continue;
        }
        if let Some(last) = segments.last_mut() {
            // A space or a name's punctuation after text in another face
            // stays in that face when it has the glyph, as text engines
            // keep neutral characters with the run around them: a name in
            // Arabic or Chinese is then drawn from one face, not switching
            // to Liberation Sans for each space and comma (and embeds one
            // subset fewer).
            if is_neutral(c) && last.1.end == i && last.0.has_glyph(c) {
                last.1.end = end;
                last.2 |= rtl;
                continue;
            }
        }
        let face = fonts.face_for(c, w).unwrap_or_else(|| fonts.face(w));
        let shape = rtl || needs_shaping(c);
        match segments.last_mut() {
            Some(last) if std::ptr::eq(last.0, face) && last.1.end == i => {
                last.1.end = end;
                last.2 |= shape;
            }
            _ => segments.push((face, i..end, shape)),
        }
    }
    if rtl {
        // Right to left: the run's segments appear in reverse on the page.
        segments.reverse();
    }
    for (face, r, shape) in segments {
        let seg = &text[r];
        let glyphs = if shape {
            shape_segment(face, seg, rtl)
        } else {
            seg.chars()
                .filter(|&c| !is_invisible(c))
                .map(|c| {
                    let gid = face.glyph(c).unwrap_or(0);
                    Glyph {
                        gid,
                        advance: i32::from(face.advance(gid)),
                        dx: 0,
                        dy: 0,
                        // The character drawn, so text extraction gives it
                        // back without a reverse cmap of the face (built
                        // per batch, that cost milliseconds for a CJK
                        // face).
                        text: Some(if gid == 0 {
                            String::new()
                        } else {
                            c.to_string()
                        }),
                    }
                })
                .collect()
        };
        match out.last_mut() {
            Some(last) if std::ptr::eq(last.face, face) => last.glyphs.extend(glyphs),
            _ => out.push(Run { face, glyphs }),
        }
    }
}

/// Shapes `seg` with rustybuzz; glyphs come back left to right.
fn shape_segment(face: &Face, seg: &str, rtl: bool) -> Vec<Glyph> {
    let mut buf = rustybuzz::UnicodeBuffer::new();
    buf.push_str(seg);
    buf.set_direction(if rtl {
        rustybuzz::Direction::RightToLeft
    } else {
        rustybuzz::Direction::LeftToRight
    });
    buf.guess_segment_properties();
    let shaped = rustybuzz::shape(face.shaper(), &[], buf);
    let infos = shaped.glyph_infos();
    let positions = shaped.glyph_positions();
    // Cluster starts in logical order give each cluster its text.
    let mut starts: Vec<usize> = infos.iter().map(|i| i.cluster as usize).collect();
    starts.sort_unstable();
    starts.dedup();
    let text_of = |start: usize| {
        let next = starts
            .iter()
            .find(|&&s| s > start)
            .copied()
            .unwrap_or(seg.len());
        seg.get(start..next).unwrap_or("").to_string()
    };
    let mut seen = std::collections::HashSet::new();
    infos
        .iter()
        .zip(positions)
        .map(|(info, pos)| {
            let cluster = info.cluster as usize;
            let text = if seen.insert(cluster) {
                text_of(cluster)
            } else {
                String::new()
            };
            Glyph {
                gid: info.glyph_id as u16,
                advance: pos.x_advance,
                dx: pos.x_offset,
                dy: pos.y_offset,
                text: Some(text),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_and_commas_stay_in_the_face_of_the_name() {
        let fonts = FontSet::new(&Default::default()).unwrap();
        let faces = |s: &str| -> Vec<String> {
            runs_of(&fonts, s, Weight::Regular)
                .iter()
                .map(|r| r.face.name.clone())
                .collect()
        };
        // An Arabic name: one run of the Arabic face, spaces and comma
        // included, and every character drawn (no .notdef).
        let arabic = runs_of(&fonts, "عبد الله, محمد", Weight::Regular);
        assert_eq!(arabic.len(), 1, "{:?}", faces("عبد الله, محمد"));
        assert!(arabic[0].face.name.contains("Arabic"));
        assert!(arabic[0].glyphs.iter().all(|g| g.gid != 0));
        // Latin before another script keeps its own face for the space.
        let mixed = faces("Smith, עברית");
        assert!(mixed.iter().all(|n| n.contains("Liberation")), "{mixed:?}");
        // A leading space has nothing before it: the chain decides.
        let leading = faces(" محمد");
        assert!(
            leading.iter().any(|n| n.contains("Liberation")),
            "{leading:?}"
        );
    }

    #[test]
    fn kept_runs_are_the_runs_made_afresh() {
        let fonts = FontSet::new(&Default::default()).unwrap();
        let texts = [
            "Иванова, Анна",
            "כהן, שרה 12",
            "عبد الله",
            "Nguyễn",
            "Dvořák",
        ];
        for _ in 0..2 {
            for s in texts {
                for w in [Weight::Regular, Weight::Bold] {
                    let fresh = runs_of(&fonts, s, w);
                    let kept = runs(&fonts, s, w);
                    assert_eq!(kept.len(), fresh.len(), "{s}");
                    for (a, b) in kept.iter().zip(&fresh) {
                        assert!(std::ptr::eq(a.face, b.face), "{s}");
                        assert_eq!(a.glyphs, b.glyphs, "{s}");
                    }
                    let measured: f32 = fresh.iter().map(|r| r.width(9.0)).sum();
                    assert_eq!(width(&fonts, s, w, 9.0), measured, "{s}");
                }
            }
        }
        // Everything but the Latin names was kept.
        let kept = |w: Weight| fonts.shaped.by_weight[w as usize].lock().unwrap().len();
        assert_eq!((kept(Weight::Regular), kept(Weight::Bold)), (4, 4));
    }
}
