//! Visible watermarks: `watermark/1` (an image of the bucket) and `watermark/2` (text).
//!
//! ```text
//! watermark/1: ObjectResolver ──bytes──▶ probe + decode (a still image, within Limits)
//!              ──scatype/spcent scale, blogo fit──▶ Mark
//! watermark/2: mogr-text (font, fontsize) ──coverage──▶ fill colour + shadow ──▶ Mark
//! Mark ──dissolve (alpha × dissolve/100)──▶ (batch/1: rotated by degree) ──▶ Lattice of positions
//!      ──every frame, rows in parallel: "over" at each position──▶ frames
//! ```
//!
//! The mark is built once and drawn on every frame of an animated input.
//!
//! **Placement.** A [`Mark`] is RGBA pixels and the box inside them that placement aligns
//! (the whole image for `watermark/1`; the text's layout box for `watermark/2`, whose ink and
//! shadow may spill out of it). `gravity` (default south-east) picks a point of the 3x3 grid
//! and `dx`/`dy` (pixels) push the box from that edge towards the centre, with the spec's rule
//! that `center` ignores both, `north`/`south` ignore `dx` and `west`/`east` ignore `dy`
//! ([`geometry::anchor`], the same function crop's gravity uses). What falls outside the image
//! is clipped.
//!
//! **Tiling (`batch/1`).** The mark, turned clockwise by `degree` (transparent corners), is
//! repeated on a lattice over the whole image: one tile sits where the single mark would, and
//! the others follow at a pitch of 1.5 times the tile's size in each direction (a gap of half a
//! tile), so every part of the image is covered by the pattern. `degree` without `batch/1` is
//! ignored, as the spec says.
//!
//! **Blending.** Porter-Duff "over" in straight alpha with the mark's alpha times
//! `dissolve`/100 (default 90): `a = s + d·(1 − s)`, `c = (c_s·s + c_d·d·(1 − s)) / a`, in
//! integers rounded to nearest, so an opaque image gets `c = (c_s·s + c_d·(255 − s)) / 255`.
//! Each output pixel is computed the same way whichever thread draws its row.

pub(crate) mod blind;
mod image;
mod text;

use crate::fonts::Fonts;
use mogr_plan::Limits;
use mogr_plan::plan::geometry::{anchor, rotated};
use mogr_plan::syntax::ast::{Gravity, Placement, Tiling, Watermark};
use mogr_plan::{Step, plan::Rect};
use rayon::prelude::*;

use crate::objects::ObjectResolver;
use crate::picture::CHANNELS;
use crate::{ExecError, Frame, Picture, ops};

/// What a watermark may draw on beside the picture.
pub(crate) struct Sources<'a> {
    /// The bucket of the input (watermark images).
    pub objects: &'a dyn ObjectResolver,
    /// The limits watermark images are held to (as inputs are).
    pub limits: &'a Limits,
    /// The fonts of text watermarks and SVG text.
    pub fonts: &'a Fonts,
    /// The key blind watermarks are added and extracted with.
    pub blind_key: &'a [u8],
    /// Whether semi-blind extraction reports carry the recovered mark.
    pub recovered_marks: bool,
}

/// The default opacity in percent (`dissolve`).
const DEFAULT_DISSOLVE: u8 = 90;

/// A watermark ready to draw.
pub(crate) struct Mark {
    /// Its pixels, RGBA straight alpha.
    frame: Frame,
    /// The box inside `frame` that placement aligns.
    anchor: Rect,
}

impl Mark {
    /// A mark aligned by its whole frame.
    fn whole(frame: Frame) -> Mark {
        let anchor = Rect { x: 0, y: 0, width: frame.width, height: frame.height };
        Mark { frame, anchor }
    }
}

/// Draws the visible watermark `mark` on every frame of `picture`.
pub(crate) fn apply(mark: &Watermark, picture: &mut Picture, sources: &Sources<'_>) -> Result<(), ExecError> {
    let canvas = picture.size();
    let (built, placement, tiling, dissolve) = match mark {
        Watermark::Image(m) => (image::mark(m, canvas, sources)?, m.placement, m.tiling, m.dissolve),
        Watermark::Text(m) => (text::mark(m, canvas, sources.fonts.library())?, m.placement, m.tiling, m.dissolve),
        Watermark::Blind(m) => return blind::embed(m, picture, sources),
        Watermark::Extract(_) => {
            return Err(ExecError::Internal("watermark/4 is a report, not a drawing step".into()));
        }
    };
    let mut built = built;
    fade(&mut built.frame, dissolve.unwrap_or(DEFAULT_DISSOLVE));
    let (tile, lattice) = layout(built, canvas, placement, tiling)?;
    let frames = std::mem::take(&mut picture.frames);
    picture.frames = frames
        .into_par_iter()
        .map(|mut frame| {
            draw(&mut frame, &tile, &lattice);
            frame
        })
        .collect();
    Ok(())
}

