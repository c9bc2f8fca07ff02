//! Helpers shared by the CLI tests (`cli_validate`, `cli_render`,
//! `cli_batch`): running the binary from the crate root, copying sample
//! practices into temp folders, reading CSVs and PDFs back.
#![allow(dead_code)]

pub mod exports;

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The crate root: `codes/` and `samples/` live here.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `samples/<name>`.
pub fn sample(name: &str) -> PathBuf {
    root().join("samples").join(name)
}

/// The binary, run from the crate root (the `codes` command reads
/// `codes/` relative to the working directory).
pub fn superbill() -> Command {
    let mut c = Command::cargo_bin("superbill").expect("binary built");
    c.current_dir(root());
    c
}

/// Runs and returns (exit code, stdout, stderr).
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("runs");
    (
        out.status.code().expect("exited, not killed"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Copies a folder tree (files and subfolders).
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

/// A temp folder holding a copy of `samples/<name>` at `<tmp>/practice`.
pub fn sample_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("practice");
    copy_dir(&sample(name), &dir);
    (tmp, dir)
}

/// Every file under `dir`, by path relative to it (sorted).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                walk(base, &e.path(), out);
            } else {
                out.push(e.path().strip_prefix(base).unwrap().to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// A CSV as its header and rows of cells (a UTF-8 BOM is dropped).
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }

    /// Rows as column name -> value.
    pub fn maps(&self) -> Vec<BTreeMap<String, String>> {
        self.rows
            .iter()
            .map(|r| {
                self.header
                    .iter()
                    .map(|h| h.to_ascii_lowercase())
                    .zip(r.iter().cloned())
                    .collect()
            })
            .collect()
    }
}

pub fn read_csv_bytes(bytes: &[u8]) -> Table {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    Table { header, rows }
}

pub fn read_csv(path: &Path) -> Table {
    read_csv_bytes(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// Money text (`4116.00`, `$4,116.00`, `-40.00`) in cents, exactly.
pub fn cents(text: &str) -> i64 {
    let t = text.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let t: String = t.chars().filter(|c| *c != '$' && *c != ',').collect();
    let (whole, frac) = t.split_once('.').unwrap_or((&t, "00"));
    assert_eq!(frac.len(), 2, "two decimals in {text:?}");
    let v = whole
        .parse::<i64>()
        .unwrap_or_else(|_| panic!("money {text:?}"))
        * 100
        + frac
            .parse::<i64>()
            .unwrap_or_else(|_| panic!("money {text:?}"));
    if neg {
        -v
    } else {
        v
    }
}

/// Text of each page of a PDF, in content order (lopdf).
pub fn pdf_pages(bytes: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(bytes).expect("PDF loads");
    let n = doc.get_pages().len() as u32;
    (1..=n)
        .map(|p| doc.extract_text(&[p]).expect("page text"))
        .collect()
}

/// The trimmed line after the first line equal to `label` in `text`.
pub fn value_after(text: &str, label: &str) -> Option<String> {
    let mut lines = text.lines().map(str::trim);
    lines.find(|l| *l == label)?;
    lines.next().map(String::from)
}

/// The service table's charges as printed: rows end "units, fee/unit,
/// charge, paid", so each `$` triple between a table header and the end of
/// the table is (fee, charge, paid), preceded by the units. Returns (units,
/// fee, charge, paid) in cents per row.
pub fn printed_lines(pages: &[String]) -> Vec<(i64, i64, i64, i64)> {
    let mut out = Vec::new();
    for page in pages {
        let lines: Vec<&str> = page.lines().map(str::trim).collect();
        let mut i = match lines.iter().position(|l| *l == "Fee / unit") {
            Some(p) => p + 3, // "Fee / unit", "Charge", "Paid"
            None => continue,
        };
        while i < lines.len() {
            let l = lines[i];
            if l == "SUMMARY" || l.starts_with("Page ") {
                break;
            }
            if l.starts_with('$') {
                let units: i64 = lines[i - 1].parse().expect("units before the fee");
                let fee = cents(l);
                let charge = cents(lines[i + 1]);
                out.push((units, fee, charge, cents(lines[i + 2])));
                i += 3;
            } else {
                i += 1;
            }
        }
    }
    out
}

/// `YYYY-MM-DD` as `MM/DD/YYYY`.
pub fn us_date(iso: &str) -> String {
    let p: Vec<&str> = iso.split('-').collect();
    assert_eq!(p.len(), 3, "ISO date {iso:?}");
    format!("{}/{}/{}", p[1], p[2], p[0])
}

/// Whether `needle` occurs in `hay` as a whole word (not inside a longer
/// run of letters or digits).
pub fn contains_word(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    hay.match_indices(needle).any(|(i, _)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + needle.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// `superbill <sub> --practice <dir>`, ready for more arguments.
pub fn on_practice(sub: &str, practice: &Path) -> Command {
    let mut c = superbill();
    c.arg(sub).arg("--practice").arg(practice);
    c
}

/// Rewrites a CSV in place: `edit` gets the header and rows.
pub fn rewrite_csv(path: &Path, edit: impl FnOnce(&mut Vec<String>, &mut Vec<Vec<String>>)) {
    let Table {
        mut header,
        mut rows,
    } = read_csv(path);
    edit(&mut header, &mut rows);
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    w.write_record(&header).unwrap();
    for r in &rows {
        w.write_record(r).unwrap();
    }
    std::fs::write(path, w.into_inner().unwrap()).unwrap();
}

/// A folder `name` in `parent` with mode 0755, like a shared Desktop.
#[cfg(unix)]
pub fn shared_dir(parent: &Path, name: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let d = parent.join(name);
    std::fs::create_dir(&d).unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
    d
}

/// Bytes and modification time of every file under `dir`.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, std::time::SystemTime)> {
    files_under(dir)
        .into_iter()
        .map(|f| {
            let p = dir.join(&f);
            (
                f,
                (
                    std::fs::read(&p).unwrap(),
                    std::fs::metadata(&p).unwrap().modified().unwrap(),
                ),
            )
        })
        .collect()
}

pub fn bytes_of(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    snapshot(dir).into_iter().map(|(k, v)| (k, v.0)).collect()
}
