//! HEIF and AVIF (ISOBMFF): the `ftyp` brands, the primary image item of `meta` and, for
//! image sequences, the first video track of `moov`.
//!
//! ```text
//! file = ftyp box* ......................................... (see `boxes` for the box layer)
//! ftyp = major_brand(4cc) minor_version(u32) compatible_brands(4cc)*
//!        image brands: avif avis (AV1) | heic heix hevc hevx heim heis (HEVC) | mif1 msf1 miaf
//! meta → the primary item: size (ispe, clap), depth, alpha, ICC, EXIF, irot/imir (see `items`)
//! moov → the first video track: frames, size, play count ................ (see `sequence`)
//! ```
//!
//! Which format: the primary item's coding decides (`av01` → AVIF, `hvc1` → HEIF; a `grid`,
//! `iovl` or `iden` item by its first `dimg` input); where that cannot be resolved (a grid
//! without inputs), the brands do (AVIF brands first, then HEVC ones); for a sequence without
//! a still item, the track's sample entry (`av01`, `hvc1`/`hev1`). A file without any image
//! brand, or whose image is coded otherwise (JPEG, VVC, uncompressed items), is
//! [`ProbeError::UnsupportedFormat`]; so is an image-branded file with neither a `pict` item
//! nor a video track.
//!
//! Orientation: [`Probe::orientation`] is always `TopLeft`. HEIF and MIAF make `irot` and
//! `imir` the display orientation, and an EXIF `Orientation` tag in an `Exif` item must not be
//! applied on top of them (iPhone files carry both, and rotating twice is the classic bug);
//! `irot`/`imir` go to [`Probe::transform`], composed in `ipma` order: `irot` angle `a` is
//! `a` × 90° anti-clockwise; `imir` axis 0 exchanges top and bottom and axis 1 left and right,
//! as ISO/IEC 23008-12:2022 words it and libavif and libheif apply it (the 2017 wording, "a
//! vertical axis" for 0, is often read the other way round; link-u's
//! `kimono.mirror-vertical.rotate270` sample only comes out upright with the 2022 reading).
//! The size is the stored size before the transform: `ispe` cropped by the clean aperture
//! (`clap`), which every decoder applies (see `clap`).
//!
//! Sequences: the frame count comes from `moov` when the brands name a sequence (`avis`, `msf1`,
//! `hevc`, `hevx`) or there is no still item. A file with both reports the still item's size, depth
//! and transform and the track's frame count and play count; alpha if either has it.
//! [`Probe::loop_count`] is `None` unless an edit list says otherwise (see `sequence`).
//!
//! Leniency, where libheif is lenient too: several `ipma` boxes are read as one list (the
//! link-u plum-blossom samples are non-conformant that way; libavif refuses them, libheif
//! reads them); unknown full-box versions are read where the layout does not depend on them
//! (`hdlr`, `ispe`, `pixi`, `ipma` v2+ as v1); padding under 8 bytes at the end of a box is
//! ignored. At the top level a cut box other than `ftyp`, `meta` or `moov` (usually `mdat`)
//! ends the walk: its contents are the decoder's business.

mod boxes;
mod clap;
mod config;
mod items;
mod sequence;
#[cfg(test)]
mod tests;

use super::{ColorModel, ImageFormat, Probe, ProbeError};
use boxes::{Boxes, malformed};

/// Brands that announce AV1 images or sequences.
const AVIF_BRANDS: [[u8; 4]; 2] = [*b"avif", *b"avis"];
/// Brands that announce HEVC images or sequences.
const HEIC_BRANDS: [[u8; 4]; 6] = [*b"heic", *b"heix", *b"hevc", *b"hevx", *b"heim", *b"heis"];
/// Brands of HEIF in general (any coding).
const GENERIC_BRANDS: [[u8; 4]; 3] = [*b"mif1", *b"msf1", *b"miaf"];
/// Brands that announce an image sequence.
const SEQUENCE_BRANDS: [[u8; 4]; 4] = [*b"avis", *b"msf1", *b"hevc", *b"hevx"];

/// How an image is coded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Coding {
    /// AV1 (`av01`): AVIF.
    Av1,
    /// HEVC (`hvc1`, `hev1`): HEIC.
    Hevc,
    /// A derived image whose inputs could not be followed: the brands decide.
    Unresolved,
    /// Another coding mogr does not decode.
    Other,
}

