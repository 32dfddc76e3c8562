//! `clap`, the clean aperture (ISO/IEC 14496-12 §12.1.4): a crop every decoder applies, so the
//! size a HEIF or AVIF image shows is the crop's, not `ispe`'s.
//!
//! ```text
//! clap = cleanApertureWidthN(u32) cleanApertureWidthD(u32) cleanApertureHeightN(u32) cleanApertureHeightD(u32)
//!        horizOffN(i32) horizOffD(u32) vertOffN(i32) vertOffD(u32)
//! ```
//!
//! The aperture is centred at `((W - 1) / 2 + horizOff, (H - 1) / 2 + vertOff)` of the image it
//! applies to (`W`×`H`). The pixel edges are computed exactly as libheif 1.23 crops (our
//! decoder), with the same integer roundings, so the planned size is the decoded size:
//!
//! ```text
//! left   = trunc(horizOff + (W - 1)/2 - (clapW - 1)/2)      right  = round(clapW - 1 + left)
//! top    = round(vertOff  + (H - 1)/2 - (clapH - 1)/2)      bottom = round(clapH - 1 + top)
//! round(x) = trunc(x + 1/2) for the fraction n/d as (n + trunc(d/2)) / d, truncating
//! left, top clamped to ≥ 0; right, bottom clamped to ≤ W - 1, H - 1
//! size   = (right - left + 1) × (bottom - top + 1)
//! ```
//!
//! A zero denominator, a width or height that rounds to zero, or an aperture that misses the
//! image is an error here (libheif refuses those files; the caller leaves them to it). The arithmetic is exact in `i128`:
//! every numerator and denominator is at most 2³², so no product here can overflow.

use super::boxes::{malformed, within};
use crate::probe::ProbeError;
use crate::probe::reader::Reader;

/// A fraction with a positive denominator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Fraction {
    numerator: i128,
    denominator: i128,
}

impl Fraction {
    /// `numerator / denominator`; `None` for a zero denominator.
    fn new(numerator: i128, denominator: i128) -> Option<Fraction> {
        (denominator > 0).then_some(Fraction { numerator, denominator })
    }

    /// `self + other`.
    fn plus(self, other: Fraction) -> Fraction {
        Fraction {
            numerator: self.numerator * other.denominator + other.numerator * self.denominator,
            denominator: self.denominator * other.denominator,
        }
    }

    /// `self + whole`.
    fn plus_int(self, whole: i128) -> Fraction {
        Fraction { numerator: self.numerator + whole * self.denominator, denominator: self.denominator }
    }

    /// `self / 2`.
    fn half(self) -> Fraction {
        Fraction { numerator: self.numerator, denominator: self.denominator * 2 }
    }

    /// The value truncated towards zero (C's integer division, as libheif's `round_down`).
    fn truncate(self) -> i128 {
        self.numerator / self.denominator
    }

    /// libheif's `round`: `(n + trunc(d / 2)) / d`, truncating.
    fn round(self) -> i128 {
        (self.numerator + self.denominator / 2) / self.denominator
    }
}

/// A `clap` property as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Clap {
    width: Fraction,
    height: Fraction,
    horizontal_offset: Fraction,
    vertical_offset: Fraction,
}

impl Clap {
    /// Reads a `clap` body (a plain box, not a full box).
    pub(super) fn read(body: &[u8]) -> Result<Clap, ProbeError> {
        const SHORT: &str = "clap box is shorter than its eight fields";
        let mut r = Reader::new(body, "clap");
        let mut next = || within(r.u32_be(), SHORT);
        let fields = [next()?, next()?, next()?, next()?, next()?, next()?, next()?, next()?];
        let unsigned = |i: usize| i128::from(fields[i]);
        let signed = |i: usize| i128::from(fields[i] as i32);
        let fraction = |n: i128, d: i128| Fraction::new(n, d).ok_or(malformed("clap box has a zero denominator"));
        Ok(Clap {
            width: fraction(unsigned(0), unsigned(1))?,
            height: fraction(unsigned(2), unsigned(3))?,
            horizontal_offset: fraction(signed(4), unsigned(5))?,
            vertical_offset: fraction(signed(6), unsigned(7))?,
        })
    }

