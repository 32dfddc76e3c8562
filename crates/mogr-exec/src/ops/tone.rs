//! Tone: brightness, contrast and grayscale, pixel by pixel on R, G and B; alpha untouched.
//!
//! The exact formulas (v is the step's amount, c a channel value 0-255, results clamped to
//! 0-255, rounding half away from zero):
//!
//! - **bright** v (−100..100): `c + round(255·v/100)`, an offset of up to ±255 (v = 50 adds
//!   128, v = −100 makes everything black, v = 100 white).
//! - **contrast** v (−100..100): a straight line through the mid-grey 127.5 with slope
//!   `s = tan((v + 100)/200 · π/2)`: `round(127.5 + s·(c − 127.5))`. v = 0 is the identity
//!   (s = 1); v = −100 flattens to 128 (s = 0); v = 100 thresholds at 128 (s → ∞); v = 50 has
//!   s = tan(3π/8) ≈ 2.414 and v = −50 has s = tan(π/8) ≈ 0.414.
//! - **grayscale**: BT.601 luma (the Y of JPEG's YCbCr), in integers:
//!   `(299·R + 587·G + 114·B + 500) / 1000`, written to R, G and B.
//!
//! Bright and contrast build a 256-entry lookup table once and map every channel through it.

use super::{div_round, map_rows, to_u8};
use crate::picture::CHANNELS;
use crate::{ExecError, Frame};

/// Adds `round(255·amount/100)` to every colour channel.
pub(super) fn bright(frame: &Frame, amount: i8) -> Result<Frame, ExecError> {
    let offset = div_round(255 * i32::from(amount), 100);
    let table = lookup_table(|c| f64::from(i32::from(c) + offset));
    map_colours(frame, &table)
}

/// Stretches (or flattens) every colour channel about the mid-grey.
pub(super) fn contrast(frame: &Frame, amount: i8) -> Result<Frame, ExecError> {
    let slope = ((f64::from(amount) + 100.0) / 200.0 * std::f64::consts::FRAC_PI_2).tan();
    let table = lookup_table(|c| 127.5 + slope * (f64::from(c) - 127.5));
    map_colours(frame, &table)
}

/// Replaces R, G and B by their BT.601 luma.
pub(super) fn grayscale(frame: &Frame) -> Result<Frame, ExecError> {
    map_rows(frame, |_, source, row| {
        for (to, from) in row.chunks_exact_mut(CHANNELS).zip(source.chunks_exact(CHANNELS)) {
            if let [r, g, b, a] = *from {
                let luma = ((299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b) + 500) / 1000) as u8;
                to.copy_from_slice(&[luma, luma, luma, a]);
            }
        }
        Ok(())
    })
}

/// The table of `f(c)`, clamped and rounded, for every channel value c.
fn lookup_table(f: impl Fn(u8) -> f64) -> [u8; 256] {
    let mut table = [0u8; 256];
    for (c, entry) in (0..=255u8).zip(table.iter_mut()) {
        *entry = to_u8(f(c));
    }
    table
}

/// Maps R, G and B of every pixel through `table`; alpha is copied.
fn map_colours(frame: &Frame, table: &[u8; 256]) -> Result<Frame, ExecError> {
    map_rows(frame, |_, source, row| {
        for (to, from) in row.chunks_exact_mut(CHANNELS).zip(source.chunks_exact(CHANNELS)) {
            if let [r, g, b, a] = *from {
                to.copy_from_slice(&[table[usize::from(r)], table[usize::from(g)], table[usize::from(b)], a]);
            }
        }
        Ok(())
    })
}
