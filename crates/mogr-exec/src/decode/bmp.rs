//! BMP: Windows headers through the `image` crate's decoder, OS/2 2.x headers through our own.
//!
//! The `image` crate reads every Windows DIB header (12, 40, 52, 56, 108, 124 bytes) but not
//! the OS/2 2.x `BITMAPINFOHEADER2` (64 bytes, or its 16-byte short form) nor RLE24, which only
//! OS/2 2.x defines. This module owns those files:
//!
//! ```text
//! "BM" size(u32) reserved(u32) pixel_offset(u32)
//! dib  size(u32: 16 or 64) width(i32) height(i32, < 0: rows top down) planes(u16) bits(u16)
//!      64 only: compression(u32) image_size x_res y_res colours_used(u32) … (OS/2 fields)
//! palette (bits ≤ 8) right after the DIB header: colours_used (0: 2^bits) × B G R reserved
//! pixels at pixel_offset:
//!   0 none   rows of ⌈width × bits / 32⌉ × 4 bytes: 1/2/4/8-bit indices (MSB first),
//!            16-bit X1R5G5B5, 24-bit B G R, 32-bit B G R X
//!   1 RLE8, 2 RLE4, 4 RLE24 (8, 4, 24 bits):
//!       n>0 v        n pixels of v (RLE4: two alternating indices; RLE24: v is B G R)
//!       0 0 / 0 1    end of line / end of bitmap
//!       0 2 dx dy    move right dx and up dy rows
//!       0 n≥3 …      n literal pixels (n bytes, ⌈n/2⌉ bytes, 3n bytes), padded to 16 bits
//!   3 Huffman 1-D (OS/2 fax coding of 1-bit images) → ExecError::Unsupported
//! ──▶ RGBA8 frame, alpha 255 (pixels an RLE stream skips stay opaque black, as the `image`
//!     crate and Internet Explorer show them)
//! ```
//!
//! Rows are stored bottom up unless the height is negative. Palette entries are 4 bytes, as
//! in every header but the 12-byte core one (ImageMagick 6 reads 3-byte entries after a
//! 64-byte header, and so gets OS/2 2.x palette colours wrong); indices past the palette are
//! black. The size must be the plan's; the only allocation is the frame (and the palette).
//! Pixel data that ends before the last row is complete (RLE: before the end-of-line or
//! end-of-bitmap code that ends it) is an [`ExecError::Decode`] naming the row; a run or delta
//! past the right edge is clipped, as the `image` crate clips ImageMagick's overlong RLE8
//! runs. BMP has no metadata.

use std::io::Cursor;

use image::codecs::bmp::BmpDecoder;

use super::{Target, image_error, still};
use crate::{ExecError, Frame, Metadata, Picture};

/// Where the DIB header starts: after the 14-byte file header.
const DIB_START: usize = 14;
/// Opaque black, what a pixel an RLE stream never writes shows.
const BLACK: [u8; 4] = [0, 0, 0, 255];

/// Decodes a BMP: OS/2 2.x headers here, every other one through the `image` crate.
pub(super) fn decode(data: &[u8], target: &Target) -> Result<Picture, ExecError> {
    if matches!(u32_at(data, DIB_START), Ok(16 | 64)) {
        let frame = decode_os2(data, target)?;
        return Ok(Picture::still(frame, Metadata::default()));
    }
    let decoder = BmpDecoder::new(Cursor::new(data)).map_err(|e| image_error("BMP", e))?;
    still::read(decoder, "BMP", target)
}

/// How the pixels of an OS/2 2.x bitmap are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Coding {
    Plain,
    Rle8,
    Rle4,
    Rle24,
}

/// The facts of an OS/2 2.x header.
struct Header {
    width: u32,
    height: u32,
    top_down: bool,
    bits: u16,
    coding: Coding,
    /// The palette as RGBA, for bit counts up to 8.
    palette: Vec<[u8; 4]>,
    pixel_offset: usize,
}

