//! The `Engine` as a server meets it: built once, shared between threads, its limits,
//! styles and buckets applied to every request, and responses that say what they carry.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use mogr::plan::{ImageFormat, OutputFormat};
use mogr::{Bucket, Engine, ErrorCode};

/// A 1200x1800 JPEG with EXIF orientation 6 (shows as 1800x1200).
fn photo() -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/landscape_orient6.jpg")).unwrap()
}

fn styles() -> BTreeMap<String, String> {
    BTreeMap::from([("thumb".to_owned(), "imageMogr2/auto-orient/thumbnail/120x/format/webp/quality/70".to_owned())])
}

#[test]
fn one_engine_serves_many_threads_with_the_same_bytes() {
    let engine = Arc::new(Engine::builder().threads(2).build().unwrap());
    let photo = Arc::new(photo());
    let rule = "imageMogr2/auto-orient/thumbnail/200x/format/png";
    let alone = engine.process(&photo, rule).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (engine, photo) = (Arc::clone(&engine), Arc::clone(&photo));
            std::thread::spawn(move || engine.process(&photo, rule).unwrap())
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().unwrap(), alone);
    }
    assert_eq!((alone.width, alone.height, alone.frames), (200, 133, 1));
}

#[test]
fn responses_say_format_size_frames_and_quality() {
    let engine = Engine::new().unwrap();
    let webp = engine.process(&photo(), "imageMogr2/thumbnail/100x/format/webp/quality/60").unwrap();
    assert_eq!((webp.format, webp.mime_type, webp.extension()), (Some(OutputFormat::Webp), "image/webp", "webp"));
    assert_eq!((webp.width, webp.height, webp.frames, webp.quality), (100, 150, 1, Some(60)));
    assert_eq!(webp.len(), webp.body.len());

    let png = engine.process(&photo(), "imageMogr2/thumbnail/100x/format/png").unwrap();
    assert_eq!((png.quality, png.extension()), (None, "png"));

    let gif = std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/rotating-squares.gif"));
    let gif = engine.process(&gif.unwrap(), "imageMogr2/thumbnail/50x").unwrap();
    assert_eq!(gif.format, Some(OutputFormat::Gif));
    assert!(gif.frames > 1, "{} frames", gif.frames);

    let info = engine.process(&photo(), "imageInfo").unwrap();
    assert_eq!((info.format, info.mime_type, info.extension(), info.quality), (None, "application/json", "json", None));
    let json: serde_json::Value = serde_json::from_slice(&info.body).unwrap();
    assert_eq!(json["format"], "jpg");
}

#[test]
fn styles_of_the_engine_and_of_a_request() {
    let engine = Engine::builder().styles(styles()).build().unwrap();
    let thumb = engine.process(&photo(), "style/thumb").unwrap();
    assert_eq!((thumb.format, thumb.width, thumb.height, thumb.quality), (Some(OutputFormat::Webp), 120, 80, Some(70)));
    let plan = engine.plan(&photo(), "style/thumb|imageMogr2/format/png").unwrap();
    assert_eq!((plan.output().format, plan.output().width), (OutputFormat::Png, 120));

    // A request's bucket replaces the engine's: its styles only.
    let theirs = BTreeMap::from([("thumb".to_owned(), "imageMogr2/thumbnail/60x".to_owned())]);
    let objects = mogr::exec::NoObjects;
    let other = engine.process_in(&photo(), "style/thumb", Bucket::new(&objects).with_styles(&theirs)).unwrap();
    assert_eq!((other.format, other.width), (Some(OutputFormat::Jpeg), 60));
    let none = engine.process_in(&photo(), "style/thumb", Bucket::new(&objects)).unwrap_err();
    assert_eq!((none.code(), none.http_status()), (ErrorCode::StyleNotFound, 404));
}

#[test]
fn limits_refuse_before_decoding() {
    let photo = photo();
    let small_budget = Engine::builder().memory_budget(1 << 20).build().unwrap();
    let err = small_budget.process(&photo, "imageMogr2/thumbnail/400x").unwrap_err();
    assert_eq!((err.code(), err.http_status()), (ErrorCode::ResolutionOverLimit, 400));
    assert!(err.message().contains("more than the budget of 1048576"), "{}", err.message());

    let limits = mogr::plan::Limits { max_input_bytes: Some(1000), ..mogr::plan::Limits::DEFAULT };
    let small_input = Engine::builder().limits(limits).build().unwrap();
    assert_eq!(small_input.probe(&photo).unwrap_err().code(), ErrorCode::FileTooLarge);
    assert_eq!(small_input.process(&photo, "imageInfo").unwrap_err().code(), ErrorCode::FileTooLarge);
}

#[test]
fn probe_and_plan_decide_from_headers() {
    let engine = Engine::new().unwrap();
    let photo = photo();
    let probe = engine.probe(&photo).unwrap();
    assert_eq!((probe.format, probe.width, probe.height), (ImageFormat::Jpeg, 1200, 1800));
    let plan = engine.plan_probed(&probe, "imageMogr2/auto-orient/thumbnail/240x").unwrap();
    assert_eq!((plan.output().width, plan.output().height), (240, 160));
    let err = engine.plan_probed(&probe, "imageMogr2/thumbnail/20000x").unwrap_err();
    assert_eq!(err.code(), ErrorCode::OutputTooLarge);
    assert_eq!(engine.probe(b"not an image").unwrap_err().code(), ErrorCode::UnsupportedFormat);
}

#[test]
fn engine_settings_reach_the_executor() {
    let engine = Engine::builder()
        .threads(3)
        .jpeg_mode(mogr::exec::JpegMode::Compact)
        .scrop_fallback(mogr::exec::ScropFallback::Saliency)
        .build()
        .unwrap();
    let settings = engine.settings();
    assert_eq!(settings.threads.map(|n| n.get()), Some(3));
    assert_eq!(settings.encode.jpeg, mogr::exec::JpegMode::Compact);
    assert_eq!(settings.scrop_fallback, mogr::exec::ScropFallback::Saliency);
}
