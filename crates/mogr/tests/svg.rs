//! SVG input through the whole pipeline: drawn at the size the rule needs (vector scaling,
//! never an upscale of a small raster), then every operation applies; the output defaults to
//! PNG; nothing outside the document is read; entity bombs are refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mogr::plan::Limits;

fn corpus_svg(name: &str) -> Vec<u8> {
    let path = format!("{}/../../../shared/testimages/svg/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn rgba(bytes: &[u8]) -> image::RgbaImage {
    image::load_from_memory(bytes).unwrap().to_rgba8()
}

#[test]
fn a_thumbnail_is_drawn_at_its_size_and_defaults_to_png() {
    // circle.svg: viewBox 0 0 8 8 (100x100 intrinsic), a deeppink circle of radius 3.75.
    let response = mogr::process(&corpus_svg("circle.svg"), "imageMogr2/thumbnail/1600x", &Limits::default()).unwrap();
    assert_eq!((response.width, response.height, response.mime_type), (1600, 1600, "image/png"));
    let image = rgba(&response.body);
    assert_eq!(image.get_pixel(800, 800).0, [255, 20, 147, 255], "deeppink at the centre");
    assert_eq!(image.get_pixel(5, 5).0[3], 0, "transparent corner");
    // Drawn at 1600 px, the circle's edge is sharp: at most 2 partly covered pixels where a
    // row crosses it (a 100 px raster enlarged 16x would smear it over about 16).
    let row = 800;
    let partial = (0..1600).filter(|&x| (1..255).contains(&image.get_pixel(x, row).0[3])).count();
    assert!(partial <= 4, "{partial} partly covered pixels across the row");
    // The circle spans 3.75/4 of the half-width on each side of the centre.
    let covered = (0..1600).filter(|&x| image.get_pixel(x, row).0[3] == 255).count();
    assert!((1496..=1502).contains(&covered), "{covered} opaque pixels, expected 1500 ± 2");
}

#[test]
fn operations_apply_after_drawing() {
    let rule = "imageMogr2/thumbnail/300x/rotate/90/format/jpg|imageMogr2/crop/100x50";
    let response = mogr::process(&corpus_svg("drop-shadow-filter.svg"), rule, &Limits::default()).unwrap();
    assert_eq!((response.width, response.height, response.mime_type), (100, 50, "image/jpeg"));
    let info = mogr::process(&corpus_svg("check.svg"), "imageInfo", &Limits::default()).unwrap();
    let info: serde_json::Value = serde_json::from_slice(&info.body).unwrap();
    assert_eq!((info["width"].as_str(), info["height"].as_str()), (Some("100"), Some("100")));
}

#[test]
fn embedded_rasters_draw_and_external_references_do_not() {
    // Its two embedded (data:) photos are drawn in the right half; its external reference
    // (../images/SVGFreeSans.svg) is not read.
    let response =
        mogr::process(&corpus_svg("struct-image-04-t.svg"), "imageMogr2/thumbnail/480x", &Limits::default()).unwrap();
    let image = rgba(&response.body);
    assert_eq!((image.width(), image.height()), (480, 360));
    assert_eq!(image.get_pixel(360, 90).0[3], 255, "the embedded JPEG");
    assert_eq!(image.get_pixel(360, 240).0[3], 255, "the embedded PNG");
}

#[test]
fn entity_bombs_are_refused_with_a_decode_error() {
    let mut doc = String::from("<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY l0 \"lollollollollollollollollol\">");
    for level in 1..=9 {
        doc.push_str(&format!("<!ENTITY l{level} \"{}\">", format!("&l{};", level - 1).repeat(10)));
    }
    doc.push_str(
        "]><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"100\"><text y=\"50\">&l9;</text></svg>",
    );
    let error = mogr::process(doc.as_bytes(), "imageMogr2/thumbnail/50x", &Limits::default()).unwrap_err();
    assert!(error.message().contains("entity"), "{error}");
    assert_eq!(error.code().number(), -62999, "{error}");
}