/// Decodes a bitmap with an OS/2 2.x (16- or 64-byte) DIB header.
fn decode_os2(data: &[u8], target: &Target) -> Result<Frame, ExecError> {
    let header = read_header(data, target)?;
    let pixels = data.get(header.pixel_offset..).ok_or_else(|| {
        ExecError::Decode(format!("BMP: the pixel data offset {} is past the end of the file", header.pixel_offset))
    })?;
    let mut frame = Frame::new(header.width, header.height)?;
    match header.coding {
        Coding::Plain => read_plain(pixels, &header, &mut frame)?,
        rle => {
            frame.pixels.chunks_exact_mut(4).for_each(|p| p.copy_from_slice(&BLACK));
            read_rle(pixels, rle, &header, &mut frame)?;
        }
    }
    Ok(frame)
}

/// Reads and checks the header and palette.
fn read_header(data: &[u8], target: &Target) -> Result<Header, ExecError> {
    let dib_size = u32_at(data, DIB_START)?;
    let width = i32_at(data, DIB_START + 4)?;
    let height = i32_at(data, DIB_START + 8)?;
    let bits = u16_at(data, DIB_START + 14)?;
    let (compression, colours_used) =
        if dib_size >= 64 { (u32_at(data, DIB_START + 16)?, u32_at(data, DIB_START + 32)?) } else { (0, 0) };
    if width <= 0 || height == 0 {
        return Err(ExecError::Decode(format!("BMP: a size of {width}x{height}")));
    }
    target.check_size("BMP", (width.unsigned_abs(), height.unsigned_abs()))?;
    let coding = coding(compression, bits)?;
    let palette_start = DIB_START + dib_size as usize;
    let palette = if bits <= 8 { read_palette(data, palette_start, bits, colours_used)? } else { Vec::new() };
    Ok(Header {
        width: width.unsigned_abs(),
        height: height.unsigned_abs(),
        top_down: height < 0,
        bits,
        coding,
        palette,
        pixel_offset: u32_at(data, 10)? as usize,
    })
}

/// The coding of `compression` for `bits`; a combination OS/2 does not define is an error.
fn coding(compression: u32, bits: u16) -> Result<Coding, ExecError> {
    match (compression, bits) {
        (0, 1 | 2 | 4 | 8 | 16 | 24 | 32) => Ok(Coding::Plain),
        (1, 8) => Ok(Coding::Rle8),
        (2, 4) => Ok(Coding::Rle4),
        (4, 24) => Ok(Coding::Rle24),
        (3, 1) => Err(ExecError::Unsupported("OS/2 BMP with Huffman 1-D (fax) compression".to_owned())),
        (compression, bits) => {
            Err(ExecError::Decode(format!("BMP: compression {compression} with {bits} bits a pixel")))
        }
    }
}

/// The palette: `colours_used` entries (0: all that `bits` index) of B G R reserved, as RGBA.
fn read_palette(data: &[u8], start: usize, bits: u16, colours_used: u32) -> Result<Vec<[u8; 4]>, ExecError> {
    let indexable = 1u32 << bits;
    let count = if colours_used == 0 { indexable } else { colours_used.min(indexable) } as usize;
    let bytes = start
        .checked_add(count * 4)
        .and_then(|end| data.get(start..end))
        .ok_or_else(|| ExecError::Decode(format!("BMP: the file ends inside its palette of {count} colours")))?;
    Ok(bytes.chunks_exact(4).map(|c| [c[2], c[1], c[0], 255]).collect())
}

/// The frame row a stored row (counted from the first stored) goes to.
fn frame_row(header: &Header, stored: u32) -> u32 {
    if header.top_down { stored } else { header.height - 1 - stored }
}

