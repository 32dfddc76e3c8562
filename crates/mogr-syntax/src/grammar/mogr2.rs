//! `imageMogr2`: basic processing.
//!
//! ```text
//! mogr2     := ('/' param)+
//! param     := 'thumbnail/' geometry | 'pad/' flag | 'color/' base64_rgb
//!            | 'cut/' uint 'x' uint 'x' uint 'x' uint
//!            | 'crop/' crop_size | 'gravity/' gravity | 'dx/' int | 'dy/' int
//!            | 'iradius/' uint | 'rradius/' uint | 'scrop/' uint 'x' uint
//!            | 'rotate/' uint | 'auto-orient' | 'flip/' flip
//!            | 'blur/' uint 'x' decimal | 'bright/' int | 'contrast/' int
//!            | 'sharpen/' uint | 'grayscale/' flag
//!            | 'format/' format | 'cgif/' uint | 'interlace/' flag
//!            | 'quality/' uint '!'? | 'rquality/' uint | 'lquality/' uint
//!            | 'strip' | 'size-limit/' uint ('k'|'m') '!'? | 'ignore-error/' flag
//! ```
//!
//! Image operations keep their order. `pad` belongs to a `thumbnail`, and `gravity`, `dx`,
//! `dy` to a `crop`: each attaches to the nearest such operation before it in the stage, or
//! else to the first one after it. Settings (`color` and the output options) may stand
//! anywhere but only once per stage.

use crate::ast::{
    Blur, Crop, CropSize, Cut, Geometry, MAX_PERCENT, Mogr2, Mogr2Op, Quality, Size, SizeLimit, Thumbnail,
};
use crate::error::{Expected, Failure, PResult, fail, fail_fragment, failure};
use crate::grammar::{Once, given_twice};
use crate::keywords::{Flip, Format, Gravity, Mogr2Key, SizeUnit};
use crate::lex::{
    base64_rgb, decimal, flag, int, offset, segment, slash_value, token_len, uint_u8, uint_u16, uint_u32,
};

/// Where a setting may appear once, for error messages.
const ONCE_PER_STAGE: &str = "per imageMogr2 stage";

/// `mogr2 := ('/' param)+`
pub(crate) fn stage(input: &str) -> PResult<'_, Mogr2> {
    let mut builder = Builder::default();
    let mut rest = input;
    while let Some(after_slash) = rest.strip_prefix('/') {
        let (after_key, word) = segment(after_slash)?;
        let Some(key) = Mogr2Key::from_keyword(word) else {
            return fail(after_slash, word.len(), Mogr2Key::expected());
        };
        rest = builder.param(key, word, after_key)?;
    }
    if builder.is_empty() {
        return fail(rest, token_len(rest), Expected::Text("'/' and an imageMogr2 parameter"));
    }
    let mogr2 = builder.finish()?;
    Ok((rest, mogr2))
}

/// A parameter that modifies the nearest operation of one kind.
#[derive(Clone, Copy)]
enum Modifier {
    Pad(bool),
    Gravity(Gravity),
    Dx(i32),
    Dy(i32),
}

/// A modifier waiting for its operation: where it was written and how many ops preceded it.
struct PendingModifier<'a> {
    key: &'a str,
    ops_before: usize,
    modifier: Modifier,
}

#[derive(Default)]
struct Builder<'a> {
    stage: Mogr2,
    modifiers: Vec<PendingModifier<'a>>,
}

impl<'a> Builder<'a> {
    fn is_empty(&self) -> bool {
        self.stage == Mogr2::default() && self.modifiers.is_empty()
    }

