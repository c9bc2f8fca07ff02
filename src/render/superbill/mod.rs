//! The superbill PDF.
//!
//! A [`Renderer`] is built once per batch (templates compiled and
//! test-rendered, fonts parsed, logo and signatures decoded and compressed)
//! and shared across threads; [`Renderer::render`] turns one
//! [`Superbill`] into PDF bytes, byte-identical for identical input.
//!
//! Layout is done in code over the PDF layer (US Letter, absolute
//! positions, text measured with glyph advances): `layout` flows the page
//! blocks of `sections`, the service `table` and the `closing` block down
//! the pages; `templates` renders the practice's prose (text that does not
//! depend on the superbill, such as the default title and footer, once per
//! batch).

mod closing;
mod layout;
mod notice;
mod sections;
mod table;
pub mod template_check;
mod templates;

use super::guide;
use super::pdf::{self, fonts, glyphs, image::PreparedImage};
use super::{Document, RenderOptions};
use crate::input::Attestation;
use crate::superbill::Superbill;

pub use templates::TemplateContext;

/// Every template the renderer would use (the practice's own overrides
/// and the built-in defaults): name -> source. Unreadable overrides are
/// returned as problems.
pub fn template_sources(
    practice_dir: Option<&std::path::Path>,
) -> (
    std::collections::BTreeMap<String, String>,
    Vec<template_check::Problem>,
) {
    templates::sources(practice_dir)
}

/// Renders superbills to PDF. `Send + Sync`: build one, share it.
pub struct Renderer {
    fonts: fonts::FontSet,
    templates: templates::Templates,
    logo: Option<PreparedImage>,
    signatures: Signatures,
    /// The filing guide goes before the superbill's pages.
    guide: bool,
    fingerprint: String,
}

impl Renderer {
    /// Loads fonts, images and templates. Template errors (syntax, unknown
    /// helper, a field the context does not have) are reported here as
    /// [`crate::Error::Template`], before any superbill is rendered.
    pub fn new(opts: RenderOptions) -> crate::Result<Renderer> {
        let fonts = fonts::FontSet::new(&opts.font_choice())?;
        let templates = templates::Templates::load(opts.practice_dir.as_deref())?;
        let logo = opts
            .logo
            .as_deref()
            .map(pdf::image::prepare_png)
            .transpose()?;
        let signatures = Signatures::load(&opts)?;
        Ok(Renderer {
            fonts,
            templates,
            logo,
            signatures,
            guide: opts.extras.guide,
            fingerprint: fingerprint(&opts)?,
        })
    }

    /// The same renderer rendering every template for every superbill
    /// (tests compare the two).
    #[cfg(test)]
    fn without_template_cache(mut self) -> Renderer {
        self.templates = self.templates.without_cache();
        self
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
            note: templates::paragraphs(&self.templates.render_for_payer("patient_note", &ctx)?),
            attestations: self.attestations(sb, &ctx)?,
            footer: templates::paragraphs(&self.templates.render("footer.hbs", &ctx)?).join(" "),
        };

        let guide = if self.guide {
            let name = self.templates.for_payer("guide", &ctx);
            let blocks = guide::markup::parse(&self.templates.render(&name, &ctx)?);
            Some((name, blocks))
        } else {
            None
        };

        let mut printed = printed_prose(&prose);
        if let Some((name, blocks)) = &guide {
            printed.extend(guide::printed_text(name, blocks));
        }
        let mode = fonts::mode_for(&self.fonts, sb, &printed)
            .map_err(|m| crate::Error::Unprintable(format!("superbill {}: {m}", sb.number)))?;

        let images = layout::ImageInfo {
            logo: self.logo.as_ref().map(|i| i.aspect),
        };
        let mut pages = layout::layout(sb, &prose, images, &self.fonts, mode);
        let mut labels = Vec::new();
        if let Some((_, blocks)) = &guide {
            let cover = guide::pages(sb, blocks, &self.fonts, mode, |c| notice::banner(c, sb));
            // A viewer shows "Guide 1", then the superbill's own 1 to N.
            labels = vec![
                pdf::assemble::PageLabel {
                    start: 0,
                    prefix: "Guide ".into(),
                },
                pdf::assemble::PageLabel {
                    start: cover.len(),
                    prefix: String::new(),
                },
            ];
            pages.splice(0..0, cover);
        }

