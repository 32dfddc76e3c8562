//! PNG and APNG: the chunk walk that reads `IHDR` and the ancillary chunks a plan needs.
//!
//! ```text
//! file   = signature(8) IHDR chunk*            (walked up to IEND or the end of the data)
//! chunk  = length(u32 BE, ≤ 2^31-1) type(4 ASCII letters) data(length) crc(u32 BE)
//! IHDR   = width(u32) height(u32) bit_depth(u8) colour_type(u8) compression(u8 = 0)
//!          filter(u8 = 0) interlace(u8: 0 none, 1 Adam7)                    (13 bytes)
//! acTL   = num_frames(u32 ≥ 1) num_plays(u32, 0 = forever)                   (8 bytes)
//! tRNS → alpha   iCCP → ICC profile   eXIf → EXIF (TIFF structure, orientation)
//! ```
//!
//! Chunks are skipped by their declared lengths, checked against the data; `IDAT` and `fdAT`
//! contents are never read. The CRCs of `IHDR` and `acTL` are checked (a few bytes each);
//! other CRCs are not, since checking them means reading the image data.
//!
//! Placement follows the PNG and APNG specifications: `tRNS`, `iCCP` and `acTL` count only
//! before the first `IDAT` (decoders ignore them after it); `eXIf` counts anywhere.
//!
//! What is an error: a first chunk that is not a 13-byte `IHDR` with a valid CRC; invalid
//! `IHDR` values (zero or over 2^31-1 sides, a colour type and bit depth the specification does
//! not pair, unknown methods); a damaged chunk (bad length or type, cut short) before the
//! first `IDAT` (`Truncated` if the data just ends there); an `acTL` that is not 8 bytes,
//! fails its CRC or announces 0 frames; a palette image without `PLTE`; an `IEND` before any
//! `IDAT`. Once image data has begun, a damaged or cut chunk ends the walk with what was read:
//! only image data is affected, which is the decoder's business.

use super::reader::Reader;
use super::{ColorModel, ImageFormat, Probe, ProbeError, exif};

/// The largest length or side PNG allows (2^31 - 1).
const PNG_MAX: u32 = 0x7FFF_FFFF;

/// Reads a PNG's size, colour, interlacing, transparency, ICC and EXIF presence, EXIF
/// orientation and APNG frame and play counts.
pub(crate) fn probe(data: &[u8]) -> Result<Probe, ProbeError> {
    let mut r = Reader::new(data, "PNG signature");
    if r.bytes(8)? != b"\x89PNG\r\n\x1a\n" {
        return Err(ProbeError::UnsupportedFormat);
    }
    let mut probe = ihdr(&mut r)?;
    let mut state = Walk::default();
    loop {
        match next_chunk(&mut r) {
            Ok(Some(chunk)) => {
                if state.visit(chunk, &mut probe)? {
                    break;
                }
            }
            Ok(None) => break,
            // After the first IDAT only image data can be hurt by a damaged chunk.
            Err(_) if state.seen_idat => break,
            Err(e) => return Err(e),
        }
    }
    if !state.seen_idat {
        // The walk stopped at IEND or at the end of the data without any image data.
        return Err(if state.seen_iend {
            ProbeError::Malformed { what: "PNG has no IDAT chunk" }
        } else {
            ProbeError::Truncated { what: "PNG chunks before IDAT" }
        });
    }
    if probe.frames <= 1 {
        probe.loop_count = None;
    }
    Ok(probe)
}

/// One chunk as found in the data. Image data chunks (`IDAT`, `fdAT`) come with an empty
/// body: their contents are skipped unread and may be cut short.
#[derive(Clone, Copy, Debug)]
struct Chunk<'a> {
    kind: [u8; 4],
    body: &'a [u8],
    crc: u32,
}

impl Chunk<'_> {
    /// Whether the stored CRC matches the type and contents.
    fn crc_ok(&self) -> bool {
        crc32(&[&self.kind, self.body]) == self.crc
    }
}

