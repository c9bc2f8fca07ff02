//! The CMS-1500 (02/12) PDF: one page per form of the claim
//! ([`crate::cms1500::Claim`]).
//!
//! Two modes. *Drawn*: the form itself (rules, shaded strips, check boxes
//! and captions in the form's red, from the layout table) with the data,
//! for a patient who prints and mails it. *Data only*: just the data, for
//! printing onto a pre-printed red form, moved by the printer's offsets;
//! [`Renderer::test_page`] fills every box with X's to check alignment.
//!
//! Data prints in 12 pt Courier (10 characters per inch, the form's grid),
//! the built-in font when every character is WinAnsi, else an embedded
//! subset of Liberation Mono. Captions and notes are WinAnsi constants in
//! the built-in Helvetica.

mod layout;

use super::pdf::assemble;
use super::pdf::canvas::{Canvas, Rgb3};
use super::pdf::fonts::{self, FontMode, FontSet, Weight};
use super::{Document, BUILD_ID};
use crate::cms1500::{Claim, Program};
use crate::render::pdf::content::Content;
use crate::superbill::Superbill;
use layout::{Align, Layout};
use serde::Serialize;

pub use layout::SOURCE as LAYOUT_SOURCE;

/// How the form prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Options {
    /// Only the data, for pre-printed red forms.
    pub data_only: bool,
    /// Points to move the data right and down (data-only mode; a
    /// printer's own shift).
    pub offset_x: f32,
    pub offset_y: f32,
}

const DATA_INK: Rgb3 = (0.0, 0.0, 0.0);
const NOTE_INK: Rgb3 = (0.25, 0.25, 0.25);

/// Renders CMS-1500 forms. `Send + Sync`: build one, share it.
pub struct Renderer {
    layout: Layout,
    mono: FontSet,
    sans: FontSet,
    opts: Options,
    fingerprint: String,
}

impl Renderer {
    pub fn new(opts: Options) -> crate::Result<Renderer> {
        let layout = Layout::builtin()?;
        let fingerprint = {
            use sha2::{Digest, Sha256};
            let mut h = Sha256::new();
            h.update(BUILD_ID.as_bytes());
            h.update(
                format!(
                    "cms1500 data_only={} x={} y={}",
                    opts.data_only, opts.offset_x, opts.offset_y
                )
                .as_bytes(),
            );
            hex::encode(h.finalize())
        };
        Ok(Renderer {
            layout,
            mono: FontSet::mono()?,
            sans: FontSet::load(None, None)?,
            opts,
            fingerprint,
        })
    }

    /// The claim of one superbill, one page per form.
    pub fn render(&self, sb: &Superbill) -> crate::Result<Vec<u8>> {
        let claim = Claim::of(sb, program(sb));
        self.render_claim(&claim, &sb.practice.legal_name)
    }

    pub fn render_claim(&self, claim: &Claim, author: &str) -> crate::Result<Vec<u8>> {
        let label = format!("CMS-1500 {}", claim.number);
        let printed = Printed {
            boxes: &claim.boxes,
            notes: &claim.notes,
        };
        let mode = fonts::mode_for(&self.mono, &printed, &[])
            .map_err(|m| crate::Error::Unprintable(format!("{label}: {m}")))?;
        let mut pages = Vec::with_capacity(claim.forms.len());
        for (boxes, notes) in claim.boxes.iter().zip(&claim.notes) {
            pages.push(self.page(boxes, notes, mode)?);
        }
        let meta = assemble::Meta {
            label,
            id_seed: format!("cms1500:{}", claim.number),
            title: format!("CMS-1500 claim {}", claim.number),
            author: author.to_string(),
            subject: "Health insurance claim form (CMS-1500 02/12), filed by the patient".into(),
            date: claim.signed,
        };
        assemble::assemble(pages, mode, &self.mono, &[], meta)
    }

    /// A data-only page with every box filled with X's (check boxes with
    /// one X), to print on a blank red form and check the alignment.
    pub fn test_page(&self) -> crate::Result<Vec<u8>> {
        let boxes: Vec<(String, String)> = self
            .layout
            .names()
            .into_iter()
            .filter_map(|n| {
                let p = self.layout.place(&n)?;
                let width = if p.check { 1 } else { p.width };
                Some((n, "X".repeat(width)))
            })
            .collect();
        let notes = vec![
            "CMS-1500 alignment test: print on a blank red form (02/12).".to_string(),
            "Every X belongs inside its box. If not, print again with".to_string(),
            "--offset-x (positive: right) and --offset-y (positive: down),".to_string(),
            format!(
                "72 pt = 1 in (2mm, 0.1in also work); now x {} pt, y {} pt.",
                self.opts.offset_x, self.opts.offset_y
            ),
        ];
        let page = self.page(&boxes, &notes, FontMode::Builtin)?;
        let meta = assemble::Meta {
            label: "CMS-1500 test page".into(),
            id_seed: format!(
                "cms1500-test:{}:{}:{}",
                self.opts.data_only, self.opts.offset_x, self.opts.offset_y
            ),
            title: "CMS-1500 alignment test page".into(),
            author: "superbill".into(),
            subject: "Alignment test for pre-printed CMS-1500 forms".into(),
            date: chrono::NaiveDate::from_ymd_opt(2012, 2, 1).expect("a date"),
        };
        assemble::assemble(vec![page], FontMode::Builtin, &self.mono, &[], meta)
    }

