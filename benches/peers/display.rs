//! A page's display list, read back from one of our own PDFs: what is drawn
//! (text shows with font, size, position and string; lines; rectangles;
//! fill and stroke colours; line widths; images), where, in drawing order,
//! and nothing about how it was laid out. The peers (ReportLab, the minimal
//! writer) draw exactly this, so they do none of the layout and measuring
//! work our renderer does: the comparison is conservative.
//!
//! Only documents whose text is all in the built-in Helvetica (WinAnsi) are
//! taken: a document with embedded font subsets (names in other scripts) is
//! reported as `None`, and the `scripts` bench measures what those cost.

use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A drawing operation in PDF user space (points, origin bottom left).
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Fill([f32; 3]),
    Stroke([f32; 3]),
    LineWidth(f32),
    /// One text show: `bold` picks Helvetica-Bold; `text` is WinAnsi bytes.
    Text {
        bold: bool,
        size: f32,
        x: f32,
        y: f32,
        text: Vec<u8>,
    },
    /// A stroked straight line.
    Line {
        from: (f32, f32),
        to: (f32, f32),
    },
    /// A rectangle, filled or stroked.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: bool,
    },
    /// Image `id` (an index into [`Images`]) drawn into this box.
    Image {
        id: usize,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

pub struct Page {
    pub width: f32,
    pub height: f32,
    pub ops: Vec<Op>,
}

pub struct Doc {
    pub name: String,
    pub pages: Vec<Page>,
}

/// An image XObject as our PDF stores it: its stream bytes as encoded
/// (compressed once per batch), and its soft mask.
pub struct Image {
    pub width: i64,
    pub height: i64,
    pub gray: bool,
    /// The stream's bytes, encoded as `flate` says.
    pub encoded: Vec<u8>,
    pub flate: bool,
    pub smask: Option<Box<Image>>,
}

impl Image {
    /// The raw samples (for the ReportLab peer, which encodes its own).
    pub fn samples(&self) -> Vec<u8> {
        if !self.flate {
            return self.encoded.clone();
        }
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(&self.encoded[..])
            .read_to_end(&mut out)
            .expect("image stream inflates");
        out
    }
}

/// The images of all documents, each once (same bytes, same id): the
/// renderer prepares its images once per batch, and so do the peers.
#[derive(Default)]
pub struct Images {
    pub list: Vec<Image>,
}

impl Images {
    fn intern(&mut self, img: Image) -> usize {
        let same = |a: &Image, b: &Image| {
            a.encoded == b.encoded
                && a.width == b.width
                && a.height == b.height
                && a.smask.as_ref().map(|m| &m.encoded) == b.smask.as_ref().map(|m| &m.encoded)
        };
        if let Some(i) = self.list.iter().position(|x| same(x, &img)) {
            return i;
        }
        self.list.push(img);
        self.list.len() - 1
    }
}

fn nums(ops: &[Object]) -> Vec<f32> {
    ops.iter()
        .map(|o| o.as_float().expect("numeric operand"))
        .collect()
}

/// 2-D affine matrix [a b c d e f], as PDF writes it.
type M = [f32; 6];
const IDENTITY: M = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `m` then `n` (PDF's `cm` order: the new matrix is m × CTM).
fn mul(m: M, n: M) -> M {
    [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]
}

fn image_of(doc: &Document, stream_obj: &Object) -> Image {
    let (_, obj) = doc.dereference(stream_obj).expect("image reference");
    let s = obj.as_stream().expect("image is a stream");
    let d = &s.dict;
    let int = |k: &[u8]| d.get(k).and_then(Object::as_i64).expect("image size");
    let filter = d.get(b"Filter").and_then(Object::as_name).ok();
    assert!(
        filter.is_none() || filter == Some(b"FlateDecode"),
        "image filter {filter:?} not supported"
    );
    let space = d
        .get(b"ColorSpace")
        .and_then(Object::as_name)
        .expect("image colour space");
    Image {
        width: int(b"Width"),
        height: int(b"Height"),
        gray: space == b"DeviceGray",
        encoded: s.content.clone(),
        flate: filter.is_some(),
        smask: d.get(b"SMask").ok().map(|m| Box::new(image_of(doc, m))),
    }
}

/// The display list of every page of `pdf`, or `None` when some text is
/// not in the built-in Helvetica. Panics on an operator it does not know,
/// so a change in what the renderer writes is noticed here, not as a
/// silent difference.
pub fn extract(name: &str, pdf: &[u8], images: &mut Images) -> Option<Doc> {
    let doc = Document::load_mem(pdf).expect("our PDF parses");
    let mut pages = Vec::new();
    for (_, page_id) in doc.get_pages() {
        pages.push(page(&doc, page_id, images)?);
    }
    Some(Doc {
        name: name.to_string(),
        pages,
    })
}

fn page(doc: &Document, page_id: ObjectId, images: &mut Images) -> Option<Page> {
    let dict = doc.get_dictionary(page_id).expect("page");
    let media = nums(dict.get(b"MediaBox").unwrap().as_array().unwrap());
    // Font resource name -> bold; None for a font that is not a built-in
    // Helvetica (an embedded subset).
    let fonts: BTreeMap<Vec<u8>, Option<bool>> = doc
        .get_page_fonts(page_id)
        .expect("page fonts")
        .into_iter()
        .map(|(k, f)| {
            let base = f.get(b"BaseFont").and_then(Object::as_name).unwrap_or(b"");
            let builtin = f.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Type1");
            let bold = match (builtin, base) {
                (true, b"Helvetica") => Some(false),
                (true, b"Helvetica-Bold") => Some(true),
                _ => None,
            };
            (k, bold)
        })
        .collect();
    let xobjects: Option<&Dictionary> = dict
        .get(b"Resources")
        .and_then(|r| doc.dereference(r))
        .ok()
        .and_then(|(_, r)| r.as_dict().ok())
        .and_then(|r| r.get(b"XObject").ok())
        .and_then(|x| doc.dereference(x).ok())
        .and_then(|(_, x)| x.as_dict().ok());

    let content = Content::decode(&doc.get_page_content(page_id)).expect("content decodes");
    let mut ops = Vec::new();
    let mut ctm = IDENTITY;
    let mut saved = Vec::new();
    let (mut tm, mut line_m) = (IDENTITY, IDENTITY);
    let mut font: Option<(Option<bool>, f32)> = None;
    // The path under construction: (op, operands).
    let mut path: Vec<(&str, Vec<f32>)> = Vec::new();
    for op in &content.operations {
        let o = &op.operands;
        match op.operator.as_str() {
            "rg" | "RG" => {
                let v = nums(o);
                let c = [v[0], v[1], v[2]];
                ops.push(if op.operator == "rg" {
                    Op::Fill(c)
                } else {
                    Op::Stroke(c)
                });
            }
            "w" => ops.push(Op::LineWidth(nums(o)[0])),
            "q" => saved.push(ctm),
            "Q" => ctm = saved.pop().expect("balanced q/Q"),
            "cm" => {
                let v = nums(o);
                ctm = mul([v[0], v[1], v[2], v[3], v[4], v[5]], ctm);
            }
            "BT" => (tm, line_m) = (IDENTITY, IDENTITY),
            "ET" => {}
            "Tf" => {
                let key = o[0].as_name().expect("font name");
                font = Some((*fonts.get(key).expect("font resource"), nums(&o[1..])[0]));
            }
            "Tm" => {
                let v = nums(o);
                tm = [v[0], v[1], v[2], v[3], v[4], v[5]];
                line_m = tm;
            }
            "Td" => {
                let v = nums(o);
                line_m = mul([1.0, 0.0, 0.0, 1.0, v[0], v[1]], line_m);
                tm = line_m;
            }
            "Tj" | "TJ" => {
                let (bold, size) = font.expect("Tf before text");
                let bold = bold?;
                let text: Vec<u8> = match op.operator.as_str() {
                    "Tj" => o[0].as_str().expect("string").to_vec(),
                    // Built-in text is never kerned: a TJ of strings only.
                    _ => o[0]
                        .as_array()
                        .expect("TJ array")
                        .iter()
                        .map(|e| e.as_str().expect("TJ without kerning").to_vec())
                        .collect::<Vec<_>>()
                        .concat(),
                };
                let m = mul(tm, ctm);
                assert!(
                    m[0] == 1.0 && m[1] == 0.0 && m[2] == 0.0 && m[3] == 1.0,
                    "text matrix with scale or rotation: {m:?}"
                );
                ops.push(Op::Text {
                    bold,
                    size,
                    x: m[4],
                    y: m[5],
                    text,
                });
                // The pen would move on; one show per BT..ET (or per Tm) is
                // what the renderer writes, so a second show is a bug here.
                tm[0] = f32::NAN;
            }
            "m" | "l" | "re" => path.push((
                match op.operator.as_str() {
                    "m" => "m",
                    "l" => "l",
                    _ => "re",
                },
                nums(o),
            )),
            "S" | "f" => {
                assert!(ctm == IDENTITY, "paths under a transform");
                let stroke = op.operator == "S";
                match path.as_slice() {
                    [("m", a), ("l", b)] if stroke => ops.push(Op::Line {
                        from: (a[0], a[1]),
                        to: (b[0], b[1]),
                    }),
                    [("re", r)] => ops.push(Op::Rect {
                        x: r[0],
                        y: r[1],
                        w: r[2],
                        h: r[3],
                        fill: !stroke,
                    }),
                    other => panic!("path not supported: {other:?} {}", op.operator),
                }
                path.clear();
            }
            "Do" => {
                let key = o[0].as_name().expect("xobject name");
                let x = xobjects
                    .and_then(|d| d.get(key).ok())
                    .expect("xobject resource");
                let id = images.intern(image_of(doc, x));
                assert!(ctm[1] == 0.0 && ctm[2] == 0.0, "rotated image");
                ops.push(Op::Image {
                    id,
                    x: ctm[4],
                    y: ctm[5],
                    w: ctm[0],
                    h: ctm[3],
                });
            }
            other => {
                panic!("content operator {other} not supported: extend benches/peers/display.rs")
            }
        }
    }
    Some(Page {
        width: media[2] - media[0],
        height: media[3] - media[1],
        ops,
    })
}

// ---------------------------------------------------------------- JSON

/// `s` as a JSON string (quotes included).
fn json_str(out: &mut String, s: &str) {
    out.push_str(&serde_json::to_string(s).expect("string to JSON"));
}

/// The display lists as JSON for the ReportLab peer. Text is given as
/// Unicode (WinAnsi decoded), which ReportLab encodes back to WinAnsi for
/// its standard fonts; images by index into `image_files`.
pub fn to_json(docs: &[Doc], image_files: &[(String, Option<String>)], images: &Images) -> String {
    let mut out = String::from("{\"images\":[");
    for (i, (img, (color, alpha))) in images.list.iter().zip(image_files).enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{{\"w\":{},\"h\":{},\"mode\":\"{}\",\"data\":",
            img.width,
            img.height,
            if img.gray { "L" } else { "RGB" }
        );
        json_str(&mut out, color);
        out.push_str(",\"alpha\":");
        match alpha {
            Some(a) => json_str(&mut out, a),
            None => out.push_str("null"),
        }
        out.push('}');
    }
    out.push_str("],\"docs\":[");
    for (i, d) in docs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"name\":");
        json_str(&mut out, &d.name);
        out.push_str(",\"pages\":[");
        for (j, p) in d.pages.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            let _ = write!(out, "{{\"w\":{},\"h\":{},\"ops\":[", p.width, p.height);
            for (k, op) in p.ops.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                match op {
                    Op::Fill(c) => {
                        let _ = write!(out, "[\"rg\",{},{},{}]", c[0], c[1], c[2]);
                    }
                    Op::Stroke(c) => {
                        let _ = write!(out, "[\"RG\",{},{},{}]", c[0], c[1], c[2]);
                    }
                    Op::LineWidth(w) => {
                        let _ = write!(out, "[\"w\",{w}]");
                    }
                    Op::Text {
                        bold,
                        size,
                        x,
                        y,
                        text,
                    } => {
                        let font = if *bold { "Helvetica-Bold" } else { "Helvetica" };
                        let _ = write!(out, "[\"text\",\"{font}\",{size},{x},{y},");
                        let (s, _, _) = encoding_rs::WINDOWS_1252.decode(text);
                        json_str(&mut out, &s);
                        out.push(']');
                    }
                    Op::Line { from, to } => {
                        let _ = write!(out, "[\"line\",{},{},{},{}]", from.0, from.1, to.0, to.1);
                    }
                    Op::Rect { x, y, w, h, fill } => {
                        let _ = write!(out, "[\"rect\",{x},{y},{w},{h},{}]", u8::from(*fill));
                    }
                    Op::Image { id, x, y, w, h } => {
                        let _ = write!(out, "[\"image\",{id},{x},{y},{w},{h}]");
                    }
                }
            }
            out.push_str("]}");
        }
        out.push_str("]}");
    }
    out.push_str("]}");
    out
}
