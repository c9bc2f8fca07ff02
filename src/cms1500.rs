//! The CMS-1500 (02/12) claim form as pure data: a superbill turned into
//! the claim a patient files after paying, split into forms of at most six
//! service lines, and each form's boxes as printable text, named by the
//! NUCC item number (`1a`, `21_A`, `24.3.code`). The renderer
//! (`render::cms1500`) only places that text with the layout table.
//!
//! What the boxes say follows the NUCC 1500 Reference Instruction Manual
//! for a claim the patient files: 13 stays blank (the insurer pays the
//! patient), 27 says "No" (the provider does not accept assignment), 29
//! shows what the patient paid on the first form only (as OpenEMR prints
//! multi-form claims), names are `LAST, FIRST, M`, codes and numbers carry
//! no punctuation.

use crate::money::Cents;
use crate::superbill::{Party, ServiceLine, Superbill};
use chrono::NaiveDate;
use serde::Serialize;

/// A printer offset in points, written `3` or `3pt`, `2mm`, `0.1in`
/// (negative to move left or up).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Length(pub f32);

impl Length {
    pub fn parse(text: &str) -> Result<Length, String> {
        let t = text.trim().to_ascii_lowercase();
        let (num, per) = if let Some(n) = t.strip_suffix("mm") {
            (n, 72.0 / 25.4)
        } else if let Some(n) = t.strip_suffix("in") {
            (n, 72.0)
        } else if let Some(n) = t.strip_suffix("pt") {
            (n, 1.0)
        } else {
            (t.as_str(), 1.0)
        };
        let v: f32 = num.trim().parse().map_err(|_| {
            format!("'{text}' is not a length: write points (3, -1.5) or 2mm, 0.1in")
        })?;
        let pts = v * per;
        if !pts.is_finite() || pts.abs() > 72.0 {
            return Err(format!(
                "'{text}' moves the data more than an inch: check the printer's paper feed instead"
            ));
        }
        // Hundredths of a point: the same text always gives the same PDF.
        Ok(Length((pts * 100.0).round() / 100.0))
    }
}

impl<'de> serde::Deserialize<'de> for Length {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Length, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw {
            I(i64),
            F(f64),
            S(String),
        }
        let text = match Raw::deserialize(d)? {
            Raw::I(i) => i.to_string(),
            Raw::F(f) => f.to_string(),
            Raw::S(s) => s,
        };
        Length::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// At most this many service lines fit on one form (item 24).
pub const LINES_PER_FORM: usize = 6;

/// Item 1: the kind of coverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Program {
    Medicare,
    Medicaid,
    Tricare,
    Champva,
    GroupHealthPlan,
    Feca,
    Other,
}

impl Program {
    /// The item-1 check box of this program.
    pub fn field(self) -> &'static str {
        match self {
            Program::Medicare => "1_medicare",
            Program::Medicaid => "1_medicaid",
            Program::Tricare => "1_tricare",
            Program::Champva => "1_champva",
            Program::GroupHealthPlan => "1_group",
            Program::Feca => "1_feca",
            Program::Other => "1_other",
        }
    }
}

/// One form of a claim: the claim's header and diagnoses, up to six of its
/// lines, and this form's own totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Form {
    /// 1-based, and how many forms the claim takes.
    pub index: usize,
    pub count: usize,
    pub lines: Vec<ServiceLine>,
    /// Item 28: this form's lines only.
    pub total_charge: Cents,
    /// Item 29: what the patient paid, on the first form only.
    pub amount_paid: Cents,
    /// Item 32: where this form's lines were rendered; None for the
    /// billing address.
    pub facility: Option<Party>,
}

/// A superbill's claim: its forms and every box's text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Claim {
    /// The superbill's number (file name, document id).
    pub number: String,
    pub program: Program,
    pub forms: Vec<Form>,
    /// Per form, (field, text) for every box that prints something, in
    /// form order. Service-line fields are named `24.<n>.<field>` (n = 1-6).
    pub boxes: Vec<Vec<(String, String)>>,
    /// Lines for the top margin: the claim and form number, and the AMA
    /// notice when CPT codes are shown.
    pub notes: Vec<Vec<String>>,
    /// The date of the signature (item 31), also the PDF's date.
    pub signed: NaiveDate,
}

