//! HEIF/HEIC and AVIF decoding through libheif (the `libheif-rs` crate, libheif built from
//! source and linked to Debian's libde265 for HEVC and dav1d/libaom for AV1).
//!
//! ```text
//! bytes ──HeifContext (security limits from the plan's size)──▶ primary image handle
//!       ──size check (after irot/imir/clap) against decode_width×decode_height──▶
//!       ──heif_decode_image: transformations applied, RGBA interleaved, HDR → 8 bits,
//!         alpha from the alpha auxiliary──▶ rows copied into a Frame (no padding)
//!       ──metadata: EXIF item (its 4-byte TIFF-header offset skipped), ICC (prof/rICC),
//!         XMP (mime item of type application/rdf+xml)──▶ Picture
//! ```
//!
//! A file holds one picture here: the primary image (an image sequence gives its primary
//! still; a plan asking for more than one frame is [`ExecError::Unsupported`]). The EXIF
//! Orientation kept is set to 1: the pixels already are in display orientation, and HEIF
//! says an EXIF Orientation must not be applied on top of `irot`/`imir`. The handle's size is the displayed size, after rotation, mirroring and the clean
//! aperture crop; the planner accounts for rotation and mirroring but not `clap`, so a clean
//! aperture that crops answers [`ExecError::Unsupported`] naming the coded, displayed and
//! planned sizes (until the planner reads `clap`); any other disagreement is
//! [`ExecError::Decode`].

use libheif_rs::{
    ColorProfile, ColorSpace, DecodingOptions, HeifContext, HeifError, HeifErrorCode, ImageHandle, LibHeif, RgbChroma,
    SecurityLimits, color_profile_types,
};

use super::{Target, exif_tiff};
use crate::picture::CHANNELS;
use crate::{ExecError, Frame, Metadata, Picture};

/// Coded pixels allowed per displayed pixel of the plan: the clean aperture may crop a
/// little, a grid may overhang the image by part of a tile.
const CODED_PIXELS_PER_PLANNED: u64 = 4;
/// Coded pixels always allowed, for tiny images whose grid tiles are larger than the image.
const CODED_PIXELS_MIN: u64 = 4 << 20;

/// Decodes the primary image of a HEIF or AVIF file to one RGBA8 frame of the plan's size.
/// `sequence`: the probe found an image sequence; libheif failing to read one is
/// [`ExecError::Unsupported`] (it reads the still item of a sequence, not its tracks).
pub(super) fn decode(data: &[u8], format: &str, sequence: bool, target: &Target) -> Result<Picture, ExecError> {
    if target.frames > 1 {
        return Err(ExecError::Unsupported(format!(
            "decoding the {} frames of a {format} image sequence: this build decodes its primary still only",
            target.frames
        )));
    }
    let lib = LibHeif::new_checked().map_err(|e| ExecError::Internal(format!("libheif: {}", e.message)))?;
    let context = read_context(data, format, target).map_err(|e| match e {
        ExecError::Decode(message) if sequence => ExecError::Unsupported(format!(
            "this {format} image sequence: libheif reads only its still image: {message}"
        )),
        other => other,
    })?;
    let handle = context.primary_image_handle().map_err(|e| heif_error(format, "its primary image", e))?;
    check_handle_size(&handle, target)?;
    let frame = decode_pixels(&lib, &handle, format, target)?;
    Ok(Picture::still(frame, metadata_of(&handle)))
}

/// A context reading `data`, with libheif's limits tightened to the plan's size.
fn read_context<'a>(data: &'a [u8], format: &str, target: &Target) -> Result<HeifContext<'a>, ExecError> {
    let mut context: HeifContext<'a> = HeifContext::new().map_err(|e| heif_error(format, "a context", e))?;
    let mut limits = SecurityLimits::new();
    let coded = target.pixels().saturating_mul(CODED_PIXELS_PER_PLANNED).max(CODED_PIXELS_MIN);
    limits.set_max_image_size_pixels(tighter(limits.max_image_size_pixels(), coded));
    limits.set_max_memory_block_size(tighter(limits.max_memory_block_size(), target.alloc_budget()));
    context.set_security_limits(&limits).map_err(|e| heif_error(format, "its limits", e))?;
    context.read_bytes(data).map_err(|e| heif_error(format, "the file", e))?;
    Ok(context)
}

/// The tighter of libheif's default limit (0: none) and ours.
fn tighter(default: u64, ours: u64) -> u64 {
    if default == 0 { ours } else { default.min(ours) }
}

