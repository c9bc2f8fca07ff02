//! A subset's font program, laid out so the part every subset of a face
//! shares is deflated once per batch and nothing is deflated per subset.
//!
//! A TrueType subset of a small glyph set (a name) is mostly tables copied
//! from its face whatever the glyphs: the hinting programs (`cvt `,
//! `fpgm`, `prep`), about 3.5 of the 5-8 KB of a Liberation Sans subset.
//! So the subset is rewritten with its tables in two blocks, the
//! per-subset ones (glyphs, metrics) after the table directory and the
//! shared ones last. The shared block is deflated once per face into a
//! byte-aligned run of deflate blocks (a sync flush, as pigz joins blocks)
//! kept by the [`PieceCache`]; the per-subset block is stored as it is
//! (deflate's stored blocks), and the two are joined into one zlib stream,
//! closed by an empty final block and the Adler-32 of the whole program.
//!
//! Why the per-subset block is stored: it is mostly glyph outlines, which
//! barely compress (Liberation Sans' 1,529 simple glyphs deflated one by
//! one at level 9 save 1% of their bytes; deflated together, a name's
//! glyphs and metrics save about a quarter: storing them made the bench's
//! embedded superbills about 1.7 KB larger, 10%). But
//! deflating it cost a compressor reset and pass per document with an
//! embedded name, the largest part of what such a document costs beyond
//! an all-WinAnsi one (README, "Names beyond WinAnsi").
//!
//! The rewrite keeps only the tables a PDF reader uses from an embedded
//! CIDFontType2 program (glyph outlines, metrics, hinting; iText writes the
//! same nine): the subsetter's `name` and `post` tables (about 1.2 KB,
//! names of the font and of its glyphs) are left out, as PDF names the
//! font itself.
//!
//! Each run is a function of its bytes alone (a fresh compressor, no
//! dictionary), so the stream depends only on the program's bytes: the
//! same subset gives the same bytes whichever documents were rendered
//! before it, and a cache hit gives the bytes a miss would have made.

use crate::hash::HashMap;
use flate2::FlushCompress;
use std::sync::{Arc, Mutex};

/// The tables an embedded TrueType program keeps, in tag order.
const KEPT: [&[u8; 4]; 9] = [
    b"cvt ", b"fpgm", b"glyf", b"head", b"hhea", b"hmtx", b"loca", b"maxp", b"prep",
];

/// Kept tables the subsetter copies from the face whatever the glyphs:
/// the shared block. A block whose bytes are not what the cache holds is
/// deflated afresh, so a wrong guess here costs time, never bytes.
const SHARED: [&[u8; 4]; 3] = [b"cvt ", b"fpgm", b"prep"];

/// What every subset of a face shares, prepared once: the shared block
/// deflated.
#[derive(Default)]
pub struct PieceCache {
    map: Mutex<HashMap<u32, Arc<Piece>>>,
}

/// Bytes and their deflate run: a piece of a stream made once.
pub(super) struct Piece {
    bytes: Vec<u8>,
    run: Vec<u8>,
}

impl Piece {
    /// `bytes` deflated at `level` into a run another can follow.
    pub(super) fn deflated(bytes: &[u8], level: u32) -> Piece {
        let mut run = Vec::with_capacity(bytes.len() / 2 + 64);
        deflate_run(bytes, level, &mut run);
        Piece {
            bytes: bytes.to_vec(),
            run,
        }
    }
}

/// A zlib stream joined from runs: pieces deflated before, bytes stored
/// or deflated here. Every run ends byte-aligned and not final, so any
/// can follow any; [`Joined::finish`] closes the stream.
pub(super) struct Joined {
    out: Vec<u8>,
    adler: Adler32,
}

impl Joined {
    pub(super) fn new(capacity: usize) -> Joined {
        let mut out = Vec::with_capacity(capacity + 64);
        // CMF/FLG of a 32 KB window at the default level (what zlib writes).
        out.extend_from_slice(&[0x78, 0x9C]);
        Joined {
            out,
            adler: Adler32::default(),
        }
    }

    pub(super) fn piece(&mut self, piece: &Piece) {
        self.out.extend_from_slice(&piece.run);
        self.adler.update(&piece.bytes);
    }

    /// `bytes` as stored blocks (RFC 1951 3.2.4: a header byte, then LEN
    /// and its complement, little-endian, then the bytes).
    pub(super) fn stored(&mut self, bytes: &[u8]) {
        for block in bytes.chunks(usize::from(u16::MAX)) {
            let len = block.len() as u16;
            self.out.push(0);
            self.out.extend_from_slice(&len.to_le_bytes());
            self.out.extend_from_slice(&(!len).to_le_bytes());
            self.out.extend_from_slice(block);
        }
        self.adler.update(bytes);
    }

