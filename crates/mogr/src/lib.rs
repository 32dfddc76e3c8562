//! # mogr: an engine for the image-processing language of Tencent Cloud Infinite
//!
//! mogr implements the strings that follow `?` in a CI image URL
//! (`imageMogr2/thumbnail/!50p|watermark/2/text/...`), the `Pic-Operations` JSON of persistent
//! processing and the info queries. This crate is the facade image servers link:
//!
//! ```text
//! rule ──mogr-syntax──▶ Pipeline ──mogr-plan──▶ Plan ──mogr-exec──▶ Response
//! ```
//!
//! Each stage is re-exported for users who need only one ([`syntax`] for validating
//! user-supplied rules, say). Every failure, whichever stage it comes from, becomes one
//! [`Error`] carrying the CI error code, the HTTP status and the process exit code, mapped
//! here in one place ([`ErrorCode`]).
//!
//! [`process`] runs the whole pipeline; [`parse`] and [`plan()`] stop after the first stages.
//!
//! ```
//! let pipeline = mogr::parse("imageMogr2/thumbnail/!50p/quality/80!").unwrap();
//! assert_eq!(pipeline.to_string(), "imageMogr2/thumbnail/!50p/quality/80!");
//!
//! let err = mogr::parse("imageMogr2/rotate/720").unwrap_err();
//! assert_eq!(err.code().number(), -60998);
//! assert_eq!(err.http_status(), 400);
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::fmt;

pub use mogr_exec as exec;
pub use mogr_plan as plan;
pub use mogr_syntax as syntax;
pub use mogr_syntax::{PicOperations, Pipeline};

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = ($number:literal, $http:literal, $exit:literal), )+) => {
        /// The CI error codes mogr reports (the spec's "Error codes" chapter).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )+
        }

        impl ErrorCode {
            /// The code as CI sends it in `X-ErrNo`, e.g. `-60998`.
            pub const fn number(self) -> i32 {
                match self { $( ErrorCode::$variant => $number, )+ }
            }

            /// The code's name, e.g. `InvalidParameter`.
            pub const fn name(self) -> &'static str {
                match self { $( ErrorCode::$variant => stringify!($variant), )+ }
            }

            /// The HTTP status a server answers with.
            pub const fn http_status(self) -> u16 {
                match self { $( ErrorCode::$variant => $http, )+ }
            }

            /// The exit status of the `mogr` command line.
            pub const fn exit_code(self) -> i32 {
                match self { $( ErrorCode::$variant => $exit, )+ }
            }
        }
    };
}

// Exit codes (the CLI's contract): 2 when the rule is at fault (a usage error), 1 when the
// image could not be processed (refused, unreadable, over a limit) or mogr failed.
error_codes! {
    /// -60998: an image processing parameter is invalid.
    InvalidParameter = (-60998, 400, 2),
    /// -60997: a `Pic-Operations` header has more rules than allowed.
    TooManyRules = (-60997, 400, 2),
    /// -60967: the image style does not exist.
    StyleNotFound = (-60967, 404, 2),
    /// -60996: the file is too large to process.
    FileTooLarge = (-60996, 413, 1),
    /// -60955: a URL in the rule (a watermark image's) is invalid or leaves the bucket.
    InvalidUrl = (-60955, 400, 2),
    /// -60987: an image the rule names (a watermark) could not be retrieved.
    ImageNotRetrieved = (-60987, 404, 1),
    /// -447: the resolution or the GIF frame count exceeds the limit.
    ResolutionOverLimit = (-447, 400, 1),
    /// -442: the output image exceeds the size limit.
    OutputTooLarge = (-442, 400, 1),
    /// -443: the image format is not supported.
    UnsupportedFormat = (-443, 415, 1),
    /// -62999: the image is not a valid file of its format.
    InvalidImage = (-62999, 400, 1),
    /// CI's "Other: internal error" (the spec gives no number; mogr uses -1): a bug.
    Internal = (-1, 500, 1),
}

/// Any failure of mogr: a CI error code and a human message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    message: String,
    rule_offset: Option<usize>,
}

impl Error {
    /// The CI error code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The HTTP status for this error.
    pub fn http_status(&self) -> u16 {
        self.code.http_status()
    }

