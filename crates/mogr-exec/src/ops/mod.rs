//! Pixel operations: one function per resolved step, frame in, frame out.
//!
//! [`apply`] carries out one resolved [`Step`] on one [`Frame`] and returns a new frame of
//! exactly the size the step states (it checks this and reports a mismatch as
//! [`ExecError::Internal`]); the frame's `delay_ms` is kept. The planner decided every size
//! and position; the kernels only verify that what they are given fits the frame.
//!
//! | module | steps |
//! | --- | --- |
//! | `resize` | `Resize`: fast_image_resize, Lanczos3 when a side shrinks, CatmullRom otherwise |
//! | `geometry` | `Crop`, `Pad`, `Flip`, `Orient` and the exact pixel permutations of right angles |
//! | `rotate` | `Rotate`: right angles as permutations, other angles by bilinear inverse mapping |
//! | `mask` | `Circle`, `RoundCorners`: anti-aliased alpha masks (8×8 supersampled coverage) |
//! | `tone` | `Bright`, `Contrast` (lookup tables), `Grayscale` (BT.601 luma) |
//! | `blur` | `Blur`: separable Gaussian in fixed point on premultiplied alpha |
//! | `sharpen` | `Sharpen`: unsharp mask over the Gaussian of `blur` |
//! | `isa` | the instruction sets of the SIMD kernels (`blur`, `sharpen`, `tone`, `rotate`) and their detection |
//!
//! Steps that are not per-frame pixel work answer [`ExecError::Unsupported`]: `ReduceFrames`
//! (the executor drops frames), `Watermark` (the executor draws it: it needs the bucket and
//! the fonts) and `FaceCrop` (not implemented yet).
//!
//! Conventions every kernel follows:
//! - Frames are RGBA8 with straight alpha. Kernels that mix neighbouring pixels (resize,
//!   rotate, blur, sharpen) weight colours by alpha, so a transparent pixel's colour never
//!   bleeds into its neighbours (no dark fringes at transparent edges).
//! - Output rows are produced in stripes of a fixed number of rows (`STRIPE_ROWS`; blur
//!   uses taller stripes that depend on its radius only), in parallel with rayon; resize
//!   splits rows its own way inside fast_image_resize. Every output pixel is computed by the
//!   same arithmetic whichever stripe or thread it falls in, so the output bytes do not
//!   depend on the number of threads (a test compares pools of 1 and 2 threads).
//! - Kernels where SIMD pays (`blur`, `sharpen`, bright and grayscale in `tone`, `rotate`)
//!   have a scalar twin and SSE4.1/AVX2 versions that give the same bytes (integer arithmetic,
//!   or the same `f64` operations in the same order; tested for every SIMD tail); [`apply`]
//!   runs the best the CPU has (see `isa`). Contrast and `mask` stay scalar; their module docs
//!   give the measurements.
//! - Buffers are allocated once per frame (or once per stripe for scratch rows), fallibly
//!   (except fast_image_resize's own scratch, which it allocates itself); nothing is
//!   allocated per pixel.

mod blur;
pub(crate) mod geometry;
mod isa;
mod mask;
mod resize;
mod rotate;
mod sharpen;
mod tone;

use mogr_plan::Step;
use rayon::prelude::*;

use crate::picture::CHANNELS;
use crate::{ExecError, Frame};

#[doc(hidden)]
pub use isa::Isa;

/// Rows per parallel task. Fixed, so that how work is split never depends on the thread count.
const STRIPE_ROWS: usize = 32;

/// Applies `step` to one frame: a new frame of exactly the size the step states.
pub fn apply(step: &Step, frame: &Frame) -> Result<Frame, ExecError> {
    apply_with(step, frame, Isa::best())
}

/// [`apply`] with the SIMD kernels of `isa` (for tests and benches; an instruction set the CPU
/// lacks falls back to the scalar kernels). The output bytes are the same for every `isa`.
#[doc(hidden)]
pub fn apply_with(step: &Step, frame: &Frame, isa: Isa) -> Result<Frame, ExecError> {
    check_frame(frame)?;
    let mut out = run(step, frame, isa)?;
    let expected = step.size_after((frame.width, frame.height));
    if (out.width, out.height) != expected {
        return Err(ExecError::Internal(format!(
            "{step:?} on a {}x{} frame made {}x{} instead of {}x{}",
            frame.width, frame.height, out.width, out.height, expected.0, expected.1
        )));
    }
    out.delay_ms = frame.delay_ms;
    Ok(out)
}

