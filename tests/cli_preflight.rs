//! validate == batch: whatever would stop `batch` or `render` (the
//! practice's files, its templates, text the fonts cannot draw) is found by
//! `validate` first, and stops the batch before it writes anything. Text
//! one patient's superbill cannot print holds that superbill only.

mod common;

use common::*;
use std::path::Path;

const AS_OF: &str = "2026-10-05";

fn validate(practice: &Path) -> (i32, String, String) {
    run(on_practice("validate", practice).args(["--period", "2026-09", "--as-of", AS_OF, "-v"]))
}

fn batch(practice: &Path, out: &Path) -> (i32, String, String) {
    let mut cmd = on_practice("batch", practice);
    cmd.args(["--period", "2026-09", "--as-of", AS_OF, "--no-progress"]);
    run(cmd.arg("--out").arg(out))
}

/// validate reports `code` (exit 1), and batch refuses (exit 2) before
/// writing anything.
fn refused(practice: &Path, code: &str, place: &str) {
    let (exit, stdout, stderr) = validate(practice);
    assert_eq!(exit, 1, "validate: {stdout}{stderr}");
    assert!(
        stdout.contains(code),
        "validate does not report {code}:\n{stdout}"
    );
    assert!(
        stdout.contains(place),
        "validate does not point at {place}:\n{stdout}"
    );
    let out = practice.parent().unwrap().join("out");
    let (exit, stdout, stderr) = batch(practice, &out);
    assert_eq!(exit, 2, "batch: {stdout}{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert!(!out.exists(), "batch wrote {}", out.display());
}

fn set_practice_key(practice: &Path, line: &str) {
    let toml = practice.join("practice.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    // Top-level keys go before the first table.
    let at = text.find("\n[").unwrap() + 1;
    std::fs::write(&toml, format!("{}{line}\n{}", &text[..at], &text[at..])).unwrap();
}

#[test]
fn a_recursive_partial_is_found_by_validate_and_never_crashes_the_batch() {
    let (_tmp, practice) = sample_copy("cedar-ridge");
    std::fs::create_dir(practice.join("templates")).unwrap();
    std::fs::write(
        practice.join("templates/footer.hbs"),
        "Questions? {{practice_phone}}\n{{> footer.hbs}}\n",
    )
    .unwrap();
    refused(
        &practice,
        "template-recursive-partial",
        "templates/footer.hbs:2",
    );
    // render stops too, with the template named (not a stack overflow).
    let (code, _, stderr) = run(on_practice("render", &practice)
        .args([
            "--patient",
            "P0001",
            "--from",
            "2026-09-01",
            "--to",
            "2026-09-30",
        ])
        .args(["--as-of", AS_OF, "--out"])
        .arg(practice.parent().unwrap().join("P0001.pdf")));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("template-recursive-partial"), "{stderr}");
    assert!(stderr.contains("templates/footer.hbs:2"), "{stderr}");
}

#[test]
fn an_unknown_field_in_a_branch_a_test_render_skips_is_found() {
    let (_tmp, practice) = sample_copy("cedar-ridge");
    std::fs::create_dir(practice.join("templates")).unwrap();
    std::fs::write(
        practice.join("templates/patient_note.hbs"),
        "{{#if paid_in_full}}Paid in full.{{else}}Please pay\n{{money balanse}}.{{/if}}\n",
    )
    .unwrap();
    refused(
        &practice,
        "template-unknown-field",
        "templates/patient_note.hbs:2",
    );
}

/// Prepares the practice folder for one case.
type Setup = Box<dyn Fn(&Path)>;

#[test]
fn logo_signature_and_font_problems_are_found_by_validate() {
    let tiny_png = std::fs::read(root().join("docs/superbill-page1.png")).ok();
    let cases: Vec<(&str, &str, Setup)> = vec![
        (
            "logo = \"missing.png\"",
            "file-missing",
            Box::new(|_: &Path| {}),
        ),
        (
            "logo = \"images\"",
            "file-not-regular",
            Box::new(|p: &Path| std::fs::create_dir(p.join("images")).unwrap()),
        ),
        (
            "signature = \"../outside.png\"",
            "file-outside-practice",
            Box::new(|p: &Path| std::fs::write(p.join("../outside.png"), b"x").unwrap()),
        ),
        (
            "logo = \"huge.png\"",
            "image-unusable",
            Box::new(|p: &Path| {
                std::fs::write(p.join("huge.png"), png_header(20_000, 20_000)).unwrap()
            }),
        ),
        (
            "logo = \"big.png\"",
            "file-too-large",
            Box::new(|p: &Path| {
                std::fs::write(p.join("big.png"), vec![0u8; 6 * 1024 * 1024]).unwrap()
            }),
        ),
        (
            "font = \"fonts/broken.ttf\"",
            "font-unreadable",
            Box::new(|p: &Path| {
                std::fs::create_dir(p.join("fonts")).unwrap();
                std::fs::write(p.join("fonts/broken.ttf"), b"not a font").unwrap()
            }),
        ),
    ];
    for (line, code, setup) in cases {
        let (_tmp, practice) = sample_copy("cedar-ridge");
        set_practice_key(&practice, line);
        setup(&practice);
        refused(&practice, code, "practice.toml:");
    }
    // Outside the folder is fine once practice.toml says so.
    if let Some(png) = tiny_png {
        let (_tmp, practice) = sample_copy("cedar-ridge");
        std::fs::write(practice.join("../logo.png"), png).unwrap();
        set_practice_key(&practice, "logo = \"../logo.png\"");
        let (code, stdout, _) = validate(&practice);
        assert_eq!(code, 1);
        assert!(stdout.contains("file-outside-practice"), "{stdout}");
        set_practice_key(&practice, "allow_outside_files = true");
        let (code, stdout, _) = validate(&practice);
        assert_eq!(code, 0, "{stdout}");
    }
}

/// A PNG signature and IHDR claiming `w` x `h` pixels (no image data).
fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    v.extend(w.to_be_bytes());
    v.extend(h.to_be_bytes());
    v.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
    v
}

