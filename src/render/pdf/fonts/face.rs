//! One font face: its bytes, a parsed face for cmap, metrics and shaping,
//! a Latin-1 width table for the common case, and what identifies it in a
//! fingerprint.

use rustybuzz::ttf_parser;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

/// Where a face comes from: it decides how the face is identified in a
/// document's fingerprint.
#[derive(Debug, Clone)]
pub enum Origin {
    /// Compiled into the program (covered by the build id).
    Bundled(&'static str),
    /// Named in practice.toml (hashed with the practice's other files).
    Practice(PathBuf),
    /// Found on this machine by fontdb: hashed when a document first uses
    /// it, so another machine's font gives another fingerprint.
    System(PathBuf),
}

pub struct Face {
    /// Identifies the face inside one [`super::FontSet`]; part of the PDF
    /// resource name (`SBF3`) and of the subset cache key.
    pub key: u32,
    /// Family or full name, for messages.
    pub name: String,
    /// PostScript name, for the PDF `/BaseFont`.
    pub ps_name: String,
    pub origin: Origin,
    pub index: u32,
    data: &'static [u8],
    rb: rustybuzz::Face<'static>,
    /// The cmap's Unicode subtables, in table order: what
    /// `ttf_parser::Face::glyph_index` searches, found once instead of on
    /// every lookup (names in other scripts look up every character).
    unicode_cmaps: Vec<ttf_parser::cmap::Subtable<'static>>,
    upm: f32,
    latin: [u16; 256],
    /// Glyphs of the first 256 code points (0: none), the bulk of the
    /// text every document checks and draws.
    latin_gids: [u16; 256],
    /// Outlines in a CFF table (embedded as CIDFontType0) rather than glyf.
    pub cff: bool,
    hash: OnceLock<String>,
    reverse: OnceLock<HashMap<u16, char>>,
}

impl Face {
    /// Parses face `index` of `data`. Refuses what cannot be embedded:
    /// bitmap-only faces (colour emoji) and CFF2 variable fonts.
    pub fn new(
        key: u32,
        data: &'static [u8],
        index: u32,
        origin: Origin,
        what: &str,
    ) -> Result<Face, String> {
        let rb = rustybuzz::Face::from_slice(data, index)
            .ok_or_else(|| format!("cannot parse {what} as a TrueType/OpenType font"))?;
        let raw = rb.raw_face();
        let has = |tag: &[u8; 4]| raw.table(ttf_parser::Tag::from_bytes(tag)).is_some();
        let cff = has(b"CFF ");
        if !has(b"glyf") && !cff {
            return Err(format!(
                "{what} has no TrueType or CFF outlines (a bitmap or CFF2 font cannot be embedded)"
            ));
        }
        let unicode_cmaps: Vec<_> = rb
            .tables()
            .cmap
            .map(|cmap| {
                cmap.subtables
                    .into_iter()
                    .filter(|t| t.is_unicode())
                    .collect()
            })
            .unwrap_or_default();
        let upm = f32::from(rb.units_per_em().max(1) as u16);
        let mut latin = [0u16; 256];
        let mut latin_gids = [0u16; 256];
        for (i, (w, gid)) in latin.iter_mut().zip(&mut latin_gids).enumerate() {
            if let Some(g) = char::from_u32(i as u32).and_then(|c| rb.glyph_index(c)) {
                *w = rb.glyph_hor_advance(g).unwrap_or(0);
                *gid = g.0;
            }
        }
        let name = name_of(&rb, ttf_parser::name_id::FULL_NAME)
            .or_else(|| name_of(&rb, ttf_parser::name_id::FAMILY))
            .unwrap_or_else(|| what.to_string());
        let ps_name: String = name_of(&rb, ttf_parser::name_id::POST_SCRIPT_NAME)
            .unwrap_or_else(|| name.clone())
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        Ok(Face {
            key,
            name,
            ps_name: if ps_name.is_empty() {
                format!("Font{key}")
            } else {
                ps_name
            },
            origin,
            index,
            data,
            rb,
            unicode_cmaps,
            upm,
            latin,
            latin_gids,
            cff,
            hash: OnceLock::new(),
            reverse: OnceLock::new(),
        })
    }

