//! Stream compression, each stream once, at a level chosen by measurement.
//!
//! lopdf's `Document::compress` deflates at zlib's maximum level, which
//! was the largest single cost of a batch. Whole streams (page content,
//! images) are deflated here with libdeflate, which compresses a buffer
//! in one call: on the page content of real superbills (README, "Stream
//! compression level") its level 1 takes 0.39x the time of zlib-rs at
//! level 6 (the level used before) for 5% more bytes (about 2% of a
//! superbill's file), where zlib's own level 1 writes 37% more. So
//! streams compressed for every document use [`PER_DOCUMENT`]; data
//! compressed once per batch and reused by every document (images) takes
//! libdeflate's maximum, [`ONCE_PER_BATCH`], whose cost is paid once. A
//! stream that already has a filter (an image, a font subset prepared
//! elsewhere) is left as it is: nothing is compressed twice.
//!
//! The font programs join deflated and stored runs into one stream
//! (`fonts::program`), which needs a streaming compressor: they keep
//! zlib-rs through flate2, with this module's [`with_compressor`].

use flate2::{Compress, Compression};
use libdeflater::{CompressionLvl, Compressor};
use lopdf::{Document, Object, Stream};
use std::cell::RefCell;

/// The libdeflate level of streams compressed for every document (page
/// content).
pub const PER_DOCUMENT: i32 = 1;

/// The libdeflate level of data compressed once per batch and reused
/// (images): its maximum.
pub const ONCE_PER_BATCH: i32 = 12;

/// A stream is compressed only when that saves more than this many bytes:
/// the `/Filter/FlateDecode` entry costs about as much (lopdf's own rule,
/// kept so small streams stay readable and sizes stay as they were).
const MIN_SAVING: usize = 19;

thread_local! {
    /// One zlib-rs compressor per level, format and thread, reset between
    /// streams. Setting one up allocates and clears about 300 KB of tables
    /// and window, more than deflating a page's few kilobytes of content
    /// costs (a profile of the renderer: 12% of its CPU, half of it page
    /// faults); a reset clears only the hash heads. The output is the same
    /// byte for byte: a reset stream starts from the state a new one has.
    static COMPRESSORS: RefCell<Vec<((u32, bool), Compress)>> = const { RefCell::new(Vec::new()) };

    /// One libdeflate compressor per level and thread, for the same reason
    /// (it keeps its tables between calls; each call starts afresh).
    static WHOLE: RefCell<Vec<(i32, Compressor)>> = const { RefCell::new(Vec::new()) };
}

/// The entry of `all` under `key`, made by `make` the first time.
fn find_or_make<K: PartialEq, T>(
    all: &mut Vec<(K, T)>,
    key: K,
    make: impl FnOnce() -> T,
) -> &mut T {
    let at = match all.iter().position(|(k, _)| *k == key) {
        Some(at) => at,
        None => {
            all.push((key, make()));
            all.len() - 1
        }
    };
    &mut all[at].1
}

/// Runs `f` with this thread's zlib-rs compressor for zlib `level` (with
/// the zlib header and check value, or raw deflate), reset.
pub fn with_compressor<T>(level: u32, zlib_header: bool, f: impl FnOnce(&mut Compress) -> T) -> T {
    COMPRESSORS.with(|cell| {
        let mut all = cell.borrow_mut();
        let z = find_or_make(&mut all, (level, zlib_header), || {
            Compress::new(Compression::new(level), zlib_header)
        });
        // Also after a stream left unfinished (a panic mid-way).
        z.reset();
        f(z)
    })
}

/// `bytes` deflated (zlib format) by libdeflate at `level` (1 to 12).
pub fn deflate(bytes: &[u8], level: i32) -> Vec<u8> {
    WHOLE.with(|cell| {
        let mut all = cell.borrow_mut();
        let z = find_or_make(&mut all, level, || {
            Compressor::new(CompressionLvl::new(level).expect("a libdeflate level, 0 to 12"))
        });
        let mut out = vec![0; z.zlib_compress_bound(bytes.len())];
        // The bound always has room: compressing into memory cannot fail.
        let n = z
            .zlib_compress(bytes, &mut out)
            .expect("room for the bound");
        out.truncate(n);
        out
    })
}

/// `bytes` deflated at `level` if that is worth a filter, else `None`.
pub fn compress(bytes: &[u8], level: i32) -> Option<Vec<u8>> {
    let z = deflate(bytes, level);
    (z.len() + MIN_SAVING < bytes.len()).then_some(z)
}

/// Compresses `stream` at `level` unless it already has a filter or does
/// not allow compression. Returns whether it compressed it.
pub fn compress_stream(stream: &mut Stream, level: i32) -> bool {
    if !stream.allows_compression || stream.dict.has(b"Filter") {
        return false;
    }
    match compress(&stream.content, level) {
        Some(z) => {
            stream
                .dict
                .set("Filter", Object::Name(b"FlateDecode".to_vec()));
            // set_content also updates /Length.
            stream.set_content(z);
            true
        }
        None => false,
    }
}

