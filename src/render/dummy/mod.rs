//! A test-only document: each superbill's service lines and total, drawn
//! with the PDF layer alone. It proves that a document kind
//! is its own folder plus one line in `render::documents` (the batch is not
//! touched), and uses the layer the way the CMS-1500 and the statements
//! will: text at positions, wrapped text, lines and rectangles, a table
//! over pages under a running header, fonts chosen per text and the glyph
//! check derived from the document's data.

use super::pdf::assemble;
use super::pdf::canvas::{Canvas, INK, MUTED, RULE, SHADE};
use super::pdf::fonts::{self, FontSet, Weight};
use super::pdf::pager::{Frame, Pager, Table};
use super::{Document, RenderOptions, BUILD_ID};
use crate::superbill::Superbill;
use serde::Serialize;

/// A superbill billing a session with this id cannot be rendered by the
/// dummy: lets a test prove that a document failing for one superbill
/// holds that superbill only (the batch goes on, its exports complete).
pub const FAILS_ON_SESSION: &str = "BROKEN1";

const LEFT: f32 = 50.0;
const RIGHT: f32 = 562.0;
const FRAME: Frame = Frame {
    top: 50.0,
    bottom: 740.0,
    cont_top: 80.0,
};
const ROW_H: f32 = 26.0;

pub struct Dummy {
    fonts: FontSet,
    fingerprint: String,
}

impl Dummy {
    pub fn new(opts: &RenderOptions) -> crate::Result<Dummy> {
        Ok(Dummy {
            fonts: FontSet::new(&opts.font_choice())?,
            fingerprint: format!("dummy {BUILD_ID}"),
        })
    }
}

/// What the dummy prints: its own model, as every document has one.
#[derive(Serialize)]
struct Data<'a> {
    number: &'a str,
    practice: &'a str,
    patient: &'a str,
    /// (date, code, description, charge)
    lines: Vec<(String, &'a str, &'a str, String)>,
    total: String,
}

struct Lines<'a> {
    data: &'a Data<'a>,
    heights: Vec<f32>,
}

impl Table for Lines<'_> {
    fn header_height(&self) -> f32 {
        16.0
    }

    fn heights(&self) -> &[f32] {
        &self.heights
    }

    fn draw_header(&self, p: &mut Pager) {
        p.c.rect(LEFT, p.y, RIGHT - LEFT, 16.0, SHADE);
        p.c.text(LEFT + 4.0, p.y + 11.0, "Date", Weight::Bold, 8.0, INK);
        p.c.text(LEFT + 70.0, p.y + 11.0, "Service", Weight::Bold, 8.0, INK);
        p.c.text_right(RIGHT - 4.0, p.y + 11.0, "Charge", Weight::Bold, 8.0, INK);
        p.y += 16.0;
    }

    fn draw_row(&self, p: &mut Pager, i: usize) {
        let (date, code, description, charge) = &self.data.lines[i];
        let y = p.y + 11.0;
        p.c.text(LEFT + 4.0, y, date, Weight::Regular, 8.5, INK);
        p.c.text(LEFT + 70.0, y, code, Weight::Bold, 8.5, INK);
        p.c.paragraph(
            LEFT + 110.0,
            y,
            description,
            RIGHT - LEFT - 190.0,
            2,
            10.0,
            Weight::Regular,
            8.5,
            MUTED,
        );
        p.c.text_right(RIGHT - 4.0, y, charge, Weight::Regular, 8.5, INK);
        p.c.line((LEFT, p.y + ROW_H), (RIGHT, p.y + ROW_H), 0.3, RULE);
        p.y += ROW_H;
    }
}

impl Document for Dummy {
    fn folder(&self) -> &'static str {
        "dummy"
    }

    fn file_name(&self, number: &str) -> String {
        format!("{number}-dummy.pdf")
    }

    fn render(&self, sb: &Superbill) -> crate::Result<Vec<u8>> {
        if sb.lines.iter().any(|l| l.session_id == FAILS_ON_SESSION) {
            return Err(crate::Error::Other(format!(
                "dummy {}: cannot be drawn",
                sb.number
            )));
        }
        let data = Data {
            number: &sb.number,
            practice: &sb.practice.legal_name,
            patient: &sb.patient.name,
            lines: sb
                .lines
                .iter()
                .map(|l| {
                    let date = l.date.format("%m/%d/%Y").to_string();
                    (
                        date,
                        l.code.as_str(),
                        l.description.as_str(),
                        l.charge.display(),
                    )
                })
                .collect(),
            total: sb.total_charged.display(),
        };
        let mode = fonts::mode_for(&self.fonts, &data, &[])
            .map_err(|m| crate::Error::Unprintable(format!("dummy {}: {m}", sb.number)))?;

        let running = |c: &mut Canvas| {
            let head = format!("Dummy {} (continued)", data.number);
            c.text(LEFT, 62.0, &head, Weight::Bold, 9.0, INK);
            c.hline(LEFT, RIGHT, 68.0, 0.6, RULE);
        };
        let mut p = Pager::new(&self.fonts, mode, FRAME, running);
        p.c.text(LEFT, p.y + 14.0, "Dummy", Weight::Bold, 18.0, INK);
        p.c.text_right(RIGHT, p.y + 14.0, data.number, Weight::Bold, 10.0, INK);
        p.c.text(LEFT, p.y + 32.0, data.practice, Weight::Regular, 10.0, INK);
        p.c.text_fit(
            LEFT,
            p.y + 46.0,
            data.patient,
            300.0,
            Weight::Regular,
            10.0,
            MUTED,
        );
        p.y += 60.0;
        let table = Lines {
            data: &data,
            heights: vec![ROW_H; data.lines.len()],
        };
        p.table(&table, 8.0, 30.0);
        p.c.frame(RIGHT - 160.0, p.y, 160.0, 24.0, 0.8, INK);
        p.c.text(RIGHT - 152.0, p.y + 16.0, "Total", Weight::Bold, 10.0, INK);
        p.c.text_right(
            RIGHT - 8.0,
            p.y + 16.0,
            &data.total,
            Weight::Bold,
            10.0,
            INK,
        );
        let pages = p.finish(|c, page, total| {
            c.text_right(
                RIGHT,
                760.0,
                &format!("Page {page} of {total}"),
                Weight::Regular,
                7.5,
                MUTED,
            );
        });
        let meta = assemble::Meta {
            label: format!("dummy {}", sb.number),
            id_seed: format!("dummy:{}", sb.number),
            title: format!("Dummy {}", sb.number),
            author: sb.practice.legal_name.clone(),
            subject: "Dummy".into(),
            date: sb.statement_date,
        };
        assemble::assemble(pages, mode, &self.fonts, &[], meta)
    }

    fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

#[cfg(test)]
mod tests;
