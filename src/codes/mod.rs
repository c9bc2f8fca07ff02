//! Procedure code tables, pairing rules and the practice's service mapping,
//! all read from data files under `codes/` (embedded as defaults) so that a
//! new code year or a practice's own fees change data, not code.

pub mod pairing;
pub mod services;

use crate::error::{Error, Result};
use crate::money::Cents;
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

pub use pairing::Pairing;
pub use services::{Drug, ServiceMap};

const PROCEDURES: &str = include_str!("../../codes/procedures.csv");
const PLACES: &str = include_str!("../../codes/places_of_service.csv");
const MODIFIERS: &str = include_str!("../../codes/modifiers.csv");
const FEES: &str = include_str!("../../codes/fees.csv");
const PAIRING: &str = include_str!("../../codes/pairing.toml");
const SERVICES: &str = include_str!("../../codes/services.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Procedure {
    pub code: String,
    /// `CPT` (AMA: descriptions are the practice's own) or `HCPCS`.
    pub system: String,
    pub category: String,
    pub description: String,
    pub effective_from: Option<NaiveDate>,
    pub effective_to: Option<NaiveDate>,
    /// The code that took over from a retired one (S0013 -> J0013).
    #[serde(default)]
    pub replaced_by: Option<String>,
    /// Most units a day (1 for visits, evaluations, a first infusion hour);
    /// empty for codes billed by the unit.
    #[serde(default)]
    pub max_units: Option<u32>,
}

impl Procedure {
    pub fn is_cpt(&self) -> bool {
        self.system.eq_ignore_ascii_case("CPT")
    }

    pub fn replaced_by(&self) -> Option<&str> {
        self.replaced_by.as_deref().filter(|s| !s.is_empty())
    }

    /// None when the code is valid on `date`, else why not.
    pub fn not_valid_on(&self, date: NaiveDate) -> Option<String> {
        if let Some(from) = self.effective_from {
            if date < from {
                return Some(format!(
                    "{} is not valid on {date}: it takes effect on {from}",
                    self.code
                ));
            }
        }
        if let Some(to) = self.effective_to {
            if date > to {
                return Some(format!(
                    "{} is not valid on {date}: it ended on {to}",
                    self.code
                ));
            }
        }
        None
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Place {
    pub code: String,
    pub description: String,
    pub telehealth: String,
}

/// All procedure-side code data for one practice.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub procedures: BTreeMap<String, Procedure>,
    pub places: BTreeMap<String, Place>,
    pub modifiers: BTreeMap<String, String>,
    pub fees: BTreeMap<String, Cents>,
    pub pairing: Pairing,
    pub services: ServiceMap,
}

impl Catalog {
    /// The embedded defaults, overridden by files in the practice folder:
    /// `services.toml` and `fees.csv` (merged key by key), and
    /// `codes/procedures.csv` (extra or replaced codes) and
    /// `codes/pairing.toml` (replaces the rules).
    pub fn load(practice_dir: Option<&Path>) -> Result<Catalog> {
        let mut cat = Catalog {
            procedures: read_csv::<Procedure>(PROCEDURES, "codes/procedures.csv")?
                .into_iter()
                .map(|p| (p.code.clone(), p))
                .collect(),
            places: read_csv::<Place>(PLACES, "codes/places_of_service.csv")?
                .into_iter()
                .map(|p| (p.code.clone(), p))
                .collect(),
            modifiers: read_csv::<ModifierRow>(MODIFIERS, "codes/modifiers.csv")?
                .into_iter()
                .map(|m| (m.code, m.description))
                .collect(),
            fees: fees(FEES, "codes/fees.csv")?,
            pairing: Pairing::parse(PAIRING, "codes/pairing.toml")?,
            services: ServiceMap::parse(SERVICES, "codes/services.toml")?,
        };
        if let Some(dir) = practice_dir {
            cat.apply_overrides(dir)?;
        }
        cat.check()?;
        Ok(cat)
    }

    fn apply_overrides(&mut self, dir: &Path) -> Result<()> {
        if let Some(text) = read_optional(&dir.join("services.toml"))? {
            let own = ServiceMap::parse(&text, &dir.join("services.toml").display().to_string())?;
            self.services.merge(own);
        }
        if let Some(text) = read_optional(&dir.join("fees.csv"))? {
            self.fees
                .extend(fees(&text, &dir.join("fees.csv").display().to_string())?);
        }
        let codes = dir.join("codes");
        if let Some(text) = read_optional(&codes.join("procedures.csv"))? {
            let name = codes.join("procedures.csv").display().to_string();
            for p in read_csv::<Procedure>(&text, &name)? {
                self.procedures.insert(p.code.clone(), p);
            }
        }
        if let Some(text) = read_optional(&codes.join("pairing.toml"))? {
            self.pairing =
                Pairing::parse(&text, &codes.join("pairing.toml").display().to_string())?;
        }
        Ok(())
    }

