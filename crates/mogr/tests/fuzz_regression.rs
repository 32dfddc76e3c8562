//! Replays every finding of the `process` fuzz target kept in `testdata/regression/process/`
//! through the target's own checks (`fuzz/checks/process.rs`, included here as the target
//! includes it), and checks that those checks pass on good inputs and catch bad responses.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

#[path = "../../../fuzz/checks/process.rs"]
mod checks;
#[path = "../../../fuzz/checks/plan.rs"]
mod plan_checks;
#[path = "../../../fuzz/checks/replay.rs"]
mod replay;

use checks::*;
use replay::{folder, replay, replay_seeds};

#[test]
fn process_findings_stay_fixed() {
    let replayed = replay("process", check_process);
    println!("replayed {replayed} inputs of testdata/regression/process");
}

/// The `process` target starts from the `parse_plan` seeds (a rule line and an image each).
#[test]
fn process_seeds_pass_the_checks() {
    let replayed = replay_seeds("parse_plan", check_process);
    println!("replayed {replayed} seeds of fuzz/seeds/parse_plan");
}

fn input(rule: &str, image: &[u8]) -> Vec<u8> {
    let mut data = format!("{rule}\n").into_bytes();
    data.extend_from_slice(image);
    data
}

/// A 64x48 RGBA gradient as PNG: a still image (watermark images must not be animated).
fn still_png() -> Vec<u8> {
    let image = image::RgbaImage::from_fn(64, 48, |x, y| image::Rgba([(x * 4) as u8, (y * 5) as u8, 90, 200]));
    let mut png = Vec::new();
    image.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    png
}

#[test]
fn the_checks_pass_on_good_inputs() {
    let gif = std::fs::read(format!("{}/../../testdata/rotating-squares.gif", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let png = still_png();
    for (rule, image) in [
        ("imageMogr2/thumbnail/40x/format/webp", &gif),
        ("imageMogr2/rotate/33/blur/3x2|imageInfo", &gif),
        ("watermark/1/image/bG9nby5wbmc/batch/1/degree/30", &png),
        ("watermark/2/text/5rC05Y2w/fontsize/20", &gif),
        ("imageMogr2/thumbnail/99999x/ignore-error/1", &gif),
        ("imageAve", &png),
    ] {
        assert!(run(rule, image).is_ok(), "{rule}: refused, so the check below would prove nothing");
        assert_eq!(check_process(&input(rule, image)), Ok(()), "{rule}");
    }
    // Refusals are fine; so are inputs the target skips.
    assert_eq!(check_process(&input("imageMogr2/thumbnail/99999x", &gif)), Ok(()));
    assert_eq!(check_process(b"no newline"), Ok(()));
}

#[test]
fn the_checks_catch_a_response_that_lies() {
    let gif = std::fs::read(format!("{}/../../testdata/rotating-squares.gif", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let response = mogr::process(&gif, "imageMogr2/thumbnail/40x", &limits()).unwrap();
    assert_eq!(check_response(&response, &gif), Ok(()));
    let mut wrong = response.clone();
    wrong.width += 1;
    assert!(check_response(&wrong, &gif).is_err(), "a wrong width passed");
    let mut wrong = response.clone();
    wrong.frames = 1;
    assert!(check_response(&wrong, &gif).is_err(), "a wrong frame count passed");
    let mut wrong = response;
    wrong.mime_type = "image/png";
    assert!(check_response(&wrong, &gif).is_err(), "a wrong MIME type passed");
}

#[test]
fn the_regression_folder_is_where_its_readme_says() {
    let readme = std::fs::read_to_string(folder("process").join("README.md")).unwrap();
    assert!(readme.contains("fuzz_regression.rs"), "process/README.md does not name this test");
}