    pub fn data(&self) -> &'static [u8] {
        self.data
    }

    /// The bytes of table `tag`.
    pub fn table(&self, tag: &[u8; 4]) -> Option<&'static [u8]> {
        self.rb.raw_face().table(ttf_parser::Tag::from_bytes(tag))
    }

    pub fn shaper(&self) -> &rustybuzz::Face<'static> {
        &self.rb
    }

    pub fn units_per_em(&self) -> f32 {
        self.upm
    }

    /// The glyph for `c`, never .notdef.
    pub fn glyph(&self, c: char) -> Option<u16> {
        if let Some(&g) = self.latin_gids.get(c as usize) {
            return (g != 0).then_some(g);
        }
        let found = self
            .unicode_cmaps
            .iter()
            .find_map(|t| t.glyph_index(u32::from(c)));
        match found {
            Some(g) if g.0 != 0 => Some(g.0),
            _ => None,
        }
    }

    pub fn has_glyph(&self, c: char) -> bool {
        self.glyph(c).is_some()
    }

    /// Advance of glyph `gid` in font units.
    pub fn advance(&self, gid: u16) -> u16 {
        self.rb
            .glyph_hor_advance(ttf_parser::GlyphId(gid))
            .unwrap_or(0)
    }

    /// Advance of `c` in font units (0 when the face lacks it).
    pub fn char_advance(&self, c: char) -> u16 {
        let cp = c as u32;
        if cp < 256 {
            self.latin[cp as usize]
        } else {
            self.glyph(c).map_or(0, |g| self.advance(g))
        }
    }

    /// Advance width of `text` at `size` points, glyph by glyph (no
    /// shaping): the measure of the built-in Helvetica and of simple runs.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        self.units_to_pt(self.units(text), size)
    }

    /// The advances of `text` in font units, summed: [`Face::width`]
    /// before scaling, so a line measured word by word (the sums added)
    /// gets exactly the width measured whole.
    pub fn units(&self, text: &str) -> u32 {
        text.chars().map(|c| u32::from(self.char_advance(c))).sum()
    }

    /// `units` font units at `size` points.
    pub fn units_to_pt(&self, units: u32, size: f32) -> f32 {
        units as f32 * size / self.upm
    }

    /// The character a glyph stands for in text extraction: the smallest
    /// code point the cmap maps to it (so a space and a no-break space
    /// share one deterministic answer).
    pub fn char_of(&self, gid: u16) -> Option<char> {
        self.reverse
            .get_or_init(|| {
                let mut map: HashMap<u16, char> = HashMap::new();
                let Some(cmap) = self.rb.tables().cmap else {
                    return map;
                };
                for sub in cmap.subtables {
                    if !sub.is_unicode() {
                        continue;
                    }
                    sub.codepoints(|cp| {
                        if let (Some(c), Some(g)) = (char::from_u32(cp), sub.glyph_index(cp)) {
                            let e = map.entry(g.0).or_insert(c);
                            if c < *e {
                                *e = c;
                            }
                        }
                    });
                }
                map
            })
            .get(&gid)
            .copied()
    }

    /// What identifies this face's bytes in a document's fingerprint: its
    /// name for a bundled face (the build id covers it), the SHA-256 of a
    /// practice's font, and for a system font its name, path, size and
    /// modification time (hashing a 20 MB CJK collection would cost more
    /// than rendering a small batch; a font package upgrade changes them).
    pub fn identity(&self) -> &str {
        self.hash.get_or_init(|| match &self.origin {
            Origin::Bundled(name) => format!("bundled:{name}"),
            Origin::Practice(_) => {
                let digest = Sha256::digest(self.data);
                format!("{}#{}:{}", self.ps_name, self.index, hex::encode(digest))
            }
            Origin::System(path) => {
                let modified = std::fs::metadata(path)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                format!(
                    "{}#{}:{}:{}:{modified}",
                    self.ps_name,
                    self.index,
                    path.display(),
                    self.data.len()
                )
            }
        })
    }

    /// Font-wide metrics for the PDF font descriptor, in 1/1000 em.
    pub fn descriptor_metrics(&self) -> Metrics {
        let s = 1000.0 / self.upm;
        let sc = |v: i16| (f32::from(v) * s).round() as i64;
        let bb = self.rb.global_bounding_box();
        Metrics {
            ascent: sc(self.rb.ascender()),
            descent: sc(self.rb.descender()),
            cap_height: sc(self.rb.capital_height().unwrap_or(self.rb.ascender())),
            bbox: [sc(bb.x_min), sc(bb.y_min), sc(bb.x_max), sc(bb.y_max)],
            italic_angle: self.rb.italic_angle().round() as i64,
            stem_v: {
                let w = f32::from(self.rb.weight().to_number());
                50 + ((w / 65.0).powi(2)).round() as i64
            },
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Metrics {
    pub ascent: i64,
    pub descent: i64,
    pub cap_height: i64,
    pub bbox: [i64; 4],
    pub italic_angle: i64,
    pub stem_v: i64,
}

fn name_of(face: &ttf_parser::Face, id: u16) -> Option<String> {
    face.names()
        .into_iter()
        .filter(|n| n.name_id == id && n.is_unicode())
        .find_map(|n| n.to_string())
        .filter(|s| !s.trim().is_empty())
}

/// Font files read from disk live for the rest of the process: a parsed
/// face borrows its bytes, and a batch (or a long-running portal) uses the
/// same few files over and over. Each distinct file is kept once (keyed by
/// its content), so memory is bounded by the fonts in use, not by runs.
pub fn keep(bytes: Vec<u8>) -> &'static [u8] {
    static STORE: OnceLock<Mutex<HashMap<[u8; 32], &'static [u8]>>> = OnceLock::new();
    let key: [u8; 32] = Sha256::digest(&bytes).into();
    let mut store = STORE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    store
        .entry(key)
        .or_insert_with(|| Box::leak(bytes.into_boxed_slice()))
}

/// A system font file, mapped once per process and kept like [`keep`]
/// (keyed by path: hashing a 20 MB CJK collection just to find it again
/// would cost more than the rest of a small batch).
///
/// Mapped, not read: a name in Chinese needs a few of the collection's
/// tables and a few dozen of its glyphs, and reading both 20 MB
/// collections (regular and bold) into memory was most of what such a
/// practice's batch cost beyond an all-WinAnsi one (a quarter of its CPU,
/// in the kernel copying and faulting in pages). Only the pages used are
/// read now, and they are the page cache's, shared, not the process's own.
/// A file that cannot be mapped is read as before.
pub fn keep_file(path: &std::path::Path) -> Option<&'static [u8]> {
    type Files = HashMap<PathBuf, &'static [u8]>;
    static STORE: OnceLock<Mutex<Files>> = OnceLock::new();
    let mut store = STORE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(b) = store.get(path) {
        return Some(b);
    }
    let file = std::fs::File::open(path).ok()?;
    // SAFETY: the map is read-only and lives for the rest of the process
    // (leaked, like the bytes read before). It is sound as long as the
    // file is not truncated or rewritten in place meanwhile: system font
    // files are replaced by package managers (a new file, renamed over the
    // old one, which the map keeps), not edited; fontdb maps the same files
    // to scan them. (Truncating a mapped file in place would end the
    // process with SIGBUS rather than give wrong bytes.)
    let bytes: &'static [u8] = match unsafe { memmap2::Mmap::map(&file) } {
        Ok(map) => &Box::leak(Box::new(map))[..],
        Err(_) => Box::leak(std::fs::read(path).ok()?.into_boxed_slice()),
    };
    store.insert(path.to_path_buf(), bytes);
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_file_has_the_files_bytes_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("font.bin");
        let bytes: Vec<u8> = (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let kept = keep_file(&path).unwrap();
        assert_eq!(kept, &bytes[..]);
        // The same path again: the same bytes, not a second copy.
        assert!(std::ptr::eq(kept, keep_file(&path).unwrap()));
        // An empty file (which cannot be mapped) is read; a missing one is
        // None.
        let empty = dir.path().join("empty.bin");
        std::fs::write(&empty, b"").unwrap();
        assert_eq!(keep_file(&empty).unwrap(), b"");
        assert!(keep_file(&dir.path().join("missing.bin")).is_none());
    }
}
