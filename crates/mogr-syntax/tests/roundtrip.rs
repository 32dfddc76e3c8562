//! Property tests: every valid tree prints to a string that parses back to the same tree, also
//! when that string arrives percent-encoded; and no string makes the parser panic or point
//! outside its input.

// Test helpers outside #[test] functions may panic: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mogr_syntax::ast::*;
use mogr_syntax::{MAX_DECIMAL_THOUSANDTHS, MAX_OFFSET, PicOperations, PicRule, Pipeline, Stage, parse};
use proptest::prelude::*;
use proptest::sample::select;

fn side() -> impl Strategy<Value = u32> {
    prop_oneof![1..=10_000u32, 1..=u32::MAX]
}

fn size() -> impl Strategy<Value = Size> {
    (side(), side()).prop_map(|(width, height)| Size { width, height })
}

fn offset() -> impl Strategy<Value = i32> {
    -MAX_OFFSET..=MAX_OFFSET
}

fn percent() -> impl Strategy<Value = u16> {
    1..=MAX_PERCENT
}

fn geometry() -> impl Strategy<Value = Geometry> {
    prop_oneof![
        percent().prop_map(Geometry::Percent),
        percent().prop_map(Geometry::WidthPercent),
        percent().prop_map(Geometry::HeightPercent),
        side().prop_map(Geometry::Width),
        side().prop_map(Geometry::Height),
        size().prop_map(Geometry::Fit),
        size().prop_map(Geometry::Shrink),
        size().prop_map(Geometry::Enlarge),
        size().prop_map(Geometry::Cover),
        size().prop_map(Geometry::Exact),
        side().prop_map(Geometry::Area),
    ]
}

fn crop_size() -> impl Strategy<Value = CropSize> {
    prop_oneof![side().prop_map(CropSize::Width), side().prop_map(CropSize::Height), size().prop_map(CropSize::Both)]
}

fn gravity() -> impl Strategy<Value = Gravity> {
    select(Gravity::ALL)
}

fn mogr2_op() -> impl Strategy<Value = Mogr2Op> {
    prop_oneof![
        (geometry(), proptest::option::of(any::<bool>()))
            .prop_map(|(geometry, pad)| Mogr2Op::Thumbnail(Thumbnail { geometry, pad })),
        (size(), any::<u32>(), any::<u32>()).prop_map(|(size, dx, dy)| Mogr2Op::Cut(Cut { size, dx, dy })),
        (crop_size(), proptest::option::of(gravity()), proptest::option::of(offset()), proptest::option::of(offset()))
            .prop_map(|(size, gravity, dx, dy)| Mogr2Op::Crop(Crop { size, gravity, dx, dy })),
        side().prop_map(Mogr2Op::IRadius),
        side().prop_map(Mogr2Op::RRadius),
        size().prop_map(Mogr2Op::SCrop),
        (0..=360u16).prop_map(Mogr2Op::Rotate),
        Just(Mogr2Op::AutoOrient),
        select(Flip::ALL).prop_map(Mogr2Op::Flip),
        (1..=50u8, 1..=MAX_DECIMAL_THOUSANDTHS)
            .prop_map(|(radius, t)| Mogr2Op::Blur(Blur { radius, sigma: Decimal { thousandths: t } })),
        (-100..=100i8).prop_map(Mogr2Op::Bright),
        (-100..=100i8).prop_map(Mogr2Op::Contrast),
        (10..=300u16).prop_map(Mogr2Op::Sharpen),
        any::<bool>().prop_map(Mogr2Op::Grayscale),
    ]
}

fn rgb() -> impl Strategy<Value = Rgb> {
    any::<[u8; 3]>().prop_map(|[r, g, b]| Rgb { r, g, b })
}

fn quality() -> impl Strategy<Value = Quality> {
    (0..=100u8, any::<bool>()).prop_map(|(value, forced)| Quality { value, forced })
}

