//! Stream compression, each stream once, at a level chosen by measurement.
//!
//! lopdf's `Document::compress` deflates at zlib's maximum level, which
//! was the largest single cost of a batch. Measured on the page content
//! streams of real superbills (README, "Performance"), level 6 writes
//! content no larger than level 9 (0.2% smaller) in about half the time;
//! levels 1 and 3 are faster still but 41% and 5% larger. So streams
//! compressed for every document use [`PER_DOCUMENT`]; data compressed once
//! per batch and reused by every document (images) keeps the maximum
//! level, [`ONCE_PER_BATCH`], whose cost is paid once. A stream that already
//! has a filter (an image, a font subset prepared elsewhere) is left as it
//! is: nothing is compressed twice.

use flate2::{Compress, Compression, FlushCompress, Status};
use lopdf::{Document, Object, Stream};
use std::cell::RefCell;

/// The zlib level of streams compressed for every document (page content).
pub const PER_DOCUMENT: u32 = 6;

/// The zlib level of data compressed once per batch and reused (images).
pub const ONCE_PER_BATCH: u32 = 9;

/// A stream is compressed only when that saves more than this many bytes:
/// the `/Filter/FlateDecode` entry costs about as much (lopdf's own rule,
/// kept so small streams stay readable and sizes stay as they were).
const MIN_SAVING: usize = 19;

thread_local! {
    /// One compressor per level, format and thread, reset between streams.
    /// Setting one up allocates and clears about 300 KB of tables and
    /// window, more than deflating a page's few kilobytes of content costs
    /// (a profile of the renderer: 12% of its CPU, half of it page faults);
    /// a reset clears only the hash heads. The output is the same byte for
    /// byte: a reset stream starts from the state a new one has.
    static COMPRESSORS: RefCell<Vec<((u32, bool), Compress)>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with this thread's compressor for `level` (with the zlib
/// header and check value, or raw deflate), reset.
pub fn with_compressor<T>(level: u32, zlib_header: bool, f: impl FnOnce(&mut Compress) -> T) -> T {
    COMPRESSORS.with(|cell| {
        let mut all = cell.borrow_mut();
        let key = (level, zlib_header);
        let at = match all.iter().position(|(k, _)| *k == key) {
            Some(at) => at,
            None => {
                all.push((key, Compress::new(Compression::new(level), zlib_header)));
                all.len() - 1
            }
        };
        let z = &mut all[at].1;
        // Also after a stream left unfinished (a panic mid-way).
        z.reset();
        f(z)
    })
}

/// `bytes` deflated (zlib format) at `level`.
pub fn deflate(bytes: &[u8], level: u32) -> Vec<u8> {
    with_compressor(level, true, |z| {
        let mut out = Vec::with_capacity(bytes.len() / 3 + 64);
        loop {
            let read = z.total_in() as usize;
            // Deflating into memory fails only on a programming error.
            let status = z
                .compress_vec(&bytes[read..], &mut out, FlushCompress::Finish)
                .expect("deflate into memory");
            if status == Status::StreamEnd {
                return out;
            }
            // Out of room: more, and go on where it stopped.
            out.reserve(out.capacity().max(64));
        }
    })
}

/// `bytes` deflated at `level` if that is worth a filter, else `None`.
pub fn compress(bytes: &[u8], level: u32) -> Option<Vec<u8>> {
    let z = deflate(bytes, level);
    (z.len() + MIN_SAVING < bytes.len()).then_some(z)
}

/// Compresses `stream` at `level` unless it already has a filter or does
/// not allow compression. Returns whether it compressed it.
pub fn compress_stream(stream: &mut Stream, level: u32) -> bool {
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

    /// What a new encoder writes, the reference for the reused one.
    fn fresh(bytes: &[u8], level: u32) -> Vec<u8> {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), Compression::new(level));
        z.write_all(bytes).unwrap();
        z.finish().unwrap()
    }

    #[test]
    fn a_reused_compressor_writes_what_a_new_one_writes() {
        // Incompressible bytes too, so the output outgrows its first guess.
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
                assert_eq!(&inflate(&z), bytes);
            }
        }
    }

    #[test]
    fn same_input_same_bytes() {
        let plain = content();
        assert_eq!(deflate(&plain, PER_DOCUMENT), deflate(&plain, PER_DOCUMENT));
        assert_eq!(compress(b"tiny", PER_DOCUMENT), None);
    }
}
