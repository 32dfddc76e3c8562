//! JPEG through libjpeg-turbo 3 (`turbojpeg`), scaled in the DCT domain.
//!
//! ```text
//! bytes ──markers.rs──▶ EXIF, ICC, XMP, Adobe, precision
//!       ──read_header──▶ size, colour space ──scaled(1/shrink_on_load) must equal the plan's size
//!       ──decompress──▶ YCbCr/RGB/grey: RGBA directly into the frame
//!                       CMYK/YCCK: CMYK into the frame, then cmyk.rs converts in place
//! ```
//!
//! Scaling by 1/2, 1/4 or 1/8 happens inside the inverse DCT (libjpeg-turbo computes the
//! scaled size as ⌈side / shrink⌉, as the planner does), so a shrunk decode is faster and
//! never allocates the full-size picture. A lossless JPEG (SOF3) cannot be scaled that way:
//! it is decoded whole and reduced by averaging each `shrink`×`shrink` block (edge blocks
//! average what they have), which gives the same ⌈side / shrink⌉ size.
//!
//! Damaged data: libjpeg reports some damage as warnings and still fills every row (grey where
//! data is missing), as browsers and libvips (without `fail`) show such files; those decodes
//! are kept. Anything else it reports is an [`ExecError::Decode`]. Only 8-bit samples are
//! decoded (12-bit and 16-bit JPEGs are [`ExecError::Unsupported`]), and a progressive file
//! may have at most 500 scans (a defence against the "many scans" denial of service).

use turbojpeg::{Colorspace, Decompressor, Image, PixelFormat, ScalingFactor};

use super::{Target, cmyk, markers};
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
        return Err(ExecError::Unsupported(format!("{precision}-bit JPEG samples (this build decodes 8-bit ones)")));
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
    let s = u32::from(shrink);
    let mut out = Frame::new(full.width.div_ceil(s), full.height.div_ceil(s))?;
    let out_width = out.width as usize;
    for (at, pixel) in out.pixels.chunks_exact_mut(4).enumerate() {
        let (x0, y0) = ((at % out_width) as u32 * s, (at / out_width) as u32 * s);
        let mut sum = [0u32; 4];
        let mut count = 0;
        for y in y0..(y0 + s).min(full.height) {
            for x in x0..(x0 + s).min(full.width) {
                let p = full.pixel(x, y).unwrap_or_default();
                sum.iter_mut().zip(p).for_each(|(total, v)| *total += u32::from(v));
                count += 1;
            }
        }
        let count = count.max(1);
        pixel.iter_mut().zip(sum).for_each(|(v, total)| *v = ((total + count / 2) / count) as u8);
    }
    Ok(out)
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
    fn only_warnings_keep_a_decode() {
        assert!(is_warning("Corrupt JPEG data: 12 extraneous bytes before marker 0xd9"));
        assert!(is_warning("Premature end of JPEG file"));
        assert!(!is_warning("Bogus marker length"));
        assert!(!is_warning("Unsupported JPEG data precision 12"));
    }
}
