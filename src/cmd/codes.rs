//! `superbill codes lookup|search|import-icd10cm`

use crate::cli::CodesCommand;
use crate::codes::{Catalog, Procedure};
use crate::error::Result;
use crate::icd10::{self, Check, CodeSet, Entry, Release};
use chrono::NaiveDate;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The code tables: a practice's own beside the built-in ones, or the
/// project's `codes/` (a freshly imported release before a rebuild).
fn tables(practice: Option<&PathBuf>) -> Result<(Catalog, CodeSet)> {
    let icd_dir = match practice {
        Some(dir) => dir.join("codes").join("icd10cm"),
        None => Path::new("codes").join("icd10cm"),
    };
    Ok((
        Catalog::load(practice.map(PathBuf::as_path))?,
        CodeSet::load(&icd_dir)?,
    ))
}

pub fn run(cmd: CodesCommand) -> Result<i32> {
    match cmd {
        CodesCommand::Lookup {
            code,
            date,
            practice,
            json,
        } => {
            let (cat, icd) = tables(practice.as_ref())?;
            lookup(&cat, &icd, &code, date.unwrap_or_else(super::today), json)
        }
        CodesCommand::Search {
            words,
            limit,
            date,
            practice,
        } => {
            let (cat, icd) = tables(practice.as_ref())?;
            let words = words.join(" ");
            let procs = search_procedures(&cat, &words, limit);
            if !procs.is_empty() {
                println!("Procedure codes (the practice's descriptions):");
                for p in &procs {
                    println!("  {:<9} {:<8} {}", p.code, p.system, p.description);
                }
                println!();
            }
            print!(
                "{}",
                icd.search_text(&words, date.unwrap_or_else(super::today), limit)
            );
            Ok(0)
        }
        CodesCommand::ImportIcd10cm {
            xml,
            out,
            name,
            from,
            to,
        } => {
            let path = icd10::import::run_import(&xml, &out, name, from, to)?;
            println!(
                "Wrote {}. Dates of service in its range now use it.",
                path.display()
            );
            Ok(0)
        }
    }
}

/// Procedure codes whose description holds every word, or whose code
/// starts with a word; in code order.
pub fn search_procedures<'a>(cat: &'a Catalog, words: &str, limit: usize) -> Vec<&'a Procedure> {
    let words: Vec<String> = words.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return Vec::new();
    }
    cat.procedures
        .values()
        .filter(|p| p.category != "do-not-use")
        .filter(|p| {
            let desc = p.description.to_lowercase();
            let code = p.code.to_lowercase();
            words
                .iter()
                .all(|w| desc.contains(w.as_str()) || code.starts_with(w.as_str()))
        })
        .take(limit)
        .collect()
}

/// Exit 0 when the code is found (a procedure, or an ICD-10-CM code,
/// billable or header), 1 when it is not.
fn lookup(cat: &Catalog, icd: &CodeSet, code: &str, date: NaiveDate, as_json: bool) -> Result<i32> {
    let upper = code.trim().to_ascii_uppercase();
    if let Some(p) = cat.procedure(&upper) {
        if as_json {
            super::json::print(&json!({
                "query": code,
                "found": true,
                "exit_code": 0,
                "kind": "procedure",
                "code": p.code,
                "system": p.system,
                "category": p.category,
                "description": p.description,
                "default_fee": cat.fee(&p.code),
                "effective_from": p.effective_from,
                "effective_to": p.effective_to,
                "replaced_by": p.replaced_by(),
                "valid_on_date": p.not_valid_on(date).is_none(),
                "date": date,
            }));
            return Ok(0);
        }
        println!(
            "{} {} ({}): {}",
            p.code, p.system, p.category, p.description
        );
        if let Some(fee) = cat.fee(&p.code) {
            println!("  default fee {}", fee.display());
        }
        if p.effective_from.is_some() || p.effective_to.is_some() {
            let show = |d: Option<NaiveDate>| d.map_or("-".to_string(), |d| d.to_string());
            println!(
                "  effective {} to {}",
                show(p.effective_from),
                show(p.effective_to)
            );
        }
        if let Some(why) = p.not_valid_on(date) {
            println!("  on {date}: {why}");
        }
        return Ok(0);
    }
    let normalized = icd10::normalize(code);
    let check = icd.check(&normalized, date);
    let found = matches!(
        check.verdict(),
        Check::Billable { .. } | Check::Header { .. }
    );
    let code_exit = if found { 0 } else { 1 };
    if as_json {
        super::json::print(&icd_json(code, &check, date, code_exit));
        return Ok(code_exit);
    }
    print!("{}", icd.lookup_text(&normalized, date));
    if !found {
        let procs = search_procedures(cat, &upper, 5);
        if procs.is_empty() {
            println!("{upper} is not a procedure code in the table either.");
        } else {
            println!("Procedure codes starting with {upper}:");
            for p in procs {
                println!("  {:<9} {}", p.code, p.description);
            }
        }
    }
    Ok(code_exit)
}

fn entry_json(e: &Entry) -> Value {
    json!({"code": e.dotted(), "description": e.description, "billable": e.billable})
}

fn release_json(r: &Release) -> Value {
    json!({"name": r.name, "valid_from": r.valid_from, "valid_to": r.valid_to})
}

fn icd_json(query: &str, check: &Check, date: NaiveDate, exit_code: i32) -> Value {
    let mut v = json!({
        "query": query,
        "found": exit_code == 0,
        "exit_code": exit_code,
        "kind": "diagnosis",
        "system": "ICD-10-CM",
        "date": date,
        "release_covers_date": !matches!(check, Check::NoRelease { .. }),
    });
    let obj = v.as_object_mut().expect("an object");
    match check.verdict() {
        Check::Billable { entry, release } => {
            obj.insert("code".into(), json!(entry.dotted()));
            obj.insert("description".into(), json!(entry.description));
            obj.insert("billable".into(), json!(true));
            obj.insert("release".into(), release_json(release));
        }
        Check::Header {
            entry,
            release,
            billable_children,
        } => {
            obj.insert("code".into(), json!(entry.dotted()));
            obj.insert("description".into(), json!(entry.description));
            obj.insert("billable".into(), json!(false));
            obj.insert(
                "billable_children".into(),
                billable_children.iter().map(|e| entry_json(e)).collect(),
            );
            obj.insert("release".into(), release_json(release));
        }
        Check::Absent {
            release,
            suggestions,
        } => {
            obj.insert(
                "suggestions".into(),
                suggestions.iter().map(|e| entry_json(e)).collect(),
            );
            obj.insert("release".into(), release_json(release));
        }
        Check::NoRelease { nearest, .. } => {
            obj.insert("release".into(), release_json(nearest));
        }
    }
    v
}
