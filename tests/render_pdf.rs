//! Renders superbills and reads the PDFs back (lopdf text extraction,
//! qpdf when installed).

#[path = "common/fixture.rs"]
mod fixture;

use fixture::{sample, sample_with_lines, EIN, NPI_OKAFOR, NPI_REYES, ORG_NPI};
use superbill::money::Cents;
use superbill::render::{superbill::Renderer, RenderOptions};
use superbill::Error;

fn renderer() -> Renderer {
    Renderer::new(RenderOptions::default()).expect("default renderer")
}

/// Text of each page, in content order.
fn pages_text(pdf: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(pdf).expect("PDF loads");
    let n = doc.get_pages().len() as u32;
    (1..=n)
        .map(|p| doc.extract_text(&[p]).expect("text"))
        .collect()
}

fn embeds_font(pdf: &[u8]) -> bool {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    doc.objects.values().any(|o| {
        o.as_dict()
            .map(|d| d.has(b"FontFile2") || d.has(b"FontFile3"))
            .unwrap_or(false)
    })
}

/// Optional: `SUPERBILL_KEEP_PDF=dir` keeps the rendered files for a look.
fn keep(name: &str, pdf: &[u8]) {
    if let Ok(dir) = std::env::var("SUPERBILL_KEEP_PDF") {
        std::fs::write(std::path::Path::new(&dir).join(name), pdf).unwrap();
    }
}

#[test]
fn sample_shows_every_required_field() {
    let sb = sample();
    let pdf = renderer().render(&sb).unwrap();
    keep("sample.pdf", &pdf);
    let pages = pages_text(&pdf);
    let all = pages.join("\n");
    let n = pages.len();
    for needle in [
        "Clearwater Ketamine Wellness, PLLC",
        "1200 Harbor View Drive, Suite 310",
        "(503) 555-0142",
        EIN,
        ORG_NPI,
        "261QM0801X",
        "SB-202609-P0001",
        "October 2, 2026",
        "09/01/2026",
        "09/30/2026",
        "Rivera, Elena M",
        "P0001",
        "03/22/1986",
        "48 Alder Street, Apt 2B",
        "(503) 555-0187",
        "Aetna Open Access PPO",
        "W123456789",
        "GRP-004512",
        "Rivera, Marco J",
        "Spouse",
        "Maya Okafor, MD",
        "Daniel Reyes, PMHNP",
        NPI_OKAFOR,
        NPI_REYES,
        "MD-88231 (OR)",
        "NP-10477 (OR)",
        "2084P0800X",
        "363LP0808X",
        "F33.2",
        "F43.12",
        "F41.1",
        "G89.4",
        "Generalized anxiety disorder",
        "N400409205105 ML1.2",
        "Ketamine HCl 50 mg/mL injection",
        "J0013",
        "N450458002802 UN3",
        "Visa",
        "ch_3QX81742",
        "HSA card",
        "PAID IN FULL",
        "CPT is a registered trademark of the American Medical Association.",
        &format!("Page 1 of {n}"),
    ] {
        assert!(all.contains(needle), "missing {needle:?} in:\n{all}");
    }
    for line in &sb.lines {
        assert!(all.contains(&line.code), "code {}", line.code);
        assert!(
            all.contains(&line.charge.display()),
            "charge {}",
            line.charge.display()
        );
        assert!(all.contains(&line.unit_fee.display()));
    }
    assert!(all.contains("84"), "J0013 units");
    for total in [sb.total_charged, sb.total_paid] {
        assert!(all.contains(&total.display()));
    }
    assert!(all.contains("$0.00"), "balance");
    // Both providers: the rendering-NPI column is shown.
    assert!(all.contains("Rendering NPI"));
}

