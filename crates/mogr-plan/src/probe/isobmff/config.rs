//! Codec configuration records: bit depth and monochrome from `av1C` (AV1-ISOBMFF §2.3) and
//! `hvcC` (ISO/IEC 14496-15 §8.3.3), as image items and sample entries carry them.
//!
//! ```text
//! av1C = marker(1) version(7) | seq_profile(3) seq_level_idx_0(5)
//!        | seq_tier_0(1) high_bitdepth(1) twelve_bit(1) monochrome(1)
//!          chroma_subsampling_x(1) chroma_subsampling_y(1) chroma_sample_position(2) | ...
//!        bit depth: 8, 10 if high_bitdepth, 12 if high_bitdepth and twelve_bit
//! hvcC = version(u8) profile(u8) compat(u32) constraints(6) level(u8)
//!        min_spatial_segmentation(u16) parallelism(u8)
//!        reserved(6) chroma_format_idc(2) | reserved(5) bit_depth_luma_minus8(3) | ...
//!        chroma_format_idc 0: monochrome
//! ```

use super::boxes::malformed;
use crate::probe::ProbeError;
use crate::probe::reader::Reader;

/// What a codec configuration says about the coded pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct CodecInfo {
    /// Bits per sample of luma.
    pub(super) bit_depth: u8,
    /// No chroma planes.
    pub(super) gray: bool,
}

/// Reads an `av1C` body.
pub(super) fn av1c(body: &[u8]) -> Result<CodecInfo, ProbeError> {
    let [_, _, flags] = body.first_chunk::<3>().copied().ok_or(malformed("av1C box is shorter than 3 bytes"))?;
    let high = flags & 0x40 != 0;
    let twelve = flags & 0x20 != 0;
    let bit_depth = match (high, twelve) {
        (true, true) => 12,
        (true, false) => 10,
        (false, _) => 8,
    };
    Ok(CodecInfo { bit_depth, gray: flags & 0x10 != 0 })
}

/// Reads an `hvcC` body.
pub(super) fn hvcc(body: &[u8]) -> Result<CodecInfo, ProbeError> {
    let mut r = Reader::new(body, "hvcC");
    let read = r.skip(16).and_then(|()| Ok((r.u8()?, r.u8()?)));
    let (chroma, luma) = read.map_err(|_| malformed("hvcC box is shorter than 18 bytes"))?;
    Ok(CodecInfo { bit_depth: 8 + (luma & 7), gray: chroma & 3 == 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn av1c_depths_and_monochrome() {
        assert_eq!(av1c(&[0x81, 0x05, 0x0c]), Ok(CodecInfo { bit_depth: 8, gray: false }));
        assert_eq!(av1c(&[0x81, 0x05, 0x1c]), Ok(CodecInfo { bit_depth: 8, gray: true }));
        assert_eq!(av1c(&[0x81, 0x05, 0x4c]), Ok(CodecInfo { bit_depth: 10, gray: false }));
        assert_eq!(av1c(&[0x81, 0x45, 0x68, 0]), Ok(CodecInfo { bit_depth: 12, gray: false }));
        assert!(av1c(&[0x81, 0x05]).is_err());
    }

    #[test]
    fn hvcc_depths_and_monochrome() {
        let mut b = [0u8; 23];
        b[16] = 0xfd;
        b[17] = 0xfa;
        assert_eq!(hvcc(&b), Ok(CodecInfo { bit_depth: 10, gray: false }));
        b[16] = 0xfc;
        b[17] = 0xf8;
        assert_eq!(hvcc(&b), Ok(CodecInfo { bit_depth: 8, gray: true }));
        assert!(hvcc(&b[..17]).is_err());
    }
}
