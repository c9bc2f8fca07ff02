//! The blocks of a superbill page: header, patient/insurance, billing and
//! rendering providers, diagnoses, the service table, the closing block
//! (payments, totals, notes, attestation) and the footer.

use super::draw::{Canvas, ACCENT, GOOD, INK, MUTED, RULE};
use super::fonts::Weight::{Bold, Regular};
use super::layout::{ImageInfo, Pager, LEFT, RIGHT, TOP};
use crate::money::Cents;
use crate::superbill::Superbill;
use chrono::NaiveDate;

pub const LOGO_ID: &str = "SBLOGO";
pub const SIGNATURE_ID: &str = "SBSIGN";

const GAP: f32 = 10.0;
const COL_W: f32 = 256.0;
const RIGHT_COL: f32 = RIGHT - COL_W;
const LABEL_W: f32 = 66.0;
const ROW: f32 = 10.5;
const AMA: &str = "CPT is a registered trademark of the American Medical Association. \
                   CPT \u{00A9} American Medical Association. All rights reserved.";

/// Rendered template text.
pub struct Prose {
    pub title: Vec<String>,
    pub note: Vec<String>,
    pub attestation: Vec<String>,
    pub footer: String,
}

pub fn short_date(d: NaiveDate) -> String {
    d.format("%m/%d/%Y").to_string()
}

pub fn long_date(d: NaiveDate) -> String {
    d.format("%B %-d, %Y").to_string()
}

/// Section title in small accent capitals over a thin rule; returns the y
/// where the section's content starts.
pub fn heading(c: &mut Canvas, x: f32, y: f32, w: f32, title: &str) -> f32 {
    c.text(x, y + 8.0, title, Bold, 8.0, ACCENT);
    c.hline(x, x + w, y + 11.0, 0.6, ACCENT);
    y + 19.0
}

/// A label/value row; returns the next row's y (y is the baseline).
fn kv(c: &mut Canvas, x: f32, y: f32, label: &str, value: &str, bold: bool) -> f32 {
    c.text(x, y, label, Regular, 7.5, MUTED);
    let w = if bold { Bold } else { Regular };
    c.text_fit(x + LABEL_W, y, value, COL_W - LABEL_W, w, 8.5, INK);
    y + ROW
}

fn kv_lines(c: &mut Canvas, x: f32, mut y: f32, label: &str, lines: &[String]) -> f32 {
    for (i, line) in lines.iter().enumerate() {
        y = kv(c, x, y, if i == 0 { label } else { "" }, line, false);
    }
    y
}

/// `label value  label value ...` on one row, continuing on the next row
/// when the column is full; returns the next row's y.
fn inline_pairs(c: &mut Canvas, x0: f32, mut y: f32, pairs: &[(&str, &str)]) -> f32 {
    let mut x = x0;
    for (label, value) in pairs {
        let lw = c.width(label, Regular, 7.5) + 4.0;
        let vw = c.width(value, Regular, 8.5);
        if x > x0 && x + lw + vw > x0 + COL_W {
            x = x0;
            y += ROW;
        }
        c.text(x, y, label, Regular, 7.5, MUTED);
        c.text_fit(x + lw, y, value, x0 + COL_W - x - lw, Regular, 8.5, INK);
        x += lw + vw + 12.0;
    }
    y + ROW
}

