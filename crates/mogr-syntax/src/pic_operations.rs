//! The `Pic-Operations` header of persistent processing.
//!
//! ```json
//! {"is_pic_info": 1, "rules": [{"bucket": "dest-1250000000", "fileid": "p2/out.jpg", "rule": "imageMogr2/thumbnail/!50p"}]}
//! ```
//!
//! The JSON is read by [`crate::json`], then checked member by member: unknown or repeated
//! members are errors (a typo such as `fileId` must not silently drop a result), at most
//! [`MAX_PIC_RULES`] rules, each rule parsed by the grammar. Error offsets are byte offsets of
//! the header, also for errors inside a rule string.

use std::fmt;

use crate::ast::Pipeline;
use crate::error::{ErrorKind, Expected, ParseError, offset_in};
use crate::json::{self, Kind, Value};
use crate::query::{Decoded, parse_query};

/// The most rules one `Pic-Operations` header may carry.
pub const MAX_PIC_RULES: usize = 5;
/// The longest header accepted, in bytes.
pub const MAX_PIC_OPERATIONS_BYTES: usize = 64 * 1024;
/// The longest `fileid`, in bytes (COS's longest object key).
pub const MAX_FILE_ID_BYTES: usize = 850;

/// A parsed `Pic-Operations` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PicOperations {
    /// `is_pic_info`: whether to answer the input image's information too.
    pub is_pic_info: bool,
    /// `rules`: up to [`MAX_PIC_RULES`] results to produce and store.
    pub rules: Vec<PicRule>,
}

/// One entry of `rules`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PicRule {
    /// `bucket`: where to store the result (`BucketName-APPID`); `None` is the input's bucket.
    pub bucket: Option<String>,
    /// `fileid`: the result's object key; with a leading `/` absolute, otherwise relative to
    /// the input's folder.
    pub file_id: String,
    /// `rule`: what to do.
    pub rule: Pipeline,
}

/// Parses and checks a `Pic-Operations` header.
pub fn parse_pic_operations(header: &str) -> Result<PicOperations, ParseError> {
    if header.len() > MAX_PIC_OPERATIONS_BYTES {
        let expected = Expected::Text("a Pic-Operations header of at most 65536 bytes");
        return Err(ParseError::new(MAX_PIC_OPERATIONS_BYTES, expected, ""));
    }
    let document = match json::document(header) {
        Ok((_, document)) => document,
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => return Err(e.into_parse_error(header)),
        Err(nom::Err::Incomplete(_)) => {
            return Err(ParseError::new(header.len(), Expected::Text("a complete JSON document"), ""));
        }
    };
    Reader { header }.operations(&document)
}

/// Turns JSON values into the typed header, reporting offsets within `header`.
struct Reader<'h> {
    header: &'h str,
}

impl<'h> Reader<'h> {
    fn error(&self, at: &str, expected: Expected) -> ParseError {
        ParseError::new(offset_in(self.header, at), expected, at)
    }