impl Claim {
    /// The claim for `sb`, as the patient files it.
    pub fn of(sb: &Superbill, program: Program) -> Claim {
        // Item 32 names one service facility per form, so lines rendered
        // at different places go on different forms: grouped by place in
        // the order first seen, each group in the superbill's line order.
        let mut places: Vec<(Option<&Party>, Vec<&ServiceLine>)> = Vec::new();
        for l in &sb.lines {
            // A line that names no facility takes the superbill's (a
            // superbill built by hand may name only that one).
            let place = l.facility.as_ref().or(sb.facility.as_ref());
            match places.iter_mut().find(|(f, _)| *f == place) {
                Some((_, lines)) => lines.push(l),
                None => places.push((place, vec![l])),
            }
        }
        let chunks: Vec<(Option<&Party>, &[&ServiceLine])> = places
            .iter()
            .flat_map(|(f, lines)| lines.chunks(LINES_PER_FORM).map(move |c| (*f, c)))
            .collect();
        let count = chunks.len().max(1);
        let forms: Vec<Form> = if chunks.is_empty() {
            vec![Form {
                index: 1,
                count: 1,
                lines: Vec::new(),
                total_charge: Cents::ZERO,
                amount_paid: sb.total_paid,
                facility: sb.facility.clone(),
            }]
        } else {
            chunks
                .iter()
                .enumerate()
                .map(|(i, (facility, lines))| Form {
                    index: i + 1,
                    count,
                    lines: lines.iter().map(|&l| l.clone()).collect(),
                    total_charge: lines.iter().map(|l| l.charge).sum(),
                    amount_paid: if i == 0 { sb.total_paid } else { Cents::ZERO },
                    facility: facility.cloned(),
                })
                .collect()
        };
        let header = header(sb, program);
        let boxes = forms
            .iter()
            .map(|f| {
                let mut b = header.clone();
                b.extend(form_boxes(sb, f));
                b
            })
            .collect();
        let notes = forms
            .iter()
            .map(|f| {
                let mut n = vec![format!(
                    "Claim {}, form {} of {}",
                    sb.number, f.index, f.count
                )];
                if sb.shows_cpt {
                    n.push(AMA_NOTICE.to_string());
                }
                n
            })
            .collect();
        Claim {
            number: sb.number.clone(),
            program,
            forms,
            boxes,
            notes,
            signed: sb.statement_date,
        }
    }
}

pub const AMA_NOTICE: &str = "CPT is a registered trademark of the American Medical Association.";

const X: &str = "X";

fn put(out: &mut Vec<(String, String)>, field: &str, text: impl Into<String>) {
    let text = text.into();
    if !text.trim().is_empty() {
        out.push((field.to_string(), text));
    }
}

/// Upper case, as claim forms are printed for OCR.
fn up(s: &str) -> String {
    s.trim().to_uppercase()
}

