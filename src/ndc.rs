//! National Drug Codes: billed as 11 digits in 5-4-2 form. A 10-digit NDC
//! (4-4-2, 5-3-2 or 5-4-1) gets a leading zero in its short segment; which
//! segment is short is only known from the dashes, so dashless 10-digit
//! codes are refused.

pub fn to_ndc11(ndc: &str) -> Result<String, String> {
    let ndc = ndc.trim();
    let parts: Vec<&str> = ndc.split('-').collect();
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !parts.iter().all(|p| all_digits(p)) {
        return Err(format!("NDC '{ndc}' must hold digits and dashes only"));
    }
    let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    let padded = match lens.as_slice() {
        [11] => ndc.to_string(),
        [5, 4, 2] => parts.concat(),
        [4, 4, 2] => format!("0{}{}{}", parts[0], parts[1], parts[2]),
        [5, 3, 2] => format!("{}0{}{}", parts[0], parts[1], parts[2]),
        [5, 4, 1] => format!("{}{}0{}", parts[0], parts[1], parts[2]),
        [10] => {
            return Err(format!(
                "NDC '{ndc}' has 10 digits without dashes: write it with its dashes (4-4-2, 5-3-2 or 5-4-1) so the right segment is padded"
            ))
        }
        _ => {
            return Err(format!(
                "NDC '{ndc}' is not a 10- or 11-digit NDC in 4-4-2, 5-3-2, 5-4-1 or 5-4-2 form"
            ))
        }
    };
    Ok(padded)
}

/// `00409205105` -> `00409-2051-05`.
pub fn dashed(ndc11: &str) -> String {
    if ndc11.len() == 11 {
        format!("{}-{}-{}", &ndc11[..5], &ndc11[5..9], &ndc11[9..])
    } else {
        ndc11.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primer_vector() {
        assert_eq!(to_ndc11("0409-2051-05").unwrap(), "00409205105");
    }

    #[test]
    fn each_ten_digit_form() {
        assert_eq!(to_ndc11("1234-5678-90").unwrap(), "01234567890");
        assert_eq!(to_ndc11("12345-678-90").unwrap(), "12345067890");
        assert_eq!(to_ndc11("12345-6789-0").unwrap(), "12345678900");
        assert_eq!(to_ndc11("12345-6789-01").unwrap(), "12345678901");
        assert_eq!(to_ndc11("12345678901").unwrap(), "12345678901");
        assert_eq!(dashed("00409205105"), "00409-2051-05");
    }

    #[test]
    fn refuses_ambiguous() {
        assert!(to_ndc11("0409205105").unwrap_err().contains("dashes"));
        assert!(to_ndc11("0409-2051").is_err());
        assert!(to_ndc11("04O9-2051-05").is_err());
    }
}
