//! JPEG through libjpeg-turbo 3 (`turbojpeg`), scaled in the DCT domain.
//!
//! ```text
//! bytes ──markers.rs──▶ EXIF, ICC, XMP, Adobe, precision
//!       ── precision ≠ 8 ──▶ lossless.rs (SOF3 of 2-16 bits; any other frame: Unsupported)
//!       ──read_header──▶ size, colour space ──scaled(1/shrink_on_load) must equal the plan's size
//!       ──decompress──▶ YCbCr/RGB/grey: RGBA directly into the frame
//!                       CMYK/YCCK: CMYK into the frame, then cmyk.rs converts in place
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

use turbojpeg::{Colorspace, Decompressor, Image, PixelFormat, ScalingFactor};

use super::{Target, cmyk, lossless, markers};
use crate::{ExecError, Frame, Picture};

/// The most progressive scans a file may have.
const SCAN_LIMIT: u32 = 500;

/// Messages libjpeg emits as warnings, after which the picture is complete (damaged parts
/// are grey).
const WARNINGS: &[&str] = &[
    "Corrupt JPEG data",
    "Premature end of JPEG file",
    "Warning: unknown JFIF revision",
    "Inconsistent progression sequence",
    "Invalid SOS parameters for sequential JPEG",
    "Unknown Adobe color transform code",
];

/// Decodes the JPEG at 1/`shrink` of its size, which must be the target's.
pub(super) fn decode(data: &[u8], shrink: u8, target: &Target) -> Result<Picture, ExecError> {
    let markers = markers::scan(data);
    if let Some(precision) = markers.precision.filter(|&p| p != 8) {
        return lossless::decode(data, precision, shrink, target, markers.metadata);
    }
    let factor = scaling_factor(shrink)?;
    let mut decompressor = Decompressor::new().map_err(|e| turbo_error("starting the decoder", &e))?;
    decompressor.set_scan_limit(SCAN_LIMIT).map_err(|e| turbo_error("setting the scan limit", &e))?;
    let header = decompressor.read_header(data).map_err(|e| turbo_error("reading the header", &e))?;
    let cmyk = matches!(header.colorspace, Colorspace::CMYK | Colorspace::YCCK);
    let format = if cmyk { PixelFormat::CMYK } else { PixelFormat::RGBA };
    let mut frame = if header.is_lossless && shrink > 1 {
        let (width, height) = (side(header.width)?, side(header.height)?);
        target.check_size("scaled JPEG", (width.div_ceil(u32::from(shrink)), height.div_ceil(u32::from(shrink))))?;
        let full = decompress(&mut decompressor, data, (width, height), format)?;
        box_shrink(&full, shrink)?
    } else {
        decompressor.set_scaling_factor(factor).map_err(|e| turbo_error("setting the scale", &e))?;
        let scaled = header.scaled(factor);
        target.check_size("scaled JPEG", (side(scaled.width)?, side(scaled.height)?))?;
        decompress(&mut decompressor, data, (target.width, target.height), format)?
    };
    let mut metadata = markers.metadata;
    if cmyk {
        cmyk::to_rgba(&mut frame.pixels, markers.adobe);
        metadata.icc = None;
    }
    Ok(Picture::still(frame, metadata))
}

/// The DCT scaling factor for a shrink-on-load of 1, 2, 4 or 8.
fn scaling_factor(shrink: u8) -> Result<ScalingFactor, ExecError> {
    match shrink {
        1 => Ok(ScalingFactor::ONE),
        2 => Ok(ScalingFactor::ONE_HALF),
        4 => Ok(ScalingFactor::ONE_QUARTER),
        8 => Ok(ScalingFactor::ONE_EIGHTH),
        other => Err(ExecError::Internal(format!("a JPEG shrink-on-load of {other} (1, 2, 4 or 8 expected)"))),
    }
}

/// A side libjpeg reported, as u32.
fn side(value: usize) -> Result<u32, ExecError> {
    u32::try_from(value).map_err(|_| ExecError::Decode(format!("a JPEG side of {value} pixels")))
}

/// Decompresses into a new frame of `size` (whose pixels hold RGBA or CMYK, 4 bytes each).
fn decompress(
    decompressor: &mut Decompressor,
    data: &[u8],
    (width, height): (u32, u32),
    format: PixelFormat,
) -> Result<Frame, ExecError> {
    let mut frame = Frame::new(width, height)?;
    let image = Image {
        pixels: &mut frame.pixels[..],
        width: width as usize,
        pitch: width as usize * 4,
        height: height as usize,
        format,
    };
    match decompressor.decompress(data, image) {
        Ok(()) => Ok(frame),
        Err(turbojpeg::Error::TurboJpegError(message)) if is_warning(&message) => Ok(frame),
        Err(e) => Err(turbo_error("decoding", &e)),
    }
}

/// Whether libjpeg's message is one of the warnings after which the picture is complete.
fn is_warning(message: &str) -> bool {
    WARNINGS.iter().any(|w| message.starts_with(w))
}

/// A libjpeg-turbo error while doing `what`.
fn turbo_error(what: &str, error: &turbojpeg::Error) -> ExecError {
    ExecError::Decode(format!("JPEG, {what}: {error}"))
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

    #[test]
    fn only_warnings_keep_a_decode() {
        assert!(is_warning("Corrupt JPEG data: 12 extraneous bytes before marker 0xd9"));
        assert!(is_warning("Premature end of JPEG file"));
        assert!(!is_warning("Bogus marker length"));
        assert!(!is_warning("Unsupported JPEG data precision 12"));
    }
}
