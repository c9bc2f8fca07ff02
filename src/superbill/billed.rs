//! Which superbill each session is on, looked up by session id.
//!
//! A month of a large network bills a million sessions, and the exports
//! ask this of every session and every payment. A hash map of id to number
//! held 103 MB at a million sessions (two million 49-byte buckets: the
//! table doubles past seven eighths full); ids sorted beside the index of
//! their number hold 32 bytes each, 32 MB, and a lookup is a binary search.

use crate::input::CompactString;
use crate::sorted::SortedMap;

#[derive(Debug, Default, Clone)]
pub struct SessionBills {
    numbers: Vec<CompactString>,
    /// (session id, index into `numbers`) as added, until `done`.
    added: Vec<(CompactString, u32)>,
    /// The same by id, once `done`.
    sessions: SortedMap<CompactString, u32>,
}

impl SessionBills {
    /// `sessions` are on superbill `number`. Call [`SessionBills::done`]
    /// before looking anything up.
    pub fn add(&mut self, number: &str, sessions: impl IntoIterator<Item = CompactString>) {
        let at = u32::try_from(self.numbers.len()).expect("fewer than 4 billion superbills");
        self.numbers.push(number.into());
        self.added.extend(sessions.into_iter().map(|s| (s, at)));
    }

    /// Sorted for lookups. A session added twice is on the superbill it
    /// was added with last (as a map's insert would have it).
    pub fn done(mut self) -> SessionBills {
        let mut all = std::mem::take(&mut self.sessions).into_pairs();
        all.append(&mut self.added);
        self.added = Vec::new();
        self.sessions = SortedMap::of(all, |kept, later| *kept = later);
        self
    }

    /// The number of the superbill `session` is on.
    pub fn get(&self, session: &str) -> Option<&str> {
        debug_assert!(self.added.is_empty(), "lookup before done()");
        let &n = self.sessions.get(session)?;
        Some(self.numbers[n as usize].as_str())
    }

    pub fn contains(&self, session: &str) -> bool {
        self.get(session).is_some()
    }

    /// Sessions added (each once, once `done`).
    pub fn len(&self) -> usize {
        self.sessions.len() + self.added.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// (session, superbill number), by session id.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.sessions
            .iter()
            .map(|(s, n)| (s.as_str(), self.numbers[*n as usize].as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<CompactString> {
        v.iter().map(|s| CompactString::from(*s)).collect()
    }

    #[test]
    fn each_session_finds_its_superbill_and_others_find_none() {
        let mut b = SessionBills::default();
        b.add("SB-202609-P2", ids(&["S9", "S3"]));
        b.add("SB-202609-P1", ids(&["S1", "S10"]));
        let b = b.done();
        assert_eq!(b.get("S3"), Some("SB-202609-P2"));
        assert_eq!(b.get("S9"), Some("SB-202609-P2"));
        assert_eq!(b.get("S1"), Some("SB-202609-P1"));
        assert_eq!(b.get("S10"), Some("SB-202609-P1"));
        assert_eq!(b.get("S2"), None);
        assert!(!b.contains(""));
        assert_eq!(b.len(), 4);
        let all: Vec<_> = b.iter().collect();
        assert_eq!(all[0], ("S1", "SB-202609-P1"));
        assert_eq!(all[3], ("S9", "SB-202609-P2"));
    }

    #[test]
    fn a_session_added_twice_is_on_the_last_superbill_it_was_added_with() {
        let mut b = SessionBills::default();
        b.add("A", ids(&["S1", "S2"]));
        b.add("B", ids(&["S1"]));
        b.add("C", ids(&["S2", "S1"]));
        let b = b.done();
        assert_eq!(b.get("S1"), Some("C"));
        assert_eq!(b.get("S2"), Some("C"));
        assert_eq!(b.len(), 2);
    }
}
