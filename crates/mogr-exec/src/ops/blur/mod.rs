//! Gaussian blur: a separable convolution in fixed point on premultiplied alpha.
//!
//! The kernel has `2·radius + 1` taps, `exp(−d²/(2σ²))` for d = −radius..radius, normalised
//! and quantised to integers that sum to exactly 2^14 (the rounding residue goes to the centre
//! tap), so a constant image stays exactly constant and the kernel is exactly symmetric.
//! Pixels beyond the edges repeat the edge pixel (clamped indices).
//!
//! Colours are weighted by alpha: each pixel becomes `(R·A, G·A, B·A, A·255)` in `u16`
//! (at most 255·255, no precision lost), the horizontal pass writes rounded `u16` rows, the
//! vertical pass accumulates in `u32` (at most 65025·2^14 < 2^32) and divides back:
//! `alpha = round(A'/255)`, `colour = round(255·C'/A')` (exact integers where A' is opaque,
//! one reciprocal per pixel otherwise; 0 where A' = 0).
//!
//! The fixed-point formulas, for weights `w_j` (Σ w_j = 2^14) and values `v_j` (one channel
//! of the line of tap j):
//!
//! - horizontal, per channel: `h = (Σ w_j·v_j + 2^13) >> 14`, a `u16` (≤ 65025);
//! - vertical, per channel: `s = (Σ w_j·h_j + 2^13) >> 14`; then with `a` the alpha sum:
//!   `a = 65025` (opaque): `colour = (s + 127) / 255`; `a = 0`: `colour = 0`; otherwise
//!   `colour = ⌊min(max(s · (255.0 / a), 0), 255) + 0.5⌋` in `f64`; and `alpha = (a + 127) / 255`.
//!
//! The frame is processed in stripes of output rows, in parallel: a stripe blurs horizontally
//! the source rows it needs (its own plus `radius` above and below) into scratch rows, then
//! blurs those vertically. Scratch memory is per stripe (plus the list of the taps' lines, per
//! row), not per frame; the output bytes do not depend on how stripes are shared among threads.
//!
//! Data flow of a stripe, each arrow one kernel that exists once per instruction set:
//!
//! ```text
//! source row (u8) ──premultiply──▶ padded row (u16, edge pixels repeated)
//!   ──blur_row──▶ scratch rows (u16) ──blur_column (sums, then unpremultiply)──▶ output row (u8)
//! ```
//!
//! This file owns the kernel weights, the stripes and the dispatch on [`Isa`]; `native.rs` the
//! scalar twin (the reference arithmetic); `sse4.rs` and `avx2.rs` the same integers with
//! SSE4.1 and AVX2 (measured on a 12 MP frame, one thread: see `benches/benches/ops.rs`).

#[cfg(target_arch = "x86_64")]
mod avx2;
mod native;
#[cfg(target_arch = "x86_64")]
mod sse4;
#[cfg(test)]
mod tests;

use rayon::prelude::*;

use super::{Isa, source_row};
use crate::picture::CHANNELS;
use crate::{ExecError, Frame};

/// Fixed-point precision of the kernel weights.
const WEIGHT_BITS: u32 = 14;

/// The sum of the kernel weights (fits `u16`, so products are 16×16-bit multiplications,
/// which vectorise well on baseline x86-64).
const WEIGHT_ONE: u16 = 1 << WEIGHT_BITS;

/// The premultiplied alpha of an opaque pixel, 255·255.
const OPAQUE: u32 = 255 * 255;

/// The most taps the SIMD kernels take (radius 255, the largest a `u8` radius gives); a
/// longer kernel runs the scalar element code.
#[cfg(target_arch = "x86_64")]
const MAX_TAPS: usize = 511;

/// The blur step: a Gaussian of standard deviation `sigma` cut at `radius` pixels.
pub(super) fn blur(frame: &Frame, radius: u8, sigma: f64, isa: Isa) -> Result<Frame, ExecError> {
    if !sigma.is_finite() || sigma <= 0.0 {
        return Err(ExecError::Internal(format!("blur sigma {sigma}")));
    }
    gaussian(frame, usize::from(radius), sigma, isa)
}

