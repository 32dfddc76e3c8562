//! From positioned glyphs to one alpha coverage raster.
//!
//! The raster is the layout box grown to hold every glyph's ink (a `j` that reaches left of the
//! pen, an accent above the ascender, a CJK fallback glyph taller than a Latin line). Its size is
//! checked against the request's limit twice before anything is allocated: first the layout box,
//! which needs no outline, then the box with the ink. Coverage of overlapping glyphs is combined
//! as "over" (`a + b − a·b`), as when glyphs are composited one by one. Peak memory is the raster
//! (one byte a pixel) plus ab_glyph's accumulation buffer for the largest glyph (four bytes a
//! pixel of that glyph's box).

use ab_glyph::{Font as _, Glyph, GlyphId, OutlinedGlyph, point};

use crate::error::TextError;
use crate::layout::{ChainFace, TextLayout};
use crate::{Coverage, Layout};

/// The raster's extent around the layout box, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Frame {
    left: u64,
    top: u64,
    width: u64,
    height: u64,
}

/// Ink bounds in layout coordinates: `[min_x, max_x) × [min_y, max_y)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ink {
    min_x: i128,
    min_y: i128,
    max_x: i128,
    max_y: i128,
}

/// Draws the laid-out glyphs into a coverage raster of at most `max_pixels` pixels.
pub(crate) fn rasterise(faces: &[ChainFace<'_>], layout: &TextLayout, max_pixels: u64) -> Result<Coverage, TextError> {
    check_size(layout.width, layout.height, max_pixels)?;
    let glyphs = outline_glyphs(faces, layout);
    let frame = frame_around(layout, ink_bounds(&glyphs));
    check_size(frame.width, frame.height, max_pixels)?;
    if frame.width == 0 || frame.height == 0 {
        return Err(TextError::EmptyText);
    }
    let mut data = allocate(&frame, max_pixels)?;
    for glyph in &glyphs {
        draw(glyph, &frame, &mut data);
    }
    Ok(Coverage {
        width: narrow(frame.width),
        height: narrow(frame.height),
        data,
        layout: Layout {
            left: narrow(frame.left),
            top: narrow(frame.top),
            width: narrow(layout.width),
            height: narrow(layout.height),
        },
    })
}

/// Refuses a `width × height` raster over `max_pixels` or with a side past `u32::MAX`.
fn check_size(width: u64, height: u64, max_pixels: u64) -> Result<(), TextError> {
    let side_limit = u64::from(u32::MAX);
    match width.checked_mul(height) {
        Some(pixels) if pixels <= max_pixels && width <= side_limit && height <= side_limit => Ok(()),
        _ => Err(TextError::TooLarge { width, height, max_pixels }),
    }
}

/// Sides already checked to fit; saturates rather than panics all the same.
fn narrow(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// The outlines of every glyph that has one (spaces have none), at their layout positions.
fn outline_glyphs(faces: &[ChainFace<'_>], layout: &TextLayout) -> Vec<OutlinedGlyph> {
    layout
        .glyphs
        .iter()
        .filter_map(|placed| {
            let face = faces.get(placed.face)?;
            let glyph =
                Glyph { id: GlyphId(placed.id), scale: face.scale, position: point(placed.x as f32, placed.y as f32) };
            face.outlines.outline_glyph(glyph)
        })
        .collect()
}

/// The union of the glyphs' pixel boxes, or `None` when nothing has ink.
fn ink_bounds(glyphs: &[OutlinedGlyph]) -> Option<Ink> {
    glyphs.iter().map(|glyph| glyph.px_bounds()).fold(None, |ink: Option<Ink>, bounds| {
        let (min_x, min_y) = (bounds.min.x as i128, bounds.min.y as i128);
        let (max_x, max_y) = (bounds.max.x as i128, bounds.max.y as i128);
        Some(match ink {
            None => Ink { min_x, min_y, max_x, max_y },
            Some(ink) => Ink {
                min_x: ink.min_x.min(min_x),
                min_y: ink.min_y.min(min_y),
                max_x: ink.max_x.max(max_x),
                max_y: ink.max_y.max(max_y),
            },
        })
    })
}

/// The layout box grown to hold the ink.
fn frame_around(layout: &TextLayout, ink: Option<Ink>) -> Frame {
    let (width, height) = (i128::from(layout.width), i128::from(layout.height));
    let ink = ink.unwrap_or(Ink { min_x: 0, min_y: 0, max_x: width, max_y: height });
    let (left, top) = ((-ink.min_x).max(0), (-ink.min_y).max(0));
    let right = ink.max_x.max(width);
    let bottom = ink.max_y.max(height);
    let to_u64 = |value: i128| u64::try_from(value.max(0)).unwrap_or(u64::MAX);
    Frame { left: to_u64(left), top: to_u64(top), width: to_u64(left + right), height: to_u64(top + bottom) }
}

/// A zeroed raster for the frame; an allocation the system refuses is "too large" too.
fn allocate(frame: &Frame, max_pixels: u64) -> Result<Vec<u8>, TextError> {
    let too_large = || TextError::TooLarge { width: frame.width, height: frame.height, max_pixels };
    let pixels = frame.width.checked_mul(frame.height).ok_or_else(too_large)?;
    let pixels = usize::try_from(pixels).map_err(|_| too_large())?;
    let mut data = Vec::new();
    data.try_reserve_exact(pixels).map_err(|_| too_large())?;
    data.resize(pixels, 0);
    Ok(data)
}

/// Composites one glyph's coverage into the raster.
fn draw(glyph: &OutlinedGlyph, frame: &Frame, data: &mut [u8]) {
    let bounds = glyph.px_bounds();
    let origin_x = bounds.min.x as i128 + i128::from(frame.left);
    let origin_y = bounds.min.y as i128 + i128::from(frame.top);
    glyph.draw(|x, y, coverage| {
        let Some(index) = pixel_index(frame, origin_x + i128::from(x), origin_y + i128::from(y)) else { return };
        if let Some(pixel) = data.get_mut(index) {
            *pixel = over(*pixel, to_alpha(coverage));
        }
    });
}

/// The offset of pixel `(x, y)` in the raster, `None` outside it.
fn pixel_index(frame: &Frame, x: i128, y: i128) -> Option<usize> {
    let inside = (0..i128::from(frame.width)).contains(&x) && (0..i128::from(frame.height)).contains(&y);
    if !inside {
        return None;
    }
    usize::try_from(y * i128::from(frame.width) + x).ok()
}

/// ab_glyph's coverage (0.0 to 1.0, possibly a little over) as 0 to 255.
fn to_alpha(coverage: f32) -> u8 {
    (coverage.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// `destination over source` for alphas: `d + s·(1 − d)`, rounded.
fn over(destination: u8, source: u8) -> u8 {
    let (d, s) = (u32::from(destination), u32::from(source));
    let sum = d + (s * (255 - d) + 127) / 255;
    u8::try_from(sum).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_over_the_limit_are_refused() {
        assert_eq!(check_size(10, 10, 100), Ok(()));
        assert_eq!(check_size(10, 11, 100), Err(TextError::TooLarge { width: 10, height: 11, max_pixels: 100 }));
        assert!(check_size(u64::MAX, 2, u64::MAX).is_err());
        assert!(check_size(1 << 33, 1, u64::MAX).is_err());
    }

    #[test]
    fn the_frame_grows_to_the_ink() {
        let layout = TextLayout { glyphs: vec![], width: 20, height: 10 };
        let ink = Ink { min_x: -2, min_y: -3, max_x: 25, max_y: 9 };
        assert_eq!(frame_around(&layout, Some(ink)), Frame { left: 2, top: 3, width: 27, height: 13 });
        assert_eq!(frame_around(&layout, None), Frame { left: 0, top: 0, width: 20, height: 10 });
    }

    #[test]
    fn over_combines_coverage() {
        assert_eq!(over(0, 200), 200);
        assert_eq!(over(255, 200), 255);
        assert_eq!(over(128, 128), 192);
        assert_eq!(to_alpha(1.2), 255);
        assert_eq!(to_alpha(-0.1), 0);
    }

    #[test]
    fn pixels_outside_the_frame_have_no_index() {
        let frame = Frame { left: 0, top: 0, width: 4, height: 2 };
        assert_eq!(pixel_index(&frame, 3, 1), Some(7));
        assert_eq!(pixel_index(&frame, 4, 0), None);
        assert_eq!(pixel_index(&frame, -1, 0), None);
    }
}
