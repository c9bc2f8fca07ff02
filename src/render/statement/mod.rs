//! The year-end statement PDF ([`crate::statement::Statement`]): the
//! practice with its tax ID, the patient, what the statement is for (IRS
//! Publication 502, HSA/FSA records), the totals, then every visit, every
//! payment and every refund of the year, in tables that run over pages
//! under a running header.
//!
//! Services are named in the practice's own plain words; no procedure code
//! is printed, so no AMA notice is due.

use super::pdf::canvas::{Canvas, ACCENT, INK, MUTED, RULE, SHADE};
use super::pdf::fonts::{self, FontSet, Weight};
use super::pdf::pager::{Frame, Pager};
use super::pdf::rows::{Col, Rows, LEFT, RIGHT};
use super::pdf::{assemble, blocks};
use super::us_date as us;
use super::{Document, RenderOptions, BUILD_ID};
use crate::statement::Statement;
const FRAME: Frame = Frame {
    top: 50.0,
    bottom: 740.0,
    cont_top: 84.0,
};

/// What the statement says it is. Publication 502 counts medical expenses
/// in the year they are paid, which is how the statement counts money.
pub const PURPOSE: &str = "This statement is a record of amounts paid for medical care, \
for your Health Savings Account (HSA) or Flexible Spending Account (FSA) records and for the \
medical expense deduction (IRS Publication 502, Medical and Dental Expenses). Payments and \
refunds count in the year the money changed hands; services are listed by date of service. \
Keep it with your tax records.";

/// Renders year-end statements. `Send + Sync`: build one, share it.
pub struct Renderer {
    fonts: FontSet,
    fingerprint: String,
}

impl Renderer {
    pub fn new(opts: &RenderOptions) -> crate::Result<Renderer> {
        Ok(Renderer {
            fonts: FontSet::load(opts.font.as_deref(), opts.font_bold.as_deref())?,
            fingerprint: format!("statement {BUILD_ID}"),
        })
    }

    pub fn render(&self, st: &Statement) -> crate::Result<Vec<u8>> {
        let mode = fonts::mode_for(&self.fonts, st, &[])
            .map_err(|m| crate::Error::Other(format!("statement {}: {m}", st.number)))?;
        let running = |c: &mut Canvas| {
            let head = format!(
                "{} year-end statement {} ({}), continued",
                st.year, st.number, st.patient_id
            );
            c.text_fit(LEFT, 62.0, &head, RIGHT - LEFT, Weight::Bold, 9.0, INK);
            c.hline(LEFT, RIGHT, 70.0, 0.6, RULE);
        };
        let mut p = Pager::new(&self.fonts, mode, FRAME, running);
        head(&mut p, st);
        let visits = Rows::new(
            "Services",
            vec![
                Col::left("Date of service", 0.0),
                Col::left("Service", 78.0),
                Col::left("Provider", 300.0),
                Col::right("Charge", RIGHT - LEFT),
            ],
            st.visits
                .iter()
                .map(|v| {
                    vec![
                        us(v.date),
                        v.service.clone(),
                        v.provider.clone(),
                        v.charge.display(),
                    ]
                })
                .collect(),
            ("Total charged", st.total_charged.display()),
        );
        visits.draw(&mut p, "No services in this year.");
        let money_rows = |list: &[crate::statement::Receipt]| -> Vec<Vec<String>> {
            list.iter()
                .map(|r| {
                    vec![
                        us(r.date),
                        r.payment_id.clone(),
                        r.method.clone(),
                        r.reference.clone().unwrap_or_default(),
                        r.amount.display(),
                    ]
                })
                .collect()
        };
        let money_cols = || {
            vec![
                Col::left("Date", 0.0),
                Col::left("Payment", 78.0),
                Col::left("Method", 200.0),
                Col::left("Reference", 300.0),
                Col::right("Amount", RIGHT - LEFT),
            ]
        };
        Rows::new(
            "Payments",
            money_cols(),
            money_rows(&st.payments),
            ("Total paid", st.total_paid.display()),
        )
        .draw(&mut p, "No payments in this year.");
        if !st.refunds.is_empty() {
            Rows::new(
                "Refunds",
                money_cols(),
                money_rows(&st.refunds),
                ("Total refunded", st.total_refunded.display()),
            )
            .draw(&mut p, "");
        }
        let pages = p.finish(|c, page, total| {
            let who = format!(
                "{} \u{b7} {} \u{b7} {}",
                st.number, st.patient_name, st.practice.legal_name
            );
            blocks::footer(c, &who, 380.0, page, total);
        });
        let meta = assemble::Meta {
            label: format!("statement {}", st.number),
            id_seed: format!("statement:{}", st.number),
            title: format!("{} year-end statement {}", st.year, st.number),
            author: st.practice.legal_name.clone(),
            subject: "Record of amounts paid for medical care (IRS Publication 502)".into(),
            date: st.statement_date,
        };
        assemble::assemble(pages, mode, &self.fonts, &[], meta)
    }
}

