//! What would stop rendering, found before anything renders: `validate`,
//! `render` and `batch` all run these checks, so a clean `validate` means
//! the batch will not stop on them.
//!
//! - the logo, signature (the practice's and each provider's) and font
//!   files of practice.toml: present, regular
//!   files of sane size, inside the practice folder (unless it allows
//!   otherwise), images of sane dimensions that decode, fonts that parse;
//! - the practice's templates: syntax, fields, helpers, partials (and
//!   partials that recurse);
//! - every text the PDF prints that the fonts cannot draw, at the row it
//!   comes from, so that one patient's name holds that patient's superbill
//!   and nothing else.
//!
//! Problems of the practice itself (files, templates, the practice's own
//! fields) are findings with record `practice`: the batch refuses to start.
//! Findings name fields and code points, never the text.

use crate::codes::Catalog;
use crate::findings::{At, Findings};
use crate::icd10::CodeSet;
use crate::input::{Inputs, Status, PATIENTS_FILE, PAYMENTS_FILE, PRACTICE_FILE, SESSIONS_FILE};
use crate::render::pdf::fonts::script::{describe, fix};
use crate::render::Glyphs;
use crate::validate::Period;
use rayon::prelude::*;
use std::path::Path;

/// Images larger than this (bytes) are refused.
pub const MAX_IMAGE_BYTES: u64 = 5 * 1024 * 1024;
/// Fonts larger than this (bytes) are refused (a full CJK face is ~20 MB).
pub const MAX_FONT_BYTES: u64 = 40 * 1024 * 1024;

/// Codes of the practice's own files (logo, signature, fonts).
const FILE_CODES: [&str; 7] = [
    "file-outside-practice",
    "file-missing",
    "file-not-regular",
    "file-too-large",
    "font-unreadable",
    "image-unusable",
    "template-unreadable",
];

/// Whether a finding is about the practice's templates or files: nothing
/// can be rendered until it is fixed.
pub fn is_configuration(f: &crate::findings::Finding) -> bool {
    f.file.starts_with("templates/") || (f.file == PRACTICE_FILE && FILE_CODES.contains(&f.code))
}

/// Runs every check; `period` limits the session checks to its sessions.
pub fn run(
    inputs: &Inputs,
    cat: &Catalog,
    icd: &CodeSet,
    period: Option<&Period>,
    findings: &mut Findings,
) {
    let fonts_ok = files(inputs, findings);
    templates(inputs, findings);
    if !fonts_ok {
        return; // the glyph check needs the fonts the renderer would use
    }
    let opts = crate::practice::render_options_of(inputs);
    match Glyphs::load(&opts) {
        Ok(g) => glyphs(inputs, cat, icd, period, &g, findings),
        Err(e) => findings.error(
            &At::new(PRACTICE_FILE, key_line(inputs, "font"), "practice"),
            "font",
            "font-unreadable",
            format!("{e}: use a TrueType (.ttf) or OpenType (.otf) font file"),
        ),
    }
}

/// The files practice.toml names. Returns whether the fonts can be used.
fn files(inputs: &Inputs, f: &mut Findings) -> bool {
    let p = &inputs.practice;
    let mut fonts_ok = true;
    let entries = [
        ("logo", &p.logo, false),
        ("signature", &p.signature, false),
        ("font", &p.font, true),
        ("font_bold", &p.font_bold, true),
    ];
    // Each provider's own signature, at their [[providers]] entry; record
    // `practice` like the other files (it stops the batch, not just the
    // provider's sessions).
    for prov in &p.providers {
        let Some(rel) = &prov.signature else { continue };
        let at = At::new(
            PRACTICE_FILE,
            inputs.provider_line(&prov.id, "signature"),
            "practice",
        );
        if let Err((code, message)) = check_file(&inputs.dir, rel, false, p.allow_outside_files) {
            f.error(
                &at,
                "signature",
                code,
                format!(
                    "provider '{}': signature '{}' {message}",
                    prov.id,
                    rel.display()
                ),
            );
        }
    }
    for (field, path, is_font) in entries {
        let Some(rel) = path else { continue };
        let at = At::new(PRACTICE_FILE, key_line(inputs, field), "practice");
        let problem = check_file(&inputs.dir, rel, is_font, p.allow_outside_files);
        if let Err((code, message)) = problem {
            f.error(
                &at,
                field,
                code,
                format!("{field} '{}' {message}", rel.display()),
            );
            fonts_ok &= !is_font;
        }
    }
    fonts_ok
}

