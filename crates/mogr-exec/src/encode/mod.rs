//! Encoding: a [`Picture`] to bytes in the plan's output format.
//!
//! This module owns the last step of an execution: the frames and metadata of a [`Picture`]
//! become the bytes of the response, exactly as the stage's [`OutputPlan`] says (format,
//! quality, progressive, frames, strip, size limit). It decides nothing about sizes: the
//! picture must already be `width`×`height` with `frames` frames, and a picture that is not
//! is a bug upstream ([`ExecError::Internal`]).
//!
//! ```text
//! Picture ──check (frames, sizes, buffers)──▶ format
//!   jpeg  jpeg.rs  alpha over the background (white by default), 4:2:0 (grey: 1 component),
//!                  libjpeg-turbo, or jpeg_trellis/ for JpegMode::Compact (and for every
//!                  JPEG without the `jpeg-turbo` feature);
//!                  metadata.rs adds APP1 Exif, APP2 ICC_PROFILE chunks, APP1 XMP;
//!                  size-limit: size_limit.rs searches the highest quality that fits
//!   png   png.rs   image's PngEncoder (fast deflate), RGB/grey when opaque, iCCP, eXIf, iTXt XMP
//!   gif   gif.rs   image's GifEncoder (exact palette ≤ 256 colours, else NeuQuant), delays, loop
//!   webp  webp.rs  libwebp lossy (alpha kept), lossless when the plan says, AnimEncoder for animations;
//!                  webp_mux.rs adds ICCP/EXIF/XMP chunks and fixes the last frame's duration;
//!                  feature `webp`
//!   bmp   bmp.rs   image's BmpEncoder: 24-bit when opaque, else 32-bit
//!   avif  heif.rs  libheif with libaom (AV1), alpha kept, ICC/EXIF/XMP; feature `heif`
//!   heif, heic     heif.rs  libheif with x265 (GPL): only with the `heic-encode` feature,
//!                  else ExecError::Unsupported
//!   svgc  svgc.rs  rewrites the SVG input, never pixels (execute.rs calls it); feature `svg`
//!   a format whose feature is off ──▶ ExecError::Unsupported naming the feature (codecs.rs)
//! ```
//!
//! Decisions where the specification leaves room:
//!
//! - **Quality**: the plan's, `None` meaning [`DEFAULT_QUALITY`]; 0 is raised to 1 (neither
//!   libjpeg-turbo nor a person distinguishes them, and libjpeg-turbo refuses 0).
//! - **Frames**: animated formats (GIF, WebP) write every frame with its `delay_ms` (libwebp
//!   folds a frame identical to the one before into it, the timing kept); a picture of one
//!   frame is written as a still image. The still formats need `frames == 1`.
//! - **Loop count** ([`Picture::loop_count`] counts plays): GIF's NETSCAPE block stores
//!   repetitions, so `Some(n ≥ 2)` is stored as `n - 1` (capped at 65535), `Some(0)` as 0
//!   (forever), and `Some(1)` or `None` (the input did not say: browsers then play once) write
//!   no NETSCAPE block. WebP's ANIM chunk stores plays: `Some(n)` as `n` (capped at 65535),
//!   `None` as 1.
//! - **Metadata** (unless `strip`): JPEG, PNG and WebP carry EXIF, ICC and XMP; GIF and BMP
//!   carry none. An ICC profile must describe the pixels written: a grey profile (colour space
//!   `GRAY`) is written only with grey pixels (then JPEG and PNG are written grey), an RGB one
//!   makes the JPEG or PNG RGB even when every pixel is grey.
//! - **Grey**: a JPEG or PNG whose pixels are all grey (R = G = B) is written with one colour
//!   component (smaller, and decoders give back the same RGB), unless an RGB profile is kept.

mod bmp;
mod gif;
#[cfg(feature = "heif")]
mod heif;
mod jpeg;
mod jpeg_trellis;
mod metadata;
mod pixels;
mod png;
mod size_limit;
#[cfg(feature = "svg")]
pub(crate) mod svgc;
#[cfg(feature = "webp")]
mod webp;
#[cfg(feature = "webp")]
mod webp_mux;

use mogr_plan::OutputFormat;
use mogr_plan::plan::{DEFAULT_QUALITY, OutputPlan};

pub use self::size_limit::{Fitted, encode_within, fit_quality};
#[cfg(not(all(feature = "webp", feature = "heif")))]
use crate::codecs::Family;
use crate::{EncodeOptions, ExecError, Frame, Picture};

