//! The `mogr process` and `mogr info` contracts of DESIGN.md: the response body written to
//! the file (or stdout with `-o -`); on failure a non-zero exit and
//! `error <CI code> <name>: <message>` on stderr.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::process::{Command, Output};

fn testdata(file: &str) -> String {
    format!("{}/../../testdata/{file}", env!("CARGO_MANIFEST_DIR"))
}

fn mogr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mogr")).args(args).output().expect("mogr runs")
}

fn info(path: &str) -> serde_json::Value {
    let out = mogr(&["info", path]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn the_readme_command_makes_an_upright_webp_thumbnail() {
    let out_path = std::env::temp_dir().join(format!("mogr-process-{}.webp", std::process::id()));
    let out_path = out_path.to_str().expect("UTF-8 temp path");
    let run = mogr(&[
        "process",
        &testdata("landscape_orient6.jpg"),
        "imageMogr2/auto-orient/thumbnail/600x/format/webp",
        "-o",
        out_path,
    ]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let written = info(out_path);
    let _ = std::fs::remove_file(out_path);
    // Stored 1200x1800 with orientation 6: upright 1800x1200, thumbnailed to 600x400.
    assert_eq!(written["format"], "webp");
    assert_eq!((written["width"].as_str(), written["height"].as_str()), (Some("600"), Some("400")));
}

#[test]
fn reports_go_to_stdout() {
    let out = mogr(&["process", &testdata("rotating-squares.gif"), "imageMogr2/thumbnail/40x|imageInfo", "-o", "-"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["format"], "gif");
    assert_eq!(json["width"], "40");
    assert_eq!(json["frame_count"], "30");
}

#[test]
fn info_reads_the_input() {
    let json = info(&testdata("landscape_orient6.jpg"));
    assert_eq!(json["format"], "jpg");
    assert_eq!((json["width"].as_str(), json["height"].as_str()), (Some("1200"), Some("1800")));
    assert_eq!(json["size"], std::fs::metadata(testdata("landscape_orient6.jpg")).expect("file").len().to_string());
}

#[test]
fn failures_name_the_ci_code() {
    let out = mogr(&["process", &testdata("landscape_orient6.jpg"), "imageMogr2/format/tpg", "-o", "-"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error -443 UnsupportedFormat: "));
    let out = mogr(&["process", &testdata("nonexistent.jpg"), "imageInfo", "-o", "-"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

/// Runs `mogr process` with `extra` arguments and answers the body written to stdout.
fn body(input: &str, rule: &str, extra: &[&str]) -> Vec<u8> {
    let mut args = vec!["process", input, rule, "-o", "-"];
    args.extend_from_slice(extra);
    let run = mogr(&args);
    assert!(run.status.success(), "{args:?}: {}", String::from_utf8_lossy(&run.stderr));
    run.stdout
}

#[test]
fn compact_jpeg_is_smaller_at_the_same_size_and_quality() {
    let input = testdata("landscape_orient6.jpg");
    let rule = "imageMogr2/auto-orient/thumbnail/800x/quality/80!";
    let fast = body(&input, rule, &["--jpeg", "fast"]);
    let compact = body(&input, rule, &["--jpeg", "compact"]);
    assert_eq!(fast, body(&input, rule, &[]), "fast is the default");
    let (fast_probe, compact_probe) = (mogr::plan::probe(&fast).unwrap(), mogr::plan::probe(&compact).unwrap());
    assert_eq!((compact_probe.width, compact_probe.height), (fast_probe.width, fast_probe.height));
    assert_eq!((compact_probe.jpeg_quality, fast_probe.jpeg_quality), (Some(80), Some(80)));
    // The trellis encoder's bar is at least 8 % smaller than libjpeg-turbo at one quality.
    assert!(compact.len() * 100 <= fast.len() * 92, "compact {} bytes, fast {} bytes", compact.len(), fast.len());
}

#[test]
fn unknown_jpeg_modes_and_zero_threads_are_usage_errors() {
    let input = testdata("landscape_orient6.jpg");
    for extra in [["--jpeg", "guetzli"], ["--threads", "0"]] {
        let run = mogr(&["process", &input, "imageMogr2/quality/80", "-o", "-", extra[0], extra[1]]);
        assert_eq!(run.status.code(), Some(2), "{extra:?}");
        assert!(String::from_utf8_lossy(&run.stderr).contains(extra[0]), "{extra:?}");
    }
}

#[test]
fn output_bytes_do_not_depend_on_the_thread_count() {
    let cases = [
        ("landscape_orient6.jpg", "imageMogr2/auto-orient/thumbnail/500x/rotate/33/blur/4x2/sharpen/80/format/png"),
        ("rotating-squares.gif", "imageMogr2/thumbnail/60x/rotate/45/format/webp"),
        ("landscape_orient6.jpg", "imageMogr2/thumbnail/700x/iradius/200/quality/85"),
        // Alpha: rounded corners, then a 16-bit premultiplied resize of the transparent frame.
        ("landscape_orient6.jpg", "imageMogr2/rradius/300/format/png|imageMogr2/thumbnail/!37p"),
        // Tiled text turned by 30 degrees, with a shadow, over every frame of an animation.
        ("rotating-squares.gif", "watermark/2/text/5rC05Y2wIG1vZ3I/fontsize/12/batch/1/degree/30/shadow/50"),
        // An image watermark scaled by area, and the trellis encoder.
        ("landscape_orient6.jpg", "watermark/1/image/bGFuZHNjYXBlX29yaWVudDYuanBn/scatype/3/spcent/20/gravity/center"),
    ];
    for (file, rule) in cases {
        let input = testdata(file);
        let one = body(&input, rule, &["--threads", "1", "--jpeg", "compact"]);
        let many = body(&input, rule, &["--threads", "4", "--jpeg", "compact"]);
        assert!(one == many, "{file} {rule}: {} vs {} bytes", one.len(), many.len());
    }
}

/// URL-safe base64 without padding, as rules carry URLs and texts.
fn b64(s: &str) -> String {
    mogr::syntax::encode_base64(s.as_bytes())
}

#[test]
fn watermark_images_come_from_the_inputs_folder_or_the_bucket_root() {
    let input = testdata("landscape_orient6.jpg");
    let url = b64("http://examplebucket-1250000000.cos.ap-shanghai.myqcloud.com/landscape_orient6.jpg");
    let rule = format!("watermark/1/image/{url}/scatype/1/spcent/100/dissolve/100|imageMogr2/format/png");
    let marked = body(&input, &rule, &[]);
    assert_ne!(marked, body(&input, "imageMogr2/format/png", &[]), "the watermark changed nothing");
    let root = format!("{}/../../testdata", env!("CARGO_MANIFEST_DIR"));
    assert_eq!(body(&input, &rule, &["--bucket-root", &root]), marked);

    let elsewhere = mogr(&["process", &input, &rule, "--bucket-root", "/nonexistent-bucket", "-o", "-"]);
    assert_eq!(elsewhere.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&elsewhere.stderr).starts_with("error -60987 ImageNotRetrieved:"));

    let escape = format!("watermark/1/image/{}", b64("../Cargo.toml"));
    let refused = mogr(&["process", &input, &escape, "-o", "-"]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.starts_with("error -60955 InvalidUrl:") && stderr.contains("`..` segment"), "{stderr}");
}

#[test]
fn a_request_over_the_memory_budget_is_refused_before_decoding() {
    // 1200x1800 decoded (8.6 MB) and rotated onto a bigger canvas: over a 10 MiB budget.
    let input = testdata("landscape_orient6.jpg");
    let rule = "imageMogr2/rotate/45/format/png";
    let refused = mogr(&["process", &input, rule, "--max-memory", "10", "-o", "-"]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.starts_with("error -447 ResolutionOverLimit:") && stderr.contains("budget"), "{stderr}");
    assert!(!body(&input, rule, &["--max-memory", "64"]).is_empty());
    assert!(!body(&input, rule, &["--max-memory", "0"]).is_empty(), "0 lifts the budget");
    let planned = mogr(&["plan", &input, rule, "--max-memory", "10"]);
    assert_eq!(planned.status.code(), Some(1));
}

fn corpus(file: &str) -> String {
    format!("{}/../../../shared/testimages/{file}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn svg_inputs_are_drawn_and_compressed() {
    let png = body(&corpus("svg/check.svg"), "imageMogr2/thumbnail/500x", &[]);
    let drawn = mogr::plan::probe(&png).expect("a PNG");
    assert_eq!((drawn.format, drawn.width, drawn.height), (mogr::plan::ImageFormat::Png, 500, 500));
    let input = std::fs::read(corpus("svg/drop-shadow-filter.svg")).expect("the corpus");
    let svgc = body(&corpus("svg/drop-shadow-filter.svg"), "imageMogr2/format/svgc", &[]);
    assert!(svgc.starts_with(b"<svg") && svgc.len() < input.len(), "{}", String::from_utf8_lossy(&svgc));
}

#[test]
fn scrop_falls_back_to_the_input_or_to_saliency() {
    let photo = corpus("exif-orientation/Landscape_0.jpg");
    let unchanged = body(&photo, "imageMogr2/scrop/300x300", &[]);
    assert_eq!(unchanged, std::fs::read(&photo).expect("the corpus"));
    let cropped = body(&photo, "imageMogr2/scrop/300x300", &["--scrop-fallback", "saliency"]);
    let cropped = mogr::plan::probe(&cropped).expect("a JPEG");
    assert_eq!((cropped.width, cropped.height), (300, 300));
    let out = mogr(&["process", &photo, "imageMogr2/scrop/300x300", "--scrop-fallback", "nearest", "-o", "-"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn blind_text_marks_read_back_with_their_key_only() {
    let photo = corpus("exif-orientation/Landscape_0.jpg");
    let marked = std::env::temp_dir().join(format!("mogr-blind-cli-{}.jpg", std::process::id()));
    let marked = marked.to_str().expect("UTF-8 temp path");
    let key = ["--blind-watermark-key", "ours"];
    let run = mogr(&["process", &photo, "watermark/3/type/3/text/bW9ncjIwMjY", "-o", marked, key[0], key[1]]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let ours: serde_json::Value = serde_json::from_slice(&body(marked, "watermark/4/type/3", &key)).expect("JSON");
    assert_eq!(ours["text"], "mogr2026");
    let theirs: serde_json::Value =
        serde_json::from_slice(&body(marked, "watermark/4/type/3", &["--blind-watermark-key", "theirs"]))
            .expect("JSON");
    assert!(theirs["text"].is_null(), "{theirs}");
    let _ = std::fs::remove_file(marked);
}
