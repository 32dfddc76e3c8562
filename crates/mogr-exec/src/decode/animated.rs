//! The frames of an `image` crate animation decoder (GIF, animated WebP), which composites
//! them itself: each frame it yields is a full canvas.
//!
//! Only the frames the plan wants are decoded (the iterator is not run further), each is
//! checked against the plan's size before it is kept, and a decoder error on any of them is
//! the decode's error.

use image::Frames;

use super::{Target, image_error};
use crate::{ExecError, Frame};

/// The first `target.frames` frames of `frames`, their delays (in milliseconds) mapped by
/// `delay`.
pub(super) fn collect(
    frames: Frames<'_>,
    format: &str,
    target: &Target,
    delay: impl Fn(u32) -> u32,
) -> Result<Vec<Frame>, ExecError> {
    let mut kept = Vec::new();
    for frame in frames.take(target.frames as usize) {
        let frame = frame.map_err(|e| image_error(format, e))?;
        let (numerator, denominator) = frame.delay().numer_denom_ms();
        let buffer = frame.into_buffer();
        target.check_size(&format!("{format} frame"), buffer.dimensions())?;
        let mut frame = Frame::from_pixels(target.width, target.height, buffer.into_raw())?;
        frame.delay_ms = delay(numerator.checked_div(denominator).unwrap_or(0));
        kept.push(frame);
    }
    Ok(kept)
}
