//! Rendering superbills to PDF.
//!
//! A [`Renderer`] is built once per batch (templates compiled and
//! test-rendered, fonts parsed, logo and signature decoded and compressed)
//! and shared across threads; [`Renderer::render`] turns one
//! [`Superbill`] into PDF bytes, byte-identical for identical input.
//!
//! Layout is done in code on printpdf's `Op` path (US Letter, absolute
//! positions, text measured with glyph advances). Text uses the built-in
//! Helvetica when every character is WinAnsi, otherwise the embedded
//! (subset) Liberation Sans or the configured font; a character the font
//! cannot draw is an error naming the superbill and the field.

mod closing;
mod draw;
mod fonts;
mod layout;
mod pdf;
mod sections;
mod table;
mod templates;

use crate::superbill::Superbill;
use std::path::PathBuf;

pub use templates::TemplateContext;

/// SHA-256 over everything besides the superbill that shapes the PDF:
/// this program's own bytes, the templates in use, fonts and images. The
/// same fingerprint and superbill data give the same PDF, which lets a
/// re-run skip rendering what it already wrote.
pub fn fingerprint(opts: &RenderOptions) -> crate::Result<String> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    // The binary stands for the layout code: a rebuilt program re-renders.
    match std::env::current_exe().and_then(std::fs::read) {
        Ok(bytes) => h.update(&bytes),
        Err(_) => h.update(env!("CARGO_PKG_VERSION").as_bytes()),
    }
    for (name, default) in templates::TEMPLATES {
        let own = opts
            .practice_dir
            .as_ref()
            .map(|d| d.join("templates").join(name));
        match own.filter(|p| p.is_file()) {
            Some(p) => h.update(std::fs::read(&p).map_err(|e| crate::Error::io(&p, e))?),
            None => h.update(default.as_bytes()),
        }
        h.update([0]);
    }
    for path in [&opts.logo, &opts.signature, &opts.font, &opts.font_bold]
        .into_iter()
        .flatten()
    {
        h.update(std::fs::read(path).map_err(|e| crate::Error::io(path, e))?);
        h.update([0]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Where the renderer's optional inputs live. All paths are read once, in
/// [`Renderer::new`].
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// The practice folder; `templates/<name>.hbs` inside it overrides the
    /// built-in template of the same name (`title.hbs`,
    /// `patient_note.hbs`, `attestation.hbs`, `footer.hbs`).
    pub practice_dir: Option<PathBuf>,
    /// PNG printed at the top left of page 1.
    pub logo: Option<PathBuf>,
    /// PNG printed on the signature line.
    pub signature: Option<PathBuf>,
    /// TrueType font used instead of Helvetica/Liberation Sans; always
    /// embedded (subset) when set.
    pub font: Option<PathBuf>,
    pub font_bold: Option<PathBuf>,
}

/// Renders superbills to PDF. `Send + Sync`: build one, share it.
pub struct Renderer {
    fonts: fonts::FontSet,
    templates: templates::Templates,
    logo: Option<pdf::PreparedImage>,
    signature: Option<pdf::PreparedImage>,
}

impl Renderer {
    /// Loads fonts, images and templates. Template errors (syntax, unknown
    /// helper, a field the context does not have) are reported here as
    /// [`crate::Error::Template`], before any superbill is rendered.
    pub fn new(opts: RenderOptions) -> crate::Result<Renderer> {
        let fonts = fonts::FontSet::load(opts.font.as_deref(), opts.font_bold.as_deref())?;
        let templates = templates::Templates::load(opts.practice_dir.as_deref())?;
        let logo = opts.logo.as_deref().map(pdf::prepare_png).transpose()?;
        let signature = opts
            .signature
            .as_deref()
            .map(pdf::prepare_png)
            .transpose()?;
        Ok(Renderer {
            fonts,
            templates,
            logo,
            signature,
        })
    }

    /// The PDF for one superbill.
    pub fn render(&self, sb: &Superbill) -> crate::Result<Vec<u8>> {
        let ctx = TemplateContext::new(sb);
        let title: Vec<String> = self
            .templates
            .render("title.hbs", &ctx)?
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty())
            .collect();
        let prose = sections::Prose {
            title,
            note: templates::paragraphs(&self.templates.render("patient_note.hbs", &ctx)?),
            attestation: templates::paragraphs(&self.templates.render("attestation.hbs", &ctx)?),
            footer: templates::paragraphs(&self.templates.render("footer.hbs", &ctx)?).join(" "),
        };

        let fields = printed_fields(sb, &prose);
        let mode = fonts::choose_mode(&self.fonts, &fields)
            .map_err(|m| crate::Error::Other(format!("superbill {}: {m}", sb.number)))?;

        let images = layout::ImageInfo {
            logo: self.logo.as_ref().map(|i| i.aspect),
            signature: self.signature.as_ref().map(|i| i.aspect),
        };
        let pages = layout::layout(sb, &prose, images, &self.fonts, mode);

        let mut xobjects = Vec::new();
        if let Some(img) = &self.logo {
            xobjects.push((sections::LOGO_ID, &img.xobject));
        }
        if let Some(img) = &self.signature {
            xobjects.push((sections::SIGNATURE_ID, &img.xobject));
        }
        let meta = pdf::Meta {
            number: &sb.number,
            title: format!("Superbill {}", sb.number),
            author: sb.practice.legal_name.clone(),
            subject: format!(
                "Out-of-network superbill for {} to {}",
                sb.period_from.format("%m/%d/%Y"),
                sb.period_to.format("%m/%d/%Y")
            ),
            date: sb.statement_date,
        };
        pdf::assemble(pages, mode, &self.fonts, &xobjects, meta)
    }
}

