//! WebP: the RIFF container and the headers of its first image chunk.
//!
//! ```text
//! file   = "RIFF" size:u32le "WEBP" chunk*          (size counts from byte 8)
//! chunk  = fourcc size:u32le payload[size] pad?      (pad: one byte when size is odd)
//! simple = "VP8 " (lossy) | "VP8L" (lossless), first and only image chunk
//! extended = "VP8X" then, in any order this module cares about:
//!            "ICCP" "ANIM" "ANMF"* "ALPH" "VP8 "/"VP8L" "EXIF" "XMP " (unknown chunks skipped)
//! ```
//!
//! What is read:
//!
//! - `VP8 `: the 3-byte frame tag (key frame, version ≤ 3, shown, first partition smaller than
//!   the chunk), the start code `9d 01 2a` and the 14-bit width and height (the 2-bit scale
//!   above each is an upscaling hint for the display and is ignored, as libwebp does).
//! - `VP8L`: the signature `0x2f`, then 14-bit width-1, 14-bit height-1, the `alpha_is_used`
//!   bit and a 3-bit version that must be 0.
//! - `VP8X`: the flags (ICC, alpha, EXIF, XMP, animation) and the 24-bit canvas width-1 and
//!   height-1; then every following chunk by its length: `ANMF` chunks are counted (the frame
//!   count; they are never decoded), `ANIM` gives the loop count (0: forever), `ICCP` and
//!   `EXIF` say what is embedded, and the orientation comes from the `EXIF` payload.
//!
//! Decisions where the format leaves room:
//!
//! - The RIFF size may fall short of the data (trailing bytes are ignored and never read) but
//!   may exceed it by at most one byte, the pad of an odd-sized last chunk that some writers
//!   omit; more than that means the file was cut short and is [`ProbeError::Truncated`], even
//!   when the headers themselves are intact. A chunk that runs past the RIFF size is
//!   [`ProbeError::Malformed`].
//! - ICC and EXIF are reported when their chunks are present (not merely flagged); alpha when
//!   the `VP8X` flag says so or an `ALPH` chunk is present; animation when the flag says so,
//!   and then the frames are the `ANMF` chunks (at least one). `ANMF` chunks in a file not
//!   flagged as animated are ignored, as libwebp's decoder does for still images.
//! - An extended still image must hold a `VP8 ` or `VP8L` chunk. The canvas area limit of the
//!   specification (≤ 2³² - 1 pixels) is left to the planner's limits.
//! - Bit depth is 8 and the colour model RGB for every WebP (lossy WebP is YUV 4:2:0 coded,
//!   decoded to RGB).

use super::exif;
use super::reader::{Endian, Reader};
use super::{ImageFormat, Probe, ProbeError};

/// `VP8X` flag bits (in the first payload byte).
const FLAG_ANIMATION: u8 = 0x02;
const FLAG_ALPHA: u8 = 0x10;

/// Reads a WebP's size, alpha, ICC/EXIF presence, orientation, frame and loop count.
///
/// Grammar: `"RIFF" size:u32le "WEBP"` then chunks (see the module docs); the first chunk
/// decides between simple lossy, simple lossless and extended.
pub(crate) fn probe(data: &[u8]) -> Result<Probe, ProbeError> {
    let mut r = Reader::new(data, "WebP RIFF header");
    if r.array::<4>()? != *b"RIFF" {
        return Err(ProbeError::UnsupportedFormat);
    }
    let riff_size = r.u32_le()?;
    if r.array::<4>()? != *b"WEBP" {
        return Err(ProbeError::UnsupportedFormat);
    }
    if riff_size < 4 {
        return Err(ProbeError::Malformed { what: "WebP RIFF size is smaller than its header" });
    }
    // The RIFF payload ends at 8 + size; allow one missing pad byte at the very end.
    let riff_end = usize::try_from(riff_size).map_or(usize::MAX, |size| size.saturating_add(8));
    if riff_end > data.len().saturating_add(1) {
        return Err(ProbeError::Truncated { what: "WebP RIFF payload (its size exceeds the data)" });
    }
    let body = data.get(..riff_end).unwrap_or(data);
    let mut chunks = Chunks { r: Reader::new(body, "WebP chunk header"), riff_end };
    chunks.r.seek(12)?;

    let first = chunks.next()?.ok_or(ProbeError::Truncated { what: "WebP first chunk" })?;
    match &first.fourcc {
        b"VP8 " => lossy(first.payload),
        b"VP8L" => lossless(first.payload),
        b"VP8X" => extended(first.payload, chunks),
        _ => Err(ProbeError::Malformed { what: "WebP first chunk is not VP8, VP8L or VP8X" }),
    }
}

