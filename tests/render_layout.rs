//! What insurers and patients notice on a superbill (issue 12): an
//! attestation and signature per rendering provider (never one provider's
//! signature over another's name), the paid column, the subscriber's date
//! of birth, name and member ID on every page, pages never left a third
//! empty, no conformance claim the PDF does not meet; and page 1 of each
//! document rendered to an image that has the shape of a letter page.

#[path = "common/fixture.rs"]
mod fixture;
#[path = "common/pdfpos.rs"]
mod pdfpos;

use fixture::{sample, sample_with_lines};
use lopdf::content::Content;
use lopdf::{Document, Object};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use superbill::input::Attestation;
use superbill::money::Cents;
use superbill::render::{superbill::Renderer, RenderOptions};

fn pages_text(pdf: &[u8]) -> Vec<String> {
    let doc = Document::load_mem(pdf).expect("PDF loads");
    let n = doc.get_pages().len() as u32;
    (1..=n)
        .map(|p| doc.extract_text(&[p]).expect("text"))
        .collect()
}

/// Optional: `SUPERBILL_KEEP_PDF=dir` keeps the rendered files for a look.
fn keep(name: &str, pdf: &[u8]) {
    if let Ok(dir) = std::env::var("SUPERBILL_KEEP_PDF") {
        std::fs::write(Path::new(&dir).join(name), pdf).unwrap();
    }
}

// ---------------------------------------------------------------------
// A minimal PNG writer (stored deflate blocks), so each test signature has
// its own size and can be told apart in the PDF by its /Width.

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png(w: u32, h: u32) -> Vec<u8> {
    // Gray + alpha: a dark diagonal stroke on transparent.
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0u8);
        for x in 0..w {
            let on = (x * h / w).abs_diff(y) < 3;
            raw.extend([20u8, if on { 255 } else { 0 }]);
        }
    }
    let mut z = vec![0x78, 0x01];
    for (i, block) in raw.chunks(65_535).enumerate() {
        let last = (i + 1) * 65_535 >= raw.len();
        z.push(last as u8);
        let n = block.len() as u16;
        z.extend(n.to_le_bytes());
        z.extend((!n).to_le_bytes());
        z.extend(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + x as u32) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend(((b << 16) | a).to_be_bytes());
    let chunk = |out: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        out.extend(&body);
        out.extend(crc32(&body).to_be_bytes());
    };
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 4, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn write_png(dir: &Path, name: &str, w: u32, h: u32) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, png(w, h)).unwrap();
    p
}

// ---------------------------------------------------------------------
// Images placed on a page: XObject name, the /Width of its image, and the
// box it is drawn in (PDF points from the bottom left).

#[derive(Debug)]
struct Placed {
    width_px: i64,
    x: f32,
    y_bottom: f32,
}

fn num(o: &Object) -> f32 {
    match o {
        Object::Integer(i) => *i as f32,
        Object::Real(r) => *r,
        _ => f32::NAN,
    }
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    match o {
        Object::Reference(id) => doc.get_object(*id).expect("reference"),
        other => other,
    }
}

fn images_per_page(pdf: &[u8]) -> Vec<Vec<Placed>> {
    let doc = Document::load_mem(pdf).unwrap();
    let mut out = Vec::new();
    for (_, page_id) in doc.get_pages() {
        let page = doc.get_dictionary(page_id).unwrap();
        let mut widths: BTreeMap<Vec<u8>, i64> = BTreeMap::new();
        if let Ok(res) = page.get(b"Resources") {
            let res = deref(&doc, res).as_dict().unwrap();
            if let Ok(xo) = res.get(b"XObject") {
                for (name, r) in deref(&doc, xo).as_dict().unwrap().iter() {
                    if let Ok(s) = deref(&doc, r).as_stream() {
                        let w = s.dict.get(b"Width").and_then(|w| w.as_i64()).unwrap_or(0);
                        widths.insert(name.clone(), w);
                    }
                }
            }
        }
        let content = Content::decode(&doc.get_page_content(page_id)).unwrap();
        let mut cm = [0f32; 6];
        let mut placed = Vec::new();
        for op in &content.operations {
            match op.operator.as_str() {
                "cm" if op.operands.len() == 6 => {
                    for (k, o) in op.operands.iter().enumerate() {
                        cm[k] = num(o);
                    }
                }
                "Do" => {
                    let name = op.operands[0].as_name().unwrap().to_vec();
                    placed.push(Placed {
                        width_px: *widths.get(&name).expect("XObject in the page's resources"),
                        x: cm[4],
                        y_bottom: cm[5],
                    });
                }
                _ => {}
            }
        }
        out.push(placed);
    }
    out
}

