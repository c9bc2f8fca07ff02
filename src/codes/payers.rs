//! Payer types (`codes/payers.toml`): Medicare and Medicaid patients are
//! told different things than a commercial plan's members, and validation
//! warns about them. Recognised from the patient's `payer_type` column, or
//! from the payer name by whole words.

use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The value of `payer_type` that names no special type.
pub const COMMERCIAL: &str = "commercial";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payers {
    #[serde(default)]
    pub types: BTreeMap<String, PayerType>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayerType {
    /// "Medicare", for messages and the superbill.
    pub label: String,
    /// Words or phrases of payer names of this type.
    pub names: Vec<String>,
    #[serde(default)]
    pub except: Vec<String>,
    /// What validation tells staff about a patient of this type.
    pub warning: String,
    /// `names` and `except` as [`words`], made once: a batch asks for
    /// every patient twice (validation, then the superbill), and making
    /// them per call was a tenth of building a superbill.
    #[serde(skip)]
    phrases: std::sync::OnceLock<(Vec<String>, Vec<String>)>,
}

/// A name as lower-case words of letters and digits (`Dr. Dynasaur` ->
/// `dr dynasaur`), padded so that whole words can be searched for.
fn words(text: &str) -> String {
    let mut out = String::from(" ");
    for w in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        out.push_str(&w.to_lowercase());
        out.push(' ');
    }
    out
}

impl PayerType {
    pub fn matches(&self, payer: &str) -> bool {
        let (names, except) = self.phrases.get_or_init(|| {
            // A phrase of no letters or digits matches nothing.
            let of = |v: &[String]| {
                v.iter()
                    .map(|p| words(p))
                    .filter(|p| p.trim() != "")
                    .collect()
            };
            (of(&self.names), of(&self.except))
        });
        let name = words(payer);
        let has = |p: &String| name.contains(p.as_str());
        names.iter().any(has) && !except.iter().any(has)
    }
}

/// A `payer_type` cell that is neither a known type nor `commercial`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownType(pub String);

impl Payers {
    pub fn from_table(table: toml::Table, name: &str) -> Result<Payers> {
        let p: Payers = super::merge::typed(table, name)?;
        if p.types.contains_key(COMMERCIAL) {
            return Err(Error::config(
                name,
                "types.commercial: `commercial` means no special type; name the type otherwise",
            ));
        }
        for (key, t) in &p.types {
            let ok = key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !ok || t.names.is_empty() {
                return Err(Error::config(
                    name,
                    format!("types.{key}: keys are lower-case words with dashes (they name templates), and each type lists names"),
                ));
            }
        }
        Ok(p)
    }

    /// The payer type key of a patient: the `payer_type` column when
    /// given, else recognised from the payer name. `None` is a commercial
    /// (or unrecognised) payer.
    pub fn classify<'a>(
        &'a self,
        payer: &str,
        payer_type: Option<&str>,
    ) -> std::result::Result<Option<&'a str>, UnknownType> {
        if let Some(t) = payer_type.map(str::trim).filter(|t| !t.is_empty()) {
            if t.eq_ignore_ascii_case(COMMERCIAL) {
                return Ok(None);
            }
            return self
                .types
                .keys()
                .find(|k| k.eq_ignore_ascii_case(t))
                .map(|k| Some(k.as_str()))
                .ok_or_else(|| UnknownType(t.to_string()));
        }
        Ok(self
            .types
            .iter()
            .find(|(_, ty)| ty.matches(payer))
            .map(|(k, _)| k.as_str()))
    }

    /// The type a patient's documents follow: as `classify`, with an
    /// unknown `payer_type` (a warning in validation) falling back to the
    /// payer name.
    pub fn type_of(&self, payer: &str, payer_type: Option<&str>) -> Option<&str> {
        self.classify(payer, payer_type)
            .unwrap_or_else(|_| self.classify(payer, None).ok().flatten())
    }

    /// The values the `payer_type` column accepts, for messages.
    pub fn accepted(&self) -> Vec<&str> {
        std::iter::once(COMMERCIAL)
            .chain(self.types.keys().map(String::as_str))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payers() -> Payers {
        crate::codes::Catalog::load(None).unwrap().payers
    }

    #[test]
    fn medicare_and_medicaid_by_name() {
        let p = payers();
        let c = |name: &str| p.classify(name, None).unwrap();
        assert_eq!(c("Medicare"), Some("medicare"));
        assert_eq!(c("MEDICARE PART B"), Some("medicare"));
        assert_eq!(c("Noridian Medicare"), Some("medicare"));
        assert_eq!(c("Humana Medicare Advantage"), None, "a private plan");
        assert_eq!(c("Health First Colorado"), Some("medicaid"));
        assert_eq!(c("Texas Medicaid"), Some("medicaid"));
        assert_eq!(c("Medi-Cal"), Some("medicaid"));
        assert_eq!(c("Dr Dynasaur"), Some("medicaid"));
        assert_eq!(c("Aetna"), None);
        assert_eq!(c("Anthem Blue Cross"), None);
        // Whole words only: no type hides inside another word.
        assert_eq!(c("Medicareful Health"), None);
    }

    #[test]
    fn the_payer_type_column_wins() {
        let p = payers();
        assert_eq!(
            p.classify("Acme Health", Some("Medicaid")),
            Ok(Some("medicaid"))
        );
        assert_eq!(p.classify("Medicare", Some("commercial")), Ok(None));
        assert_eq!(p.classify("Medicare", Some("  ")), Ok(Some("medicare")));
        assert_eq!(
            p.classify("Acme", Some("tricare")),
            Err(UnknownType("tricare".into()))
        );
        assert_eq!(p.type_of("Medicare", Some("tricare")), Some("medicare"));
        assert_eq!(p.accepted(), ["commercial", "medicaid", "medicare"]);
    }
}