    /// Reads the value of `key` (if it takes one) from `rest` and records it.
    fn param(&mut self, key: Mogr2Key, word: &'a str, rest: &'a str) -> Result<&'a str, Failure<'a>> {
        let expected = value_expectation(key);
        let (rest, op) = match key {
            Mogr2Key::AutoOrient => (rest, Mogr2Op::AutoOrient),
            Mogr2Key::Strip if self.stage.output.strip => return Err(given_twice(word, key.keyword(), ONCE_PER_STAGE)),
            Mogr2Key::Strip => {
                self.stage.output.strip = true;
                return Ok(rest);
            }
            Mogr2Key::Thumbnail => {
                op(rest, expected, geometry, |geometry| Mogr2Op::Thumbnail(Thumbnail { geometry, pad: None }))?
            }
            Mogr2Key::Cut => slash_value(rest, expected, cut)?,
            Mogr2Key::Crop => slash_value(rest, expected, crop)?,
            Mogr2Key::IRadius => op(rest, expected, |v| side(v, "radius"), Mogr2Op::IRadius)?,
            Mogr2Key::RRadius => op(rest, expected, |v| side(v, "radius"), Mogr2Op::RRadius)?,
            Mogr2Key::SCrop => op(rest, expected, size, Mogr2Op::SCrop)?,
            Mogr2Key::Rotate => op(rest, expected, |v| uint_u16(v, "rotate degrees", 0, 360), Mogr2Op::Rotate)?,
            Mogr2Key::Flip => op(rest, expected, keyword::<Flip>, Mogr2Op::Flip)?,
            Mogr2Key::Blur => slash_value(rest, expected, blur)?,
            Mogr2Key::Bright => op(rest, expected, |v| tone(v, "bright"), Mogr2Op::Bright)?,
            Mogr2Key::Contrast => op(rest, expected, |v| tone(v, "contrast"), Mogr2Op::Contrast)?,
            Mogr2Key::Sharpen => op(rest, expected, |v| uint_u16(v, "sharpen", 10, 300), Mogr2Op::Sharpen)?,
            Mogr2Key::Grayscale => op(rest, expected, |v| flag(v, "grayscale"), Mogr2Op::Grayscale)?,
            Mogr2Key::Pad | Mogr2Key::Gravity | Mogr2Key::Dx | Mogr2Key::Dy => {
                let (r, modifier) = slash_value(rest, expected, |v| modifier(key, v))?;
                let ops_before = self.stage.ops.len();
                self.modifiers.push(PendingModifier { key: word, ops_before, modifier });
                return Ok(r);
            }
            _ => return self.setting(key, word, rest, expected),
        };
        self.stage.ops.push(op);
        Ok(rest)
    }

    /// A stage setting: given at most once, wherever it stands.
    fn setting(
        &mut self,
        key: Mogr2Key,
        word: &'a str,
        rest: &'a str,
        expected: Expected,
    ) -> Result<&'a str, Failure<'a>> {
        let once = Once { word, name: key.keyword(), scope: ONCE_PER_STAGE };
        let out = &mut self.stage.output;
        match key {
            Mogr2Key::Color => once.set(&mut self.stage.color, rest, expected, |v| base64_rgb(v, "color")),
            Mogr2Key::Format => once.set(&mut out.format, rest, expected, keyword::<Format>),
            Mogr2Key::Cgif => once.set(&mut out.cgif, rest, expected, |v| uint_u8(v, "cgif frames", 1, 100)),
            Mogr2Key::Interlace => once.set(&mut out.interlace, rest, expected, |v| flag(v, "interlace")),
            Mogr2Key::Quality => once.set(&mut out.quality, rest, expected, |v| quality(v, "quality")),
            Mogr2Key::RQuality => once.set(&mut out.rquality, rest, expected, |v| uint_u8(v, "rquality", 0, 100)),
            Mogr2Key::LQuality => once.set(&mut out.lquality, rest, expected, |v| uint_u8(v, "lquality", 0, 100)),
            Mogr2Key::SizeLimit => once.set(&mut out.size_limit, rest, expected, size_limit),
            Mogr2Key::IgnoreError => once.set(&mut out.ignore_error, rest, expected, |v| flag(v, "ignore-error")),
            // Every other key is an operation or a modifier, handled by `param`.
            _ => Err(failure(word, word.len(), Mogr2Key::expected())),
        }
    }

    /// Attaches each modifier to its operation.
    fn finish(mut self) -> Result<Mogr2, Failure<'a>> {
        for pending in &self.modifiers {
            let is_target = |op: &Mogr2Op| match pending.modifier {
                Modifier::Pad(_) => matches!(op, Mogr2Op::Thumbnail(_)),
                _ => matches!(op, Mogr2Op::Crop(_)),
            };
            let ops = &mut self.stage.ops;
            let before = ops[..pending.ops_before].iter().rposition(is_target);
            let target =
                before.or_else(|| ops[pending.ops_before..].iter().position(is_target).map(|i| i + pending.ops_before));
            let Some(op) = target.and_then(|i| ops.get_mut(i)) else {
                let needs = match pending.modifier {
                    Modifier::Pad(_) => "a thumbnail in the same stage (pad modifies a thumbnail)",
                    _ => "a crop in the same stage (gravity, dx and dy modify a crop)",
                };
                return Err(failure(pending.key, pending.key.len(), Expected::Text(needs)));
            };
            attach(op, pending.modifier, pending.key)?;
        }
        Ok(self.stage)
    }
}

