//! What a finding may quote from a cell. Reports travel by e-mail, so no
//! finding shows a value from a name, date of birth, address, phone or
//! e-mail column, nor any cell that is not a well-formed id or code: a
//! shifted row puts any of those anywhere. Other values are described
//! ("a date", "text") instead of quoted.

/// Ids end up in file names and superbill numbers, so they are held to a
/// safe alphabet rather than escaped later.
pub fn check_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 40
        && id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err("ids may hold only letters, digits, '-', '_' and '.' (at most 40, starting with a letter or digit)".into())
    }
}

/// An id cell as a finding may show it: a well-formed id that carries a
/// digit and is not a date or phone number. A cell of a damaged row can
/// hold anything, a surname included ("Hargrove" is a valid id by its
/// alphabet, but no record id is a bare word).
pub fn shown_id(cell: &str) -> Option<&str> {
    let cell = cell.trim();
    (check_id(cell).is_ok() && cell.bytes().any(|b| b.is_ascii_digit()) && !date_like(cell))
        .then_some(cell)
}

/// Looks like a date or a phone number rather than an id or an amount:
/// `1975-07-09`, `7/9/1975`, `303.555.0198`, `555-0198` (not `375.00`).
fn date_like(s: &str) -> bool {
    let groups: Vec<&str> = s.split(['-', '/', '.', ' ']).collect();
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    groups.len() >= 2
        && (groups.len() == 3 || digits >= 7)
        && groups
            .iter()
            .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
}

/// A short, plain description of a value that must not be quoted.
pub fn describe(cell: &str) -> &'static str {
    let s = cell.trim();
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    let letters = s.chars().filter(|c| c.is_alphabetic()).count();
    if s.is_empty() {
        "nothing"
    } else if s.contains('@') {
        "an e-mail address"
    } else if super::parse::calendar_date(s).is_ok() || (date_like(s) && s.contains(['-', '/'])) {
        "a date"
    } else if letters == 0 && digits >= 7 && s.contains(['(', ')', '-', ' ', '.', '+']) {
        "a phone number"
    } else if letters == 0 && digits > 0 {
        "a number"
    } else if digits > 0 && s.contains(' ') {
        "text with numbers (an address?)"
    } else {
        "text"
    }
}

/// A code-like cell (a procedure or diagnosis code, a place of service, a
/// service key, an amount, a count) as a finding may quote it: short, no
/// spaces beyond a few, ASCII, with a digit. Names and addresses fail that
/// test; so do the rare code-like typos without a digit, which are
/// described instead.
pub fn shown_code(cell: &str) -> Option<&str> {
    let s = cell.trim();
    let ok = !s.is_empty()
        && s.len() <= 24
        && s.is_ascii()
        && !s.contains('@')
        && s.bytes().any(|b| b.is_ascii_digit())
        && s.matches(' ').count() <= 1
        && !date_like(s);
    ok.then_some(s)
}

/// `'value'` when the value may be shown, else its description.
pub fn quote_code(cell: &str) -> String {
    match shown_code(cell) {
        Some(s) => format!("'{s}'"),
        None => describe(cell).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(check_id("P0001").is_ok());
        assert!(check_id("S-2026.09_1").is_ok());
        assert!(check_id("../etc").is_err());
        assert!(check_id("Jane Doe").is_err());
        assert!(check_id("").is_err());
    }

    #[test]
    fn only_id_shaped_cells_are_shown_as_ids() {
        assert_eq!(shown_id(" P0001 "), Some("P0001"));
        assert_eq!(shown_id("PMT000001"), Some("PMT000001"));
        for hidden in [
            "Hargrove",
            "Zoë Hargrove",
            "1975-07-09",
            "7/9/1975",
            "555-0198",
            "zoe@example.com",
            "",
        ] {
            assert_eq!(shown_id(hidden), None, "{hidden}");
        }
    }

    #[test]
    fn values_are_described_not_quoted() {
        assert_eq!(describe("1975-07-09"), "a date");
        assert_eq!(describe("7/9/1975"), "a date");
        assert_eq!(describe("Hargrove"), "text");
        assert_eq!(describe("(720) 555-0198"), "a phone number");
        assert_eq!(describe("zoe.hargrove26@example.com"), "an e-mail address");
        assert_eq!(
            describe("8294 Pinyon Gate Way"),
            "text with numbers (an address?)"
        );
        assert_eq!(describe("80020"), "a number");
    }

    #[test]
    fn codes_are_quoted_names_never() {
        assert_eq!(quote_code("J3490x1"), "'J3490x1'");
        assert_eq!(quote_code("1.250,00"), "'1.250,00'");
        assert_eq!(quote_code("Zoë Hargrove"), "text");
        assert_eq!(quote_code("Hargrove"), "text");
        assert_eq!(quote_code("1975-07-09"), "a date");
        assert_eq!(
            quote_code("8294 Pinyon Gate Way"),
            "text with numbers (an address?)"
        );
    }
}
