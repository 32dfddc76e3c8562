//! The planner's geometry table executed for real: every case runs through `mogr::process` on
//! a JPEG of the case's size and EXIF orientation, and the image that comes out has exactly
//! the size the table (and so the plan) says. No off-by-one between plan and execution.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../mogr-plan/tests/support/geometry_cases.rs"]
mod geometry_cases;

use mogr::exec::{Frame, Metadata, Picture};
use mogr::plan::Limits;
use mogr::plan::plan::{OutputFormat, OutputPlan};
use mogr::syntax::ast::Rgb;

/// A minimal little-endian EXIF block whose IFD0 holds only the orientation.
fn exif_with_orientation(orientation: u16) -> Vec<u8> {
    let mut exif = vec![b'I', b'I', 42, 0, 8, 0, 0, 0, 1, 0];
    exif.extend([0x12, 0x01, 3, 0, 1, 0, 0, 0]);
    exif.extend(orientation.to_le_bytes());
    exif.extend([0, 0, 0, 0, 0, 0]);
    exif
}

/// A JPEG of `width`×`height` (a gradient) carrying `orientation`.
fn jpeg(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let mut frame = Frame::new(width, height).unwrap();
    for (i, p) in frame.pixels.chunks_exact_mut(4).enumerate() {
        let (x, y) = (i as u32 % width, i as u32 / width);
        p.copy_from_slice(&[(x % 256) as u8, (y % 256) as u8, 128, 255]);
    }
    let exif = (orientation != 1).then(|| exif_with_orientation(orientation));
    let picture = Picture::still(frame, Metadata { exif, ..Metadata::default() });
    let output = OutputPlan {
        format: OutputFormat::Jpeg,
        width,
        height,
        frames: 1,
        quality: Some(80),
        lossless: false,
        progressive: false,
        strip: false,
        size_limit: None,
        background: Rgb { r: 255, g: 255, b: 255 },
        report: None,
    };
    mogr::exec::encode::encode(&picture, &output).unwrap()
}

#[test]
fn every_planned_size_is_the_executed_size() {
    let mut failures = Vec::new();
    for &((w, h), orientation, rule, expected) in geometry_cases::CASES {
        if rule.contains("scrop") {
            continue; // face detection is not in this build yet
        }
        let input = jpeg(w, h, orientation);
        let probe = mogr::plan::probe(&input).unwrap();
        assert_eq!(probe.orientation.exif_value(), orientation, "the test JPEG carries its orientation");
        let png_rule = format!("{rule}|imageMogr2/format/png");
        match mogr::process(&input, &png_rule, &Limits::default()) {
            Ok(response) => {
                let image = image::load_from_memory(&response.body).unwrap();
                let got = (image.width(), image.height());
                if got != expected || (response.width, response.height) != expected {
                    failures.push(format!("{w}x{h} ({orientation}) {rule}: made {got:?}, expected {expected:?}"));
                }
            }
            Err(e) => failures.push(format!("{w}x{h} ({orientation}) {rule}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
