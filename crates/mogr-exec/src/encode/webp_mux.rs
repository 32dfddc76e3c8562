//! RIFF surgery on libwebp's output: metadata chunks and the last frame's duration.
//!
//! The `webp` crate (0.3) exposes neither libwebp's mux API nor metadata, and its animation
//! encoder ends the stream with a timestamp libwebp refuses, so libwebp gives the last frame
//! the average duration of the others. Both are fixed here on the bytes, in safe Rust:
//!
//! - [`add_metadata`]: the file becomes the extended format (a `VP8X` chunk first, its ICC,
//!   EXIF and XMP flags set) with `ICCP` before the image data and `EXIF`, `XMP ` after it,
//!   the order the WebP container specification requires.
//! - [`set_last_frame_duration`]: the last `ANMF` chunk gets the duration that makes the
//!   animation's total what the frames' delays add up to.

use std::ops::Range;

use super::pixels::buffer_with_capacity;
use crate::ExecError;

/// VP8X flag: an ICC profile follows.
const FLAG_ICC: u8 = 0x20;
/// VP8X flag: the image has alpha.
const FLAG_ALPHA: u8 = 0x10;
/// VP8X flag: an EXIF chunk follows the image.
const FLAG_EXIF: u8 = 0x08;
/// VP8X flag: an XMP chunk follows the image.
const FLAG_XMP: u8 = 0x04;
/// Largest ANMF duration (24 bits of milliseconds).
pub(super) const MAX_FRAME_DURATION: u32 = 0xFF_FFFF;

/// One RIFF chunk of a WebP file.
struct Chunk {
    /// The chunk's FourCC.
    fourcc: [u8; 4],
    /// Where its payload is in the file.
    payload: Range<usize>,
    /// Where the whole chunk (header, payload, padding byte) is in the file.
    whole: Range<usize>,
}

/// The metadata blocks to write into a WebP file.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct WebpMetadata<'a> {
    /// EXIF (TIFF structure).
    pub(super) exif: Option<&'a [u8]>,
    /// An RGB ICC profile.
    pub(super) icc: Option<&'a [u8]>,
    /// XMP packet.
    pub(super) xmp: Option<&'a [u8]>,
}

/// `webp` (libwebp's output for a `width`×`height` canvas) with the metadata chunks added;
/// unchanged when there are none.
pub(super) fn add_metadata(
    webp: Vec<u8>,
    width: u32,
    height: u32,
    metadata: &WebpMetadata<'_>,
) -> Result<Vec<u8>, ExecError> {
    if metadata.exif.is_none() && metadata.icc.is_none() && metadata.xmp.is_none() {
        return Ok(webp);
    }
    let chunks = chunks(&webp)?;
    let first = chunks.first().ok_or_else(|| mux_error("no chunks"))?;
    let flags = image_flags(&webp, first)? | metadata_flags(metadata);
    let body = chunks.iter().filter(|c| !is_header_or_metadata(c));
    let mut out = buffer_with_capacity(webp.len() + metadata_len(metadata) + 64)?;
    out.extend_from_slice(b"RIFF\0\0\0\0WEBP");
    push_chunk(&mut out, b"VP8X", &vp8x_payload(flags, width, height)?)?;
    if let Some(icc) = metadata.icc {
        push_chunk(&mut out, b"ICCP", icc)?;
    }
    for chunk in body {
        out.extend_from_slice(webp.get(chunk.whole.clone()).unwrap_or_default());
    }
    if let Some(exif) = metadata.exif {
        push_chunk(&mut out, b"EXIF", exif)?;
    }
    if let Some(xmp) = metadata.xmp {
        push_chunk(&mut out, b"XMP ", xmp)?;
    }
    set_riff_size(&mut out)?;
    Ok(out)
}

