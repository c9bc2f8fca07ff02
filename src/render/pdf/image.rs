//! Images (a practice's logo, a signature): a PNG decoded once, when a
//! renderer is built, into an image XObject with a soft mask for
//! transparency, compressed and reused as is by every document.

use printpdf::{RawImage, RawImageData, RawImageFormat};
use std::path::Path;

/// A PNG turned into an image XObject (with a soft mask for transparency),
/// compressed once and kept as the PDF objects every document copies: no
/// conversion per document.
pub struct PreparedImage {
    pub image: lopdf::Stream,
    /// The transparency, a grey image the document references from the
    /// image's `/SMask`; none for an opaque image.
    pub mask: Option<lopdf::Stream>,
    /// width / height
    pub aspect: f32,
}

/// Compressed once, when the renderer is built, so at the maximum level.
fn flate(data: Vec<u8>) -> (Vec<u8>, bool) {
    match super::flate::compress(&data, super::flate::ONCE_PER_BATCH) {
        Some(z) => (z, true),
        None => (data, false),
    }
}

fn image_stream(w: usize, h: usize, space: &str, data: Vec<u8>) -> lopdf::Stream {
    use lopdf::Object::{Integer, Name};
    let (content, compressed) = flate(data);
    let mut dict = lopdf::Dictionary::new();
    // Keys in sorted order, as printpdf wrote them.
    dict.set("BitsPerComponent", Integer(8));
    dict.set("ColorSpace", Name(space.as_bytes().to_vec()));
    if compressed {
        dict.set("Filter", Name(b"FlateDecode".to_vec()));
    }
    dict.set("Height", Integer(h as i64));
    dict.set("Subtype", Name(b"Image".to_vec()));
    dict.set("Type", Name(b"XObject".to_vec()));
    dict.set("Width", Integer(w as i64));
    let mut stream = lopdf::Stream::new(dict, content);
    // Compressed here or not worth it: never again per document.
    stream.allows_compression = false;
    stream
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
    let image = image_stream(w, h, space, color);
    let mask = (has_alpha && alpha.iter().any(|&a| a != 255))
        .then(|| image_stream(w, h, "DeviceGray", alpha));
    Ok(PreparedImage {
        image,
        mask,
        aspect: w as f32 / h as f32,
    })
}

/// Logos and signatures wider or taller than this (pixels) are refused:
/// decoding one would take memory for nothing (a document shows it at
/// about 2 by 0.6 inches).
pub const MAX_IMAGE_SIDE: u32 = 6000;

/// Checks an image the way [`prepare_png`] will read it: a PNG of sane
/// dimensions that decodes. The dimensions are read from the header first,
/// so a huge image is refused before it is decoded.
pub fn check_png(path: &Path) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot be read ({e})"))?;
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if !bytes.starts_with(SIGNATURE) || bytes.len() < 24 || &bytes[12..16] != b"IHDR" {
        return Err("is not a PNG image: save it as PNG".into());
    }
    let side =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let (w, h) = (side(16), side(20));
    if w > MAX_IMAGE_SIDE || h > MAX_IMAGE_SIDE {
        return Err(format!(
            "is {w} x {h} pixels, more than {MAX_IMAGE_SIDE} on a side: scale it down (600 pixels wide is plenty)"
        ));
    }
    prepare_png(path).map(|_| ()).map_err(|e| match e {
        crate::Error::Config { message, .. } => message,
        other => other.to_string(),
    })
}