    /// The crop of a `width`×`height` image, as libheif decodes it: `(left, top, width, height)`.
    pub(super) fn crop(&self, width: u32, height: u32) -> Result<(u32, u32, u32, u32), ProbeError> {
        if self.width.round() <= 0 || self.height.round() <= 0 {
            return Err(malformed("clap crops the image to nothing"));
        }
        let left = edge(self.horizontal_offset, self.width, width).truncate();
        let right = self.width.plus_int(left - 1).round();
        let top = edge(self.vertical_offset, self.height, height).round();
        let bottom = self.height.plus_int(top - 1).round();
        let (x, across) = span(left, right, width).ok_or(malformed("clap aperture lies outside the image"))?;
        let (y, down) = span(top, bottom, height).ok_or(malformed("clap aperture lies outside the image"))?;
        Ok((x, y, across, down))
    }
}

/// `offset + (side - 1)/2 - (aperture - 1)/2`: the aperture's first pixel on one axis.
fn edge(offset: Fraction, aperture: Fraction, side: u32) -> Fraction {
    let centre = offset.plus(Fraction { numerator: i128::from(side) - 1, denominator: 2 });
    let half_aperture = aperture.plus_int(-1).half();
    centre.plus(Fraction { numerator: -half_aperture.numerator, denominator: half_aperture.denominator })
}

/// `(first, count)` of the pixels from `first` to `last` inclusive after clamping both into
/// `0..side`; `None` when nothing is left.
fn span(first: i128, last: i128, side: u32) -> Option<(u32, u32)> {
    let first = first.max(0);
    let last = last.min(i128::from(side) - 1);
    if first > last {
        return None;
    }
    Some((u32::try_from(first).ok()?, u32::try_from(last - first + 1).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clap(fields: [i64; 8]) -> Vec<u8> {
        fields.iter().flat_map(|&v| (v as u32).to_be_bytes()).collect()
    }

    #[test]
    fn a_centred_whole_pixel_aperture() {
        // A plain centred crop of 100x50 from 200x100.
        let c = Clap::read(&clap([100, 1, 50, 1, 0, 1, 0, 1])).unwrap();
        assert_eq!(c.crop(200, 100), Ok((50, 25, 100, 50)));
    }

    #[test]
    fn fractional_sizes_round_as_libheif_does() {
        // 201/2 = 100.5 wide: left = trunc(149.5 - 49.75) = 99, right = round(99.5 + 99) = 199,
        // 101 columns. 99/2 = 49.5 high: top = round(99.5 - 24.25) = 75, bottom = round(48.5 +
        // 75) = 124, 50 rows.
        let c = Clap::read(&clap([201, 2, 99, 2, 0, 1, 0, 1])).unwrap();
        assert_eq!(c.crop(300, 200), Ok((99, 75, 101, 50)));
    }

    #[test]
    fn offsets_move_the_aperture_and_the_image_edge_clamps_it() {
        // 100 wide centred 80 px right of the middle of 200: columns 130..=229, clamped to 199.
        let c = Clap::read(&clap([100, 1, 10, 1, 80, 1, 0, 1])).unwrap();
        assert_eq!(c.crop(200, 10), Ok((130, 0, 70, 10)));
        // Negative offset: 100 wide centred 80 px left: columns -30..=69, clamped to 0.
        let c = Clap::read(&clap([100, 1, 10, 1, -80, 1, 0, 1])).unwrap();
        assert_eq!(c.crop(200, 10), Ok((0, 0, 70, 10)));
    }

    #[test]
    fn malformed_apertures_are_refused() {
        assert!(Clap::read(&clap([100, 0, 50, 1, 0, 1, 0, 1])).is_err());
        assert!(Clap::read(&clap([100, 1, 50, 1, 0, 1, 0, 0])).is_err());
        assert!(Clap::read(&[0; 31]).is_err());
        let nothing = Clap::read(&clap([0, 1, 50, 1, 0, 1, 0, 1])).unwrap();
        assert!(nothing.crop(100, 100).is_err());
        let outside = Clap::read(&clap([10, 1, 10, 1, 1000, 1, 0, 1])).unwrap();
        assert!(outside.crop(100, 100).is_err());
    }

    #[test]
    fn extreme_fields_do_not_overflow() {
        let c = Clap::read(&clap([u32::MAX as i64, 1, u32::MAX as i64, 1, i32::MIN as i64, 1, i32::MAX as i64, 1]))
            .unwrap();
        assert!(c.crop(u32::MAX, u32::MAX).is_ok());
        let tiny = Clap::read(&clap([1, u32::MAX as i64, 1, u32::MAX as i64, 0, u32::MAX as i64, 0, 1])).unwrap();
        assert!(tiny.crop(1, 1).is_err());
    }
}
