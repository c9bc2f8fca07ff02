//! Pairing rules as data (`pairing.toml`): add-ons and their primaries,
//! mutually exclusive codes, required modifiers, place-of-service limits and
//! ICD-10-CM Excludes1 pairs.

use crate::error::{Error, Result};
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pairing {
    #[serde(default)]
    pub addon: Vec<Addon>,
    #[serde(default)]
    pub exclusive: Vec<Exclusive>,
    #[serde(default)]
    pub requires_modifier: Vec<RequiresModifier>,
    #[serde(default)]
    pub place_of_service: Vec<PlaceRule>,
    #[serde(default)]
    pub excludes1: Vec<Excludes1>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Addon {
    pub code: String,
    pub primaries: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exclusive {
    pub a: Vec<String>,
    pub b: Vec<String>,
    #[serde(default)]
    pub unless_modifier: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequiresModifier {
    pub code: String,
    pub when_with: Vec<String>,
    pub modifier: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceRule {
    pub code: String,
    pub not_at: Vec<String>,
    pub reason: String,
}

/// Diagnosis prefixes (dotted or not) that exclude each other.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Excludes1 {
    pub a: Vec<String>,
    pub b: Vec<String>,
    pub reason: String,
}

impl Excludes1 {
    /// The (a, b) codes of `diagnoses` (normalised, no dots) that clash.
    pub fn clash<'d>(&self, diagnoses: &'d [String]) -> Option<(&'d str, &'d str)> {
        let hit = |prefixes: &[String], code: &str| {
            prefixes
                .iter()
                .any(|p| code.starts_with(&crate::icd10::normalize(p)))
        };
        let a = diagnoses.iter().find(|d| hit(&self.a, d))?;
        let b = diagnoses.iter().find(|d| hit(&self.b, d) && *d != a)?;
        Some((a, b))
    }
}

impl Pairing {
    pub fn parse(text: &str, name: &str) -> Result<Pairing> {
        toml::from_str(text).map_err(|e| Error::config(name, e.to_string().trim().to_string()))
    }

    pub fn addon(&self, code: &str) -> Option<&Addon> {
        self.addon.iter().find(|a| a.code == code)
    }
}
