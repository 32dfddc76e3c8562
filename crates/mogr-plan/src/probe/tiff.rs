//! TIFF: the header and the first image file directory (IFD0), which describes the first page.
//!
//! ```text
//! header = ("II" 42:u16le | "MM" 42:u16be) ifd0_offset:u32
//! ifd    = count:u16 entry[count] next_ifd:u32
//! entry  = tag:u16 type:u16 count:u32 value_or_offset:4
//! ```
//!
//! An entry's values sit in its 4-byte field when they fit (`count × size of type ≤ 4`) and at
//! the offset that field holds otherwise; such values are read through a bounds-checked
//! [`Reader`], and at most [`MAX_VALUES`] of them. Tags read from IFD0:
//!
//! | tag | name | gives |
//! | --- | --- | --- |
//! | 256, 257 | ImageWidth, ImageLength | the size (required) |
//! | 258 | BitsPerSample | `bit_depth`: the largest value (default 1) |
//! | 262 | PhotometricInterpretation | `color` (below) |
//! | 274 | Orientation | `orientation` (TIFF's own tag, the one EXIF copies) |
//! | 277 | SamplesPerPixel | the colour model when Photometric is missing |
//! | 338 | ExtraSamples | `has_alpha` when one is 1 (associated) or 2 (unassociated alpha) |
//! | 34665 | Exif IFD pointer | `has_exif` |
//! | 34675 | ICC profile | `has_icc` |
//!
//! Decisions where the format leaves room:
//!
//! - Photometric 0 and 1 (WhiteIsZero, BlackIsZero) and 4 (transparency mask) are `Gray`,
//!   3 (palette) `Indexed`, 5 (separated, assumed CMYK) `Cmyk`; 2 (RGB), 6 (YCbCr, decoded to
//!   RGB), 8/9/10 (CIELab, ICCLab, ITULab: converted to RGB) and every other value are `Rgb`.
//!   When the tag is missing, 1-2 samples per pixel mean `Gray`, more mean `Rgb`.
//! - An ExtraSamples value of 0 (unspecified data) is not alpha.
//! - mogr processes the first page of a TIFF, so `frames` is 1 even for a multi-page file; the
//!   next-IFD pointer is never followed.
//! - BigTIFF (version 43) is refused as [`ProbeError::UnsupportedFormat`]: `sniff` does not
//!   recognise it either, and the decoders mogr uses need not handle it.
//! - IFD0 may hold at most [`MAX_ENTRIES`] entries (real files have a few dozen); more is
//!   [`ProbeError::Malformed`]. When a tag appears twice the first one counts, as in libtiff.
//! - Planar configuration, compression and strip/tile layout are the decoder's business.

use super::reader::{Endian, Reader};
use super::{ColorModel, ImageFormat, Orientation, Probe, ProbeError};

/// The most IFD0 entries read.
const MAX_ENTRIES: u16 = 1024;
/// The most values read from one entry (BitsPerSample, ExtraSamples).
const MAX_VALUES: u32 = 16;

const IMAGE_WIDTH: u16 = 256;
const IMAGE_LENGTH: u16 = 257;
const BITS_PER_SAMPLE: u16 = 258;
const PHOTOMETRIC: u16 = 262;
const ORIENTATION: u16 = 274;
const SAMPLES_PER_PIXEL: u16 = 277;
const EXTRA_SAMPLES: u16 = 338;
const EXIF_IFD: u16 = 34665;
const ICC_PROFILE: u16 = 34675;

