//! TIFF: the first image (page), through the `image` crate where it can, and through the
//! `tiff` crate directly, with our own handling, for three variants it gives up on.
//!
//! ```text
//! bytes ──tiff::Decoder (IFD 0)──▶ size == plan, Compression, PhotometricInterpretation
//!   compression 2 or 3 (CCITT 1-D fax) ──strips──▶ fax.rs ──▶ grey (WhiteIsZero: white runs
//!                                                 are white; BlackIsZero: they are black)
//!   photometric 8 (CIELab, 8 or 16 bits) ──tiff crate, reading the IFD as if RGB──▶ samples
//!                                                 ──lab.rs──▶ sRGB
//!   photometric 6 (YCbCr, 8 bits) ──tiff crate──▶ Y Cb Cr (JPEG strips and tiles decoded and
//!                                                 upsampled by it) ──▶ RGB, below
//!   anything else ──image's TiffDecoder (still.rs)──▶ RGBA
//! ```
//!
//! - **CIELab**: the `tiff` crate refuses the photometric interpretation (its a\* and b\* are
//!   signed) before decoding anything; every other step (strips, tiles, LZW, Deflate,
//!   PackBits, the horizontal predictor, which works modulo 2ⁿ and so on signed samples too)
//!   is its own. The IFD is therefore read through a view of the file whose Photometric entry
//!   says RGB, without copying the file, and the samples are read as bits. The ICC profile,
//!   which describes Lab data, is dropped.
//! - **YCbCr**: the `tiff` crate hands over Y, Cb, Cr (its JPEG decoder is told to keep the
//!   colour space). JPEG-compressed data (compression 7) is converted as JFIF does, as libtiff
//!   does (its JPEGCOLORMODE_RGB lets libjpeg convert): `R = Y + 1.402 (Cr − 128)`,
//!   `G = Y − 0.344136 (Cb − 128) − 0.714136 (Cr − 128)`, `B = Y + 1.772 (Cb − 128)`. Other
//!   compressions use the YCbCrCoefficients (default 0.299, 0.587, 0.114) and
//!   ReferenceBlackWhite (default 0 255 128 255 128 255) tags, TIFF 6.0 section 21.
//! - **Fax**: page 1's strips, each decoded on its own by fax.rs; tiles and more than one bit
//!   a sample are refused.
//!
//! Memory: the `tiff` crate's decoding and intermediate buffers are limited to the plan's
//! [`Target::alloc_budget`]; the fax path allocates the frame and one strip of one byte a
//! pixel. XMP (tag 700) is kept on every path, the ICC profile on the YCbCr and `image` paths.
//! TIFF EXIF is not extracted (see the module docs of `decode`).

use std::io::{self, Cursor, Read, Seek, SeekFrom};

use ::tiff::decoder::{ChunkType, Decoder, DecodingResult, Limits};
use ::tiff::tags::Tag;
use ::tiff::{ColorType, TiffError};
use image::codecs::tiff::TiffDecoder;

use super::{Target, fax, image_error, lab, still};
use crate::{ExecError, Frame, Metadata, Picture};

/// Compression values this module routes.
const CCITT_RLE: u16 = 2;
const CCITT_T4: u16 = 3;
const JPEG: u16 = 7;
/// PhotometricInterpretation values this module reads.
const WHITE_IS_ZERO: u16 = 0;
const BLACK_IS_ZERO: u16 = 1;
const RGB: u16 = 2;
const YCBCR: u16 = 6;
const CIELAB: u16 = 8;
/// Tags the `tiff` crate has no names for.
const T4_OPTIONS: Tag = Tag::Unknown(292);
const YCBCR_COEFFICIENTS: Tag = Tag::Unknown(529);
const REFERENCE_BLACK_WHITE: Tag = Tag::Unknown(532);
const XMP: Tag = Tag::Unknown(700);

/// Decodes the first image of a TIFF.
pub(super) fn decode(data: &[u8], target: &Target) -> Result<Picture, ExecError> {
    let mut decoder = Decoder::new(Cursor::new(data)).map_err(tiff_error)?;
    target.check_size("TIFF", decoder.dimensions().map_err(tiff_error)?)?;
    let compression = tag_or(&mut decoder, Tag::Compression, 1)?;
    let photometric = tag_or(&mut decoder, Tag::PhotometricInterpretation, u16::MAX)?;
    match (compression, photometric) {
        (CCITT_RLE | CCITT_T4, _) => decode_fax(data, decoder, compression, photometric, target),
        (_, CIELAB) => decode_lab(data, target),
        (_, YCBCR) => decode_ycbcr(decoder, compression, target),
        _ => {
            let decoder = TiffDecoder::new(Cursor::new(data)).map_err(|e| image_error("TIFF", e))?;
            still::read(decoder, "TIFF", target)
        }
    }
}

