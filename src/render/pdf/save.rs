//! A lopdf document into PDF bytes: the bytes lopdf 0.44's
//! `Document::save_to` writes (a cross-reference table, no object
//! streams), written straight into one buffer.
//!
//! lopdf writes through `&mut dyn Write` a byte or a `write!` at a time
//! (each name byte, each hex digit, each xref entry formatted), into a
//! buffer that grows as it goes: 11% of the renderer's CPU in a profile of
//! the superbill. Here the buffer is sized once and names, numbers and
//! entries are appended as slices, and the images every document shares
//! are written from their one copy ([`Shared`]). The output is the same
//! byte for byte (debug builds compare every rendered document with
//! lopdf's own), so lopdf stays the reference.

use lopdf::xref::XrefType;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat};

/// A stream kept outside the document and written as object `id`, with
/// `/SMask` set to `smask` if given: an image every document shares is
/// written from the one copy, not cloned into each document (as
/// `Dictionary::set` would: in place if the key is there, else last).
pub struct Shared<'a> {
    pub id: ObjectId,
    pub stream: &'a Stream,
    pub smask: Option<ObjectId>,
}

impl Shared<'_> {
    pub fn to_object(&self) -> Object {
        let mut stream = self.stream.clone();
        if let Some(mask) = self.smask {
            stream.dict.set("SMask", Object::Reference(mask));
        }
        Object::Stream(stream)
    }
}

enum Item<'a> {
    Own(&'a Object),
    Shared(&'a Shared<'a>),
}

/// `doc` with `shared` as PDF bytes, as `doc.save_to` writes them once
/// the shared streams are added to it. A document set to end in a
/// cross-reference stream (lopdf's default for a new document; printpdf's
/// are set to a table) is left to lopdf.
pub fn save(doc: &mut Document, shared: &[Shared]) -> Result<Vec<u8>, std::io::Error> {
    if !matches!(
        doc.reference_table.cross_reference_type,
        XrefType::CrossReferenceTable
    ) {
        for s in shared {
            doc.objects.insert(s.id, s.to_object());
        }
        let mut out = Vec::new();
        doc.save_to(&mut out)?;
        return Ok(out);
    }
    let mut items: Vec<(ObjectId, Item)> = doc
        .objects
        .iter()
        .map(|(id, o)| (*id, Item::Own(o)))
        .chain(shared.iter().map(|s| (s.id, Item::Shared(s))))
        .collect();
    // The document's own objects come sorted; a shared one takes the
    // place of an own one with its number, as an insert would.
    items.sort_by_key(|(id, item)| (*id, matches!(item, Item::Own(_))));
    items.dedup_by_key(|(id, _)| *id);
    let streams: usize = items
        .iter()
        .map(|(_, item)| match item {
            Item::Own(Object::Stream(s)) => s.content.len(),
            Item::Shared(s) => s.stream.content.len(),
            _ => 0,
        })
        .sum();
    // Streams, plus about 100 bytes of dictionary and xref per object.
    let mut out = Vec::with_capacity(streams + 128 * items.len() + 512);
    out.extend_from_slice(b"%PDF-");
    out.extend_from_slice(doc.version.as_bytes());
    out.push(b'\n');
    // A mark with an ASCII byte is refused, as lopdf refuses it (every
    // document here has printpdf's, which has none).
    if !doc.binary_mark.iter().all(|&b| b >= 128) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "Invalid binary mark",
        ));
    }
    out.push(b'%');
    out.extend_from_slice(&doc.binary_mark);
    out.push(b'\n');
    // (object number, generation, offset) in object number order.
    let mut xref: Vec<(u32, u16, usize)> = Vec::with_capacity(items.len());
    for ((id, generation), item) in &items {
        if let Item::Own(object) = item {
            if skipped(object) {
                continue;
            }
        }
        xref.push((*id, *generation, out.len()));
        uint(&mut out, u64::from(*id));
        out.push(b' ');
        uint(&mut out, u64::from(*generation));
        out.extend_from_slice(b" obj\n");
        match item {
            Item::Own(object) => {
                if needs_separator(object) {
                    out.push(b' ');
                }
                write_object(&mut out, object);
                if needs_end_separator(object) {
                    out.push(b' ');
                }
            }
            Item::Shared(s) => {
                let smask = s.smask.map(Object::Reference);
                write_dictionary_with(
                    &mut out,
                    &s.stream.dict,
                    smask.as_ref().map(|m| (&b"SMask"[..], m)),
                );
                write_stream_body(&mut out, &s.stream.content);
                // lopdf ends a stream object, like a name or a number,
                // with a space before the line break.
                out.push(b' ');
            }
        }
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref_start = out.len();
    // Shared ids come from `new_object_id`, so `max_id` counts them (an
    // insert would not raise it either).
    let size = doc.max_id + 1;
    write_xref(&mut out, &xref, size);
    out.extend_from_slice(b"trailer\n");
    write_trailer(&mut out, &doc.trailer, i64::from(size));
    out.extend_from_slice(b"\nstartxref\n");
    uint(&mut out, xref_start as u64);
    out.extend_from_slice(b"\n%%EOF");
    Ok(out)
}