    /// The members of an object, checked against `known` and for repeats.
    fn members<'v>(
        &self,
        value: &'v Value<'h>,
        what: &'static str,
        known: &'static [&'static str],
    ) -> Result<Vec<(&'static str, &'v Value<'h>)>, ParseError> {
        let Kind::Object(members) = &value.kind else {
            return Err(self.error(value.span, Expected::Text(what)));
        };
        let mut seen: Vec<(&'static str, &'v Value<'h>)> = Vec::new();
        for (span, key, member) in members {
            let Some(&name) = known.iter().find(|&&k| k == key.text) else {
                return Err(self.error(span, Expected::OneOf { what: "a member name", choices: known }));
            };
            if seen.iter().any(|&(n, _)| n == name) {
                return Err(self.error(span, Expected::Once { name, scope: "per object" }));
            }
            seen.push((name, member));
        }
        Ok(seen)
    }

    fn operations(&self, document: &Value<'h>) -> Result<PicOperations, ParseError> {
        let mut operations = PicOperations { is_pic_info: false, rules: Vec::new() };
        for (name, value) in self.members(document, "a JSON object", &["is_pic_info", "rules"])? {
            match name {
                "is_pic_info" => operations.is_pic_info = self.is_pic_info(value)?,
                _ => operations.rules = self.rules(value)?,
            }
        }
        Ok(operations)
    }

    /// `is_pic_info`: 0 or 1, as a number or a string (or a JSON boolean).
    fn is_pic_info(&self, value: &Value<'h>) -> Result<bool, ParseError> {
        let text = match &value.kind {
            Kind::Bool(on) => return Ok(*on),
            Kind::Number(n) => *n,
            Kind::Str(s) => &s.text,
            _ => "",
        };
        match text {
            "0" => Ok(false),
            "1" => Ok(true),
            _ => Err(self.error(value.span, Expected::Integer { what: "is_pic_info", min: 0, max: 1 })),
        }
    }

    fn rules(&self, value: &Value<'h>) -> Result<Vec<PicRule>, ParseError> {
        let Kind::Array(items) = &value.kind else {
            return Err(self.error(value.span, Expected::Text("an array of rules")));
        };
        if let Some(extra) = items.get(MAX_PIC_RULES) {
            let error = self.error(extra.span, Expected::Text("at most 5 rules"));
            return Err(error.with_kind(ErrorKind::TooManyPicRules));
        }
        items.iter().enumerate().map(|(i, item)| self.rule(i, item)).collect()
    }

    fn rule(&self, index: usize, value: &Value<'h>) -> Result<PicRule, ParseError> {
        let members = self.members(value, "a rule object", &["bucket", "fileid", "rule"])?;
        let mut bucket = None;
        let mut file_id = None;
        let mut rule = None;
        for (name, member) in members {
            let text = self.string(member)?;
            match name {
                "bucket" => bucket = Some(self.bucket(member, text)?),
                "fileid" => file_id = Some(self.file_id(member, text)?),
                _ => rule = Some(self.pipeline(index, member, text)?),
            }
        }
        let missing = |what| self.error(&value.span[value.span.len() - 1..], Expected::Text(what));
        Ok(PicRule {
            bucket,
            file_id: file_id.ok_or_else(|| missing("a fileid member in each rule"))?,
            rule: rule.ok_or_else(|| missing("a rule member in each rule"))?,
        })
    }

    fn string<'v>(&self, value: &'v Value<'h>) -> Result<&'v Decoded<'h>, ParseError> {
        match &value.kind {
            Kind::Str(s) => Ok(s),
            _ => Err(self.error(value.span, Expected::Text("a string"))),
        }
    }

    /// `bucket := name '-' appid`, name of lower-case letters, digits and `-`.
    fn bucket(&self, value: &Value<'h>, text: &Decoded<'_>) -> Result<String, ParseError> {
        let valid = text.text.rsplit_once('-').is_some_and(|(name, appid)| {
            !name.is_empty()
                && name.len() <= 50
                && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !appid.is_empty()
                && appid.len() <= 20
                && appid.bytes().all(|b| b.is_ascii_digit())
        });
        if !valid {
            return Err(self.error(value.span, Expected::Text("a bucket written BucketName-APPID")));
        }
        Ok(text.text.clone().into_owned())
    }

    /// `fileid`: a key that names a file: no empty, `.` or `..` segments, no trailing `/`.
    fn file_id(&self, value: &Value<'h>, text: &Decoded<'_>) -> Result<String, ParseError> {
        let key: &str = &text.text;
        let relative = key.strip_prefix('/').unwrap_or(key);
        let valid = !relative.is_empty()
            && key.len() <= MAX_FILE_ID_BYTES
            && !key.chars().any(char::is_control)
            && relative.split('/').all(|segment| !matches!(segment, "" | "." | ".."));
        if !valid {
            let expected = Expected::Text(
                "a fileid naming a file: no empty, '.' or '..' segments, no trailing '/', at most 850 bytes",
            );
            return Err(self.error(value.span, expected));
        }
        Ok(key.to_owned())
    }

    /// `rule`: a processing rule; its errors point into the header.
    fn pipeline(&self, index: usize, value: &Value<'h>, text: &Decoded<'_>) -> Result<Pipeline, ParseError> {
        // The decoded text's offsets count from just after the opening quote.
        let start = offset_in(self.header, value.span) + 1;
        let query = parse_query(&text.text).map_err(|e| {
            let at = start + text.original_offset(e.offset());
            e.relocated(at).with_context(format!("in rules[{index}].rule"))
        })?;
        match query.pipeline {
            Some(pipeline) if query.params.is_empty() => Ok(pipeline),
            _ => Err(self.error(value.span, Expected::Text("a processing rule"))),
        }
    }
}

