//! The JPEG markers before the first scan: metadata, the Adobe marker, the frame header.
//!
//! ```text
//! file    = SOI(FFD8) segment* SOS ...           (walked from SOI up to the first SOS only:
//!                                                  a second image, such as an MPF gain map or
//!                                                  an EXIF thumbnail, is never read)
//! segment = FF marker(u8) length(u16 BE, counting itself) payload(length - 2)
//! APP1  "Exif\0\0" TIFF…                         → EXIF (the TIFF structure)
//! APP1  "http://ns.adobe.com/xap/1.0/\0" XML…    → XMP (the main packet; extended XMP is not
//!                                                  reassembled)
//! APP2  "ICC_PROFILE\0" seq(u8, from 1) count(u8) bytes…
//!                                                → ICC: chunks joined in sequence order
//! APP14 "Adobe" version(u16) flags0(u16) flags1(u16) transform(u8)
//!                                                → CMYK stored inverted (Photoshop's convention)
//! SOF0-3, 5-7, 9-11, 13-15: precision(u8) height(u16) width(u16) components(u8) …
//! ```
//!
//! The walk is lenient: fill bytes (`FF FF`) are skipped, standalone markers (RSTn, TEM) have no
//! length, and a damaged segment ends the walk with what was found; the decoder reports what
//! is wrong with the image data itself. An ICC profile whose chunks are missing, repeated or
//! disagree on their count is dropped, as libjpeg's `jpeg_read_icc_profile` does.

use crate::Metadata;

/// What the markers before the first scan say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct JpegMarkers {
    /// EXIF, ICC and XMP as found.
    pub metadata: Metadata,
    /// Whether an Adobe APP14 marker is present (how libjpeg-turbo's CMYK is read; zune-jpeg
    /// reads the marker itself).
    #[cfg(feature = "jpeg-turbo")]
    pub adobe: bool,
    /// The sample precision of the first frame header, if one was seen (8 for baseline).
    pub precision: Option<u8>,
    /// Whether the first frame header is arithmetic-coded (SOF9-11, SOF13-15), which only
    /// libjpeg-turbo decodes.
    #[cfg(not(feature = "jpeg-turbo"))]
    pub arithmetic: bool,
}

const EXIF_ID: &[u8] = b"Exif\0";
const XMP_ID: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const ICC_ID: &[u8] = b"ICC_PROFILE\0";
#[cfg(feature = "jpeg-turbo")]
const ADOBE_ID: &[u8] = b"Adobe";

/// Walks the markers from SOI to the first SOS (see the module docs).
pub(crate) fn scan(data: &[u8]) -> JpegMarkers {
    let mut found = JpegMarkers::default();
    let mut icc_chunks: Vec<(u8, u8, &[u8])> = Vec::new();
    for (marker, payload) in segments(data) {
        match marker {
            0xE1 => app1(payload, &mut found.metadata),
            0xE2 => {
                if let Some(chunk) = icc_chunk(payload) {
                    icc_chunks.push(chunk);
                }
            }
            #[cfg(feature = "jpeg-turbo")]
            0xEE if payload.starts_with(ADOBE_ID) => found.adobe = true,
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                #[cfg(not(feature = "jpeg-turbo"))]
                if found.precision.is_none() {
                    found.arithmetic = marker >= 0xC9;
                }
                found.precision = found.precision.or(payload.first().copied());
            }
            _ => {}
        }
    }
    found.metadata.icc = join_icc(icc_chunks);
    found
}

/// The segments with a length between SOI and the first SOS, as (marker, payload).
fn segments(data: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    let mut at = if data.starts_with(&[0xFF, 0xD8]) { 2 } else { data.len() };
    std::iter::from_fn(move || {
        loop {
            if data.get(at) != Some(&0xFF) {
                return None;
            }
            let marker = *data.get(at + 1)?;
            match marker {
                0xFF => at += 1,
                0x01 | 0xD0..=0xD7 => at += 2,
                0xD8..=0xDA => return None,
                _ => {
                    let length = usize::from(u16::from_be_bytes([*data.get(at + 2)?, *data.get(at + 3)?]));
                    let payload = data.get(at + 4..(at + 2).checked_add(length)?)?;
                    at += 2 + length;
                    return Some((marker, payload));
                }
            }
        }
    })
}