fn check_file(
    dir: &Path,
    rel: &Path,
    is_font: bool,
    allow_outside: bool,
) -> Result<(), (&'static str, String)> {
    let path = dir.join(rel);
    if !allow_outside {
        let inside = match (std::fs::canonicalize(dir), crate::outdir::resolve(&path)) {
            (Ok(d), Ok(p)) => p.starts_with(d),
            _ => true,
        };
        if !inside {
            return Err((
                "file-outside-practice",
                "is outside the practice folder: copy it into the folder (or set allow_outside_files = true in practice.toml)".into(),
            ));
        }
    }
    let meta = match std::fs::metadata(&path) {
        Ok(m) => m,
        Err(_) => {
            return Err((
                "file-missing",
                "does not exist: check the path (relative to the practice folder)".into(),
            ))
        }
    };
    if !meta.is_file() {
        return Err((
            "file-not-regular",
            "is not a regular file: name the file itself".into(),
        ));
    }
    let max = if is_font {
        MAX_FONT_BYTES
    } else {
        MAX_IMAGE_BYTES
    };
    if meta.len() > max {
        return Err((
            "file-too-large",
            format!(
                "is {} MB, more than the {} MB allowed: use a smaller file",
                meta.len().div_ceil(1024 * 1024),
                max / (1024 * 1024)
            ),
        ));
    }
    let checked = if is_font {
        crate::render::pdf::fonts::check_font(&path)
    } else {
        crate::render::pdf::image::check_png(&path)
    };
    checked.map_err(|m| {
        let code = if is_font {
            "font-unreadable"
        } else {
            "image-unusable"
        };
        (code, m)
    })
}

/// The practice's templates: findings at `templates/<name>` and line.
fn templates(inputs: &Inputs, f: &mut Findings) {
    let (sources, mut problems) = crate::render::superbill::template_sources(Some(&inputs.dir));
    problems.extend(crate::render::superbill::template_check::check(&sources));
    for p in problems {
        f.error(
            &At::new(format!("templates/{}", p.template), p.line, "practice"),
            "",
            p.code,
            p.message,
        );
    }
}

