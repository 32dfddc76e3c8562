//! # mogr-exec: codecs and pixel kernels that carry out a Plan
//!
//! The third stage of the mogr pipeline (see `DESIGN.md`):
//!
//! ```text
//! Plan + input bytes ──decode (at the planned scale)──▶ frames ──kernels──▶ frames ──encode──▶ bytes
//! ```
//!
//! This crate will own:
//!
//! - decoders and encoders for JPEG (DCT-domain shrink-on-load), PNG/APNG, GIF, WebP, BMP,
//!   HEIF/HEIC, AVIF and TIFF, with animation, quality rules and metadata handling;
//! - the pixel kernels: resize, crop, pad, rounded masks, rotate, flip, blur, sharpen, tone
//!   curves, grayscale, compositing of image and text watermarks, blind watermarks; each SIMD
//!   kernel keeps a scalar twin that must give identical bytes;
//! - the executor that runs a Plan frame by frame with rayon, never allocating beyond what the
//!   Plan allowed.
//!
//! Nothing is implemented yet: codecs are issue 4 and kernels issue 5 of the tracker.

#![deny(missing_docs)]

pub use mogr_plan as plan;
