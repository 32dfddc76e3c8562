//! `imageView2`: the quick thumbnail template.
//!
//! ```text
//! view2 := '/' [1-5] ('/' param)*
//! param := 'w/' uint | 'h/' uint | 'format/' format
//!        | 'q/' [0-100] '!'? | 'rq/' [0-100] | 'lq/' [0-100]      each at most once
//! ```

use crate::ast::View2;
use crate::error::{Expected, Failure, PResult, fail, failure};
use crate::grammar::mogr2::{keyword, quality};
use crate::keywords::{Format, View2Key};
use crate::lex::{segment, slash_value, uint_u8, uint_u32};

/// `view2 := '/' mode ('/' param)*`
pub(crate) fn stage(input: &str) -> PResult<'_, View2> {
    let (mut rest, mode) =
        slash_value(input, Expected::Text("'/' and a mode from 1 to 5"), |v| uint_u8(v, "imageView2 mode", 1, 5))?;
    let mut view =
        View2 { mode, width: None, height: None, format: None, quality: None, rquality: None, lquality: None };
    while let Some(after_slash) = rest.strip_prefix('/') {
        let (after_key, word) = segment(after_slash)?;
        let Some(key) = View2Key::from_keyword(word) else {
            return fail(after_slash, word.len(), View2Key::expected());
        };
        rest = param(&mut view, key, word, after_key)?;
    }
    Ok((rest, view))
}

/// Reads the value of one parameter into `view`.
fn param<'a>(view: &mut View2, key: View2Key, word: &'a str, rest: &'a str) -> Result<&'a str, Failure<'a>> {
    let (rest, ()) = match key {
        View2Key::Width => slash_value(rest, Expected::Text("'/' and a width"), |v| {
            let (r, w) = uint_u32(v, "imageView2 width", 1, u32::MAX)?;
            once(&mut view.width, w, word).map(|()| (r, ()))
        })?,
        View2Key::Height => slash_value(rest, Expected::Text("'/' and a height"), |v| {
            let (r, h) = uint_u32(v, "imageView2 height", 1, u32::MAX)?;
            once(&mut view.height, h, word).map(|()| (r, ()))
        })?,
        View2Key::Format => slash_value(rest, Expected::Text("'/' and an image format"), |v| {
            let (r, f) = keyword::<Format>(v)?;
            once(&mut view.format, f, word).map(|()| (r, ()))
        })?,
        View2Key::Quality => slash_value(rest, Expected::Text("'/' and a quality from 0 to 100"), |v| {
            let (r, q) = quality(v, "q")?;
            once(&mut view.quality, q, word).map(|()| (r, ()))
        })?,
        View2Key::RQuality => slash_value(rest, Expected::Text("'/' and a quality from 0 to 100"), |v| {
            let (r, q) = uint_u8(v, "rq", 0, 100)?;
            once(&mut view.rquality, q, word).map(|()| (r, ()))
        })?,
        View2Key::LQuality => slash_value(rest, Expected::Text("'/' and a quality from 0 to 100"), |v| {
            let (r, q) = uint_u8(v, "lq", 0, 100)?;
            once(&mut view.lquality, q, word).map(|()| (r, ()))
        })?,
    };
    Ok(rest)
}

fn once<'a, T>(slot: &mut Option<T>, value: T, word: &'a str) -> Result<(), Failure<'a>> {
    if slot.is_some() {
        let name = View2Key::from_keyword(word).map_or("this parameter", View2Key::keyword);
        return Err(failure(word, word.len(), Expected::Once { name, scope: "per imageView2 stage" }));
    }
    *slot = Some(value);
    Ok(())
}