/// Reads a TIFF's first page: size, bit depth, colour model, alpha, orientation, ICC and EXIF
/// presence (see the module docs for the tags).
pub(crate) fn probe(data: &[u8]) -> Result<Probe, ProbeError> {
    let mut r = Reader::new(data, "TIFF header");
    let endian = match &r.array::<2>()? {
        b"II" => Endian::Little,
        b"MM" => Endian::Big,
        _ => return Err(ProbeError::UnsupportedFormat),
    };
    match r.u16(endian)? {
        42 => {}
        43 => return Err(ProbeError::UnsupportedFormat),
        _ => return Err(ProbeError::Malformed { what: "TIFF version is not 42" }),
    }
    let ifd0 = r.u32(endian)?;
    let mut r = r.reading("TIFF IFD0");
    r.seek(usize::try_from(ifd0).unwrap_or(usize::MAX))?;
    let count = r.u16(endian)?;
    if count == 0 {
        return Err(ProbeError::Malformed { what: "TIFF IFD0 has no entries" });
    }
    if count > MAX_ENTRIES {
        return Err(ProbeError::Malformed { what: "TIFF IFD0 has too many entries" });
    }

    let mut tags = Tags::default();
    for _ in 0..count {
        let entry = Entry::read(&mut r, endian)?;
        tags.note(entry);
    }
    tags.into_probe(data, endian)
}

/// One IFD entry, its values not yet read.
#[derive(Clone, Copy, Debug)]
struct Entry {
    tag: u16,
    kind: u16,
    count: u32,
    /// The value field: the values themselves, or their offset.
    field: [u8; 4],
}

impl Entry {
    /// `tag:u16 type:u16 count:u32 value_or_offset:4`.
    fn read(r: &mut Reader<'_>, endian: Endian) -> Result<Entry, ProbeError> {
        Ok(Entry { tag: r.u16(endian)?, kind: r.u16(endian)?, count: r.u32(endian)?, field: r.array::<4>()? })
    }

    /// Calls `f` with up to `limit` of the entry's values, for the unsigned integer types
    /// BYTE (1), SHORT (3), LONG (4) and IFD (13); other types give
    /// [`ProbeError::Malformed`] naming `what`.
    fn values(
        &self,
        data: &[u8],
        endian: Endian,
        limit: u32,
        what: &'static str,
        mut f: impl FnMut(u32),
    ) -> Result<(), ProbeError> {
        let size: u8 = match self.kind {
            1 => 1,
            3 => 2,
            4 | 13 => 4,
            _ => return Err(ProbeError::Malformed { what }),
        };
        let n = self.count.min(limit);
        let inline = u64::from(self.count) * u64::from(size) <= 4;
        let mut r = if inline {
            Reader::new(&self.field, what)
        } else {
            let offset = match endian {
                Endian::Little => u32::from_le_bytes(self.field),
                Endian::Big => u32::from_be_bytes(self.field),
            };
            let mut r = Reader::new(data, what);
            r.seek(usize::try_from(offset).unwrap_or(usize::MAX))?;
            r
        };
        for _ in 0..n {
            f(match size {
                1 => u32::from(r.u8()?),
                2 => u32::from(r.u16(endian)?),
                _ => r.u32(endian)?,
            });
        }
        Ok(())
    }

    /// The first value (see [`values`](Self::values)); `None` when the count is 0.
    fn first(&self, data: &[u8], endian: Endian, what: &'static str) -> Result<Option<u32>, ProbeError> {
        let mut first = None;
        self.values(data, endian, 1, what, |v| first = Some(v))?;
        Ok(first)
    }
}

/// The IFD0 entries this module reads (the first of each tag).
#[derive(Default)]
struct Tags {
    width: Option<Entry>,
    height: Option<Entry>,
    bits: Option<Entry>,
    photometric: Option<Entry>,
    orientation: Option<Entry>,
    samples: Option<Entry>,
    extra: Option<Entry>,
    has_exif: bool,
    has_icc: bool,
}

impl Tags {
    /// Keeps `entry` if it is one of the tags read and the first of its tag.
    fn note(&mut self, entry: Entry) {
        let slot = match entry.tag {
            IMAGE_WIDTH => &mut self.width,
            IMAGE_LENGTH => &mut self.height,
            BITS_PER_SAMPLE => &mut self.bits,
            PHOTOMETRIC => &mut self.photometric,
            ORIENTATION => &mut self.orientation,
            SAMPLES_PER_PIXEL => &mut self.samples,
            EXTRA_SAMPLES => &mut self.extra,
            EXIF_IFD => {
                self.has_exif = true;
                return;
            }
            ICC_PROFILE => {
                self.has_icc |= entry.count > 0;
                return;
            }
            _ => return,
        };
        if slot.is_none() {
            *slot = Some(entry);
        }
    }

