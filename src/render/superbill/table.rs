//! The service-line table: columns sized for their content, descriptions
//! wrapped (at most three lines), what was paid toward each line, a CMS-1500 style shaded drug strip
//! (`N4<ndc11> <qualifier><quantity>` and the drug name) under drug lines,
//! the service facility under each line when the lines were rendered at
//! different places, and the rendering-NPI column only when several
//! providers appear.

use super::layout::{LEFT, RIGHT};
use super::sections::short_date;
use crate::render::pdf::canvas::{Canvas, INK, MUTED, RULE, SHADE};
use crate::render::pdf::fonts::Weight::{Bold, Regular};
use crate::render::pdf::pager::{self, Pager};
use crate::superbill::{ServiceLine, Superbill};

const SIZE: f32 = 8.0;
const LINE: f32 = 10.0;
const PAD: f32 = 2.5;
const DRUG_H: f32 = 10.5;
const FACILITY_LINE: f32 = 8.5;

#[derive(Clone, Copy)]
struct Col {
    x: f32,
    w: f32,
    right: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Date,
    Pos,
    Code,
    Mods,
    Dx,
    Desc,
    Npi,
    Units,
    Fee,
    Charge,
    Paid,
}

pub struct Table<'a> {
    sb: &'a Superbill,
    cols: Vec<(Kind, Col)>,
    desc_lines: Vec<Vec<String>>,
    /// Where each line was rendered (wrapped), when that varies within
    /// the superbill.
    facility: Vec<Vec<String>>,
    heights: Vec<f32>,
    header_h: f32,
}

impl<'a> Table<'a> {
    pub fn new(c: &Canvas, sb: &'a Superbill) -> Table<'a> {
        let mut spec: Vec<(Kind, f32, bool)> = vec![
            (Kind::Date, 48.0, false),
            (Kind::Pos, 20.0, false),
            (Kind::Code, 36.0, false),
            (Kind::Mods, 52.0, false),
            (Kind::Dx, 28.0, false),
            (Kind::Desc, 0.0, false),
        ];
        if sb.several_providers() {
            spec.push((Kind::Npi, 50.0, false));
        }
        spec.extend([
            (Kind::Units, 26.0, true),
            (Kind::Fee, 48.0, true),
            (Kind::Charge, 50.0, true),
            (Kind::Paid, 48.0, true),
        ]);
        let fixed: f32 = spec.iter().map(|s| s.1).sum();
        let mut x = LEFT;
        let cols: Vec<(Kind, Col)> = spec
            .into_iter()
            .map(|(k, w, right)| {
                let w = if k == Kind::Desc {
                    RIGHT - LEFT - fixed
                } else {
                    w
                };
                let col = Col { x, w, right };
                x += w;
                (k, col)
            })
            .collect();
        let mut t = Table {
            sb,
            cols,
            desc_lines: Vec::new(),
            facility: Vec::new(),
            heights: Vec::new(),
            header_h: 15.0,
        };
        let desc_w = t.col(Kind::Desc).w - 2.0 * PAD;
        let per_line = sb.facility_per_line();
        for line in &sb.lines {
            let lines = c.wrap(&line.description, desc_w, Regular, SIZE, 3);
            let n = lines.len().max(1) as f32;
            let drug = if line.drug.is_some() { DRUG_H } else { 0.0 };
            let facility = if per_line {
                c.wrap(&facility_text(line), desc_w, Regular, 7.0, 4)
            } else {
                Vec::new()
            };
            let fac = facility.len() as f32 * FACILITY_LINE;
            t.heights.push(4.0 + n * LINE + fac + drug);
            t.desc_lines.push(lines);
            t.facility.push(facility);
        }
        t
    }

    fn col(&self, k: Kind) -> Col {
        self.cols
            .iter()
            .find(|(kind, _)| *kind == k)
            .map(|c| c.1)
            .unwrap_or(Col {
                x: LEFT,
                w: 0.0,
                right: false,
            })
    }

    fn cell(&self, c: &mut Canvas, k: Kind, y: f32, s: &str, bold: bool) {
        let col = self.col(k);
        let w = if bold { Bold } else { Regular };
        let fitted = c.fit(s, col.w - 2.0 * PAD, w, SIZE);
        if col.right {
            c.text_right(col.x + col.w - PAD, y, &fitted, w, SIZE, INK);
        } else {
            c.text(col.x + PAD, y, &fitted, w, SIZE, INK);
        }
    }
}

/// Paged by [`Pager::table`]: the header repeats on every page.
impl pager::Table for Table<'_> {
    fn header_height(&self) -> f32 {
        self.header_h
    }