    pub(super) fn deflated(&mut self, bytes: &[u8], level: u32) {
        deflate_run(bytes, level, &mut self.out);
        self.adler.update(bytes);
    }

    /// The stream, closed by an empty final block with fixed codes
    /// (BFINAL 1, BTYPE 01, the end-of-block code) and the check value.
    pub(super) fn finish(mut self) -> Vec<u8> {
        self.out.extend_from_slice(&[0x03, 0x00]);
        self.out
            .extend_from_slice(&self.adler.value().to_be_bytes());
        self.out
    }
}

/// A font program ready for a `FontFile2`/`FontFile3` stream.
pub struct Program {
    /// Its length uncompressed (`/Length1`).
    pub len: usize,
    /// The zlib stream.
    pub zlib: Vec<u8>,
}

/// The program to embed for `font`, a subset of face `key`: a TrueType
/// subset rewritten as above, anything else (a bare CFF program) as it is.
pub fn pack(cache: &PieceCache, key: u32, font: &[u8]) -> Program {
    let Some((program, shared_at)) = relayout(font) else {
        return Program {
            len: font.len(),
            zlib: zlib(font),
        };
    };
    pack_laid_out(cache, key, &program, shared_at)
}

/// The program to embed for a TrueType subset of face `key` already laid
/// out as [`relayout`] does (by [`super::truetype::subset`]), its shared
/// tables from `shared_at` on.
pub fn pack_laid_out(cache: &PieceCache, key: u32, program: &[u8], shared_at: usize) -> Program {
    let mut out = Joined::new(program.len() - program.len() / 4);
    out.stored(&program[..shared_at]);
    let shared = &program[shared_at..];
    if !shared.is_empty() {
        out.piece(&shared_run(cache, key, shared));
    }
    Program {
        len: program.len(),
        zlib: out.finish(),
    }
}

/// The run of the shared block `bytes` of face `key`: the cache's, or
/// made and kept when the cache holds other bytes there (a wrong guess
/// costs time, never bytes).
fn shared_run(cache: &PieceCache, key: u32, bytes: &[u8]) -> Arc<Piece> {
    let lock = || cache.map.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(piece) = lock().get(&key).filter(|p| p.bytes == bytes) {
        return piece.clone();
    }
    // Deflated outside the lock: two threads may both make it (the same
    // bytes), never wait on each other.
    let piece = Arc::new(Piece::deflated(bytes, ONCE_PER_FACE));
    lock().insert(key, piece.clone());
    piece
}

/// [`relayout`], for the tests of [`super::truetype`].
#[cfg(test)]
pub fn relayout_for_tests(font: &[u8]) -> Option<(Vec<u8>, usize)> {
    relayout(font)
}

/// An sfnt rewritten with only the [`KEPT`] tables, the [`SHARED`] ones
/// last, and where they start. None when `font` is not a TrueType sfnt
/// with a `head` table (nothing is rewritten then).
fn relayout(font: &[u8]) -> Option<(Vec<u8>, usize)> {
    if !matches!(font.get(..4)?, [0, 1, 0, 0] | b"true") {
        return None;
    }
    let count = usize::from(u16::from_be_bytes(font.get(4..6)?.try_into().ok()?));
    // (tag, checksum, bytes) of the kept tables, in tag order.
    let mut tables: Vec<([u8; 4], [u8; 4], &[u8])> = Vec::new();
    for i in 0..count {
        let rec = font.get(12 + 16 * i..12 + 16 * (i + 1))?;
        let tag: [u8; 4] = rec[..4].try_into().ok()?;
        if !KEPT.contains(&&tag) {
            continue;
        }
        let off = u32::from_be_bytes(rec[8..12].try_into().ok()?) as usize;
        let len = u32::from_be_bytes(rec[12..16].try_into().ok()?) as usize;
        let bytes = font.get(off..off.checked_add(len)?)?;
        tables.push((tag, rec[4..8].try_into().ok()?, bytes));
    }
    write_sfnt(font[..4].try_into().ok()?, tables)
}

