//! Replays every fuzz finding kept in `testdata/regression/` through the checks of the fuzz
//! targets in `fuzz/fuzz_targets/`:
//!
//! - `testdata/regression/parse/*`: [`mogr_syntax::parse`] (target `parse`);
//! - `testdata/regression/pic_operations/*`: [`mogr_syntax::parse_pic_operations`] (target
//!   `pic_operations`).
//!
//! No input may panic; an accepted input must round-trip through its canonical form, which must
//! be a fixed point; a refused input must get an error whose offset lies inside it and whose
//! message is not empty. Each folder's `README.md` is not an input. Every failing file is named,
//! not only the first.

#![allow(clippy::panic)]

use std::fmt::Display;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// The checks of both fuzz targets, for a parser `parse` whose output prints canonically.
fn check<T, E>(input: &str, parse: impl Fn(&str) -> Result<T, E>, offset: impl Fn(&E) -> usize) -> Result<(), String>
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

fn check_parse(input: &str) -> Result<(), String> {
    check(input, mogr_syntax::parse, mogr_syntax::ParseError::offset)
}

fn check_pic_operations(input: &str) -> Result<(), String> {
    check(input, mogr_syntax::parse_pic_operations, mogr_syntax::ParseError::offset)
}

/// The inputs kept in `testdata/regression/<folder>`, sorted; fails when the folder is missing.
fn inputs(folder: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/regression").join(folder);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.unwrap_or_else(|e| panic!("reading {}: {e}", dir.display())).path())
        .filter(|path| path.is_file() && path.file_name().is_some_and(|name| name != "README.md"))
        .collect();
    files.sort();
    files
}

/// Runs `check` on every input of `folder`, catching panics; returns how many were replayed.
fn replay(folder: &str, check: fn(&str) -> Result<(), String>) -> usize {
    let files = inputs(folder);
    let mut failures = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        // The fuzz targets skip input that is not UTF-8, so no finding can be such input.
        let Ok(input) = std::str::from_utf8(&bytes) else {
            failures.push(format!("{}: not UTF-8, so not a finding of the fuzz targets", path.display()));
            continue;
        };
        match panic::catch_unwind(AssertUnwindSafe(|| check(input))) {
            Ok(Ok(())) => {}
            Ok(Err(message)) => failures.push(format!("{}: input {input:?}: {message}", path.display())),
            Err(payload) => {
                let message = payload
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| payload.downcast_ref::<&str>().copied())
                    .unwrap_or("(no message)");
                failures.push(format!("{}: input {input:?}: panicked: {message}", path.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} regression inputs fail:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    files.len()
}

#[test]
fn parse_findings_stay_fixed() {
    let replayed = replay("parse", check_parse);
    println!("replayed {replayed} inputs of testdata/regression/parse");
}

#[test]
fn pic_operations_findings_stay_fixed() {
    let replayed = replay("pic_operations", check_pic_operations);
    println!("replayed {replayed} inputs of testdata/regression/pic_operations");
}

#[test]
fn the_checks_catch_what_they_should() {
    // Accepted and refused inputs both pass when the library behaves.
    assert_eq!(check_parse("imageMogr2/thumbnail/!50p"), Ok(()));
    assert_eq!(check_parse("imageMogr2/blur/80x5"), Ok(()));
    assert_eq!(check_pic_operations(r#"{"rules":[{"fileid":"a","rule":"exif"}]}"#), Ok(()));
    assert_eq!(check_pic_operations("{"), Ok(()));
    // A parser whose canonical form does not round-trip, or whose error points past the input,
    // is caught.
    let drifting = |s: &str| -> Result<String, mogr_syntax::ParseError> { Ok(format!("{s}!")) };
    assert!(check("a", drifting, mogr_syntax::ParseError::offset).is_err());
    let far = |s: &str| mogr_syntax::parse(&format!("{s}{}", "/".repeat(8))).map(|p| p.to_string());
    assert!(check("imageMogr2", far, mogr_syntax::ParseError::offset).is_err());
}