impl fmt::Display for PicOperations {
    /// The canonical JSON: members in spec order, no whitespace, rules in canonical form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{\"is_pic_info\":{},\"rules\":[", u8::from(self.is_pic_info))?;
        for (i, rule) in self.rules.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str("{")?;
            if let Some(bucket) = &rule.bucket {
                f.write_str("\"bucket\":")?;
                json::write_string(f, bucket)?;
                f.write_str(",")?;
            }
            f.write_str("\"fileid\":")?;
            json::write_string(f, &rule.file_id)?;
            f.write_str(",\"rule\":")?;
            json::write_string(f, &rule.rule.to_string())?;
            f.write_str("}")?;
        }
        f.write_str("]}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_spec_example() {
        let header = r#"{
  "is_pic_info": 1,
  "rules": [{
    "fileid": "exampleobject",
    "rule": "imageMogr2/thumbnail/!50p"
  }]
}"#;
        let ops = parse_pic_operations(header).unwrap();
        assert!(ops.is_pic_info);
        assert_eq!(ops.rules[0].file_id, "exampleobject");
        assert_eq!(
            ops.to_string(),
            r#"{"is_pic_info":1,"rules":[{"fileid":"exampleobject","rule":"imageMogr2/thumbnail/!50p"}]}"#
        );
        assert_eq!(parse_pic_operations(&ops.to_string()).unwrap(), ops);
    }

    #[test]
    fn rule_errors_point_into_the_header_through_escapes() {
        let header = r#"{"rules":[{"fileid":"a.jpg","rule":"imageMogr2\/rotate\/361"}]}"#;
        let err = parse_pic_operations(header).unwrap_err();
        assert_eq!(&header[err.offset()..err.offset() + 3], "361");
        assert!(err.to_string().contains("rules[0].rule"), "{err}");
    }

    #[test]
    fn six_rules_are_too_many() {
        let rule = r#"{"fileid":"a","rule":"imageInfo"}"#;
        let header = format!(r#"{{"rules":[{}]}}"#, [rule; 6].join(","));
        let err = parse_pic_operations(&header).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TooManyPicRules);
        let five = format!(r#"{{"rules":[{}]}}"#, [rule; 5].join(","));
        assert_eq!(parse_pic_operations(&five).unwrap().rules.len(), 5);
    }

    #[test]
    fn unknown_and_repeated_members_are_refused() {
        assert!(parse_pic_operations(r#"{"rules":[{"fileId":"a","rule":"imageInfo"}]}"#).is_err());
        assert!(parse_pic_operations(r#"{"rules":[],"rules":[]}"#).is_err());
    }

    #[test]
    fn fileids_must_name_a_file() {
        for bad in ["", "/", "p2/", "../x", "a/./b", "a//b"] {
            let header = format!(r#"{{"rules":[{{"fileid":"{bad}","rule":"imageInfo"}}]}}"#);
            assert!(parse_pic_operations(&header).is_err(), "{bad:?}");
        }
        for good in ["/p2/test2.jpg", "p2/test2.jpg", "a.b"] {
            let header = format!(r#"{{"rules":[{{"fileid":"{good}","rule":"imageInfo"}}]}}"#);
            assert!(parse_pic_operations(&header).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn buckets_are_name_dash_appid() {
        let header = |b: &str| format!(r#"{{"rules":[{{"bucket":"{b}","fileid":"a","rule":"imageInfo"}}]}}"#);
        assert!(parse_pic_operations(&header("examplebucket-1250000000")).is_ok());
        assert!(parse_pic_operations(&header("examplebucket")).is_err());
        assert!(parse_pic_operations(&header("Example-125")).is_err());
    }
}