/// Uncompressed rows.
fn read_plain(pixels: &[u8], header: &Header, frame: &mut Frame) -> Result<(), ExecError> {
    let stride = (u64::from(header.width) * u64::from(header.bits)).div_ceil(32) * 4;
    let stride = usize::try_from(stride).map_err(|_| ExecError::Decode("BMP: rows too long".to_owned()))?;
    let row_len = header.width as usize * 4;
    for stored in 0..header.height {
        let start = (stored as usize).checked_mul(stride);
        let row = start.and_then(|start| pixels.get(start..start.checked_add(stride)?)).ok_or_else(|| {
            ExecError::Decode(format!("BMP: the pixel data ends at row {stored} of {}", header.height))
        })?;
        let at = frame_row(header, stored) as usize * row_len;
        let out = frame.pixels.get_mut(at..at + row_len).unwrap_or_default();
        for (x, pixel) in out.chunks_exact_mut(4).enumerate() {
            pixel.copy_from_slice(&plain_pixel(row, x, header));
        }
    }
    Ok(())
}

/// Pixel `x` of an uncompressed row (which holds at least `width` pixels).
fn plain_pixel(row: &[u8], x: usize, header: &Header) -> [u8; 4] {
    let byte = |at: usize| row.get(at).copied().unwrap_or(0);
    match header.bits {
        16 => {
            let v = u16::from_le_bytes([byte(x * 2), byte(x * 2 + 1)]);
            let five = |shift: u16| {
                let c = ((v >> shift) & 31) as u8;
                (c << 3) | (c >> 2)
            };
            [five(10), five(5), five(0), 255]
        }
        24 => [byte(x * 3 + 2), byte(x * 3 + 1), byte(x * 3), 255],
        32 => [byte(x * 4 + 2), byte(x * 4 + 1), byte(x * 4), 255],
        bits => {
            let bits = usize::from(bits);
            let bit = x * bits;
            let index = (byte(bit / 8) >> (8 - bits - bit % 8)) & ((1u16 << bits) - 1) as u8;
            colour(&header.palette, index)
        }
    }
}

/// Palette entry `index`, black past the palette.
fn colour(palette: &[[u8; 4]], index: u8) -> [u8; 4] {
    palette.get(usize::from(index)).copied().unwrap_or(BLACK)
}

/// Where an RLE stream writes: the stored row (from the first stored) and the column.
struct Pen {
    x: u32,
    y: u32,
}

/// Decodes RLE8, RLE4 or RLE24 data into a frame prefilled with opaque black.
fn read_rle(data: &[u8], coding: Coding, header: &Header, frame: &mut Frame) -> Result<(), ExecError> {
    let mut at = 0usize;
    let mut cursor = Pen { x: 0, y: 0 };
    let truncated = |cursor: &Pen| {
        ExecError::Decode(format!(
            "BMP: the RLE data ends at row {} of {} before its end-of-bitmap code",
            cursor.y, header.height
        ))
    };
    while cursor.y < header.height {
        let [count, value] = pair(data, at).ok_or_else(|| truncated(&cursor))?;
        at += 2;
        match (count, value) {
            (0, 0) => (cursor.x, cursor.y) = (0, cursor.y + 1),
            (0, 1) => return Ok(()),
            (0, 2) => {
                let [dx, dy] = pair(data, at).ok_or_else(|| truncated(&cursor))?;
                at += 2;
                cursor.x = cursor.x.saturating_add(u32::from(dx));
                cursor.y = cursor.y.saturating_add(u32::from(dy));
            }
            (0, n) => {
                at = literal(data, at, n, coding, header, frame, &mut cursor).ok_or_else(|| truncated(&cursor))?
            }
            (n, _) => {
                at = run(data, at - 1, n, coding, header, frame, &mut cursor).ok_or_else(|| truncated(&cursor))?
            }
        }
    }
    Ok(())
}

/// The two bytes at `at`.
fn pair(data: &[u8], at: usize) -> Option<[u8; 2]> {
    Some([*data.get(at)?, *data.get(at + 1)?])
}