/// The frame convolved with a Gaussian of `sigma` cut at `radius` pixels (`sigma` > 0).
pub(super) fn gaussian(frame: &Frame, radius: usize, sigma: f64, isa: Isa) -> Result<Frame, ExecError> {
    let kernel = kernel(radius, sigma);
    let mut out = Frame::new(frame.width, frame.height)?;
    // Tall stripes keep the rows blurred twice (a stripe's margins) a small share of the work.
    let stripe_rows = (4 * radius).max(64);
    let stride = frame.width as usize * CHANNELS;
    out.pixels
        .par_chunks_mut(stride * stripe_rows)
        .enumerate()
        .try_for_each_init(Scratch::default, |scratch, (i, rows)| {
            blur_stripe(frame, &kernel, i * stripe_rows, rows, scratch, isa)
        })?;
    Ok(out)
}

/// The quantised kernel: `2·radius + 1` non-negative weights summing to exactly 2^14.
pub(super) fn kernel(radius: usize, sigma: f64) -> Vec<u16> {
    let exact: Vec<f64> = (0..=2 * radius)
        .map(|i| {
            let d = i as f64 - radius as f64;
            (-(d * d) / (2.0 * sigma * sigma)).exp()
        })
        .collect();
    let total: f64 = exact.iter().sum();
    let mut weights: Vec<u16> = exact.iter().map(|w| (w / total * f64::from(WEIGHT_ONE)).round() as u16).collect();
    let sum: i64 = weights.iter().map(|&w| i64::from(w)).sum();
    if let Some(centre) = weights.get_mut(radius) {
        // Each tap is off by at most 1/2, so the residue is far smaller than the centre tap.
        *centre = (i64::from(*centre) + i64::from(WEIGHT_ONE) - sum).clamp(0, i64::from(WEIGHT_ONE)) as u16;
    }
    weights
}

/// Buffers a stripe reuses: one padded source row, one accumulator row, the blurred rows.
#[derive(Default)]
struct Scratch {
    /// A premultiplied source row with `radius` copies of its edge pixels on each side.
    padded: Vec<u16>,
    /// Sums of one output row (the scalar kernels' accumulators).
    sums: Vec<u32>,
    /// The horizontally blurred rows the stripe needs.
    rows: Vec<u16>,
}

/// Blurs the output rows `first..` that `out` holds.
fn blur_stripe(
    frame: &Frame,
    kernel: &[u16],
    first: usize,
    out: &mut [u8],
    scratch: &mut Scratch,
    isa: Isa,
) -> Result<(), ExecError> {
    let (height, radius) = (frame.height as usize, kernel.len() / 2);
    let row_len = frame.width as usize * CHANNELS;
    let last = first + out.len() / row_len;
    let (low, high) = (first.saturating_sub(radius), (last + radius).min(height));
    let Scratch { padded, sums, rows } = scratch;
    zeroed(rows, (high - low) * row_len)?;
    zeroed(padded, row_len + 2 * radius * CHANNELS)?;
    for (y, blurred) in (low..high).zip(rows.chunks_exact_mut(row_len)) {
        premultiply_padded(source_row(frame, y)?, radius, padded, isa)?;
        let lines = taps(kernel.len(), |j| padded.get(j * CHANNELS..j * CHANNELS + row_len))?;
        blur_row(isa, kernel, &lines, blurred, sums)?;
    }
    let rows = &*rows;
    for (y, out_row) in (first..).zip(out.chunks_exact_mut(row_len)) {
        let source_of = |j: usize| (y + j).saturating_sub(radius).min(height - 1).saturating_sub(low);
        let lines = taps(kernel.len(), |j| rows.get(source_of(j) * row_len..(source_of(j) + 1) * row_len))?;
        blur_column(isa, kernel, &lines, out_row, sums)?;
    }
    Ok(())
}

/// The line of every tap (`line(j)` for tap j), or an error when one lies outside its rows.
fn taps<'a>(count: usize, line: impl Fn(usize) -> Option<&'a [u16]>) -> Result<Vec<&'a [u16]>, ExecError> {
    let mut lines = Vec::new();
    lines.try_reserve_exact(count).map_err(|_| out_of_memory(count))?;
    for j in 0..count {
        lines.push(line(j).ok_or_else(|| ExecError::Internal(format!("blur tap {j} outside its rows")))?);
    }
    Ok(lines)
}