/// Applies a modifier to its operation; giving the same one twice is an error at `word`.
fn attach<'a>(op: &mut Mogr2Op, modifier: Modifier, word: &'a str) -> Result<(), Failure<'a>> {
    let name = Mogr2Key::from_keyword(word).map_or("this parameter", Mogr2Key::keyword);
    let scope = if matches!(modifier, Modifier::Pad(_)) { "per thumbnail" } else { "per crop" };
    let once = Once { word, name, scope };
    match (op, modifier) {
        (Mogr2Op::Thumbnail(t), Modifier::Pad(on)) => once.store(&mut t.pad, on),
        (Mogr2Op::Crop(c), Modifier::Gravity(g)) => once.store(&mut c.gravity, g),
        (Mogr2Op::Crop(c), Modifier::Dx(dx)) => once.store(&mut c.dx, dx),
        (Mogr2Op::Crop(c), Modifier::Dy(dy)) => once.store(&mut c.dy, dy),
        // `finish` only pairs modifiers with their own kind of operation.
        _ => Ok(()),
    }
}

/// `'/' value`, read whole and turned into an operation.
fn op<'a, T>(
    rest: &'a str,
    expected: Expected,
    parse: impl FnOnce(&'a str) -> PResult<'a, T>,
    make: impl FnOnce(T) -> Mogr2Op,
) -> PResult<'a, Mogr2Op> {
    let (rest, value) = slash_value(rest, expected, parse)?;
    Ok((rest, make(value)))
}

/// What the value of `key` should look like, for a missing or empty value.
fn value_expectation(key: Mogr2Key) -> Expected {
    Expected::Text(match key {
        Mogr2Key::Thumbnail => {
            "'/' and a thumbnail geometry (!50p, 300x, x300, 300x300, 300x300>, 300x300<, !300x300r, 300x300!, 90000@)"
        }
        Mogr2Key::Pad => "'/' and 0 or 1",
        Mogr2Key::Color => "'/' and a URL-safe base64 colour (#RRGGBB)",
        Mogr2Key::Cut => "'/' and <width>x<height>x<dx>x<dy>",
        Mogr2Key::Crop => "'/' and a crop size (<width>x, x<height> or <width>x<height>)",
        Mogr2Key::Gravity => {
            "'/' and a gravity (northwest, north, northeast, west, center, east, southwest, south, southeast)"
        }
        Mogr2Key::Dx | Mogr2Key::Dy => "'/' and an offset in pixels",
        Mogr2Key::IRadius | Mogr2Key::RRadius => "'/' and a radius in pixels",
        Mogr2Key::SCrop => "'/' and <width>x<height>",
        Mogr2Key::Rotate => "'/' and degrees from 0 to 360",
        Mogr2Key::Flip => "'/' and vertical or horizontal",
        Mogr2Key::Blur => "'/' and <radius>x<sigma>",
        Mogr2Key::Bright | Mogr2Key::Contrast => "'/' and an integer from -100 to 100",
        Mogr2Key::Sharpen => "'/' and an integer from 10 to 300",
        Mogr2Key::Grayscale | Mogr2Key::Interlace | Mogr2Key::IgnoreError => "'/' and 0 or 1",
        Mogr2Key::Format => "'/' and an image format",
        Mogr2Key::Cgif => "'/' and a frame count from 1 to 100",
        Mogr2Key::Quality => "'/' and a quality from 0 to 100, optionally followed by '!'",
        Mogr2Key::RQuality | Mogr2Key::LQuality => "'/' and a quality from 0 to 100",
        Mogr2Key::SizeLimit => "'/' and a size such as 15k or 1m, optionally followed by '!'",
        Mogr2Key::AutoOrient | Mogr2Key::Strip => "nothing",
    })
}

