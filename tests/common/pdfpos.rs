//! Text read back from a PDF page with its position: every text-showing
//! operator with the text matrix it was drawn at, so a test can say not
//! only that a value is printed but in which box. Handles what our PDFs
//! use: `Td` or `Tm` per text item, `Tj`/`TJ` strings in a built-in
//! (WinAnsi) font.
#![allow(dead_code)]

use lopdf::content::Content;
use lopdf::{Document, Object};

/// One piece of text: where its baseline starts (PDF points, from the
/// bottom-left corner) and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    pub x: f32,
    pub y: f32,
    pub text: String,
}

fn num(o: &Object) -> f32 {
    match o {
        Object::Integer(i) => *i as f32,
        Object::Real(r) => *r,
        _ => 0.0,
    }
}

fn string(o: &Object, out: &mut String) {
    match o {
        Object::String(bytes, _) => out.extend(bytes.iter().map(|&b| b as char)),
        Object::Array(items) => {
            for i in items {
                string(i, out);
            }
        }
        _ => {}
    }
}

/// The positioned text of every page.
pub fn pages(pdf: &[u8]) -> Vec<Vec<Placed>> {
    let doc = Document::load_mem(pdf).expect("PDF loads");
    let mut out = Vec::new();
    for (_, id) in doc.get_pages() {
        let bytes = doc.get_page_content(id);
        let content = Content::decode(&bytes).expect("content decodes");
        let mut page = Vec::new();
        let (mut x, mut y) = (0.0, 0.0);
        for op in &content.operations {
            match op.operator.as_str() {
                // A text object starts at the origin; `Td` moves from the
                // start of the current line, `Tm` sets it.
                "BT" => (x, y) = (0.0, 0.0),
                "Td" if op.operands.len() == 2 => {
                    x += num(&op.operands[0]);
                    y += num(&op.operands[1]);
                }
                "Tm" if op.operands.len() == 6 => {
                    x = num(&op.operands[4]);
                    y = num(&op.operands[5]);
                }
                "Tj" | "TJ" => {
                    let mut text = String::new();
                    for o in &op.operands {
                        string(o, &mut text);
                    }
                    page.push(Placed { x, y, text });
                }
                _ => {}
            }
        }
        out.push(page);
    }
    out
}

/// The texts drawn at (x, y), within a hundredth of a point.
pub fn at(page: &[Placed], x: f32, y: f32) -> Vec<&str> {
    page.iter()
        .filter(|p| (p.x - x).abs() < 0.01 && (p.y - y).abs() < 0.01)
        .map(|p| p.text.as_str())
        .collect()
}
