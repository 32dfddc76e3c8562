//! Sharpening: an unsharp mask.
//!
//! The detail of a pixel is its colour minus the colour of the frame blurred by the Gaussian
//! of [`blur`](super::blur) with radius [`RADIUS`] and σ = [`SIGMA`] (premultiplied, so
//! transparent neighbours do not count). The step's value v (10-300) sets the amount
//! `v/100`: each colour channel becomes `clamp(c + round(v·(c − blurred)/100))`, so
//! `sharpen/100` adds the detail once and `sharpen/300` three times. Alpha is kept, and fully
//! transparent pixels are copied unchanged. A flat area has no detail and stays exactly flat.
//!
//! In integers, with `d = c − blurred` and rounding half away from zero:
//! `c' = clamp(c + sign(d)·⌊(v·|d| + 50) / 100⌋, 0, 255)`.
//!
//! Data flow: the frame ──`blur::gaussian`──▶ blurred frame ──`unsharp_row` (with the original
//! rows)──▶ sharpened frame, in place of the blurred one, stripes of rows in parallel. Both
//! kernels exist once per instruction set: this file owns the step and the dispatch on
//! [`Isa`], `native.rs` the scalar twin, `sse4.rs` and `avx2.rs` the same integers in 16-bit
//! lanes (see there for how the division by 100 stays exact).

#[cfg(target_arch = "x86_64")]
mod avx2;
mod native;
#[cfg(target_arch = "x86_64")]
mod sse4;
#[cfg(test)]
mod tests;

use rayon::prelude::*;

use super::blur::gaussian;
use super::{Isa, STRIPE_ROWS};
use crate::picture::CHANNELS;
use crate::{ExecError, Frame};

/// Half-width of the blur the detail is measured against (3σ).
const RADIUS: usize = 3;

/// Standard deviation of that blur, in pixels.
const SIGMA: f64 = 1.0;

/// The largest amount the SIMD kernels take: their 16-bit lanes hold `c ± v·255/100` for
/// v ≤ 1000 (the planner gives at most 300); a larger amount runs the scalar kernel.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
const MAX_SIMD_AMOUNT: u16 = 1000;

/// Sharpens every colour channel by `amount`/100 times its detail.
pub(super) fn sharpen(frame: &Frame, amount: u16, isa: Isa) -> Result<Frame, ExecError> {
    let mut out = gaussian(frame, RADIUS, SIGMA, isa)?;
    let chunk = frame.width as usize * CHANNELS * STRIPE_ROWS;
    out.pixels.par_chunks_mut(chunk).zip(frame.pixels.par_chunks(chunk)).for_each(|(blurred, original)| {
        unsharp_row(isa, blurred, original, amount);
    });
    Ok(out)
}

/// Turns the `blurred` pixels into the sharpened ones, from the `original` pixels.
fn unsharp_row(isa: Isa, blurred: &mut [u8], original: &[u8], amount: u16) {
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => avx2::unsharp_row(blurred, original, amount),
        #[cfg(target_arch = "x86_64")]
        Isa::Sse4 => sse4::unsharp_row(blurred, original, amount),
        _ => native::unsharp_row(blurred, original, amount),
    }
}
