//! Embedding the faces a document used: one subset per face holding only
//! the glyphs the document drew, as a Type0 / Identity-H font with its
//! widths and a ToUnicode map (so text extraction and copy-paste give the
//! characters back, in logical order for right-to-left text).
//!
//! Subsetting and compressing a face is the expensive part, so prepared
//! subsets are cached in the [`super::FontSet`], keyed by the face and the
//! exact glyphs (with their text): a subset depends on nothing but its key,
//! so a document's bytes do not depend on which other documents the batch
//! rendered before it, or on which thread did. Documents that share a
//! glyph set (the same accented name, the same practice text) share the
//! work. Most names are the only ones with their glyph set, so what every
//! subset of a face shares (its hinting tables) is deflated once per face
//! ([`super::program`]).

use super::face::{Face, Metrics};
use super::program::PieceCache;
use crate::hash::HashMap;
use crate::render::pdf::content::Content;
use lopdf::{Dictionary, Object, Stream, StringFormat};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// Resource names of embedded faces start with this, then the face key.
pub const RESOURCE_PREFIX: &str = "SBF";

pub fn resource_name(face: &Face) -> String {
    format!("{RESOURCE_PREFIX}{}", face.key)
}

/// Glyphs of one face used by a document: glyph id -> the text it stands
/// for.
pub use crate::render::pdf::content::Used;

/// A subset ready to embed: compressed font program and ToUnicode map,
/// widths and the glyph renumbering for the content streams.
pub struct Prepared {
    remap: HashMap<u16, u16>,
    base_font: String,
    program: Vec<u8>,
    program_len: usize,
    cff: bool,
    widths: Vec<Object>,
    to_unicode: Vec<u8>,
    metrics: Metrics,
}

type Slot = Arc<OnceLock<Result<Arc<Prepared>, String>>>;

/// Prepared subsets by (face, glyphs). Bounded: past [`CACHE_LIMIT`]
/// entries it starts over (entries are pure functions of their key, so
/// this changes speed, never bytes).
#[derive(Default)]
pub struct SubsetCache {
    map: Mutex<HashMap<(u32, Used), Slot>>,
    /// The tables every subset of a face shares, deflated once.
    pieces: PieceCache,
}

const CACHE_LIMIT: usize = 4096;

impl SubsetCache {
    pub fn get(&self, face: &Face, used: &Used) -> Result<Arc<Prepared>, String> {
        let slot = {
            let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
            if map.len() >= CACHE_LIMIT {
                map.clear();
            }
            map.entry((face.key, used.clone())).or_default().clone()
        };
        // Another thread preparing the same subset: wait for it rather
        // than doing the work twice.
        slot.get_or_init(|| prepare(face, used, &self.pieces).map(Arc::new))
            .clone()
    }
}

/// The glyphs each embedded face draws in `pages`, by face key: what the
/// canvas recorded while drawing (the text of a glyph is the shaped text,
/// or else the character the face maps to it; the first page to use a
/// glyph gives its text).
pub fn usage(pages: &[Content]) -> BTreeMap<u32, Used> {
    let mut out: BTreeMap<u32, Used> = BTreeMap::new();
    for page in pages {
        for (&key, used) in page.faces() {
            let mine = out.entry(key).or_default();
            for (&gid, text) in used {
                mine.entry(gid).or_insert_with(|| text.clone());
            }
        }
    }
    out
}

/// Rewrites the glyph ids of embedded faces to the ids of their subsets
/// (a glyph a subset lacks becomes 0, `.notdef`).
pub fn renumber(pages: &mut [Content], prepared: &BTreeMap<u32, Arc<Prepared>>) {
    for page in pages {
        page.renumber(|key, gid| match prepared.get(&key) {
            Some(p) => p.remap.get(&gid).copied().unwrap_or(0),
            None => gid,
        });
    }
}