/// Object streams, cross-reference streams and linearization dictionaries
/// of a parsed file, which lopdf leaves out when it saves.
fn skipped(object: &Object) -> bool {
    let dict = match object {
        Object::Dictionary(d) => d,
        Object::Stream(s) => &s.dict,
        _ => return false,
    };
    match dict.get(b"Type").and_then(Object::as_name) {
        Ok(name) => matches!(name, b"ObjStm" | b"XRef" | b"Linearized"),
        Err(_) => dict.has(b"Linearized"),
    }
}

/// The cross-reference table: one section per run of consecutive object
/// numbers, the first starting with object 0 (free).
fn write_xref(out: &mut Vec<u8>, objects: &[(u32, u16, usize)], size: u32) {
    out.extend_from_slice(b"xref\n");
    let mut at = 0;
    let mut start = 0u32;
    // Object 0 leads the first section.
    let mut section: Vec<Option<(u16, usize)>> = vec![None];
    for id in 1..size {
        let entry = objects.get(at).filter(|(i, _, _)| *i == id);
        if section.is_empty() {
            start = id;
        }
        match entry {
            Some(&(_, generation, offset)) => {
                at += 1;
                section.push(Some((generation, offset)));
            }
            None => {
                write_section(out, start, &section);
                section.clear();
            }
        }
    }
    write_section(out, start, &section);
}

fn write_section(out: &mut Vec<u8>, start: u32, entries: &[Option<(u16, usize)>]) {
    if entries.is_empty() {
        return;
    }
    uint(out, u64::from(start));
    out.push(b' ');
    uint(out, entries.len() as u64);
    out.push(b'\n');
    for entry in entries {
        match entry {
            Some((generation, offset)) => {
                padded(out, *offset as u64, 10);
                out.push(b' ');
                padded(out, u64::from(*generation), 5);
                out.extend_from_slice(b" n \n");
            }
            None => out.extend_from_slice(b"0000000000 65535 f \n"),
        }
    }
}

/// The trailer with `/Size` set to `size`, as lopdf's `write_trailer`
/// sets it before writing.
fn write_trailer(out: &mut Vec<u8>, trailer: &Dictionary, size: i64) {
    write_dictionary_with(out, trailer, Some((b"Size", &Object::Integer(size))));
}

/// `dict` with `set` as `Dictionary::set` would leave it: the value
/// replaced in place if the key is there, else added last.
fn write_dictionary_with(out: &mut Vec<u8>, dict: &Dictionary, set: Option<(&[u8], &Object)>) {
    out.extend_from_slice(b"<<");
    for (key, value) in dict {
        let value = match set {
            Some((k, v)) if k == key.as_slice() => v,
            _ => value,
        };
        entry(out, key, value);
    }
    if let Some((k, v)) = set.filter(|(k, _)| !dict.has(k)) {
        entry(out, k, v);
    }
    out.extend_from_slice(b">>");
}

fn entry(out: &mut Vec<u8>, key: &[u8], value: &Object) {
    write_name(out, key);
    if needs_separator(value) {
        out.push(b' ');
    }
    write_object(out, value);
}

fn needs_separator(object: &Object) -> bool {
    matches!(
        object,
        Object::Null
            | Object::Boolean(_)
            | Object::Integer(_)
            | Object::Real(_)
            | Object::Reference(_)
    )
}

fn needs_end_separator(object: &Object) -> bool {
    needs_separator(object) || matches!(object, Object::Name(_) | Object::Stream(_))
}

