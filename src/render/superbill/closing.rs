//! The closing block of a superbill, after the service table: payments
//! received next to the totals (with "PAID IN FULL" when nothing is due),
//! the note to the patient, and the attestations (one per rendering
//! provider, or the billing provider's), each with its signature and date
//! lines.

use super::layout::{LEFT, RIGHT};
use super::sections::{heading, long_date, short_date, Attestation, Prose};
use crate::money::Cents;
use crate::render::pdf::canvas::{GOOD, INK, MUTED, RULE};
use crate::render::pdf::fonts::Weight::{Bold, Regular};
use crate::render::pdf::pager::Pager;
use crate::superbill::Superbill;

/// Payments and totals side by side, then the patient note and the
/// attestations, each with its signature line.
pub fn closing(p: &mut Pager, sb: &Superbill, prose: &Prose) {
    summary(p, sb);
    paragraphs(p, "NOTE TO PATIENT", &prose.note);
    attestations(p, sb, &prose.attestations);
}

/// Totals on the right, payments received on the left.
pub fn summary(p: &mut Pager, sb: &Superbill) {
    p.ensure(70.0);
    let top = p.y;
    // Totals on the right.
    let c = &mut p.c;
    let tx = RIGHT - 190.0;
    let mut ty = heading(c, tx, top, 190.0, "SUMMARY");
    for (label, v) in [
        ("Total charged", sb.total_charged),
        ("Total paid", sb.total_paid),
    ] {
        c.text(tx, ty, label, Regular, 8.5, INK);
        c.text_right(RIGHT, ty, &v.display(), Regular, 8.5, INK);
        ty += 12.0;
    }
    c.hline(tx, RIGHT, ty - 7.0, 0.5, RULE);
    ty += 2.0;
    c.text(tx, ty, "Balance due", Bold, 10.0, INK);
    c.text_right(RIGHT, ty, &sb.balance.display(), Bold, 10.0, INK);
    ty += 7.0;
    if sb.balance == Cents::ZERO {
        c.frame(tx, ty, 190.0, 18.0, 1.2, GOOD);
        let stamp = "PAID IN FULL";
        let w = c.width(stamp, Bold, 12.0);
        c.text(tx + (190.0 - w) / 2.0, ty + 13.3, stamp, Bold, 12.0, GOOD);
        ty += 18.0;
    }
    let right_bottom = ty + 2.0;

    // Payments on the left.
    let pw = tx - 24.0 - LEFT;
    let cols = [LEFT, LEFT + 54.0, LEFT + 134.0];
    p.y = heading(&mut p.c, LEFT, top, pw, "PAYMENTS RECEIVED");
    if sb.payments.is_empty() {
        p.c.text(LEFT, p.y, "No payments recorded.", Regular, 8.5, MUTED);
        p.y += 12.0;
    } else {
        let c = &mut p.c;
        for (x, label) in cols.iter().zip(["Date", "Method", "Reference"]) {
            c.text(*x, p.y, label, Bold, 7.5, MUTED);
        }
        c.text_right(LEFT + pw, p.y, "Amount", Bold, 7.5, MUTED);
        p.y += 11.0;
        for pay in &sb.payments {
            p.ensure(11.0);
            let c = &mut p.c;
            let y = p.y;
            c.text(cols[0], y, &short_date(pay.date), Regular, 8.5, INK);
            c.text_fit(cols[1], y, &pay.method, 76.0, Regular, 8.5, INK);
            let reference = pay.reference.as_deref().unwrap_or("\u{2014}");
            c.text_fit(
                cols[2],
                y,
                reference,
                LEFT + pw - 60.0 - cols[2],
                Regular,
                8.5,
                INK,
            );
            c.text_right(LEFT + pw, y, &pay.amount.display(), Regular, 8.5, INK);
            p.y += 11.0;
        }
    }
    p.y = p.y.max(right_bottom) + 4.0;
}

/// The attestations: a heading, then each with its paragraphs, the
/// signature (image or blank line) with who signs under it, and the date.
/// An attestation is kept on one page with its signature line.
fn attestations(p: &mut Pager, sb: &Superbill, all: &[Attestation]) {
    if all.is_empty() {
        return;
    }
    let title = match all.len() {
        1 => "PROVIDER ATTESTATION",
        _ => "PROVIDER ATTESTATIONS",
    };
    let lines_of = |p: &Pager, a: &Attestation| -> Vec<Vec<String>> {
        a.paragraphs
            .iter()
            .map(|para| p.c.wrap(para, RIGHT - LEFT, Regular, 8.0, 40))
            .collect()
    };
    let height = |lines: &[Vec<String>]| -> f32 {
        lines
            .iter()
            .map(|l| l.len() as f32 * 10.0 + 2.0)
            .sum::<f32>()
            + SIGN_H
    };
    // Wrapped once: the first one's height also keeps the heading with it.
    let wrapped: Vec<Vec<Vec<String>>> = all.iter().map(|a| lines_of(p, a)).collect();
    p.ensure(19.0 + height(&wrapped[0]));
    p.y = heading(&mut p.c, LEFT, p.y, RIGHT - LEFT, title) + 1.5;
    for (k, (a, lines)) in all.iter().zip(&wrapped).enumerate() {
        if k > 0 {
            p.y += 14.0;
        }
        p.ensure(height(lines));
        for para in lines {
            for line in para {
                p.c.text(LEFT, p.y, line, Regular, 8.0, INK);
                p.y += 10.0;
            }
            p.y += 2.0;
        }
        signature_line(p, sb, a);
    }
}

/// Height of a signature block below its paragraphs.
const SIGN_H: f32 = 37.0;

fn signature_line(p: &mut Pager, sb: &Superbill, a: &Attestation) {
    let line_y = p.y + 23.0;
    let c = &mut p.c;
    if let Some((id, aspect)) = &a.signature {
        let h = 28.0;
        let w = (h * aspect).min(200.0);
        c.image(id, LEFT + 6.0, line_y - 1.0 - w / aspect, w, w / aspect);
    }
    c.hline(LEFT, LEFT + 250.0, line_y, 0.6, INK);
    c.text_fit(LEFT, line_y + 9.0, &a.signer, 250.0, Regular, 7.5, MUTED);
    let dx = LEFT + 290.0;
    c.text(
        dx + 2.0,
        line_y - 4.0,
        &long_date(sb.statement_date),
        Regular,
        9.0,
        INK,
    );
    c.hline(dx, dx + 150.0, line_y, 0.6, INK);
    c.text(dx, line_y + 9.0, "Date", Regular, 7.5, MUTED);
    p.y = line_y + 14.0;
}

fn paragraphs(p: &mut Pager, title: &str, paras: &[String]) {
    if paras.is_empty() {
        return;
    }
    p.ensure(40.0);
    p.y = heading(&mut p.c, LEFT, p.y, RIGHT - LEFT, title) + 1.5;
    for para in paras {
        let lines = p.c.wrap(para, RIGHT - LEFT, Regular, 8.0, 40);
        for line in lines {
            p.ensure(10.0);
            p.c.text(LEFT, p.y, &line, Regular, 8.0, INK);
            p.y += 10.0;
        }
        p.y += 2.0;
    }
    p.y += 3.0;
}
