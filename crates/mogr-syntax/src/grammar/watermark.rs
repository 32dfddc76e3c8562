//! `watermark/1` (image), `watermark/2` (text), `watermark/3` (blind add) and `watermark/4`
//! (blind extract).
//!
//! ```text
//! watermark := '/' [1-4] ('/' key '/' value)*     each key at most once, from the kind's list
//! ```
//!
//! Values are read into a [`Params`] record first; the kind then takes what it needs, checks
//! what is required or paired (`scatype` with `spcent`) and builds its AST node. Parameters the
//! spec says "do not take effect" for a kind (`text` for blind type 1, `level` for type 3) are
//! accepted and dropped, so the canonical form does not carry them.

use crate::ast::{
    BlindExtract, BlindMark, ImageMark, MarkScale, Placement, Rgb, ScaleKind, TextMark, Tiling, Watermark,
};
use crate::error::{Expected, Failure, PResult, failure};
use crate::grammar::given_twice;
use crate::grammar::mogr2::keyword;
use crate::keywords::{Gravity, MarkKey};
use crate::lex::{base64_rgb, base64_text, flag, offset, segment, slash_value, token_len, uint_u8, uint_u16, uint_u32};

/// The parameters each watermark kind accepts, in canonical order.
pub(crate) fn allowed_keys(kind: u8) -> &'static [MarkKey] {
    use MarkKey::*;
    match kind {
        1 => &[Image, Gravity, Dx, Dy, Blogo, ScaType, Spcent, Dissolve, Batch, Degree],
        2 => &[Text, Font, FontSize, Fill, Dissolve, Gravity, Dx, Dy, Batch, Degree, Shadow],
        3 => &[Type, Image, Text, Level],
        _ => &[Type, Image],
    }
}

/// Every value a watermark may carry, as read; `None` when absent.
#[derive(Default)]
struct Params<'a> {
    image: Option<String>,
    text: Option<String>,
    font: Option<String>,
    font_size: Option<u32>,
    fill: Option<Rgb>,
    dissolve: Option<u8>,
    gravity: Option<Gravity>,
    dx: Option<i32>,
    dy: Option<i32>,
    blogo: Option<u8>,
    scatype: Option<u8>,
    spcent: Option<u16>,
    batch: Option<bool>,
    degree: Option<u16>,
    shadow: Option<u8>,
    blind_type: Option<u8>,
    level: Option<u8>,
    /// Each key given, with its value as written, for errors that concern a value after the
    /// fact (a missing partner, a range that depends on another value).
    written: Vec<(MarkKey, &'a str)>,
}

/// `watermark := '/' kind ('/' key '/' value)*`
pub(crate) fn stage(input: &str) -> PResult<'_, Watermark> {
    let (mut rest, kind) = slash_value(input, Expected::Text("'/' and a watermark kind from 1 to 4"), |v| {
        uint_u8(v, "watermark kind", 1, 4)
    })?;
    let mut params = Params::default();
    while let Some(after_slash) = rest.strip_prefix('/') {
        let (after_key, word) = segment(after_slash)?;
        let key = MarkKey::from_keyword(word).filter(|k| allowed_keys(kind).contains(k));
        let Some(key) = key else {
            return Err(failure(after_slash, word.len(), Expected::WatermarkParameter { kind }));
        };
        if params.written.iter().any(|&(k, _)| k == key) {
            return Err(given_twice(word, key.keyword(), "per watermark"));
        }
        let after_value = params.read(key, after_key)?;
        let value = &after_key[1..after_key.len() - after_value.len()];
        params.written.push((key, value));
        rest = after_value;
    }
    let mark = match kind {
        1 => image_mark(params, rest)?,
        2 => text_mark(params, rest)?,
        3 => blind_mark(params, rest)?,
        _ => blind_extract(params, rest)?,
    };
    Ok((rest, mark))
}

impl<'a> Params<'a> {
    /// Reads the value of `key` from `rest` (which starts at the `/` before it).
    fn read(&mut self, key: MarkKey, rest: &'a str) -> Result<&'a str, Failure<'a>> {
        let expected = Expected::Text(match key {
            MarkKey::Image => "'/' and the URL-safe base64 of the image's URL",
            MarkKey::Text => "'/' and URL-safe base64 text",
            MarkKey::Font => "'/' and the URL-safe base64 of a font name",
            MarkKey::Fill => "'/' and the URL-safe base64 of a colour (#RRGGBB)",
            MarkKey::Gravity => "'/' and a gravity",
            _ => "'/' and a number",
        });
        let (rest, ()) = slash_value(rest, expected, |v| self.value(key, v))?;
        Ok(rest)
    }