/// `IHDR`: the first chunk, 13 bytes, CRC checked. Gives the probe with the header's values.
fn ihdr(r: &mut Reader<'_>) -> Result<Probe, ProbeError> {
    let mut h = r.clone().reading("PNG IHDR");
    let length = h.u32_be()?;
    let kind = h.array::<4>()?;
    if &kind != b"IHDR" {
        return Err(ProbeError::Malformed { what: "PNG does not start with IHDR" });
    }
    if length != 13 {
        return Err(ProbeError::Malformed { what: "PNG IHDR is not 13 bytes" });
    }
    let body = h.bytes(13)?;
    let crc = h.u32_be()?;
    if crc32(&[&kind, body]) != crc {
        return Err(ProbeError::Malformed { what: "PNG IHDR CRC does not match" });
    }
    *r = h;

    let mut b = Reader::new(body, "PNG IHDR");
    let width = b.u32_be()?;
    let height = b.u32_be()?;
    let [bit_depth, colour_type, compression, filter, interlace] = b.array::<5>()?;
    if width == 0 || height == 0 {
        return Err(ProbeError::Malformed { what: "PNG IHDR width or height is 0" });
    }
    if width > PNG_MAX || height > PNG_MAX {
        return Err(ProbeError::Malformed { what: "PNG IHDR width or height over 2^31-1" });
    }
    let (color, alpha, depths): (ColorModel, bool, &[u8]) = match colour_type {
        0 => (ColorModel::Gray, false, &[1, 2, 4, 8, 16]),
        2 => (ColorModel::Rgb, false, &[8, 16]),
        3 => (ColorModel::Indexed, false, &[1, 2, 4, 8]),
        4 => (ColorModel::Gray, true, &[8, 16]),
        6 => (ColorModel::Rgb, true, &[8, 16]),
        _ => return Err(ProbeError::Malformed { what: "PNG IHDR colour type is not 0, 2, 3, 4 or 6" }),
    };
    if !depths.contains(&bit_depth) {
        return Err(ProbeError::Malformed { what: "PNG IHDR bit depth is invalid for its colour type" });
    }
    if compression != 0 || filter != 0 {
        return Err(ProbeError::Malformed { what: "PNG IHDR compression or filter method is not 0" });
    }
    let progressive = match interlace {
        0 => false,
        1 => true,
        _ => return Err(ProbeError::Malformed { what: "PNG IHDR interlace method is not 0 or 1" }),
    };
    let mut probe = Probe::new(ImageFormat::Png, width, height);
    probe.bit_depth = bit_depth;
    probe.color = color;
    probe.has_alpha = alpha;
    probe.progressive = progressive;
    Ok(probe)
}

/// The next chunk, or `None` at the end of the data. Image data chunks (`IDAT`, `fdAT`) are
/// returned once their header is read, whether or not their contents are all there (the
/// reader is then left at the end of the data).
fn next_chunk<'a>(r: &mut Reader<'a>) -> Result<Option<Chunk<'a>>, ProbeError> {
    if r.is_at_end() {
        return Ok(None);
    }
    let mut c = r.clone().reading("PNG chunk");
    let length = c.u32_be()?;
    let kind = c.array::<4>()?;
    if length > PNG_MAX {
        return Err(ProbeError::Malformed { what: "PNG chunk length over 2^31-1" });
    }
    if !kind.iter().all(u8::is_ascii_alphabetic) {
        return Err(ProbeError::Malformed { what: "PNG chunk type is not four letters" });
    }
    let length = usize::try_from(length).map_err(|_| c.truncated())?;
    if &kind == b"IDAT" || &kind == b"fdAT" {
        if c.skip(length).and_then(|()| c.skip(4)).is_err() {
            let end = c.position() + c.remaining();
            c.seek(end)?;
        }
        *r = c;
        return Ok(Some(Chunk { kind, body: &[], crc: 0 }));
    }
    let body = c.bytes(length)?;
    let crc = c.u32_be()?;
    *r = c;
    Ok(Some(Chunk { kind, body, crc }))
}