/// An error of the `tiff` crate.
fn tiff_error(error: TiffError) -> ExecError {
    match error {
        TiffError::UnsupportedError(e) => ExecError::Unsupported(format!("this TIFF: {e}")),
        TiffError::LimitsExceeded => ExecError::Decode(
            "the TIFF needs more than the plan allows: the image is not what its headers said".to_owned(),
        ),
        other => ExecError::Decode(format!("TIFF: {other}")),
    }
}

/// An unsigned tag of the current image, or `default` when it is absent.
fn tag_or<R: Read + Seek, T: TryFrom<u64>>(decoder: &mut Decoder<R>, tag: Tag, default: T) -> Result<T, ExecError> {
    Ok(decoder.find_tag_unsigned(tag).map_err(tiff_error)?.unwrap_or(default))
}

/// The `tiff` crate's limits for a target: its buffers within the plan's budget.
fn limits(target: &Target) -> Limits {
    let budget = usize::try_from(target.alloc_budget()).unwrap_or(usize::MAX);
    let mut limits = Limits::default();
    limits.decoding_buffer_size = budget;
    limits.intermediate_buffer_size = budget;
    limits.ifd_value_size = budget;
    limits
}

/// XMP and, when wanted, the ICC profile of the current image; unreadable blocks are dropped.
fn metadata<R: Read + Seek>(decoder: &mut Decoder<R>, icc: bool) -> Metadata {
    let mut bytes = |tag: Tag| {
        let value = decoder.find_tag(tag).ok().flatten()?;
        value.into_u8_vec().ok().filter(|v| !v.is_empty())
    };
    let xmp = bytes(XMP);
    Metadata { exif: None, icc: if icc { bytes(Tag::IccProfile) } else { None }, xmp }
}

/// Decodes CCITT 1-D fax strips (compression 2 or 3) as grey.
fn decode_fax<R: Read + Seek>(
    data: &[u8],
    mut decoder: Decoder<R>,
    compression: u16,
    photometric: u16,
    target: &Target,
) -> Result<Picture, ExecError> {
    let white = match photometric {
        WHITE_IS_ZERO => 255,
        BLACK_IS_ZERO => 0,
        other => return Err(ExecError::Decode(format!("TIFF fax data with photometric interpretation {other}"))),
    };
    if tag_or(&mut decoder, Tag::BitsPerSample, 1u16)? != 1 || tag_or(&mut decoder, Tag::SamplesPerPixel, 1u16)? != 1 {
        return Err(ExecError::Decode("TIFF fax data of more than one bit a pixel".to_owned()));
    }
    if decoder.get_chunk_type() == ChunkType::Tile {
        return Err(ExecError::Unsupported("tiled TIFF fax data".to_owned()));
    }
    let t4_options = tag_or(&mut decoder, T4_OPTIONS, 0u32)?;
    let coding = fax::Coding::of(compression, t4_options, tag_or(&mut decoder, Tag::FillOrder, 1u16)?)?;
    let (strips, rows_per_strip) = strips(data, &mut decoder, target.height)?;
    let mut frame = Frame::new(target.width, target.height)?;
    let width = target.width as usize;
    let mut bits = Vec::new();
    for (strip, frame_rows) in strips.iter().zip(frame.pixels.chunks_mut(width * 4 * rows_per_strip)) {
        let rows = frame_rows.len() / (width * 4);
        resize(&mut bits, rows * width)?;
        fax::decode_strip(strip, coding, width, &mut bits)?;
        for (pixel, &bit) in frame_rows.chunks_exact_mut(4).zip(&bits) {
            let grey = if bit == 0 { white } else { 255 - white };
            pixel.copy_from_slice(&[grey, grey, grey, 255]);
        }
    }
    let metadata = metadata(&mut decoder, false);
    Ok(Picture::still(frame, metadata))
}

/// A buffer resized to `len` zeros, failing instead of aborting.
fn resize(buffer: &mut Vec<u8>, len: usize) -> Result<(), ExecError> {
    buffer.clear();
    buffer.try_reserve_exact(len).map_err(|_| ExecError::OutOfMemory(format!("a TIFF strip of {len} bytes")))?;
    buffer.resize(len, 0);
    Ok(())
}

