//! Tokens: the small parsers every grammar rule is built from.
//!
//! A rule is a sequence of segments separated by `/` (parameters) and `|` (stages). A value is
//! parsed from one whole segment with [`whole`], so leftovers such as `50xx` are reported at
//! the first byte that does not belong. Numbers are range-checked as they are read, with
//! overflow-checked arithmetic, so no input can overflow or panic.

use nom::Parser;
use nom::bytes::complete::take_till;

use crate::ast::{Decimal, Rgb};
use crate::error::{Expected, GrammarError, PResult, fail, fail_fragment};

/// True for the bytes that end a segment.
pub(crate) fn is_delimiter(c: char) -> bool {
    c == '/' || c == '|'
}

/// Length of the token at the start of `input`: up to the next `/`, `|` or the end.
pub(crate) fn token_len(input: &str) -> usize {
    input.find(is_delimiter).unwrap_or(input.len())
}

/// `segment := [^/|]*`
pub(crate) fn segment(input: &str) -> PResult<'_, &str> {
    take_till(is_delimiter).parse(input)
}

/// `value := '/' segment`, the segment then parsed whole by `parse_value`.
pub(crate) fn slash_value<'a, T>(
    input: &'a str,
    expected: Expected,
    parse_value: impl FnOnce(&'a str) -> PResult<'a, T>,
) -> PResult<'a, T> {
    let Some(after_slash) = input.strip_prefix('/') else {
        return fail(input, token_len(input), expected);
    };
    let (rest, seg) = segment(after_slash)?;
    if seg.is_empty() {
        return fail(seg, 0, expected);
    }
    let value = whole(seg, parse_value)?;
    Ok((rest, value))
}

/// Runs `parse` on the whole of `seg`; anything it leaves is an error at its first byte.
pub(crate) fn whole<'a, T>(
    seg: &'a str,
    parse: impl FnOnce(&'a str) -> PResult<'a, T>,
) -> Result<T, nom::Err<GrammarError<'a>>> {
    let (rest, value) = parse(seg)?;
    if rest.is_empty() {
        Ok(value)
    } else {
        Err(nom::Err::Failure(GrammarError::fragment(rest, Expected::Text("the end of the value"))))
    }
}

/// Leading ASCII digits of `input` (possibly none).
fn digits(input: &str) -> (&str, &str) {
    let end = input.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(input.len());
    (&input[end..], &input[..end])
}

/// Value of a run of ASCII digits, or `None` on overflow.
fn digits_value(digits: &str) -> Option<u64> {
    digits.bytes().try_fold(0u64, |acc, b| acc.checked_mul(10)?.checked_add(u64::from(b - b'0')))
}

/// `uint := [0-9]+`, within `min..=max`.
pub(crate) fn uint<'a>(input: &'a str, what: &'static str, min: u64, max: u64) -> PResult<'a, u64> {
    let expected = Expected::Integer { what, min: to_i64(min), max: to_i64(max) };
    let (rest, ds) = digits(input);
    if ds.is_empty() {
        return fail(input, token_len(input), expected);
    }
    match digits_value(ds) {
        Some(v) if (min..=max).contains(&v) => Ok((rest, v)),
        _ => fail_fragment(ds, expected),
    }
}

/// `int := '-'? [0-9]+`, within `min..=max`.
pub(crate) fn int<'a>(input: &'a str, what: &'static str, min: i64, max: i64) -> PResult<'a, i64> {
    let expected = Expected::Integer { what, min, max };
    let (unsigned, negative) = match input.strip_prefix('-') {
        Some(after) => (after, true),
        None => (input, false),
    };
    let (rest, ds) = digits(unsigned);
    if ds.is_empty() {
        return fail(input, token_len(input), expected);
    }
    let number = &input[..input.len() - rest.len()];
    let value = digits_value(ds).and_then(|v| i64::try_from(v).ok()).map(|v| if negative { -v } else { v });
    match value {
        Some(v) if (min..=max).contains(&v) => Ok((rest, v)),
        _ => fail_fragment(number, expected),
    }
}

/// Saturating conversion for error messages.
fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A `uint` that fits the target type because `max` does.
macro_rules! typed_uint {
    ($name:ident, $ty:ty) => {
        pub(crate) fn $name<'a>(input: &'a str, what: &'static str, min: $ty, max: $ty) -> PResult<'a, $ty> {
            let (rest, v) = uint(input, what, u64::from(min), u64::from(max))?;
            // `v <= max` was checked, so the conversion cannot fail.
            Ok((rest, <$ty>::try_from(v).unwrap_or(max)))
        }
    };
}
typed_uint!(uint_u8, u8);
typed_uint!(uint_u16, u16);
typed_uint!(uint_u32, u32);

