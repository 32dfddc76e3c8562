//! JPEG through libjpeg-turbo (the `turbojpeg` crate).
//!
//! ```text
//! Frame (RGBA) ──composite over the background──▶ RGB, or grey when every pixel is grey and the
//!   profile allows ──libjpeg-turbo (quality, 4:2:0, progressive)──▶ JPEG
//!   ──metadata.rs: APP1 Exif, APP2 ICC_PROFILE, APP1 XMP after JFIF──▶ bytes
//! ```
//!
//! - JPEG has no alpha: transparent pixels are composited over the plan's background, the
//!   stage's `color` (white by default: what browsers show for a transparent PNG on a blank
//!   page, and what Tencent CI answers); so rotated corners and pad areas take that colour.
//! - Colour is subsampled 4:2:0 (libjpeg's and CI's default for photos); a grey picture is
//!   written with one component.
//! - `progressive` maps to libjpeg-turbo's `TJPARAM_PROGRESSIVE` (SOF2, with optimised
//!   Huffman tables, as libjpeg always does for progressive); baseline output (SOF0) keeps
//!   libjpeg's standard Huffman tables, the faster choice.
//! - [`JpegEncoder`] prepares the samples and segments once, so [`super::size_limit`] can
//!   encode the same picture at several qualities.

use turbojpeg::{Compressor, Image, PixelFormat, Subsamp};

use mogr_plan::plan::OutputPlan;

use super::metadata::{Kept, insert_jpeg_segments, jpeg_segments};
use super::pixels::{Layout, flatten_over, is_gray_over};
use crate::{ExecError, Frame};

/// A picture ready to be compressed at any quality.
pub(super) struct JpegEncoder {
    /// libjpeg-turbo's compressor, set up for the layout and progressive mode.
    compressor: Compressor,
    /// RGB or grey samples, composited over the background.
    samples: Vec<u8>,
    /// `Rgb` or `Gray`.
    layout: Layout,
    /// Width in pixels.
    width: usize,
    /// Height in pixels.
    height: usize,
    /// The metadata segments to insert (empty for none).
    segments: Vec<u8>,
}

impl JpegEncoder {
    /// Composites `frame` over the output's background and sets libjpeg-turbo up (4:2:0 or
    /// grey, progressive as `output` says); `kept` is the metadata written into every result.
    pub(super) fn new(frame: &Frame, output: &OutputPlan, kept: &Kept<'_>) -> Result<Self, ExecError> {
        let background = [output.background.r, output.background.g, output.background.b];
        let gray = kept.allows_gray() && is_gray_over(&frame.pixels, background);
        let layout = if gray { Layout::Gray } else { Layout::Rgb };
        let samples = flatten_over(&frame.pixels, layout, background)?;
        let compressor = compressor(gray, output.progressive).map_err(jpeg_error)?;
        Ok(JpegEncoder {
            compressor,
            samples,
            layout,
            width: frame.width as usize,
            height: frame.height as usize,
            segments: jpeg_segments(kept.exif, kept.icc_for(gray), kept.xmp),
        })
    }

    /// The JPEG at `quality` (1-100), metadata included.
    pub(super) fn encode(&mut self, quality: u8) -> Result<Vec<u8>, ExecError> {
        let format = if self.layout == Layout::Gray { PixelFormat::GRAY } else { PixelFormat::RGB };
        let image = Image {
            pixels: self.samples.as_slice(),
            width: self.width,
            pitch: self.width * self.layout.bytes(),
            height: self.height,
            format,
        };
        self.compressor.set_quality(i32::from(quality.clamp(1, 100))).map_err(jpeg_error)?;
        let jpeg = self.compressor.compress_to_owned(image).map_err(jpeg_error)?;
        if self.segments.is_empty() {
            return super::pixels::copy(&jpeg);
        }
        insert_jpeg_segments(&jpeg, &self.segments)
    }
}

/// A compressor for grey or 4:2:0 colour samples, baseline or progressive.
fn compressor(gray: bool, progressive: bool) -> turbojpeg::Result<Compressor> {
    let mut compressor = Compressor::new()?;
    compressor.set_subsamp(if gray { Subsamp::Gray } else { Subsamp::Sub2x2 })?;
    compressor.set_progressive(progressive)?;
    Ok(compressor)
}

/// libjpeg-turbo's error as ours.
fn jpeg_error(error: turbojpeg::Error) -> ExecError {
    ExecError::Encode(format!("JPEG (libjpeg-turbo): {error}"))
}