/// A keyword from one of the tables, ignoring ASCII case.
pub(crate) fn keyword<'a, K: KeywordTable>(value: &'a str) -> PResult<'a, K> {
    match K::lookup(value) {
        Some(k) => Ok(("", k)),
        None => fail_fragment(value, K::expectation()),
    }
}

/// The keyword tables a value can come from.
pub(crate) trait KeywordTable: Sized {
    fn lookup(text: &str) -> Option<Self>;
    fn expectation() -> Expected;
}

macro_rules! keyword_table {
    ($($t:ty),+) => {$(
        impl KeywordTable for $t {
            fn lookup(text: &str) -> Option<Self> {
                <$t>::from_keyword_ignore_case(text)
            }
            fn expectation() -> Expected {
                <$t>::expected()
            }
        }
    )+};
}
keyword_table!(Flip, Format, Gravity, SizeUnit);

/// A pixel count of at least 1.
fn side<'a>(input: &'a str, what: &'static str) -> PResult<'a, u32> {
    uint_u32(input, what, 1, u32::MAX)
}

/// `'x'`, committed.
fn times<'a>(input: &'a str, expected: &'static str) -> PResult<'a, ()> {
    match input.strip_prefix('x') {
        Some(rest) => Ok((rest, ())),
        None => fail(input, input.chars().next().map_or(0, char::len_utf8), Expected::Text(expected)),
    }
}

/// `size := side 'x' side`
fn size(input: &str) -> PResult<'_, Size> {
    let (rest, width) = side(input, "width")?;
    let (rest, ()) = times(rest, "'x' between width and height")?;
    let (rest, height) = side(rest, "height")?;
    Ok((rest, Size { width, height }))
}

/// `percent := [1-1000]`
fn percent(input: &str) -> PResult<'_, u16> {
    uint_u16(input, "thumbnail percentage", 1, MAX_PERCENT)
}

/// ```text
/// geometry := '!' percent 'p' | '!' percent 'px' | '!x' percent 'p' | '!' size 'r'
///           | side '@' | 'x' side | side 'x' (side ('>' | '<' | '!')?)?
/// ```
fn geometry(input: &str) -> PResult<'_, Geometry> {
    if let Some(bang) = input.strip_prefix('!') {
        return bang_geometry(bang);
    }
    if let Some(height) = input.strip_prefix('x') {
        let (rest, h) = side(height, "thumbnail height")?;
        return Ok((rest, Geometry::Height(h)));
    }
    let (rest, first) = side(input, "thumbnail width")?;
    if let Some(rest) = rest.strip_prefix('@') {
        return Ok((rest, Geometry::Area(first)));
    }
    let (rest, ()) = times(rest, "'x' (as in 300x, 300x200) or '@' (as in 90000@)")?;
    if rest.is_empty() {
        return Ok((rest, Geometry::Width(first)));
    }
    let (rest, height) = side(rest, "thumbnail height")?;
    let size = Size { width: first, height };
    let (rest, geometry) = match rest.chars().next() {
        Some('>') => (&rest[1..], Geometry::Shrink(size)),
        Some('<') => (&rest[1..], Geometry::Enlarge(size)),
        Some('!') => (&rest[1..], Geometry::Exact(size)),
        _ => (rest, Geometry::Fit(size)),
    };
    Ok((rest, geometry))
}

/// The geometries after `!`: `<N>p`, `<N>px`, `x<N>p`, `<W>x<H>r`.
fn bang_geometry(input: &str) -> PResult<'_, Geometry> {
    if let Some(height) = input.strip_prefix('x') {
        let (rest, p) = percent(height)?;
        return match rest.strip_prefix('p') {
            Some(rest) => Ok((rest, Geometry::HeightPercent(p))),
            None => fail(rest, token_len(rest), Expected::Text("'p' (as in !x50p)")),
        };
    }
    // The number is a percentage or a width; its suffix tells which, and so its range.
    let number_len = input.bytes().take_while(u8::is_ascii_digit).count();
    if number_len == 0 {
        return fail(input, token_len(input), Expected::Text("a percentage or a width (as in !50p, !300x200r)"));
    }
    let (number, rest) = input.split_at(number_len);
    let percent_suffix =
        rest.strip_prefix("px").map(|r| (r, true)).or_else(|| rest.strip_prefix('p').map(|r| (r, false)));
    if let Some((after, width_only)) = percent_suffix {
        let (_, p) = percent(number)?;
        let geometry = if width_only { Geometry::WidthPercent(p) } else { Geometry::Percent(p) };
        return Ok((after, geometry));
    }
    let (_, width) = side(number, "thumbnail width")?;
    let (rest, ()) = times(rest, "'p', 'px' or 'x<height>r' (as in !50p, !50px, !300x200r)")?;
    let (rest, height) = side(rest, "thumbnail height")?;
    let Some(rest) = rest.strip_prefix('r') else {
        return fail(rest, token_len(rest), Expected::Text("'r' (as in !300x200r)"));
    };
    Ok((rest, Geometry::Cover(Size { width, height })))
}

