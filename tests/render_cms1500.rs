//! The CMS-1500 renderer on hand-built superbills: every box read back from
//! the PDF at the position the layout table (assets/cms1500.toml, parsed
//! here on its own) gives it, forms of six lines with their own totals,
//! data-only offsets, determinism.

#[path = "common/fixture.rs"]
mod fixture;
#[path = "common/pdfpos.rs"]
mod pdfpos;

use fixture::{sample, sample_with_lines, NPI_OKAFOR};
use pdfpos::Placed;
use superbill::money::Cents;
use superbill::render::cms1500::{Options, Renderer};
use superbill::superbill::Superbill;

/// The grid and the fields of the layout table.
struct Table {
    t: toml::Table,
}

impl Table {
    fn load() -> Table {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/cms1500.toml"),
        )
        .unwrap();
        Table {
            t: text.parse().unwrap(),
        }
    }

    fn grid(&self, k: &str) -> f32 {
        let v = &self.t["grid"][k];
        v.as_float()
            .unwrap_or_else(|| v.as_integer().unwrap() as f64) as f32
    }

    /// (line, col, width, right-aligned) of a box.
    fn field(&self, name: &str) -> (f32, f32, usize, bool) {
        let num = |v: &toml::Value| {
            v.as_float()
                .unwrap_or_else(|| v.as_integer().unwrap() as f64) as f32
        };
        let (f, line_add) = match name.strip_prefix("24.") {
            Some(rest) => {
                let (n, field) = rest.split_once('.').unwrap();
                let n: f32 = n.parse().unwrap();
                let sl = &self.t["service_lines"];
                let add = num(&sl["first"]) + (n - 1.0) * num(&sl["step"]);
                (&sl["fields"][field], add)
            }
            None => (&self.t["fields"][name], 0.0),
        };
        let right = f.get("align").and_then(|a| a.as_str()) == Some("right");
        (
            num(&f["line"]) + line_add,
            num(&f["col"]),
            f["width"].as_integer().unwrap() as usize,
            right,
        )
    }

    /// Where `text` in box `name` starts, in PDF coordinates, moved by
    /// (dx, dy) points (right, down).
    fn position(&self, name: &str, text: &str, dx: f32, dy: f32) -> (f32, f32) {
        let (line, col, width, right) = self.field(name);
        let lead = if right {
            width - text.chars().count()
        } else {
            0
        };
        let x = self.grid("left") + (col - 1.0 + lead as f32) * self.grid("pitch") + dx;
        let top = self.grid("top") + (line - 1.0) * self.grid("leading") + self.grid("baseline");
        (x, 792.0 - top - dy)
    }
}

fn drawn() -> Renderer {
    Renderer::new(Options::default()).unwrap()
}

fn data_only(x: f32, y: f32) -> Renderer {
    Renderer::new(Options {
        data_only: true,
        offset_x: x,
        offset_y: y,
    })
    .unwrap()
}

/// Asserts that every (box, text) is printed in its box on `page`.
fn assert_boxes(table: &Table, page: &[Placed], want: &[(&str, String)], dx: f32, dy: f32) {
    for (name, text) in want {
        let (x, y) = table.position(name, text, dx, dy);
        let there = pdfpos::at(page, x, y);
        assert!(
            there.contains(&text.as_str()),
            "box {name}: want {text:?} at ({x}, {y}), found {there:?}\npage: {page:?}"
        );
    }
}

fn money(c: Cents) -> (String, String) {
    ((c.0 / 100).to_string(), format!("{:02}", c.0 % 100))
}

fn s(v: &str) -> String {
    v.to_string()
}