/// Encodes `picture` as `output` says (format, quality, progressive, frames, metadata unless
/// `strip`) with the default [`EncodeOptions`].
pub fn encode(picture: &Picture, output: &OutputPlan) -> Result<Vec<u8>, ExecError> {
    encode_with(picture, output, &EncodeOptions::default())
}

/// [`encode`] with `options`; a JPEG with a `size_limit` goes through [`encode_within`].
pub fn encode_with(picture: &Picture, output: &OutputPlan, options: &EncodeOptions) -> Result<Vec<u8>, ExecError> {
    check_picture(picture, output)?;
    let kept = metadata::Kept::of(picture, output.strip);
    match output.format {
        OutputFormat::Jpeg if output.size_limit.is_some() => encode_within(picture, output, options),
        OutputFormat::Jpeg => {
            jpeg::JpegEncoder::new(still(picture)?, output, &kept, options.jpeg)?.encode(quality(output))
        }
        OutputFormat::Png => png::encode(still(picture)?, &kept),
        OutputFormat::Bmp => bmp::encode(still(picture)?),
        OutputFormat::Gif => gif::encode(&picture.frames, picture.loop_count),
        #[cfg(feature = "webp")]
        OutputFormat::Webp => {
            let coding = if output.lossless { webp::Coding::Lossless } else { webp::Coding::Lossy(quality(output)) };
            webp::encode(&picture.frames, picture.loop_count, coding, &kept)
        }
        #[cfg(not(feature = "webp"))]
        OutputFormat::Webp => Err(Family::Webp.missing("WebP encoding")),
        #[cfg(feature = "heif")]
        OutputFormat::Avif | OutputFormat::Heif | OutputFormat::Heic => {
            heif::encode(still(picture)?, output.format, quality(output), &kept)
        }
        #[cfg(not(feature = "heif"))]
        OutputFormat::Avif => Err(Family::Heif.missing("AVIF encoding")),
        #[cfg(not(feature = "heif"))]
        OutputFormat::Heif | OutputFormat::Heic => Err(Family::HeicEncode.missing("HEIC/HEIF encoding")),
        OutputFormat::Svgc => Err(ExecError::Internal(
            "svgc rewrites the SVG document and is never encoded from pixels (the plan allows it alone)".into(),
        )),
    }
}

/// The encoder quality the plan asks for, 1-100 ([`DEFAULT_QUALITY`] when unset).
fn quality(output: &OutputPlan) -> u8 {
    output.quality.unwrap_or(DEFAULT_QUALITY).clamp(1, 100)
}

/// The one frame of a picture written to a still format.
fn still(picture: &Picture) -> Result<&Frame, ExecError> {
    match picture.frames.as_slice() {
        [frame] => Ok(frame),
        frames => Err(ExecError::Internal(format!("{} frames for a still image format", frames.len()))),
    }
}

/// Checks that the picture is what the plan says it is: `output.frames` frames, each
/// `output.width`×`output.height` with exactly `width × height × 4` bytes of pixels (the
/// codecs read that many bytes, so this check is what keeps them in bounds).
fn check_picture(picture: &Picture, output: &OutputPlan) -> Result<(), ExecError> {
    if picture.frames.is_empty() || picture.frames.len() != output.frames as usize {
        return Err(ExecError::Internal(format!(
            "the plan writes {} frames, the picture has {}",
            output.frames,
            picture.frames.len()
        )));
    }
    for (index, frame) in picture.frames.iter().enumerate() {
        check_frame(frame, output)
            .map_err(|message| ExecError::Internal(format!("frame {index} to encode: {message}")))?;
    }
    Ok(())
}

/// One frame's size and buffer against the plan.
fn check_frame(frame: &Frame, output: &OutputPlan) -> Result<(), String> {
    if (frame.width, frame.height) != (output.width, output.height) {
        return Err(format!("{}x{} where the plan says {}x{}", frame.width, frame.height, output.width, output.height));
    }
    let expected =
        (frame.width as usize).checked_mul(frame.height as usize).and_then(|n| n.checked_mul(crate::picture::CHANNELS));
    if expected != Some(frame.pixels.len()) || frame.width == 0 || frame.height == 0 {
        return Err(format!("{} bytes of pixels for {}x{}", frame.pixels.len(), frame.width, frame.height));
    }
    Ok(())
}
