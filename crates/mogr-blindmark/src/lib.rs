//! Blind (invisible) watermarks: the algorithmic core of CI's `watermark/3` (add) and
//! `watermark/4` (extract), types 1 (semi-blind image), 2 (blind image) and 3 (text).
//!
//! METHOD_DOCS_PLACEHOLDER

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod coding;
mod embed;
mod error;
mod fft;
mod key;
mod layout;
mod plane;
mod semi;
mod sync;

pub use coding::{MARK_GRID, MAX_TEXT_CHARS};
pub use error::BlindError;

use layout::{Layout, TILE};
use plane::Plane;
use sync::Located;

/// Smallest width and height that can be watermarked: one tile.
pub const MIN_SIDE: u32 = TILE as u32;
/// Side of the centred window of a received image that extraction reads (bounds its work).
const READ_WINDOW: usize = 1536;
/// Delta RMS (luma levels) of text watermarks.
const TEXT_RMS: f32 = 2.75;
/// Delta RMS (luma levels) of semi-blind watermarks, which the original helps to read.
const SEMI_RMS: f32 = 2.0;

/// Strength of a blind image watermark (`level` of `watermark/3/type/2`): higher is more robust and
/// less invisible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Level {
    /// Level 1 (CI's default): delta RMS 2.0 luma levels, PSNR about 42 dB.
    #[default]
    One,
    /// Level 2: delta RMS 2.5, PSNR about 40 dB.
    Two,
    /// Level 3: delta RMS 3.0, PSNR about 38.5 dB.
    Three,
}

impl Level {
    /// The level for CI's number 1-3.
    pub fn from_number(number: u32) -> Option<Self> {
        match number {
            1 => Some(Self::One),
            2 => Some(Self::Two),
            3 => Some(Self::Three),
            _ => None,
        }
    }

    fn target_rms(self) -> f32 {
        match self {
            Self::One => 2.0,
            Self::Two => 2.5,
            Self::Three => 3.0,
        }
    }
}

/// An 8-bit single-channel image: a watermark image (white on black), or a recovered one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LumaImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height` luma samples, rows top to bottom.
    pub pixels: Vec<u8>,
}

/// What [`extract_text`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextExtraction {
    /// The text, when one was read with a valid checksum.
    pub text: Option<String>,
    /// Confidence 0-100 on CI's scale: above 75 exactly when the text was read; 60-75 when the
    /// watermark's synchronisation pattern is there but the text could not be read; below 60 else.
    pub status: u8,
}

/// What [`extract_semi`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemiExtraction {
    /// Confidence 0-100 on CI's scale (> 75 present, 60-75 suspected, < 60 absent).
    pub status: u8,
    /// The recovered watermark as a `MARK_GRID x MARK_GRID` white-on-black image, when the status
    /// is at least 60.
    pub recovered: Option<LumaImage>,
}

/// Embeds `text` (1 to [`MAX_TEXT_CHARS`] ASCII digits and letters) into the RGBA buffer
/// (`watermark/3/type/3`). The image must be at least [`MIN_SIDE`] on both sides.
pub fn embed_text(key: &[u8], rgba: &mut [u8], width: u32, height: u32, text: &str) -> Result<(), BlindError> {
    let (w, h) = check_buffer(rgba, width, height)?;
    check_embeddable(width, height)?;
    let symbols = text_symbols(text)?;
    let layout = Layout::new(key);
    embed::embed_cells(rgba, w, h, &layout.cell_values(&coding::text_channel(key, &symbols)), TEXT_RMS);
    Ok(())
}

/// Reads a text watermark (`watermark/4/type/3`). Images too small to hold one are reported as
/// carrying none.
pub fn extract_text(key: &[u8], rgba: &[u8], width: u32, height: u32) -> Result<TextExtraction, BlindError> {
    let (w, h) = check_buffer(rgba, width, height)?;
    let layout = Layout::new(key);
    let Some(located) = locate(&layout, rgba, w, h) else {
        return Ok(TextExtraction { text: None, status: 0 });
    };
    let responses = sync::cell_responses(&located.folded, &layout, located.offset);
    let text = coding::decode_text(key, |bits| layout.gather(&responses, bits));
    let status = match text {
        Some(_) => coding::status_from_z(located.pilot_z).max(76),
        None => coding::status_from_z(located.pilot_z - 2.0).min(74),
    };
    Ok(TextExtraction { text, status })
}