    /// The `mogr` command line's exit status for this error.
    pub fn exit_code(&self) -> i32 {
        self.code.exit_code()
    }

    /// What went wrong, for a person.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// For an error in a rule (or a `Pic-Operations` header): the byte offset in it.
    pub fn rule_offset(&self) -> Option<usize> {
        self.rule_offset
    }
}

impl fmt::Display for Error {
    /// `<CI code> <name>: <message>`, e.g. `-60998 InvalidParameter: at byte 3: ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.code.number(), self.code.name(), self.message)
    }
}

impl std::error::Error for Error {}

impl From<syntax::ParseError> for Error {
    fn from(e: syntax::ParseError) -> Self {
        let code = match e.kind() {
            syntax::ErrorKind::TooManyPicRules => ErrorCode::TooManyRules,
            _ => ErrorCode::InvalidParameter,
        };
        Error { code, message: e.to_string(), rule_offset: Some(e.offset()) }
    }
}

impl From<plan::ProbeError> for Error {
    fn from(e: plan::ProbeError) -> Self {
        let code = match e {
            plan::ProbeError::UnsupportedFormat => ErrorCode::UnsupportedFormat,
            _ => ErrorCode::InvalidImage,
        };
        Error { code, message: e.to_string(), rule_offset: None }
    }
}

impl From<plan::PlanError> for Error {
    fn from(e: plan::PlanError) -> Self {
        let code = match &e {
            plan::PlanError::Probe(probe) => return Error::from(probe.clone()),
            plan::PlanError::InputTooLarge { .. } => ErrorCode::FileTooLarge,
            plan::PlanError::InputOverLimit(_) => ErrorCode::ResolutionOverLimit,
            plan::PlanError::OutputTooLarge { .. } => ErrorCode::OutputTooLarge,
            plan::PlanError::UnsupportedFormat(_) => ErrorCode::UnsupportedFormat,
            plan::PlanError::UnexpandedStyle(_) => ErrorCode::StyleNotFound,
            plan::PlanError::InvalidUrl(_) => ErrorCode::InvalidUrl,
            _ => ErrorCode::InvalidParameter,
        };
        Error { code, message: e.to_string(), rule_offset: None }
    }
}

impl From<exec::ExecError> for Error {
    fn from(e: exec::ExecError) -> Self {
        let code = match &e {
            exec::ExecError::Decode(_) => ErrorCode::InvalidImage,
            exec::ExecError::Unsupported(_) | exec::ExecError::Encode(_) => ErrorCode::UnsupportedFormat,
            exec::ExecError::OutOfMemory(_) => ErrorCode::ResolutionOverLimit,
            exec::ExecError::InvalidRequest(_) => ErrorCode::InvalidParameter,
            exec::ExecError::InvalidUrl(_) => ErrorCode::InvalidUrl,
            exec::ExecError::ObjectUnavailable(_) => ErrorCode::ImageNotRetrieved,
            exec::ExecError::FileTooLarge(_) => ErrorCode::FileTooLarge,
            _ => ErrorCode::Internal,
        };
        Error { code, message: e.to_string(), rule_offset: None }
    }
}

/// What processing answers: the body and what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Response {
    /// The image (or JSON report) bytes.
    pub body: Vec<u8>,
    /// Its MIME type (`image/webp`, `application/json`, ...).
    pub mime_type: &'static str,
    /// The image format, `None` for a JSON report.
    pub format: Option<plan::OutputFormat>,
    /// Width of the image.
    pub width: u32,
    /// Height of the image.
    pub height: u32,
    /// Frames of the image.
    pub frames: u32,
}

/// Processes `image` with `rule`: parse, probe, plan, execute.
///
/// ```no_run
/// let photo = std::fs::read("photo.jpg").unwrap();
/// let thumb = mogr::process(&photo, "imageMogr2/thumbnail/720x/format/webp", &mogr::plan::Limits::default())?;
/// assert_eq!(thumb.mime_type, "image/webp");
/// # Ok::<(), mogr::Error>(())
/// ```
pub fn process(image: &[u8], rule: &str, limits: &plan::Limits) -> Result<Response, Error> {
    run(image, rule, limits, |plan, probe| exec::execute(plan, image, probe))
}

