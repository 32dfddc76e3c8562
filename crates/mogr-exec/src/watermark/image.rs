//! `watermark/1`: the mark is another image of the bucket.
//!
//! ```text
//! image URL ──ObjectUrl──▶ ObjectResolver::fetch (≤ the input byte limit) ──probe──▶
//!   overlay_input (a still image within the input limits; animations refused) ──decode──▶ frame
//!   ──scatype/spcent: scale relative to the image──▶ ──blogo when larger than the image──▶ Mark
//! ```
//!
//! - `scatype/1/spcent/N`: the mark's width becomes N‰ of the image's width, its height
//!   follows the aspect ratio; `scatype/2`: the same by height; `scatype/3`: its area becomes
//!   N‰ of the image's area (sides scaled by the square root). Sides round half up, at least 1.
//! - `blogo`, for a mark (after scaling) wider or taller than the image: `1` scales it down
//!   to fit inside the image keeping its aspect ratio; `2` crops it to the image's size,
//!   keeping its centre. Without `blogo` the part outside the image is clipped where it
//!   lands.
//! - A scaled mark may not exceed [`MAX_SCALED_PIXELS`]: beyond the image it would only be
//!   clipped away, so a request for more is refused rather than allocated.

use mogr_plan::plan::Rect;
use mogr_plan::plan::geometry::{fit, scale_side};
use mogr_plan::syntax::ast::{ImageMark, MarkScale, ScaleKind};
use mogr_plan::{ObjectUrl, Step, overlay_input, probe};

use super::{Mark, Sources};
use crate::objects::FetchError;
use crate::{ExecError, Frame, decode, ops};

/// The most pixels a mark may be scaled to: four times the image, or 4 M for small images.
pub(super) const MAX_SCALED_PIXELS_FACTOR: u64 = 4;
/// See [`MAX_SCALED_PIXELS_FACTOR`].
pub(super) const MAX_SCALED_PIXELS: u64 = 4 << 20;

/// The image mark of `m` for an image of `canvas` size.
pub(super) fn mark(m: &ImageMark, canvas: (u32, u32), sources: &Sources<'_>) -> Result<Mark, ExecError> {
    let frame = load(&m.image, sources)?;
    let frame = match m.scale {
        Some(scale) => resize(&frame, scaled((frame.width, frame.height), canvas, scale)?)?,
        None => frame,
    };
    let frame = match m.blogo {
        Some(mode) if frame.width > canvas.0 || frame.height > canvas.1 => fit_inside(frame, canvas, mode)?,
        _ => frame,
    };
    Ok(Mark::whole(frame))
}

/// Fetches and decodes the watermark image at `url`.
pub(super) fn load(url: &str, sources: &Sources<'_>) -> Result<Frame, ExecError> {
    let url = ObjectUrl::parse(url).map_err(|e| ExecError::InvalidUrl(e.to_string()))?;
    let key = url.key.as_str();
    let max_bytes = sources.limits.max_input_bytes.unwrap_or(u64::MAX);
    let bytes = sources.objects.fetch(&url, max_bytes).map_err(|e| match e {
        FetchError::Refused(why) => ExecError::InvalidUrl(why),
        FetchError::TooLarge { .. } => ExecError::FileTooLarge(format!("the watermark image: {e}")),
        other => ExecError::ObjectUnavailable(format!("the watermark image: {other}")),
    })?;
    let probe = probe(&bytes).map_err(|e| ExecError::Decode(format!("the watermark image {key:?}: {e}")))?;
    let input = overlay_input(&probe, sources.limits)
        .map_err(|e| ExecError::InvalidRequest(format!("the watermark image {key:?}: {e}")))?;
    let picture = decode::decode_with(&bytes, &probe, &input, sources.fonts)?;
    picture
        .frames
        .into_iter()
        .next()
        .ok_or_else(|| ExecError::Decode(format!("the watermark image {key:?} has no frame")))
}

