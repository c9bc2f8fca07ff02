//! Damaged and oddly shaped exports never panic, never lose a row and
//! never leak a patient's name: hundreds of deterministic mutations of the
//! messy sample (bytes flipped, cells cut, lines duplicated or truncated)
//! go through load, validate and assembly; then the shapes real exports take
//! (quotes across lines, CR-only line ends, UTF-16, Windows-1252,
//! semicolons, tabs, shifted cells, workbooks) go through the binary.

mod common;

use common::exports::{reshape, small_practice, utf16, workbook};
use std::path::Path;
use superbill::findings::{is_whole_file, Findings, Severity};
use superbill::rows::Fate;
use superbill::superbill::{superbills, Request};
use superbill::validate::{Options, Period};

const FILES: [&str; 3] = ["patients.csv", "sessions.csv", "payments.csv"];
const NOISE: &[&[u8]] = &[
    b",",
    b"\"",
    b"\r\n",
    b"\n",
    b"\r",
    b"-",
    b"$",
    b"=1+1",
    b"\xff",
    b"x9",
    b";",
    b"",
    b"99999",
    b"F33",
    b"2026-02-30",
];

/// splitmix64: a fixed sequence, so a failure reproduces.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(bytes: &mut Vec<u8>, rng: &mut Rng) {
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len());
        match rng.below(4) {
            0 => {
                let noise = NOISE[rng.below(NOISE.len())];
                bytes.splice(at..at, noise.iter().copied());
            }
            1 => {
                let end = (at + rng.below(40)).min(bytes.len());
                bytes.drain(at..end);
            }
            2 => bytes.truncate(at),
            _ => {
                let end = (at + rng.below(200)).min(bytes.len());
                let chunk = bytes[at..end].to_vec();
                bytes.splice(at..at, chunk);
            }
        }
    }
}

/// Physical data lines of an export, counted independently of the tool:
/// lines end at CR, LF or CRLF; a line holds data when it has anything but
/// blanks, the delimiter and quotes; the first such line is the header.
fn data_lines(bytes: &[u8], delimiter: u8) -> usize {
    let text: Vec<u8> = match bytes {
        [0xff, 0xfe, rest @ ..] | [0xfe, 0xff, rest @ ..] => {
            let le = bytes[0] == 0xff;
            let units: Vec<u16> = rest
                .chunks_exact(2)
                .map(|c| {
                    if le {
                        u16::from_le_bytes([c[0], c[1]])
                    } else {
                        u16::from_be_bytes([c[0], c[1]])
                    }
                })
                .collect();
            String::from_utf16_lossy(&units).into_bytes()
        }
        _ => bytes.to_vec(),
    };
    let mut lines = Vec::new();
    let mut cur = Vec::new();
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'\r' | b'\n' => {
                if text[i] == b'\r' && text.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                lines.push(std::mem::take(&mut cur));
            }
            b => cur.push(b),
        }
        i += 1;
    }
    lines.push(cur);
    let has_data = |l: &Vec<u8>| {
        l.iter()
            .any(|&b| !b.is_ascii_whitespace() && b != b'"' && b != delimiter)
    };
    let data: Vec<&Vec<u8>> = lines.iter().filter(|l| has_data(l)).collect();
    let skip = if data.first().is_some_and(|l| l.starts_with(b"sep=")) {
        2
    } else {
        1
    };
    data.len().saturating_sub(skip)
}

fn copy_practice(from: &Path, to: &Path) {
    for f in [
        "practice.toml",
        "patients.csv",
        "sessions.csv",
        "payments.csv",
    ] {
        std::fs::copy(from.join(f), to.join(f)).unwrap();
    }
}

