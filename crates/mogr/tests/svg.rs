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

/// The pixels of an SVG drawn 300 px wide by mogr.
fn drawn(svg: &[u8]) -> image::RgbaImage {
    rgba(&mogr::process(svg, "imageMogr2/thumbnail/300x/format/png", &Limits::default()).unwrap().body)
}

/// Asserts two drawings are the same within svgc's stated tolerance: every channel within 24
/// levels (one anti-aliasing sample of an edge pixel is 16), at most 0.5 % of the pixels more
/// than 2 levels apart.
fn assert_same_drawing(before: &image::RgbaImage, after: &image::RgbaImage, name: &str) {
    assert_eq!(before.dimensions(), after.dimensions(), "{name}");
    let worst_of = |(a, b): (&image::Rgba<u8>, &image::Rgba<u8>)| a.0.iter().zip(b.0).map(|(x, y)| x.abs_diff(y)).max();
    let worst: Vec<u8> = before.pixels().zip(after.pixels()).map(|p| worst_of(p).unwrap_or(0)).collect();
    let max = worst.iter().copied().max().unwrap_or(0);
    let changed = worst.iter().filter(|&&w| w > 2).count();
    assert!(max <= 24, "{name}: a channel moved by {max}");
    assert!(changed * 200 <= worst.len(), "{name}: {changed} of {} pixels changed", worst.len());
}

#[test]
fn svgc_is_smaller_or_the_same_and_draws_the_same() {
    for name in ["check.svg", "circle.svg", "drop-shadow-filter.svg", "struct-image-04-t.svg", "resvg_embedded-png.svg"]
    {
        let input = corpus_svg(name);
        let response = mogr::process(&input, "imageMogr2/format/svgc", &Limits::default()).unwrap();
        assert_eq!(response.mime_type, "image/svg+xml", "{name}");
        assert!(response.body.len() <= input.len(), "{name}: {} > {}", response.body.len(), input.len());
        assert_same_drawing(&drawn(&input), &drawn(&response.body), name);
    }
}

#[test]
fn svgc_drops_editor_data_and_keeps_the_drawing() {
    let inkscape = br##"<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Created with Inkscape (http://www.inkscape.org/) -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
     xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" width="210mm" height="297mm" viewBox="0 0 210 297" version="1.1">
  <sodipodi:namedview id="base" pagecolor="#ffffff" inkscape:zoom="0.35" inkscape:cx="400" inkscape:cy="560"/>
  <metadata><rdf:RDF><rdf:Description><dc:title>Drawing</dc:title></rdf:Description></rdf:RDF></metadata>
  <g inkscape:label="Layer 1" inkscape:groupmode="layer" id="layer1">
    <path d="M 20.000000,30.000000 L 180.123456789,30.000000 L 100.000000,250.987654321 Z"
          style="fill:#ff6600;stroke:#000000;stroke-width:1.2345678" inkscape:connector-curvature="0"/>
    <circle cx="105.00000001" cy="148.5" r="40.0000" fill="#3366ff" sodipodi:type="arc"/>
  </g>
</svg>
"##;
    let response = mogr::process(inkscape, "imageMogr2/format/svgc", &Limits::default()).unwrap();
    let text = String::from_utf8(response.body.clone()).unwrap();
    for gone in ["inkscape", "sodipodi", "metadata", "rdf:", "<!--", "<?xml", "version="] {
        assert!(!text.contains(gone), "{gone} left in {text}");
    }
    assert!(text.contains("d=\"M20 30L180.123 30 100 250.988z\"") || text.contains("d=\"M20 30L180.12"), "{text}");
    assert!(text.len() * 2 < inkscape.len(), "{} of {} bytes", text.len(), inkscape.len());
    assert_same_drawing(&drawn(inkscape), &drawn(&response.body), "the Inkscape drawing");
}

#[test]
fn svgc_stands_alone_and_needs_an_svg() {
    let svg = corpus_svg("check.svg");
    let error = mogr::process(&svg, "imageMogr2/thumbnail/50x/format/svgc", &Limits::default()).unwrap_err();
    assert_eq!(error.code().number(), -60998, "{error}");
    let png = mogr::process(&svg, "imageMogr2/format/png", &Limits::default()).unwrap().body;
    let error = mogr::process(&png, "imageMogr2/format/svgc", &Limits::default()).unwrap_err();
    assert_eq!(error.code().number(), -443, "{error}");
}
