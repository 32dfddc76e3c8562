//! Resampling to the planned size with fast_image_resize (SIMD, rows split over rayon).
//!
//! - Filter: **Lanczos3** when either side shrinks (sharp, and its wide support averages away
//!   aliasing), **CatmullRom** when no side shrinks (Lanczos rings visibly when enlarging;
//!   Catmull-Rom is the sharp cubic that does not).
//! - Alpha: when the frame has any transparency, colours are premultiplied by alpha before
//!   resampling and divided back after, so transparent pixels' colours do not bleed into
//!   their neighbours and transparent edges do not darken. That resampling runs on 16-bit
//!   samples with headroom ([`ONE`] = 32767 for an alpha of 1): Lanczos overshoots near
//!   edges, alpha included, and a pipeline that clamps alpha at 1 before dividing the colour
//!   by it brightens every overshooting edge pixel by the overshoot (a colour 217 becomes 253
//!   where alpha overshot by 17 %; found by the ImageMagick reference tests). With headroom the
//!   colour is divided by the alpha the filter computed, and only then are both clamped:
//!   `colour = round(255·C'/A')`, `alpha = round(255·min(A', ONE)/ONE)`, 0 where `A' = 0`.
//!   Opaque frames skip all this (8-bit samples, which the filter clamps as usual).
//!
//! fast_image_resize computes every output row by the same arithmetic whatever the number of
//! threads, so the result does not depend on the rayon pool.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use crate::{ExecError, Frame};

/// Resamples the frame to `width`×`height`.
pub(super) fn resize(frame: &Frame, width: u32, height: u32) -> Result<Frame, ExecError> {
    let mut out = Frame::new(width, height)?;
    let filter =
        if width < frame.width || height < frame.height { FilterType::Lanczos3 } else { FilterType::CatmullRom };
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(filter)).use_alpha(false);
    if frame.has_transparency() {
        let source = premultiplied(&frame.pixels)?;
        let source = ImageRef::new(frame.width, frame.height, &source, PixelType::U16x4)
            .map_err(|e| failed("wrap the source", e))?;
        let mut resized = zeroed(out.pixels.len() * 2)?;
        let mut target = Image::from_slice_u8(width, height, &mut resized, PixelType::U16x4)
            .map_err(|e| failed("wrap the target", e))?;
        Resizer::new().resize(&source, &mut target, &options).map_err(|e| failed("resample", e))?;
        unpremultiply(&resized, &mut out.pixels);
    } else {
        let source = ImageRef::new(frame.width, frame.height, &frame.pixels, PixelType::U8x4)
            .map_err(|e| failed("wrap the source", e))?;
        let mut target = Image::from_slice_u8(width, height, &mut out.pixels, PixelType::U8x4)
            .map_err(|e| failed("wrap the target", e))?;
        Resizer::new().resize(&source, &mut target, &options).map_err(|e| failed("resample", e))?;
    }
    Ok(out)
}

/// The premultiplied sample that stands for an alpha of 1 (half of `u16`: headroom for the
/// filter's overshoot).
const ONE: u32 = 32767;

/// RGBA8 pixels as premultiplied 16-bit samples (native-endian bytes, as fast_image_resize
/// reads `U16x4`): `C' = round(C·A·ONE/255²)`, `A' = round(A·ONE/255)`.
fn premultiplied(pixels: &[u8]) -> Result<Vec<u8>, ExecError> {
    let mut out = zeroed(pixels.len() * 2)?;
    for (p, q) in pixels.chunks_exact(4).zip(out.chunks_exact_mut(8)) {
        let alpha = u32::from(p[3]);
        let samples = [p[0], p[1], p[2]].map(|c| (u32::from(c) * alpha * ONE + 255 * 255 / 2) / (255 * 255));
        let alpha = (alpha * ONE + 127) / 255;
        for (bytes, sample) in q.chunks_exact_mut(2).zip(samples.into_iter().chain([alpha])) {
            bytes.copy_from_slice(&(sample as u16).to_ne_bytes());
        }
    }
    Ok(out)
}

/// Premultiplied 16-bit samples back to RGBA8 (see the module docs).
fn unpremultiply(samples: &[u8], pixels: &mut [u8]) {
    for (q, p) in samples.chunks_exact(8).zip(pixels.chunks_exact_mut(4)) {
        let sample = |i: usize| u32::from(u16::from_ne_bytes([q[2 * i], q[2 * i + 1]]));
        let alpha = sample(3);
        if alpha == 0 {
            p.copy_from_slice(&[0, 0, 0, 0]);
            continue;
        }
        for (c, out) in p.iter_mut().take(3).enumerate() {
            *out = ((sample(c) * 255 + alpha / 2) / alpha).min(255) as u8;
        }
        p[3] = ((alpha.min(ONE) * 255 + ONE / 2) / ONE) as u8;
    }
}

/// A zeroed buffer of `len` bytes, failing instead of aborting when memory runs out.
fn zeroed(len: usize) -> Result<Vec<u8>, ExecError> {
    let mut buffer = Vec::new();
    buffer.try_reserve_exact(len).map_err(|_| ExecError::OutOfMemory(format!("a resize buffer ({len} bytes)")))?;
    buffer.resize(len, 0);
    Ok(buffer)
}

/// The internal error of a resize that failed at `what`.
fn failed(what: &str, error: impl std::fmt::Display) -> ExecError {
    ExecError::Internal(format!("resize could not {what}: {error}"))
}
