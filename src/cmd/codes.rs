//! `superbill codes lookup|search|import-icd10cm`

use crate::cli::CodesCommand;
use crate::codes::Catalog;
use crate::error::Result;
use crate::icd10::{self, CodeSet};

pub fn run(cmd: CodesCommand) -> Result<i32> {
    let icd = CodeSet::load(std::path::Path::new("codes/icd10cm"))?;
    match cmd {
        CodesCommand::Lookup { code, date } => {
            let cat = Catalog::load(None)?;
            let upper = code.trim().to_ascii_uppercase();
            if let Some(p) = cat.procedure(&upper) {
                println!(
                    "{} {} ({}): {}",
                    p.code, p.system, p.category, p.description
                );
                if let Some(fee) = cat.fee(&p.code) {
                    println!("  default fee {}", fee.display());
                }
                if p.effective_from.is_some() || p.effective_to.is_some() {
                    let show =
                        |d: Option<chrono::NaiveDate>| d.map_or("-".to_string(), |d| d.to_string());
                    println!(
                        "  effective {} to {}",
                        show(p.effective_from),
                        show(p.effective_to)
                    );
                }
                return Ok(0);
            }
            let text = icd.lookup_text(&icd10::normalize(&code), date);
            print!("{text}");
            Ok(0)
        }
        CodesCommand::Search { words, limit } => {
            print!("{}", icd.search_text(&words.join(" "), None, limit));
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
