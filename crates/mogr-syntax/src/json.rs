//! A small, strict JSON reader for the `Pic-Operations` header (RFC 8259).
//!
//! It keeps every value's span in the input, so errors found later (in a rule inside a
//! string) can still be reported at a byte offset of the header, and decoded strings carry a
//! map back through their escapes. Nesting is bounded by [`MAX_DEPTH`].

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while};

use crate::error::{Expected, GrammarError, PResult, fail};
use crate::query::Decoded;

/// The deepest nesting of arrays and objects accepted.
pub const MAX_DEPTH: usize = 16;

/// A JSON value and the text it was read from.
pub(crate) struct Value<'a> {
    pub span: &'a str,
    pub kind: Kind<'a>,
}

/// The kinds of JSON value.
pub(crate) enum Kind<'a> {
    Null,
    Bool(bool),
    /// The number's text, validated against the JSON grammar.
    Number(&'a str),
    Str(Decoded<'a>),
    Array(Vec<Value<'a>>),
    /// Members in order, each key with its span.
    Object(Vec<(&'a str, Decoded<'a>, Value<'a>)>),
}

/// `document := ws value ws`, the whole input.
pub(crate) fn document(input: &str) -> PResult<'_, Value<'_>> {
    let (rest, v) = value_at(ws(input), 0)?;
    let rest = ws(rest);
    if !rest.is_empty() {
        return fail(rest, rest.len(), Expected::Text("the end of the JSON document"));
    }
    Ok((rest, v))
}

fn ws(input: &str) -> &str {
    input.trim_start_matches([' ', '\t', '\n', '\r'])
}

/// `value := object | array | string | number | true | false | null`
fn value_at(input: &str, depth: usize) -> PResult<'_, Value<'_>> {
    let (rest, kind) = match input.chars().next() {
        Some('{') => object(input, depth)?,
        Some('[') => array(input, depth)?,
        Some('"') => string(input).map(|(r, s)| (r, Kind::Str(s)))?,
        Some('-' | '0'..='9') => number(input)?,
        _ => keyword(input)?,
    };
    let span = &input[..input.len() - rest.len()];
    Ok((rest, Value { span, kind }))
}

fn keyword(input: &str) -> PResult<'_, Kind<'_>> {
    let parsed = alt((
        tag::<_, _, GrammarError>("true").map(|_| Kind::Bool(true)),
        tag("false").map(|_| Kind::Bool(false)),
        tag("null").map(|_| Kind::Null),
    ))
    .parse(input);
    match parsed {
        Ok(ok) => Ok(ok),
        Err(_) => fail(input, first_char_len(input), Expected::Text("a JSON value")),
    }
}

/// `number := '-'? ('0' | [1-9][0-9]*) ('.' [0-9]+)? ([eE] [+-]? [0-9]+)?`
fn number(input: &str) -> PResult<'_, Kind<'_>> {
    let digits = |s| take_while::<_, _, GrammarError>(|c: char| c.is_ascii_digit()).parse(s);
    let expected = Expected::Text("a JSON number");
    let rest = input.strip_prefix('-').unwrap_or(input);
    let (rest, int) = digits(rest)?;
    if int.is_empty() || (int.len() > 1 && int.starts_with('0')) {
        return fail(input, 1, expected);
    }
    let rest = match rest.strip_prefix('.') {
        Some(after) => match digits(after)? {
            (_, "") => return fail(rest, 1, expected),
            (r, _) => r,
        },
        None => rest,
    };
    let rest = match rest.strip_prefix(['e', 'E']) {
        Some(after) => match digits(after.strip_prefix(['+', '-']).unwrap_or(after))? {
            (_, "") => return fail(rest, 1, expected),
            (r, _) => r,
        },
        None => rest,
    };
    Ok((rest, Kind::Number(&input[..input.len() - rest.len()])))
}

/// `string := '"' (char | escape)* '"'`, decoded with a map back to the raw text between the
/// quotes.
fn string(input: &str) -> PResult<'_, Decoded<'_>> {
    let body = &input[1..];
    // Fast path: nothing escaped, the text is borrowed.
    let unescaped_end = body.find(['"', '\\']).filter(|&end| body.as_bytes()[end] == b'"');
    if let Some(end) = unescaped_end.filter(|&end| !body[..end].chars().any(|c| u32::from(c) < 0x20)) {
        return Ok((&body[end + 1..], Decoded::verbatim(&body[..end])));
    }
    let mut out = String::new();
    let mut map = Vec::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        let raw_at = i;
        let decoded = match c {
            '"' => {
                let rest = &body[i + 1..];
                return Ok((rest, Decoded::with_map(out, map, i)));
            }
            '\\' => match chars.next() {
                Some((_, e @ ('"' | '\\' | '/'))) => e,
                Some((_, 'b')) => '\u{8}',
                Some((_, 'f')) => '\u{c}',
                Some((_, 'n')) => '\n',
                Some((_, 'r')) => '\r',
                Some((_, 't')) => '\t',
                Some((j, 'u')) => match unicode_escape(body, j + 1) {
                    Some((c, len)) => {
                        for _ in 0..len {
                            chars.next();
                        }
                        c
                    }
                    None => {
                        return fail(
                            &body[i..],
                            2,
                            Expected::Text("a \\u escape of four hex digits (a valid character)"),
                        );
                    }
                },
                _ => {
                    return fail(
                        &body[i..],
                        2,
                        Expected::Text("a JSON escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"),
                    );
                }
            },
            c if u32::from(c) < 0x20 => return fail(&body[i..], 1, Expected::Text("an escaped control character")),
            c => c,
        };
        for _ in 0..decoded.len_utf8() {
            map.push(raw_at);
        }
        out.push(decoded);
    }
    fail(&body[body.len()..], 0, Expected::Text("'\"' closing the string"))
}

/// Decodes `XXXX` (and a following `\uXXXX` low surrogate) at `body[at..]`; returns the
/// character and how many bytes after the `u` it took.
fn unicode_escape(body: &str, at: usize) -> Option<(char, usize)> {
    let hex = |s: usize| -> Option<u32> {
        let h = body.get(s..s + 4)?;
        h.bytes().all(|b| b.is_ascii_hexdigit()).then(|| u32::from_str_radix(h, 16).ok()).flatten()
    };
    let first = hex(at)?;
    if (0xD800..0xDC00).contains(&first) {
        if body.get(at + 4..at + 6)? != "\\u" {
            return None;
        }
        let second = hex(at + 6)?;
        if !(0xDC00..0xE000).contains(&second) {
            return None;
        }
        let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
        return char::from_u32(code).map(|c| (c, 10));
    }
    char::from_u32(first).map(|c| (c, 4))
}

/// `array := '[' ws (value ws (',' ws value ws)*)? ']'`
fn array(input: &str, depth: usize) -> PResult<'_, Kind<'_>> {
    let (rest, items) = list(input, depth, ']', |s| value_at(s, depth + 1))?;
    Ok((rest, Kind::Array(items)))
}

/// `object := '{' ws (member ws (',' ws member ws)*)? '}'`
fn object(input: &str, depth: usize) -> PResult<'_, Kind<'_>> {
    let (rest, members) = list(input, depth, '}', |s| member(s, depth + 1))?;
    Ok((rest, Kind::Object(members)))
}

/// `member := string ws ':' ws value`
fn member(input: &str, depth: usize) -> PResult<'_, (&str, Decoded<'_>, Value<'_>)> {
    if !input.starts_with('"') {
        return fail(input, first_char_len(input), Expected::Text("a member name in double quotes"));
    }
    let (after_key, key) = string(input)?;
    let key_span = &input[..input.len() - after_key.len()];
    let after_key = ws(after_key);
    let Some(after_colon) = after_key.strip_prefix(':') else {
        return fail(after_key, first_char_len(after_key), Expected::Text("':' after the member name"));
    };
    let (rest, value) = value_at(ws(after_colon), depth)?;
    Ok((rest, (key_span, key, value)))
}

/// The shape arrays and objects share: an opening bracket at `input`, items separated by
/// commas, then `close`. Nesting deeper than [`MAX_DEPTH`] is refused.
fn list<'a, T>(
    input: &'a str,
    depth: usize,
    close: char,
    mut item: impl FnMut(&'a str) -> PResult<'a, T>,
) -> PResult<'a, Vec<T>> {
    if depth >= MAX_DEPTH {
        return fail(input, 1, Expected::Text("at most 16 levels of nesting"));
    }
    let mut items = Vec::new();
    let mut rest = ws(&input[1..]);
    if let Some(after) = rest.strip_prefix(close) {
        return Ok((after, items));
    }
    loop {
        let (after, value) = item(rest)?;
        items.push(value);
        rest = ws(after);
        match rest.chars().next() {
            Some(',') => rest = ws(&rest[1..]),
            Some(c) if c == close => return Ok((&rest[1..], items)),
            _ => {
                let expected = if close == ']' { "',' or ']'" } else { "',' or '}'" };
                return fail(rest, first_char_len(rest), Expected::Text(expected));
            }
        }
    }
}

fn first_char_len(input: &str) -> usize {
    input.chars().next().map_or(0, char::len_utf8)
}

/// Writes `text` as a JSON string literal.
pub(crate) fn write_string(out: &mut impl std::fmt::Write, text: &str) -> std::fmt::Result {
    out.write_char('"')?;
    for c in text.chars() {
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            c if u32::from(c) < 0x20 => write!(out, "\\u{:04x}", u32::from(c))?,
            c => out.write_char(c)?,
        }
    }
    out.write_char('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parses(text: &str) -> bool {
        document(text).is_ok()
    }

    #[test]
    fn accepts_json() {
        assert!(parses(r#"{"a": [1, -2.5e3, true, false, null, "x\"\u00e9\ud83d\ude00"]}"#));
        assert!(parses(" [ ] "));
    }

    #[test]
    fn rejects_what_json_forbids() {
        for bad in ["{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\\x\"", "\"a\nb\"", "{'a':1}", "[1] x", "\"\\ud800\""] {
            assert!(!parses(bad), "{bad}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(!parses(&deep));
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parses(&ok));
    }

    #[test]
    fn strings_map_back_through_escapes() {
        let (_, s) = string(r#""a\/b""#).unwrap();
        assert_eq!(s.text, "a/b");
        assert_eq!(s.original_offset(2), 3);
    }
}
