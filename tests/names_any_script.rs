//! Any name, in any script (issue 12): names beyond WinAnsi are drawn
//! through the font chain (Liberation Sans, the bundled Noto Sans Hebrew
//! and Arabic, the machine's CJK fonts), read back in logical order with
//! poppler's pdftotext, embed only the glyphs they use, and a name no font
//! can draw holds only its own patient's superbill.
//!
//! pdftotext / pdftoppm (poppler-utils) and a CJK font (fonts-noto-cjk) are
//! installed by `.ci/run`; without them the checks that need them say so
//! and skip.

mod common;
#[path = "common/fixture.rs"]
mod fixture;

use common::*;
use std::process::Command as Std;
use superbill::render::{superbill::Renderer, Glyphs, RenderOptions};

fn renderer() -> Renderer {
    Renderer::new(RenderOptions::default()).expect("default renderer")
}

fn have(tool: &str) -> bool {
    Std::new(tool).arg("-v").output().is_ok()
}

/// Whether this machine has a font for `text` (the CJK checks need one).
fn drawable(text: &str) -> bool {
    let g = Glyphs::load(&RenderOptions::default()).unwrap();
    g.missing(text).is_none()
}

/// pdftotext of `pdf` (reading order, no layout), or None without poppler.
fn pdftotext(pdf: &[u8]) -> Option<String> {
    if !have("pdftotext") {
        println!("note: pdftotext not on PATH (apt-get install poppler-utils); skipping");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sb.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Std::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success(), "pdftotext failed");
    Some(String::from_utf8(out.stdout).unwrap())
}

/// The embedded font programs (FontFile2/FontFile3 streams, decompressed).
fn font_programs(pdf: &[u8]) -> Vec<(String, Vec<u8>)> {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let mut out = Vec::new();
    for o in doc.objects.values() {
        let Ok(d) = o.as_dict() else { continue };
        let Ok(name) = d.get(b"FontName").and_then(|n| n.as_name()) else {
            continue;
        };
        for key in [b"FontFile2".as_slice(), b"FontFile3".as_slice()] {
            if let Ok(r) = d.get(key).and_then(|r| r.as_reference()) {
                let s = doc.get_object(r).unwrap().as_stream().unwrap();
                out.push((
                    String::from_utf8_lossy(name).into_owned(),
                    s.decompressed_content().unwrap(),
                ));
            }
        }
    }
    out
}

/// numGlyphs of a TrueType program (its `maxp` table).
fn num_glyphs(ttf: &[u8]) -> u16 {
    let n = u16::from_be_bytes([ttf[4], ttf[5]]) as usize;
    for i in 0..n {
        let rec = &ttf[12 + 16 * i..12 + 16 * (i + 1)];
        if &rec[..4] == b"maxp" {
            let off = u32::from_be_bytes(rec[8..12].try_into().unwrap()) as usize;
            return u16::from_be_bytes([ttf[off + 4], ttf[off + 5]]);
        }
    }
    panic!("no maxp table");
}

fn render_named(name: &str) -> Vec<u8> {
    let mut sb = fixture::sample();
    sb.patient.name = name.into();
    renderer().render(&sb).unwrap()
}

