//! The geometry of `imageMogr2/scrop/<W>x<H>`: scale the image to cover the target, then cut a
//! `W x H` window placed around the faces.
//!
//! The rule ([`smart_crop`]):
//! 1. Scale factor = the smallest that makes the image cover `W x H` (so one side equals the
//!    target exactly and only the other side is cut; aspect ratio is kept; this may enlarge).
//! 2. Focus box = the union of all faces. If, after that scaling, the union is wider or taller
//!    than the target, the focus becomes the largest face alone (ties: the first, i.e. the most
//!    confident as [`FaceDetector::detect`](crate::FaceDetector::detect) orders them).
//! 3. The crop window is centred on the focus box's centre, then shifted (never resized) to stay
//!    inside the scaled image. So a face near the border stays in the crop, off-centre.
//!
//! If the largest face alone is still larger than the target, the crop is centred on it and
//! shows its middle part. [`saliency_crop`] uses the same steps with an edge-energy focus instead
//! of faces, for callers that want a fallback when no face is found (CI itself returns the input).

use crate::Face;
use crate::luma::shrink_to_fit;

/// An axis-aligned rectangle in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

impl Rect {
    /// Whether `inner` lies entirely inside `self`.
    pub fn contains(&self, inner: &Rect) -> bool {
        let right = |r: &Rect| u64::from(r.x) + u64::from(r.width);
        let bottom = |r: &Rect| u64::from(r.y) + u64::from(r.height);
        inner.x >= self.x && inner.y >= self.y && right(inner) <= right(self) && bottom(inner) <= bottom(self)
    }
}

/// How to turn an image into exactly `target_w x target_h`: resize the whole image to
/// `scaled_width x scaled_height`, then cut `crop` out of it. Equivalently (and cheaper on big
/// inputs) cut `source` out of the input and resize that to the target; `source` is `crop` mapped
/// back to input pixels, rounded outwards by at most one pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CropPlan {
    /// Width of the scaled whole image (at least the target width).
    pub scaled_width: u32,
    /// Height of the scaled whole image (at least the target height).
    pub scaled_height: u32,
    /// The window to cut from the scaled image; its size is exactly the target.
    pub crop: Rect,
    /// The same window in input pixels.
    pub source: Rect,
}

/// A focus box in input pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Focus {
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
}

impl Focus {
    fn of_face(face: &Face) -> Focus {
        let (left, top) = (f64::from(face.x), f64::from(face.y));
        Focus { left, top, right: left + f64::from(face.width), bottom: top + f64::from(face.height) }
    }

    fn union(self, other: Focus) -> Focus {
        Focus {
            left: self.left.min(other.left),
            top: self.top.min(other.top),
            right: self.right.max(other.right),
            bottom: self.bottom.max(other.bottom),
        }
    }
}

/// Plans the `scrop` crop of an `image_w x image_h` image to `target_w x target_h` around
/// `faces` (input pixels). `None` when there is no face (CI then returns the input unchanged), when
/// a size is zero, or when the scaled image would not fit in `u32` pixels.
pub fn smart_crop(image_w: u32, image_h: u32, target_w: u32, target_h: u32, faces: &[Face]) -> Option<CropPlan> {
    let (scaled_w, scaled_h) = cover_size(image_w, image_h, target_w, target_h)?;
    let union = faces.iter().map(Focus::of_face).reduce(Focus::union)?;
    let (scale_x, scale_y) = (f64::from(scaled_w) / f64::from(image_w), f64::from(scaled_h) / f64::from(image_h));
    let fits = (union.right - union.left) * scale_x <= f64::from(target_w) + 0.5
        && (union.bottom - union.top) * scale_y <= f64::from(target_h) + 0.5;
    let focus = if fits { union } else { largest_face(faces).map(Focus::of_face)? };
    Some(plan_around(image_w, image_h, (scaled_w, scaled_h), (target_w, target_h), focus))
}

