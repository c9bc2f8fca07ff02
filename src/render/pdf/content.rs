//! Page content streams written directly as PDF operators into bytes.
//!
//! printpdf stays the PDF library (document structure, metadata,
//! resources), but turning its `Op`s into content bytes cost about a
//! quarter of a batch's CPU (an object per operator and per operand, slow
//! float formatting, allocation). The canvas writes the operators here
//! instead, and [`super::assemble`] hands the finished bytes to the
//! document as each page's `/Contents`.
//!
//! A [`Content`] also records what its page uses: the built-in fonts (the
//! document's font dictionary must name them), the glyphs of each embedded
//! face (the subset holds exactly those) with where each glyph id was
//! written (so [`Content::renumber`] can put the subset's ids in place:
//! every glyph id is four hex digits, so that is an overwrite, never a
//! shift), and the image XObjects it places.
//!
//! The bytes are those printpdf 0.12 wrote for the same drawing (its
//! `translate_operations` through lopdf's content encoder) but for two
//! things that make pages smaller and cheaper to write: the first position
//! in a text object is `x y Td`, not `1 0 0 1 x y Tm` (see
//! [`Content::text_at`]), and numbers are rounded to a thousandth (see
//! [`push_num`]). Operators one per line, each operand followed by a
//! space; built-in text as WinAnsi bytes in
//! a literal string (escaped where it must be; printpdf wrote a hex string
//! then); glyph ids as one four-digit hex string per glyph.

use printpdf::BuiltinFont;
use std::collections::{BTreeMap, BTreeSet};

/// Glyphs of one embedded face used on a page: glyph id -> the text it
/// stands for (the first text recorded for it wins).
pub type Used = BTreeMap<u16, String>;

/// One page's content stream and what it uses.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Content {
    bytes: Vec<u8>,
    builtin: BTreeSet<BuiltinFont>,
    faces: BTreeMap<u32, Used>,
    /// Where glyph ids were written: (offset of the first of the four hex
    /// digits, face key).
    glyph_spans: Vec<(usize, u32)>,
    xobjects: BTreeSet<String>,
    /// Whether the open `TJ` array has an element yet.
    tj_items: bool,
    /// Whether the open text object has a position yet.
    placed: bool,
}

impl Content {
    pub fn new() -> Content {
        Content {
            // A superbill page is 10 to 14 KB of operators: room for one
            // without growing (and copying) three times.
            bytes: Vec::with_capacity(16 * 1024),
            ..Content::default()
        }
    }

    /// The content stream.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The built-in fonts this page selects.
    pub fn builtin_fonts(&self) -> &BTreeSet<BuiltinFont> {
        &self.builtin
    }

    /// The glyphs drawn with each embedded face, by face key.
    pub fn faces(&self) -> &BTreeMap<u32, Used> {
        &self.faces
    }

    /// The image XObjects this page places.
    pub fn xobjects(&self) -> &BTreeSet<String> {
        &self.xobjects
    }

    /// Appends `other` (drawn after this), e.g. a footer drawn on a fresh
    /// canvas.
    pub fn append(&mut self, other: Content) {
        if !self.bytes.is_empty() && !other.bytes.is_empty() {
            self.bytes.push(b'\n');
        }
        let shift = self.bytes.len();
        self.bytes.extend_from_slice(&other.bytes);
        self.builtin.extend(other.builtin);
        for (key, used) in other.faces {
            let mine = self.faces.entry(key).or_default();
            for (gid, text) in used {
                mine.entry(gid).or_insert(text);
            }
        }
        self.glyph_spans.extend(
            other
                .glyph_spans
                .into_iter()
                .map(|(at, key)| (at + shift, key)),
        );
        self.xobjects.extend(other.xobjects);
    }

    /// Rewrites every glyph id written for an embedded face to
    /// `code(face key, glyph id)` (the subset's id).
    pub fn renumber(&mut self, code: impl Fn(u32, u16) -> u16) {
        for &(at, key) in &self.glyph_spans {
            let hex = &mut self.bytes[at..at + 4];
            let old = hex
                .iter()
                .fold(0u16, |acc, &h| (acc << 4) | u16::from(hex_value(h)));
            write_hex4(hex, code(key, old));
        }
    }

    // ---- operators ------------------------------------------------------

    /// `r g b rg`: the fill colour.
    pub fn fill_rgb(&mut self, r: f32, g: f32, b: f32) {
        self.nums(&[r, g, b]);
        self.op(b"rg");
    }

