//! Employer Identification Number: `XX-XXXXXXX`, with prefixes the IRS has
//! never issued refused.

const NEVER_ISSUED: [&str; 17] = [
    "00", "07", "08", "09", "17", "18", "19", "28", "29", "49", "69", "70", "78", "79", "89", "96",
    "97",
];

/// `Ok(())` for a well-formed EIN, written with or without the dash.
pub fn check(ein: &str) -> Result<(), String> {
    let digits: String = ein.chars().filter(|c| *c != '-').collect();
    let dash_ok = !ein.contains('-') || (ein.len() == 10 && ein.as_bytes()[2] == b'-');
    if digits.len() != 9 || !digits.bytes().all(|b| b.is_ascii_digit()) || !dash_ok {
        return Err(format!("tax ID '{ein}' must be an EIN written XX-XXXXXXX"));
    }
    let prefix = &digits[..2];
    if NEVER_ISSUED.contains(&prefix) {
        return Err(format!(
            "tax ID '{ein}' starts with {prefix}, a prefix the IRS never issues: check the EIN on the practice's IRS letter (CP 575)"
        ));
    }
    Ok(())
}

/// `841234567` -> `84-1234567`.
pub fn format(ein: &str) -> String {
    let digits: String = ein.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() == 9 {
        format!("{}-{}", &digits[..2], &digits[2..])
    } else {
        ein.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primer_vectors() {
        assert!(check("84-1234567").is_ok());
        assert!(check("841234567").is_ok());
        assert!(check("07-1234567").unwrap_err().contains("never issues"));
        for p in NEVER_ISSUED {
            assert!(check(&format!("{p}-1234567")).is_err(), "{p}");
        }
    }

    #[test]
    fn shape() {
        assert!(check("84-123456").is_err());
        assert!(check("841-234567").is_err());
        assert!(check("8A-1234567").is_err());
        assert_eq!(format("841234567"), "84-1234567");
    }
}
