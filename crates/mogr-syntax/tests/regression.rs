//! Replays every fuzz finding of the grammar kept in `testdata/regression/` through the checks
//! of its fuzz target, `fuzz/checks/syntax.rs` (the targets call the same functions):
//! `testdata/regression/parse/*` through `check_parse`, `testdata/regression/pic_operations/*`
//! through `check_pic_operations`. Each folder's `README.md` is not an input; every failing
//! file is named, not only the first.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

#[path = "../../../fuzz/checks/syntax.rs"]
mod checks;
#[path = "../../../fuzz/checks/replay.rs"]
mod replay;

use checks::{check, check_parse, check_pic_operations};
use replay::{replay, replay_seeds};

/// The fuzz targets skip input that is not UTF-8, so such a file cannot be a finding.
fn as_text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

#[test]
fn parse_findings_stay_fixed() {
    let replayed = replay("parse", |data| as_text(data).map_or(Ok(()), check_parse));
    println!("replayed {replayed} inputs of testdata/regression/parse");
}

#[test]
fn pic_operations_findings_stay_fixed() {
    let replayed = replay("pic_operations", |data| as_text(data).map_or(Ok(()), check_pic_operations));
    println!("replayed {replayed} inputs of testdata/regression/pic_operations");
}

#[test]
fn parse_and_pic_operations_seeds_pass_the_checks() {
    let rules = replay_seeds("parse", |data| as_text(data).map_or(Ok(()), check_parse));
    let operations = replay_seeds("pic_operations", |data| as_text(data).map_or(Ok(()), check_pic_operations));
    println!("replayed {rules} seeds of fuzz/seeds/parse, {operations} of fuzz/seeds/pic_operations");
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
