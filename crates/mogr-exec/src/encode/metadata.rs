//! The metadata an encoder writes back, and JPEG's metadata segments.
//!
//! [`Kept`] is what survives `strip` (nothing) or not (the picture's EXIF, ICC and XMP, empty
//! blocks dropped). An ICC profile is written only with pixels it describes: a `GRAY`
//! profile with grey pixels, an `RGB ` profile with colour pixels; any other profile (Lab,
//! CMYK, a damaged header) is dropped, since the frames are RGB.
//!
//! JPEG carries metadata in application segments, at most 65533 bytes each after the length
//! field. They go right after SOI and libjpeg-turbo's JFIF APP0, in the order exiftool and
//! libvips write them:
//!
//! - APP1 `Exif\0\0` + the TIFF structure; EXIF longer than one segment (65527 bytes) is
//!   dropped, since no reader joins EXIF segments.
//! - APP2 `ICC_PROFILE\0` + sequence number (from 1) + count + up to 65519 bytes of the
//!   profile, as many segments as needed (at most 255, so profiles above 16.7 MB are dropped).
//! - APP1 `http://ns.adobe.com/xap/1.0/\0` + the XMP packet; a packet longer than one segment
//!   (65504 bytes) is dropped (Adobe's "extended XMP" is not written).

use crate::{ExecError, Picture};

use super::pixels::buffer_with_capacity;

/// Payload bytes of a JPEG segment after its two length bytes.
const JPEG_SEGMENT_MAX: usize = 65533;
/// APP1 identifier of EXIF.
const EXIF_HEADER: &[u8] = b"Exif\0\0";
/// APP2 identifier of an ICC profile chunk (then sequence number and count).
const ICC_HEADER: &[u8] = b"ICC_PROFILE\0";
/// Profile bytes per APP2 segment: 65533 − 12 (identifier) − 2 (sequence, count).
pub(super) const ICC_CHUNK_MAX: usize = JPEG_SEGMENT_MAX - 14;
/// APP1 identifier of XMP.
const XMP_HEADER: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
/// APP1 marker.
const APP1: u8 = 0xE1;
/// APP2 marker.
const APP2: u8 = 0xE2;

/// The metadata an encoder writes: the picture's, or nothing with `strip`.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Kept<'a> {
    /// EXIF as a TIFF structure.
    pub(super) exif: Option<&'a [u8]>,
    /// The ICC profile, before the check against the pixels ([`Kept::icc_for`]).
    pub(super) icc: Option<&'a [u8]>,
    /// The XMP packet.
    pub(super) xmp: Option<&'a [u8]>,
}

impl<'a> Kept<'a> {
    /// What of `picture`'s metadata is written: nothing when `strip`, else every non-empty
    /// block.
    pub(super) fn of(picture: &'a Picture, strip: bool) -> Kept<'a> {
        if strip {
            return Kept::default();
        }
        let metadata = &picture.metadata;
        let non_empty = |block: &'a Option<Vec<u8>>| block.as_deref().filter(|b| !b.is_empty());
        Kept { exif: non_empty(&metadata.exif), icc: non_empty(&metadata.icc), xmp: non_empty(&metadata.xmp) }
    }

    /// Whether grey pixels may be written with one colour component: no profile, or a grey
    /// one.
    pub(super) fn allows_gray(&self) -> bool {
        self.icc.is_none_or(is_gray_profile)
    }

    /// The profile to write with grey (`gray`) or colour pixels, if it describes them.
    pub(super) fn icc_for(&self, gray: bool) -> Option<&'a [u8]> {
        let wanted: &[u8] = if gray { b"GRAY" } else { b"RGB " };
        self.icc.filter(|icc| icc.get(16..20) == Some(wanted))
    }
}

/// Whether an ICC profile's colour space (header bytes 16..20) is `GRAY`.
fn is_gray_profile(icc: &[u8]) -> bool {
    icc.get(16..20) == Some(b"GRAY".as_slice())
}

