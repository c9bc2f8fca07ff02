//! Pages into PDF bytes with printpdf and lopdf, deterministically: fonts
//! and images under fixed resource names, dates from the document's own
//! date (never the clock), the trailer /ID from the document's id. Two
//! renders of the same document are byte-identical, so an unchanged re-run
//! rewrites nothing.
//!
//! The page content comes ready from the canvas ([`Content`]): printpdf
//! builds the document around pages with no operators (one `Tf` per
//! built-in font the document uses, on the first page, so printpdf names
//! those fonts in the shared font dictionary), then each page's
//! `/Contents` stream is replaced by the canvas's bytes.

use super::canvas::{PAGE_H, PAGE_W};
use super::content::Content;
use super::fonts::{embed, FontMode, FontSet};
use super::image::PreparedImage;
use super::save::Shared;
use printpdf::{BuiltinFont, Op, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Pt, Rect};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// What the PDF says about itself.
pub struct Meta {
    /// Names the document in errors, e.g. `superbill SB-202609-P0001`.
    pub label: String,
    /// Seeds the trailer /ID: unique per document kind and number, e.g.
    /// `superbill:SB-202609-P0001`.
    pub id_seed: String,
    pub title: String,
    pub author: String,
    pub subject: String,
    /// The document's own date (statement date), used for the creation and
    /// modification dates at noon UTC.
    pub date: chrono::NaiveDate,
}

/// How a PDF viewer numbers pages from page index `start` (0-based) on:
/// `prefix` then 1, 2, 3... A document whose pages are numbered in parts
/// (a cover page, then the document's own "Page 1 of N") says so, and the
/// viewer's page box agrees with the printed numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLabel {
    pub start: usize,
    pub prefix: String,
}

/// Builds the PDF: `pages` as drawn by the canvas, the fonts `mode` asks
/// for (in [`FontMode::Embedded`], a subset of each face the pages use),
/// `images` under their fixed ids.
pub fn assemble(
    pages: Vec<Content>,
    mode: FontMode,
    fonts: &FontSet,
    images: &[(&str, &PreparedImage)],
    meta: Meta,
) -> crate::Result<Vec<u8>> {
    assemble_labelled(pages, mode, fonts, images, meta, &[])
}