/// [`process`] on an [`exec::Executor`]: its threads, its JPEG mode.
///
/// ```no_run
/// use mogr::exec::{Executor, JpegMode, Settings};
/// let executor = Executor::new(Settings::default().with_jpeg(JpegMode::Compact))?;
/// let photo = std::fs::read("photo.jpg").unwrap();
/// let small = mogr::process_with(&photo, "imageMogr2/quality/80", &mogr::plan::Limits::default(), &executor)?;
/// assert_eq!(small.mime_type, "image/jpeg");
/// # Ok::<(), mogr::Error>(())
/// ```
pub fn process_with(
    image: &[u8],
    rule: &str,
    limits: &plan::Limits,
    executor: &exec::Executor,
) -> Result<Response, Error> {
    run(image, rule, limits, |plan, probe| executor.execute(plan, image, probe))
}

/// [`process_with`] drawing watermark images from `context`'s bucket (see
/// [`exec::objects`]): the rule's image URLs name objects of that bucket and can never leave
/// it.
///
/// ```no_run
/// use mogr::exec::{Context, Executor, FolderObjects, Settings};
/// let executor = Executor::new(Settings::default())?;
/// let bucket = FolderObjects::new("/srv/bucket");
/// let limits = mogr::plan::Limits::default();
/// let photo = std::fs::read("/srv/bucket/photo.jpg").unwrap();
/// // watermark/1/image/<base64 of "http://bucket-1250000000.cos.ap-shanghai.myqcloud.com/logo.png">
/// let rule = "watermark/1/image/aHR0cDovL2J1Y2tldC0xMjUwMDAwMDAwLmNvcy5hcC1zaGFuZ2hhaS5teXFjbG91ZC5jb20vbG9nby5wbmc";
/// let _marked = mogr::process_in(&photo, rule, &executor, Context { objects: &bucket, limits: &limits })?;
/// # Ok::<(), mogr::Error>(())
/// ```
pub fn process_in(
    image: &[u8],
    rule: &str,
    executor: &exec::Executor,
    context: exec::Context<'_>,
) -> Result<Response, Error> {
    run(image, rule, context.limits, |plan, probe| executor.execute_in(plan, image, probe, context))
}

/// Parses, probes, plans, and runs the plan with `execute`.
fn run(
    image: &[u8],
    rule: &str,
    limits: &plan::Limits,
    execute: impl FnOnce(&plan::Plan, &plan::Probe) -> Result<exec::Output, exec::ExecError>,
) -> Result<Response, Error> {
    let pipeline = parse(rule)?;
    let probe = match plan::probe(image) {
        Err(_) if matches!(pipeline.stages.as_slice(), [syntax::Stage::ImageInspect]) => {
            return inspect_non_image(image, limits);
        }
        probe => probe?,
    };
    let plan = plan::plan(&pipeline, &probe, limits)?;
    let output = execute(&plan, &probe)?;
    Ok(Response {
        body: output.bytes,
        mime_type: output.mime_type,
        format: output.format,
        width: output.width,
        height: output.height,
        frames: output.frames,
    })
}

/// `ci-process=ImageInspect` on bytes that are not an image mogr reads: a transport stream
/// renamed `.png` is exactly what it looks for. The input size limit still applies.
fn inspect_non_image(image: &[u8], limits: &plan::Limits) -> Result<Response, Error> {
    let bytes = u64::try_from(image.len()).unwrap_or(u64::MAX);
    if let Some(limit) = limits.max_input_bytes.filter(|&limit| bytes > limit) {
        return Err(plan::PlanError::InputTooLarge { bytes, limit }.into());
    }
    let body = exec::inspect::report(image, None).to_string().into_bytes();
    Ok(Response { body, mime_type: "application/json", format: None, width: 0, height: 0, frames: 0 })
}

/// Parses a rule, probes `image` and plans the one for the other, all from headers alone
/// (see [`plan::plan()`]).
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

/// Parses a processing rule (see [`syntax::parse`]).
pub fn parse(rule: &str) -> Result<Pipeline, Error> {
    Ok(syntax::parse(rule)?)
}

/// Parses a `Pic-Operations` header (see [`syntax::parse_pic_operations`]).
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
