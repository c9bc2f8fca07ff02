//! Our renderer side by side with ReportLab and with a minimal PDF writer,
//! on the same superbills, in one interleaved run (issue 11's targets: at
//! least 10x ReportLab per core; at most 1.5x a minimal writer):
//! `cargo bench --bench peers`.
//!
//! Method:
//! 1. The superbills of a generated month (`samples generate --patients 200
//!    --months 1 --start 2026-09 --seed 7`, through the library: load,
//!    validate, build), rendered by our renderer as the batch does.
//! 2. From our own PDFs, each page's display list (display.rs): every text
//!    show with font, size, position and string, lines, rectangles,
//!    colours, images. Documents with embedded font subsets (names beyond
//!    WinAnsi) are left out: the peers draw the built-in Helvetica only.
//! 3. The peers draw exactly those display lists: ReportLab's canvas
//!    (peers/reportlab_superbill.py, a child process pinned to core 1 with
//!    `taskset`, timing itself without interpreter start-up or JSON
//!    parsing) and a hand-written minimal writer (peers/minimal.rs). Both
//!    skip all layout and measuring, which ours does: conservative.
//! 4. Sameness, checked before timing: each peer's PDF has our page count,
//!    and `pdftotext -layout` gives our text; the minimal writer's PDFs pass
//!    `qpdf --check`. A missing tool is said and its check skipped.
//! 5. Rounds interleaved (ours, ReportLab, minimal; the order rotates per
//!    round), each over every document, timed as the CPU time of the
//!    drawing thread (ours and the minimal writer: this thread, pinned to
//!    core 1; ReportLab: its own thread). Medians of the rounds.
//!
//! Both Rust writers allocate with mimalloc, as the `superbill` program
//! does.
//!
//! `SUPERBILL_BENCH_KEEP=1` keeps the PDFs of all three and the display
//! lists (the folder is printed). `SUPERBILL_BENCH_PROFILE=N` runs only
//! ours and the minimal writer, N rounds each, for a profiler.
//!
//! Without python3 and reportlab (`pip install reportlab`) the ReportLab
//! peer is skipped with a message. Run without `--bench` (as `cargo test
//! --benches` does) it is a seconds-long smoke run over a few superbills.

// The allocator the `superbill` program uses (src/main.rs), so ours is
// measured as the batch runs it; the minimal writer, in the same process,
// gets it too.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "peers/display.rs"]
mod display;
#[path = "peers/minimal.rs"]
mod minimal;

#[path = "common/cpu.rs"]
mod cpu;

use cpu::thread_cpu;
use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;
use superbill::findings::Findings;
use superbill::render::superbill::Renderer;
use superbill::superbill::{Request, Superbill};
use superbill::synth::{self, SynthOptions};
use superbill::validate::{Options, Period};