#[test]
fn mutated_exports_never_panic_and_every_line_is_accounted_for() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/cedar-ridge-messy");
    let mut rng = Rng(20261121);
    let period = Period::month("2026-09").unwrap();
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 10, 15).unwrap();
    for round in 0..150 {
        let dir = tempfile::tempdir().unwrap();
        copy_practice(&sample, dir.path());
        let file = FILES[round % 3];
        let mut bytes = std::fs::read(dir.path().join(file)).unwrap();
        mutate(&mut bytes, &mut rng);
        std::fs::write(dir.path().join(file), &bytes).unwrap();

        let mut findings = Findings::default();
        let Ok(loaded) = superbill::practice::load(dir.path(), &mut findings) else {
            continue; // an unusable file is a clean error, which is fine
        };
        for rows in &loaded.inputs.rows {
            let on_disk = std::fs::read(dir.path().join(rows.file)).unwrap();
            assert_eq!(
                rows.lines.len(),
                data_lines(&on_disk, b','),
                "round {round}: {} rows read",
                rows.file
            );
        }
        let opts = Options {
            as_of,
            period: Some(period),
            filing_warnings: true,
        };
        let v = loaded.validate(&opts, &mut findings);
        let req = Request {
            period,
            as_of,
            patient: None,
        };
        let out = superbills(&loaded, &v, &req, &mut findings);
        // A file that cannot be read as a table is one root cause for
        // every row that depends on it.
        let root_cause = findings
            .items
            .iter()
            .any(|f| f.severity == Severity::Error && is_whole_file(f.code));
        for ((name, fates), rows) in out.fates.iter().zip(&loaded.inputs.rows) {
            assert_eq!(fates.len(), rows.lines.len(), "round {round}: {name}");
            for (line, fate) in fates {
                if *fate == Fate::Rejected {
                    assert!(
                        root_cause || findings.has_error_at(name, rows.record_line(*line)),
                        "round {round}: {name}:{line} rejected without a finding"
                    );
                }
            }
        }
        for sb in &out.superbills {
            let sum: i64 = sb.lines.iter().map(|l| l.charge.0).sum();
            assert_eq!(sum, sb.total_charged.0, "round {round}");
            assert_eq!(
                sb.total_charged - sb.total_paid,
                sb.balance,
                "round {round}"
            );
        }
    }
}

/// One way an export reaches the tool: what it does to a file, and how to
/// count that file's data lines afterwards.
struct Shape {
    name: &'static str,
    apply: fn(&Path, &str, &Names),
}

/// The fixture's patients' names and dates of birth: none may be shown.
struct Names {
    secrets: Vec<String>,
    first_full_name: String,
}

fn names(dir: &Path) -> Names {
    let t = common::read_csv(&dir.join("patients.csv"));
    let mut secrets = Vec::new();
    for r in &t.rows {
        for col in ["first_name", "middle_name", "last_name", "dob"] {
            let v = &r[t.col(col)];
            if v.chars().count() >= 3 {
                secrets.push(v.clone());
            }
        }
    }
    let r = &t.rows[0];
    Names {
        secrets,
        first_full_name: format!("{} {}", r[t.col("first_name")], r[t.col("last_name")]),
    }
}

fn put(dir: &Path, file: &str, bytes: impl AsRef<[u8]>) {
    std::fs::write(dir.join(file), bytes).unwrap();
}

/// Rewrites the lines of a file (LF line ends).
fn lines(dir: &Path, file: &str, f: impl FnOnce(&mut Vec<String>)) {
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    let mut v: Vec<String> = text.lines().map(str::to_string).collect();
    f(&mut v);
    put(dir, file, v.join("\n") + "\n");
}

const SHAPES: &[Shape] = &[
    Shape {
        name: "a quote opened in line 3 and closed in line 6",
        apply: |d, f, _| {
            lines(d, f, |v| {
                v[2] = v[2].replacen(',', ",\"", 1);
                v[5].push('"');
            })
        },
    },
    Shape {
        name: "a quote never closed",
        apply: |d, f, _| lines(d, f, |v| v[4] = v[4].replacen(',', ",\"", 1)),
    },
    Shape {
        name: "CR-only line ends",
        apply: |d, f, _| put(d, f, reshape(d, f, b',', "\r")),
    },
    Shape {
        name: "mixed line ends",
        apply: |d, f, _| {
            let t = reshape(d, f, b',', "\n");
            let t: String = t
                .split_inclusive('\n')
                .enumerate()
                .map(|(i, l)| l.replace('\n', ["\r", "\r\n", "\n"][i % 3]))
                .collect();
            put(d, f, t)
        },
    },
    Shape {
        name: "UTF-16 LE, tabs (Excel Unicode Text)",
        apply: |d, f, _| put(d, f, utf16(&reshape(d, f, b'\t', "\r\n"), true)),
    },
    Shape {
        name: "UTF-16 BE",
        apply: |d, f, _| put(d, f, utf16(&reshape(d, f, b',', "\n"), false)),
    },
    Shape {
        name: "Windows-1252",
        apply: |d, f, _| {
            let t = reshape(d, f, b',', "\r\n");
            put(d, f, encoding_rs::WINDOWS_1252.encode(&t).0)
        },
    },
    Shape {
        name: "semicolons",
        apply: |d, f, _| put(d, f, reshape(d, f, b';', "\r\n")),
    },
    Shape {
        name: "tabs",
        apply: |d, f, _| put(d, f, reshape(d, f, b'\t', "\n")),
    },
    Shape {
        name: "shifted cells",
        apply: |d, f, _| {
            lines(d, f, |v| {
                // A comma too many early in the row, one cell lost at its end.
                v[1] = v[1].replacen(',', ",,", 1);
                let cut = v[1].rfind(',').unwrap();
                v[1].truncate(cut);
            })
        },
    },
    Shape {
        name: "a stray CR inside a row",
        apply: |d, f, _| {
            lines(d, f, |v| {
                let at = v[2].find(',').unwrap() + 1;
                let at = at + v[2][at..].find(',').unwrap() + 1;
                v[2].insert(at, '\r');
            })
        },
    },
    Shape {
        name: "a full name in the id column",
        apply: |d, f, n| {
            let name = n.first_full_name.clone();
            lines(d, f, |v| {
                let cut = v[3].find(',').unwrap();
                v[3].replace_range(..cut, &name);
            })
        },
    },
    Shape {
        name: "no header",
        apply: |d, f, _| lines(d, f, |v| drop(v.remove(0))),
    },
    Shape {
        name: "xlsx workbook",
        apply: |d, f, _| {
            let book = workbook(d, f, 1);
            std::fs::remove_file(d.join(f)).unwrap();
            put(d, &f.replace(".csv", ".xlsx"), book)
        },
    },
    Shape {
        name: "workbook named .csv",
        apply: |d, f, _| put(d, f, workbook(d, f, 0)),
    },
];