/// Embeds a white-on-black watermark image (`watermark/3/type/2`), at most 1/8 of the input's
/// width and height, binarised and resampled to `MARK_GRID x MARK_GRID`.
pub fn embed_mark(
    key: &[u8],
    rgba: &mut [u8],
    width: u32,
    height: u32,
    mark: &LumaImage,
    level: Level,
) -> Result<(), BlindError> {
    let (w, h) = check_buffer(rgba, width, height)?;
    check_embeddable(width, height)?;
    let channel = mark_channel(key, mark, width, height)?;
    let layout = Layout::new(key);
    embed::embed_cells(rgba, w, h, &layout.cell_values(&channel), level.target_rms());
    Ok(())
}

/// CI's `WatermarkStatus` (0-100) for `mark` in the RGBA buffer (`watermark/4/type/2`): how
/// strongly the cells read back agree with the mark, in standard deviations of chance agreement,
/// mapped so that 4 sigma is 60 and 6 sigma is 75.
pub fn detect_mark(key: &[u8], rgba: &[u8], width: u32, height: u32, mark: &LumaImage) -> Result<u8, BlindError> {
    let (w, h) = check_buffer(rgba, width, height)?;
    let expected = mark_channel(key, mark, u32::MAX, u32::MAX)?;
    let layout = Layout::new(key);
    let Some(located) = locate(&layout, rgba, w, h) else { return Ok(0) };
    let responses = sync::cell_responses(&located.folded, &layout, located.offset);
    let soft = layout.gather(&responses, expected.len());
    let agreement: f64 = soft.iter().zip(&expected).map(|(s, e)| f64::from(s * e)).sum();
    let energy: f64 = soft.iter().map(|s| f64::from(s * s)).sum();
    let z = if energy > 0.0 { agreement / energy.sqrt() } else { 0.0 };
    Ok(coding::status_from_z(z))
}

/// Embeds a watermark image for semi-blind extraction (`watermark/3/type/1`): the same channel as
/// [`embed_mark`], at a lower strength because extraction subtracts the original.
pub fn embed_semi(key: &[u8], rgba: &mut [u8], width: u32, height: u32, mark: &LumaImage) -> Result<(), BlindError> {
    let (w, h) = check_buffer(rgba, width, height)?;
    check_embeddable(width, height)?;
    let channel = mark_channel(key, mark, width, height)?;
    let layout = Layout::new(key);
    embed::embed_cells(rgba, w, h, &layout.cell_values(&channel), SEMI_RMS);
    Ok(())
}

/// Recovers a semi-blind watermark (`watermark/4/type/1`) from `marked` (possibly re-encoded,
/// resized, cropped or brightened) with the help of the unmarked `original`.
pub fn extract_semi(
    key: &[u8],
    marked: &[u8],
    marked_width: u32,
    marked_height: u32,
    original: &[u8],
    original_width: u32,
    original_height: u32,
) -> Result<SemiExtraction, BlindError> {
    let (mw, mh) = check_buffer(marked, marked_width, marked_height)?;
    let (ow, oh) = check_buffer(original, original_width, original_height)?;
    let layout = Layout::new(key);
    let window = Plane::luma_window(marked, mw, mh, READ_WINDOW);
    let Some(located) = sync::locate(&window, &layout) else {
        return Ok(SemiExtraction { status: 0, recovered: None });
    };
    let view = semi::Original { rgba: original, width: ow, height: oh };
    let Some(difference) = semi::difference(&window, &located, &view) else {
        return Ok(SemiExtraction { status: 0, recovered: None });
    };
    let folded = sync::fold(&difference.whitened_residual(sync::residual_radius(located.scale)), located.scale);
    let status = coding::status_from_z(sync::pilot_z_at(&folded, &layout, located.offset));
    let responses = sync::cell_responses(&folded, &layout, located.offset);
    let bits = coding::unscramble(key, &layout.gather(&responses, MARK_GRID * MARK_GRID));
    let recovered = (status >= 60).then(|| LumaImage {
        width: MARK_GRID as u32,
        height: MARK_GRID as u32,
        pixels: bits.iter().map(|&white| if white { 255 } else { 0 }).collect(),
    });
    Ok(SemiExtraction { status, recovered })
}

