//! Blind watermarks through the whole pipeline (`watermark/3` to add, `watermark/4` to
//! extract) on a real photo, the marked image re-encoded by another JPEG encoder (the `image`
//! crate's) in between: the text comes back exact, the image marks are found (status > 75),
//! unmarked images stay below 60, animated inputs are refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use image::{ImageFormat, Luma, RgbaImage};
use mogr::Engine;
use mogr::exec::FolderObjects;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testimages")
}

/// A bucket with a 1800x1200 photo, a white-on-black mark 1/8 of its height, and a GIF.
fn bucket() -> &'static Path {
    static BUCKET: OnceLock<PathBuf> = OnceLock::new();
    BUCKET.get_or_init(|| {
        let bucket = std::env::temp_dir().join(format!("mogr-blind-test-{}", std::process::id()));
        std::fs::create_dir_all(&bucket).unwrap();
        std::fs::copy(corpus().join("exif-orientation/Landscape_0.jpg"), bucket.join("photo.jpg")).unwrap();
        std::fs::copy(corpus().join("gif/dancing-banana.gif"), bucket.join("banana.gif")).unwrap();
        let mark = image::GrayImage::from_fn(150, 150, |x, y| {
            let ring = (x as i32 - 75).pow(2) + (y as i32 - 75).pow(2);
            Luma([if (2500..4900).contains(&ring) || (70..80).contains(&x) { 255 } else { 0 }])
        });
        mark.save_with_format(bucket.join("mark.png"), ImageFormat::Png).unwrap();
        bucket
    })
}

fn url(key: &str) -> String {
    mogr::syntax::encode_base64(format!("http://bucket-1250000000.cos.ap-shanghai.myqcloud.com/{key}").as_bytes())
}

fn run(image: &[u8], rule: &str) -> Result<mogr::Response, mogr::Error> {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    let engine = ENGINE.get_or_init(|| Engine::builder().objects(FolderObjects::new(bucket())).build().unwrap());
    engine.process(image, rule)
}

fn photo() -> Vec<u8> {
    std::fs::read(bucket().join("photo.jpg")).unwrap()
}

/// The image re-encoded as JPEG quality 70 by the `image` crate (not libjpeg-turbo).
fn reencoded(bytes: &[u8]) -> Vec<u8> {
    let decoded = image::load_from_memory(bytes).unwrap().to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 70).encode_image(&decoded).unwrap();
    out
}

fn report(image: &[u8], rule: &str) -> serde_json::Value {
    let response = run(image, rule).unwrap();
    assert_eq!(response.mime_type, "application/json", "{rule}");
    serde_json::from_slice(&response.body).unwrap()
}

fn status(report: &serde_json::Value) -> u64 {
    report["WatermarkStatus"].as_u64().unwrap_or_else(|| panic!("no WatermarkStatus in {report}"))
}

#[test]
fn text_marks_come_back_exact_after_another_encoder() {
    let text = "mogr2026";
    let rule = format!("watermark/3/type/3/text/{}", mogr::syntax::encode_base64(text.as_bytes()));
    let marked = run(&photo(), &rule).unwrap();
    assert_eq!((marked.width, marked.height, marked.mime_type), (1800, 1200, "image/jpeg"));
    let found = report(&reencoded(&marked.body), "watermark/4/type/3");
    assert_eq!(found["text"], text, "{found}");
    assert!(status(&found) > 75, "{found}");
    let unmarked = report(&photo(), "watermark/4/type/3");
    assert!(status(&unmarked) < 60 && unmarked["text"].is_null(), "{unmarked}");
}

#[test]
fn image_marks_are_found_with_the_mark_alone() {
    let marked = run(&photo(), &format!("watermark/3/type/2/image/{}/level/2", url("mark.png"))).unwrap();
    let extract = format!("watermark/4/type/2/image/{}", url("mark.png"));
    let found = report(&reencoded(&marked.body), &extract);
    assert!(status(&found) > 75, "{found}");
    assert!(status(&report(&photo(), &extract)) < 60);
}

#[test]
fn semi_blind_marks_are_found_with_the_original() {
    let marked = run(&photo(), &format!("watermark/3/type/1/image/{}", url("mark.png"))).unwrap();
    let extract = format!("watermark/4/type/1/image/{}", url("photo.jpg"));
    let found = report(&reencoded(&marked.body), &extract);
    assert!(status(&found) > 75, "{found}");
}

#[test]
fn semi_blind_extraction_gives_the_recovered_mark_on_request() {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    let engine = ENGINE
        .get_or_init(|| Engine::builder().objects(FolderObjects::new(bucket())).recovered_marks(true).build().unwrap());
    let marked = run(&photo(), &format!("watermark/3/type/1/image/{}", url("mark.png"))).unwrap();
    let extract = format!("watermark/4/type/1/image/{}", url("photo.jpg"));
    let found: serde_json::Value =
        serde_json::from_slice(&engine.process(&reencoded(&marked.body), &extract).unwrap().body).unwrap();
    assert!(status(&found) > 75, "{found}");
    let png =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, found["RecoveredMark"].as_str().unwrap());
    let recovered = image::load_from_memory_with_format(&png.unwrap(), ImageFormat::Png).unwrap().to_luma8();
    let cells = mogr_blindmark::MARK_GRID as u32;
    assert_eq!(recovered.dimensions(), (cells * 16, cells * 16));
    // Cell by cell against the grid the mark was embedded as: at least 95 % agree.
    let mark = image::open(bucket().join("mark.png")).unwrap().to_luma8();
    let mark = mogr_blindmark::LumaImage { width: 150, height: 150, pixels: mark.into_raw() };
    let expected = mogr_blindmark::mark_grid(&mark);
    let agreeing = (0..cells * cells)
        .filter(|&i| {
            let (x, y) = (i % cells, i / cells);
            let read = recovered.get_pixel(x * 16 + 8, y * 16 + 8)[0] > 127;
            read == (expected.pixels[i as usize] > 127)
        })
        .count();
    assert!(agreeing * 100 >= 95 * (cells * cells) as usize, "{agreeing} of {} cells agree", cells * cells);

    // Without the mark, nothing is recovered; without the setting, no such field.
    let unmarked: serde_json::Value =
        serde_json::from_slice(&engine.process(&photo(), &extract).unwrap().body).unwrap();
    assert!(status(&unmarked) < 60 && unmarked["RecoveredMark"].is_null(), "{unmarked}");
    assert!(report(&reencoded(&marked.body), &extract).get("RecoveredMark").is_none());
}

#[test]
fn what_cannot_be_marked_is_refused() {
    let gif = std::fs::read(bucket().join("banana.gif")).unwrap();
    let text = mogr::syntax::encode_base64(b"abc");
    let error = run(&gif, &format!("watermark/3/type/3/text/{text}")).unwrap_err();
    assert_eq!(error.code().number(), -60998, "{error}");
    // The mark must be at most 1/8 of the picture: the photo's own 1800x1200 is far larger.
    let error = run(&photo(), &format!("watermark/3/type/2/image/{}", url("photo.jpg"))).unwrap_err();
    assert_eq!(error.code().number(), -60998, "{error}");
    assert!(error.message().contains("1/8"), "{error}");
    let small = RgbaImage::from_pixel(64, 64, image::Rgba([90, 90, 90, 255]));
    let mut png = Vec::new();
    small.write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png).unwrap();
    let error = run(&png, &format!("watermark/3/type/3/text/{text}")).unwrap_err();
    assert_eq!(error.code().number(), -60998, "{error}");
}
