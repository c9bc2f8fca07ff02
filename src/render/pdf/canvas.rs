//! A thin drawing layer writing PDF content streams ([`Content`]):
//! absolute positions measured from the top of the page (PDF measures from
//! the bottom), text measured with the font's glyph advances, truncation
//! with an ellipsis, word wrapping, lines, rectangles and images. Colours
//! and font changes are emitted only when they change, which keeps pages
//! small.

use super::content::Content;
use super::fonts::{embed, text, FontMode, FontSet, Weight};
use printpdf::PdfFontHandle;

/// US Letter, in points.
pub const PAGE_W: f32 = 612.0;
pub const PAGE_H: f32 = 792.0;

pub type Rgb3 = (f32, f32, f32);
pub const INK: Rgb3 = (0.11, 0.12, 0.14);
pub const MUTED: Rgb3 = (0.40, 0.43, 0.48);
pub const ACCENT: Rgb3 = (0.09, 0.24, 0.44);
pub const RULE: Rgb3 = (0.78, 0.80, 0.83);
pub const SHADE: Rgb3 = (0.93, 0.95, 0.97);
pub const GOOD: Rgb3 = (0.05, 0.45, 0.25);

pub struct Canvas<'a> {
    pub fonts: &'a FontSet,
    pub mode: FontMode,
    /// The page drawn so far.
    pub content: Content,
    /// The font of the current text state: a weight of the built-in
    /// Helvetica, or an embedded face by key; and the size.
    font: Option<(FontKey, f32)>,
    fill: Option<Rgb3>,
    ellipsis: &'static str,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FontKey {
    Builtin(Weight),
    Face(u32),
}

