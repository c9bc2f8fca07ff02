//! Commands printed as hints are meant to be pasted as they are: paths and
//! values are quoted for a POSIX shell when they need it.

use std::path::Path;

/// `s` as one shell word: unchanged when it holds only characters no shell
/// treats specially, else in single quotes.
pub fn quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,+@%".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

pub fn path(p: &Path) -> String {
    quote(&p.to_string_lossy())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(quote("samples/cedar-ridge"), "samples/cedar-ridge");
        assert_eq!(quote("My Clinic/exports"), "'My Clinic/exports'");
        assert_eq!(quote("O'Neil"), r"'O'\''Neil'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("$HOME"), "'$HOME'");
    }
}
