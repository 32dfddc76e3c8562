//! The grammar of a processing rule, one small function per production.
//!
//! ```text
//! pipeline := stage ('|' stage)*                  1 to 10 stages; a report stage only last
//! stage    := 'imageMogr2' mogr2                  (mogr2.rs)
//!           | 'imageView2' view2                  (view2.rs)
//!           | 'watermark' watermark               (watermark.rs)
//!           | 'imageInfo' | 'exif' | 'imageAve'
//!           | 'style/' style_name
//! ```
//!
//! Every function takes the rest of the input and returns the rest after what it read.
//! Failures are committed (`nom::Err::Failure`) as soon as a keyword has been recognised, so
//! the error points at the deepest place that went wrong.

pub(crate) mod mogr2;
pub(crate) mod view2;
pub(crate) mod watermark;

use crate::ast::{MAX_STAGES, Pipeline, Stage};
use crate::error::{Expected, Failure, PResult, fail, failure};
use crate::keywords::StageKey;
use crate::lex::{segment, slash_value, token_len};

/// `pipeline := stage ('|' stage)*`, with at most [`MAX_STAGES`] stages and a report stage
/// (JSON answer) only at the end.
pub(crate) fn pipeline(input: &str) -> PResult<'_, Pipeline> {
    let mut stages = Vec::new();
    let mut rest = input;
    loop {
        if stages.len() == MAX_STAGES {
            return fail(rest, token_len(rest), Expected::Text("at most 10 stages in a pipeline"));
        }
        let (after, stage) = stage(rest)?;
        let is_report = stage.is_report();
        stages.push(stage);
        match after.strip_prefix('|') {
            None if after.is_empty() => return Ok((after, Pipeline { stages })),
            None => return fail(after, token_len(after), Expected::Text("'|' or the end of the rule")),
            Some(_) if is_report => {
                return fail(after, 1, Expected::Text("the end of the rule (a stage that answers JSON comes last)"));
            }
            Some(next) => rest = next,
        }
    }
}

/// `stage := stage_key stage_body`
fn stage(input: &str) -> PResult<'_, Stage> {
    let (rest, word) = segment(input)?;
    let Some(key) = StageKey::from_keyword(word) else {
        return fail(input, word.len(), StageKey::expected());
    };
    match key {
        StageKey::ImageMogr2 => mogr2::stage(rest).map(|(r, s)| (r, Stage::ImageMogr2(s))),
        StageKey::ImageView2 => view2::stage(rest).map(|(r, s)| (r, Stage::ImageView2(s))),
        StageKey::Watermark => watermark::stage(rest).map(|(r, s)| (r, Stage::Watermark(s))),
        StageKey::ImageInfo => bare(rest, Stage::ImageInfo),
        StageKey::Exif => bare(rest, Stage::Exif),
        StageKey::ImageAve => bare(rest, Stage::ImageAve),
        StageKey::Style => style(rest),
    }
}

/// A stage without parameters: nothing may follow but `|` or the end.
fn bare(input: &str, stage: Stage) -> PResult<'_, Stage> {
    if input.starts_with('/') {
        return fail(input, 1, Expected::Text("'|' or the end of the rule (this stage takes no parameters)"));
    }
    Ok((input, stage))
}

/// The longest style name, in characters.
pub const MAX_STYLE_NAME_CHARS: usize = 64;

/// `style := '/' style_name`, `style_name := [letters digits - _ .]{1,64}`
fn style(input: &str) -> PResult<'_, Stage> {
    let expected = Expected::Text("a style name of 1 to 64 letters, digits, '-', '_' or '.'");
    slash_value(input, expected.clone(), |name| {
        let valid_char = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.');
        match name.char_indices().find(|&(_, c)| !valid_char(c)) {
            Some((at, c)) => fail(&name[at..], c.len_utf8(), expected),
            None if name.chars().count() > MAX_STYLE_NAME_CHARS => fail(name, name.len(), expected),
            None => Ok(("", Stage::Style(name.to_owned()))),
        }
    })
}

/// The error for a parameter given again where it may appear once.
pub(crate) fn given_twice<'a>(word: &'a str, name: &'static str, scope: &'static str) -> Failure<'a> {
    failure(word, word.len(), Expected::Once { name, scope })
}

/// A parameter that may be given once in its scope: where it was written, for the error.
pub(crate) struct Once<'a> {
    pub word: &'a str,
    pub name: &'static str,
    pub scope: &'static str,
}

impl<'a> Once<'a> {
    /// Stores `value` in an empty slot; a full one means the parameter was given twice.
    pub fn store<T>(&self, slot: &mut Option<T>, value: T) -> Result<(), Failure<'a>> {
        if slot.is_some() {
            return Err(given_twice(self.word, self.name, self.scope));
        }
        *slot = Some(value);
        Ok(())
    }

    /// Reads `'/' value` with `parse` and stores it in `slot` (see [`Once::store`]).
    pub fn set<T>(
        &self,
        slot: &mut Option<T>,
        rest: &'a str,
        expected: Expected,
        parse: impl FnOnce(&'a str) -> PResult<'a, T>,
    ) -> Result<&'a str, Failure<'a>> {
        if slot.is_some() {
            return Err(given_twice(self.word, self.name, self.scope));
        }
        let (rest, value) = slash_value(rest, expected, parse)?;
        *slot = Some(value);
        Ok(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_stage_ends_the_pipeline() {
        assert!(pipeline("imageMogr2/strip|imageAve").is_ok());
        assert!(pipeline("imageAve|imageMogr2/strip").is_err());
    }

    #[test]
    fn style_names_are_bounded() {
        assert_eq!(pipeline("style/水印-1.v2").map(|(_, p)| p.stages), Ok(vec![Stage::Style("水印-1.v2".into())]));
        assert!(pipeline(&format!("style/{}", "a".repeat(MAX_STYLE_NAME_CHARS + 1))).is_err());
        assert!(pipeline("style/a=b").is_err());
    }
}
