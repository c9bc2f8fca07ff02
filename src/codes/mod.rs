//! Procedure code tables, pairing rules and the practice's service mapping,
//! all read from data files under `codes/` (embedded as defaults) so that a
//! new code year or a practice's own fees change data, not code.

pub mod merge;
pub mod pairing;
pub mod payers;
pub mod services;

use crate::error::{Error, Result};
use crate::money::Cents;
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

pub use pairing::Pairing;
pub use payers::Payers;
pub use services::{Drug, ServiceMap};

const PROCEDURES: &str = include_str!("../../codes/procedures.csv");
const PLACES: &str = include_str!("../../codes/places_of_service.csv");
const MODIFIERS: &str = include_str!("../../codes/modifiers.csv");
const FEES: &str = include_str!("../../codes/fees.csv");
const PAIRING: &str = include_str!("../../codes/pairing.toml");
const SERVICES: &str = include_str!("../../codes/services.toml");
const UNITS: &str = include_str!("../../codes/units.toml");
const PAYERS: &str = include_str!("../../codes/payers.toml");

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

/// A modifier and what the rules use it for.
#[derive(Debug, Clone, Deserialize)]
pub struct Modifier {
    pub code: String,
    pub description: String,
    /// `distinct` (a separate site, encounter or practitioner: 59, XS...),
    /// `telehealth` (95, 93, GT), or empty.
    #[serde(default)]
    pub role: String,
}

/// All procedure-side code data for one practice.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub procedures: BTreeMap<String, Procedure>,
    pub places: BTreeMap<String, Place>,
    pub modifiers: BTreeMap<String, Modifier>,
    pub fees: BTreeMap<String, Cents>,
    pub pairing: Pairing,
    pub services: ServiceMap,
    /// Time and dose rules (`codes/units.toml`).
    pub units: crate::units::Rules,
    pub payers: Payers,
}

/// The keyed rule files: the built-in text, and where a practice's own
/// copy lives in its folder.
const RULE_FILES: [(&str, &str); 4] = [
    ("codes/services.toml", "services.toml"),
    ("codes/pairing.toml", "codes/pairing.toml"),
    ("codes/units.toml", "codes/units.toml"),
    ("codes/payers.toml", "codes/payers.toml"),
];

impl Catalog {
    /// The embedded defaults, extended by files in the practice folder:
    /// the rule files (`services.toml`, `codes/pairing.toml`,
    /// `codes/units.toml`, `codes/payers.toml`) merge key by key (see
    /// `merge`), `fees.csv` too, `codes/procedures.csv`,
    /// `codes/modifiers.csv` and `codes/places_of_service.csv` add or
    /// replace rows.
    pub fn load(practice_dir: Option<&Path>) -> Result<Catalog> {
        let mut procedures = keyed(
            read_csv::<Procedure>(PROCEDURES, "codes/procedures.csv")?,
            |p| &p.code,
        );
        let mut places = keyed(
            read_csv::<Place>(PLACES, "codes/places_of_service.csv")?,
            |p| &p.code,
        );
        let mut modifiers = keyed(
            read_csv::<Modifier>(MODIFIERS, "codes/modifiers.csv")?,
            |m| &m.code,
        );
        let mut fee_table = fees(FEES, "codes/fees.csv")?;
        let mut rules = [SERVICES, PAIRING, UNITS, PAYERS]
            .iter()
            .zip(RULE_FILES)
            .map(|(text, (name, _))| Ok((merge::parse(text, name)?, name.to_string())))
            .collect::<Result<Vec<_>>>()?;
        if let Some(dir) = practice_dir {
            for ((table, name), (_, own)) in rules.iter_mut().zip(RULE_FILES) {
                let path = dir.join(own);
                if let Some(text) = read_optional(&path)? {
                    let shown = path.display().to_string();
                    let base = std::mem::take(table);
                    *table = merge::merge(base, merge::parse(&text, &shown)?, &shown)?;
                    *name = shown;
                }
            }
            if let Some(text) = read_optional(&dir.join("fees.csv"))? {
                fee_table.extend(fees(&text, &dir.join("fees.csv").display().to_string())?);
            }
            let codes = dir.join("codes");
            extend_csv(
                &codes.join("procedures.csv"),
                &mut procedures,
                |p: &Procedure| &p.code,
            )?;
            extend_csv(
                &codes.join("modifiers.csv"),
                &mut modifiers,
                |m: &Modifier| &m.code,
            )?;
            extend_csv(
                &codes.join("places_of_service.csv"),
                &mut places,
                |p: &Place| &p.code,
            )?;
        }
        let mut rules = rules.into_iter();
        let mut next = || rules.next().expect("four rule files");
        let (t, n) = next();
        let services = ServiceMap::from_table(t, &n)?;
        let (t, n) = next();
        let pairing = Pairing::from_table(t, &n)?;
        let (t, n) = next();
        let units: crate::units::Rules = merge::typed(t, &n)?;
        units.check().map_err(|e| Error::config(&n, e))?;
        let (t, n) = next();
        let payers = Payers::from_table(t, &n)?;
        let cat = Catalog {
            procedures,
            places,
            modifiers,
            fees: fee_table,
            pairing,
            services,
            units,
            payers,
        };
        cat.check()?;
        Ok(cat)
    }

