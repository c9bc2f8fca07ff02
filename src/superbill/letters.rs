//! The diagnoses of one claim, lettered A-L in first-use order, and the
//! pointers of each line. The claim form's limits (12 diagnoses, 4
//! pointers a line) are kept here once: validation and assembly both ask
//! this type whether a session fits.

/// At most 12 diagnoses on a claim (A-L): CMS-1500 box 21.
pub const MAX_DIAGNOSES: usize = 12;
/// At most 4 diagnosis pointers on a line: box 24E.
pub const MAX_POINTERS: usize = 4;

/// Codes (normalised, no dots) in letter order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Letters {
    codes: Vec<String>,
}

/// A session whose diagnoses cannot go on the claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    /// The session alone lists more than 12.
    Session(usize),
    /// With the codes already on the claim it would pass 12.
    Claim,
}

impl Letters {
    /// Whether one session's own list fits a claim.
    pub fn check_session<S: AsRef<str>>(diagnoses: &[S]) -> Result<(), Overflow> {
        if diagnoses.len() > MAX_DIAGNOSES {
            return Err(Overflow::Session(diagnoses.len()));
        }
        Ok(())
    }

    /// The codes the claim would hold with `diagnoses` added (unchanged
    /// when the session does not fit).
    pub fn with<S: AsRef<str>>(&self, diagnoses: &[S]) -> Result<Vec<String>, Overflow> {
        Self::check_session(diagnoses)?;
        let mut all = self.codes.clone();
        for d in diagnoses.iter().map(AsRef::as_ref) {
            if !all.iter().any(|x| x == d) {
                all.push(d.to_string());
            }
        }
        if all.len() > MAX_DIAGNOSES {
            return Err(Overflow::Claim);
        }
        Ok(all)
    }

    /// Adds a session's codes when they fit.
    pub fn admit<S: AsRef<str>>(&mut self, diagnoses: &[S]) -> Result<(), Overflow> {
        self.codes = self.with(diagnoses)?;
        Ok(())
    }

    pub fn codes(&self) -> &[String] {
        &self.codes
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The letters of a session's first four codes, primary first (`AB`).
    pub fn pointers<S: AsRef<str>>(&self, diagnoses: &[S]) -> String {
        diagnoses
            .iter()
            .take(MAX_POINTERS)
            .filter_map(|d| self.codes.iter().position(|x| x == d.as_ref()))
            .map(letter)
            .collect()
    }
}

/// `0` -> `A`.
pub fn letter(i: usize) -> char {
    (b'A' + i as u8) as char
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dx(codes: &[&str]) -> Vec<String> {
        codes.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn letters_follow_first_use_and_pointers_take_four() {
        let mut l = Letters::default();
        l.admit(&dx(&["F332", "F17210"])).unwrap();
        l.admit(&dx(&["F17210", "F422", "F411", "G8929", "F431"]))
            .unwrap();
        assert_eq!(l.codes().len(), 6);
        assert_eq!(l.pointers(&dx(&["F332"])), "A");
        assert_eq!(
            l.pointers(&dx(&["F17210", "F422", "F411", "G8929", "F431"])),
            "BCDE"
        );
    }

    #[test]
    fn twelve_fit_and_a_thirteenth_does_not() {
        let twelve: Vec<String> = (0..12).map(|i| format!("F{i:02}")).collect();
        let mut l = Letters::default();
        l.admit(&twelve).unwrap();
        // Codes already on the claim add nothing.
        assert_eq!(l.admit(&twelve[..3]), Ok(()));
        assert_eq!(l.admit(&dx(&["Z99"])), Err(Overflow::Claim));
        assert_eq!(l.codes().len(), 12, "a refused session adds nothing");
        let thirteen: Vec<String> = (0..13).map(|i| format!("F{i:02}")).collect();
        assert_eq!(
            Letters::default().admit(&thirteen),
            Err(Overflow::Session(13))
        );
        assert_eq!(letter(11), 'L');
    }
}