#[test]
fn forty_lines_paginate_with_repeated_header_and_totals_last() {
    let sb = sample_with_lines(40);
    let pdf = renderer().render(&sb).unwrap();
    keep("forty.pdf", &pdf);
    let pages = pages_text(&pdf);
    let n = pages.len();
    assert!(n >= 2, "{n} pages");
    let sum: Cents = sb.lines.iter().map(|l| l.charge).sum();
    assert_eq!(sum, sb.total_charged);
    // The totals come once, after the last service line (on its page:
    // the table header is drawn only over rows); the attestations last.
    let totals: Vec<usize> = (0..n)
        .filter(|&i| pages[i].contains("Total charged"))
        .collect();
    assert_eq!(totals.len(), 1, "totals once");
    let t = totals[0];
    assert!(t + 2 >= n, "totals on one of the last two pages");
    for (i, text) in pages.iter().enumerate() {
        if i <= t {
            assert!(
                text.contains("Fee / unit") && text.contains("Description"),
                "table header on page {}",
                i + 1
            );
        } else {
            assert!(!text.contains("Fee / unit"), "no table after the totals");
        }
        assert!(text.contains("SB-202609-P0001"), "number on page {}", i + 1);
        assert!(
            text.contains("Rivera, Elena M"),
            "patient on page {}",
            i + 1
        );
        assert!(text.contains(&format!("Page {} of {n}", i + 1)));
    }
    assert!(pages[t].contains(&sum.display()));
    assert!(pages[n - 1].contains("PROVIDER ATTESTATION"));
    // Every line's code appears, in order, across the pages.
    let count = |code: &str| pages.iter().map(|p| p.matches(code).count()).sum::<usize>();
    assert_eq!(
        count("J3490"),
        sb.lines.iter().filter(|l| l.code == "J3490").count()
    );
}

#[test]
fn renders_are_byte_identical_across_calls_and_threads() {
    let r = renderer();
    let sb = sample_with_lines(30);
    let a = r.render(&sb).unwrap();
    let b = r.render(&sb).unwrap();
    assert!(a == b, "two renders differ");
    let other = Renderer::new(RenderOptions::default())
        .unwrap()
        .render(&sb)
        .unwrap();
    assert!(a == other, "a second renderer differs");
    let (t1, t2) = std::thread::scope(|s| {
        let h1 = s.spawn(|| r.render(&sb).unwrap());
        let h2 = s.spawn(|| r.render(&sb).unwrap());
        (h1.join().unwrap(), h2.join().unwrap())
    });
    assert!(t1 == a && t2 == a, "threaded renders differ");
    // Also with an embedded font.
    let mut uni = sb.clone();
    uni.patient.name = "Nguyễn, An".into();
    assert!(r.render(&uni).unwrap() == r.render(&uni).unwrap());
}

#[test]
fn metadata_has_no_patient_identity() {
    let sb = sample();
    let pdf = renderer().render(&sb).unwrap();
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let info_ref = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let info = doc.get_dictionary(info_ref).unwrap();
    let text = |k: &[u8]| {
        let bytes = info.get(k).unwrap().as_str().unwrap().to_vec();
        lopdf::decode_text_string(&lopdf::Object::String(bytes, lopdf::StringFormat::Literal))
            .unwrap()
    };
    assert_eq!(text(b"Title"), "Superbill SB-202609-P0001");
    assert_eq!(text(b"Author"), "Clearwater Ketamine Wellness, PLLC");
    assert!(text(b"Subject").contains("09/01/2026"));
    let raw = String::from_utf8_lossy(&pdf);
    assert!(!raw.contains("Rivera") && !raw.contains("1986"));
}

#[test]
fn info_strings_are_plain_ascii_or_utf16() {
    let info_text = |pdf: &[u8], k: &[u8]| {
        let doc = lopdf::Document::load_mem(pdf).unwrap();
        let info_ref = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
        let info = doc.get_dictionary(info_ref).unwrap();
        lopdf::decode_text_string(info.get(k).unwrap()).unwrap()
    };
    let r = renderer();
    let pdf = r.render(&sample()).unwrap();
    let raw = String::from_utf8_lossy(&pdf);
    assert!(
        raw.contains("/Title(Superbill SB-202609-P0001)"),
        "ASCII as a literal"
    );
    assert_eq!(info_text(&pdf, b"Title"), "Superbill SB-202609-P0001");
    // Beyond ASCII: UTF-16, read back the same.
    let mut sb = sample();
    sb.practice.legal_name = "Clínica Ñandú (Norte), PLLC".into();
    let pdf = r.render(&sb).unwrap();
    assert_eq!(info_text(&pdf, b"Author"), "Clínica Ñandú (Norte), PLLC");
    assert!(!String::from_utf8_lossy(&pdf).contains("/Author(Cl"));
    // Parentheses in a literal are escaped or balanced: it reads back.
    let mut sb = sample();
    sb.practice.legal_name = "Smith (Downtown) :) Clinic".into();
    let pdf = r.render(&sb).unwrap();
    assert_eq!(info_text(&pdf, b"Author"), "Smith (Downtown) :) Clinic");
}