    /// Reads the kept entries' values into a probe.
    fn into_probe(self, data: &[u8], endian: Endian) -> Result<Probe, ProbeError> {
        let side = |entry: Option<Entry>, what: &'static str| -> Result<u32, ProbeError> {
            let value = entry.ok_or(ProbeError::Malformed { what })?.first(data, endian, what)?;
            value.filter(|&v| v > 0).ok_or(ProbeError::Malformed { what })
        };
        let width = side(self.width, "TIFF ImageWidth is missing or 0")?;
        let height = side(self.height, "TIFF ImageLength is missing or 0")?;
        let mut probe = Probe::new(ImageFormat::Tiff, width, height);

        let mut bits = 1;
        if let Some(entry) = self.bits {
            bits = 0;
            entry.values(data, endian, MAX_VALUES, "TIFF BitsPerSample", |v| bits = bits.max(v))?;
            if entry.count == 0 {
                bits = 1;
            }
        }
        probe.bit_depth = u8::try_from(bits)
            .ok()
            .filter(|&b| b > 0)
            .ok_or(ProbeError::Malformed { what: "TIFF BitsPerSample is 0 or over 255" })?;

        let samples = match self.samples {
            Some(entry) => entry.first(data, endian, "TIFF SamplesPerPixel")?.unwrap_or(1),
            None => 1,
        };
        let photometric = match self.photometric {
            Some(entry) => entry.first(data, endian, "TIFF PhotometricInterpretation")?,
            None => None,
        };
        probe.color = match photometric {
            Some(0 | 1 | 4) => ColorModel::Gray,
            Some(3) => ColorModel::Indexed,
            Some(5) => ColorModel::Cmyk,
            Some(_) => ColorModel::Rgb,
            None if samples <= 2 => ColorModel::Gray,
            None => ColorModel::Rgb,
        };

        if let Some(entry) = self.extra {
            let mut alpha = false;
            entry.values(data, endian, MAX_VALUES, "TIFF ExtraSamples", |v| alpha |= v == 1 || v == 2)?;
            probe.has_alpha = alpha;
        }

        if let Some(entry) = self.orientation {
            // A value outside 1-8 (or of another type) is ignored, as the EXIF reader does.
            let value = entry.first(data, endian, "TIFF Orientation").ok().flatten();
            let orientation = value.and_then(|v| u16::try_from(v).ok()).and_then(Orientation::from_exif);
            probe.orientation = orientation.unwrap_or_default();
        }