fn two_provider_options(dir: &Path) -> RenderOptions {
    let mut opts = RenderOptions::default();
    // Okafor's signature 200 px wide, Reyes's 120: told apart by /Width.
    let okafor = write_png(dir, "okafor.png", 200, 50);
    let reyes = write_png(dir, "reyes.png", 120, 40);
    opts.provider_signatures.insert("PR1".into(), okafor);
    opts.provider_signatures.insert("PR2".into(), reyes);
    opts
}

#[test]
fn two_providers_each_attest_over_their_own_signature() {
    let dir = tempfile::tempdir().unwrap();
    let r = Renderer::new(two_provider_options(dir.path())).unwrap();
    let sb = sample();
    let pdf = r.render(&sb).unwrap();
    keep("two-signatures.pdf", &pdf);
    assert!(pdf == r.render(&sb).unwrap(), "deterministic");

    let text = pages_text(&pdf).join("\n");
    // One attestation per provider, each naming their own dates.
    let okafor = text
        .find("I, Maya Okafor, MD, certify that the services listed under my NPI 1234567893 (dates of service 09/02/2026)")
        .unwrap_or_else(|| panic!("Okafor's attestation in\n{text}"));
    let reyes = text
        .find("I, Daniel Reyes, PMHNP, certify that the services listed under my NPI 2123456784 (dates of service 09/09/2026, 09/16/2026)")
        .unwrap_or_else(|| panic!("Reyes's attestation in\n{text}"));
    assert!(okafor < reyes, "in the order the providers appear");
    assert!(text.contains("PROVIDER ATTESTATIONS"));
    assert!(!text.contains("Payments of"), "no single-signer wording");
    assert_eq!(text.matches("Signature of rendering provider").count(), 2);

    // Each name is printed under its own signature: the image that sits
    // on the line just above a name is that provider's (by pixel width).
    let pos = pdfpos::pages(&pdf);
    let images = images_per_page(&pdf);
    let mut seen = 0;
    for (page, placed) in pos.iter().zip(&images) {
        for t in page
            .iter()
            .filter(|t| t.text.contains("Signature of rendering provider"))
        {
            let want = if t.text.contains("Maya Okafor, MD") {
                200
            } else if t.text.contains("Daniel Reyes, PMHNP") {
                120
            } else {
                panic!("unexpected signer {:?}", t.text)
            };
            let above: Vec<&Placed> = placed
                .iter()
                .filter(|i| (i.y_bottom - t.y) > 5.0 && (i.y_bottom - t.y) < 15.0)
                .collect();
            assert_eq!(above.len(), 1, "one image over {:?}: {placed:?}", t.text);
            assert_eq!(above[0].width_px, want, "the signature over {:?}", t.text);
            assert!(above[0].x < t.x + 20.0);
            seen += 1;
        }
    }
    assert_eq!(seen, 2);
    assert_eq!(
        images.iter().flatten().count(),
        2,
        "two signatures, no logo"
    );
}

#[test]
fn a_provider_without_a_signature_gets_a_blank_line_never_anothers() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = two_provider_options(dir.path());
    opts.provider_signatures.remove("PR2");
    // The practice's signature is not Reyes's either.
    opts.signature = Some(write_png(dir.path(), "practice.png", 90, 30));
    let pdf = Renderer::new(opts).unwrap().render(&sample()).unwrap();
    let images: Vec<Placed> = images_per_page(&pdf).into_iter().flatten().collect();
    assert_eq!(images.len(), 1, "{images:?}");
    assert_eq!(images[0].width_px, 200, "only Okafor's own signature");
    let text = pages_text(&pdf).join("\n");
    assert!(text.contains("Daniel Reyes, PMHNP"));
    assert_eq!(text.matches("Signature of rendering provider").count(), 2);
}

#[test]
fn the_billing_provider_attests_once_over_the_practice_signature() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = two_provider_options(dir.path());
    opts.attestation = Attestation::BillingProvider;
    opts.signature = Some(write_png(dir.path(), "practice.png", 90, 30));
    let pdf = Renderer::new(opts).unwrap().render(&sample()).unwrap();
    let text = pages_text(&pdf).join("\n");
    assert!(
        text.contains(
            "I certify on behalf of Clearwater Ketamine Wellness, PLLC, the billing provider"
        ),
        "{text}"
    );
    assert!(text.contains("Signature for the billing provider"));
    assert!(!text.contains("Signature of rendering provider"));
    assert!(!text.contains("I, Maya Okafor"));
    let images: Vec<Placed> = images_per_page(&pdf).into_iter().flatten().collect();
    assert_eq!(images.len(), 1);
    assert_eq!(images[0].width_px, 90, "the practice's signature");
}