/// One RIFF chunk: its four-character code and its payload (without the pad byte).
struct Chunk<'a> {
    fourcc: [u8; 4],
    payload: &'a [u8],
}

/// Walks the chunks of the RIFF payload by their lengths.
struct Chunks<'a> {
    /// Over the data up to the RIFF end (or the data's end, when one pad byte is missing).
    r: Reader<'a>,
    /// Where the RIFF size says the payload ends.
    riff_end: usize,
}

impl<'a> Chunks<'a> {
    /// The next chunk, or `None` at the end of the RIFF payload.
    ///
    /// `chunk = fourcc:4 size:u32le payload[size] (pad:1 if size is odd)`. Every call that
    /// returns a chunk consumes at least its 8-byte header.
    fn next(&mut self) -> Result<Option<Chunk<'a>>, ProbeError> {
        if self.r.is_at_end() {
            return Ok(None);
        }
        let fourcc = self.r.array::<4>()?;
        let size = self.r.u32_le()?;
        let size = usize::try_from(size).map_err(|_| ProbeError::Malformed { what: "WebP chunk size" })?;
        let end = self.r.position().saturating_add(size);
        if end > self.riff_end {
            return Err(ProbeError::Malformed { what: "WebP chunk runs past the RIFF size" });
        }
        let payload = self.r.bytes(size).map_err(|_| ProbeError::Truncated { what: "WebP chunk payload" })?;
        if size % 2 == 1 && !self.r.is_at_end() {
            self.r.skip(1)?;
        }
        Ok(Some(Chunk { fourcc, payload }))
    }
}

/// A simple lossy file: the `VP8 ` key frame header.
fn lossy(payload: &[u8]) -> Result<Probe, ProbeError> {
    let (width, height) = vp8_size(payload)?;
    Ok(Probe::new(ImageFormat::Webp, width, height))
}

/// The size in a `VP8 ` payload.
///
/// `frame_tag:u24le (bit 0: 0 = key frame; bits 1-3: version; bit 4: show_frame;
/// bits 5-23: first partition size) 9d 01 2a width:u16le height:u16le`, where the top 2 bits
/// of width and height are a scale hint.
fn vp8_size(payload: &[u8]) -> Result<(u32, u32), ProbeError> {
    let mut r = Reader::new(payload, "WebP VP8 frame header");
    let tag = r.u24(Endian::Little)?;
    if tag & 1 != 0 {
        return Err(ProbeError::Malformed { what: "WebP VP8 frame is not a key frame" });
    }
    if (tag >> 1) & 7 > 3 {
        return Err(ProbeError::Malformed { what: "WebP VP8 version is over 3" });
    }
    if (tag >> 4) & 1 == 0 {
        return Err(ProbeError::Malformed { what: "WebP VP8 frame is not shown" });
    }
    if usize::try_from(tag >> 5).unwrap_or(usize::MAX) >= payload.len() {
        return Err(ProbeError::Malformed { what: "WebP VP8 first partition is larger than its chunk" });
    }
    if r.array::<3>()? != [0x9d, 0x01, 0x2a] {
        return Err(ProbeError::Malformed { what: "WebP VP8 start code" });
    }
    let width = u32::from(r.u16_le()? & 0x3fff);
    let height = u32::from(r.u16_le()? & 0x3fff);
    if width == 0 || height == 0 {
        return Err(ProbeError::Malformed { what: "WebP VP8 width or height is 0" });
    }
    Ok((width, height))
}

/// A simple lossless file: the `VP8L` header.
///
/// `0x2f bits:u32le` with `bits = (width-1):14 | (height-1):14 << 14 | alpha_is_used:1 << 28 |
/// version:3 << 29`, version 0.
fn lossless(payload: &[u8]) -> Result<Probe, ProbeError> {
    let mut r = Reader::new(payload, "WebP VP8L header");
    if r.u8()? != 0x2f {
        return Err(ProbeError::Malformed { what: "WebP VP8L signature" });
    }
    let bits = r.u32_le()?;
    if bits >> 29 != 0 {
        return Err(ProbeError::Malformed { what: "WebP VP8L version is not 0" });
    }
    // Both are at most 2^14, so the additions cannot overflow.
    let width = (bits & 0x3fff) + 1;
    let height = ((bits >> 14) & 0x3fff) + 1;
    let mut probe = Probe::new(ImageFormat::Webp, width, height);
    probe.has_alpha = (bits >> 28) & 1 == 1;
    probe.webp_lossless = true;
    Ok(probe)
}