#[test]
fn unicode_names_embed_a_font_and_extract_correctly() {
    let r = renderer();
    for name in ["Nguyễn, An", "Dvořák, Antonín", "Łukasz, Wiśniewski"] {
        let mut sb = sample();
        sb.patient.name = name.into();
        let pdf = r.render(&sb).unwrap();
        keep("unicode.pdf", &pdf);
        assert!(embeds_font(&pdf), "{name}: font embedded");
        let text = pages_text(&pdf).join("\n");
        assert!(text.contains(name), "{name} round-trips:\n{text}");
        assert!(text.contains("Clearwater Ketamine Wellness, PLLC"));
    }
    for name in ["Muñoz, Zoë", "O'Brien, Siobhán"] {
        let mut sb = sample();
        sb.patient.name = name.into();
        let pdf = r.render(&sb).unwrap();
        assert!(!embeds_font(&pdf), "{name}: built-in fonts");
        assert!(
            pages_text(&pdf).join("\n").contains(name),
            "{name} round-trips"
        );
    }
}

#[test]
fn missing_glyph_is_an_error_naming_number_and_field() {
    let mut sb = sample();
    sb.patient.name = "Tanaka 山田, Hana".into();
    // Without the machine's fonts nothing here draws Han characters.
    let r = Renderer::new(RenderOptions {
        no_system_fonts: true,
        ..Default::default()
    })
    .unwrap();
    let err = r.render(&sb).unwrap_err().to_string();
    assert!(err.contains("SB-202609-P0001"), "{err}");
    assert!(err.contains("patient.name"), "{err}");
    assert!(!err.contains("Tanaka"), "no patient name in errors: {err}");
}

#[test]
fn practice_template_with_unknown_field_fails_at_build() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("templates")).unwrap();
    std::fs::write(
        dir.path().join("templates/attestation.hbs"),
        "Signed for {{practice_name}} by {{practice_director}}.",
    )
    .unwrap();
    let opts = RenderOptions {
        practice_dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    match Renderer::new(opts) {
        Err(Error::Template { template, message }) => {
            assert_eq!(template, "attestation.hbs");
            assert!(message.contains("practice_director"), "{message}");
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("template with an unknown field accepted"),
    }
}

#[test]
fn practice_template_overrides_default() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("templates")).unwrap();
    std::fs::write(
        dir.path().join("templates/patient_note.hbs"),
        "Paid {{money total_paid}} on {{date statement_date}} ({{date statement_date format=\"short\"}}). O'Brien & Sons <ok>",
    )
    .unwrap();
    let opts = RenderOptions {
        practice_dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    let sb = sample();
    let pdf = Renderer::new(opts).unwrap().render(&sb).unwrap();
    let text = pages_text(&pdf).join("\n");
    let expect = format!(
        "Paid {} on October 2, 2026 (10/02/2026). O'Brien & Sons <ok>",
        sb.total_paid.display()
    );
    assert!(text.contains(&expect), "{text}");
}

#[test]
fn two_page_superbill_is_small() {
    let r = renderer();
    // One provider: one attestation, and the sample fits one page (two
    // providers' attestations take the sample onto a second).
    let mut solo = sample();
    solo.lines
        .iter_mut()
        .for_each(|l| l.provider_npi = fixture::NPI_OKAFOR.into());
    solo.providers.truncate(1);
    let one = r.render(&solo).unwrap();
    assert_eq!(
        pages_text(&one).len(),
        1,
        "the one-provider sample fits one page"
    );
    let sb = sample_with_lines(30);
    let pdf = r.render(&sb).unwrap();
    assert_eq!(pages_text(&pdf).len(), 2);
    assert!(pdf.len() < 20_000, "{} bytes", pdf.len());
    println!("1 page: {} bytes, 2 pages: {} bytes", one.len(), pdf.len());
}

