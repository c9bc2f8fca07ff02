//! The patient's filing guide (`--with guide`): a cover page in plain
//! language before the superbill's own pages, in the same PDF, so the
//! patient gets one file. It says what a superbill is, how to file it with
//! this patient's payer, what to attach, the deadlines and what to keep for
//! an HSA or FSA.
//!
//! The words come from the superbill's templates (`guide.hbs`,
//! `guide_medicare.hbs`, `guide_medicaid.hbs`, chosen by payer type like
//! the note on the superbill, overridable by the practice); this module
//! lays them out over the PDF layer. The particulars of the patient (name,
//! superbill number, payer, member ID) are drawn from the superbill by code,
//! never handed to a template. The guide is numbered on its own ("Guide
//! page 1 of 1"), so the superbill's "Page N of M" is unchanged, and it
//! carries no procedure text.

pub mod markup;

use crate::render::pdf::canvas::{Canvas, ACCENT, INK, MUTED, RULE, SHADE};
use crate::render::pdf::content::Content;
use crate::render::pdf::fonts::Weight::{Bold, Regular};
use crate::render::pdf::fonts::{FontMode, FontSet};
use crate::render::pdf::pager::{Frame, Pager};
use crate::superbill::Superbill;
use markup::Block;

const LEFT: f32 = 54.0;
const RIGHT: f32 = 558.0;
const WIDTH: f32 = RIGHT - LEFT;
const TOP: f32 = 40.0;
const FRAME: Frame = Frame {
    top: TOP,
    bottom: 730.0,
    cont_top: 70.0,
};

const BODY: f32 = 10.0;
const LEADING: f32 = 13.4;
const INDENT: f32 = 13.0;
/// Used when a practice's template has no `# ` title.
const DEFAULT_TITLE: &str = "How to file this superbill";

/// The guide's pages. `stamp` draws on every page what the superbill's
/// pages carry as well (the partial or corrected banner).
pub fn pages(
    sb: &Superbill,
    blocks: &[Block],
    fonts: &FontSet,
    mode: FontMode,
    stamp: impl Fn(&mut Canvas),
) -> Vec<Content> {
    let number = sb.number.clone();
    let mut p = Pager::new(fonts, mode, FRAME, move |c| {
        let head = format!("Filing guide for superbill {number} (continued)");
        c.text(LEFT, TOP + 10.0, &head, Bold, 9.0, INK);
        c.hline(LEFT, RIGHT, TOP + 16.0, 0.6, RULE);
    });
    letterhead(&mut p, sb);
    let title = blocks.iter().find_map(|b| match b {
        Block::Title(t) => Some(t.as_str()),
        _ => None,
    });
    draw_title(&mut p, title.unwrap_or(DEFAULT_TITLE));
    details(&mut p, sb);
    // The first title is drawn above the details; any other one in place.
    let mut skip_title = title.is_some();
    for b in blocks {
        match b {
            Block::Title(_) if skip_title => skip_title = false,
            Block::Title(t) => draw_title(&mut p, t),
            Block::Heading(t) => heading(&mut p, t),
            Block::Para(t) => {
                let y = lines(&mut p, LEFT, t, WIDTH);
                p.y = y + 4.0;
            }
            Block::Item(t) => {
                p.ensure(LEADING);
                p.c.text(LEFT + 2.0, p.y, "\u{2022}", Bold, BODY, ACCENT);
                let y = lines(&mut p, LEFT + INDENT, t, WIDTH - INDENT);
                p.y = y + 2.5;
            }
        }
    }
    p.finish(|c, page, total| {
        stamp(c);
        footer(c, sb, page, total);
    })
}

/// The practice's name and phone: whom to ask.
fn letterhead(p: &mut Pager, sb: &Superbill) {
    let c = &mut p.c;
    let pr = &sb.practice;
    let label = "PATIENT FILING GUIDE";
    let lw = c.width(label, Bold, 8.0);
    c.text_right(RIGHT, TOP + 10.0, label, Bold, 8.0, ACCENT);
    let name = c.fit(&pr.legal_name, WIDTH - lw - 20.0, Bold, 11.0);
    c.text(LEFT, TOP + 10.0, &name, Bold, 11.0, INK);
    let contact = format!("Questions? Call {} at {}", pr.legal_name, pr.phone);
    c.text_fit(LEFT, TOP + 23.0, &contact, WIDTH, Regular, 8.5, MUTED);
    c.hline(LEFT, RIGHT, TOP + 30.0, 1.2, ACCENT);
    p.y = TOP + 56.0;
}

