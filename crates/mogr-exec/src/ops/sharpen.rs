//! Sharpening: an unsharp mask.
//!
//! The detail of a pixel is its colour minus the colour of the frame blurred by the Gaussian
//! of [`blur`](super::blur) with radius [`RADIUS`] and σ = [`SIGMA`] (premultiplied, so
//! transparent neighbours do not count). The step's value v (10-300) sets the amount
//! `v/100`: each colour channel becomes `clamp(c + round(v·(c − blurred)/100))`, so
//! `sharpen/100` adds the detail once and `sharpen/300` three times. Alpha is kept, and fully
//! transparent pixels are copied unchanged. A flat area has no detail and stays exactly flat.

use rayon::prelude::*;

use super::blur::gaussian;
use super::{STRIPE_ROWS, div_round};
use crate::picture::CHANNELS;
use crate::{ExecError, Frame};

/// Half-width of the blur the detail is measured against (3σ).
const RADIUS: usize = 3;

/// Standard deviation of that blur, in pixels.
const SIGMA: f64 = 1.0;

/// Sharpens every colour channel by `amount`/100 times its detail.
pub(super) fn sharpen(frame: &Frame, amount: u16) -> Result<Frame, ExecError> {
    let mut out = gaussian(frame, RADIUS, SIGMA)?;
    let amount = i32::from(amount);
    let chunk = frame.width as usize * CHANNELS * STRIPE_ROWS;
    out.pixels.par_chunks_mut(chunk).zip(frame.pixels.par_chunks(chunk)).for_each(|(blurred, original)| {
        for (pixel, source) in blurred.chunks_exact_mut(CHANNELS).zip(original.chunks_exact(CHANNELS)) {
            unsharp(pixel, source, amount);
        }
    });
    Ok(out)
}

/// Turns the blurred `pixel` into the sharpened one, from the `original` pixel.
fn unsharp(pixel: &mut [u8], original: &[u8], amount: i32) {
    if original.get(3).is_none_or(|&a| a == 0) {
        pixel.copy_from_slice(original);
        return;
    }
    for (value, &c) in pixel.iter_mut().zip(original).take(3) {
        let c = i32::from(c);
        let detail = c - i32::from(*value);
        *value = (c + div_round(amount * detail, 100)).clamp(0, 255) as u8;
    }
    if let (Some(alpha), Some(&a)) = (pixel.get_mut(3), original.get(3)) {
        *alpha = a;
    }
}