/// A run of `n` pixels whose value starts at `at`; returns where the next code starts.
fn run(
    data: &[u8],
    at: usize,
    n: u8,
    coding: Coding,
    header: &Header,
    frame: &mut Frame,
    cursor: &mut Pen,
) -> Option<usize> {
    let (value, next) = match coding {
        Coding::Rle24 => (data.get(at..at + 3)?, at + 3),
        _ => (data.get(at..at + 1)?, at + 1),
    };
    for i in 0..n {
        let pixel = match coding {
            Coding::Rle24 => [value[2], value[1], value[0], 255],
            Coding::Rle4 => colour(&header.palette, nibble(value[0], usize::from(i))),
            _ => colour(&header.palette, value[0]),
        };
        put(frame, header, cursor, pixel);
    }
    Some(next)
}

/// `n` literal pixels starting at `at`; returns where the next code starts (16-bit aligned).
fn literal(
    data: &[u8],
    at: usize,
    n: u8,
    coding: Coding,
    header: &Header,
    frame: &mut Frame,
    cursor: &mut Pen,
) -> Option<usize> {
    let n = usize::from(n);
    let len = match coding {
        Coding::Rle24 => n * 3,
        Coding::Rle4 => n.div_ceil(2),
        _ => n,
    };
    let bytes = data.get(at..at + len)?;
    for i in 0..n {
        let pixel = match coding {
            Coding::Rle24 => [*bytes.get(i * 3 + 2)?, *bytes.get(i * 3 + 1)?, *bytes.get(i * 3)?, 255],
            Coding::Rle4 => colour(&header.palette, nibble(*bytes.get(i / 2)?, i)),
            _ => colour(&header.palette, *bytes.get(i)?),
        };
        put(frame, header, cursor, pixel);
    }
    Some(at + len.next_multiple_of(2))
}

/// The `i`-th of the two indices packed in an RLE4 byte, high nibble first.
fn nibble(byte: u8, i: usize) -> u8 {
    if i.is_multiple_of(2) { byte >> 4 } else { byte & 15 }
}

/// Writes one pixel at the cursor (clipped at the right edge) and moves it right.
fn put(frame: &mut Frame, header: &Header, cursor: &mut Pen, pixel: [u8; 4]) {
    if cursor.x < header.width && cursor.y < header.height {
        let at = (frame_row(header, cursor.y) as usize * header.width as usize + cursor.x as usize) * 4;
        if let Some(out) = frame.pixels.get_mut(at..at + 4) {
            out.copy_from_slice(&pixel);
        }
    }
    cursor.x = cursor.x.saturating_add(1);
}