/// The `MARK_GRID x MARK_GRID` white-on-black image that [`embed_mark`] and [`embed_semi`]
/// embed for `mark` (what [`extract_semi`] recovers at best). An empty or inconsistent mark gives
/// an all-black grid.
pub fn mark_grid(mark: &LumaImage) -> LumaImage {
    let (w, h) = (mark.width as usize, mark.height as usize);
    let consistent = w.checked_mul(h) == Some(mark.pixels.len()) && w > 0 && h > 0;
    let bits = if consistent { coding::mark_bits(w, h, &mark.pixels) } else { vec![false; MARK_GRID * MARK_GRID] };
    LumaImage {
        width: MARK_GRID as u32,
        height: MARK_GRID as u32,
        pixels: bits.iter().map(|&white| if white { 255 } else { 0 }).collect(),
    }
}

/// Finds the tile in the centred read window of a validated buffer.
fn locate(layout: &Layout, rgba: &[u8], width: usize, height: usize) -> Option<Located> {
    sync::locate(&Plane::luma_window(rgba, width, height, READ_WINDOW), layout)
}

/// Luma (BT.601 weights) of an RGB triple.
pub(crate) fn luma_of(rgb: &[u8]) -> f32 {
    match rgb {
        [r, g, b, ..] => 0.299 * f32::from(*r) + 0.587 * f32::from(*g) + 0.114 * f32::from(*b),
        _ => 0.0,
    }
}

/// The buffer's dimensions as `usize`, if it holds exactly `width * height` RGBA pixels.
fn check_buffer(rgba: &[u8], width: u32, height: u32) -> Result<(usize, usize), BlindError> {
    let error = BlindError::BufferSize { width, height, actual: rgba.len() };
    let (w, h) = (usize::try_from(width).map_err(|_| error.clone())?, usize::try_from(height).map_err(|_| error.clone())?);
    let expected = w.checked_mul(h).and_then(|p| p.checked_mul(4)).ok_or_else(|| error.clone())?;
    if expected == rgba.len() { Ok((w, h)) } else { Err(error) }
}

fn check_embeddable(width: u32, height: u32) -> Result<(), BlindError> {
    if width < MIN_SIDE || height < MIN_SIDE {
        return Err(BlindError::ImageTooSmall { width, height, minimum: MIN_SIDE });
    }
    Ok(())
}

/// The symbols of a text that fits the capacity and holds only digits and letters.
fn text_symbols(text: &str) -> Result<Vec<u8>, BlindError> {
    if text.is_empty() {
        return Err(BlindError::EmptyText);
    }
    let symbols = text
        .chars()
        .map(|character| coding::symbol_of(character).ok_or(BlindError::TextCharacter { character }))
        .collect::<Result<Vec<u8>, _>>()?;
    if symbols.len() > MAX_TEXT_CHARS {
        return Err(BlindError::TextTooLong { length: symbols.len(), capacity: MAX_TEXT_CHARS });
    }
    Ok(symbols)
}

/// The scrambled channel of a mark, after checking its buffer and that it is at most 1/8 of an
/// image of `width x height`.
fn mark_channel(key: &[u8], mark: &LumaImage, width: u32, height: u32) -> Result<Vec<f32>, BlindError> {
    let buffer_error = BlindError::MarkBuffer { width: mark.width, height: mark.height, actual: mark.pixels.len() };
    let (w, h) = (usize::try_from(mark.width).map_err(|_| buffer_error.clone())?, usize::try_from(mark.height).map_err(|_| buffer_error.clone())?);
    if w == 0 || h == 0 || w.checked_mul(h) != Some(mark.pixels.len()) {
        return Err(buffer_error);
    }
    let (max_width, max_height) = (width / 8, height / 8);
    if mark.width > max_width || mark.height > max_height {
        return Err(BlindError::MarkTooLarge { mark_width: mark.width, mark_height: mark.height, max_width, max_height });
    }
    Ok(coding::scramble(key, &coding::mark_bits(w, h, &mark.pixels)))
}
