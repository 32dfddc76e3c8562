//! Every parameter form of the spec (`shared/spec/ci-image-processing.txt`), chapter by chapter:
//! each rule must parse, print as the stated canonical form, and parse back to the same tree.
//! Where the tree matters beyond its spelling, it is checked field by field below the table.

// Test helpers outside #[test] functions may panic: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mogr_syntax::ast::*;
use mogr_syntax::{Pipeline, Stage, parse, parse_query};

/// `(rule as a user may write it, canonical form)`; `=` means the rule is already canonical.
const FORMS: &[(&str, &str)] = &[
    // Scaling: every thumbnail geometry, pad/color, ignore-error.
    ("imageMogr2/thumbnail/!50p", "="),
    ("imageMogr2/thumbnail/!50px", "="),
    ("imageMogr2/thumbnail/!x50p", "="),
    ("imageMogr2/thumbnail/640x", "="),
    ("imageMogr2/thumbnail/x480", "="),
    ("imageMogr2/thumbnail/640x480", "="),
    ("imageMogr2/thumbnail/640x480>", "="),
    ("imageMogr2/thumbnail/640x480<", "="),
    ("imageMogr2/thumbnail/!640x480r", "="),
    ("imageMogr2/thumbnail/640x480!", "="),
    ("imageMogr2/thumbnail/90000@", "="),
    ("imageMogr2/thumbnail/!1000p", "="),
    ("imageMogr2/thumbnail/600x600/pad/1/color/I0ZGMDAwMA", "="),
    ("imageMogr2/thumbnail/600x600/pad/1/color/I0ZGMDAwMA==", "imageMogr2/thumbnail/600x600/pad/1/color/I0ZGMDAwMA"),
    ("imageMogr2/color/I2ZmMDAwMA/pad/1/thumbnail/600x600", "imageMogr2/thumbnail/600x600/pad/1/color/I0ZGMDAwMA"),
    ("imageMogr2/thumbnail/600x600/pad/0", "="),
    ("imageMogr2/thumbnail/!50p/ignore-error/1", "="),
    ("imageMogr2/thumbnail/0640x", "imageMogr2/thumbnail/640x"),
    // Scaling with a signature carried: the rule is picked out of the query.
    (
        "q-sign-algorithm=sha1&q-ak=AKIDxx&q-sign-time=1497530202;1497610202&q-key-time=1497530202;1497610202&q-header-list=&q-url-param-list=&q-signature=28e9a4986df11bed0255e97ff90500557e0ea057&imageMogr2/thumbnail/600x600/pad/1/color/I0ZGMDAwMA",
        "imageMogr2/thumbnail/600x600/pad/1/color/I0ZGMDAwMA",
    ),
    // Cropping.
    ("imageMogr2/cut/600x600x100x10", "="),
    ("imageMogr2/cut/600x600x0x0", "="),
    ("imageMogr2/crop/300x400/gravity/center", "="),
    ("imageMogr2/crop/300x", "="),
    ("imageMogr2/crop/x400", "="),
    (
        "imageMogr2/gravity/SouthEast/crop/300x400/dx/10/dy/-20",
        "imageMogr2/crop/300x400/gravity/southeast/dx/10/dy/-20",
    ),
    ("imageMogr2/crop/300x400/dy/5/gravity/NORTH", "imageMogr2/crop/300x400/gravity/north/dy/5"),
    ("imageMogr2/iradius/200", "="),
    ("imageMogr2/rradius/100", "="),
    ("imageMogr2/scrop/100x600", "="),
    ("imageMogr2/crop/300x300/gravity/northwest/iradius/100/format/png", "="),
    // Rotation.
    ("imageMogr2/rotate/90", "="),
    ("imageMogr2/rotate/0", "="),
    ("imageMogr2/rotate/360", "="),
    ("imageMogr2/auto-orient", "="),
    ("imageMogr2/auto-orient/rotate/45", "="),
    ("imageMogr2/flip/vertical", "="),
    ("imageMogr2/flip/Horizontal", "imageMogr2/flip/horizontal"),
    // Converting format.
    ("imageMogr2/format/png", "="),
    ("imageMogr2/format/JPG", "imageMogr2/format/jpg"),
    ("imageMogr2/format/jpeg", "="),
    ("imageMogr2/format/bmp", "="),
    ("imageMogr2/format/gif/cgif/1", "="),
    ("imageMogr2/cgif/100/format/gif", "imageMogr2/format/gif/cgif/100"),
    ("imageMogr2/format/webp", "="),
    ("imageMogr2/format/yjpeg", "="),
    ("imageMogr2/format/avif", "="),
    ("imageMogr2/format/heif", "="),
    ("imageMogr2/format/heic", "="),
    ("imageMogr2/format/tpg", "="),
    ("imageMogr2/format/svgc", "="),
    ("imageMogr2/format/jpg/interlace/1", "="),
    ("imageMogr2/interlace/0", "="),
    // Quality change.
    ("imageMogr2/quality/60", "="),
    ("imageMogr2/quality/90!", "="),
    ("imageMogr2/quality/0", "="),
    ("imageMogr2/rquality/60", "="),
    ("imageMogr2/lquality/80", "="),
    ("imageMogr2/lquality/80/rquality/60/quality/100", "imageMogr2/quality/100/rquality/60/lquality/80"),
    // Gaussian blurring, brightness, contrast, sharpening, grayscale.
    ("imageMogr2/blur/8x5", "="),
    ("imageMogr2/blur/1x0.5", "="),
    ("imageMogr2/blur/50x1.250", "imageMogr2/blur/50x1.25"),
    ("imageMogr2/bright/70", "="),
    ("imageMogr2/bright/-100", "="),
    ("imageMogr2/contrast/-50", "="),
    ("imageMogr2/contrast/100", "="),
    ("imageMogr2/sharpen/70", "="),
    ("imageMogr2/sharpen/10", "="),
    ("imageMogr2/sharpen/300", "="),
    ("imageMogr2/grayscale/1", "="),
    ("imageMogr2/grayscale/0", "="),
    // Removing metadata, size limiting.
    ("imageMogr2/strip", "="),
    ("imageMogr2/strip/format/jpg/size-limit/15k!", "imageMogr2/format/jpg/strip/size-limit/15k!"),
    ("imageMogr2/size-limit/1m", "="),
    ("imageMogr2/size-limit/15K", "imageMogr2/size-limit/15k"),
    // Image watermark (the spec's example URL, base64 of the watermark's URL).
    (
        "watermark/1/image/aHR0cDovL2V4YW1wbGVzLTEyNTEwMDAwMDQucGljc2gubXlxY2xvdWQuY29tL3NodWl5aW4uanBn/gravity/southeast",
        "=",
    ),
    (
        "watermark/1/image/aHR0cDovL2V4YW1wbGVzLTEyNTEwMDAwMDQucGljc2gubXlxY2xvdWQuY29tL3NodWl5aW4uanBn/batch/1/degree/45/dissolve/40",
        "watermark/1/image/aHR0cDovL2V4YW1wbGVzLTEyNTEwMDAwMDQucGljc2gubXlxY2xvdWQuY29tL3NodWl5aW4uanBn/dissolve/40/batch/1/degree/45",
    ),
    ("watermark/1/image/aHR0cDovL2EvYi5wbmc/scatype/3/spcent/250", "="),
    (
        "watermark/1/image/aHR0cDovL2EvYi5wbmc/scatype/1/spcent/1000/blogo/2",
        "watermark/1/image/aHR0cDovL2EvYi5wbmc/blogo/2/scatype/1/spcent/1000",
    ),
    (
        "watermark/1/image/aHR0cDovL2EvYi5wbmc=/gravity/Center/dx/-10/dy/10",
        "watermark/1/image/aHR0cDovL2EvYi5wbmc/gravity/center/dx/-10/dy/10",
    ),
    // Text watermark: every parameter.
    ("watermark/2/text/6IW-6K6v5LqRwrfkuIfosaHkvJjlm74", "="),
    (
        "watermark/2/text/6IW-6K6v5LqRwrfkuIfosaHkvJjlm74/font/dGFob21hLnR0Zg/fontsize/20/fill/IzNEM0QzRA/dissolve/50/gravity/northeast/dx/20/dy/20/batch/1/degree/30/shadow/50",
        "=",
    ),
    ("watermark/2/shadow/0/text/SGVsbG8", "watermark/2/text/SGVsbG8/shadow/0"),
    // Pipelines.
    ("imageMogr2/thumbnail/!50p|watermark/2/text/6IW-6K6v5LqRwrfkuIfosaHkvJjlm74/gravity/southeast", "="),
    ("imageMogr2/thumbnail/!50p%7Cwatermark/2/text/SGVsbG8", "imageMogr2/thumbnail/!50p|watermark/2/text/SGVsbG8"),
    ("imageMogr2/thumbnail/300x300%3E", "imageMogr2/thumbnail/300x300>"),
    ("imageMogr2/thumbnail/%21300x300r", "imageMogr2/thumbnail/!300x300r"),
    ("imageMogr2/auto-orient|imageMogr2/thumbnail/720x|imageInfo", "="),
    // Quick thumbnail template.
    ("imageView2/1/w/400/h/600/q/85", "="),
    ("imageView2/2/w/500/h/400", "="),
    ("imageView2/3/h/400/w/500", "imageView2/3/w/500/h/400"),
    ("imageView2/4/w/800/h/200/format/webp/q/90!", "="),
    ("imageView2/5/w/300/rq/80/lq/60", "="),
    ("imageView2/2/format/png", "="),
    // Info, styles, inspection.
    ("imageInfo", "="),
    ("exif", "="),
    ("imageAve", "="),
    ("style/test", "="),
    ("style/thumb_720.v2", "="),
    ("style/test|imageMogr2/format/webp", "="),
    ("ci-process=ImageInspect", "="),
    ("?imageInfo", "imageInfo"),
    // Blind watermarks.
    ("watermark/3/type/1/image/aHR0cDovL2V4YW1wbGVzLTEyNTEwMDAwMDQucGljc2gubXlxY2xvdWQuY29tL3NodWl5aW4ucG5n", "="),
    ("watermark/3/type/2/image/aHR0cDovL2Evdy5wbmc/level/3", "="),
    ("watermark/3/type/3/text/VGVuY2VudA", "="),
    ("watermark/3/type/3/text/VGVuY2VudA/level/2", "watermark/3/type/3/text/VGVuY2VudA"),
    ("watermark/3/image/aHR0cDovL2Evdy5wbmc/type/2", "watermark/3/type/2/image/aHR0cDovL2Evdy5wbmc"),
    ("watermark/4/type/1/image/aHR0cDovL2Evb3JpZ2luYWwuanBn", "="),
    ("watermark/4/type/2/image/aHR0cDovL2Evdy5wbmc", "="),
    ("watermark/4/type/3", "="),
    ("imageMogr2/thumbnail/!50p|watermark/4/type/3", "="),
];