/// [`assemble`], with the viewer's page numbering given by `labels` (none:
/// the viewer's own 1 to N).
pub fn assemble_labelled(
    mut pages: Vec<Content>,
    mode: FontMode,
    fonts: &FontSet,
    images: &[(&str, &PreparedImage)],
    meta: Meta,
    labels: &[PageLabel],
) -> crate::Result<Vec<u8>> {
    let mut doc = PdfDocument::new(&meta.title);
    let info = &mut doc.metadata.info;
    info.author = meta.author;
    info.subject = meta.subject;
    info.creator = "superbill".into();
    info.producer = format!("superbill {} (printpdf)", env!("CARGO_PKG_VERSION"));
    let noon = meta
        .date
        .and_hms_opt(12, 0, 0)
        .unwrap_or_default()
        .and_utc()
        .timestamp();
    let when = printpdf::OffsetDateTime::from_unix_timestamp(noon)
        .map_err(|e| crate::Error::Other(format!("statement date: {e}")))?;
    info.creation_date = when;
    info.modification_date = when;
    info.metadata_date = when;

    let mut prepared: BTreeMap<u32, Arc<embed::Prepared>> = BTreeMap::new();
    if mode == FontMode::Embedded {
        for (key, used) in embed::usage(&pages) {
            let face = fonts.by_key(key).ok_or_else(|| {
                crate::Error::Other(format!("{}: font {key} unknown", meta.label))
            })?;
            let p = fonts
                .subsets
                .get(face, &used)
                .map_err(|m| crate::Error::Other(format!("{}: {m}", meta.label)))?;
            prepared.insert(key, p);
        }
        embed::renumber(&mut pages, &prepared);
    }
    for page in &pages {
        if let Some(id) = page
            .xobjects()
            .iter()
            .find(|id| !images.iter().any(|(i, _)| i == id))
        {
            return Err(crate::Error::Other(format!(
                "{}: image {id} is drawn but was not given",
                meta.label
            )));
        }
    }
    // printpdf writes the font dictionary from the fonts the pages'
    // operators select: the first page selects each built-in font the
    // document uses; its content is replaced like every page's.
    let builtin: BTreeSet<BuiltinFont> = pages
        .iter()
        .flat_map(|p| p.builtin_fonts().iter().copied())
        .collect();
    let naming: Vec<Op> = builtin
        .into_iter()
        .map(|font| Op::SetFont {
            font: PdfFontHandle::Builtin(font),
            size: Pt(0.0),
        })
        .collect();
    let media = Rect::from_wh(Pt(PAGE_W), Pt(PAGE_H));
    let mut naming = Some(naming);
    doc.pages = pages
        .iter()
        .map(|_| PdfPage {
            media_box: media.clone(),
            trim_box: media.clone(),
            crop_box: media.clone(),
            ops: naming.take().unwrap_or_default(),
        })
        .collect();

    let mut warnings = Vec::new();
    let opts = PdfSaveOptions::default();
    let mut lo = doc.to_lopdf_document(&opts, &mut warnings);
    if let Some(w) = warnings
        .iter()
        .find(|w| w.severity == printpdf::PdfParseErrorSeverity::Error)
    {
        return Err(crate::Error::Other(format!(
            "{}: PDF generation failed: {}",
            meta.label, w.msg
        )));
    }
    set_contents(&mut lo, pages)
        .map_err(|m| crate::Error::Other(format!("{}: {m}", meta.label)))?;
    let shared = add_images(&mut lo, images)
        .map_err(|m| crate::Error::Other(format!("{}: {m}", meta.label)))?;
    embed::add_to_document(&mut lo, &prepared)
        .map_err(|m| crate::Error::Other(format!("{}: {m}", meta.label)))?;
    if !labels.is_empty() {
        let mut nums = Vec::new();
        for l in labels {
            let mut d = lopdf::Dictionary::new();
            d.set("S", lopdf::Object::Name(b"D".to_vec()));
            if !l.prefix.is_empty() {
                d.set("P", lopdf::Object::string_literal(l.prefix.clone()));
            }
            nums.push(lopdf::Object::Integer(l.start as i64));
            nums.push(lopdf::Object::Dictionary(d));
        }
        let mut tree = lopdf::Dictionary::new();
        tree.set("Nums", lopdf::Object::Array(nums));
        lo.catalog_mut()
            .map_err(|e| crate::Error::Other(format!("{}: {e}", meta.label)))?
            .set("PageLabels", lopdf::Object::Dictionary(tree));
    }
    drop_conformance_claims(&mut lo);
    plain_info_strings(&mut lo);
    let digest = Sha256::digest(meta.id_seed.as_bytes());
    let id = lopdf::Object::String(digest[..16].to_vec(), lopdf::StringFormat::Hexadecimal);
    lo.trailer
        .set("ID", lopdf::Object::Array(vec![id.clone(), id]));
    // Page content at the measured level; images and anything else already
    // compressed stay as they are.
    super::flate::compress_document(&mut lo);
    let out = super::save::save(&mut lo, &shared)
        .map_err(|e| crate::Error::Other(format!("{}: {e}", meta.label)))?;
    // Every document a debug build renders (all the tests) is checked
    // against lopdf's own writer, the images copied in.
    debug_assert!(
        {
            for s in &shared {
                lo.objects.insert(s.id, s.to_object());
            }
            let mut want = Vec::new();
            lo.save_to(&mut want).is_ok() && want == out
        },
        "{}: save::save differs from lopdf's save_to",
        meta.label
    );
    Ok(out)
}

/// Replaces the content stream of each page of `lo` (in page order) by
/// the bytes of `pages`.
fn set_contents(lo: &mut lopdf::Document, pages: Vec<Content>) -> Result<(), String> {
    let ids = lo.get_pages();
    if ids.len() != pages.len() {
        return Err(format!(
            "PDF has {} pages, {} were drawn",
            ids.len(),
            pages.len()
        ));
    }
    for ((_, page_id), content) in ids.into_iter().zip(pages) {
        let contents = lo
            .get_dictionary(page_id)
            .and_then(|d| d.get(b"Contents"))
            .and_then(lopdf::Object::as_reference)
            .map_err(|e| format!("page contents: {e}"))?;
        let stream = lopdf::Stream::new(lopdf::Dictionary::new(), content.into_bytes());
        lo.objects.insert(contents, lopdf::Object::Stream(stream));
    }
    Ok(())
}

