//! `watermark/2`: the mark is text, drawn by `mogr-text` in the rule's font and size.
//!
//! ```text
//! text, font, fontsize ──mogr-text──▶ coverage (alpha) + layout box
//!   ──fill colour (default #3D3D3D)──▶ ──shadow/N: a blurred black copy under it──▶ Mark
//! ```
//!
//! **Shadow.** `shadow/N` (1-100; 0, the default, is none) draws the text's coverage in black
//! at opacity N %, offset right and down by `max(1, round(fontsize / 16))` pixels and blurred
//! by a Gaussian of that radius (at most 50) and half of it as sigma, under the text. The mark
//! grows by twice the offset to hold it; placement still aligns the text's layout box.
//!
//! The text raster is refused beyond four times the image's pixels (at least 4 M): larger
//! text would only be clipped away.

use mogr_plan::Step;
use mogr_plan::plan::Rect;
use mogr_plan::syntax::ast::{Rgb, TextMark};
use mogr_text::{Coverage, FontLibrary, TextError, TextRequest};

use super::Mark;
use super::image::{MAX_SCALED_PIXELS, MAX_SCALED_PIXELS_FACTOR};
use crate::picture::CHANNELS;
use crate::{ExecError, Frame, ops};

/// `fontsize` when the rule gives none, in points.
const DEFAULT_FONT_SIZE: u32 = 13;
/// The largest blur radius of a shadow (blur's own limit in the spec).
const MAX_SHADOW_BLUR: u32 = 50;
/// `fill` when the rule gives none.
const DEFAULT_FILL: Rgb = Rgb { r: 0x3D, g: 0x3D, b: 0x3D };

/// The text mark of `m` for an image of `canvas` size.
pub(super) fn mark(m: &TextMark, (cw, ch): (u32, u32), fonts: &FontLibrary) -> Result<Mark, ExecError> {
    let size_pt = m.font_size.unwrap_or(DEFAULT_FONT_SIZE);
    let max_pixels = (u64::from(cw) * u64::from(ch) * MAX_SCALED_PIXELS_FACTOR).max(MAX_SCALED_PIXELS);
    let request = TextRequest { text: &m.text, font: m.font.as_deref(), size_pt, max_pixels };
    let coverage = fonts.render(&request).map_err(text_error)?;
    let fill = m.fill.unwrap_or(DEFAULT_FILL);
    match m.shadow.filter(|&s| s > 0) {
        None => painted(&coverage, fill, (0, 0), 255).map(|frame| Mark { frame, anchor: layout_box(&coverage) }),
        Some(shadow) => with_shadow(&coverage, fill, size_pt, shadow),
    }
}

/// The coverage's layout box.
fn layout_box(coverage: &Coverage) -> Rect {
    let l = &coverage.layout;
    Rect { x: l.left, y: l.top, width: l.width, height: l.height }
}

/// The coverage painted in `colour` at `opacity` (0-255), on a frame `margin` pixels wider
/// and taller (transparent on the right and at the bottom).
fn painted(coverage: &Coverage, colour: Rgb, margin: (u32, u32), opacity: u8) -> Result<Frame, ExecError> {
    let grown =
        |side: u32, by: u32| side.checked_add(by).ok_or_else(|| ExecError::InvalidRequest("text too large".into()));
    let mut frame = Frame::new(grown(coverage.width, margin.0)?, grown(coverage.height, margin.1)?)?;
    let stride = frame.width as usize * CHANNELS;
    for (row, coverage_row) in
        frame.pixels.chunks_exact_mut(stride).zip(coverage.data.chunks_exact(coverage.width as usize))
    {
        for (pixel, &c) in row.chunks_exact_mut(CHANNELS).zip(coverage_row) {
            let alpha = (u32::from(c) * u32::from(opacity) + 127) / 255;
            pixel.copy_from_slice(&[colour.r, colour.g, colour.b, alpha as u8]);
        }
    }
    Ok(frame)
}

/// The text over its shadow (see the module docs).
fn with_shadow(coverage: &Coverage, fill: Rgb, size_pt: u32, shadow: u8) -> Result<Mark, ExecError> {
    let offset = size_pt.saturating_add(8) / 16;
    let offset = offset.max(1);
    let margin = offset.saturating_mul(2);
    let opacity = ((u32::from(shadow.min(100)) * 255 + 50) / 100) as u8;
    let black = Rgb { r: 0, g: 0, b: 0 };
    let shade = painted(coverage, black, (margin, margin), opacity)?;
    let shade = shift(&shade, offset)?;
    let radius = u8::try_from(offset.min(MAX_SHADOW_BLUR)).unwrap_or(1);
    let shade = ops::apply(&Step::Blur { radius, sigma: f64::from(radius) / 2.0 }, &shade)?;
    let text = painted(coverage, fill, (margin, margin), 255)?;
    let mut frame = shade;
    super::over(&mut frame.pixels, &text.pixels);
    Ok(Mark { frame, anchor: layout_box(coverage) })
}

/// The frame's content moved right and down by `by` pixels (what moves out is dropped; the
/// callers leave that much transparent margin).
fn shift(frame: &Frame, by: u32) -> Result<Frame, ExecError> {
    let mut out = Frame::new(frame.width, frame.height)?;
    let (by, stride) = (by as usize, frame.width as usize * CHANNELS);
    let rows = frame.pixels.chunks_exact(stride).zip(out.pixels.chunks_exact_mut(stride).skip(by));
    let moved = (by * CHANNELS).min(stride);
    for (source, target) in rows {
        target[moved..].copy_from_slice(&source[..stride - moved]);
    }
    Ok(out)
}

/// The executor's error for a text that cannot be drawn.
fn text_error(e: TextError) -> ExecError {
    if e.is_request_fault() {
        ExecError::InvalidRequest(format!("text watermark: {e}"))
    } else {
        ExecError::Internal(format!("text watermark (server setup): {e}"))
    }
}
