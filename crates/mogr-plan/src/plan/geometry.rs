//! Geometry: every size and position a step produces, in exact integer arithmetic.
//!
//! Sizes follow ImageMagick's geometry semantics, which CI's `thumbnail` mirrors: a scale
//! factor is applied to both sides and rounded half up (`floor(x + 0.5)`), and the side that
//! limits a fit is exactly the box's. Ratios are computed on `u128` so nothing overflows and
//! nothing depends on floating-point rounding, except the two places where the definition
//! itself is irrational (`@` areas and rotation by arbitrary angles), which use `f64` with a
//! documented fix-up so the results are deterministic.

use mogr_syntax::ast::{Geometry, Gravity, Size};

/// A width and a height in pixels.
pub type Dims = (u32, u32);

/// `round(value * numerator / denominator)`, half up, at least 1.
pub fn scale_side(value: u32, numerator: u64, denominator: u64) -> u32 {
    let denominator = u128::from(denominator.max(1));
    let scaled = (2 * u128::from(value) * u128::from(numerator) + denominator) / (2 * denominator);
    u32::try_from(scaled).unwrap_or(u32::MAX).max(1)
}

/// The size that fits inside `bw`×`bh` keeping the aspect ratio of `w`×`h` (the limiting
/// side is exactly the box's).
pub fn fit((w, h): Dims, (bw, bh): Dims) -> Dims {
    if u64::from(bw) * u64::from(h) <= u64::from(bh) * u64::from(w) {
        (bw, scale_side(h, u64::from(bw), u64::from(w)))
    } else {
        (scale_side(w, u64::from(bh), u64::from(h)), bh)
    }
}

/// The smallest size that covers `bw`×`bh` keeping the aspect ratio of `w`×`h`.
pub fn cover((w, h): Dims, (bw, bh): Dims) -> Dims {
    if u64::from(bw) * u64::from(h) >= u64::from(bh) * u64::from(w) {
        (bw, scale_side(h, u64::from(bw), u64::from(w)))
    } else {
        (scale_side(w, u64::from(bh), u64::from(h)), bh)
    }
}

/// Whether fitting `w`×`h` into `bw`×`bh` shrinks it (the box is smaller in some side).
fn fit_shrinks((w, h): Dims, (bw, bh): Dims) -> bool {
    bw < w || bh < h
}

/// Whether fitting `w`×`h` into `bw`×`bh` enlarges it (the box is larger in both sides).
fn fit_enlarges((w, h): Dims, (bw, bh): Dims) -> bool {
    bw > w && bh > h
}

/// The size a `thumbnail` geometry gives an image of `input` size.
pub fn thumbnail(input: Dims, geometry: Geometry) -> Dims {
    let (w, h) = input;
    let box_of = |s: Size| (s.width, s.height);
    match geometry {
        Geometry::Percent(p) => (scale_side(w, p.into(), 100), scale_side(h, p.into(), 100)),
        Geometry::WidthPercent(p) => (scale_side(w, p.into(), 100), h),
        Geometry::HeightPercent(p) => (w, scale_side(h, p.into(), 100)),
        Geometry::Width(bw) => (bw, scale_side(h, bw.into(), w.into())),
        Geometry::Height(bh) => (scale_side(w, bh.into(), h.into()), bh),
        Geometry::Fit(s) => fit(input, box_of(s)),
        Geometry::Shrink(s) if fit_shrinks(input, box_of(s)) => fit(input, box_of(s)),
        Geometry::Enlarge(s) if fit_enlarges(input, box_of(s)) => fit(input, box_of(s)),
        Geometry::Shrink(_) | Geometry::Enlarge(_) => input,
        Geometry::Cover(s) => cover(input, box_of(s)),
        Geometry::Exact(s) => box_of(s),
        Geometry::Area(area) => within_area(input, area),
    }
}

/// The box a `pad/1` thumbnail is centred in, for the geometries that give one.
pub fn pad_box(geometry: Geometry) -> Option<Dims> {
    match geometry {
        Geometry::Fit(s) | Geometry::Shrink(s) | Geometry::Enlarge(s) => Some((s.width, s.height)),
        _ => None,
    }
}

