//! The `mogr plan` contract of DESIGN.md: the plan as JSON from the headers alone, with at
//! least the output's `width`, `height`, `format` and `frames`; errors as `error <code> <name>`.

#![allow(clippy::expect_used)]

use std::process::{Command, Output};

fn corpus(file: &str) -> String {
    format!("{}/../../../shared/testimages/{file}", env!("CARGO_MANIFEST_DIR"))
}

fn mogr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mogr")).args(args).output().expect("mogr runs")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn a_camera_jpeg_thumbnail_is_planned_from_its_headers() {
    let plan = json(&mogr(&["plan", &corpus("jpeg/olympus_E-P3_12MP.jpg"), "imageMogr2/thumbnail/720x/quality/80"]));
    assert_eq!(plan["width"], 720);
    assert_eq!(plan["height"], 540);
    assert_eq!(plan["format"], "jpg");
    assert_eq!(plan["frames"], 1);
    assert_eq!(plan["quality"], 80);
    assert_eq!(plan["shrink_on_load"], 4);
    assert!(plan["peak_bytes"].as_u64().expect("peak_bytes") > 0);
    assert_eq!(plan["stages"][0]["steps"][0], serde_json::json!({"op": "resize", "width": 720, "height": 540}));
}

#[test]
fn an_animated_gif_keeps_its_frames() {
    let plan = json(&mogr(&["plan", &corpus("gif/rotating-squares.gif"), "imageMogr2/format/webp"]));
    assert_eq!(
        (plan["width"].as_u64(), plan["frames"].as_u64(), plan["format"].as_str()),
        (Some(80), Some(30), Some("webp"))
    );
}

#[test]
fn refusals_carry_the_ci_code() {
    let out = mogr(&["plan", &corpus("hostile/jpeg/lottapixel.jpg"), "imageMogr2/thumbnail/100x"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error -447 ResolutionOverLimit: "), "{stderr}");

    let out = mogr(&["plan", &corpus("jpeg/olympus_E-P3_12MP.jpg"), "imageMogr2/thumbnail/!300p"]);
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error -442 OutputTooLarge: "));

    let out = mogr(&["plan", &corpus("jpeg/iptc.jpg"), "imageMogr2/rotate/400"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error -60998 InvalidParameter: at byte 18"));
}
