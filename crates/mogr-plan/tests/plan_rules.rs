//! The planner's decisions beyond geometry: limits and their errors, `ignore-error`, output
//! format, frames and quality, shrink-on-load and peak memory; and the hostile headers of the
//! corpus, refused from their headers before anything could be allocated.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use mogr_plan::plan::{OutputFormat, Report, Step};
use mogr_plan::{ImageFormat, Limits, Orientation, Plan, PlanError, Probe, plan};

fn probe(format: ImageFormat, w: u32, h: u32) -> Probe {
    let mut probe = Probe::new(format, w, h);
    probe.byte_len = 100_000;
    if format == ImageFormat::Jpeg {
        probe.jpeg_quality = Some(90);
    }
    probe
}

fn animated_gif(w: u32, h: u32, frames: u32) -> Probe {
    let mut probe = probe(ImageFormat::Gif, w, h);
    probe.frames = frames;
    probe
}

fn try_plan(probe: &Probe, rule: &str) -> Result<Plan, PlanError> {
    plan(&mogr_syntax::parse(rule).unwrap(), probe, &Limits::default())
}

fn planned(probe: &Probe, rule: &str) -> Plan {
    try_plan(probe, rule).unwrap_or_else(|e| panic!("{rule}: {e}"))
}

#[test]
fn input_limits_give_the_spec_errors() {
    let mut big = probe(ImageFormat::Jpeg, 100, 100);
    big.byte_len = 32 * 1024 * 1024 + 1;
    assert!(matches!(try_plan(&big, "imageInfo"), Err(PlanError::InputTooLarge { .. })));
    let wide = probe(ImageFormat::Png, 30_001, 10);
    assert!(matches!(try_plan(&wide, "imageInfo"), Err(PlanError::InputOverLimit(_))));
    let side_ok = probe(ImageFormat::Png, 30_000, 10);
    assert!(try_plan(&side_ok, "imageInfo").is_ok());
    // Processing it would give a 30000-pixel output: that is the output limit (-442).
    assert!(matches!(try_plan(&side_ok, "imageMogr2/strip"), Err(PlanError::OutputTooLarge { .. })));
    // 250 M pixels counting frames.
    assert!(matches!(try_plan(&animated_gif(1000, 1000, 251), "imageInfo"), Err(PlanError::InputOverLimit(_))));
    assert!(matches!(try_plan(&animated_gif(10, 10, 301), "imageInfo"), Err(PlanError::InputOverLimit(_))));
    assert!(try_plan(&animated_gif(10, 10, 300), "imageInfo").is_ok());
    // The frame limit is for GIFs.
    let mut webp = probe(ImageFormat::Webp, 10, 10);
    webp.frames = 400;
    assert!(try_plan(&webp, "imageInfo").is_ok());
}

#[test]
fn output_sides_over_9999_are_refused() {
    let image = probe(ImageFormat::Png, 5000, 5000);
    assert!(matches!(
        try_plan(&image, "imageMogr2/thumbnail/!200p"),
        Err(PlanError::OutputTooLarge { width: 10_000, height: 10_000, limit: 9_999 })
    ));
    assert!(try_plan(&image, "imageMogr2/thumbnail/9999x").is_ok());
    // An intermediate stage may not exceed it either.
    assert!(try_plan(&image, "imageMogr2/thumbnail/!300p|imageMogr2/thumbnail/100x").is_err());
    // Lifted, it plans.
    let rule = mogr_syntax::parse("imageMogr2/thumbnail/!200p").unwrap();
    assert!(plan(&rule, &image, &Limits { max_output_side: None, ..Limits::default() }).is_ok());
}

#[test]
fn ignore_error_returns_the_input_unchanged() {
    let image = probe(ImageFormat::Png, 5000, 5000);
    let plan = planned(&image, "imageMogr2/thumbnail/!200p/ignore-error/1");
    assert!(matches!(plan.ignored_error, Some(PlanError::OutputTooLarge { .. })));
    assert!(plan.stages.is_empty());
    assert_eq!((plan.output().width, plan.output().height, plan.output().format), (5000, 5000, OutputFormat::Png));
    // Value errors too; but not an unsupported format.
    let cut = planned(&image, "imageMogr2/cut/10x10x6000x0/ignore-error/1");
    assert!(matches!(cut.ignored_error, Some(PlanError::InvalidParameter(_))));
    assert!(try_plan(&image, "imageMogr2/format/tpg/ignore-error/1").is_err());
    assert!(try_plan(&image, "imageMogr2/cut/10x10x6000x0").is_err());
}

