//! BMP through the `image` crate's encoder.
//!
//! An opaque frame is written 24-bit (BITMAPINFOHEADER, the layout every reader knows); a
//! frame with transparency 32-bit with an alpha mask (BITMAPV4HEADER). BMP carries no
//! metadata here.

use std::borrow::Cow;

use image::ExtendedColorType;
use image::codecs::bmp::BmpEncoder;

use super::pixels::{Layout, buffer_with_capacity, is_opaque, repack};
use crate::{ExecError, Frame};

/// Encodes one frame as BMP.
pub(super) fn encode(frame: &Frame) -> Result<Vec<u8>, ExecError> {
    let (samples, color): (Cow<'_, [u8]>, _) = if is_opaque(&frame.pixels) {
        (Cow::Owned(repack(&frame.pixels, Layout::Rgb)?), ExtendedColorType::Rgb8)
    } else {
        (Cow::Borrowed(&frame.pixels), ExtendedColorType::Rgba8)
    };
    // Headers (at most 14 + 108 bytes) and row padding (at most 3 bytes a row), reserved
    // up front so that a large BMP fails to allocate here rather than aborting.
    let mut out = buffer_with_capacity(samples.len() + 3 * frame.height as usize + 128)?;
    BmpEncoder::new(&mut out)
        .encode(&samples, frame.width, frame.height, color)
        .map_err(|error| ExecError::Encode(format!("BMP: {error}")))?;
    Ok(out)
}
