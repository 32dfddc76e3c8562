//! # mogr-plan: from a parsed rule and an image's headers to a resolved plan
//!
//! The second stage of the mogr pipeline (see `DESIGN.md`):
//!
//! ```text
//! rule ──mogr-syntax──▶ Pipeline ──mogr-plan (probe + Limits)──▶ Plan ──mogr-exec──▶ bytes
//! ```
//!
//! This crate owns, before a single pixel is decoded:
//!
//! - [`probe()`]: format, size, bit depth, alpha, ICC, frame and loop count, EXIF/HEIF
//!   orientation and the estimated JPEG quality, read from headers alone (the [`probe`](mod@probe) module);
//! - [`Limits`]: a plain struct with the spec's defaults (input ≤ 32 MB, sides ≤ 30000 px,
//!   ≤ 250 M pixels counting frames, GIF ≤ 300 frames, output sides ≤ 9999 px, ≤ 10
//!   watermarks) and a way to change or lift each;
//! - [`plan()`]`(&Pipeline, &Probe, &Limits) -> Plan`: every step resolved to integers (thumbnail
//!   geometry with ImageMagick-compatible rounding, crop gravity, pad, rotation canvas, output
//!   format and quality, shrink-on-load factor) and the predicted peak memory, so that every
//!   limit is checked before allocation.
//!
//! - [`key`]: object keys and the URLs in rules that name them (watermark images), which
//!   can never leave their bucket.
//!
//! Checks that need the image (offsets inside it, a radius under half the short side, output
//! sides) live here; checks that need only the rule string live in `mogr-syntax`.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod key;
pub mod limits;
pub mod plan;
pub mod probe;

pub use key::{KeyError, ObjectKey, ObjectUrl};
pub use limits::Limits;
pub use mogr_syntax as syntax;
pub use plan::{OutputFormat, Plan, PlanError, Step, overlay_input, plan};
pub use probe::{ColorModel, ImageFormat, Orientation, Probe, ProbeError, probe};
