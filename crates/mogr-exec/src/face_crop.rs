//! `scrop/<W>x<H>`: scale and crop around the faces in the image (`mogr-face`).
//!
//! ```text
//! first frame ──luma──▶ FaceDetector (LBP cascade, on a copy ≤ 640 px) ──▶ faces
//!   ──smart_crop──▶ the window in input pixels ──▶ Crop, then Resize to W×H, on every frame
//!   no face ──▶ the request answers with its input unchanged (the spec: "If no face is
//!               recognized, the input image will be returned"), unless the executor's
//!               settings ask for the saliency fallback: the window of most edge energy
//! ```
//!
//! An animation is cropped by the faces of its first frame, the same window on every frame.

use std::sync::OnceLock;

use mogr_face::{CropPlan, FaceDetector, rgba_to_luma, saliency_crop, smart_crop};
use mogr_plan::plan::{Rect, Step};

use crate::Frame;

/// What `scrop` does when no face is found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ScropFallback {
    /// Answer with the input unchanged, as the spec says.
    #[default]
    Input,
    /// Crop the window with the most edge energy (not CI behaviour; opt-in).
    Saliency,
}

/// The steps that cut and scale `frame` to `width`×`height` around its faces, or `None` when
/// it has none (and the fallback is [`ScropFallback::Input`]).
pub(crate) fn steps(frame: &Frame, width: u32, height: u32, fallback: ScropFallback) -> Option<Vec<Step>> {
    let luma = rgba_to_luma(&frame.pixels);
    let faces = detector().detect(&luma, frame.width, frame.height);
    let plan = smart_crop(frame.width, frame.height, width, height, &faces).or_else(|| match fallback {
        ScropFallback::Input => None,
        ScropFallback::Saliency => saliency_crop(&luma, frame.width, frame.height, width, height),
    })?;
    Some(crop_then_resize(&plan, (frame.width, frame.height), (width, height)))
}

/// Cut the plan's window from the input, then scale it to the target (cheaper than scaling
/// the whole image first; the window has the target's aspect to a pixel).
fn crop_then_resize(plan: &CropPlan, (frame_w, frame_h): (u32, u32), (width, height): (u32, u32)) -> Vec<Step> {
    let source = plan.source;
    let mut steps = Vec::with_capacity(2);
    if (source.x, source.y, source.width, source.height) != (0, 0, frame_w, frame_h) {
        steps.push(Step::Crop(Rect { x: source.x, y: source.y, width: source.width, height: source.height }));
    }
    if (source.width, source.height) != (width, height) {
        steps.push(Step::Resize { width, height });
    }
    steps
}

/// The detector, its model parsed once per process.
fn detector() -> &'static FaceDetector {
    static DETECTOR: OnceLock<FaceDetector> = OnceLock::new();
    DETECTOR.get_or_init(FaceDetector::new)
}
