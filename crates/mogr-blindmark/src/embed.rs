//! Adding the tile to an RGBA buffer.
//!
//! Data flow: RGBA -> per 8 x 8 block luma standard deviation (the perceptual mask: busy blocks
//! hide more) -> unit pattern `mask x cell value x bump(x) x bump(y)` -> one gain so that the
//! pattern's RMS over the image is the level's target (which fixes the PSNR) -> the rounded delta
//! added to R, G and B alike (so luma moves by the delta and hue stays put), clamped to 0..255.
//! Only one float per 8 x 8 block is kept, so memory stays at N/64 floats beyond the buffer.

use crate::layout::{CELL, CELL_COUNT, CELLS_PER_SIDE, bump};
use crate::luma_of;

/// Mask floor and ceiling relative to [`MASK_REFERENCE`]: flat blocks still get some signal, busy
/// blocks do not take all of it.
const MASK_MIN: f32 = 0.35;
const MASK_MAX: f32 = 1.6;
/// Block standard deviation (luma levels) that gets mask 1.
const MASK_REFERENCE: f32 = 10.0;
/// Largest per-pixel delta, whatever the gain.
const MAX_DELTA: f32 = 14.0;

/// Adds the tile with cell values `values` to `rgba` (`width` x `height`, already validated) so
/// that the delta's RMS is `target_rms` luma levels.
pub(crate) fn embed_cells(rgba: &mut [u8], width: usize, height: usize, values: &[f32; CELL_COUNT], target_rms: f32) {
    let blocks_x = width.div_ceil(CELL);
    let mask = block_mask(rgba, width, height, blocks_x);
    let bumps: Vec<f32> = (0..CELL).map(|i| bump(i as f64 + 0.5) as f32).collect();
    let unit = |x: usize, y: usize| -> f32 {
        let cell = ((y / CELL) % CELLS_PER_SIDE) * CELLS_PER_SIDE + (x / CELL) % CELLS_PER_SIDE;
        mask[(y / CELL) * blocks_x + x / CELL] * values[cell] * bumps[x % CELL] * bumps[y % CELL]
    };
    let mut energy = 0.0f64;
    for y in 0..height {
        for x in 0..width {
            energy += f64::from(unit(x, y)).powi(2);
        }
    }
    let pixels = (width * height).max(1) as f64;
    let rms = (energy / pixels).sqrt() as f32;
    if rms <= f32::EPSILON {
        return;
    }
    let gain = target_rms / rms;
    for y in 0..height {
        for x in 0..width {
            let delta = (gain * unit(x, y)).clamp(-MAX_DELTA, MAX_DELTA).round() as i16;
            let start = (y * width + x) * 4;
            for channel in &mut rgba[start..start + 3] {
                *channel = (i16::from(*channel) + delta).clamp(0, 255) as u8;
            }
        }
    }
}

/// The mask of every 8 x 8 block: its luma standard deviation over [`MASK_REFERENCE`], clamped.
fn block_mask(rgba: &[u8], width: usize, height: usize, blocks_x: usize) -> Vec<f32> {
    let blocks_y = height.div_ceil(CELL);
    let mut mask = vec![0.0f32; blocks_x * blocks_y];
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
            let deviation = (squares / count.max(1.0) - mean * mean).max(0.0).sqrt() as f32;
            mask[by * blocks_x + bx] = (deviation / MASK_REFERENCE).clamp(MASK_MIN, MASK_MAX);
        }
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_has_the_target_rms_and_keeps_colour_differences() {
        let (width, height) = (160, 140);
        let mut rgba: Vec<u8> = (0..width * height * 4).map(|i| if i % 4 == 3 { 200 } else { 60 + (i * 31 % 97) as u8 }).collect();
        let before = rgba.clone();
        let mut values = [0.0; CELL_COUNT];
        values.iter_mut().enumerate().for_each(|(i, v)| *v = if i % 3 == 0 { 1.0 } else { -1.0 });
        embed_cells(&mut rgba, width, height, &values, 2.5);
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
