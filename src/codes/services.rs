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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drug {
    pub name: String,
    pub ndc: String,
    /// NUCC unit qualifier: ML, UN, GR, F2 or ME.
    pub qualifier: String,
    /// Quantity = dose in mg / mg_per_unit.
    pub mg_per_unit: u32,
    /// A fixed dose when the session's dose_mg is about another drug (an
    /// anti-nausea push beside ketamine).
    #[serde(default)]
    pub dose_mg: Option<u32>,
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
    /// Units for `fixed`.
    #[serde(default)]
    pub count: Option<u32>,
    #[serde(default, deserialize_with = "de_fee")]
    pub fee: Option<Cents>,
    #[serde(default)]
    pub drug: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnitsRule {
    #[default]
    Fixed,
    InfusionInitial,
    InfusionAdditional,
    Psychotherapy,
    PsychotherapyAddon,
    ProlongedCommercial,
    ProlongedMedicare,
    EsketamineGcode,
    DoseMg,
}

impl UnitsRule {
    /// Rules that choose the code themselves.
    pub fn picks_code(self) -> bool {
        matches!(
            self,
            UnitsRule::Psychotherapy | UnitsRule::PsychotherapyAddon | UnitsRule::EsketamineGcode
        )
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
    pub fn parse(text: &str, name: &str) -> Result<ServiceMap> {
        let map: ServiceMap = toml::from_str(text)
            .map_err(|e| Error::config(name, e.to_string().trim().to_string()))?;
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

    /// A practice's own mapping: same keys replace, new keys add.
    pub fn merge(&mut self, own: ServiceMap) {
        self.drugs.extend(own.drugs);
        self.services.extend(own.services);
    }

    pub fn get(&self, key: &str) -> Option<&Service> {
        self.services.get(key)
    }
}
