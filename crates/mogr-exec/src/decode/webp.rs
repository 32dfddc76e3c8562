//! WebP (lossy, lossless, with alpha, animated) through the `image` crate's WebP decoder
//! (image-webp).
//!
//! A still WebP is read as any still image. An animated one is composited by the decoder on a
//! canvas that starts transparent black, and a frame disposed "to background" clears its
//! region to transparent black too: the ANIM chunk's background colour is only a hint, which
//! browsers and libwebp's own animation decoder ignore (left unset, image-webp would not clear
//! disposed regions at all). Delays are the stored milliseconds. ICC, EXIF and XMP chunks are
//! kept.

use std::io::Cursor;

use image::codecs::webp::WebPDecoder;
use image::{AnimationDecoder, Rgba};

use super::{Target, animated, image_error, still};
use crate::{ExecError, Picture};

/// Decodes a still WebP, or the first `target.frames` frames of an animated one.
pub(super) fn decode(data: &[u8], target: &Target) -> Result<Picture, ExecError> {
    let mut decoder = WebPDecoder::new(Cursor::new(data)).map_err(|e| image_error("WebP", e))?;
    if !decoder.has_animation() {
        return still::read(decoder, "WebP", target);
    }
    decoder.set_background_color(Rgba([0, 0, 0, 0])).map_err(|e| image_error("WebP", e))?;
    let metadata = still::prepare(&mut decoder, "WebP", target)?;
    let frames = animated::collect(decoder.into_frames(), "WebP", target, |ms| ms)?;
    Ok(Picture { frames, loop_count: None, metadata })
}
