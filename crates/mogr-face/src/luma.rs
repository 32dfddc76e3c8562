//! Grey-image helpers: RGBA8 to luma, the box-filter shrink that makes the detector's bounded
//! working copy, and the bilinear resize that builds each pyramid level.
//!
//! All functions take row-major 8-bit buffers without row padding and never read past the
//! buffer: of a buffer shorter than `width * height`, only the whole rows present are used (so a
//! bogus huge size with a small buffer costs nothing).

/// A row-major 8-bit grey image owned by the detector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GreyImage {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) pixels: Vec<u8>,
}

/// Converts an RGBA8 buffer (rows top to bottom, no padding, alpha ignored) to BT.601 luma,
/// `0.299 R + 0.587 G + 0.114 B` in 8-bit fixed point. Trailing bytes that do not make a whole
/// pixel are ignored; the result has `rgba.len() / 4` bytes.
pub fn rgba_to_luma(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .map(|px| {
            let weighted = 77 * u32::from(px[0]) + 150 * u32::from(px[1]) + 29 * u32::from(px[2]) + 128;
            u8::try_from(weighted >> 8).unwrap_or(u8::MAX)
        })
        .collect()
}

fn pixel_at(pixels: &[u8], width: u32, x: u32, y: u32) -> u8 {
    pixels.get(y as usize * width as usize + x as usize).copied().unwrap_or(0)
}

/// Shrinks `pixels` by averaging boxes so that the longer side is at most `max_side`; returns the
/// image unchanged (copied) when it already fits. Cost is one pass over the input.
pub(crate) fn shrink_to_fit(pixels: &[u8], width: u32, height: u32, max_side: u32) -> GreyImage {
    let height = height.min(rows_present(pixels.len(), width));
    let width = if height == 0 { 0 } else { width };
    let longest = width.max(height);
    if longest <= max_side || max_side == 0 {
        let len = width as usize * height as usize;
        let mut copy: Vec<u8> = pixels.iter().copied().take(len).collect();
        copy.resize(len, 0);
        return GreyImage { width, height, pixels: copy };
    }
    let scaled = |side: u32| ((u64::from(side) * u64::from(max_side) / u64::from(longest)) as u32).max(1);
    let (out_w, out_h) = (scaled(width), scaled(height));
    let column_bin: Vec<usize> = (0..width).map(|x| bin(x, width, out_w)).collect();
    let mut sums = vec![0u32; out_w as usize * out_h as usize];
    for (y, row) in pixels.chunks_exact(width as usize).take(height as usize).enumerate() {
        let start = bin(y as u32, height, out_h) * out_w as usize;
        let Some(sum_row) = sums.get_mut(start..start + out_w as usize) else { continue };
        for (&value, &column) in row.iter().zip(&column_bin) {
            if let Some(sum) = sum_row.get_mut(column) {
                *sum += u32::from(value);
            }
        }
    }
    let column_counts = bin_sizes(width, out_w);
    let row_counts = bin_sizes(height, out_h);
    let counts = row_counts.iter().flat_map(|&rows| column_counts.iter().map(move |&columns| rows * columns));
    let pixels = sums.iter().zip(counts).map(|(&s, c)| u8::try_from(s / c.max(1)).unwrap_or(u8::MAX)).collect();
    GreyImage { width: out_w, height: out_h, pixels }
}

/// How many of `input` coordinates fall into each of the `out` bins of [`bin`].
fn bin_sizes(input: u32, out: u32) -> Vec<u32> {
    let mut sizes = vec![0u32; out as usize];
    for i in 0..input {
        if let Some(size) = sizes.get_mut(bin(i, input, out)) {
            *size += 1;
        }
    }
    sizes
}

/// How many whole rows of `width` pixels a buffer of `len` bytes holds.
fn rows_present(len: usize, width: u32) -> u32 {
    if width == 0 { 0 } else { u32::try_from(len / width as usize).unwrap_or(u32::MAX) }
}

/// Which of `out` bins the input coordinate `i` (of `input` total) falls into.
fn bin(i: u32, input: u32, out: u32) -> usize {
    ((u64::from(i) * u64::from(out) / u64::from(input.max(1))) as usize).min(out.saturating_sub(1) as usize)
}

/// Bilinear resize of `image` to `out_w x out_h` (pixel centres aligned, as OpenCV's
/// `INTER_LINEAR`).
pub(crate) fn resize_bilinear(image: &GreyImage, out_w: u32, out_h: u32) -> GreyImage {
    let x_ratio = f64::from(image.width) / f64::from(out_w.max(1));
    let y_ratio = f64::from(image.height) / f64::from(out_h.max(1));
    let taps = |out: u32, ratio: f64, limit: u32| {
        let source = ((f64::from(out) + 0.5) * ratio - 0.5).max(0.0);
        let low = (source.floor() as u32).min(limit.saturating_sub(1));
        let high = (low + 1).min(limit.saturating_sub(1));
        (low, high, (source - f64::from(low)).clamp(0.0, 1.0) as f32)
    };
    let columns: Vec<(u32, u32, f32)> = (0..out_w).map(|x| taps(x, x_ratio, image.width)).collect();
    let mut pixels = Vec::with_capacity(out_w as usize * out_h as usize);
    for y in 0..out_h {
        let (top, bottom, fy) = taps(y, y_ratio, image.height);
        for &(left, right, fx) in &columns {
            let sample = |sx, sy| f32::from(pixel_at(&image.pixels, image.width, sx, sy));
            let upper = sample(left, top) * (1.0 - fx) + sample(right, top) * fx;
            let lower = sample(left, bottom) * (1.0 - fx) + sample(right, bottom) * fx;
            pixels.push((upper * (1.0 - fy) + lower * fy + 0.5) as u8);
        }
    }
    GreyImage { width: out_w, height: out_h, pixels }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luma_weights() {
        assert_eq!(rgba_to_luma(&[255, 255, 255, 0, 0, 0, 0, 255, 255, 0, 0, 255, 9]), vec![255, 0, 77]);
    }

    #[test]
    fn shrink_averages_boxes_and_keeps_aspect() {
        let pixels: Vec<u8> = (0..16).map(|i| if i % 4 < 2 { 0 } else { 200 }).collect();
        let small = shrink_to_fit(&pixels, 4, 4, 2);
        assert_eq!((small.width, small.height), (2, 2));
        assert_eq!(small.pixels, vec![0, 200, 0, 200]);
        let short = shrink_to_fit(&[5; 10], u32::MAX, u32::MAX, 640);
        assert_eq!((short.width, short.height), (0, 0));
        let partial = shrink_to_fit(&[5; 10], 4, 1000, 640);
        assert_eq!((partial.width, partial.height, partial.pixels.len()), (4, 2, 8));
        let thin = shrink_to_fit(&vec![7u8; 50_000], 1, 50_000, 800);
        assert_eq!((thin.width, thin.height), (1, 800));
        assert!(thin.pixels.iter().all(|&p| p == 7));
    }

    #[test]
    fn bilinear_preserves_flat_and_tolerates_tiny() {
        let flat = GreyImage { width: 5, height: 3, pixels: vec![90; 15] };
        assert!(resize_bilinear(&flat, 11, 2).pixels.iter().all(|&p| p == 90));
        let one = GreyImage { width: 1, height: 1, pixels: vec![4] };
        assert_eq!(resize_bilinear(&one, 3, 3).pixels, vec![4; 9]);
    }
}
