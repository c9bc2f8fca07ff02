//! The superbill PDF.
//!
//! A [`Renderer`] is built once per batch (templates compiled and
//! test-rendered, fonts parsed, logo and signature decoded and compressed)
//! and shared across threads; [`Renderer::render`] turns one
//! [`Superbill`] into PDF bytes, byte-identical for identical input.
//!
//! Layout is done in code over the PDF layer (US Letter, absolute
//! positions, text measured with glyph advances): `layout` flows the page
//! blocks of `sections`, the service `table` and the `closing` block down
//! the pages; `templates` renders the practice's prose.

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
    signature: Option<PreparedImage>,
    /// The filing guide goes before the superbill's pages.
    guide: bool,
    fingerprint: String,
}

impl Renderer {
    /// Loads fonts, images and templates. Template errors (syntax, unknown
    /// helper, a field the context does not have) are reported here as
    /// [`crate::Error::Template`], before any superbill is rendered.
    pub fn new(opts: RenderOptions) -> crate::Result<Renderer> {
        let fonts = fonts::FontSet::load(opts.font.as_deref(), opts.font_bold.as_deref())?;
        let templates = templates::Templates::load(opts.practice_dir.as_deref())?;
        let logo = opts
            .logo
            .as_deref()
            .map(pdf::image::prepare_png)
            .transpose()?;
        let signature = opts
            .signature
            .as_deref()
            .map(pdf::image::prepare_png)
            .transpose()?;
        Ok(Renderer {
            fonts,
            templates,
            logo,
            signature,
            guide: opts.extras.guide,
            fingerprint: fingerprint(&opts)?,
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
            note: templates::paragraphs(&self.templates.render_for_payer("patient_note", &ctx)?),
            attestation: templates::paragraphs(&self.templates.render("attestation.hbs", &ctx)?),
            footer: templates::paragraphs(&self.templates.render("footer.hbs", &ctx)?).join(" "),
        };

        let guide = if self.guide {
            let name = self.templates.for_payer("guide", &ctx);
            let blocks = guide::markup::parse(&self.templates.render(&name, &ctx)?);
            Some((name, blocks))
        } else {
            None
        };

        let mut fields = printed_fields(sb, &prose);
        if let Some((name, blocks)) = &guide {
            fields.extend(guide::printed_text(name, blocks));
        }
        let named: Vec<(String, &str)> = fields
            .iter()
            .map(|(n, t)| (n.clone(), t.as_str()))
            .collect();
        let mode = fonts::choose_mode(&self.fonts, &named)
            .map_err(|m| crate::Error::Other(format!("superbill {}: {m}", sb.number)))?;

        let images = layout::ImageInfo {
            logo: self.logo.as_ref().map(|i| i.aspect),
            signature: self.signature.as_ref().map(|i| i.aspect),
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
            xobjects.push((sections::LOGO_ID, &img.xobject));
        }
        if let Some(img) = &self.signature {
            xobjects.push((sections::SIGNATURE_ID, &img.xobject));
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
}

/// Every piece of data-driven text the PDF may print, named by field: each
/// string of the superbill (whether or not this layout prints it, so a
/// field the layout starts printing is covered) and the rendered templates.
/// Labels are WinAnsi constants.
fn printed_fields(sb: &Superbill, prose: &sections::Prose) -> Vec<(String, String)> {
    let mut f = glyphs::fields(sb);
    let templates = [
        ("title.hbs", &prose.title),
        ("patient_note.hbs", &prose.note),
        ("attestation.hbs", &prose.attestation),
    ];
    for (name, lines) in templates {
        for l in lines {
            f.push((format!("template {name}"), l.clone()));
        }
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
    for path in [&opts.logo, &opts.signature, &opts.font, &opts.font_bold]
        .into_iter()
        .flatten()
    {
        h.update(std::fs::read(path).map_err(|e| crate::Error::io(path, e))?);
        h.update([0]);
    }
    Ok(hex::encode(h.finalize()))
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
}
