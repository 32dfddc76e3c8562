//! The query around a rule: `&`-separated parameters, percent-encoding, `ci-process`.
//!
//! A rule reaches a server as (part of) a URL query, e.g.
//! `q-sign-algorithm=sha1&...&imageMogr2/thumbnail/!50p%7Cimageinfo`. This module splits the
//! query on `&`, percent-decodes each part on its own (so an encoded `&` inside a value cannot
//! split it), picks out the one processing rule and keeps the other parameters.
//!
//! A part is the rule when its name (the text before any `=`) contains `/` or `|`, is a stage
//! keyword, or when the part has no `=` at all. Following COS, a rule may also be written as a
//! parameter name with an empty value (`imageMogr2/strip=`): that trailing `=` is not part of
//! the rule. Error offsets are mapped back through the decoding to the query as given.

use std::borrow::Cow;

use crate::ast::{Pipeline, Stage};
use crate::error::{Expected, ParseError, offset_in};
use crate::grammar;
use crate::keywords::StageKey;

/// The query parameter that names a `ci-process` operation.
pub const CI_PROCESS: &str = "ci-process";
/// The `ci-process` value for abnormal-image detection.
pub const IMAGE_INSPECT: &str = "ImageInspect";
/// Query-level keywords, for the fuzz dictionary.
pub(crate) const QUERY_KEYWORDS: &[&str] = &[CI_PROCESS, IMAGE_INSPECT];

/// The longest query or rule accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 32 * 1024;

/// A query split into its processing rule and its other parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// The processing rule, if the query has one.
    pub pipeline: Option<Pipeline>,
    /// Every other parameter as a decoded `(name, value)` pair, in order (e.g. the
    /// `q-sign-*` signature fields). A parameter without `=` has an empty value.
    pub params: Vec<(String, String)>,
}

/// Splits and decodes a query; see the module docs.
pub fn parse_query(query: &str) -> Result<Query, ParseError> {
    let (body, shift) = match query.strip_prefix('?') {
        Some(body) => (body, 1),
        None => (query, 0),
    };
    if body.len() > MAX_QUERY_BYTES {
        let expected = Expected::Text("a query of at most 32768 bytes");
        return Err(ParseError::new(MAX_QUERY_BYTES + shift, expected, ""));
    }
    let mut result = Query { pipeline: None, params: Vec::new() };
    for part in body.split('&').filter(|p| !p.is_empty()) {
        let start = offset_in(query, part);
        let decoded = Decoded::new(part).map_err(|e| e.shifted(start))?;
        let text: &str = &decoded.text;
        let name = text.split('=').next().unwrap_or(text);
        if name == CI_PROCESS {
            let pipeline = ci_process(&decoded).map_err(|e| e.shifted(start))?;
            set_pipeline(&mut result, pipeline, start)?;
        } else if is_rule(text) {
            let pipeline = rule(&decoded).map_err(|e| e.shifted(start))?;
            set_pipeline(&mut result, pipeline, start)?;
        } else {
            let value = text.get(name.len() + 1..).unwrap_or("");
            result.params.push((name.to_owned(), value.to_owned()));
        }
    }
    Ok(result)
}

/// Whether a decoded query part is the processing rule.
fn is_rule(text: &str) -> bool {
    match text.split_once('=') {
        None => true,
        Some((name, _)) => name.contains(['/', '|']) || StageKey::from_keyword(name).is_some(),
    }
}

fn set_pipeline(query: &mut Query, pipeline: Pipeline, start: usize) -> Result<(), ParseError> {
    if query.pipeline.is_some() {
        return Err(ParseError::new(start, Expected::Text("a single processing rule in a query"), "a second rule"));
    }
    query.pipeline = Some(pipeline);
    Ok(())
}

/// `ci-process=ImageInspect`
fn ci_process(decoded: &Decoded<'_>) -> Result<Pipeline, ParseError> {
    let value_start = CI_PROCESS.len() + 1;
    let value = decoded.text.get(value_start..).unwrap_or("");
    if value != IMAGE_INSPECT {
        let expected = Expected::OneOf { what: "a ci-process operation", choices: &[IMAGE_INSPECT] };
        let at = decoded.original_offset(value_start.min(decoded.text.len()));
        return Err(ParseError::new(at, expected, value));
    }
    Ok(Pipeline { stages: vec![Stage::ImageInspect] })
}

/// Parses the rule in a decoded part, minus the `=` of an empty parameter value.
fn rule(decoded: &Decoded<'_>) -> Result<Pipeline, ParseError> {
    let text: &str = &decoded.text;
    let empty_value_marker = text.find('=') == Some(text.len().saturating_sub(1)) || text.ends_with("===");
    let rule = if empty_value_marker { &text[..text.len() - 1] } else { text };
    parse_rule_text(rule).map_err(|e| {
        let at = decoded.original_offset(e.offset());
        e.relocated(at)
    })
}