fn canonical(rule: &str, expected: &str) -> String {
    let expected = if expected == "=" { rule } else { expected };
    expected.to_owned()
}

#[test]
fn every_form_of_the_spec_parses_to_its_canonical_form() {
    let mut failures = Vec::new();
    for &(rule, expected) in FORMS {
        let expected = canonical(rule, expected);
        match parse(rule) {
            Ok(pipeline) if pipeline.to_string() == expected => {
                let again = parse(&expected).expect("canonical form parses");
                assert_eq!(again, pipeline, "canonical form of {rule} reparses to another tree");
            }
            Ok(pipeline) => failures.push(format!("{rule}\n   printed {pipeline}\n  expected {expected}")),
            Err(e) => failures.push(format!("{rule}\n  error {e}")),
        }
    }
    assert!(failures.is_empty(), "{} of {} forms failed:\n{}", failures.len(), FORMS.len(), failures.join("\n"));
}

fn mogr2(rule: &str) -> Mogr2 {
    match parse(rule).expect(rule).stages.as_slice() {
        [Stage::ImageMogr2(m)] => m.clone(),
        other => panic!("{rule}: not one imageMogr2 stage: {other:?}"),
    }
}

fn thumbnail(rule: &str) -> Geometry {
    match mogr2(rule).ops.as_slice() {
        [Mogr2Op::Thumbnail(t)] => t.geometry,
        other => panic!("{rule}: {other:?}"),
    }
}

