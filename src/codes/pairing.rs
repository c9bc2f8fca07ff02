//! Pairing rules as data (`pairing.toml`): add-ons and their primaries,
//! mutually exclusive codes, required modifiers, place-of-service limits,
//! established-patient codes and ICD-10-CM Excludes1 pairs. Every rule has
//! a key, so a practice's file merges with the built-in one (see `merge`).

use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pairing {
    /// Keyed by the add-on code.
    #[serde(default)]
    pub addon: BTreeMap<String, Addon>,
    #[serde(default)]
    pub exclusive: BTreeMap<String, Exclusive>,
    #[serde(default)]
    pub requires_modifier: BTreeMap<String, RequiresModifier>,
    #[serde(default)]
    pub place_of_service: BTreeMap<String, PlaceRule>,
    #[serde(default)]
    pub established_only: BTreeMap<String, EstablishedOnly>,
    #[serde(default)]
    pub excludes1: BTreeMap<String, Excludes1>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Addon {
    pub primaries: Vec<String>,
}

/// A code of `a` with a code of `b`; with `b` empty, any two codes of `a`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exclusive {
    pub a: Vec<String>,
    #[serde(default)]
    pub b: Vec<String>,
    #[serde(default)]
    pub unless_modifier: Vec<String>,
    pub reason: String,
}

impl Exclusive {
    /// The second list: `b`, or `a` again for "any two of a".
    pub fn other(&self) -> &[String] {
        if self.b.is_empty() {
            &self.a
        } else {
            &self.b
        }
    }

    /// Whether the rule pairs a list with itself (each pair is then
    /// reported once, not once per order).
    pub fn within(&self) -> bool {
        self.b.is_empty()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequiresModifier {
    pub codes: Vec<String>,
    pub when_with: Vec<String>,
    pub modifier: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceRule {
    pub codes: Vec<String>,
    #[serde(default)]
    pub not_at: Vec<String>,
    #[serde(default)]
    pub only_at: Vec<String>,
    pub reason: String,
}

impl PlaceRule {
    pub fn forbids(&self, pos: &str) -> bool {
        self.not_at.iter().any(|p| p == pos)
            || (!self.only_at.is_empty() && !self.only_at.iter().any(|p| p == pos))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EstablishedOnly {
    pub codes: Vec<String>,
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
    pub fn clash<'d, S: AsRef<str>>(&self, diagnoses: &'d [S]) -> Option<(&'d str, &'d str)> {
        let hit = |prefixes: &[String], code: &str| {
            prefixes
                .iter()
                .any(|p| code.starts_with(&crate::icd10::normalize(p)))
        };
        let mut codes = diagnoses.iter().map(AsRef::as_ref);
        let a = codes.clone().find(|d| hit(&self.a, d))?;
        let b = codes.find(|d| hit(&self.b, d) && *d != a)?;
        Some((a, b))
    }
}

impl Pairing {
    pub fn from_table(table: toml::Table, name: &str) -> Result<Pairing> {
        let p: Pairing = super::merge::typed(table, name)?;
        for (key, r) in &p.place_of_service {
            if r.not_at.is_empty() == r.only_at.is_empty() {
                return Err(Error::config(
                    name,
                    format!("place_of_service.{key}: give either not_at or only_at"),
                ));
            }
        }
        Ok(p)
    }

    pub fn addon(&self, code: &str) -> Option<&Addon> {
        self.addon.get(code)
    }

    /// Whether any Excludes1 pair clashes within `diagnoses`.
    pub fn excludes1_clash<S: AsRef<str>>(&self, diagnoses: &[S]) -> bool {
        self.excludes1
            .values()
            .any(|r| r.clash(diagnoses).is_some())
    }
}