    fn page(
        &self,
        boxes: &[(String, String)],
        notes: &[String],
        mode: FontMode,
    ) -> crate::Result<Content> {
        let l = &self.layout;
        let (dx, dy) = if self.opts.data_only {
            (self.opts.offset_x, self.opts.offset_y)
        } else {
            (0.0, 0.0)
        };
        let mut sans = Canvas::new(&self.sans, FontMode::Builtin);
        if !self.opts.data_only {
            self.draw_form(&mut sans);
        }
        let n = &l.notes;
        for (i, note) in notes.iter().enumerate() {
            let line = n.at[0] + i as f32 * n.step;
            sans.text(
                l.x(n.at[1]) + dx,
                l.baseline(line) + dy,
                note,
                Weight::Regular,
                n.size,
                NOTE_INK,
            );
        }
        let mut page = sans.take();
        let mut data = Canvas::new(&self.mono, mode);
        for (name, text) in boxes {
            let p = l.place(name).ok_or_else(|| {
                crate::Error::Other(format!(
                    "CMS-1500: box '{name}' is not in assets/cms1500.toml"
                ))
            })?;
            let shown = crate::cms1500::fit(text, p.width, p.address);
            let len = shown.chars().count();
            // Longer than the box: condensed to fit it, from the same start.
            let size = if len > p.width {
                l.grid.size * p.width as f32 / len as f32
            } else {
                l.grid.size
            };
            let lead = match p.align {
                Align::Right => p.width.saturating_sub(len),
                Align::Left => 0,
            };
            let x = l.x(p.col + lead as f32) + dx;
            let y = l.baseline(p.line) + dy;
            data.text(x, y, &shown, Weight::Regular, size, DATA_INK);
        }
        page.append(data.take());
        Ok(page)
    }

    /// The form: shaded strips, rules, check boxes, captions.
    fn draw_form(&self, c: &mut Canvas) {
        let l = &self.layout;
        let f = &l.form;
        let ink = (f.ink[0], f.ink[1], f.ink[2]);
        let shade = (f.shade[0], f.shade[1], f.shade[2]);
        for s in &f.shades {
            let (y0, y1, x0, x1) = (l.y(s[0]), l.y(s[1]), l.x(s[2]), l.x(s[3]));
            c.rect(x0, y0, x1 - x0, y1 - y0, shade);
        }
        let (fx0, fx1) = (l.x(f.frame.x[0]), l.x(f.frame.x[1]));
        let (fy0, fy1) = (l.y(f.frame.y[0]), l.y(f.frame.y[1]));
        c.frame(fx0, fy0, fx1 - fx0, fy1 - fy0, 1.0, ink);
        for r in &f.hrules {
            c.hline(l.x(r[1]), l.x(r[2]), l.y(r[0]), 0.6, ink);
        }
        for r in &f.vrules {
            c.line((l.x(r[0]), l.y(r[1])), (l.x(r[0]), l.y(r[2])), 0.6, ink);
        }
        for r in &f.dots {
            c.line((l.x(r[0]), l.y(r[1])), (l.x(r[0]), l.y(r[2])), 0.3, ink);
        }
        for name in l.names() {
            let Some(p) = l.place(&name).filter(|p| p.check) else {
                continue;
            };
            let cx = l.x(p.col) + l.grid.pitch / 2.0;
            let cy = l.baseline(p.line) - 3.6;
            c.frame(cx - 4.2, cy - 4.2, 8.4, 8.4, 0.6, ink);
        }
        for label in &f.labels {
            let size = label.size.unwrap_or(5.5);
            let w = if label.bold {
                Weight::Bold
            } else {
                Weight::Regular
            };
            let y = l.grid.top + (label.at[0] - 1.0) * l.grid.leading + 5.5;
            c.text(l.x(label.at[1]), y, &label.text, w, size, ink);
        }
    }
}

/// What the data canvas prints, for the glyph check: the boxes' text and
/// the notes, nothing the form does not show.
#[derive(Serialize)]
struct Printed<'a> {
    boxes: &'a [Vec<(String, String)>],
    notes: &'a [Vec<String>],
}

/// Item 1. A claim the patient files after paying out of network is a
/// commercial plan's ("group health plan"): Medicare requires the provider
/// to file, and Medicaid generally forbids billing its members privately
/// (billing primer, section 10), so neither files this form itself.
pub fn program(_sb: &Superbill) -> Program {
    Program::GroupHealthPlan
}

impl Document for Renderer {
    fn folder(&self) -> &'static str {
        "cms1500"
    }

    fn file_name(&self, number: &str) -> String {
        format!("{number}.pdf")
    }

    fn render(&self, sb: &Superbill) -> crate::Result<Vec<u8>> {
        Renderer::render(self, sb)
    }

    fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}
