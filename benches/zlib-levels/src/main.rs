//! Measures deflate levels of zlib-rs and of libdeflate on the streams of
//! superbill PDFs.
//!
//! Usage: `zlib-levels REPS DIR...`, each DIR a folder of PDFs written by
//! `superbill batch` (its `superbills/`). Every FlateDecode stream that is
//! not an image is inflated and classed: page content, font program
//! (`/Length1`), ToUnicode map (`begincmap`). For each class and codec
//! (zlib-rs through flate2 at levels 1 to 6 and 9, one compressor per
//! level reset between streams as superbill's `flate` module does; and
//! libdeflate at levels 1 to 4, 6, 9 and 12, one compressor per level
//! reused) it compresses each superbill's streams, one superbill at a time
//! as the renderer does, REPS times with the codecs interleaved (rotated so
//! none always runs first), and reports the total bytes and the median
//! thread CPU time (time spent descheduled on a loaded machine does not
//! count) per superbill that has such streams. It also says which codec
//! reproduces the bytes as written, a check that it measures what
//! superbill runs.

use flate2::{read::ZlibDecoder, Compress, Compression, FlushCompress, Status};
use libdeflater::{CompressionLvl, Compressor};
use std::cell::RefCell;
use std::io::Read;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Class {
    Content,
    FontProgram,
    ToUnicode,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Codec {
    ZlibRs(u32),
    Libdeflate(i32),
}

const CODECS: [Codec; 14] = [
    Codec::ZlibRs(1),
    Codec::ZlibRs(2),
    Codec::ZlibRs(3),
    Codec::ZlibRs(4),
    Codec::ZlibRs(5),
    Codec::ZlibRs(6),
    Codec::ZlibRs(9),
    Codec::Libdeflate(1),
    Codec::Libdeflate(2),
    Codec::Libdeflate(3),
    Codec::Libdeflate(4),
    Codec::Libdeflate(6),
    Codec::Libdeflate(9),
    Codec::Libdeflate(12),
];

/// The codec the table compares with: zlib-rs at level 6, superbill's
/// page content level before libdeflate.
const BASE: usize = 5;

impl std::fmt::Display for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Codec::ZlibRs(l) => write!(f, "zlib-rs {l}"),
            Codec::Libdeflate(l) => write!(f, "libdeflate {l}"),
        }
    }
}

fn find(h: &[u8], n: &[u8], from: usize) -> Option<usize> {
    h[from..]
        .windows(n.len())
        .position(|w| w == n)
        .map(|p| p + from)
}