/// The APP1/APP2 segments of `exif`, `icc` and `xmp`, ready to insert after JFIF.
pub(super) fn jpeg_segments(exif: Option<&[u8]>, icc: Option<&[u8]>, xmp: Option<&[u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    if let Some(exif) = exif.filter(|e| EXIF_HEADER.len() + e.len() <= JPEG_SEGMENT_MAX) {
        push_segment(&mut out, APP1, &[EXIF_HEADER, exif]);
    }
    if let Some(icc) = icc {
        push_icc_segments(&mut out, icc);
    }
    if let Some(xmp) = xmp.filter(|x| XMP_HEADER.len() + x.len() <= JPEG_SEGMENT_MAX) {
        push_segment(&mut out, APP1, &[XMP_HEADER, xmp]);
    }
    out
}

/// APP2 `ICC_PROFILE` segments, numbered from 1; nothing if more than 255 are needed.
fn push_icc_segments(out: &mut Vec<u8>, icc: &[u8]) {
    let chunks = icc.chunks(ICC_CHUNK_MAX);
    let Ok(count) = u8::try_from(chunks.len()) else {
        return;
    };
    for (sequence, chunk) in (1..=count).zip(chunks) {
        push_segment(out, APP2, &[ICC_HEADER, &[sequence, count], chunk]);
    }
}

/// One segment: `FF marker`, length (payload + 2, big-endian), the parts. Callers keep the
/// payload within [`JPEG_SEGMENT_MAX`].
fn push_segment(out: &mut Vec<u8>, marker: u8, parts: &[&[u8]]) {
    let payload: usize = parts.iter().map(|p| p.len()).sum();
    let length = u16::try_from(payload + 2).unwrap_or(u16::MAX);
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&length.to_be_bytes());
    for part in parts {
        out.extend_from_slice(part);
    }
}

/// `jpeg` with `segments` inserted after SOI and, when present, the JFIF APP0 segment.
pub(super) fn insert_jpeg_segments(jpeg: &[u8], segments: &[u8]) -> Result<Vec<u8>, ExecError> {
    let at = after_jfif(jpeg).ok_or_else(|| ExecError::Encode("libjpeg-turbo wrote no JPEG start marker".into()))?;
    let (head, tail) = jpeg.split_at(at);
    let mut out = buffer_with_capacity(jpeg.len() + segments.len())?;
    out.extend_from_slice(head);
    out.extend_from_slice(segments);
    out.extend_from_slice(tail);
    Ok(out)
}

/// The offset after SOI and a directly following APP0 segment.
fn after_jfif(jpeg: &[u8]) -> Option<usize> {
    if jpeg.get(0..2)? != [0xFF, 0xD8] {
        return None;
    }
    if jpeg.get(2..4) != Some(&[0xFF, 0xE0]) {
        return Some(2);
    }
    let length = jpeg.get(4..6)?;
    let end = 4 + usize::from(u16::from_be_bytes([length[0], length[1]]));
    (end <= jpeg.len()).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icc_is_split_into_numbered_chunks() {
        let icc = vec![7u8; ICC_CHUNK_MAX + 10];
        let segments = jpeg_segments(None, Some(&icc), None);
        // Two segments: full one, then 10 bytes.
        assert_eq!(segments.len(), 2 * (4 + 14) + icc.len());
        assert_eq!(&segments[..4], &[0xFF, APP2, 0xFF, 0xFF]);
        assert_eq!(&segments[4..18], b"ICC_PROFILE\0\x01\x02");
        let second = 4 + 14 + ICC_CHUNK_MAX;
        assert_eq!(&segments[second..second + 4], &[0xFF, APP2, 0, 26]);
        assert_eq!(&segments[second + 16..second + 18], &[2, 2]);
    }

    #[test]
    fn oversized_exif_is_dropped_and_segments_follow_jfif() {
        let exif = vec![0u8; JPEG_SEGMENT_MAX];
        assert!(jpeg_segments(Some(&exif), None, None).is_empty());
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 1, 2, 0xFF, 0xD9];
        let out = insert_jpeg_segments(&jpeg, b"XY").unwrap();
        assert_eq!(out, [0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 1, 2, b'X', b'Y', 0xFF, 0xD9]);
        assert!(insert_jpeg_segments(b"no", b"XY").is_err());
    }
}
