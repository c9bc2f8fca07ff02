//! The practice's service mapping (`services.toml`): a service key expands
//! to claim lines whose code or units follow from the session's minutes and
//! dose.

use crate::error::{Error, Result};
use crate::money::Cents;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceMap {
    #[serde(default)]
    pub drugs: BTreeMap<String, Drug>,
    #[serde(default)]
    pub services: BTreeMap<String, Service>,
}

/// A drug as billed: its NDC package and how the HCPCS code's units and
/// the NDC quantity follow from the dose.
///
/// - Per-dose codes (`code_unit_mg`, e.g. J2405 per 1 mg, J1885 per 15 mg):
///   units = dose / code unit (rounded up: "up to 50 mg" is one unit for
///   25 mg); the NDC quantity is the dose over the package's strength.
/// - Volume-dosed fluids (`code_unit_ml`, e.g. J7050 per 250 mL): the NDC
///   quantity is units x mL per unit, in mL.
/// - Unclassified codes (J3490): one unit; the quantity follows the dose.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drug {
    pub name: String,
    pub ndc: String,
    /// HCPCS codes billed for this drug (a retired code beside its
    /// successor), so an explicit `J2405x8` finds its NDC.
    #[serde(default)]
    pub codes: Vec<String>,
    /// NUCC unit qualifier of the NDC quantity: ML, UN, GR, F2 or ME.
    pub qualifier: String,
    /// The package's strength: mg in one NDC unit (2 for one mL of a
    /// 2 mg/mL vial, 28 for one esketamine device). Not for fluids.
    #[serde(default)]
    pub mg_per_unit: Option<u32>,
    /// mg that one unit of the HCPCS code stands for.
    #[serde(default)]
    pub code_unit_mg: Option<u32>,
    /// mL that one unit of the HCPCS code stands for (fluids).
    #[serde(default)]
    pub code_unit_ml: Option<u32>,
    /// A standard dose, when the session's dose_mg is about another drug
    /// (an anti-nausea push beside ketamine). Without it, the line takes
    /// the session's dose_mg.
    #[serde(default)]
    pub dose_mg: Option<u32>,
}

impl Drug {
    /// The dose of one line: the drug's standard dose, else the session's.
    pub fn dose(&self, session_dose_mg: Option<u32>) -> Option<u32> {
        self.dose_mg.or(session_dose_mg)
    }

    /// Whether the session's dose_mg column is about this drug.
    pub fn takes_session_dose(&self) -> bool {
        self.dose_mg.is_none() && self.code_unit_ml.is_none()
    }

    /// Code units a dose makes, for per-dose codes.
    pub fn units_for_dose(&self, dose_mg: u32) -> Option<u32> {
        self.code_unit_mg.map(|c| dose_mg.div_ceil(c.max(1)))
    }

    /// The NDC quantity of a line billed at `units` with `dose_mg` (the
    /// line's dose, when known): it follows the billed units, so `J2405x8`
    /// of a 2 mg/mL vial is 4 mL whatever the standard dose.
    pub fn quantity(
        &self,
        units: u32,
        dose_mg: Option<u32>,
    ) -> std::result::Result<String, String> {
        if let Some(ml) = self.code_unit_ml {
            return Ok(crate::units::decimal(u64::from(units) * u64::from(ml), 1));
        }
        let dose = match (self.code_unit_mg, dose_mg) {
            (Some(c), Some(d)) if d.div_ceil(c.max(1)) == units => d,
            (Some(c), _) => units.saturating_mul(c),
            (None, Some(d)) => d,
            (None, None) => {
                return Err(format!(
                    "{} is billed with its NDC quantity, which follows the dose: fill in dose_mg",
                    self.name
                ))
            }
        };
        let per = self.mg_per_unit.unwrap_or(1);
        Ok(crate::units::decimal(u64::from(dose), u64::from(per)))
    }

