//! Blind watermarks through `mogr-blindmark`: `watermark/3` adds one to a still picture,
//! `watermark/4` answers JSON about the picture it is given.
//!
//! ```text
//! watermark/3/type/3/text/<b64>           ──embed_text──▶ the frame, marked in luma
//! watermark/3/type/2/image/<url>[/level]  ──fetch, decode, luma──▶ embed_mark
//! watermark/3/type/1/image/<url>          ──fetch, decode, luma──▶ embed_semi
//! watermark/4/type/3                      ──extract_text──▶ {"text": "...", "WatermarkStatus": N}
//! watermark/4/type/2/image/<watermark>    ──detect_mark──▶ {"WatermarkStatus": N}
//! watermark/4/type/1/image/<original>     ──extract_semi──▶ {"WatermarkStatus": N}
//!                                             (+ "RecoveredMark": <base64 PNG> on request)
//! ```
//!
//! Semi-blind extraction is the one method that yields the mark's image: the
//! [`MARK_GRID`](mogr_blindmark::MARK_GRID) x `MARK_GRID` grid read back, white on black. When the executor's settings
//! ask for it ([`crate::Settings::with_recovered_marks`]), the report carries it as a
//! grayscale PNG, each cell [`RECOVERED_CELL_PX`] px square, base64-encoded
//! (`"RecoveredMark": null` when the status is under 60 and nothing was recovered).
//!
//! Every mark is keyed with the executor's blind-watermark key ([`crate::Executor::with_blind_key`]):
//! an installation extracts only what it (or one with the same key) added. A text that cannot be
//! read answers `"text": null` with its status. The planner refuses animated inputs.

use base64::Engine as _;
use mogr_blindmark::{BlindError, Level, LumaImage};
use mogr_plan::plan::OutputPlan;
use mogr_plan::syntax::ast::{BlindExtract, BlindMark};

use super::Sources;
use crate::execute::Output;
use crate::{ExecError, Frame, Picture};

/// The key of an executor that was given none.
pub const DEFAULT_BLIND_KEY: &[u8] = b"mogr blind watermark key";

/// Adds the blind mark to the picture's (only) frame.
pub(crate) fn embed(mark: &BlindMark, picture: &mut Picture, sources: &Sources<'_>) -> Result<(), ExecError> {
    let key = sources.blind_key;
    let [frame] = picture.frames.as_mut_slice() else {
        return Err(ExecError::InvalidRequest("a blind watermark cannot be added to an animated image".into()));
    };
    let (width, height) = (frame.width, frame.height);
    let result = match mark {
        BlindMark::Text { text } => mogr_blindmark::embed_text(key, &mut frame.pixels, width, height, text),
        BlindMark::Blind { image, level } => {
            let mark = luma(&super::image::load(image, sources)?);
            let level = Level::from_number(u32::from(level.unwrap_or(1))).unwrap_or_default();
            mogr_blindmark::embed_mark(key, &mut frame.pixels, width, height, &mark, level)
        }
        BlindMark::SemiBlind { image } => {
            let mark = luma(&super::image::load(image, sources)?);
            mogr_blindmark::embed_semi(key, &mut frame.pixels, width, height, &mark)
        }
    };
    result.map_err(refused)
}

/// The `watermark/4` report on `picture`'s first frame.
pub(crate) fn extract(
    extract: &BlindExtract,
    picture: &Picture,
    sources: &Sources<'_>,
    output: &OutputPlan,
) -> Result<Output, ExecError> {
    let key = sources.blind_key;
    let frame = picture.frames.first().ok_or_else(|| ExecError::Internal("a picture without frames".into()))?;
    let (width, height) = (frame.width, frame.height);
    let json = match extract {
        BlindExtract::Text => {
            let found = mogr_blindmark::extract_text(key, &frame.pixels, width, height).map_err(refused)?;
            serde_json::json!({ "text": found.text, "WatermarkStatus": found.status })
        }
        BlindExtract::Blind { watermark } => {
            let mark = luma(&super::image::load(watermark, sources)?);
            let status = mogr_blindmark::detect_mark(key, &frame.pixels, width, height, &mark).map_err(refused)?;
            serde_json::json!({ "WatermarkStatus": status })
        }
        BlindExtract::SemiBlind { original } => {
            let original = super::image::load(original, sources)?;
            let found = mogr_blindmark::extract_semi(
                key,
                &frame.pixels,
                width,
                height,
                &original.pixels,
                original.width,
                original.height,
            )
            .map_err(refused)?;
            let mut report = serde_json::json!({ "WatermarkStatus": found.status });
            if sources.recovered_marks {
                report["RecoveredMark"] = found.recovered.as_ref().map(recovered_png).transpose()?.into();
            }
            report
        }
    };
    Ok(crate::report::json_output(&json, output))
}

/// The side of one grid cell in the recovered mark's PNG.
pub const RECOVERED_CELL_PX: u32 = 16;

/// The recovered grid as a base64 grayscale PNG, each cell [`RECOVERED_CELL_PX`] px square.
fn recovered_png(grid: &LumaImage) -> Result<String, ExecError> {
    let side = |cells: u32| cells.saturating_mul(RECOVERED_CELL_PX);
    let (width, height) = (side(grid.width), side(grid.height));
    let pixels: Vec<u8> = (0..height)
        .flat_map(|y| (0..width).map(move |x| (x / RECOVERED_CELL_PX, y / RECOVERED_CELL_PX)))
        .map(|(cx, cy)| grid.pixels.get((cy * grid.width + cx) as usize).copied().unwrap_or(0))
        .collect();
    let mut png = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new(&mut png);
    image::ImageEncoder::write_image(encoder, &pixels, width, height, image::ExtendedColorType::L8)
        .map_err(|e| ExecError::Internal(format!("encoding the recovered mark: {e}")))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(png))
}

/// A watermark image as luma (white-on-black marks: the crate thresholds it).
fn luma(frame: &Frame) -> LumaImage {
    let pixels = frame
        .pixels
        .chunks_exact(4)
        .map(|p| {
            // Rec. 601 luma, transparent pixels black.
            let y = (299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2]) + 500) / 1000;
            ((y * u32::from(p[3]) + 127) / 255) as u8
        })
        .collect();
    LumaImage { width: frame.width, height: frame.height, pixels }
}

/// What the rule asked cannot be done to this picture (too small, a text with other
/// characters, a mark over 1/8 of the picture...): -60998 with the crate's reason.
fn refused(error: BlindError) -> ExecError {
    ExecError::InvalidRequest(format!("blind watermark: {error}"))
}