/// `row` premultiplied into the middle of `padded` (already `row.len() + 2·radius·4` long),
/// with `radius` copies of the edge pixels on each side.
fn premultiply_padded(row: &[u8], radius: usize, padded: &mut [u16], isa: Isa) -> Result<(), ExecError> {
    let margin = radius * CHANNELS;
    let (row_len, padded_len) = (row.len(), padded.len());
    let inside = || ExecError::Internal(format!("a blur row of {row_len} values padded to {padded_len}"));
    let (left, rest) = padded.split_at_mut_checked(margin).ok_or_else(inside)?;
    let (middle, right) = rest.split_at_mut_checked(row.len()).ok_or_else(inside)?;
    premultiply(isa, row, middle);
    let first: [u16; CHANNELS] = middle.get(..CHANNELS).and_then(|p| p.try_into().ok()).unwrap_or_default();
    let last: [u16; CHANNELS] =
        middle.get(middle.len().saturating_sub(CHANNELS)..).and_then(|p| p.try_into().ok()).unwrap_or_default();
    left.chunks_exact_mut(CHANNELS).for_each(|p| p.copy_from_slice(&first));
    right.chunks_exact_mut(CHANNELS).for_each(|p| p.copy_from_slice(&last));
    Ok(())
}

/// `out` = the RGBA8 pixels of `row` premultiplied: `(R·A, G·A, B·A, A·255)`.
fn premultiply(isa: Isa, row: &[u8], out: &mut [u16]) {
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => avx2::premultiply(row, out),
        #[cfg(target_arch = "x86_64")]
        Isa::Sse4 => sse4::premultiply(row, out),
        _ => native::premultiply(row, out),
    }
}

/// The horizontal pass: `out[i] = (Σ kernel[j]·lines[j][i] + 2^13) >> 14`.
fn blur_row(isa: Isa, kernel: &[u16], lines: &[&[u16]], out: &mut [u16], sums: &mut Vec<u32>) -> Result<(), ExecError> {
    check_lines(kernel, lines, out.len())?;
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => avx2::blur_row(kernel, lines, out),
        #[cfg(target_arch = "x86_64")]
        Isa::Sse4 => sse4::blur_row(kernel, lines, out),
        _ => native::blur_row(kernel, lines, out, sums)?,
    }
    Ok(())
}

/// The vertical pass: the sums of [`blur_row`], rounded, back to straight RGBA8 in `out`.
fn blur_column(
    isa: Isa,
    kernel: &[u16],
    lines: &[&[u16]],
    out: &mut [u8],
    sums: &mut Vec<u32>,
) -> Result<(), ExecError> {
    check_lines(kernel, lines, out.len())?;
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => avx2::blur_column(kernel, lines, out),
        #[cfg(target_arch = "x86_64")]
        Isa::Sse4 => sse4::blur_column(kernel, lines, out),
        _ => native::blur_column(kernel, lines, out, sums)?,
    }
    Ok(())
}

/// Refuses lines that do not match the kernel (one per tap, each at least `len` long), the
/// same way for every instruction set.
fn check_lines(kernel: &[u16], lines: &[&[u16]], len: usize) -> Result<(), ExecError> {
    if lines.len() != kernel.len() {
        return Err(ExecError::Internal(format!("{} blur lines for {} taps", lines.len(), kernel.len())));
    }
    match lines.iter().position(|line| line.len() < len) {
        Some(j) => Err(ExecError::Internal(format!("blur tap {j} outside its rows"))),
        None => Ok(()),
    }
}

/// Whether the SIMD kernels can take `kernel` and `lines` for `len` output values: one line
/// per tap, each at least `len` long (what makes their pointer loops stay inside the lines),
/// at most [`MAX_TAPS`] taps, and weights summing to at most 2^14 (what makes their 32-bit
/// sums equal the scalar ones). [`kernel`] always gives such weights.
#[cfg(target_arch = "x86_64")]
fn simd_fits(kernel: &[u16], lines: &[&[u16]], len: usize) -> bool {
    let total: u32 = kernel.iter().map(|&w| u32::from(w)).sum();
    kernel.len() == lines.len()
        && kernel.len() <= MAX_TAPS
        && total <= u32::from(WEIGHT_ONE)
        && lines.iter().all(|line| line.len() >= len)
}

/// Makes `buffer` `len` zeros long, failing instead of aborting when memory runs out.
fn zeroed<T: Copy + Default>(buffer: &mut Vec<T>, len: usize) -> Result<(), ExecError> {
    buffer.clear();
    buffer.try_reserve(len).map_err(|_| out_of_memory(len))?;
    buffer.resize(len, T::default());
    Ok(())
}

/// The error of a scratch buffer that could not be allocated.
fn out_of_memory(len: usize) -> ExecError {
    ExecError::OutOfMemory(format!("blur scratch rows ({len} values)"))
}
