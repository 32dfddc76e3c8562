//! GIF (87a and 89a): the block walk that counts frames and reads the extensions a plan needs.
//!
//! ```text
//! file        = "GIF87a" | "GIF89a"  screen  [global colour table]  block*  trailer(0x3B)
//! screen      = width(u16 LE) height(u16 LE) flags(u8) background(u8) aspect(u8)
//! colour table = 3 × 2^(size + 1) bytes, when the table flag (0x80) is set
//! block       = 0x21 label(u8) sub-block* 0x00                      (extension)
//!             | 0x2C left top width height (u16 LE each) flags(u8)  (image)
//!               [local colour table] lzw_min_code_size(u8) sub-block* 0x00
//! sub-block   = length(u8, 1-255) data(length)
//! ```
//!
//! Extensions read: the Graphic Control Extension (label 0xF9; transparency flag, bit 0 of its
//! first byte → alpha), the Application Extensions `NETSCAPE2.0` and `ANIMEXTS1.0` (sub-block
//! `1, loop(u16 LE)` → loop count) and `ICCRGBG1012` (an ICC profile). Colour tables and LZW
//! data are skipped by their declared sizes, never decoded, so a 40,000-frame file costs one
//! pass over its block headers.
//!
//! Values: `bit_depth` is 8 and `color` is [`ColorModel::Indexed`] (GIF pixels are indices
//! into tables of up to 256 colours); `width` and `height` are the logical screen's, the canvas
//! every decoder composes frames onto (frames sticking out of it are clipped; some tools, such
//! as Pillow, grow the canvas instead); `progressive` is the first frame's interlace flag.
//!
//! Loop count, as plays (the [`Probe`] contract: how many times the animation is shown):
//! a NETSCAPE value of 0 means forever (`Some(0)`); a value n > 0 means n repetitions after
//! the first play, so `Some(n + 1)` plays, as browsers, ImageMagick and libvips count them; an
//! animation without the extension is shown once by every player, so `Some(1)`: an encoder
//! keeps that by writing no loop extension. Still images have `None`.
//!
//! Endings: the walk stops at the trailer. Data that ends, or a byte that starts no block,
//! after at least one complete frame gives the frames fully seen (browsers show those);
//! before any complete frame it is `Truncated` (data ended) or `Malformed` (unknown block).

use super::reader::Reader;
use super::{ColorModel, ImageFormat, Probe, ProbeError};

/// Block introducers and labels.
const EXTENSION: u8 = 0x21;
const IMAGE: u8 = 0x2C;
const TRAILER: u8 = 0x3B;
const GRAPHIC_CONTROL: u8 = 0xF9;
const APPLICATION: u8 = 0xFF;

/// Reads a GIF's screen size, frame count, transparency, ICC presence, loop count and the first
/// frame's interlacing.
pub(crate) fn probe(data: &[u8]) -> Result<Probe, ProbeError> {
    let mut r = Reader::new(data, "GIF header");
    let signature = r.bytes(6)?;
    if signature != b"GIF87a" && signature != b"GIF89a" {
        return Err(ProbeError::UnsupportedFormat);
    }
    let mut r = r.reading("GIF logical screen descriptor");
    let width = r.u16_le()?;
    let height = r.u16_le()?;
    let flags = r.u8()?;
    r.skip(2)?;
    if width == 0 || height == 0 {
        return Err(ProbeError::Malformed { what: "GIF logical screen width or height is 0" });
    }
    let mut r = r.reading("GIF global colour table");
    skip_colour_table(&mut r, flags)?;

    let mut probe = Probe::new(ImageFormat::Gif, u32::from(width), u32::from(height));
    probe.color = ColorModel::Indexed;
    let mut walk = Walk { frames: 0, loop_value: None };
    match walk.blocks(&mut r.reading("GIF block"), &mut probe) {
        Ok(()) => {}
        Err(_) if walk.frames > 0 => {}
        Err(e) => return Err(e),
    }
    if walk.frames == 0 {
        return Err(ProbeError::Malformed { what: "GIF has no image" });
    }
    probe.frames = walk.frames;
    probe.loop_count = if walk.frames > 1 {
        Some(match walk.loop_value {
            None => 1,
            Some(0) => 0,
            Some(repeats) => u32::from(repeats).saturating_add(1),
        })
    } else {
        None
    };
    Ok(probe)
}

