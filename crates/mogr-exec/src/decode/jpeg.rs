//! JPEG: through libjpeg-turbo 3 (`turbojpeg`, feature `jpeg-turbo`), scaled in the DCT
//! domain; without that feature through the `image` crate's pure-Rust decoder (zune-jpeg).
//!
//! ```text
//! bytes ──markers.rs──▶ EXIF, ICC, XMP, Adobe, precision
//!       ── precision ≠ 8 ──▶ lossless.rs (SOF3 of 2-16 bits; any other frame: Unsupported)
//!       ── 8 bits, jpeg/turbo.rs (feature `jpeg-turbo`):
//!          ──read_header──▶ size, colour space ──scaled(1/shrink_on_load) must equal the plan's size
//!          ──decompress──▶ YCbCr/RGB/grey: RGBA directly into the frame
//!                          CMYK/YCCK: CMYK into the frame, then cmyk.rs converts in place
//!       ── 8 bits, jpeg/zune.rs (without it):
//!          ──zune-jpeg at full size (CMYK/YCCK converted by zune-jpeg)──▶ box_shrink by
//!            shrink_on_load ──▶ the plan's size
//! ```
//!
//! Scaling by 1/2, 1/4 or 1/8 happens inside the inverse DCT (libjpeg-turbo computes the
//! scaled size as ⌈side / shrink⌉, as the planner does), so a shrunk decode is faster and
//! never allocates the full-size picture. A lossless JPEG (SOF3) cannot be scaled that way:
//! it is reduced by averaging each `shrink`×`shrink` block (edge blocks average what they
//! have), which gives the same ⌈side / shrink⌉ size: [`BoxShrink`], fed row by row. An 8-bit
//! one is decoded whole by libjpeg-turbo first; one of more bits streams its rows from
//! lossless.rs, so only the shrunk picture is ever held.
//!
//! Damaged data: libjpeg reports some damage as warnings and still fills every row (grey where
//! data is missing), as browsers and libvips (without `fail`) show such files; those decodes
//! are kept. Anything else it reports is an [`ExecError::Decode`]. Samples of other than 8
//! bits are decoded only in greyscale lossless files (lossless.rs, rounded to 8 bits); a
//! 12-bit DCT JPEG and the like are [`ExecError::Unsupported`]. A progressive file may have at
//! most 500 scans (a defence against the "many scans" denial of service).
//!
//! Without `jpeg-turbo` (zune-jpeg), what differs: a shrunk decode first decodes, and holds,
//! the full-size picture (time and memory beyond the plan's estimate, within the input
//! limits), then averages blocks, so pixels differ slightly from DCT-domain scaling; CMYK and
//! YCCK are converted by zune-jpeg, not cmyk.rs, and their ICC profile is dropped all the
//! same; 8-bit lossless JPEGs are [`ExecError::Unsupported`]; zune-jpeg is stricter with
//! damaged data (what libjpeg only warns about may be an [`ExecError::Decode`]). The 500-scan
//! limit holds: the scans are counted before decoding.

#[cfg(feature = "jpeg-turbo")]
mod turbo;
#[cfg(not(feature = "jpeg-turbo"))]
mod zune;

#[cfg(feature = "jpeg-turbo")]
use self::turbo::decode as decode_8_bit;
#[cfg(not(feature = "jpeg-turbo"))]
use self::zune::decode as decode_8_bit;
use super::{Target, lossless, markers};
use crate::{ExecError, Frame, Picture};

/// Decodes the JPEG at 1/`shrink` of its size, which must be the target's.
pub(super) fn decode(data: &[u8], shrink: u8, target: &Target) -> Result<Picture, ExecError> {
    let markers = markers::scan(data);
    if let Some(precision) = markers.precision.filter(|&p| p != 8) {
        return lossless::decode(data, precision, shrink, target, markers.metadata);
    }
    decode_8_bit(data, markers, shrink, target)
}

/// The frame reduced by `shrink`: each `shrink`×`shrink` block averaged (rounded), edge
/// blocks over the pixels they have.
fn box_shrink(full: &Frame, shrink: u8) -> Result<Frame, ExecError> {
    let mut average = BoxShrink::new(full.width, full.height, u32::from(shrink))?;
    (0..full.height).for_each(|y| average.push_row(full.row(y)));
    Ok(average.finish())
}

