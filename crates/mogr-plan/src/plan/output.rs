//! How a stage's result is encoded: format, frames, quality.
//!
//! Quality rules (spec, "Quality Change"), for the lossy formats (JPEG, WebP, AVIF, HEIF):
//! the starting point is the input's quality (a JPEG's, estimated from its tables; for other
//! inputs [`DEFAULT_QUALITY`]); then `rquality/r` makes it `round(base × r / 100)`;
//! `quality/q` caps it at `q` (`q!` sets it to `q`); `lquality/l` raises it to at least `l`.

use mogr_syntax::ast::{Format, Quality};
use serde::Serialize;

use super::PlanError;
use crate::probe::ImageFormat;

/// The quality used when the input's is unknown (a non-JPEG input): libvips' and sharp's
/// default is 80, ImageMagick's 92; 85 sits between, visually transparent for photos.
pub const DEFAULT_QUALITY: u8 = 85;

/// A format mogr writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// JPEG (also `jpeg` and `yjpeg`).
    #[serde(rename = "jpg")]
    Jpeg,
    /// PNG.
    Png,
    /// GIF, animated or not.
    Gif,
    /// WebP, animated or not.
    Webp,
    /// BMP.
    Bmp,
    /// AVIF.
    Avif,
    /// HEIF (HEVC in an `.heif` file).
    Heif,
    /// HEIC (HEVC in an `.heic` file).
    Heic,
    /// SVG, compressed (`svgc`; SVG input only).
    Svgc,
}

impl OutputFormat {
    /// What an unconverted input becomes: its own format where mogr can write it; TIFF and
    /// SVG, which mogr reads only, become PNG (lossless, keeps alpha).
    pub fn from_input(format: ImageFormat) -> OutputFormat {
        match format {
            ImageFormat::Jpeg => OutputFormat::Jpeg,
            ImageFormat::Gif => OutputFormat::Gif,
            ImageFormat::Webp => OutputFormat::Webp,
            ImageFormat::Bmp => OutputFormat::Bmp,
            ImageFormat::Heif => OutputFormat::Heic,
            ImageFormat::Avif => OutputFormat::Avif,
            _ => OutputFormat::Png,
        }
    }

    /// The format a `format/<name>` asks for; `tpg` and `svgc` of a non-SVG input cannot be
    /// made (-443).
    pub fn requested(format: Format, input: ImageFormat) -> Result<OutputFormat, PlanError> {
        Ok(match format {
            Format::Jpg | Format::Jpeg | Format::Yjpeg => OutputFormat::Jpeg,
            Format::Png => OutputFormat::Png,
            Format::Bmp => OutputFormat::Bmp,
            Format::Gif => OutputFormat::Gif,
            Format::Webp => OutputFormat::Webp,
            Format::Avif => OutputFormat::Avif,
            Format::Heif => OutputFormat::Heif,
            Format::Heic => OutputFormat::Heic,
            Format::Svgc if input == ImageFormat::Svg => OutputFormat::Svgc,
            Format::Svgc => {
                return Err(PlanError::UnsupportedFormat("format/svgc compresses SVG input only".into()));
            }
            Format::Tpg => {
                return Err(PlanError::UnsupportedFormat(
                    "format/tpg: Tencent's TPG has no public specification, so mogr cannot write it".into(),
                ));
            }
        })
    }

    /// The format's keyword (`jpg`, `png`, ..., `svgc`), as JSON names it.
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "jpg",
            OutputFormat::Png => "png",
            OutputFormat::Gif => "gif",
            OutputFormat::Webp => "webp",
            OutputFormat::Bmp => "bmp",
            OutputFormat::Avif => "avif",
            OutputFormat::Heif => "heif",
            OutputFormat::Heic => "heic",
            OutputFormat::Svgc => "svgc",
        }
    }

    /// Whether the format carries animation.
    pub fn animates(self) -> bool {
        matches!(self, OutputFormat::Gif | OutputFormat::Webp)
    }

    /// Whether the format takes a quality.
    pub fn is_lossy(self) -> bool {
        matches!(
            self,
            OutputFormat::Jpeg | OutputFormat::Webp | OutputFormat::Avif | OutputFormat::Heif | OutputFormat::Heic
        )
    }

    /// The MIME type of the encoded result.
    pub fn mime_type(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "image/jpeg",
            OutputFormat::Png => "image/png",
            OutputFormat::Gif => "image/gif",
            OutputFormat::Webp => "image/webp",
            OutputFormat::Bmp => "image/bmp",
            OutputFormat::Avif => "image/avif",
            OutputFormat::Heif => "image/heif",
            OutputFormat::Heic => "image/heic",
            OutputFormat::Svgc => "image/svg+xml",
        }
    }
}

/// The quality rules of the module docs.
pub fn resolve_quality(input: Option<u8>, quality: Option<Quality>, relative: Option<u8>, lowest: Option<u8>) -> u8 {
    let base = input.unwrap_or(DEFAULT_QUALITY);
    let mut q = match relative {
        Some(r) => u8::try_from((u16::from(base) * u16::from(r) + 50) / 100).unwrap_or(100),
        None => base,
    };
    if let Some(Quality { value, forced }) = quality {
        q = if forced { value } else { q.min(value) };
    }
    if let Some(l) = lowest {
        q = q.max(l);
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quality(value: u8, forced: bool) -> Option<Quality> {
        Some(Quality { value, forced })
    }

    #[test]
    fn the_spec_examples() {
        // quality: the smaller of the input's and the given, unless forced.
        assert_eq!(resolve_quality(Some(80), quality(90, false), None, None), 80);
        assert_eq!(resolve_quality(Some(80), quality(90, true), None, None), 90);
        assert_eq!(resolve_quality(Some(80), quality(60, false), None, None), 60);
        // rquality: input 80, rquality 80 → 64.
        assert_eq!(resolve_quality(Some(80), None, Some(80), None), 64);
        // lquality: input 85, lquality 80 → 85; input 60 → 80.
        assert_eq!(resolve_quality(Some(85), None, None, Some(80)), 85);
        assert_eq!(resolve_quality(Some(60), None, None, Some(80)), 80);
        // Unknown input quality starts from the default.
        assert_eq!(resolve_quality(None, None, None, None), DEFAULT_QUALITY);
    }

    #[test]
    fn tpg_and_foreign_svgc_are_refused() {
        assert!(OutputFormat::requested(Format::Tpg, ImageFormat::Jpeg).is_err());
        assert!(OutputFormat::requested(Format::Svgc, ImageFormat::Png).is_err());
        assert_eq!(OutputFormat::requested(Format::Svgc, ImageFormat::Svg), Ok(OutputFormat::Svgc));
        assert_eq!(OutputFormat::requested(Format::Yjpeg, ImageFormat::Png), Ok(OutputFormat::Jpeg));
    }
}
