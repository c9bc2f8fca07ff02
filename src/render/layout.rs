//! Page structure: the running header on continuation pages, the footer
//! with "Page N of M", and pagination of the service table so that the
//! table header repeats on every page and totals, payments and attestation
//! come last (with at least one service line on their page).

use super::draw::{Canvas, INK, MUTED, RULE};
use super::fonts::{FontMode, FontSet, Weight};
use super::sections::{self, Prose};
use crate::superbill::Superbill;
use printpdf::Op;

pub const LEFT: f32 = 40.0;
pub const RIGHT: f32 = 572.0;
pub const TOP: f32 = 36.0;
/// Lowest point content may reach; the footer lives below.
pub const BOTTOM: f32 = 737.0;
/// Where content starts on a continuation page (below the running header).
const CONT_TOP: f32 = 64.0;

/// Aspect ratios (width / height) of the configured images.
#[derive(Clone, Copy, Default)]
pub struct ImageInfo {
    pub logo: Option<f32>,
    pub signature: Option<f32>,
}

/// A canvas plus the pages finished so far and a top-down cursor.
pub struct Pager<'a> {
    pub c: Canvas<'a>,
    pub pages: Vec<Vec<Op>>,
    pub y: f32,
    pub bottom: f32,
    pub sb: &'a Superbill,
}

impl<'a> Pager<'a> {
    pub fn new(fonts: &'a FontSet, mode: FontMode, sb: &'a Superbill, bottom: f32) -> Pager<'a> {
        Pager {
            c: Canvas::new(fonts, mode),
            pages: Vec::new(),
            y: TOP,
            bottom,
            sb,
        }
    }

    /// Ends the page and starts a continuation page with the running header
    /// (superbill number and patient name).
    pub fn break_page(&mut self) {
        let ops = self.c.take();
        self.pages.push(ops);
        let c = &mut self.c;
        let left = format!("Superbill {} (continued)", self.sb.number);
        c.text(LEFT, TOP + 10.0, &left, Weight::Bold, 9.0, INK);
        let lw = c.width(&left, Weight::Bold, 9.0);
        let right = format!("Patient: {}", self.sb.patient.name);
        let fitted = c.fit(&right, RIGHT - LEFT - lw - 20.0, Weight::Regular, 8.5);
        c.text_right(RIGHT, TOP + 10.0, &fitted, Weight::Regular, 8.5, MUTED);
        c.hline(LEFT, RIGHT, TOP + 16.0, 0.6, RULE);
        self.y = CONT_TOP;
    }

    /// Starts a new page unless `h` points still fit on this one.
    pub fn ensure(&mut self, h: f32) {
        if self.y + h > self.bottom {
            self.break_page();
        }
    }

    fn finish(mut self) -> Vec<Vec<Op>> {
        let ops = self.c.take();
        self.pages.push(ops);
        self.pages
    }
}

/// Lays out the whole superbill; returns the ops of each page.
pub fn layout(
    sb: &Superbill,
    prose: &Prose,
    images: ImageInfo,
    fonts: &FontSet,
    mode: FontMode,
) -> Vec<Vec<Op>> {
    let mut p = Pager::new(fonts, mode, sb, BOTTOM);
    sections::header(&mut p, prose, images);
    sections::parties(&mut p);
    sections::diagnoses(&mut p);
    sections::services_heading(&mut p);

    // Plan the table: which rows go on which page.
    let table = sections::Table::new(&p.c, sb);
    let closing_h = {
        let mut dry = Pager::new(fonts, mode, sb, f32::INFINITY);
        dry.y = 0.0;
        sections::closing(&mut dry, prose, images);
        dry.y
    };
    let plan = plan_rows(&table.heights, p.y, table.header_h, closing_h);

    for (k, rows) in plan.iter().enumerate() {
        if k > 0 {
            p.break_page();
        }
        if !rows.is_empty() {
            table.draw_header(&mut p);
            for &i in rows {
                table.draw_row(&mut p, i);
            }
        }
    }
    p.y += 10.0;
    sections::closing(&mut p, prose, images);
    let mut pages = p.finish();

    let total = pages.len();
    for (i, ops) in pages.iter_mut().enumerate() {
        let mut c = Canvas::new(fonts, mode);
        sections::footer(&mut c, sb, prose, i + 1, total);
        ops.extend(c.take());
    }
    pages
}

/// Assigns table rows to pages. `first_y` is where the table starts on the
/// first page. The closing block must follow at least one row on the last
/// page, so when it does not fit, the last row moves with it.
fn plan_rows(heights: &[f32], first_y: f32, header_h: f32, closing_h: f32) -> Vec<Vec<usize>> {
    let mut plan: Vec<Vec<usize>> = Vec::new();
    let mut page: Vec<usize> = Vec::new();
    let mut y = first_y + header_h;
    for (i, &h) in heights.iter().enumerate() {
        let stuck = page.is_empty() && !plan.is_empty();
        if y + h > BOTTOM && !stuck {
            plan.push(std::mem::take(&mut page));
            y = CONT_TOP + header_h;
        }
        page.push(i);
        y += h;
    }
    if y + 10.0 + closing_h > BOTTOM && !heights.is_empty() {
        let last = page.pop();
        plan.push(std::mem::take(&mut page));
        page.extend(last);
    }
    plan.push(page);
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_fill_pages_and_closing_keeps_a_row() {
        let heights = vec![20.0; 60];
        let plan = plan_rows(&heights, 400.0, 15.0, 250.0);
        let flat: Vec<usize> = plan.iter().flatten().copied().collect();
        assert_eq!(flat, (0..60).collect::<Vec<_>>());
        assert!(plan.len() >= 3);
        assert!(!plan.last().unwrap().is_empty());
    }

    #[test]
    fn short_table_stays_on_one_page() {
        let plan = plan_rows(&[14.0; 8], 330.0, 15.0, 250.0);
        assert_eq!(plan.len(), 1);
    }
}
