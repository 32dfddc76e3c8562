//! BMP (Windows and OS/2 bitmaps): the file header and every DIB header variant.
//!
//! ```text
//! file        = "BM" file_size(u32) reserved(u32) pixel_offset(u32)  dib  [masks]  ...
//! dib         = size(u32, the whole DIB header)  then by size (all little-endian):
//!   12  BITMAPCOREHEADER   width(u16) height(u16) planes(u16) bit_count(u16)
//!   16  OS/2 2.x (short)   width(i32) height(i32) planes(u16) bit_count(u16)
//!   64  OS/2 2.x           the 16 bytes, compression(u32) ... (OS/2 fields, ignored)
//!   40  BITMAPINFOHEADER   width(i32) height(i32, < 0: top-down) planes(u16) bit_count(u16)
//!                          compression(u32) image_size x_ppm y_ppm colours_used(u32) important
//!   52  V2                 the 40 bytes, red green blue masks(u32)
//!   56  V3                 the 52 bytes, alpha mask(u32)
//!  108  V4                 the 56 bytes, colour space type(u32) endpoints(36) gamma(12)
//!  124  V5                 the 108 bytes, intent(u32) profile_offset(u32, from the DIB header)
//!                          profile_size(u32) reserved(u32)
//! masks       = red green blue (BI_BITFIELDS) or red green blue alpha (BI_ALPHABITFIELDS),
//!               after a 40-byte header only
//! ```
//!
//! Values: `height` is the absolute value (a negative height only says the rows are stored top
//! down); bit counts 1, 2, 4 and 8 are [`ColorModel::Indexed`] with `bit_depth` = bits per
//! index; 16, 24 and 32 are [`ColorModel::Rgb`] with `bit_depth` 8, what the decoder expands
//! every channel to. `has_alpha` is judged by the masks: a 16- or 32-bit `BI_BITFIELDS` (V3+
//! header) or `BI_ALPHABITFIELDS` image with a non-zero alpha mask. A 32-bit `BI_RGB` image has
//! no alpha, even when a V3+ header carries an alpha mask: for `BI_RGB` the masks are unused
//! (only `BI_BITFIELDS` applies them), the fourth byte is reserved, and the decoder (the image
//! crate's) reads such pixels as RGB. Palette images have none (RLE-skipped pixels are a
//! decoder's choice). `has_icc` is a V5 header with colour space `MBED` and a profile of
//! non-zero size lying within the data. BMP carries no EXIF.
//!
//! Errors: a DIB header size that is none of the above, a non-positive width, a height of 0, a
//! bit count other than 1, 2, 4, 8, 16, 24, 32 (1, 2, 4, 8, 24 for the core header), a
//! compression that does not fit the bit count, or more palette colours than the bit count can
//! index are `Malformed`; `BI_JPEG`, `BI_PNG` and the CMYK compressions are
//! `UnsupportedFormat` (the pixels are another format's). The file size and pixel offset of
//! the file header are not checked (writers get them wrong, and they concern pixel data).

use super::reader::Reader;
use super::{ColorModel, ImageFormat, Probe, ProbeError};

/// Compression values of Windows DIB headers (OS/2 2.x reuses 0-2, and 3/4 mean Huffman 1D
/// and RLE24 there).
const BI_RGB: u32 = 0;
const BI_RLE8: u32 = 1;
const BI_RLE4: u32 = 2;
const BI_BITFIELDS: u32 = 3;
const BI_JPEG: u32 = 4;
const BI_PNG: u32 = 5;
const BI_ALPHABITFIELDS: u32 = 6;
/// `LCS_PROFILE_EMBEDDED`, "MBED" as a little-endian u32.
const PROFILE_EMBEDDED: u32 = u32::from_be_bytes(*b"MBED");

/// The kinds of DIB header, by size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Header {
    Core,
    Os2,
    Info,
}