    /// Mapping lines must name known codes and drugs: a typo in a data file
    /// is a configuration error found before any session is read.
    fn check(&self) -> Result<()> {
        for (key, svc) in &self.services.services {
            for line in &svc.lines {
                if let Some(code) = &line.code {
                    if !self.procedures.contains_key(code) {
                        return Err(Error::config(
                            "services.toml",
                            format!("service '{key}' names code {code}, which is not in the procedure table"),
                        ));
                    }
                }
                if let Some(d) = &line.drug {
                    if !self.services.drugs.contains_key(d) {
                        return Err(Error::config(
                            "services.toml",
                            format!(
                                "service '{key}' names drug '{d}', which has no [drugs.{d}] entry"
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    pub fn procedure(&self, code: &str) -> Option<&Procedure> {
        self.procedures.get(code)
    }

    pub fn fee(&self, code: &str) -> Option<Cents> {
        self.fees.get(code).copied()
    }

    /// Whether `code` is in `category` (`@category` references in data).
    pub fn in_category(&self, code: &str, category: &str) -> bool {
        self.procedures
            .get(code)
            .is_some_and(|p| p.category == category)
    }

    /// Whether `code` matches a rule item: a code, or `@category`.
    pub fn matches(&self, code: &str, item: &str) -> bool {
        match item.strip_prefix('@') {
            Some(cat) => self.in_category(code, cat),
            None => item == code,
        }
    }

    pub fn is_telehealth_pos(&self, pos: &str) -> bool {
        self.places.get(pos).is_some_and(|p| p.telehealth == "yes")
    }
}

#[derive(Deserialize)]
struct ModifierRow {
    code: String,
    description: String,
}

#[derive(Deserialize)]
struct FeeRow {
    code: String,
    fee: String,
}

fn read_csv<T: for<'de> Deserialize<'de>>(text: &str, name: &str) -> Result<Vec<T>> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    rdr.deserialize()
        .map(|r| r.map_err(|e| Error::config(name, e.to_string())))
        .collect()
}

fn fees(text: &str, name: &str) -> Result<BTreeMap<String, Cents>> {
    read_csv::<FeeRow>(text, name)?
        .into_iter()
        .map(|r| {
            let fee = Cents::parse(&r.fee)
                .map_err(|e| Error::config(name, format!("fee for {}: {e}", r.code)))?;
            Ok((r.code, fee))
        })
        .collect()
}

fn read_optional(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_loads_and_is_consistent() {
        let cat = Catalog::load(None).unwrap();
        assert!(cat.procedure("96365").unwrap().is_cpt());
        assert!(!cat.procedure("J0013").unwrap().is_cpt());
        assert_eq!(cat.fee("96365"), Some(Cents(45_000)));
        assert!(cat.matches("99214", "@em"));
        assert!(!cat.matches("96365", "@em"));
        assert!(cat.is_telehealth_pos("10"));
        assert!(!cat.is_telehealth_pos("11"));
        // Every code with a fee is a known code.
        for code in cat.fees.keys() {
            assert!(cat.procedure(code).is_some(), "{code}");
        }
    }

    #[test]
    fn hcpcs_effective_dates() {
        let cat = Catalog::load(None).unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let s0013 = cat.procedure("S0013").unwrap();
        assert!(s0013.not_valid_on(d("2025-12-31")).is_none());
        assert!(s0013
            .not_valid_on(d("2026-09-14"))
            .unwrap()
            .contains("not valid on 2026-09-14: it ended on 2025-12-31"));
        let j0013 = cat.procedure("J0013").unwrap();
        assert!(j0013
            .not_valid_on(d("2025-12-31"))
            .unwrap()
            .contains("takes effect"));
        assert!(j0013.not_valid_on(d("2026-01-01")).is_none());
    }

    #[test]
    fn practice_overrides_fees_and_extends_services() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("fees.csv"), "code,fee\n96365,\"$500.00\"\n").unwrap();
        std::fs::write(
            dir.path().join("services.toml"),
            "[services.booster]\ndescription = \"Booster infusion\"\nneeds = [\"minutes\"]\nlines = [{ code = \"96365\", units = \"infusion-initial\", fee = 425.5 }]\n",
        )
        .unwrap();
        let cat = Catalog::load(Some(dir.path())).unwrap();
        assert_eq!(cat.fee("96365"), Some(Cents(50_000)));
        assert_eq!(cat.fee("96366"), Some(Cents(15_000)), "untouched fees stay");
        assert_eq!(
            cat.services.get("booster").unwrap().lines[0].fee,
            Some(Cents(42_550))
        );
        assert!(cat.services.get("ketamine-iv").is_some(), "defaults stay");
    }

    #[test]
    fn a_mapping_naming_an_unknown_code_is_a_configuration_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("services.toml"),
            "[services.x]\ndescription = \"x\"\nlines = [{ code = \"99999\" }]\n",
        )
        .unwrap();
        let err = Catalog::load(Some(dir.path())).unwrap_err().to_string();
        assert!(err.contains("99999") && err.contains("'x'"), "{err}");
    }
}