/// `cut := side 'x' side 'x' uint 'x' uint`
fn cut(input: &str) -> PResult<'_, Mogr2Op> {
    let (rest, size) = size(input)?;
    let (rest, ()) = times(rest, "'x' before the horizontal offset (<width>x<height>x<dx>x<dy>)")?;
    let (rest, dx) = uint_u32(rest, "cut dx", 0, u32::MAX)?;
    let (rest, ()) = times(rest, "'x' before the vertical offset (<width>x<height>x<dx>x<dy>)")?;
    let (rest, dy) = uint_u32(rest, "cut dy", 0, u32::MAX)?;
    Ok((rest, Mogr2Op::Cut(Cut { size, dx, dy })))
}

/// `crop_size := side 'x' | 'x' side | side 'x' side`
fn crop(input: &str) -> PResult<'_, Mogr2Op> {
    let (rest, size) = if let Some(height) = input.strip_prefix('x') {
        let (rest, h) = side(height, "crop height")?;
        (rest, CropSize::Height(h))
    } else {
        let (rest, width) = side(input, "crop width")?;
        let (rest, ()) = times(rest, "'x' (as in 300x, x300, 300x300)")?;
        if rest.is_empty() {
            (rest, CropSize::Width(width))
        } else {
            let (rest, height) = side(rest, "crop height")?;
            (rest, CropSize::Both(Size { width, height }))
        }
    };
    Ok((rest, Mogr2Op::Crop(Crop { size, gravity: None, dx: None, dy: None })))
}

/// `blur := [1-50] 'x' decimal`, sigma greater than 0.
fn blur(input: &str) -> PResult<'_, Mogr2Op> {
    let (rest, radius) = uint_u8(input, "blur radius", 1, 50)?;
    let (rest, ()) = times(rest, "'x' between blur radius and sigma")?;
    let sigma_text = rest;
    let (rest, sigma) = decimal(rest, "blur sigma: a number greater than 0 with at most 3 decimals")?;
    if sigma.thousandths == 0 {
        return fail_fragment(
            &sigma_text[..sigma_text.len() - rest.len()],
            Expected::Text("blur sigma greater than 0"),
        );
    }
    Ok((rest, Mogr2Op::Blur(Blur { radius, sigma })))
}

/// `tone := [-100..100]`
fn tone<'a>(input: &'a str, what: &'static str) -> PResult<'a, i8> {
    let (rest, v) = int(input, what, -100, 100)?;
    Ok((rest, i8::try_from(v).unwrap_or(0)))
}

/// `quality := [0-100] '!'?`
pub(crate) fn quality<'a>(input: &'a str, what: &'static str) -> PResult<'a, Quality> {
    let (rest, value) = uint_u8(input, what, 0, 100)?;
    match rest.strip_prefix('!') {
        Some(rest) => Ok((rest, Quality { value, forced: true })),
        None => Ok((rest, Quality { value, forced: false })),
    }
}

/// `size_limit := side ('k' | 'm') '!'?`
fn size_limit(input: &str) -> PResult<'_, SizeLimit> {
    let (rest, amount) = side(input, "size-limit amount")?;
    let unit_len = rest.chars().next().map_or(0, char::len_utf8);
    let Some(unit) = SizeUnit::from_keyword_ignore_case(&rest[..unit_len]) else {
        return fail(rest, unit_len, SizeUnit::expected());
    };
    let rest = &rest[unit_len..];
    match rest.strip_prefix('!') {
        Some(rest) => Ok((rest, SizeLimit { amount, unit, keep_smaller_input: true })),
        None => Ok((rest, SizeLimit { amount, unit, keep_smaller_input: false })),
    }
}

