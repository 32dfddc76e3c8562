//! Adding the tile to an RGBA buffer, with informed (host-interference-rejecting) cell values.
//!
//! Data flow: RGBA -> per 8 x 8 block luma standard deviation (the perceptual mask: busy blocks
//! hide more; and an SSIM ceiling on the block's amplitude, see [`SSIM_BUDGET`]) -> [`Pattern`]:
//! `gain x mask x cell value x bump(x) x bump(y)`, each block's amplitude clamped to its ceiling,
//! the gain found by bisection so that the pattern's RMS over the image is the target (which
//! fixes the PSNR) where the ceilings allow -> the rounded delta added to R, G and B alike (so
//! luma moves by the delta and hue stays put), clamped to 0..255. Two floats per 8 x 8 block are
//! kept, so memory stays at N/32 floats beyond the buffer.
//!
//! Informed embedding (improved spread spectrum): the extractor sums every copy of a cell, so
//! the photo itself adds a fixed "host interference" to each cell's response, which dominates on
//! busy photos. Before embedding, [`informed_values`] reads the unmarked image exactly as the
//! extractor would at scale 1 (centred read window), measures the response one unit of cell
//! value produces, and sets each cell's value to `a x bit - lambda x host / unit`: the host's
//! contribution is cancelled (fully when it is small, partially when cancelling it all would
//! cost more than [`MIN_BIT_SHARE`] leaves), and the values are scaled so that their mean square stays 1, so the
//! PSNR is unchanged.

use crate::layout::{CELL, CELL_COUNT, CELLS_PER_SIDE, Layout, bump};
use crate::luma_of;
use crate::plane::Plane;
use crate::sync;

/// Mask floor and ceiling relative to [`MASK_REFERENCE`]. SSIM punishes noise on flat areas most,
/// while the extractor's whitening makes the signal there the most readable: on the corpus,
/// 0.35-1.6 left level 3 at SSIM 0.975 on a 2048 x 1536 photo, 0.1-2.5 gave 0.987 but lost the
/// text on small flat images after crops; 0.2-2.0 gives 0.984 and keeps most of them.
const MASK_MIN: f32 = 0.2;
const MASK_MAX: f32 = 2.0;
/// Block standard deviation (luma levels) that gets mask 1.
const MASK_REFERENCE: f32 = 10.0;
/// Largest per-pixel delta, whatever the gain.
const MAX_DELTA: f32 = 14.0;
/// Smallest share of the bit kept in a cell value when cancelling host interference (so at most
/// `1 - 0.9^2` = 19 % of the energy goes to the cancellation). The cancellation is computed for
/// the unattacked image; after a downscale and JPEG the photo's interference is no longer the
/// one cancelled, and the energy spent on it is lost. Measured under crop 10 % + 50 % +
/// brightness + JPEG q70 over 8 keys: level 1 on the 320 x 480 cat read above 75 for 3 keys at
/// 0.7 (the previous value) and for 8 at 0.9; a 12- to 16-character text on the 650 x 470 photo
/// for none and 1 key of 6 (0.8, 0.85, 0.95 and 1.0 were no better). On the README's table no
/// run got worse (the lowest text status without attack rose from 76 to 79).
const MIN_BIT_SHARE: f32 = 0.9;
/// Largest magnitude of a cell value relative to the mean.
const MAX_VALUE: f32 = 3.0;

/// Largest share of a block's SSIM contrast denominator (`2 sigma^2 + C2`) the delta's mean square
/// may take: a block's SSIM loss stays below about this, wherever the gain would put it. Flat
/// blocks (`sigma` near 0) are the ones it limits; the energy they cannot take goes to busier
/// blocks, so the RMS (the PSNR) stays on target when the photo has texture to hide it in.
const SSIM_BUDGET: f32 = 0.02;
/// SSIM's `C2` constant, `(0.03 x 255)^2`.
const SSIM_C2: f32 = 58.5225;
/// Bisection steps of the gain search.
const GAIN_STEPS: usize = 48;

/// The delta pattern for one image: mask, per-block amplitude ceiling, cell values and gain.
pub(crate) struct Pattern {
    mask: Vec<f32>,
    ceiling: Vec<f32>,
    blocks_x: usize,
    values: [f32; CELL_COUNT],
    bumps: [f32; CELL],
    gain: f32,
}

