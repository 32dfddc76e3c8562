//! Alpha masks: the circle crop (`iradius`) and rounded corners (`rradius`).
//!
//! Both multiply each pixel's alpha by the fraction of the pixel covered by a disc. Pixels
//! that lie wholly inside or outside the disc (their centre more than half a diagonal,
//! √2/2 px, from the circle) get 1 or 0 directly; the pixels the circle crosses are
//! **supersampled on an 8×8 grid** of sub-pixel centres, so the coverage is n/64 and the new
//! alpha is `round(alpha · n / 64)`. The grid positions are multiples of 1/16 and the centres
//! integers or halves, so every distance is exact in `f64` and the masks are exactly
//! symmetric. Colours are left as they are; outside the disc alpha is 0 (formats without
//! alpha flatten it over the background).
//!
//! The masks stay scalar (no SIMD twin): measured on one thread (`benches/benches/ops.rs`),
//! `rradius` runs at 310 MP/s on a 12 MP frame and `iradius` at 230 MP/s, against 350 MP/s
//! for merely writing a copy of the frame, so at most a third of their time is mask work; on a
//! 1 MP frame the circle costs 2.6 ms, of which the copy is 0.2 ms. What remains is one
//! distance test per pixel (the 8×8 supersampling touches only the ~2πr pixels the circle
//! crosses), which a per-row span of wholly covered pixels would remove outright, a better
//! remedy than vectorising the test.

use mogr_plan::plan::Rect;

use super::geometry::crop;
use super::{fill_rows, source_row};
use crate::picture::CHANNELS;
use crate::{ExecError, Frame};

/// Sub-samples per side of a pixel the circle crosses.
const GRID: u32 = 8;

/// Half the diagonal of a pixel (√2/2), with a margin: a pixel whose centre is farther than
/// this from the circle lies wholly on one side.
const HALF_DIAGONAL: f64 = std::f64::consts::FRAC_1_SQRT_2 + 1e-9;

/// Keeps `rect` and, inside it, the disc of `radius` centred in it; alpha 0 outside.
pub(super) fn circle(frame: &Frame, rect: Rect, radius: u32) -> Result<Frame, ExecError> {
    let mut out = crop(frame, rect)?;
    let disc = Disc { cx: f64::from(rect.width) / 2.0, cy: f64::from(rect.height) / 2.0, r: f64::from(radius) };
    fill_rows(&mut out, |y, row| {
        for (x, pixel) in row.chunks_exact_mut(CHANNELS).enumerate() {
            disc.mask(pixel, x as u32, y as u32);
        }
        Ok(())
    })?;
    Ok(out)
}

/// Rounds the four corners with quarter circles of `radius`, tangent to the two sides of
/// each corner; alpha 0 outside them. The radius must be at most half the shorter side (the
/// planner clamps it).
pub(super) fn round_corners(frame: &Frame, radius: u32) -> Result<Frame, ExecError> {
    let (w, h) = (frame.width, frame.height);
    if u64::from(radius) * 2 > u64::from(w.min(h)) {
        return Err(ExecError::Internal(format!("corner radius {radius} on a {w}x{h} frame")));
    }
    let mut out = Frame::new(w, h)?;
    let r = f64::from(radius);
    fill_rows(&mut out, |y, row| {
        row.copy_from_slice(source_row(frame, y)?);
        let y = y as u32;
        let cy = if y < radius {
            r
        } else if y >= h - radius {
            f64::from(h) - r
        } else {
            return Ok(());
        };
        let corners = [(0, Disc { cx: r, cy, r }), (w - radius, Disc { cx: f64::from(w) - r, cy, r })];
        for (first, disc) in corners {
            let pixels = row.chunks_exact_mut(CHANNELS).skip(first as usize).take(radius as usize);
            for (x, pixel) in (first..).zip(pixels) {
                disc.mask(pixel, x, y);
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// A disc in pixel coordinates (pixel (x, y) covers [x, x+1) × [y, y+1)).
struct Disc {
    cx: f64,
    cy: f64,
    r: f64,
}

impl Disc {
    /// Multiplies the pixel's alpha by the part of pixel (`x`, `y`) the disc covers.
    fn mask(&self, pixel: &mut [u8], x: u32, y: u32) {
        let covered = self.coverage(x, y);
        if covered == GRID * GRID {
            return;
        }
        if let Some(alpha) = pixel.get_mut(3) {
            *alpha = ((u32::from(*alpha) * covered + GRID * GRID / 2) / (GRID * GRID)) as u8;
        }
    }

    /// How many of the 8×8 sub-pixel centres of pixel (`x`, `y`) lie inside the disc.
    fn coverage(&self, x: u32, y: u32) -> u32 {
        let (dx, dy) = (f64::from(x) + 0.5 - self.cx, f64::from(y) + 0.5 - self.cy);
        let d2 = dx * dx + dy * dy;
        let inner = (self.r - HALF_DIAGONAL).max(0.0);
        if self.r >= HALF_DIAGONAL && d2 <= inner * inner {
            return GRID * GRID;
        }
        let outer = self.r + HALF_DIAGONAL;
        if d2 >= outer * outer {
            return 0;
        }
        self.supersample(x, y)
    }

    /// Counts the sub-pixel centres of pixel (`x`, `y`) strictly inside the disc.
    fn supersample(&self, x: u32, y: u32) -> u32 {
        let step = 1.0 / f64::from(GRID);
        let r2 = self.r * self.r;
        let mut inside = 0;
        for j in 0..GRID {
            let dy = f64::from(y) + (f64::from(j) + 0.5) * step - self.cy;
            for i in 0..GRID {
                let dx = f64::from(x) + (f64::from(i) + 0.5) * step - self.cx;
                if dx * dx + dy * dy < r2 {
                    inside += 1;
                }
            }
        }
        inside
    }
}