/// An extended file: the `VP8X` header, then every chunk after it by its length.
///
/// `VP8X payload = flags:u8 reserved:u24 (canvas_width-1):u24le (canvas_height-1):u24le`;
/// `ANIM payload = background:u32 loop_count:u16le`.
fn extended(payload: &[u8], mut chunks: Chunks<'_>) -> Result<Probe, ProbeError> {
    let mut r = Reader::new(payload, "WebP VP8X header");
    let flags = r.u8()?;
    r.skip(3)?;
    // 24-bit values plus 1: at most 2^24, no overflow.
    let width = r.u24(Endian::Little)? + 1;
    let height = r.u24(Endian::Little)? + 1;
    let mut probe = Probe::new(ImageFormat::Webp, width, height);
    probe.has_alpha = flags & FLAG_ALPHA != 0;
    let animated = flags & FLAG_ANIMATION != 0;

    let mut frames: u32 = 0;
    let mut has_image = false;
    // Codings seen: (any VP8L, any VP8) over the still image or every frame.
    let (mut lossless, mut lossy) = (false, false);
    // Each turn consumes at least one 8-byte chunk header, so the walk is bounded by the data.
    while let Some(chunk) = chunks.next()? {
        match &chunk.fourcc {
            b"ANMF" => {
                frames = frames.saturating_add(1);
                match frame_coding(chunk.payload) {
                    Some(true) => lossless = true,
                    Some(false) => lossy = true,
                    None => {}
                }
            }
            b"ANIM" => {
                let mut r = Reader::new(chunk.payload, "WebP ANIM chunk");
                r.skip(4)?;
                probe.loop_count = Some(u32::from(r.u16_le()?));
            }
            b"ALPH" => probe.has_alpha = true,
            b"ICCP" => probe.has_icc = true,
            b"EXIF" => {
                probe.has_exif = true;
                if let Some(orientation) = exif::orientation(exif::tiff_part(chunk.payload)) {
                    probe.orientation = orientation;
                }
            }
            b"VP8 " => (has_image, lossy) = (true, true),
            b"VP8L" => (has_image, lossless) = (true, true),
            _ => {}
        }
    }

    probe.webp_lossless = lossless && !lossy;
    if animated {
        if frames == 0 {
            return Err(ProbeError::Malformed { what: "animated WebP has no ANMF frame" });
        }
        probe.frames = frames;
    } else {
        probe.loop_count = None;
        if !has_image {
            return Err(ProbeError::Malformed { what: "extended WebP has no VP8 or VP8L chunk" });
        }
    }
    Ok(probe)
}

