//! What names beyond WinAnsi cost (issue 11's target: a practice with 30%
//! non-WinAnsi names at most 1.3x an all-WinAnsi one):
//! `cargo bench --bench scripts`.
//!
//! Two practices identical but for the names: every name WinAnsi, and 30%
//! of patients named in other scripts (Vietnamese, Polish and Czech, Greek,
//! Cyrillic, Hebrew, Arabic and, when the machine has a CJK font, Chinese),
//! drawn from pools large enough that most names are distinct, as in a
//! real practice.
//!
//! 1. In process: the renderer over 300 superbills of each kind (the
//!    fixture superbill with the names swapped), interleaved A/B rounds,
//!    each round with a fresh renderer (its font caches empty, as at the
//!    start of a batch), CPU time of the rendering thread. The machine's
//!    font files and the scan that finds them are kept per process, so
//!    only the first round pays for them, as only a process's first
//!    renderer does; one slow round does not move the median.
//! 2. End to end: `superbill batch` on a generated month
//!    (`samples generate`) with the names rewritten both ways, interleaved
//!    rounds, wall time and the child's CPU time.
//!
//! Run without `--bench` (as `cargo test --benches` does) it is a quick
//! smoke run. `SUPERBILL_BENCH_RENDER_ONLY=1` runs part 1 alone (for
//! repeated A/B runs); `=winansi` or `=mixed` renders only that practice
//! in part 1 (for profiling one kind; the other column reads 0).

#[path = "../tests/common/fixture.rs"]
mod fixture;

#[path = "common/cpu.rs"]
mod cpu;

use cpu::thread_cpu;
use std::hint::black_box;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use superbill::render::{superbill::Renderer, Glyphs, RenderOptions};

const BIN: &str = env!("CARGO_BIN_EXE_superbill");

const WIN_ANSI_LAST: &[&str] = &[
    "Ashworth",
    "Bellamy",
    "Castellanos",
    "Delacroix",
    "Eberhardt",
    "Fairbanks",
    "Galloway",
    "Hargrove",
    "Ibarra",
    "Jorgensen",
    "Kettering",
    "Lindgren",
    "Montague",
    "Northcott",
    "Okonkwo",
    "Pemberton",
    "Quintero",
    "Rasmussen",
    "Muñoz",
    "Thackeray",
    "Underhill",
    "Whitcombe",
    "Yamaguchi",
    "Zellweger",
    "O'Brien",
    "Søndergaard",
    "Müller",
    "Ferrão",
];
const WIN_ANSI_FIRST: &[&str] = &[
    "Amelia", "Harper", "Nora", "Claire", "Priya", "Lena", "Zoë", "José", "Renée", "Gideon",
    "Mateo", "Silas", "Theo", "Rowan", "Desmond", "Siobhán", "Ingrid", "Keiko", "Björn",
];

/// (last names, first names) per script.
const SCRIPTS: &[(&str, &[&str], &[&str])] = &[
    (
        "Vietnamese",
        &[
            "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
        ],
        &[
            "Thị Lan",
            "Văn Minh",
            "Thu Hằng",
            "Đức Anh",
            "Ngọc Ánh",
            "Quốc Bảo",
            "Thị Hương",
        ],
    ),
    (
        "Polish/Czech",
        &[
            "Wiśniewski",
            "Wójcik",
            "Dvořák",
            "Łukaszewicz",
            "Kołodziej",
            "Růžička",
            "Sýkora",
        ],
        &[
            "Łukasz",
            "Paweł",
            "Małgorzata",
            "Jiří",
            "Přemysl",
            "Bożena",
            "Zdeněk",
        ],
    ),
    (
        "Greek",
        &[
            "Παπαδόπουλος",
            "Γεωργίου",
            "Νικολάου",
            "Οικονόμου",
            "Βασιλείου",
            "Καραγιάννης",
        ],
        &["Νίκος", "Μαρία", "Γιώργος", "Ελένη", "Δημήτρης", "Σοφία"],
    ),
    (
        "Cyrillic",
        &[
            "Иванова",
            "Смирнов",
            "Кузнецова",
            "Попов",
            "Соколова",
            "Лебедев",
        ],
        &["Анна", "Дмитрий", "Ольга", "Сергей", "Наталья", "Михаил"],
    ),
    (
        "Hebrew",
        &["כהן", "לוי", "מזרחי", "פרץ", "ביטון", "אברהם"],
        &["שרה", "יעקב", "רחל", "דוד", "מרים", "יוסף"],
    ),
    (
        "Arabic",
        &["عبد الله", "الحسن", "منصور", "حداد", "خوري", "النجار"],
        &["محمد", "فاطمة", "علي", "مريم", "يوسف", "ليلى"],
    ),
    (
        "Chinese",
        &["王", "李", "张", "刘", "陈", "杨", "黄", "赵"],
        &["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳"],
    ),
];

