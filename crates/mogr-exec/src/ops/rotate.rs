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

use mogr_plan::syntax::ast::Rgb;

use super::geometry::permute;
use super::{fill_rows, floor_i64, to_u8};
use crate::picture::CHANNELS;
use crate::{ExecError, Frame};

/// Rotates the frame clockwise by `degrees` onto a `width`×`height` canvas.
pub(super) fn rotate(frame: &Frame, degrees: u16, canvas: (u32, u32), background: Rgb) -> Result<Frame, ExecError> {
    match degrees % 360 {
        0 => Ok(frame.clone()),
        90 => permute(frame, false, 1),
        180 => permute(frame, false, 2),
        270 => permute(frame, false, 3),
        d => rotate_any(frame, f64::from(d), canvas, background),
    }
}

/// Rotation by an arbitrary angle: inverse mapping with bilinear sampling.
fn rotate_any(frame: &Frame, degrees: f64, (width, height): (u32, u32), background: Rgb) -> Result<Frame, ExecError> {
    let (sin, cos) = degrees.to_radians().sin_cos();
    let source_centre = (f64::from(frame.width) / 2.0, f64::from(frame.height) / 2.0);
    let canvas_centre = (f64::from(width) / 2.0, f64::from(height) / 2.0);
    let uncovered = [background.r, background.g, background.b, 0];
    let mut out = Frame::new(width, height)?;
    fill_rows(&mut out, |v, row| {
        let dy = v as f64 + 0.5 - canvas_centre.1;
        for (u, pixel) in row.chunks_exact_mut(CHANNELS).enumerate() {
            let dx = u as f64 + 0.5 - canvas_centre.0;
            // The source point, in coordinates where pixel i's centre is at i.
            let sx = dx * cos + dy * sin + source_centre.0 - 0.5;
            let sy = -dx * sin + dy * cos + source_centre.1 - 0.5;
            pixel.copy_from_slice(&sample(frame, sx, sy).unwrap_or(uncovered));
        }
        Ok(())
    })?;
    Ok(out)
}

/// The frame sampled bilinearly at (`x`, `y`) (pixel centres at integers), weighting colours
/// by alpha; pixels outside the frame are transparent. `None` when the result has alpha 0.
fn sample(frame: &Frame, x: f64, y: f64) -> Option<[u8; 4]> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame whose every pixel is different, half transparent in places.
    fn pattern(width: u32, height: u32) -> Frame {
        let mut frame = Frame::new(width, height).unwrap();
        for (i, p) in frame.pixels.chunks_exact_mut(4).enumerate() {
            p.copy_from_slice(&[(i * 7) as u8, (i * 13) as u8, (i * 29) as u8, if i % 5 == 0 { 128 } else { 255 }]);
        }
        frame
    }

    #[test]
    fn bilinear_path_at_right_angles_matches_the_permutations() {
        // The general path must turn the same way as the exact one (clockwise), and land on
        // the same pixels: at right angles its samples fall on pixel centres.
        let frame = pattern(7, 4);
        let white = Rgb { r: 255, g: 255, b: 255 };
        for (degrees, turns) in [(90, 1), (180, 2), (270, 3)] {
            let exact = permute(&frame, false, turns).unwrap();
            let general = rotate_any(&frame, f64::from(degrees), (exact.width, exact.height), white).unwrap();
            assert_eq!(general, exact, "{degrees}°");
        }
    }
}