#[test]
fn a_name_the_fonts_cannot_draw_holds_that_superbill_only() {
    let (tmp, practice) = sample_copy("cedar-ridge");
    rewrite_csv(&practice.join("patients.csv"), |h, rows| {
        let id = h.iter().position(|c| c == "patient_id").unwrap();
        let first = h.iter().position(|c| c == "first_name").unwrap();
        let r = rows.iter_mut().find(|r| r[id] == "P0002").unwrap();
        r[first] = "\u{738B}\u{82B3}".into(); // a CJK name: not in Liberation Sans
    });
    // Without the machine's fonts (where a CJK face would be found) nothing
    // of the chain draws it.
    set_practice_key(&practice, "system_fonts = false");
    let (code, stdout, _) = validate(&practice);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("patients.csv:3 [P0002] first_name: first_name has a character of the Han"),
        "{stdout}"
    );
    assert!(!stdout.contains('\u{738B}'), "the name is printed");
    let out = tmp.path().join("out");
    let (code, stdout, stderr) = batch(&practice, &out);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(!stdout.contains('\u{738B}') && !stderr.contains('\u{738B}'));
    assert!(!out.join("superbills/SB-202609-P0002.pdf").exists());
    assert!(out.join("superbills/SB-202609-P0001.pdf").exists());
    let summary = read_csv(&out.join("summary.csv")).maps();
    assert_eq!(summary.len(), 45, "exports cover every superbill");
    let p2 = summary.iter().find(|r| r["patient_id"] == "P0002").unwrap();
    assert_eq!(p2["status"], "held");
    assert!(
        p2["reasons"].contains("patients.csv:3 font-missing-glyph"),
        "{:?}",
        p2
    );
}
