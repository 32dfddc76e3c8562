//! Probing: what an image is, read from its headers alone.
//!
//! [`probe()`] sniffs the format from the first bytes and hands the data to that format's
//! module, which walks only the structures it needs (markers, chunks, boxes, blocks) through a
//! bounds-checked `Reader` (the private `reader` module). Nothing is decoded and nothing is allocated in
//! proportion to what a header claims, so a header announcing 65535x65535 pixels or 40,000
//! frames costs no more than reading it; the limits are applied later by the planner.
//!
//! ```text
//! bytes ──sniff──▶ jpeg | png | gif | webp | bmp | isobmff (heif, avif) | tiff | svg ──▶ Probe
//!                     └── exif (shared: orientation from a TIFF-structured EXIF block)
//! ```

mod bmp;
mod exif;
mod gif;
mod isobmff;
mod jpeg;
mod png;
pub(crate) mod reader;
mod svg;
mod tiff;
mod webp;

pub use jpeg::{STD_CHROMINANCE, STD_LUMINANCE};

use std::fmt;

/// An input format mogr can probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ImageFormat {
    /// JPEG (JFIF, EXIF, Adobe).
    #[serde(rename = "jpg")]
    Jpeg,
    /// PNG, including animated PNG.
    Png,
    /// GIF, animated or not.
    Gif,
    /// WebP: lossy, lossless, extended, animated.
    Webp,
    /// Windows bitmap.
    Bmp,
    /// HEIF with HEVC images (HEIC).
    Heif,
    /// AVIF (HEIF with AV1 images).
    Avif,
    /// TIFF (input only).
    Tiff,
    /// SVG (input only, rasterised).
    Svg,
}

impl ImageFormat {
    /// The lower-case name `imageInfo` reports (`jpg`, `png`, `gif`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Png => "png",
            ImageFormat::Gif => "gif",
            ImageFormat::Webp => "webp",
            ImageFormat::Bmp => "bmp",
            ImageFormat::Heif => "heif",
            ImageFormat::Avif => "avif",
            ImageFormat::Tiff => "tiff",
            ImageFormat::Svg => "svg",
        }
    }
}

impl fmt::Display for ImageFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How stored pixels map to the upright picture: the eight EXIF orientations.
///
/// The name says where the stored image's first row and first column end up:
/// `TopLeft` (1) is upright; `RightTop` (6) is stored rotated 90° counter-clockwise and is
/// shown by rotating 90° clockwise.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Orientation {
    /// 1: upright.
    #[default]
    TopLeft,
    /// 2: mirrored left-right.
    TopRight,
    /// 3: rotated 180°.
    BottomRight,
    /// 4: mirrored top-bottom.
    BottomLeft,
    /// 5: mirrored along the main diagonal (transposed).
    LeftTop,
    /// 6: shown by rotating 90° clockwise.
    RightTop,
    /// 7: mirrored along the anti-diagonal (transversed).
    RightBottom,
    /// 8: shown by rotating 90° counter-clockwise.
    LeftBottom,
}

impl Orientation {
    /// The orientation for an EXIF `Orientation` value; `None` outside 1-8.
    pub const fn from_exif(value: u16) -> Option<Orientation> {
        Some(match value {
            1 => Orientation::TopLeft,
            2 => Orientation::TopRight,
            3 => Orientation::BottomRight,
            4 => Orientation::BottomLeft,
            5 => Orientation::LeftTop,
            6 => Orientation::RightTop,
            7 => Orientation::RightBottom,
            8 => Orientation::LeftBottom,
            _ => return None,
        })
    }

    /// The EXIF `Orientation` value, 1-8.
    pub const fn exif_value(self) -> u16 {
        match self {
            Orientation::TopLeft => 1,
            Orientation::TopRight => 2,
            Orientation::BottomRight => 3,
            Orientation::BottomLeft => 4,
            Orientation::LeftTop => 5,
            Orientation::RightTop => 6,
            Orientation::RightBottom => 7,
            Orientation::LeftBottom => 8,
        }
    }

    /// Whether showing the image upright swaps its width and height.
    pub const fn swaps_sides(self) -> bool {
        self.exif_value() >= 5
    }

    /// The operation as "mirror left-right (or not), then rotate clockwise by this many
    /// quarter turns".
    pub const fn parts(self) -> (bool, u8) {
        match self {
            Orientation::TopLeft => (false, 0),
            Orientation::RightTop => (false, 1),
            Orientation::BottomRight => (false, 2),
            Orientation::LeftBottom => (false, 3),
            Orientation::TopRight => (true, 0),
            Orientation::RightBottom => (true, 1),
            Orientation::BottomLeft => (true, 2),
            Orientation::LeftTop => (true, 3),
        }
    }

