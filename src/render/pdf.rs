//! PDF assembly with printpdf and lopdf, deterministically: fonts and images
//! under fixed resource names, dates from the statement date, the trailer
//! /ID from the superbill number. Images are decoded and compressed once
//! (when the renderer is built) and reused as ready-made XObject streams.

use super::draw::{PAGE_H, PAGE_W};
use super::fonts::{FontMode, FontSet, BOLD_ID, REGULAR_ID};
use printpdf::{
    DictItem, ExternalStream, ExternalXObject, FontId, Op, PdfDocument, PdfFont, PdfPage,
    PdfSaveOptions, Pt, RawImage, RawImageData, RawImageFormat, Rect, XObject, XObjectId,
};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// A PNG turned into an image XObject (with a soft mask for transparency),
/// compressed once.
pub struct PreparedImage {
    pub xobject: ExternalXObject,
    /// width / height
    pub aspect: f32,
}

fn flate(data: Vec<u8>) -> (Vec<u8>, bool) {
    let mut s = lopdf::Stream::new(lopdf::Dictionary::new(), data);
    let _ = s.compress();
    let compressed = s.dict.get(b"Filter").is_ok();
    (s.content, compressed)
}

fn image_stream(w: usize, h: usize, space: &str, data: Vec<u8>) -> ExternalStream {
    let (content, compressed) = flate(data);
    let mut dict = BTreeMap::new();
    dict.insert("Type".to_string(), DictItem::Name(b"XObject".to_vec()));
    dict.insert("Subtype".to_string(), DictItem::Name(b"Image".to_vec()));
    dict.insert("Width".to_string(), DictItem::Int(w as i64));
    dict.insert("Height".to_string(), DictItem::Int(h as i64));
    dict.insert(
        "ColorSpace".to_string(),
        DictItem::Name(space.as_bytes().to_vec()),
    );
    dict.insert("BitsPerComponent".to_string(), DictItem::Int(8));
    if compressed {
        dict.insert(
            "Filter".to_string(),
            DictItem::Name(b"FlateDecode".to_vec()),
        );
    }
    ExternalStream {
        dict,
        content,
        compress: false,
    }
}

pub fn prepare_png(path: &Path) -> crate::Result<PreparedImage> {
    let bytes = std::fs::read(path).map_err(|e| crate::Error::io(path, e))?;
    let mut warnings = Vec::new();
    let img = RawImage::decode_from_bytes(&bytes, &mut warnings)
        .map_err(|e| crate::Error::config(path, format!("cannot read image: {e}")))?;
    let (w, h) = (img.width, img.height);
    if w == 0 || h == 0 {
        return Err(crate::Error::config(path, "image is empty"));
    }
    // Normalise to 8-bit samples, then split colour and alpha.
    let samples: Vec<u8> = match &img.pixels {
        RawImageData::U8(v) => v.clone(),
        RawImageData::U16(v) => v.iter().map(|s| (s >> 8) as u8).collect(),
        RawImageData::F32(v) => v
            .iter()
            .map(|s| (s.clamp(0.0, 1.0) * 255.0) as u8)
            .collect(),
    };
    let (channels, has_alpha, gray) = match img.data_format {
        RawImageFormat::R8 | RawImageFormat::R16 => (1, false, true),
        RawImageFormat::RG8 | RawImageFormat::RG16 => (2, true, true),
        RawImageFormat::RGB8 | RawImageFormat::RGB16 | RawImageFormat::RGBF32 => (3, false, false),
        RawImageFormat::RGBA8 | RawImageFormat::RGBA16 | RawImageFormat::RGBAF32 => {
            (4, true, false)
        }
        RawImageFormat::BGR8 => (3, false, false),
        RawImageFormat::BGRA8 => (4, true, false),
    };
    if samples.len() < w * h * channels {
        return Err(crate::Error::config(path, "image data is truncated"));
    }
    let bgr = matches!(
        img.data_format,
        RawImageFormat::BGR8 | RawImageFormat::BGRA8
    );
    let color_n = if gray { 1 } else { 3 };
    let mut color = Vec::with_capacity(w * h * color_n);
    let mut alpha = Vec::with_capacity(if has_alpha { w * h } else { 0 });
    for px in samples.chunks_exact(channels).take(w * h) {
        if gray {
            color.push(px[0]);
        } else if bgr {
            color.extend([px[2], px[1], px[0]]);
        } else {
            color.extend_from_slice(&px[..3]);
        }
        if has_alpha {
            alpha.push(px[channels - 1]);
        }
    }
    let space = if gray { "DeviceGray" } else { "DeviceRGB" };
    let mut stream = image_stream(w, h, space, color);
    if has_alpha && alpha.iter().any(|&a| a != 255) {
        let mask = image_stream(w, h, "DeviceGray", alpha);
        stream
            .dict
            .insert("SMask".to_string(), DictItem::Stream { stream: mask });
    }
    Ok(PreparedImage {
        xobject: ExternalXObject {
            stream,
            width: None,
            height: None,
            dpi: None,
        },
        aspect: w as f32 / h as f32,
    })
}

pub struct Meta<'a> {
    pub number: &'a str,
    pub title: String,
    pub author: String,
    pub subject: String,
    pub date: chrono::NaiveDate,
}

pub fn assemble(
    pages: Vec<Vec<Op>>,
    mode: FontMode,
    fonts: &FontSet,
    images: &[(&str, &ExternalXObject)],
    meta: Meta,
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

    if mode == FontMode::Embedded {
        let fm = &mut doc.resources.fonts.map;
        fm.insert(
            FontId(REGULAR_ID.into()),
            PdfFont::new(fonts.regular.parsed.clone()),
        );
        fm.insert(
            FontId(BOLD_ID.into()),
            PdfFont::new(fonts.bold.parsed.clone()),
        );
    }
    for (id, x) in images {
        let map = &mut doc.resources.xobjects.map;
        map.insert(
            XObjectId((*id).to_string()),
            XObject::External((*x).clone()),
        );
    }
    let media = Rect::from_wh(Pt(PAGE_W), Pt(PAGE_H));
    doc.pages = pages
        .into_iter()
        .map(|ops| PdfPage {
            media_box: media.clone(),
            trim_box: media.clone(),
            crop_box: media.clone(),
            ops,
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
            "superbill {}: PDF generation failed: {}",
            meta.number, w.msg
        )));
    }
    let digest = Sha256::digest(format!("superbill:{}", meta.number).as_bytes());
    let id = lopdf::Object::String(digest[..16].to_vec(), lopdf::StringFormat::Hexadecimal);
    lo.trailer
        .set("ID", lopdf::Object::Array(vec![id.clone(), id]));
    lo.compress();
    let mut out = Vec::new();
    lo.save_to(&mut out)
        .map_err(|e| crate::Error::Other(format!("superbill {}: {e}", meta.number)))?;
    Ok(out)
}