impl Pattern {
    /// The pattern of `values` over `rgba` (`width` x `height`, validated) with RMS `target_rms`,
    /// or less where the SSIM ceiling of the blocks does not leave room for it.
    pub(crate) fn new(rgba: &[u8], width: usize, height: usize, values: [f32; CELL_COUNT], target_rms: f32) -> Self {
        let blocks_x = width.div_ceil(CELL);
        let mut bumps = [0.0; CELL];
        bumps.iter_mut().enumerate().for_each(|(i, b)| *b = bump(i as f64 + 0.5) as f32);
        let deviations = block_deviations(rgba, width, height, blocks_x);
        let mask = deviations.iter().map(|d| (d / MASK_REFERENCE).clamp(MASK_MIN, MASK_MAX)).collect();
        let ceiling = deviations.iter().map(|d| ssim_ceiling(*d, &bumps)).collect();
        let mut pattern = Self { mask, ceiling, blocks_x, values, bumps, gain: 1.0 };
        pattern.gain = pattern.gain_for(width, height, target_rms);
        pattern
    }

    /// The gain whose (ceiling-limited) pattern has RMS `target_rms`, found by bisection on the
    /// per-block energies; the gain that saturates every block when even that falls short.
    fn gain_for(&self, width: usize, height: usize, target_rms: f32) -> f32 {
        let bump_energy = |start: usize, end: usize| -> f64 {
            (start..end).map(|i| f64::from(self.bumps[i % CELL]).powi(2)).sum::<f64>()
        };
        let mut blocks: Vec<(f64, f64, f64)> = Vec::with_capacity(self.mask.len());
        for (index, (&mask, &ceiling)) in self.mask.iter().zip(&self.ceiling).enumerate() {
            let (bx, by) = (index % self.blocks_x, index / self.blocks_x);
            let cell = (by % CELLS_PER_SIDE) * CELLS_PER_SIDE + bx % CELLS_PER_SIDE;
            let energy = bump_energy(bx * CELL, ((bx + 1) * CELL).min(width))
                * bump_energy(by * CELL, ((by + 1) * CELL).min(height));
            blocks.push((f64::from(mask * self.values[cell].abs()), f64::from(ceiling), energy));
        }
        let energy_at = |gain: f64| -> f64 { blocks.iter().map(|(a, c, e)| (gain * a).min(*c).powi(2) * e).sum() };
        let target = f64::from(target_rms).powi(2) * (width * height) as f64;
        let saturating = blocks.iter().filter(|b| b.0 > 0.0).map(|b| b.1 / b.0).fold(0.0, f64::max);
        if energy_at(saturating) <= target {
            return saturating as f32;
        }
        let (mut low, mut high) = (0.0f64, saturating);
        for _ in 0..GAIN_STEPS {
            let middle = 0.5 * (low + high);
            if energy_at(middle) < target { low = middle } else { high = middle }
        }
        (0.5 * (low + high)) as f32
    }

    /// The (unrounded) luma delta at pixel `(x, y)`.
    fn delta(&self, x: usize, y: usize) -> f32 {
        let cell = ((y / CELL) % CELLS_PER_SIDE) * CELLS_PER_SIDE + (x / CELL) % CELLS_PER_SIDE;
        let block = (y / CELL) * self.blocks_x + x / CELL;
        let ceiling = self.ceiling[block];
        let amplitude = (self.gain * self.mask[block] * self.values[cell]).clamp(-ceiling, ceiling);
        (amplitude * self.bumps[x % CELL] * self.bumps[y % CELL]).clamp(-MAX_DELTA, MAX_DELTA)
    }

    /// Adds the rounded delta to R, G and B of every pixel.
    pub(crate) fn apply(&self, rgba: &mut [u8], width: usize, height: usize) {
        for y in 0..height {
            for x in 0..width {
                let delta = self.delta(x, y).round() as i16;
                let start = (y * width + x) * 4;
                for channel in &mut rgba[start..start + 3] {
                    *channel = (i16::from(*channel) + delta).clamp(0, 255) as u8;
                }
            }
        }
    }

    /// `plane` (a window of the image) with the delta added, unrounded and unclamped.
    fn applied_to(&self, plane: &Plane) -> Plane {
        let mut out = plane.clone();
        for y in 0..plane.height {
            for x in 0..plane.width {
                out.data[y * plane.width + x] += self.delta(plane.origin.0 + x, plane.origin.1 + y);
            }
        }
        out
    }
}

/// The cell responses (chip-multiplied) the extractor would read from `plane` at scale 1.
fn responses_at_scale_one(plane: &Plane, layout: &Layout) -> [f32; CELL_COUNT] {
    let folded = sync::fold(&plane.whitened_residual(sync::residual_radius(1.0)), 1.0);
    sync::cell_responses(&folded, layout, (0, 0))
}