/// What the walk has seen so far.
#[derive(Default)]
struct Walk {
    seen_idat: bool,
    seen_iend: bool,
    seen_plte: bool,
    seen_actl: bool,
}

impl Walk {
    /// Applies one chunk to the probe; `true` when the walk is over (`IEND`).
    fn visit(&mut self, chunk: Chunk<'_>, probe: &mut Probe) -> Result<bool, ProbeError> {
        match &chunk.kind {
            b"IEND" => {
                self.seen_iend = true;
                return Ok(true);
            }
            b"IDAT" => {
                if !self.seen_idat && probe.color == ColorModel::Indexed && !self.seen_plte {
                    return Err(ProbeError::Malformed { what: "PNG palette image without PLTE" });
                }
                self.seen_idat = true;
            }
            b"PLTE" => self.seen_plte = true,
            b"eXIf" if !probe.has_exif => {
                probe.has_exif = true;
                if let Some(orientation) = exif::orientation(exif::tiff_part(chunk.body)) {
                    probe.orientation = orientation;
                }
            }
            _ if self.seen_idat => {}
            b"tRNS" => probe.has_alpha = true,
            b"iCCP" => probe.has_icc = true,
            b"acTL" if !self.seen_actl => {
                self.seen_actl = true;
                let body = chunk.body;
                if body.len() != 8 {
                    return Err(ProbeError::Malformed { what: "PNG acTL is not 8 bytes" });
                }
                if !chunk.crc_ok() {
                    return Err(ProbeError::Malformed { what: "PNG acTL CRC does not match" });
                }
                let mut a = Reader::new(body, "PNG acTL");
                let frames = a.u32_be()?;
                let plays = a.u32_be()?;
                if frames == 0 {
                    return Err(ProbeError::Malformed { what: "PNG acTL announces 0 frames" });
                }
                probe.frames = frames;
                probe.loop_count = Some(plays);
            }
            _ => {}
        }
        Ok(false)
    }
}