/// What the walk has counted.
struct Walk {
    /// Frames whose image data was seen to its terminator.
    frames: u32,
    /// The first NETSCAPE2.0/ANIMEXTS1.0 loop value.
    loop_value: Option<u16>,
}

impl Walk {
    /// `block* trailer`: stops at the trailer (`Ok`), or with an error at the end of the data or
    /// at a byte that starts no block.
    fn blocks(&mut self, r: &mut Reader<'_>, probe: &mut Probe) -> Result<(), ProbeError> {
        loop {
            match r.u8()? {
                TRAILER => return Ok(()),
                EXTENSION => self.extension(r, probe)?,
                IMAGE => {
                    let interlaced = image(r)?;
                    if self.frames == 0 {
                        probe.progressive = interlaced;
                    }
                    self.frames = self.frames.saturating_add(1);
                }
                _ => return Err(ProbeError::Malformed { what: "GIF block type is unknown" }),
            }
        }
    }

    /// `label sub-block* 0x00` (after the 0x21): the first sub-block of a Graphic Control
    /// Extension holds its flags; an Application Extension's first sub-block is its identifier
    /// and authentication code, and for NETSCAPE2.0 the second is `1, loop(u16 LE)`.
    fn extension(&mut self, r: &mut Reader<'_>, probe: &mut Probe) -> Result<(), ProbeError> {
        let mut r2 = r.clone().reading("GIF extension");
        let label = r2.u8()?;
        let mut application: &[u8] = &[];
        let mut index = 0u32;
        while let Some(block) = sub_block(&mut r2)? {
            match (label, index) {
                (GRAPHIC_CONTROL, 0) if block.first().is_some_and(|flags| flags & 1 == 1) => {
                    probe.has_alpha = true;
                }
                (APPLICATION, 0) => {
                    application = block;
                    if block == b"ICCRGBG1012" {
                        probe.has_icc = true;
                    }
                }
                (APPLICATION, 1) if application == b"NETSCAPE2.0" || application == b"ANIMEXTS1.0" => {
                    if let [1, lo, hi, ..] = *block {
                        self.loop_value.get_or_insert(u16::from_le_bytes([lo, hi]));
                    }
                }
                _ => {}
            }
            index = index.saturating_add(1);
        }
        *r = r2.reading("GIF block");
        Ok(())
    }
}

/// `left top width height flags [local colour table] lzw_min_code_size sub-block* 0x00`
/// (after the 0x2C); gives the interlace flag.
fn image(r: &mut Reader<'_>) -> Result<bool, ProbeError> {
    let mut r2 = r.clone().reading("GIF image descriptor");
    r2.skip(8)?;
    let flags = r2.u8()?;
    let mut r2 = r2.reading("GIF local colour table");
    skip_colour_table(&mut r2, flags)?;
    let mut r2 = r2.reading("GIF image data");
    r2.skip(1)?;
    skip_sub_blocks(&mut r2)?;
    *r = r2.reading("GIF block");
    Ok(flags & 0x40 != 0)
}

/// Skips a colour table of 3 × 2^(size + 1) bytes when `flags` has the table bit (0x80).
fn skip_colour_table(r: &mut Reader<'_>, flags: u8) -> Result<(), ProbeError> {
    if flags & 0x80 != 0 {
        r.skip(3 << ((flags & 0x07) + 1))?;
    }
    Ok(())
}

/// One sub-block's data, or `None` at the terminator (a zero length).
fn sub_block<'a>(r: &mut Reader<'a>) -> Result<Option<&'a [u8]>, ProbeError> {
    match r.u8()? {
        0 => Ok(None),
        length => r.bytes(usize::from(length)).map(Some),
    }
}