/// Multiplies the mark's alpha by `percent`/100, rounded to nearest.
fn fade(frame: &mut Frame, percent: u8) {
    let percent = u32::from(percent.min(100));
    for pixel in frame.pixels.chunks_exact_mut(CHANNELS) {
        pixel[3] = ((u32::from(pixel[3]) * percent + 50) / 100) as u8;
    }
}

/// Where copies of a tile go: every combination of one column and one row (top-left corners
/// of the tile's frame, in canvas pixels, possibly outside).
#[derive(Debug, PartialEq, Eq)]
struct Lattice {
    xs: Vec<i64>,
    ys: Vec<i64>,
}

/// The tile to draw (the mark, turned for `batch/1` with a `degree`) and where it goes.
fn layout(mark: Mark, canvas: (u32, u32), placement: Placement, tiling: Tiling) -> Result<(Frame, Lattice), ExecError> {
    let gravity = placement.gravity.unwrap_or(Gravity::SouthEast);
    let (dx, dy) = (i64::from(placement.dx.unwrap_or(0)), i64::from(placement.dy.unwrap_or(0)));
    if tiling.batch != Some(true) {
        let box_size = (mark.anchor.width, mark.anchor.height);
        let (x, y) = anchor(canvas, box_size, gravity, dx, dy);
        let lattice = Lattice { xs: vec![x - i64::from(mark.anchor.x)], ys: vec![y - i64::from(mark.anchor.y)] };
        return Ok((mark.frame, lattice));
    }
    let tile = turn(mark.frame, tiling.degree.unwrap_or(0))?;
    let (x, y) = anchor(canvas, (tile.width, tile.height), gravity, dx, dy);
    let lattice = Lattice { xs: repeat(x, tile.width, canvas.0), ys: repeat(y, tile.height, canvas.1) };
    Ok((tile, lattice))
}

/// The mark turned clockwise by `degrees` on the canvas that holds it, corners transparent.
fn turn(frame: Frame, degrees: u16) -> Result<Frame, ExecError> {
    if degrees.is_multiple_of(360) {
        return Ok(frame);
    }
    let (width, height) = rotated((frame.width, frame.height), degrees);
    let background = mogr_plan::syntax::ast::Rgb { r: 0, g: 0, b: 0 };
    ops::apply(&Step::Rotate { degrees, width, height, background }, &frame)
}

/// The positions along one axis of tiles `size` long, repeating every 1.5 sizes through
/// `start`, that touch `0..extent`.
fn repeat(start: i64, size: u32, extent: u32) -> Vec<i64> {
    let size = i64::from(size);
    let pitch = (size + size / 2).max(1);
    let first = start - (start + size - 1).div_euclid(pitch) * pitch;
    (0..).map(|k| first + k * pitch).take_while(|&p| p < i64::from(extent)).filter(|&p| p + size > 0).collect()
}

/// Draws `tile` at every lattice position onto `frame`, rows in parallel.
fn draw(frame: &mut Frame, tile: &Frame, lattice: &Lattice) {
    let stride = frame.width as usize * CHANNELS;
    let width = i64::from(frame.width);
    frame.pixels.par_chunks_exact_mut(stride).enumerate().for_each(|(y, row)| {
        let y = y as i64;
        for &ty in lattice.ys.iter().filter(|&&ty| ty <= y && y < ty + i64::from(tile.height)) {
            let source = tile.row((y - ty) as u32);
            for &tx in &lattice.xs {
                let (from, to) = (tx.max(0), (tx + i64::from(tile.width)).min(width));
                if from >= to {
                    continue;
                }
                let (start, end) = (from as usize * CHANNELS, to as usize * CHANNELS);
                let skip = (from - tx) as usize * CHANNELS;
                over(&mut row[start..end], &source[skip..skip + (end - start)]);
            }
        }
    });
}

/// `source` drawn over `target` (both RGBA rows of the same length), straight alpha.
fn over(target: &mut [u8], source: &[u8]) {
    for (d, s) in target.chunks_exact_mut(CHANNELS).zip(source.chunks_exact(CHANNELS)) {
        let sa = u32::from(s[3]);
        if sa == 0 {
            continue;
        }
        let da = u32::from(d[3]);
        let kept = da * (255 - sa);
        let alpha = sa * 255 + kept;
        for c in 0..3 {
            let mixed = u32::from(s[c]) * sa * 255 + u32::from(d[c]) * kept;
            d[c] = ((mixed + alpha / 2) / alpha) as u8;
        }
        d[3] = ((alpha + 127) / 255) as u8;
    }
}

#[cfg(test)]
mod tests;