fn output() -> impl Strategy<Value = OutputOptions> {
    use proptest::option::of;
    let size_limit = (side(), select(SizeUnit::ALL), any::<bool>())
        .prop_map(|(amount, unit, keep_smaller_input)| SizeLimit { amount, unit, keep_smaller_input });
    (
        of(select(Format::ALL)),
        of(1..=100u8),
        of(any::<bool>()),
        of(quality()),
        of(0..=100u8),
        of(0..=100u8),
        any::<bool>(),
        of(size_limit),
        of(any::<bool>()),
    )
        .prop_map(|(format, cgif, interlace, quality, rquality, lquality, strip, size_limit, ignore_error)| {
            OutputOptions { format, cgif, interlace, quality, rquality, lquality, strip, size_limit, ignore_error }
        })
}

fn mogr2() -> impl Strategy<Value = Mogr2> {
    (proptest::collection::vec(mogr2_op(), 0..6), proptest::option::of(rgb()), output())
        .prop_map(|(ops, color, output)| Mogr2 { ops, color, output })
        .prop_filter("a stage says something", |m| *m != Mogr2::default())
}

fn view2() -> impl Strategy<Value = View2> {
    use proptest::option::of;
    (1..=5u8, of(side()), of(side()), of(select(Format::ALL)), of(quality()), of(0..=100u8), of(0..=100u8)).prop_map(
        |(mode, width, height, format, quality, rquality, lquality)| View2 {
            mode,
            width,
            height,
            format,
            quality,
            rquality,
            lquality,
        },
    )
}

/// Text a watermark may carry: printable, 1 to 40 characters, any script.
fn text() -> impl Strategy<Value = String> {
    "\\PC{1,40}"
}

fn placement() -> impl Strategy<Value = Placement> {
    use proptest::option::of;
    (of(gravity()), of(offset()), of(offset())).prop_map(|(gravity, dx, dy)| Placement { gravity, dx, dy })
}

fn tiling() -> impl Strategy<Value = Tiling> {
    use proptest::option::of;
    (of(any::<bool>()), of(0..=360u16)).prop_map(|(batch, degree)| Tiling { batch, degree })
}

fn mark_scale() -> impl Strategy<Value = MarkScale> {
    select(&[ScaleKind::Width, ScaleKind::Height, ScaleKind::Area][..])
        .prop_flat_map(|kind| (1..=kind.max_permille()).prop_map(move |permille| MarkScale { kind, permille }))
}

fn watermark() -> impl Strategy<Value = Watermark> {
    use proptest::option::of;
    let image = (text(), placement(), of(1..=2u8), of(mark_scale()), of(1..=100u8), tiling()).prop_map(
        |(image, placement, blogo, scale, dissolve, tiling)| {
            Watermark::Image(ImageMark { image, placement, blogo, scale, dissolve, tiling })
        },
    );
    let text_mark = (text(), of(text()), of(side()), of(rgb()), of(1..=100u8), placement(), tiling(), of(0..=100u8))
        .prop_map(|(text, font, font_size, fill, dissolve, placement, tiling, shadow)| {
            Watermark::Text(TextMark { text, font, font_size, fill, dissolve, placement, tiling, shadow })
        });
    let blind = prop_oneof![
        text().prop_map(|image| BlindMark::SemiBlind { image }),
        (text(), of(1..=3u8)).prop_map(|(image, level)| BlindMark::Blind { image, level }),
        "[A-Za-z0-9]{1,64}".prop_map(|text| BlindMark::Text { text }),
    ]
    .prop_map(Watermark::Blind);
    prop_oneof![image, text_mark, blind]
}

fn extract() -> impl Strategy<Value = Stage> {
    prop_oneof![
        text().prop_map(|original| BlindExtract::SemiBlind { original }),
        text().prop_map(|watermark| BlindExtract::Blind { watermark }),
        Just(BlindExtract::Text),
    ]
    .prop_map(|e| Stage::Watermark(Watermark::Extract(e)))
}

/// Stages that answer with an image and may stand anywhere.
fn image_stage() -> impl Strategy<Value = Stage> {
    prop_oneof![
        4 => mogr2().prop_map(Stage::ImageMogr2),
        1 => view2().prop_map(Stage::ImageView2),
        2 => watermark().prop_map(Stage::Watermark),
        1 => "[A-Za-z0-9_.-]{1,64}".prop_map(Stage::Style),
    ]
}