    /// `r g b RG`: the stroke colour.
    pub fn stroke_rgb(&mut self, r: f32, g: f32, b: f32) {
        self.nums(&[r, g, b]);
        self.op(b"RG");
    }

    /// `w w`: the line width.
    pub fn line_width(&mut self, w: f32) {
        self.nums(&[w]);
        self.op(b"w");
    }

    /// A straight stroked line: `x1 y1 m x2 y2 l S`.
    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        self.nums(&[x1, y1]);
        self.op(b"m");
        self.nums(&[x2, y2]);
        self.op(b"l");
        self.op(b"S");
    }

    /// A rectangle filled (`re f`) or stroked (`re S`); `y` is its bottom.
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: bool) {
        self.nums(&[x, y, w, h]);
        self.op(b"re");
        self.op(if fill { b"f" } else { b"S" });
    }

    /// Paints image XObject `name` into the box whose lower-left corner is
    /// (`x`, `y`): `q w 0 0 h x y cm /name Do Q`.
    pub fn image(&mut self, name: &str, x: f32, y: f32, w: f32, h: f32) {
        self.op(b"q");
        self.nums(&[w, 0.0, 0.0, h, x, y]);
        self.op(b"cm");
        self.name(name);
        self.op(b"Do");
        self.op(b"Q");
        if !self.xobjects.contains(name) {
            self.xobjects.insert(name.to_string());
        }
    }

    pub fn begin_text(&mut self) {
        self.op(b"BT");
        self.placed = false;
    }

    pub fn end_text(&mut self) {
        self.op(b"ET");
    }

    /// `/Fn size Tf` with a built-in font.
    pub fn builtin_font(&mut self, font: BuiltinFont, size: f32) {
        self.builtin.insert(font);
        self.name(font.get_pdf_id());
        self.nums(&[size]);
        self.op(b"Tf");
    }

    /// `/name size Tf` with an embedded face, under its resource name.
    pub fn face_font(&mut self, resource: &str, size: f32) {
        self.name(resource);
        self.nums(&[size]);
        self.op(b"Tf");
    }

    /// The text position: `x y Td` for the first in a text object (`BT`
    /// starts at the origin, so a move from there is the position itself:
    /// four numbers fewer to format and compress for nearly every text),
    /// `1 0 0 1 x y Tm` for the moves after it (runs of a line in several
    /// fonts, marks), which are absolute.
    pub fn text_at(&mut self, x: f32, y: f32) {
        if self.placed {
            self.nums(&[1.0, 0.0, 0.0, 1.0, x, y]);
            self.op(b"Tm");
        } else {
            self.nums(&[x, y]);
            self.op(b"Td");
            self.placed = true;
        }
    }

    /// `(text) Tj` with a built-in font: WinAnsi bytes exactly as printpdf
    /// encodes them (`?` for a character WinAnsi lacks), in a literal
    /// string: `(`, `)` and `\\` escaped with a backslash, every other byte
    /// as it is. printpdf wrote a hex
    /// string whenever a byte was not printable ASCII, twice the bytes to
    /// write and deflate for a name with an accent or a line with `©`.
    pub fn show_win_ansi(&mut self, text: impl Iterator<Item = char>) {
        self.start_op();
        self.bytes.push(b'(');
        for c in text {
            push_literal_byte(&mut self.bytes, win_ansi_byte(c).unwrap_or(b'?'));
        }
        self.bytes.extend_from_slice(b") Tj");
    }

    /// `s` in a built-in font, as [`Content::show_win_ansi`] writes it,
    /// control characters (tabs, newlines in data) as spaces. Most text is
    /// printable ASCII with nothing to escape: its bytes go in as they are.
    pub fn show_str(&mut self, s: &str) {
        if s.bytes().any(needs_care) {
            self.show_win_ansi(s.chars().map(|c| if c.is_control() { ' ' } else { c }));
            return;
        }
        self.start_op();
        self.bytes.push(b'(');
        self.bytes.extend_from_slice(s.as_bytes());
        self.bytes.extend_from_slice(b") Tj");
    }

    /// Opens a `TJ` array of glyphs.
    pub fn begin_glyphs(&mut self) {
        self.start_op();
        self.bytes.push(b'[');
        self.tj_items = false;
    }

    /// Glyph `gid` of face `key` into the open `TJ` array; `text` gives
    /// the text it stands for the first time the page uses the glyph.
    pub fn glyph(&mut self, key: u32, gid: u16, text: impl FnOnce() -> String) {
        self.bytes.push(b'<');
        let at = self.bytes.len();
        self.bytes.extend_from_slice(b"0000>");
        write_hex4(&mut self.bytes[at..], gid);
        self.glyph_spans.push((at, key));
        self.tj_items = true;
        self.faces
            .entry(key)
            .or_default()
            .entry(gid)
            .or_insert_with(text);
    }

    /// Moves the pen `adjust` thousandths of an em back (left) inside the
    /// open `TJ` array.
    pub fn kern(&mut self, adjust: f32) {
        if self.tj_items {
            self.bytes.push(b' ');
        }
        push_num(&mut self.bytes, adjust);
        self.tj_items = true;
    }

    /// Closes the `TJ` array: `] TJ`.
    pub fn end_glyphs(&mut self) {
        self.bytes.extend_from_slice(b"] TJ");
    }

    /// Starts an operation: a line break after the previous one.
    fn start_op(&mut self) {
        if !self.bytes.is_empty() {
            self.bytes.push(b'\n');
        }
    }

    /// Operands: each followed by a space, the first starting the
    /// operation.
    fn nums(&mut self, values: &[f32]) {
        if self.pending_op() {
            self.start_op();
        }
        for &v in values {
            push_num(&mut self.bytes, v);
            self.bytes.push(b' ');
        }
    }

    fn name(&mut self, name: &str) {
        if self.pending_op() {
            self.start_op();
        }
        self.bytes.push(b'/');
        self.bytes.extend_from_slice(name.as_bytes());
        self.bytes.push(b' ');
    }

    /// Whether the bytes end with a finished operation (or are empty), so
    /// the next operand starts a new one.
    fn pending_op(&self) -> bool {
        !matches!(self.bytes.last(), Some(b' '))
    }

    fn op(&mut self, op: &[u8]) {
        if self.pending_op() {
            self.start_op();
        }
        self.bytes.extend_from_slice(op);
    }
}