const PEER_SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/benches/peers/reportlab_superbill.py"
);
/// The core the timed work is pinned to (the child with `taskset`).
const CORE: usize = 1;

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (patients, rounds) = if full { (200, 7) } else { (12, 1) };
    let pinned = pin_to_core(CORE);

    let tmp = tempfile::Builder::new()
        .prefix("superbill-bench-peers-")
        .tempdir()
        .expect("temp dir");
    let (renderer, superbills) = month(tmp.path(), patients);

    // Our PDFs, and the display lists read back from them.
    let mut images = display::Images::default();
    let mut docs = Vec::new();
    let mut ours = Vec::new();
    let mut pdfs = Vec::new();
    for sb in &superbills {
        let pdf = renderer.render(sb).expect("render");
        if let Some(d) = display::extract(&sb.number, &pdf, &mut images) {
            docs.push(d);
            ours.push(sb);
            pdfs.push(pdf);
        }
    }
    let pages: usize = docs.iter().map(|d| d.pages.len()).sum();
    eprintln!(
        "peers: {} of {} superbills ({pages} pages) drawn in the built-in Helvetica; \
         {} with embedded font subsets left out",
        docs.len(),
        superbills.len(),
        superbills.len() - docs.len()
    );
    assert!(!docs.is_empty(), "no superbill to compare");
    // For a profiler (`perf record`): ours and the minimal writer only,
    // N rounds each, no peer started and nothing printed.
    if let Some(n) = std::env::var("SUPERBILL_BENCH_PROFILE")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        for _ in 0..n {
            time_ours(&renderer, &ours);
            time_minimal(&docs, &images);
        }
        return;
    }

    let work = tmp.path().join("peers");
    let dirs = ["ours", "minimal", "reportlab"].map(|d| {
        let p = work.join(d);
        std::fs::create_dir_all(&p).unwrap();
        p
    });
    for (d, pdf) in docs.iter().zip(&pdfs) {
        std::fs::write(dirs[0].join(format!("{}.pdf", d.name)), pdf).unwrap();
        let mine = minimal::write(d, &images);
        std::fs::write(dirs[1].join(format!("{}.pdf", d.name)), mine).unwrap();
    }
    let json = write_display_lists(&work, &docs, &images);
    let mut peer = ReportLab::start(&json, &dirs[2], pinned);
    if let Some(p) = peer.as_mut() {
        p.write();
    }

    // Same pages and text, before any timing.
    let names: Vec<&str> = docs.iter().map(|d| d.name.as_str()).collect();
    check_same(&names, &dirs[0], &dirs[1], "minimal writer");
    qpdf_check(&names, &dirs[1], "minimal writer");
    if peer.is_some() {
        check_same(&names, &dirs[0], &dirs[2], "ReportLab");
        qpdf_check(&names, &dirs[2], "ReportLab");
    }

    // Warm-up (caches, page faults, the child's imports).
    time_ours(&renderer, &ours);
    time_minimal(&docs, &images);
    if let Some(p) = peer.as_mut() {
        p.time();
    }
    let mut t_ours = Vec::new();
    let mut t_min = Vec::new();
    let mut t_rl = Vec::new();
    for round in 0..rounds {
        eprintln!("peers: round {} of {rounds} ...", round + 1);
        for k in 0..3 {
            match (round + k) % 3 {
                0 => t_ours.push(time_ours(&renderer, &ours)),
                1 => t_min.push(time_minimal(&docs, &images)),
                _ => {
                    if let Some(p) = peer.as_mut() {
                        t_rl.push(p.time());
                    }
                }
            }
        }
    }
    if let Some(p) = peer {
        p.quit();
    }
    if std::env::var_os("SUPERBILL_BENCH_KEEP").is_some() {
        eprintln!(
            "peers: PDFs and display lists kept in {}",
            tmp.keep().display()
        );
    }

    let n = docs.len() as f64;
    let per_doc = |v: &[Duration]| median(v) * 1000.0 / n;
    // The spread of the rounds, so the noise of a shared machine shows.
    let range = |v: &[Duration]| {
        let ms = |d: &Duration| d.as_secs_f64() * 1000.0 / n;
        let lo = v.iter().map(ms).fold(f64::INFINITY, f64::min);
        let hi = v.iter().map(ms).fold(0.0, f64::max);
        format!("{lo:.3}-{hi:.3}")
    };
    let (ours_ms, min_ms) = (per_doc(&t_ours), per_doc(&t_min));
    println!();
    println!(
        "| {} superbills ({pages} pages), CPU ms per superbill | median of {rounds} round(s) | rounds' range | vs ours |",
        docs.len()
    );
    println!("|---|---:|---:|---:|");
    println!(
        "| ours: `Renderer::render` (layout + PDF) | {ours_ms:.3} | {} | 1.00x |",
        range(&t_ours)
    );
    if !t_rl.is_empty() {
        let rl_ms = per_doc(&t_rl);
        println!(
            "| ReportLab {}: canvas draws the display list | {rl_ms:.3} | {} | ours {:.1}x faster (target >= 10x) |",
            reportlab_version(),
            range(&t_rl),
            rl_ms / ours_ms
        );
    }
    println!(
        "| minimal writer: display list to PDF | {min_ms:.3} | {} | ours {:.2}x its cost (target <= 1.5x) |",
        range(&t_min),
        ours_ms / min_ms
    );
    // Each round runs ours and the minimal writer minutes apart at most:
    // their ratio within a round is steadier than the ratio of medians
    // when the machine's speed drifts between rounds.
    let mut paired: Vec<f64> = t_ours
        .iter()
        .zip(&t_min)
        .map(|(o, m)| o.as_secs_f64() / m.as_secs_f64())
        .collect();
    paired.sort_by(f64::total_cmp);
    println!();
    println!(
        "Ours against the minimal writer within each round: median {:.2}x, rounds {:.2}x-{:.2}x.",
        paired[paired.len() / 2],
        paired[0],
        paired[paired.len() - 1]
    );
    println!();
    println!(
        "Same documents, one process, interleaved rounds; CPU time of the drawing thread, pinned to core {CORE}. \
         Sizes: ours {} KB, minimal {} KB, per superbill on average.",
        avg_kb(&dirs[0], &names),
        avg_kb(&dirs[1], &names)
    );
}