    fn value(&mut self, key: MarkKey, v: &'a str) -> PResult<'a, ()> {
        let rest = match key {
            MarkKey::Image => store(&mut self.image, base64_text(v, "the URL-safe base64 of the image's URL")?),
            MarkKey::Text => store(&mut self.text, base64_text(v, "URL-safe base64 text")?),
            MarkKey::Font => store(&mut self.font, base64_text(v, "the URL-safe base64 of a font name")?),
            MarkKey::FontSize => store(&mut self.font_size, uint_u32(v, "fontsize", 1, u32::MAX)?),
            MarkKey::Fill => store(&mut self.fill, base64_rgb(v, "fill")?),
            MarkKey::Dissolve => store(&mut self.dissolve, uint_u8(v, "dissolve", 1, 100)?),
            MarkKey::Gravity => store(&mut self.gravity, keyword::<Gravity>(v)?),
            MarkKey::Dx => store(&mut self.dx, offset(v, "dx")?),
            MarkKey::Dy => store(&mut self.dy, offset(v, "dy")?),
            MarkKey::Blogo => store(&mut self.blogo, uint_u8(v, "blogo", 1, 2)?),
            MarkKey::ScaType => store(&mut self.scatype, uint_u8(v, "scatype", 1, 3)?),
            MarkKey::Spcent => store(&mut self.spcent, uint_u16(v, "spcent", 1, 1000)?),
            MarkKey::Batch => store(&mut self.batch, flag(v, "batch")?),
            MarkKey::Degree => store(&mut self.degree, uint_u16(v, "degree", 0, 360)?),
            MarkKey::Shadow => store(&mut self.shadow, uint_u8(v, "shadow", 0, 100)?),
            MarkKey::Type => store(&mut self.blind_type, uint_u8(v, "blind watermark type", 1, 3)?),
            MarkKey::Level => store(&mut self.level, uint_u8(v, "level", 1, 3)?),
        };
        Ok((rest, ()))
    }

    /// The value of `key` as written, if it was given.
    fn written_at(&self, key: MarkKey) -> Option<&'a str> {
        self.written.iter().find(|&&(k, _)| k == key).map(|&(_, at)| at)
    }

    fn placement(&self) -> Placement {
        Placement { gravity: self.gravity, dx: self.dx, dy: self.dy }
    }

    fn tiling(&self) -> Tiling {
        Tiling { batch: self.batch, degree: self.degree }
    }
}

/// Stores a parsed value and hands back the rest of the input.
fn store<'a, T>(slot: &mut Option<T>, (rest, value): (&'a str, T)) -> &'a str {
    *slot = Some(value);
    rest
}

/// A required parameter that was not given: an error at the end of the stage.
fn missing<'a>(at: &'a str, what: &'static str) -> Failure<'a> {
    failure(at, token_len(at), Expected::Text(what))
}

/// `watermark/1`: `image` is required; `scatype` and `spcent` come together.
fn image_mark<'a>(params: Params<'a>, end: &'a str) -> Result<Watermark, Failure<'a>> {
    let scale = match (params.scatype, params.spcent) {
        (None, None) => None,
        (Some(_), None) => return Err(missing(end, "spcent/<permille>: scatype needs it")),
        (None, Some(_)) => return Err(missing(end, "scatype/<1|2|3>: spcent needs it")),
        (Some(kind), Some(permille)) => {
            let kind = match kind {
                1 => ScaleKind::Width,
                2 => ScaleKind::Height,
                _ => ScaleKind::Area,
            };
            if permille > kind.max_permille() {
                let what = if kind == ScaleKind::Area { "spcent with scatype/3" } else { "spcent" };
                let expected = Expected::Integer { what, min: 1, max: i64::from(kind.max_permille()) };
                let at = params.written_at(MarkKey::Spcent).unwrap_or(end);
                return Err(failure(at, at.len(), expected));
            }
            Some(MarkScale { kind, permille })
        }
    };
    let placement = params.placement();
    let tiling = params.tiling();
    let image = params.image.ok_or_else(|| missing(end, "image/<base64 URL>: watermark/1 needs its image"))?;
    Ok(Watermark::Image(ImageMark { image, placement, blogo: params.blogo, scale, dissolve: params.dissolve, tiling }))
}

