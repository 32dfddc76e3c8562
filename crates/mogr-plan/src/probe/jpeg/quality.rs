//! The IJG (libjpeg) quality a JPEG was saved with, estimated from its quantisation tables.
//!
//! libjpeg's `jpeg_set_quality(q)` scales the example tables of ITU-T T.81 Annex K (K.1
//! luminance, K.2 chrominance) by `scale = q < 50 ? 5000 / q : 200 - 2q` (percent) and stores
//! `clamp((base * scale + 50) / 100, 1, max)`, where `max` is 255 for baseline tables (8-bit
//! DQT entries) and 32767 otherwise (16-bit entries). ImageMagick, GraphicsMagick, Pillow,
//! libvips, TurboJPEG and most web encoders write exactly these tables.
//!
//! The estimate is the `q` in 1..=100 whose tables are nearest to the file's, by the sum of
//! squared differences over the 64 coefficients, luminance table against the scaled K.1 table
//! plus (when the image has one) chrominance table against the scaled K.2 table, each clamped
//! as its own DQT precision implies. Since the 100 scaled tables all differ, a table libjpeg
//! wrote gives an error of 0 at its own `q` only, so its `q` comes back exactly. Tables of
//! other origin (camera vendors, mozjpeg's alternative tables, hand-tuned encoders) get the
//! closest `q` in this least-squares sense; on a tie the lower `q` wins, since `quality/N`
//! then keeps the smaller of the two.

/// Zig-zag position → natural (row-major) position: DQT stores coefficients in zig-zag
/// order (T.81 figure A.6; libjpeg's `jpeg_natural_order`).
pub(super) const NATURAL_ORDER: [u8; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
    28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54,
    47, 55, 62, 63,
];

/// T.81 table K.1, the example luminance quantisation table (natural order): libjpeg scales it
/// by quality, and the probe reads quality back from it (as does mogr's trellis JPEG encoder).
pub const STD_LUMINANCE: [u16; 64] = [
    16, 11, 10, 16, 24, 40, 51, 61, //
    12, 12, 14, 19, 26, 58, 60, 55, //
    14, 13, 16, 24, 40, 57, 69, 56, //
    14, 17, 22, 29, 51, 87, 80, 62, //
    18, 22, 37, 56, 68, 109, 103, 77, //
    24, 35, 55, 64, 81, 104, 113, 92, //
    49, 64, 78, 87, 103, 121, 120, 101, //
    72, 92, 95, 98, 112, 100, 103, 99,
];

/// T.81 table K.2, the example chrominance quantisation table (natural order).
pub const STD_CHROMINANCE: [u16; 64] = [
    17, 18, 24, 47, 99, 99, 99, 99, //
    18, 21, 26, 66, 99, 99, 99, 99, //
    24, 26, 56, 99, 99, 99, 99, 99, //
    47, 66, 99, 99, 99, 99, 99, 99, //
    99, 99, 99, 99, 99, 99, 99, 99, //
    99, 99, 99, 99, 99, 99, 99, 99, //
    99, 99, 99, 99, 99, 99, 99, 99, //
    99, 99, 99, 99, 99, 99, 99, 99,
];

/// One quantisation table of a DQT segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct QuantTable {
    /// The 64 quantisers in natural (row-major) order.
    values: [u16; 64],
    /// Whether the DQT stored 16-bit entries (Pq = 1): libjpeg then clamps at 32767, not 255.
    wide: bool,
}

impl QuantTable {
    /// A table from its 64 entries in the zig-zag order DQT stores them.
    pub(super) fn from_zigzag(zigzag: &[u16; 64], wide: bool) -> QuantTable {
        let mut values = [0u16; 64];
        for (&value, &natural) in zigzag.iter().zip(NATURAL_ORDER.iter()) {
            // NATURAL_ORDER holds 0..64 only: a constant table, not input.
            values[usize::from(natural)] = value;
        }
        QuantTable { values, wide }
    }

    /// The largest entry libjpeg writes at this precision.
    fn max(self) -> u16 {
        if self.wide { 32767 } else { 255 }
    }
}

/// libjpeg's `jpeg_quality_scaling`: the percentage the example tables are scaled by.
fn scale_factor(quality: u8) -> u32 {
    let q = u32::from(quality.clamp(1, 100));
    if q < 50 { 5000 / q } else { 200 - 2 * q }
}

