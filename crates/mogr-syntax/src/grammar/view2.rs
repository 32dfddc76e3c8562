//! `imageView2`: the quick thumbnail template.
//!
//! ```text
//! view2 := '/' [1-5] ('/' param)*
//! param := 'w/' uint | 'h/' uint | 'format/' format
//!        | 'q/' [0-100] '!'? | 'rq/' [0-100] | 'lq/' [0-100]      each at most once
//! ```

use crate::ast::View2;
use crate::error::{Expected, Failure, PResult, fail};
use crate::grammar::Once;
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
    let once = Once { word, name: key.keyword(), scope: "per imageView2 stage" };
    let quality_expected = Expected::Text("'/' and a quality from 0 to 100");
    match key {
        View2Key::Width => once.set(&mut view.width, rest, Expected::Text("'/' and a width"), |v| {
            uint_u32(v, "imageView2 width", 1, u32::MAX)
        }),
        View2Key::Height => once.set(&mut view.height, rest, Expected::Text("'/' and a height"), |v| {
            uint_u32(v, "imageView2 height", 1, u32::MAX)
        }),
        View2Key::Format => {
            once.set(&mut view.format, rest, Expected::Text("'/' and an image format"), keyword::<Format>)
        }
        View2Key::Quality => once.set(&mut view.quality, rest, quality_expected, |v| quality(v, "q")),
        View2Key::RQuality => once.set(&mut view.rquality, rest, quality_expected, |v| uint_u8(v, "rq", 0, 100)),
        View2Key::LQuality => once.set(&mut view.lquality, rest, quality_expected, |v| uint_u8(v, "lq", 0, 100)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mode_and_parameters_in_any_order() {
        let (rest, view) = stage("/3/lq/5/w/10").unwrap();
        assert_eq!(rest, "");
        assert_eq!((view.mode, view.width, view.lquality, view.height), (3, Some(10), Some(5), None));
    }

    #[test]
    fn mode_is_one_to_five() {
        assert!(stage("/6").is_err());
        assert!(stage("/w/10").is_err());
    }
}