/// Sets the duration of the last `ANMF` chunk so that all frames last `total_ms`.
pub(super) fn set_last_frame_duration(webp: &mut [u8], total_ms: u64) -> Result<(), ExecError> {
    let frames: Vec<Range<usize>> =
        chunks(webp)?.into_iter().filter(|c| &c.fourcc == b"ANMF").map(|c| c.payload).collect();
    let (last, others) = frames.split_last().ok_or_else(|| mux_error("no ANMF chunk"))?;
    let before: u64 = others.iter().map(|f| u64::from(frame_duration(webp, f))).sum();
    let remaining = total_ms.saturating_sub(before).min(u64::from(MAX_FRAME_DURATION));
    let field = webp
        .get_mut(last.start + 12..last.start + 15)
        .filter(|_| last.len() >= 16)
        .ok_or_else(|| mux_error("an ANMF chunk too short"))?;
    field.copy_from_slice(&(remaining as u32).to_le_bytes()[..3]);
    Ok(())
}

/// The duration field (bytes 12..15, little-endian) of an ANMF payload.
fn frame_duration(webp: &[u8], payload: &Range<usize>) -> u32 {
    webp.get(payload.start + 12..payload.start + 15).map_or(0, |d| u32::from_le_bytes([d[0], d[1], d[2], 0]))
}

/// The chunks after the `RIFF…WEBP` header.
fn chunks(webp: &[u8]) -> Result<Vec<Chunk>, ExecError> {
    if webp.get(0..4) != Some(b"RIFF") || webp.get(8..12) != Some(b"WEBP") {
        return Err(mux_error("no RIFF WEBP header"));
    }
    let mut out = Vec::new();
    let mut at = 12;
    while at < webp.len() {
        let header = webp.get(at..at + 8).ok_or_else(|| mux_error("a truncated chunk"))?;
        let fourcc = [header[0], header[1], header[2], header[3]];
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let payload = at + 8..(at + 8).saturating_add(size);
        if payload.end > webp.len() {
            return Err(mux_error("a chunk past the end"));
        }
        let end = (payload.end + (size & 1)).min(webp.len());
        out.push(Chunk { fourcc, payload, whole: at..end });
        at = end;
    }
    Ok(out)
}

/// Whether a chunk is rewritten here rather than copied: `VP8X` and metadata.
fn is_header_or_metadata(chunk: &Chunk) -> bool {
    matches!(&chunk.fourcc, b"VP8X" | b"ICCP" | b"EXIF" | b"XMP ")
}

/// The VP8X flags that describe the image itself (alpha, animation), from the first chunk.
fn image_flags(webp: &[u8], first: &Chunk) -> Result<u8, ExecError> {
    let payload = webp.get(first.payload.clone()).unwrap_or_default();
    match &first.fourcc {
        b"VP8X" => {
            let flags = payload.first().ok_or_else(|| mux_error("an empty VP8X chunk"))?;
            Ok(flags & !(FLAG_ICC | FLAG_EXIF | FLAG_XMP))
        }
        b"VP8 " => Ok(0),
        // VP8L: signature 0x2f, then 14 + 14 bits of size and the alpha_is_used bit.
        b"VP8L" => Ok(match payload.get(4) {
            Some(byte) if byte & 0x10 != 0 => FLAG_ALPHA,
            _ => 0,
        }),
        other => Err(mux_error(&format!("a first chunk {:?}", String::from_utf8_lossy(other)))),
    }
}

/// The VP8X flags of the metadata present.
fn metadata_flags(metadata: &WebpMetadata<'_>) -> u8 {
    let flag = |present: bool, bit: u8| if present { bit } else { 0 };
    flag(metadata.icc.is_some(), FLAG_ICC)
        | flag(metadata.exif.is_some(), FLAG_EXIF)
        | flag(metadata.xmp.is_some(), FLAG_XMP)
}

/// Bytes the metadata chunks add, headers and padding included.
fn metadata_len(metadata: &WebpMetadata<'_>) -> usize {
    [metadata.icc, metadata.exif, metadata.xmp].iter().flatten().map(|block| block.len() + 9).sum()
}