/// Reads a BMP's size, bit count, colour model, alpha (by the masks) and embedded ICC profile.
pub(crate) fn probe(data: &[u8]) -> Result<Probe, ProbeError> {
    let mut r = Reader::new(data, "BMP file header");
    if r.bytes(2)? != b"BM" {
        return Err(ProbeError::UnsupportedFormat);
    }
    r.skip(12)?;
    let mut r = r.reading("BMP DIB header");
    let dib_start = r.position();
    let size = r.u32_le()?;
    let header = match size {
        12 => Header::Core,
        16 | 64 => Header::Os2,
        40 | 52 | 56 | 108 | 124 => Header::Info,
        _ => {
            return Err(ProbeError::Malformed {
                what: "BMP DIB header size is not 12, 16, 40, 52, 56, 64, 108 or 124",
            });
        }
    };
    // The whole declared header must be there; every field below is read inside it.
    let body = r.bytes(usize::try_from(size.saturating_sub(4)).map_err(|_| r.truncated())?)?;
    let field = |offset: usize| dib_field(body, offset);

    let (width, height, bit_count) = if header == Header::Core {
        let mut h = Reader::new(body, "BMP core header");
        let width = h.u16_le()?;
        let height = h.u16_le()?;
        h.skip(2)?;
        (i32::from(width), i32::from(height), h.u16_le()?)
    } else {
        let bit_count = field(12)? >> 16;
        (field(4)?.cast_signed(), field(8)?.cast_signed(), u16::try_from(bit_count).unwrap_or(u16::MAX))
    };
    // The short OS/2 header ends before the compression and palette fields: none, all colours.
    let (compression, colours_used) = if size >= 40 { (field(16)?, field(32)?) } else { (BI_RGB, 0) };

    if width <= 0 {
        return Err(ProbeError::Malformed { what: "BMP width is 0 or negative" });
    }
    if height == 0 {
        return Err(ProbeError::Malformed { what: "BMP height is 0" });
    }
    if header == Header::Info && matches!(compression, BI_JPEG | BI_PNG | 11..=13) {
        return Err(ProbeError::UnsupportedFormat);
    }
    let valid_bits: &[u16] = if header == Header::Core { &[1, 2, 4, 8, 24] } else { &[1, 2, 4, 8, 16, 24, 32] };
    if !valid_bits.contains(&bit_count) {
        return Err(ProbeError::Malformed { what: "BMP bit count is invalid" });
    }
    check_compression(header, compression, bit_count)?;
    let indexed = bit_count <= 8;
    if indexed && colours_used > 1 << bit_count {
        return Err(ProbeError::Malformed { what: "BMP palette has more colours than the bit count indexes" });
    }

    let mut probe = Probe::new(ImageFormat::Bmp, width.unsigned_abs(), height.unsigned_abs());
    if indexed {
        probe.color = ColorModel::Indexed;
        probe.bit_depth = u8::try_from(bit_count).unwrap_or(8);
    }
    if header == Header::Info {
        let alpha = match compression {
            BI_BITFIELDS | BI_ALPHABITFIELDS if size >= 56 => field(52)?,
            // A 40-byte header: the four masks follow it.
            BI_ALPHABITFIELDS => {
                let mut masks = r.reading("BMP colour masks");
                masks.skip(12)?;
                masks.u32_le()?
            }
            _ => 0,
        };
        probe.has_alpha = alpha != 0;
        probe.has_icc = size >= 124 && embedded_profile(data, dib_start, body)?;
    }
    Ok(probe)
}

/// The u32 at `offset` of the DIB header, given `body`, the header after its size field.
fn dib_field(body: &[u8], offset: usize) -> Result<u32, ProbeError> {
    let mut h = Reader::new(body, "BMP DIB header");
    h.seek(offset.saturating_sub(4))?;
    h.u32_le()
}