/// Numbers the prepared images in `lo` and names them in the XObject
/// dictionary printpdf shares between the pages (it is there, empty, as
/// printpdf was given no images: converting them through its model cost
/// more per document than a copy). The images themselves are not copied
/// in: [`super::save::save`] writes them from the renderer's one copy.
fn add_images<'a>(
    lo: &mut lopdf::Document,
    images: &[(&str, &'a PreparedImage)],
) -> Result<Vec<Shared<'a>>, String> {
    if images.is_empty() {
        return Ok(Vec::new());
    }
    let first = *lo.get_pages().values().next().ok_or("PDF has no page")?;
    let resources = lo
        .get_dictionary(first)
        .and_then(|d| d.get(b"Resources"))
        .and_then(lopdf::Object::as_reference)
        .map_err(|e| format!("page resources: {e}"))?;
    let shared = lo
        .get_dictionary(resources)
        .and_then(|d| d.get(b"XObject"))
        .and_then(lopdf::Object::as_reference)
        .map_err(|e| format!("page XObject dictionary: {e}"))?;
    let mut named = Vec::with_capacity(images.len());
    let mut streams = Vec::with_capacity(2 * images.len());
    for (name, img) in images {
        // Numbered as adding them would number them: the mask, then the
        // image.
        let smask = img.mask.as_ref().map(|mask| {
            let id = lo.new_object_id();
            streams.push(Shared {
                id,
                stream: mask,
                smask: None,
            });
            id
        });
        let id = lo.new_object_id();
        streams.push(Shared {
            id,
            stream: &img.image,
            smask,
        });
        named.push((name.to_string(), id));
    }
    let dict = lo
        .get_dictionary_mut(shared)
        .map_err(|e| format!("page XObject dictionary: {e}"))?;
    for (name, id) in named {
        dict.set(name, lopdf::Object::Reference(id));
    }
    Ok(streams)
}

/// The document information (title, author, subject...) as literal
/// strings where they are printable ASCII, which reads the same in
/// PDFDocEncoding: printpdf writes every one as UTF-16 in hex, four hex
/// digits a character, which lopdf formats digit by digit. Text beyond
/// ASCII (an author "Clínica ...") stays UTF-16.
fn plain_info_strings(lo: &mut lopdf::Document) {
    let Ok(id) = lo
        .trailer
        .get(b"Info")
        .and_then(lopdf::Object::as_reference)
    else {
        return;
    };
    let Ok(info) = lo.get_dictionary_mut(id) else {
        return;
    };
    for (_, value) in info.iter_mut() {
        let lopdf::Object::String(bytes, format) = value else {
            continue;
        };
        let Some(utf16) = bytes.strip_prefix(&[0xFE, 0xFF]) else {
            continue;
        };
        let plain = utf16.len() % 2 == 0
            && utf16
                .chunks_exact(2)
                .all(|u| u[0] == 0 && (0x20..=0x7E).contains(&u[1]));
        if plain {
            *bytes = utf16.chunks_exact(2).map(|u| u[1]).collect();
            *format = lopdf::StringFormat::Literal;
        }
    }
}

/// Removes what would claim a standard the document does not meet. Our
/// documents use the standard 14 fonts unembedded (Helvetica) unless a
/// name needs an embedded font, which PDF/X and PDF/A forbid; so no
/// output intent, no `GTS_PDFXVersion` (printpdf writes it, empty, into
/// every Info dictionary) and no trapping key. A reader then treats the
/// file as plain PDF, which it is.
fn drop_conformance_claims(lo: &mut lopdf::Document) {
    if let Ok(catalog) = lo.catalog_mut() {
        catalog.remove(b"OutputIntents");
    }
    let info = lo
        .trailer
        .get(b"Info")
        .and_then(lopdf::Object::as_reference);
    if let Ok(id) = info {
        if let Ok(dict) = lo.get_dictionary_mut(id) {
            dict.remove(b"GTS_PDFXVersion");
            dict.remove(b"Trapped");
        }
    }
}
