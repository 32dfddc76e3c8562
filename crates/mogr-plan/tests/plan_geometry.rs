//! The geometry table: input size, rule, output size, through the whole planner. The cases
//! are the spec's worked examples and ImageMagick's geometry semantics (`!` exact, `>` shrink
//! only, `<` enlarge only, `!…r` cover, `@` area, percentages), rounded half up.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mogr_plan::{ImageFormat, Limits, Orientation, Probe, plan};

/// A still JPEG of `w`×`h` with an EXIF orientation.
fn jpeg(w: u32, h: u32, orientation: Orientation) -> Probe {
    let mut probe = Probe::new(ImageFormat::Jpeg, w, h);
    probe.orientation = orientation;
    probe.jpeg_quality = Some(90);
    probe
}

fn output(probe: &Probe, rule: &str) -> (u32, u32) {
    let pipeline = mogr_syntax::parse(rule).unwrap_or_else(|e| panic!("{rule}: {e}"));
    let plan = plan(&pipeline, probe, &Limits::default()).unwrap_or_else(|e| panic!("{rule}: {e}"));
    let out = plan.output();
    (out.width, out.height)
}

#[path = "support/geometry_cases.rs"]
mod geometry_cases;

use geometry_cases::CASES;

#[test]
fn every_geometry_resolves_as_the_table_says() {
    let mut failures = Vec::new();
    for &((w, h), orientation, rule, expected) in CASES {
        let probe = jpeg(w, h, Orientation::from_exif(orientation).unwrap());
        let got = output(&probe, rule);
        if got != expected {
            failures.push(format!("{w}x{h} (orientation {orientation}) {rule}: got {got:?}, expected {expected:?}"));
        }
    }
    assert!(CASES.len() >= 60);
    assert!(failures.is_empty(), "{} of {} failed:\n{}", failures.len(), CASES.len(), failures.join("\n"));
}

/// Checks the invariants of every geometry over many source sizes: fits lie inside their box
/// with one side on it, covers contain it, rounding agrees with ImageMagick's
/// `floor(x + 0.5)` in `f64`, percentages and areas stay in bounds. Slow: run with
/// `cargo test --release -- --ignored`.
#[test]
#[ignore]
fn exhaustive_sweep_rounds_consistently() {
    use mogr_plan::plan::geometry::{cover, fit, scale_side, within_area};
    let im_round = |v: f64| (v + 0.5).floor().max(1.0) as u32;
    for w in 1..=400u32 {
        for h in 1..=400u32 {
            for &(bw, bh) in &[(1, 1), (7, 3), (100, 100), (128, 37), (300, 200), (399, 401), (1000, 10)] {
                let (fw, fh) = fit((w, h), (bw, bh));
                assert!(fw <= bw && fh <= bh && (fw == bw || fh == bh), "fit {w}x{h} in {bw}x{bh}: {fw}x{fh}");
                let (cw, ch) = cover((w, h), (bw, bh));
                assert!(cw >= bw && ch >= bh && (cw == bw || ch == bh), "cover {w}x{h} over {bw}x{bh}: {cw}x{ch}");
                // The limiting side is the box's; the other is rounded half up.
                if u64::from(bw) * u64::from(h) <= u64::from(bh) * u64::from(w) {
                    assert_eq!(fh, im_round(f64::from(h) * f64::from(bw) / f64::from(w)), "fit {w}x{h} in {bw}x{bh}");
                } else {
                    assert_eq!(fw, im_round(f64::from(w) * f64::from(bh) / f64::from(h)), "fit {w}x{h} in {bw}x{bh}");
                }
            }
            for p in [1u16, 33, 50, 99, 150, 1000] {
                assert_eq!(scale_side(w, p.into(), 100), im_round(f64::from(w) * f64::from(p) / 100.0), "{w} at {p}%");
            }
            for area in [1u32, 2, 100, 999, 10_000, 160_000] {
                let (aw, ah) = within_area((w, h), area);
                assert!(u64::from(aw) * u64::from(ah) <= u64::from(area.max(1)), "{w}x{h}@{area}: {aw}x{ah}");
            }
        }
    }
}
