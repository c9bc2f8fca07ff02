//! Measures zlib levels 1 to 6 and 9 on the streams of superbill PDFs.
//!
//! Usage: `zlib-levels REPS DIR...`, each DIR a folder of PDFs written by
//! `superbill batch` (its `superbills/`). Every FlateDecode stream that is
//! not an image is inflated and classed: page content, font program
//! (`/Length1`), ToUnicode map (`begincmap`). For each class and level it
//! compresses each superbill's streams, one superbill at a time as the
//! renderer does, REPS times with the levels interleaved (rotated so none
//! always runs first), and reports the total bytes and the median thread
//! CPU time (time spent descheduled on a loaded machine does not count) per
//! superbill that has such streams. It also says which level reproduces
//! the bytes as written, a check that the backend is the one superbill
//! uses.

use flate2::{read::ZlibDecoder, write::ZlibEncoder, Compression};
use std::io::{Read, Write};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Class {
    Content,
    FontProgram,
    ToUnicode,
}

const LEVELS: [u32; 7] = [1, 2, 3, 4, 5, 6, 9];

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

fn deflate(b: &[u8], level: u32) -> Vec<u8> {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::new(level));
    z.write_all(b).unwrap();
    z.finish().unwrap()
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
            let as_written = LEVELS
                .iter()
                .find(|&&l| mine().all(|s| deflate(&s.1, l) == s.2))
                .map_or("none of them".to_string(), |l| format!("level {l}"));
            println!(
                "  {class:?}: {count} streams in {} PDFs, {plain} bytes plain, {written} as written ({as_written} reproduces them)",
                sel.len()
            );
            let mut times = vec![Vec::new(); LEVELS.len()];
            let mut sizes = vec![0usize; LEVELS.len()];
            for r in 0..reps {
                for k in 0..LEVELS.len() {
                    let i = (k + r) % LEVELS.len();
                    let t = cpu();
                    let total: usize = sel
                        .iter()
                        .flatten()
                        .map(|s| deflate(s, LEVELS[i]).len())
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
            let nine = LEVELS.len() - 1;
            println!("  | level | bytes | vs level 9 | CPU per PDF | vs level 9 |");
            println!("  |---:|---:|---:|---:|---:|");
            for (i, l) in LEVELS.iter().enumerate() {
                println!(
                    "  | {l} | {} | {:+.2}% | {:.0} us | {:.2}x |",
                    sizes[i],
                    (sizes[i] as f64 / sizes[nine] as f64 - 1.0) * 100.0,
                    median[i] / sel.len() as f64 * 1e6,
                    median[i] / median[nine]
                );
            }
        }
    }
}
