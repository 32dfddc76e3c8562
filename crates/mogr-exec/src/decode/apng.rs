//! APNG: every frame decoded on its own and composited onto the canvas, as the APNG
//! specification says.
//!
//! ```text
//! chunks ──split──▶ IHDR, PLTE, tRNS (shared); per fcTL: its region, delay, dispose and blend
//!                   ops and its data (the IDATs when the fcTL comes before them, else fdATs)
//!   each frame ──a PNG of its own (IHDR with the frame's size, PLTE, tRNS, IDAT, IEND)──▶
//!   image's PngDecoder (palette, tRNS, 16-bit, Adam7 as for any PNG) ──▶ RGBA8 sub-frame
//!   ──blend onto the canvas (SOURCE: replace; OVER: straight-alpha "over")──▶ a copy is the
//!   frame shown ──dispose (NONE: keep; BACKGROUND: clear the region to transparent black;
//!   PREVIOUS: restore the region as it was before this frame)──▶ next frame
//! ```
//!
//! Rebuilding each frame as a PNG lets one well-fuzzed decoder read every frame, 16-bit ones
//! included (the `image` crate's own APNG reader refuses 16-bit animations), and keeps the
//! composition here, where it follows the specification (the canvas starts transparent black;
//! a first frame's PREVIOUS acts as BACKGROUND). The CRC of every chunk used is checked, so a
//! damaged chunk is an error as in a still PNG. A default image without an fcTL is not part of
//! the animation and is skipped. Frame delays: `delay_num / delay_den` seconds, a denominator
//! of 0 meaning 100, rounded to whole milliseconds.

use std::io::Cursor;

use image::codecs::png::PngDecoder;

use super::{Target, image_error, still};
use crate::{ExecError, Frame, Picture};

const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Decodes the first `target.frames` frames of an APNG, composited.
pub(super) fn decode(data: &[u8], target: &Target) -> Result<Picture, ExecError> {
    let animation = split(data)?;
    target.check_size("APNG canvas", animation.canvas)?;
    let mut canvas = Frame::new(target.width, target.height)?;
    let mut shown = Vec::new();
    for frame in animation.frames.iter().take(target.frames as usize) {
        let pixels = decode_frame(&animation, frame, target)?;
        let before = match frame.control.dispose {
            Dispose::Previous => Some(copy_region(&canvas, &frame.control)?),
            _ => None,
        };
        draw(&mut canvas, &pixels, &frame.control);
        let mut copy = copy_frame(&canvas)?;
        copy.delay_ms = frame.control.delay_ms();
        shown.push(copy);
        match (frame.control.dispose, before) {
            (Dispose::Background, _) => clear(&mut canvas, &frame.control),
            (Dispose::Previous, Some(before)) => draw(&mut canvas, &before, &frame.control),
            _ => {}
        }
    }
    Ok(Picture { frames: shown, loop_count: None, metadata: animation.metadata()? })
}

/// What an APNG's chunks hold.
struct Animation<'a> {
    /// The canvas size from IHDR.
    canvas: (u32, u32),
    /// IHDR's bytes after the size: bit depth, colour type, methods, interlace.
    ihdr_tail: &'a [u8],
    /// PLTE and tRNS, which every frame's PNG repeats.
    shared: Vec<Chunk<'a>>,
    /// The frames, in order.
    frames: Vec<AnimationFrame<'a>>,
    /// The whole file, for its metadata.
    data: &'a [u8],
}

impl Animation<'_> {
    /// ICC, EXIF and XMP as the still PNG decoder reads them.
    fn metadata(&self) -> Result<crate::Metadata, ExecError> {
        let (width, height) = self.canvas;
        let target = Target { width, height, frames: 1 };
        let mut decoder =
            PngDecoder::with_limits(Cursor::new(self.data), target.limits()).map_err(|e| image_error("APNG", e))?;
        still::prepare(&mut decoder, "APNG", &target)
    }
}

/// One frame: where it goes and how, and its compressed data.
struct AnimationFrame<'a> {
    control: FrameControl,
    data: Vec<&'a [u8]>,
}

