//! Every operation of the language, planned for a real file of every probe-able format: each
//! plan succeeds with an output inside the limits, or fails with the error its combination
//! calls for (`svgc` of a non-SVG, a blind watermark on an animation).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use mogr_plan::{ImageFormat, Limits, PlanError, plan, probe};

const FILES: &[&str] = &[
    "jpeg/olympus_E-P3_12MP.jpg",
    "exif-orientation/Landscape_6.jpg",
    "jpeg/cmyk/CMYK_no_profile.jpg",
    "png/apng_basic_f20.png",
    "gif/rotating-squares.gif",
    "webp/animated-loop-3.webp",
    "webp/gallery1_1.webp",
    "bmp/rgba32.bmp",
    "heic/iphone_13_pro_max.heic",
    "avif/fox.profile0.10bpc.yuv420.avif",
    "avif/star-10bpc.avifs",
    "tiff/planar.tiff",
    "svg/drop-shadow-filter.svg",
];

const RULES: &[&str] = &[
    "imageMogr2/thumbnail/!50p",
    "imageMogr2/thumbnail/!50px",
    "imageMogr2/thumbnail/!x50p",
    "imageMogr2/thumbnail/300x",
    "imageMogr2/thumbnail/x300",
    "imageMogr2/thumbnail/300x300",
    "imageMogr2/thumbnail/300x300>",
    "imageMogr2/thumbnail/300x300<",
    "imageMogr2/thumbnail/!300x300r",
    "imageMogr2/thumbnail/300x300!",
    "imageMogr2/thumbnail/90000@",
    "imageMogr2/thumbnail/600x600/pad/1/color/I0ZGMDAwMA",
    "imageMogr2/cut/20x20x1x1",
    "imageMogr2/crop/20x20/gravity/southeast/dx/2/dy/2",
    "imageMogr2/iradius/10",
    "imageMogr2/rradius/5",
    "imageMogr2/scrop/50x60",
    "imageMogr2/rotate/33",
    "imageMogr2/auto-orient",
    "imageMogr2/flip/vertical",
    "imageMogr2/blur/8x5",
    "imageMogr2/bright/70/contrast/-50/sharpen/70/grayscale/1",
    "imageMogr2/format/jpg/interlace/1/quality/80!/strip/size-limit/15k!",
    "imageMogr2/format/png",
    "imageMogr2/format/webp/rquality/60",
    "imageMogr2/format/gif/cgif/3",
    "imageMogr2/format/avif/lquality/70",
    "imageMogr2/format/heif",
    "imageMogr2/format/bmp",
    "imageMogr2/format/svgc",
    "imageView2/1/w/100/h/60",
    "imageView2/2/w/100/h/60/format/webp/q/70",
    "imageView2/3/w/100",
    "imageView2/4/w/100/h/60",
    "imageView2/5/h/60",
    "watermark/1/image/aHR0cDovL2Evdy5wbmc/gravity/center/dissolve/50",
    "watermark/2/text/5rC05Y2w/fontsize/20/batch/1/degree/45",
    "watermark/3/type/3/text/YWJj",
    "watermark/4/type/3",
    "imageInfo",
    "exif",
    "imageAve",
    "ci-process=ImageInspect",
    "imageMogr2/auto-orient/thumbnail/!50p|watermark/2/text/5rC05Y2w|imageInfo",
];

#[test]
fn every_operation_plans_for_every_format() {
    let limits = Limits::default();
    let mut failures = Vec::new();
    for file in FILES {
        let image = probe(&support::read(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        for rule in RULES {
            let pipeline = mogr_syntax::parse(rule).unwrap();
            match plan(&pipeline, &image, &limits) {
                Ok(plan) => {
                    let out = plan.output();
                    if out.width == 0 || out.height == 0 || out.width.max(out.height) > 9_999 || out.frames == 0 {
                        failures.push(format!("{file} {rule}: output {}x{}x{}", out.width, out.height, out.frames));
                    }
                }
                Err(PlanError::UnsupportedFormat(_)) if rule.contains("svgc") && image.format != ImageFormat::Svg => {}
                Err(PlanError::InvalidParameter(_)) if rule.starts_with("watermark/3") && image.frames > 1 => {}
                Err(e) => failures.push(format!("{file} {rule}: {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
