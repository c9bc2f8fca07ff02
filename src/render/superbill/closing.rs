//! The closing block of a superbill, after the service table: payments
//! received next to the totals (with "PAID IN FULL" when nothing is due),
//! the note to the patient, the provider attestation and the signature and
//! date lines.

use super::layout::{ImageInfo, LEFT, RIGHT};
use super::sections::{heading, long_date, short_date, Prose, SIGNATURE_ID};
use crate::money::Cents;
use crate::render::pdf::canvas::{GOOD, INK, MUTED, RULE};
use crate::render::pdf::fonts::Weight::{Bold, Regular};
use crate::render::pdf::pager::Pager;
use crate::superbill::Superbill;

/// Payments and totals side by side, then the patient note and the
/// provider attestation with the signature line.
pub fn closing(p: &mut Pager, sb: &Superbill, prose: &Prose, images: ImageInfo) {
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

    paragraphs(p, "NOTE TO PATIENT", &prose.note);
    paragraphs(p, "PROVIDER ATTESTATION", &prose.attestation);

    // Signature and date lines.
    p.ensure(34.0);
    let line_y = p.y + 22.0;
    let c = &mut p.c;
    if let Some(aspect) = images.signature {
        let h = 28.0;
        let w = (h * aspect).min(200.0);
        c.image(
            SIGNATURE_ID,
            LEFT + 6.0,
            line_y - 1.0 - w / aspect,
            w,
            w / aspect,
        );
    }
    c.hline(LEFT, LEFT + 250.0, line_y, 0.6, INK);
    let signer = sb.providers.first().map(|p| p.name.as_str()).unwrap_or("");
    let under = format!("Signature of rendering provider \u{2014} {signer}");
    c.text_fit(LEFT, line_y + 9.0, &under, 250.0, Regular, 7.5, MUTED);
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
    p.y = line_y + 10.0;
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