        let mut xobjects = Vec::new();
        if let Some(img) = &self.logo {
            xobjects.push((sections::LOGO_ID, img));
        }
        // Only the signatures this superbill prints.
        for a in &prose.attestations {
            if let Some((id, _)) = &a.signature {
                if let Some(img) = self.signatures.by_xobject(id) {
                    if !xobjects.iter().any(|(x, _)| x == id) {
                        xobjects.push((id.as_str(), img));
                    }
                }
            }
        }
        let meta = pdf::assemble::Meta {
            label: format!("superbill {}", sb.number),
            id_seed: format!("superbill:{}", sb.number),
            title: format!("Superbill {}", sb.number),
            author: sb.practice.legal_name.clone(),
            subject: format!(
                "Out-of-network superbill for {} to {}",
                sb.period_from.format("%m/%d/%Y"),
                sb.period_to.format("%m/%d/%Y")
            ),
            date: sb.statement_date,
        };
        pdf::assemble::assemble_labelled(pages, mode, &self.fonts, &xobjects, meta, &labels)
    }
}

impl Renderer {
    /// The attestations of `sb`: one per rendering provider over their own
    /// signature (a blank line when they have none), or one by the billing
    /// provider over the practice's signature. A provider's signature is
    /// never printed over another's name.
    fn attestations(
        &self,
        sb: &Superbill,
        ctx: &TemplateContext,
    ) -> crate::Result<Vec<sections::Attestation>> {
        let text = |ctx: &TemplateContext| -> crate::Result<Vec<String>> {
            Ok(templates::paragraphs(
                &self.templates.render("attestation.hbs", ctx)?,
            ))
        };
        let each = self.signatures.mode == Attestation::EachProvider && !sb.providers.is_empty();
        if !each {
            let practice = self.signatures.practice.as_ref();
            return Ok(vec![sections::Attestation {
                paragraphs: text(&ctx.signed_by(sb, None))?,
                signature: practice.map(|i| (sections::SIGNATURE_ID.to_string(), i.aspect)),
                signer: format!(
                    "Signature for the billing provider \u{2014} {}",
                    sb.practice.legal_name
                ),
            }]);
        }
        sb.providers
            .iter()
            .map(|p| {
                Ok(sections::Attestation {
                    paragraphs: text(&ctx.signed_by(sb, Some(p)))?,
                    signature: self
                        .signatures
                        .of_provider(&p.id)
                        .map(|(id, img)| (id.to_string(), img.aspect)),
                    signer: format!("Signature of rendering provider \u{2014} {}", p.name),
                })
            })
            .collect()
    }
}

/// The signature images, decoded once: the practice's (the billing
/// provider's) and each provider's, under fixed XObject names
/// (`SBSIGN`, then `SBSIG1`, `SBSIG2`... in provider id order).
struct Signatures {
    mode: Attestation,
    practice: Option<PreparedImage>,
    /// provider id -> (XObject name, image).
    providers: std::collections::BTreeMap<String, (String, PreparedImage)>,
}

impl Signatures {
    fn load(opts: &RenderOptions) -> crate::Result<Signatures> {
        let practice = opts
            .signature
            .as_deref()
            .map(pdf::image::prepare_png)
            .transpose()?;
        let mut providers = std::collections::BTreeMap::new();
        for (k, (id, path)) in opts.provider_signatures.iter().enumerate() {
            let img = pdf::image::prepare_png(path)?;
            providers.insert(id.clone(), (format!("SBSIG{}", k + 1), img));
        }
        Ok(Signatures {
            mode: opts.attestation,
            practice,
            providers,
        })
    }

    fn of_provider(&self, id: &str) -> Option<(&str, &PreparedImage)> {
        self.providers.get(id).map(|(x, img)| (x.as_str(), img))
    }

    fn by_xobject(&self, xobject: &str) -> Option<&PreparedImage> {
        if xobject == sections::SIGNATURE_ID {
            return self.practice.as_ref();
        }
        self.providers
            .values()
            .find(|(x, _)| x == xobject)
            .map(|(_, img)| img)
    }
}

impl Document for Renderer {
    fn folder(&self) -> &'static str {
        "superbills"
    }

    fn file_name(&self, number: &str) -> String {
        format!("{number}.pdf")
    }

    fn render(&self, sb: &Superbill) -> crate::Result<Vec<u8>> {
        Renderer::render(self, sb)
    }

    fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    fn fingerprint_for(&self, sb: &Superbill) -> String {
        // With the bundled faces first, WinAnsi text is drawn by them: only
        // the other strings can name a font (most superbills have none).
        // Without them (a practice's own font) every string counts.
        let bundled_first = self.fonts.builtin.is_some();
        let mut texts: Vec<String> = Vec::new();
        glyphs::all_strings(sb, |t| {
            if !(bundled_first && self.fonts.builtin_can_draw(t)) {
                texts.push(t.to_string());
            }
            true
        });
        if texts.is_empty() {
            return self.fingerprint.clone();
        }
        let ids = self.fonts.identities(&mut texts.iter().map(String::as_str));
        if ids.is_empty() {
            return self.fingerprint.clone();
        }
        format!("{} {}", self.fingerprint, ids.join(" "))
    }
}

