//! The face detector: bounded working copy, image pyramid, sliding window, grouping.
//!
//! Data flow of [`FaceDetector::detect`]: the caller's luma buffer is box-shrunk so its longer side
//! is at most [`DetectOptions::max_working_side`]; for each pyramid scale (growing by
//! [`DetectOptions::scale_step`]) the working copy is resized bilinearly so the 45x45 model window
//! covers a larger face, an integral image is built, and the window slides over it (step 2 pixels,
//! 1 pixel once the scale exceeds 2, as OpenCV). Windows that pass all cascade stages are grouped
//! ([`crate::group`]) and mapped back to input pixels.

use std::sync::OnceLock;

use crate::cascade::{BoundCascade, Cascade, ModelError};
use crate::group::{Hit, group_hits};
use crate::integral::{IntegralImage, MAX_SIDE};
use crate::luma::{GreyImage, resize_bilinear, shrink_to_fit};

/// The vendored model, OpenCV's `lbpcascade_frontalface_improved.xml` (see `LICENSE-MODEL`).
pub(crate) const MODEL_XML: &str = include_str!("../model/lbpcascade_frontalface_improved.xml");

/// Raw window hits kept per image; beyond this the grouping (quadratic in hits) would dominate.
const MAX_RAW_HITS: usize = 20_000;

/// A detected face, in the caller's input pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Face {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Box width (the model's boxes are square in working pixels).
    pub width: u32,
    /// Box height.
    pub height: u32,
    /// How many overlapping pyramid windows voted for this face (at least
    /// `min_neighbors + 1`). Not a probability: higher means surer.
    pub confidence: f32,
}

/// Tuning of [`FaceDetector::detect`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectOptions {
    /// Smallest face side to look for, in input pixels. Faces smaller than the model window
    /// (45 working pixels) cannot be found whatever this says.
    pub min_face_size: u32,
    /// Largest face side to look for, in input pixels; 0 = no limit.
    pub max_face_size: u32,
    /// The input is box-shrunk so that its longer side is at most this (clamped to 45..=4096)
    /// before searching: this bounds time and memory on any input size.
    pub max_working_side: u32,
    /// Pyramid scale factor between levels (clamped to at least 1.01).
    pub scale_step: f32,
    /// A face needs more than this many overlapping window hits (OpenCV's `minNeighbors`).
    pub min_neighbors: u32,
}

impl Default for DetectOptions {
    fn default() -> Self {
        DetectOptions { min_face_size: 0, max_face_size: 0, max_working_side: 640, scale_step: 1.1, min_neighbors: 3 }
    }
}

/// An offline frontal-face detector. Cheap to construct after the first one (the model is parsed
/// once per process); `Send + Sync`, so one instance can serve many threads.
#[derive(Debug, Clone)]
pub struct FaceDetector {
    cascade: Option<&'static Cascade>,
    options: DetectOptions,
}

impl Default for FaceDetector {
    fn default() -> Self {
        FaceDetector::new()
    }
}

fn embedded_cascade() -> Result<&'static Cascade, ModelError> {
    static CASCADE: OnceLock<Result<Cascade, ModelError>> = OnceLock::new();
    CASCADE.get_or_init(|| Cascade::from_opencv_xml(MODEL_XML)).as_ref().map_err(Clone::clone)
}

impl FaceDetector {
    /// The detector with the embedded model and default options. The embedded model is checked
    /// by this crate's tests; should it ever fail to parse, this detector finds no face (use
    /// [`FaceDetector::try_new`] to see the error).
    pub fn new() -> FaceDetector {
        FaceDetector { cascade: embedded_cascade().ok(), options: DetectOptions::default() }
    }

    /// Like [`FaceDetector::new`], but reports a model that fails to parse.
    pub fn try_new() -> Result<FaceDetector, crate::ModelError> {
        let cascade = embedded_cascade().map_err(|e| crate::ModelError { message: e.0 })?;
        Ok(FaceDetector { cascade: Some(cascade), options: DetectOptions::default() })
    }

    /// The same detector with other options.
    #[must_use]
    pub fn with_options(self, options: DetectOptions) -> FaceDetector {
        FaceDetector { options, ..self }
    }

    /// The options in use.
    pub fn options(&self) -> DetectOptions {
        self.options
    }

    /// Finds frontal faces in an 8-bit luma buffer (row-major, `width` bytes a row, no padding),
    /// strongest first. Of a buffer shorter than `width * height`, only the whole rows present are
    /// searched.
    pub fn detect(&self, luma: &[u8], width: u32, height: u32) -> Vec<Face> {
        let Some(cascade) = self.cascade else { return Vec::new() };
        if width == 0 || height == 0 {
            return Vec::new();
        }
        let max_side = self.options.max_working_side.clamp(cascade.window_width.max(cascade.window_height), MAX_SIDE);
        let working = shrink_to_fit(luma, width, height, max_side);
        if working.width == 0 || working.height == 0 {
            return Vec::new();
        }
        let to_input = f64::from(width) / f64::from(working.width);
        let hits = self.search_pyramid(cascade, &working, to_input);
        let mut faces: Vec<Face> = group_hits(&hits, self.options.min_neighbors)
            .into_iter()
            .map(|cluster| face_in_input(cluster.hit, cluster.votes, to_input, width, height))
            .collect();
        faces.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        faces
    }

