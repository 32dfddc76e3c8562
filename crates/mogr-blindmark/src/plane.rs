//! Float luma planes and the filters the extractor runs on them: a centred window of an RGBA
//! buffer, box means over integral images, and the whitened high-pass residual the watermark is
//! read from.

use crate::luma_of;

/// A single-channel float image, rows top to bottom.
#[derive(Clone)]
pub(crate) struct Plane {
    /// Width in pixels.
    pub(crate) width: usize,
    /// Height in pixels.
    pub(crate) height: usize,
    /// `width * height` samples.
    pub(crate) data: Vec<f32>,
    /// Position of the plane's top-left pixel in the image it was cut from.
    pub(crate) origin: (usize, usize),
}

impl Plane {
    /// The luma of the centred window of at most `max_side` x `max_side` pixels of `rgba`
    /// (`width` x `height`, already validated).
    pub(crate) fn luma_window(rgba: &[u8], width: usize, height: usize, max_side: usize) -> Self {
        let (window_w, window_h) = (width.min(max_side), height.min(max_side));
        let origin = ((width - window_w) / 2, (height - window_h) / 2);
        let mut data = Vec::with_capacity(window_w * window_h);
        for y in origin.1..origin.1 + window_h {
            for x in origin.0..origin.0 + window_w {
                let start = (y * width + x) * 4;
                data.push(luma_of(&rgba[start..start + 3]));
            }
        }
        Self { width: window_w, height: window_h, data, origin }
    }

    /// The centred sub-window of at most `max_side` x `max_side` pixels.
    pub(crate) fn centre(&self, max_side: usize) -> Self {
        let (window_w, window_h) = (self.width.min(max_side), self.height.min(max_side));
        let (left, top) = ((self.width - window_w) / 2, (self.height - window_h) / 2);
        let mut data = Vec::with_capacity(window_w * window_h);
        for y in top..top + window_h {
            data.extend_from_slice(&self.data[y * self.width + left..y * self.width + left + window_w]);
        }
        Self { width: window_w, height: window_h, data, origin: (self.origin.0 + left, self.origin.1 + top) }
    }

    /// The mean over the (2 radius + 1)-square around every pixel, clipped at the borders.
    pub(crate) fn box_mean(&self, radius: usize) -> Self {
        let (w, h) = (self.width, self.height);
        let stride = w + 1;
        let mut integral = vec![0.0f64; stride * (h + 1)];
        for y in 0..h {
            let mut row = 0.0f64;
            for x in 0..w {
                row += f64::from(self.data[y * w + x]);
                integral[(y + 1) * stride + x + 1] = integral[y * stride + x + 1] + row;
            }
        }
        let mut data = Vec::with_capacity(w * h);
        for y in 0..h {
            let (top, bottom) = (y.saturating_sub(radius), (y + radius + 1).min(h));
            for x in 0..w {
                let (left, right) = (x.saturating_sub(radius), (x + radius + 1).min(w));
                let sum = integral[bottom * stride + right]
                    - integral[top * stride + right]
                    - integral[bottom * stride + left]
                    + integral[top * stride + left];
                let area = ((bottom - top) * (right - left)).max(1) as f64;
                data.push((sum / area) as f32);
            }
        }
        Self { width: w, height: h, data, origin: self.origin }
    }

    /// The high-pass residual (the plane minus its box mean of `radius`), divided by its local RMS
    /// so that strong edges do not outweigh flat areas, and clipped to +/-3.
    pub(crate) fn whitened_residual(&self, radius: usize) -> Self {
        let blurred = self.box_mean(radius);
        let mut residual = self.clone();
        residual.data.iter_mut().zip(&blurred.data).for_each(|(v, b)| *v -= b);
        let mut energy = residual.clone();
        energy.data.iter_mut().for_each(|v| *v *= *v);
        let energy = energy.box_mean(2 * radius + 2);
        residual.data.iter_mut().zip(&energy.data).for_each(|(v, e)| *v = (*v / (e + 1.0).sqrt()).clamp(-3.0, 3.0));
        residual
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_mean_of_constant_is_constant_and_window_is_centred() {
        let rgba: Vec<u8> = (0..20 * 10).flat_map(|_| [100, 100, 100, 255]).collect();
        let plane = Plane::luma_window(&rgba, 20, 10, 8);
        assert_eq!((plane.width, plane.height, plane.origin), (8, 8, (6, 1)));
        let mean = plane.box_mean(3);
        assert!(mean.data.iter().all(|v| (v - 100.0).abs() < 1e-3));
        assert!(plane.whitened_residual(2).data.iter().all(|v| v.abs() < 1e-3));
    }
}
