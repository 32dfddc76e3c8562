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
//!   through libjpeg-turbo with DCT-domain shrink-on-load; PNG/APNG, GIF, WebP, BMP, TIFF;
//!   HEIF/AVIF through libheif; SVG through resvg).
//! - [`ops`]: one function per resolved [`Step`](mogr_plan::Step), frame in, frame out.
//! - [`inspect`]: `ci-process=ImageInspect`, from the bytes alone.
//! - `watermark`: `watermark/1` and `watermark/2` drawn on every frame, the images from
//!   an [`ObjectResolver`] ([`objects`]), the text from `mogr-text`'s fonts.
//! - [`encode`]: a [`Picture`] to bytes in the plan's output format and quality, metadata
//!   written back unless `strip`.
//! - [`execute`]: the executor that runs a [`Plan`](mogr_plan::Plan) end to end; an
//!   [`Executor`] does so with [`Settings`] (threads, JPEG mode).
//! - [`codecs`]: the codec families cargo features turn on (`jpeg-turbo`, `webp`, `heif`,
//!   `svg`, all on by default) and the [`ExecError::Unsupported`] a request for a missing one
//!   gets.

#![deny(missing_docs)]

pub mod codecs;
pub mod decode;
pub mod encode;
mod error;
mod execute;
mod exif_report;
mod face_crop;
mod fonts;
pub mod inspect;
pub mod objects;
pub mod ops;
pub mod picture;
mod report;
mod settings;
mod watermark;

pub use error::ExecError;
pub use execute::{Output, execute};
pub use face_crop::ScropFallback;
pub use mogr_plan as plan;
pub use mogr_text as text;
pub use objects::{FetchError, FolderObjects, NoObjects, ObjectResolver};
pub use picture::{Frame, Metadata, Picture};
pub use settings::{Context, EncodeOptions, Executor, JpegMode, Settings};
