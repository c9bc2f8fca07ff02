//! How a practice's rule files extend the built-in ones: key by key.
//!
//! Every rule file under `codes/` is TOML whose top-level tables hold rules
//! by name (`[addon.96366]`, `[timed.infusion]`, `[services.ketamine-iv]`).
//! A practice's file of the same name adds new keys and replaces existing
//! ones whole; every other built-in rule stays. Removing a built-in rule
//! takes an explicit entry, `remove = ["addon.96376"]`, so a practice that
//! adds one rule never loses the others by accident.

use crate::error::{Error, Result};
use toml::{Table, Value};

/// The key listing rules to drop (`section.key`).
pub const REMOVE: &str = "remove";

/// Parses a rule file into its table, with a configuration error naming
/// the file when it is not TOML.
pub fn parse(text: &str, name: &str) -> Result<Table> {
    text.trim_start_matches('\u{feff}')
        .parse::<Table>()
        .map_err(|e| Error::config(name, e.to_string().trim().to_string()))
}

/// `own` laid over `base`: per section, keys add or replace; `remove`
/// entries delete built-in keys (naming a key that does not exist is an
/// error, so a typo does not leave the rule in force unnoticed).
pub fn merge(mut base: Table, mut own: Table, name: &str) -> Result<Table> {
    let removals = match own.remove(REMOVE) {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                other => Err(Error::config(
                    name,
                    format!("remove lists rule names as strings (\"section.key\"), not {other}"),
                )),
            })
            .collect::<Result<Vec<_>>>()?,
        Some(_) => {
            return Err(Error::config(
                name,
                "remove must be a list of rule names, e.g. remove = [\"addon.96376\"]",
            ))
        }
    };
    for item in removals {
        let (section, key) = item.split_once('.').ok_or_else(|| {
            Error::config(
                name,
                format!("remove: '{item}' must name a rule as section.key, e.g. addon.96376"),
            )
        })?;
        let found = base
            .get_mut(section)
            .and_then(Value::as_table_mut)
            .and_then(|t| t.remove(key));
        if found.is_none() {
            return Err(Error::config(
                name,
                format!("remove: there is no built-in rule '{item}' to remove: check the name"),
            ));
        }
    }
    for (section, value) in own {
        match (base.get_mut(&section), value) {
            (Some(Value::Table(b)), Value::Table(o)) => {
                for (k, v) in o {
                    b.insert(k, v);
                }
            }
            (_, Value::Array(a)) if a.iter().all(Value::is_table) && !a.is_empty() => {
                return Err(Error::config(
                    name,
                    format!(
                        "[[{section}]] lists rules without names; rules are keyed now, e.g. [{section}.NAME], and merge with the built-in ones (see the README: \"Services, fees and code tables\")"
                    ),
                ));
            }
            (_, v) => {
                base.insert(section, v);
            }
        }
    }
    Ok(base)
}

/// Deserialises a merged table into its typed form.
pub fn typed<T: serde::de::DeserializeOwned>(table: Table, name: &str) -> Result<T> {
    Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| Error::config(name, e.to_string().trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Table {
        parse(s, "x").unwrap()
    }

    #[test]
    fn keys_add_and_replace_and_others_stay() {
        let base = t("[addon.a]\nx = 1\n[addon.b]\nx = 2\n[exclusive.e]\ny = 1\n");
        let own = t("[addon.b]\nx = 20\n[addon.c]\nx = 3\n");
        let m = merge(base, own, "own").unwrap();
        let addon = m["addon"].as_table().unwrap();
        assert_eq!(addon["a"]["x"].as_integer(), Some(1));
        assert_eq!(addon["b"]["x"].as_integer(), Some(20));
        assert_eq!(addon["c"]["x"].as_integer(), Some(3));
        assert!(m["exclusive"].as_table().unwrap().contains_key("e"));
    }

    #[test]
    fn removal_is_explicit_and_checked() {
        let base = t("[addon.a]\nx = 1\n[addon.b]\nx = 2\n");
        let m = merge(base.clone(), t("remove = [\"addon.a\"]\n"), "own").unwrap();
        let addon = m["addon"].as_table().unwrap();
        assert!(!addon.contains_key("a") && addon.contains_key("b"));
        let err = merge(base.clone(), t("remove = [\"addon.zz\"]\n"), "own")
            .unwrap_err()
            .to_string();
        assert!(err.contains("addon.zz"), "{err}");
        let err = merge(base, t("remove = [\"addon\"]\n"), "own")
            .unwrap_err()
            .to_string();
        assert!(err.contains("section.key"), "{err}");
    }

    #[test]
    fn unnamed_rule_lists_are_refused_with_the_fix() {
        let base = t("[addon.a]\nx = 1\n");
        let err = merge(base, t("[[addon]]\nx = 1\n"), "codes/pairing.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("[addon.NAME]"), "{err}");
    }
}