fn write_object(out: &mut Vec<u8>, object: &Object) {
    match object {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(true) => out.extend_from_slice(b"true"),
        Object::Boolean(false) => out.extend_from_slice(b"false"),
        Object::Integer(v) => int(out, *v),
        Object::Real(v) => {
            use std::io::Write;
            // Display of an f32, as lopdf writes it; writing to a Vec
            // cannot fail.
            let _ = write!(out, "{v}");
        }
        Object::Name(name) => write_name(out, name),
        Object::String(text, StringFormat::Literal) => write_literal(out, text),
        Object::String(text, StringFormat::Hexadecimal) => {
            out.push(b'<');
            for &b in text {
                out.extend_from_slice(&hex(b));
            }
            out.push(b'>');
        }
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 && needs_separator(item) {
                    out.push(b' ');
                }
                write_object(out, item);
            }
            out.push(b']');
        }
        Object::Dictionary(dict) => write_dictionary(out, dict),
        Object::Stream(stream) => {
            write_dictionary(out, &stream.dict);
            write_stream_body(out, &stream.content);
        }
        Object::Reference((id, generation)) => {
            uint(out, u64::from(*id));
            out.push(b' ');
            uint(out, u64::from(*generation));
            out.extend_from_slice(b" R");
        }
    }
}

fn write_dictionary(out: &mut Vec<u8>, dict: &Dictionary) {
    write_dictionary_with(out, dict, None);
}

fn write_stream_body(out: &mut Vec<u8>, content: &[u8]) {
    out.extend_from_slice(b"stream\n");
    out.extend_from_slice(content);
    out.extend_from_slice(b"\nendstream");
}

/// `/Name`, white space, delimiters, `#` and bytes outside `!`..`~` as
/// `#XX`.
fn write_name(out: &mut Vec<u8>, name: &[u8]) {
    let escaped = |b: u8| !(33..=126).contains(&b) || b"()<>[]{}/%#".contains(&b);
    out.push(b'/');
    if !name.iter().any(|&b| escaped(b)) {
        out.extend_from_slice(name);
        return;
    }
    for &b in name {
        if escaped(b) {
            out.push(b'#');
            out.extend_from_slice(&hex(b));
        } else {
            out.push(b);
        }
    }
}

/// A literal string as lopdf writes it: a backslash before each `\`, each
/// CR (as `\r`) and each unbalanced parenthesis.
fn write_literal(out: &mut Vec<u8>, text: &[u8]) {
    out.push(b'(');
    if !text
        .iter()
        .any(|b| matches!(b, b'(' | b')' | b'\\' | b'\r'))
    {
        out.extend_from_slice(text);
        out.push(b')');
        return;
    }
    let mut escape = vec![false; text.len()];
    let mut open = Vec::new();
    for (i, &b) in text.iter().enumerate() {
        match b {
            b'(' => open.push(i),
            // Closes the last open one, or stands alone.
            b')' if open.pop().is_none() => escape[i] = true,
            b'\\' | b'\r' => escape[i] = true,
            _ => {}
        }
    }
    for i in open {
        escape[i] = true;
    }
    for (&b, &esc) in text.iter().zip(&escape) {
        if esc {
            out.push(b'\\');
            out.push(if b == b'\r' { b'r' } else { b });
        } else {
            out.push(b);
        }
    }
    out.push(b')');
}

fn hex(b: u8) -> [u8; 2] {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 0xF)]]
}

fn int(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    uint(out, v.unsigned_abs());
}

fn uint(out: &mut Vec<u8>, v: u64) {
    padded(out, v, 1);
}

