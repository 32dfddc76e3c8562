//! One error for every stage: the CI error code, the HTTP status a server answers with, the
//! `mogr` command line's exit status and a message for a person.
//!
//! The stage crates each have their own error type ([`syntax::ParseError`],
//! [`plan::ProbeError`], [`plan::PlanError`], [`exec::ExecError`]); the `From` impls here map
//! each to its CI code in one place, the [`ErrorCode`] table.

use std::fmt;

use crate::{exec, plan, syntax};

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = ($number:literal, $http:literal, $exit:literal), )+) => {
        /// The CI error codes mogr reports (the spec's "Error codes" chapter).
        ///
        /// ```
        /// use mogr::ErrorCode;
        /// assert_eq!(ErrorCode::OutputTooLarge.number(), -442);
        /// assert_eq!(ErrorCode::OutputTooLarge.name(), "OutputTooLarge");
        /// assert_eq!(ErrorCode::UnsupportedFormat.http_status(), 415);
        /// assert_eq!(ErrorCode::InvalidParameter.exit_code(), 2);
        /// ```
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
///
/// ```
/// let err = mogr::parse("imageMogr2/thumbnail/0x0").unwrap_err();
/// assert_eq!(err.code(), mogr::ErrorCode::InvalidParameter);
/// assert_eq!((err.code().number(), err.http_status(), err.exit_code()), (-60998, 400, 2));
/// assert!(err.to_string().starts_with("-60998 InvalidParameter: at byte "));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Error {
    code: ErrorCode,
    message: String,
    rule_offset: Option<usize>,
}

impl Error {
    /// An error with `code` and `message`, for code that extends mogr (a style store that
    /// fails, say) and wants its failures reported like mogr's own.
    ///
    /// ```
    /// use mogr::{Error, ErrorCode};
    /// let err = Error::new(ErrorCode::StyleNotFound, "the image style \"big\" does not exist");
    /// assert_eq!(err.http_status(), 404);
    /// assert_eq!(err.to_string(), "-60967 StyleNotFound: the image style \"big\" does not exist");
    /// ```
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error { code, message: message.into(), rule_offset: None }
    }

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