#[test]
fn thumbnail_geometries_are_told_apart() {
    let size = Size { width: 640, height: 480 };
    assert_eq!(thumbnail("imageMogr2/thumbnail/!50p"), Geometry::Percent(50));
    assert_eq!(thumbnail("imageMogr2/thumbnail/!50px"), Geometry::WidthPercent(50));
    assert_eq!(thumbnail("imageMogr2/thumbnail/!x50p"), Geometry::HeightPercent(50));
    assert_eq!(thumbnail("imageMogr2/thumbnail/640x"), Geometry::Width(640));
    assert_eq!(thumbnail("imageMogr2/thumbnail/x480"), Geometry::Height(480));
    assert_eq!(thumbnail("imageMogr2/thumbnail/640x480"), Geometry::Fit(size));
    assert_eq!(thumbnail("imageMogr2/thumbnail/640x480>"), Geometry::Shrink(size));
    assert_eq!(thumbnail("imageMogr2/thumbnail/640x480<"), Geometry::Enlarge(size));
    assert_eq!(thumbnail("imageMogr2/thumbnail/!640x480r"), Geometry::Cover(size));
    assert_eq!(thumbnail("imageMogr2/thumbnail/640x480!"), Geometry::Exact(size));
    assert_eq!(thumbnail("imageMogr2/thumbnail/90000@"), Geometry::Area(90000));
}