    /// Mapping lines must name known codes and drugs: a typo in a data file
    /// is a configuration error found before any session is read.
    fn check(&self) -> Result<()> {
        for code in self.units.codes() {
            if !self.procedures.contains_key(code) {
                return Err(Error::config(
                    "codes/units.toml",
                    format!("a rule names code {code}, which is not in the procedure table"),
                ));
            }
        }
        for (key, drug) in &self.services.drugs {
            for code in &drug.codes {
                if !self.procedures.contains_key(code) {
                    return Err(Error::config(
                        "services.toml",
                        format!(
                            "drug '{key}' names code {code}, which is not in the procedure table"
                        ),
                    ));
                }
            }
        }
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
                    let Some(drug) = self.services.drugs.get(d) else {
                        return Err(Error::config(
                            "services.toml",
                            format!(
                                "service '{key}' names drug '{d}', which has no [drugs.{d}] entry"
                            ),
                        ));
                    };
                    if let Some(code) = &line.code {
                        if !drug.codes.is_empty() && !drug.codes.contains(code) {
                            return Err(Error::config(
                                "services.toml",
                                format!("service '{key}' bills drug '{d}' as {code}, but the drug lists codes {}", drug.codes.join(", ")),
                            ));
                        }
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

    /// Modifiers with `role` (`distinct`, `telehealth`).
    pub fn modifiers_with(&self, role: &str) -> Vec<&str> {
        self.modifiers
            .values()
            .filter(|m| m.role == role)
            .map(|m| m.code.as_str())
            .collect()
    }

    /// Whether lines of `code` are drugs billed with an NDC.
    pub fn needs_ndc(&self, code: &str) -> bool {
        self.procedure(code)
            .is_some_and(|p| self.units.ndc.categories.contains(&p.category))
    }
}

fn keyed<T>(rows: Vec<T>, key: impl Fn(&T) -> &String) -> BTreeMap<String, T> {
    rows.into_iter().map(|r| (key(&r).clone(), r)).collect()
}

/// A practice's own rows of a code table: new codes add, same codes
/// replace.
fn extend_csv<T: for<'de> Deserialize<'de>>(
    path: &Path,
    table: &mut BTreeMap<String, T>,
    key: impl Fn(&T) -> &String,
) -> Result<()> {
    if let Some(text) = read_optional(path)? {
        for row in read_csv::<T>(&text, &path.display().to_string())? {
            table.insert(key(&row).clone(), row);
        }
    }
    Ok(())
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