/// libjpeg's `jpeg_add_quant_table`: `base` scaled for `quality`, clamped to 1..=`max`
/// (natural order in, natural order out).
pub(super) fn scaled(base: &[u16; 64], quality: u8, max: u16) -> [u16; 64] {
    let scale = scale_factor(quality);
    base.map(|b| {
        // b ≤ 121 and scale ≤ 5000: no overflow.
        let v = (u32::from(b) * scale + 50) / 100;
        u16::try_from(v.clamp(1, u32::from(max))).unwrap_or(max)
    })
}

/// Sum of squared differences between `table` and `base` scaled for `quality`.
fn error(table: QuantTable, base: &[u16; 64], quality: u8) -> u64 {
    let expected = scaled(base, quality, table.max());
    table
        .values
        .iter()
        .zip(expected.iter())
        .map(|(&a, &b)| {
            let d = u64::from(a.abs_diff(b));
            d * d
        })
        .sum()
}

/// The quality (1-100) whose libjpeg tables are nearest to `luma` (and `chroma`, when the
/// image has a separate chrominance table). See the module docs.
pub(super) fn estimate(luma: QuantTable, chroma: Option<QuantTable>) -> u8 {
    let total = |q: u8| error(luma, &STD_LUMINANCE, q) + chroma.map_or(0, |c| error(c, &STD_CHROMINANCE, q));
    // min_by_key keeps the first of equal minima: the lowest quality on a tie.
    (1..=100u8).min_by_key(|&q| total(q)).unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `natural` in zig-zag order, as a DQT segment stores it.
    fn zigzag(natural: &[u16; 64]) -> [u16; 64] {
        NATURAL_ORDER.map(|n| natural[usize::from(n)])
    }

    fn table(base: &[u16; 64], q: u8, wide: bool) -> QuantTable {
        let max = if wide { 32767 } else { 255 };
        QuantTable::from_zigzag(&zigzag(&scaled(base, q, max)), wide)
    }

    #[test]
    fn natural_order_is_a_permutation() {
        let mut seen = [false; 64];
        for n in NATURAL_ORDER {
            assert!(!seen[usize::from(n)]);
            seen[usize::from(n)] = true;
        }
    }

    #[test]
    fn libjpeg_scaling_matches_known_tables() {
        // Quality 50 is the Annex K table itself; 100 is all ones; 75 is cjpeg's default.
        assert_eq!(scaled(&STD_LUMINANCE, 50, 255), STD_LUMINANCE);
        assert_eq!(scaled(&STD_CHROMINANCE, 100, 255), [1; 64]);
        assert_eq!(scaled(&STD_LUMINANCE, 75, 255)[..8], [8, 6, 5, 8, 12, 20, 26, 31]);
        assert_eq!(scaled(&STD_LUMINANCE, 1, 255), [255; 64]);
        assert_eq!(scaled(&STD_LUMINANCE, 1, 32767)[0], 800);
        assert_eq!(scale_factor(0), 5000);
    }

    #[test]
    fn every_libjpeg_quality_comes_back_exactly() {
        for wide in [false, true] {
            for q in 1..=100u8 {
                let luma = table(&STD_LUMINANCE, q, wide);
                let chroma = table(&STD_CHROMINANCE, q, wide);
                assert_eq!(estimate(luma, None), q, "luminance only, q={q}, wide={wide}");
                assert_eq!(estimate(luma, Some(chroma)), q, "both tables, q={q}, wide={wide}");
            }
        }
    }

    #[test]
    fn baseline_tables_differ_for_every_quality() {
        // What exactness rests on: no two qualities give the same baseline luminance table.
        for a in 1..=100u8 {
            for b in a + 1..=100 {
                assert_ne!(scaled(&STD_LUMINANCE, a, 255), scaled(&STD_LUMINANCE, b, 255), "{a} and {b}");
            }
        }
    }

    #[test]
    fn other_tables_get_the_nearest_quality() {
        // A q=90 table with a few coefficients nudged (as camera firmware does) stays at 90.
        let mut values = scaled(&STD_LUMINANCE, 90, 255);
        values[0] += 1;
        values[63] -= 1;
        values[9] += 1;
        let luma = QuantTable { values, wide: false };
        assert_eq!(estimate(luma, None), 90);
        // Flat tables land between the qualities whose tables straddle them.
        let flat = QuantTable { values: [2; 64], wide: false };
        let q = estimate(flat, Some(flat));
        assert!((95..=99).contains(&q), "{q}");
        let coarse = QuantTable { values: [255; 64], wide: false };
        assert_eq!(estimate(coarse, None), 1);
        // Zero entries (invalid, but storable) do not break the estimate.
        let zeros = QuantTable { values: [0; 64], wide: true };
        assert_eq!(estimate(zeros, Some(zeros)), 100);
    }
}