#[test]
fn long_text_is_truncated_not_overflowing() {
    let mut sb = sample();
    sb.lines[0].description = "Extraordinarily long practice description ".repeat(8);
    sb.patient.address_lines[0] = "A very long street address line that keeps going ".repeat(4);
    sb.lines[0].modifiers = vec!["25".into(), "59".into(), "XE".into(), "XS".into()];
    let pdf = renderer().render(&sb).unwrap();
    let text = pages_text(&pdf).join("\n");
    assert!(text.contains('\u{2026}'), "ellipsis marks the cut");
    assert!(
        text.contains("25 59 XE XS"),
        "four modifiers fit their column"
    );
}

#[test]
fn qpdf_check_passes() {
    let have_qpdf = std::process::Command::new("qpdf")
        .arg("--version")
        .output()
        .is_ok();
    if !have_qpdf {
        println!("note: qpdf not on PATH; skipping the structural check");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let r = renderer();
    let mut uni = sample_with_lines(40);
    uni.patient.name = "Nguyễn, An".into();
    for (name, sb) in [
        ("builtin.pdf", sample_with_lines(40)),
        ("embedded.pdf", uni),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, r.render(&sb).unwrap()).unwrap();
        let out = std::process::Command::new("qpdf")
            .arg("--check")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "qpdf --check {name}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Every stream is compressed once: page content at the measured
/// per-document level, images (compressed when the renderer was built) as
/// they were prepared, no stream filtered twice; pdftotext (when
/// installed) reads the text back.
#[test]
fn streams_are_compressed_once_at_the_chosen_level() {
    use std::io::Read;
    use superbill::render::pdf::flate;
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("logo.png");
    std::fs::write(&png, LOGO_PNG).unwrap();
    let r = Renderer::new(RenderOptions {
        logo: Some(png),
        ..Default::default()
    })
    .unwrap();
    let mut uni = sample_with_lines(40);
    uni.patient.name = "Nguyễn, An".into();
    for (name, sb) in [
        ("builtin.pdf", sample_with_lines(40)),
        ("embedded.pdf", uni),
    ] {
        let pdf = r.render(&sb).unwrap();
        assert!(pdf == r.render(&sb).unwrap(), "{name}: deterministic");
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        let contents: Vec<lopdf::ObjectId> = doc
            .get_pages()
            .values()
            .flat_map(|&p| doc.get_page_contents(p))
            .collect();
        assert!(!contents.is_empty());
        let (mut images, mut pages) = (0, 0);
        for (id, o) in &doc.objects {
            let Ok(s) = o.as_stream() else { continue };
            // One FlateDecode, never an array of filters (compressed twice).
            let filter = s.dict.get(b"Filter").unwrap_or_else(|_| {
                panic!(
                    "{name}: stream {id:?} is not compressed ({} bytes)",
                    s.content.len()
                )
            });
            assert_eq!(filter.as_name().unwrap(), b"FlateDecode", "{name}: {id:?}");
            let mut plain = Vec::new();
            flate2::read::ZlibDecoder::new(&s.content[..])
                .read_to_end(&mut plain)
                .unwrap();
            // Inflated once, it is the plain data, not another zlib stream.
            assert!(
                plain.first() != Some(&0x78) || s.dict.has(b"Subtype"),
                "{name}: {id:?}"
            );
            let is_image = s.dict.get(b"Subtype").and_then(|v| v.as_name()).ok() == Some(b"Image");
            if is_image {
                images += 1;
                assert_eq!(s.content, flate::deflate(&plain, flate::ONCE_PER_BATCH));
            } else if contents.contains(id) {
                pages += 1;
                assert_eq!(
                    s.content,
                    flate::deflate(&plain, flate::PER_DOCUMENT),
                    "{name}: page content at the per-document level"
                );
            }
        }
        assert_eq!(images, 2, "{name}: the logo and its soft mask");
        assert_eq!(pages, contents.len(), "{name}");
        let path = dir.path().join(name);
        std::fs::write(&path, &pdf).unwrap();
        match std::process::Command::new("pdftotext")
            .arg(&path)
            .arg("-")
            .output()
        {
            Ok(out) => {
                assert!(out.status.success(), "pdftotext {name}");
                let text = String::from_utf8_lossy(&out.stdout);
                assert!(text.contains("SUPERBILL"), "{name}: {text}");
                assert!(text.contains(&sb.number), "{name}");
            }
            Err(_) => println!("note: pdftotext not on PATH; skipping the text check"),
        }
    }
}

/// A 48x24 RGBA PNG (a navy disc and a translucent green bar).
const LOGO_PNG: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 48, 0, 0, 0, 24, 8, 6,
    0, 0, 0, 188, 253, 126, 220, 0, 0, 0, 96, 73, 68, 65, 84, 120, 218, 99, 96, 24, 5, 67, 0, 136,
    219, 22, 252, 199, 133, 135, 172, 195, 7, 189, 71, 72, 113, 252, 160, 243, 4, 57, 142, 31, 52,
    158, 160, 196, 241, 3, 238, 9, 106, 56, 126, 64, 61, 65, 75, 15, 240, 22, 59, 156, 160, 38,
    166, 169, 227, 177, 121, 98, 212, 3, 163, 30, 24, 245, 192, 168, 7, 134, 185, 7, 70, 43, 178,
    225, 212, 156, 24, 109, 141, 142, 248, 254, 192, 176, 232, 145, 13, 139, 62, 241, 80, 0, 0,
    215, 25, 92, 5, 130, 30, 180, 39, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

#[test]
fn logo_and_signature_images_are_placed() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("logo.png");
    std::fs::write(&png, LOGO_PNG).unwrap();
    // The practice's signature is the billing provider's: printed when
    // the billing provider attests.
    let opts = RenderOptions {
        logo: Some(png.clone()),
        signature: Some(png),
        attestation: superbill::input::Attestation::BillingProvider,
        ..Default::default()
    };
    let r = Renderer::new(opts).unwrap();
    let sb = sample();
    let pdf = r.render(&sb).unwrap();
    keep("logo.pdf", &pdf);
    assert!(pdf == r.render(&sb).unwrap(), "deterministic with images");
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let images = doc
        .objects
        .values()
        .filter(|o| {
            o.as_stream()
                .map(|s| s.dict.get(b"Subtype").and_then(|v| v.as_name()).ok() == Some(b"Image"))
                .unwrap_or(false)
        })
        .count();
    assert_eq!(images, 4, "logo and signature, each with its soft mask");
    assert!(pages_text(&pdf).join("\n").contains("PAID IN FULL"));
    let path = dir.path().join("bad.png");
    std::fs::write(&path, b"not a png").unwrap();
    let bad = RenderOptions {
        logo: Some(path),
        ..Default::default()
    };
    assert!(Renderer::new(bad).is_err());
}

#[test]
fn ama_notice_only_with_cpt_and_balance_without_stamp() {
    let mut sb = sample();
    sb.shows_cpt = false;
    sb.total_paid = Cents(sb.total_paid.0 - 10_000);
    sb.balance = Cents(10_000);
    let text = pages_text(&renderer().render(&sb).unwrap()).join("\n");
    assert!(!text.contains("American Medical Association"));
    assert!(!text.contains("PAID IN FULL"));
    assert!(text.contains("$100.00"), "balance due shown");
}

#[test]
fn service_facility_is_shown_only_when_set() {
    let r = renderer();
    let plain = pages_text(&r.render(&sample()).unwrap()).concat();
    assert!(!plain.contains("Service facility"), "{plain}");
    let mut sb = sample();
    sb.facility = Some(superbill::superbill::Party {
        name: "Cedar Ridge Infusion Suite".into(),
        address_lines: vec!["88 Aspen Row".into(), "Lakewood, CO 80226".into()],
        address: fixture::address("88 Aspen Row", None, "Lakewood", "CO", "80226"),
        npi: None,
    });
    let text = pages_text(&r.render(&sb).unwrap()).concat();
    for want in [
        "Service facility",
        "Cedar Ridge Infusion Suite",
        "88 Aspen Row",
        "Lakewood, CO 80226",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
}