    /// The pyramid scales (working-image window scale factors) to search.
    fn scales(&self, cascade: &Cascade, working: &GreyImage, to_input: f64) -> Vec<f64> {
        let window = f64::from(cascade.window_width.max(cascade.window_height));
        let min_side = (f64::from(self.options.min_face_size) / to_input).max(window);
        let mut max_side = f64::from(working.width.min(working.height));
        if self.options.max_face_size > 0 {
            max_side = max_side.min(f64::from(self.options.max_face_size) / to_input);
        }
        let step = f64::from(self.options.scale_step).max(1.01);
        std::iter::successors(Some(min_side / window), |scale| Some(scale * step))
            .take_while(|scale| scale * window <= max_side)
            .collect()
    }

    fn search_pyramid(&self, cascade: &Cascade, working: &GreyImage, to_input: f64) -> Vec<Hit> {
        let mut hits = Vec::new();
        for scale in self.scales(cascade, working, to_input) {
            let level_w = (f64::from(working.width) / scale).round() as u32;
            let level_h = (f64::from(working.height) / scale).round() as u32;
            if level_w < cascade.window_width || level_h < cascade.window_height {
                break;
            }
            let level = resize_bilinear(working, level_w, level_h);
            let integral = IntegralImage::new(&level.pixels, level.width, level.height);
            scan_level(cascade, &integral, scale, &mut hits);
            if hits.len() >= MAX_RAW_HITS {
                break;
            }
        }
        hits
    }
}

/// Slides the model window over one pyramid level, appending hits in working-image pixels.
fn scan_level(cascade: &Cascade, integral: &IntegralImage, scale: f64, hits: &mut Vec<Hit>) {
    let step = if scale > 2.0 { 1 } else { 2 };
    let last_x = integral.width().saturating_sub(cascade.window_width);
    let last_y = integral.height().saturating_sub(cascade.window_height);
    let side = (f64::from(cascade.window_width) * scale) as f32;
    let bound = BoundCascade::new(cascade, integral);
    for y in (0..=last_y).step_by(step) {
        for x in (0..=last_x).step_by(step) {
            if hits.len() < MAX_RAW_HITS && bound.passes(x, y) {
                hits.push(Hit { x: (f64::from(x) * scale) as f32, y: (f64::from(y) * scale) as f32, side });
            }
        }
    }
}

/// Maps a working-image box to input pixels, clamped to the image.
fn face_in_input(hit: Hit, votes: u32, to_input: f64, width: u32, height: u32) -> Face {
    let to_pixels = |v: f32, limit: u32| ((f64::from(v) * to_input).round().max(0.0) as u32).min(limit);
    let (x, y) = (to_pixels(hit.x, width.saturating_sub(1)), to_pixels(hit.y, height.saturating_sub(1)));
    let side_w = to_pixels(hit.side, width).clamp(1, width.saturating_sub(x).max(1));
    let side_h = to_pixels(hit.side, height).clamp(1, height.saturating_sub(y).max(1));
    Face { x, y, width: side_w, height: side_h, confidence: votes as f32 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detector_is_send_sync_and_loads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<FaceDetector>();
        assert!(FaceDetector::try_new().is_ok());
    }

    #[test]
    fn degenerate_inputs_find_nothing_without_panicking() {
        let detector = FaceDetector::new();
        for (w, h) in [(0, 0), (1, 1), (1, 50_000), (50_000, 1), (44, 44), (45, 45), (3, 2000)] {
            let pixels = vec![128u8; w as usize * h as usize];
            assert!(detector.detect(&pixels, w, h).is_empty(), "{w}x{h}");
        }
        assert!(detector.detect(&[1, 2, 3], 1000, 1000).is_empty(), "short buffer");
        assert!(detector.detect(&[1; 100], u32::MAX, u32::MAX).is_empty(), "bogus size");
    }

    #[test]
    fn scale_list_respects_face_size_limits() {
        let detector = FaceDetector::new();
        let Ok(cascade) = embedded_cascade() else { return };
        let working = GreyImage { width: 200, height: 100, pixels: vec![0; 20_000] };
        let scales = detector.scales(cascade, &working, 1.0);
        assert!((scales[0] - 1.0).abs() < 1e-9);
        assert!(scales.iter().all(|s| s * 45.0 <= 100.0));
        let limited =
            detector.with_options(DetectOptions { min_face_size: 60, max_face_size: 80, ..Default::default() });
        let scales = limited.scales(cascade, &working, 1.0);
        assert!(scales.iter().all(|s| (60.0..=80.0).contains(&(s * 45.0))), "{scales:?}");
    }
}