/// A signed offset in pixels (`dx`, `dy`): as large as an image side in either direction.
pub(crate) fn offset<'a>(input: &'a str, what: &'static str) -> PResult<'a, i32> {
    let (rest, v) = int(input, what, -i64::from(MAX_OFFSET), i64::from(MAX_OFFSET))?;
    Ok((rest, i32::try_from(v).unwrap_or(0)))
}

/// The largest `dx`/`dy` magnitude the grammar accepts: no input side may exceed 30000 px.
pub const MAX_OFFSET: i32 = 30_000;

/// `flag := '0' | '1'`
pub(crate) fn flag<'a>(input: &'a str, what: &'static str) -> PResult<'a, bool> {
    let (rest, v) = uint(input, what, 0, 1)?;
    Ok((rest, v == 1))
}

/// `decimal := [0-9]+ ('.' [0-9]{1,3})?`, stored exactly in thousandths.
pub(crate) fn decimal<'a>(input: &'a str, what: &'static str) -> PResult<'a, Decimal> {
    let expected = Expected::Text(what);
    let (rest, whole_digits) = digits(input);
    if whole_digits.is_empty() {
        return fail(input, token_len(input), expected);
    }
    let (rest, fraction) = match rest.strip_prefix('.') {
        Some(after_dot) => {
            let (after, fraction) = digits(after_dot);
            if fraction.is_empty() || fraction.len() > Decimal::MAX_FRACTION_DIGITS {
                return fail(rest, 1 + fraction.len(), expected);
            }
            (after, fraction)
        }
        None => (rest, ""),
    };
    let number = &input[..input.len() - rest.len()];
    let scale = 10u64.pow(u32::try_from(Decimal::MAX_FRACTION_DIGITS - fraction.len()).unwrap_or(0));
    let thousandths = digits_value(whole_digits)
        .and_then(|w| w.checked_mul(1000))
        .and_then(|w| w.checked_add(digits_value(fraction)? * scale))
        .filter(|&t| t <= MAX_DECIMAL_THOUSANDTHS);
    match thousandths {
        Some(thousandths) => Ok((rest, Decimal { thousandths })),
        None => fail_fragment(number, expected),
    }
}

/// The largest decimal (in thousandths) a rule may hold: exact as an `f64` and far beyond any
/// meaningful sigma.
pub const MAX_DECIMAL_THOUSANDTHS: u64 = 1_000_000_000_000;

/// The URL-safe base64 alphabet, in value order.
const BASE64_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64_value(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    }
}

/// `base64 := [A-Za-z0-9_-]+ '='*`: URL-safe base64, padding optional. Consumes the whole
/// segment; a standard-alphabet `+` gets its own hint.
pub(crate) fn base64<'a>(seg: &'a str, what: &'static str) -> PResult<'a, Vec<u8>> {
    let body = seg.trim_end_matches('=');
    let expected = Expected::Text(what);
    if let Some(bad) = body.bytes().position(|b| base64_value(b).is_none()) {
        let hint = if body.as_bytes()[bad] == b'+' {
            Expected::Text("URL-safe base64 ('-' and '_' in place of '+' and '/')")
        } else {
            expected
        };
        return fail(&body[bad..], 1, hint);
    }
    if body.is_empty() || body.len() % 4 == 1 || seg.len() - body.len() > 2 {
        return fail_fragment(seg, expected);
    }
    let mut out = Vec::with_capacity(body.len() / 4 * 3 + 2);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for b in body.bytes() {
        acc = (acc << 6) | u32::from(base64_value(b).unwrap_or(0));
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(("", out))
}

/// URL-safe base64 without padding: the canonical spelling of an encoded value (watermark
/// URLs, texts, fonts and colours are written so in rules).
///
/// ```
/// assert_eq!(mogr_syntax::encode_base64("#3D3D3D".as_bytes()), "IzNEM0QzRA");
/// ```
pub fn encode_base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            let index = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(BASE64_ALPHABET[index as usize]));
        }
    }
    out
}

/// The longest decoded text or URL a rule may carry.
pub const MAX_TEXT_BYTES: usize = 4096;