/// The right-to-left words of the first line holding any, as a reader
/// reads them: pdftotext's word boxes (`-bbox`) hold each word's glyphs
/// in page order (left to right); the words are read from the right and
/// each word's characters from the right.
fn rtl_reading(pdf: &[u8]) -> Option<String> {
    if !have("pdftotext") {
        println!("note: pdftotext not on PATH (apt-get install poppler-utils); skipping");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sb.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Std::new("pdftotext")
        .args(["-bbox", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    let html = String::from_utf8(out.stdout).unwrap();
    let rtl = |c: char| ('\u{0590}'..='\u{08FF}').contains(&c);
    let attr = |l: &str, name: &str| -> f64 {
        let at = l.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        l[at..].split('"').next().unwrap().parse().unwrap()
    };
    let words: Vec<(f64, f64, String)> = html
        .lines()
        .filter(|l| l.trim_start().starts_with("<word"))
        .map(|l| {
            let text = l.split('>').nth(1).unwrap().split('<').next().unwrap();
            (attr(l, "xMin"), attr(l, "yMax"), text.to_string())
        })
        .collect();
    let first = words.iter().find(|w| w.2.chars().any(rtl))?;
    let mut line: Vec<&(f64, f64, String)> = words
        .iter()
        .filter(|w| (w.1 - first.1).abs() < 6.0 && w.2.chars().any(rtl))
        .collect();
    line.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
    let read: Vec<String> = line.iter().map(|w| w.2.chars().rev().collect()).collect();
    Some(read.join(" "))
}

#[test]
fn hebrew_name_reads_back_in_order() {
    let name = "אברהם, שרה";
    let pdf = render_named(name);
    let Some(text) = pdftotext(&pdf) else { return };
    // Each word in logical order (never reversed, as a naive left-to-right
    // draw would give: "םהרבא").
    assert!(text.contains("אברהם") && text.contains("שרה"), "{text}");
    assert!(!text.contains("םהרבא"), "{text}");
    // Words laid out right to left: read from the right, the name as typed.
    assert_eq!(rtl_reading(&pdf).unwrap(), name);
    assert!(text.contains("Clearwater Ketamine Wellness, PLLC"));
    // Liberation Sans has the Hebrew letters (Noto Sans Hebrew, bundled
    // too, covers points and marks it lacks). Each face is embedded as a
    // subset of the glyphs the name and the footer that repeats it use: a
    // few dozen of Liberation Sans's ~2,600.
    let fonts = font_programs(&pdf);
    assert!(!fonts.is_empty(), "a font is embedded");
    for (n, program) in &fonts {
        let glyphs = num_glyphs(program);
        assert!(glyphs <= 40, "{n}: only the used glyphs, got {glyphs}");
    }
}

fn names(fonts: &[(String, Vec<u8>)]) -> Vec<&str> {
    fonts.iter().map(|(n, _)| n.as_str()).collect()
}

#[test]
fn cjk_name_reads_back_with_pdftotext() {
    let name = "王, 伟";
    if !drawable(name) {
        println!("note: no CJK font on this machine (apt-get install fonts-noto-cjk); skipping");
        return;
    }
    let pdf = render_named(name);
    let Some(text) = pdftotext(&pdf) else { return };
    assert!(text.contains(name), "CJK name:\n{text}");
    // A subset of a multi-megabyte CJK font: a few KB.
    assert!(
        pdf.len() < 60_000,
        "CJK subset kept small: {} bytes",
        pdf.len()
    );
}

#[test]
fn arabic_greek_cyrillic_vietnamese_names_round_trip() {
    let r = renderer();
    for name in [
        "Παπαδόπουλος, Νίκος",
        "Иванова, Анна",
        "Nguyễn Thị, Lan",
        "Dvořák, Łukasz",
    ] {
        let mut sb = fixture::sample();
        sb.patient.name = name.into();
        let pdf = r.render(&sb).unwrap();
        let Some(text) = pdftotext(&pdf) else { return };
        assert!(text.contains(name), "{name} reads back:\n{text}");
    }
    let name = "عبد الله, محمد";
    let mut sb = fixture::sample();
    sb.patient.name = name.into();
    let pdf = r.render(&sb).unwrap();
    assert_eq!(rtl_reading(&pdf).unwrap(), name);
}

#[test]
fn arabic_is_shaped_not_drawn_letter_by_letter() {
    // Joined Arabic uses the font's initial/medial/final forms: the glyphs
    // drawn differ from the isolated letters' own glyphs, and the text
    // still reads back as the letters typed.
    let pdf = render_named("محمد, علي");
    let Some(text) = pdftotext(&pdf) else { return };
    assert!(text.contains("محمد"), "{text}");
    let fonts = font_programs(&pdf);
    assert!(
        fonts.iter().any(|(n, _)| n.contains("NotoSansArabic")),
        "{:?}",
        names(&fonts)
    );
}

#[test]
fn the_same_name_gives_the_same_bytes() {
    let r = renderer();
    let mut sb = fixture::sample();
    sb.patient.name = "Иванова, Анна".into();
    let a = r.render(&sb).unwrap();
    let b = std::thread::scope(|s| s.spawn(|| r.render(&sb).unwrap()).join().unwrap());
    assert_eq!(a, b, "deterministic across calls and threads");
    // Only the name's string is drawn with an embedded face: the subset
    // holds its letters, not the page's.
    // (regular and bold: the name is printed in both).
    let fonts = font_programs(&a);
    assert!(
        (1..=2).contains(&fonts.len()) && fonts.iter().all(|(n, _)| n.contains("Liberation")),
        "{:?}",
        names(&fonts)
    );
    for (n, program) in &fonts {
        let glyphs = num_glyphs(program);
        assert!(glyphs <= 40, "{n}: {glyphs} glyphs");
    }
}

#[test]
fn a_document_does_not_depend_on_the_documents_rendered_before_it() {
    // Subsets of one face share pieces prepared once (its hinting and
    // naming tables, deflated): a shard that renders other patients first
    // must still write the same bytes.
    let mut sb = fixture::sample();
    sb.patient.name = "Dvořák, Jiří".into();
    let alone = renderer().render(&sb).unwrap();
    let warm = renderer();
    for other in ["Łukaszewicz, Paweł", "Nguyễn, Thị Lan", "Иванова, Анна"] {
        let mut o = fixture::sample();
        o.patient.name = other.into();
        warm.render(&o).unwrap();
    }
    assert_eq!(warm.render(&sb).unwrap(), alone);
    let fonts = font_programs(&alone);
    assert!(!fonts.is_empty(), "the name is embedded");
    for (n, program) in &fonts {
        assert!(num_glyphs(program) <= 40, "{n}: a subset, read back whole");
    }
}

#[test]
fn a_page_with_names_in_four_scripts_renders_to_a_letter_png() {
    if !have("pdftoppm") {
        println!("note: pdftoppm not on PATH (apt-get install poppler-utils); skipping");
        return;
    }
    let mut sb = fixture::sample();
    sb.patient.name = "אברהם, שרה".into();
    if drawable("王伟") {
        sb.patient.name = "אברהם 王伟, Nguyễn".into();
    }
    sb.patient.payer = "Παπαδόπουλος Иванова عبد الله".into();
    let pdf = renderer().render(&sb).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sb.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let out = Std::new("pdftoppm")
        .args(["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&path)
        .arg(dir.path().join("page"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pdftoppm: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(dir.path().join("page.png")).unwrap();
    if let Ok(keep) = std::env::var("SUPERBILL_KEEP_PNG") {
        std::fs::write(keep, &png).unwrap();
    }
    // PNG header: width and height of US Letter at 60 dpi (8.5 x 11 in).
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((w, h), (510, 660), "letter page at 60 dpi");
    // A drawn page compresses to more than a blank one (~2 KB) and far
    // less than noise.
    assert!(
        (15_000..400_000).contains(&png.len()),
        "PNG size {} bytes",
        png.len()
    );
}

#[test]
fn a_name_no_font_can_draw_is_refused_naming_field_not_name() {
    let opts = RenderOptions {
        no_system_fonts: true,
        ..Default::default()
    };
    let r = Renderer::new(opts).unwrap();
    let mut sb = fixture::sample();
    sb.patient.name = "Tanaka 山田, Hana".into();
    let err = r.render(&sb).unwrap_err();
    assert!(matches!(err, superbill::Error::Unprintable(_)), "{err}");
    let m = err.to_string();
    assert!(
        m.contains("SB-202609-P0001") && m.contains("patient.name"),
        "{m}"
    );
    assert!(m.contains("Han (CJK)"), "{m}");
    assert!(!m.contains("Tanaka") && !m.contains('山'), "no name: {m}");
}

/// A copy of the sample practice drawing from the bundled fonts only, with
/// patient P0003's last name in Han characters.
fn practice_with_undrawable_name() -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, dir) = sample_copy("cedar-ridge");
    let toml = std::fs::read_to_string(dir.join("practice.toml")).unwrap();
    std::fs::write(
        dir.join("practice.toml"),
        format!("system_fonts = false\n{toml}"),
    )
    .unwrap();
    rewrite_csv(&dir.join("patients.csv"), |header, rows| {
        let last = header.iter().position(|h| h == "last_name").unwrap();
        let first = header.iter().position(|h| h == "first_name").unwrap();
        let row = rows.iter_mut().find(|r| r[0] == "P0003").unwrap();
        row[last] = "王".into();
        // Hebrew is bundled: this one is drawn.
        let other = rows.iter_mut().find(|r| r[0] == "P0004").unwrap();
        other[first] = "אברהם".into();
    });
    (tmp, dir)
}

#[test]
fn validate_finds_the_undrawable_name() {
    let (_tmp, dir) = practice_with_undrawable_name();
    let report = dir.parent().unwrap().join("problems.csv");
    let (code, stdout, stderr) = run(on_practice("validate", &dir)
        .args(["--period", "2026-09", "--as-of", "2026-10-05", "--report"])
        .arg(&report));
    assert_eq!(code, 1, "{stdout}{stderr}");
    let t = read_csv(&report);
    let rows: Vec<_> = t
        .maps()
        .into_iter()
        .filter(|r| r["code"] == "font-missing-glyph")
        .collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["file"], "patients.csv");
    assert_eq!(rows[0]["record_id"], "P0003");
    assert_eq!(rows[0]["field"], "last_name");
    let all = std::fs::read_to_string(&report).unwrap() + &stdout;
    assert!(!all.contains('王') && !all.contains("אברהם"), "no names");
}

#[test]
fn batch_holds_only_the_patient_whose_name_cannot_be_drawn() {
    let (tmp, dir) = practice_with_undrawable_name();
    let out = tmp.path().join("out");
    let (code, stdout, stderr) = run(on_practice("batch", &dir)
        .args([
            "--period",
            "2026-09",
            "--as-of",
            "2026-10-05",
            "--no-progress",
            "--out",
        ])
        .arg(&out));
    // Errors in the data: exit 1, not 2; the batch ran to the end.
    assert_eq!(code, 1, "{stdout}{stderr}");
    for f in ["ledger.csv", "summary.csv", "manifest.json", "rejects.csv"] {
        assert!(out.join(f).exists(), "{f} written");
    }
    let pdfs: Vec<String> = std::fs::read_dir(out.join("superbills"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(pdfs.len(), 44, "45 superbills less the held one: {pdfs:?}");
    assert!(!pdfs.iter().any(|p| p.contains("P0003")), "P0003 held");
    assert!(
        pdfs.iter().any(|p| p.contains("P0004")),
        "Hebrew name issued"
    );
    // Its summary row says held, and why (by code and line, never the name).
    let summary = read_csv(&out.join("summary.csv")).maps();
    let p3 = summary
        .iter()
        .find(|r| r["patient_id"] == "P0003")
        .expect("a summary row for the held superbill");
    assert_eq!(p3["status"], "held", "{p3:?}");
    assert!(p3["reasons"].contains("font-missing-glyph"), "{p3:?}");
    assert!(!format!("{summary:?}").contains('王'), "no name in summary");
    // The Hebrew name prints in logical order.
    let p4 = pdfs.iter().find(|p| p.contains("P0004")).unwrap();
    let pdf = std::fs::read(out.join("superbills").join(p4)).unwrap();
    if let Some(t) = pdftotext(&pdf) {
        assert!(t.contains("אברהם"), "{t}");
    }
    let rejects = std::fs::read_to_string(out.join("rejects.csv")).unwrap();
    assert!(rejects.contains("font-missing-glyph"), "{rejects}");
    assert!(!rejects.contains('王'), "no name in rejects");
}