/// A chunk's type and data (its CRC checked).
#[derive(Clone, Copy)]
struct Chunk<'a> {
    kind: [u8; 4],
    data: &'a [u8],
}

/// What to do with a frame's region after it was shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dispose {
    None,
    Background,
    Previous,
}

/// An fcTL: the frame's region, delay and operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FrameControl {
    width: u32,
    height: u32,
    x: u32,
    y: u32,
    delay_num: u16,
    delay_den: u16,
    dispose: Dispose,
    /// OVER (alpha-blend) rather than SOURCE (replace).
    blend_over: bool,
}

impl FrameControl {
    /// Parses an fcTL's 26 bytes and checks the region lies in the canvas.
    fn parse(data: &[u8], (canvas_w, canvas_h): (u32, u32)) -> Result<FrameControl, ExecError> {
        let bad = |what: &str| ExecError::Decode(format!("APNG fcTL: {what}"));
        let bytes: &[u8; 26] = data.try_into().map_err(|_| bad("not 26 bytes long"))?;
        let u32_at = |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
        let control = FrameControl {
            width: u32_at(4),
            height: u32_at(8),
            x: u32_at(12),
            y: u32_at(16),
            delay_num: u16::from_be_bytes([bytes[20], bytes[21]]),
            delay_den: u16::from_be_bytes([bytes[22], bytes[23]]),
            dispose: match bytes[24] {
                0 => Dispose::None,
                1 => Dispose::Background,
                2 => Dispose::Previous,
                _ => return Err(bad("unknown dispose_op")),
            },
            blend_over: match bytes[25] {
                0 => false,
                1 => true,
                _ => return Err(bad("unknown blend_op")),
            },
        };
        let inside =
            |offset: u32, size: u32, canvas: u32| size > 0 && offset.checked_add(size).is_some_and(|end| end <= canvas);
        if !inside(control.x, control.width, canvas_w) || !inside(control.y, control.height, canvas_h) {
            return Err(bad("the frame's region is empty or leaves the canvas"));
        }
        Ok(control)
    }

    /// The delay in milliseconds, rounded.
    fn delay_ms(&self) -> u32 {
        let den = if self.delay_den == 0 { 100 } else { u32::from(self.delay_den) };
        (u32::from(self.delay_num) * 1000 + den / 2) / den
    }
}

/// Splits an APNG's chunks into its shared header and frames.
fn split(data: &[u8]) -> Result<Animation<'_>, ExecError> {
    let chunks = chunks(data)?;
    let ihdr = chunks.first().filter(|c| &c.kind == b"IHDR" && c.data.len() == 13);
    let ihdr = ihdr.ok_or_else(|| ExecError::Decode("APNG: no IHDR first".into()))?;
    let size = |at: usize| u32::from_be_bytes([ihdr.data[at], ihdr.data[at + 1], ihdr.data[at + 2], ihdr.data[at + 3]]);
    let mut animation = Animation {
        canvas: (size(0), size(4)),
        ihdr_tail: &ihdr.data[8..],
        shared: Vec::new(),
        frames: Vec::new(),
        data,
    };
    let mut seen_fdat = false;
    for chunk in &chunks[1..] {
        match &chunk.kind {
            b"PLTE" | b"tRNS" => animation.shared.push(*chunk),
            b"fcTL" => {
                let control = FrameControl::parse(chunk.data, animation.canvas)?;
                animation.frames.push(AnimationFrame { control, data: Vec::new() });
            }
            b"IDAT" => match animation.frames.as_mut_slice() {
                [] => {}
                [first] if !seen_fdat => first.data.push(chunk.data),
                _ => return Err(ExecError::Decode("APNG: IDAT after the animation started".into())),
            },
            b"fdAT" => {
                seen_fdat = true;
                let frame = animation.frames.last_mut();
                let frame = frame.ok_or_else(|| ExecError::Decode("APNG: fdAT before any fcTL".into()))?;
                let payload = chunk.data.get(4..).ok_or_else(|| ExecError::Decode("APNG: fdAT too short".into()))?;
                frame.data.push(payload);
            }
            _ => {}
        }
    }
    Ok(animation)
}