/// The boxes every form of the fixture's claim repeats.
fn header() -> Vec<(&'static str, String)> {
    vec![
        ("carrier_name", s("AETNA OPEN ACCESS PPO")),
        ("1_group", s("X")),
        ("1a", s("W123456789")),
        ("2", s("RIVERA, ELENA, M")),
        ("3_mm", s("03")),
        ("3_dd", s("22")),
        ("3_yyyy", s("1986")),
        ("3_f", s("X")),
        ("4", s("RIVERA, MARCO J")),
        ("5_street", s("48 ALDER STREET APT 2B")),
        ("5_city", s("PORTLAND")),
        ("5_state", s("OR")),
        ("5_zip", s("97214")),
        ("5_area", s("503")),
        ("5_phone", s("5550187")),
        ("6_spouse", s("X")),
        ("10a_no", s("X")),
        ("10b_no", s("X")),
        ("10c_no", s("X")),
        ("11", s("GRP-004512")),
        ("11c", s("AETNA OPEN ACCESS PPO")),
        ("21_ind", s("0")),
        ("21_A", s("F332")),
        ("21_B", s("F4312")),
        ("21_C", s("F411")),
        ("21_D", s("G894")),
        ("25", s("841234567")),
        ("25_ein", s("X")),
        ("26", s("P0001")),
        ("27_no", s("X")),
        ("31_date", s("10 02 26")),
        ("33_area", s("503")),
        ("33_phone", s("5550142")),
        ("33_name", s("CLEARWATER KETAMINE WELLNESS, PLLC")),
        ("33_street", s("1200 HARBOR VIEW DR STE 310")),
        ("33_city", s("PORTLAND OR 97209")),
        ("33a", s("1987654328")),
        ("33b", s("ZZ261QM0801X")),
    ]
}

/// The boxes of service line `n` (1-6) showing `line`.
fn line_boxes(n: usize, l: &superbill::superbill::ServiceLine) -> Vec<(String, String)> {
    let k = |f: &str| format!("24.{n}.{f}");
    let date = l.date.format("%m %d %y").to_string();
    let parts: Vec<&str> = date.split(' ').collect();
    let (dollars, cents) = money(l.charge);
    let mut v = vec![
        (k("from_mm"), s(parts[0])),
        (k("from_dd"), s(parts[1])),
        (k("from_yy"), s(parts[2])),
        (k("to_mm"), s(parts[0])),
        (k("to_dd"), s(parts[1])),
        (k("to_yy"), s(parts[2])),
        (k("pos"), l.place_of_service.clone()),
        (k("code"), l.code.clone()),
        (k("pointer"), l.pointers.clone()),
        (k("charge_dollars"), dollars),
        (k("charge_cents"), cents),
        (k("units"), l.units.to_string()),
        (k("npi"), l.provider_npi.clone()),
    ];
    for (i, m) in l.modifiers.iter().enumerate() {
        v.push((k(&format!("mod{}", i + 1)), m.clone()));
    }
    if let Some(d) = &l.drug {
        v.push((
            k("supplemental"),
            format!("N4{}   {}{}", d.ndc11, d.unit_qualifier, d.quantity),
        ));
    }
    v
}

fn expected_form(sb: &Superbill, form: usize) -> Vec<(String, String)> {
    let mut want: Vec<(String, String)> = header()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let lines: Vec<_> = sb.lines.chunks(6).nth(form).unwrap().to_vec();
    for (i, l) in lines.iter().enumerate() {
        want.extend(line_boxes(i + 1, l));
    }
    let total: Cents = lines.iter().map(|l| l.charge).sum();
    let paid = if form == 0 {
        sb.total_paid
    } else {
        Cents::ZERO
    };
    let (d, c) = money(total);
    want.push((s("28_dollars"), d));
    want.push((s("28_cents"), c));
    let (d, c) = money(paid);
    want.push((s("29_dollars"), d));
    want.push((s("29_cents"), c));
    let signer = if lines[0].provider_npi == NPI_OKAFOR {
        "MAYA OKAFOR, MD"
    } else {
        "DANIEL REYES, PMHNP"
    };
    want.push((s("31_signature"), s(signer)));
    // 32: the fixture's lines were all rendered at the billing address.
    want.extend([
        (s("32_name"), s("CLEARWATER KETAMINE WELLNESS, PLLC")),
        (s("32_street"), s("1200 HARBOR VIEW DR STE 310")),
        (s("32_city"), s("PORTLAND OR 97209")),
        (s("32a"), s("1987654328")),
    ]);
    // 11a: the insured (the spouse) was born 11/05/1984.
    want.extend([
        (s("11a_mm"), s("11")),
        (s("11a_dd"), s("05")),
        (s("11a_yyyy"), s("1984")),
    ]);
    want
}

fn check_claim(pdf: &[u8], sb: &Superbill, dx: f32, dy: f32) {
    let table = Table::load();
    let pages = pdfpos::pages(pdf);
    assert_eq!(pages.len(), sb.lines.len().div_ceil(6));
    for (i, page) in pages.iter().enumerate() {
        let want = expected_form(sb, i);
        let refs: Vec<(&str, String)> = want.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        assert_boxes(&table, page, &refs, dx, dy);
    }
}

