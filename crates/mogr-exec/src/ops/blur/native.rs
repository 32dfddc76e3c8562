//! The scalar twin of the blur kernels: the reference arithmetic every SIMD file reproduces.
//!
//! - [`premultiply`]: `(R, G, B, A)` → `(R·A, G·A, B·A, A·255)` in `u16`.
//! - [`blur_row`]: `out[i] = (Σ_j w_j·line_j[i] + 2^13) >> 14` (the horizontal pass).
//! - [`blur_column`]: the same sums, then [`unpremultiply`] of each pixel (the vertical pass).
//!
//! The row kernels loop tap by tap over a row of `u32` sums, which the compiler vectorises for
//! baseline x86-64 (SSE2); [`row_value`] and [`column_pixel`] compute one element or pixel
//! from scratch and are what the SIMD files run on the tails their vectors do not cover.
//! Sums are `u32` and exact: values are at most 65025 and the weights sum to 2^14.

use super::{OPAQUE, WEIGHT_BITS, WEIGHT_ONE, zeroed};
use crate::ExecError;
use crate::ops::to_u8;
use crate::picture::CHANNELS;

/// `out` = the pixels of `row` premultiplied by their alpha.
pub(super) fn premultiply(row: &[u8], out: &mut [u16]) {
    for (to, pixel) in out.chunks_exact_mut(CHANNELS).zip(row.chunks_exact(CHANNELS)) {
        to.copy_from_slice(&premultiplied(pixel));
    }
}

/// One pixel premultiplied by its alpha.
pub(super) fn premultiplied(pixel: &[u8]) -> [u16; CHANNELS] {
    match *pixel {
        [r, g, b, a] => {
            let a = u16::from(a);
            [u16::from(r) * a, u16::from(g) * a, u16::from(b) * a, a * 255]
        }
        _ => [0; CHANNELS],
    }
}

/// The horizontal pass over all of `out`, with `sums` as the accumulator row.
pub(super) fn blur_row(
    kernel: &[u16],
    lines: &[&[u16]],
    out: &mut [u16],
    sums: &mut Vec<u32>,
) -> Result<(), ExecError> {
    convolve(kernel, lines, out.len(), sums)?;
    for (to, &sum) in out.iter_mut().zip(sums.iter()) {
        *to = round_down(sum) as u16;
    }
    Ok(())
}

/// The vertical pass over all of `out` (RGBA8), with `sums` as the accumulator row.
pub(super) fn blur_column(
    kernel: &[u16],
    lines: &[&[u16]],
    out: &mut [u8],
    sums: &mut Vec<u32>,
) -> Result<(), ExecError> {
    convolve(kernel, lines, out.len(), sums)?;
    for (pixel, sum) in out.chunks_exact_mut(CHANNELS).zip(sums.chunks_exact(CHANNELS)) {
        let rounded = [0, 1, 2, 3].map(|i| sum.get(i).map_or(0, |&s| round_down(s)));
        pixel.copy_from_slice(&unpremultiply(rounded));
    }
    Ok(())
}

/// `sums = Σ kernel[j] · lines[j]`, element by element over `len` elements: one pass of the
/// convolution.
fn convolve(kernel: &[u16], lines: &[&[u16]], len: usize, sums: &mut Vec<u32>) -> Result<(), ExecError> {
    zeroed(sums, len)?;
    if lines.len() != kernel.len() {
        return Err(ExecError::Internal(format!("{} blur lines for {} taps", lines.len(), kernel.len())));
    }
    for (j, (&weight, values)) in kernel.iter().zip(lines).enumerate() {
        let values = values.get(..len).ok_or_else(|| ExecError::Internal(format!("blur tap {j} outside its rows")))?;
        for (sum, &value) in sums.iter_mut().zip(values) {
            *sum += u32::from(weight) * u32::from(value);
        }
    }
    Ok(())
}

/// The sum of element `i` over the taps (a missing element counts 0; the callers check the
/// lengths first).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
fn sum_at(kernel: &[u16], lines: &[&[u16]], i: usize) -> u32 {
    kernel.iter().zip(lines).fold(0u32, |sum, (&w, line)| {
        sum.wrapping_add(u32::from(w).wrapping_mul(line.get(i).map_or(0, |&v| u32::from(v))))
    })
}

/// Element `i` of [`blur_row`]'s output, computed on its own.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(super) fn row_value(kernel: &[u16], lines: &[&[u16]], i: usize) -> u16 {
    round_down(sum_at(kernel, lines, i)) as u16
}

/// Pixel `p` of [`blur_column`]'s output, computed on its own.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(super) fn column_pixel(kernel: &[u16], lines: &[&[u16]], p: usize) -> [u8; CHANNELS] {
    unpremultiply([0, 1, 2, 3].map(|c| round_down(sum_at(kernel, lines, p * CHANNELS + c))))
}

/// A fixed-point sum back to the value scale, rounded.
pub(super) fn round_down(sum: u32) -> u32 {
    (sum + u32::from(WEIGHT_ONE) / 2) >> WEIGHT_BITS
}

/// A rounded premultiplied pixel `(R', G', B', A')` (each ≤ 65025, colours ≤ alpha) back to
/// straight RGBA8.
pub(super) fn unpremultiply([r, g, b, a]: [u32; CHANNELS]) -> [u8; CHANNELS] {
    let colours = if a == OPAQUE {
        [r, g, b].map(|c| ((c + 127) / 255) as u8)
    } else if a == 0 {
        [0; 3]
    } else {
        let scale = 255.0 / f64::from(a);
        [r, g, b].map(|c| to_u8(f64::from(c) * scale))
    };
    [colours[0], colours[1], colours[2], ((a + 127) / 255) as u8]
}
