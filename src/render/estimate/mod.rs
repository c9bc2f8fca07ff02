//! The Good Faith Estimate PDF ([`crate::estimate::Estimate`]): patient,
//! practice and location, the primary service and period of care, the
//! expected diagnoses, the expected services itemised per provider (name,
//! NPI, TIN) with codes and charges from the fee schedule, the total, and
//! the disclaimers 45 CFR 149.610 requires (CMS's standard wording).

use super::pdf::canvas::{Canvas, ACCENT, INK, MUTED, RULE, SHADE};
use super::pdf::fonts::{self, FontSet, Weight};
use super::pdf::pager::{Frame, Pager};
use super::pdf::rows::{Col, Rows, LEFT, RIGHT};
use super::pdf::{assemble, blocks};
use super::us_date as us;
use super::{Document, RenderOptions, BUILD_ID};
use crate::estimate::Estimate;

const FRAME: Frame = Frame {
    top: 50.0,
    bottom: 740.0,
    cont_top: 84.0,
};

pub const AMA_NOTICE: &str = "CPT is a registered trademark of the American Medical Association.";

/// The disclaimers, in the words of CMS's standard Good Faith Estimate
/// notice: it is an estimate; the right to dispute a bill $400 or more
/// above it within 120 days; keep a copy.
pub const DISCLAIMERS: [&str; 5] = [
    "This Good Faith Estimate shows the costs of items and services that are reasonably expected for your \
health care needs for an item or service. The estimate is based on information known at the time the \
estimate was created. The Good Faith Estimate does not include any unknown or unexpected costs that may \
arise during treatment. You could be charged more if complications or special circumstances occur. If this \
happens, federal law allows you to dispute (appeal) the bill.",
    "If you are billed for more than this Good Faith Estimate, you have the right to dispute the bill. If \
you are billed $400 or more above this estimate by any provider or facility listed, you may start a \
dispute resolution process with the U.S. Department of Health and Human Services (HHS). You must start it \
within 120 calendar days (about 4 months) of the date on the original bill. There is a $25 fee to use the \
dispute process. You may also contact the provider or facility to ask them to update the bill to match \
this estimate, to negotiate the bill, or whether financial assistance is available.",
    "To learn more and get a form to start the process, go to www.cms.gov/nosurprises or call 1-800-985-3059.",
    "This Good Faith Estimate is not a contract and does not require you to obtain the items or services \
from any of the providers or facilities identified in it.",
    "Keep a copy of this Good Faith Estimate in a safe place or take pictures of it. You may need it if you \
are billed a higher amount.",
];

/// Renders Good Faith Estimates. `Send + Sync`: build one, share it.
pub struct Renderer {
    fonts: FontSet,
    fingerprint: String,
}

impl Renderer {
    pub fn new(opts: &RenderOptions) -> crate::Result<Renderer> {
        Ok(Renderer {
            fonts: FontSet::load(opts.font.as_deref(), opts.font_bold.as_deref())?,
            fingerprint: format!("estimate {BUILD_ID}"),
        })
    }

