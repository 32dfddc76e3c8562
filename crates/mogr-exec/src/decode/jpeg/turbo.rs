//! The libjpeg-turbo decoder (feature `jpeg-turbo`): DCT-domain scaling, CMYK through
//! cmyk.rs, damaged data kept where libjpeg only warns (see the parent module's docs).

use turbojpeg::{Colorspace, Decompressor, Image, PixelFormat, ScalingFactor};

use super::box_shrink;
use crate::decode::markers::JpegMarkers;
use crate::decode::{Target, cmyk};
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

/// Decodes the 8-bit JPEG whose markers are `markers` at 1/`shrink` of its size, which must
/// be the target's.
pub(super) fn decode(data: &[u8], markers: JpegMarkers, shrink: u8, target: &Target) -> Result<Picture, ExecError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_warnings_keep_a_decode() {
        assert!(is_warning("Corrupt JPEG data: 12 extraneous bytes before marker 0xd9"));
        assert!(is_warning("Premature end of JPEG file"));
        assert!(!is_warning("Bogus marker length"));
        assert!(!is_warning("Unsupported JPEG data precision 12"));
    }
}