fn prepare(face: &Face, used: &Used, pieces: &PieceCache) -> Result<Prepared, String> {
    let (program, new_id): (_, Box<dyn Fn(u16) -> Option<u16>>) = if face.cff {
        let mut remapper = subsetter::GlyphRemapper::new();
        remapper.remap(0);
        for &gid in used.keys() {
            remapper.remap(gid);
        }
        let subset = subsetter::subset(face.data(), face.index, &remapper)
            .map_err(|e| format!("cannot subset font '{}': {e}", face.name))?;
        // A CID-keyed CFF (the subsetter makes every CFF one, CID = new
        // glyph id) embeds as the bare table.
        let cff = table(&subset, b"CFF ")
            .ok_or_else(|| format!("font '{}': subset has no CFF table", face.name))?;
        (
            super::program::pack(pieces, face.key, cff),
            Box::new(move |old| remapper.get(old)),
        )
    } else {
        // Written in the embedded layout directly (see `truetype`).
        let (program, shared_at, remap) = super::truetype::subset(face, used.keys().copied())
            .ok_or_else(|| format!("cannot subset font '{}': malformed glyph tables", face.name))?;
        (
            super::program::pack_laid_out(pieces, face.key, &program, shared_at),
            Box::new(move |old| remap.get(old)),
        )
    };
    let mut remap = HashMap::with_capacity_and_hasher(used.len() + 1, Default::default());
    let mut by_new: Vec<(u16, u16)> = Vec::with_capacity(used.len() + 1);
    for old in std::iter::once(0).chain(used.keys().copied()) {
        let new = new_id(old).unwrap_or(0);
        remap.insert(old, new);
        by_new.push((new, old));
    }
    by_new.sort_unstable();
    by_new.dedup();
    let scale = 1000.0 / face.units_per_em();
    let widths = vec![
        Object::Integer(0),
        Object::Array(
            by_new
                .iter()
                .map(|&(_, old)| Object::Integer(pdf_width(face, old, scale)))
                .collect(),
        ),
    ];
    let cmap = to_unicode_cmap(by_new.iter().filter_map(|&(new, old)| {
        used.get(&old)
            .filter(|t| !t.is_empty())
            .map(|t| (new, t.as_str()))
    }));
    let mut tag_hash = Sha256::new();
    tag_hash.update(face.ps_name.as_bytes());
    for (gid, text) in used {
        tag_hash.update(gid.to_be_bytes());
        tag_hash.update(text.as_bytes());
        tag_hash.update([0]);
    }
    let tag: String = tag_hash.finalize()[..6]
        .iter()
        .map(|b| char::from(b'A' + b % 26))
        .collect();
    Ok(Prepared {
        remap,
        base_font: format!("{tag}+{}", face.ps_name),
        program_len: program.len,
        program: program.zlib,
        cff: face.cff,
        widths,
        to_unicode: deflate(&cmap),
        metrics: face.descriptor_metrics(),
    })
}

/// The width the PDF states for a glyph, in 1/1000 em; the canvas moves
/// the pen by the same integer so shaped text lands where it was measured.
pub fn pdf_width(face: &Face, gid: u16, scale: f32) -> i64 {
    (f32::from(face.advance(gid)) * scale).round() as i64
}

/// Adds the prepared faces to `doc` and to the font dictionary its pages
/// share, under their resource names.
pub fn add_to_document(
    doc: &mut lopdf::Document,
    prepared: &BTreeMap<u32, Arc<Prepared>>,
) -> Result<(), String> {
    if prepared.is_empty() {
        return Ok(());
    }
    let mut entries = Vec::new();
    for (key, p) in prepared {
        let id = add_font(doc, p);
        entries.push((format!("{RESOURCE_PREFIX}{key}"), id));
    }
    let font_dict_id = shared_font_dict(doc).ok_or("PDF pages have no shared font dictionary")?;
    let dict = doc
        .get_object_mut(font_dict_id)
        .and_then(Object::as_dict_mut)
        .map_err(|e| format!("font dictionary: {e}"))?;
    for (name, id) in entries {
        dict.set(name, Object::Reference(id));
    }
    Ok(())
}

fn shared_font_dict(doc: &lopdf::Document) -> Option<lopdf::ObjectId> {
    let (_, page) = doc.get_pages().into_iter().next()?;
    let page = doc.get_dictionary(page).ok()?;
    let resources = match page.get(b"Resources").ok()? {
        Object::Reference(r) => doc.get_dictionary(*r).ok()?,
        Object::Dictionary(d) => d,
        _ => return None,
    };
    resources.get(b"Font").ok()?.as_reference().ok()
}

