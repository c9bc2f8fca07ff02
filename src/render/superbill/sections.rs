//! The blocks of a superbill page: header, patient/insurance, billing and
//! rendering providers, diagnoses, the service table, the closing block
//! (payments, totals, notes, attestation) and the footer.

use super::layout::{ImageInfo, LEFT, RIGHT, TOP};
use crate::render::pdf::canvas::{Canvas, ACCENT, INK, MUTED, RULE};
use crate::render::pdf::fonts::Weight::{Bold, Regular};
use crate::render::pdf::pager::Pager;
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
    /// One per signer: each rendering provider, or the billing provider.
    pub attestations: Vec<Attestation>,
    pub footer: String,
}

/// One attestation with its own signature line.
pub struct Attestation {
    pub paragraphs: Vec<String>,
    /// The signature image over the line (XObject name, width / height);
    /// None leaves the line blank, to be signed by hand.
    pub signature: Option<(String, f32)>,
    /// Printed under the line: who signs.
    pub signer: String,
}

pub fn short_date(d: NaiveDate) -> String {
    crate::render::us_date(d)
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

/// A label/value row whose value wraps (up to three lines) rather than
/// being cut short: names a claim must carry whole (a practice's or
/// facility's legal name, a payer, a patient or subscriber).
fn kv_wrap(c: &mut Canvas, x: f32, mut y: f32, label: &str, value: &str, bold: bool) -> f32 {
    c.text(x, y, label, Regular, 7.5, MUTED);
    let w = if bold { Bold } else { Regular };
    let lines = c.wrap(value, COL_W - LABEL_W, w, 8.5, 3);
    for line in &lines {
        c.text(x + LABEL_W, y, line, w, 8.5, INK);
        y += ROW;
    }
    if lines.is_empty() {
        y += ROW;
    }
    y
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

pub fn header(p: &mut Pager, sb: &Superbill, prose: &Prose, images: ImageInfo) {
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
    // The name shares its row with the title, the other rows with the
    // statement identifiers (which start at RIGHT - 200).
    let title_w = prose
        .title
        .first()
        .map(|t| c.width(t, Bold, 16.0).min(230.0))
        .unwrap_or(0.0);
    let name_w = RIGHT - title_w - 16.0 - x;
    let left_w = RIGHT - 212.0 - x;
    let pr = &sb.practice;
    // A long legal name is drawn smaller, then over two lines, never cut.
    let size = if c.width(&pr.legal_name, Bold, 13.0) <= name_w {
        13.0
    } else {
        11.0
    };
    let mut y = TOP + 12.0;
    let name_lines = c.wrap(&pr.legal_name, name_w, Bold, size, 2);
    for (i, line) in name_lines.iter().enumerate() {
        if i > 0 {
            y += 12.0;
        }
        c.text_fit(x, y, line, name_w, Bold, size, INK);
    }
    y += 13.0;
    for line in &pr.address_lines {
        c.text_fit(x, y, line, left_w, Regular, 8.5, INK);
        y += 10.5;
    }
    c.text_fit(
        x,
        y,
        &format!("Phone {}", pr.phone),
        left_w,
        Regular,
        8.5,
        INK,
    );
    y += 10.5;
    let npi = pr.npi.as_deref().unwrap_or("\u{2014}");
    let ids = [
        format!("Tax ID (EIN) {}", pr.tax_id),
        format!("NPI {npi}"),
        format!("Taxonomy {}", pr.taxonomy),
    ];
    let mut ix = x;
    for id in &ids {
        let w = c.width(id, Regular, 8.0);
        if ix > x && ix + w > x + left_w {
            ix = x;
            y += 10.0;
        }
        c.text_fit(ix, y, id, x + left_w - ix, Regular, 8.0, MUTED);
        ix += w + 10.0;
    }
    let left_bottom = y.max(logo_bottom);

    // Right: title and the statement's identifiers.
    let mut ry = TOP + 12.0;
    for (i, line) in prose.title.iter().enumerate() {
        let (w, size, col) = if i == 0 {
            (Bold, 16.0, ACCENT)
        } else {
            (Regular, 8.5, MUTED)
        };
        let fitted = c.fit(line, 230.0, w, size);
        c.text_right(RIGHT, ry, &fitted, w, size, col);
        ry += if i == 0 { 12.0 } else { 10.5 };
    }
    ry += 5.0;
    let period = format!(
        "{} \u{2013} {}",
        short_date(sb.period_from),
        short_date(sb.period_to)
    );
    let revision = format!("{} (corrected)", sb.issue.revision);
    let mut rows = vec![("Superbill no.", sb.number.as_str())];
    if sb.issue.is_corrected() {
        rows.push(("Revision", revision.as_str()));
    }
    let statement = long_date(sb.statement_date);
    rows.push(("Statement date", &statement));
    rows.push(("Service period", &period));
    for (label, value) in rows {
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
pub fn parties(p: &mut Pager, sb: &Superbill) {
    let c = &mut p.c;
    let pt = &sb.patient;
    let top = p.y;
    let mut y = heading(c, LEFT, top, COL_W, "PATIENT");
    y = kv_wrap(c, LEFT, y, "Name", &pt.name, true);
    y = kv(c, LEFT, y, "Patient ID", &pt.patient_id, false);
    c.text(LEFT + 150.0, y, "Sex", Regular, 7.5, MUTED);
    c.text_fit(LEFT + 170.0, y, &pt.sex, COL_W - 170.0, Regular, 8.5, INK);
    y = kv(c, LEFT, y, "Date of birth", &short_date(pt.dob), false);
    y = kv_lines(c, LEFT, y, "Address", &pt.address_lines);
    if let Some(phone) = &pt.phone {
        y = kv(c, LEFT, y, "Phone", phone, false);
    }
    let mut ry = heading(c, RIGHT_COL, top, COL_W, "INSURANCE");
    ry = kv_wrap(c, RIGHT_COL, ry, "Payer", &pt.payer, true);
    ry = kv(c, RIGHT_COL, ry, "Member ID", &pt.member_id, false);
    let group = pt.group_number.as_deref().unwrap_or("\u{2014}");
    ry = kv(c, RIGHT_COL, ry, "Group no.", group, false);
    match &pt.subscriber {
        Some((name, relationship)) => {
            ry = kv_wrap(c, RIGHT_COL, ry, "Subscriber", name, false);
            ry = kv(c, RIGHT_COL, ry, "Relationship", relationship, false);
            if let Some(dob) = pt.subscriber_dob {
                ry = kv(c, RIGHT_COL, ry, "Subscriber DOB", &short_date(dob), false);
            }
        }
        None => ry = kv(c, RIGHT_COL, ry, "Subscriber", "Patient (self)", false),
    }

    let top = y.max(ry) + GAP - ROW + 2.0;
    // The practice's address and phone are in the page header.
    let pr = &sb.practice;
    let mut y = heading(c, LEFT, top, COL_W, "BILLING PROVIDER");
    y = kv_wrap(c, LEFT, y, "Name", &pr.legal_name, true);
    y = kv(c, LEFT, y, "Tax ID (EIN)", &pr.tax_id, false);
    y = kv(
        c,
        LEFT,
        y,
        "NPI (group)",
        pr.npi.as_deref().unwrap_or("\u{2014}"),
        false,
    );
    y = kv(c, LEFT, y, "Taxonomy", &pr.taxonomy, false);
    if let Some(f) = &sb.facility {
        y = kv_wrap(c, LEFT, y, "Service facility", &f.name, false);
        y = kv_lines(c, LEFT, y, "", &f.address_lines);
        if let Some(npi) = &f.npi {
            y = kv(c, LEFT, y, "Facility NPI", npi, false);
        }
    } else if sb.facility_per_line() {
        y = kv(
            c,
            LEFT,
            y,
            "Service facility",
            "shown on each service line",
            false,
        );
    }
    let title = if sb.several_providers() {
        "RENDERING PROVIDERS"
    } else {
        "RENDERING PROVIDER"
    };
    let mut ry = heading(c, RIGHT_COL, top, COL_W, title);
    for (i, prov) in sb.providers.iter().enumerate() {
        if i > 0 {
            ry += 3.0;
        }
        for line in c.wrap(&prov.name, COL_W, Bold, 8.5, 2) {
            c.text(RIGHT_COL, ry, &line, Bold, 8.5, INK);
            ry += ROW;
        }
        let lic = format!("{} ({})", prov.license, prov.license_state);
        let pairs = [
            ("NPI", prov.npi.as_str()),
            ("License", &lic),
            ("Taxonomy", &prov.taxonomy),
        ];
        ry = inline_pairs(c, RIGHT_COL, ry, &pairs);
    }
    p.y = y.max(ry) + GAP - ROW + 2.0;
}

/// Diagnoses A-L in two columns, read across (A B / C D ...).
pub fn diagnoses(p: &mut Pager, sb: &Superbill) {
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

pub use super::closing::closing;

/// The footer of page `page` of `total`: superbill number and patient name
/// (so a loose page can be matched), practice footer text, AMA notice.
pub fn footer(c: &mut Canvas, sb: &Superbill, prose: &Prose, page: usize, total: usize) {
    c.hline(LEFT, RIGHT, 742.0, 0.5, RULE);
    let page_no = format!("Page {page} of {total}");
    let pw = c.width(&page_no, Bold, 7.5);
    c.text_right(RIGHT, 752.0, &page_no, Bold, 7.5, INK);
    // Name and member ID on every page, so a loose page can be matched to
    // its patient and claim; the member ID is never the part cut short.
    let member = format!("  \u{00B7}  Member ID {}", sb.patient.member_id);
    let room = RIGHT - LEFT - pw - 20.0;
    let mw = c.width(&member, Regular, 7.5).min(room / 2.0);
    let label = format!("Superbill {}  \u{00B7}  Patient: ", sb.number);
    let who = format!("{label}{}", sb.patient.name);
    let who = c.fit(&who, room - mw, Regular, 7.5);
    let ww = c.width(&who, Regular, 7.5);
    // Only the name in the embedded faces (see `Canvas::text_from`).
    c.text_from(LEFT, 752.0, &who, label.len(), Regular, 7.5, MUTED);
    c.text_fit(LEFT + ww, 752.0, &member, mw, Regular, 7.5, MUTED);
    c.text_fit(
        LEFT,
        761.5,
        &prose.footer,
        RIGHT - LEFT,
        Regular,
        7.0,
        MUTED,
    );
    if sb.shows_cpt {
        c.text_fit(LEFT, 770.5, AMA, RIGHT - LEFT, Regular, 6.5, MUTED);
    }
}
