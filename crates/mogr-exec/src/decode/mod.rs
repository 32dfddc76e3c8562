//! Decoding: input bytes to a [`Picture`] at the size the plan decided.
//!
//! This module owns turning the bytes of every raster input format into RGBA8 frames (straight
//! alpha, no row padding) of exactly the plan's `decode_width`×`decode_height`, plus the
//! metadata that travels with them. It never decides a size: the planner did, from the same
//! headers; a decoder that finds something else (a header that lied, a damaged file) answers
//! [`ExecError::Decode`].
//!
//! ```text
//! bytes ──format──▶ jpeg  (libjpeg-turbo: DCT-domain 1/shrink_on_load, RGBA; CMYK → cmyk.rs;
//!                          lossless of 2-16 bits, grey → lossless.rs, box-averaged row by row;
//!                          without `jpeg-turbo`: zune-jpeg at full size, box-averaged: jpeg.rs)
//!                   png   (still: image's PngDecoder; APNG: apng.rs splits frames, composites)
//!                   gif   (image's GifDecoder: frames composited, disposal, transparency)
//!                   webp  (image's WebPDecoder: still, or frames composited)
//!                   bmp   (image's BmpDecoder; OS/2 2.x headers, RLE24 → bmp.rs)
//!                   tiff  (first image: image's TiffDecoder; CCITT 1-D fax → fax.rs, CIELab →
//!                          lab.rs, YCbCr → RGB, through the tiff crate: tiff.rs)
//!                   heif, avif (libheif: primary image, irot/imir/clap applied; sequences
//!                               from their first track; heif.rs; feature `heif`)
//!                   svg   (resvg, drawn at the decode size; nothing outside the document is
//!                          read, entities and embedded images bounded: svg.rs; feature `svg`)
//!                   a format whose feature is off ──▶ ExecError::Unsupported naming the feature
//!        ──▶ frames: exactly decode_frames (1: the first frame / the default image), each
//!            decode_width×decode_height, checked here ──▶ Picture { frames, loop_count, metadata }
//! ```
//!
//! What every decoder guarantees:
//!
//! - **Frames**: `input.decode_frames` of them (at least one: a plan that needs no pixels may
//!   still be decoded, and then gives the first frame). An animation decoded whole is
//!   composited, so every frame is a full canvas; fewer frames than the plan expects is a
//!   `Decode` error, and frames past the plan's count are never decoded.
//! - **Memory**: decoders of the `image` crate get [`image::Limits`] with the plan's decode
//!   size as their maximum width and height and an allocation budget of the plan's frames
//!   (`width × height × 4 × frames`) plus one frame in the widest intermediate layout
//!   (`width × height × 16`, 32-bit float RGBA) plus 8 MiB for tables and metadata; the frames
//!   this module keeps are allocated fallibly ([`Frame::new`]) at the plan's size. libjpeg-turbo
//!   decodes into a buffer of exactly the plan's size (except a lossless JPEG asked to shrink,
//!   which it cannot scale: see `jpeg.rs`) and stops after 500 progressive scans.
//! - **Delays** in milliseconds: APNG `delay_num/delay_den` seconds (a denominator of 0 means
//!   100, as the specification says), WebP's milliseconds as stored, GIF centiseconds × 10,
//!   except that GIF delays of 0 or 1 centisecond become 100 ms: every browser plays them so
//!   (a GIF's "as fast as possible" is not a timing any player honours), and an encoder that
//!   writes the delay back, to GIF or to WebP, then keeps the speed people saw.
//!   A picture of one frame is still: its delay is 0.
//! - **Loop count**: [`Probe::loop_count`], which already speaks in plays for every format.
//! - **Metadata** as found in the file: EXIF as a TIFF structure (a leading `Exif\0\0`, which
//!   some PNG and WebP writers add, is removed; a block that does not then start `II*\0` or
//!   `MM\0*` is dropped), the ICC profile, the XMP packet. Orientation is never applied here (a
//!   plan step does it). Exceptions: the ICC profile of a CMYK JPEG is dropped, since the
//!   frames are RGB and a CMYK profile no longer describes them; a greyscale JPEG's or PNG's
//!   profile is kept although the frames are RGB (R = G = B), so an encoder writing RGB should
//!   look at the profile's colour space (bytes 16..20: `GRAY`) before embedding it. TIFF EXIF
//!   is not extracted (the EXIF of a TIFF is an IFD of the file itself, not a block).

mod animated;
mod apng;
mod bmp;
#[cfg(feature = "jpeg-turbo")]
mod cmyk;
mod fax;
mod gif;
#[cfg(feature = "heif")]
mod heif;
mod jpeg;
mod lab;
mod lossless;
mod markers;
mod png;
mod rgba;
mod still;
#[cfg(feature = "svg")]
mod svg;
mod tiff;
mod webp;

#[cfg(feature = "svg")]
pub(crate) use svg::{svg_document, svg_preview, svg_text};

use mogr_plan::plan::InputPlan;
use mogr_plan::{ImageFormat, Probe};

#[cfg(not(all(feature = "heif", feature = "svg")))]
use crate::codecs::Family;
use crate::fonts::Fonts;
use crate::{ExecError, Frame, Picture};

/// Decodes `data` (whose headers `probe` read) as `input` says: `decode_frames` frames of
/// `decode_width`×`decode_height` RGBA8 pixels (see the module docs).
pub fn decode(data: &[u8], probe: &Probe, input: &InputPlan) -> Result<Picture, ExecError> {
    decode_with(data, probe, input, Fonts::system())
}

