//! National Provider Identifier: 10 digits, first 1 or 2, last a Luhn check
//! digit over the first nine as if prefixed by the card issuer `80840`.

/// `Ok(())` when `npi` is a well-formed NPI, else a plain reason.
pub fn check(npi: &str) -> Result<(), String> {
    if npi.len() != 10 || !npi.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("NPI '{npi}' must be exactly 10 digits"));
    }
    if !matches!(npi.as_bytes()[0], b'1' | b'2') {
        return Err(format!("NPI '{npi}' must start with 1 or 2"));
    }
    let digits: Vec<u32> = npi.bytes().map(|b| u32::from(b - b'0')).collect();
    let expected = check_digit(&digits[..9]);
    if digits[9] != expected {
        return Err(format!(
            "NPI '{npi}' fails its check digit (expected {expected} as the last digit): \
             copy it again from the NPPES registry"
        ));
    }
    Ok(())
}

/// Luhn over nine digits, doubling every other digit from the right, plus 24
/// for the `80840` prefix.
fn check_digit(nine: &[u32]) -> u32 {
    let mut sum = 24;
    for (i, d) in nine.iter().rev().enumerate() {
        sum += if i % 2 == 0 {
            let x = d * 2;
            if x > 9 {
                x - 9
            } else {
                x
            }
        } else {
            *d
        };
    }
    (10 - sum % 10) % 10
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn primer_vectors() {
        assert!(check("1234567893").is_ok(), "CMS example");
        for good in ["1987654328", "2123456784", "1555555550"] {
            assert!(check(good).is_ok(), "{good}");
        }
        let err = check("1234567890").unwrap_err();
        assert!(err.contains("check digit"), "{err}");
    }

    #[test]
    fn shape() {
        assert!(check("123456789").unwrap_err().contains("10 digits"));
        assert!(check("12345678931").is_err());
        assert!(check("123456789X").is_err());
        assert!(check("3234567893")
            .unwrap_err()
            .contains("start with 1 or 2"));
    }
}