/// `text := base64` whose bytes are UTF-8 without control characters.
pub(crate) fn base64_text<'a>(seg: &'a str, what: &'static str) -> PResult<'a, String> {
    let (rest, bytes) = base64(seg, what)?;
    if bytes.len() > MAX_TEXT_BYTES {
        return fail_fragment(seg, Expected::Text("at most 4096 bytes once decoded"));
    }
    match String::from_utf8(bytes) {
        Ok(text) if !text.chars().any(char::is_control) => Ok((rest, text)),
        _ => fail_fragment(seg, Expected::Text("base64 of UTF-8 text without control characters")),
    }
}

/// `color := base64("#" hex{6})`
pub(crate) fn base64_rgb<'a>(seg: &'a str, what: &'static str) -> PResult<'a, Rgb> {
    let expected = Expected::Text("base64 of a colour written #RRGGBB");
    let (rest, bytes) = base64(seg, what)?;
    match parse_hex_rgb(&bytes) {
        Some(rgb) => Ok((rest, rgb)),
        None => fail_fragment(seg, expected),
    }
}

fn parse_hex_rgb(bytes: &[u8]) -> Option<Rgb> {
    let hex = bytes.strip_prefix(b"#")?;
    if hex.len() != 6 {
        return None;
    }
    let channel = |i: usize| -> Option<u8> {
        let pair = std::str::from_utf8(hex.get(i..i + 2)?).ok()?;
        u8::from_str_radix(pair, 16).ok().filter(|_| pair.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    Some(Rgb { r: channel(0)?, g: channel(2)?, b: channel(4)? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uint_checks_range_and_overflow() {
        assert_eq!(uint("42/x", "n", 0, 100), Ok(("/x", 42)));
        assert!(uint("101", "n", 0, 100).is_err());
        assert!(uint("99999999999999999999999", "n", 0, u64::MAX).is_err());
        assert!(uint("x", "n", 0, 1).is_err());
    }

    #[test]
    fn int_takes_a_sign() {
        assert_eq!(int("-100", "n", -100, 100), Ok(("", -100)));
        assert!(int("-101", "n", -100, 100).is_err());
        assert!(int("-", "n", -100, 100).is_err());
        assert!(int("+5", "n", -100, 100).is_err());
    }

    #[test]
    fn decimal_is_exact() {
        assert_eq!(decimal("1.5", "s").map(|(_, d)| d.thousandths), Ok(1500));
        assert_eq!(decimal("0.001", "s").map(|(_, d)| d.thousandths), Ok(1));
        assert_eq!(decimal("7", "s").map(|(_, d)| d.thousandths), Ok(7000));
        assert!(decimal("1.2345", "s").is_err());
        assert!(decimal("1.", "s").is_err());
        assert!(decimal(".5", "s").is_err());
        // Regression: the fraction once overflowed after the whole part was scaled.
        assert!(decimal("18446744073709551.999", "s").is_err());
    }

    #[test]
    fn base64_round_trips_with_and_without_padding() {
        for text in ["", "a", "ab", "abc", "abcd", "#FF0000", "水印"] {
            let encoded = encode_base64(text.as_bytes());
            assert!(!encoded.contains('='));
            if text.is_empty() {
                continue;
            }
            assert_eq!(base64(&encoded, "t").map(|(_, b)| b), Ok(text.as_bytes().to_vec()));
            let padded = format!("{encoded}{}", "=".repeat((4 - encoded.len() % 4) % 4));
            assert_eq!(base64(&padded, "t").map(|(_, b)| b), Ok(text.as_bytes().to_vec()));
        }
    }

    #[test]
    fn base64_rejects_the_standard_alphabet_with_a_hint() {
        let err = base64("ab+c", "t").unwrap_err();
        let nom::Err::Failure(e) = err else { panic!("not a failure") };
        assert_eq!(e.at, "+c");
        assert!(matches!(e.expected, Expected::Text(t) if t.contains("URL-safe")));
    }

    #[test]
    fn base64_rejects_impossible_lengths() {
        assert!(base64("a", "t").is_err());
        assert!(base64("abcde", "t").is_err());
        assert!(base64("YQ===", "t").is_err());
        assert!(base64("===", "t").is_err());
    }

    #[test]
    fn colours_need_a_hash_and_six_hex_digits() {
        let enc = |s: &str| encode_base64(s.as_bytes());
        assert_eq!(base64_rgb(&enc("#FF00aa"), "c").map(|(_, c)| c), Ok(Rgb { r: 255, g: 0, b: 170 }));
        assert!(base64_rgb(&enc("FF00AA"), "c").is_err());
        assert!(base64_rgb(&enc("#FF00A"), "c").is_err());
        assert!(base64_rgb(&enc("#GG0000"), "c").is_err());
        assert!(base64_rgb(&enc("#+F0000"), "c").is_err());
    }
}
