//! Geometry that moves whole pixels: crop, pad, flip and the eight EXIF orientations.
//!
//! Nothing here resamples: crop, flip and orient are exact rearrangements of the input's
//! pixels, and pad places the input unchanged (composited over its opaque canvas) at the
//! offset the planner chose. Right-angle rotations reuse [`permute`].

use mogr_plan::Orientation;
use mogr_plan::plan::Rect;
use mogr_plan::syntax::ast::Rgb;

use super::{fill_rows, source_row, stride};
use crate::picture::CHANNELS;
use crate::{ExecError, Frame};

/// Keeps `rect` of the frame. The planner clipped it to the frame; a rectangle that does not
/// lie inside anyway is an internal error.
pub(crate) fn crop(frame: &Frame, rect: Rect) -> Result<Frame, ExecError> {
    check_inside(rect, (frame.width, frame.height))?;
    let mut out = Frame::new(rect.width, rect.height)?;
    let left = stride(rect.x);
    let right = left + stride(rect.width);
    fill_rows(&mut out, |y, row| {
        let source = source_row(frame, rect.y as usize + y)?;
        let part = source.get(left..right).ok_or_else(|| outside(rect, (frame.width, frame.height)))?;
        row.copy_from_slice(part);
        Ok(())
    })?;
    Ok(out)
}

/// Places the frame with its top-left corner at (`x`, `y`) on a `width`×`height` canvas of
/// `color`. The canvas is opaque and the frame is composited over it ("source over"), so
/// transparent parts of the frame show the pad colour and the result is fully opaque, as
/// ImageMagick's `-extent` over a background does. Opaque pixels are copied unchanged.
pub(super) fn pad(
    frame: &Frame,
    (width, height): (u32, u32),
    (x, y): (u32, u32),
    color: Rgb,
) -> Result<Frame, ExecError> {
    let placed = Rect { x, y, width: frame.width, height: frame.height };
    check_inside(placed, (width, height))?;
    let mut out = Frame::new(width, height)?;
    let background = [color.r, color.g, color.b, 255];
    let left = stride(x);
    let right = left + stride(frame.width);
    fill_rows(&mut out, |row_y, row| {
        for pixel in row.chunks_exact_mut(CHANNELS) {
            pixel.copy_from_slice(&background);
        }
        let Some(source_y) = row_y.checked_sub(y as usize).filter(|&sy| sy < frame.height as usize) else {
            return Ok(());
        };
        let source = source_row(frame, source_y)?;
        let target = row.get_mut(left..right).ok_or_else(|| outside(placed, (width, height)))?;
        for (to, from) in target.chunks_exact_mut(CHANNELS).zip(source.chunks_exact(CHANNELS)) {
            over_opaque(to, from);
        }
        Ok(())
    })?;
    Ok(out)
}

/// `from` composited over the opaque pixel `to`, in place: `to = from·a + to·(1 − a)`.
fn over_opaque(to: &mut [u8], from: &[u8]) {
    let alpha = from.get(3).copied().map_or(0, u32::from);
    for (t, f) in to.iter_mut().zip(from).take(3) {
        *t = ((u32::from(*f) * alpha + u32::from(*t) * (255 - alpha) + 127) / 255) as u8;
    }
    if let Some(a) = to.get_mut(3) {
        *a = 255;
    }
}

