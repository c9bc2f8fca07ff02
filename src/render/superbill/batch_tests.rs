//! Template output that depends only on few-valued fields (the practice,
//! the payer, the balance) is rendered once per combination of their
//! values, and the PDFs are the same bytes as rendering it every time.

use super::Renderer;
use crate::findings::Findings;
use crate::render::{Extras, RenderOptions};
use crate::superbill::{Request, Superbill};
use crate::validate::{Options, Period};
use chrono::NaiveDate;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// The sample month's superbills (`samples/cedar-ridge`), in order.
fn sample_batch() -> (PathBuf, Vec<Superbill>) {
    let practice = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/cedar-ridge");
    let mut findings = Findings::default();
    let loaded = crate::practice::load(&practice, &mut findings).unwrap();
    let period = Period::month("2026-09").unwrap();
    let as_of = NaiveDate::from_ymd_opt(2026, 10, 5).unwrap();
    let opts = Options {
        as_of,
        period: Some(period),
        filing_warnings: true,
    };
    let validated = loaded.validate(&opts, &mut findings);
    let req = Request {
        period,
        as_of,
        patient: None,
    };
    let out = crate::superbill::superbills(&loaded, &validated, &req, &mut findings);
    (practice, out.superbills)
}

fn renderer(practice: &Path, guide: bool) -> Renderer {
    Renderer::new(RenderOptions {
        practice_dir: Some(practice.to_path_buf()),
        extras: Extras {
            guide,
            ..Default::default()
        },
        ..Default::default()
    })
    .unwrap()
}

#[test]
fn the_default_title_footer_and_notes_are_the_cached_templates() {
    let (practice, _) = sample_batch();
    let r = renderer(&practice, false);
    // The attestation states the amount paid and the dates, the guide the
    // dates: those stay per superbill.
    assert_eq!(
        r.templates.cached(),
        [
            "footer.hbs",
            "patient_note.hbs",
            "patient_note_medicaid.hbs",
            "patient_note_medicare.hbs",
            "title.hbs"
        ]
    );
}

/// The distinct patient notes of `batch`: its template and the values it
/// reads (what the cache keys them by).
fn distinct_notes(r: &Renderer, batch: &[&Superbill]) -> usize {
    let notes: std::collections::BTreeSet<(String, String, String, bool, i64)> = batch
        .iter()
        .map(|sb| {
            let ctx = super::TemplateContext::new(sb);
            (
                r.templates.for_payer("patient_note", &ctx),
                ctx.payer.clone(),
                ctx.practice_name.clone(),
                ctx.paid_in_full,
                ctx.balance.0,
            )
        })
        .collect();
    notes.len()
}

#[test]
fn cached_text_is_rendered_once_per_values_and_the_pdfs_do_not_change() {
    let (practice, all) = sample_batch();
    // Several superbills of different payers, payer types and balances.
    let batch: Vec<&Superbill> = all.iter().take(12).collect();
    assert_eq!(batch.len(), 12);
    let payers: std::collections::BTreeSet<&str> =
        batch.iter().map(|sb| sb.patient.payer.as_str()).collect();
    assert!(payers.len() > 1, "{payers:?}");
    for guide in [false, true] {
        let cached = renderer(&practice, guide);
        let every_time = renderer(&practice, guide).without_template_cache();
        let notes = distinct_notes(&cached, &batch);
        let n = batch.len();
        assert!(notes > 1 && notes < n, "{notes} distinct notes of {n}");
        let (c0, e0) = (cached.templates.renders(), every_time.templates.renders());
        for sb in &batch {
            let a = cached.render(sb).unwrap();
            let b = every_time.render(sb).unwrap();
            assert!(a == b, "{}: the cached text changed the PDF", sb.number);
        }
        let every = every_time.templates.renders() - e0;
        // Per superbill at least title, note, footer and an attestation
        // (one per rendering provider), and the guide.
        let at_least = if guide { 5 } else { 4 };
        assert!(every >= n * at_least, "{every} renders for {n} superbills");
        // Title and footer once for the batch, each distinct note once.
        let cached_renders = cached.templates.renders() - c0;
        assert_eq!(cached_renders, every - 3 * n + 2 + notes, "guide: {guide}");
        // A second pass over the batch renders no cached text again.
        for sb in &batch {
            cached.render(sb).unwrap();
        }
        assert_eq!(
            cached.templates.renders() - c0 - cached_renders,
            every - 3 * n
        );
    }
}

#[test]
fn threads_sharing_a_renderer_render_cached_text_once() {
    let (practice, all) = sample_batch();
    let r = renderer(&practice, false);
    let before = r.templates.renders();
    let pdfs: Vec<Vec<u8>> = all.par_iter().map(|sb| r.render(sb).unwrap()).collect();
    let cached = r.templates.renders() - before;
    let every_time = renderer(&practice, false).without_template_cache();
    let e0 = every_time.templates.renders();
    for (sb, pdf) in all.iter().zip(&pdfs) {
        assert!(*pdf == every_time.render(sb).unwrap(), "{}", sb.number);
    }
    let every = every_time.templates.renders() - e0;
    let all_refs: Vec<&Superbill> = all.iter().collect();
    let notes = distinct_notes(&r, &all_refs);
    assert_eq!(cached, every - 3 * all.len() + 2 + notes);
}

#[test]
fn a_practice_footer_that_reads_the_superbill_is_rendered_per_superbill() {
    let (_, all) = sample_batch();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("templates")).unwrap();
    std::fs::write(
        dir.path().join("templates/footer.hbs"),
        "Questions about {{superbill_number}}? Call {{practice_name}}.",
    )
    .unwrap();
    let r = renderer(dir.path(), false);
    assert!(!r.templates.cached().contains(&"footer.hbs"));
    let footers: std::collections::BTreeSet<String> = all
        .iter()
        .take(3)
        .map(|sb| {
            let ctx = super::TemplateContext::new(sb);
            r.templates.render("footer.hbs", &ctx).unwrap()
        })
        .collect();
    assert_eq!(footers.len(), 3, "{footers:?}");
}

#[test]
fn the_fingerprint_names_only_fonts_outside_the_build() {
    use crate::render::Document;
    let (practice, all) = sample_batch();
    let sb = all.first().unwrap().clone();
    let r = renderer(&practice, false);
    // WinAnsi text, or text the bundled faces draw (Hebrew): nothing
    // beside the build, templates and images.
    assert_eq!(r.fingerprint_for(&sb), r.fingerprint());
    let mut hebrew = sb.clone();
    hebrew.patient.name = "כהן, דוד".into();
    assert_eq!(r.fingerprint_for(&hebrew), r.fingerprint());
    // A practice's own font draws every string: its file is named.
    let dir = tempfile::tempdir().unwrap();
    let font = dir.path().join("house.ttf");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fonts/LiberationSans-Regular.ttf"),
        &font,
    )
    .unwrap();
    let own = Renderer::new(RenderOptions {
        practice_dir: Some(practice.clone()),
        font: Some(font),
        ..Default::default()
    })
    .unwrap();
    let named = own.fingerprint_for(&sb);
    let rest = named
        .strip_prefix(&format!("{} ", own.fingerprint()))
        .unwrap_or_else(|| panic!("{named}"));
    assert!(rest.starts_with("LiberationSans#0:"), "{rest}");
}