#[test]
fn pad_and_color_are_decoded() {
    let m = mogr2("imageMogr2/thumbnail/600x600/pad/1/color/I0ZGMDAwMA");
    assert_eq!(
        m.ops,
        vec![Mogr2Op::Thumbnail(Thumbnail {
            geometry: Geometry::Fit(Size { width: 600, height: 600 }),
            pad: Some(true)
        })]
    );
    assert_eq!(m.color, Some(Rgb { r: 0xFF, g: 0, b: 0 }));
}

#[test]
fn crop_modifiers_attach_to_the_nearest_crop() {
    // Before any crop: the first crop after. After a crop: that crop.
    let m = mogr2("imageMogr2/gravity/center/crop/300x400/crop/100x/dx/5");
    let crops: Vec<Crop> =
        m.ops.iter().filter_map(|op| if let Mogr2Op::Crop(c) = op { Some(*c) } else { None }).collect();
    assert_eq!(crops[0].gravity, Some(Gravity::Center));
    assert_eq!(crops[0].dx, None);
    assert_eq!(crops[1].gravity, None);
    assert_eq!(crops[1].dx, Some(5));
    assert_eq!(crops[1].size, CropSize::Width(100));
}

#[test]
fn output_options_are_collected_wherever_they_stand() {
    let m = mogr2("imageMogr2/format/webp/thumbnail/720x/quality/80!/strip/size-limit/2m!/ignore-error/1/interlace/1");
    assert_eq!(m.ops.len(), 1);
    let out = m.output;
    assert_eq!(out.format, Some(Format::Webp));
    assert_eq!(out.quality, Some(Quality { value: 80, forced: true }));
    assert!(out.strip);
    let limit = out.size_limit.unwrap();
    assert_eq!(limit.bytes(), 2 * 1024 * 1024);
    assert!(limit.keep_smaller_input);
    assert_eq!(out.ignore_error, Some(true));
    assert_eq!(out.interlace, Some(true));
}

#[test]
fn blur_sigma_is_exact() {
    let m = mogr2("imageMogr2/blur/8x0.125");
    assert_eq!(m.ops, vec![Mogr2Op::Blur(Blur { radius: 8, sigma: Decimal { thousandths: 125 } })]);
}

