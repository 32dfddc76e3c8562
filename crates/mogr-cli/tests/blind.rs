//! `mogr process --recovered-mark FILE`: a semi-blind extraction (`watermark/4/type/1`) writes
//! the mark it recovers as a PNG beside its JSON report; other rules are a usage error.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{TempDir, mogr, testdata, text};

/// The base64url of a COS URL naming `key` (the bucket is the input's folder).
fn url(key: &str) -> String {
    mogr::syntax::encode_base64(format!("http://bucket-1250000000.cos.ap-shanghai.myqcloud.com/{key}").as_bytes())
}

/// The run's JSON report on stdout.
fn report(out: &std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn semi_blind_extraction_writes_the_recovered_mark() {
    let dir = TempDir::new("recovered-mark");
    let photo = dir.copy(&testdata("landscape_orient6.jpg"), "photo.jpg");
    let mark = dir.join("mark.png");
    let made = mogr(&[
        "process",
        testdata("rotating-squares.gif").to_str().unwrap(),
        "imageMogr2/thumbnail/120x120!/format/png",
        "-o",
        mark.to_str().unwrap(),
    ]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let marked = dir.join("marked.jpg");
    let rule = format!("watermark/3/type/1/image/{}", url("mark.png"));
    let embedded = mogr(&["process", photo.to_str().unwrap(), &rule, "-o", marked.to_str().unwrap()]);
    assert!(embedded.status.success(), "{}", text(&embedded.stderr));

    let extract = format!("watermark/4/type/1/image/{}", url("photo.jpg"));
    let recovered = dir.join("recovered.png");
    let out = mogr(&[
        "process",
        marked.to_str().unwrap(),
        &extract,
        "-o",
        "-",
        "--recovered-mark",
        recovered.to_str().unwrap(),
    ]);
    let found = report(&out);
    assert!(found["WatermarkStatus"].as_u64().unwrap() > 75, "{found}");
    assert!(found["RecoveredMark"].is_string(), "{found}");
    let info = report(&mogr(&["info", recovered.to_str().unwrap()]));
    assert_eq!((&info["format"], &info["width"], &info["height"]), (&"png".into(), &"192".into(), &"192".into()));

    // The original itself carries no mark: nothing is recovered, nothing written, exit 0.
    let none = dir.join("none.png");
    let out =
        mogr(&["process", photo.to_str().unwrap(), &extract, "-o", "-", "--recovered-mark", none.to_str().unwrap()]);
    let absent = report(&out);
    assert!(absent["WatermarkStatus"].as_u64().unwrap() < 60, "{absent}");
    assert!(text(&out.stderr).contains("no mark recovered"), "{}", text(&out.stderr));
    assert!(!none.exists());
}

#[test]
fn recovered_mark_needs_a_semi_blind_extraction() {
    let dir = TempDir::new("recovered-mark-usage");
    let out = mogr(&[
        "process",
        testdata("landscape_orient6.jpg").to_str().unwrap(),
        "watermark/4/type/3",
        "-o",
        "-",
        "--recovered-mark",
        dir.join("x.png").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("watermark/4/type/1"), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
}
