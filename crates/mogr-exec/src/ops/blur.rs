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
//! The frame is processed in stripes of output rows, in parallel: a stripe blurs horizontally
//! the source rows it needs (its own plus `radius` above and below) into scratch rows, then
//! blurs those vertically. Scratch memory is per stripe, not per frame; the output bytes do not
//! depend on how stripes are shared among threads.

use rayon::prelude::*;

use super::{source_row, to_u8};
use crate::picture::CHANNELS;
use crate::{ExecError, Frame};

/// Fixed-point precision of the kernel weights.
const WEIGHT_BITS: u32 = 14;

/// The sum of the kernel weights (fits `u16`, so products are 16×16-bit multiplications,
/// which vectorise well on baseline x86-64).
const WEIGHT_ONE: u16 = 1 << WEIGHT_BITS;

/// The premultiplied alpha of an opaque pixel, 255·255.
const OPAQUE: u32 = 255 * 255;

/// The blur step: a Gaussian of standard deviation `sigma` cut at `radius` pixels.
pub(super) fn blur(frame: &Frame, radius: u8, sigma: f64) -> Result<Frame, ExecError> {
    if !sigma.is_finite() || sigma <= 0.0 {
        return Err(ExecError::Internal(format!("blur sigma {sigma}")));
    }
    gaussian(frame, usize::from(radius), sigma)
}

/// The frame convolved with a Gaussian of `sigma` cut at `radius` pixels (`sigma` > 0).
pub(super) fn gaussian(frame: &Frame, radius: usize, sigma: f64) -> Result<Frame, ExecError> {
    let kernel = kernel(radius, sigma);
    let mut out = Frame::new(frame.width, frame.height)?;
    // Tall stripes keep the rows blurred twice (a stripe's margins) a small share of the work.
    let stripe_rows = (4 * radius).max(64);
    let stride = frame.width as usize * CHANNELS;
    out.pixels
        .par_chunks_mut(stride * stripe_rows)
        .enumerate()
        .try_for_each_init(Scratch::default, |scratch, (i, rows)| {
            blur_stripe(frame, &kernel, i * stripe_rows, rows, scratch)
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
    /// Sums of one output row.
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
) -> Result<(), ExecError> {
    let (height, radius) = (frame.height as usize, kernel.len() / 2);
    let row_len = frame.width as usize * CHANNELS;
    let last = first + out.len() / row_len;
    let (low, high) = (first.saturating_sub(radius), (last + radius).min(height));
    zeroed(&mut scratch.rows, (high - low) * row_len)?;
    zeroed(&mut scratch.sums, row_len)?;
    for (y, blurred) in (low..high).zip(scratch.rows.chunks_exact_mut(row_len)) {
        premultiply_padded(source_row(frame, y)?, radius, &mut scratch.padded)?;
        convolve(kernel, |j| scratch.padded.get(j * CHANNELS..j * CHANNELS + row_len), &mut scratch.sums)?;
        for (to, &sum) in blurred.iter_mut().zip(&scratch.sums) {
            *to = round_down(sum) as u16;
        }
    }
    for (y, out_row) in (first..).zip(out.chunks_exact_mut(row_len)) {
        let rows = &scratch.rows;
        let source_of = |j: usize| (y + j).saturating_sub(radius).min(height - 1).saturating_sub(low);
        convolve(kernel, |j| rows.get(source_of(j) * row_len..(source_of(j) + 1) * row_len), &mut scratch.sums)?;
        unpremultiply(&scratch.sums, out_row);
    }
    Ok(())
}

/// `sums = Σ kernel[j] · line(j)`, element by element: one pass of the convolution.
fn convolve<'a>(kernel: &[u16], line: impl Fn(usize) -> Option<&'a [u16]>, sums: &mut [u32]) -> Result<(), ExecError> {
    sums.fill(0);
    for (j, &weight) in kernel.iter().enumerate() {
        let values = line(j).ok_or_else(|| ExecError::Internal(format!("blur tap {j} outside its rows")))?;
        for (sum, &value) in sums.iter_mut().zip(values) {
            *sum += u32::from(weight) * u32::from(value);
        }
    }
    Ok(())
}

/// A fixed-point sum back to the value scale, rounded.
fn round_down(sum: u32) -> u32 {
    (sum + u32::from(WEIGHT_ONE) / 2) >> WEIGHT_BITS
}

/// `row` premultiplied into `padded`, with `radius` copies of the edge pixels on each side.
fn premultiply_padded(row: &[u8], radius: usize, padded: &mut Vec<u16>) -> Result<(), ExecError> {
    padded.clear();
    padded.try_reserve(row.len() + 2 * radius * CHANNELS).map_err(|_| out_of_memory(row.len()))?;
    let premultiplied = |p: &[u8]| -> [u16; 4] {
        match *p {
            [r, g, b, a] => {
                let a = u16::from(a);
                [u16::from(r) * a, u16::from(g) * a, u16::from(b) * a, a * 255]
            }
            _ => [0; 4],
        }
    };
    let first = row.chunks_exact(CHANNELS).next().map(premultiplied).unwrap_or_default();
    let last = row.chunks_exact(CHANNELS).next_back().map(premultiplied).unwrap_or_default();
    for _ in 0..radius {
        padded.extend_from_slice(&first);
    }
    for pixel in row.chunks_exact(CHANNELS) {
        padded.extend_from_slice(&premultiplied(pixel));
    }
    for _ in 0..radius {
        padded.extend_from_slice(&last);
    }
    Ok(())
}

/// Fixed-point premultiplied sums back to straight RGBA8.
fn unpremultiply(sums: &[u32], out: &mut [u8]) {
    for (pixel, sum) in out.chunks_exact_mut(CHANNELS).zip(sums.chunks_exact(CHANNELS)) {
        let [r, g, b, a] = [0, 1, 2, 3].map(|i| sum.get(i).map_or(0, |&s| round_down(s)));
        let colours = if a == OPAQUE {
            [r, g, b].map(|c| ((c + 127) / 255) as u8)
        } else if a == 0 {
            [0; 3]
        } else {
            let scale = 255.0 / f64::from(a);
            [r, g, b].map(|c| to_u8(f64::from(c) * scale))
        };
        pixel.copy_from_slice(&[colours[0], colours[1], colours[2], ((a + 127) / 255) as u8]);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_are_symmetric_and_sum_to_one() {
        for (radius, sigma) in [(1, 0.5), (3, 1.0), (8, 5.0), (50, 1000.0), (50, 0.001), (2, 1e300)] {
            let k = kernel(radius, sigma);
            assert_eq!(k.len(), 2 * radius + 1);
            assert_eq!(
                k.iter().map(|&w| u32::from(w)).sum::<u32>(),
                u32::from(WEIGHT_ONE),
                "radius {radius} sigma {sigma}"
            );
            assert!(k.iter().eq(k.iter().rev()), "radius {radius} sigma {sigma}: {k:?}");
        }
        assert_eq!(kernel(2, 0.001), vec![0, 0, WEIGHT_ONE, 0, 0]);
    }
}