fn add_font(doc: &mut lopdf::Document, p: &Prepared) -> lopdf::ObjectId {
    let name = || Object::Name(p.base_font.clone().into_bytes());
    let mut file_dict = Dictionary::new();
    file_dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
    let file_key = if p.cff {
        file_dict.set("Subtype", Object::Name(b"CIDFontType0C".to_vec()));
        "FontFile3"
    } else {
        file_dict.set("Length1", Object::Integer(p.program_len as i64));
        "FontFile2"
    };
    let mut file = Stream::new(file_dict, p.program.clone());
    file.allows_compression = false;
    let file_id = doc.add_object(file);
    let m = &p.metrics;
    let descriptor = Dictionary::from_iter(vec![
        ("Type", Object::Name(b"FontDescriptor".to_vec())),
        ("FontName", name()),
        // Symbolic: the glyphs are addressed by id, not a Latin encoding.
        ("Flags", Object::Integer(4)),
        (
            "FontBBox",
            Object::Array(m.bbox.iter().map(|&v| Object::Integer(v)).collect()),
        ),
        ("ItalicAngle", Object::Integer(m.italic_angle)),
        ("Ascent", Object::Integer(m.ascent)),
        ("Descent", Object::Integer(m.descent)),
        ("CapHeight", Object::Integer(m.cap_height)),
        ("StemV", Object::Integer(m.stem_v)),
        (file_key, Object::Reference(file_id)),
    ]);
    let descriptor_id = doc.add_object(descriptor);
    let system_info = Dictionary::from_iter(vec![
        (
            "Registry",
            Object::String(b"Adobe".to_vec(), StringFormat::Literal),
        ),
        (
            "Ordering",
            Object::String(b"Identity".to_vec(), StringFormat::Literal),
        ),
        ("Supplement", Object::Integer(0)),
    ]);
    let mut cid_font = Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Font".to_vec())),
        (
            "Subtype",
            Object::Name(if p.cff {
                b"CIDFontType0".to_vec()
            } else {
                b"CIDFontType2".to_vec()
            }),
        ),
        ("BaseFont", name()),
        ("CIDSystemInfo", Object::Dictionary(system_info)),
        ("FontDescriptor", Object::Reference(descriptor_id)),
        ("W", Object::Array(p.widths.clone())),
    ]);
    if !p.cff {
        cid_font.set("CIDToGIDMap", Object::Name(b"Identity".to_vec()));
    }
    let cid_font_id = doc.add_object(cid_font);
    let mut cmap_dict = Dictionary::new();
    cmap_dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
    let mut cmap = Stream::new(cmap_dict, p.to_unicode.clone());
    cmap.allows_compression = false;
    let cmap_id = doc.add_object(cmap);
    doc.add_object(Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Font".to_vec())),
        ("Subtype", Object::Name(b"Type0".to_vec())),
        ("BaseFont", name()),
        ("Encoding", Object::Name(b"Identity-H".to_vec())),
        (
            "DescendantFonts",
            Object::Array(vec![Object::Reference(cid_font_id)]),
        ),
        ("ToUnicode", Object::Reference(cmap_id)),
    ]))
}

/// What every ToUnicode CMap says before its entries.
const CMAP_HEAD: &str = "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
     /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
     /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
     1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n";

/// And after them.
const CMAP_TAIL: &str = "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";

/// The entries of a ToUnicode CMap of `(code, text)` pairs, codes
/// ascending: what lies between [`CMAP_HEAD`] and [`CMAP_TAIL`].
fn to_unicode_cmap<'a>(pairs: impl Iterator<Item = (u16, &'a str)>) -> String {
    let pairs: Vec<(u16, &str)> = pairs.collect();
    let mut s = String::with_capacity(32 + 16 * pairs.len());
    // Writing into a String cannot fail.
    for chunk in pairs.chunks(100) {
        let _ = writeln!(s, "{} beginbfchar", chunk.len());
        for (code, text) in chunk {
            let _ = write!(s, "<{code:04X}> <");
            for unit in text.encode_utf16() {
                let _ = write!(s, "{unit:04X}");
            }
            s.push_str(">\n");
        }
        s.push_str("endbfchar\n");
    }
    s
}

/// A ToUnicode map's stream: the head and tail every map shares, deflated
/// once per process at the once-per-batch level, joined with the entries
/// stored (a few hundred bytes of hex, unique to the subset: deflating
/// them per document cost a compressor reset for little).
fn deflate(entries: &str) -> Vec<u8> {
    use super::program::{Joined, Piece, ONCE_PER_FACE};
    static ENDS: OnceLock<(Piece, Piece)> = OnceLock::new();
    let (head, tail) = ENDS.get_or_init(|| {
        (
            Piece::deflated(CMAP_HEAD.as_bytes(), ONCE_PER_FACE),
            Piece::deflated(CMAP_TAIL.as_bytes(), ONCE_PER_FACE),
        )
    });
    let mut out = Joined::new(entries.len() + 256);
    out.piece(head);
    out.stored(entries.as_bytes());
    out.piece(tail);
    out.finish()
}