/// VP8X payload: flags, three reserved bytes, canvas width − 1 and height − 1 (24 bits each).
fn vp8x_payload(flags: u8, width: u32, height: u32) -> Result<[u8; 10], ExecError> {
    let minus_one = |side: u32| {
        side.checked_sub(1)
            .filter(|&s| s <= 0xFF_FFFF)
            .map(u32::to_le_bytes)
            .ok_or_else(|| mux_error(&format!("a canvas side of {side}")))
    };
    let (w, h) = (minus_one(width)?, minus_one(height)?);
    Ok([flags, 0, 0, 0, w[0], w[1], w[2], h[0], h[1], h[2]])
}

/// Appends a chunk: FourCC, size (little-endian), payload, a padding byte when odd.
fn push_chunk(out: &mut Vec<u8>, fourcc: &[u8; 4], payload: &[u8]) -> Result<(), ExecError> {
    let size = u32::try_from(payload.len()).map_err(|_| mux_error(&format!("a {}-byte chunk", payload.len())))?;
    out.extend_from_slice(fourcc);
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(payload);
    if payload.len() % 2 == 1 {
        out.push(0);
    }
    Ok(())
}

/// Writes the RIFF size (file length − 8) into bytes 4..8.
fn set_riff_size(webp: &mut [u8]) -> Result<(), ExecError> {
    let size =
        webp.len().checked_sub(8).and_then(|n| u32::try_from(n).ok()).ok_or_else(|| mux_error("a file over 4 GiB"))?;
    webp.get_mut(4..8).ok_or_else(|| mux_error("no RIFF header"))?.copy_from_slice(&size.to_le_bytes());
    Ok(())
}

/// A muxing error.
fn mux_error(what: &str) -> ExecError {
    ExecError::Encode(format!("WebP container: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A simple-format file holding one (fake) VP8 chunk of 3 bytes.
    fn simple_webp() -> Vec<u8> {
        let mut webp = b"RIFF\0\0\0\0WEBP".to_vec();
        push_chunk(&mut webp, b"VP8 ", b"abc").unwrap();
        set_riff_size(&mut webp).unwrap();
        webp
    }

    #[test]
    fn metadata_makes_an_extended_file_in_specification_order() {
        let metadata = WebpMetadata { exif: Some(b"II*\0"), icc: Some(b"icc"), xmp: None };
        let out = add_metadata(simple_webp(), 300, 2, &metadata).unwrap();
        let fourccs: Vec<[u8; 4]> = chunks(&out).unwrap().iter().map(|c| c.fourcc).collect();
        assert_eq!(fourccs, [*b"VP8X", *b"ICCP", *b"VP8 ", *b"EXIF"]);
        // flags ICC|EXIF, width 299 = 0x12B, height 1.
        assert_eq!(&out[20..30], &[0x28, 0, 0, 0, 0x2B, 0x01, 0, 1, 0, 0]);
        assert_eq!(u32::from_le_bytes([out[4], out[5], out[6], out[7]]) as usize, out.len() - 8);
        // odd payloads are padded
        assert_eq!(out.len() % 2, 0);
    }

    #[test]
    fn the_last_frame_gets_the_remaining_time() {
        let mut webp = b"RIFF\0\0\0\0WEBP".to_vec();
        let frame = |duration: u8| [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, duration, 0, 0, 0];
        push_chunk(&mut webp, b"ANMF", &frame(40)).unwrap();
        push_chunk(&mut webp, b"ANMF", &frame(40)).unwrap();
        set_riff_size(&mut webp).unwrap();
        set_last_frame_duration(&mut webp, 40 + 300).unwrap();
        let durations: Vec<u32> = chunks(&webp).unwrap().iter().map(|c| frame_duration(&webp, &c.payload)).collect();
        assert_eq!(durations, [40, 300]);
        assert!(set_last_frame_duration(&mut simple_webp(), 5).is_err());
    }
}
