//! The minimal-writer bound: the least a PDF writer can do for the same
//! pages. It takes a display list (already laid out, already measured) and
//! formats the content stream straight into bytes, deflates it with our
//! renderer's own page-content compression (`flate::deflate` at
//! `flate::PER_DOCUMENT`: libdeflate level 1, one compressor per thread
//! reused, src/render/pdf/flate.rs), and writes the objects, the
//! cross-reference table and the trailer. Fonts
//! are the built-in Helvetica pair; images are the XObjects our renderer
//! prepared once per batch, written as they are encoded. No printpdf, no
//! lopdf, no object model: this is the floor our renderer is measured
//! against.

use super::display::{Doc, Image, Images, Op};
use std::io::Write;
use superbill::render::pdf::flate;

/// A PDF under construction: bytes and the offset of each object.
struct Out {
    buf: Vec<u8>,
    offsets: Vec<usize>,
}

impl Out {
    /// Starts object `n` (numbered from 1, in order).
    fn obj(&mut self, n: usize) {
        debug_assert_eq!(self.offsets.len() + 1, n);
        self.offsets.push(self.buf.len());
        let _ = writeln!(self.buf, "{n} 0 obj");
    }

    fn stream(&mut self, n: usize, dict: &str, data: &[u8]) {
        self.obj(n);
        let _ = writeln!(self.buf, "<<{dict}/Length {}>>\nstream", data.len());
        self.buf.extend_from_slice(data);
        self.buf.extend_from_slice(b"\nendstream\nendobj\n");
    }
}

/// A number as PDF wants it: shortest decimal that round-trips, no
/// exponent (Rust's `Display` for f32 never writes one).
fn num(buf: &mut Vec<u8>, v: f32) {
    let _ = write!(buf, "{v}");
}

fn nums(buf: &mut Vec<u8>, vs: &[f32], op: &str) {
    for &v in vs {
        num(buf, v);
        buf.push(b' ');
    }
    buf.extend_from_slice(op.as_bytes());
    buf.push(b'\n');
}

/// A literal string: bytes as they are but for the three that need a
/// backslash.
fn string(buf: &mut Vec<u8>, s: &[u8]) {
    buf.push(b'(');
    for &b in s {
        if matches!(b, b'(' | b')' | b'\\') {
            buf.push(b'\\');
        }
        buf.push(b);
    }
    buf.push(b')');
}

/// One page's content stream, uncompressed. `used` marks the images drawn.
fn content(ops: &[Op], buf: &mut Vec<u8>, used: &mut [bool]) {
    // Font state is kept across text shows, as any writer would.
    let mut font: Option<(bool, f32)> = None;
    for op in ops {
        match op {
            Op::Fill(c) => nums(buf, c, "rg"),
            Op::Stroke(c) => nums(buf, c, "RG"),
            Op::LineWidth(w) => nums(buf, &[*w], "w"),
            Op::Text {
                bold,
                size,
                x,
                y,
                text,
            } => {
                buf.extend_from_slice(b"BT\n");
                if font != Some((*bold, *size)) {
                    buf.extend_from_slice(if *bold { b"/F2 " } else { b"/F1 " });
                    nums(buf, &[*size], "Tf");
                    font = Some((*bold, *size));
                }
                nums(buf, &[*x, *y], "Td");
                string(buf, text);
                buf.extend_from_slice(b" Tj\nET\n");
            }
            Op::Line { from, to } => {
                nums(buf, &[from.0, from.1], "m");
                nums(buf, &[to.0, to.1], "l");
                buf.extend_from_slice(b"S\n");
            }
            Op::Rect { x, y, w, h, fill } => {
                nums(buf, &[*x, *y, *w, *h], "re");
                buf.extend_from_slice(if *fill { b"f\n" } else { b"S\n" });
            }
            Op::Image { id, x, y, w, h } => {
                used[*id] = true;
                buf.extend_from_slice(b"q\n");
                nums(buf, &[*w, 0.0, 0.0, *h, *x, *y], "cm");
                let _ = writeln!(buf, "/Im{id} Do\nQ");
            }
        }
    }
}

