//! PNG through the `image` crate's encoder (the `png` crate).
//!
//! ```text
//! Frame (RGBA) ──smallest lossless layout: RGBA, RGB (all opaque), grey+alpha, grey──▶
//!   PngEncoder (fast deflate, adaptive filters; iCCP, eXIf) ──iTXt XMP before IDAT──▶ bytes
//! ```
//!
//! - The layout drops what the pixels do not use: alpha when every pixel is opaque, colour
//!   when every pixel is grey (and the ICC profile, if any, is a grey one). Decoders give
//!   back the same RGBA.
//! - Compression is the `png` crate's fast deflate: PNG output is about speed here; a
//!   smaller file at several times the CPU is not worth it for a response made on request.
//! - Metadata: the ICC profile as iCCP and EXIF as eXIf (written by the `png` crate), XMP as
//!   an uncompressed iTXt chunk with the keyword `XML:com.adobe.xmp`, inserted here.

use std::borrow::Cow;

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};

use super::metadata::Kept;
use super::pixels::{Layout, buffer_with_capacity, repack};
use crate::{ExecError, Frame};

/// iTXt header of an XMP packet: keyword, NUL, no compression (flag, method), empty
/// language tag and translated keyword.
const XMP_ITXT_HEADER: &[u8] = b"XML:com.adobe.xmp\0\0\0\0\0";

/// Encodes one frame as PNG with the kept metadata.
pub(super) fn encode(frame: &Frame, kept: &Kept<'_>) -> Result<Vec<u8>, ExecError> {
    let layout = Layout::lossless_for(&frame.pixels, kept.allows_gray());
    let gray = matches!(layout, Layout::Gray | Layout::GrayAlpha);
    let samples: Cow<'_, [u8]> = match layout {
        Layout::Rgba => Cow::Borrowed(&frame.pixels),
        _ => Cow::Owned(repack(&frame.pixels, layout)?),
    };
    let mut out = Vec::new();
    let mut encoder = PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive);
    if let Some(icc) = kept.icc_for(gray) {
        encoder.set_icc_profile(icc.to_vec()).map_err(png_error)?;
    }
    if let Some(exif) = kept.exif {
        encoder.set_exif_metadata(exif.to_vec()).map_err(png_error)?;
    }
    encoder.write_image(&samples, frame.width, frame.height, color_type(layout)).map_err(png_error)?;
    match kept.xmp {
        Some(xmp) => insert_before_idat(&out, &chunk(b"iTXt", &[XMP_ITXT_HEADER, xmp])?),
        None => Ok(out),
    }
}

/// The `image` crate's name of a layout.
fn color_type(layout: Layout) -> ExtendedColorType {
    match layout {
        Layout::Gray => ExtendedColorType::L8,
        Layout::GrayAlpha => ExtendedColorType::La8,
        Layout::Rgb => ExtendedColorType::Rgb8,
        Layout::Rgba => ExtendedColorType::Rgba8,
    }
}

/// The encoder's error as ours.
fn png_error(error: impl std::fmt::Display) -> ExecError {
    ExecError::Encode(format!("PNG: {error}"))
}

/// A PNG chunk: length, type, data (the parts), CRC-32 of type and data.
fn chunk(kind: &[u8; 4], parts: &[&[u8]]) -> Result<Vec<u8>, ExecError> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let field = u32::try_from(len)
        .ok()
        .filter(|&n| n <= 0x7FFF_FFFF)
        .ok_or_else(|| ExecError::Encode(format!("PNG: a {len}-byte chunk")))?;
    let mut out = buffer_with_capacity(len + 12)?;
    out.extend_from_slice(&field.to_be_bytes());
    out.extend_from_slice(kind);
    for part in parts {
        out.extend_from_slice(part);
    }
    let crc = crc32(out.get(4..).unwrap_or_default());
    out.extend_from_slice(&crc.to_be_bytes());
    Ok(out)
}

/// `png` with `chunk` inserted before its first IDAT chunk.
fn insert_before_idat(png: &[u8], chunk: &[u8]) -> Result<Vec<u8>, ExecError> {
    let at = first_idat(png).ok_or_else(|| ExecError::Encode("PNG: the encoder wrote no IDAT chunk".into()))?;
    let (head, tail) = png.split_at(at);
    let mut out = buffer_with_capacity(png.len() + chunk.len())?;
    out.extend_from_slice(head);
    out.extend_from_slice(chunk);
    out.extend_from_slice(tail);
    Ok(out)
}

/// The offset of the first IDAT chunk, walking chunks after the 8-byte signature.
fn first_idat(png: &[u8]) -> Option<usize> {
    let mut at = 8;
    loop {
        let header = png.get(at..at + 8)?;
        if &header[4..8] == b"IDAT" {
            return Some(at);
        }
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        at = at.checked_add(12)?.checked_add(usize::try_from(len).ok()?)?;
    }
}

/// CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320), as PNG chunks use.
fn crc32(bytes: &[u8]) -> u32 {
    let crc = bytes.iter().fold(!0u32, |crc, &b| CRC_TABLE[((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8));
    !crc
}

/// The byte-at-a-time CRC-32 table.
const CRC_TABLE: [u32; 256] = crc_table();

/// Builds [`CRC_TABLE`] at compile time.
const fn crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut bit = 0;
        while bit < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            bit += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_the_png_specification() {
        // The CRC of an IEND chunk's type, as every PNG ends with.
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn chunks_go_before_the_first_idat() {
        let iend = chunk(b"IEND", &[]).unwrap();
        let idat = chunk(b"IDAT", &[b"xy"]).unwrap();
        let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &idat, &iend].concat();
        let text = chunk(b"tEXt", &[b"a\0b"]).unwrap();
        let out = insert_before_idat(&png, &text).unwrap();
        assert_eq!(out, [b"\x89PNG\r\n\x1a\n".as_slice(), &text, &idat, &iend].concat());
        let no_idat = [b"\x89PNG\r\n\x1a\n".as_slice(), &iend].concat();
        assert!(insert_before_idat(&no_idat, &text).is_err());
        assert!(insert_before_idat(&png[..12], &text).is_err());
    }
}