/// Whether a byte of UTF-8 text cannot go into a literal string as it is:
/// not printable ASCII (a WinAnsi byte differs from UTF-8's), or one of
/// the three a literal string escapes.
fn needs_care(b: u8) -> bool {
    !(32..=126).contains(&b) || matches!(b, b'(' | b')' | b'\\')
}

/// One WinAnsi byte into a literal string. WinAnsi has no control
/// bytes (`win_ansi_byte` gives none), so no line end needs an escape.
fn push_literal_byte(out: &mut Vec<u8>, b: u8) {
    if matches!(b, b'(' | b')' | b'\\') {
        out.push(b'\\');
    }
    out.push(b);
}

/// Appends `v` rounded to a thousandth, without trailing zeros (`-0`, NaN
/// and infinities as `0`). A thousandth of a point is far below what any
/// printer or screen resolves (a 2400 dpi imagesetter's dot is 0.03 pt);
/// writing positions to the f32's last digit (`486.48535`) cost a
/// shortest-decimal search per number, the largest part of formatting a
/// page, and bytes that every stream then compresses. Magnitudes beyond
/// any page (10^15 and up) are written as `Display` writes them.
pub fn push_num(out: &mut Vec<u8>, v: f32) {
    if !v.is_finite() {
        out.push(b'0');
        return;
    }
    let a = f64::from(v.abs());
    if a >= 1e15 {
        use std::io::Write;
        // Writing into a Vec cannot fail.
        let _ = write!(out, "{v}");
        return;
    }
    // Half up, as `round` would, without its library call.
    let n = (a * 1000.0 + 0.5) as u64;
    if n == 0 {
        out.push(b'0');
        return;
    }
    // Composed on the stack, left to right, and appended as a whole
    // buffer then cut to length: a copy of a known size is a few moves,
    // where appending `len` bytes called memcpy for every number (a third
    // of the cost of writing a number).
    let mut buf = [0u8; 24];
    let mut len = 0;
    if v < 0.0 {
        buf[0] = b'-';
        len = 1;
    }
    let whole = n / 1000;
    let mut digits = 1;
    let mut rest = whole / 10;
    while rest > 0 {
        digits += 1;
        rest /= 10;
    }
    let mut w = whole;
    for slot in buf[len..len + digits].iter_mut().rev() {
        *slot = b'0' + (w % 10) as u8;
        w /= 10;
    }
    len += digits;
    let frac = n % 1000;
    if frac != 0 {
        buf[len] = b'.';
        buf[len + 1] = b'0' + (frac / 100) as u8;
        buf[len + 2] = b'0' + (frac / 10 % 10) as u8;
        buf[len + 3] = b'0' + (frac % 10) as u8;
        len += 4;
        while buf[len - 1] == b'0' {
            len -= 1;
        }
    }
    // Below 10^15 a number takes at most 21 bytes (sign, 15 digits, a
    // point and 3).
    let at = out.len();
    out.extend_from_slice(&buf);
    out.truncate(at + len);
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn write_hex4(out: &mut [u8], v: u16) {
    for (i, slot) in out.iter_mut().take(4).enumerate() {
        *slot = HEX[usize::from((v >> (12 - 4 * i)) & 0xF)];
    }
}

fn hex_value(h: u8) -> u8 {
    match h {
        b'0'..=b'9' => h - b'0',
        b'A'..=b'F' => h - b'A' + 10,
        b'a'..=b'f' => h - b'a' + 10,
        _ => 0,
    }
}

/// The WinAnsi (PDF 32000-1 Annex D.2, in effect CP1252) byte of `c`, or
/// `None` when WinAnsi has no such character: the table printpdf 0.12's
/// `win_ansi_byte` uses, so built-in text has the bytes it had when
/// printpdf encoded it.
pub fn win_ansi_byte(c: char) -> Option<u8> {
    match c as u32 {
        cp @ 0x20..=0x7E => return Some(cp as u8),
        cp @ 0xA0..=0xFF => return Some(cp as u8),
        _ => {}
    }
    Some(match c {
        '\u{20AC}' => 0x80,
        '\u{201A}' => 0x82,
        '\u{0192}' => 0x83,
        '\u{201E}' => 0x84,
        '\u{2026}' => 0x85,
        '\u{2020}' => 0x86,
        '\u{2021}' => 0x87,
        '\u{02C6}' => 0x88,
        '\u{2030}' => 0x89,
        '\u{0160}' => 0x8A,
        '\u{2039}' => 0x8B,
        '\u{0152}' => 0x8C,
        '\u{017D}' => 0x8E,
        '\u{2018}' => 0x91,
        '\u{2019}' => 0x92,
        '\u{201C}' => 0x93,
        '\u{201D}' => 0x94,
        '\u{2022}' => 0x95,
        '\u{2013}' => 0x96,
        '\u{2014}' => 0x97,
        '\u{02DC}' => 0x98,
        '\u{2122}' => 0x99,
        '\u{0161}' => 0x9A,
        '\u{203A}' => 0x9B,
        '\u{0153}' => 0x9C,
        '\u{017E}' => 0x9E,
        '\u{0178}' => 0x9F,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(v: f32) -> String {
        let mut out = Vec::new();
        push_num(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn numbers_are_rounded_to_a_thousandth_without_trailing_zeros() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(1.5), "1.5");
        assert_eq!(num(-1.5), "-1.5");
        assert_eq!(num(612.0), "612");
        assert_eq!(num(792.0 - 36.0), "756");
        assert_eq!(num(0.125), "0.125");
        assert_eq!(num(0.11), "0.11");
        assert_eq!(num(0.93), "0.93");
        assert_eq!(num(0.1), "0.1");
        assert_eq!(num(2.05), "2.05");
        // f32 arithmetic: 36 * 7.2 is not 259.2 but the f32 below it.
        assert_eq!(num(257.59998), "257.6");
        assert_eq!(num(486.48535), "486.485");
        assert_eq!(num(26.0 / 3.0), "8.667");
        assert_eq!(num(1.0 / 3.0), "0.333");
        assert_eq!(num(-2.0 / 3.0), "-0.667");
        assert_eq!(num(0.9996), "1");
        assert_eq!(num(-0.000_123_4), "0");
        assert_eq!(num(1234567.0), "1234567");
        assert_eq!(num(1e10), "10000000000");
        // The longest number written this way: sign and 15 digits.
        assert_eq!(num(-999_999_900_000_000.0), "-999999919882240");
        assert_eq!(num(-123_456_789_012.34), "-123456790528");
        assert_eq!(num(9.0006), "9.001");
        assert_eq!(num(10.01), "10.01");
        assert_eq!(num(f32::MAX), "340282350000000000000000000000000000000");
        assert_eq!(num(1e-12), "0");
        assert_eq!(num(f32::NAN), "0");
        assert_eq!(num(f32::INFINITY), "0");
    }

    #[test]
    fn numbers_read_back_within_half_a_thousandth_across_page_values() {
        // Positions, sizes and colours as the canvas computes them: every
        // f32 from a sweep of sums and quotients reads back within half a
        // thousandth, in the fewest digits that say so.
        let mut checked = 0;
        for i in -20_000..20_000 {
            for v in [
                i as f32 * 0.05,
                792.0 - i as f32 * 0.037,
                i as f32 / 7.0,
                i as f32 * 7.2 + 0.4,
                i as f32 / 1000.0,
            ] {
                let s = num(v);
                let back: f64 = s.parse().unwrap();
                assert!((back - f64::from(v)).abs() <= 0.0005 + 1e-9, "{v:?} as {s}");
                assert!(!s.contains('.') || !s.ends_with('0'), "{v:?} as {s}");
                assert!(s.split('.').nth(1).is_none_or(|f| f.len() <= 3), "{s}");
                assert_ne!(s, "-0");
                checked += 1;
            }
        }
        assert_eq!(checked, 200_000);
    }

    fn shown(text: &str) -> Vec<u8> {
        let mut c = Content::new();
        c.show_win_ansi(text.chars());
        c.into_bytes()
    }

    #[test]
    fn plain_text_takes_the_short_way_to_the_same_bytes() {
        for t in [
            "Jane Doe",
            "café",
            "a(b)",
            "5%",
            "Dvořák",
            "王",
            "",
            "tab\there",
            "x\u{7F}",
        ] {
            let mut c = Content::new();
            c.show_str(t);
            let spaced = t.chars().map(|c| if c.is_control() { ' ' } else { c });
            let mut want = Content::new();
            want.show_win_ansi(spaced);
            assert_eq!(c.bytes(), want.bytes(), "{t:?}");
        }
    }

    #[test]
    fn builtin_text_is_win_ansi_in_a_literal_string() {
        assert_eq!(shown("Jane Doe"), b"(Jane Doe) Tj");
        // WinAnsi bytes beyond ASCII go in as they are; the three bytes a
        // literal string gives meaning to are escaped; `%` is only a
        // comment outside a string.
        assert_eq!(shown("café"), b"(caf\xE9) Tj");
        assert_eq!(shown("O\u{2019}N"), b"(O\x92N) Tj");
        assert_eq!(shown("\u{20AC}5\u{2013}\u{2026}"), b"(\x805\x96\x85) Tj");
        assert_eq!(shown("a(b)"), b"(a\\(b\\)) Tj");
        assert_eq!(shown("1\\2"), b"(1\\\\2) Tj");
        assert_eq!(shown("5%"), b"(5%) Tj");
        assert_eq!(shown("\u{a9} 2026"), b"(\xA9 2026) Tj");
        // What WinAnsi lacks is `?`, as printpdf wrote it; such text takes
        // the embedded path in the canvas when fonts allow.
        assert_eq!(shown("Dvo\u{159}\u{e1}k"), b"(Dvo?\xE1k) Tj");
        assert_eq!(shown("\u{738b}"), b"(?) Tj");
        assert_eq!(shown("\u{81}\u{7F}"), b"(??) Tj");
    }

    #[test]
    fn literal_strings_read_back_as_the_win_ansi_bytes() {
        // lopdf's content parser reads each string back as the bytes meant.
        for t in [
            "caf\u{e9} (x) \\ 5% \u{a9}",
            "a(b",
            ")(",
            "\u{20AC}\u{2026}",
        ] {
            let mut c = Content::new();
            c.begin_text();
            c.show_str(t);
            c.end_text();
            let ops = lopdf::content::Content::decode(c.bytes())
                .unwrap()
                .operations;
            let shown = ops.iter().find(|o| o.operator == "Tj").unwrap();
            let want: Vec<u8> = t.chars().map(|ch| win_ansi_byte(ch).unwrap()).collect();
            assert_eq!(
                shown.operands[0].as_str().unwrap(),
                want.as_slice(),
                "{t:?}"
            );
        }
    }

    #[test]
    fn win_ansi_table_agrees_with_the_font_check() {
        for cp in 0..0x3000u32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            assert_eq!(
                win_ansi_byte(c).is_some(),
                crate::render::pdf::fonts::is_win_ansi(c),
                "U+{cp:04X}"
            );
        }
        assert_eq!(win_ansi_byte('ř'), None);
        assert_eq!(win_ansi_byte('é'), Some(0xE9));
        assert_eq!(win_ansi_byte('\u{2019}'), Some(0x92));
    }

    #[test]
    fn operators() {
        let mut c = Content::new();
        c.fill_rgb(0.11, 0.12, 0.14);
        c.stroke_rgb(0.78, 0.8, 0.83);
        c.line_width(0.5);
        c.line(36.0, 700.25, 576.0, 700.25);
        c.rect(36.0, 100.0, 540.0, 12.5, true);
        c.rect(36.0, 100.0, 540.0, 12.5, false);
        c.image("Logo", 36.0, 700.0, 80.0, 40.0);
        c.begin_text();
        c.builtin_font(BuiltinFont::HelveticaBold, 9.5);
        c.builtin_font(BuiltinFont::Courier, 26.0 / 3.0);
        c.text_at(36.0, 756.0);
        c.show_win_ansi("Hi".chars());
        // A second position in the same text object is absolute.
        c.text_at(-40.0, 0.5);
        c.show_win_ansi("Yo".chars());
        c.end_text();
        assert_eq!(
            String::from_utf8(c.bytes().to_vec()).unwrap(),
            "0.11 0.12 0.14 rg\n0.78 0.8 0.83 RG\n0.5 w\n36 700.25 m\n576 700.25 l\nS\n\
             36 100 540 12.5 re\nf\n36 100 540 12.5 re\nS\n\
             q\n80 0 0 40 36 700 cm\n/Logo Do\nQ\n\
             BT\n/F6 9.5 Tf\n/F9 8.667 Tf\n36 756 Td\n(Hi) Tj\n1 0 0 1 -40 0.5 Tm\n(Yo) Tj\nET"
        );
        assert!(c.builtin_fonts().contains(&BuiltinFont::HelveticaBold));
        assert_eq!(c.builtin_fonts().len(), 2);
        assert!(c.xobjects().contains("Logo"));
    }

    #[test]
    fn glyphs_are_recorded_and_renumbered_in_place() {
        let mut c = Content::new();
        c.begin_text();
        c.face_font("SBF3", 10.0);
        c.text_at(10.0, 20.0);
        c.begin_glyphs();
        c.glyph(3, 0x0123, || "a".into());
        c.glyph(3, 0x0ABC, || "b".into());
        c.kern(-12.5);
        c.glyph(3, 0x0123, || "other".into());
        c.end_glyphs();
        c.end_text();
        assert_eq!(
            String::from_utf8(c.bytes().to_vec()).unwrap(),
            "BT\n/SBF3 10 Tf\n10 20 Td\n[<0123><0ABC> -12.5<0123>] TJ\nET"
        );
        let used = &c.faces()[&3];
        assert_eq!(used.len(), 2);
        assert_eq!(used[&0x0123], "a");
        assert_eq!(used[&0x0ABC], "b");

        // A footer drawn on its own canvas, appended: its spans move along.
        let mut footer = Content::new();
        footer.begin_glyphs();
        footer.glyph(7, 0x0005, || "c".into());
        footer.end_glyphs();
        c.append(footer);
        c.renumber(|key, gid| match (key, gid) {
            (3, 0x0123) => 1,
            (3, 0x0ABC) => 2,
            (7, 0x0005) => 0xFFFF,
            _ => 0,
        });
        let text = String::from_utf8(c.bytes().to_vec()).unwrap();
        assert!(text.contains("[<0001><0002> -12.5<0001>] TJ\n"), "{text}");
        assert!(text.ends_with("ET\n[<FFFF>] TJ"), "{text}");
        assert_eq!(c.faces()[&7][&5], "c");
    }

    #[test]
    fn append_keeps_the_first_text_of_a_glyph() {
        let mut a = Content::new();
        a.begin_glyphs();
        a.glyph(1, 9, || "first".into());
        a.end_glyphs();
        let mut b = Content::new();
        b.begin_glyphs();
        b.glyph(1, 9, || "second".into());
        b.glyph(1, 10, || "new".into());
        b.end_glyphs();
        a.append(b);
        assert_eq!(a.faces()[&1][&9], "first");
        assert_eq!(a.faces()[&1][&10], "new");
    }
}
