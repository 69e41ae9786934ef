//! Photos decoded and encoded again: what comes out holds the pixels and
//! nothing else (no EXIF, GPS, comments, text chunks or thumbnails).
//! Decoding is limited so a small file that declares a huge picture is
//! refused from its header, before any pixel memory is allocated.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use super::{Kind, MAX_FILE_BYTES};

/// The longest side accepted: above any phone camera's.
const MAX_SIDE: u32 = 12_000;
/// The most pixels accepted: a 50-megapixel camera's full picture.
const MAX_PIXELS: u64 = 50_000_000;
/// What the decoder may allocate: 50 megapixels of RGBA, and a little more.
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

pub(crate) enum PhotoError {
    TooBig,
    Unreadable,
}

impl From<image::ImageError> for PhotoError {
    fn from(error: image::ImageError) -> PhotoError {
        match error {
            image::ImageError::Limits(_) => PhotoError::TooBig,
            _ => PhotoError::Unreadable,
        }
    }
}

pub(crate) fn reencode(bytes: &[u8], kind: Kind) -> Result<Vec<u8>, PhotoError> {
    let mut reader = ImageReader::new(Cursor::new(bytes));
    reader.set_format(match kind {
        Kind::Png => ImageFormat::Png,
        _ => ImageFormat::Jpeg,
    });
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder()?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(PhotoError::TooBig);
    }
    // The picture turned as the camera meant it: the orientation tag goes
    // with the rest of the metadata.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder)?;
    picture.apply_orientation(orientation);
    let out = match kind {
        Kind::Png => png(&picture)?,
        _ => {
            // Most photos come out smaller than they went in; a noisy one
            // may not, and a stored file must stay under the limit.
            let first = jpeg(&picture, 88)?;
            if first.len() <= MAX_FILE_BYTES {
                first
            } else {
                jpeg(&picture, 70)?
            }
        }
    };
    if out.len() > MAX_FILE_BYTES {
        return Err(PhotoError::TooBig);
    }
    Ok(out)
}

fn jpeg(picture: &DynamicImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::new();
    let encoder = JpegEncoder::new_with_quality(&mut out, quality);
    // JPEG holds grey or RGB: alpha and 16-bit depth are dropped.
    if picture.color().has_color() {
        DynamicImage::ImageRgb8(picture.to_rgb8()).write_with_encoder(encoder)?;
    } else {
        DynamicImage::ImageLuma8(picture.to_luma8()).write_with_encoder(encoder)?;
    }
    Ok(out)
}

fn png(picture: &DynamicImage) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::new();
    picture.write_with_encoder(PngEncoder::new(&mut out))?;
    Ok(out)
}