#[test]
fn parameters_that_do_not_fit_the_image_are_invalid() {
    let image = probe(ImageFormat::Jpeg, 1000, 500);
    for rule in [
        "imageMogr2/cut/10x10x1000x0",
        "imageMogr2/crop/100x100/dx/1000",
        "imageMogr2/crop/100x100/gravity/south/dy/600",
    ] {
        assert!(matches!(try_plan(&image, rule), Err(PlanError::InvalidParameter(_))), "{rule}");
    }
    let gif = animated_gif(100, 100, 5);
    assert!(matches!(try_plan(&gif, "watermark/3/type/3/text/YWJj"), Err(PlanError::InvalidParameter(_))));
    assert!(matches!(try_plan(&image, "style/thumb"), Err(PlanError::UnexpandedStyle(name)) if name == "thumb"));
}

#[test]
fn watermarks_are_counted() {
    let image = probe(ImageFormat::Jpeg, 1000, 500);
    let mark = "watermark/1/image/aHR0cDovL2Evdy5wbmc";
    let rule = mogr_syntax::parse(&[mark; 3].join("|")).unwrap();
    assert!(plan(&rule, &image, &Limits::default()).is_ok());
    let two = Limits { max_watermarks: Some(2), ..Limits::default() };
    assert!(matches!(plan(&rule, &image, &two), Err(PlanError::InvalidParameter(_))));
}

#[test]
fn formats_and_frames() {
    let gif = animated_gif(100, 100, 80);
    let out = planned(&gif, "imageMogr2/thumbnail/50x").output();
    assert_eq!((out.format, out.frames), (OutputFormat::Gif, 80));
    let out = planned(&gif, "imageMogr2/format/webp").output();
    assert_eq!((out.format, out.frames), (OutputFormat::Webp, 80));
    assert_eq!(planned(&gif, "imageMogr2/format/png").output().frames, 1);
    assert_eq!(planned(&gif, "imageMogr2/format/png").input.decode_frames, 1);
    let cgif = planned(&gif, "imageMogr2/cgif/20");
    assert_eq!(cgif.output().frames, 20);
    assert_eq!(cgif.stages[0].steps[0], Step::ReduceFrames { frames: 20, spread: true });
    assert_eq!(planned(&gif, "imageMogr2/cgif/1").stages[0].steps[0], Step::ReduceFrames { frames: 30, spread: false });
    // yjpeg is JPEG; TIFF and SVG inputs become PNG unless told otherwise.
    assert_eq!(
        planned(&probe(ImageFormat::Png, 10, 10), "imageMogr2/format/yjpeg").output().format,
        OutputFormat::Jpeg
    );
    assert_eq!(planned(&probe(ImageFormat::Tiff, 10, 10), "imageMogr2/strip").output().format, OutputFormat::Png);
    assert!(matches!(
        try_plan(&probe(ImageFormat::Png, 10, 10), "imageMogr2/format/tpg"),
        Err(PlanError::UnsupportedFormat(_))
    ));
    assert_eq!(planned(&probe(ImageFormat::Svg, 10, 10), "imageMogr2/format/svgc").output().format, OutputFormat::Svgc);
}

#[test]
fn quality_follows_the_input() {
    let jpeg = probe(ImageFormat::Jpeg, 100, 100);
    let q = |rule: &str| planned(&jpeg, rule).output().quality;
    assert_eq!(q("imageMogr2/strip"), Some(90));
    assert_eq!(q("imageMogr2/quality/80"), Some(80));
    assert_eq!(q("imageMogr2/quality/95"), Some(90));
    assert_eq!(q("imageMogr2/quality/95!"), Some(95));
    assert_eq!(q("imageMogr2/rquality/50"), Some(45));
    assert_eq!(q("imageMogr2/lquality/95"), Some(95));
    assert_eq!(q("imageView2/2/w/50/q/70"), Some(70));
    assert_eq!(q("imageMogr2/format/png"), None);
    // A lossless input has no quality to start from.
    assert_eq!(planned(&probe(ImageFormat::Png, 10, 10), "imageMogr2/format/webp").output().quality, Some(85));
    // A later stage starts from the earlier stage's quality.
    assert_eq!(q("imageMogr2/quality/60|imageMogr2/rquality/50"), Some(30));
    // interlace only for JPEG; size-limit only for JPEG.
    assert!(planned(&jpeg, "imageMogr2/interlace/1").output().progressive);
    assert!(!planned(&jpeg, "imageMogr2/format/png/interlace/1").output().progressive);
    assert_eq!(planned(&jpeg, "imageMogr2/size-limit/15k!").output().size_limit.map(|l| l.bytes), Some(15 * 1024));
}

