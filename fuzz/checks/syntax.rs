//! The checks of the grammar's fuzz targets, in one place: `fuzz/fuzz_targets/parse.rs` and
//! `pic_operations.rs` call them on every input, and `crates/mogr-syntax/tests/regression.rs`
//! replays `testdata/regression/{parse,pic_operations}/` through them (both include this file
//! with `#[path]`). No input may panic; an accepted input must round-trip through its
//! canonical form, which must be a fixed point; a refused input must get an error whose offset
//! lies inside it and whose message is not empty.

#![allow(dead_code)]

use std::fmt::Display;

/// The checks of both fuzz targets, for a parser `parse` whose output prints canonically.
pub fn check<T, E>(
    input: &str,
    parse: impl Fn(&str) -> Result<T, E>,
    offset: impl Fn(&E) -> usize,
) -> Result<(), String>
where
    T: PartialEq + std::fmt::Debug + Display,
    E: std::fmt::Debug + Display,
{
    match parse(input) {
        Ok(p) => {
            let c = p.to_string();
            let p2 = parse(&c).map_err(|e| format!("the canonical form {c:?} does not parse: {e}"))?;
            if p2 != p {
                return Err(format!("the canonical form {c:?} parses to a different tree:\n{p2:?}\nnot\n{p:?}"));
            }
            let c2 = p2.to_string();
            if c2 != c {
                return Err(format!("the canonical form is not a fixed point: {c:?} prints again as {c2:?}"));
            }
        }
        Err(err) => {
            if offset(&err) > input.len() {
                return Err(format!("error offset {} past the input's {} bytes: {err}", offset(&err), input.len()));
            }
            if err.to_string().is_empty() {
                return Err(format!("empty error message: {err:?}"));
            }
        }
    }
    Ok(())
}

pub fn check_parse(input: &str) -> Result<(), String> {
    check(input, mogr_syntax::parse, mogr_syntax::ParseError::offset)
}

pub fn check_pic_operations(input: &str) -> Result<(), String> {
    check(input, mogr_syntax::parse_pic_operations, mogr_syntax::ParseError::offset)
}
