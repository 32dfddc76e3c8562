//! Summed-area table of an 8-bit grey image, so any rectangle's pixel sum costs four reads.
//!
//! The table has one extra row and column of zeros (`(width + 1) x (height + 1)` entries). Sums are
//! `u32`: the detector's working images are at most [`MAX_SIDE`] pixels a side, so
//! `MAX_SIDE^2 * 255 < 2^32` and no entry overflows.

/// Largest side (pixels) an [`IntegralImage`] accepts; larger inputs are cut to this size.
pub(crate) const MAX_SIDE: u32 = 4096;

/// A summed-area table over a `width x height` grey image.
#[derive(Debug, Clone)]
pub(crate) struct IntegralImage {
    width: u32,
    height: u32,
    /// Row-major, `width + 1` entries per row, `height + 1` rows.
    table: Vec<u32>,
}

impl IntegralImage {
    /// Builds the table for `pixels` (row-major, `width` per row). Sides are clamped to
    /// [`MAX_SIDE`] and to what `pixels` holds, so a short buffer yields a smaller table, never
    /// a panic.
    pub(crate) fn new(pixels: &[u8], width: u32, height: u32) -> IntegralImage {
        let width = width.min(MAX_SIDE);
        let rows_available = if width == 0 { 0 } else { pixels.len() / width as usize };
        let height = height.min(MAX_SIDE).min(u32::try_from(rows_available).unwrap_or(MAX_SIDE));
        let stride = width as usize + 1;
        let mut table = vec![0u32; stride * (height as usize + 1)];
        for (row_index, row) in pixels.chunks_exact(width.max(1) as usize).take(height as usize).enumerate() {
            let mut running = 0u32;
            for (column, &pixel) in row.iter().enumerate() {
                running += u32::from(pixel);
                let above = table.get(row_index * stride + column + 1).copied().unwrap_or(0);
                if let Some(slot) = table.get_mut((row_index + 1) * stride + column + 1) {
                    *slot = above + running;
                }
            }
        }
        IntegralImage { width, height, table }
    }

    /// Image width in pixels.
    pub(crate) fn width(&self) -> u32 {
        self.width
    }

    /// Image height in pixels.
    pub(crate) fn height(&self) -> u32 {
        self.height
    }

    /// Entries per table row (`width + 1`).
    pub(crate) fn stride(&self) -> usize {
        self.width as usize + 1
    }

    /// The table, row-major with [`IntegralImage::stride`] entries a row.
    pub(crate) fn table(&self) -> &[u32] {
        &self.table
    }

    /// Sum of the `w x h` rectangle (the reference the cascade's lattice reads are tested against) at (`x`, `y`). Reads outside the table count as zero.
    #[cfg(test)]
    pub(crate) fn sum(&self, x: u32, y: u32, w: u32, h: u32) -> u32 {
        let at = |cx: u32, cy: u32| {
            let index = cy as usize * (self.width as usize + 1) + cx as usize;
            self.table.get(index).copied().unwrap_or(0)
        };
        let (right, bottom) = (x.saturating_add(w), y.saturating_add(h));
        // Exact in modular arithmetic: the true result is a non-negative sum below 2^32.
        at(right, bottom).wrapping_sub(at(right, y)).wrapping_sub(at(x, bottom)).wrapping_add(at(x, y))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_match_brute_force() {
        let (w, h) = (7u32, 5u32);
        let pixels: Vec<u8> = (0..w * h).map(|i| (i * 37 % 251) as u8).collect();
        let integral = IntegralImage::new(&pixels, w, h);
        let pixels = &pixels;
        for (x, y, rw, rh) in [(0, 0, 7, 5), (1, 2, 3, 2), (6, 4, 1, 1), (2, 0, 0, 3)] {
            let brute: u32 = (y..y + rh)
                .flat_map(|row| (x..x + rw).map(move |col| u32::from(pixels[(row * w + col) as usize])))
                .sum();
            assert_eq!(integral.sum(x, y, rw, rh), brute, "rect {x},{y} {rw}x{rh}");
        }
    }

    #[test]
    fn short_buffer_shrinks_instead_of_panicking() {
        let integral = IntegralImage::new(&[1, 2, 3], 2, 10);
        assert_eq!((integral.width(), integral.height()), (2, 1));
        assert_eq!(integral.sum(0, 0, 2, 1), 3);
        let empty = IntegralImage::new(&[], 0, 0);
        assert_eq!(empty.sum(0, 0, 5, 5), 0);
    }

    #[test]
    fn full_white_max_side_does_not_overflow() {
        let side = 1024u32;
        let pixels = vec![255u8; (side * side) as usize];
        let integral = IntegralImage::new(&pixels, side, side);
        assert_eq!(integral.sum(0, 0, side, side), side * side * 255);
    }
}
