//! Builds without a codec feature: every request that needs the missing codec answers
//! `ExecError::Unsupported` naming the feature to enable, while the probe still recognises
//! the format; the pure-Rust fallbacks (JPEG without `jpeg-turbo`, WebP decoding without
//! `webp`) give what the plan says. The tests of one feature run only in builds without it:
//!
//! ```text
//! cargo test --release -p mogr-exec --no-default-features --test features
//! ```
//!
//! The table of features itself (`mogr_exec::codecs::FAMILIES`) is checked against
//! Cargo.toml and the README in every build.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mogr_exec::codecs::FAMILIES;
#[cfg(not(all(feature = "jpeg-turbo", feature = "webp", feature = "heif", feature = "svg")))]
use mogr_exec::{ExecError, Output, execute};
#[cfg(not(all(feature = "jpeg-turbo", feature = "webp", feature = "heif", feature = "svg")))]
use mogr_plan::{ImageFormat, Limits, plan, probe, syntax::parse};

#[cfg(not(all(feature = "jpeg-turbo", feature = "webp", feature = "heif", feature = "svg")))]
const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/testimages/");

/// Probes, plans and executes `rule` on the corpus file `file`; the probe's format comes too.
#[cfg(not(all(feature = "jpeg-turbo", feature = "webp", feature = "heif", feature = "svg")))]
fn run(file: &str, rule: &str) -> (ImageFormat, Result<Output, ExecError>) {
    let data = std::fs::read(format!("{CORPUS}{file}")).unwrap();
    run_bytes(&data, rule)
}

/// [`run`] on bytes.
#[cfg(not(all(feature = "jpeg-turbo", feature = "webp", feature = "heif", feature = "svg")))]
fn run_bytes(data: &[u8], rule: &str) -> (ImageFormat, Result<Output, ExecError>) {
    let probe = probe(data).unwrap();
    let plan = plan(&parse(rule).unwrap(), &probe, &Limits::default()).unwrap();
    (probe.format, execute(&plan, data, &probe))
}

/// Asserts the refusal of a build without `feature`: Unsupported, naming what and the feature.
#[cfg(not(all(feature = "jpeg-turbo", feature = "webp", feature = "heif", feature = "svg")))]
fn assert_refused(result: Result<Output, ExecError>, what: &str, feature: &str) {
    match result {
        Err(ExecError::Unsupported(message)) => {
            assert!(message.starts_with(what), "{message}");
            assert!(message.contains("not built in"), "{message}");
            assert!(message.contains(&format!("enable mogr's `{feature}` feature")), "{message}");
        }
        other => panic!("{what}: expected Unsupported naming `{feature}`, got {other:?}"),
    }
}

#[test]
fn the_feature_table_matches_cargo_toml_and_the_readme() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let features = manifest.split("[features]").nth(1).unwrap();
    let default = features.lines().find(|l| l.starts_with("default = ")).unwrap();
    for family in FAMILIES {
        let feature = family.feature;
        assert!(features.lines().any(|l| l.starts_with(&format!("{feature} = "))), "{feature} in Cargo.toml");
        let on_by_default = default.contains(&format!("\"{feature}\""));
        assert_eq!(on_by_default, family.caveat.is_none(), "{feature}: on by default unless it has a caveat");
        assert!(readme.contains(&format!("| `{feature}` |")), "{feature} has a row in the README's table");
    }
}

#[cfg(not(feature = "heif"))]
#[test]
fn heif_and_avif_input_is_recognised_and_refused_without_heif() {
    let (format, result) = run("heic/colors-no-alpha-thumbnail.heic", "imageMogr2/format/png");
    assert_eq!(format, ImageFormat::Heif);
    assert_refused(result, "HEIF support", "heif");
    let (format, result) = run("avif/kimono.avif", "imageMogr2/thumbnail/100x/format/png");
    assert_eq!(format, ImageFormat::Avif);
    assert_refused(result, "AVIF support", "heif");
}

#[cfg(not(feature = "heif"))]
#[test]
fn avif_and_heic_output_is_refused_without_heif() {
    let (_, result) = run("png/pngsuite/basn6a08.png", "imageMogr2/format/avif");
    assert_refused(result, "AVIF encoding support", "heif");
    let (_, result) = run("png/pngsuite/basn6a08.png", "imageMogr2/format/heif");
    assert_refused(result, "HEIC/HEIF encoding support", "heic-encode");
}

