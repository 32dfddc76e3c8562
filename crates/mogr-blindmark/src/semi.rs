//! Semi-blind extraction's registration: lining the unmarked original up with the received
//! image so that their difference is the watermark plus the attack's noise, without the photo.
//!
//! The synchroniser already knows the scale and the tile phase, so the original's position is
//! known up to whole tiles: `original x = (received x + 0.5) / scale - 2 * offset + 128 k - 0.5`.
//! Every `k` along both axes is scored by the variance of the luma difference on a sparse grid
//! of samples (variance, not mean square, so a brightness change does not matter), then the best
//! is refined in half-pixel steps. The original is sampled bilinearly, averaging a 2 x 2 pattern
//! of samples a quarter of the received pixel's footprint apart when the image was shrunk.

use crate::layout::TILE;
use crate::luma_of;
use crate::plane::Plane;
use crate::sync::{BINS, Located};

/// Samples per axis used to score a registration.
const SAMPLES: usize = 40;

/// A validated unmarked original.
pub(crate) struct Original<'a> {
    /// RGBA pixels.
    pub(crate) rgba: &'a [u8],
    /// Width in pixels.
    pub(crate) width: usize,
    /// Height in pixels.
    pub(crate) height: usize,
}

impl Original<'_> {
    fn luma(&self, x: usize, y: usize) -> f32 {
        let start = (y * self.width + x) * 4;
        self.rgba.get(start..start + 3).map_or(0.0, luma_of)
    }

    /// Bilinear luma at continuous pixel-centre coordinates, or `None` outside the image.
    fn bilinear(&self, x: f64, y: f64) -> Option<f32> {
        let (max_x, max_y) = (self.width.checked_sub(1)? as f64, self.height.checked_sub(1)? as f64);
        if !(0.0..=max_x).contains(&x) || !(0.0..=max_y).contains(&y) {
            return None;
        }
        let (x0, y0) = (x.floor() as usize, y.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(self.width - 1), (y0 + 1).min(self.height - 1));
        let (fx, fy) = ((x - x0 as f64) as f32, (y - y0 as f64) as f32);
        let top = self.luma(x0, y0) * (1.0 - fx) + self.luma(x1, y0) * fx;
        let bottom = self.luma(x0, y1) * (1.0 - fx) + self.luma(x1, y1) * fx;
        Some(top * (1.0 - fy) + bottom * fy)
    }

    /// Luma averaged over a received pixel's footprint of `footprint` original pixels.
    fn sample(&self, x: f64, y: f64, footprint: f64) -> Option<f32> {
        if footprint <= 1.2 {
            return self.bilinear(x, y);
        }
        let quarter = footprint / 4.0;
        let mut sum = 0.0;
        for (dx, dy) in [(-quarter, -quarter), (quarter, -quarter), (-quarter, quarter), (quarter, quarter)] {
            sum += self.bilinear(x + dx, y + dy).or_else(|| self.bilinear(x, y))?;
        }
        Some(sum / 4.0)
    }
}

/// Where the original sits under the received window: the shift of original coordinates, and the
/// variance of the luma difference there (small when the geometry is right).
pub(crate) struct Registration {
    shift: (f64, f64),
    /// Variance of the luma difference on the sample grid.
    pub(crate) variance: f64,
}

/// Original x (or y) of received position `position` at `scale` with `shift`.
fn to_original(position: usize, scale: f64, shift: f64) -> f64 {
    (position as f64 + 0.5) / scale + shift - 0.5
}

/// The best registration of the original under `window` for the tile geometry of `located`,
/// if one overlaps at least half of the sample grid.
pub(crate) fn register(window: &Plane, located: &Located, original: &Original<'_>) -> Option<Registration> {
    let scale = located.scale;
    let bin = (TILE / BINS) as f64;
    let base = (-bin * located.offset.0 as f64, -bin * located.offset.1 as f64);
    let to_original = |position: usize, shift: f64| to_original(position, scale, shift);
    let score = |shift: (f64, f64)| -> Option<f64> {
        let (mut sum, mut squares, mut count) = (0.0f64, 0.0f64, 0usize);
        for j in 0..SAMPLES {
            let y = j * window.height / SAMPLES;
            for i in 0..SAMPLES {
                let x = i * window.width / SAMPLES;
                let (ox, oy) = (to_original(window.origin.0 + x, shift.0), to_original(window.origin.1 + y, shift.1));
                if let Some(value) = original.bilinear(ox, oy) {
                    let delta = f64::from(window.data[y * window.width + x] - value);
                    sum += delta;
                    squares += delta * delta;
                    count += 1;
                }
            }
        }
        (count * 2 >= SAMPLES * SAMPLES).then(|| squares / count as f64 - (sum / count as f64).powi(2))
    };
    let tiles = |size: usize, received: usize| -> std::ops::RangeInclusive<i64> {
        let low = -((received as f64 / scale) / TILE as f64).ceil() as i64 - 1;
        let high = (size / TILE) as i64 + 1;
        low..=high
    };
    let mut best: Option<((f64, f64), f64)> = None;
    let consider = |shift: (f64, f64), best: &mut Option<((f64, f64), f64)>| {
        if let Some(variance) = score(shift)
            && best.is_none_or(|b| variance < b.1)
        {
            *best = Some((shift, variance));
        }
    };
    for ky in tiles(original.height, window.height) {
        for kx in tiles(original.width, window.width) {
            let shift = (base.0 + (kx * TILE as i64) as f64, base.1 + (ky * TILE as i64) as f64);
            consider(shift, &mut best);
        }
    }
    let coarse = best?.0;
    for dy in -4i32..=4 {
        for dx in -4i32..=4 {
            consider((coarse.0 + 0.5 * f64::from(dx), coarse.1 + 0.5 * f64::from(dy)), &mut best);
        }
    }
    best.map(|(shift, variance)| Registration { shift, variance })
}

/// The received window minus the original registered by `registration` (0 where the original
/// does not reach).
pub(crate) fn difference(window: &Plane, scale: f64, registration: &Registration, original: &Original<'_>) -> Plane {
    let shift = registration.shift;
    let to_original = |position: usize, shift: f64| to_original(position, scale, shift);
    let footprint = 1.0 / scale;
    let mut out = window.clone();
    for y in 0..window.height {
        let oy = to_original(window.origin.1 + y, shift.1);
        for x in 0..window.width {
            let ox = to_original(window.origin.0 + x, shift.0);
            let index = y * window.width + x;
            out.data[index] = original.sample(ox, oy, footprint).map_or(0.0, |value| window.data[index] - value);
        }
    }
    out
}