fn largest_face(faces: &[Face]) -> Option<&Face> {
    let area = |f: &Face| u64::from(f.width) * u64::from(f.height);
    faces.iter().reduce(|best, face| if area(face) > area(best) { face } else { best })
}

/// The size of the image scaled (aspect kept) to just cover the target; `None` on a zero size
/// or a result beyond `u32`.
fn cover_size(image_w: u32, image_h: u32, target_w: u32, target_h: u32) -> Option<(u32, u32)> {
    if image_w == 0 || image_h == 0 || target_w == 0 || target_h == 0 {
        return None;
    }
    let (iw, ih, tw, th) = (u64::from(image_w), u64::from(image_h), u64::from(target_w), u64::from(target_h));
    // Width-bound when target_w / image_w >= target_h / image_h.
    let (scaled_w, scaled_h) = if tw * ih >= th * iw {
        (tw, ((ih * tw + iw / 2) / iw).max(th))
    } else {
        (((iw * th + ih / 2) / ih).max(tw), th)
    };
    Some((u32::try_from(scaled_w).ok()?, u32::try_from(scaled_h).ok()?))
}

/// Centres the target window on `focus`, shifted to stay inside the scaled image.
fn plan_around(image_w: u32, image_h: u32, scaled: (u32, u32), target: (u32, u32), focus: Focus) -> CropPlan {
    let (scale_x, scale_y) = (f64::from(scaled.0) / f64::from(image_w), f64::from(scaled.1) / f64::from(image_h));
    let place = |centre: f64, window: u32, limit: u32| {
        let start = (centre - f64::from(window) / 2.0).round().max(0.0);
        (start as u32).min(limit.saturating_sub(window))
    };
    let crop_x = place((focus.left + focus.right) / 2.0 * scale_x, target.0, scaled.0);
    let crop_y = place((focus.top + focus.bottom) / 2.0 * scale_y, target.1, scaled.1);
    let crop = Rect { x: crop_x, y: crop_y, width: target.0, height: target.1 };
    let source = source_rect(&crop, scale_x, scale_y, image_w, image_h);
    CropPlan { scaled_width: scaled.0, scaled_height: scaled.1, crop, source }
}

fn source_rect(crop: &Rect, scale_x: f64, scale_y: f64, image_w: u32, image_h: u32) -> Rect {
    let edges = |start: u32, length: u32, scale: f64, limit: u32| {
        let low = ((f64::from(start) / scale).floor().max(0.0) as u32).min(limit.saturating_sub(1));
        let high = ((f64::from(start) + f64::from(length)) / scale).ceil() as u32;
        (low, high.clamp(low.saturating_add(1), limit).saturating_sub(low))
    };
    let (x, width) = edges(crop.x, crop.width, scale_x, image_w);
    let (y, height) = edges(crop.y, crop.height, scale_y, image_h);
    Rect { x, y, width, height }
}

/// Longest side of the grey copy the saliency search runs on.
const SALIENCY_SIDE: u32 = 256;