/// The text the PDF prints beyond the superbill's own strings (which
/// [`fonts::mode_for`] checks, each of them, whether or not this layout
/// prints it, so a field the layout starts printing is covered): the
/// rendered templates and signature lines, named by source. Labels are
/// WinAnsi constants.
fn printed_prose(prose: &sections::Prose) -> Vec<(String, String)> {
    let mut f = Vec::new();
    let templates = [
        ("title.hbs", &prose.title),
        ("patient_note.hbs", &prose.note),
    ];
    for (name, lines) in templates {
        for l in lines {
            f.push((format!("template {name}"), l.clone()));
        }
    }
    for a in &prose.attestations {
        for l in &a.paragraphs {
            f.push(("template attestation.hbs".into(), l.clone()));
        }
        f.push(("signature line".into(), a.signer.clone()));
    }
    f.push(("template footer.hbs".into(), prose.footer.clone()));
    f
}

/// SHA-256 over everything besides the superbill that shapes the PDF:
/// the program ([`super::BUILD_ID`]), the templates in use, fonts and
/// images.
fn fingerprint(opts: &RenderOptions) -> crate::Result<String> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(super::BUILD_ID.as_bytes());
    // With or without the filing guide, the same superbill differs.
    h.update(if opts.extras.guide {
        b"guide:1"
    } else {
        b"guide:0"
    });
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
    for (name, path) in templates::extra_notes(opts.practice_dir.as_deref())? {
        h.update(name.as_bytes());
        h.update(std::fs::read(&path).map_err(|e| crate::Error::io(&path, e))?);
        h.update([0]);
    }
    let files = [&opts.logo, &opts.signature, &opts.font, &opts.font_bold];
    let files = files.into_iter().flatten().chain(&opts.fallback_fonts);
    for path in files {
        h.update(std::fs::read(path).map_err(|e| crate::Error::io(path, e))?);
        h.update([0]);
    }
    // Who attests, and each provider's signature (a changed signature
    // renders the superbills again).
    h.update(opts.attestation.as_str().as_bytes());
    h.update([0]);
    for (id, path) in &opts.provider_signatures {
        h.update(id.as_bytes());
        h.update([0]);
        h.update(std::fs::read(path).map_err(|e| crate::Error::io(path, e))?);
        h.update([0]);
    }
    h.update([u8::from(opts.no_system_fonts)]);
    Ok(hex::encode(h.finalize()))
}

#[cfg(test)]
mod batch_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn renderer_is_send_and_sync() {
        assert_send_sync::<Renderer>();
    }

    #[test]
    fn default_templates_compile() {
        Renderer::new(RenderOptions::default()).unwrap();
    }

    #[test]
    fn fingerprint_follows_templates() {
        let dir = tempfile::tempdir().unwrap();
        let opts = RenderOptions {
            practice_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        };
        let before = fingerprint(&opts).unwrap();
        assert_eq!(before, fingerprint(&opts).unwrap());
        std::fs::create_dir(dir.path().join("templates")).unwrap();
        std::fs::write(dir.path().join("templates/footer.hbs"), "Thanks.").unwrap();
        assert_ne!(before, fingerprint(&opts).unwrap());
    }

    #[test]
    fn fingerprint_follows_provider_signatures() {
        let dir = tempfile::tempdir().unwrap();
        let sig = dir.path().join("reyes.png");
        std::fs::write(&sig, b"first").unwrap();
        let mut opts = RenderOptions::default();
        let none = fingerprint(&opts).unwrap();
        opts.provider_signatures.insert("reyes".into(), sig.clone());
        let first = fingerprint(&opts).unwrap();
        assert_ne!(none, first);
        std::fs::write(&sig, b"second").unwrap();
        assert_ne!(first, fingerprint(&opts).unwrap(), "a changed signature");
        opts.attestation = Attestation::BillingProvider;
        let second = {
            std::fs::write(&sig, b"second").unwrap();
            fingerprint(&opts).unwrap()
        };
        opts.attestation = Attestation::EachProvider;
        assert_ne!(
            second,
            fingerprint(&opts).unwrap(),
            "the attestation setting"
        );
    }
}