#[test]
fn every_box_prints_in_its_place() {
    let sb = sample();
    let pdf = drawn().render(&sb).unwrap();
    check_claim(&pdf, &sb, 0.0, 0.0);
    // Boxes the patient fills or that stay blank: 13 (assignment of
    // benefits) and 12 are never printed; 27 is "No", never "Yes".
    let table = Table::load();
    let pages = pdfpos::pages(&pdf);
    for name in ["27_yes", "1_medicare", "3_m", "6_self", "7_street"] {
        let (x, y) = table.position(name, "X", 0.0, 0.0);
        assert!(
            pdfpos::at(&pages[0], x, y).is_empty(),
            "box {name} must stay blank"
        );
    }
    // The shaded strip of the ketamine line: N4, the 11-digit NDC, three
    // spaces, the unit qualifier and the quantity.
    let text: Vec<&str> = pages[0].iter().map(|p| p.text.as_str()).collect();
    assert!(text.contains(&"N400409205105   ML1.2"), "{text:?}");
    assert!(text.contains(&"N450458002802   UN3"), "{text:?}");
    // The form itself is drawn, with the AMA notice and the form count.
    for want in [
        "HEALTH INSURANCE CLAIM FORM",
        "APPROVED OMB-0938-1197 FORM 1500 (02-12)",
        "CPT is a registered trademark of the American Medical Association.",
        "Claim SB-202609-P0001, form 1 of 2",
    ] {
        assert!(text.contains(&want), "missing {want:?}");
    }
}

#[test]
fn the_insured_is_the_patient_when_no_subscriber_is_named() {
    let mut sb = sample_with_lines(2);
    sb.patient.subscriber = None;
    sb.facility = Some(superbill::superbill::Party {
        name: "Cedar Ridge Infusion Suite".into(),
        address_lines: vec![],
        address: fixture::address(
            "88 Aspen Row",
            Some("Building 2"),
            "Lakewood",
            "CO",
            "80226-1234",
        ),
        npi: None,
    });
    sb.practice.npi = None;
    let pdf = data_only(0.0, 0.0).render(&sb).unwrap();
    let table = Table::load();
    let page = &pdfpos::pages(&pdf)[0];
    assert_boxes(
        &table,
        page,
        &[
            ("4", s("RIVERA, ELENA, M")),
            ("6_self", s("X")),
            ("7_street", s("48 ALDER STREET APT 2B")),
            ("7_city", s("PORTLAND")),
            ("7_zip", s("97214")),
            ("11a_mm", s("03")),
            ("11a_yyyy", s("1986")),
            ("11a_f", s("X")),
            ("32_name", s("CEDAR RIDGE INFUSION SUITE")),
            ("32_street", s("88 ASPEN ROW BUILDING 2")),
            ("32_city", s("LAKEWOOD CO 802261234")),
        ],
        0.0,
        0.0,
    );
    // Without an organization NPI and with two rendering providers, 33a
    // stays blank rather than naming one of them as the biller.
    let (x, y) = table.position("33a", "X", 0.0, 0.0);
    assert!(pdfpos::at(page, x, y).is_empty());
    let (x, y) = table.position("32a", "X", 0.0, 0.0);
    assert!(pdfpos::at(page, x, y).is_empty());
}

#[test]
fn seven_and_thirteen_lines_take_two_and_three_forms_each_with_its_own_totals() {
    for (n, forms) in [(6, 1), (7, 2), (12, 2), (13, 3)] {
        let sb = sample_with_lines(n);
        let pdf = drawn().render(&sb).unwrap();
        let pages = pdfpos::pages(&pdf);
        assert_eq!(pages.len(), forms, "{n} lines");
        check_claim(&pdf, &sb, 0.0, 0.0);
        // The forms' totals (28), read back by position, add up to the
        // superbill's; the amount paid (29) is on the first form only.
        let table = Table::load();
        let read = |page: &[Placed], dollars: &str, cents: &str| -> i64 {
            let width = table.field(dollars).2;
            let (left, y) = table.position(dollars, &"0".repeat(width), 0.0, 0.0);
            let (right, _) = table.position(dollars, "", 0.0, 0.0);
            let (xc, _) = table.position(cents, "00", 0.0, 0.0);
            let d: Vec<&Placed> = page
                .iter()
                .filter(|p| (p.y - y).abs() < 0.01 && p.x > left - 0.01 && p.x < right)
                .collect();
            let c = pdfpos::at(page, xc, y);
            assert_eq!((d.len(), c.len()), (1, 1), "{dollars}: {page:?}");
            d[0].text.parse::<i64>().unwrap() * 100 + c[0].parse::<i64>().unwrap()
        };
        let charged: i64 = pages
            .iter()
            .map(|p| read(p, "28_dollars", "28_cents"))
            .sum();
        assert_eq!(charged, sb.total_charged.0, "{n} lines");
        let paid: Vec<i64> = pages
            .iter()
            .map(|p| read(p, "29_dollars", "29_cents"))
            .collect();
        assert_eq!(paid[0], sb.total_paid.0);
        assert!(paid[1..].iter().all(|&p| p == 0));
    }
}