#[test]
fn a_lossless_webp_stays_lossless_until_a_rule_sets_a_quality() {
    let mut lossless = probe(ImageFormat::Webp, 400, 300);
    lossless.webp_lossless = true;
    let plan = planned(&lossless, "imageMogr2/thumbnail/200x");
    assert_eq!((plan.output().lossless, plan.output().quality), (true, None));
    // Through a pipeline of WebP stages.
    assert!(planned(&lossless, "imageMogr2/rotate/90|imageMogr2/thumbnail/100x").output().lossless);
    // A quality rule anywhere in the stage asks for lossy output, as does any later stage's.
    for rule in [
        "imageMogr2/thumbnail/200x/quality/80",
        "imageMogr2/rquality/90",
        "imageMogr2/lquality/50",
        "imageMogr2/thumbnail/200x|imageMogr2/quality/70",
    ] {
        let output = planned(&lossless, rule).output();
        assert!(!output.lossless && output.quality.is_some(), "{rule}");
    }
    // Another format in between ends it: the PNG's pixels become a lossy WebP, as CI does.
    assert!(!planned(&lossless, "imageMogr2/format/png|imageMogr2/format/webp").output().lossless);
    assert!(!planned(&lossless, "imageMogr2/format/jpg").output().lossless);
    // Lossy WebP, PNG and GIF inputs become lossy WebP.
    for input in [probe(ImageFormat::Webp, 40, 30), probe(ImageFormat::Png, 40, 30), probe(ImageFormat::Gif, 40, 30)] {
        let output = planned(&input, "imageMogr2/format/webp").output();
        assert!(!output.lossless && output.quality.is_some(), "{:?}", input.format);
    }
}

#[test]
fn jpeg_shrink_on_load_covers_the_first_resize() {
    let jpeg = probe(ImageFormat::Jpeg, 4032, 3024);
    let shrink = |rule: &str| planned(&jpeg, rule).input.shrink_on_load;
    assert_eq!(shrink("imageMogr2/thumbnail/720x"), 4);
    assert_eq!(shrink("imageMogr2/thumbnail/504x"), 8);
    assert_eq!(shrink("imageMogr2/thumbnail/505x"), 4);
    assert_eq!(shrink("imageMogr2/thumbnail/2500x"), 1);
    assert_eq!(shrink("imageView2/1/w/200/h/200"), 8);
    assert_eq!(shrink("imageMogr2/crop/100x100|imageMogr2/thumbnail/10x"), 1);
    assert_eq!(shrink("imageAve"), 8);
    assert_eq!(shrink("imageMogr2/cgif/2/thumbnail/100x"), 8);
    // After auto-orient the decode must cover the target turned back.
    let mut turned = probe(ImageFormat::Jpeg, 4032, 3024);
    turned.orientation = Orientation::RightTop;
    let plan = planned(&turned, "imageMogr2/auto-orient/thumbnail/x1000");
    // Upright 3024x4032 → x1000 is 750x1000; stored that is 1000x750: 1/4 gives 1008x756.
    assert_eq!((plan.input.shrink_on_load, plan.input.decode_width, plan.input.decode_height), (4, 1008, 756));
    assert_eq!(planned(&probe(ImageFormat::Png, 4032, 3024), "imageMogr2/thumbnail/100x").input.shrink_on_load, 1);
}

#[test]
fn svg_renders_at_the_size_of_the_first_resize() {
    let svg = probe(ImageFormat::Svg, 100, 50);
    let plan = planned(&svg, "imageMogr2/thumbnail/2000x");
    assert_eq!((plan.input.decode_width, plan.input.decode_height), (2000, 1000));
    let plan = planned(&svg, "imageMogr2/rotate/90");
    assert_eq!((plan.input.decode_width, plan.input.decode_height), (100, 50));
}

#[test]
fn only_animated_results_decode_every_frame() {
    let gif = animated_gif(100, 100, 40);
    let frames = |rule: &str| planned(&gif, rule).input.decode_frames;
    assert_eq!(frames("imageMogr2/thumbnail/50x"), 40);
    assert_eq!(frames("imageMogr2/format/jpg"), 1);
    assert_eq!(frames("imageMogr2/format/webp|imageMogr2/format/png"), 1);
    assert_eq!(frames("imageAve"), 1);
    assert_eq!(frames("imageMogr2/thumbnail/50x|imageInfo"), 40);
    assert_eq!(frames("imageInfo"), 0);
}

#[test]
fn regression_a_report_after_an_animated_stage_decodes_every_frame() {
    // imageAve (like exif) reads the encoded result of the stage before it, which is
    // animated: decoding one frame made the encoder find 1 frame where 40 were planned.
    let gif = animated_gif(100, 100, 40);
    for report in ["imageAve", "exif"] {
        let plan = planned(&gif, &format!("imageMogr2/thumbnail/50x|{report}"));
        assert_eq!(plan.input.decode_frames, 40, "{report}");
    }
    assert_eq!(planned(&gif, "imageMogr2/thumbnail/50x/format/jpg|imageAve").input.decode_frames, 1);
}