/// Refuses a primary image whose displayed size is not the plan's. When the coded size is
/// the plan's (up to a quarter turn) the clean aperture (`clap`) made the difference: the
/// file is valid and the planner does not read `clap` yet, so that is
/// [`ExecError::Unsupported`] naming both sizes; any other difference is [`ExecError::Decode`].
fn check_handle_size(handle: &ImageHandle, target: &Target) -> Result<(), ExecError> {
    let displayed = (handle.width(), handle.height());
    if displayed == (target.width, target.height) {
        return Ok(());
    }
    let coded = (i64::from(handle.ispe_width()), i64::from(handle.ispe_height()));
    let planned = (i64::from(target.width), i64::from(target.height));
    if coded == planned || (coded.1, coded.0) == planned {
        return Err(ExecError::Unsupported(format!(
            "a clean aperture (clap) crop: the primary image is coded {}x{} and displays {}x{}, \
             and the plan (which does not apply clap yet) decodes {}x{}",
            coded.0, coded.1, displayed.0, displayed.1, target.width, target.height
        )));
    }
    Err(ExecError::Decode(format!(
        "the image is not what its headers said: the primary image displays {}x{}, the plan decodes {}x{}",
        displayed.0, displayed.1, target.width, target.height
    )))
}

/// Decodes the handle (transformations applied, HDR to 8 bits) and copies its RGBA rows.
fn decode_pixels(lib: &LibHeif, handle: &ImageHandle, format: &str, target: &Target) -> Result<Frame, ExecError> {
    let mut options = DecodingOptions::new();
    if let Some(options) = options.as_mut() {
        options.set_convert_hdr_to_8bit(true);
        options.set_ignore_transformations(false);
    }
    let image = lib
        .decode(handle, ColorSpace::Rgb(RgbChroma::Rgba), options)
        .map_err(|e| heif_error(format, "its pixels", e))?;
    target.check_size("decoded image", (image.width(), image.height()))?;
    let planes = image.planes();
    let plane = planes
        .interleaved
        .ok_or_else(|| ExecError::Internal(format!("libheif gave no interleaved RGBA plane for this {format}")))?;
    if plane.storage_bits_per_pixel != 32 {
        return Err(ExecError::Internal(format!(
            "libheif gave {} bits a pixel for 8-bit RGBA",
            plane.storage_bits_per_pixel
        )));
    }
    copy_rows(plane.data, plane.stride, target)
}

/// The rows of an interleaved RGBA plane (`stride` bytes apart) as a frame without padding.
fn copy_rows(data: &[u8], stride: usize, target: &Target) -> Result<Frame, ExecError> {
    let mut frame = Frame::new(target.width, target.height)?;
    let row_len = target.width as usize * CHANNELS;
    for (y, out) in frame.pixels.chunks_exact_mut(row_len).enumerate() {
        let start = y.saturating_mul(stride);
        let row = data
            .get(start..start.saturating_add(row_len))
            .ok_or_else(|| ExecError::Internal(format!("libheif's RGBA plane is short at row {y}")))?;
        out.copy_from_slice(row);
    }
    Ok(frame)
}

/// The EXIF, ICC and XMP of the primary image.
fn metadata_of(handle: &ImageHandle) -> Metadata {
    let mut metadata = Metadata::default();
    for block in handle.all_metadata() {
        match &block.item_type.0 {
            b"Exif" if metadata.exif.is_none() => metadata.exif = exif_after_offset(&block.raw_data),
            b"mime" if metadata.xmp.is_none() && block.content_type == "application/rdf+xml" => {
                metadata.xmp = Some(block.raw_data).filter(|x| !x.is_empty());
            }
            _ => {}
        }
    }
    // The pixels are in display orientation (irot/imir applied), and an EXIF Orientation
    // must not be applied on top of them: the EXIF kept says upright.
    metadata.set_orientation_upright();
    metadata.icc = handle
        .color_profile_raw()
        .filter(|p| [color_profile_types::PROF, color_profile_types::R_ICC].contains(&p.profile_type()))
        .map(|p| p.data)
        .filter(|icc| !icc.is_empty());
    metadata
}

/// The TIFF structure of a HEIF EXIF item: a 4-byte big-endian offset to the TIFF header
/// comes first (ISO/IEC 23008-12 A.2.1); `None` when what follows is not TIFF.
fn exif_after_offset(item: &[u8]) -> Option<Vec<u8>> {
    let (offset, rest) = item.split_first_chunk::<4>()?;
    let offset = usize::try_from(u32::from_be_bytes(*offset)).ok()?;
    exif_tiff(rest.get(offset..)?)
}

/// A libheif error while reading `what` of a file, as a decode error (or Unsupported for
/// features or codecs libheif lacks, OutOfMemory for its allocations).
fn heif_error(format: &str, what: &str, error: HeifError) -> ExecError {
    let message = format!("{format}: reading {what}: {error:?}");
    match error.code {
        HeifErrorCode::UnsupportedFeature | HeifErrorCode::UnsupportedFileType => ExecError::Unsupported(message),
        HeifErrorCode::MemoryAllocationError => ExecError::OutOfMemory(message),
        _ => ExecError::Decode(message),
    }
}
