//! Health care provider taxonomy codes (NUCC): `^[0-9]{3}[0-9A-Z]{6}X$`.

pub fn check(code: &str) -> Result<(), String> {
    let b = code.as_bytes();
    let ok = b.len() == 10
        && b[..3].iter().all(u8::is_ascii_digit)
        && b[3..9]
            .iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        && b[9] == b'X';
    if ok {
        Ok(())
    } else {
        Err(format!(
            "taxonomy '{code}' must be 10 characters ending in X, e.g. 2084P0800X (psychiatry)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn primer_vectors() {
        for good in [
            "2084P0800X",
            "207L00000X",
            "363LP0808X",
            "261QM0801X",
            "261QI0500X",
        ] {
            assert!(check(good).is_ok(), "{good}");
        }
        for bad in [
            "2084P0800",
            "2084p0800X",
            "A084P0800X",
            "2084P08000",
            "2084P0800XX",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }
}