#[test]
fn peak_memory_follows_the_decoded_size() {
    let jpeg = probe(ImageFormat::Jpeg, 4032, 3024);
    let small = planned(&jpeg, "imageMogr2/thumbnail/500x").peak_bytes;
    let full = planned(&jpeg, "imageMogr2/thumbnail/3000x").peak_bytes;
    // 1/8 decode (504x378) + 500x375 target, 4 bytes a pixel, plus the input.
    assert_eq!(small, 100_000 + 4 * (504 * 378 + 500 * 375));
    assert_eq!(full, 100_000 + 4 * (4032 * 3024 + 3000 * 2250));
    assert_eq!(planned(&jpeg, "imageInfo").peak_bytes, 100_000);
    let budget = Limits { max_peak_bytes: Some(10_000_000), ..Limits::default() };
    let rule = mogr_syntax::parse("imageMogr2/thumbnail/3000x").unwrap();
    assert!(matches!(plan(&rule, &jpeg, &budget), Err(PlanError::InputOverLimit(_))));
}

#[test]
fn reports_need_no_pixels_or_few() {
    let jpeg = probe(ImageFormat::Jpeg, 4032, 3024);
    let info = planned(&jpeg, "imageInfo");
    assert!(!info.input.decode);
    assert_eq!(info.output().report, Some(Report::ImageInfo));
    assert!(planned(&jpeg, "imageAve").input.decode);
    let after = planned(&jpeg, "imageMogr2/thumbnail/100x|imageInfo").output();
    assert_eq!((after.width, after.height, after.report), (100, 75, Some(Report::ImageInfo)));
}

#[test]
fn heif_transforms_are_part_of_the_decoded_size() {
    let mut heic = probe(ImageFormat::Heif, 4032, 3024);
    heic.transform = Orientation::RightTop;
    let plan = planned(&heic, "imageMogr2/auto-orient/thumbnail/300x");
    assert_eq!((plan.input.width, plan.input.height), (3024, 4032));
    assert_eq!((plan.output().width, plan.output().height), (300, 400));
    assert!(plan.stages[0].steps.iter().all(|s| !matches!(s, Step::Orient { .. })));
}

/// The corpus's pixel floods and frame floods: probed from their headers, refused by the
/// limits (-447), in well under a second and without allocating what they claim.
#[test]
fn hostile_headers_are_refused_before_allocation() {
    for file in [
        "hostile/jpeg/jd_max_size.jpg",
        "hostile/jpeg/lottapixel.jpg",
        "hostile/png/65536x65536.png",
        "hostile/gif/uber.gif",
    ] {
        let bytes = support::read(file);
        let started = std::time::Instant::now();
        let probe = mogr_plan::probe(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
        let result = plan(&mogr_syntax::parse("imageMogr2/thumbnail/100x").unwrap(), &probe, &Limits::default());
        assert!(matches!(result, Err(PlanError::InputOverLimit(_))), "{file}: {result:?}");
        assert!(started.elapsed().as_secs() < 1, "{file} took {:?}", started.elapsed());
    }
    assert_eq!(mogr_plan::probe(&support::read("hostile/gif/uber.gif")).unwrap().frames, 40_000);
}

#[test]
fn watermark_images_are_stills_within_the_input_limits_and_the_budget() {
    let still = mogr_plan::overlay_input(&probe(ImageFormat::Png, 300, 200), &Limits::default()).unwrap();
    assert_eq!((still.decode_width, still.decode_height, still.decode_frames, still.shrink_on_load), (300, 200, 1, 1));
    let animated = mogr_plan::overlay_input(&animated_gif(30, 20, 2), &Limits::default()).unwrap_err();
    assert!(matches!(&animated, PlanError::InvalidParameter(m) if m.contains("animated")), "{animated}");
    let wide = mogr_plan::overlay_input(&probe(ImageFormat::Png, 30_001, 1), &Limits::default());
    assert!(matches!(wide, Err(PlanError::InputOverLimit(_))));
    // 300x200x4 + the 100 000 input bytes is 340 000.
    let budget = |bytes| Limits { max_peak_bytes: Some(bytes), ..Limits::default() };
    assert!(mogr_plan::overlay_input(&probe(ImageFormat::Png, 300, 200), &budget(340_000)).is_ok());
    let over = mogr_plan::overlay_input(&probe(ImageFormat::Png, 300, 200), &budget(339_999));
    assert!(matches!(over, Err(PlanError::InputOverLimit(_))));
}