    /// The orientation of "mirror left-right if `mirror`, then rotate clockwise by
    /// `quarter_turns` × 90°".
    pub const fn from_parts(mirror: bool, quarter_turns: u8) -> Orientation {
        match (mirror, quarter_turns % 4) {
            (false, 0) => Orientation::TopLeft,
            (false, 1) => Orientation::RightTop,
            (false, 2) => Orientation::BottomRight,
            (false, _) => Orientation::LeftBottom,
            (true, 0) => Orientation::TopRight,
            (true, 1) => Orientation::RightBottom,
            (true, 2) => Orientation::BottomLeft,
            (true, _) => Orientation::LeftTop,
        }
    }

    /// This operation followed by `next` (e.g. HEIF `irot` then `imir`, in `ipma` order).
    pub const fn then(self, next: Orientation) -> Orientation {
        // R^r2 F^m2 R^r1 F^m1 = R^(r2 ± r1) F^(m1 xor m2), since F R = R^-1 F.
        let (m1, r1) = self.parts();
        let (m2, r2) = next.parts();
        let r1 = if m2 { (4 - r1) % 4 } else { r1 };
        Orientation::from_parts(m1 ^ m2, (r2 + r1) % 4)
    }
}

/// The colour model of the stored pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ColorModel {
    /// One channel of grey.
    Gray,
    /// Red, green, blue (also YCbCr-coded JPEG and video-coded HEIF/AVIF/WebP).
    Rgb,
    /// Cyan, magenta, yellow, black (also Adobe YCCK JPEG).
    Cmyk,
    /// Indices into a palette (PNG, GIF, BMP).
    Indexed,
}

/// What the headers say about an image.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Probe {
    /// The format.
    pub format: ImageFormat,
    /// Width of the stored pixels (for HEIF/AVIF the primary item's `ispe` cropped by its
    /// clean aperture `clap`, before `irot`/`imir`).
    pub width: u32,
    /// Height of the stored pixels.
    pub height: u32,
    /// Bits per channel (for indexed images: bits per index).
    pub bit_depth: u8,
    /// The colour model.
    pub color: ColorModel,
    /// Whether there is an alpha channel or transparency (`tRNS`, GIF transparent index,
    /// an AVIF/HEIF alpha item).
    pub has_alpha: bool,
    /// Whether an ICC profile is embedded.
    pub has_icc: bool,
    /// Whether EXIF data is present.
    pub has_exif: bool,
    /// Frames: 1 for a still image.
    pub frames: u32,
    /// For animations, how many times to play (0: forever); `None` for still images or when
    /// the file does not say.
    pub loop_count: Option<u32>,
    /// The EXIF orientation, which `auto-orient` applies (always `TopLeft` for HEIF/AVIF,
    /// whose EXIF orientation must be ignored: see `transform`).
    pub orientation: Orientation,
    /// A transform the format itself makes part of the picture, applied on every decode
    /// (HEIF/AVIF `irot` and `imir`); `TopLeft` for other formats.
    pub transform: Orientation,
    /// HEIF/AVIF whose clean aperture (`clap`) crops the coded picture before any `irot` or
    /// `imir` (as MIAF requires): where the stored picture (`width`×`height`) starts in the
    /// coded one, `(left, top)`, so a decoder can crop it itself. `None` for other formats,
    /// when nothing is cropped, or when a transform comes first (the codec library crops).
    pub aperture_origin: Option<(u32, u32)>,
    /// WebP: every image chunk is lossless (`VP8L`), so the picture was stored exactly.
    pub webp_lossless: bool,
    /// JPEG: the quality (0-100) estimated from the quantisation tables.
    pub jpeg_quality: Option<u8>,
    /// Progressive JPEG or interlaced PNG/GIF.
    pub progressive: bool,
    /// Length of the probed data in bytes.
    pub byte_len: u64,
}

impl Probe {
    /// A probe of a still, 8-bit RGB image without metadata: each format module fills in what
    /// its headers say.
    pub fn new(format: ImageFormat, width: u32, height: u32) -> Probe {
        Probe {
            format,
            width,
            height,
            bit_depth: 8,
            color: ColorModel::Rgb,
            has_alpha: false,
            has_icc: false,
            has_exif: false,
            frames: 1,
            loop_count: None,
            orientation: Orientation::TopLeft,
            transform: Orientation::TopLeft,
            aperture_origin: None,
            webp_lossless: false,
            jpeg_quality: None,
            progressive: false,
            byte_len: 0,
        }
    }