/// An optional fallback for images without faces: the same cover-and-cut geometry as
/// [`smart_crop`], with the window placed where the luma has the most edge energy (sum of
/// absolute horizontal and vertical differences, on a copy shrunk to at most 256 pixels a
/// side; a `luma` buffer without a whole row gives a centred window). Not part of CI's `scrop`
/// behaviour; `None` only when a size is zero or too large.
pub fn saliency_crop(luma: &[u8], image_w: u32, image_h: u32, target_w: u32, target_h: u32) -> Option<CropPlan> {
    let (scaled_w, scaled_h) = cover_size(image_w, image_h, target_w, target_h)?;
    let grey = shrink_to_fit(luma, image_w, image_h, SALIENCY_SIDE);
    if grey.width == 0 || grey.height == 0 {
        // No pixels to look at (short buffer): centre the window.
        let (w, h) = (f64::from(image_w), f64::from(image_h));
        let centre = Focus { left: 0.0, top: 0.0, right: w, bottom: h };
        return Some(plan_around(image_w, image_h, (scaled_w, scaled_h), (target_w, target_h), centre));
    }
    let (column_energy, row_energy) = edge_energy_profiles(&grey.pixels, grey.width, grey.height);
    // The window's extent in grey pixels along each axis.
    let window_x = f64::from(target_w) / f64::from(scaled_w) * f64::from(grey.width);
    let window_y = f64::from(target_h) / f64::from(scaled_h) * f64::from(grey.height);
    let to_input_x = f64::from(image_w) / f64::from(grey.width);
    let to_input_y = f64::from(image_h) / f64::from(grey.height);
    let (left, right) = best_window(&column_energy, window_x);
    let (top, bottom) = best_window(&row_energy, window_y);
    let focus = Focus {
        left: left * to_input_x,
        top: top * to_input_y,
        right: right * to_input_x,
        bottom: bottom * to_input_y,
    };
    Some(plan_around(image_w, image_h, (scaled_w, scaled_h), (target_w, target_h), focus))
}

/// Per-column and per-row sums of `|dx| + |dy|`.
fn edge_energy_profiles(pixels: &[u8], width: u32, height: u32) -> (Vec<u64>, Vec<u64>) {
    let mut columns = vec![0u64; width as usize];
    let mut rows = vec![0u64; height as usize];
    let at = |x: u32, y: u32| i32::from(pixels.get(y as usize * width as usize + x as usize).copied().unwrap_or(0));
    for y in 0..height {
        for x in 0..width {
            let dx = if x + 1 < width { (at(x + 1, y) - at(x, y)).unsigned_abs() } else { 0 };
            let dy = if y + 1 < height { (at(x, y + 1) - at(x, y)).unsigned_abs() } else { 0 };
            let energy = u64::from(dx + dy);
            if let Some(c) = columns.get_mut(x as usize) {
                *c += energy;
            }
            if let Some(r) = rows.get_mut(y as usize) {
                *r += energy;
            }
        }
    }
    (columns, rows)
}

/// The `[start, end)` span of about `window` cells with the largest energy sum (first on ties).
fn best_window(profile: &[u64], window: f64) -> (f64, f64) {
    let cells = (window.round() as usize).clamp(1, profile.len().max(1));
    let prefix: Vec<u64> = std::iter::once(0)
        .chain(profile.iter().scan(0u64, |running, &value| {
            *running += value;
            Some(*running)
        }))
        .collect();
    let sum_at = |start: usize| {
        prefix.get(start + cells).copied().unwrap_or(0).saturating_sub(prefix.get(start).copied().unwrap_or(0))
    };
    let starts = 0..=profile.len().saturating_sub(cells);
    let best = starts.fold(0usize, |best, start| if sum_at(start) > sum_at(best) { start } else { best });
    (best as f64, (best + cells) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cover_size_keeps_aspect_and_covers() {
        assert_eq!(cover_size(1000, 500, 300, 300), Some((600, 300)));
        assert_eq!(cover_size(1000, 500, 100, 600), Some((1200, 600)));
        assert_eq!(cover_size(1000, 500, 600, 100), Some((600, 300)));
        assert_eq!(cover_size(10, 10, 2000, 1000), Some((2000, 2000)));
        assert_eq!(cover_size(0, 10, 20, 10), None);
        assert_eq!(cover_size(1, 1, u32::MAX, 1), Some((u32::MAX, u32::MAX)));
        assert_eq!(cover_size(1, 2, u32::MAX, 1), None);
    }

    #[test]
    fn best_window_finds_the_busy_span() {
        let profile = [0, 0, 5, 9, 7, 0, 0, 0];
        assert_eq!(best_window(&profile, 3.0), (2.0, 5.0));
        assert_eq!(best_window(&profile, 100.0), (0.0, 8.0));
        assert_eq!(best_window(&[], 3.0), (0.0, 1.0));
    }
}
