//! AVIF (and, with the `heic-encode` feature, HEIC/HEIF) encoding through libheif.
//!
//! ```text
//! Frame ──rows copied──▶ heif Image (interleaved RGB, or RGBA when a pixel is not opaque)
//!       ──ICC (an RGB profile only) as a `prof` colr box──▶
//!       ──encoder: AV1 (libaom, BSD) for AVIF; HEVC (x265, GPL) for HEIC/HEIF, only with the
//!         `heic-encode` feature──▶ quality as libheif's lossy quality, alpha kept
//!       ──EXIF (libheif adds the TIFF-header offset) and XMP items unless strip──▶ bytes
//! ```
//!
//! Without `heic-encode` a HEIC or HEIF output is [`ExecError::Unsupported`]: x265 is
//! GPL-2.0, and a build that links it is GPL, so it is opt-in.

use libheif_rs::{
    Channel, ColorProfileRaw, ColorSpace, CompressionFormat, EncoderQuality, HeifContext, HeifError, Image, LibHeif,
    RgbChroma, color_profile_types,
};
use mogr_plan::OutputFormat;

use super::metadata::Kept;
use crate::codecs::Family;
use crate::picture::CHANNELS;
use crate::{ExecError, Frame};

/// Encodes one frame to AVIF, HEIC or HEIF at `quality` (1-100) with the kept metadata.
pub(super) fn encode(frame: &Frame, format: OutputFormat, quality: u8, kept: &Kept) -> Result<Vec<u8>, ExecError> {
    let compression = compression_of(format)?;
    let lib = LibHeif::new_checked().map_err(|e| encode_error("starting libheif", e))?;
    let mut image = image_of(frame)?;
    if let Some(icc) = kept.icc_for(false) {
        let profile = ColorProfileRaw::new(color_profile_types::PROF, icc.to_vec());
        image.set_color_profile_raw(&profile).map_err(|e| encode_error("adding the ICC profile", e))?;
    }
    let mut encoder = lib.encoder_for_format(compression).map_err(|e| encode_error("finding the encoder", e))?;
    encoder.set_quality(EncoderQuality::Lossy(quality)).map_err(|e| encode_error("setting the quality", e))?;
    let mut context = HeifContext::new().map_err(|e| encode_error("creating a context", e))?;
    let handle = context.encode_image(&image, &mut encoder, None).map_err(|e| encode_error("compressing", e))?;
    if let Some(exif) = kept.exif {
        context.add_exif_metadata(&handle, exif).map_err(|e| encode_error("adding EXIF", e))?;
    }
    if let Some(xmp) = kept.xmp {
        context.add_xmp_metadata(&handle, xmp).map_err(|e| encode_error("adding XMP", e))?;
    }
    context.write_to_bytes().map_err(|e| encode_error("writing the file", e))
}

/// The compression of an output format, if this build may write it.
fn compression_of(format: OutputFormat) -> Result<CompressionFormat, ExecError> {
    match format {
        OutputFormat::Avif => Ok(CompressionFormat::Av1),
        OutputFormat::Heic | OutputFormat::Heif if cfg!(feature = "heic-encode") => Ok(CompressionFormat::Hevc),
        OutputFormat::Heic | OutputFormat::Heif => Err(Family::HeicEncode.missing("HEIC/HEIF encoding")),
        other => Err(ExecError::Internal(format!("{other:?} is not a HEIF format"))),
    }
}

/// A libheif image of the frame: RGBA when any pixel is not opaque, else RGB.
fn image_of(frame: &Frame) -> Result<Image, ExecError> {
    let alpha = frame.has_transparency();
    let (chroma, channels) = if alpha { (RgbChroma::Rgba, CHANNELS) } else { (RgbChroma::Rgb, 3) };
    let mut image = Image::new(frame.width, frame.height, ColorSpace::Rgb(chroma))
        .map_err(|e| encode_error("allocating the image", e))?;
    image
        .create_plane(Channel::Interleaved, frame.width, frame.height, 8)
        .map_err(|e| encode_error("allocating the pixel plane", e))?;
    let planes = image.planes_mut();
    let plane = planes
        .interleaved
        .ok_or_else(|| ExecError::Internal("libheif gave no interleaved plane to fill".to_string()))?;
    copy_rows(frame, plane.data, plane.stride, channels)?;
    Ok(image)
}

/// Copies the frame's rows into a plane of `stride` bytes a row, `channels` bytes a pixel.
fn copy_rows(frame: &Frame, plane: &mut [u8], stride: usize, channels: usize) -> Result<(), ExecError> {
    let row_len = frame.width as usize * CHANNELS;
    for (y, row) in frame.pixels.chunks_exact(row_len).enumerate() {
        let start = y.saturating_mul(stride);
        let out = plane
            .get_mut(start..start.saturating_add(frame.width as usize * channels))
            .ok_or_else(|| ExecError::Internal(format!("libheif's pixel plane is short at row {y}")))?;
        for (to, from) in out.chunks_exact_mut(channels).zip(row.chunks_exact(CHANNELS)) {
            to.copy_from_slice(from.get(..channels).unwrap_or(from));
        }
    }
    Ok(())
}

/// A libheif error while `what`, as an encode error.
fn encode_error(what: &str, error: HeifError) -> ExecError {
    ExecError::Encode(format!("libheif: {what}: {error:?}"))
}