/// Whether `compression` is valid for the header kind and bit count (`BI_JPEG`, `BI_PNG` and
/// CMYK are refused before).
fn check_compression(header: Header, compression: u32, bit_count: u16) -> Result<(), ProbeError> {
    let fits = match (header, compression) {
        (_, BI_RGB) => true,
        (Header::Core, _) => false,
        (_, BI_RLE8) => bit_count == 8,
        (_, BI_RLE4) => bit_count == 4,
        // OS/2 2.x: 3 is Huffman 1D (1-bit), 4 is RLE24.
        (Header::Os2, 3) => bit_count == 1,
        (Header::Os2, 4) => bit_count == 24,
        (Header::Info, BI_BITFIELDS | BI_ALPHABITFIELDS) => bit_count == 16 || bit_count == 32,
        _ => false,
    };
    if fits { Ok(()) } else { Err(ProbeError::Malformed { what: "BMP compression does not fit the bit count" }) }
}

/// Whether a V5 header declares an embedded profile (`MBED`, non-zero size) lying within
/// `data`. `body` is the DIB header after its size field; the profile offset counts from
/// `dib_start`.
fn embedded_profile(data: &[u8], dib_start: usize, body: &[u8]) -> Result<bool, ProbeError> {
    if dib_field(body, 56)? != PROFILE_EMBEDDED {
        return Ok(false);
    }
    let (offset, size) = (dib_field(body, 112)?, dib_field(body, 116)?);
    let end = usize::try_from(offset)
        .ok()
        .and_then(|offset| dib_start.checked_add(offset))
        .and_then(|start| start.checked_add(usize::try_from(size).ok()?));
    Ok(size > 0 && end.is_some_and(|end| end <= data.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file header, then a DIB header of `size` bytes with these fields (Windows/OS/2 2.x
    /// layout), the rest zero, then `after`.
    fn bmp(
        size: u32,
        width: i32,
        height: i32,
        bits: u16,
        compression: u32,
        fields: &[(usize, u32)],
        after: &[u8],
    ) -> Vec<u8> {
        let mut dib = vec![0u8; size as usize];
        dib[..4].copy_from_slice(&size.to_le_bytes());
        let mut put = |at: usize, value: &[u8]| {
            if at + value.len() <= dib.len() {
                dib[at..at + value.len()].copy_from_slice(value);
            }
        };
        put(4, &width.to_le_bytes());
        put(8, &height.to_le_bytes());
        put(12, &1u16.to_le_bytes());
        put(14, &bits.to_le_bytes());
        put(16, &compression.to_le_bytes());
        for &(at, value) in fields {
            put(at, &value.to_le_bytes());
        }
        let mut f = b"BM".to_vec();
        f.extend(0u32.to_le_bytes());
        f.extend(0u32.to_le_bytes());
        f.extend((14 + size).to_le_bytes());
        f.extend(dib);
        f.extend(after);
        f
    }

    /// A BITMAPCOREHEADER file.
    fn core(width: u16, height: u16, bits: u16) -> Vec<u8> {
        let mut f = b"BM\0\0\0\0\0\0\0\0\x1a\0\0\0\x0c\0\0\0".to_vec();
        f.extend(width.to_le_bytes());
        f.extend(height.to_le_bytes());
        f.extend(1u16.to_le_bytes());
        f.extend(bits.to_le_bytes());
        f
    }

    fn size_and_model(f: &[u8]) -> (u32, u32, ColorModel, u8, bool, bool) {
        let p = probe(f).unwrap();
        (p.width, p.height, p.color, p.bit_depth, p.has_alpha, p.has_icc)
    }

    #[test]
    fn reads_every_header_variant() {
        use ColorModel::{Indexed, Rgb};
        assert_eq!(size_and_model(&core(3, 4, 8)), (3, 4, Indexed, 8, false, false));
        assert_eq!(size_and_model(&core(65_535, 65_535, 24)), (65_535, 65_535, Rgb, 8, false, false));
        for size in [16, 40, 52, 56, 64, 108, 124] {
            assert_eq!(size_and_model(&bmp(size, 5, 6, 4, 0, &[], &[])), (5, 6, Indexed, 4, false, false), "{size}");
            assert_eq!(size_and_model(&bmp(size, 5, -6, 24, 0, &[], &[])), (5, 6, Rgb, 8, false, false), "{size}");
        }
        for bits in [1, 2, 4, 8] {
            assert_eq!(size_and_model(&bmp(40, 1, 1, bits, 0, &[], &[])).3, u8::try_from(bits).unwrap());
        }
        // The short OS/2 header has no compression field: whatever follows it is not read.
        assert!(probe(&bmp(16, 5, 6, 24, 0, &[], &[9; 8])).is_ok());
        // OS/2 2.x RLE24 and Huffman 1D.
        assert!(probe(&bmp(64, 5, 6, 24, 4, &[], &[])).is_ok());
        assert!(probe(&bmp(64, 5, 6, 1, 3, &[], &[])).is_ok());
    }

    #[test]
    fn alpha_is_judged_by_the_masks() {
        let argb = [(40, 0x00FF_0000), (44, 0x0000_FF00), (48, 0x0000_00FF), (52, 0xFF00_0000)];
        // BI_BITFIELDS with an alpha mask in a V3, V4 or V5 header.
        for size in [56, 108, 124] {
            assert!(size_and_model(&bmp(size, 2, 2, 32, BI_BITFIELDS, &argb, &[])).4, "{size}");
            assert!(!size_and_model(&bmp(size, 2, 2, 32, BI_BITFIELDS, &argb[..3], &[])).4, "{size}");
        }
        // 16-bit A1R5G5B5.
        assert!(size_and_model(&bmp(56, 2, 2, 16, BI_BITFIELDS, &[(52, 0x8000)], &[])).4);
        // A V2 header has no alpha mask; a 40-byte header's BI_BITFIELDS masks are three.
        assert!(!size_and_model(&bmp(52, 2, 2, 32, BI_BITFIELDS, &argb[..3], &[])).4);
        assert!(!size_and_model(&bmp(40, 2, 2, 32, BI_BITFIELDS, &[], &[0xFF; 12])).4);
        // BI_ALPHABITFIELDS after a 40-byte header: four masks follow it.
        let masks = [0x00FF_0000u32, 0xFF00, 0xFF, 0xFF00_0000].map(u32::to_le_bytes).concat();
        assert!(size_and_model(&bmp(40, 2, 2, 32, BI_ALPHABITFIELDS, &[], &masks)).4);
        assert!(!size_and_model(&bmp(40, 2, 2, 32, BI_ALPHABITFIELDS, &[], &[&masks[..12], &[0; 4]].concat())).4);
        assert_eq!(
            probe(&bmp(40, 2, 2, 32, BI_ALPHABITFIELDS, &[], &masks[..14])),
            Err(ProbeError::Truncated { what: "BMP colour masks" })
        );
        // BI_RGB: the masks do not apply, even an alpha mask in a V5 header.
        assert!(!size_and_model(&bmp(124, 2, 2, 32, BI_RGB, &argb, &[])).4);
    }

    #[test]
    fn icc_is_a_v5_embedded_profile_within_the_data() {
        let mbed = (56, PROFILE_EMBEDDED);
        let profile = [0u8; 100];
        // The profile offset counts from the DIB header (file offset 14).
        assert!(size_and_model(&bmp(124, 2, 2, 24, 0, &[mbed, (112, 124), (116, 100)], &profile)).5);
        assert!(!size_and_model(&bmp(124, 2, 2, 24, 0, &[mbed, (112, 124), (116, 101)], &profile)).5);
        assert!(!size_and_model(&bmp(124, 2, 2, 24, 0, &[mbed, (112, 124), (116, 0)], &profile)).5);
        assert!(!size_and_model(&bmp(124, 2, 2, 24, 0, &[mbed, (112, u32::MAX), (116, u32::MAX)], &profile)).5);
        // sRGB / Windows colour space, or a linked profile: no embedded ICC.
        let srgb = (56, u32::from_be_bytes(*b"sRGB"));
        assert!(!size_and_model(&bmp(124, 2, 2, 24, 0, &[srgb, (112, 124), (116, 100)], &profile)).5);
        let link = (56, u32::from_be_bytes(*b"LINK"));
        assert!(!size_and_model(&bmp(124, 2, 2, 24, 0, &[link, (112, 124), (116, 100)], &profile)).5);
        // A V4 header has no profile fields.
        assert!(!size_and_model(&bmp(108, 2, 2, 24, 0, &[mbed], &profile)).5);
    }

    #[test]
    fn extreme_sizes_are_reported() {
        let p = probe(&bmp(40, i32::MAX, i32::MIN, 24, 0, &[], &[])).unwrap();
        assert_eq!((p.width, p.height), (0x7FFF_FFFF, 0x8000_0000));
    }

    #[test]
    fn rejects_invalid_headers() {
        let malformed = |f: Vec<u8>| matches!(probe(&f), Err(ProbeError::Malformed { .. }));
        assert!(malformed(bmp(40, 0, 1, 24, 0, &[], &[])));
        assert!(malformed(bmp(40, -1, 1, 24, 0, &[], &[])));
        assert!(malformed(bmp(40, 1, 0, 24, 0, &[], &[])));
        assert!(malformed(core(0, 1, 8)));
        for size in [0, 4, 11, 13, 20, 41, 100, 125, u32::MAX] {
            let mut f = bmp(40, 1, 1, 24, 0, &[], &[0; 200]);
            f[14..18].copy_from_slice(&size.to_le_bytes());
            assert!(malformed(f), "{size}");
        }
        for bits in [0, 3, 5, 12, 40, 48, 64, 30_000] {
            assert!(malformed(bmp(40, 1, 1, bits, 0, &[], &[])), "{bits}");
        }
        assert!(malformed(core(1, 1, 16)));
        assert!(malformed(core(1, 1, 32)));
        // Compression that does not fit the bit count.
        assert!(malformed(bmp(40, 1, 1, 4, BI_RLE8, &[], &[])));
        assert!(malformed(bmp(40, 1, 1, 8, BI_RLE4, &[], &[])));
        assert!(malformed(bmp(40, 1, 1, 24, BI_BITFIELDS, &[], &[])));
        assert!(malformed(bmp(64, 1, 1, 8, 4, &[], &[])));
        assert!(malformed(bmp(40, 1, 1, 24, 7, &[], &[])));
        assert!(malformed(bmp(40, 1, 1, 24, u32::MAX, &[], &[])));
        // A palette larger than the bit count indexes.
        assert!(malformed(bmp(40, 1, 1, 4, 0, &[(32, 17)], &[])));
        assert!(probe(&bmp(40, 1, 1, 4, 0, &[(32, 16)], &[])).is_ok());
        // Pixels in another format.
        for compression in [BI_JPEG, BI_PNG, 11, 12, 13] {
            assert_eq!(probe(&bmp(40, 1, 1, 0, compression, &[], &[])), Err(ProbeError::UnsupportedFormat));
        }
    }

    #[test]
    fn every_prefix_gives_an_answer_and_cuts_inside_the_headers_are_truncation() {
        let argb = [
            (40, 0x00FF_0000),
            (44, 0x0000_FF00),
            (48, 0x0000_00FF),
            (52, 0xFF00_0000),
            (56, PROFILE_EMBEDDED),
            (112, 124),
            (116, 16),
        ];
        // (file, where the headers it needs end)
        for (f, needed) in [
            (bmp(124, 3, -4, 32, BI_BITFIELDS, &argb, &[0; 16]), 14 + 124),
            (bmp(40, 3, 4, 32, BI_ALPHABITFIELDS, &[], &[0xFF; 16]), 14 + 40 + 16),
            (bmp(64, 3, 4, 24, 4, &[], &[]), 14 + 64),
            (core(3, 4, 1), 14 + 12),
        ] {
            for n in 0..f.len() {
                let result = probe(&f[..n]);
                if n < 2 {
                    assert_eq!(result, Err(ProbeError::Truncated { what: "BMP file header" }));
                } else if n < needed {
                    assert!(matches!(result, Err(ProbeError::Truncated { .. })), "prefix {n}: {result:?}");
                } else {
                    let p = result.unwrap();
                    assert_eq!((p.width, p.height), (3, 4));
                    // The V5 profile (16 bytes after the header) counts only once it is all there.
                    assert_eq!(p.has_icc, n == f.len() && needed == 138, "prefix {n}");
                }
            }
        }
    }
}