/// Dispatches a step to its kernel.
fn run(step: &Step, frame: &Frame, isa: Isa) -> Result<Frame, ExecError> {
    match *step {
        Step::Resize { width, height } => resize::resize(frame, width, height),
        Step::Crop(rect) => geometry::crop(frame, rect),
        Step::Pad { width, height, x, y, color } => geometry::pad(frame, (width, height), (x, y), color),
        Step::Flip { vertical } => geometry::flip(frame, vertical),
        Step::Orient { orientation } => geometry::orient(frame, orientation),
        Step::Rotate { degrees, width, height, background } => {
            rotate::rotate(frame, degrees, (width, height), background, isa)
        }
        Step::Circle { rect, radius } => mask::circle(frame, rect, radius),
        Step::RoundCorners { radius } => mask::round_corners(frame, radius),
        Step::Bright { amount } => tone::bright(frame, amount, isa),
        Step::Contrast { amount } => tone::contrast(frame, amount),
        Step::Grayscale => tone::grayscale(frame, isa),
        Step::Blur { radius, sigma } => blur::blur(frame, radius, sigma, isa),
        Step::Sharpen { amount } => sharpen::sharpen(frame, amount, isa),
        Step::ReduceFrames { .. } => {
            Err(ExecError::Unsupported("dropping frames is the executor's work, not a per-frame step".into()))
        }
        Step::Watermark { .. } => {
            Err(ExecError::Unsupported("a watermark is drawn by the executor, not as a per-frame step".into()))
        }
        Step::FaceCrop { .. } => {
            Err(ExecError::Unsupported("a face crop is cut by the executor, not as a per-frame step".into()))
        }
    }
}

/// Refuses a frame whose buffer does not match its size (frames have public fields).
fn check_frame(frame: &Frame) -> Result<(), ExecError> {
    let expected = (frame.width as usize).checked_mul(frame.height as usize).and_then(|n| n.checked_mul(CHANNELS));
    if frame.width == 0 || frame.height == 0 || expected != Some(frame.pixels.len()) {
        return Err(ExecError::Internal(format!(
            "a {}x{} frame with {} bytes of pixels",
            frame.width,
            frame.height,
            frame.pixels.len()
        )));
    }
    Ok(())
}

/// Bytes in one row of a frame `width` pixels wide.
fn stride(width: u32) -> usize {
    width as usize * CHANNELS
}

/// Row `y` of `frame`, or an internal error when it lies outside.
fn source_row(frame: &Frame, y: usize) -> Result<&[u8], ExecError> {
    let stride = stride(frame.width);
    let start = y.checked_mul(stride).ok_or_else(|| row_outside(frame, y))?;
    let end = start.checked_add(stride).ok_or_else(|| row_outside(frame, y))?;
    frame.pixels.get(start..end).ok_or_else(|| row_outside(frame, y))
}

/// The error of a row that is not in the frame.
fn row_outside(frame: &Frame, y: usize) -> ExecError {
    ExecError::Internal(format!("row {y} of a {}x{} frame", frame.width, frame.height))
}

/// Fills every row of `out` with `fill(y, row)`, stripes of rows in parallel.
fn fill_rows<F>(out: &mut Frame, fill: F) -> Result<(), ExecError>
where
    F: Fn(usize, &mut [u8]) -> Result<(), ExecError> + Sync,
{
    let stride = stride(out.width);
    out.pixels.par_chunks_mut(stride * STRIPE_ROWS).enumerate().try_for_each(|(stripe, rows)| {
        let first = stripe * STRIPE_ROWS;
        rows.chunks_exact_mut(stride).enumerate().try_for_each(|(i, row)| fill(first + i, row))
    })
}

/// A frame of `frame`'s size whose rows are `map(y, source_row, out_row)`.
fn map_rows<F>(frame: &Frame, map: F) -> Result<Frame, ExecError>
where
    F: Fn(usize, &[u8], &mut [u8]) -> Result<(), ExecError> + Sync,
{
    let mut out = Frame::new(frame.width, frame.height)?;
    fill_rows(&mut out, |y, row| map(y, source_row(frame, y)?, row))?;
    Ok(out)
}

/// Rounds `numerator / denominator` half away from zero (`denominator` > 0).
fn div_round(numerator: i32, denominator: i32) -> i32 {
    let half = denominator / 2;
    if numerator >= 0 { (numerator + half) / denominator } else { (numerator - half) / denominator }
}

/// A float clamped to 0..=255 and rounded half up (NaN gives 0). Written without
/// `f64::round`, which is a library call on baseline x86-64.
fn to_u8(value: f64) -> u8 {
    (value.clamp(0.0, 255.0) + 0.5) as u8
}

/// The largest integer not above `value` (saturating), without the library call of
/// `f64::floor` on baseline x86-64.
fn floor_i64(value: f64) -> i64 {
    let truncated = value as i64;
    if (truncated as f64) > value { truncated - 1 } else { truncated }
}