/// Data lines of `file` as the user sees them: for a workbook, its rows
/// below the header (one per row of the CSV it was made from,
/// `csv_rows`); physical lines otherwise.
fn expected_rows(dir: &Path, file: &str, shape: &str, csv_rows: usize) -> usize {
    if shape == "xlsx workbook" || shape == "workbook named .csv" {
        return csv_rows;
    }
    let bytes = std::fs::read(dir.join(file)).unwrap();
    let delimiter = match shape {
        "semicolons" => b';',
        "tabs" | "UTF-16 LE, tabs (Excel Unicode Text)" => b'\t',
        _ => b',',
    };
    data_lines(&bytes, delimiter)
}

/// Rows read of `file` in the report's row count, which names a workbook
/// read in its place (`patients.xlsx`) as such.
fn rows_read(stdout: &str, file: &str) -> usize {
    let book = file.replace(".csv", ".xlsx");
    stdout
        .lines()
        .find(|l| l.starts_with(&format!("{file} ")) || l.starts_with(&format!("{book} ")))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or_else(|| panic!("no {file} row in:\n{stdout}"))
        .parse()
        .unwrap()
}

#[test]
fn real_world_export_shapes_keep_rows_and_never_show_patient_data() {
    let mut ran = 0;
    for (i, shape) in SHAPES.iter().enumerate() {
        for file in FILES {
            let (tmp, dir) = small_practice(5);
            let n = names(&dir);
            let csv_rows = common::read_csv(&dir.join(file)).rows.len();
            (shape.apply)(&dir, file, &n);
            let out = tmp.path().join("out");
            let report = tmp.path().join("report.csv");
            let what = format!("{} in {file} (shape {i})", shape.name);
            let (vcode, vout, verr) = common::run(
                common::on_practice("validate", &dir)
                    .args([
                        "--period",
                        "2026-09",
                        "--as-of",
                        "2026-10-05",
                        "-v",
                        "--report",
                    ])
                    .arg(&report),
            );
            let (bcode, bout, berr) = common::run(
                common::on_practice("batch", &dir)
                    .args([
                        "--period",
                        "2026-09",
                        "--as-of",
                        "2026-10-05",
                        "--no-progress",
                        "--out",
                    ])
                    .arg(&out),
            );
            assert!(
                [0, 1, 2].contains(&vcode),
                "{what}: validate exit {vcode}\n{vout}{verr}"
            );
            assert!(
                [0, 1, 2].contains(&bcode),
                "{what}: batch exit {bcode}\n{bout}{berr}"
            );
            if bcode != 2 {
                for f in FILES {
                    assert_eq!(
                        rows_read(&bout, f),
                        if f == file {
                            expected_rows(&dir, f, shape.name, csv_rows)
                        } else {
                            expected_rows(&dir, f, "", 0)
                        },
                        "{what}: rows read of {f}\n{bout}"
                    );
                }
                ran += 1;
            }
            let rejects = std::fs::read_to_string(out.join("rejects.csv")).unwrap_or_default();
            let report = std::fs::read_to_string(&report).unwrap_or_default();
            for (stream, text) in [
                ("validate stdout", &vout),
                ("validate stderr", &verr),
                ("validate --report", &report),
                ("batch stdout", &bout),
                ("batch stderr", &berr),
                ("rejects.csv", &rejects),
            ] {
                for secret in &n.secrets {
                    assert!(
                        !common::contains_word(text, secret),
                        "{what}: {stream} shows {secret}:\n{text}"
                    );
                }
            }
        }
    }
    // Most shapes are read (exit 0 or 1), not refused.
    assert!(
        ran >= SHAPES.len() * 2,
        "only {ran} runs got as far as a batch"
    );
}