pub fn header(p: &mut Pager, prose: &Prose, images: ImageInfo) {
    let sb = p.sb;
    let c = &mut p.c;
    let mut x = LEFT;
    let mut logo_bottom = TOP;
    if let Some(aspect) = images.logo {
        let h = 46.0;
        let w = (h * aspect).min(140.0);
        let h = w / aspect;
        c.image(LOGO_ID, LEFT, TOP, w, h);
        x += w + 12.0;
        logo_bottom = TOP + h;
    }
    let left_w = 330.0 - (x - LEFT);
    let pr = &sb.practice;
    c.text_fit(x, TOP + 12.0, &pr.legal_name, left_w, Bold, 13.0, INK);
    let mut y = TOP + 25.0;
    for line in &pr.address_lines {
        c.text_fit(x, y, line, left_w, Regular, 8.5, INK);
        y += 10.5;
    }
    c.text_fit(x, y, &format!("Phone {}", pr.phone), left_w, Regular, 8.5, INK);
    y += 10.5;
    let npi = pr.npi.as_deref().unwrap_or("\u{2014}");
    let ids = format!("Tax ID (EIN) {}   NPI {}   Taxonomy {}", pr.tax_id, npi, pr.taxonomy);
    c.text_fit(x, y, &ids, left_w, Regular, 8.0, MUTED);
    let left_bottom = y.max(logo_bottom);

    // Right: title and the statement's identifiers.
    let mut ry = TOP + 12.0;
    for (i, line) in prose.title.iter().enumerate() {
        let (w, size, col) = if i == 0 { (Bold, 16.0, ACCENT) } else { (Regular, 8.5, MUTED) };
        let fitted = c.fit(line, 230.0, w, size);
        c.text_right(RIGHT, ry, &fitted, w, size, col);
        ry += if i == 0 { 12.0 } else { 10.5 };
    }
    ry += 5.0;
    let period = format!("{} \u{2013} {}", short_date(sb.period_from), short_date(sb.period_to));
    for (label, value) in [
        ("Superbill no.", sb.number.as_str()),
        ("Statement date", &long_date(sb.statement_date)),
        ("Service period", &period),
    ] {
        c.text(RIGHT - 200.0, ry, label, Regular, 7.5, MUTED);
        let v = c.fit(value, 130.0, Bold, 8.5);
        c.text_right(RIGHT, ry, &v, Bold, 8.5, INK);
        ry += ROW;
    }
    let bottom = left_bottom.max(ry - ROW) + 8.0;
    c.hline(LEFT, RIGHT, bottom, 1.2, ACCENT);
    p.y = bottom + 10.0;
}

/// Patient | insurance, then billing provider | rendering provider(s).
pub fn parties(p: &mut Pager) {
    let sb = p.sb;
    let c = &mut p.c;
    let pt = &sb.patient;
    let top = p.y;
    let mut y = heading(c, LEFT, top, COL_W, "PATIENT");
    y = kv(c, LEFT, y, "Name", &pt.name, true);
    y = kv(c, LEFT, y, "Patient ID", &pt.patient_id, false);
    c.text(LEFT + 150.0, y, "Sex", Regular, 7.5, MUTED);
    c.text_fit(LEFT + 170.0, y, &pt.sex, COL_W - 170.0, Regular, 8.5, INK);
    y = kv(c, LEFT, y, "Date of birth", &short_date(pt.dob), false);
    y = kv_lines(c, LEFT, y, "Address", &pt.address_lines);
    if let Some(phone) = &pt.phone {
        y = kv(c, LEFT, y, "Phone", phone, false);
    }
    let mut ry = heading(c, RIGHT_COL, top, COL_W, "INSURANCE");
    ry = kv(c, RIGHT_COL, ry, "Payer", &pt.payer, true);
    ry = kv(c, RIGHT_COL, ry, "Member ID", &pt.member_id, false);
    let group = pt.group_number.as_deref().unwrap_or("\u{2014}");
    ry = kv(c, RIGHT_COL, ry, "Group no.", group, false);
    match &pt.subscriber {
        Some((name, relationship)) => {
            ry = kv(c, RIGHT_COL, ry, "Subscriber", name, false);
            ry = kv(c, RIGHT_COL, ry, "Relationship", relationship, false);
        }
        None => ry = kv(c, RIGHT_COL, ry, "Subscriber", "Patient (self)", false),
    }

    let top = y.max(ry) + GAP - ROW + 2.0;
    // The practice's address and phone are in the page header.
    let pr = &sb.practice;
    let mut y = heading(c, LEFT, top, COL_W, "BILLING PROVIDER");
    y = kv(c, LEFT, y, "Name", &pr.legal_name, true);
    y = kv(c, LEFT, y, "Tax ID (EIN)", &pr.tax_id, false);
    y = kv(c, LEFT, y, "NPI (group)", pr.npi.as_deref().unwrap_or("\u{2014}"), false);
    y = kv(c, LEFT, y, "Taxonomy", &pr.taxonomy, false);
    if let Some(f) = &sb.facility {
        y = kv(c, LEFT, y, "Service facility", &f.name, false);
        y = kv_lines(c, LEFT, y, "", &f.address_lines);
    }
    let title = if sb.several_providers() { "RENDERING PROVIDERS" } else { "RENDERING PROVIDER" };
    let mut ry = heading(c, RIGHT_COL, top, COL_W, title);
    for (i, prov) in sb.providers.iter().enumerate() {
        if i > 0 {
            ry += 3.0;
        }
        c.text_fit(RIGHT_COL, ry, &prov.name, COL_W, Bold, 8.5, INK);
        ry += ROW;
        let lic = format!("{} ({})", prov.license, prov.license_state);
        let pairs = [("NPI", prov.npi.as_str()), ("License", &lic), ("Taxonomy", &prov.taxonomy)];
        ry = inline_pairs(c, RIGHT_COL, ry, &pairs);
    }
    p.y = y.max(ry) + GAP - ROW + 2.0;
}

