//! HEIF/HEIC and AVIF decoding through libheif (the `libheif-rs` crate, libheif built from
//! source and linked to Debian's libde265 for HEVC and dav1d/libaom for AV1).
//!
//! ```text
//! bytes ──HeifContext (security limits from the plan's size)──▶
//!   one frame:  primary image handle ──heif_decode_image: irot/imir/clap applied, RGBA
//!               interleaved, HDR → 8 bits, alpha from the alpha auxiliary──▶ Frame
//!   N frames:   the first visual track ──heif_track_decode_next_image × N (alpha track
//!               merged, HDR → 8 bits)──▶ Frames, delay = sample duration / track timescale
//!   ──rows copied into Frames (no padding), each checked against decode_width×decode_height
//!   ──metadata of the primary image: EXIF item (its 4-byte TIFF-header offset skipped), ICC
//!     (prof/rICC), XMP (mime item of type application/rdf+xml)──▶ Picture
//! ```
//!
//! A still picture is the primary image (for an image sequence, its still item). A plan
//! asking for more than one frame gets the samples of the sequence's first visual track,
//! from the start. Where a sequence's still item is broken but its track is not (link-u's
//! `star-8bpc-with-alpha.avifs` names an alpha item that does not exist, and libheif then
//! refuses the whole file), the file is read again with its top-level `meta` box renamed
//! `free` in a copy (same size, so the track's sample offsets still hold), and the track
//! gives every frame, the first one for a still.
//!
//! The EXIF Orientation kept is set to 1: the pixels already are in display orientation, and
//! HEIF says an EXIF Orientation must not be applied on top of `irot`/`imir`. The planner
//! reads `irot`, `imir` and `clap` as libheif applies them, so a decoded size that is not the
//! plan's is [`ExecError::Decode`].

use libheif_rs::{
    ColorProfile, ColorSpace, DecodingOptions, HeifContext, HeifError, HeifErrorCode, ImageHandle, LibHeif, RgbChroma,
    SecurityLimits, Track, color_profile_types, track_types,
};

use mogr_plan::Probe;
use mogr_plan::plan::Rect;

use super::{Target, exif_tiff};
use crate::ops::geometry;
use crate::picture::CHANNELS;
use crate::{ExecError, Frame, Metadata, Picture};

/// Coded pixels allowed per displayed pixel of the plan: the clean aperture may crop a
/// little, a grid may overhang the image by part of a tile.
const CODED_PIXELS_PER_PLANNED: u64 = 4;
/// The AV1 decoder plugin for images cropped by a clean aperture (see `decode_pixels`).
const CROPPED_AV1_DECODER: &str = "aom";
/// Coded pixels always allowed, for tiny images whose grid tiles are larger than the image.
const CODED_PIXELS_MIN: u64 = 4 << 20;

/// Decodes a HEIF or AVIF file to the plan's frames: the primary image for one frame, the
/// samples of the first track for more.
pub(super) fn decode(data: &[u8], format: &str, probe: &Probe, target: &Target) -> Result<Picture, ExecError> {
    let lib = LibHeif::new_checked().map_err(|e| ExecError::Internal(format!("libheif: {}", e.message)))?;
    let sequence = probe.frames > 1;
    let context = match read_context(data, format, target) {
        Ok(context) => context,
        Err(ExecError::Decode(message)) if sequence => return decode_track_only(data, format, target, &message),
        Err(other) => return Err(other),
    };
    if target.frames > 1 {
        let frames = decode_track(&context, format, target)?;
        let metadata = context.primary_image_handle().map(|h| metadata_of(&h)).unwrap_or_default();
        return Ok(Picture { frames, loop_count: None, metadata });
    }
    let handle = match context.primary_image_handle() {
        Ok(handle) => handle,
        Err(_) if sequence => {
            let frames = decode_track(&context, format, target)?;
            return Ok(Picture { frames, loop_count: None, metadata: Metadata::default() });
        }
        Err(e) => return Err(heif_error(format, "its primary image", e)),
    };
    let frame = match probe.aperture_origin {
        Some(origin) => decode_cropped(&lib, data, &handle, (format, probe, origin), target)?,
        None => decode_pixels(&lib, &handle, format, target)?,
    };
    Ok(Picture::still(frame, metadata_of(&handle)))
}

