//! The pure-Rust JPEG decoder of builds without `jpeg-turbo`: the `image` crate's JPEG decoder
//! (zune-jpeg) at full size, then [`box_shrink`] to the plan's size (see the parent module's
//! docs for what differs from libjpeg-turbo).

use std::io::Cursor;

use image::ImageDecoder;
use image::codecs::jpeg::JpegDecoder;

use super::box_shrink;
use crate::codecs::Family;
use crate::decode::markers::JpegMarkers;
use crate::decode::{Target, image_error, still};
use crate::{ExecError, Picture};

/// The most scans a file may have, as libjpeg-turbo's scan limit in builds with it.
const SCAN_LIMIT: usize = 500;

/// Decodes the 8-bit JPEG whose markers are `markers` at 1/`shrink` of its size, which must
/// be the target's.
pub(super) fn decode(data: &[u8], markers: JpegMarkers, shrink: u8, target: &Target) -> Result<Picture, ExecError> {
    if markers.arithmetic {
        return Err(Family::JpegTurbo.missing("arithmetic-coded JPEG"));
    }
    let scans = scan_count(data);
    if scans > SCAN_LIMIT {
        return Err(ExecError::Decode(format!("JPEG: {scans} scans, more than {SCAN_LIMIT}")));
    }
    let mut decoder = JpegDecoder::new(Cursor::new(data)).map_err(|e| image_error("JPEG", e))?;
    let (width, height) = decoder.dimensions();
    let shrink_by = u32::from(shrink.max(1));
    target.check_size("scaled JPEG", (width.div_ceil(shrink_by), height.div_ceil(shrink_by)))?;
    // The full-size picture is decoded first: its limits, not the plan's shrunk size.
    let full = Target { width, height, frames: 1 };
    decoder.set_limits(full.limits()).map_err(|e| image_error("JPEG", e))?;
    let frame = still::read_frame(decoder, "JPEG")?;
    let frame = if shrink > 1 { box_shrink(&frame, shrink)? } else { frame };
    let mut metadata = markers.metadata;
    // The frames are RGB: a CMYK profile no longer describes them (as in the libjpeg-turbo path).
    if metadata.icc.as_deref().and_then(|icc| icc.get(16..20)) == Some(b"CMYK") {
        metadata.icc = None;
    }
    Ok(Picture::still(frame, metadata))
}

/// The SOS markers in `data`: entropy-coded data stuffs every `FF` with `00`, so `FF DA` is
/// always a marker.
fn scan_count(data: &[u8]) -> usize {
    data.windows(2).filter(|pair| *pair == [0xFF, 0xDA]).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_are_counted_by_their_markers() {
        assert_eq!(scan_count(&[0xFF, 0xD8, 0xFF, 0xDA, 0x12, 0xFF, 0x00, 0xFF, 0xDA, 0xFF, 0xD9]), 2);
        assert_eq!(scan_count(&[0xFF, 0xD8]), 0);
    }
}
