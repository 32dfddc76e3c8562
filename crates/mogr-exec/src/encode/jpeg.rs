//! JPEG through libjpeg-turbo (the `turbojpeg` crate, feature `jpeg-turbo`), or through the
//! trellis encoder (`jpeg_trellis/`, pure Rust) in [`JpegMode::Compact`] and in every mode in
//! builds without `jpeg-turbo`.
//!
//! ```text
//! Frame (RGBA) ──composite over the background──▶ RGB, or grey when every pixel is grey and the
//!   profile allows ──Fast: libjpeg-turbo (quality, 4:2:0, progressive)──▶ JPEG
//!                  ──Compact: jpeg_trellis (same quality tables, 4:2:0, trellis, optimised
//!                    Huffman tables, progressive)──▶ JPEG
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
//! - Without `jpeg-turbo`, [`JpegMode::Fast`] is written as [`JpegMode::Compact`]: same
//!   quality scale and 4:2:0, progressive as planned, smaller files for several times the
//!   encoding time (and baseline files have optimised, not standard, Huffman tables).
//! - [`JpegEncoder`] prepares the samples and segments once, so [`super::size_limit`] can
//!   encode the same picture at several qualities.

#[cfg(feature = "jpeg-turbo")]
use turbojpeg::{Compressor, Image, PixelFormat, Subsamp};

use mogr_plan::plan::OutputPlan;

use super::jpeg_trellis;
use super::metadata::{Kept, insert_jpeg_segments, jpeg_segments};
#[cfg(feature = "jpeg-turbo")]
use super::pixels::copy;
use super::pixels::{Layout, flatten_over, is_gray_over};
use crate::{ExecError, Frame, JpegMode};

/// A picture ready to be compressed at any quality.
pub(super) struct JpegEncoder {
    /// Which compressor: libjpeg-turbo's, set up for the layout and progressive mode, or
    /// the trellis encoder.
    compressor: Backend,
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

/// The compressor behind a [`JpegEncoder`].
enum Backend {
    /// libjpeg-turbo ([`JpegMode::Fast`]).
    #[cfg(feature = "jpeg-turbo")]
    Turbo(Compressor),
    /// Trellis quantisation ([`JpegMode::Compact`]), baseline or progressive.
    Trellis { progressive: bool },
}

impl JpegEncoder {
    /// Composites `frame` over the output's background and sets the compressor of `mode` up
    /// (4:2:0 or grey, progressive as `output` says); `kept` is the metadata written into
    /// every result.
    pub(super) fn new(frame: &Frame, output: &OutputPlan, kept: &Kept<'_>, mode: JpegMode) -> Result<Self, ExecError> {
        let background = [output.background.r, output.background.g, output.background.b];
        let gray = kept.allows_gray() && is_gray_over(&frame.pixels, background);
        let layout = if gray { Layout::Gray } else { Layout::Rgb };
        let samples = flatten_over(&frame.pixels, layout, background)?;
        let compressor = match mode {
            JpegMode::Compact => Backend::Trellis { progressive: output.progressive },
            #[cfg(feature = "jpeg-turbo")]
            _ => Backend::Turbo(compressor(gray, output.progressive).map_err(jpeg_error)?),
            #[cfg(not(feature = "jpeg-turbo"))]
            _ => Backend::Trellis { progressive: output.progressive },
        };
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
        let quality = quality.clamp(1, 100);
        let jpeg = match &mut self.compressor {
            #[cfg(feature = "jpeg-turbo")]
            Backend::Turbo(compressor) => {
                let size = (self.width, self.height);
                copy(&turbo(compressor, &self.samples, self.layout, size, quality)?)?
            }
            Backend::Trellis { progressive } => {
                let (width, height) = (side(self.width)?, side(self.height)?);
                jpeg_trellis::encode(&self.samples, self.layout == Layout::Gray, width, height, quality, *progressive)?
            }
        };
        if self.segments.is_empty() {
            return Ok(jpeg);
        }
        insert_jpeg_segments(&jpeg, &self.segments)
    }
}

/// libjpeg-turbo's JPEG of `samples` at `quality`.
#[cfg(feature = "jpeg-turbo")]
fn turbo(
    compressor: &mut Compressor,
    samples: &[u8],
    layout: Layout,
    (width, height): (usize, usize),
    quality: u8,
) -> Result<turbojpeg::OwnedBuf, ExecError> {
    let format = if layout == Layout::Gray { PixelFormat::GRAY } else { PixelFormat::RGB };
    let image = Image { pixels: samples, width, pitch: width * layout.bytes(), height, format };
    compressor.set_quality(i32::from(quality)).map_err(jpeg_error)?;
    compressor.compress_to_owned(image).map_err(jpeg_error)
}

/// A side in pixels as the trellis encoder takes it.
fn side(value: usize) -> Result<u32, ExecError> {
    u32::try_from(value).map_err(|_| ExecError::Internal(format!("a JPEG side of {value} pixels")))
}

/// A compressor for grey or 4:2:0 colour samples, baseline or progressive.
#[cfg(feature = "jpeg-turbo")]
fn compressor(gray: bool, progressive: bool) -> turbojpeg::Result<Compressor> {
    let mut compressor = Compressor::new()?;
    compressor.set_subsamp(if gray { Subsamp::Gray } else { Subsamp::Sub2x2 })?;
    compressor.set_progressive(progressive)?;
    Ok(compressor)
}

/// libjpeg-turbo's error as ours.
#[cfg(feature = "jpeg-turbo")]
fn jpeg_error(error: turbojpeg::Error) -> ExecError {
    ExecError::Encode(format!("JPEG (libjpeg-turbo): {error}"))
}