/// Decodes a primary image whose clean aperture starts at `origin` of the coded picture.
///
/// libheif 1.23 bounds the decoder's frame by the *cropped* size plus one coding unit
/// (`tighten_image_size_limit_for_ispe` is given the clap'd size: strukturag/libheif#1856,
/// fixed upstream after 1.23.1), so it refuses every image whose aperture crops much. So the
/// file is read again from a copy whose `clap` boxes span the whole coded picture, decoded
/// without transformations, and cropped and turned here as the probe says (the crop comes
/// first, as MIAF orders `clap` before `irot` and `imir`).
fn decode_cropped(
    lib: &LibHeif,
    data: &[u8],
    handle: &ImageHandle,
    (format, probe, origin): (&str, &Probe, (u32, u32)),
    target: &Target,
) -> Result<Frame, ExecError> {
    let coded = (handle.ispe_width(), handle.ispe_height());
    let (Ok(coded_width), Ok(coded_height)) = (u32::try_from(coded.0), u32::try_from(coded.1)) else {
        return Err(ExecError::Decode(format!("{format}: a coded size of {}x{}", coded.0, coded.1)));
    };
    let copy = with_whole_apertures(data, (coded_width, coded_height))
        .ok_or_else(|| ExecError::Decode(format!("{format}: its clean aperture box could not be found again")))?;
    let coded_target = Target { width: coded_width, height: coded_height, frames: 1 };
    let context = read_context(&copy, format, &coded_target)?;
    let handle = context.primary_image_handle().map_err(|e| heif_error(format, "its primary image", e))?;
    let mut options = decoding_options();
    if let Some(options) = options.as_mut() {
        options.set_ignore_transformations(true);
    }
    let image = lib
        .decode(&handle, ColorSpace::Rgb(RgbChroma::Rgba), options)
        .map_err(|e| heif_error(format, "its pixels", e))?;
    let whole = frame_of(&image, format, &coded_target)?;
    let rect = Rect { x: origin.0, y: origin.1, width: probe.width, height: probe.height };
    let shown = geometry::orient(&geometry::crop(&whole, rect)?, probe.transform)?;
    target.check_size("cropped image", (shown.width, shown.height))?;
    Ok(shown)
}

/// A copy of `data` whose `clap` properties (in `meta` → `iprp` → `ipco`) all say "the whole
/// `coded` picture, centred"; `None` when there is none.
fn with_whole_apertures(data: &[u8], (width, height): (u32, u32)) -> Option<Vec<u8>> {
    let meta = child_boxes(data, 0, data.len()).find(|b| &b.kind == b"meta")?;
    let iprp = child_boxes(data, meta.body.start.checked_add(4)?, meta.body.end).find(|b| &b.kind == b"iprp")?;
    let ipco = child_boxes(data, iprp.body.start, iprp.body.end).find(|b| &b.kind == b"ipco")?;
    let claps: Vec<_> = child_boxes(data, ipco.body.start, ipco.body.end).filter(|b| &b.kind == b"clap").collect();
    if claps.is_empty() {
        return None;
    }
    let whole: Vec<u8> = [width, 1, height, 1, 0, 1, 0, 1].iter().flat_map(|v| v.to_be_bytes()).collect();
    let mut copy = Vec::new();
    copy.try_reserve_exact(data.len()).ok()?;
    copy.extend_from_slice(data);
    for clap in claps {
        copy.get_mut(clap.body.start..clap.body.start.checked_add(whole.len())?)?.copy_from_slice(&whole);
    }
    Some(copy)
}

/// An ISOBMFF box found in a byte range: where it starts, its type and where its body lies.
struct FoundBox {
    /// Where the box (its size field) starts.
    start: usize,
    kind: [u8; 4],
    body: std::ops::Range<usize>,
}

/// The boxes laid end to end in `data[start..end]` (32-bit and 64-bit sizes; a size of 0
/// runs to `end`); the walk stops at the first box that does not fit.
fn child_boxes(data: &[u8], start: usize, end: usize) -> impl Iterator<Item = FoundBox> + '_ {
    let mut offset = start;
    std::iter::from_fn(move || {
        let header = data.get(offset..end)?;
        let kind = *header.get(4..8)?.first_chunk::<4>()?;
        let (size, header_len) = match u32::from_be_bytes(*header.first_chunk::<4>()?) {
            0 => (end - offset, 8),
            1 => (usize::try_from(u64::from_be_bytes(*header.get(8..)?.first_chunk::<8>()?)).ok()?, 16),
            n => (usize::try_from(n).ok()?, 8),
        };
        if size < header_len || size > header.len() {
            return None;
        }
        let found = FoundBox { start: offset, kind, body: offset + header_len..offset + size };
        offset += size;
        Some(found)
    })
}