#[test]
fn text_watermark_values_are_decoded() {
    let rule = "watermark/2/text/6IW-6K6v5LqRwrfkuIfosaHkvJjlm74/font/dGFob21hLnR0Zg/fontsize/20/fill/IzNEM0QzRA/dissolve/50/gravity/northeast/dx/20/dy/20/batch/1/degree/30/shadow/50";
    let Stage::Watermark(Watermark::Text(mark)) = &parse(rule).unwrap().stages[0] else { panic!() };
    assert_eq!(mark.text, "腾讯云·万象优图");
    assert_eq!(mark.font.as_deref(), Some("tahoma.ttf"));
    assert_eq!(mark.font_size, Some(20));
    assert_eq!(mark.fill, Some(Rgb { r: 0x3D, g: 0x3D, b: 0x3D }));
    assert_eq!(mark.placement, Placement { gravity: Some(Gravity::NorthEast), dx: Some(20), dy: Some(20) });
    assert_eq!(mark.tiling, Tiling { batch: Some(true), degree: Some(30) });
    assert_eq!((mark.dissolve, mark.shadow), (Some(50), Some(50)));
}

#[test]
fn image_watermark_url_and_scale_are_decoded() {
    let rule = "watermark/1/image/aHR0cDovL2EvYi5wbmc/scatype/3/spcent/250/blogo/1";
    let Stage::Watermark(Watermark::Image(mark)) = &parse(rule).unwrap().stages[0] else { panic!() };
    assert_eq!(mark.image, "http://a/b.png");
    assert_eq!(mark.scale, Some(MarkScale { kind: ScaleKind::Area, permille: 250 }));
    assert_eq!(mark.blogo, Some(1));
}

#[test]
fn blind_watermarks_keep_what_their_type_uses() {
    let stage = |rule: &str| parse(rule).unwrap().stages.remove(0);
    assert_eq!(
        stage("watermark/3/type/2/image/aHR0cDovL2Evdy5wbmc/level/3/text/YWJj"),
        Stage::Watermark(Watermark::Blind(BlindMark::Blind { image: "http://a/w.png".into(), level: Some(3) }))
    );
    assert_eq!(
        stage("watermark/3/type/3/text/VGVuY2VudA"),
        Stage::Watermark(Watermark::Blind(BlindMark::Text { text: "Tencent".into() }))
    );
    assert_eq!(
        stage("watermark/4/type/1/image/aHR0cDovL2Evby5qcGc"),
        Stage::Watermark(Watermark::Extract(BlindExtract::SemiBlind { original: "http://a/o.jpg".into() }))
    );
}

#[test]
fn view2_fields() {
    let Stage::ImageView2(v) = parse("imageView2/1/w/400/h/600/q/85").unwrap().stages[0] else { panic!() };
    assert_eq!(v.mode, 1);
    assert_eq!((v.width, v.height), (Some(400), Some(600)));
    assert_eq!(v.quality, Some(Quality { value: 85, forced: false }));
}

#[test]
fn ten_stages_are_allowed() {
    let rule = ["imageMogr2/rotate/90"; 10].join("|");
    assert_eq!(parse(&rule).unwrap().stages.len(), 10);
}

#[test]
fn queries_keep_their_other_parameters() {
    let q = parse_query("imageMogr2/thumbnail/!50p&q-sign-algorithm=sha1&response-content-type=image%2Fpng").unwrap();
    assert_eq!(q.pipeline.map(|p| p.to_string()).as_deref(), Some("imageMogr2/thumbnail/!50p"));
    assert_eq!(
        q.params,
        vec![("q-sign-algorithm".into(), "sha1".into()), ("response-content-type".into(), "image/png".into())]
    );
}

#[test]
fn pipelines_parse_from_str() {
    let p: Pipeline = "imageInfo".parse().unwrap();
    assert_eq!(p.stages, vec![Stage::ImageInfo]);
}
