//! Resampling to the planned size with fast_image_resize (SIMD, rows split over rayon).
//!
//! - Filter: **Lanczos3** when either side shrinks (sharp, and its wide support averages away
//!   aliasing), **CatmullRom** when no side shrinks (Lanczos rings visibly when enlarging;
//!   Catmull-Rom is the sharp cubic that does not).
//! - Alpha: when the frame has any transparency, colours are premultiplied by alpha before
//!   resampling and divided back after ([`MulDiv`]), so transparent pixels' colours do not
//!   bleed into their neighbours and transparent edges do not darken. Opaque frames skip both
//!   passes, which would not change them.
//!
//! fast_image_resize computes every output row by the same arithmetic whatever the number of
//! threads, so the result does not depend on the rayon pool.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, MulDiv, PixelType, ResizeAlg, ResizeOptions, Resizer};

use crate::{ExecError, Frame};

/// Resamples the frame to `width`×`height`.
pub(super) fn resize(frame: &Frame, width: u32, height: u32) -> Result<Frame, ExecError> {
    let mut out = Frame::new(width, height)?;
    let filter =
        if width < frame.width || height < frame.height { FilterType::Lanczos3 } else { FilterType::CatmullRom };
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(filter)).use_alpha(false);
    if frame.has_transparency() {
        let mut premultiplied = copy_of(&frame.pixels)?;
        let mut source = Image::from_slice_u8(frame.width, frame.height, &mut premultiplied, PixelType::U8x4)
            .map_err(|e| failed("wrap the source", e))?;
        let mul_div = MulDiv::new();
        mul_div.multiply_alpha_inplace(&mut source).map_err(|e| failed("premultiply", e))?;
        let mut target = Image::from_slice_u8(width, height, &mut out.pixels, PixelType::U8x4)
            .map_err(|e| failed("wrap the target", e))?;
        Resizer::new().resize(&source, &mut target, &options).map_err(|e| failed("resample", e))?;
        mul_div.divide_alpha_inplace(&mut target).map_err(|e| failed("unpremultiply", e))?;
    } else {
        let source = ImageRef::new(frame.width, frame.height, &frame.pixels, PixelType::U8x4)
            .map_err(|e| failed("wrap the source", e))?;
        let mut target = Image::from_slice_u8(width, height, &mut out.pixels, PixelType::U8x4)
            .map_err(|e| failed("wrap the target", e))?;
        Resizer::new().resize(&source, &mut target, &options).map_err(|e| failed("resample", e))?;
    }
    Ok(out)
}

/// A copy of `pixels`, failing instead of aborting when memory runs out.
fn copy_of(pixels: &[u8]) -> Result<Vec<u8>, ExecError> {
    let mut copy = Vec::new();
    copy.try_reserve_exact(pixels.len())
        .map_err(|_| ExecError::OutOfMemory(format!("a premultiplied copy ({} bytes)", pixels.len())))?;
    copy.extend_from_slice(pixels);
    Ok(copy)
}

/// The internal error of a resize that failed at `what`.
fn failed(what: &str, error: impl std::fmt::Display) -> ExecError {
    ExecError::Internal(format!("resize could not {what}: {error}"))
}
