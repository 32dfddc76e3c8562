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
            Mogr2Key::Strip if self.stage.output.strip => {
                return Err(failure(word, word.len(), Expected::Once { name: key.keyword(), scope: ONCE_PER_STAGE }));
            }
            Mogr2Key::Strip => {
                self.stage.output.strip = true;
                return Ok(rest);
            }
            Mogr2Key::Thumbnail => {
                let (r, geometry) = slash_value(rest, expected, geometry)?;
                (r, Mogr2Op::Thumbnail(Thumbnail { geometry, pad: None }))
            }
            Mogr2Key::Cut => slash_value(rest, expected, cut)?,
            Mogr2Key::Crop => slash_value(rest, expected, crop)?,
            Mogr2Key::IRadius => slash_value(rest, expected, |v| radius(v, Mogr2Op::IRadius))?,
            Mogr2Key::RRadius => slash_value(rest, expected, |v| radius(v, Mogr2Op::RRadius))?,
            Mogr2Key::SCrop => slash_value(rest, expected, |v| size(v).map(|(r, s)| (r, Mogr2Op::SCrop(s))))?,
            Mogr2Key::Rotate => slash_value(rest, expected, |v| {
                uint_u16(v, "rotate degrees", 0, 360).map(|(r, d)| (r, Mogr2Op::Rotate(d)))
            })?,
            Mogr2Key::Flip => slash_value(rest, expected, |v| keyword::<Flip>(v).map(|(r, f)| (r, Mogr2Op::Flip(f))))?,
            Mogr2Key::Blur => slash_value(rest, expected, blur)?,
            Mogr2Key::Bright => {
                slash_value(rest, expected, |v| tone(v, "bright").map(|(r, t)| (r, Mogr2Op::Bright(t))))?
            }
            Mogr2Key::Contrast => {
                slash_value(rest, expected, |v| tone(v, "contrast").map(|(r, t)| (r, Mogr2Op::Contrast(t))))?
            }
            Mogr2Key::Sharpen => {
                slash_value(rest, expected, |v| uint_u16(v, "sharpen", 10, 300).map(|(r, s)| (r, Mogr2Op::Sharpen(s))))?
            }
            Mogr2Key::Grayscale => {
                slash_value(rest, expected, |v| flag(v, "grayscale").map(|(r, g)| (r, Mogr2Op::Grayscale(g))))?
            }
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
        let out = &mut self.stage.output;
        let (rest, ()) = match key {
            Mogr2Key::Color => slash_value(rest, expected, |v| {
                let (r, c) = base64_rgb(v, "color")?;
                set_once(&mut self.stage.color, c, word).map(|()| (r, ()))
            })?,
            Mogr2Key::Format => slash_value(rest, expected, |v| {
                let (r, f) = keyword::<Format>(v)?;
                set_once(&mut out.format, f, word).map(|()| (r, ()))
            })?,
            Mogr2Key::Cgif => slash_value(rest, expected, |v| {
                let (r, n) = uint_u8(v, "cgif frames", 1, 100)?;
                set_once(&mut out.cgif, n, word).map(|()| (r, ()))
            })?,
            Mogr2Key::Interlace => slash_value(rest, expected, |v| {
                let (r, on) = flag(v, "interlace")?;
                set_once(&mut out.interlace, on, word).map(|()| (r, ()))
            })?,
            Mogr2Key::Quality => slash_value(rest, expected, |v| {
                let (r, q) = quality(v, "quality")?;
                set_once(&mut out.quality, q, word).map(|()| (r, ()))
            })?,
            Mogr2Key::RQuality => slash_value(rest, expected, |v| {
                let (r, q) = uint_u8(v, "rquality", 0, 100)?;
                set_once(&mut out.rquality, q, word).map(|()| (r, ()))
            })?,
            Mogr2Key::LQuality => slash_value(rest, expected, |v| {
                let (r, q) = uint_u8(v, "lquality", 0, 100)?;
                set_once(&mut out.lquality, q, word).map(|()| (r, ()))
            })?,
            Mogr2Key::SizeLimit => slash_value(rest, expected, |v| {
                let (r, limit) = size_limit(v)?;
                set_once(&mut out.size_limit, limit, word).map(|()| (r, ()))
            })?,
            Mogr2Key::IgnoreError => slash_value(rest, expected, |v| {
                let (r, on) = flag(v, "ignore-error")?;
                set_once(&mut out.ignore_error, on, word).map(|()| (r, ()))
            })?,
            // Every other key is an operation or a modifier, handled by `param`.
            _ => return Err(failure(word, word.len(), Mogr2Key::expected())),
        };
        Ok(rest)
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

/// Stores `value` unless the slot already holds one, which is an error at `word`.
fn set_once<'a, T>(slot: &mut Option<T>, value: T, word: &'a str) -> Result<(), Failure<'a>> {
    set_modifier(slot, value, word, ONCE_PER_STAGE)
}

/// Applies a modifier to its operation; giving the same one twice is an error at `word`.
fn attach<'a>(op: &mut Mogr2Op, modifier: Modifier, word: &'a str) -> Result<(), Failure<'a>> {
    let scope = match modifier {
        Modifier::Pad(_) => "per thumbnail",
        _ => "per crop",
    };
    match (op, modifier) {
        (Mogr2Op::Thumbnail(t), Modifier::Pad(on)) => set_modifier(&mut t.pad, on, word, scope),
        (Mogr2Op::Crop(c), Modifier::Gravity(g)) => set_modifier(&mut c.gravity, g, word, scope),
        (Mogr2Op::Crop(c), Modifier::Dx(dx)) => set_modifier(&mut c.dx, dx, word, scope),
        (Mogr2Op::Crop(c), Modifier::Dy(dy)) => set_modifier(&mut c.dy, dy, word, scope),
        // `finish` only pairs modifiers with their own kind of operation.
        _ => Ok(()),
    }
}

fn set_modifier<'a, T>(slot: &mut Option<T>, value: T, word: &'a str, scope: &'static str) -> Result<(), Failure<'a>> {
    if slot.is_some() {
        let name = Mogr2Key::from_keyword(word).map_or("this parameter", Mogr2Key::keyword);
        return Err(failure(word, word.len(), Expected::Once { name, scope }));
    }
    *slot = Some(value);
    Ok(())
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

fn radius(input: &str, op: fn(u32) -> Mogr2Op) -> PResult<'_, Mogr2Op> {
    side(input, "radius").map(|(rest, r)| (rest, op(r)))
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
