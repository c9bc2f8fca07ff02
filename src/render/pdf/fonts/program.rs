//! A subset's font program deflated in pieces, so the part every subset of
//! a face shares is compressed once per batch.
//!
//! A TrueType subset of a small glyph set (a name) is mostly tables copied
//! from its face whatever the glyphs: the hinting programs (`cvt `,
//! `fpgm`, `prep`) and the naming table, about 4.5 of the 6-8 KB of a
//! Liberation Sans subset. Deflating the whole program for every document
//! was the largest cost of a document with an embedded name. Here each of
//! those tables is deflated on its own into a byte-aligned run of deflate
//! blocks (a sync flush, as pigz joins blocks), kept by the
//! [`PieceCache`], and the bytes between them (table directory, glyphs,
//! metrics) are deflated per subset; the runs are joined into one zlib
//! stream, closed by an empty final block and the Adler-32 of the whole
//! program.
//!
//! Each run is a function of its bytes alone (a fresh compressor, no
//! dictionary), so the stream depends only on the program's bytes: the
//! same subset gives the same bytes whichever documents were rendered
//! before it, and a cache hit gives the bytes a miss would have made.

use flate2::{Compress, Compression, FlushCompress};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Tables a subset copies from its face, the same for every glyph set
/// (the subsetter rewrites `name` but keeps the same records whatever the
/// glyphs). Anything else is deflated per subset. A table whose bytes are
/// not what the cache holds is deflated afresh, so a wrong guess here
/// costs time, never bytes.
const SHARED_TABLES: [&[u8; 4]; 4] = [b"cvt ", b"fpgm", b"prep", b"name"];

/// Shared tables, deflated once: (face key, tag) -> the table.
#[derive(Default)]
pub struct PieceCache {
    map: Mutex<HashMap<PieceKey, Arc<Piece>>>,
}

/// (face key, table tag).
type PieceKey = (u32, [u8; 4]);

/// A shared table's bytes and their deflate run.
struct Piece {
    bytes: Vec<u8>,
    run: Vec<u8>,
}

/// The zlib stream of `program`, a subset of face `key`.
pub fn deflate(cache: &PieceCache, key: u32, program: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(program.len() / 2 + 64);
    // CMF/FLG of a 32 KB window at the default level (what zlib writes).
    out.extend_from_slice(&[0x78, 0x9C]);
    let mut at = 0;
    for (tag, range) in shared_tables(program) {
        if range.start > at {
            deflate_run(&program[at..range.start], PER_SUBSET, &mut out);
        }
        let bytes = &program[range.clone()];
        let hit = cache
            .map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(key, tag))
            .filter(|piece| piece.bytes == bytes)
            .cloned();
        match hit {
            Some(piece) => out.extend_from_slice(&piece.run),
            None => {
                let mut run = Vec::with_capacity(bytes.len() / 2 + 64);
                deflate_run(bytes, SHARED, &mut run);
                out.extend_from_slice(&run);
                cache.map.lock().unwrap_or_else(|e| e.into_inner()).insert(
                    (key, tag),
                    Arc::new(Piece {
                        bytes: bytes.to_vec(),
                        run,
                    }),
                );
            }
        }
        at = range.end;
    }
    if at < program.len() {
        deflate_run(&program[at..], PER_SUBSET, &mut out);
    }
    // An empty final block with fixed codes: BFINAL 1, BTYPE 01, the
    // end-of-block code.
    out.extend_from_slice(&[0x03, 0x00]);
    out.extend_from_slice(&adler32(program).to_be_bytes());
    out
}

/// The level of the bytes deflated for each subset, as for everything
/// compressed per document (see [`crate::render::pdf::flate`]).
const PER_SUBSET: u32 = crate::render::pdf::flate::PER_DOCUMENT;
/// The level of the shared tables, deflated once per batch.
const SHARED: u32 = crate::render::pdf::flate::ONCE_PER_BATCH;