/// Skips sub-blocks up to and including the terminator; each step consumes at least one byte.
fn skip_sub_blocks(r: &mut Reader<'_>) -> Result<(), ProbeError> {
    while sub_block(r)?.is_some() {}
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Header and logical screen, with a global colour table of `2^(size+1)` entries if given.
    fn screen(width: u16, height: u16, table: Option<u8>) -> Vec<u8> {
        let mut f = b"GIF89a".to_vec();
        f.extend(width.to_le_bytes());
        f.extend(height.to_le_bytes());
        f.extend([table.map_or(0, |size| 0x80 | size), 0, 0]);
        if let Some(size) = table {
            f.extend(vec![0; 3 << (size + 1)]);
        }
        f
    }

    /// An image block: descriptor, optional local table, LZW code size and one data sub-block.
    fn image(interlaced: bool, table: Option<u8>) -> Vec<u8> {
        let mut b = vec![IMAGE, 0, 0, 0, 0, 2, 0, 2, 0];
        b.push(table.map_or(0, |size| 0x80 | size) | if interlaced { 0x40 } else { 0 });
        if let Some(size) = table {
            b.extend(vec![0; 3 << (size + 1)]);
        }
        b.extend([2, 3, 0x44, 0x01, 0x00, 0]);
        b
    }

    fn graphic_control(transparent: bool) -> Vec<u8> {
        vec![EXTENSION, GRAPHIC_CONTROL, 4, u8::from(transparent), 10, 0, 0, 0]
    }

    fn application(id: &[u8; 11], blocks: &[&[u8]]) -> Vec<u8> {
        let mut b = vec![EXTENSION, APPLICATION, 11];
        b.extend(id);
        for block in blocks {
            b.push(u8::try_from(block.len()).unwrap());
            b.extend(*block);
        }
        b.push(0);
        b
    }

    fn netscape(value: u16) -> Vec<u8> {
        let [lo, hi] = value.to_le_bytes();
        application(b"NETSCAPE2.0", &[&[1, lo, hi]])
    }

    fn gif(parts: &[Vec<u8>]) -> Vec<u8> {
        let mut f = screen(10, 20, Some(7));
        parts.iter().for_each(|p| f.extend(p));
        f
    }

    #[test]
    fn reads_a_still_image() {
        let p = probe(&gif(&[image(false, None), vec![TRAILER]])).unwrap();
        assert_eq!(
            (p.format, p.width, p.height, p.bit_depth, p.color),
            (ImageFormat::Gif, 10, 20, 8, ColorModel::Indexed)
        );
        assert_eq!((p.frames, p.loop_count, p.has_alpha, p.has_icc, p.progressive), (1, None, false, false, false));
        // GIF87a, no global table, an interlaced frame with a local table.
        let mut f = screen(3, 4, None);
        f[4] = b'7';
        f.extend(image(true, Some(2)));
        f.push(TRAILER);
        let p = probe(&f).unwrap();
        assert_eq!((p.width, p.height, p.progressive), (3, 4, true));
    }

    #[test]
    fn counts_frames_and_reads_loop_alpha_and_icc() {
        let f = gif(&[
            netscape(0),
            application(b"ICCRGBG1012", &[&[0; 200], &[0; 50]]),
            graphic_control(false),
            image(false, None),
            graphic_control(true),
            image(true, Some(0)),
            image(false, None),
            vec![TRAILER],
        ]);
        let p = probe(&f).unwrap();
        assert_eq!((p.frames, p.loop_count, p.has_alpha, p.has_icc, p.progressive), (3, Some(0), true, true, false));
    }

    #[test]
    fn loop_count_is_plays() {
        let two_frames = |ext: Vec<Vec<u8>>| {
            let mut parts = ext;
            parts.extend([image(false, None), image(false, None), vec![TRAILER]]);
            probe(&gif(&parts)).unwrap().loop_count
        };
        // No extension: played once.
        assert_eq!(two_frames(vec![]), Some(1));
        // 0: forever; n: n repetitions after the first play.
        assert_eq!(two_frames(vec![netscape(0)]), Some(0));
        assert_eq!(two_frames(vec![netscape(2)]), Some(3));
        assert_eq!(two_frames(vec![netscape(u16::MAX)]), Some(65_536));
        assert_eq!(two_frames(vec![application(b"ANIMEXTS1.0", &[&[1, 4, 0]])]), Some(5));
        // The first loop extension wins; other applications and sub-block ids are ignored.
        assert_eq!(two_frames(vec![netscape(4), netscape(9)]), Some(5));
        assert_eq!(two_frames(vec![application(b"NETSCAPE2.0", &[&[2, 4, 0, 0, 0]])]), Some(1));
        assert_eq!(two_frames(vec![application(b"XMP DataXMP", &[&[1, 4, 0]])]), Some(1));
        // A still image has none, whatever it says.
        let p = probe(&gif(&[netscape(0), image(false, None), vec![TRAILER]])).unwrap();
        assert_eq!(p.loop_count, None);
    }

    #[test]
    fn other_extensions_are_skipped_by_their_sub_blocks() {
        let comment = vec![EXTENSION, 0xFE, 3, b'a', b'b', b'c', 255].into_iter().chain([0; 255]).chain([0]).collect();
        let empty_gce = vec![EXTENSION, GRAPHIC_CONTROL, 0];
        let p = probe(&gif(&[comment, empty_gce, image(false, None), vec![TRAILER]])).unwrap();
        assert_eq!((p.frames, p.has_alpha), (1, false));
    }

    #[test]
    fn endings() {
        // Trailing bytes after the trailer are not read.
        let p = probe(&gif(&[image(false, None), vec![TRAILER, 1, 2, 3]])).unwrap();
        assert_eq!(p.frames, 1);
        // No trailer, or an unknown block, after whole frames: those frames.
        let p = probe(&gif(&[image(false, None), image(false, None)])).unwrap();
        assert_eq!(p.frames, 2);
        let p = probe(&gif(&[image(false, None), vec![0x00, TRAILER]])).unwrap();
        assert_eq!(p.frames, 1);
        // Before any whole frame.
        assert_eq!(probe(&gif(&[vec![TRAILER]])), Err(ProbeError::Malformed { what: "GIF has no image" }));
        assert_eq!(probe(&gif(&[vec![0x0A]])), Err(ProbeError::Malformed { what: "GIF block type is unknown" }));
        assert_eq!(probe(&gif(&[])), Err(ProbeError::Truncated { what: "GIF block" }));
        assert!(matches!(probe(&screen(0, 5, None)), Err(ProbeError::Malformed { .. })));
        assert!(matches!(probe(&screen(5, 0, None)), Err(ProbeError::Malformed { .. })));
    }

    #[test]
    fn every_prefix_gives_an_answer() {
        let f = gif(&[
            netscape(3),
            graphic_control(true),
            image(false, Some(1)),
            application(b"ICCRGBG1012", &[&[0; 20]]),
            image(true, None),
            vec![TRAILER],
        ]);
        let first_frame_end = screen(10, 20, Some(7)).len() + netscape(3).len() + 8 + image(false, Some(1)).len();
        for n in 0..f.len() {
            let result = probe(&f[..n]);
            if n < first_frame_end {
                assert!(result.is_err(), "prefix {n}: {result:?}");
            } else {
                let p = result.unwrap();
                assert_eq!((p.width, p.height, p.has_alpha), (10, 20, true), "prefix {n}");
                assert!(p.frames == 1 || p.frames == 2, "prefix {n}");
            }
        }
        let p = probe(&f).unwrap();
        assert_eq!((p.frames, p.loop_count, p.has_icc), (2, Some(4), true));
    }

    #[test]
    fn many_frames_cost_one_pass() {
        let mut parts = vec![netscape(0)];
        parts.extend(std::iter::repeat_n([graphic_control(false), image(false, None)].concat(), 50_000));
        parts.push(vec![TRAILER]);
        let p = probe(&gif(&parts)).unwrap();
        assert_eq!((p.frames, p.loop_count), (50_000, Some(0)));
    }

    #[test]
    fn absurd_table_sizes_and_sides_cost_nothing() {
        // Flags 0xFF: the largest table (768 bytes), then nothing.
        let mut f = b"GIF89a\xff\xff\xff\xff\xff\0\0".to_vec();
        assert_eq!(probe(&f), Err(ProbeError::Truncated { what: "GIF global colour table" }));
        f.extend([0; 768]);
        f.extend(image(false, None));
        let p = probe(&f).unwrap();
        assert_eq!((p.width, p.height), (65_535, 65_535));
    }
}
