//! # mogr-syntax: the image-processing language of Tencent Cloud Infinite
//!
//! The first stage of mogr. It turns the strings that follow `?` in an image URL, such as
//! `imageMogr2/thumbnail/!50p|watermark/2/text/5rC05Y2w`, into a typed [`Pipeline`], prints
//! any pipeline back in one canonical form, and reports bad strings with the byte offset, what
//! was expected there and what was found. It knows nothing of images: checks that need one
//! (offsets inside it, output sizes) belong to `mogr-plan`.
//!
//! ```text
//! query ──split on '&', percent-decode (query.rs)──▶ rule text ──grammar/ (nom)──▶ Pipeline
//!                                                                       │
//!          Pipeline ──Display (display.rs)──▶ canonical rule text ◀─────┘
//! ```
//!
//! - [`parse`] reads a rule, alone or inside a query beside other parameters;
//!   [`parse_query`] also hands back those parameters (e.g. the `q-sign-*` signature).
//! - [`parse_pic_operations`] reads the JSON header of persistent processing.
//! - The keyword tables in [`keywords`] drive the parser, the printer, the error messages and
//!   the fuzz dictionary.
//!
//! Every value range the spec states is checked while parsing; numbers are read with
//! overflow-checked arithmetic, input length is bounded ([`MAX_QUERY_BYTES`]) and no input can
//! make the parser panic, loop or allocate more than a small multiple of its length.
//!
//! ```
//! let pipeline = mogr_syntax::parse("imageMogr2/thumbnail/300x300%3E/format/PNG|imageInfo").unwrap();
//! assert_eq!(pipeline.to_string(), "imageMogr2/thumbnail/300x300>/format/png|imageInfo");
//!
//! let err = mogr_syntax::parse("imageMogr2/blur/8x0").unwrap_err();
//! assert_eq!(err.offset(), 18);
//! assert_eq!(err.to_string(), "at byte 18: expected blur sigma greater than 0, found \"0\"");
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod ast;
mod display;
mod error;
mod grammar;
mod json;
pub mod keywords;
mod lex;
mod pic_operations;
mod query;

pub use ast::{Pipeline, Stage};
pub use error::{ErrorKind, Expected, ParseError};
pub use grammar::MAX_STYLE_NAME_CHARS;
pub use grammar::watermark::MAX_BLIND_TEXT_CHARS;
pub use json::MAX_DEPTH as MAX_JSON_DEPTH;
pub use lex::{MAX_DECIMAL_THOUSANDTHS, MAX_OFFSET, MAX_TEXT_BYTES, encode_base64};
pub use pic_operations::{
    MAX_FILE_ID_BYTES, MAX_PIC_OPERATIONS_BYTES, MAX_PIC_RULES, PicOperations, PicRule, parse_pic_operations,
};
pub use query::{CI_PROCESS, IMAGE_INSPECT, MAX_QUERY_BYTES, Query, parse_query};

/// Parses a processing rule.
///
/// The rule may be percent-encoded and may sit in a query beside other parameters
/// (`imageMogr2/strip&q-sign-algorithm=sha1&...`); those are ignored here (see
/// [`parse_query`]). A query with no rule is an error.
pub fn parse(rule: &str) -> Result<Pipeline, ParseError> {
    let query = parse_query(rule)?;
    query.pipeline.ok_or_else(|| {
        let at = rule.len();
        ParseError::new(at, keywords::StageKey::expected(), "")
    })
}

impl std::str::FromStr for Pipeline {
    type Err = ParseError;

    fn from_str(rule: &str) -> Result<Self, Self::Err> {
        parse(rule)
    }
}