    pub fn render(&self, e: &Estimate) -> crate::Result<Vec<u8>> {
        let mode = fonts::mode_for(&self.fonts, e, &[])
            .map_err(|m| crate::Error::Other(format!("estimate {}: {m}", e.number)))?;
        let running = |c: &mut Canvas| {
            let head = format!(
                "Good Faith Estimate {} ({}), continued",
                e.number, e.patient_id
            );
            c.text_fit(LEFT, 62.0, &head, RIGHT - LEFT, Weight::Bold, 9.0, INK);
            c.hline(LEFT, RIGHT, 70.0, 0.6, RULE);
        };
        let mut p = Pager::new(&self.fonts, mode, FRAME, running);
        head(&mut p, e);
        for g in &e.providers {
            let mut rows = Vec::new();
            for it in &g.items {
                for (i, l) in it.lines.iter().enumerate() {
                    let first = match i {
                        0 => it.label.clone(),
                        1 => it.schedule.clone(),
                        _ => String::new(),
                    };
                    let code = if l.modifiers.is_empty() {
                        l.code.clone()
                    } else {
                        format!("{}-{}", l.code, l.modifiers.join("-"))
                    };
                    rows.push(vec![
                        first,
                        code,
                        l.description.clone(),
                        l.units.to_string(),
                        (l.unit_fee * l.units).display(),
                        it.visits.to_string(),
                        l.total.display(),
                    ]);
                }
                if it.lines.len() == 1 {
                    rows.push(vec![it.schedule.clone()]);
                }
            }
            let title = format!("{}, NPI {}, TIN {}", g.name, g.npi, g.tin);
            Rows::new(
                title,
                vec![
                    Col::left("Expected service", 0.0),
                    Col::left("Code", 185.0),
                    Col::left("Description", 235.0),
                    Col::right("Units", 365.0),
                    Col::right("Per visit", 420.0),
                    Col::right("Visits", 455.0),
                    Col::right("Total", RIGHT - LEFT),
                ],
                rows,
                ("Subtotal", g.subtotal.display()),
            )
            .draw(&mut p, "");
            for it in &g.items {
                if let Some(note) = &it.note {
                    p.ensure(24.0);
                    let end = p.c.paragraph(
                        LEFT,
                        p.y,
                        &format!("{}: {note}", it.label),
                        RIGHT - LEFT,
                        3,
                        10.0,
                        Weight::Regular,
                        7.5,
                        MUTED,
                    );
                    p.y = end;
                }
            }
            p.y += 6.0;
        }
        // The total, in a shaded band.
        p.ensure(34.0);
        p.c.rect(LEFT, p.y, RIGHT - LEFT, 28.0, SHADE);
        p.c.text(
            LEFT + 10.0,
            p.y + 18.0,
            "Total estimated charges",
            Weight::Bold,
            11.0,
            INK,
        );
        p.c.text_right(
            RIGHT - 10.0,
            p.y + 18.0,
            &e.total.display(),
            Weight::Bold,
            12.0,
            INK,
        );
        p.y += 40.0;
        if !e.separately.is_empty() {
            p.ensure(30.0);
            p.c.text(
                LEFT,
                p.y + 10.0,
                "Scheduled separately (not in this estimate)",
                Weight::Bold,
                9.0,
                INK,
            );
            p.y += 16.0;
            for s in &e.separately {
                let end = p.c.paragraph(
                    LEFT + 8.0,
                    p.y + 8.0,
                    &format!("- {s}"),
                    RIGHT - LEFT - 8.0,
                    3,
                    10.0,
                    Weight::Regular,
                    8.5,
                    INK,
                );
                p.y = end;
            }
            p.y += 6.0;
        }
        p.ensure(40.0);
        p.c.text(LEFT, p.y + 10.0, "Disclaimer", Weight::Bold, 11.0, INK);
        p.y += 18.0;
        for d in DISCLAIMERS {
            let lines = p.c.wrap(d, RIGHT - LEFT, Weight::Regular, 8.5, 12).len();
            p.ensure(lines as f32 * 11.0 + 6.0);
            let end = p.c.paragraph(
                LEFT,
                p.y + 8.0,
                d,
                RIGHT - LEFT,
                12,
                11.0,
                Weight::Regular,
                8.5,
                INK,
            );
            p.y = end + 2.0;
        }
        let pages = p.finish(|c, page, total| {
            let who = format!(
                "{} \u{b7} {} \u{b7} {}",
                e.number, e.patient_name, e.practice.legal_name
            );
            blocks::footer(c, &who, 420.0, page, total);
            // The AMA notice on a line of its own: never cut.
            if e.shows_cpt {
                c.text(LEFT, 770.0, AMA_NOTICE, Weight::Regular, 7.0, MUTED);
            }
        });
        let meta = assemble::Meta {
            label: format!("estimate {}", e.number),
            id_seed: format!("estimate:{}", e.number),
            title: format!("Good Faith Estimate {}", e.number),
            author: e.practice.legal_name.clone(),
            subject: "Good Faith Estimate (No Surprises Act, 45 CFR 149.610)".into(),
            date: e.issued,
        };
        assemble::assemble(pages, mode, &self.fonts, &[], meta)
    }
}

