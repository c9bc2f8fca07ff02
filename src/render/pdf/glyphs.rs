//! The text a document will draw, named by field, for the font decision
//! and the glyph check ([`super::fonts::choose_mode`]). Derived from the
//! document's own data by walking its serialised form, so a field added to
//! a model is checked without anyone remembering to list it: a character
//! the fonts cannot draw is an error naming the field, never a `?` or an
//! empty box on a document an insurer reads.

use serde::Serialize;
use serde_json::Value;

/// Every string in `data`, with its path (`patient.name`,
/// `lines[3].description`). Numbers, booleans and nulls draw no glyph the
/// fonts could lack beyond digits, so they are left out.
pub fn fields<T: Serialize>(data: &T) -> Vec<(String, String)> {
    let mut out = Vec::new();
    // A model that does not serialise is a programming error caught by
    // every test that renders it.
    let value = serde_json::to_value(data).expect("document data serialises");
    walk(&value, String::new(), &mut out);
    out
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