/// A little-endian u32 of the headers.
fn u32_at(data: &[u8], at: usize) -> Result<u32, ExecError> {
    let bytes = data.get(at..at + 4).ok_or_else(|| ExecError::Decode("BMP: the headers are cut short".to_owned()))?;
    Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

/// A little-endian i32 of the headers.
fn i32_at(data: &[u8], at: usize) -> Result<i32, ExecError> {
    u32_at(data, at).map(u32::cast_signed)
}

/// A little-endian u16 of the headers.
fn u16_at(data: &[u8], at: usize) -> Result<u16, ExecError> {
    let bytes = data.get(at..at + 2).ok_or_else(|| ExecError::Decode("BMP: the headers are cut short".to_owned()))?;
    Ok(u16::from_le_bytes([bytes[0], bytes[1]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An OS/2 2.x bitmap: a DIB header of `size` (16 or 64) bytes, a palette of RGB colours
    /// (4 bytes each), then `pixels`.
    fn os2(
        size: usize,
        (width, height): (i32, i32),
        bits: u16,
        compression: u32,
        palette: &[[u8; 3]],
        pixels: &[u8],
    ) -> Vec<u8> {
        let mut dib = vec![0u8; size];
        dib[..4].copy_from_slice(&(size as u32).to_le_bytes());
        dib[4..8].copy_from_slice(&width.to_le_bytes());
        dib[8..12].copy_from_slice(&height.to_le_bytes());
        dib[12..14].copy_from_slice(&1u16.to_le_bytes());
        dib[14..16].copy_from_slice(&bits.to_le_bytes());
        if size >= 64 {
            dib[16..20].copy_from_slice(&compression.to_le_bytes());
            dib[32..36].copy_from_slice(&(palette.len() as u32).to_le_bytes());
        }
        let palette: Vec<u8> = palette.iter().flat_map(|[r, g, b]| [*b, *g, *r, 0]).collect();
        let offset = (14 + size + palette.len()) as u32;
        let mut file = b"BM".to_vec();
        file.extend((offset + pixels.len() as u32).to_le_bytes());
        file.extend([0; 4]);
        file.extend(offset.to_le_bytes());
        file.extend(dib);
        file.extend(palette);
        file.extend(pixels);
        file
    }

    fn decoded(file: &[u8], width: u32, height: u32) -> Result<Vec<[u8; 4]>, ExecError> {
        let frame = decode_os2(file, &Target { width, height, frames: 1 })?;
        Ok(frame.pixels.chunks_exact(4).map(|p| [p[0], p[1], p[2], p[3]]).collect())
    }

    const K: [u8; 4] = BLACK;

    #[test]
    fn rle8_runs_literals_deltas_and_skipped_pixels() {
        let palette: Vec<[u8; 3]> = (0..=255u8).map(|i| [i, 255 - i, 7]).collect();
        let p = |i: u8| [i, 255 - i, 7, 255];
        // Stored bottom up: run of 3 × 10 and a literal 20 30 31 (clipped after 20 30); a
        // delta of 2 and a run of 2 × 40; a literal 1-5; end of bitmap.
        let data = [3, 10, 0, 3, 20, 30, 31, 0, 0, 0, 0, 2, 2, 0, 2, 40, 0, 0, 0, 5, 1, 2, 3, 4, 5, 0, 0, 1];
        let pixels = decoded(&os2(64, (5, 3), 8, 1, &palette, &data), 5, 3).unwrap();
        assert_eq!(pixels[..5], [p(1), p(2), p(3), p(4), p(5)]);
        assert_eq!(pixels[5..10], [K, K, p(40), p(40), K]);
        assert_eq!(pixels[10..], [p(10), p(10), p(10), p(20), p(30)]);
    }

    #[test]
    fn rle4_alternates_nibbles() {
        let palette: Vec<[u8; 3]> = (0..16u8).map(|i| [i * 16, 0, 1]).collect();
        let p = |i: u8| [i * 16, 0, 1, 255];
        let data = [6, 0x12, 0, 0, 0, 3, 0x45, 0x60, 3, 0x89, 0, 1];
        let pixels = decoded(&os2(64, (6, 2), 4, 2, &palette, &data), 6, 2).unwrap();
        assert_eq!(pixels, [p(4), p(5), p(6), p(8), p(9), p(8), p(1), p(2), p(1), p(2), p(1), p(2)]);
    }

    #[test]
    fn plain_rows_of_every_depth() {
        // 1 bit, 16-byte header: rows of 4 bytes, MSB first.
        let (red, blue) = ([255, 0, 0, 255], [0, 0, 255, 255]);
        let rows = [0b1011_0011, 0b1000_0000, 0, 0, 0b0100_1100, 0, 0, 0];
        let pixels = decoded(&os2(16, (9, 2), 1, 0, &[[255, 0, 0], [0, 0, 255]], &rows), 9, 2).unwrap();
        assert_eq!(pixels[..9], [red, blue, red, red, blue, blue, red, red, red]);
        assert_eq!(pixels[9..], [blue, red, blue, blue, red, red, blue, blue, blue]);
        // 16-bit X1R5G5B5: pure red and cyan.
        let pixels = decoded(&os2(64, (2, 1), 16, 0, &[], &[0x00, 0x7C, 0xFF, 0x03]), 2, 1).unwrap();
        assert_eq!(pixels, [[255, 0, 0, 255], [0, 255, 255, 255]]);
        // 24-bit B G R, top down (negative height).
        let rows = [1, 2, 3, 4, 5, 6, 0, 0, 7, 8, 9, 10, 11, 12, 0, 0];
        let pixels = decoded(&os2(64, (2, -2), 24, 0, &[], &rows), 2, 2).unwrap();
        assert_eq!(pixels, [[3, 2, 1, 255], [6, 5, 4, 255], [9, 8, 7, 255], [12, 11, 10, 255]]);
        // 32-bit B G R X.
        let pixels = decoded(&os2(64, (1, 1), 32, 0, &[], &[1, 2, 3, 99]), 1, 1).unwrap();
        assert_eq!(pixels, [[3, 2, 1, 255]]);
    }

    #[test]
    fn rle24_runs_and_padded_literals() {
        // A run of 2 × (B 1, G 2, R 3); a literal of 1 pixel is an escape (0, 1) = end of
        // bitmap, so literals have 3 pixels or more: 3 pixels, 9 bytes, one byte of padding.
        let data = [2, 1, 2, 3, 0, 3, 10, 11, 12, 20, 21, 22, 30, 31, 32, 0, 0, 1];
        let pixels = decoded(&os2(64, (5, 1), 24, 4, &[], &data), 5, 1).unwrap();
        assert_eq!(pixels, [[3, 2, 1, 255], [3, 2, 1, 255], [12, 11, 10, 255], [22, 21, 20, 255], [32, 31, 30, 255]]);
    }

    #[test]
    fn truncated_or_corrupt_rle24_is_an_error_never_a_panic() {
        let data = [2, 1, 2, 3, 0, 3, 10, 11, 12, 20, 21, 22, 30, 31, 32, 0, 0, 0, 5, 1, 2, 3, 0, 1];
        let file = os2(64, (5, 2), 24, 4, &[], &data);
        assert!(decoded(&file, 5, 2).is_ok());
        let pixel_start = file.len() - data.len();
        for n in 0..file.len() - 2 {
            match decoded(&file[..n], 5, 2) {
                Err(ExecError::Decode(message)) if n >= pixel_start => assert!(message.contains("row"), "{message}"),
                Err(ExecError::Decode(_)) => {}
                other => panic!("{n} bytes: {other:?}"),
            }
        }
        for at in 0..file.len() {
            for value in [0, 1, 2, 3, 0x7F, 0xFF] {
                let mut copy = file.clone();
                copy[at] = value;
                let _ = decoded(&copy, 5, 2);
            }
        }
        // A delta far below the last row ends the picture; an offset past the end is an error.
        let file = os2(64, (2, 2), 24, 4, &[], &[0, 2, 0, 255, 2, 9, 9, 9]);
        assert_eq!(decoded(&file, 2, 2).unwrap(), [K; 4]);
        let mut far = file.clone();
        far[10..14].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(decoded(&far, 2, 2), Err(ExecError::Decode(_))));
    }

    #[test]
    fn headers_that_do_not_fit_are_refused() {
        let file = os2(64, (2, 2), 24, 4, &[], &[0, 1]);
        assert!(matches!(decoded(&file, 3, 2), Err(ExecError::Decode(_))));
        assert!(matches!(decoded(&os2(64, (8, 1), 1, 3, &[[0; 3]; 2], &[0; 8]), 8, 1), Err(ExecError::Unsupported(_))));
        assert!(matches!(decoded(&os2(64, (8, 1), 8, 4, &[], &[0; 8]), 8, 1), Err(ExecError::Decode(_))));
        // A palette cut short.
        let mut cut = os2(64, (1, 1), 8, 0, &[[1, 2, 3]; 4], &[0, 0, 0, 0]);
        cut[46..50].copy_from_slice(&1000u32.to_le_bytes());
        cut.truncate(14 + 64 + 8);
        assert!(matches!(decoded(&cut, 1, 1), Err(ExecError::Decode(_))));
    }
}