/// Title, practice (with its tax ID), patient, period, purpose, totals.
fn head(p: &mut Pager, st: &Statement) {
    let y = p.y;
    p.c.text(
        LEFT,
        y + 16.0,
        "Year-end statement",
        Weight::Bold,
        18.0,
        ACCENT,
    );
    p.c.text_right(RIGHT, y + 10.0, &st.number, Weight::Bold, 10.0, INK);
    p.c.text_right(
        RIGHT,
        y + 22.0,
        &format!("Statement date {}", us(st.statement_date)),
        Weight::Regular,
        8.5,
        MUTED,
    );
    let period = if st.full_year {
        format!("January 1 to December 31, {}", st.year)
    } else {
        format!(
            "January 1 to {}, {} (year to date: the year is not over)",
            st.statement_date.format("%B %-d"),
            st.year
        )
    };
    p.c.text(LEFT, y + 32.0, &period, Weight::Regular, 10.0, INK);

    // Two blocks side by side: who issued it, and for whom.
    let top = y + 54.0;
    let col2 = 320.0;
    let pr = &st.practice;
    let mut left: Vec<(String, Weight)> = vec![(pr.legal_name.clone(), Weight::Bold)];
    left.extend(
        pr.address_lines
            .iter()
            .map(|l| (l.clone(), Weight::Regular)),
    );
    left.push((format!("Phone {}", pr.phone), Weight::Regular));
    left.push((format!("Tax ID (EIN) {}", pr.tax_id), Weight::Bold));
    if let Some(npi) = &pr.npi {
        left.push((format!("NPI {npi}"), Weight::Regular));
    }
    let mut right: Vec<(String, Weight)> = vec![(st.patient_name.clone(), Weight::Bold)];
    right.extend(
        st.patient_address
            .iter()
            .map(|l| (l.clone(), Weight::Regular)),
    );
    right.push((format!("Patient ID {}", st.patient_id), Weight::Regular));
    p.y = blocks::side_by_side(&mut p.c, top, col2, ["Issued by", "Patient"], &left, &right);

    let end = p.c.paragraph(
        LEFT,
        p.y + 10.0,
        PURPOSE,
        RIGHT - LEFT,
        5,
        11.0,
        Weight::Regular,
        8.5,
        INK,
    );
    p.y = end + 6.0;

    // The totals, in a shaded band.
    let band = 42.0;
    p.c.rect(LEFT, p.y, RIGHT - LEFT, band, SHADE);
    let cells = [
        ("Charged for services", st.total_charged),
        ("Paid", st.total_paid),
        ("Refunded", st.total_refunded),
        ("Net paid for care", st.net_paid),
    ];
    let w = (RIGHT - LEFT) / cells.len() as f32;
    for (i, (label, amount)) in cells.iter().enumerate() {
        let x = LEFT + 10.0 + i as f32 * w;
        p.c.text(x, p.y + 15.0, label, Weight::Regular, 8.0, MUTED);
        let bold = i == cells.len() - 1;
        let weight = if bold { Weight::Bold } else { Weight::Regular };
        p.c.text(x, p.y + 32.0, &amount.display(), weight, 12.0, INK);
    }
    p.y += band + 18.0;
}

impl Document<Statement> for Renderer {
    fn folder(&self) -> &'static str {
        "statements"
    }

    fn file_name(&self, number: &str) -> String {
        format!("{number}.pdf")
    }

    fn render(&self, st: &Statement) -> crate::Result<Vec<u8>> {
        Renderer::render(self, st)
    }

    fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}
