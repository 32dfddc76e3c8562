//! Still images through the `image` crate's decoders: the shared read (limits, size check,
//! metadata, pixels to RGBA8) that PNG, WebP, BMP (bmp.rs) and TIFF (tiff.rs) use.
//!
//! ```text
//! decoder ──set_limits(plan)──▶ dimensions == plan ──▶ ICC, EXIF, XMP (a damaged metadata
//!         block is dropped, not an error) ──read_image──▶ native layout ──rgba.rs──▶ Frame
//! ```
//!
//! Layouts the `image` crate does not decode (TIFF CMYK, for one) are
//! [`ExecError::Unsupported`].

use image::ImageDecoder;

use super::{Target, exif_tiff, image_error, rgba};
use crate::{ExecError, Frame, Metadata, Picture};

/// Reads a still image of `format` from its decoder, as the target says.
pub(super) fn read(mut decoder: impl ImageDecoder, format: &str, target: &Target) -> Result<Picture, ExecError> {
    let metadata = prepare(&mut decoder, format, target)?;
    let frame = read_frame(decoder, format)?;
    Ok(Picture::still(frame, metadata))
}

/// Sets the target's limits on a decoder, checks its size and reads its metadata.
pub(super) fn prepare(decoder: &mut impl ImageDecoder, format: &str, target: &Target) -> Result<Metadata, ExecError> {
    target.check_size(format, decoder.dimensions())?;
    decoder.set_limits(target.limits()).map_err(|e| image_error(format, e))?;
    Ok(Metadata {
        exif: decoder.exif_metadata().ok().flatten().as_deref().and_then(exif_tiff),
        icc: decoder.icc_profile().ok().flatten().filter(|icc| !icc.is_empty()),
        xmp: decoder.xmp_metadata().ok().flatten().filter(|xmp| !xmp.is_empty()),
    })
}

/// Reads the pixels of a decoder whose size was checked, as an RGBA8 frame.
pub(super) fn read_frame(decoder: impl ImageDecoder, format: &str) -> Result<Frame, ExecError> {
    let (width, height) = decoder.dimensions();
    let color = decoder.color_type();
    let len = usize::try_from(decoder.total_bytes())
        .map_err(|_| ExecError::OutOfMemory(format!("a {width}x{height} {format} image")))?;
    let mut native = Vec::new();
    native
        .try_reserve_exact(len)
        .map_err(|_| ExecError::OutOfMemory(format!("a {width}x{height} {format} image ({len} bytes)")))?;
    native.resize(len, 0);
    decoder.read_image(&mut native).map_err(|e| image_error(format, e))?;
    rgba::to_frame(color, width, height, native)
}