impl<'a> Canvas<'a> {
    pub fn new(fonts: &'a FontSet, mode: FontMode) -> Canvas<'a> {
        let has = |w| fonts.face(w).has_glyph('\u{2026}');
        let ellipsis = if has(Weight::Regular) && has(Weight::Bold) {
            "\u{2026}"
        } else {
            "..."
        };
        Canvas {
            fonts,
            mode,
            content: Content::new(),
            font: None,
            fill: None,
            ellipsis,
        }
    }

    /// Hands over this page's content and resets the cached text state.
    pub fn take(&mut self) -> Content {
        self.font = None;
        self.fill = None;
        std::mem::replace(&mut self.content, Content::new())
    }

    pub fn width(&self, s: &str, w: Weight, size: f32) -> f32 {
        self.fonts.width(s, w, size, self.mode)
    }

    fn set_fill(&mut self, c: Rgb3) {
        if self.fill != Some(c) {
            self.content.fill_rgb(c.0, c.1, c.2);
            self.fill = Some(c);
        }
    }

    /// Draws `s` with its baseline `y` points below the top of the page.
    pub fn text(&mut self, x: f32, y: f32, s: &str, w: Weight, size: f32, c: Rgb3) {
        if s.is_empty() {
            return;
        }
        self.set_fill(c);
        self.content.begin_text();
        // With the default fonts, only text beyond WinAnsi (a name, most
        // often) is drawn with embedded faces: everything else stays in the
        // built-in Helvetica, which has Liberation Sans's widths, so the
        // subsets a document embeds hold a few glyphs, not the page's.
        let builtin = match self.mode {
            FontMode::Builtin => true,
            FontMode::Embedded => self.fonts.builtin.is_some() && self.fonts.builtin_can_draw(s),
        };
        if builtin {
            self.set_font(FontKey::Builtin(w), size);
            self.move_to(x, y);
            // Tabs and newlines in data print as spaces (they are not
            // glyphs).
            self.content.show_str(s);
        } else {
            self.glyph_runs(x, y, s, w, size);
        }
        self.content.end_text();
    }

    /// Draws `s`, a label and from byte `at` on data (a patient's name,
    /// as in `Patient: Nguyễn, An`). When only the data needs the embedded
    /// faces, the label is drawn by the built-in Helvetica, as in a
    /// document whose name is WinAnsi, and the data by the fallback chain:
    /// the subsets the document embeds then hold the name's glyphs, not
    /// the label's too. The line measures the same either way (Liberation
    /// Sans has Helvetica's widths and such text is neither kerned nor
    /// shaped); text to shape or reorder (right to left, combining marks)
    /// is drawn whole, as the bidi algorithm and the shaper see the whole
    /// line.
    #[allow(clippy::too_many_arguments)]
    pub fn text_from(&mut self, x: f32, y: f32, s: &str, at: usize, w: Weight, size: f32, c: Rgb3) {
        let split = self.mode == FontMode::Embedded
            && self.fonts.builtin.is_some()
            && at > 0
            && at < s.len()
            && s.is_char_boundary(at)
            && self.fonts.builtin_can_draw(&s[..at])
            && !self.fonts.builtin_can_draw(s)
            && text::unshaped(s);
        if !split {
            self.text(x, y, s, w, size, c);
            return;
        }
        let (label, data) = s.split_at(at);
        self.text(x, y, label, w, size, c);
        let lw = self.width(label, w, size);
        self.text(x + lw, y, data, w, size, c);
    }

    /// Embedded text: the runs of the fallback chain, each placed where the
    /// previous one ended. The PDF advances each glyph by its stated width;
    /// where shaping moved the pen otherwise (kerning, marks) a TJ
    /// adjustment says so, and a glyph offset from its pen position (a mark
    /// above a letter) is placed on its own.
    fn glyph_runs(&mut self, x: f32, y: f32, s: &str, w: Weight, size: f32) {
        let mut pen = x;
        for run in text::runs(self.fonts, s, w) {
            let face = run.face;
            let key = face.key;
            self.set_font(FontKey::Face(key), size);
            let upm = face.units_per_em();
            let to_pt = size / upm;
            let scale = 1000.0 / upm;
            // Whether a `TJ` array is open (glyphs placed since the last
            // move).
            let mut open = false;
            let text_of = |g: &text::Glyph| -> String {
                match &g.text {
                    Some(t) => t.clone(),
                    None => face.char_of(g.gid).map(String::from).unwrap_or_default(),
                }
            };
            for g in &run.glyphs {
                if g.dx != 0 || g.dy != 0 {
                    if open {
                        self.content.end_glyphs();
                        open = false;
                    }
                    self.move_to(pen + g.dx as f32 * to_pt, y - g.dy as f32 * to_pt);
                    self.content.begin_glyphs();
                    self.content.glyph(key, g.gid, || text_of(g));
                    self.content.end_glyphs();
                    pen += g.advance as f32 * to_pt;
                    continue;
                }
                if !open {
                    self.move_to(pen, y);
                    self.content.begin_glyphs();
                    open = true;
                }
                let stated = embed::pdf_width(face, g.gid, scale) as f32;
                let wanted = g.advance as f32 * scale;
                let adjust = stated - wanted;
                self.content.glyph(key, g.gid, || text_of(g));
                if adjust.abs() >= 0.5 {
                    self.content.kern(adjust);
                }
                pen += g.advance as f32 * to_pt;
            }
            if open {
                self.content.end_glyphs();
            }
        }
    }

    fn move_to(&mut self, x: f32, y: f32) {
        self.content.text_at(x, PAGE_H - y);
    }

    fn set_font(&mut self, key: FontKey, size: f32) {
        if self.font == Some((key, size)) {
            return;
        }
        match key {
            FontKey::Builtin(w) => match self.fonts.builtin_handle(w) {
                PdfFontHandle::Builtin(font) => self.content.builtin_font(font, size),
                PdfFontHandle::External(id) => self.content.face_font(&id.0, size),
            },
            FontKey::Face(k) => self
                .content
                .face_font(&format!("{}{k}", embed::RESOURCE_PREFIX), size),
        }
        self.font = Some((key, size));
    }

    /// Text whose right edge is at `x_right`.
    pub fn text_right(&mut self, x_right: f32, y: f32, s: &str, w: Weight, size: f32, c: Rgb3) {
        let x = x_right - self.width(s, w, size);
        self.text(x, y, s, w, size, c);
    }

    /// Text cut to `max` points wide (with an ellipsis when cut).
    #[allow(clippy::too_many_arguments)]
    pub fn text_fit(&mut self, x: f32, y: f32, s: &str, max: f32, w: Weight, size: f32, c: Rgb3) {
        let fitted = self.fit(s, max, w, size);
        self.text(x, y, &fitted, w, size, c);
    }

    /// Word-wraps `s` into at most `max_lines` lines of `max` points and
    /// draws them from baseline `y` down, `leading` points apart; returns
    /// the baseline below the last line.
    #[allow(clippy::too_many_arguments)]
    pub fn paragraph(
        &mut self,
        x: f32,
        y: f32,
        s: &str,
        max: f32,
        max_lines: usize,
        leading: f32,
        w: Weight,
        size: f32,
        c: Rgb3,
    ) -> f32 {
        let mut y = y;
        for line in self.wrap(s, max, w, size, max_lines) {
            self.text(x, y, &line, w, size, c);
            y += leading;
        }
        y
    }

    /// A horizontal rule at `y`.
    pub fn hline(&mut self, x1: f32, x2: f32, y: f32, thickness: f32, c: Rgb3) {
        self.line((x1, y), (x2, y), thickness, c);
    }

    /// A straight line between two points (each `(x, y from the top)`).
    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), thickness: f32, c: Rgb3) {
        self.content.stroke_rgb(c.0, c.1, c.2);
        self.content.line_width(thickness);
        self.content
            .line(from.0, PAGE_H - from.1, to.0, PAGE_H - to.1);
    }

    /// A filled rectangle whose top-left corner is (`x`, `y` from the top).
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, c: Rgb3) {
        self.set_fill(c);
        self.content.rect(x, PAGE_H - y - h, w, h, true);
    }

    /// A stroked rectangle outline.
    pub fn frame(&mut self, x: f32, y: f32, w: f32, h: f32, thickness: f32, c: Rgb3) {
        self.content.stroke_rgb(c.0, c.1, c.2);
        self.content.line_width(thickness);
        self.content.rect(x, PAGE_H - y - h, w, h, false);
    }

    /// Places an image XObject (registered under `id`) in the box whose
    /// top-left corner is (`x`, `y` from the top).
    pub fn image(&mut self, id: &str, x: f32, y: f32, w: f32, h: f32) {
        self.content.image(id, x, PAGE_H - y - h, w, h);
    }

    /// `s` cut to fit `max` points, ending in an ellipsis when cut.
    pub fn fit(&self, s: &str, max: f32, w: Weight, size: f32) -> String {
        if self.width(s, w, size) <= max {
            return s.to_string();
        }
        let room = max - self.width(self.ellipsis, w, size);
        let mut out = String::new();
        let mut used = 0.0;
        for ch in s.chars() {
            let cw = self.width(ch.encode_utf8(&mut [0u8; 4]), w, size);
            if used + cw > room {
                break;
            }
            used += cw;
            out.push(ch);
        }
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
        out.push_str(self.ellipsis);
        out
    }

    /// Word-wraps `s` into lines of at most `max` points; at most
    /// `max_lines` lines, the last one cut with an ellipsis if needed.
    /// Words wider than a line are broken.
    pub fn wrap(&self, s: &str, max: f32, w: Weight, size: f32, max_lines: usize) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut cur = String::new();
        // Text the built-in font draws is measured glyph by glyph, with no
        // shaping: a line's width is the sum of its words' and spaces', so
        // each word is measured once, not the whole line again per word
        // (the same sums, so the same breaks).
        let simple = self.fonts.builtin.is_some()
            && (self.mode == FontMode::Builtin || self.fonts.builtin_can_draw(s));
        let face = self.fonts.face(w);
        let space = face.units(" ");
        let mut cur_units = 0u32;
        for word in s.split_whitespace() {
            // The word tried on the line in place, taken back if too wide.
            let before = cur.len();
            let tried = if simple {
                let sep = if cur.is_empty() { 0 } else { space };
                let units = cur_units + sep + face.units(word);
                (face.units_to_pt(units, size) <= max).then_some(units)
            } else {
                None
            };
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
            let fits = match tried {
                Some(units) => {
                    cur_units = units;
                    true
                }
                None => !simple && self.width(&cur, w, size) <= max,
            };
            if fits {
                continue;
            }
            cur.truncate(before);
            if !cur.is_empty() {
                lines.push(std::mem::take(&mut cur));
            }
            // A word longer than the line: break it by characters.
            let mut piece = String::new();
            for ch in word.chars() {
                piece.push(ch);
                if self.width(&piece, w, size) > max && piece.chars().count() > 1 {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(ch);
                }
            }
            cur = piece;
            cur_units = if simple { face.units(&cur) } else { 0 };
        }
        if !cur.is_empty() {
            lines.push(cur);
        }
        if lines.len() > max_lines.max(1) {
            let keep = max_lines.max(1);
            let rest = lines[keep - 1..].join(" ");
            lines.truncate(keep - 1);
            let mut last = self.fit(&rest, max, w, size);
            if !last.ends_with(self.ellipsis) {
                last.push_str(self.ellipsis);
            }
            lines.push(last);
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wrap measuring each candidate line whole, as it was written
    /// before words were measured one by one: the reference.
    fn wrap_whole(c: &Canvas, s: &str, max: f32, w: Weight, size: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut cur = String::new();
        for word in s.split_whitespace() {
            let candidate = if cur.is_empty() {
                word.to_string()
            } else {
                format!("{cur} {word}")
            };
            if c.width(&candidate, w, size) <= max {
                cur = candidate;
                continue;
            }
            if !cur.is_empty() {
                lines.push(std::mem::take(&mut cur));
            }
            let mut piece = String::new();
            for ch in word.chars() {
                piece.push(ch);
                if c.width(&piece, w, size) > max && piece.chars().count() > 1 {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(ch);
                }
            }
            cur = piece;
        }
        if !cur.is_empty() {
            lines.push(cur);
        }
        lines
    }

    #[test]
    fn words_measured_one_by_one_break_where_whole_lines_do() {
        let fonts = FontSet::load(None, None).unwrap();
        let texts = [
            "I attest that the services listed were medically necessary and \
             were provided by me or under my direct supervision on the dates shown.",
            "Pneumonoultramicroscopicsilicovolcanoconiosis is one long word, \
             then short ones: a b c d e f g h i j k l m n o p.",
            "Zoë Ångström-Müller paid $1,234.56 by card (Visa ****4242) — thank you.",
            "  spaces\tand\ttabs   between   words  ",
            "Nguyễn Łukasz Dvořák: names beyond WinAnsi are shaped, not summed.",
        ];
        let mut compared = 0;
        for mode in [FontMode::Builtin, FontMode::Embedded] {
            let c = Canvas::new(&fonts, mode);
            for t in texts {
                if mode == FontMode::Builtin && !fonts.builtin_can_draw(t) {
                    continue;
                }
                for w in [Weight::Regular, Weight::Bold] {
                    for max in [20.0, 57.5, 100.0, 163.3, 250.0, 532.0] {
                        let got = c.wrap(t, max, w, 8.0, 100);
                        assert_eq!(got, wrap_whole(&c, t, max, w, 8.0), "{t:?} at {max}");
                        compared += 1;
                    }
                }
            }
        }
        assert_eq!(compared, 2 * 6 * (4 + 5));
    }

    /// The glyphs (by text) a canvas drew with embedded faces.
    fn embedded_text(c: &Canvas) -> String {
        let mut t: Vec<String> = c
            .content
            .faces()
            .values()
            .flat_map(|used| used.values().cloned())
            .collect();
        t.sort();
        t.concat()
    }

    #[test]
    fn a_label_before_a_name_stays_in_the_builtin_font() {
        let fonts = FontSet::new(&Default::default()).unwrap();
        let label = "Superbill SB-202609-P0001  \u{00B7}  Patient: ";
        let mut names = vec!["Nguyễn, An", "Wiśniewski, Łukasz", "Παπαδόπουλος, Νίκος"];
        if fonts.missing("王, 伟").is_none() {
            names.push("王, 伟");
        }
        for name in names {
            let s = format!("{label}{name}");
            let mut c = Canvas::new(&fonts, FontMode::Embedded);
            c.text_from(40.0, 700.0, &s, label.len(), Weight::Regular, 7.5, INK);
            // Only the name's glyphs are embedded: none of the label's
            // letters that the name lacks.
            let drawn = embedded_text(&c);
            assert!(
                !drawn.contains('S') && !drawn.contains('P'),
                "{name}: {drawn:?}"
            );
            let mut want: Vec<char> = name.chars().collect();
            want.sort();
            want.dedup();
            let mut got: Vec<char> = drawn.chars().collect();
            got.sort();
            got.dedup();
            assert_eq!(got, want, "{name}");
            // The label is Helvetica's; the line measures the same split.
            let text = String::from_utf8_lossy(c.content.bytes()).into_owned();
            // The label in the built-in font's literal string.
            assert!(text.contains("(Superbill SB-"), "{text}");
            let whole = c.width(&s, Weight::Regular, 7.5);
            let parts = c.width(label, Weight::Regular, 7.5) + c.width(name, Weight::Regular, 7.5);
            assert!((whole - parts).abs() < 1e-3, "{name}: {whole} vs {parts}");
        }
        // Drawn whole: a WinAnsi name (the same bytes as `text`), a
        // right-to-left one (bidi orders the whole line), built-in mode.
        for (name, mode) in [
            ("Muñoz, Zoë", FontMode::Embedded),
            ("כהן, שרה", FontMode::Embedded),
            ("Muñoz, Zoë", FontMode::Builtin),
        ] {
            let s = format!("{label}{name}");
            let mut a = Canvas::new(&fonts, mode);
            a.text_from(40.0, 700.0, &s, label.len(), Weight::Regular, 7.5, INK);
            let mut b = Canvas::new(&fonts, mode);
            b.text(40.0, 700.0, &s, Weight::Regular, 7.5, INK);
            assert_eq!(a.content.bytes(), b.content.bytes(), "{name}");
        }
        // A label cut short (an ellipsis inside it) or past the end: whole.
        let mut a = Canvas::new(&fonts, FontMode::Embedded);
        a.text_from(0.0, 10.0, "Patient: Nguy", 40, Weight::Regular, 7.5, INK);
        let mut b = Canvas::new(&fonts, FontMode::Embedded);
        b.text(0.0, 10.0, "Patient: Nguy", Weight::Regular, 7.5, INK);
        assert_eq!(a.content.bytes(), b.content.bytes());
    }
}
