//! Maps by id made once and then only read: a sorted list searched by
//! halves. A batch of a million sessions holds several for its whole run
//! (the first line of each session id, each payment's unapplied money,
//! each billed session's payments, which superbill each session is on),
//! and a hash map of them took about twice the memory: its table doubles
//! past seven eighths full, so a million ids took two million buckets.

use rayon::prelude::*;
use std::borrow::Borrow;

#[derive(Debug, Clone)]
pub struct SortedMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap(Vec::new())
    }
}

impl<K: Borrow<str> + Send, V: Send> SortedMap<K, V> {
    /// From pairs in any order. Of pairs with the same key, each later one
    /// (in the order given) is folded into the first by `merge`.
    pub fn of(mut pairs: Vec<(K, V)>, mut merge: impl FnMut(&mut V, V)) -> Self {
        // Stable: equal keys keep the order given, for `merge`.
        pairs.par_sort_by(|a, b| a.0.borrow().cmp(b.0.borrow()));
        let mut out: Vec<(K, V)> = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            match out.last_mut() {
                Some((last, acc)) if (*last).borrow() == k.borrow() => merge(acc, v),
                _ => out.push((k, v)),
            }
        }
        out.shrink_to_fit();
        SortedMap(out)
    }
}

impl<K: Borrow<str>, V> SortedMap<K, V> {
    pub fn get(&self, key: &str) -> Option<&V> {
        let i = self.0.binary_search_by(|(k, _)| k.borrow().cmp(key)).ok()?;
        Some(&self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// In key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// The pairs, in key order (to make the map again with more).
    pub fn into_pairs(self) -> Vec<(K, V)> {
        self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Borrow<str>, V, Q: AsRef<str> + ?Sized> std::ops::Index<&Q> for SortedMap<K, V> {
    type Output = V;

    fn index(&self, key: &Q) -> &V {
        let key = key.as_ref();
        self.get(key)
            .unwrap_or_else(|| panic!("no entry for {key:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use compact_str::CompactString;

    #[test]
    fn a_key_is_found_by_halves_and_repeats_are_merged_in_the_order_given() {
        let pairs: Vec<(CompactString, u64)> = vec![
            ("S2".into(), 7),
            ("S1".into(), 9),
            ("S2".into(), 3),
            ("S10".into(), 5),
            ("S2".into(), 4),
        ];
        let mut seen = Vec::new();
        let m = SortedMap::of(pairs, |first, later| {
            seen.push((*first, later));
            *first = (*first).min(later)
        });
        // Folded into the first given, later ones in the order given.
        assert_eq!(seen, [(7, 3), (3, 4)]);
        assert_eq!(m.get("S2"), Some(&3));
        assert_eq!(m["S1"], 9);
        assert!(m.contains_key("S10"));
        assert!(!m.contains_key("S3"));
        assert_eq!(m.len(), 3);
        let keys: Vec<&str> = m.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["S1", "S10", "S2"]);
        assert!(SortedMap::<&str, u8>::default().is_empty());
    }

    #[test]
    #[should_panic(expected = "no entry for \"S3\"")]
    fn indexing_a_missing_key_names_it() {
        let m = SortedMap::of(vec![("S1", 1)], |_, _| {});
        let _ = m["S3"];
    }
}
