//! # mogr: an engine for the image-processing language of Tencent Cloud Infinite
//!
//! mogr implements the strings that follow `?` in a CI image URL
//! (`imageMogr2/thumbnail/!50p|watermark/2/text/...`), the `Pic-Operations` JSON of persistent
//! processing and the info queries (`imageInfo`, `exif`, `imageAve`, `ci-process=ImageInspect`).
//! This crate is the facade image servers link:
//!
//! ```text
//! rule ──mogr-syntax──▶ Pipeline ──styles──▶ Pipeline ──mogr-plan (probe, Limits)──▶ Plan
//!      ──mogr-exec (Executor, watermark images from a bucket)──▶ Response
//! ```
//!
//! ## Quick start
//!
//! Build one [`Engine`] when the server starts and share it (it is `Send + Sync`); each
//! request is one call:
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! let engine = Arc::new(
//!     mogr::Engine::builder()
//!         .memory_budget(1 << 30) // predicted peak bytes per request
//!         .threads(4)             // a pool of its own; default: rayon's global pool
//!         .objects(mogr::exec::FolderObjects::new("/srv/bucket")) // watermark images
//!         .build()?,
//! );
//!
//! let photo = std::fs::read("/srv/bucket/photo.jpg").expect("photo");
//! match engine.process(&photo, "imageMogr2/thumbnail/720x/format/webp/quality/80") {
//!     Ok(response) => {
//!         // response.body, response.mime_type ("image/webp"), response.width, ...
//!         std::fs::write("thumb.webp", &response.body).expect("written");
//!     }
//!     Err(error) => {
//!         // error.http_status() (400), error.code().number() (-60998), error.message()
//!         eprintln!("{error}");
//!     }
//! }
//! # Ok::<(), mogr::Error>(())
//! ```
//!
//! A server that decides before fetching or decoding uses [`Engine::probe`] (headers only)
//! and [`Engine::plan`] / [`Engine::plan_probed`] (output size, format, predicted memory,
//! every limit checked). Rules users type can be validated with the grammar alone
//! ([`parse`], or the [`syntax`] crate), no image needed:
//!
//! ```
//! let pipeline = mogr::parse("imageMogr2/thumbnail/!50p/quality/80!").unwrap();
//! assert_eq!(pipeline.to_string(), "imageMogr2/thumbnail/!50p/quality/80!");
//!
//! let err = mogr::parse("imageMogr2/rotate/720").unwrap_err();
//! assert_eq!(err.code().number(), -60998);
//! assert_eq!(err.http_status(), 400);
//! ```
//!
//! ## What is where
//!
//! - [`Engine`] / [`EngineBuilder`]: limits, memory budget, threads, JPEG mode, fonts, the
//!   blind-watermark key, where watermark images ([`exec::ObjectResolver`]) and styles
//!   ([`Styles`]) come from; [`Bucket`] for per-request buckets.
//! - [`Response`]: the body, its MIME type, format, size, frames and quality.
//! - [`Error`]: every failure, whichever stage it comes from, with the CI error code, the HTTP
//!   status and the `mogr` exit code, mapped here in one place ([`ErrorCode`]).
//! - The stages, re-exported for users who need only one: [`syntax`] (the grammar, no image
//!   crates), [`plan`](mod@plan) (probe, [`plan::Limits`], the planner), [`exec`] (codecs, kernels).
//! - [`process`] and [`plan()`]: one-off calls with default settings.
//!
//! The crate's `examples/` folder has a minimal axum server (`axum_server.rs`), a batch
//! converter (`batch_convert.rs`) and grammar-only rule validation (`validate_rules.rs`).

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod engine;
mod error;
mod response;
mod styles;

pub use engine::{Bucket, Engine, EngineBuilder};
pub use error::{Error, ErrorCode};
pub use mogr_exec as exec;
pub use mogr_plan as plan;
pub use mogr_syntax as syntax;
pub use mogr_syntax::{PicOperations, Pipeline};
pub use response::{Response, file_extension};
pub use styles::{NoStyles, Styles, expand_styles, has_styles};

/// Processes `image` with `rule` with default settings and `limits`: a one-off call. A
/// server builds an [`Engine`] once instead (threads, fonts, buckets, styles).
///
/// ```no_run
/// let photo = std::fs::read("photo.jpg").expect("photo.jpg");
/// let thumb = mogr::process(&photo, "imageMogr2/thumbnail/720x/format/webp", &mogr::plan::Limits::default())?;
/// assert_eq!(thumb.mime_type, "image/webp");
/// # Ok::<(), mogr::Error>(())
/// ```
pub fn process(image: &[u8], rule: &str, limits: &plan::Limits) -> Result<Response, Error> {
    let pipeline = parse(rule)?;
    engine::run(image, &pipeline, limits, |plan, probe| exec::execute(plan, image, probe))
}

/// Parses a rule, probes `image` and plans the one for the other, all from headers alone
/// (see [`plan::plan()`]); [`Engine::plan`] does the same with an engine's limits and styles.
///
/// ```
/// // A 1x1 GIF.
/// let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
/// let plan = mogr::plan(gif, "imageMogr2/thumbnail/100x/format/png", &mogr::plan::Limits::default()).unwrap();
/// assert_eq!((plan.output().width, plan.output().height), (100, 100));
/// ```
pub fn plan(image: &[u8], rule: &str, limits: &plan::Limits) -> Result<plan::Plan, Error> {
    let pipeline = parse(rule)?;
    let probe = plan::probe(image)?;
    Ok(plan::plan(&pipeline, &probe, limits)?)
}

/// Parses a processing rule (see [`syntax::parse`]): the grammar alone, no image and no
/// engine needed, for validating rules users type.
///
/// ```
/// let pipeline = mogr::parse("imageMogr2/thumbnail/!50p/quality/80!")?;
/// assert_eq!(pipeline.to_string(), "imageMogr2/thumbnail/!50p/quality/80!");
/// assert_eq!(pipeline.stages.len(), 1);
/// # Ok::<(), mogr::Error>(())
/// ```
pub fn parse(rule: &str) -> Result<Pipeline, Error> {
    Ok(syntax::parse(rule)?)
}

/// Parses a `Pic-Operations` header (see [`syntax::parse_pic_operations`]).
///
/// ```
/// let header = r#"{"is_pic_info":1,"rules":[{"fileid":"small.webp","rule":"imageMogr2/format/webp"}]}"#;
/// let operations = mogr::parse_pic_operations(header)?;
/// assert_eq!(operations.rules.len(), 1);
/// # Ok::<(), mogr::Error>(())
/// ```
pub fn parse_pic_operations(header: &str) -> Result<PicOperations, Error> {
    Ok(syntax::parse_pic_operations(header)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_are_invalid_parameters() {
        let err = parse("imageMogr2/blur/51x5").unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidParameter);
        assert_eq!(err.to_string(), format!("-60998 InvalidParameter: {}", err.message()));
        assert!(err.message().starts_with("at byte 16: "), "{}", err.message());
    }

    #[test]
    fn six_pic_rules_are_too_many_rules() {
        let rule = r#"{"fileid":"a.jpg","rule":"imageInfo"}"#;
        let header = format!(r#"{{"rules":[{}]}}"#, [rule; 6].join(","));
        let err = parse_pic_operations(&header).unwrap_err();
        assert_eq!(err.code().number(), -60997);
        assert_eq!(err.code().name(), "TooManyRules");
    }
}
