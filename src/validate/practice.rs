//! practice.toml: identifiers insurers match claims against.

use crate::codes::Catalog;
use crate::findings::{At, Findings};
use crate::input::{Attestation, Inputs, PRACTICE_FILE};
use crate::{ein, npi, taxonomy};

pub fn check(inputs: &Inputs, cat: &Catalog, f: &mut Findings) {
    let p = &inputs.practice;
    let at = |needle: &str, id: &str| {
        At::new(PRACTICE_FILE, inputs.practice_line(needle), id.to_string())
    };
    if let Err(e) = ein::check(&p.tax_id) {
        f.error(&at("tax_id", "practice"), "tax_id", "bad-ein", e);
    }
    if let Some(n) = &p.npi {
        if let Err(e) = npi::check(n) {
            f.error(&at("npi", "practice"), "npi", "bad-npi", e);
        }
    }
    if let Err(e) = taxonomy::check(&p.taxonomy) {
        f.error(&at("taxonomy", "practice"), "taxonomy", "bad-taxonomy", e);
    }
    if !cat.places.contains_key(&p.default_place_of_service) {
        f.error(
            &at("default_place_of_service", "practice"),
            "default_place_of_service",
            "unknown-pos",
            format!(
                "default place of service '{}' is not a known code: use 11 for an office",
                p.default_place_of_service
            ),
        );
    }
    for field in [("legal_name", &p.legal_name), ("phone", &p.phone)] {
        if field.1.trim().is_empty() {
            f.error(
                &at(field.0, "practice"),
                field.0,
                "missing-value",
                format!("{} is empty", field.0),
            );
        }
    }
    locations(inputs, cat, f);
    let mut seen = crate::hash::HashSet::default();
    for prov in &p.providers {
        let at_field = |field: &str| {
            At::new(
                PRACTICE_FILE,
                inputs.provider_line(&prov.id, field),
                &prov.id,
            )
        };
        let at = at_field("id");
        if !seen.insert(&prov.id) {
            f.error(
                &at,
                "id",
                "duplicate-id",
                format!("provider id '{}' is listed twice", prov.id),
            );
        }
        if let Err(e) = npi::check(&prov.npi) {
            f.error(
                &at_field("npi"),
                "npi",
                "bad-npi",
                format!("provider '{}': {e}", prov.id),
            );
        }
        if let Err(e) = taxonomy::check(&prov.taxonomy) {
            f.error(
                &at_field("taxonomy"),
                "taxonomy",
                "bad-taxonomy",
                format!("provider '{}': {e}", prov.id),
            );
        }
        for (name, v) in [
            ("name", &prov.name),
            ("credentials", &prov.credentials),
            ("license", &prov.license),
            ("license_state", &prov.license_state),
        ] {
            if v.trim().is_empty() {
                f.error(
                    &at_field(name),
                    name,
                    "missing-value",
                    format!(
                        "provider '{}': {name} is empty; insurers require it",
                        prov.id
                    ),
                );
            }
        }
    }
}

/// Whoever attests for the sessions being checked (`checked`, parallel to
/// the sessions) has a signature to print: each rendering provider (their
/// own, or the practice's in a practice of one provider), or the practice
/// when the billing provider attests. A warning: the line can be signed by
/// hand.
pub fn signatures(inputs: &Inputs, checked: &[bool], f: &mut Findings) {
    let p = &inputs.practice;
    let mut rendered: std::collections::BTreeMap<&str, usize> = Default::default();
    for (s, _) in inputs.sessions.iter().zip(checked).filter(|(_, c)| **c) {
        *rendered.entry(s.provider_id.as_str()).or_default() += 1;
    }
    if rendered.is_empty() {
        return;
    }
    if p.attestation_mode() == Attestation::BillingProvider {
        if p.signature.is_none() {
            let line = inputs.practice_line("attestation");
            f.warning(
                &At::new(PRACTICE_FILE, line, "practice"),
                "signature",
                "provider-no-signature",
                "the billing provider attests (attestation = \"billing-provider\") but practice.toml has no signature: add signature = \"signatures/practice.png\", or sign the printed superbills",
            );
        }
        return;
    }
    for prov in &p.providers {
        let Some(n) = rendered.get(prov.id.as_str()) else {
            continue;
        };
        if p.signature_of(&prov.id).is_none() {
            let line = inputs.provider_line(&prov.id, "id");
            f.warning(
                &At::new(PRACTICE_FILE, line, &prov.id),
                "signature",
                "provider-no-signature",
                format!(
                    "provider '{}' renders {n} session(s) here but has no signature: add signature = \"signatures/{}.png\" to their [[providers]] entry, or they sign the printed superbills",
                    prov.id, prov.id
                ),
            );
        }
    }
}

/// `[[locations]]`: ids sessions can name, an NPI when given, a known
/// place of service, and a default that exists.
fn locations(inputs: &Inputs, cat: &Catalog, f: &mut Findings) {
    let p = &inputs.practice;
    let mut seen = crate::hash::HashSet::default();
    for loc in &p.locations {
        let at =
            |field: &str| At::new(PRACTICE_FILE, inputs.provider_line(&loc.id, field), &loc.id);
        if let Err(e) = crate::input::records::check_id(&loc.id) {
            f.error(&at("id"), "id", "bad-id", format!("location id: {e}"));
        }
        if !seen.insert(&loc.id) {
            f.error(
                &at("id"),
                "id",
                "duplicate-id",
                format!("location id '{}' is listed twice", loc.id),
            );
        }
        if let Some(n) = &loc.npi {
            if let Err(e) = npi::check(n) {
                f.error(
                    &at("npi"),
                    "npi",
                    "bad-npi",
                    format!("location '{}': {e}", loc.id),
                );
            }
        }
        if let Some(pos) = &loc.place_of_service {
            if !cat.places.contains_key(pos) {
                f.error(
                    &at("place_of_service"),
                    "place_of_service",
                    "unknown-pos",
                    format!(
                        "location '{}': place of service '{pos}' is not a known code: use 11 for an office",
                        loc.id
                    ),
                );
            }
        }
        let a = &loc.address;
        for (name, v) in [
            ("name", &loc.name),
            ("line1", &a.line1),
            ("city", &a.city),
            ("state", &a.state),
            ("zip", &a.zip),
        ] {
            if v.trim().is_empty() {
                f.error(
                    &at(name),
                    name,
                    "missing-value",
                    format!(
                        "location '{}': {name} is empty; claims report where services were rendered",
                        loc.id
                    ),
                );
            }
        }
    }
    if let Some(id) = &p.default_location {
        if p.location(id).is_none() {
            f.error(
                &At::new(
                    PRACTICE_FILE,
                    inputs.practice_line("default_location"),
                    "practice",
                ),
                "default_location",
                "unknown-location",
                format!(
                    "default_location '{id}' is not one of the [[locations]]: {}",
                    location_ids(inputs)
                ),
            );
        }
    }
}

/// The location ids, for messages.
pub fn location_ids(inputs: &Inputs) -> String {
    let ids: Vec<&str> = inputs
        .practice
        .locations
        .iter()
        .map(|l| l.id.as_str())
        .collect();
    if ids.is_empty() {
        "practice.toml lists no [[locations]]: add them, or leave the column empty".into()
    } else {
        format!("use one of {}", ids.join(", "))
    }
}
