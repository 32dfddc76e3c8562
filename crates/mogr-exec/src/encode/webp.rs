//! WebP, still or animated, through libwebp (the `webp` crate).
//!
//! ```text
//! one frame ──libwebp VP8 at quality (alpha compressed losslessly), or VP8L──┐
//! frames ──AnimEncoder: frames so coded at their start times, loop count────┤
//!          ──webp_mux: the last frame's duration fixed──────────────────────┤
//!                                         ──webp_mux: ICCP, EXIF, XMP chunks┴──▶ bytes
//! ```
//!
//! - **Quality** is libwebp's lossy quality (0-100, here 1-100); alpha, when some pixel is not
//!   opaque, is kept at libwebp's default alpha quality (100, lossless); an opaque picture
//!   gets no alpha channel. **Lossless** ([`Coding::Lossless`], when the plan says: a lossless
//!   WebP input and no quality rule) writes VP8L, every pixel exact.
//! - **Animation**: libwebp's animation encoder, which writes sub-rectangles of what changed
//!   and merges a frame identical to the one before into it (the animation looks and lasts
//!   the same, with fewer ANMF chunks). Delays above 16777215 ms (the 24-bit field) are
//!   capped. Loop count in plays: `None` is 1 (play once, as a GIF without a loop block),
//!   larger counts are capped at 65535.
//! - **Metadata** is added by [`super::webp_mux`], since the `webp` crate writes none; the
//!   ICC profile only when it is an RGB one (WebP has no grey).
//! - Canvas sides are at most 16383 pixels (the format's limit).

use webp::{AnimEncoder, AnimFrame, Encoder, WebPConfig};

use super::metadata::Kept;
use super::pixels::copy;
use super::webp_mux::{MAX_FRAME_DURATION, WebpMetadata, add_metadata, set_last_frame_duration};
use crate::{ExecError, Frame};

/// The largest canvas side WebP stores.
const MAX_SIDE: u32 = 16383;

/// Encodes the frames as lossy WebP (animated when there are several).
pub(super) fn encode(
    frames: &[Frame],
    loop_count: Option<u32>,
    coding: Coding,
    kept: &Kept<'_>,
) -> Result<Vec<u8>, ExecError> {
    let first = frames.first().ok_or_else(|| ExecError::Internal("no frame to encode".into()))?;
    if first.width > MAX_SIDE || first.height > MAX_SIDE {
        return Err(ExecError::Encode(format!(
            "WebP: {}x{} is larger than the format's {MAX_SIDE}x{MAX_SIDE}",
            first.width, first.height
        )));
    }
    let config = config(coding)?;
    let bytes = match frames {
        [frame] => still(frame, &config)?,
        _ => animation(frames, loop_count, &config)?,
    };
    let metadata = WebpMetadata { exif: kept.exif, icc: kept.icc_for(false), xmp: kept.xmp };
    add_metadata(bytes, first.width, first.height, &metadata)
}

/// How the pixels are compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Coding {
    /// VP8 at a quality 1-100 (alpha, if any, in a lossless ALPH chunk).
    Lossy(u8),
    /// VP8L: every pixel kept exactly (RGB under fully transparent pixels included).
    Lossless,
}

/// libwebp's default configuration for `coding`. Lossless uses libwebp's default effort
/// (quality 75, method 4: cwebp's `-lossless` default) and keeps the RGB of transparent
/// pixels (`exact`), so a lossless round trip gives back every byte.
fn config(coding: Coding) -> Result<WebPConfig, ExecError> {
    let mut config = WebPConfig::new().map_err(|()| webp_error("libwebp refused its default configuration"))?;
    match coding {
        Coding::Lossy(quality) => {
            config.lossless = 0;
            config.quality = f32::from(quality.clamp(1, 100));
        }
        Coding::Lossless => {
            config.lossless = 1;
            config.exact = 1;
        }
    }
    Ok(config)
}

/// One frame as a still WebP.
fn still(frame: &Frame, config: &WebPConfig) -> Result<Vec<u8>, ExecError> {
    let memory = Encoder::from_rgba(&frame.pixels, frame.width, frame.height)
        .encode_advanced(config)
        .map_err(|error| webp_error(&format!("{error:?}")))?;
    copy(&memory)
}

/// The frames as an animated WebP, each starting when the delays before it add up to.
fn animation(frames: &[Frame], loop_count: Option<u32>, config: &WebPConfig) -> Result<Vec<u8>, ExecError> {
    let (width, height) = frames.first().map_or((0, 0), |f| (f.width, f.height));
    let mut encoder = AnimEncoder::new(width, height, config);
    encoder.set_loop_count(plays(loop_count));
    let mut start_ms: u64 = 0;
    for frame in frames {
        let timestamp = i32::try_from(start_ms).map_err(|_| webp_error("an animation longer than 24 days"))?;
        encoder.add_frame(AnimFrame::from_rgba(&frame.pixels, width, height, timestamp));
        start_ms += u64::from(frame.delay_ms.min(MAX_FRAME_DURATION));
    }
    let memory = encoder.try_encode().map_err(|error| webp_error(&format!("{error:?}")))?;
    let mut bytes = copy(&memory)?;
    set_last_frame_duration(&mut bytes, start_ms)?;
    Ok(bytes)
}

/// The ANIM loop count: plays, `None` as 1, capped at 65535.
fn plays(loop_count: Option<u32>) -> i32 {
    loop_count.map_or(1, |n| n.min(65535) as i32)
}

/// libwebp's error as ours.
fn webp_error(what: &str) -> ExecError {
    ExecError::Encode(format!("WebP (libwebp): {what}"))
}
