//! Embeds every ICD-10-CM release table under `codes/icd10cm/` in the
//! binary, so importing a new release (FY2027) into the project and
//! rebuilding is all it takes: no code lists the files by name.

use std::fmt::Write;
use std::path::Path;

fn main() {
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