fn image_dict(img: &Image, smask: Option<usize>) -> String {
    let mut d = format!(
        "/Type/XObject/Subtype/Image/Width {}/Height {}/ColorSpace/{}/BitsPerComponent 8",
        img.width,
        img.height,
        if img.gray { "DeviceGray" } else { "DeviceRGB" }
    );
    if img.flate {
        d.push_str("/Filter/FlateDecode");
    }
    if let Some(n) = smask {
        d.push_str(&format!("/SMask {n} 0 R"));
    }
    d
}

/// The whole PDF of `doc`.
pub fn write(doc: &Doc, images: &Images) -> Vec<u8> {
    let mut used = vec![false; images.list.len()];
    let mut raw = Vec::with_capacity(16 * 1024);
    let mut streams = Vec::with_capacity(doc.pages.len());
    for p in &doc.pages {
        raw.clear();
        content(&p.ops, &mut raw, &mut used);
        streams.push(flate::deflate(&raw, flate::PER_DOCUMENT));
    }

    // Objects: 1 catalog, 2 page tree, 3 and 4 the fonts, then per page
    // (page, content), then the images (each with its mask after it).
    let n_pages = doc.pages.len();
    let first_image = 5 + 2 * n_pages;
    let mut image_obj = vec![0usize; images.list.len()];
    let mut next = first_image;
    for (i, img) in images.list.iter().enumerate() {
        if used[i] {
            image_obj[i] = next;
            next += 1 + usize::from(img.smask.is_some());
        }
    }
    let total_bytes: usize = streams.iter().map(Vec::len).sum();
    let mut out = Out {
        buf: Vec::with_capacity(total_bytes + 2048),
        offsets: Vec::with_capacity(next),
    };
    out.buf.extend_from_slice(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
    out.obj(1);
    out.buf
        .extend_from_slice(b"<</Type/Catalog/Pages 2 0 R>>\nendobj\n");
    out.obj(2);
    out.buf.extend_from_slice(b"<</Type/Pages/Kids[");
    for i in 0..n_pages {
        let _ = write!(out.buf, "{} 0 R ", 5 + 2 * i);
    }
    let _ = writeln!(out.buf, "]/Count {n_pages}>>\nendobj");
    for (n, base) in [(3, "Helvetica"), (4, "Helvetica-Bold")] {
        out.obj(n);
        let _ = writeln!(
            out.buf,
            "<</Type/Font/Subtype/Type1/BaseFont/{base}/Encoding/WinAnsiEncoding>>\nendobj"
        );
    }
    let mut xobjects = String::new();
    for (i, &n) in image_obj.iter().enumerate() {
        if n != 0 {
            xobjects.push_str(&format!("/Im{i} {n} 0 R"));
        }
    }
    for (i, (p, data)) in doc.pages.iter().zip(&streams).enumerate() {
        let n = 5 + 2 * i;
        out.obj(n);
        let _ = writeln!(
            out.buf,
            "<</Type/Page/Parent 2 0 R/MediaBox[0 0 {} {}]/Resources<</Font<</F1 3 0 R/F2 4 0 R>>/XObject<<{xobjects}>>>>/Contents {} 0 R>>\nendobj",
            p.width,
            p.height,
            n + 1
        );
        out.stream(n + 1, "/Filter/FlateDecode", data);
    }
    for (i, img) in images.list.iter().enumerate() {
        let n = image_obj[i];
        if n == 0 {
            continue;
        }
        let mask = img.smask.as_ref().map(|_| n + 1);
        out.stream(n, &image_dict(img, mask), &img.encoded);
        if let Some(m) = &img.smask {
            out.stream(n + 1, &image_dict(m, None), &m.encoded);
        }
    }
    let xref = out.buf.len();
    let _ = writeln!(out.buf, "xref\n0 {next}\n0000000000 65535 f ");
    for off in &out.offsets {
        let _ = writeln!(out.buf, "{off:010} 00000 n ");
    }
    let _ = writeln!(
        out.buf,
        "trailer\n<</Size {next}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF"
    );
    out.buf
}