/// The largest size with the aspect ratio of `w`×`h` and at most `area` pixels (`N@`), as
/// ImageMagick computes it: both sides scaled by `sqrt(area / (w*h))` and truncated, then
/// shrunk while the product still exceeds the area (float rounding). Never below 1×1.
pub fn within_area((w, h): Dims, area: u32) -> Dims {
    let factor = (f64::from(area) / (f64::from(w) * f64::from(h))).sqrt();
    let side = |v: u32| {
        let scaled = (f64::from(v) * factor + 1e-9).floor();
        if scaled >= f64::from(u32::MAX) { u32::MAX } else { (scaled as u32).max(1) }
    };
    let (mut nw, mut nh) = (side(w), side(h));
    while u64::from(nw) * u64::from(nh) > u64::from(area) && (nw > 1 || nh > 1) {
        // Shrink the side whose reduction keeps the aspect ratio best: the relatively larger.
        if u64::from(nw) * u64::from(h) >= u64::from(nh) * u64::from(w) && nw > 1 {
            nw -= 1;
        } else if nh > 1 {
            nh -= 1;
        } else {
            nw -= 1;
        }
    }
    (nw, nh)
}

/// A rectangle inside an image: top-left corner and size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Rect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// The `width`×`height` region placed by `gravity` and offsets `dx`, `dy` inside an image of
/// `image` size, clipped to the image; `None` when nothing of it lies inside.
///
/// The spec's rules: at `center` both offsets are ignored, at `north`/`south` `dx` is, at
/// `west`/`east` `dy` is. Offsets push the region away from the reference edge (towards the
/// centre), as ImageMagick's `-gravity` does.
pub fn place(image: Dims, (width, height): Dims, gravity: Gravity, dx: i64, dy: i64) -> Option<Rect> {
    let (x, y) = anchor(image, (width, height), gravity, dx, dy);
    clip((i64::from(image.0), i64::from(image.1)), x, y, i64::from(width), i64::from(height))
}

/// The top-left corner of the `width`×`height` region that [`place`] places, before clipping:
/// it may lie outside the image.
pub fn anchor((iw, ih): Dims, (width, height): Dims, gravity: Gravity, dx: i64, dy: i64) -> (i64, i64) {
    let (iw, ih, w, h) = (i64::from(iw), i64::from(ih), i64::from(width), i64::from(height));
    let centred = |outer: i64, inner: i64| (outer - inner).div_euclid(2);
    let x = match gravity {
        Gravity::NorthWest | Gravity::West | Gravity::SouthWest => dx,
        Gravity::North | Gravity::Center | Gravity::South => centred(iw, w),
        Gravity::NorthEast | Gravity::East | Gravity::SouthEast => iw - w - dx,
    };
    let y = match gravity {
        Gravity::NorthWest | Gravity::North | Gravity::NorthEast => dy,
        Gravity::West | Gravity::Center | Gravity::East => centred(ih, h),
        Gravity::SouthWest | Gravity::South | Gravity::SouthEast => ih - h - dy,
    };
    (x, y)
}

/// The part of the rectangle at (`x`, `y`) of size `w`×`h` that lies inside `iw`×`ih`.
pub fn clip((iw, ih): (i64, i64), x: i64, y: i64, w: i64, h: i64) -> Option<Rect> {
    let (left, top) = (x.max(0), y.max(0));
    let (right, bottom) = ((x + w).min(iw), (y + h).min(ih));
    if right <= left || bottom <= top {
        return None;
    }
    let to_u32 = |v: i64| u32::try_from(v).ok();
    Some(Rect { x: to_u32(left)?, y: to_u32(top)?, width: to_u32(right - left)?, height: to_u32(bottom - top)? })
}

/// The canvas of an image of `w`×`h` rotated clockwise by `degrees` (0-360): the bounding box
/// of the rotated rectangle, each side rounded half up as ImageMagick's `-rotate` does.
/// Right angles are exact.
pub fn rotated((w, h): Dims, degrees: u16) -> Dims {
    match degrees % 360 {
        0 | 180 => (w, h),
        90 | 270 => (h, w),
        d => {
            let (sin, cos) = f64::from(d).to_radians().sin_cos();
            let (fw, fh) = (f64::from(w), f64::from(h));
            let side = |v: f64| {
                let r = (v + 0.5 - 1e-9).floor();
                if r >= f64::from(u32::MAX) { u32::MAX } else { (r as u32).max(1) }
            };
            (side(fh * sin.abs() + fw * cos.abs()), side(fh * cos.abs() + fw * sin.abs()))
        }
    }
}