/// The shared tables of an sfnt in file order: (tag, byte range). Nothing
/// for anything else (a bare CFF program).
fn shared_tables(sfnt: &[u8]) -> Vec<([u8; 4], std::ops::Range<usize>)> {
    let count = match sfnt.get(4..6) {
        Some(n) if matches!(sfnt.get(..4), Some([0, 1, 0, 0] | b"true")) => {
            usize::from(u16::from_be_bytes([n[0], n[1]]))
        }
        _ => return Vec::new(),
    };
    let mut found = Vec::new();
    for i in 0..count {
        let Some(rec) = sfnt.get(12 + 16 * i..12 + 16 * (i + 1)) else {
            break;
        };
        let tag: [u8; 4] = rec[..4].try_into().expect("four bytes");
        let off = u32::from_be_bytes(rec[8..12].try_into().expect("four bytes")) as usize;
        let len = u32::from_be_bytes(rec[12..16].try_into().expect("four bytes")) as usize;
        if SHARED_TABLES.contains(&&tag) && off.checked_add(len).is_some_and(|e| e <= sfnt.len()) {
            found.push((tag, off..off + len));
        }
    }
    found.sort_by_key(|(_, r)| r.start);
    // Overlapping tables (a malformed directory) are deflated as
    // ordinary bytes.
    let mut end = 0;
    found.retain(|(_, r)| {
        let keep = r.start >= end;
        if keep {
            end = r.end;
        }
        keep
    });
    found
}

thread_local! {
    /// Raw-deflate compressors by level, reset for each run (setting one
    /// up costs more than deflating a few hundred bytes).
    static COMPRESSORS: RefCell<HashMap<u32, Compress>> = RefCell::new(HashMap::new());
}

/// Appends `bytes` to `out` as raw deflate blocks ending byte-aligned
/// (a sync flush), not final: a run another can follow.
fn deflate_run(bytes: &[u8], level: u32, out: &mut Vec<u8>) {
    COMPRESSORS.with(|cell| {
        let mut map = cell.borrow_mut();
        let z = map
            .entry(level)
            .or_insert_with(|| Compress::new(Compression::new(level), false));
        z.reset();
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

/// Adler-32 of `bytes` (RFC 1950), the zlib stream's check value.
fn adler32(bytes: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 bytes is the most that cannot overflow b before the modulo.
    for chunk in bytes.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn inflate(z: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(z)
            .read_to_end(&mut out)
            .expect("a valid zlib stream");
        out
    }

    /// A two-table sfnt: `glyf` (per subset) then `prep` (shared).
    fn sfnt(glyf: &[u8], prep: &[u8]) -> Vec<u8> {
        let mut s = vec![0, 1, 0, 0, 0, 2, 0, 32, 0, 1, 0, 0];
        let first = 12 + 32;
        let second = first + glyf.len().next_multiple_of(4);
        for (tag, off, len) in [(b"glyf", first, glyf.len()), (b"prep", second, prep.len())] {
            s.extend_from_slice(tag);
            s.extend_from_slice(&[0; 4]);
            s.extend_from_slice(&(off as u32).to_be_bytes());
            s.extend_from_slice(&(len as u32).to_be_bytes());
        }
        s.extend_from_slice(glyf);
        s.resize(second, 0);
        s.extend_from_slice(prep);
        s
    }

    #[test]
    fn pieces_join_into_one_zlib_stream_of_the_program() {
        let prep: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 251) as u8).collect();
        let program = sfnt(b"glyph outlines here", &prep);
        let z = deflate(&PieceCache::default(), 3, &program);
        assert_eq!(inflate(&z), program);
        // Much smaller than stored: the pieces are really deflated.
        assert!(z.len() < program.len() / 2, "{} bytes", z.len());
        // A bare CFF program (no table directory) is one run.
        let cff = b"\x01\x00\x04\x04 not an sfnt".repeat(20);
        assert_eq!(inflate(&deflate(&PieceCache::default(), 3, &cff)), cff);
    }

    #[test]
    fn bytes_do_not_depend_on_what_the_cache_saw_before() {
        let prep: Vec<u8> = (0..2000u32).map(|i| (i * 13 % 97) as u8).collect();
        let a = sfnt(b"outlines of a name", &prep);
        let b = sfnt(b"outlines of another name, longer", &prep);
        let warm = PieceCache::default();
        deflate(&warm, 1, &a);
        let b_warm = deflate(&warm, 1, &b);
        let b_cold = deflate(&PieceCache::default(), 1, &b);
        assert_eq!(b_warm, b_cold);
        // A shared table with other bytes than the cached one (another
        // face under the same key) is deflated afresh, not taken from the
        // cache.
        let other: Vec<u8> = prep.iter().map(|x| x ^ 0x55).collect();
        let c = sfnt(b"outlines of a name", &other);
        assert_eq!(inflate(&deflate(&warm, 1, &c)), c);
        assert_eq!(
            deflate(&warm, 1, &c),
            deflate(&PieceCache::default(), 1, &c)
        );
    }

    #[test]
    fn adler32_matches_zlib() {
        // RFC 1950's example value for "Wikipedia".
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(adler32(b""), 1);
        let long = vec![0xFFu8; 100_000];
        let z = deflate(&PieceCache::default(), 0, &long);
        assert_eq!(inflate(&z), long, "the check value of a long program");
    }
}