fn head(p: &mut Pager, e: &Estimate) {
    let y = p.y;
    p.c.text(
        LEFT,
        y + 16.0,
        "Good Faith Estimate",
        Weight::Bold,
        18.0,
        ACCENT,
    );
    p.c.text_right(RIGHT, y + 10.0, &e.number, Weight::Bold, 10.0, INK);
    p.c.text_right(
        RIGHT,
        y + 22.0,
        &format!("Issued {}", us(e.issued)),
        Weight::Regular,
        8.5,
        MUTED,
    );
    p.c.text(
        LEFT,
        y + 32.0,
        "for a patient who is uninsured or paying for care themselves (self-pay)",
        Weight::Regular,
        9.0,
        MUTED,
    );
    let top = y + 54.0;
    let col2 = 320.0;
    let left: Vec<(String, Weight)> = vec![
        (e.patient_name.clone(), Weight::Bold),
        (
            format!("Date of birth {}", us(e.patient_dob)),
            Weight::Regular,
        ),
        (format!("Patient ID {}", e.patient_id), Weight::Regular),
    ];
    let pr = &e.practice;
    let mut right: Vec<(String, Weight)> = vec![(pr.legal_name.clone(), Weight::Bold)];
    right.extend(
        pr.address_lines
            .iter()
            .map(|l| (l.clone(), Weight::Regular)),
    );
    right.push((format!("Phone {}", pr.phone), Weight::Regular));
    right.push((format!("TIN {}", pr.tax_id), Weight::Regular));
    if let Some(npi) = &pr.npi {
        right.push((format!("NPI {npi}"), Weight::Regular));
    }
    right.push((format!("Services at: {}", e.location_name), Weight::Regular));
    right.extend(e.location.iter().map(|l| (l.clone(), Weight::Regular)));
    p.y = blocks::side_by_side(
        &mut p.c,
        top,
        col2,
        ["Patient", "Provider and location"],
        &left,
        &right,
    );

    p.c.text(LEFT, p.y + 10.0, &e.title, Weight::Bold, 11.0, INK);
    let end = p.c.paragraph(
        LEFT,
        p.y + 24.0,
        &e.description,
        RIGHT - LEFT,
        3,
        11.0,
        Weight::Regular,
        9.0,
        INK,
    );
    p.y = end;
    let period = format!(
        "Expected period of care: {} to {}",
        us(e.period_from),
        us(e.period_to)
    );
    p.c.text(LEFT, p.y + 4.0, &period, Weight::Regular, 9.0, INK);
    p.y += 14.0;
    let dx: Vec<String> = e
        .diagnoses
        .iter()
        .map(|d| format!("{} {} ({})", d.letter, d.code, d.description))
        .collect();
    let end = p.c.paragraph(
        LEFT,
        p.y + 6.0,
        &format!("Expected diagnoses (ICD-10-CM): {}", dx.join("; ")),
        RIGHT - LEFT,
        4,
        11.0,
        Weight::Regular,
        9.0,
        INK,
    );
    p.y = end + 10.0;
}

impl Document<Estimate> for Renderer {
    fn folder(&self) -> &'static str {
        "estimates"
    }

    fn file_name(&self, number: &str) -> String {
        format!("{number}.pdf")
    }

    fn render(&self, e: &Estimate) -> crate::Result<Vec<u8>> {
        Renderer::render(self, e)
    }

    fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}