/// The superbills of a generated month, and the renderer the batch would
/// use for them (the practice's templates and signature images).
fn month(dir: &Path, patients: usize) -> (Renderer, Vec<Superbill>) {
    let practice = dir.join("practice");
    let start = SynthOptions::parse_month("2026-09").unwrap();
    synth::generate(
        &SynthOptions {
            patients,
            months: 1,
            start,
            seed: 7,
        },
        &practice,
    )
    .expect("samples generate");
    let mut findings = Findings::default();
    let loaded = superbill::practice::load(&practice, &mut findings).expect("load practice");
    let period = Period::month("2026-09").unwrap();
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 10, 5).unwrap();
    let opts = Options {
        as_of,
        period: Some(period),
        filing_warnings: true,
    };
    let validated = loaded.validate(&opts, &mut findings);
    let req = Request {
        period,
        as_of,
        patient: None,
    };
    let out = superbill::superbill::superbills(&loaded, &validated, &req, &mut findings);
    let renderer = Renderer::new(superbill::practice::render_options(&loaded)).expect("renderer");
    (renderer, out.superbills)
}

/// The JSON for the ReportLab peer, and each image's raw samples beside it.
fn write_display_lists(dir: &Path, docs: &[display::Doc], images: &display::Images) -> PathBuf {
    let mut files = Vec::new();
    for (i, img) in images.list.iter().enumerate() {
        let color = format!("image-{i}.raw");
        std::fs::write(dir.join(&color), img.samples()).unwrap();
        let alpha = img.smask.as_ref().map(|m| {
            let name = format!("image-{i}-alpha.raw");
            std::fs::write(dir.join(&name), m.samples()).unwrap();
            name
        });
        files.push((color, alpha));
    }
    let path = dir.join("display.json");
    std::fs::write(&path, display::to_json(docs, &files, images)).unwrap();
    path
}

// ---------------------------------------------------------------- timing

/// Keeps this thread on one core, as the child is then kept with
/// `taskset`, so both sides run on the same core. Best effort: returns
/// false (unpinned) on a machine without that core, or not Linux.
fn pin_to_core(core: usize) -> bool {
    #[cfg(target_os = "linux")]
    {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if core < cores {
            // SAFETY: a zeroed cpu_set_t is an empty set; we pass its size.
            return unsafe {
                let mut set: libc::cpu_set_t = std::mem::zeroed();
                libc::CPU_SET(core, &mut set);
                libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
            };
        }
        false
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = core;
        false
    }
}

fn time_ours(r: &Renderer, sbs: &[&Superbill]) -> Duration {
    let t = thread_cpu();
    for sb in sbs {
        black_box(r.render(black_box(sb)).expect("render"));
    }
    thread_cpu() - t
}

fn time_minimal(docs: &[display::Doc], images: &display::Images) -> Duration {
    let t = thread_cpu();
    for d in docs {
        black_box(minimal::write(black_box(d), images));
    }
    thread_cpu() - t
}

fn median(v: &[Duration]) -> f64 {
    let mut s: Vec<f64> = v.iter().map(Duration::as_secs_f64).collect();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    s[s.len() / 2]
}

fn avg_kb(dir: &Path, names: &[&str]) -> u64 {
    let bytes: u64 = names
        .iter()
        .map(|n| {
            std::fs::metadata(dir.join(format!("{n}.pdf")))
                .unwrap()
                .len()
        })
        .sum();
    bytes / names.len() as u64 / 1024
}

// ---------------------------------------------------------------- ReportLab