/// Addresses carry no punctuation on the form (NUCC: `123 N Main Street
/// 101`, not `123 N. Main Street, #101`).
fn street(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .filter(|c| !matches!(c, '.' | ',' | '#'))
        .collect();
    up(&cleaned.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn street_of(a: &crate::input::Address) -> String {
    match &a.line2 {
        Some(l2) if !l2.trim().is_empty() => street(&format!("{} {l2}", a.line1)),
        _ => street(&a.line1),
    }
}

/// USPS Publication 28 abbreviations of the words addresses spell out,
/// used only when a street does not fit its box: `1200 HARBOR VIEW DRIVE
/// SUITE 310` loses its suite number when cut, `1200 HARBOR VIEW DR STE
/// 310` does not.
const USPS: [(&str, &str); 34] = [
    ("APARTMENT", "APT"),
    ("AVENUE", "AVE"),
    ("BOULEVARD", "BLVD"),
    ("BUILDING", "BLDG"),
    ("CIRCLE", "CIR"),
    ("COURT", "CT"),
    ("DEPARTMENT", "DEPT"),
    ("DRIVE", "DR"),
    ("EAST", "E"),
    ("EXPRESSWAY", "EXPY"),
    ("FLOOR", "FL"),
    ("FREEWAY", "FWY"),
    ("HEIGHTS", "HTS"),
    ("HIGHWAY", "HWY"),
    ("LANE", "LN"),
    ("MOUNTAIN", "MTN"),
    ("NORTH", "N"),
    ("NORTHEAST", "NE"),
    ("NORTHWEST", "NW"),
    ("PARKWAY", "PKWY"),
    ("PLACE", "PL"),
    ("PLAZA", "PLZ"),
    ("ROAD", "RD"),
    ("ROOM", "RM"),
    ("SOUTH", "S"),
    ("SOUTHEAST", "SE"),
    ("SOUTHWEST", "SW"),
    ("SQUARE", "SQ"),
    ("STREET", "ST"),
    ("SUITE", "STE"),
    ("TERRACE", "TER"),
    ("TRAIL", "TRL"),
    ("WAY", "WAY"),
    ("WEST", "W"),
];

/// The smallest a box's text is condensed to (as a share of the grid's
/// size) before it is cut: a street or a name that runs a few characters
/// past its box prints whole in a slightly smaller type, since a cut
/// suite number or name is a wrong claim.
pub const MIN_SCALE: f32 = 0.6;

/// `text` for a box `width` characters wide: as it is when it fits, else
/// with the USPS abbreviations (streets), else as it is up to what fits at
/// [`MIN_SCALE`] (the renderer condenses it), else cut there (never ending
/// in a comma or a space).
pub fn fit(text: &str, width: usize, address: bool) -> String {
    let count = |s: &str| s.chars().count();
    let mut t = text.to_string();
    if count(&t) > width && address {
        t = t
            .split_whitespace()
            .map(|w| {
                USPS.iter()
                    .find(|(long, _)| *long == w)
                    .map_or(w, |(_, short)| short)
            })
            .collect::<Vec<_>>()
            .join(" ");
    }
    let most = (width as f64 / f64::from(MIN_SCALE) + 1e-6).floor() as usize;
    if count(&t) > most {
        let whole_word = t.chars().nth(most) == Some(' ');
        t = t.chars().take(most).collect();
        // Cut between words when there is a word to cut after.
        if let Some(space) = t.rfind(' ').filter(|_| !whole_word) {
            t.truncate(space);
        }
        let kept = t.trim_end_matches([' ', ',', '.', '-', ';']).len();
        t.truncate(kept);
    }
    t
}

/// ZIP codes without the hyphen (`802061234`).
fn zip(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// `(303) 555-0142` -> (`303`, `5550142`): the form prints the area code
/// between its own parentheses, and no separator in the number.
fn phone(s: &str) -> (String, String) {
    let mut digits: String = s.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 11 && digits.starts_with('1') {
        digits.remove(0);
    }
    if digits.len() == 10 {
        (digits[..3].to_string(), digits[3..].to_string())
    } else {
        (String::new(), digits)
    }
}

/// `LAST, FIRST, M` (NUCC item 2: commas between the parts, the middle
/// initial only, no periods).
fn form_name(last: &str, first: &str, middle: Option<&str>) -> String {
    let clean = |s: &str| up(&s.replace('.', ""));
    let mut name = format!("{}, {}", clean(last), clean(first));
    if let Some(m) = middle.and_then(|m| m.trim().chars().next()) {
        name.push_str(", ");
        name.push_str(&m.to_uppercase().to_string());
    }
    name
}

/// A subscriber written `First Last` or `Last, First` becomes `LAST,
/// FIRST`. A name with several words before the last is split at the last
/// word (the superbill keeps it exactly as written).
fn subscriber_name(s: &str) -> String {
    if s.contains(',') {
        return up(&s.replace('.', ""));
    }
    let words: Vec<&str> = s.split_whitespace().collect();
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => form_name(last, &rest.join(" "), None),
        _ => up(s),
    }
}

fn date_parts(d: NaiveDate) -> (String, String, String, String) {
    (
        d.format("%m").to_string(),
        d.format("%d").to_string(),
        d.format("%y").to_string(),
        d.format("%Y").to_string(),
    )
}

/// Amounts print as dollars and cents in separate cells, no `$`, no
/// commas, no point.
fn money(c: Cents) -> (String, String) {
    let cents = c.0.max(0);
    ((cents / 100).to_string(), format!("{:02}", cents % 100))
}

/// Boxes that are the same on every form of the claim.
fn header(sb: &Superbill, program: Program) -> Vec<(String, String)> {
    let mut b = Vec::new();
    let pt = &sb.patient;
    put(&mut b, "carrier_name", up(&pt.payer));
    put(&mut b, program.field(), X);
    put(&mut b, "1a", up(&pt.member_id));
    let patient_name = form_name(&pt.last_name, &pt.first_name, pt.middle_name.as_deref());
    put(&mut b, "2", patient_name.clone());
    let (mm, dd, _, yyyy) = date_parts(pt.dob);
    put(&mut b, "3_mm", mm);
    put(&mut b, "3_dd", dd);
    put(&mut b, "3_yyyy", yyyy);
    let sex = pt.sex.trim().to_ascii_uppercase();
    let sex_box = match sex.chars().next() {
        Some('M') => Some("m"),
        Some('F') => Some("f"),
        _ => None,
    };
    if let Some(s) = sex_box {
        put(&mut b, &format!("3_{s}"), X);
    }
    put(&mut b, "5_street", street_of(&pt.address));
    put(&mut b, "5_city", up(&pt.address.city));
    put(&mut b, "5_state", up(&pt.address.state));
    put(&mut b, "5_zip", zip(&pt.address.zip));
    if let Some(p) = &pt.phone {
        let (area, number) = phone(p);
        put(&mut b, "5_area", area);
        put(&mut b, "5_phone", number);
    }
    match &pt.subscriber {
        None => {
            // The patient is the insured: item 4 repeats the name, 7 the
            // address, 11a the birth date and sex.
            put(&mut b, "4", patient_name);
            put(&mut b, "6_self", X);
            put(&mut b, "7_street", street_of(&pt.address));
            put(&mut b, "7_city", up(&pt.address.city));
            put(&mut b, "7_state", up(&pt.address.state));
            put(&mut b, "7_zip", zip(&pt.address.zip));
            if let Some(p) = &pt.phone {
                let (area, number) = phone(p);
                put(&mut b, "7_area", area);
                put(&mut b, "7_phone", number);
            }
            let (mm, dd, _, yyyy) = date_parts(pt.dob);
            put(&mut b, "11a_mm", mm);
            put(&mut b, "11a_dd", dd);
            put(&mut b, "11a_yyyy", yyyy);
            if let Some(s) = sex_box {
                put(&mut b, &format!("11a_{s}"), X);
            }
        }
        Some((name, relationship)) => {
            put(&mut b, "4", subscriber_name(name));
            let rel = relationship.trim().to_ascii_lowercase();
            let field = match rel.as_str() {
                "self" => "6_self",
                "spouse" | "husband" | "wife" | "partner" | "domestic partner" => "6_spouse",
                "child" | "son" | "daughter" | "dependent" => "6_child",
                _ => "6_other",
            };
            put(&mut b, field, X);
            // 11a: the insured's birth date, when the export has it.
            if let Some(dob) = pt.subscriber_dob {
                let (mm, dd, _, yyyy) = date_parts(dob);
                put(&mut b, "11a_mm", mm);
                put(&mut b, "11a_dd", dd);
                put(&mut b, "11a_yyyy", yyyy);
            }
        }
    }
    if let Some(g) = &pt.group_number {
        put(&mut b, "11", up(g));
    }
    // Item 10: psychiatric and infusion care is not an injury claim.
    put(&mut b, "10a_no", X);
    put(&mut b, "10b_no", X);
    put(&mut b, "10c_no", X);
    put(&mut b, "11c", up(&pt.payer));
    // Item 21: ICD-10-CM, codes without the point.
    put(&mut b, "21_ind", "0");
    for d in &sb.diagnoses {
        let code: String = d.code.chars().filter(|c| *c != '.').collect();
        put(&mut b, &format!("21_{}", d.letter), up(&code));
    }
    // Items 25-27.
    let ein: String = sb
        .practice
        .tax_id
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    put(&mut b, "25", ein);
    put(&mut b, "25_ein", X);
    put(&mut b, "26", up(&pt.patient_id));
    put(&mut b, "27_no", X);
    let pr = &sb.practice;
    // Item 33: the billing provider.
    let (area, number) = phone(&pr.phone);
    put(&mut b, "33_area", area);
    put(&mut b, "33_phone", number);
    put(&mut b, "33_name", up(&pr.legal_name));
    put(&mut b, "33_street", street_of(&pr.address));
    put(&mut b, "33_city", city_line(&pr.address));
    let billing_npi = pr.npi.clone().or_else(|| match sb.providers.as_slice() {
        [only] => Some(only.npi.clone()),
        _ => None,
    });
    if let Some(npi) = billing_npi {
        put(&mut b, "33a", npi);
    }
    put(&mut b, "33b", format!("ZZ{}", up(&pr.taxonomy)));
    let (mm, dd, yy, _) = date_parts(sb.statement_date);
    put(&mut b, "31_date", format!("{mm} {dd} {yy}"));
    b
}

/// `CITY ST 802061234` (NUCC: a space, not a comma, before the state).
fn city_line(a: &crate::input::Address) -> String {
    format!("{} {} {}", up(&a.city), up(&a.state), zip(&a.zip))
}

/// The boxes of one form: its lines, totals and signature.
fn form_boxes(sb: &Superbill, f: &Form) -> Vec<(String, String)> {
    let mut b = Vec::new();
    for (i, l) in f.lines.iter().enumerate() {
        let n = i + 1;
        let key = |field: &str| format!("24.{n}.{field}");
        if let Some(d) = &l.drug {
            put(
                &mut b,
                &key("supplemental"),
                format!("N4{}   {}{}", d.ndc11, up(&d.unit_qualifier), d.quantity),
            );
        }
        let (mm, dd, yy, _) = date_parts(l.date);
        for side in ["from", "to"] {
            put(&mut b, &key(&format!("{side}_mm")), mm.clone());
            put(&mut b, &key(&format!("{side}_dd")), dd.clone());
            put(&mut b, &key(&format!("{side}_yy")), yy.clone());
        }
        put(&mut b, &key("pos"), l.place_of_service.clone());
        put(&mut b, &key("code"), up(&l.code));
        for (k, m) in l.modifiers.iter().take(4).enumerate() {
            put(&mut b, &key(&format!("mod{}", k + 1)), up(m));
        }
        put(&mut b, &key("pointer"), l.pointers.clone());
        let (dollars, cents) = money(l.charge);
        put(&mut b, &key("charge_dollars"), dollars);
        put(&mut b, &key("charge_cents"), cents);
        put(&mut b, &key("units"), l.units.to_string());
        put(&mut b, &key("npi"), l.provider_npi.clone());
    }
    // Item 32: where this form's services were rendered.
    let pr = &sb.practice;
    match &f.facility {
        Some(place) => {
            put(&mut b, "32_name", up(&place.name));
            put(&mut b, "32_street", street_of(&place.address));
            put(&mut b, "32_city", city_line(&place.address));
            if let Some(npi) = &place.npi {
                put(&mut b, "32a", npi.clone());
            }
        }
        None => {
            put(&mut b, "32_name", up(&pr.legal_name));
            put(&mut b, "32_street", street_of(&pr.address));
            put(&mut b, "32_city", city_line(&pr.address));
            if let Some(npi) = &pr.npi {
                put(&mut b, "32a", npi.clone());
            }
        }
    }
    let (dollars, cents) = money(f.total_charge);
    put(&mut b, "28_dollars", dollars);
    put(&mut b, "28_cents", cents);
    let (dollars, cents) = money(f.amount_paid);
    put(&mut b, "29_dollars", dollars);
    put(&mut b, "29_cents", cents);
    // Item 31: the rendering provider of the form's first line, with
    // credentials.
    let signer = f
        .lines
        .first()
        .and_then(|l| sb.providers.iter().find(|p| p.npi == l.provider_npi))
        .or(sb.providers.first());
    if let Some(p) = signer {
        put(&mut b, "31_signature", up(&p.name));
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streets_are_abbreviated_before_they_are_cut() {
        assert_eq!(
            fit("1200 HARBOR VIEW DRIVE SUITE 310", 29, true),
            "1200 HARBOR VIEW DR STE 310"
        );
        assert_eq!(
            fit("2750 LARKSPUR RIDGE PKWY", 29, true),
            "2750 LARKSPUR RIDGE PKWY"
        );
        assert_eq!(
            fit("88 ASPEN ROW BUILDING 2", 26, true),
            "88 ASPEN ROW BUILDING 2"
        );
        // Up to two thirds longer than the box prints whole (condensed).
        assert_eq!(
            fit("CLEARWATER KETAMINE WELLNESS, PLLC", 26, false),
            "CLEARWATER KETAMINE WELLNESS, PLLC"
        );
        assert_eq!(
            fit(
                "CLEARWATER KETAMINE WELLNESS, PLLC OF THE PACIFIC NORTHWEST",
                26,
                false
            ),
            "CLEARWATER KETAMINE WELLNESS, PLLC OF THE"
        );
        assert_eq!(fit("SUITES", 2, false), "SUI");
    }

    #[test]
    fn lengths_take_units() {
        assert_eq!(Length::parse("3"), Ok(Length(3.0)));
        assert_eq!(Length::parse("-1.5pt"), Ok(Length(-1.5)));
        assert_eq!(Length::parse("0.1in"), Ok(Length(7.2)));
        assert_eq!(Length::parse("2mm"), Ok(Length(5.67)));
        assert!(Length::parse("2cm").is_err());
        assert!(Length::parse("100").is_err());
    }

    #[test]
    fn names_follow_item_2() {
        assert_eq!(form_name("Muñoz", "José", Some("James")), "MUÑOZ, JOSÉ, J");
        assert_eq!(form_name("O'Neil", "Ann", None), "O'NEIL, ANN");
        assert_eq!(form_name("Smith Jr.", "Al", Some("B.")), "SMITH JR, AL, B");
        assert_eq!(subscriber_name("Rafael Hargrove"), "HARGROVE, RAFAEL");
        assert_eq!(subscriber_name("Hargrove, Rafael"), "HARGROVE, RAFAEL");
        assert_eq!(subscriber_name("Cher"), "CHER");
    }

    #[test]
    fn addresses_phones_and_money_lose_their_punctuation() {
        assert_eq!(street("123 N. Main Street, #101"), "123 N MAIN STREET 101");
        assert_eq!(zip("80206-1234"), "802061234");
        assert_eq!(phone("(303) 555-0142"), ("303".into(), "5550142".into()));
        assert_eq!(phone("+1 303 555 0142"), ("303".into(), "5550142".into()));
        assert_eq!(phone("555-0142"), (String::new(), "5550142".into()));
        assert_eq!(money(Cents(123_456)), ("1234".into(), "56".into()));
        assert_eq!(money(Cents(5)), ("0".into(), "05".into()));
    }
}