        probe.has_exif = self.has_exif;
        probe.has_icc = self.has_icc;
        Ok(probe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An IFD entry: tag, type, count, value field.
    type RawEntry = (u16, u16, u32, [u8; 4]);

    /// A TIFF with IFD0 at offset 8 holding `entries` and `extra` bytes after the IFD (for
    /// values stored at offsets).
    fn tiff(endian: Endian, entries: &[RawEntry], extra: &[u8]) -> Vec<u8> {
        let u16b = |v: u16| if endian == Endian::Little { v.to_le_bytes() } else { v.to_be_bytes() };
        let u32b = |v: u32| long(endian, v);
        let mut b = Vec::new();
        b.extend(if endian == Endian::Little { b"II" } else { b"MM" });
        b.extend(u16b(42));
        b.extend(u32b(8));
        b.extend(u16b(u16::try_from(entries.len()).unwrap()));
        for &(tag, kind, count, field) in entries {
            b.extend(u16b(tag));
            b.extend(u16b(kind));
            b.extend(u32b(count));
            b.extend(field);
        }
        b.extend(u32b(0));
        b.extend(extra);
        b
    }

    /// Where `extra` starts in a file made by [`tiff`] with `n` entries.
    fn extra_offset(n: usize) -> u32 {
        u32::try_from(8 + 2 + 12 * n + 4).unwrap()
    }

    fn short(endian: Endian, v: u16) -> [u8; 4] {
        let b = if endian == Endian::Little { v.to_le_bytes() } else { v.to_be_bytes() };
        [b[0], b[1], 0, 0]
    }

    fn long(endian: Endian, v: u32) -> [u8; 4] {
        if endian == Endian::Little { v.to_le_bytes() } else { v.to_be_bytes() }
    }

    /// An RGBA 16-bit file with orientation 6, EXIF and ICC, BitsPerSample at an offset.
    fn rgba(endian: Endian) -> Vec<u8> {
        let s = |v| short(endian, v);
        let entries = [
            (256, 4, 1, long(endian, 70000)),
            (257, 3, 1, s(300)),
            (258, 3, 4, long(endian, extra_offset(9))),
            (262, 3, 1, s(2)),
            (274, 3, 1, s(6)),
            (277, 3, 1, s(4)),
            (338, 3, 1, s(2)),
            (34665, 4, 1, long(endian, 0)),
            (34675, 7, 100, long(endian, 0)),
        ];
        let bits: Vec<u8> = [16u16, 16, 16, 8]
            .iter()
            .flat_map(|&v| if endian == Endian::Little { v.to_le_bytes() } else { v.to_be_bytes() })
            .collect();
        tiff(endian, &entries, &bits)
    }

    #[test]
    fn reads_both_byte_orders() {
        for endian in [Endian::Little, Endian::Big] {
            let p = probe(&rgba(endian)).unwrap();
            assert_eq!((p.format, p.width, p.height, p.bit_depth), (ImageFormat::Tiff, 70000, 300, 16));
            assert_eq!(p.color, ColorModel::Rgb);
            assert!(p.has_alpha && p.has_exif && p.has_icc);
            assert_eq!((p.orientation, p.frames), (Orientation::RightTop, 1));
        }
    }

    #[test]
    fn defaults_and_colour_models() {
        let e = Endian::Little;
        let s = |v| short(e, v);
        let base = [(256, 3, 1, s(10)), (257, 3, 1, s(20))];
        let p = probe(&tiff(e, &base, &[])).unwrap();
        assert_eq!(
            (p.bit_depth, p.color, p.has_alpha, p.has_exif, p.has_icc),
            (1, ColorModel::Gray, false, false, false)
        );
        for (photometric, color) in [
            (0, ColorModel::Gray),
            (1, ColorModel::Gray),
            (2, ColorModel::Rgb),
            (3, ColorModel::Indexed),
            (5, ColorModel::Cmyk),
            (6, ColorModel::Rgb),
            (8, ColorModel::Rgb),
            (32844, ColorModel::Rgb),
        ] {
            let p = probe(&tiff(e, &[base[0], base[1], (262, 3, 1, s(photometric))], &[])).unwrap();
            assert_eq!(p.color, color, "photometric {photometric}");
        }
        let p = probe(&tiff(e, &[base[0], base[1], (277, 3, 1, s(3))], &[])).unwrap();
        assert_eq!(p.color, ColorModel::Rgb);
        // ExtraSamples 0 (unspecified) is not alpha; three extra samples at an offset, one alpha.
        let p = probe(&tiff(e, &[base[0], base[1], (338, 3, 1, s(0))], &[])).unwrap();
        assert!(!p.has_alpha);
        let extra = [0, 0, 0, 0, 1, 0];
        let p = probe(&tiff(e, &[base[0], base[1], (338, 3, 3, long(e, extra_offset(3)))], &extra)).unwrap();
        assert!(p.has_alpha);
        // A bad orientation is ignored; the first of two equal tags counts.
        let p = probe(&tiff(e, &[base[0], base[1], (274, 3, 1, s(9))], &[])).unwrap();
        assert_eq!(p.orientation, Orientation::TopLeft);
        let p = probe(&tiff(e, &[base[0], (256, 3, 1, s(99)), base[1]], &[])).unwrap();
        assert_eq!(p.width, 10);
        // Byte-typed sizes are read too.
        let p = probe(&tiff(e, &[(256, 1, 1, [7, 0, 0, 0]), (257, 1, 1, [9, 0, 0, 0])], &[])).unwrap();
        assert_eq!((p.width, p.height), (7, 9));
    }

    #[test]
    fn rejects_bad_headers() {
        let e = Endian::Big;
        let s = |v| short(e, v);
        let malformed = |file: &[u8]| matches!(probe(file), Err(ProbeError::Malformed { .. }));
        assert!(malformed(&tiff(e, &[(257, 3, 1, s(20))], &[])));
        assert!(malformed(&tiff(e, &[(256, 3, 1, s(0)), (257, 3, 1, s(20))], &[])));
        assert!(malformed(&tiff(e, &[(256, 3, 0, s(5)), (257, 3, 1, s(20))], &[])));
        assert!(malformed(&tiff(e, &[(256, 5, 1, s(5)), (257, 3, 1, s(20))], &[])));
        assert!(malformed(&tiff(e, &[(256, 3, 1, s(5)), (257, 3, 1, s(5)), (258, 3, 1, s(0))], &[])));
        assert!(malformed(&tiff(e, &[(256, 3, 1, s(5)), (257, 3, 1, s(5)), (258, 3, 1, s(256))], &[])));
        assert!(malformed(&tiff(e, &[], &[])));
        let mut version = tiff(e, &[(256, 3, 1, s(5)), (257, 3, 1, s(5))], &[]);
        version[3] = 44;
        assert!(malformed(&version));
        version[3] = 43;
        assert_eq!(probe(&version), Err(ProbeError::UnsupportedFormat));
    }

    #[test]
    fn absurd_counts_and_offsets_cost_nothing() {
        let e = Endian::Little;
        let s = |v| short(e, v);
        let base = [(256, 3, 1, s(65535)), (257, 4, 1, long(e, u32::MAX))];
        // Four billion BitsPerSample values at an offset past the data.
        let far = tiff(e, &[base[0], base[1], (258, 3, u32::MAX, long(e, u32::MAX))], &[]);
        assert!(matches!(probe(&far), Err(ProbeError::Truncated { .. })));
        // Four billion values at a valid offset: only MAX_VALUES are read.
        let near = tiff(e, &[base[0], base[1], (258, 3, u32::MAX, long(e, extra_offset(3)))], &[8, 0].repeat(16));
        let p = probe(&near).unwrap();
        assert_eq!((p.width, p.height, p.bit_depth), (65535, u32::MAX, 8));
        // An IFD offset past the data, an entry count past the data, too many entries.
        let mut file = tiff(e, &base, &[]);
        file[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(probe(&file), Err(ProbeError::Truncated { .. })));
        let mut file = tiff(e, &base, &[]);
        file[8..10].copy_from_slice(&1000u16.to_le_bytes());
        assert!(matches!(probe(&file), Err(ProbeError::Truncated { .. })));
        file[8..10].copy_from_slice(&u16::MAX.to_le_bytes());
        assert!(matches!(probe(&file), Err(ProbeError::Malformed { .. })));
        // An ICC profile or EXIF IFD at an absurd offset is only noted, never followed.
        let file =
            tiff(e, &[base[0], base[1], (34665, 4, 1, long(e, u32::MAX)), (34675, 7, u32::MAX, long(e, 9))], &[]);
        let p = probe(&file).unwrap();
        assert!(p.has_exif && p.has_icc);
    }

    #[test]
    fn every_prefix_is_an_error_or_a_probe() {
        for endian in [Endian::Little, Endian::Big] {
            let file = rgba(endian);
            for end in 0..file.len() {
                assert!(probe(&file[..end]).is_err(), "prefix of {end} bytes");
            }
        }
    }
}
