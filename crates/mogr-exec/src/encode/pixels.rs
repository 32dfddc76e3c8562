//! The pixel layouts encoders are fed, made from a frame's RGBA8.
//!
//! Every function reads a whole `width × height × 4` buffer (checked by the caller) and
//! writes a new buffer allocated fallibly, so a huge frame gives
//! [`ExecError::OutOfMemory`] rather than an abort.

use crate::ExecError;
use crate::picture::CHANNELS;

/// What an encoder is given per pixel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Layout {
    /// R, G, B.
    Rgb,
    /// R, G, B, A (straight alpha).
    Rgba,
    /// Grey (the R of a pixel whose R = G = B).
    Gray,
    /// Grey and alpha.
    GrayAlpha,
}

impl Layout {
    /// Bytes per pixel.
    pub(super) fn bytes(self) -> usize {
        match self {
            Layout::Gray => 1,
            Layout::GrayAlpha => 2,
            Layout::Rgb => 3,
            Layout::Rgba => 4,
        }
    }

    /// The layout that keeps what `rgba` holds: alpha only when some pixel is not opaque,
    /// one colour component only when every pixel is grey and `gray_allowed`.
    pub(super) fn lossless_for(rgba: &[u8], gray_allowed: bool) -> Layout {
        match (is_opaque(rgba), gray_allowed && is_gray(rgba)) {
            (true, true) => Layout::Gray,
            (true, false) => Layout::Rgb,
            (false, true) => Layout::GrayAlpha,
            (false, false) => Layout::Rgba,
        }
    }
}

/// Whether every pixel is fully opaque.
pub(super) fn is_opaque(rgba: &[u8]) -> bool {
    rgba.chunks_exact(CHANNELS).all(|p| p[3] == 255)
}

/// Whether every pixel is grey (R = G = B), whatever its alpha.
pub(super) fn is_gray(rgba: &[u8]) -> bool {
    rgba.chunks_exact(CHANNELS).all(|p| p[0] == p[1] && p[1] == p[2])
}

/// Whether every pixel is grey once composited over `background` (a fully transparent
/// pixel shows the background whatever its colour).
pub(super) fn is_gray_over(rgba: &[u8], background: [u8; 3]) -> bool {
    let background_gray = background[0] == background[1] && background[1] == background[2];
    rgba.chunks_exact(CHANNELS)
        .all(|p| (p[3] == 255 || background_gray) && (p[3] == 0 || (p[0] == p[1] && p[1] == p[2])))
}

/// The pixels in `layout`, alpha and colour components kept or dropped as it says.
pub(super) fn repack(rgba: &[u8], layout: Layout) -> Result<Vec<u8>, ExecError> {
    let mut out = allocate(rgba.len() / CHANNELS, layout)?;
    for p in rgba.chunks_exact(CHANNELS) {
        match layout {
            Layout::Rgba => out.extend_from_slice(p),
            Layout::Rgb => out.extend_from_slice(&p[..3]),
            Layout::Gray => out.push(p[0]),
            Layout::GrayAlpha => out.extend_from_slice(&[p[0], p[3]]),
        }
    }
    Ok(out)
}

/// The pixels composited over `background`, in `layout` (`Rgb` or `Gray`; the others are
/// treated as `Rgb`): `c' = round((c × a + b × (255 − a)) / 255)`.
pub(super) fn flatten_over(rgba: &[u8], layout: Layout, background: [u8; 3]) -> Result<Vec<u8>, ExecError> {
    let layout = if layout == Layout::Gray { Layout::Gray } else { Layout::Rgb };
    let mut out = allocate(rgba.len() / CHANNELS, layout)?;
    for p in rgba.chunks_exact(CHANNELS) {
        let a = u32::from(p[3]);
        let over = |c: u8, b: u8| ((u32::from(c) * a + u32::from(b) * (255 - a) + 127) / 255) as u8;
        match layout {
            Layout::Gray => out.push(over(p[0], background[0])),
            _ => out.extend_from_slice(&[
                over(p[0], background[0]),
                over(p[1], background[1]),
                over(p[2], background[2]),
            ]),
        }
    }
    Ok(out)
}

/// An empty buffer with room for `pixels` pixels of `layout`, allocated fallibly.
fn allocate(pixels: usize, layout: Layout) -> Result<Vec<u8>, ExecError> {
    let len = pixels
        .checked_mul(layout.bytes())
        .ok_or_else(|| ExecError::OutOfMemory(format!("{pixels} pixels to encode")))?;
    buffer_with_capacity(len)
}

/// An empty buffer of capacity `len`, allocated fallibly.
pub(super) fn buffer_with_capacity(len: usize) -> Result<Vec<u8>, ExecError> {
    let mut out = Vec::new();
    out.try_reserve_exact(len).map_err(|_| ExecError::OutOfMemory(format!("an encoder buffer of {len} bytes")))?;
    Ok(out)
}

/// A copy of `bytes`, allocated fallibly.
pub(super) fn copy(bytes: &[u8]) -> Result<Vec<u8>, ExecError> {
    let mut out = buffer_with_capacity(bytes.len())?;
    out.extend_from_slice(bytes);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattening_over_white_rounds() {
        let rgba = [0, 0, 0, 128, 200, 100, 50, 255, 10, 20, 30, 0];
        let rgb = flatten_over(&rgba, Layout::Rgb, [255, 255, 255]).unwrap();
        // 255 × 127 / 255 = 127; opaque unchanged; transparent is white.
        assert_eq!(rgb, [127, 127, 127, 200, 100, 50, 255, 255, 255]);
    }

    #[test]
    fn layouts_keep_what_matters() {
        let grey_opaque = [9, 9, 9, 255, 7, 7, 7, 255];
        assert_eq!(Layout::lossless_for(&grey_opaque, true), Layout::Gray);
        assert_eq!(Layout::lossless_for(&grey_opaque, false), Layout::Rgb);
        let grey_alpha = [9, 9, 9, 3];
        assert_eq!(Layout::lossless_for(&grey_alpha, true), Layout::GrayAlpha);
        assert_eq!(repack(&grey_alpha, Layout::GrayAlpha).unwrap(), [9, 3]);
        let colour = [1, 2, 3, 255];
        assert_eq!(Layout::lossless_for(&colour, true), Layout::Rgb);
    }
}