/// Mirrors the frame top-bottom (`vertical`) or left-right.
pub(super) fn flip(frame: &Frame, vertical: bool) -> Result<Frame, ExecError> {
    let mut out = Frame::new(frame.width, frame.height)?;
    let last = frame.height as usize - 1;
    fill_rows(&mut out, |y, row| {
        if vertical {
            row.copy_from_slice(source_row(frame, last - y)?);
        } else {
            let source = source_row(frame, y)?;
            for (to, from) in row.chunks_exact_mut(CHANNELS).zip(source.chunks_exact(CHANNELS).rev()) {
                to.copy_from_slice(from);
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// Undoes the EXIF `orientation` so the picture stands upright.
///
/// [`Orientation::parts`] says how: mirror left-right (or not), then rotate clockwise by a
/// number of quarter turns; [`permute`] does exactly that.
pub(crate) fn orient(frame: &Frame, orientation: Orientation) -> Result<Frame, ExecError> {
    let (mirror, quarter_turns) = orientation.parts();
    permute(frame, mirror, quarter_turns)
}

/// Mirrors the frame left-right when `mirror`, then rotates it clockwise by `quarter_turns`
/// × 90°: an exact permutation of its pixels.
///
/// Each output pixel (u, v) is read from the source by inverting the two steps. For a
/// `W`×`H` source, a clockwise quarter turn sends (x, y) to (H−1−y, x), so its inverse reads
/// (v, H−1−u); two turns read (W−1−u, H−1−v); three read (W−1−v, u); the mirror then reads
/// x as W−1−x. The source index is affine in u and v, so each row is a walk with a fixed step.
pub(super) fn permute(frame: &Frame, mirror: bool, quarter_turns: u8) -> Result<Frame, ExecError> {
    let turns = quarter_turns % 4;
    let (out_width, out_height) =
        if turns % 2 == 1 { (frame.height, frame.width) } else { (frame.width, frame.height) };
    let walk = Walk::new((frame.width, frame.height), mirror, turns);
    let mut out = Frame::new(out_width, out_height)?;
    fill_rows(&mut out, |v, row| {
        let mut at = walk.origin + v as i64 * walk.step_v;
        for pixel in row.chunks_exact_mut(CHANNELS) {
            pixel.copy_from_slice(pixel_at(frame, at)?);
            at += walk.step_u;
        }
        Ok(())
    })?;
    Ok(out)
}

/// The source pixel index of output pixel (u, v): `origin + u·step_u + v·step_v`.
struct Walk {
    origin: i64,
    step_u: i64,
    step_v: i64,
}

impl Walk {
    /// The walk of "mirror (or not), then `turns` clockwise quarter turns" on a `w`×`h` source.
    fn new((w, h): (u32, u32), mirror: bool, turns: u8) -> Walk {
        let (w, h) = (i64::from(w), i64::from(h));
        // Source (x, y) before the mirror, as origin + u·du + v·dv.
        let (mut origin, mut du, mut dv) = match turns {
            0 => ((0, 0), (1, 0), (0, 1)),
            1 => ((0, h - 1), (0, -1), (1, 0)),
            2 => ((w - 1, h - 1), (-1, 0), (0, -1)),
            _ => ((w - 1, 0), (0, 1), (-1, 0)),
        };
        if mirror {
            origin.0 = w - 1 - origin.0;
            du.0 = -du.0;
            dv.0 = -dv.0;
        }
        Walk { origin: origin.1 * w + origin.0, step_u: du.1 * w + du.0, step_v: dv.1 * w + dv.0 }
    }
}

/// The four bytes of the pixel with linear index `index`.
fn pixel_at(frame: &Frame, index: i64) -> Result<&[u8], ExecError> {
    usize::try_from(index)
        .ok()
        .and_then(|i| i.checked_mul(CHANNELS))
        .and_then(|start| frame.pixels.get(start..start + CHANNELS))
        .ok_or_else(|| ExecError::Internal(format!("pixel {index} of a {}x{} frame", frame.width, frame.height)))
}

/// Checks that `rect` is not empty and lies inside a `width`×`height` frame.
fn check_inside(rect: Rect, (width, height): (u32, u32)) -> Result<(), ExecError> {
    let right = u64::from(rect.x) + u64::from(rect.width);
    let bottom = u64::from(rect.y) + u64::from(rect.height);
    if rect.width == 0 || rect.height == 0 || right > u64::from(width) || bottom > u64::from(height) {
        return Err(outside(rect, (width, height)));
    }
    Ok(())
}

/// The error of a rectangle that does not lie inside the frame.
fn outside(rect: Rect, (width, height): (u32, u32)) -> ExecError {
    ExecError::Internal(format!(
        "the {}x{} rectangle at ({}, {}) does not lie inside the {width}x{height} frame",
        rect.width, rect.height, rect.x, rect.y
    ))
}
