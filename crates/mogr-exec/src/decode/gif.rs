//! GIF through the `image` crate's GIF decoder.
//!
//! Frames are composited onto the logical screen by the decoder: a frame's transparent
//! pixels show what lies beneath, frames reaching past the screen are clipped, disposal
//! "background" clears the frame's region to transparent (the screen's background colour is
//! ignored, as browsers do), "previous" restores it, "none"/"keep" leave it. The first frame
//! alone is what a still output needs. Delays: centiseconds × 10, with 0 and 1 centisecond
//! played as 100 ms (see the module docs of `decode`). ICC (the `ICCRGBG1012` application
//! extension) and XMP are kept; GIF has no EXIF.
//!
//! Known limit: the `gif` crate under the `image` crate refuses a frame whose RGBA buffer
//! exceeds its default 50 MB (about 12.5 megapixels), and the `image` crate offers no way to
//! raise it, so larger GIFs are a `Decode` error although the plan allows them.

use std::io::Cursor;

use image::AnimationDecoder;
use image::codecs::gif::GifDecoder;

use super::{Target, animated, image_error, still};
use crate::{ExecError, Picture};

/// Delays of at most this many milliseconds are played as [`SLOW_DELAY_MS`] by browsers.
const FASTEST_DELAY_MS: u32 = 10;
/// What browsers play a delay of 0 or 1 centisecond as.
const SLOW_DELAY_MS: u32 = 100;

/// Decodes the first `target.frames` frames of a GIF, composited.
pub(super) fn decode(data: &[u8], target: &Target) -> Result<Picture, ExecError> {
    let mut decoder = GifDecoder::new(Cursor::new(data)).map_err(|e| image_error("GIF", e))?;
    let metadata = still::prepare(&mut decoder, "GIF", target)?;
    let frames = animated::collect(decoder.into_frames(), "GIF", target, browser_delay)?;
    Ok(Picture { frames, loop_count: None, metadata })
}

/// A GIF delay as browsers play it.
fn browser_delay(ms: u32) -> u32 {
    if ms <= FASTEST_DELAY_MS { SLOW_DELAY_MS } else { ms }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fastest_delays_play_at_a_tenth_of_a_second() {
        assert_eq!(browser_delay(0), 100);
        assert_eq!(browser_delay(10), 100);
        assert_eq!(browser_delay(20), 20);
        assert_eq!(browser_delay(70), 70);
    }
}