/// Diagnoses A-L in two columns, read across (A B / C D ...).
pub fn diagnoses(p: &mut Pager) {
    let sb = p.sb;
    let c = &mut p.c;
    let mut y = heading(c, LEFT, p.y, RIGHT - LEFT, "DIAGNOSES (ICD-10-CM)");
    for pair in sb.diagnoses.chunks(2) {
        let mut rows = 1;
        for (k, dx) in pair.iter().enumerate() {
            let x = if k == 0 { LEFT } else { RIGHT_COL };
            c.text(x, y, &format!("{}.", dx.letter), Bold, 8.5, ACCENT);
            c.text(x + 14.0, y, &dx.code, Bold, 8.5, INK);
            let lines = c.wrap(&dx.description, COL_W - 58.0, Regular, 8.5, 2);
            for (i, line) in lines.iter().enumerate() {
                c.text(x + 58.0, y + i as f32 * 10.0, line, Regular, 8.5, INK);
            }
            rows = rows.max(lines.len());
        }
        y += ROW + (rows - 1) as f32 * 10.0;
    }
    p.y = y + GAP - ROW + 2.0;
}

pub fn services_heading(p: &mut Pager) {
    p.y = heading(&mut p.c, LEFT, p.y, RIGHT - LEFT, "SERVICES") - 8.0;
}

pub use super::table::Table;

/// Payments and totals side by side, then the patient note and the
/// provider attestation with the signature line.
pub fn closing(p: &mut Pager, prose: &Prose, images: ImageInfo) {
    let sb = p.sb;
    p.ensure(70.0);
    let top = p.y;
    // Totals on the right.
    let c = &mut p.c;
    let tx = RIGHT - 190.0;
    let mut ty = heading(c, tx, top, 190.0, "SUMMARY");
    for (label, v) in [("Total charged", sb.total_charged), ("Total paid", sb.total_paid)] {
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
            c.text_fit(cols[2], y, reference, LEFT + pw - 60.0 - cols[2], Regular, 8.5, INK);
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
        c.image(SIGNATURE_ID, LEFT + 6.0, line_y - 1.0 - w / aspect, w, w / aspect);
    }
    c.hline(LEFT, LEFT + 250.0, line_y, 0.6, INK);
    let signer = sb.providers.first().map(|p| p.name.as_str()).unwrap_or("");
    let under = format!("Signature of rendering provider \u{2014} {signer}");
    c.text_fit(LEFT, line_y + 9.0, &under, 250.0, Regular, 7.5, MUTED);
    let dx = LEFT + 290.0;
    c.text(dx + 2.0, line_y - 4.0, &long_date(sb.statement_date), Regular, 9.0, INK);
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

/// The footer of page `page` of `total`: superbill number and patient name
/// (so a loose page can be matched), practice footer text, AMA notice.
pub fn footer(c: &mut Canvas, sb: &Superbill, prose: &Prose, page: usize, total: usize) {
    c.hline(LEFT, RIGHT, 742.0, 0.5, RULE);
    let page_no = format!("Page {page} of {total}");
    let pw = c.width(&page_no, Bold, 7.5);
    c.text_right(RIGHT, 752.0, &page_no, Bold, 7.5, INK);
    let who = format!("Superbill {} \u{00B7} Patient: {}", sb.number, sb.patient.name);
    c.text_fit(LEFT, 752.0, &who, RIGHT - LEFT - pw - 20.0, Regular, 7.5, MUTED);
    c.text_fit(LEFT, 761.5, &prose.footer, RIGHT - LEFT, Regular, 7.0, MUTED);
    if sb.shows_cpt {
        c.text_fit(LEFT, 770.5, AMA, RIGHT - LEFT, Regular, 6.5, MUTED);
    }
}