    fn heights(&self) -> &[f32] {
        &self.heights
    }

    fn draw_header(&self, p: &mut Pager) {
        let c = &mut p.c;
        let y = p.y;
        c.rect(LEFT, y, RIGHT - LEFT, self.header_h, SHADE);
        for (k, col) in &self.cols {
            let label = match k {
                Kind::Date => "Date",
                Kind::Pos => "POS",
                Kind::Code => "Code",
                Kind::Mods => "Modifiers",
                Kind::Dx => "Dx ptr",
                Kind::Desc => "Description",
                Kind::Npi => "Rendering NPI",
                Kind::Units => "Units",
                Kind::Fee => "Fee / unit",
                Kind::Charge => "Charge",
                Kind::Paid => "Paid",
            };
            if col.right {
                c.text_right(col.x + col.w - PAD, y + 10.0, label, Bold, 7.0, INK);
            } else {
                c.text(col.x + PAD, y + 10.0, label, Bold, 7.0, INK);
            }
        }
        c.hline(LEFT, RIGHT, y + self.header_h, 0.6, MUTED);
        p.y += self.header_h;
    }

    fn draw_row(&self, p: &mut Pager, i: usize) {
        let line: &ServiceLine = &self.sb.lines[i];
        let c = &mut p.c;
        let y = p.y;
        let base = y + 10.5;
        self.cell(c, Kind::Date, base, &short_date(line.date), false);
        self.cell(c, Kind::Pos, base, &line.place_of_service, false);
        self.cell(c, Kind::Code, base, &line.code, true);
        self.cell(c, Kind::Mods, base, &Superbill::modifiers_text(line), false);
        self.cell(c, Kind::Dx, base, &line.pointers, false);
        let desc = self.col(Kind::Desc);
        for (k, text) in self.desc_lines[i].iter().enumerate() {
            c.text(
                desc.x + PAD,
                base + k as f32 * LINE,
                text,
                Regular,
                SIZE,
                INK,
            );
        }
        if self.sb.several_providers() {
            self.cell(c, Kind::Npi, base, &line.provider_npi, false);
        }
        self.cell(c, Kind::Units, base, &line.units.to_string(), false);
        self.cell(c, Kind::Fee, base, &line.unit_fee.display(), false);
        self.cell(c, Kind::Charge, base, &line.charge.display(), false);
        self.cell(c, Kind::Paid, base, &line.paid.display(), false);

        let h = self.heights[i];
        let n = self.desc_lines[i].len().max(1) as f32;
        for (k, text) in self.facility[i].iter().enumerate() {
            let fy = base + n * LINE - 1.5 + k as f32 * FACILITY_LINE;
            c.text(desc.x + PAD, fy, text, Regular, 7.0, MUTED);
        }
        if let Some(drug) = &line.drug {
            let code = self.col(Kind::Code);
            let units = self.col(Kind::Units);
            let sy = y + h - DRUG_H - 0.5;
            c.rect(code.x, sy, units.x - code.x, DRUG_H, SHADE);
            let ndc = format!("N4{} {}{}", drug.ndc11, drug.unit_qualifier, drug.quantity);
            let ndc_w = desc.x - code.x - 2.0 * PAD;
            c.text_fit(code.x + PAD, sy + 7.6, &ndc, ndc_w, Bold, 7.5, INK);
            let name_w = units.x - desc.x - 2.0 * PAD;
            c.text_fit(
                desc.x + PAD,
                sy + 7.6,
                &drug.name,
                name_w,
                Regular,
                7.5,
                MUTED,
            );
        }
        c.hline(LEFT, RIGHT, y + h, 0.3, RULE);
        p.y += h;
    }
}

/// "At Cedar Ridge Boulder, 1830 Folsom St, Boulder, CO 80302 (NPI ...)",
/// or the billing address.
fn facility_text(line: &ServiceLine) -> String {
    match &line.facility {
        Some(f) => {
            let npi = f
                .npi
                .as_deref()
                .map(|n| format!(" (NPI {n})"))
                .unwrap_or_default();
            format!("At {}, {}{npi}", f.name, f.address_lines.join(", "))
        }
        None => "At the billing address".to_string(),
    }
}