/// Cell values carrying `bits` (the +/-1 bit of every cell, +1 for pilots) with the host's
/// interference in `window` cancelled as far as the energy budget allows: in every cell, or with
/// `pilots_only` in the pilots only (semi-blind extraction subtracts the original, so its data
/// cells must carry the plain bit).
pub(crate) fn informed_values(
    image: (&[u8], usize, usize),
    window: &Plane,
    layout: &Layout,
    bits: &[f32; CELL_COUNT],
    target_rms: f32,
    pilots_only: bool,
) -> [f32; CELL_COUNT] {
    let (rgba, width, height) = image;
    let plain = chip_values(layout, bits);
    let host = responses_at_scale_one(window, layout);
    let marked =
        responses_at_scale_one(&Pattern::new(rgba, width, height, plain, target_rms).applied_to(window), layout);
    let unit = (0..CELL_COUNT).map(|c| (marked[c] - host[c]) * bits[c]).sum::<f32>() / CELL_COUNT as f32;
    if unit <= f32::EPSILON {
        return plain;
    }
    let interference: Vec<f32> = host.iter().map(|h| h / unit).collect();
    let energy = interference.iter().map(|i| i * i).sum::<f32>() / CELL_COUNT as f32;
    let lambda =
        if energy > f32::EPSILON { ((1.0 - MIN_BIT_SHARE * MIN_BIT_SHARE) / energy).sqrt().min(1.0) } else { 0.0 };
    let share = (1.0 - lambda * lambda * energy).max(0.0).sqrt();
    let mut informed = [0.0f32; CELL_COUNT];
    for cell in 0..CELL_COUNT {
        informed[cell] = (share * bits[cell] - lambda * interference[cell]).clamp(-MAX_VALUE, MAX_VALUE);
    }
    if pilots_only {
        for &cell in &layout.data {
            informed[cell] = bits[cell];
        }
    }
    chip_values(layout, &informed)
}

/// Bit-domain values times their chips.
fn chip_values(layout: &Layout, bits: &[f32; CELL_COUNT]) -> [f32; CELL_COUNT] {
    let mut values = [0.0f32; CELL_COUNT];
    for cell in 0..CELL_COUNT {
        values[cell] = bits[cell] * layout.chips[cell];
    }
    values
}

/// The largest bump amplitude a block of luma standard deviation `deviation` may get: the one
/// whose mean square over the block is [`SSIM_BUDGET`] of `2 deviation^2 + C2`.
fn ssim_ceiling(deviation: f32, bumps: &[f32; CELL]) -> f32 {
    let bump_mean_square = (bumps.iter().map(|b| b * b).sum::<f32>() / CELL as f32).powi(2);
    (SSIM_BUDGET * (2.0 * deviation * deviation + SSIM_C2) / bump_mean_square).sqrt()
}

/// The luma standard deviation of every 8 x 8 block.
fn block_deviations(rgba: &[u8], width: usize, height: usize, blocks_x: usize) -> Vec<f32> {
    let blocks_y = height.div_ceil(CELL);
    let mut deviations = vec![0.0f32; blocks_x * blocks_y];
    for by in 0..blocks_y {
        for bx in 0..blocks_x {
            let (mut sum, mut squares, mut count) = (0.0f64, 0.0f64, 0.0f64);
            for y in by * CELL..((by + 1) * CELL).min(height) {
                for x in bx * CELL..((bx + 1) * CELL).min(width) {
                    let start = (y * width + x) * 4;
                    let luma = f64::from(luma_of(&rgba[start..start + 3]));
                    sum += luma;
                    squares += luma * luma;
                    count += 1.0;
                }
            }
            let mean = sum / count.max(1.0);
            deviations[by * blocks_x + bx] = (squares / count.max(1.0) - mean * mean).max(0.0).sqrt() as f32;
        }
    }
    deviations
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_has_the_target_rms_and_keeps_colour_differences() {
        let (width, height) = (160, 140);
        let mut rgba: Vec<u8> =
            (0..width * height * 4).map(|i| if i % 4 == 3 { 200 } else { 60 + (i * 31 % 97) as u8 }).collect();
        let before = rgba.clone();
        let mut values = [0.0; CELL_COUNT];
        values.iter_mut().enumerate().for_each(|(i, v)| *v = if i % 3 == 0 { 1.0 } else { -1.0 });
        Pattern::new(&rgba, width, height, values, 2.5).apply(&mut rgba, width, height);
        let mut energy = 0.0;
        for (after, before) in rgba.chunks(4).zip(before.chunks(4)) {
            let delta = i32::from(after[0]) - i32::from(before[0]);
            assert_eq!(i32::from(after[1]) - i32::from(before[1]), delta);
            assert_eq!(i32::from(after[2]) - i32::from(before[2]), delta);
            assert_eq!(after[3], before[3]);
            energy += f64::from(delta * delta);
        }
        let rms = (energy / (width * height) as f64).sqrt();
        assert!((rms - 2.5).abs() < 0.25, "rms {rms}");
    }
}
