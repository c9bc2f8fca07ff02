//! Build-time work:
//! - embeds every ICD-10-CM release table under `codes/icd10cm/` in the
//!   binary, so importing a new release (FY2027) into the project and
//!   rebuilding is all it takes: no code lists the files by name;
//! - computes `SUPERBILL_BUILD_ID`, a digest of the sources that shape the
//!   program's output (code, templates, code tables, fonts, the locked
//!   dependency versions). The batch re-renders a document when it
//!   changes, so a different program re-renders, and an identical rebuild
//!   does not; hashing here replaces hashing the 20 MB binary on every run.

use sha2::{Digest, Sha256};
use std::fmt::Write;
use std::path::{Path, PathBuf};

fn main() {
    embed_icd10cm();
    build_id();
}

fn embed_icd10cm() {
    let dir = Path::new("codes/icd10cm");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut tables: Vec<_> = std::fs::read_dir(dir)
        .expect("codes/icd10cm exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
        .collect();
    tables.sort();
    let mut out = String::from("&[\n");
    for t in &tables {
        println!("cargo:rerun-if-changed={}", t.display());
        let abs = std::fs::canonicalize(t).expect("table path");
        writeln!(out, "    include_str!({:?}),", abs.display().to_string()).unwrap();
    }
    out.push(']');
    let target = Path::new(&std::env::var("OUT_DIR").unwrap()).join("icd10cm_embedded.rs");
    std::fs::write(target, out).expect("write embedded table list");
}

/// Every file under these roots (and these files) goes into the build id.
/// `tests/`, `benches/` and docs are left out: they do not change output.
const ROOTS: [&str; 4] = ["src", "templates", "codes", "assets"];
const FILES: [&str; 3] = ["Cargo.toml", "Cargo.lock", "build.rs"];

fn build_id() {
    let mut files: Vec<PathBuf> = FILES.iter().map(PathBuf::from).collect();
    for root in ROOTS {
        // A directory makes Cargo rerun this script when anything under
        // it changes.
        println!("cargo:rerun-if-changed={root}");
        collect(Path::new(root), &mut files);
    }
    for f in FILES {
        println!("cargo:rerun-if-changed={f}");
    }
    // Sorted by path with '/' separators: the same sources give the same
    // id whatever the file system's listing order or the platform.
    let mut named: Vec<(String, PathBuf)> = files
        .into_iter()
        .map(|p| (p.to_string_lossy().replace('\\', "/"), p))
        .collect();
    named.sort();
    let mut h = Sha256::new();
    for (name, path) in named {
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("read {name}: {e}"));
        h.update(name.as_bytes());
        h.update([0]);
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    let id: String = h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    println!("cargo:rustc-env=SUPERBILL_BUILD_ID={id}");
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}
