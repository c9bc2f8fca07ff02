//! The text a document will draw, named by field, for the font decision
//! and the glyph check ([`super::fonts::choose_mode`]). Derived from the
//! document's own data by walking its serialised form, so a field added to
//! a model is checked without anyone remembering to list it: a character
//! the fonts cannot draw is an error naming the field, never a `?` or an
//! empty box on a document an insurer reads.

use serde::ser::{self, Serializer};
use serde::Serialize;
use serde_json::Value;

/// Every string in `data`, with its path (`patient.name`,
/// `lines[3].description`). Numbers, booleans and nulls draw no glyph the
/// fonts could lack beyond digits, so they are left out.
pub fn fields<T: Serialize + ?Sized>(data: &T) -> Vec<(String, String)> {
    let mut out = Vec::new();
    // A model that does not serialise is a programming error caught by
    // every test that renders it.
    let value = serde_json::to_value(data).expect("document data serialises");
    walk(&value, String::new(), &mut out);
    out
}

/// Whether `pred` holds for every string [`fields`] would list, asked
/// without building them: no JSON tree, no paths, no copies, and it stops
/// at the first string that fails. Most documents are all WinAnsi, so this
/// check decides their font mode and only the others pay for [`fields`]
/// (which names the field in a message).
pub fn all_strings<T: Serialize + ?Sized>(data: &T, mut pred: impl FnMut(&str) -> bool) -> bool {
    data.serialize(Strings { pred: &mut pred }).is_ok()
}

/// A serializer that only looks at strings, as `serde_json::to_value`
/// would make them: string values, chars, unit variants' names (serde_json
/// writes those as strings); map keys are names, not printed values, and
/// [`walk`] skips them too.
struct Strings<'a, F> {
    pred: &'a mut F,
}

/// Why [`Strings`] stopped: a string failed the predicate (or the data
/// reported an error of its own, which [`fields`] then meets as well).
#[derive(Debug)]
struct Stop;

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stopped")
    }
}

impl std::error::Error for Stop {}

impl ser::Error for Stop {
    fn custom<M: std::fmt::Display>(_: M) -> Self {
        Stop
    }
}

impl<F: FnMut(&str) -> bool> Strings<'_, F> {
    fn check(&mut self, s: &str) -> Result<(), Stop> {
        if (self.pred)(s) {
            Ok(())
        } else {
            Err(Stop)
        }
    }

    fn again(&mut self) -> Strings<'_, F> {
        Strings { pred: self.pred }
    }
}

macro_rules! no_glyphs {
    ($($name:ident: $t:ty),*) => {
        $(fn $name(self, _: $t) -> Result<(), Stop> { Ok(()) })*
    };
}

impl<'a, F: FnMut(&str) -> bool> Serializer for Strings<'a, F> {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    no_glyphs!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16,
        serialize_u32: u32, serialize_u64: u64, serialize_u128: u128, serialize_f32: f32,
        serialize_f64: f64, serialize_bytes: &[u8], serialize_unit_struct: &'static str);

    fn serialize_char(mut self, v: char) -> Result<(), Stop> {
        self.check(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(mut self, v: &str) -> Result<(), Stop> {
        self.check(v)
    }
    fn serialize_none(self) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Stop> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_unit_variant(
        mut self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Stop> {
        self.check(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Stop> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        v: &T,
    ) -> Result<(), Stop> {
        v.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Stop> {
        Ok(self)
    }
}

/// Every element, field and value goes through the same check; the
/// compound kinds differ only in the signature serde gives them (a
/// struct's fields come with a name, skipped here).
macro_rules! compound {
    ($($tr:ident :: $m:ident ($($skip:ty),*)),*) => {$(
        impl<F: FnMut(&str) -> bool> ser::$tr for Strings<'_, F> {
            type Ok = ();
            type Error = Stop;
            fn $m<T: Serialize + ?Sized>(&mut self, $(_: $skip,)* v: &T) -> Result<(), Stop> {
                v.serialize(self.again())
            }
            fn end(self) -> Result<(), Stop> {
                Ok(())
            }
        }
    )*};
}
compound!(
    SerializeSeq::serialize_element(),
    SerializeTuple::serialize_element(),
    SerializeTupleStruct::serialize_field(),
    SerializeTupleVariant::serialize_field(),
    SerializeStruct::serialize_field(&'static str),
    SerializeStructVariant::serialize_field(&'static str)
);

impl<F: FnMut(&str) -> bool> ser::SerializeMap for Strings<'_, F> {
    type Ok = ();
    type Error = Stop;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, _: &T) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Stop> {
        v.serialize(self.again())
    }
    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

fn walk(v: &Value, path: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => out.push((path, s.clone())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, format!("{path}[{i}]"), out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(item, p, out);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Line {
        code: String,
        units: u32,
        note: Option<String>,
    }

    #[derive(Serialize)]
    struct Doc {
        name: String,
        lines: Vec<Line>,
        pair: Option<(String, String)>,
    }

    #[derive(Serialize)]
    enum Kind {
        Plain,
        Named(String),
        Pair(String, u8),
        Full { label: String },
    }

    #[derive(Serialize)]
    struct Mixed {
        kinds: Vec<Kind>,
        by_id: std::collections::BTreeMap<String, String>,
        letter: char,
        bytes: Vec<u8>,
        cents: i64,
    }

    fn mixed() -> Mixed {
        Mixed {
            kinds: vec![
                Kind::Plain,
                Kind::Named("Ωmega".into()),
                Kind::Pair("pair".into(), 3),
                Kind::Full {
                    label: "full".into(),
                },
            ],
            by_id: [("P001".to_string(), "value".to_string())].into(),
            letter: 'ß',
            bytes: vec![1, 2],
            cents: -5,
        }
    }

    #[test]
    fn all_strings_sees_exactly_the_strings_fields_lists() {
        let data = mixed();
        let mut seen = Vec::new();
        assert!(all_strings(&data, |s| {
            seen.push(s.to_string());
            true
        }));
        let mut listed: Vec<String> = fields(&data).into_iter().map(|(_, t)| t).collect();
        seen.sort();
        listed.sort();
        // Unit variants print their name; map keys are not values.
        assert!(listed.contains(&"Plain".to_string()));
        assert!(!listed.contains(&"P001".to_string()));
        assert_eq!(seen, listed);
    }

    #[test]
    fn all_strings_stops_at_the_first_failure() {
        let data = mixed();
        let mut asked = 0;
        assert!(!all_strings(&data, |s| {
            asked += 1;
            s.is_ascii()
        }));
        // "Plain" passes, "Ωmega" fails, nothing after it is asked.
        assert_eq!(asked, 2);
    }

    #[test]
    fn every_string_is_named_by_its_path() {
        let doc = Doc {
            name: "Nguyễn".into(),
            lines: vec![Line {
                code: "99215".into(),
                units: 2,
                note: None,
            }],
            pair: Some(("a".into(), "b".into())),
        };
        let mut f = fields(&doc);
        f.sort();
        let want: Vec<(String, String)> = [
            ("lines[0].code", "99215"),
            ("name", "Nguyễn"),
            ("pair[0]", "a"),
            ("pair[1]", "b"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(f, want);
    }
}