fn draw_title(p: &mut Pager, title: &str) {
    p.ensure(30.0);
    for line in p.c.wrap(title, WIDTH, Bold, 17.0, 2) {
        p.c.text(LEFT, p.y, &line, Bold, 17.0, ACCENT);
        p.y += 20.0;
    }
    p.y += 2.0;
}

/// The superbill this guide belongs to, and the plan to file it with: what
/// the patient copies onto a claim form. All of it is on the superbill too.
fn details(p: &mut Pager, sb: &Superbill) {
    let pt = &sb.patient;
    let period = format!(
        "{} \u{2013} {}",
        sb.period_from.format("%m/%d/%Y"),
        sb.period_to.format("%m/%d/%Y")
    );
    let paid = sb.total_paid.display();
    let left = [
        ("Patient", pt.name.as_str()),
        ("Superbill no.", sb.number.as_str()),
        ("Service period", period.as_str()),
    ];
    let mut right = vec![
        ("Insurance plan", pt.payer.as_str()),
        ("Member ID", pt.member_id.as_str()),
    ];
    if let Some(g) = &pt.group_number {
        right.push(("Group no.", g.as_str()));
    }
    right.push(("You paid", paid.as_str()));
    let rows = left.len().max(right.len()) as f32;
    let h = 10.0 + rows * 12.5;
    p.ensure(h + 10.0);
    let top = p.y;
    p.c.rect(LEFT, top, WIDTH, h, SHADE);
    let col = WIDTH / 2.0;
    for (k, pairs) in [&left[..], &right[..]].into_iter().enumerate() {
        let x = LEFT + 10.0 + k as f32 * col;
        let mut y = top + 16.0;
        for (label, value) in pairs {
            p.c.text(x, y, label, Regular, 8.0, MUTED);
            p.c.text_fit(x + 72.0, y, value, col - 92.0, Bold, 9.0, INK);
            y += 12.5;
        }
    }
    p.y = top + h + 18.0;
}

fn heading(p: &mut Pager, text: &str) {
    // A heading keeps at least two lines of its text on its page.
    p.ensure(16.0 + 2.0 * LEADING);
    p.y += 6.0;
    p.c.text(LEFT, p.y, text, Bold, 11.0, ACCENT);
    p.c.hline(LEFT, RIGHT, p.y + 4.0, 0.5, RULE);
    p.y += 17.0;
}

/// `text` wrapped to `width` from the cursor on, breaking pages between
/// lines; returns the baseline below the last line.
fn lines(p: &mut Pager, x: f32, text: &str, width: f32) -> f32 {
    for line in p.c.wrap(text, width, Regular, BODY, usize::MAX) {
        p.ensure(2.0);
        p.c.text(x, p.y, &line, Regular, BODY, INK);
        p.y += LEADING;
    }
    p.y
}

fn footer(c: &mut Canvas, sb: &Superbill, page: usize, total: usize) {
    c.hline(LEFT, RIGHT, 742.0, 0.5, RULE);
    let page_no = format!("Guide page {page} of {total}");
    let pw = c.width(&page_no, Bold, 7.5);
    c.text_right(RIGHT, 752.0, &page_no, Bold, 7.5, INK);
    let who = format!(
        "Filing guide for superbill {} \u{00B7} Patient: {}",
        sb.number, sb.patient.name
    );
    c.text_fit(LEFT, 752.0, &who, WIDTH - pw - 20.0, Regular, 7.5, MUTED);
    c.text(
        LEFT,
        761.5,
        "This guide is not part of the superbill. The superbill's own pages follow.",
        Regular,
        7.0,
        MUTED,
    );
}

/// The words of the guide a font must be able to draw, by field name, for
/// the document's font decision.
pub fn printed_text(template: &str, blocks: &[Block]) -> Vec<(String, String)> {
    blocks
        .iter()
        .map(|b| (format!("template {template}"), b.text().to_string()))
        .collect()
}

#[cfg(test)]
mod tests;
