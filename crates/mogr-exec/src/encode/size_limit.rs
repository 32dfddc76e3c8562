//! `size-limit`: the best JPEG that fits in a number of bytes.
//!
//! ```text
//! planned quality q ──encode──▶ fits? ── yes ──▶ that JPEG
//!                                    └── no ──▶ binary search on 1..q−1 for the highest
//!                                               quality that fits (≤ 7 more encodes);
//!                                               none fits ──▶ the smallest JPEG made
//! ```
//!
//! The samples are composited and the metadata segments built once ([`JpegEncoder`]); each
//! probe is one compression (libjpeg-turbo, or the trellis encoder in compact mode). JPEG
//! size grows with quality almost everywhere, and the search relies on it: the quality it
//! returns fits and the next one up was tried and did not. Metadata counts toward the size,
//! as it is part of the bytes sent. Whether to answer the input instead when it is smaller
//! (`size-limit/…!`) is the executor's decision.

use mogr_plan::OutputFormat;
use mogr_plan::plan::OutputPlan;

use super::jpeg::JpegEncoder;
use super::metadata::Kept;
use super::{check_picture, quality, still};
use crate::{EncodeOptions, ExecError, Picture};

/// A JPEG made under a size limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fitted {
    /// The JPEG.
    pub bytes: Vec<u8>,
    /// The quality it was encoded at.
    pub quality: u8,
    /// Whether it is within the limit (when not, it is the smallest JPEG the search made).
    pub fits: bool,
    /// How many times the picture was compressed.
    pub encodes: u32,
}

/// Encodes `picture` as a JPEG of at most `output.size_limit` bytes when some quality
/// achieves it (the highest such quality, never above the planned one), else the smallest
/// JPEG found. Without a size limit: the JPEG at the planned quality.
pub fn encode_within(picture: &Picture, output: &OutputPlan, options: &EncodeOptions) -> Result<Vec<u8>, ExecError> {
    fit_quality(picture, output, options).map(|fitted| fitted.bytes)
}

/// [`encode_within`], telling which quality was chosen and how many encodes it took.
pub fn fit_quality(picture: &Picture, output: &OutputPlan, options: &EncodeOptions) -> Result<Fitted, ExecError> {
    if output.format != OutputFormat::Jpeg {
        return Err(ExecError::Internal(format!("size-limit applies to JPEG output, not {:?}", output.format)));
    }
    check_picture(picture, output)?;
    let kept = Kept::of(picture, output.strip);
    let mut encoder = JpegEncoder::new(still(picture)?, output, &kept, options.jpeg)?;
    let limit = output.size_limit.map_or(u64::MAX, |limit| limit.bytes);
    search(&mut |q| encoder.encode(q), quality(output), limit)
}

/// The search, over any encoder (`encode(quality)` gives the bytes at that quality).
fn search(
    encode: &mut dyn FnMut(u8) -> Result<Vec<u8>, ExecError>,
    planned: u8,
    limit: u64,
) -> Result<Fitted, ExecError> {
    let fits = |bytes: &[u8]| bytes.len() as u64 <= limit;
    let first = encode(planned)?;
    if fits(&first) {
        return Ok(Fitted { bytes: first, quality: planned, fits: true, encodes: 1 });
    }
    let mut smallest = Fitted { bytes: first, quality: planned, fits: false, encodes: 1 };
    let mut best: Option<(Vec<u8>, u8)> = None;
    let (mut low, mut high) = (1u8, planned.saturating_sub(1));
    let mut encodes = 1;
    while low <= high {
        let mid = low + (high - low) / 2;
        let bytes = encode(mid)?;
        encodes += 1;
        if fits(&bytes) {
            best = Some((bytes, mid));
            low = mid + 1;
        } else {
            if bytes.len() < smallest.bytes.len() {
                smallest = Fitted { bytes, quality: mid, fits: false, encodes: 0 };
            }
            high = mid - 1;
        }
    }
    Ok(match best {
        Some((bytes, quality)) => Fitted { bytes, quality, fits: true, encodes },
        None => Fitted { encodes, ..smallest },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake encoder whose output is `10 × quality` bytes.
    fn linear(q: u8) -> Result<Vec<u8>, ExecError> {
        Ok(vec![0; 10 * usize::from(q)])
    }

    #[test]
    fn the_planned_quality_is_kept_when_it_fits() {
        let fitted = search(&mut linear, 80, 800).unwrap();
        assert_eq!((fitted.quality, fitted.fits, fitted.encodes), (80, true, 1));
    }

    #[test]
    fn the_highest_fitting_quality_is_found_in_few_encodes() {
        for limit in [10, 11, 255, 500, 999] {
            let fitted = search(&mut linear, 100, limit).unwrap();
            assert_eq!(u64::from(fitted.quality), limit / 10, "limit {limit}");
            assert!(fitted.fits);
            assert!(fitted.encodes <= 8, "{} encodes", fitted.encodes);
        }
    }

    #[test]
    fn nothing_fits_gives_the_smallest() {
        let fitted = search(&mut linear, 50, 5).unwrap();
        assert_eq!((fitted.quality, fitted.fits, fitted.bytes.len()), (1, false, 10));
        let fitted = search(&mut linear, 1, 5).unwrap();
        assert_eq!((fitted.quality, fitted.fits, fitted.encodes), (1, false, 1));
    }
}
