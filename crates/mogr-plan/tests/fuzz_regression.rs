//! Replays every fuzz finding of the second stage kept in `testdata/regression/` through the
//! checks of its fuzz target, `fuzz/checks/plan.rs` (the targets call the same functions):
//! `testdata/regression/probe/*` through `check_probe`, `testdata/regression/parse_plan/*`
//! through `check_parse_plan`. Each folder's `README.md` is not an input, but must be there:
//! the test fails when a folder is missing, so it cannot pass by looking in the wrong place.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

#[path = "../../../fuzz/checks/plan.rs"]
mod checks;
#[path = "../../../fuzz/checks/replay.rs"]
mod replay;

use checks::*;
use mogr_plan::{ImageFormat, Orientation, Probe};
use replay::{folder, replay, replay_seeds};

#[test]
fn probe_findings_stay_fixed() {
    let replayed = replay("probe", check_probe);
    println!("replayed {replayed} inputs of testdata/regression/probe");
}

#[test]
fn parse_plan_findings_stay_fixed() {
    let replayed = replay("parse_plan", check_parse_plan);
    println!("replayed {replayed} inputs of testdata/regression/parse_plan");
}

#[test]
fn probe_and_parse_plan_seeds_pass_the_checks() {
    let probes = replay_seeds("probe", check_probe);
    let plans = replay_seeds("parse_plan", check_parse_plan);
    println!("replayed {probes} seeds of fuzz/seeds/probe, {plans} of fuzz/seeds/parse_plan");
}

#[test]
fn the_checks_pass_on_good_inputs_and_skip_what_the_targets_skip() {
    // A real image, refused bytes, a rule with an image, a rule on a synthetic probe.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x03\0\0\0\x02\x08\x02\0\0\0".to_vec();
    png.extend_from_slice(&[0; 4]);
    assert_eq!(check_probe(&png), Ok(()));
    assert_eq!(check_probe(b"not an image"), Ok(()));
    let mut input = b"imageMogr2/thumbnail/!50p\n".to_vec();
    input.extend_from_slice(&png);
    assert_eq!(check_parse_plan(&input), Ok(()));
    assert_eq!(check_parse_plan(b"imageMogr2/thumbnail/300x300\n\x10\x20\x00\x00\x50"), Ok(()));
    // What the target skips: no newline, a rule that is not UTF-8 or does not parse.
    assert_eq!(split(b"imageInfo"), None);
    assert_eq!(split(b"\xff\n"), None);
    assert_eq!(split(&[b'a'; MAX_RULE + 1]), None);
    assert_eq!(split(b"imageInfo\nabc"), Some(("imageInfo", &b"abc"[..])));
    assert_eq!(check_parse_plan(b"imageMogr2/blur/80x5\n"), Ok(()));
}

#[test]
fn the_checks_catch_what_they_should() {
    let mut bad = Probe::new(ImageFormat::Png, 0, 5);
    assert!(check_accepted(&bad, 0).is_err());
    bad.width = 5;
    assert_eq!(check_accepted(&bad, 0), Ok(()));
    assert!(check_accepted(&bad, 1).is_err(), "byte_len must be the input's length");
    bad.transform = Orientation::RightTop;
    assert!(check_accepted(&bad, 0).is_err(), "a PNG has no format transform");
    bad.transform = Orientation::TopLeft;
    bad.jpeg_quality = Some(90);
    assert!(check_accepted(&bad, 0).is_err(), "a PNG has no JPEG quality");
    // The synthetic probe covers the sides from 1 to past the input limit.
    assert_eq!((side(0), side(8), side(255)), (1, 10, 32641));
    let p = synthetic_probe(&[1, 2, 5, 0x0f, 0]);
    assert_eq!((p.format, p.width, p.height, p.transform), (ImageFormat::Heif, 2, 3, Orientation::LeftBottom));
    assert_eq!(p.orientation, Orientation::TopLeft);
}

#[test]
fn the_regression_folders_are_where_the_readmes_say() {
    for name in ["probe", "parse_plan"] {
        let readme = std::fs::read_to_string(folder(name).join("README.md")).unwrap();
        assert!(readme.contains("fuzz_regression.rs"), "{name}/README.md does not name this test");
    }
}