/// The strips of an image of `height` rows (one for every RowsPerStrip rows, each lying in
/// the file) and the rows of a strip.
fn strips<'a, R: Read + Seek>(
    data: &'a [u8],
    decoder: &mut Decoder<R>,
    height: u32,
) -> Result<(Vec<&'a [u8]>, usize), ExecError> {
    let offsets = decoder.get_tag_u64_vec(Tag::StripOffsets).map_err(tiff_error)?;
    let counts = decoder.get_tag_u64_vec(Tag::StripByteCounts).map_err(tiff_error)?;
    let rows_per_strip = tag_or(decoder, Tag::RowsPerStrip, u32::MAX)?.clamp(1, height);
    let needed = height.div_ceil(rows_per_strip) as usize;
    if offsets.len() < needed || counts.len() < needed {
        return Err(ExecError::Decode(format!(
            "TIFF: {} strip offsets and {} byte counts for {needed} strips",
            offsets.len(),
            counts.len()
        )));
    }
    let strips = offsets
        .iter()
        .zip(&counts)
        .take(needed)
        .enumerate()
        .map(|(i, (&offset, &count))| {
            let start = usize::try_from(offset).ok();
            let end = start.zip(usize::try_from(count).ok()).and_then(|(s, c)| s.checked_add(c));
            start.zip(end).and_then(|(s, e)| data.get(s..e)).ok_or_else(|| {
                ExecError::Decode(format!("TIFF: strip {i} ({count} bytes at {offset}) lies outside the file"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((strips, rows_per_strip as usize))
}

/// Refuses samples stored plane by plane (PlanarConfiguration 2) for `what`.
fn check_chunky<R: Read + Seek>(decoder: &mut Decoder<R>, what: &str) -> Result<(), ExecError> {
    match tag_or(decoder, Tag::PlanarConfiguration, 1u16)? {
        1 => Ok(()),
        _ => Err(ExecError::Unsupported(format!("{what} TIFF samples stored plane by plane"))),
    }
}

/// Decodes CIELab samples (8 or 16 bits) to sRGB.
fn decode_lab(data: &[u8], target: &Target) -> Result<Picture, ExecError> {
    let view = PhotometricAsRgb::new(data)?;
    let mut decoder = Decoder::new(view).map_err(tiff_error)?.with_limits(limits(target));
    check_chunky(&mut decoder, "CIELab")?;
    let color = decoder.colortype().map_err(tiff_error)?;
    if !matches!(color, ColorType::RGB(8 | 16)) {
        return Err(ExecError::Unsupported(format!("CIELab TIFF samples laid out as {color:?}")));
    }
    let samples = decoder.read_image().map_err(tiff_error)?;
    let mut frame = Frame::new(target.width, target.height)?;
    let out = frame.pixels.chunks_exact_mut(4);
    let count = match samples {
        DecodingResult::U8(v) => convert(out, v.chunks_exact(3), |p| lab::from_8bit([p[0], p[1], p[2]])),
        DecodingResult::I8(v) => {
            convert(out, v.chunks_exact(3), |p| lab::from_8bit([p[0], p[1], p[2]].map(i8::cast_unsigned)))
        }
        DecodingResult::U16(v) => convert(out, v.chunks_exact(3), |p| lab::from_16bit([p[0], p[1], p[2]])),
        DecodingResult::I16(v) => {
            convert(out, v.chunks_exact(3), |p| lab::from_16bit([p[0], p[1], p[2]].map(i16::cast_unsigned)))
        }
        _ => return Err(ExecError::Unsupported("CIELab TIFF samples that are not integers".to_owned())),
    };
    check_count(count, &frame)?;
    let metadata = metadata(&mut decoder, false);
    Ok(Picture::still(frame, metadata))
}

/// Fills RGBA pixels from sample triples through `rgb`; returns how many were filled.
fn convert<'a, T: 'a>(
    out: impl Iterator<Item = &'a mut [u8]>,
    samples: impl Iterator<Item = &'a [T]>,
    rgb: impl Fn(&[T]) -> [u8; 3],
) -> usize {
    out.zip(samples).map(|(pixel, p)| pixel.copy_from_slice(&with_alpha(rgb(p)))).count()
}

/// An opaque RGBA pixel.
fn with_alpha([r, g, b]: [u8; 3]) -> [u8; 4] {
    [r, g, b, 255]
}

/// Refuses a decode that filled fewer pixels than the frame has.
fn check_count(count: usize, frame: &Frame) -> Result<(), ExecError> {
    if count == frame.pixels.len() / 4 {
        return Ok(());
    }
    Err(ExecError::Decode(format!("TIFF: {count} pixels decoded for a {}x{} image", frame.width, frame.height)))
}

/// Decodes 8-bit YCbCr to RGB.
fn decode_ycbcr<R: Read + Seek>(decoder: Decoder<R>, compression: u16, target: &Target) -> Result<Picture, ExecError> {
    let mut decoder = decoder.with_limits(limits(target));
    check_chunky(&mut decoder, "YCbCr")?;
    let color = decoder.colortype().map_err(tiff_error)?;
    if color != ColorType::YCbCr(8) {
        return Err(ExecError::Unsupported(format!("YCbCr TIFF samples of type {color:?}")));
    }
    let matrix = if compression == JPEG { YccMatrix::JFIF } else { YccMatrix::from_tags(&mut decoder)? };
    let DecodingResult::U8(samples) = decoder.read_image().map_err(tiff_error)? else {
        return Err(ExecError::Internal("the tiff crate gave 8-bit YCbCr in another type".to_owned()));
    };
    let mut frame = Frame::new(target.width, target.height)?;
    let count = convert(frame.pixels.chunks_exact_mut(4), samples.chunks_exact(3), |p| matrix.rgb(p[0], p[1], p[2]));
    check_count(count, &frame)?;
    let metadata = metadata(&mut decoder, true);
    Ok(Picture::still(frame, metadata))
}

/// The YCbCr to RGB conversion of TIFF 6.0 section 21.
#[derive(Clone, Copy, Debug, PartialEq)]
struct YccMatrix {
    /// LumaRed, LumaGreen, LumaBlue.
    luma: [f64; 3],
    /// ReferenceBlackWhite: black and white of Y, Cb, Cr.
    reference: [f64; 6],
}

impl YccMatrix {
    /// JFIF's full-range BT.601 (what libjpeg converts with).
    const JFIF: YccMatrix =
        YccMatrix { luma: [0.299, 0.587, 0.114], reference: [0.0, 255.0, 128.0, 255.0, 128.0, 255.0] };

    /// The matrix the tags of the current image give, JFIF's where they are absent.
    fn from_tags<R: Read + Seek>(decoder: &mut Decoder<R>) -> Result<YccMatrix, ExecError> {
        let mut floats = |tag: Tag, len: usize| -> Result<Option<Vec<f64>>, ExecError> {
            match decoder.find_tag(tag).map_err(tiff_error)? {
                None => Ok(None),
                Some(value) => {
                    let values = value.into_f64_vec().map_err(tiff_error)?;
                    if values.len() != len || values.iter().any(|v| !v.is_finite()) {
                        return Err(ExecError::Decode(format!("TIFF: a {tag:?} of {values:?}")));
                    }
                    Ok(Some(values))
                }
            }
        };
        let mut matrix = YccMatrix::JFIF;
        if let Some(luma) = floats(YCBCR_COEFFICIENTS, 3)? {
            matrix.luma.copy_from_slice(&luma);
        }
        if let Some(reference) = floats(REFERENCE_BLACK_WHITE, 6)? {
            matrix.reference.copy_from_slice(&reference);
        }
        let [_, green, _] = matrix.luma;
        let ranges = [(0, 1), (2, 3), (4, 5)].map(|(b, w)| matrix.reference[w] - matrix.reference[b]);
        if green == 0.0 || ranges.contains(&0.0) {
            return Err(ExecError::Decode(format!("TIFF: YCbCr coefficients {matrix:?} divide by zero")));
        }
        Ok(matrix)
    }

    /// One pixel's R, G, B.
    fn rgb(&self, y: u8, cb: u8, cr: u8) -> [u8; 3] {
        let [lr, lg, lb] = self.luma;
        let [y_black, y_white, cb_black, cb_white, cr_black, cr_white] = self.reference;
        let y = (f64::from(y) - y_black) * 255.0 / (y_white - y_black);
        let cb = (f64::from(cb) - cb_black) * 127.0 / (cb_white - cb_black);
        let cr = (f64::from(cr) - cr_black) * 127.0 / (cr_white - cr_black);
        let r = cr * (2.0 - 2.0 * lr) + y;
        let b = cb * (2.0 - 2.0 * lb) + y;
        let g = (y - lb * b - lr * r) / lg;
        [r, g, b].map(|v| v.round().clamp(0.0, 255.0) as u8)
    }
}

/// A view of a TIFF file whose first IFD's PhotometricInterpretation reads RGB: the file
/// itself, with the two bytes of that entry's value replaced on the fly.
struct PhotometricAsRgb<'a> {
    data: &'a [u8],
    position: u64,
    /// Where the entry's SHORT value lies, and its replacement (RGB in the file's byte order).
    patch: (usize, [u8; 2]),
}

impl<'a> PhotometricAsRgb<'a> {
    /// The view of `data`, whose first IFD must have a one-SHORT PhotometricInterpretation.
    fn new(data: &'a [u8]) -> Result<PhotometricAsRgb<'a>, ExecError> {
        let at = photometric_value_offset(data)
            .ok_or_else(|| ExecError::Decode("TIFF: no PhotometricInterpretation SHORT in IFD 0".to_owned()))?;
        let rgb = if data.starts_with(b"MM") { RGB.to_be_bytes() } else { RGB.to_le_bytes() };
        Ok(PhotometricAsRgb { data, position: 0, patch: (at, rgb) })
    }
}

impl Read for PhotometricAsRgb<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let start = usize::try_from(self.position).unwrap_or(usize::MAX).min(self.data.len());
        let rest = self.data.get(start..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        let (out, source) = (buf.get_mut(..n).unwrap_or_default(), rest.get(..n).unwrap_or_default());
        out.copy_from_slice(source);
        let (at, bytes) = self.patch;
        for (i, byte) in bytes.iter().enumerate() {
            if let Some(slot) = (at + i).checked_sub(start).and_then(|k| out.get_mut(k)) {
                *slot = *byte;
            }
        }
        self.position += n as u64;
        Ok(n)
    }
}

impl Seek for PhotometricAsRgb<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => (self.data.len() as u64).checked_add_signed(d),
            SeekFrom::Current(d) => self.position.checked_add_signed(d),
        };
        self.position = target.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.position)
    }
}

/// Where the value of IFD 0's PhotometricInterpretation entry (tag 262, one SHORT) lies, in a
/// classic TIFF or a BigTIFF.
fn photometric_value_offset(data: &[u8]) -> Option<usize> {
    let big_endian = match data.get(..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let uint = |at: usize, len: usize| -> Option<u64> {
        let bytes = data.get(at..at.checked_add(len)?)?;
        let fold = |acc: u64, &b: &u8| (acc << 8) | u64::from(b);
        Some(if big_endian { bytes.iter().fold(0, fold) } else { bytes.iter().rev().fold(0, fold) })
    };
    // (IFD offset, entry count size, entry size, where the value lies in an entry)
    let (ifd, count_len, entry_len, value_at) = match uint(2, 2)? {
        42 => (uint(4, 4)?, 2, 12, 8),
        43 => (uint(8, 8)?, 8, 20, 12),
        _ => return None,
    };
    let ifd = usize::try_from(ifd).ok()?;
    let entries = usize::try_from(uint(ifd, count_len)?).ok()?;
    (0..entries).find_map(|i| {
        let entry = ifd.checked_add(count_len)?.checked_add(i.checked_mul(entry_len)?)?;
        let is_photometric = uint(entry, 2)? == 262 && uint(entry + 2, 2)? == 3 && uint(entry + 4, 4)? == 1;
        is_photometric.then_some(entry + value_at)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jfif_ycbcr_is_full_range_bt601() {
        let m = YccMatrix::JFIF;
        assert_eq!(m.rgb(255, 128, 128), [255, 255, 255]);
        assert_eq!(m.rgb(0, 128, 128), [0, 0, 0]);
        // libjpeg: R = Y + 1.402 (Cr − 128), G = Y − 0.34414 (Cb − 128) − 0.71414 (Cr − 128),
        // B = Y + 1.772 (Cb − 128).
        assert_eq!(m.rgb(100, 90, 200), [201, 62, 33]);
    }

    #[test]
    fn the_photometric_view_replaces_two_bytes_only() {
        // II, 42, IFD at 8: one entry, PhotometricInterpretation SHORT 1 = 8.
        let mut file = vec![b'I', b'I', 42, 0, 8, 0, 0, 0, 1, 0];
        file.extend([6, 1, 3, 0, 1, 0, 0, 0, 8, 0, 0, 0]);
        let mut view = PhotometricAsRgb::new(&file).unwrap();
        let mut read = Vec::new();
        view.read_to_end(&mut read).unwrap();
        let mut expected = file.clone();
        expected[18] = 2;
        assert_eq!(read, expected);
        // Read from inside the patch.
        view.seek(SeekFrom::Start(19)).unwrap();
        let mut tail = Vec::new();
        view.read_to_end(&mut tail).unwrap();
        assert_eq!(tail, [0, 0, 0]);
        // Every cut of the file: no panic.
        for n in 0..file.len() {
            let _ = photometric_value_offset(&file[..n]);
        }
        assert_eq!(photometric_value_offset(&file), Some(18));
    }
}