/// [`box_shrink`] fed one full-size RGBA row at a time (lossless.rs uses it so, never holding
/// the full-size picture): sums of the current block row, written out when it is complete.
pub(super) struct BoxShrink {
    shrink: u32,
    full_width: u32,
    full_height: u32,
    /// Full-size rows pushed so far.
    rows: u32,
    /// Per output pixel of the current block row: the sums of R, G, B, A.
    sums: Vec<u32>,
    out: Frame,
}

impl BoxShrink {
    /// An average of `shrink`×`shrink` blocks of a `full_width`×`full_height` picture.
    pub(super) fn new(full_width: u32, full_height: u32, shrink: u32) -> Result<BoxShrink, ExecError> {
        let shrink = shrink.max(1);
        let out = Frame::new(full_width.div_ceil(shrink), full_height.div_ceil(shrink))?;
        let len = out.width as usize * 4;
        let mut sums = Vec::new();
        sums.try_reserve_exact(len).map_err(|_| ExecError::OutOfMemory(format!("a row of {len} sums")))?;
        sums.resize(len, 0);
        Ok(BoxShrink { shrink, full_width, full_height, rows: 0, sums, out })
    }

    /// Adds the next full-size row (RGBA, `full_width` pixels); rows past the last are ignored.
    pub(super) fn push_row(&mut self, row: &[u8]) {
        if self.rows >= self.full_height {
            return;
        }
        let block_width = self.shrink as usize * 4;
        for (block, sums) in row.chunks(block_width).zip(self.sums.chunks_exact_mut(4)) {
            for pixel in block.chunks_exact(4) {
                sums.iter_mut().zip(pixel).for_each(|(sum, &v)| *sum += u32::from(v));
            }
        }
        self.rows += 1;
        if self.rows.is_multiple_of(self.shrink) || self.rows == self.full_height {
            self.flush();
        }
    }

    /// Writes the averages of the completed block row and clears the sums.
    fn flush(&mut self) {
        let block_rows = (self.rows - 1) % self.shrink + 1;
        let out_row = ((self.rows - 1) / self.shrink) as usize;
        let stride = self.sums.len();
        let out = self.out.pixels.get_mut(out_row * stride..(out_row + 1) * stride).unwrap_or_default();
        for (bx, (pixel, sums)) in out.chunks_exact_mut(4).zip(self.sums.chunks_exact(4)).enumerate() {
            let block_cols = self.shrink.min(self.full_width - bx as u32 * self.shrink);
            let count = (block_cols * block_rows).max(1);
            pixel.iter_mut().zip(sums).for_each(|(v, &total)| *v = ((total + count / 2) / count) as u8);
        }
        self.sums.fill(0);
    }

    /// The averaged picture.
    pub(super) fn finish(self) -> Frame {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_shrink_averages_blocks_and_keeps_partial_edges() {
        let mut full = Frame::new(3, 1).unwrap();
        full.pixels.copy_from_slice(&[0, 0, 0, 255, 10, 20, 30, 255, 7, 7, 7, 255]);
        let out = box_shrink(&full, 2).unwrap();
        assert_eq!((out.width, out.height), (2, 1));
        assert_eq!(out.pixels, [5, 10, 15, 255, 7, 7, 7, 255]);
    }

    #[test]
    fn box_shrink_averages_every_block_size() {
        let mut full = Frame::new(7, 5).unwrap();
        full.pixels.iter_mut().enumerate().for_each(|(i, v)| *v = (i * 37 % 251) as u8);
        for shrink in [1, 2, 4, 8] {
            let whole = box_shrink(&full, shrink).unwrap();
            let (width, height) = (7u32.div_ceil(u32::from(shrink)), 5u32.div_ceil(u32::from(shrink)));
            assert_eq!((whole.width, whole.height), (width, height));
            for (x, y) in [(0, 0), (width - 1, height - 1)] {
                let s = u32::from(shrink);
                let block: Vec<[u8; 4]> = (y * s..((y + 1) * s).min(5))
                    .flat_map(|yy| (x * s..((x + 1) * s).min(7)).map(move |xx| (xx, yy)))
                    .map(|(xx, yy)| full.pixel(xx, yy).unwrap())
                    .collect();
                let n = block.len() as u32;
                let mean = |c: usize| ((block.iter().map(|p| u32::from(p[c])).sum::<u32>() + n / 2) / n) as u8;
                assert_eq!(whole.pixel(x, y), Some([mean(0), mean(1), mean(2), mean(3)]), "{shrink} {x} {y}");
            }
        }
    }
}