/// (class, plain bytes, bytes as written) of each compressed stream.
/// Enough of a parser for lopdf's output: `N 0 obj <<...>>stream`, a direct
/// `/Length`.
fn streams(pdf: &[u8]) -> Vec<(Class, Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(s) = find(pdf, b">>stream", at) {
        let dict_start = pdf[..s].windows(3).rposition(|w| w == b"obj").unwrap_or(0);
        let d = String::from_utf8_lossy(&pdf[dict_start..s]);
        let len_at = d.find("/Length ").expect("a direct /Length") + 8;
        let len: usize = d[len_at..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect::<String>()
            .parse()
            .expect("a direct /Length");
        let mut start = s + 8;
        if pdf[start] == b'\r' {
            start += 1;
        }
        if pdf[start] == b'\n' {
            start += 1;
        }
        let raw = &pdf[start..start + len];
        at = start + len;
        if d.contains("/Image") || !d.contains("/FlateDecode") {
            continue;
        }
        let mut plain = Vec::new();
        ZlibDecoder::new(raw)
            .read_to_end(&mut plain)
            .expect("inflates");
        let class = if d.contains("/Length1") || d.contains("/CIDFontType0C") {
            Class::FontProgram
        } else if find(&plain, b"begincmap", 0).is_some() {
            Class::ToUnicode
        } else {
            Class::Content
        };
        out.push((class, plain, raw.to_vec()));
    }
    out
}

thread_local! {
    static ZLIB: RefCell<Vec<(u32, Compress)>> = const { RefCell::new(Vec::new()) };
    static WHOLE: RefCell<Vec<(i32, Compressor)>> = const { RefCell::new(Vec::new()) };
}

/// The entry of `all` under `key`, made by `make` the first time (as
/// superbill's `flate` keeps its compressors; this crate measures without
/// depending on superbill, so it has its own).
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

fn deflate(b: &[u8], codec: Codec) -> Vec<u8> {
    match codec {
        Codec::ZlibRs(level) => ZLIB.with(|c| {
            let mut all = c.borrow_mut();
            let z = find_or_make(&mut all, level, || {
                Compress::new(Compression::new(level), true)
            });
            z.reset();
            let mut out = Vec::with_capacity(b.len() / 3 + 64);
            loop {
                let read = z.total_in() as usize;
                let status = z
                    .compress_vec(&b[read..], &mut out, FlushCompress::Finish)
                    .unwrap();
                if status == Status::StreamEnd {
                    return out;
                }
                out.reserve(out.capacity().max(64));
            }
        }),
        Codec::Libdeflate(level) => WHOLE.with(|c| {
            let mut all = c.borrow_mut();
            let z = find_or_make(&mut all, level, || {
                Compressor::new(CompressionLvl::new(level).unwrap())
            });
            let mut out = vec![0; z.zlib_compress_bound(b.len())];
            let n = z.zlib_compress(b, &mut out).unwrap();
            out.truncate(n);
            out
        }),
    }
}

/// CPU time of this thread, in seconds.
fn cpu() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a valid pointer to a timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: zlib-levels REPS DIR...");
        std::process::exit(2);
    }
    let reps: usize = args[1].parse().expect("REPS is a number");
    for dir in &args[2..] {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("a folder of PDFs")
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
            .collect();
        files.sort();
        let mut bytes = 0;
        let mut docs = Vec::new();
        for f in &files {
            let b = std::fs::read(f).unwrap();
            bytes += b.len();
            docs.push(streams(&b));
        }
        println!("{dir}: {} PDFs, {bytes} bytes", docs.len());
        for class in [Class::Content, Class::FontProgram, Class::ToUnicode] {
            let sel: Vec<Vec<&[u8]>> = docs
                .iter()
                .map(|d| {
                    d.iter()
                        .filter(|s| s.0 == class)
                        .map(|s| &s.1[..])
                        .collect()
                })
                .filter(|d: &Vec<&[u8]>| !d.is_empty())
                .collect();
            if sel.is_empty() {
                continue;
            }
            let mine = || docs.iter().flatten().filter(|s| s.0 == class);
            let count = mine().count();
            let plain: usize = mine().map(|s| s.1.len()).sum();
            let written: usize = mine().map(|s| s.2.len()).sum();
            let as_written = CODECS
                .iter()
                .find(|&&c| mine().all(|s| deflate(&s.1, c) == s.2))
                .map_or("none of them".to_string(), |c| c.to_string());
            println!(
                "  {class:?}: {count} streams in {} PDFs, {plain} bytes plain, {written} as written ({as_written} reproduces them)",
                sel.len()
            );
            // Every codec reads back with zlib's inflater.
            for c in CODECS {
                for s in sel.iter().flatten().take(100) {
                    let mut back = Vec::new();
                    ZlibDecoder::new(&deflate(s, c)[..])
                        .read_to_end(&mut back)
                        .unwrap();
                    assert!(back == *s, "{c} reads back");
                }
            }
            let mut times = vec![Vec::new(); CODECS.len()];
            let mut sizes = vec![0usize; CODECS.len()];
            for r in 0..reps {
                for k in 0..CODECS.len() {
                    let i = (k + r) % CODECS.len();
                    let t = cpu();
                    let total: usize = sel
                        .iter()
                        .flatten()
                        .map(|s| deflate(s, CODECS[i]).len())
                        .sum();
                    times[i].push(cpu() - t);
                    sizes[i] = total;
                }
            }
            let median: Vec<f64> = times
                .iter_mut()
                .map(|v| {
                    v.sort_by(|a, b| a.total_cmp(b));
                    v[v.len() / 2]
                })
                .collect();
            println!("  | codec | bytes | vs zlib-rs 6 | CPU per PDF | vs zlib-rs 6 |");
            println!("  |---|---:|---:|---:|---:|");
            for (i, c) in CODECS.iter().enumerate() {
                println!(
                    "  | {c} | {} | {:+.2}% | {:.0} us | {:.2}x |",
                    sizes[i],
                    (sizes[i] as f64 / sizes[BASE] as f64 - 1.0) * 100.0,
                    median[i] / sel.len() as f64 * 1e6,
                    median[i] / median[BASE]
                );
            }
        }
    }
}