/// The value of `pad`, `gravity`, `dx` or `dy`.
fn modifier(key: Mogr2Key, value: &str) -> PResult<'_, Modifier> {
    match key {
        Mogr2Key::Pad => flag(value, "pad").map(|(r, on)| (r, Modifier::Pad(on))),
        Mogr2Key::Gravity => keyword::<Gravity>(value).map(|(r, g)| (r, Modifier::Gravity(g))),
        Mogr2Key::Dx => offset(value, "dx").map(|(r, v)| (r, Modifier::Dx(v))),
        _ => offset(value, "dy").map(|(r, v)| (r, Modifier::Dy(v))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok<T>(result: PResult<'_, T>) -> T {
        match result {
            Ok(("", value)) => value,
            Ok((rest, _)) => panic!("left {rest:?}"),
            Err(e) => panic!("{e:?}"),
        }
    }

    fn error_at<T: std::fmt::Debug>(input: &str, result: PResult<'_, T>) -> usize {
        match result {
            Err(nom::Err::Failure(e)) => crate::error::offset_in(input, e.at),
            other => panic!("{input}: {other:?}"),
        }
    }

    #[test]
    fn geometry_reads_every_form() {
        let s = Size { width: 3, height: 4 };
        assert_eq!(ok(geometry("!7p")), Geometry::Percent(7));
        assert_eq!(ok(geometry("!7px")), Geometry::WidthPercent(7));
        assert_eq!(ok(geometry("!x7p")), Geometry::HeightPercent(7));
        assert_eq!(ok(geometry("!3x4r")), Geometry::Cover(s));
        assert_eq!(ok(geometry("3x")), Geometry::Width(3));
        assert_eq!(ok(geometry("x4")), Geometry::Height(4));
        assert_eq!(ok(geometry("3x4")), Geometry::Fit(s));
        assert_eq!(ok(geometry("3x4>")), Geometry::Shrink(s));
        assert_eq!(ok(geometry("3x4<")), Geometry::Enlarge(s));
        assert_eq!(ok(geometry("3x4!")), Geometry::Exact(s));
        assert_eq!(ok(geometry("12@")), Geometry::Area(12));
        assert_eq!(error_at("!0x4r", geometry("!0x4r")), 1);
        assert_eq!(error_at("3y4", geometry("3y4")), 1);
    }

    #[test]
    fn cut_needs_four_numbers() {
        assert_eq!(ok(cut("1x2x0x3")), Mogr2Op::Cut(Cut { size: Size { width: 1, height: 2 }, dx: 0, dy: 3 }));
        assert_eq!(error_at("1x2x3", cut("1x2x3")), 5);
    }

    #[test]
    fn crop_reads_three_sizes() {
        let crop_size = |v| match ok(crop(v)) {
            Mogr2Op::Crop(c) => c.size,
            other => panic!("{other:?}"),
        };
        assert_eq!(crop_size("5x"), CropSize::Width(5));
        assert_eq!(crop_size("x6"), CropSize::Height(6));
        assert_eq!(crop_size("5x6"), CropSize::Both(Size { width: 5, height: 6 }));
    }

    #[test]
    fn blur_sigma_must_be_positive() {
        assert!(matches!(ok(blur("50x0.001")), Mogr2Op::Blur(Blur { radius: 50, .. })));
        assert_eq!(error_at("3x0", blur("3x0")), 2);
    }

    #[test]
    fn size_limit_and_quality_take_a_bang() {
        let limit = ok(size_limit("15K!"));
        assert_eq!((limit.bytes(), limit.keep_smaller_input), (15 * 1024, true));
        assert_eq!(ok(quality("90!", "q")), Quality { value: 90, forced: true });
        assert_eq!(error_at("15", size_limit("15")), 2);
    }

    #[test]
    fn modifiers_attach_before_else_after() {
        let stage = |rule| ok(stage(rule));
        let m = stage("/dx/1/crop/5x/crop/6x/gravity/east");
        let crops: Vec<_> =
            m.ops.iter().map(|op| if let Mogr2Op::Crop(c) = op { (c.dx, c.gravity) } else { (None, None) }).collect();
        assert_eq!(crops, vec![(Some(1), None), (None, Some(Gravity::East))]);
        assert_eq!(error_at("/pad/1/crop/5x", super::stage("/pad/1/crop/5x")), 1);
    }
}