/// Every piece of data-driven text the PDF prints, named by field, for the
/// font decision and the glyph check (labels are ASCII/WinAnsi constants).
fn printed_fields<'a>(sb: &'a Superbill, prose: &'a sections::Prose) -> Vec<(String, &'a str)> {
    let mut f: Vec<(String, &str)> = Vec::with_capacity(64 + sb.lines.len() * 8);
    let mut add = |name: String, value: &'a str| f.push((name, value));
    add("number".into(), &sb.number);
    let pr = &sb.practice;
    add("practice.legal_name".into(), &pr.legal_name);
    for (i, l) in pr.address_lines.iter().enumerate() {
        add(format!("practice.address_lines[{i}]"), l);
    }
    add("practice.phone".into(), &pr.phone);
    add("practice.tax_id".into(), &pr.tax_id);
    if let Some(npi) = &pr.npi {
        add("practice.npi".into(), npi);
    }
    add("practice.taxonomy".into(), &pr.taxonomy);
    if let Some(fac) = &sb.facility {
        add("facility.name".into(), &fac.name);
        for (i, l) in fac.address_lines.iter().enumerate() {
            add(format!("facility.address_lines[{i}]"), l);
        }
    }
    let pt = &sb.patient;
    add("patient.patient_id".into(), &pt.patient_id);
    add("patient.name".into(), &pt.name);
    add("patient.sex".into(), &pt.sex);
    for (i, l) in pt.address_lines.iter().enumerate() {
        add(format!("patient.address_lines[{i}]"), l);
    }
    if let Some(phone) = &pt.phone {
        add("patient.phone".into(), phone);
    }
    add("patient.payer".into(), &pt.payer);
    add("patient.member_id".into(), &pt.member_id);
    if let Some(g) = &pt.group_number {
        add("patient.group_number".into(), g);
    }
    if let Some((name, rel)) = &pt.subscriber {
        add("patient.subscriber.name".into(), name);
        add("patient.subscriber.relationship".into(), rel);
    }
    for (i, p) in sb.providers.iter().enumerate() {
        add(format!("providers[{i}].name"), &p.name);
        add(format!("providers[{i}].npi"), &p.npi);
        add(format!("providers[{i}].license"), &p.license);
        add(format!("providers[{i}].license_state"), &p.license_state);
        add(format!("providers[{i}].taxonomy"), &p.taxonomy);
    }
    for (i, d) in sb.diagnoses.iter().enumerate() {
        add(format!("diagnoses[{i}].code"), &d.code);
        add(format!("diagnoses[{i}].description"), &d.description);
    }
    for (i, l) in sb.lines.iter().enumerate() {
        add(format!("lines[{i}].place_of_service"), &l.place_of_service);
        add(format!("lines[{i}].code"), &l.code);
        for m in &l.modifiers {
            add(format!("lines[{i}].modifiers"), m);
        }
        add(format!("lines[{i}].pointers"), &l.pointers);
        add(format!("lines[{i}].provider_npi"), &l.provider_npi);
        add(format!("lines[{i}].description"), &l.description);
        if let Some(d) = &l.drug {
            add(format!("lines[{i}].drug.ndc11"), &d.ndc11);
            add(format!("lines[{i}].drug.unit_qualifier"), &d.unit_qualifier);
            add(format!("lines[{i}].drug.quantity"), &d.quantity);
            add(format!("lines[{i}].drug.name"), &d.name);
        }
    }
    for (i, p) in sb.payments.iter().enumerate() {
        add(format!("payments[{i}].method"), &p.method);
        if let Some(r) = &p.reference {
            add(format!("payments[{i}].reference"), r);
        }
    }
    for l in &prose.title {
        add("template title.hbs".into(), l);
    }
    for l in &prose.note {
        add("template patient_note.hbs".into(), l);
    }
    for l in &prose.attestation {
        add("template attestation.hbs".into(), l);
    }
    add("template footer.hbs".into(), &prose.footer);
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn renderer_is_send_and_sync() {
        assert_send_sync::<Renderer>();
    }

    #[test]
    fn win_ansi_check() {
        assert!("Zoë Muñoz — O'Brien & Sons €"
            .chars()
            .all(fonts::is_win_ansi));
        assert!(!"Nguyễn".chars().all(fonts::is_win_ansi));
        assert!(!"Dvořák".chars().all(fonts::is_win_ansi));
        assert!(!"Łukasz".chars().all(fonts::is_win_ansi));
    }

    #[test]
    fn default_templates_compile() {
        Renderer::new(RenderOptions::default()).unwrap();
    }
}