#[cfg(not(feature = "svg"))]
#[test]
fn svg_input_and_svgc_are_refused_without_svg() {
    let (format, result) = run("svg/check.svg", "imageMogr2/thumbnail/300x/format/png");
    assert_eq!(format, ImageFormat::Svg);
    assert_refused(result, "SVG support", "svg");
    let (_, result) = run("svg/check.svg", "imageMogr2/format/svgc");
    assert_refused(result, "svgc (SVG compression) support", "svg");
}

#[cfg(not(feature = "webp"))]
#[test]
fn webp_output_is_refused_and_webp_input_still_decodes_without_webp() {
    let (_, result) = run("png/pngsuite/basn6a08.png", "imageMogr2/format/webp");
    assert_refused(result, "WebP encoding support", "webp");
    // Decoding is pure Rust (image-webp): a WebP still becomes a PNG of the planned size.
    let (format, result) = run("webp/gallery1_1.webp", "imageMogr2/thumbnail/100x/format/png");
    assert_eq!(format, ImageFormat::Webp);
    let output = result.unwrap();
    assert_eq!(output.width, 100);
    assert!(output.bytes.starts_with(b"\x89PNG"));
}

/// Mean of the colour channels of an RGBA picture decoded by the `image` crate.
#[cfg(not(feature = "jpeg-turbo"))]
fn mean_colour(bytes: &[u8]) -> (u32, u32, [f64; 3]) {
    let image = image::load_from_memory(bytes).unwrap().to_rgba8();
    let (width, height) = image.dimensions();
    let mut sums = [0f64; 3];
    for pixel in image.pixels() {
        sums.iter_mut().zip(pixel.0).for_each(|(sum, v)| *sum += f64::from(v));
    }
    let n = f64::from(width * height);
    (width, height, sums.map(|s| s / n))
}

#[cfg(not(feature = "jpeg-turbo"))]
#[test]
fn jpeg_without_jpeg_turbo_decodes_shrunk_and_encodes_with_the_trellis_encoder() {
    let data = std::fs::read(format!("{CORPUS}exif-orientation/Landscape_1.jpg")).unwrap();
    let probe = probe(&data).unwrap();
    // A thumbnail an eighth of the size: planned with a shrink-on-load, decoded full size by
    // zune-jpeg and block-averaged; the picture keeps the full decode's mean colour.
    let rule = format!("imageMogr2/thumbnail/{}x/format/png", probe.width / 8);
    let pipeline = parse(&rule).unwrap();
    let planned = plan(&pipeline, &probe, &Limits::default()).unwrap();
    assert!(planned.input.shrink_on_load > 1, "the plan shrinks on load");
    let (_, small) = run_bytes(&data, &rule);
    let (_, full) = run_bytes(&data, "imageMogr2/format/png");
    let (width, _, small) = mean_colour(&small.unwrap().bytes);
    let (_, _, full) = mean_colour(&full.unwrap().bytes);
    assert_eq!(width, probe.width / 8);
    for (a, b) in small.iter().zip(full) {
        assert!((a - b).abs() < 2.0, "mean colour {small:?} against {full:?}");
    }
    // JPEG output in the default (fast) mode is the trellis encoder's, byte for byte.
    let settings = mogr_exec::Settings::default();
    let fast = mogr_exec::Executor::new(settings.with_jpeg(mogr_exec::JpegMode::Fast)).unwrap();
    let compact = mogr_exec::Executor::new(settings.with_jpeg(mogr_exec::JpegMode::Compact)).unwrap();
    let pipeline = parse("imageMogr2/thumbnail/200x/format/jpg/quality/80").unwrap();
    let planned = plan(&pipeline, &probe, &Limits::default()).unwrap();
    let fast = fast.execute(&planned, &data, &probe).unwrap();
    assert_eq!(fast.bytes, compact.execute(&planned, &data, &probe).unwrap().bytes);
    let (width, _, _) = mean_colour(&fast.bytes);
    assert_eq!(width, 200);
    // Arithmetic coding is libjpeg-turbo's alone.
    let (format, result) = run("jpeg/arithmetic_coded.jpg", "imageMogr2/format/png");
    assert_eq!(format, ImageFormat::Jpeg);
    assert_refused(result, "arithmetic-coded JPEG support", "jpeg-turbo");
}
