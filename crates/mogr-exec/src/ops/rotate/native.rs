//! The scalar twin of the rotation: inverse mapping and bilinear sampling of one canvas pixel
//! at a time, the reference arithmetic of `mod.rs` that the SIMD files reproduce.

use super::Mapping;
use crate::Frame;
use crate::ops::{floor_i64, to_u8};
use crate::picture::CHANNELS;

/// Fills canvas row `v` from pixel `from` on.
pub(super) fn rotate_row(frame: &Frame, m: &Mapping, v: usize, row: &mut [u8], from: usize) {
    let dy = v as f64 + 0.5 - m.canvas_centre.1;
    for (u, pixel) in row.chunks_exact_mut(CHANNELS).enumerate().skip(from) {
        let dx = u as f64 + 0.5 - m.canvas_centre.0;
        // The source point, in coordinates where pixel i's centre is at i.
        let sx = dx * m.cos + dy * m.sin + m.source_centre.0 - 0.5;
        let sy = -dx * m.sin + dy * m.cos + m.source_centre.1 - 0.5;
        pixel.copy_from_slice(&sample(frame, sx, sy).unwrap_or(m.uncovered));
    }
}

/// The frame sampled bilinearly at (`x`, `y`) (pixel centres at integers), weighting colours
/// by alpha; pixels outside the frame are transparent. `None` when the result has alpha 0.
pub(super) fn sample(frame: &Frame, x: f64, y: f64) -> Option<[u8; 4]> {
    let (x0, y0) = (floor_i64(x), floor_i64(y));
    let (fx, fy) = (x - x0 as f64, y - y0 as f64);
    if let Some(colour) = opaque_inside(frame, (x0, y0), (fx, fy)) {
        return Some(colour);
    }
    let taps = [
        (x0, y0, (1.0 - fx) * (1.0 - fy)),
        (x0 + 1, y0, fx * (1.0 - fy)),
        (x0, y0 + 1, (1.0 - fx) * fy),
        (x0 + 1, y0 + 1, fx * fy),
    ];
    let mut sum = [0.0f64; 4];
    for (tx, ty, weight) in taps {
        let Some(p) = pixel(frame, tx, ty) else { continue };
        let a = weight * f64::from(p[3]);
        sum[0] += a * f64::from(p[0]);
        sum[1] += a * f64::from(p[1]);
        sum[2] += a * f64::from(p[2]);
        sum[3] += a;
    }
    let alpha = to_u8(sum[3]);
    if alpha == 0 {
        return None;
    }
    Some([to_u8(sum[0] / sum[3]), to_u8(sum[1] / sum[3]), to_u8(sum[2] / sum[3]), alpha])
}

/// The fast path of [`sample`]: when the four neighbours lie inside the frame and are
/// opaque, plain bilinear interpolation of the colours (the weighting by alpha is moot).
fn opaque_inside(frame: &Frame, (x0, y0): (i64, i64), (fx, fy): (f64, f64)) -> Option<[u8; 4]> {
    let top: &[u8; 8] = pair(frame, x0, y0)?.try_into().ok()?;
    let bottom: &[u8; 8] = pair(frame, x0, y0 + 1)?.try_into().ok()?;
    if top[3] != 255 || top[7] != 255 || bottom[3] != 255 || bottom[7] != 255 {
        return None;
    }
    let mix = |c: usize| {
        let upper = f64::from(top[c]) + (f64::from(top[c + 4]) - f64::from(top[c])) * fx;
        let lower = f64::from(bottom[c]) + (f64::from(bottom[c + 4]) - f64::from(bottom[c])) * fx;
        to_u8(upper + (lower - upper) * fy)
    };
    Some([mix(0), mix(1), mix(2), 255])
}

/// The two pixels (`x`, `y`) and (`x` + 1, `y`), or `None` unless both lie inside the frame.
fn pair(frame: &Frame, x: i64, y: i64) -> Option<&[u8]> {
    let (x, y) = (u32::try_from(x).ok()?, u32::try_from(y).ok()?);
    if x.checked_add(1)? >= frame.width || y >= frame.height {
        return None;
    }
    let start = (y as usize * frame.width as usize + x as usize) * CHANNELS;
    frame.pixels.get(start..start + 2 * CHANNELS)
}

/// The pixel at (`x`, `y`), or `None` outside the frame.
fn pixel(frame: &Frame, x: i64, y: i64) -> Option<&[u8]> {
    let (x, y) = (u32::try_from(x).ok()?, u32::try_from(y).ok()?);
    if x >= frame.width || y >= frame.height {
        return None;
    }
    let start = (y as usize * frame.width as usize + x as usize) * CHANNELS;
    frame.pixels.get(start..start + CHANNELS)
}
