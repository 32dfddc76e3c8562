//! Quantisation tables: the IJG example tables scaled by libjpeg's quality formula.
//!
//! This file owns what "quality" means for the trellis encoder, and it means exactly what it
//! means for libjpeg-turbo: T.81 Annex K tables K.1 (luminance) and K.2 (chrominance) scaled
//! by `scale = q < 50 ? 5000 / q : 200 - 2q` percent, each entry `(base × scale + 50) / 100`
//! clamped to 1..=255 (baseline, 8-bit DQT entries). So the DQT segments match libjpeg's
//! byte for byte and the probe's DQT-based estimate reads the quality back.
//!
//! Data flow: [`QuantTable::for_quality`] gives the 64 steps in zig-zag order (the order of
//! DQT, of the stored coefficient blocks and of the trellis), which `markers.rs` writes and
//! `trellis.rs` divides by.

use mogr_plan::probe::{STD_CHROMINANCE, STD_LUMINANCE};

/// Zig-zag position → natural (row-major) position (T.81 figure A.6).
pub(super) const NATURAL_ORDER: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
    28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54,
    47, 55, 62, 63,
];

/// Which of the two example tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TableKind {
    /// K.1, for Y.
    Luminance,
    /// K.2, for Cb and Cr.
    Chrominance,
}

/// One quantisation table, in zig-zag order.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct QuantTable {
    /// The 64 steps (1..=255) in zig-zag order, as DQT stores them.
    pub(super) steps: [u8; 64],
}

impl QuantTable {
    /// libjpeg's table of `kind` at `quality` (clamped to 1..=100).
    pub(super) fn for_quality(kind: TableKind, quality: u8) -> QuantTable {
        let quality = u32::from(quality.clamp(1, 100));
        let scale = if quality < 50 { 5000 / quality } else { 200 - 2 * quality };
        let base = match kind {
            TableKind::Luminance => &STD_LUMINANCE,
            TableKind::Chrominance => &STD_CHROMINANCE,
        };
        let mut steps = [1u8; 64];
        for (step, &natural) in steps.iter_mut().zip(NATURAL_ORDER.iter()) {
            let value = base.get(natural).map_or(1, |&b| (u32::from(b) * scale + 50) / 100);
            *step = u8::try_from(value.clamp(1, 255)).unwrap_or(255);
        }
        QuantTable { steps }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libjpeg_scaling() {
        let q50 = QuantTable::for_quality(TableKind::Luminance, 50);
        assert_eq!(&q50.steps[..6], &[16, 11, 12, 14, 12, 10]);
        let q100 = QuantTable::for_quality(TableKind::Chrominance, 100);
        assert!(q100.steps.iter().all(|&s| s == 1));
        let q1 = QuantTable::for_quality(TableKind::Luminance, 1);
        assert!(q1.steps.iter().all(|&s| s == 255));
        // q = 75: scale 50 %, (16 × 50 + 50) / 100 = 8.
        assert_eq!(QuantTable::for_quality(TableKind::Luminance, 75).steps[0], 8);
    }

    #[test]
    fn zigzag_is_a_permutation() {
        let mut seen = [false; 64];
        for &n in &NATURAL_ORDER {
            seen[n] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }
}