/// Parses a decoded rule (no query syntax); offsets are relative to `rule`.
pub(crate) fn parse_rule_text(rule: &str) -> Result<Pipeline, ParseError> {
    match grammar::pipeline(rule) {
        Ok((_, pipeline)) => Ok(pipeline),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(e.into_parse_error(rule)),
        Err(nom::Err::Incomplete(_)) => Err(ParseError::new(rule.len(), Expected::Text("a complete rule"), "")),
    }
}

/// Text decoded from an escaped form, with a map back to the escaped form's offsets.
pub(crate) struct Decoded<'a> {
    /// Borrowed from the original when nothing was escaped.
    pub text: Cow<'a, str>,
    /// For each byte of `text`, its offset in the original; `None` when nothing was escaped
    /// (offsets are then the same).
    map: Option<Vec<usize>>,
    original_len: usize,
}

impl<'a> Decoded<'a> {
    /// Percent-decodes `part`; `+` stays `+`.
    fn new(part: &'a str) -> Result<Decoded<'a>, ParseError> {
        if !part.contains('%') {
            return Ok(Decoded::verbatim(part));
        }
        let bytes = part.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut map = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hex = part
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok().filter(|_| h.bytes().all(|b| b.is_ascii_hexdigit())));
                let Some(byte) = hex else {
                    let found = part.get(i..(i + 3).min(part.len())).unwrap_or("%");
                    return Err(ParseError::new(i, Expected::Text("'%' followed by two hex digits"), found));
                };
                out.push(byte);
                map.push(i);
                i += 3;
            } else {
                out.push(bytes[i]);
                map.push(i);
                i += 1;
            }
        }
        match String::from_utf8(out) {
            Ok(text) => Ok(Decoded { text: Cow::Owned(text), map: Some(map), original_len: part.len() }),
            Err(e) => {
                let at = map.get(e.utf8_error().valid_up_to()).copied().unwrap_or(part.len());
                Err(ParseError::new(at, Expected::Text("percent-encoded UTF-8"), part.get(at..).unwrap_or("")))
            }
        }
    }

    /// Text that had nothing escaped.
    pub(crate) fn verbatim(text: &'a str) -> Decoded<'a> {
        Decoded { text: Cow::Borrowed(text), map: None, original_len: text.len() }
    }

    /// Text decoded from `original_len` bytes, with each byte's offset in them.
    pub(crate) fn with_map(text: String, map: Vec<usize>, original_len: usize) -> Decoded<'a> {
        Decoded { text: Cow::Owned(text), map: Some(map), original_len }
    }

    /// The offset in the original of decoded offset `at` (the end maps to the end).
    pub(crate) fn original_offset(&self, at: usize) -> usize {
        match &self.map {
            None => at,
            Some(map) => map.get(at).copied().unwrap_or(self.original_len),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_rule_from_the_signature() {
        let q = parse_query("q-sign-algorithm=sha1&q-ak=AKID&imageMogr2/thumbnail/!50p&q-url-param-list=").unwrap();
        assert_eq!(q.pipeline.unwrap().to_string(), "imageMogr2/thumbnail/!50p");
        assert_eq!(q.params[0], ("q-sign-algorithm".into(), "sha1".into()));
        assert_eq!(q.params[2], ("q-url-param-list".into(), String::new()));
    }

    #[test]
    fn decodes_each_part_on_its_own() {
        let q = parse_query("imageMogr2/thumbnail/300x300%3E%7CimageInfo&x=a%26b").unwrap();
        assert_eq!(q.pipeline.unwrap().to_string(), "imageMogr2/thumbnail/300x300>|imageInfo");
        assert_eq!(q.params, vec![("x".into(), "a&b".into())]);
    }

    #[test]
    fn a_rule_may_be_a_name_with_an_empty_value() {
        let q = parse_query("imageMogr2/thumbnail/!50p=").unwrap();
        assert_eq!(q.pipeline.unwrap().to_string(), "imageMogr2/thumbnail/!50p");
    }

    #[test]
    fn errors_point_into_the_encoded_query() {
        // "imageMogr2/thumbnail/" is 21 bytes; after "a=b&" (4) and "%21" (3) comes "0p".
        let err = parse_query("a=b&imageMogr2/thumbnail/%210p").unwrap_err();
        assert_eq!(err.offset(), 28);
    }

    #[test]
    fn bad_escapes_are_reported_where_they_stand() {
        assert_eq!(parse_query("imageMogr2/strip%zz").unwrap_err().offset(), 16);
        assert_eq!(parse_query("imageMogr2/strip%ff").unwrap_err().offset(), 16);
    }

    #[test]
    fn two_rules_are_refused() {
        assert_eq!(parse_query("imageInfo&exif").unwrap_err().offset(), 10);
    }

    #[test]
    fn ci_process_is_image_inspect_only() {
        let q = parse_query("ci-process=ImageInspect").unwrap();
        assert_eq!(q.pipeline.unwrap().stages, vec![Stage::ImageInspect]);
        assert_eq!(parse_query("ci-process=AIImageCrop").unwrap_err().offset(), 11);
    }
}