/// CRC-32 (ISO 3309, as PNG uses it) of the concatenated `parts`, bit by bit: only ever run
/// over a few bytes.
fn crc32(parts: &[&[u8]]) -> u32 {
    let mut crc = u32::MAX;
    for &byte in parts.iter().flat_map(|part| part.iter()) {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::Orientation;

    /// A chunk with its length and a correct CRC.
    fn chunk(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut c = u32::try_from(body.len()).unwrap().to_be_bytes().to_vec();
        c.extend(kind);
        c.extend(body);
        c.extend(crc32(&[kind, body]).to_be_bytes());
        c
    }

    /// An IHDR chunk.
    fn ihdr(width: u32, height: u32, depth: u8, colour: u8, interlace: u8) -> Vec<u8> {
        let mut body = width.to_be_bytes().to_vec();
        body.extend(height.to_be_bytes());
        body.extend([depth, colour, 0, 0, interlace]);
        chunk(b"IHDR", &body)
    }

    /// A file from the signature and these chunks.
    fn png(chunks: &[Vec<u8>]) -> Vec<u8> {
        let mut f = b"\x89PNG\r\n\x1a\n".to_vec();
        chunks.iter().for_each(|c| f.extend(c));
        f
    }

    /// A still RGB image with `extra` chunks before IDAT.
    fn rgb_with(extra: &[Vec<u8>]) -> Vec<u8> {
        let mut chunks = vec![ihdr(640, 480, 8, 2, 0)];
        chunks.extend_from_slice(extra);
        chunks.push(chunk(b"IDAT", &[1, 2, 3]));
        chunks.push(chunk(b"IEND", &[]));
        png(&chunks)
    }

    /// A big-endian TIFF block with IFD0 holding only Orientation = `value`.
    fn exif_block(value: u16) -> Vec<u8> {
        let mut b = b"MM\0\x2a\0\0\0\x08\0\x01".to_vec();
        b.extend([0x01, 0x12, 0, 3, 0, 0, 0, 1]);
        b.extend(value.to_be_bytes());
        b.extend([0, 0, 0, 0, 0, 0]);
        b
    }

    fn actl(frames: u32, plays: u32) -> Vec<u8> {
        chunk(b"acTL", &[frames.to_be_bytes(), plays.to_be_bytes()].concat())
    }

    #[test]
    fn crc_matches_the_png_specification() {
        // The CRC of an empty IEND chunk, as every PNG ends.
        assert_eq!(crc32(&[b"IEND"]), 0xAE42_6082);
    }

    #[test]
    fn reads_ihdr() {
        let p = probe(&rgb_with(&[])).unwrap();
        assert_eq!((p.format, p.width, p.height, p.bit_depth), (ImageFormat::Png, 640, 480, 8));
        assert_eq!(
            (p.color, p.has_alpha, p.progressive, p.frames, p.loop_count),
            (ColorModel::Rgb, false, false, 1, None)
        );
        for (colour, depth, model, alpha) in [
            (0, 1, ColorModel::Gray, false),
            (0, 16, ColorModel::Gray, false),
            (2, 16, ColorModel::Rgb, false),
            (4, 8, ColorModel::Gray, true),
            (6, 16, ColorModel::Rgb, true),
        ] {
            let p = probe(&png(&[ihdr(1, 2, depth, colour, 1), chunk(b"IDAT", &[]), chunk(b"IEND", &[])])).unwrap();
            assert_eq!((p.color, p.bit_depth, p.has_alpha, p.progressive), (model, depth, alpha, true));
        }
        let p = probe(&png(&[ihdr(1, 2, 2, 3, 0), chunk(b"PLTE", &[0; 3]), chunk(b"IDAT", &[])])).unwrap();
        assert_eq!((p.color, p.bit_depth), (ColorModel::Indexed, 2));
    }

    #[test]
    fn rejects_invalid_ihdr_values() {
        let bad = |i: Vec<u8>| probe(&png(&[i, chunk(b"IDAT", &[]), chunk(b"IEND", &[])]));
        assert!(matches!(bad(ihdr(0, 1, 8, 2, 0)), Err(ProbeError::Malformed { .. })));
        assert!(matches!(bad(ihdr(1, 0, 8, 2, 0)), Err(ProbeError::Malformed { .. })));
        assert!(matches!(bad(ihdr(0x8000_0000, 1, 8, 2, 0)), Err(ProbeError::Malformed { .. })));
        for (depth, colour) in [(0, 0), (3, 0), (4, 2), (16, 3), (1, 4), (2, 6), (8, 1), (8, 5), (8, 7)] {
            assert!(matches!(bad(ihdr(1, 1, depth, colour, 0)), Err(ProbeError::Malformed { .. })), "{depth} {colour}");
        }
        assert!(matches!(bad(ihdr(1, 1, 8, 2, 2)), Err(ProbeError::Malformed { .. })));
        // The largest legal sides are reported as they are.
        let p = bad(ihdr(0x7FFF_FFFF, 0x7FFF_FFFF, 8, 6, 0)).unwrap();
        assert_eq!((p.width, p.height), (0x7FFF_FFFF, 0x7FFF_FFFF));
    }

    #[test]
    fn ihdr_must_come_first_be_13_bytes_and_match_its_crc() {
        let mut f = rgb_with(&[]);
        f[29] ^= 1; // a CRC byte
        assert_eq!(probe(&f), Err(ProbeError::Malformed { what: "PNG IHDR CRC does not match" }));
        let f = png(&[chunk(b"gAMA", &[0; 4]), ihdr(1, 1, 8, 2, 0), chunk(b"IDAT", &[])]);
        assert_eq!(probe(&f), Err(ProbeError::Malformed { what: "PNG does not start with IHDR" }));
        let f = png(&[chunk(b"IHDR", &[0; 14]), chunk(b"IDAT", &[])]);
        assert_eq!(probe(&f), Err(ProbeError::Malformed { what: "PNG IHDR is not 13 bytes" }));
    }

    #[test]
    fn reads_transparency_icc_and_exif_orientation() {
        let p = probe(&rgb_with(&[chunk(b"tRNS", &[0; 6])])).unwrap();
        assert!(p.has_alpha && !p.has_icc && !p.has_exif);
        let p = probe(&rgb_with(&[chunk(b"iCCP", b"sRGB\0\0\x78\x9c")])).unwrap();
        assert!(p.has_icc && !p.has_alpha);
        let p = probe(&rgb_with(&[chunk(b"eXIf", &exif_block(6))])).unwrap();
        assert_eq!((p.has_exif, p.orientation), (true, Orientation::RightTop));
        // Some writers keep JPEG's "Exif\0\0" prefix.
        let p = probe(&rgb_with(&[chunk(b"eXIf", &[b"Exif\0\0".as_slice(), &exif_block(8)].concat())])).unwrap();
        assert_eq!(p.orientation, Orientation::LeftBottom);
        // Unreadable EXIF: present, orientation unknown (upright).
        let p = probe(&rgb_with(&[chunk(b"eXIf", b"garbage")])).unwrap();
        assert_eq!((p.has_exif, p.orientation), (true, Orientation::TopLeft));
    }

    #[test]
    fn exif_counts_after_idat_but_trns_iccp_and_actl_do_not() {
        let f = png(&[
            ihdr(4, 4, 8, 2, 0),
            chunk(b"IDAT", &[0; 9]),
            chunk(b"tRNS", &[0; 6]),
            chunk(b"iCCP", b"x\0\0"),
            actl(5, 0),
            chunk(b"eXIf", &exif_block(3)),
            chunk(b"IEND", &[]),
        ]);
        let p = probe(&f).unwrap();
        assert!(!p.has_alpha && !p.has_icc && p.has_exif);
        assert_eq!((p.frames, p.loop_count, p.orientation), (1, None, Orientation::BottomRight));
    }

    #[test]
    fn actl_gives_frames_and_plays() {
        let p = probe(&rgb_with(&[actl(20, 0)])).unwrap();
        assert_eq!((p.frames, p.loop_count), (20, Some(0)));
        let p = probe(&rgb_with(&[actl(3, 7)])).unwrap();
        assert_eq!((p.frames, p.loop_count), (3, Some(7)));
        // One frame: a still image.
        let p = probe(&rgb_with(&[actl(1, 0)])).unwrap();
        assert_eq!((p.frames, p.loop_count), (1, None));
        // An absurd count is reported, not acted on: the planner's frame limit refuses it.
        let p = probe(&rgb_with(&[actl(u32::MAX, u32::MAX)])).unwrap();
        assert_eq!((p.frames, p.loop_count), (u32::MAX, Some(u32::MAX)));
        // Only the first acTL counts.
        let p = probe(&rgb_with(&[actl(2, 0), actl(9, 9)])).unwrap();
        assert_eq!(p.frames, 2);
    }

    #[test]
    fn rejects_bad_actl() {
        assert_eq!(probe(&rgb_with(&[actl(0, 0)])), Err(ProbeError::Malformed { what: "PNG acTL announces 0 frames" }));
        assert_eq!(
            probe(&rgb_with(&[chunk(b"acTL", &[0, 0, 0, 2])])),
            Err(ProbeError::Malformed { what: "PNG acTL is not 8 bytes" })
        );
        let mut bad = actl(2, 0);
        bad[19] ^= 0xFF;
        assert_eq!(probe(&rgb_with(&[bad])), Err(ProbeError::Malformed { what: "PNG acTL CRC does not match" }));
    }

    #[test]
    fn needs_idat_and_a_palette_for_indexed_images() {
        let f = png(&[ihdr(1, 1, 8, 2, 0), chunk(b"IEND", &[])]);
        assert_eq!(probe(&f), Err(ProbeError::Malformed { what: "PNG has no IDAT chunk" }));
        let f = png(&[ihdr(1, 1, 8, 3, 0), chunk(b"IDAT", &[]), chunk(b"IEND", &[])]);
        assert_eq!(probe(&f), Err(ProbeError::Malformed { what: "PNG palette image without PLTE" }));
        let f = png(&[ihdr(1, 1, 8, 2, 0)]);
        assert!(matches!(probe(&f), Err(ProbeError::Truncated { .. })));
    }

    #[test]
    fn damaged_chunks_before_idat_are_errors_after_it_they_end_the_walk() {
        let mut huge = 0x7FFF_FFFFu32.to_be_bytes().to_vec();
        huge.extend(b"tEXt");
        // Before IDAT: a chunk declaring 2 GB that the data does not hold is truncation.
        let f = png(&[ihdr(1, 1, 8, 2, 0), huge.clone()]);
        assert_eq!(probe(&f), Err(ProbeError::Truncated { what: "PNG chunk" }));
        let mut over = 0x8000_0000u32.to_be_bytes().to_vec();
        over.extend(b"tEXt");
        assert!(matches!(probe(&png(&[ihdr(1, 1, 8, 2, 0), over.clone()])), Err(ProbeError::Malformed { .. })));
        let f = png(&[ihdr(1, 1, 8, 2, 0), chunk(b"t3Xt", &[]), chunk(b"IDAT", &[])]);
        assert!(matches!(probe(&f), Err(ProbeError::Malformed { .. })));
        // After IDAT: the image data is hurt, the headers are not.
        for tail in [huge, over, chunk(b"t3Xt", &[]), vec![0, 0]] {
            let f = png(&[ihdr(3, 2, 8, 2, 0), chunk(b"IDAT", &[0; 4]), tail]);
            let p = probe(&f).unwrap();
            assert_eq!((p.width, p.height), (3, 2));
        }
        // An IDAT declaring 2 GB, cut short: the headers were all read.
        let mut idat = 0x7FFF_FFFFu32.to_be_bytes().to_vec();
        idat.extend(b"IDAT");
        idat.extend([0; 100]);
        assert!(probe(&png(&[ihdr(3, 2, 8, 2, 0), idat])).is_ok());
    }

    #[test]
    fn every_prefix_gives_an_answer_and_cuts_before_idat_are_errors() {
        let f = png(&[
            ihdr(7, 9, 8, 6, 1),
            actl(4, 2),
            chunk(b"iCCP", b"icc\0\0\x78\x9c"),
            chunk(b"eXIf", &exif_block(5)),
            chunk(b"IDAT", &[0; 40]),
            chunk(b"fdAT", &[0; 40]),
            chunk(b"IEND", &[]),
        ]);
        let idat_header_end = f.windows(4).position(|w| w == b"IDAT").unwrap() + 4;
        for n in 0..f.len() {
            let result = probe(&f[..n]);
            if n < idat_header_end {
                assert!(result.is_err(), "prefix {n}: {result:?}");
            } else {
                let p = result.unwrap();
                assert_eq!((p.width, p.height, p.frames, p.loop_count), (7, 9, 4, Some(2)), "prefix {n}");
                assert_eq!((p.has_icc, p.has_exif, p.orientation), (true, true, Orientation::LeftTop));
            }
        }
        assert!(probe(&f).is_ok());
    }

    #[test]
    fn many_empty_chunks_are_walked_without_cost_per_declared_byte() {
        let mut chunks = vec![ihdr(1, 1, 8, 0, 0)];
        chunks.extend(std::iter::repeat_n(chunk(b"tEXt", &[]), 10_000));
        chunks.push(chunk(b"IDAT", &[]));
        assert!(probe(&png(&chunks)).is_ok());
    }
}
