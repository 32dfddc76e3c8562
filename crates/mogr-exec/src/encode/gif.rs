//! GIF, still or animated, through the `image` crate's encoder (the `gif` crate).
//!
//! ```text
//! frames (RGBA) ──per frame: palette (exact when ≤ 256 colours, else NeuQuant at speed 10),
//!   alpha < 128 → the transparent index, delay in centiseconds──▶
//!   GIF89a, full-canvas frames, NETSCAPE2.0 loop block as the loop count says
//! ```
//!
//! - **Palette**: each frame gets its own. A frame of at most 256 distinct colours is written
//!   exactly; beyond that NeuQuant (the `color_quant` crate) picks 256, at sampling speed 10
//!   (the `gif` crate's recommended balance; speed 1 costs several times the CPU for a
//!   palette that differs in a few entries).
//! - **Transparency**: GIF has one bit of alpha, cut at one half: a pixel with alpha below
//!   128 becomes the transparent index, every other pixel is written opaque with its colour.
//!   (Writing every pixel with some alpha opaque, as this module once did, turned the faint
//!   edges a resize leaves around a transparent shape into dark outlines: found by the
//!   ImageMagick reference tests.)
//! - **Delays**: GIF counts centiseconds; `delay_ms` is rounded to the nearest (5 ms rounds
//!   up), a positive delay below 5 ms becomes 1 cs rather than 0, and delays above 655.35 s
//!   are capped.
//! - **Loop count** (plays): `Some(0)` writes NETSCAPE 0 (forever), `Some(n ≥ 2)` writes
//!   `n − 1` repetitions (capped at 65535), `Some(1)` and `None` write no NETSCAPE block (the
//!   animation plays once). A single frame never gets a loop block.

use image::codecs::gif::{GifEncoder, Repeat};
use image::{Delay, RgbaImage};

use super::pixels::copy;
use crate::{ExecError, Frame};

/// NeuQuant sampling speed, 1 (best, slowest) to 30.
const NEUQUANT_SPEED: i32 = 10;

/// Encodes the frames as a GIF (animated when there are several).
pub(super) fn encode(frames: &[Frame], loop_count: Option<u32>) -> Result<Vec<u8>, ExecError> {
    let mut out = Vec::new();
    {
        let mut encoder = GifEncoder::new_with_speed(&mut out, NEUQUANT_SPEED);
        if let Some(repeat) = repeat(loop_count).filter(|_| frames.len() > 1) {
            encoder.set_repeat(repeat).map_err(gif_error)?;
        }
        for frame in frames {
            encoder.encode_frame(animation_frame(frame)?).map_err(gif_error)?;
        }
        // Dropping the encoder writes the GIF trailer.
    }
    Ok(out)
}

/// One frame as the `image` crate's animation frame, its delay in whole centiseconds.
fn animation_frame(frame: &Frame) -> Result<image::Frame, ExecError> {
    let mut pixels = copy(&frame.pixels)?;
    for pixel in pixels.chunks_exact_mut(4) {
        // One bit of alpha, cut at one half; transparent pixels all black, so their colours
        // take no palette entries.
        if pixel[3] < 128 {
            pixel.copy_from_slice(&[0, 0, 0, 0]);
        } else {
            pixel[3] = 255;
        }
    }
    let image = RgbaImage::from_raw(frame.width, frame.height, pixels)
        .ok_or_else(|| ExecError::Internal("a frame's pixels do not match its size".into()))?;
    let delay_ms = u32::from(centiseconds(frame.delay_ms)) * 10;
    Ok(image::Frame::from_parts(image, 0, 0, Delay::from_numer_denom_ms(delay_ms, 1)))
}

/// The NETSCAPE loop block for a count of plays; `None` for no block (play once).
fn repeat(plays: Option<u32>) -> Option<Repeat> {
    match plays? {
        0 => Some(Repeat::Infinite),
        1 => None,
        n => Some(Repeat::Finite(u16::try_from(n - 1).unwrap_or(u16::MAX))),
    }
}

/// Milliseconds to GIF centiseconds: nearest, half up; positive delays stay positive.
fn centiseconds(delay_ms: u32) -> u16 {
    let rounded = delay_ms.saturating_add(5) / 10;
    let kept_positive = if delay_ms > 0 { rounded.max(1) } else { 0 };
    u16::try_from(kept_positive).unwrap_or(u16::MAX)
}

/// The encoder's error as ours.
fn gif_error(error: image::ImageError) -> ExecError {
    ExecError::Encode(format!("GIF: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_round_to_centiseconds() {
        assert_eq!(centiseconds(0), 0);
        assert_eq!(centiseconds(1), 1);
        assert_eq!(centiseconds(14), 1);
        assert_eq!(centiseconds(15), 2);
        assert_eq!(centiseconds(100), 10);
        assert_eq!(centiseconds(u32::MAX), u16::MAX);
    }

    #[test]
    fn plays_become_repetitions() {
        assert!(repeat(None).is_none());
        assert!(repeat(Some(1)).is_none());
        assert!(matches!(repeat(Some(0)), Some(Repeat::Infinite)));
        assert!(matches!(repeat(Some(3)), Some(Repeat::Finite(2))));
        assert!(matches!(repeat(Some(1_000_000)), Some(Repeat::Finite(u16::MAX))));
    }
}
