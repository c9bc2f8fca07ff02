//! Page structure of a superbill: the running header on continuation
//! pages, the footer with "Page N of M", and the service table paged so
//! that its header repeats on every page and totals, payments and
//! attestations come last (the totals with at least one service line on
//! their page).

use super::closing;
use super::notice;
use super::sections::{self, Prose};
use super::table::Table;
use crate::render::pdf::canvas::{Canvas, INK, MUTED, RULE};
use crate::render::pdf::content::Content;
use crate::render::pdf::fonts::{FontMode, FontSet, Weight};
use crate::render::pdf::pager::{Frame, Pager};
use crate::superbill::Superbill;

pub const LEFT: f32 = 40.0;
pub const RIGHT: f32 = 572.0;
pub const TOP: f32 = 36.0;
/// Lowest point content may reach; the footer lives below.
pub const BOTTOM: f32 = 737.0;
/// Where content starts on a continuation page (below the running header).
const CONT_TOP: f32 = 64.0;
/// Space between the service table and the closing block.
const GAP: f32 = 10.0;

const FRAME: Frame = Frame {
    top: TOP,
    bottom: BOTTOM,
    cont_top: CONT_TOP,
};

/// Aspect ratio (width / height) of the logo, when there is one
/// (signatures travel with their attestation, in [`Prose`]).
#[derive(Clone, Copy, Default)]
pub struct ImageInfo {
    pub logo: Option<f32>,
}

/// At most this much of the closing block must share the last table
/// page: the totals and the first payments. The rest (more payments, the
/// note, the attestations) flows onto the next page on its own, so a
/// long closing block never drags a row over and leaves a page a third
/// empty.
const CLOSING_HEAD_MAX: f32 = 110.0;

/// Lays out the whole superbill; returns the ops of each page.
pub fn layout(
    sb: &Superbill,
    prose: &Prose,
    images: ImageInfo,
    fonts: &FontSet,
    mode: FontMode,
) -> Vec<Content> {
    let mut p = Pager::new(fonts, mode, FRAME, |c| running_header(c, sb));
    sections::header(&mut p, sb, prose, images);
    notice::left_out(&mut p, sb);
    sections::parties(&mut p, sb);
    sections::diagnoses(&mut p, sb);
    sections::services_heading(&mut p);

    let table = Table::new(&p.c, sb);
    let head_h = {
        let mut dry = Pager::measuring(fonts, mode);
        closing::summary(&mut dry, sb);
        dry.y.min(CLOSING_HEAD_MAX)
    };
    p.table(&table, GAP, head_h);
    sections::closing(&mut p, sb, prose);
    p.finish(|c, page, total| {
        notice::banner(c, sb);
        sections::footer(c, sb, prose, page, total)
    })
}

/// The top of a continuation page: superbill number and patient name, so
/// a loose page can be matched to its superbill.
fn running_header(c: &mut Canvas, sb: &Superbill) {
    let left = format!("Superbill {} (continued)", sb.number);
    c.text(LEFT, TOP + 10.0, &left, Weight::Bold, 9.0, INK);
    let lw = c.width(&left, Weight::Bold, 9.0);
    let label = "Patient: ";
    let right = format!("{label}{}", sb.patient.name);
    let fitted = c.fit(&right, RIGHT - LEFT - lw - 20.0, Weight::Regular, 8.5);
    let x = RIGHT - c.width(&fitted, Weight::Regular, 8.5);
    // Only the name in the embedded faces (see `Canvas::text_from`).
    c.text_from(
        x,
        TOP + 10.0,
        &fitted,
        label.len(),
        Weight::Regular,
        8.5,
        MUTED,
    );
    c.hline(LEFT, RIGHT, TOP + 16.0, 0.6, RULE);
}
