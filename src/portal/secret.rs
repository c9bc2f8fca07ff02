//! Secrets: how they are made, stored and compared.
//!
//! - Invitation codes are short (so a patient can type them), hence
//!   guessable offline from a stolen database if stored with a fast hash.
//!   They are stored only as Argon2id (salted, memory-hard) of the code
//!   together with the date of birth, so the database holds neither.
//! - Session tokens are 256-bit random; the database keeps their SHA-256
//!   (a fast hash is enough for that much entropy), so a copy of the
//!   database cannot be used to take over a session.
//! - Comparisons of secrets take the same time whatever the input.

use crate::error::{Error, Result};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::NaiveDate;
use std::sync::OnceLock;

/// Crockford's base32: no I, L, O or U, so a code read aloud or typed from
/// paper is hard to get wrong; [`normalize_code`] forgives the look-alikes.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Ten symbols: 50 bits. Online guessing is stopped by the lockout; offline
/// guessing of a stolen database by Argon2id.
pub const CODE_LEN: usize = 10;

pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b)
        .map_err(|e| Error::Other(format!("the system's random number source failed: {e}")))?;
    Ok(b)
}

/// A 256-bit token as 64 hex digits (session and CSRF tokens).
pub fn token() -> Result<String> {
    Ok(hex::encode(random_bytes::<32>()?))
}

/// The random id in an invitation link: 128 bits, 32 hex digits. It only
/// says which invitation the patient is answering; on its own it opens
/// nothing.
pub fn link_id() -> Result<String> {
    Ok(hex::encode(random_bytes::<16>()?))
}

/// A new invitation code, shown as `ABCDE-FGHJK`.
pub fn code() -> Result<String> {
    let bytes = random_bytes::<CODE_LEN>()?;
    // 256 is a multiple of 32: taking 5 bits of each byte is uniform.
    let symbols: String = bytes
        .iter()
        .map(|b| CODE_ALPHABET[(b & 31) as usize] as char)
        .collect();
    Ok(format!("{}-{}", &symbols[..5], &symbols[5..]))
}

/// What the patient typed, as the code was issued: case, spaces and dashes
/// ignored, O read as 0 and I or L as 1.
pub fn normalize_code(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

/// The string that is hashed: the normalised code and the date of birth.
fn secret_input(code: &str, dob: NaiveDate) -> String {
    format!("{}\n{}", normalize_code(code), dob.format("%Y-%m-%d"))
}

/// Argon2id (the crate's defaults: 19 MiB, 2 passes, OWASP's minimum) of
/// code and date of birth, as a PHC string that carries its own salt and
/// parameters, so they can be raised later without breaking old rows.
pub fn hash_secret(code: &str, dob: NaiveDate) -> Result<String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?)
        .map_err(|e| Error::Other(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(secret_input(code, dob).as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Other(format!("hashing an invitation code: {e}")))
}

/// Whether `code` and `dob` are what `stored` was made from. The hash
/// comparison inside is constant time.
pub fn verify_secret(stored: &str, code: &str, dob: NaiveDate) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    Argon2::default()
        .verify_password(secret_input(code, dob).as_bytes(), &parsed)
        .is_ok()
}

/// Spends the time of one verification against a hash nobody holds, so an
/// unknown, expired or revoked link answers as slowly as a real one.
pub fn verify_nothing(code: &str, dob: NaiveDate) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let stored = DUMMY.get_or_init(|| {
        let salt = SaltString::encode_b64(&[7u8; 16]).expect("16 bytes encode");
        Argon2::default()
            .hash_password(b"no invitation", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    });
    let _ = verify_secret(stored, code, dob);
}

/// SHA-256 of a token, as stored.
pub fn token_hash(token: &str) -> String {
    crate::manifest::sha256_hex(token.as_bytes())
}

/// Equality whose time depends only on the lengths.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dob() -> NaiveDate {
        NaiveDate::from_ymd_opt(1975, 7, 9).unwrap()
    }

    #[test]
    fn codes_are_ten_crockford_symbols() {
        let c = code().unwrap();
        assert_eq!(c.len(), 11);
        assert_eq!(&c[5..6], "-");
        let plain = normalize_code(&c);
        assert_eq!(plain.len(), CODE_LEN);
        assert!(plain.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        assert_ne!(code().unwrap(), c, "two codes in a row differ");
    }

    #[test]
    fn typing_slips_are_forgiven() {
        assert_eq!(normalize_code(" ab0de-fghjk "), "AB0DEFGHJK");
        assert_eq!(normalize_code("aboDE fGHjk"), "AB0DEFGHJK");
        assert_eq!(normalize_code("il"), "11");
    }

    #[test]
    fn hash_holds_neither_code_nor_dob_and_verifies_both() {
        let h = hash_secret("ABCDE-FGHJK", dob()).unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(!h.contains("ABCDE") && !h.contains("1975"));
        assert!(verify_secret(&h, "abcde fghjk", dob()));
        assert!(!verify_secret(&h, "ABCDE-FGHJM", dob()));
        assert!(!verify_secret(
            &h,
            "ABCDE-FGHJK",
            NaiveDate::from_ymd_opt(1975, 7, 10).unwrap()
        ));
        assert!(!verify_secret("not a hash", "ABCDE-FGHJK", dob()));
        // Salted: the same code and dob hash differently each time.
        assert_ne!(h, hash_secret("ABCDE-FGHJK", dob()).unwrap());
    }

    #[test]
    fn tokens_are_256_bits_and_stored_hashed() {
        let t = token().unwrap();
        assert_eq!(t.len(), 64);
        assert_eq!(token_hash(&t).len(), 64);
        assert_ne!(token_hash(&t), t);
        assert_eq!(link_id().unwrap().len(), 32);
    }

    #[test]
    fn constant_time_equality() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
        assert!(ct_eq(b"", b""));
    }
}
