//! What a reader must not miss. A partial superbill (`batch --partial`)
//! says so in a banner on every page and lists, in its own section, the
//! sessions and payments it leaves out (by id and date of service, never
//! by their text). A corrected superbill carries its revision in the same
//! banner, so an insurer sees it replaces an earlier one.

use super::layout::{LEFT, RIGHT};
use super::sections::heading;
use crate::render::pdf::canvas::{Canvas, INK};
use crate::render::pdf::fonts::Weight::{Bold, Regular};
use crate::render::pdf::pager::Pager;
use crate::superbill::Superbill;

/// Warning red, for the partial banner.
const WARN: (f32, f32, f32) = (0.70, 0.10, 0.08);
/// Top of the banner (above the page's content, which starts at 36).
const BANNER_Y: f32 = 12.0;
const BANNER_H: f32 = 18.0;

/// The banner's text, or None for a complete, first-issue superbill.
pub fn banner_text(sb: &Superbill) -> Option<String> {
    let issue = &sb.issue;
    let corrected = issue
        .is_corrected()
        .then(|| format!("CORRECTED SUPERBILL, revision {}", issue.revision));
    let partial = issue.is_partial().then(|| {
        format!(
            "PARTIAL SUPERBILL: {} item{} with errors left out (see \"Left out of this superbill\")",
            issue.left_out.len(),
            if issue.left_out.len() == 1 { "" } else { "s" }
        )
    });
    match (corrected, partial) {
        (None, None) => None,
        (Some(c), None) => Some(format!(
            "{c}: replaces revision {} of {}",
            issue.revision - 1,
            sb.number
        )),
        (None, Some(p)) => Some(p),
        (Some(c), Some(p)) => Some(format!("{c} \u{00B7} {p}")),
    }
}

/// The banner at the top of a page.
pub fn banner(c: &mut Canvas, sb: &Superbill) {
    let Some(text) = banner_text(sb) else {
        return;
    };
    let color = if sb.issue.is_partial() { WARN } else { INK };
    c.frame(LEFT, BANNER_Y, RIGHT - LEFT, BANNER_H, 1.2, color);
    let fitted = c.fit(&text, RIGHT - LEFT - 12.0, Bold, 8.5);
    let w = c.width(&fitted, Bold, 8.5);
    let x = LEFT + (RIGHT - LEFT - w) / 2.0;
    c.text(x, BANNER_Y + 12.3, &fitted, Bold, 8.5, color);
}

/// Columns of the left-out list.
const COLS: usize = 3;

/// The section listing what a partial superbill leaves out.
pub fn left_out(p: &mut Pager, sb: &Superbill) {
    if !sb.issue.is_partial() {
        return;
    }
    p.ensure(44.0);
    p.y = heading(
        &mut p.c,
        LEFT,
        p.y,
        RIGHT - LEFT,
        "LEFT OUT OF THIS SUPERBILL (PARTIAL)",
    );
    let intro = "This superbill is partial: the records below have errors and are not on it. \
                 Its totals do not include them; a complete superbill will follow once they are corrected.";
    for line in p.c.wrap(intro, RIGHT - LEFT, Regular, 8.0, 4) {
        p.ensure(10.0);
        p.c.text(LEFT, p.y, &line, Regular, 8.0, WARN);
        p.y += 10.0;
    }
    p.y += 2.0;
    let items: Vec<String> = sb.issue.left_out.iter().map(|l| l.describe()).collect();
    let col_w = (RIGHT - LEFT) / COLS as f32;
    for row in items.chunks(COLS) {
        p.ensure(10.5);
        for (k, item) in row.iter().enumerate() {
            let x = LEFT + k as f32 * col_w;
            p.c.text_fit(x, p.y, item, col_w - 8.0, Regular, 8.0, INK);
        }
        p.y += 10.5;
    }
    p.y += 8.0;
}