/// Text the fonts cannot draw, at the row it comes from.
fn glyphs(
    inputs: &Inputs,
    cat: &Catalog,
    icd: &CodeSet,
    period: Option<&Period>,
    g: &Glyphs,
    f: &mut Findings,
) {
    let report = |f: &mut Findings, at: &At, field: &str, text: &str| {
        if let Some(c) = g.missing(text) {
            f.error(
                at,
                field,
                "font-missing-glyph",
                // The script, never the character: one Han character can
                // be a whole surname.
                format!(
                    "{field} has {} that no available font can draw ({}); {}",
                    describe(c),
                    g.font_name(),
                    fix(c)
                ),
            );
            true
        } else {
            false
        }
    };
    let p = &inputs.practice;
    let at = |field: &str| At::new(PRACTICE_FILE, inputs.practice_line(field), "practice");
    let mut practice = vec![
        ("legal_name", p.legal_name.clone()),
        ("phone", p.phone.clone()),
        ("tax_id", p.tax_id.clone()),
        ("taxonomy", p.taxonomy.clone()),
        ("address", address_text(&p.address)),
    ];
    if let Some(npi) = &p.npi {
        practice.push(("npi", npi.clone()));
    }
    if let Some(fac) = &p.service_facility {
        practice.push((
            "service_facility",
            format!("{} {}", fac.name, address_text(&fac.address)),
        ));
    }
    for (field, text) in &practice {
        report(f, &at(field), field, text);
    }
    // The templates' own words.
    let (sources, _) = crate::render::superbill::template_sources(Some(&inputs.dir));
    for (name, text) in &sources {
        if let Some(c) = g.missing(text) {
            let line = text
                .lines()
                .position(|l| l.contains(c))
                .map_or(0, |i| i as u64 + 1);
            f.error(
                &At::new(format!("templates/{name}"), line, "practice"),
                "",
                "font-missing-glyph",
                format!(
                    "the template has {} that no available font can draw ({}); {}",
                    describe(c),
                    g.font_name(),
                    fix(c)
                ),
            );
        }
    }
    for prov in &p.providers {
        for (field, text) in [
            ("name", &prov.name),
            ("credentials", &prov.credentials),
            ("npi", &prov.npi),
            ("license", &prov.license),
            ("license_state", &prov.license_state),
            ("taxonomy", &prov.taxonomy),
        ] {
            let at = At::new(
                PRACTICE_FILE,
                inputs.provider_line(&prov.id, field),
                &prov.id,
            );
            report(f, &at, field, text);
        }
    }
    per_row(&inputs.patients, f, |pt, f| {
        let at = At::new(PATIENTS_FILE, pt.line, &pt.patient_id);
        let mut fields = vec![
            ("first_name", pt.first_name.as_str()),
            ("last_name", pt.last_name.as_str()),
            ("sex", pt.sex.as_str()),
            ("address", pt.address.line1.as_str()),
            ("city", pt.address.city.as_str()),
            ("state", pt.address.state.as_str()),
            ("zip", pt.address.zip.as_str()),
            ("payer", pt.payer.as_str()),
            ("member_id", pt.member_id.as_str()),
        ];
        let optional = [
            ("middle_name", &pt.middle_name),
            ("address2", &pt.address.line2),
            ("phone", &pt.phone),
            ("group_number", &pt.group_number),
            ("subscriber_name", &pt.subscriber_name),
            ("subscriber_relationship", &pt.subscriber_relationship),
        ];
        fields.extend(
            optional
                .iter()
                .filter_map(|(n, v)| v.as_deref().map(|v| (*n, v))),
        );
        for (field, text) in fields {
            // One finding per row is enough to hold its superbill.
            if report(f, &at, field, text) {
                break;
            }
        }
    });
    per_row(&inputs.payments, f, |pay, f| {
        let at = At::new(PAYMENTS_FILE, pay.line, &pay.payment_id);
        if !report(f, &at, "method", &pay.method) {
            if let Some(r) = &pay.reference {
                report(f, &at, "reference", r);
            }
        }
    });
    let pos = &p.default_place_of_service;
    per_row(&inputs.sessions, f, |s, f| {
        if s.status != Status::Completed || period.is_some_and(|p| !p.contains(s.date)) {
            return;
        }
        let at = At::new(SESSIONS_FILE, s.line, &s.session_id);
        let dx = s
            .diagnoses
            .iter()
            .filter_map(|d| icd.describe(d, s.date))
            .find(|t| g.missing(t).is_some());
        if let Some(t) = dx {
            report(f, &at, "diagnoses", t);
            return;
        }
        let mut scratch = Findings::default();
        let r = crate::resolve::session(s, pos, cat, &mut scratch);
        for l in &r.lines {
            let drug = l.drug.as_ref().map(|d| d.name.as_str()).unwrap_or("");
            if report(f, &at, "procedures", &l.description) || report(f, &at, "procedures", drug) {
                break;
            }
        }
    });
}

/// `check` on every row, rows side by side (a million rows' text took
/// seconds on one core); the findings come out in row order all the same.
fn per_row<T: Sync>(rows: &[T], f: &mut Findings, check: impl Fn(&T, &mut Findings) + Sync) {
    let found: Vec<Findings> = rows
        .par_chunks(4096)
        .map(|chunk| {
            let mut local = Findings::default();
            for row in chunk {
                check(row, &mut local);
            }
            local
        })
        .collect();
    for local in found {
        f.extend(local);
    }
}

/// The line of `key = ...` among the practice's own keys (0 if absent).
fn key_line(inputs: &Inputs, key: &str) -> u64 {
    inputs
        .practice_text
        .lines()
        .take_while(|l| !l.trim_start().starts_with("[["))
        .position(|l| l.split('=').next().map(str::trim) == Some(key))
        .map_or(0, |i| i as u64 + 1)
}

fn address_text(a: &crate::input::Address) -> String {
    format!(
        "{} {} {}",
        a.line1,
        a.line2.as_deref().unwrap_or(""),
        a.city_line()
    )
}