/// EXIF or XMP from an APP1 payload; the first of each wins.
fn app1(payload: &[u8], metadata: &mut Metadata) {
    if let Some(tiff) = payload.strip_prefix(EXIF_ID) {
        // `Exif\0` is followed by a pad byte (normally 0) before the TIFF header.
        metadata.exif = metadata.exif.take().or_else(|| tiff.get(1..).and_then(super::exif_tiff));
    } else if let Some(xmp) = payload.strip_prefix(XMP_ID).filter(|xmp| !xmp.is_empty()) {
        metadata.xmp = metadata.xmp.take().or_else(|| Some(xmp.to_vec()));
    }
}

/// (sequence number, chunk count, bytes) of an APP2 ICC chunk.
fn icc_chunk(payload: &[u8]) -> Option<(u8, u8, &[u8])> {
    let rest = payload.strip_prefix(ICC_ID)?;
    let (&seq, rest) = rest.split_first()?;
    let (&count, bytes) = rest.split_first()?;
    Some((seq, count, bytes))
}

/// The ICC profile from its chunks: every sequence number from 1 to the count exactly once,
/// all agreeing on the count; `None` otherwise.
fn join_icc(mut chunks: Vec<(u8, u8, &[u8])>) -> Option<Vec<u8>> {
    let count = chunks.first()?.1;
    chunks.sort_by_key(|c| c.0);
    let complete = chunks.len() == usize::from(count)
        && chunks.iter().zip(1u8..).all(|(&(seq, n, _), expected)| seq == expected && n == count);
    complete.then(|| chunks.iter().flat_map(|c| c.2.iter().copied()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let length = u16::try_from(payload.len() + 2).unwrap();
        [&[0xFF, marker][..], &length.to_be_bytes(), payload].concat()
    }

    fn jpeg(segments: &[Vec<u8>]) -> Vec<u8> {
        let mut data = vec![0xFF, 0xD8];
        segments.iter().for_each(|s| data.extend_from_slice(s));
        data.extend_from_slice(&segment(0xDA, &[1, 2, 3]));
        data
    }

    #[test]
    fn icc_chunks_join_in_sequence_order() {
        let data = jpeg(&[segment(0xE2, b"ICC_PROFILE\0\x02\x02world"), segment(0xE2, b"ICC_PROFILE\0\x01\x02hello ")]);
        assert_eq!(scan(&data).metadata.icc.as_deref(), Some(&b"hello world"[..]));
    }

    #[test]
    fn incomplete_icc_profiles_are_dropped() {
        let missing = jpeg(&[segment(0xE2, b"ICC_PROFILE\0\x01\x02hello ")]);
        assert_eq!(scan(&missing).metadata.icc, None);
        let repeated = jpeg(&[segment(0xE2, b"ICC_PROFILE\0\x01\x02a"), segment(0xE2, b"ICC_PROFILE\0\x01\x02b")]);
        assert_eq!(scan(&repeated).metadata.icc, None);
    }

    #[test]
    fn exif_xmp_adobe_and_precision_are_read_up_to_the_first_scan() {
        let data = jpeg(&[
            segment(0xE1, b"Exif\0\0II*\0\x08\0\0\0"),
            segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>"),
            segment(0xEE, b"Adobe\0\x64\0\0\0\0\x02"),
            segment(0xC2, &[8, 0, 4, 0, 4, 1, 1, 0x11, 0]),
        ]);
        let found = scan(&data);
        assert_eq!(found.metadata.exif.as_deref(), Some(&b"II*\0\x08\0\0\0"[..]));
        assert_eq!(found.metadata.xmp.as_deref(), Some(&b"<x:xmpmeta/>"[..]));
        #[cfg(feature = "jpeg-turbo")]
        assert!(found.adobe);
        assert_eq!(found.precision, Some(8));
        let mut after_scan = data.clone();
        after_scan.extend_from_slice(&segment(0xEE, b"Adobe"));
        assert_eq!(scan(&after_scan), found);
    }

    #[test]
    fn damaged_segments_end_the_walk_without_panicking() {
        let mut data = jpeg(&[segment(0xE1, b"Exif\0\0MM\0*\0\0\0\x08")]);
        data.truncate(10);
        assert_eq!(scan(&data), JpegMarkers::default());
        assert_eq!(scan(&[0xFF, 0xD8, 0xFF, 0xE1, 0x00]), JpegMarkers::default());
        assert_eq!(scan(&[0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x00]), JpegMarkers::default());
        assert_eq!(scan(&[]), JpegMarkers::default());
    }
}