#[test]
fn one_provider_keeps_the_single_attestation() {
    let dir = tempfile::tempdir().unwrap();
    let mut sb = sample();
    sb.lines.retain(|l| l.provider_npi == fixture::NPI_OKAFOR);
    sb.providers.truncate(1);
    let pdf = Renderer::new(two_provider_options(dir.path()))
        .unwrap()
        .render(&sb)
        .unwrap();
    let text = pages_text(&pdf).join("\n");
    assert!(text.contains("PROVIDER ATTESTATION\n") || text.contains("PROVIDER ATTESTATION "));
    assert!(text.contains("were rendered by me or under my direct"));
    assert_eq!(text.matches("Signature of rendering provider").count(), 1);
    assert!(text.contains("Maya Okafor, MD"));
    let images: Vec<Placed> = images_per_page(&pdf).into_iter().flatten().collect();
    assert_eq!(images.len(), 1);
    assert_eq!(images[0].width_px, 200);
}

// ---------------------------------------------------------------------

#[test]
fn paid_column_adds_up_to_total_paid() {
    let mut sb = sample();
    // Half paid: the first lines in full, one line in part, the rest nothing.
    let half = Cents(sb.total_charged.0 / 2 + 1);
    let mut left = half;
    for l in &mut sb.lines {
        let take = if left < l.charge { left } else { l.charge };
        l.paid = take;
        left -= take;
    }
    sb.total_paid = half;
    sb.balance = sb.total_charged - half;
    sb.payments.truncate(1);
    sb.payments[0].amount = half;
    let pdf = Renderer::new(RenderOptions::default())
        .unwrap()
        .render(&sb)
        .unwrap();
    let pos = pdfpos::pages(&pdf);
    // The paid column: figures right of the charge column (which ends at
    // 519.5 pt), between the table header and the totals, page by page.
    let mut figures: Vec<String> = Vec::new();
    for page in &pos {
        let Some(header) = page.iter().find(|t| t.text == "Paid") else {
            continue;
        };
        let end = page
            .iter()
            .find(|t| t.text == "Total charged")
            .map_or(55.0, |t| t.y);
        let mut column: Vec<(f32, String)> = page
            .iter()
            .filter(|t| t.y < header.y && t.y > end && t.x > 520.0)
            .map(|t| (t.y, t.text.clone()))
            .collect();
        column.sort_by(|a, b| b.0.total_cmp(&a.0));
        figures.extend(column.into_iter().map(|c| c.1));
    }
    let paid_texts: Vec<String> = sb.lines.iter().map(|l| l.paid.display()).collect();
    assert_eq!(figures, paid_texts, "the paid column, top to bottom");
    assert!(paid_texts.iter().any(|p| p == "$0.00"), "some lines unpaid");
    let sum: Cents = sb.lines.iter().map(|l| l.paid).sum();
    assert_eq!(sum, sb.total_paid);
    let text = pages_text(&pdf).join("\n");
    assert!(text.contains(&sb.total_paid.display()));
}

#[test]
fn subscriber_date_of_birth_is_in_the_insured_block() {
    let pdf = Renderer::new(RenderOptions::default())
        .unwrap()
        .render(&sample())
        .unwrap();
    let text = pages_text(&pdf).join("\n");
    assert!(text.contains("Subscriber DOB"), "{text}");
    assert!(text.contains("11/05/1984"));
    let mut own = sample();
    own.patient.subscriber = None;
    own.patient.subscriber_dob = None;
    let pdf = Renderer::new(RenderOptions::default())
        .unwrap()
        .render(&own)
        .unwrap();
    let text = pages_text(&pdf).join("\n");
    assert!(!text.contains("Subscriber DOB"));
    assert!(text.contains("Patient (self)"));
}

#[test]
fn every_page_footer_names_the_patient_and_member_id() {
    let sb = sample_with_lines(60);
    let pdf = Renderer::new(RenderOptions::default())
        .unwrap()
        .render(&sb)
        .unwrap();
    let pos = pdfpos::pages(&pdf);
    assert!(pos.len() >= 3);
    for (i, page) in pos.iter().enumerate() {
        // The footer sits below the content frame (under 792 - 737 pt).
        let footer: String = page
            .iter()
            .filter(|t| t.y < 55.0)
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            footer.contains("Patient: Rivera, Elena M") && footer.contains("Member ID W123456789"),
            "page {}: {footer:?}",
            i + 1
        );
    }
}