/// Reads a HEIF or AVIF file's format, size, depth, alpha, ICC and EXIF presence, transform,
/// and for image sequences the frame and play counts. See the module docs.
pub(crate) fn probe(data: &[u8]) -> Result<Probe, ProbeError> {
    let mut top = Boxes::top(data);
    let ftyp = match top.next() {
        Some(Ok(b)) if &b.kind == b"ftyp" => b,
        Some(Err(e)) => return Err(e),
        _ => return Err(ProbeError::UnsupportedFormat),
    };
    if ftyp.cut {
        return Err(ProbeError::Truncated { what: "ftyp box" });
    }
    let brands = Brands::read(ftyp.body)?;
    if !brands.any(&AVIF_BRANDS) && !brands.any(&HEIC_BRANDS) && !brands.any(&GENERIC_BRANDS) {
        return Err(ProbeError::UnsupportedFormat);
    }
    let sequence_brand = brands.any(&SEQUENCE_BRANDS);

    let (mut meta, mut moov, mut cut) = (None, None, false);
    for b in top {
        // A partial box header at the end: the file is cut there.
        let Ok(b) = b else {
            cut = true;
            break;
        };
        match &b.kind {
            b"meta" if b.cut => return Err(ProbeError::Truncated { what: "HEIF meta box" }),
            b"moov" if b.cut => return Err(ProbeError::Truncated { what: "moov box" }),
            b"meta" => _ = meta.get_or_insert(b.body),
            b"moov" => _ = moov.get_or_insert(b.body),
            _ => cut |= b.cut,
        }
        if meta.is_some() && (moov.is_some() || !sequence_brand) {
            break;
        }
    }

    let still = match meta {
        Some(meta) => items::read(meta)?,
        None => None,
    };
    let track = match moov {
        Some(moov) if sequence_brand || still.is_none() => sequence::read(moov)?,
        _ => None,
    };
    match (still, track) {
        (Some(still), track) => {
            let mut p = Probe::new(format_of(still.coding, &brands)?, still.width, still.height);
            p.bit_depth = still.bit_depth.unwrap_or(8);
            p.color = if still.gray { ColorModel::Gray } else { ColorModel::Rgb };
            p.has_alpha = still.has_alpha;
            p.has_icc = still.has_icc;
            p.has_exif = still.has_exif;
            p.transform = still.transform;
            p.aperture_origin = still.aperture_origin;
            if let Some(track) = track.filter(|t| t.frames > 1) {
                p.frames = track.frames;
                p.loop_count = track.loop_count;
                p.has_alpha |= track.has_alpha;
            }
            Ok(p)
        }
        (None, Some(track)) => {
            if track.frames == 0 {
                return Err(malformed("image sequence track has no samples"));
            }
            if track.width == 0 || track.height == 0 {
                return Err(malformed("image sequence track width or height is 0"));
            }
            let mut p = Probe::new(format_of(track.coding, &brands)?, track.width, track.height);
            if let Some(codec) = track.codec {
                p.bit_depth = codec.bit_depth;
                p.color = if codec.gray { ColorModel::Gray } else { ColorModel::Rgb };
            }
            p.has_alpha = track.has_alpha;
            p.frames = track.frames;
            p.loop_count = track.loop_count.filter(|_| track.frames > 1);
            Ok(p)
        }
        (None, None) if cut => Err(ProbeError::Truncated { what: "HEIF file before its meta box" }),
        (None, None) => Err(ProbeError::UnsupportedFormat),
    }
}

/// The format for a coding; the brands decide for [`Coding::Unresolved`].
fn format_of(coding: Coding, brands: &Brands<'_>) -> Result<ImageFormat, ProbeError> {
    match coding {
        Coding::Av1 => Ok(ImageFormat::Avif),
        Coding::Hevc => Ok(ImageFormat::Heif),
        Coding::Unresolved => brands.format().ok_or(ProbeError::UnsupportedFormat),
        Coding::Other => Err(ProbeError::UnsupportedFormat),
    }
}

/// The brands of `ftyp`.
struct Brands<'a> {
    major: [u8; 4],
    compatible: &'a [u8],
}

impl<'a> Brands<'a> {
    /// Reads an `ftyp` body: `major_brand(4cc) minor_version(u32) compatible_brands(4cc)*`
    /// (a partial brand at the end is ignored).
    fn read(ftyp: &'a [u8]) -> Result<Brands<'a>, ProbeError> {
        let (&major, rest) = ftyp.split_first_chunk::<4>().ok_or(malformed("ftyp box is shorter than 8 bytes"))?;
        let compatible = rest.get(4..).ok_or(malformed("ftyp box is shorter than 8 bytes"))?;
        Ok(Brands { major, compatible })
    }

    /// The major brand, then the compatible ones.
    fn all(&self) -> impl Iterator<Item = [u8; 4]> + '_ {
        let compatible = self.compatible.chunks_exact(4).filter_map(|c| <[u8; 4]>::try_from(c).ok());
        std::iter::once(self.major).chain(compatible)
    }

    /// Whether any brand is one of `set`.
    fn any(&self, set: &[[u8; 4]]) -> bool {
        self.all().any(|b| set.contains(&b))
    }

    /// The format the brands announce: the major brand's, else AVIF if any brand is AVIF's,
    /// else HEIF if any is HEVC's.
    fn format(&self) -> Option<ImageFormat> {
        if AVIF_BRANDS.contains(&self.major) {
            Some(ImageFormat::Avif)
        } else if HEIC_BRANDS.contains(&self.major) {
            Some(ImageFormat::Heif)
        } else if self.any(&AVIF_BRANDS) {
            Some(ImageFormat::Avif)
        } else if self.any(&HEIC_BRANDS) {
            Some(ImageFormat::Heif)
        } else {
            None
        }
    }
}