/// Stages that answer JSON and may only end a pipeline.
fn report_stage() -> impl Strategy<Value = Stage> {
    prop_oneof![Just(Stage::ImageInfo), Just(Stage::Exif), Just(Stage::ImageAve), extract()]
}

fn pipeline() -> impl Strategy<Value = Pipeline> {
    let chain = (proptest::collection::vec(image_stage(), 1..=10), proptest::option::of(report_stage())).prop_map(
        |(mut stages, report)| {
            if let Some(report) = report {
                stages.pop();
                stages.push(report);
            }
            Pipeline { stages }
        },
    );
    prop_oneof![9 => chain, 1 => Just(Pipeline { stages: vec![Stage::ImageInspect] })]
}

/// Percent-encodes the bytes of `text` whose index is marked in `mask`.
fn percent_encode_some(text: &str, mask: &[bool]) -> String {
    let mut out = String::new();
    for (i, b) in text.bytes().enumerate() {
        if mask.get(i).copied().unwrap_or(false) || !b.is_ascii() {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn canonical_form_parses_back_to_the_same_tree(p in pipeline()) {
        let canonical = p.to_string();
        let parsed = parse(&canonical).map_err(|e| TestCaseError::fail(format!("{canonical}\n{e}")))?;
        prop_assert_eq!(&parsed, &p, "{}", canonical);
        prop_assert_eq!(parsed.to_string(), canonical);
    }

    #[test]
    fn percent_encoded_rules_parse_alike(p in pipeline(), mask in proptest::collection::vec(any::<bool>(), 0..400)) {
        let canonical = p.to_string();
        let encoded = percent_encode_some(&canonical, &mask);
        let parsed = parse(&encoded).map_err(|e| TestCaseError::fail(format!("{encoded}\n{e}")))?;
        prop_assert_eq!(parsed, p);
    }

    #[test]
    fn rules_beside_signature_parameters_parse_alike(p in pipeline(), before in any::<bool>()) {
        let canonical = p.to_string();
        let signature = "q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1484213027;32557109027&q-signature=7d4c";
        let query = if before { format!("{signature}&{canonical}") } else { format!("{canonical}&{signature}") };
        prop_assert_eq!(parse(&query).map_err(|e| TestCaseError::fail(e.to_string()))?, p);
    }

    #[test]
    fn pic_operations_round_trip(
        is_pic_info in any::<bool>(),
        rules in proptest::collection::vec(
            (proptest::option::of("[a-z0-9]{1,20}-[0-9]{1,12}"), "/?[A-Za-z0-9_.]{1,10}(/[A-Za-z0-9_.\\-]{1,10}){0,3}", pipeline()),
            0..=5,
        ),
    ) {
        let rules = rules
            .into_iter()
            .filter(|(_, file_id, _)| file_id.trim_start_matches('/').split('/').all(|s| s != "." && s != ".."))
            .map(|(bucket, file_id, rule)| PicRule { bucket, file_id, rule })
            .collect();
        let ops = PicOperations { is_pic_info, rules };
        let json = ops.to_string();
        let parsed = mogr_syntax::parse_pic_operations(&json).map_err(|e| TestCaseError::fail(format!("{json}\n{e}")))?;
        prop_assert_eq!(parsed, ops);
    }

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,80}") {
        if let Err(e) = parse(&s) {
            prop_assert!(e.offset() <= s.len() + 1);
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn near_miss_rules_never_panic(p in pipeline(), cut in any::<prop::sample::Index>(), junk in "[/|!x@<>%=&0-9a-z-]{0,4}") {
        let canonical = p.to_string();
        let mut at = cut.index(canonical.len() + 1);
        while !canonical.is_char_boundary(at) {
            at -= 1;
        }
        let mutated = format!("{}{junk}{}", &canonical[..at], &canonical[at..]);
        match parse(&mutated) {
            Ok(q) => prop_assert_eq!(parse(&q.to_string()).ok(), Some(q)),
            Err(e) => prop_assert!(e.offset() <= mutated.len()),
        }
    }
}