#[test]
fn no_page_but_the_last_is_left_a_third_empty() {
    let r = Renderer::new(RenderOptions::default()).unwrap();
    // Content runs from 64 pt (continuation pages) to 737 pt from the top;
    // a page is a third empty when its lowest text is above 2/3 of that.
    let limit_from_top = 64.0 + (737.0 - 64.0) * 2.0 / 3.0;
    let limit = 792.0 - limit_from_top;
    for n in 1..=44 {
        for several in [false, true] {
            let mut sb = sample_with_lines(n);
            if !several {
                sb.lines.iter_mut().for_each(|l| {
                    l.provider_npi = fixture::NPI_OKAFOR.into();
                });
                sb.providers.truncate(1);
            }
            let pdf = r.render(&sb).unwrap();
            let pos = pdfpos::pages(&pdf);
            for (i, page) in pos.iter().enumerate().take(pos.len() - 1) {
                let lowest = page
                    .iter()
                    .filter(|t| t.y > 55.0)
                    .map(|t| t.y)
                    .fold(f32::INFINITY, f32::min);
                assert!(
                    lowest <= limit,
                    "{n} lines ({} providers): page {} of {} ends at {:.0} pt from the top",
                    sb.providers.len(),
                    i + 1,
                    pos.len(),
                    792.0 - lowest
                );
            }
            // The totals follow at least one service line on their page.
            let last_with_total = pos
                .iter()
                .position(|p| p.iter().any(|t| t.text == "Total charged"))
                .unwrap();
            // Dates of service (the table's date column is at 42.5 pt; the
            // payments' dates at 40).
            let dates = pos[last_with_total]
                .iter()
                .filter(|t| t.text.starts_with("09/") && (t.x - 42.5).abs() < 0.5)
                .count();
            assert!(dates > 0, "{n} lines: totals alone on their page");
        }
    }
}

#[test]
fn no_conformance_claim_is_made() {
    let r = Renderer::new(RenderOptions::default()).unwrap();
    let mut unicode = sample();
    unicode.patient.name = "Dvořák, Łukasz".into();
    for sb in [sample(), unicode] {
        let pdf = r.render(&sb).unwrap();
        let doc = Document::load_mem(&pdf).unwrap();
        let catalog = doc.catalog().unwrap();
        assert!(
            !catalog.has(b"OutputIntents"),
            "an output intent is a PDF/X claim"
        );
        assert!(!catalog.has(b"Metadata"), "no XMP (pdfaid) claim");
        let info = doc
            .trailer
            .get(b"Info")
            .and_then(Object::as_reference)
            .unwrap();
        let info = doc.get_dictionary(info).unwrap();
        assert!(!info.has(b"GTS_PDFXVersion"));
        assert!(!info.has(b"Trapped"));
        assert!(info.has(b"Title"), "the info dictionary is still there");
        let raw = String::from_utf8_lossy(&pdf).to_string();
        assert!(!raw.contains("GTS_PDFX") && !raw.contains("OutputIntent"));
    }
}

// ---------------------------------------------------------------------
// Page 1 of each document as an image.

fn have(tool: &str) -> bool {
    std::process::Command::new(tool).arg("-v").output().is_ok()
}

