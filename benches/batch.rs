//! End-to-end and renderer throughput: `cargo bench --bench batch`.
//!
//! For each size (about 1k, 10k and 100k sessions: one synthetic month,
//! ~5.4 sessions per patient) it writes a practice with the real binary
//! (`superbill samples generate`), then times `superbill batch` as a child
//! process, wall-clock: once into a fresh output folder ("cold") and once
//! more into the same folder ("unchanged re-run"). Counts, and peak memory
//! on Linux, come from the batch's own report on stdout.
//!
//! It then times the renderer in process: the 30-line (two-page) fixture
//! superbill of `tests/common/fixture.rs`, on one thread and on a 2-thread
//! rayon pool.
//!
//! The results are printed as markdown tables for the README. Sizes can be
//! overridden with `SUPERBILL_BENCH_SIZES=1000,10000`. Run without `--bench`
//! (as `cargo test --benches` does) it is a seconds-long smoke run.

#[path = "../tests/common/fixture.rs"]
mod fixture;

use rayon::prelude::*;
#[path = "common/cpu.rs"]
mod cpu;

use cpu::thread_cpu;
use std::hint::black_box;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use superbill::render::{superbill::Renderer, RenderOptions};

const BIN: &str = env!("CARGO_BIN_EXE_superbill");
/// Sessions per patient in one synthetic month (see `src/synth`).
const SESSIONS_PER_PATIENT: f64 = 5.4;
const SEED: &str = "7";
const START: &str = "2026-09";
const AS_OF: &str = "2026-10-05";
/// Service lines of the rendered fixture superbill (two pages).
const RENDER_LINES: usize = 30;

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let sizes: Vec<usize> = match std::env::var("SUPERBILL_BENCH_SIZES") {
        Ok(v) => v
            .split(',')
            .map(|s| s.trim().parse().expect("SUPERBILL_BENCH_SIZES: numbers"))
            .collect(),
        Err(_) if full => vec![1_000, 10_000, 100_000],
        Err(_) => vec![200],
    };
    let render_budget = if full {
        Duration::from_secs(3)
    } else {
        Duration::from_millis(200)
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    eprintln!("superbill batch benchmark: {BIN}, {cores} core(s)");

    let mut runs = Vec::new();
    for &sessions in &sizes {
        runs.push(bench_size(sessions));
    }
    let render = bench_render(render_budget);

    println!();
    print_batch_table(&runs);
    println!();
    print_render_table(&render);
}

// ---------------------------------------------------------------- batch

/// What one `superbill batch` run printed, and how long it took.
#[derive(Debug, Default)]
struct BatchRun {
    wall: Duration,
    /// Rows read from all input files.
    input_rows: u64,
    sessions: u64,
    superbills: u64,
    peak_mb: Option<u64>,
    /// (files written, files in the output) from "Wrote X of Y file(s)".
    written: Option<(u64, u64)>,
}

struct SizeResult {
    sessions: u64,
    generate: Duration,
    cold: BatchRun,
    rerun: BatchRun,
}

fn bench_size(target_sessions: usize) -> SizeResult {
    let patients = ((target_sessions as f64 / SESSIONS_PER_PATIENT).round() as usize).max(1);
    let tmp = tempfile::Builder::new()
        .prefix("superbill-bench-")
        .tempdir()
        .expect("temp dir");
    let practice = tmp.path().join("practice");
    let out = tmp.path().join("out");

    let t = Instant::now();
    let gen = Command::new(BIN)
        .args(["samples", "generate", "--patients"])
        .arg(patients.to_string())
        .args(["--months", "1", "--start", START, "--seed", SEED, "--out"])
        .arg(&practice)
        .stderr(Stdio::inherit())
        .output()
        .expect("run superbill samples generate");
    let generate = t.elapsed();
    assert!(
        gen.status.success(),
        "samples generate failed: {}",
        String::from_utf8_lossy(&gen.stdout)
    );

    eprintln!("~{target_sessions} sessions ({patients} patients): batch, cold ...");
    let cold = batch(&practice, &out);
    eprintln!("~{target_sessions} sessions: batch, unchanged re-run ...");
    let rerun = batch(&practice, &out);
    eprintln!(
        "  {} sessions, {} superbills: cold {:.2}s, re-run {:.2}s",
        cold.sessions,
        cold.superbills,
        cold.wall.as_secs_f64(),
        rerun.wall.as_secs_f64()
    );
    SizeResult {
        sessions: cold.sessions,
        generate,
        cold,
        rerun,
    }
}

/// Runs `superbill batch` once and parses its report.
fn batch(practice: &Path, out: &Path) -> BatchRun {
    let t = Instant::now();
    let o = Command::new(BIN)
        .arg("batch")
        .arg("--practice")
        .arg(practice)
        .args([
            "--period",
            START,
            "--as-of",
            AS_OF,
            "--no-progress",
            "--out",
        ])
        .arg(out)
        .stdin(Stdio::null())
        .output()
        .expect("run superbill batch");
    let wall = t.elapsed();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "superbill batch failed ({}):\n{stdout}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    let mut run = parse_report(&stdout);
    run.wall = wall;
    assert!(run.superbills > 0, "no superbills in:\n{stdout}");
    run
}

