//! Offline CPU face detection and the crop geometry of CI's `imageMogr2/scrop/<W>x<H>`
//! (smart face crop).
//!
//! What this crate owns, and how data flows through it:
//! - [`FaceDetector`] takes an 8-bit luma buffer (use [`rgba_to_luma`] for RGBA8) and returns
//!   [`Face`] boxes in input pixels. Inside: a bounded working copy (`luma`), an image pyramid
//!   with integral images (`integral`), a boosted LBP cascade evaluated on every window
//!   (`cascade`; the model is OpenCV's `lbpcascade_frontalface_improved.xml`, embedded with
//!   `include_str!` and parsed once per process), and grouping of overlapping hits (`group`).
//! - [`smart_crop`] turns an image size, a target size and the faces into a [`CropPlan`]: how to
//!   scale the whole image and which `W x H` window to cut so the faces are as centred as the frame
//!   allows. [`saliency_crop`] is an optional edge-energy fallback for images without faces.
//!
//! No file is read and nothing is downloaded at run time; no pixel decoding happens here (the
//! caller decodes). Nothing panics on any input size.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod cascade;
mod crop;
mod detect;
mod group;
mod integral;
mod luma;

pub use crop::{CropPlan, Rect, saliency_crop, smart_crop};
pub use detect::{DetectOptions, Face, FaceDetector};
pub use luma::rgba_to_luma;

#[cfg(test)]
pub(crate) use detect::MODEL_XML;

/// The embedded model failed to parse (only possible if the vendored file was replaced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError {
    /// What was wrong.
    pub message: String,
}

impl std::fmt::Display for ModelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "face model: {}", self.message)
    }
}

impl std::error::Error for ModelError {}