/// `watermark/2`: `text` is required.
fn text_mark<'a>(params: Params<'a>, end: &'a str) -> Result<Watermark, Failure<'a>> {
    let placement = params.placement();
    let tiling = params.tiling();
    let text = params.text.ok_or_else(|| missing(end, "text/<base64 text>: watermark/2 needs its text"))?;
    Ok(Watermark::Text(TextMark {
        text,
        font: params.font,
        font_size: params.font_size,
        fill: params.fill,
        dissolve: params.dissolve,
        placement,
        tiling,
        shadow: params.shadow,
    }))
}

/// The longest text a blind text watermark may carry.
pub const MAX_BLIND_TEXT_CHARS: usize = 64;

/// `watermark/3`: type 1 and 2 need `image`, type 3 needs `text` of letters and digits.
fn blind_mark<'a>(params: Params<'a>, end: &'a str) -> Result<Watermark, Failure<'a>> {
    let text_at = params.written_at(MarkKey::Text).unwrap_or(end);
    let blind_type = params.blind_type.ok_or_else(|| missing(end, "type/<1|2|3>: a blind watermark needs its type"))?;
    let mark = match blind_type {
        1 => BlindMark::SemiBlind { image: required_image(params.image, end)? },
        2 => BlindMark::Blind { image: required_image(params.image, end)?, level: params.level },
        _ => {
            let text =
                params.text.ok_or_else(|| missing(end, "text/<base64 text>: blind watermark type 3 needs it"))?;
            let plain = !text.is_empty()
                && text.len() <= MAX_BLIND_TEXT_CHARS
                && text.bytes().all(|b| b.is_ascii_alphanumeric());
            if !plain {
                let expected = Expected::Text("base64 of 1 to 64 letters and digits (blind watermark text)");
                return Err(failure(text_at, text_at.len(), expected));
            }
            BlindMark::Text { text }
        }
    };
    Ok(Watermark::Blind(mark))
}

/// `watermark/4`: type 1 needs the original's URL, type 2 the watermark's.
fn blind_extract<'a>(params: Params<'a>, end: &'a str) -> Result<Watermark, Failure<'a>> {
    let blind_type = params.blind_type.ok_or_else(|| missing(end, "type/<1|2|3>: a blind watermark needs its type"))?;
    let extract = match blind_type {
        1 => BlindExtract::SemiBlind { original: required_image(params.image, end)? },
        2 => BlindExtract::Blind { watermark: required_image(params.image, end)? },
        _ => BlindExtract::Text,
    };
    Ok(Watermark::Extract(extract))
}

fn required_image(image: Option<String>, end: &str) -> Result<String, Failure<'_>> {
    image.ok_or_else(|| missing(end, "image/<base64 URL>: blind watermark types 1 and 2 need it"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::encode_base64;

    fn mark(rule: &str) -> Result<Watermark, String> {
        match stage(rule) {
            Ok(("", w)) => Ok(w),
            Ok((rest, _)) => Err(format!("left {rest:?}")),
            Err(e) => Err(format!("{e:?}")),
        }
    }

    #[test]
    fn each_kind_accepts_its_own_parameters_only() {
        let url = encode_base64(b"http://b/w.png");
        assert!(mark(&format!("/1/image/{url}/shadow/5")).is_err());
        assert!(mark(&format!("/2/text/{url}/blogo/1")).is_err());
        assert!(mark(&format!("/4/type/1/image/{url}/level/1")).is_err());
        assert!(mark(&format!("/1/image/{url}/blogo/1")).is_ok());
    }

    #[test]
    fn scale_needs_both_halves_and_respects_the_area_bound() {
        let url = encode_base64(b"http://b/w.png");
        assert!(mark(&format!("/1/image/{url}/scatype/2")).is_err());
        assert!(mark(&format!("/1/image/{url}/scatype/2/spcent/1000")).is_ok());
        assert!(mark(&format!("/1/image/{url}/scatype/3/spcent/1000")).is_err());
    }

    #[test]
    fn blind_text_is_letters_and_digits() {
        assert!(mark(&format!("/3/type/3/text/{}", encode_base64(b"abc123"))).is_ok());
        assert!(mark(&format!("/3/type/3/text/{}", encode_base64(b"abc 123"))).is_err());
        assert!(mark(&format!("/3/type/3/text/{}", encode_base64(&[b'a'; 65]))).is_err());
    }
}