/// [`decode`] drawing SVG text with `fonts`.
pub(crate) fn decode_with(data: &[u8], probe: &Probe, input: &InputPlan, fonts: &Fonts) -> Result<Picture, ExecError> {
    let target = Target::of(input)?;
    let mut picture = match input.format {
        ImageFormat::Jpeg => jpeg::decode(data, input.shrink_on_load, &target)?,
        ImageFormat::Png => png::decode(data, &target)?,
        ImageFormat::Gif => gif::decode(data, &target)?,
        ImageFormat::Webp => webp::decode(data, &target)?,
        ImageFormat::Bmp => bmp::decode(data, &target)?,
        ImageFormat::Tiff => tiff::decode(data, &target)?,
        #[cfg(feature = "heif")]
        ImageFormat::Heif => heif::decode(data, "HEIF", probe, &target)?,
        #[cfg(feature = "heif")]
        ImageFormat::Avif => heif::decode(data, "AVIF", probe, &target)?,
        #[cfg(not(feature = "heif"))]
        ImageFormat::Heif => return Err(Family::Heif.missing("HEIF")),
        #[cfg(not(feature = "heif"))]
        ImageFormat::Avif => return Err(Family::Heif.missing("AVIF")),
        #[cfg(feature = "svg")]
        ImageFormat::Svg => svg::decode(data, &target, fonts)?,
        #[cfg(not(feature = "svg"))]
        ImageFormat::Svg => {
            let _no_text_to_draw = fonts;
            return Err(Family::Svg.missing("SVG"));
        }
        other => {
            return Err(ExecError::Unsupported(format!("decoding {other} is not in this build yet")));
        }
    };
    target.check(&picture.frames)?;
    if let [still] = picture.frames.as_mut_slice() {
        still.delay_ms = 0;
    }
    picture.loop_count = probe.loop_count;
    Ok(picture)
}

/// What the plan asks a decoder for: the size of every frame and how many frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    /// Width of every frame.
    pub width: u32,
    /// Height of every frame.
    pub height: u32,
    /// Frames to decode, at least 1.
    pub frames: u32,
}

/// Allocation a decoder may make beyond the frames: tables, metadata chunks, row buffers.
const FIXED_SLACK: u64 = 8 << 20;
/// Bytes a pixel takes in the widest layout a decoder hands over (RGBA, 32-bit float).
const WIDEST_PIXEL: u64 = 16;

impl Target {
    /// The target of a plan's input; a zero size is a broken plan.
    pub fn of(input: &InputPlan) -> Result<Target, ExecError> {
        if input.decode_width == 0 || input.decode_height == 0 {
            return Err(ExecError::Internal(format!(
                "a plan decoding to {}x{}",
                input.decode_width, input.decode_height
            )));
        }
        Ok(Target { width: input.decode_width, height: input.decode_height, frames: input.decode_frames.max(1) })
    }

    /// Pixels in one frame.
    fn pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }

    /// The most a decoder may allocate: the plan's frames, one frame in the widest
    /// intermediate layout, and a fixed slack.
    pub fn alloc_budget(&self) -> u64 {
        let frames = self.pixels().saturating_mul(4).saturating_mul(u64::from(self.frames));
        frames.saturating_add(self.pixels().saturating_mul(WIDEST_PIXEL)).saturating_add(FIXED_SLACK)
    }

    /// The limits handed to the `image` crate's decoders.
    pub fn limits(&self) -> image::Limits {
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(self.width);
        limits.max_image_height = Some(self.height);
        limits.max_alloc = Some(self.alloc_budget());
        limits
    }

    /// Refuses a size other than the plan's: the file is not what its headers said.
    pub fn check_size(&self, what: &str, (width, height): (u32, u32)) -> Result<(), ExecError> {
        if (width, height) == (self.width, self.height) {
            return Ok(());
        }
        Err(ExecError::Decode(format!(
            "the image is not what its headers said: the {what} is {width}x{height}, the headers said {}x{}",
            self.width, self.height
        )))
    }

    /// Checks the decoded frames: exactly the plan's count, each of the plan's size.
    pub fn check(&self, frames: &[Frame]) -> Result<(), ExecError> {
        if frames.len() != self.frames as usize {
            return Err(ExecError::Decode(format!(
                "the image is not what its headers said: {} frames decoded, {} expected",
                frames.len(),
                self.frames
            )));
        }
        frames.iter().try_for_each(|f| self.check_size("decoded frame", (f.width, f.height)))
    }
}

/// An error of one of the `image` crate's decoders, named by format.
pub(crate) fn image_error(format: &str, error: image::ImageError) -> ExecError {
    match error {
        image::ImageError::Limits(e) => ExecError::Decode(format!(
            "the {format} needs more than the plan allows ({e}): the image is not what its headers said"
        )),
        image::ImageError::Unsupported(e) => ExecError::Unsupported(format!("this {format}: {e}")),
        other => ExecError::Decode(format!("{format}: {other}")),
    }
}

/// EXIF as the TIFF structure: a leading `Exif\0\0` removed; `None` unless what is left starts
/// with a TIFF header.
pub(crate) fn exif_tiff(mut exif: &[u8]) -> Option<Vec<u8>> {
    if let Some(rest) = exif.strip_prefix(b"Exif\0\0") {
        exif = rest;
    }
    (exif.starts_with(b"II*\0") || exif.starts_with(b"MM\0*")).then(|| exif.to_vec())
}
