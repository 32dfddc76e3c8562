//! PNG and APNG through the `image` crate's PNG decoder.
//!
//! ```text
//! one frame wanted ──PngDecoder──▶ the default image (IDAT), what every PNG viewer shows
//!                                   (palette and tRNS expanded, 16-bit → 8-bit, Adam7)
//! more frames       ──apng.rs──▶ every frame decoded on its own and composited
//! ```

use std::io::Cursor;

use image::codecs::png::PngDecoder;

use super::{Target, apng, image_error, still};
use crate::{ExecError, Picture};

/// Decodes a PNG (its default image) or, when the target wants more than one frame, an APNG.
pub(super) fn decode(data: &[u8], target: &Target) -> Result<Picture, ExecError> {
    if target.frames > 1 {
        return apng::decode(data, target);
    }
    let decoder = PngDecoder::with_limits(Cursor::new(data), target.limits()).map_err(|e| image_error("PNG", e))?;
    still::read(decoder, "PNG", target)
}
