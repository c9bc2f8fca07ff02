//! `superbill explain [CODE]`: the finding codes, from the one registry in
//! `findings::registry`, the way `ruff rule` explains a lint.

use crate::cli::ExplainArgs;
use crate::error::Result;
use crate::findings::registry::{Blocks, Code};
use serde_json::{json, Value};

pub fn run(a: &ExplainArgs) -> Result<i32> {
    if a.markdown {
        print!("{}", Code::markdown_table());
        return Ok(0);
    }
    let Some(slug) = &a.code else {
        if a.json {
            super::json::print(&Value::Array(Code::ALL.iter().map(|c| entry(*c)).collect()));
        } else {
            for c in Code::ALL {
                println!("{:<26} {:<8} {}", c.as_str(), c.severity(), c.explanation());
            }
        }
        return Ok(0);
    };
    let Some(code) = Code::parse(slug.trim()) else {
        // Exit 1, as `codes lookup` does when nothing is found.
        let near = nearest(slug);
        if a.json {
            super::json::print(&json!({ "code": slug, "found": false, "did_you_mean": near }));
        } else {
            match near {
                Some(n) => println!("{slug} is not a finding code: did you mean `{n}`? (`superbill explain` lists them all)"),
                None => println!("{slug} is not a finding code: `superbill explain` lists them all"),
            }
        }
        return Ok(1);
    };
    if a.json {
        super::json::print(&entry(code));
        return Ok(0);
    }
    println!("{} ({})", code.as_str(), code.severity());
    println!("  {}", code.explanation());
    println!("  Fix: {}", code.fix());
    println!("  Stops: {}", stops(code.blocks()));
    Ok(0)
}

fn stops(b: Blocks) -> &'static str {
    match b {
        Blocks::Batch => "the whole batch: no superbill is issued until it is fixed",
        Blocks::Patient => "the superbill of the patient it concerns, which is held",
        Blocks::Nothing => "nothing: it is advice",
    }
}

fn entry(c: Code) -> Value {
    json!({
        "code": c.as_str(),
        "severity": c.severity(),
        "scope": c.scope(),
        "blocks": c.blocks(),
        "explanation": c.explanation(),
        "fix": c.fix(),
    })
}

fn nearest(slug: &str) -> Option<&'static str> {
    Code::ALL
        .iter()
        .map(|c| {
            (
                strsim::normalized_damerau_levenshtein(slug, c.as_str()),
                c.as_str(),
            )
        })
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, s)| s)
}