/// Item 32 has room for one service facility: a claim whose lines were
/// rendered at two places takes a form per place, each naming its own
/// (with the facility's NPI in 32a), each with its own totals.
#[test]
fn lines_at_two_offices_go_on_forms_of_their_own() {
    let mut sb = sample_with_lines(8);
    let office = superbill::superbill::Party {
        name: s("Clearwater Ketamine Wellness - Eastside"),
        address_lines: vec![s("77 Burnside Ave"), s("Portland, OR 97232")],
        address: fixture::address("77 Burnside Ave", None, "Portland", "OR", "97232"),
        npi: Some(s("1245319599")),
    };
    // The Sep 9 visit (lines 5-7) at the second office.
    for l in &mut sb.lines[4..7] {
        l.facility = Some(office.clone());
    }
    let claim = superbill::cms1500::Claim::of(&sb, superbill::cms1500::Program::GroupHealthPlan);
    let codes = |f: usize| -> Vec<&str> {
        claim.forms[f]
            .lines
            .iter()
            .map(|l| l.session_id.as_str())
            .collect()
    };
    assert_eq!(claim.forms.len(), 2);
    assert_eq!(codes(0), ["S0001", "S0002", "S0003", "S0004", "S0008"]);
    assert_eq!(codes(1), ["S0005", "S0006", "S0007"]);
    let pdf = drawn().render(&sb).unwrap();
    let pages = pdfpos::pages(&pdf);
    assert_eq!(pages.len(), 2);
    let table = Table::load();
    let home = [
        ("32_name", s("CLEARWATER KETAMINE WELLNESS, PLLC")),
        ("32_street", s("1200 HARBOR VIEW DR STE 310")),
        ("32_city", s("PORTLAND OR 97209")),
        ("32a", s("1987654328")),
        ("24.5.code", s("90837")),
    ];
    assert_boxes(&table, &pages[0], &home, 0.0, 0.0);
    let away = [
        ("32_name", s("CLEARWATER KETAMINE WELLNESS - EASTSIDE")),
        ("32_street", s("77 BURNSIDE AVE")),
        ("32_city", s("PORTLAND OR 97232")),
        ("32a", s("1245319599")),
        ("24.1.code", s("99215")),
        ("24.3.code", s("99417")),
        // Item 33 stays the billing provider.
        ("33_street", s("1200 HARBOR VIEW DR STE 310")),
    ];
    assert_boxes(&table, &pages[1], &away, 0.0, 0.0);
    let totals: Vec<Cents> = claim.forms.iter().map(|f| f.total_charge).collect();
    assert_eq!(totals[0] + totals[1], sb.total_charged);
    assert_eq!(
        totals[1],
        sb.lines[4..7].iter().map(|l| l.charge).sum::<Cents>()
    );
    assert_eq!(
        (claim.forms[0].amount_paid, claim.forms[1].amount_paid),
        (sb.total_paid, Cents::ZERO)
    );
    // One office for every line: one form, naming it.
    for l in &mut sb.lines {
        l.facility = Some(office.clone());
    }
    sb.facility = Some(office.clone());
    let pdf = drawn().render(&sb).unwrap();
    let pages = pdfpos::pages(&pdf);
    assert_eq!(pages.len(), 2, "8 lines: two forms of the same office");
    for page in &pages {
        assert_boxes(&table, page, &away[..4], 0.0, 0.0);
    }
}

