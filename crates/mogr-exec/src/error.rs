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
    /// A broken invariant: a bug in mogr (CI internal error).
    Internal(String),
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecError::Decode(m) => write!(f, "cannot decode the image: {m}"),
            ExecError::Unsupported(m) => write!(f, "not supported: {m}"),
            ExecError::OutOfMemory(m) => write!(f, "out of memory for {m}"),
            ExecError::Encode(m) => write!(f, "cannot encode the result: {m}"),
            ExecError::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
}

impl std::error::Error for ExecError {}