    /// The size a decoder produces: the stored size after [`transform`](Self::transform).
    pub fn decoded_size(&self) -> (u32, u32) {
        if self.transform.swaps_sides() { (self.height, self.width) } else { (self.width, self.height) }
    }

    /// Whether this is an animation (more than one frame).
    pub fn is_animated(&self) -> bool {
        self.frames > 1
    }
}

/// Why an image could not be probed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProbeError {
    /// The bytes are not in a format mogr reads (CI code -443).
    UnsupportedFormat,
    /// The data ends inside a header (CI code -62999).
    Truncated {
        /// The structure being read.
        what: &'static str,
    },
    /// A header is present but invalid (CI code -62999).
    Malformed {
        /// What is wrong, e.g. "PNG IHDR width is 0".
        what: &'static str,
    },
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeError::UnsupportedFormat => f.write_str("not an image format mogr reads"),
            ProbeError::Truncated { what } => write!(f, "the data ends inside the {what}"),
            ProbeError::Malformed { what } => write!(f, "invalid header: {what}"),
        }
    }
}

impl std::error::Error for ProbeError {}

/// Reads what an image is from its headers. See the module docs.
pub fn probe(data: &[u8]) -> Result<Probe, ProbeError> {
    let mut probe = probe_format(data)?;
    probe.byte_len = u64::try_from(data.len()).unwrap_or(u64::MAX);
    Ok(probe)
}

fn probe_format(data: &[u8]) -> Result<Probe, ProbeError> {
    match sniff(data) {
        Some(ImageFormat::Jpeg) => jpeg::probe(data),
        Some(ImageFormat::Png) => png::probe(data),
        Some(ImageFormat::Gif) => gif::probe(data),
        Some(ImageFormat::Webp) => webp::probe(data),
        Some(ImageFormat::Bmp) => bmp::probe(data),
        Some(ImageFormat::Heif | ImageFormat::Avif) => isobmff::probe(data),
        Some(ImageFormat::Tiff) => tiff::probe(data),
        Some(ImageFormat::Svg) => svg::probe(data),
        None => Err(ProbeError::UnsupportedFormat),
    }
}

/// The format the first bytes announce (for ISOBMFF any `ftyp` box: the module tells HEIF
/// from AVIF by its brands).
pub fn sniff(data: &[u8]) -> Option<ImageFormat> {
    let starts = |magic: &[u8]| data.starts_with(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some(ImageFormat::Gif)
    } else if starts(b"RIFF") && data.get(8..12) == Some(b"WEBP") {
        Some(ImageFormat::Webp)
    } else if starts(b"BM") {
        Some(ImageFormat::Bmp)
    } else if data.get(4..8) == Some(b"ftyp") {
        Some(ImageFormat::Heif)
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        Some(ImageFormat::Tiff)
    } else if svg::looks_like_svg(data) {
        Some(ImageFormat::Svg)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orientations_round_trip_through_exif_values() {
        for value in 1..=8 {
            assert_eq!(Orientation::from_exif(value).map(Orientation::exif_value), Some(value));
        }
        assert_eq!(Orientation::from_exif(0), None);
        assert_eq!(Orientation::from_exif(9), None);
    }

    #[test]
    fn parts_round_trip() {
        for value in 1..=8 {
            let o = Orientation::from_exif(value).unwrap();
            let (mirror, turns) = o.parts();
            assert_eq!(Orientation::from_parts(mirror, turns), o);
        }
    }

    #[test]
    fn composition_follows_the_dihedral_group() {
        use Orientation::*;
        assert_eq!(RightTop.then(RightTop), BottomRight);
        assert_eq!(RightTop.then(LeftBottom), TopLeft);
        assert_eq!(TopRight.then(TopRight), TopLeft);
        assert_eq!(LeftTop.then(LeftTop), TopLeft);
        assert_eq!(RightBottom.then(RightBottom), TopLeft);
        // Rotate 90° clockwise, then mirror left-right: the transpose (5).
        assert_eq!(RightTop.then(TopRight), LeftTop);
        // Mirror left-right, then rotate 180°: mirror top-bottom (4).
        assert_eq!(TopRight.then(BottomRight), BottomLeft);
    }

    #[test]
    fn unknown_bytes_are_unsupported() {
        assert_eq!(probe(b"hello world"), Err(ProbeError::UnsupportedFormat));
        assert_eq!(probe(b""), Err(ProbeError::UnsupportedFormat));
    }
}