/// Page 1 of `pdf` rendered by pdftoppm at `dpi`: PNG (width, height) from
/// its header, and the share of dark pixels overall and in the top eighth.
fn page_one(pdf: &Path, dpi: u32) -> ((u32, u32), f64, f64) {
    let dir = pdf.parent().unwrap();
    let stem = dir.join("page");
    let ok = std::process::Command::new("pdftoppm")
        .args([
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            "-png",
            "-r",
            &dpi.to_string(),
        ])
        .arg(pdf)
        .arg(&stem)
        .status()
        .unwrap()
        .success();
    assert!(ok, "pdftoppm renders {}", pdf.display());
    let png = std::fs::read(stem.with_extension("png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let be = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
    let size = (be(16), be(20));
    // The same page in gray (PGM: a text header, then one byte a pixel).
    let ok = std::process::Command::new("pdftoppm")
        .args([
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            "-gray",
            "-r",
            &dpi.to_string(),
        ])
        .arg(pdf)
        .arg(&stem)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let pgm = std::fs::read(stem.with_extension("pgm")).unwrap();
    let mut fields = 0;
    let mut at = 0;
    while fields < 4 {
        while pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        while !pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields += 1;
    }
    let pixels = &pgm[at + 1..];
    let (w, h) = (size.0 as usize, size.1 as usize);
    assert_eq!(pixels.len(), w * h, "gray render has the PNG's size");
    let dark = |rows: std::ops::Range<usize>| {
        let px = &pixels[rows.start * w..rows.end * w];
        px.iter().filter(|&&v| v < 160).count() as f64 / px.len() as f64
    };
    (size, dark(0..h), dark(0..h / 8))
}

#[test]
fn page_one_of_each_document_renders_as_a_letter_page() {
    if !have("pdftoppm") {
        println!("SKIPPED: pdftoppm not on PATH (apt-get install poppler-utils)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let practice = root.join("samples/cedar-ridge");
    let bin = env!("CARGO_BIN_EXE_superbill");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(bin)
            .current_dir(root)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let p = practice.to_str().unwrap();
    let docs = tmp.path();
    let file = |name: &str| docs.join(name).join(format!("{name}.pdf"));
    for name in ["superbill", "cms1500", "statement", "estimate"] {
        std::fs::create_dir(docs.join(name)).unwrap();
    }
    let sb = file("superbill");
    let form = file("cms1500");
    let est = file("estimate");
    let common = [
        "--practice",
        p,
        "--patient",
        "P0001",
        "--as-of",
        "2026-10-05",
    ];
    let range = ["--from", "2026-09-01", "--to", "2026-09-30"];
    let mut a: Vec<&str> = vec!["render"];
    a.extend(common);
    a.extend(range);
    a.extend(["--out", sb.to_str().unwrap()]);
    run(&a);
    let mut a: Vec<&str> = vec!["render", "--form", "cms1500"];
    a.extend(common);
    a.extend(range);
    a.extend(["--out", form.to_str().unwrap()]);
    run(&a);
    let plan = practice.join("plans/ketamine-iv.toml");
    let mut a: Vec<&str> = vec!["estimate"];
    a.extend(common);
    a.extend([
        "--plan",
        plan.to_str().unwrap(),
        "--out",
        est.to_str().unwrap(),
    ]);
    run(&a);
    let st_out = docs.join("statement/out");
    run(&[
        "statement",
        "--practice",
        p,
        "--year",
        "2026",
        "--as-of",
        "2027-01-10",
        "--out",
        st_out.to_str().unwrap(),
    ]);
    let mut pdfs: Vec<PathBuf> = Vec::new();
    let mut stack = vec![st_out.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "pdf") {
                pdfs.push(path);
            }
        }
    }
    pdfs.sort();
    let statement = docs.join("statement/statement.pdf");
    std::fs::copy(pdfs.first().expect("a statement PDF"), &statement).unwrap();

    let dpi = 72;
    for (what, pdf, ink) in [
        ("superbill", &sb, (0.01, 0.25)),
        ("CMS-1500", &form, (0.01, 0.45)),
        ("statement", &statement, (0.005, 0.25)),
        ("estimate", &est, (0.005, 0.25)),
    ] {
        let (size, dark, top) = page_one(pdf, dpi);
        // US Letter: 8.5 x 11 in.
        assert_eq!(size, (612, 792), "{what}: a letter page at {dpi} dpi");
        assert!(size.1 * 17 == size.0 * 22, "{what}: portrait 8.5:11");
        assert!(
            dark > ink.0 && dark < ink.1,
            "{what}: {:.3} of the page is ink",
            dark
        );
        assert!(top > 0.002, "{what}: the header has ink ({top:.4})");
    }
}

/// Writes `ocr.pdf` (100 service lines, 48 of them J-code drug lines with
/// their NDC strip) into `$SUPERBILL_KEEP_PDF` for the OCR measurement
/// described in the README (run with `--ignored`).
#[test]
#[ignore]
fn write_ocr_sample() {
    let Ok(dir) = std::env::var("SUPERBILL_KEEP_PDF") else {
        println!("SKIPPED: set SUPERBILL_KEEP_PDF to a folder");
        return;
    };
    let mut sb = sample_with_lines(100);
    // Every other line a J-code drug line, like an IV ketamine month.
    let drug = sb.lines[2].clone();
    let ondansetron = {
        let mut l = sb.lines[2].clone();
        l.code = "J2405".into();
        l.units = 4;
        l
    };
    for (i, l) in sb.lines.iter_mut().enumerate() {
        if i % 2 == 1 {
            let date = l.date;
            *l = if i % 4 == 1 {
                drug.clone()
            } else {
                ondansetron.clone()
            };
            l.date = date;
        }
    }
    let pdf = Renderer::new(RenderOptions::default())
        .unwrap()
        .render(&sb)
        .unwrap();
    std::fs::write(Path::new(&dir).join("ocr.pdf"), pdf).unwrap();
}
