//! Bytes of an export to UTF-8 text with one kind of line end, the way
//! Excel and practice systems really write them: UTF-8 with or without a
//! BOM, UTF-16 with a BOM (Excel's "Unicode Text"), Windows-1252 (Excel's
//! "CSV" on Windows), and CR, LF or CRLF line ends, mixed or not.

use std::borrow::Cow;

/// What the bytes turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Windows1252,
}

impl Encoding {
    /// The name users know it by (Excel's and editors' menus).
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf16Le => "UTF-16 LE",
            Encoding::Utf16Be => "UTF-16 BE",
            Encoding::Windows1252 => "Windows-1252",
        }
    }
}

/// Text ready for the CSV reader: UTF-8 except where a UTF-8 file holds a
/// damaged byte (left in place, so that row alone is reported), and every
/// line end a single `\n`, so physical line N is the text after the
/// (N-1)th `\n`.
#[derive(Debug)]
pub struct Decoded<'a> {
    pub bytes: Cow<'a, [u8]>,
    pub encoding: Encoding,
}

/// The ZIP signature: an `.xlsx` workbook, whatever its file name says.
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// The OLE2 signature of an old `.xls` workbook.
pub fn is_ole(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
}

/// UTF-16 written without a BOM: about every other byte of ASCII text is
/// NUL. No real CSV holds NUL bytes, so this is not a guess about text.
pub fn looks_like_bare_utf16(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"\xff\xfe") || bytes.starts_with(b"\xfe\xff") {
        return false;
    }
    let head = &bytes[..bytes.len().min(400)];
    head.len() >= 4 && head.iter().filter(|b| **b == 0).count() * 3 >= head.len()
}

pub fn decode(bytes: &[u8]) -> Decoded<'_> {
    let (text, encoding): (Cow<[u8]>, Encoding) =
        if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
            (Cow::Borrowed(rest), Encoding::Utf8)
        } else if let Some(rest) = bytes.strip_prefix(b"\xff\xfe") {
            let (s, _) = encoding_rs::UTF_16LE.decode_without_bom_handling(rest);
            (Cow::Owned(s.into_owned().into_bytes()), Encoding::Utf16Le)
        } else if let Some(rest) = bytes.strip_prefix(b"\xfe\xff") {
            let (s, _) = encoding_rs::UTF_16BE.decode_without_bom_handling(rest);
            (Cow::Owned(s.into_owned().into_bytes()), Encoding::Utf16Be)
        } else if std::str::from_utf8(bytes).is_ok() || has_utf8_sequences(bytes) {
            // Valid UTF-8, or UTF-8 with a damaged byte somewhere: a file
            // that already holds proper UTF-8 accents is not Windows-1252,
            // and decoding it so would garble every name.
            (Cow::Borrowed(bytes), Encoding::Utf8)
        } else {
            let (s, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (
                Cow::Owned(s.into_owned().into_bytes()),
                Encoding::Windows1252,
            )
        };
    Decoded {
        bytes: one_line_end(text),
        encoding,
    }
}

/// Whether `bytes` holds at least one well-formed multi-byte UTF-8
/// sequence (an accent written by a UTF-8 exporter).
fn has_utf8_sequences(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => return !s.is_ascii(),
            Err(e) => {
                let good = &rest[..e.valid_up_to()];
                if !good.is_ascii() {
                    return true;
                }
                let skip = e.error_len().unwrap_or(rest.len() - e.valid_up_to());
                rest = &rest[e.valid_up_to() + skip..];
            }
        }
    }
}

/// CRLF and a lone CR (classic Mac OS) become `\n`. A CR inside a quoted
/// cell is a line break there too, so nothing is lost.
fn one_line_end(text: Cow<'_, [u8]>) -> Cow<'_, [u8]> {
    if !text.contains(&b'\r') {
        return text;
    }
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'\r' => {
                out.push(b'\n');
                if text.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8]) -> (String, Encoding) {
        let d = decode(bytes);
        (String::from_utf8(d.bytes.into_owned()).unwrap(), d.encoding)
    }

    #[test]
    fn line_ends_of_every_kind_become_one() {
        assert_eq!(text(b"a\rb\r\nc\nd\r").0, "a\nb\nc\nd\n");
        assert_eq!(text(b"a\r\rb").0, "a\n\nb");
        assert_eq!(text(b"a\r\n\r\nb").0, "a\n\nb");
    }

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(
            text("\u{feff}Zoë\r\n".as_bytes()),
            ("Zoë\n".into(), Encoding::Utf8)
        );
        assert_eq!(text("Zoë".as_bytes()), ("Zoë".into(), Encoding::Utf8));
    }

    #[test]
    fn utf16_with_a_bom_either_way_round() {
        let s = "id\tname\r\nP1\tZoë\r\n";
        let mut le = vec![0xff, 0xfe];
        let mut be = vec![0xfe, 0xff];
        for u in s.encode_utf16() {
            le.extend(u.to_le_bytes());
            be.extend(u.to_be_bytes());
        }
        assert_eq!(text(&le), ("id\tname\nP1\tZoë\n".into(), Encoding::Utf16Le));
        assert_eq!(text(&be), ("id\tname\nP1\tZoë\n".into(), Encoding::Utf16Be));
        assert!(looks_like_bare_utf16(&le[2..]));
        assert!(!looks_like_bare_utf16(&le));
        assert!(!looks_like_bare_utf16(s.as_bytes()));
    }

    #[test]
    fn windows_1252_when_no_utf8_is_present() {
        // "Zoë Muñoz" and a curly apostrophe (0x92), as Excel on Windows writes them.
        assert_eq!(
            text(b"Zo\xeb Mu\xf1oz O\x92Neil"),
            ("Zoë Muñoz O\u{2019}Neil".into(), Encoding::Windows1252)
        );
    }

    #[test]
    fn a_damaged_byte_in_a_utf8_file_stays_where_it_is() {
        let d = decode(b"Zo\xc3\xab\n\xff,x\n");
        assert_eq!(d.encoding, Encoding::Utf8);
        assert_eq!(&d.bytes[..], b"Zo\xc3\xab\n\xff,x\n");
    }

    #[test]
    fn workbooks_are_recognised_by_their_bytes() {
        assert!(is_zip(b"PK\x03\x04rest"));
        assert!(!is_zip(b"patient_id,"));
        assert!(is_ole(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1..."));
    }
}