#[test]
fn data_only_prints_no_form_and_offsets_move_every_field() {
    let sb = sample();
    let plain = data_only(0.0, 0.0).render(&sb).unwrap();
    let (dx, dy) = (5.67, -3.0);
    let moved = data_only(dx, dy).render(&sb).unwrap();
    check_claim(&moved, &sb, dx, dy);
    let a = pdfpos::pages(&plain);
    let b = pdfpos::pages(&moved);
    assert_eq!(a.len(), b.len());
    for (pa, pb) in a.iter().zip(&b) {
        assert_eq!(pa.len(), pb.len());
        for (p, q) in pa.iter().zip(pb) {
            assert_eq!(p.text, q.text);
            assert!((q.x - p.x - dx).abs() < 0.01, "{p:?} -> {q:?}");
            assert!((q.y - p.y + dy).abs() < 0.01, "{p:?} -> {q:?}");
        }
        let text: Vec<&str> = pa.iter().map(|p| p.text.as_str()).collect();
        assert!(!text.contains(&"HEALTH INSURANCE CLAIM FORM"));
        assert!(
            text.contains(&"CPT is a registered trademark of the American Medical Association.")
        );
    }
    // The drawn form is the same data plus the form.
    let d = pdfpos::pages(&drawn().render(&sb).unwrap());
    for (pa, pd) in a.iter().zip(&d) {
        for p in pa {
            assert!(pd.contains(p), "{p:?} missing from the drawn form");
        }
        assert!(pd.len() > pa.len() + 100);
    }
}

#[test]
fn rendering_is_deterministic() {
    let sb = sample_with_lines(13);
    let r = drawn();
    let a = r.render(&sb).unwrap();
    assert!(a == r.render(&sb).unwrap());
    assert!(
        a == drawn().render(&sb).unwrap(),
        "a second renderer differs"
    );
    let (t1, t2) = std::thread::scope(|s| {
        let h1 = s.spawn(|| r.render(&sb).unwrap());
        let h2 = s.spawn(|| r.render(&sb).unwrap());
        (h1.join().unwrap(), h2.join().unwrap())
    });
    assert!(t1 == a && t2 == a);
    let other = data_only(1.0, 0.0).render(&sb).unwrap();
    assert!(other != a);
}

#[test]
fn names_beyond_winansi_embed_a_monospace_font() {
    let mut sb = sample_with_lines(2);
    sb.patient.last_name = "Nguyễn".into();
    let pdf = drawn().render(&sb).unwrap();
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let embedded = doc.objects.values().any(|o| {
        o.as_dict()
            .map(|d| d.has(b"FontFile2") || d.has(b"FontFile3"))
            .unwrap_or(false)
    });
    assert!(embedded);
    let text = doc.extract_text(&[1]).unwrap();
    assert!(text.contains("NGUYỄN, ELENA, M"), "{text}");
    // WinAnsi names stay in the built-in Courier.
    let mut sb = sample_with_lines(2);
    sb.patient.last_name = "Muñoz".into();
    let pdf = drawn().render(&sb).unwrap();
    let raw = String::from_utf8_lossy(&pdf);
    assert!(raw.contains("/Courier"));
    assert!(!raw.contains("FontFile2"));
}

#[test]
fn no_cpt_code_no_ama_notice() {
    let mut sb = sample_with_lines(3);
    sb.shows_cpt = false;
    let pages = pdfpos::pages(&drawn().render(&sb).unwrap());
    assert!(!pages[0]
        .iter()
        .any(|p| p.text.contains("American Medical Association")));
}

#[test]
fn the_test_page_fills_every_box() {
    let table = Table::load();
    let pdf = data_only(0.0, 0.0).test_page().unwrap();
    let pages = pdfpos::pages(&pdf);
    assert_eq!(pages.len(), 1);
    let fields = table.t["fields"].as_table().unwrap();
    let lines = table.t["service_lines"]["fields"].as_table().unwrap();
    let mut names: Vec<String> = fields.keys().cloned().collect();
    for n in 1..=6 {
        names.extend(lines.keys().map(|k| format!("24.{n}.{k}")));
    }
    for name in &names {
        let (_, _, width, _) = table.field(name);
        let check = fields
            .get(name.as_str())
            .and_then(|f| f.get("check"))
            .and_then(|c| c.as_bool())
            .unwrap_or(false);
        let want = if check { s("X") } else { "X".repeat(width) };
        assert_boxes(&table, &pages[0], &[(name.as_str(), want)], 0.0, 0.0);
    }
    let moved = pdfpos::pages(&data_only(0.0, 7.2).test_page().unwrap());
    let (x, y) = table.position("1a", &"X".repeat(29), 0.0, 7.2);
    assert!(!pdfpos::at(&moved[0], x, y).is_empty());
}