/// The bytes of table `tag` in a single-face sfnt.
fn table<'a>(sfnt: &'a [u8], tag: &[u8; 4]) -> Option<&'a [u8]> {
    let n = u16::from_be_bytes(sfnt.get(4..6)?.try_into().ok()?) as usize;
    for i in 0..n {
        let rec = sfnt.get(12 + 16 * i..12 + 16 * (i + 1))?;
        if &rec[..4] == tag {
            let off = u32::from_be_bytes(rec[8..12].try_into().ok()?) as usize;
            let len = u32::from_be_bytes(rec[12..16].try_into().ok()?) as usize;
            return sfnt.get(off..off.checked_add(len)?);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustybuzz::ttf_parser;

    /// A glyph's outline as drawing commands.
    #[derive(Default)]
    struct Outline(Vec<String>);

    impl ttf_parser::OutlineBuilder for Outline {
        fn move_to(&mut self, x: f32, y: f32) {
            self.0.push(format!("M {x} {y}"));
        }
        fn line_to(&mut self, x: f32, y: f32) {
            self.0.push(format!("L {x} {y}"));
        }
        fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
            self.0.push(format!("Q {x1} {y1} {x} {y}"));
        }
        fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
            self.0.push(format!("C {x1} {y1} {x2} {y2} {x} {y}"));
        }
        fn close(&mut self) {
            self.0.push("Z".into());
        }
    }

    fn outline(face: &ttf_parser::Face, gid: u16) -> Vec<String> {
        let mut o = Outline::default();
        face.outline_glyph(ttf_parser::GlyphId(gid), &mut o);
        o.0
    }

    /// The CFF path of the subsetter (vendor/subsetter, patched to look
    /// subroutines up in the face's INDEXes instead of copying them all):
    /// a subset of the machine's CJK face draws every glyph exactly as the
    /// face does (the charstrings are desubroutinized, so a wrong
    /// subroutine or bias shows as another outline), and the same glyphs
    /// give the same bytes whichever subsets were made before.
    #[test]
    fn a_cff_subset_draws_the_faces_outlines() {
        let fonts = super::super::FontSet::new(&Default::default()).unwrap();
        let Some(face) = fonts
            .face_for('王', super::super::Weight::Regular)
            .filter(|f| f.cff)
        else {
            println!("note: no CFF CJK font on this machine (fonts-noto-cjk); skipping");
            return;
        };
        let original = ttf_parser::Face::parse(face.data(), face.index).unwrap();
        let text = "王李张刘陈杨黄赵伟芳娜敏静丽强磊洋艳龘";
        let gids: Vec<u16> = text.chars().map(|c| face.glyph(c).unwrap()).collect();
        let subset_of = |gids: &[u16]| {
            let mut remapper = subsetter::GlyphRemapper::new();
            remapper.remap(0);
            for &g in gids {
                remapper.remap(g);
            }
            let font = subsetter::subset(face.data(), face.index, &remapper).unwrap();
            (font, remapper)
        };
        let (font, remapper) = subset_of(&gids);
        let sub = ttf_parser::Face::parse(&font, 0).unwrap();
        assert_eq!(sub.number_of_glyphs() as usize, gids.len() + 1);
        for &g in &gids {
            let new = remapper.get(g).unwrap();
            let drawn = outline(&sub, new);
            assert!(drawn.len() > 10, "glyph {g} has an outline");
            assert_eq!(drawn, outline(&original, g), "glyph {g} (now {new})");
            assert_eq!(
                sub.glyph_hor_advance(ttf_parser::GlyphId(new)),
                original.glyph_hor_advance(ttf_parser::GlyphId(g))
            );
        }
        // One glyph alone, then again after other subsets: same bytes.
        let alone = subset_of(&gids[3..4]).0;
        subset_of(&gids[..8]);
        assert_eq!(subset_of(&gids[3..4]).0, alone);
        assert_ne!(alone, font);
    }

    #[test]
    fn to_unicode_maps_codes_to_utf16() {
        let cmap = to_unicode_cmap([(1u16, "A"), (2, "لا"), (3, "𠀋")].into_iter());
        assert!(cmap.contains("3 beginbfchar"));
        assert!(cmap.contains("<0001> <0041>"));
        assert!(cmap.contains("<0002> <06440627>"));
        // Beyond the BMP: a surrogate pair.
        assert!(cmap.contains("<0003> <D840DC0B>"));
        // The stream is the whole CMap.
        let mut inflated = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::ZlibDecoder::new(&deflate(&cmap)[..]),
            &mut inflated,
        )
        .unwrap();
        assert_eq!(inflated, format!("{CMAP_HEAD}{cmap}{CMAP_TAIL}"));
        assert!(inflated.starts_with("/CIDInit /ProcSet findresource begin\n"));
        assert!(inflated.contains("\nbegincmap\n/CIDSystemInfo <<"));
        assert!(inflated.ends_with("\nend\nend\n"));
        // More than 100 entries: blocks of at most 100.
        let many: Vec<(u16, String)> = (1..=150).map(|i| (i, "x".to_string())).collect();
        let cmap = to_unicode_cmap(many.iter().map(|(c, t)| (*c, t.as_str())));
        assert!(cmap.starts_with("100 beginbfchar\n<0001> <0078>\n"));
        assert!(cmap.contains("endbfchar\n50 beginbfchar\n"));
    }
}