/// Decodes the track of a sequence whose still item libheif refused (`message`), by reading
/// a copy of the file without its `meta` box.
fn decode_track_only(data: &[u8], format: &str, target: &Target, message: &str) -> Result<Picture, ExecError> {
    let unbroken = || ExecError::Decode(format!("{message} (and the file has no sequence to read instead)"));
    let copy = without_meta(data).ok_or_else(unbroken)?;
    let context = read_context(&copy, format, target).map_err(|_| unbroken())?;
    let frames = decode_track(&context, format, target)?;
    Ok(Picture { frames, loop_count: None, metadata: Metadata::default() })
}

/// A copy of `data` whose top-level `meta` box is renamed `free`; `None` without one.
fn without_meta(data: &[u8]) -> Option<Vec<u8>> {
    let meta = child_boxes(data, 0, data.len()).find(|b| &b.kind == b"meta")?;
    let mut copy = Vec::new();
    copy.try_reserve_exact(data.len()).ok()?;
    copy.extend_from_slice(data);
    copy.get_mut(meta.start + 4..meta.start + 8)?.copy_from_slice(b"free");
    Some(copy)
}

/// The plan's frames from the first visual track of `context`, each with its duration.
fn decode_track(context: &HeifContext<'_>, format: &str, target: &Target) -> Result<Vec<Frame>, ExecError> {
    let track = first_visual_track(context)
        .ok_or_else(|| ExecError::Decode(format!("{format}: the image sequence has no visual track")))?;
    let timescale = u64::from(track.timescale().max(1));
    let mut frames = Vec::new();
    frames.try_reserve_exact(target.frames as usize).map_err(|_| ExecError::OutOfMemory("a frame list".into()))?;
    for index in 0..target.frames {
        let image = track.decode_next_image(ColorSpace::Rgb(RgbChroma::Rgba), decoding_options()).map_err(|e| {
            if matches!(e.code, HeifErrorCode::EndOfSequence) {
                ExecError::Decode(format!("{format}: the sequence ends after {index} of {} frames", target.frames))
            } else {
                heif_error(format, "a frame of its sequence", e)
            }
        })?;
        let mut frame = frame_of(&image, format, target)?;
        let ms = (u64::from(image.duration()) * 1000 + timescale / 2) / timescale;
        frame.delay_ms = u32::try_from(ms).unwrap_or(u32::MAX);
        frames.push(frame);
    }
    Ok(frames)
}

/// The first track of `context` that holds pictures (a video or image-sequence track).
fn first_visual_track(context: &HeifContext<'_>) -> Option<Track> {
    context
        .track_ids()
        .into_iter()
        .filter_map(|id| context.track(id))
        .find(|t| [track_types::VIDEO, track_types::IMAGE_SEQUENCE].contains(&t.handler_type()))
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

/// Decoding options: transformations applied, HDR reduced to 8 bits.
fn decoding_options() -> Option<DecodingOptions> {
    let mut options = DecodingOptions::new();
    if let Some(options) = options.as_mut() {
        options.set_convert_hdr_to_8bit(true);
        options.set_ignore_transformations(false);
    }
    options
}

/// Decodes the handle (transformations applied, HDR to 8 bits) to one frame.
fn decode_pixels(lib: &LibHeif, handle: &ImageHandle, format: &str, target: &Target) -> Result<Frame, ExecError> {
    let mut options = decoding_options();
    if format == "AVIF" && is_cropped(handle) {
        // libheif 1.23 limits dav1d's frame size to the *cropped* size plus a coding unit
        // (image_item.cc, tighten_image_size_limit_for_ispe is given the clap'd size), so
        // dav1d refuses every AVIF whose clean aperture crops much; libaom's plugin reads the
        // limits of the context, which already bound the coded size.
        if let Some(options) = options.as_mut() {
            options.set_decoder_id(Some(CROPPED_AV1_DECODER)).map_err(|e| heif_error(format, "its decoder", e))?;
        }
    }
    let image = lib
        .decode(handle, ColorSpace::Rgb(RgbChroma::Rgba), options)
        .map_err(|e| heif_error(format, "its pixels", e))?;
    frame_of(&image, format, target)
}

/// Whether the clean aperture makes the displayed image smaller than the coded one.
fn is_cropped(handle: &ImageHandle) -> bool {
    let displayed = u64::from(handle.width()) * u64::from(handle.height());
    let coded = u64::try_from(i64::from(handle.ispe_width()) * i64::from(handle.ispe_height())).unwrap_or(0);
    displayed < coded
}

/// The interleaved RGBA plane of a decoded image as a frame of the target's size.
fn frame_of(image: &libheif_rs::Image, format: &str, target: &Target) -> Result<Frame, ExecError> {
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
