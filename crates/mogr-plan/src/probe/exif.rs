//! EXIF: the orientation tag from a TIFF-structured EXIF block, as JPEG APP1 (after
//! `Exif\0\0`), PNG `eXIf`, WebP `EXIF` and HEIF `Exif` items carry it.
//!
//! Only IFD0 is read, and only its entry count and entries: a hostile offset or count can
//! make the search fail, never read outside the block or loop.

use super::Orientation;
use super::reader::{Endian, Reader};

/// The EXIF tag number of `Orientation`.
const ORIENTATION_TAG: u16 = 0x0112;
/// The TIFF type number of SHORT.
const SHORT: u16 = 3;

/// The `Orientation` of IFD0 in `tiff` (starting with `II*\0` or `MM\0*`), if present and
/// valid (1-8).
pub(crate) fn orientation(tiff: &[u8]) -> Option<Orientation> {
    let mut r = Reader::new(tiff, "EXIF block");
    let endian = match &r.array::<2>().ok()? {
        b"II" => Endian::Little,
        b"MM" => Endian::Big,
        _ => return None,
    };
    if r.u16(endian).ok()? != 42 {
        return None;
    }
    let ifd0 = r.u32(endian).ok()?;
    r.seek(usize::try_from(ifd0).ok()?).ok()?;
    let entries = r.u16(endian).ok()?;
    for _ in 0..entries {
        let tag = r.u16(endian).ok()?;
        let kind = r.u16(endian).ok()?;
        let count = r.u32(endian).ok()?;
        let value = r.array::<4>().ok()?;
        if tag == ORIENTATION_TAG && kind == SHORT && count >= 1 {
            let value = match endian {
                Endian::Little => u16::from_le_bytes([value[0], value[1]]),
                Endian::Big => u16::from_be_bytes([value[0], value[1]]),
            };
            return Orientation::from_exif(value);
        }
    }
    None
}

/// Strips the `Exif\0\0` header that JPEG APP1 (and some PNG/WebP writers) put before the
/// TIFF structure.
pub(crate) fn tiff_part(block: &[u8]) -> &[u8] {
    block.strip_prefix(b"Exif\0\0").unwrap_or(block)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal EXIF block with one IFD0 entry: header, IFD0 at 8, one entry.
    fn block(endian: Endian, tag: u16, kind: u16, value: u16) -> Vec<u8> {
        let little = endian == Endian::Little;
        let half = |v: u16| if little { v.to_le_bytes() } else { v.to_be_bytes() };
        let word = |v: u32| if little { v.to_le_bytes() } else { v.to_be_bytes() };
        let mut b = Vec::new();
        b.extend(if little { b"II" } else { b"MM" });
        b.extend(half(42));
        b.extend(word(8));
        b.extend(half(1));
        b.extend(half(tag));
        b.extend(half(kind));
        b.extend(word(1));
        b.extend(half(value));
        b.extend([0, 0]);
        b
    }

    #[test]
    fn reads_orientation_in_both_byte_orders() {
        assert_eq!(orientation(&block(Endian::Little, 0x0112, 3, 6)), Some(Orientation::RightTop));
        assert_eq!(orientation(&block(Endian::Big, 0x0112, 3, 8)), Some(Orientation::LeftBottom));
        assert_eq!(
            orientation(tiff_part(&[b"Exif\0\0".as_slice(), &block(Endian::Big, 0x0112, 3, 3)].concat())),
            Some(Orientation::BottomRight)
        );
    }

    #[test]
    fn ignores_other_tags_bad_values_and_bad_offsets() {
        assert_eq!(orientation(&block(Endian::Little, 0x0110, 3, 6)), None);
        assert_eq!(orientation(&block(Endian::Little, 0x0112, 3, 9)), None);
        assert_eq!(orientation(&block(Endian::Little, 0x0112, 4, 6)), None);
        let mut bad = block(Endian::Little, 0x0112, 3, 6);
        bad[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(orientation(&bad), None);
        let mut many = block(Endian::Little, 0x0110, 3, 6);
        many[8..10].copy_from_slice(&u16::MAX.to_le_bytes());
        assert_eq!(orientation(&many), None);
    }
}
