//! Errors of execution, split by who is at fault.

use std::fmt;

/// Why executing a plan failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExecError {
    /// The input's data is damaged or not what its headers said (CI code -62999).
    Decode(String),
    /// The plan asks for something this build cannot do yet or at all (CI code -443).
    Unsupported(String),
    /// A buffer the plan needs could not be allocated (CI code -447).
    OutOfMemory(String),
    /// An encoder failed (CI code -443).
    Encode(String),
    /// The rule asks for something this input cannot give (a text no font draws, a
    /// watermark scaled far beyond the image, an animated watermark image): CI code -60998.
    InvalidRequest(String),
    /// An object URL in the rule names something that may not be read (outside the bucket):
    /// CI code -60955.
    InvalidUrl(String),
    /// An object the rule names (a watermark image) could not be fetched: CI code -60987.
    ObjectUnavailable(String),
    /// An object the rule names is larger than the input limit: CI code -60996.
    FileTooLarge(String),
    /// A broken invariant: a bug in mogr, or the server's setup (CI internal error).
    Internal(String),
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecError::Decode(m) => write!(f, "cannot decode the image: {m}"),
            ExecError::Unsupported(m) => write!(f, "not supported: {m}"),
            ExecError::OutOfMemory(m) => write!(f, "out of memory for {m}"),
            ExecError::Encode(m) => write!(f, "cannot encode the result: {m}"),
            ExecError::InvalidRequest(m) | ExecError::InvalidUrl(m) | ExecError::ObjectUnavailable(m) => f.write_str(m),
            ExecError::FileTooLarge(m) => write!(f, "too large: {m}"),
            ExecError::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
}

impl std::error::Error for ExecError {}