/// The ReportLab child: started once, given commands per round.
struct ReportLab {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

fn reportlab_version() -> String {
    Command::new("python3")
        .args(["-c", "import reportlab; print(reportlab.Version)"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

impl ReportLab {
    /// `None`, with a message, when python3 with reportlab and Pillow is
    /// not installed: the bench then compares with the minimal writer only.
    fn start(json: &Path, out: &Path, pin: bool) -> Option<ReportLab> {
        let probe = Command::new("python3")
            .args(["-c", "import reportlab, PIL"])
            .stderr(Stdio::null())
            .status();
        if !probe.is_ok_and(|s| s.success()) {
            eprintln!(
                "peers: ReportLab peer SKIPPED: python3 with reportlab is not installed \
                 (pip install reportlab)"
            );
            return None;
        }
        // Pinned to the core this thread runs on, when this thread is
        // pinned and taskset exists.
        let pinned = pin
            && Command::new("taskset")
                .arg("-V")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
        let mut cmd = if pinned {
            let mut c = Command::new("taskset");
            c.args(["-c", &CORE.to_string(), "python3"]);
            c
        } else {
            eprintln!("peers: the ReportLab child runs unpinned (no taskset, or no core {CORE})");
            Command::new("python3")
        };
        let mut child = cmd
            .arg(PEER_SCRIPT)
            .arg(json)
            .arg(out)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the ReportLab peer");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut p = ReportLab {
            child,
            stdin,
            stdout,
        };
        assert_eq!(p.read(), "ready", "ReportLab peer did not start");
        Some(p)
    }

    fn read(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read the peer");
        assert!(!line.is_empty(), "the ReportLab peer exited (see stderr)");
        line.trim().to_string()
    }

    fn ask(&mut self, cmd: &str) -> String {
        writeln!(self.stdin, "{cmd}").expect("write to the peer");
        self.stdin.flush().unwrap();
        self.read()
    }

    /// Draws and saves every document.
    fn write(&mut self) {
        assert_eq!(self.ask("write"), "ok");
    }

    /// The CPU time the peer's drawing thread took for every document.
    fn time(&mut self) -> Duration {
        let answer = self.ask("time");
        let cpu: f64 = answer
            .split_whitespace()
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("peer answered {answer:?}"));
        Duration::from_secs_f64(cpu)
    }

    fn quit(mut self) {
        let _ = writeln!(self.stdin, "quit");
        drop(self.stdin);
        let status = self.child.wait().expect("wait for the peer");
        assert!(status.success(), "the ReportLab peer failed: {status}");
    }
}

// ---------------------------------------------------------------- checks

fn tool(name: &str) -> bool {
    let ok = Command::new(name)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !ok {
        eprintln!("peers: {name} not found: its check is SKIPPED");
    }
    ok
}

fn page_count(path: &Path) -> usize {
    lopdf::Document::load(path)
        .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()))
        .get_pages()
        .len()
}

/// `pdftotext -layout`, trailing blanks of each line removed.
fn text(path: &Path) -> String {
    let o = Command::new("pdftotext")
        .arg("-layout")
        .arg(path)
        .arg("-")
        .output()
        .expect("run pdftotext");
    assert!(o.status.success(), "pdftotext {}", path.display());
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Each peer PDF has our pages and our text.
fn check_same(names: &[&str], ours: &Path, theirs: &Path, who: &str) {
    let pdftotext = tool("pdftotext");
    for n in names {
        let (a, b) = (
            ours.join(format!("{n}.pdf")),
            theirs.join(format!("{n}.pdf")),
        );
        assert_eq!(page_count(&a), page_count(&b), "{who}: pages of {n}");
        if pdftotext {
            let (ta, tb) = (text(&a), text(&b));
            assert!(!ta.trim().is_empty(), "no text in our {n}");
            assert_eq!(ta, tb, "{who}: pdftotext -layout of {n} differs from ours");
        }
    }
    eprintln!(
        "peers: {who}: same page count{} as ours for all {} superbills",
        if pdftotext {
            " and pdftotext -layout"
        } else {
            ""
        },
        names.len()
    );
}

fn qpdf_check(names: &[&str], dir: &Path, who: &str) {
    if !tool("qpdf") {
        return;
    }
    for n in names {
        let path = dir.join(format!("{n}.pdf"));
        let o = Command::new("qpdf")
            .arg("--check")
            .arg(&path)
            .output()
            .expect("run qpdf");
        assert!(
            o.status.success(),
            "qpdf --check {}:\n{}",
            path.display(),
            String::from_utf8_lossy(&o.stdout)
        );
    }
    eprintln!(
        "peers: {who}: qpdf --check passes for all {} PDFs",
        names.len()
    );
}