/// The face's [`KEPT`] tables as a font of their own: what the subsetter
/// read before [`super::truetype`] wrote subsets itself, kept as the
/// reference its tests compare with (the subsetter would otherwise also
/// rewrite the face's naming table and glyph names, which [`relayout`]
/// drops). None for a CFF face or a face without `head`.
#[cfg(test)]
pub fn trimmed_source(face: &super::Face) -> Option<Vec<u8>> {
    if face.cff {
        return None;
    }
    let tables = KEPT
        .iter()
        .filter_map(|&&tag| {
            let bytes = face.table(&tag)?;
            Some((tag, checksum(bytes).to_be_bytes(), bytes))
        })
        .collect();
    write_sfnt([0, 1, 0, 0], tables).map(|(font, _)| font)
}

/// The OpenType table checksum: the sum of the big-endian words, the last
/// padded with zeros.
pub(super) fn checksum(bytes: &[u8]) -> u32 {
    bytes
        .chunks(4)
        .map(|w| {
            let mut word = [0u8; 4];
            word[..w.len()].copy_from_slice(w);
            u32::from_be_bytes(word)
        })
        .fold(0u32, u32::wrapping_add)
}

/// An sfnt of `tables` ((tag, checksum, bytes)): the directory in tag
/// order, the [`SHARED`] tables' data last; and where that starts. None
/// without a `head` table.
pub(super) fn write_sfnt(
    version: [u8; 4],
    mut tables: Vec<([u8; 4], [u8; 4], &[u8])>,
) -> Option<(Vec<u8>, usize)> {
    tables.sort_by_key(|t| t.0);
    if !tables.iter().any(|t| &t.0 == b"head") {
        return None;
    }
    let n = tables.len();
    let size: usize = tables.iter().map(|t| t.2.len() + 3).sum();
    let mut out = Vec::with_capacity(12 + 16 * n + size);
    out.extend_from_slice(&version);
    // Binary-search fields of the directory (OpenType spec).
    let selector = n.ilog2();
    let range = 16usize << selector;
    for v in [n, range, selector as usize, 16 * n - range] {
        out.extend_from_slice(&(v as u16).to_be_bytes());
    }
    // Per-subset tables first, shared last, each in tag order.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (SHARED.contains(&&tables[i].0), tables[i].0));
    let mut offsets = vec![0usize; n];
    let mut at = 12 + 16 * n;
    for &i in &order {
        offsets[i] = at;
        at += tables[i].2.len().next_multiple_of(4);
    }
    for (i, (tag, sum, bytes)) in tables.iter().enumerate() {
        out.extend_from_slice(tag);
        out.extend_from_slice(sum);
        out.extend_from_slice(&(offsets[i] as u32).to_be_bytes());
        out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    }
    let mut shared_at = at;
    let mut head_at = 0;
    for &i in &order {
        let (tag, _, bytes) = tables[i];
        if SHARED.contains(&&tag) {
            shared_at = shared_at.min(out.len());
        }
        if &tag == b"head" {
            head_at = out.len();
        }
        out.extend_from_slice(bytes);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    // head.checkSumAdjustment: the whole file then sums to 0xB1B0AFBA
    // (the table's own checksum in the directory counts it as zero).
    let adjust = out.get_mut(head_at + 8..head_at + 12)?;
    adjust.fill(0);
    let sum = checksum(&out);
    out[head_at + 8..head_at + 12].copy_from_slice(&0xB1B0_AFBAu32.wrapping_sub(sum).to_be_bytes());
    Some((out, shared_at))
}

/// `bytes` as a zlib stream at the per-document level, with this thread's
/// compressor.
pub fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut out = Joined::new(bytes.len() / 2);
    out.deflated(bytes, PER_SUBSET);
    out.finish()
}

/// The zlib level of the bytes deflated for each subset (zlib-rs: these
/// streams join runs, see [`crate::render::pdf::flate`]).
const PER_SUBSET: u32 = 6;
/// The zlib level of the shared block, deflated once per batch: zlib's
/// maximum.
pub(super) const ONCE_PER_FACE: u32 = 9;

/// Appends `bytes` to `out` as raw deflate blocks ending byte-aligned
/// (a sync flush), not final: a run another can follow.
fn deflate_run(bytes: &[u8], level: u32, out: &mut Vec<u8>) {
    crate::render::pdf::flate::with_compressor(level, false, |z| {
        let mut rest = bytes;
        loop {
            out.reserve(rest.len() / 2 + 64);
            let before = z.total_in();
            // Deflating into memory cannot fail.
            z.compress_vec(rest, out, FlushCompress::Sync)
                .expect("deflate into memory");
            rest = &rest[(z.total_in() - before) as usize..];
            // The flush is complete when the compressor stopped with room
            // to spare.
            if rest.is_empty() && out.len() < out.capacity() {
                break;
            }
        }
    });
}