/// Whether an `ANMF` frame is coded lossless (`VP8L`) or lossy (`VP8 `); `None` when its
/// frame data cannot be read (the decoder judges it).
///
/// `ANMF payload = x:u24 y:u24 (width-1):u24 (height-1):u24 duration:u24 flags:u8`, then the
/// frame's chunks: an optional `ALPH` and one `VP8 ` or `VP8L` (unknown chunks skipped).
fn frame_coding(payload: &[u8]) -> Option<bool> {
    let data = payload.get(16..)?;
    let mut chunks = Chunks { r: Reader::new(data, "WebP ANMF frame"), riff_end: data.len() };
    while let Ok(Some(chunk)) = chunks.next() {
        match &chunk.fourcc {
            b"VP8L" => return Some(true),
            b"VP8 " => return Some(false),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::Orientation;

    /// A chunk with its header and pad byte.
    fn chunk(fourcc: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut c = fourcc.to_vec();
        c.extend(u32::try_from(payload.len()).unwrap().to_le_bytes());
        c.extend(payload);
        if payload.len() % 2 == 1 {
            c.push(0);
        }
        c
    }

    /// A RIFF file around `chunks`, with the correct size.
    fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = chunks.concat();
        let mut f = b"RIFF".to_vec();
        f.extend(u32::try_from(body.len() + 4).unwrap().to_le_bytes());
        f.extend(b"WEBP");
        f.extend(body);
        f
    }

    fn vp8(width: u16, height: u16) -> Vec<u8> {
        // Key frame, version 0, shown, first partition of 2 bytes.
        let tag: u32 = (2 << 5) | (1 << 4);
        let mut p = tag.to_le_bytes()[..3].to_vec();
        p.extend([0x9d, 0x01, 0x2a]);
        p.extend(width.to_le_bytes());
        p.extend(height.to_le_bytes());
        p.extend([0; 8]);
        chunk(b"VP8 ", &p)
    }

    fn vp8l(width: u32, height: u32, alpha: bool) -> Vec<u8> {
        let bits = (width - 1) | ((height - 1) << 14) | (u32::from(alpha) << 28);
        let mut p = vec![0x2f];
        p.extend(bits.to_le_bytes());
        p.extend([0; 4]);
        chunk(b"VP8L", &p)
    }

    fn vp8x(flags: u8, width: u32, height: u32) -> Vec<u8> {
        let mut p = vec![flags, 0, 0, 0];
        p.extend(&(width - 1).to_le_bytes()[..3]);
        p.extend(&(height - 1).to_le_bytes()[..3]);
        chunk(b"VP8X", &p)
    }

    fn anim(loops: u16) -> Vec<u8> {
        let mut p = vec![0xff; 4];
        p.extend(loops.to_le_bytes());
        chunk(b"ANIM", &p)
    }

    /// An EXIF payload (big-endian TIFF) with one Orientation entry.
    fn exif_payload(orientation: u16) -> Vec<u8> {
        let mut b = b"MM\0*".to_vec();
        b.extend(8u32.to_be_bytes());
        b.extend(1u16.to_be_bytes());
        b.extend(0x0112u16.to_be_bytes());
        b.extend(3u16.to_be_bytes());
        b.extend(1u32.to_be_bytes());
        b.extend(orientation.to_be_bytes());
        b.extend([0, 0, 0, 0, 0, 0]);
        b
    }

    #[test]
    fn reads_simple_lossy() {
        let p = probe(&riff(&[vp8(0x4000 | 31, 0xc000 | 13)])).unwrap();
        assert_eq!((p.format, p.width, p.height), (ImageFormat::Webp, 31, 13));
        assert!(!p.has_alpha && p.frames == 1 && p.loop_count.is_none());
    }

    #[test]
    fn reads_simple_lossless_with_and_without_alpha() {
        let p = probe(&riff(&[vp8l(16384, 1, true)])).unwrap();
        assert_eq!((p.width, p.height, p.has_alpha), (16384, 1, true));
        let p = probe(&riff(&[vp8l(3, 16384, false)])).unwrap();
        assert_eq!((p.width, p.height, p.has_alpha), (3, 16384, false));
    }

    #[test]
    fn reads_extended_still_with_metadata() {
        let file = riff(&[
            vp8x(0x20 | 0x10 | 0x08, 1 << 24, 7),
            chunk(b"ICCP", &[1, 2, 3]),
            chunk(b"ALPH", &[0]),
            vp8(1, 1),
            chunk(b"EXIF", &[b"Exif\0\0".as_slice(), &exif_payload(6)].concat()),
        ]);
        let p = probe(&file).unwrap();
        assert_eq!((p.width, p.height), (1 << 24, 7));
        assert!(p.has_alpha && p.has_icc && p.has_exif);
        assert_eq!(p.orientation, Orientation::RightTop);
        assert_eq!((p.frames, p.loop_count), (1, None));
    }

    #[test]
    fn flags_without_chunks_claim_nothing() {
        let p = probe(&riff(&[vp8x(0x20 | 0x08, 4, 4), vp8l(4, 4, false)])).unwrap();
        assert!(!p.has_icc && !p.has_exif && !p.has_alpha);
        let p = probe(&riff(&[vp8x(0, 4, 4), chunk(b"ALPH", &[0]), vp8(4, 4)])).unwrap();
        assert!(p.has_alpha);
    }

    #[test]
    fn counts_animation_frames_and_loops() {
        let frame = chunk(b"ANMF", &[0; 17]);
        let file = riff(&[vp8x(0x12, 20, 10), anim(3), frame.clone(), frame.clone(), frame]);
        let p = probe(&file).unwrap();
        assert_eq!((p.width, p.height, p.frames, p.loop_count, p.has_alpha), (20, 10, 3, Some(3), true));
        let p = probe(&riff(&[vp8x(0x02, 20, 10), anim(0), chunk(b"ANMF", &[0; 16])])).unwrap();
        assert_eq!((p.frames, p.loop_count), (1, Some(0)));
        assert_eq!(
            probe(&riff(&[vp8x(0x02, 20, 10), anim(0)])),
            Err(ProbeError::Malformed { what: "animated WebP has no ANMF frame" })
        );
    }

    #[test]
    fn anmf_in_a_still_image_is_ignored() {
        let p = probe(&riff(&[vp8x(0, 5, 5), vp8(5, 5), chunk(b"ANMF", &[0; 16])])).unwrap();
        assert_eq!(p.frames, 1);
    }

    #[test]
    fn rejects_bad_headers() {
        let malformed = |file: &[u8]| matches!(probe(file), Err(ProbeError::Malformed { .. }));
        assert!(malformed(&riff(&[vp8(0, 5)])));
        assert!(malformed(&riff(&[vp8(0xc000, 5)])));
        assert!(malformed(&riff(&[chunk(b"ALPH", &[0; 10])])));
        assert!(malformed(&riff(&[vp8x(0, 5, 5)])));
        let mut not_key = riff(&[vp8(5, 5)]);
        not_key[20] |= 1;
        assert!(malformed(&not_key));
        let mut start_code = riff(&[vp8(5, 5)]);
        start_code[23] = 0;
        assert!(malformed(&start_code));
        let mut signature = riff(&[vp8l(5, 5, false)]);
        signature[20] = 0x2e;
        assert!(malformed(&signature));
        let mut version = riff(&[vp8l(5, 5, false)]);
        version[24] |= 0x20;
        assert!(malformed(&version));
        let mut riff_too_small = riff(&[vp8(5, 5)]);
        riff_too_small[4..8].copy_from_slice(&3u32.to_le_bytes());
        assert!(malformed(&riff_too_small));
    }

    #[test]
    fn riff_size_is_checked_against_the_data() {
        let file = riff(&[vp8l(5, 5, false)]);
        // Trailing bytes after the RIFF payload are ignored.
        let mut longer = file.clone();
        longer.extend(b"trailing junk");
        assert!(probe(&longer).is_ok());
        // A RIFF size two bytes over the data is a cut file.
        let mut over = file.clone();
        over[4..8].copy_from_slice(&(u32::try_from(file.len()).unwrap() - 6).to_le_bytes());
        assert!(matches!(probe(&over), Err(ProbeError::Truncated { .. })));
        // One byte over: an odd last chunk whose pad byte was left out.
        let mut odd = riff(&[vp8x(0, 5, 5), vp8(5, 5), chunk(b"XMP ", b"abc")]);
        odd.pop();
        assert!(probe(&odd).is_ok());
        // A chunk longer than the RIFF.
        let mut long_chunk = file;
        long_chunk[16..20].copy_from_slice(&1000u32.to_le_bytes());
        assert!(matches!(probe(&long_chunk), Err(ProbeError::Malformed { .. })));
    }

    #[test]
    fn absurd_sizes_cost_nothing() {
        let mut file = riff(&[vp8x(0xff, 1 << 24, 1 << 24)]);
        file[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(probe(&file), Err(ProbeError::Truncated { .. })));
        let mut file = riff(&[vp8x(0x02, 5, 5), chunk(b"ANMF", &[0; 16])]);
        let n = file.len();
        file[n - 20..n - 16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(probe(&file).is_err());
    }

    #[test]
    fn every_prefix_is_an_error_or_a_probe() {
        let files = [
            riff(&[vp8(300, 200)]),
            riff(&[vp8l(300, 200, true)]),
            riff(&[
                vp8x(0x3e, 9, 9),
                chunk(b"ICCP", &[1]),
                anim(0),
                chunk(b"ANMF", &[0; 16]),
                chunk(b"EXIF", &exif_payload(3)),
            ]),
        ];
        for file in files {
            assert!(probe(&file).is_ok());
            for end in 0..file.len() {
                let _ = probe(&file[..end]);
                // With the RIFF size fixed to the prefix, too.
                let mut cut = file[..end].to_vec();
                if cut.len() >= 8 {
                    let size = u32::try_from(cut.len() - 8).unwrap();
                    cut[4..8].copy_from_slice(&size.to_le_bytes());
                }
                let _ = probe(&cut);
            }
        }
    }
}