/// The chunks after the signature up to IEND (or the end of the data), each CRC-checked if
/// it is one that decoding uses.
fn chunks(data: &[u8]) -> Result<Vec<Chunk<'_>>, ExecError> {
    let mut rest = data.strip_prefix(SIGNATURE).ok_or_else(|| ExecError::Decode("not a PNG signature".into()))?;
    let mut chunks = Vec::new();
    while rest.len() >= 12 {
        let length = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let end = length.checked_add(12).filter(|&end| end <= rest.len());
        let end = end.ok_or_else(|| ExecError::Decode("APNG: a chunk runs past the end of the data".into()))?;
        let kind = [rest[4], rest[5], rest[6], rest[7]];
        if &kind == b"IEND" {
            break;
        }
        let data = &rest[8..8 + length];
        let stored = u32::from_be_bytes([rest[end - 4], rest[end - 3], rest[end - 2], rest[end - 1]]);
        let used = matches!(&kind, b"IHDR" | b"PLTE" | b"tRNS" | b"fcTL" | b"IDAT" | b"fdAT");
        if used && crc32(&[&kind, data]) != stored {
            return Err(ExecError::Decode(format!(
                "APNG: the CRC of a {} chunk is wrong",
                String::from_utf8_lossy(&kind)
            )));
        }
        chunks.push(Chunk { kind, data });
        rest = &rest[end..];
    }
    Ok(chunks)
}

/// Decodes one frame's data as a PNG of its own, to RGBA8 of the frame's size.
fn decode_frame(animation: &Animation<'_>, frame: &AnimationFrame<'_>, target: &Target) -> Result<Frame, ExecError> {
    let control = &frame.control;
    let ihdr = [&control.width.to_be_bytes()[..], &control.height.to_be_bytes(), animation.ihdr_tail].concat();
    let mut png = SIGNATURE.to_vec();
    write_chunk(&mut png, *b"IHDR", &ihdr);
    animation.shared.iter().for_each(|c| write_chunk(&mut png, c.kind, c.data));
    frame.data.iter().for_each(|d| write_chunk(&mut png, *b"IDAT", d));
    write_chunk(&mut png, *b"IEND", &[]);
    let decoder =
        PngDecoder::with_limits(Cursor::new(png), target.limits()).map_err(|e| image_error("APNG frame", e))?;
    let pixels = still::read_frame(decoder, "APNG frame")?;
    if (pixels.width, pixels.height) != (control.width, control.height) {
        return Err(ExecError::Decode("APNG: a frame decoded to another size than its fcTL".into()));
    }
    Ok(pixels)
}

/// Appends a chunk (length, type, data, CRC).
fn write_chunk(png: &mut Vec<u8>, kind: [u8; 4], data: &[u8]) {
    png.extend_from_slice(&(data.len() as u32).to_be_bytes());
    png.extend_from_slice(&kind);
    png.extend_from_slice(data);
    png.extend_from_slice(&crc32(&[&kind, data]).to_be_bytes());
}

/// CRC-32 (ISO 3309, as PNG uses it) of the concatenated parts.
fn crc32(parts: &[&[u8]]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut n = 0;
        while n < 256 {
            let mut c = n as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
                k += 1;
            }
            table[n] = c;
            n += 1;
        }
        table
    };
    let crc =
        parts.iter().flat_map(|p| p.iter()).fold(!0u32, |c, &b| TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8));
    !crc
}

/// The rows of a region, as byte ranges of a frame of `width` pixels.
fn region_rows(width: u32, control: &FrameControl) -> impl Iterator<Item = std::ops::Range<usize>> {
    let stride = width as usize * 4;
    let (x, w) = (control.x as usize * 4, control.width as usize * 4);
    (control.y as usize..(control.y + control.height) as usize).map(move |y| y * stride + x..y * stride + x + w)
}