/// Adler-32 (RFC 1950), the zlib stream's check value, over the runs of
/// a [`Joined`] stream as they are added.
struct Adler32 {
    a: u32,
    b: u32,
}

impl Default for Adler32 {
    fn default() -> Adler32 {
        Adler32 { a: 1, b: 0 }
    }
}

impl Adler32 {
    fn update(&mut self, bytes: &[u8]) {
        const MOD: u32 = 65521;
        // 5552 bytes is the most that cannot overflow b before the modulo.
        for chunk in bytes.chunks(5552) {
            for &x in chunk {
                self.a += u32::from(x);
                self.b += self.a;
            }
            self.a %= MOD;
            self.b %= MOD;
        }
    }

    fn value(&self) -> u32 {
        (self.b << 16) | self.a
    }
}

#[cfg(test)]
fn adler32(bytes: &[u8]) -> u32 {
    let mut a = Adler32::default();
    a.update(bytes);
    a.value()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustybuzz::ttf_parser;
    use std::io::Read;

    fn inflate(z: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(z)
            .read_to_end(&mut out)
            .expect("a valid zlib stream");
        out
    }

    /// A subset of Liberation Sans (bundled) holding `text`'s glyphs.
    fn subset(text: &str) -> Vec<u8> {
        let face = super::super::FontSet::new(&Default::default()).unwrap();
        let face = face.face(super::super::Weight::Regular);
        let mut remapper = subsetter::GlyphRemapper::new();
        remapper.remap(0);
        for c in text.chars() {
            remapper.remap(face.glyph(c).unwrap());
        }
        subsetter::subset(face.data(), face.index, &remapper).unwrap()
    }

    fn tags(sfnt: &[u8]) -> Vec<String> {
        let n = usize::from(u16::from_be_bytes([sfnt[4], sfnt[5]]));
        (0..n)
            .map(|i| String::from_utf8_lossy(&sfnt[12 + 16 * i..16 + 16 * i]).into_owned())
            .collect()
    }

    #[test]
    fn the_program_is_a_valid_font_with_the_subsets_glyphs() {
        let font = subset("Dvořák");
        let packed = pack(&PieceCache::default(), 0, &font);
        let program = inflate(&packed.zlib);
        assert_eq!(program.len(), packed.len);
        assert!(packed.zlib.len() < program.len(), "deflated");
        assert_eq!(
            tags(&program),
            ["cvt ", "fpgm", "glyf", "head", "hhea", "hmtx", "loca", "maxp", "prep"]
        );
        assert!(
            tags(&font).contains(&"name".to_string()),
            "{:?}",
            tags(&font)
        );
        // The whole file sums to the magic number (head.checkSumAdjustment).
        let sum = program
            .chunks(4)
            .map(|w| u32::from_be_bytes(w.try_into().unwrap()))
            .fold(0u32, u32::wrapping_add);
        assert_eq!(sum, 0xB1B0_AFBA);
        // Every table reads back as in the subset: same glyphs, outlines
        // and advances.
        let a = ttf_parser::Face::parse(&font, 0).unwrap();
        let b = ttf_parser::Face::parse(&program, 0).unwrap();
        assert_eq!(a.number_of_glyphs(), b.number_of_glyphs());
        for t in [
            b"glyf", b"loca", b"hmtx", b"fpgm", b"prep", b"cvt ", b"maxp",
        ] {
            let tag = ttf_parser::Tag::from_bytes(t);
            assert_eq!(a.raw_face().table(tag), b.raw_face().table(tag));
        }
        for g in 0..a.number_of_glyphs() {
            let g = ttf_parser::GlyphId(g);
            assert_eq!(a.glyph_bounding_box(g), b.glyph_bounding_box(g));
            assert_eq!(a.glyph_hor_advance(g), b.glyph_hor_advance(g));
        }
        // Not an sfnt (a bare CFF program): one run, as it is.
        let cff = b"\x01\x00\x04\x04 not an sfnt".repeat(20);
        let packed = pack(&PieceCache::default(), 3, &cff);
        assert_eq!(
            (inflate(&packed.zlib), packed.len),
            (cff.clone(), cff.len())
        );
        assert_eq!(inflate(&zlib(&cff)), cff);
        assert_eq!(inflate(&zlib(b"")), b"");
    }

    #[test]
    fn a_subset_of_the_trimmed_face_is_the_same_program() {
        let fonts = super::super::FontSet::new(&Default::default()).unwrap();
        for face in [
            fonts.face(super::super::Weight::Regular),
            fonts.face(super::super::Weight::Bold),
        ] {
            let trimmed = trimmed_source(face).unwrap();
            assert!(trimmed.len() < face.data().len());
            let mut remapper = subsetter::GlyphRemapper::new();
            remapper.remap(0);
            for c in "Dvořák Παπαδόπουλος Ñ ﬁ".chars() {
                remapper.remap(face.glyph(c).unwrap_or(0));
            }
            let full = subsetter::subset(face.data(), face.index, &remapper).unwrap();
            let trim = subsetter::subset(&trimmed, 0, &remapper).unwrap();
            assert_ne!(full, trim, "the full face's subset has name and post");
            assert_eq!(relayout(&full), relayout(&trim));
        }
    }

    #[test]
    fn bytes_do_not_depend_on_what_the_cache_saw_before() {
        let warm = PieceCache::default();
        pack(&warm, 0, &subset("Nguyễn"));
        let font = subset("Иванова");
        let from_warm = pack(&warm, 0, &font).zlib;
        assert_eq!(from_warm, pack(&PieceCache::default(), 0, &font).zlib);
        // Another face's shared tables under the same key (a cache that
        // does not match) are deflated afresh, not taken from it.
        let mut other = font.clone();
        let n = usize::from(u16::from_be_bytes([other[4], other[5]]));
        let prep = (0..n)
            .map(|i| &other[12 + 16 * i..28 + 16 * i])
            .find(|r| &r[..4] == b"prep")
            .map(|r| u32::from_be_bytes(r[8..12].try_into().unwrap()) as usize)
            .unwrap();
        other[prep] ^= 0x55;
        let program = inflate(&pack(&warm, 0, &other).zlib);
        let cold = inflate(&pack(&PieceCache::default(), 0, &other).zlib);
        assert_eq!(program, cold);
        assert_ne!(program, inflate(&pack(&warm, 0, &font).zlib));
    }

    /// A subset written by [`super::super::truetype`]: its stream inflates
    /// to the program, stores the per-subset block as it is (readable in
    /// the stream's bytes) and is the same from a cold cache and a warm one.
    #[test]
    fn the_per_subset_block_is_stored_and_the_shared_one_joined() {
        let fonts = super::super::FontSet::new(&Default::default()).unwrap();
        let face = fonts.face(super::super::Weight::Regular);
        let gids: Vec<u16> = "Wiśniewski, Łukasz"
            .chars()
            .filter_map(|c| face.glyph(c))
            .collect();
        let (program, shared_at, _) = super::super::truetype::subset(face, gids).unwrap();
        let warm = PieceCache::default();
        pack(&warm, 0, &subset("Nguyễn"));
        let packed = pack_laid_out(&warm, 0, &program, shared_at);
        assert_eq!(inflate(&packed.zlib), program);
        assert_eq!(
            packed.zlib,
            pack_laid_out(&PieceCache::default(), 0, &program, shared_at).zlib
        );
        // Header, one stored block's header, the per-subset block.
        let stored = &packed.zlib[2..];
        let len = u16::from_le_bytes([stored[1], stored[2]]);
        assert_eq!((stored[0], usize::from(len)), (0, shared_at));
        assert_eq!(&stored[5..5 + shared_at], &program[..shared_at]);
        // The rest: the shared block's run, the final block, the check value.
        let shared = program.len() - shared_at;
        let run = packed.zlib.len() - (2 + 5 + shared_at + 2 + 4);
        assert!(
            run < shared * 3 / 4,
            "the hinting deflated: {run} of {shared}"
        );
        // Stored data longer than a stored block's 65,535 bytes.
        let mut j = Joined::new(0);
        let long: Vec<u8> = (0..150_000u32).map(|i| (i * 7 % 251) as u8).collect();
        j.stored(&long);
        j.piece(&Piece::deflated(b"tail", 9));
        j.deflated(b" and more", 6);
        let mut want = long.clone();
        want.extend_from_slice(b"tail and more");
        assert_eq!(inflate(&j.finish()), want);
    }

    #[test]
    fn adler32_matches_zlib() {
        // RFC 1950's example value for "Wikipedia".
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(adler32(b""), 1);
        let long = vec![0xFFu8; 100_000];
        assert_eq!(
            inflate(&zlib(&long)),
            long,
            "the check value of a long input"
        );
    }
}