/// (last, first) for patient `i`: 30% (i % 10 < 3) in another script when
/// `mixed`, WinAnsi otherwise. Pools are indexed so that names rarely
/// repeat within a few hundred patients.
fn name(i: usize, mixed: bool, scripts: &[&(&str, &[&str], &[&str])]) -> (String, String) {
    if mixed && i % 10 < 3 {
        let k = i / 10 * 3 + i % 10;
        let (_, last, first) = scripts[k % scripts.len()];
        let j = k / scripts.len();
        return (
            last[j % last.len()].to_string(),
            first[(j / last.len() + j) % first.len()].to_string(),
        );
    }
    (
        WIN_ANSI_LAST[i % WIN_ANSI_LAST.len()].to_string(),
        WIN_ANSI_FIRST[(i / WIN_ANSI_LAST.len() + i) % WIN_ANSI_FIRST.len()].to_string(),
    )
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let glyphs = Glyphs::load(&RenderOptions::default()).expect("fonts");
    let scripts: Vec<_> = SCRIPTS
        .iter()
        .filter(|(script, last, _)| {
            let ok = glyphs.missing(last[0]).is_none();
            if !ok {
                eprintln!("note: no font for {script} names on this machine; left out");
            }
            ok
        })
        .collect();
    let (docs, rounds, patients) = if full { (300, 7, 1000) } else { (12, 1, 40) };

    let render = bench_render(docs, rounds, &scripts);
    if std::env::var_os("SUPERBILL_BENCH_RENDER_ONLY").is_some() {
        println!();
        println!(
            "renderer, CPU ms per superbill (median of {rounds} rounds x {docs}): all WinAnsi {:.3}, 30% other scripts {:.3}: {:.2}x",
            render.0,
            render.1,
            render.1 / render.0
        );
        return;
    }
    let batch = bench_batch(patients, rounds.min(5), &scripts);

    println!();
    println!("| 30% non-WinAnsi names vs all WinAnsi | all WinAnsi | 30% other scripts | ratio |");
    println!("|---|---:|---:|---:|");
    println!(
        "| renderer, CPU ms per superbill (median of {rounds} rounds x {docs}) | {:.3} | {:.3} | {:.2}x |",
        render.0,
        render.1,
        render.1 / render.0
    );
    println!(
        "| `superbill batch`, {patients} patients, CPU s (median of {} rounds) | {:.2} | {:.2} | {:.2}x |",
        rounds.min(5),
        batch.cpu.0,
        batch.cpu.1,
        batch.cpu.1 / batch.cpu.0
    );
    println!(
        "| `superbill batch`, {patients} patients, wall s (same runs) | {:.2} | {:.2} | {:.2}x |",
        batch.wall.0,
        batch.wall.1,
        batch.wall.1 / batch.wall.0
    );
    let names: Vec<&str> = scripts.iter().map(|s| s.0).collect();
    println!();
    println!("Scripts in the 30%: {}.", names.join(", "));
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// CPU time (user + system) of the waited-for children so far.
fn children_cpu() -> Duration {
    #[cfg(unix)]
    {
        // SAFETY: getrusage fills the struct we own.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
        let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        tv(ru.ru_utime) + tv(ru.ru_stime)
    }
    #[cfg(not(unix))]
    {
        Duration::ZERO
    }
}

/// Median CPU ms per superbill: (all WinAnsi, 30% other scripts).
fn bench_render(docs: usize, rounds: usize, scripts: &[&(&str, &[&str], &[&str])]) -> (f64, f64) {
    let make = |mixed: bool| -> Vec<_> {
        (0..docs)
            .map(|i| {
                let mut sb = fixture::sample_with_lines(8);
                let (last, first) = name(i, mixed, scripts);
                sb.patient.name = format!("{last}, {first}");
                sb
            })
            .collect()
    };
    let sets = [make(false), make(true)];
    let only = match std::env::var("SUPERBILL_BENCH_RENDER_ONLY").as_deref() {
        Ok("winansi") => Some(0),
        Ok("mixed") => Some(1),
        _ => None,
    };
    let mut times = [Vec::new(), Vec::new()];
    let mut sizes = [0; 2];
    for round in 0..rounds {
        // Alternate which kind goes first, so drift hits both alike.
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for k in order {
            if only.is_some_and(|o| o != k) {
                times[k].push(0.0);
                continue;
            }
            eprintln!(
                "render round {round}: {} ...",
                ["all WinAnsi", "30% scripts"][k]
            );
            let r = Renderer::new(RenderOptions::default()).expect("renderer");
            let t = thread_cpu();
            let mut bytes = 0;
            for sb in &sets[k] {
                bytes += black_box(r.render(black_box(sb)).expect("render")).len();
            }
            times[k].push((thread_cpu() - t).as_secs_f64() * 1000.0 / docs as f64);
            sizes[k] = bytes / docs;
        }
    }
    let [a, b] = times;
    eprintln!(
        "PDF bytes per superbill (the same every round): all WinAnsi {}, 30% other scripts {}",
        sizes[0], sizes[1]
    );
    (median(a), median(b))
}

struct BatchTimes {
    cpu: (f64, f64),
    wall: (f64, f64),
}

fn bench_batch(
    patients: usize,
    rounds: usize,
    scripts: &[&(&str, &[&str], &[&str])],
) -> BatchTimes {
    let tmp = tempfile::Builder::new()
        .prefix("superbill-bench-scripts-")
        .tempdir()
        .expect("temp dir");
    let base = tmp.path().join("generated");
    let gen = Command::new(BIN)
        .args(["samples", "generate", "--patients"])
        .arg(patients.to_string())
        .args([
            "--months", "1", "--start", "2026-09", "--seed", "7", "--out",
        ])
        .arg(&base)
        .stderr(Stdio::inherit())
        .output()
        .expect("run superbill samples generate");
    assert!(gen.status.success(), "samples generate failed");
    let practices = [false, true].map(|mixed| {
        let dir = tmp.path().join(if mixed { "mixed" } else { "winansi" });
        copy_dir(&base, &dir);
        rename_patients(&dir.join("patients.csv"), mixed, scripts);
        dir
    });
    let mut cpu = [Vec::new(), Vec::new()];
    let mut wall = [Vec::new(), Vec::new()];
    for round in 0..rounds {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for k in order {
            eprintln!(
                "batch round {round}: {} ...",
                ["all WinAnsi", "30% scripts"][k]
            );
            let out = tmp.path().join(format!("out-{k}-{round}"));
            let (c, w) = batch(&practices[k], &out);
            cpu[k].push(c.as_secs_f64());
            wall[k].push(w.as_secs_f64());
            std::fs::remove_dir_all(&out).ok();
        }
    }
    let [c0, c1] = cpu;
    let [w0, w1] = wall;
    BatchTimes {
        cpu: (median(c0), median(c1)),
        wall: (median(w0), median(w1)),
    }
}

/// Copies the generated practice, its folders (the providers'
/// `signatures/`) included.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Rewrites first and last names: all WinAnsi, or 30% in other scripts.
fn rename_patients(path: &Path, mixed: bool, scripts: &[&(&str, &[&str], &[&str])]) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().clone();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let (first, last) = (col("first_name"), col("last_name"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).unwrap();
    for (i, rec) in r.records().enumerate() {
        let mut cells: Vec<String> = rec.unwrap().iter().map(String::from).collect();
        let (l, f) = name(i, mixed, scripts);
        cells[last] = l;
        cells[first] = f;
        w.write_record(&cells).unwrap();
    }
    std::fs::write(path, w.into_inner().unwrap()).unwrap();
}

/// One `superbill batch` as a child: (its CPU time, wall time).
fn batch(practice: &Path, out: &Path) -> (Duration, Duration) {
    let c = children_cpu();
    let t = Instant::now();
    let o = Command::new(BIN)
        .arg("batch")
        .arg("--practice")
        .arg(practice)
        .args([
            "--period",
            "2026-09",
            "--as-of",
            "2026-10-05",
            "--no-progress",
            "--out",
        ])
        .arg(out)
        .stdin(Stdio::null())
        .output()
        .expect("run superbill batch");
    let wall = t.elapsed();
    // Exit 1 is a batch with findings in the synthetic data; 2 would be a
    // failure to run.
    assert!(
        o.status.code().is_some_and(|c| c < 2),
        "superbill batch failed ({}):\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    (children_cpu() - c, wall)
}