/// The size `scatype`/`spcent` asks for, refused beyond the pixel budget.
fn scaled((w, h): (u32, u32), (cw, ch): (u32, u32), scale: MarkScale) -> Result<(u32, u32), ExecError> {
    let permille = u64::from(scale.permille);
    let size = match scale.kind {
        ScaleKind::Width => {
            let width = scale_side(cw, permille, 1000);
            (width, scale_side(h, u64::from(width), u64::from(w)))
        }
        ScaleKind::Height => {
            let height = scale_side(ch, permille, 1000);
            (scale_side(w, u64::from(height), u64::from(h)), height)
        }
        ScaleKind::Area => {
            let ratio =
                (u64::from(cw) as f64 * f64::from(ch) * permille as f64 / 1000.0 / (f64::from(w) * f64::from(h)))
                    .sqrt();
            (side(f64::from(w) * ratio), side(f64::from(h) * ratio))
        }
    };
    let budget = (u64::from(cw) * u64::from(ch) * MAX_SCALED_PIXELS_FACTOR).max(MAX_SCALED_PIXELS);
    if u64::from(size.0) * u64::from(size.1) > budget {
        return Err(ExecError::InvalidRequest(format!(
            "scatype/{}/spcent/{} would scale the {w}x{h} watermark to {}x{}, far larger than the {cw}x{ch} image",
            scale.kind.number(),
            scale.permille,
            size.0,
            size.1
        )));
    }
    Ok(size)
}

/// A side length rounded half up, at least 1 and at most `u32::MAX`.
fn side(v: f64) -> u32 {
    let rounded = (v + 0.5).floor();
    if rounded >= f64::from(u32::MAX) { u32::MAX } else { (rounded as u32).max(1) }
}

/// `blogo`: scale down to fit (1) or crop to (2) the image's size.
fn fit_inside(frame: Frame, (cw, ch): (u32, u32), mode: u8) -> Result<Frame, ExecError> {
    if mode == 1 {
        return resize(&frame, fit((frame.width, frame.height), (cw, ch)));
    }
    let (width, height) = (frame.width.min(cw), frame.height.min(ch));
    let rect = Rect { x: (frame.width - width) / 2, y: (frame.height - height) / 2, width, height };
    ops::apply(&Step::Crop(rect), &frame)
}

/// The frame resampled to `size` (unchanged when it is already that size).
fn resize(frame: &Frame, (width, height): (u32, u32)) -> Result<Frame, ExecError> {
    if (width, height) == (frame.width, frame.height) {
        return Ok(frame.clone());
    }
    ops::apply(&Step::Resize { width, height }, frame)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn scale(kind: ScaleKind, permille: u16) -> MarkScale {
        MarkScale { kind, permille }
    }

    #[test]
    fn scatype_scales_by_width_height_or_area() {
        assert_eq!(scaled((200, 100), (1000, 800), scale(ScaleKind::Width, 250)).unwrap(), (250, 125));
        assert_eq!(scaled((200, 100), (1000, 800), scale(ScaleKind::Height, 250)).unwrap(), (400, 200));
        // A quarter of the area: 200 000 of 800 000 pixels, sides × √(200000/20000).
        let (w, h) = scaled((200, 100), (1000, 800), scale(ScaleKind::Area, 250)).unwrap();
        assert_eq!((w, h), (632, 316));
        assert!((i64::from(w) * i64::from(h) - 200_000).abs() < 1000);
    }

    #[test]
    fn a_scale_far_beyond_the_image_is_refused() {
        // A 1-pixel-wide mark scaled to the image's width grows 10 000 times taller.
        let err = scaled((1, 10_000), (9_999, 100), scale(ScaleKind::Width, 1000)).unwrap_err();
        assert!(matches!(err, ExecError::InvalidRequest(_)), "{err:?}");
    }

    #[test]
    fn blogo_fits_or_crops_an_oversized_mark() {
        let mut frame = Frame::new(40, 20).unwrap();
        frame.pixels.chunks_exact_mut(4).enumerate().for_each(|(i, p)| p.copy_from_slice(&[(i % 40) as u8, 0, 0, 255]));
        let fitted = fit_inside(frame.clone(), (10, 30), 1).unwrap();
        assert_eq!((fitted.width, fitted.height), (10, 5));
        let cropped = fit_inside(frame, (10, 30), 2).unwrap();
        assert_eq!((cropped.width, cropped.height), (10, 20));
        // The centre is kept: columns 15..25.
        assert_eq!(cropped.pixel(0, 0).unwrap()[0], 15);
    }
}