/// Draws `pixels` (the region's size) onto the canvas region, replacing or blending over.
fn draw(canvas: &mut Frame, pixels: &Frame, control: &FrameControl) {
    let stride = control.width as usize * 4;
    for (range, source) in region_rows(canvas.width, control).zip(pixels.pixels.chunks_exact(stride)) {
        let Some(target) = canvas.pixels.get_mut(range) else { continue };
        if control.blend_over {
            target.chunks_exact_mut(4).zip(source.chunks_exact(4)).for_each(|(d, s)| over(d, s));
        } else {
            target.copy_from_slice(source);
        }
    }
}

/// Straight-alpha "over": `src` composited onto `dst`, rounded.
fn over(dst: &mut [u8], src: &[u8]) {
    let sa = u32::from(src[3]);
    if sa == 255 || dst[3] == 0 {
        dst.copy_from_slice(src);
        return;
    }
    if sa == 0 {
        return;
    }
    let da = u32::from(dst[3]) * (255 - sa);
    let out_a = sa * 255 + da;
    for c in 0..3 {
        dst[c] = ((u32::from(src[c]) * sa * 255 + u32::from(dst[c]) * da + out_a / 2) / out_a) as u8;
    }
    dst[3] = ((out_a + 127) / 255) as u8;
}

/// Clears the region to transparent black.
fn clear(canvas: &mut Frame, control: &FrameControl) {
    for range in region_rows(canvas.width, control) {
        if let Some(row) = canvas.pixels.get_mut(range) {
            row.fill(0);
        }
    }
}

/// A copy of the canvas region.
fn copy_region(canvas: &Frame, control: &FrameControl) -> Result<Frame, ExecError> {
    let mut region = Frame::new(control.width, control.height)?;
    let stride = control.width as usize * 4;
    for (range, row) in region_rows(canvas.width, control).zip(region.pixels.chunks_exact_mut(stride)) {
        if let Some(source) = canvas.pixels.get(range) {
            row.copy_from_slice(source);
        }
    }
    Ok(region)
}

/// A copy of a frame, allocated fallibly.
fn copy_frame(frame: &Frame) -> Result<Frame, ExecError> {
    let mut copy = Frame::new(frame.width, frame.height)?;
    copy.pixels.copy_from_slice(&frame.pixels);
    Ok(copy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_the_png_specification() {
        assert_eq!(crc32(&[b"IEND"]), 0xAE42_6082);
        assert_eq!(crc32(&[b"IE", b"ND"]), 0xAE42_6082);
    }

    #[test]
    fn over_blends_straight_alpha() {
        let mut dst = [0, 0, 255, 255];
        over(&mut dst, &[255, 0, 0, 128]);
        assert_eq!(dst, [128, 0, 127, 255]);
        let mut half = [0, 0, 255, 128];
        over(&mut half, &[255, 0, 0, 128]);
        assert_eq!(half, [170, 0, 85, 192]);
        let mut kept = [1, 2, 3, 4];
        over(&mut kept, &[9, 9, 9, 0]);
        assert_eq!(kept, [1, 2, 3, 4]);
    }

    #[test]
    fn frame_controls_outside_the_canvas_are_refused() {
        let mut fctl = [0u8; 26];
        fctl[4..8].copy_from_slice(&4u32.to_be_bytes());
        fctl[8..12].copy_from_slice(&4u32.to_be_bytes());
        fctl[12..16].copy_from_slice(&2u32.to_be_bytes());
        assert!(FrameControl::parse(&fctl, (6, 4)).is_ok());
        assert!(FrameControl::parse(&fctl, (5, 4)).is_err());
        fctl[12..16].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(FrameControl::parse(&fctl, (6, 4)).is_err());
        assert!(FrameControl::parse(&fctl[..20], (6, 4)).is_err());
    }

    #[test]
    fn delays_are_rounded_milliseconds() {
        let control = |delay_num, delay_den| FrameControl {
            width: 1,
            height: 1,
            x: 0,
            y: 0,
            delay_num,
            delay_den,
            dispose: Dispose::None,
            blend_over: false,
        };
        assert_eq!(control(1, 0).delay_ms(), 10);
        assert_eq!(control(1, 3).delay_ms(), 333);
        assert_eq!(control(2, 1).delay_ms(), 2000);
    }
}
