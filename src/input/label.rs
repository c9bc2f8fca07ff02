//! Text that many rows repeat: a session's provider, service, place of
//! service and location, a payment's method. A practice has a handful of
//! each, and a month of a big network a million rows: one shared copy per
//! distinct text per part of a file read, and 8 bytes a row where an
//! inline string took 24 (at a million sessions, 64 bytes a session).

use compact_str::CompactString;
use std::fmt;
use std::sync::Arc;

/// A shared text (a thin pointer: `Option<Label>` is 8 bytes too).
/// Compared, ordered and hashed as its text.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Label(Arc<String>);

impl Label {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Label {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Label {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Label {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Label {
    fn from(s: &str) -> Label {
        Label(Arc::new(s.to_string()))
    }
}

impl From<CompactString> for Label {
    fn from(s: CompactString) -> Label {
        Label(Arc::new(s.into_string()))
    }
}

impl PartialEq<str> for Label {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Label {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl fmt::Debug for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// The labels made so far while a part of a file is read: each distinct
/// text once.
#[derive(Default)]
pub struct Labels(crate::hash::HashMap<CompactString, Label>);

impl Labels {
    pub fn of(&mut self, text: CompactString) -> Label {
        if let Some(l) = self.0.get(text.as_str()) {
            return l.clone();
        }
        let l = Label::from(text.as_str());
        self.0.insert(text, l.clone());
        l
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_is_one_shared_copy_per_text_and_a_thin_pointer() {
        assert_eq!(std::mem::size_of::<Option<Label>>(), 8);
        let mut labels = Labels::default();
        let a = labels.of("ketamine-iv".into());
        let b = labels.of("ketamine-iv".into());
        let c = labels.of("tms".into());
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert!(!Arc::ptr_eq(&a.0, &c.0));
        assert_eq!(a, "ketamine-iv");
        assert_eq!(a, Label::from("ketamine-iv"));
        assert!(a < c);
        assert_eq!(format!("{a} {a:?}"), "ketamine-iv \"ketamine-iv\"");
        let set: crate::hash::HashSet<Label> = [a, c].into_iter().collect();
        assert!(set.contains("tms"));
    }
}
