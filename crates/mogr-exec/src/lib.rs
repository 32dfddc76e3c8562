//! # mogr-exec: codecs and pixel kernels that carry out a Plan
//!
//! The third stage of the mogr pipeline (see `DESIGN.md`):
//!
//! ```text
//! Plan + input bytes ──decode (at the planned scale)──▶ Picture ──ops, step by step, frame by frame──▶
//!   Picture ──encode (format, quality, metadata)──▶ bytes
//! ```
//!
//! - [`decode`]: bytes to a [`Picture`] of RGBA8 frames at the size the plan decided (JPEG
//!   through libjpeg-turbo with DCT-domain shrink-on-load; PNG/APNG, GIF, WebP, BMP, TIFF).
//! - [`ops`]: one function per resolved [`Step`](mogr_plan::Step), frame in, frame out.
//! - [`inspect`]: `ci-process=ImageInspect`, from the bytes alone.
//! - [`encode`]: a [`Picture`] to bytes in the plan's output format and quality, metadata
//!   written back unless `strip`.
//! - [`execute`]: the executor that runs a [`Plan`](mogr_plan::Plan) end to end; an
//!   [`Executor`] does so with [`Settings`] (threads, JPEG mode).

#![deny(missing_docs)]

pub mod decode;
pub mod encode;
mod error;
mod execute;
mod exif_report;
pub mod inspect;
pub mod ops;
pub mod picture;
mod report;
mod settings;

pub use error::ExecError;
pub use execute::{Output, execute};
pub use mogr_plan as plan;
pub use picture::{Frame, Metadata, Picture};
pub use settings::{EncodeOptions, Executor, JpegMode, Settings};