/// The centred `size`×`size` square of a circle crop of `radius` (clamped to the inscribed
/// circle) and the radius used.
pub fn circle((w, h): Dims, radius: u32) -> (Rect, u32) {
    let radius = radius.min(w.min(h) / 2).max(1);
    let side = (2 * u64::from(radius)).min(u64::from(w.min(h)));
    let side = u32::try_from(side).unwrap_or(1).max(1);
    let rect = Rect { x: (w - side) / 2, y: (h - side) / 2, width: side, height: side };
    (rect, radius)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_side_rounds_half_up() {
        assert_eq!(scale_side(3, 1, 2), 2);
        assert_eq!(scale_side(5, 1, 2), 3);
        assert_eq!(scale_side(1, 1, 1000), 1);
        assert_eq!(scale_side(u32::MAX, u64::from(u32::MAX), 1), u32::MAX);
    }

    #[test]
    fn fit_and_cover_match_the_spec_examples() {
        // imageView2 examples: 1000x500 into 500x400 (fit) and over 500x400 (cover).
        assert_eq!(fit((1000, 500), (500, 400)), (500, 250));
        assert_eq!(cover((1000, 500), (500, 400)), (800, 400));
    }

    #[test]
    fn area_never_exceeds_the_limit() {
        for (w, h, area) in [(1000, 500, 90_000), (3, 7, 20), (4032, 3024, 1_000_000), (1, 30000, 50)] {
            let (nw, nh) = within_area((w, h), area);
            assert!(u64::from(nw) * u64::from(nh) <= u64::from(area) || (nw, nh) == (1, 1), "{w}x{h}@{area}");
        }
        assert_eq!(within_area((1000, 500), 20_000), (200, 100));
    }

    #[test]
    fn place_follows_the_grid_rules() {
        let image = (100, 80);
        assert_eq!(place(image, (20, 10), Gravity::NorthWest, 5, 6), Some(Rect { x: 5, y: 6, width: 20, height: 10 }));
        assert_eq!(place(image, (20, 10), Gravity::Center, 5, 6), Some(Rect { x: 40, y: 35, width: 20, height: 10 }));
        assert_eq!(place(image, (20, 10), Gravity::North, 5, 6), Some(Rect { x: 40, y: 6, width: 20, height: 10 }));
        assert_eq!(place(image, (20, 10), Gravity::East, 5, 6), Some(Rect { x: 75, y: 35, width: 20, height: 10 }));
        assert_eq!(
            place(image, (20, 10), Gravity::SouthEast, 5, 6),
            Some(Rect { x: 75, y: 64, width: 20, height: 10 })
        );
        // Pushed past an edge: clipped; entirely outside: nothing.
        assert_eq!(
            place(image, (20, 10), Gravity::NorthWest, 90, 0),
            Some(Rect { x: 90, y: 0, width: 10, height: 10 })
        );
        assert_eq!(place(image, (20, 10), Gravity::NorthWest, 100, 0), None);
    }

    #[test]
    fn rotation_canvas() {
        assert_eq!(rotated((400, 300), 90), (300, 400));
        assert_eq!(rotated((400, 300), 360), (400, 300));
        // 45°: (300+400)·√½ = 494.97 → 495 both ways.
        assert_eq!(rotated((400, 300), 45), (495, 495));
        assert_eq!(rotated((400, 300), 30), (496, 460));
    }

    #[test]
    fn circle_is_clamped_to_the_inscribed_circle() {
        assert_eq!(circle((400, 300), 100), (Rect { x: 100, y: 50, width: 200, height: 200 }, 100));
        assert_eq!(circle((400, 300), 9999), (Rect { x: 50, y: 0, width: 300, height: 300 }, 150));
    }
}