    /// Configuration errors: what the quantity needs.
    pub fn check(&self, key: &str) -> std::result::Result<(), String> {
        if self.code_unit_ml.is_none() && self.mg_per_unit.is_none() {
            return Err(format!(
                "drug '{key}' needs mg_per_unit (mg in one {} of the package), or code_unit_ml for a fluid",
                self.qualifier
            ));
        }
        if self.code_unit_ml.is_some() && self.qualifier != "ML" {
            return Err(format!(
                "drug '{key}' is measured by volume (code_unit_ml): its qualifier is ML"
            ));
        }
        if [self.mg_per_unit, self.code_unit_mg, self.code_unit_ml].contains(&Some(0)) {
            return Err(format!(
                "drug '{key}': strengths and code units are positive"
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub description: String,
    #[serde(default)]
    pub place_of_service: Option<String>,
    /// Session fields the service cannot be billed without.
    #[serde(default)]
    pub needs: Vec<String>,
    pub lines: Vec<LineSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineSpec {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub modifiers: Vec<String>,
    #[serde(default)]
    pub units: UnitsRule,
    /// Units as billed (like `x2` in the procedures column); else the
    /// code's rules or its drug's dose set them, or 1.
    #[serde(default)]
    pub count: Option<u32>,
    #[serde(default, deserialize_with = "de_fee")]
    pub fee: Option<Cents>,
    #[serde(default)]
    pub drug: Option<String>,
}

/// What picks a line's code. Units always follow the code's own rules in
/// `codes/units.toml` (time, prolonged time, dose), whatever the line's
/// source; the older names (`fixed`, `infusion-initial`, `dose-mg`, ...)
/// are accepted and mean just that.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnitsRule {
    #[default]
    #[serde(
        alias = "fixed",
        alias = "infusion-initial",
        alias = "infusion-additional",
        alias = "prolonged-commercial",
        alias = "prolonged-medicare",
        alias = "dose-mg"
    )]
    ByCode,
    /// The psychotherapy tier of the minutes (`tiers.psychotherapy`).
    Psychotherapy,
    /// Its add-on twin beside an E/M.
    PsychotherapyAddon,
    /// The esketamine G-code of the dose (`dose.esketamine`).
    EsketamineGcode,
}

/// A code chosen from the session by a rule of `codes/units.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// `tiers.<key>`, standalone or add-on, by minutes.
    Tier(&'static str, bool),
    /// `dose.<key>`, by dose.
    Dose(&'static str),
}

impl UnitsRule {
    /// The rule that chooses the code itself, if any.
    pub fn pick(self) -> Option<Pick> {
        match self {
            UnitsRule::ByCode => None,
            UnitsRule::Psychotherapy => Some(Pick::Tier("psychotherapy", false)),
            UnitsRule::PsychotherapyAddon => Some(Pick::Tier("psychotherapy", true)),
            UnitsRule::EsketamineGcode => Some(Pick::Dose("esketamine")),
        }
    }

    /// Rules that choose the code themselves.
    pub fn picks_code(self) -> bool {
        self.pick().is_some()
    }
}

fn de_fee<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<Cents>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        S(String),
        F(f64),
        I(i64),
    }
    Ok(match Option::<Raw>::deserialize(d)? {
        None => None,
        Some(Raw::I(i)) => Some(Cents(i * 100)),
        // TOML floats are parsed back through their shortest text form, so
        // 450.1 is exactly 450.10 and never 450.0999.
        Some(Raw::F(f)) => Some(Cents::parse(&f.to_string()).map_err(serde::de::Error::custom)?),
        Some(Raw::S(s)) => Some(Cents::parse(&s).map_err(serde::de::Error::custom)?),
    })
}

impl ServiceMap {
    /// The mapping from its (merged) table, checked.
    pub fn from_table(table: toml::Table, name: &str) -> Result<ServiceMap> {
        let map: ServiceMap = super::merge::typed(table, name)?;
        for (key, drug) in &map.drugs {
            drug.check(key).map_err(|e| Error::config(name, e))?;
        }
        for (key, svc) in &map.services {
            for line in &svc.lines {
                if line.code.is_none() && !line.units.picks_code() {
                    return Err(Error::config(
                        name,
                        format!(
                            "service '{key}': a line needs a code unless its units rule picks one"
                        ),
                    ));
                }
            }
            for need in &svc.needs {
                if need != "minutes" && need != "dose_mg" {
                    return Err(Error::config(
                        name,
                        format!("service '{key}': needs '{need}' is not minutes or dose_mg"),
                    ));
                }
            }
        }
        Ok(map)
    }

    /// The drugs billed under `code`, for a line that names no drug.
    pub fn drugs_for(&self, code: &str) -> Vec<(&str, &Drug)> {
        self.drugs
            .iter()
            .filter(|(_, d)| d.codes.iter().any(|c| c == code))
            .map(|(k, d)| (k.as_str(), d))
            .collect()
    }

    pub fn get(&self, key: &str) -> Option<&Service> {
        self.services.get(key)
    }
}