/// `v` in decimal, zero-padded to at least `width` digits.
fn padded(out: &mut Vec<u8>, mut v: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut n = 0;
    while v > 0 || n < width {
        digits[19 - n] = b'0' + (v % 10) as u8;
        v /= 10;
        n += 1;
    }
    out.extend_from_slice(&digits[20 - n..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{dictionary, Stream};

    fn lopdf_bytes(doc: &Document) -> Vec<u8> {
        let mut doc = doc.clone();
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    #[test]
    fn every_kind_of_object_as_lopdf_writes_it() {
        let mut doc = Document::with_version("1.7");
        doc.reference_table.cross_reference_type = XrefType::CrossReferenceTable;
        let a = doc.add_object(dictionary! {
            "Type" => "Catalog",
            "Nothing" => Object::Null,
            "Yes" => true,
            "No" => false,
            "Int" => -42,
            "Big" => 1_234_567_890_123i64,
            "Zero" => 0,
            "Real" => 3.25f32,
            "Tiny" => 0.001f32,
            "Name#1 (x)" => Object::Name(b"A B/C#\x80".to_vec()),
            "Lit" => Object::string_literal("a(b)c) (d \\ \r e"),
            "Plain" => Object::string_literal("plain"),
            "Hex" => Object::String(vec![0, 0xAB, 0x7F], StringFormat::Hexadecimal),
            "Arr" => vec![Object::Integer(1), 2.5f32.into(), Object::Name(b"N".to_vec()), Object::Null, Object::Reference((3, 0))],
        });
        let b = doc.add_object(Stream::new(
            dictionary! { "K" => 1 },
            b"stream bytes\n\x00\xff".to_vec(),
        ));
        // A gap in the numbers: two sections in the table.
        doc.max_id += 3;
        let c = doc.add_object(Object::Integer(7));
        doc.add_object(Object::Array(vec![
            Object::Reference(a),
            Object::Reference(b),
            Object::Reference(c),
        ]));
        doc.add_object(Object::Name(b"Alone".to_vec()));
        doc.trailer.set("Root", Object::Reference(a));
        assert_eq!(save(&mut doc.clone(), &[]).unwrap(), lopdf_bytes(&doc));
        // With /Size already in the trailer, it keeps its place.
        doc.trailer.set("Size", 1);
        doc.trailer.set("After", 2);
        assert_eq!(save(&mut doc.clone(), &[]).unwrap(), lopdf_bytes(&doc));
        // A binary mark with an ASCII byte is an error for both.
        let mut ascii = doc.clone();
        ascii.binary_mark = b"abcd".to_vec();
        assert!(save(&mut ascii.clone(), &[]).is_err());
        assert!(ascii.save_to(&mut Vec::new()).is_err());
        // A cross-reference stream is lopdf's to write.
        doc.reference_table.cross_reference_type = XrefType::CrossReferenceStream;
        let stream = save(&mut doc.clone(), &[]).unwrap();
        assert!(stream.windows(5).any(|w| w == b"/XRef"));
        assert_eq!(stream, lopdf_bytes(&doc));
    }

    #[test]
    fn shared_streams_are_written_as_if_added() {
        let mut doc = Document::with_version("1.7");
        doc.reference_table.cross_reference_type = XrefType::CrossReferenceTable;
        let root = doc.add_object(dictionary! { "Type" => "Catalog" });
        let mask = Stream::new(dictionary! { "Subtype" => "Image" }, b"mask".to_vec());
        let image = Stream::new(dictionary! { "Subtype" => "Image" }, b"image".to_vec());
        // Already naming a mask: replaced in place.
        let masked = Stream::new(
            dictionary! { "SMask" => Object::Null, "W" => 1 },
            b"other".to_vec(),
        );
        let mask_id = doc.new_object_id();
        let image_id = doc.new_object_id();
        let masked_id = doc.new_object_id();
        // Objects added after the shared ones are numbered after them.
        doc.add_object(Object::Integer(9));
        doc.trailer.set("Root", Object::Reference(root));
        let shared = [
            Shared {
                id: mask_id,
                stream: &mask,
                smask: None,
            },
            Shared {
                id: image_id,
                stream: &image,
                smask: Some(mask_id),
            },
            Shared {
                id: masked_id,
                stream: &masked,
                smask: Some(mask_id),
            },
        ];
        let mut full = doc.clone();
        for s in &shared {
            full.objects.insert(s.id, s.to_object());
        }
        let got = save(&mut doc.clone(), &shared).unwrap();
        assert_eq!(got, lopdf_bytes(&full));
        let text = String::from_utf8_lossy(&got);
        assert!(
            text.contains("/Subtype/Image/Length 5/SMask 2 0 R>>stream\nimage"),
            "{text}"
        );
        assert!(text.contains("<</SMask 2 0 R/W 1/Length 5>>"), "{text}");
        // And through lopdf, for a document that ends in a stream.
        doc.reference_table.cross_reference_type = XrefType::CrossReferenceStream;
        full.reference_table.cross_reference_type = XrefType::CrossReferenceStream;
        assert_eq!(save(&mut doc, &shared).unwrap(), lopdf_bytes(&full));
    }

    #[test]
    fn numbers_and_padding() {
        let mut v = Vec::new();
        padded(&mut v, 42, 10);
        v.push(b' ');
        uint(&mut v, 0);
        v.push(b' ');
        int(&mut v, i64::MIN);
        v.push(b' ');
        uint(&mut v, u64::MAX);
        assert_eq!(
            String::from_utf8(v).unwrap(),
            format!("0000000042 0 {} {}", i64::MIN, u64::MAX)
        );
    }
}