/// Compresses every stream of `doc` that is not compressed yet (page
/// content) at [`PER_DOCUMENT`]; replaces lopdf's `Document::compress`.
pub fn compress_document(doc: &mut Document) {
    for object in doc.objects.values_mut() {
        if let Object::Stream(stream) = object {
            compress_stream(stream, PER_DOCUMENT);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::Dictionary;

    fn inflate(bytes: &[u8]) -> Vec<u8> {
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn content() -> Vec<u8> {
        (0..200)
            .flat_map(|i| format!("BT /F1 9 Tf 72 {i} Td (Line {i}) Tj ET\n").into_bytes())
            .collect()
    }

    #[test]
    fn plain_streams_are_compressed_once_at_the_per_document_level() {
        let plain = content();
        let mut doc = Document::with_version("1.3");
        let id = doc.add_object(Stream::new(Dictionary::new(), plain.clone()));
        compress_document(&mut doc);
        let s = doc.get_object(id).unwrap().as_stream().unwrap().clone();
        assert_eq!(
            s.dict.get(b"Filter").unwrap().as_name().unwrap(),
            b"FlateDecode"
        );
        assert_eq!(s.content, deflate(&plain, PER_DOCUMENT));
        assert_eq!(
            s.dict.get(b"Length").unwrap().as_i64().unwrap(),
            s.content.len() as i64
        );
        assert_eq!(inflate(&s.content), plain);
        // A second pass leaves it alone: compressed once, not twice.
        compress_document(&mut doc);
        assert_eq!(
            doc.get_object(id).unwrap().as_stream().unwrap().content,
            s.content
        );
    }

    #[test]
    fn filtered_small_and_protected_streams_are_left_as_they_are() {
        let plain = content();
        let mut doc = Document::with_version("1.3");
        // Already compressed elsewhere (an image, a font subset).
        let mut d = Dictionary::new();
        d.set("Filter", Object::Name(b"FlateDecode".to_vec()));
        let done = deflate(&plain, ONCE_PER_BATCH);
        let filtered = doc.add_object(Stream::new(d, done.clone()));
        // Too small to be worth a filter.
        let small = doc.add_object(Stream::new(Dictionary::new(), b"0 g".to_vec()));
        // Marked not to be compressed.
        let mut keep = Stream::new(Dictionary::new(), plain.clone());
        keep.allows_compression = false;
        let keep = doc.add_object(keep);
        compress_document(&mut doc);
        let get = |id| doc.get_object(id).unwrap().as_stream().unwrap().clone();
        assert_eq!(get(filtered).content, done);
        assert_eq!(get(small).content, b"0 g");
        assert!(!get(small).dict.has(b"Filter"));
        assert_eq!(get(keep).content, plain);
        assert!(!get(keep).dict.has(b"Filter"));
    }

    /// What a new compressor writes, the reference for the reused one.
    fn fresh(bytes: &[u8], level: i32) -> Vec<u8> {
        let mut z = Compressor::new(CompressionLvl::new(level).unwrap());
        let mut out = vec![0; z.zlib_compress_bound(bytes.len())];
        let n = z.zlib_compress(bytes, &mut out).unwrap();
        out.truncate(n);
        out
    }

    #[test]
    fn a_reused_compressor_writes_what_a_new_one_writes() {
        // Incompressible bytes too, where the output is the bound's size.
        let mut noise = Vec::new();
        let mut x = 0x2545_f491_u32;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            noise.push(x as u8);
        }
        let inputs = [content(), Vec::new(), noise, b"0 g".to_vec(), content()];
        for level in [PER_DOCUMENT, ONCE_PER_BATCH, PER_DOCUMENT] {
            for bytes in &inputs {
                let z = deflate(bytes, level);
                assert_eq!(
                    z,
                    fresh(bytes, level),
                    "level {level}, {} bytes",
                    bytes.len()
                );
                // zlib's inflater reads it back: what PDF readers use.
                assert_eq!(&inflate(&z), bytes);
            }
        }
    }

    #[test]
    fn a_reset_zlib_compressor_writes_what_a_new_one_writes() {
        use std::io::Write;
        let plain = content();
        for level in [6, 9, 6] {
            let reused = with_compressor(level, true, |z| {
                let mut out = Vec::with_capacity(plain.len() + 64);
                let status = z
                    .compress_vec(&plain, &mut out, flate2::FlushCompress::Finish)
                    .unwrap();
                assert_eq!(status, flate2::Status::StreamEnd);
                out
            });
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), Compression::new(level));
            z.write_all(&plain).unwrap();
            assert_eq!(reused, z.finish().unwrap(), "level {level}");
        }
    }

    #[test]
    fn same_input_same_bytes() {
        let plain = content();
        assert_eq!(deflate(&plain, PER_DOCUMENT), deflate(&plain, PER_DOCUMENT));
        assert_eq!(compress(b"tiny", PER_DOCUMENT), None);
    }
}
