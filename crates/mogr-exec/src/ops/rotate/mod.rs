//! Rotation by any angle, clockwise, onto the canvas the planner sized.
//!
//! - 90°, 180° and 270° are exact pixel permutations ([`permute`]); 0° (or 360°) copies.
//! - Other angles map every canvas pixel back into the source (inverse mapping) and sample it
//!   bilinearly, about the centres of source and canvas: for a canvas pixel whose centre lies
//!   at offset (dx, dy) from the canvas centre, the source point is
//!   `(dx·cos θ + dy·sin θ, −dx·sin θ + dy·cos θ)` from the source centre (y points down,
//!   so this is the inverse of a clockwise turn by θ). The four neighbours are weighted by
//!   alpha (premultiplied), and pixels outside the source count as transparent, which
//!   anti-aliases the rotated edges.
//!
//! The corners the rotated image leaves uncovered are **the background colour with alpha 0**:
//! PNG, WebP and GIF show them transparent, and an encoder without alpha that flattens over
//! the pixels' own colour (or over the background) shows the background (white by default,
//! as the spec's samples do). Edge pixels keep the image's colour with partial alpha.
//!
//! The formulas, in `f64` and in this order (pixel centres of the source at integers):
//! `sx = ((dx·cos + dy·sin) + cx) − 0.5`, `sy = ((−dx·sin + dy·cos) + cy) − 0.5`;
//! `x0 = ⌊sx⌋`, `fx = sx − x0` (likewise y); where the four neighbours lie inside the source
//! and are opaque, each colour is `upper = c00 + (c10 − c00)·fx`,
//! `lower = c01 + (c11 − c01)·fx`, `⌊clamp(upper + (lower − upper)·fy, 0, 255) + 0.5⌋`, alpha
//! 255; elsewhere the alpha-weighted sum of the general path (`native::sample`).
//!
//! This file owns the step and the dispatch on [`Isa`]; `native.rs` the scalar twin (the
//! reference arithmetic); `sse4.rs` and `avx2.rs` the fast path for 2 or 4 canvas pixels at a
//! time in `f64` lanes, the same operations in the same order (so the same doubles and the same
//! bytes), and canvas pixels whose source point lies wholly outside the source straight to the
//! uncovered colour; every other pixel goes through `native::sample`. Data flow: canvas rows,
//! stripes in parallel ──per pixel: source point, neighbours, mix──▶ canvas pixels.

#[cfg(target_arch = "x86_64")]
mod avx2;
mod native;
#[cfg(target_arch = "x86_64")]
mod sse4;
#[cfg(test)]
mod tests;

use mogr_plan::syntax::ast::Rgb;

use super::geometry::permute;
use super::{Isa, fill_rows};
use crate::{ExecError, Frame};

/// Rotates the frame clockwise by `degrees` onto a `width`×`height` canvas.
pub(super) fn rotate(
    frame: &Frame,
    degrees: u16,
    canvas: (u32, u32),
    background: Rgb,
    isa: Isa,
) -> Result<Frame, ExecError> {
    match degrees % 360 {
        0 => Ok(frame.clone()),
        90 => permute(frame, false, 1),
        180 => permute(frame, false, 2),
        270 => permute(frame, false, 3),
        d => rotate_any(frame, f64::from(d), canvas, background, isa),
    }
}

/// How canvas pixels map back into the source.
pub(super) struct Mapping {
    /// sin θ.
    sin: f64,
    /// cos θ.
    cos: f64,
    /// The source's centre, in pixels.
    source_centre: (f64, f64),
    /// The canvas's centre, in pixels.
    canvas_centre: (f64, f64),
    /// What a canvas pixel that samples nothing becomes: the background with alpha 0.
    uncovered: [u8; 4],
}

/// Rotation by an arbitrary angle: inverse mapping with bilinear sampling.
fn rotate_any(
    frame: &Frame,
    degrees: f64,
    (width, height): (u32, u32),
    background: Rgb,
    isa: Isa,
) -> Result<Frame, ExecError> {
    let (sin, cos) = degrees.to_radians().sin_cos();
    let mapping = Mapping {
        sin,
        cos,
        source_centre: (f64::from(frame.width) / 2.0, f64::from(frame.height) / 2.0),
        canvas_centre: (f64::from(width) / 2.0, f64::from(height) / 2.0),
        uncovered: [background.r, background.g, background.b, 0],
    };
    let mut out = Frame::new(width, height)?;
    fill_rows(&mut out, |v, row| {
        match isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => avx2::rotate_row(frame, &mapping, v, row),
            #[cfg(target_arch = "x86_64")]
            Isa::Sse4 => sse4::rotate_row(frame, &mapping, v, row),
            _ => native::rotate_row(frame, &mapping, v, row, 0),
        }
        Ok(())
    })?;
    Ok(out)
}