/// Reads the batch's report: the input table (`sessions.csv  271  267  4
/// 0`: read, billed, skipped, rejected), `superbills  45`, `peak memory
/// 123 MB` and `Wrote X of Y file(s) ...`.
fn parse_report(stdout: &str) -> BatchRun {
    let mut run = BatchRun::default();
    let num = |s: Option<&str>| s.and_then(|s| s.parse::<u64>().ok());
    for line in stdout.lines() {
        let t: Vec<&str> = line.split_whitespace().collect();
        match t.as_slice() {
            [file, read, _billed, _skipped, _rejected] if file.ends_with(".csv") => {
                let read = num(Some(read)).unwrap_or(0);
                run.input_rows += read;
                if *file == "sessions.csv" {
                    run.sessions = read;
                }
            }
            ["superbills", n] => run.superbills = num(Some(n)).unwrap_or(0),
            ["peak", "memory", n, "MB"] => run.peak_mb = num(Some(n)),
            ["Wrote", x, "of", y, ..] => {
                run.written = num(Some(x)).zip(num(Some(y)));
            }
            _ => {}
        }
    }
    run
}

fn print_batch_table(runs: &[SizeResult]) {
    println!(
        "| sessions | superbills | batch wall time | superbills/s | input rows/s | peak memory | unchanged re-run |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for r in runs {
        let secs = r.cold.wall.as_secs_f64();
        let peak = r
            .cold
            .peak_mb
            .max(r.rerun.peak_mb)
            .map_or("n/a".to_string(), |mb| format!("{mb} MB"));
        let rewritten = match r.rerun.written {
            Some((x, y)) => format!(" ({x}/{y} files rewritten)"),
            None => String::new(),
        };
        println!(
            "| {} | {} | {:.2} s | {} | {} | {} | {:.2} s{} |",
            group(r.sessions),
            group(r.cold.superbills),
            secs,
            group((r.cold.superbills as f64 / secs).round() as u64),
            group((r.cold.input_rows as f64 / secs).round() as u64),
            peak,
            r.rerun.wall.as_secs_f64(),
            rewritten
        );
    }
    let gen: Vec<String> = runs
        .iter()
        .map(|r| {
            format!(
                "{} sessions in {:.2} s",
                group(r.sessions),
                r.generate.as_secs_f64()
            )
        })
        .collect();
    println!();
    println!(
        "One synthetic month (`samples generate --months 1 --start {START} --seed {SEED}`), \
         `batch --as-of {AS_OF} --no-progress` timed as a child process (wall clock, \
         including start-up and writing PDFs). Input rows: patients + sessions + payments. \
         Generating the inputs: {}.",
        gen.join(", ")
    );
}

// ---------------------------------------------------------------- render

struct RenderResult {
    pages: usize,
    bytes: usize,
    single: (u64, Duration),
    /// CPU time of the rendering thread over `single` (unlike wall time,
    /// it does not count time the loaded machine gave other processes).
    single_cpu: Duration,
    pooled: (u64, Duration),
}

fn bench_render(budget: Duration) -> RenderResult {
    let renderer = Renderer::new(RenderOptions::default()).expect("renderer");
    let sb = fixture::sample_with_lines(RENDER_LINES);
    let pdf = renderer.render(&sb).expect("render");
    let pages = lopdf::Document::load_mem(&pdf)
        .expect("parse rendered PDF")
        .get_pages()
        .len();
    for _ in 0..3 {
        black_box(renderer.render(black_box(&sb)).unwrap());
    }

    eprintln!("render: one thread ...");
    let cpu = thread_cpu();
    let t = Instant::now();
    let mut n = 0u64;
    while n == 0 || t.elapsed() < budget {
        black_box(renderer.render(black_box(&sb)).unwrap());
        n += 1;
    }
    let single = (n, t.elapsed());
    let single_cpu = thread_cpu().saturating_sub(cpu);

    eprintln!("render: 2-thread rayon pool ...");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("rayon pool");
    let m = 2 * n;
    let t = Instant::now();
    pool.install(|| {
        (0..m).into_par_iter().for_each(|_| {
            black_box(renderer.render(black_box(&sb)).unwrap());
        })
    });
    let pooled = (m, t.elapsed());
    RenderResult {
        pages,
        bytes: pdf.len(),
        single,
        single_cpu,
        pooled,
    }
}

fn print_render_table(r: &RenderResult) {
    println!(
        "| in-process render ({RENDER_LINES}-line, {}-page superbill, {} KB) | renders | ms per superbill | superbills/s |",
        r.pages,
        r.bytes.div_ceil(1024)
    );
    println!("|---|---:|---:|---:|");
    for (label, (n, d)) in [
        ("1 thread", r.single),
        ("2 threads (rayon, both cores)", r.pooled),
    ] {
        let secs = d.as_secs_f64();
        // Per-superbill latency on one core; for the pool, wall time per
        // superbill (throughput), as the column says.
        println!(
            "| {label} | {} | {:.2} | {} |",
            group(n),
            secs * 1000.0 / n as f64,
            group((n as f64 / secs).round() as u64)
        );
    }
    println!();
    println!(
        "Rendering alone, one thread: {:.3} ms CPU time per superbill (thread CPU time over {} renders).",
        r.single_cpu.as_secs_f64() * 1000.0 / r.single.0 as f64,
        group(r.single.0)
    );
}

/// 100000 as "100,000".
fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
