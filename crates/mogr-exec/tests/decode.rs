//! Decoding the corpus: every file of every raster format is probed, planned and decoded, and
//! the picture must be what the plan said (frame count, every frame's size); then the checks
//! of particular behaviour: DCT scaling, exact PNG pixels, CMYK against another decoder,
//! animations and their composition, metadata, orientation left alone, hostile files.
//!
//! The sweep of files up to 250,000 pixels (counting frames) runs by default, well under a
//! second in a debug build; `cargo test -p mogr-exec --test decode -- --ignored` sweeps the
//! large ones too.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

use mogr_exec::decode::decode;
use mogr_exec::{ExecError, Picture};
use mogr_plan::plan::InputPlan;
use mogr_plan::syntax::parse;
use mogr_plan::{Limits, Plan, Probe, plan, probe};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/testimages/");

/// Files with more pixels than this (counting frames) are left to the ignored full sweep.
const LARGE_PIXELS: u64 = 250_000;

/// The non-hostile folders of the corpus and the extensions of their raster files.
const FOLDERS: &[(&str, &[&str])] = &[
    ("jpeg", &[".jpg"]),
    ("jpeg/cmyk", &[".jpg"]),
    ("exif-orientation", &[".jpg"]),
    ("png", &[".png"]),
    ("png/pngsuite", &[".png"]),
    ("gif", &[".gif"]),
    ("webp", &[".webp"]),
    ("webp/libwebp-test-data", &[".webp"]),
    ("bmp", &[".bmp"]),
    ("tiff", &[".tif", ".tiff"]),
];

/// Valid files this build cannot decode, and why; each must answer `Unsupported`.
#[cfg(feature = "jpeg-turbo")]
const UNSUPPORTED: &[(&str, &str)] = &[];
/// Valid files this build cannot decode, and why; each must answer `Unsupported`.
#[cfg(not(feature = "jpeg-turbo"))]
const UNSUPPORTED: &[(&str, &str)] =
    &[("jpeg/arithmetic_coded.jpg", "arithmetic coding: zune-jpeg lacks it, libjpeg-turbo (`jpeg-turbo`) has it")];

/// Files the planner refuses under the default limits.
const REFUSED_BY_PLANNER: &[&str] = &[
    "gif/muybridge.gif", // 380 frames, over the GIF limit of 300
];

const HOSTILE_FOLDERS: &[&str] =
    &["hostile/jpeg", "hostile/png", "hostile/gif", "hostile/bmp", "hostile/tiff", "hostile/webp"];

/// The bytes of a corpus file.
fn read(file: &str) -> Vec<u8> {
    std::fs::read(Path::new(CORPUS).join(file)).unwrap_or_else(|e| panic!("reading {file}: {e}"))
}

/// The files of a corpus folder whose names end with one of `extensions`, sorted.
fn files(folder: &str, extensions: &[&str]) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(Path::new(CORPUS).join(folder))
        .unwrap_or_else(|e| panic!("listing {folder}: {e}"))
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| extensions.iter().any(|ext| name.to_ascii_lowercase().ends_with(ext)))
        .map(|name| format!("{folder}/{name}"))
        .collect();
    found.sort();
    found
}

/// Every non-hostile raster file of the corpus.
fn corpus_files() -> Vec<String> {
    FOLDERS.iter().flat_map(|(folder, extensions)| files(folder, extensions)).collect()
}

/// Whether a file is small enough for the default sweep: at most [`LARGE_PIXELS`] pixels
/// counting frames, or not probe-able at all.
fn is_small(file: &str) -> bool {
    probe(&read(file)).map_or(true, |p| u64::from(p.width) * u64::from(p.height) * u64::from(p.frames) <= LARGE_PIXELS)
}

/// The rule a sweep plans with: WebP for animations, to keep every frame; PNG otherwise.
fn rule_for(probe: &Probe) -> &'static str {
    if probe.frames > 1 { "imageMogr2/format/webp" } else { "imageMogr2/format/png" }
}

/// Probe and plan of `data` under `rule` (default limits); the error names the stage.
fn planned(data: &[u8], rule: &str) -> Result<(Probe, Plan), String> {
    let probe = probe(data).map_err(|e| format!("probe: {e}"))?;
    let pipeline = parse(rule).map_err(|e| format!("parse: {e}"))?;
    let plan = plan(&pipeline, &probe, &Limits::default()).map_err(|e| format!("plan: {e}"))?;
    Ok((probe, plan))
}

/// What became of a file: refused before decoding (by the probe or the planner, the string
/// says which), or the decode's result with its plan.
type Outcome = Result<(Probe, Plan, Result<Picture, ExecError>), String>;

/// Probes, plans (as the sweep does) and decodes a file.
fn decode_file(file: &str) -> Outcome {
    let data = read(file);
    let rule = rule_for(&probe(&data).map_err(|e| format!("probe: {e}"))?);
    decode_with_rule(&data, rule)
}

/// Probes, plans with `rule` and decodes.
fn decode_with_rule(data: &[u8], rule: &str) -> Outcome {
    let (probe, plan) = planned(data, rule)?;
    let picture = decode(data, &probe, &plan.input);
    Ok((probe, plan, picture))
}

/// Decodes with `rule` a file that must decode.
fn picture(file: &str, rule: &str) -> (Probe, Plan, Picture) {
    let (probe, plan, picture) = decode_with_rule(&read(file), rule).unwrap_or_else(|e| panic!("{file}: {e}"));
    (probe, plan, picture.unwrap_or_else(|e| panic!("{file}: {e}")))
}

/// Checks a picture against its plan: frame count and every frame's size and buffer.
fn check_against_plan(file: &str, input: &InputPlan, picture: &Picture) -> Result<(), String> {
    if picture.frames.len() != input.decode_frames.max(1) as usize {
        return Err(format!("{file}: {} frames, the plan says {}", picture.frames.len(), input.decode_frames));
    }
    for (at, frame) in picture.frames.iter().enumerate() {
        if (frame.width, frame.height) != (input.decode_width, input.decode_height) {
            return Err(format!(
                "{file}: frame {at} is {}x{}, the plan says {}x{}",
                frame.width, frame.height, input.decode_width, input.decode_height
            ));
        }
        if frame.pixels.len() != frame.width as usize * frame.height as usize * 4 {
            return Err(format!("{file}: frame {at} has {} bytes", frame.pixels.len()));
        }
    }
    Ok(())
}

/// What went wrong with one file of the sweep, if anything.
fn sweep_problem(file: &str) -> Option<String> {
    let name = file.rsplit('/').next().unwrap_or(file);
    let corrupt = file.starts_with("png/pngsuite/x");
    let unsupported = UNSUPPORTED.iter().find(|(f, _)| *f == file);
    match decode_file(file) {
        Err(_) if corrupt => None,
        Err(refused) if REFUSED_BY_PLANNER.contains(&file) && refused.starts_with("plan:") => None,
        Err(refused) => Some(format!("{file}: {refused}")),
        Ok((_, _, Err(_))) if corrupt => None,
        Ok((_, _, Err(ExecError::Unsupported(_)))) if unsupported.is_some() => None,
        Ok((_, _, Err(e))) => Some(format!("{file}: {e}")),
        Ok(_) if corrupt => Some(format!("{file}: PngSuite's {name} is corrupt, yet it decoded")),
        Ok(_) if unsupported.is_some() => Some(format!("{file} decodes now: take it off UNSUPPORTED")),
        Ok((_, plan, Ok(picture))) => check_against_plan(file, &plan.input, &picture).err(),
    }
}

/// Sweeps `files`, failing with every problem found.
fn sweep(files: &[String]) {
    assert!(files.len() > 20, "the corpus is missing: {} files", files.len());
    let problems: Vec<String> = files.iter().filter_map(|f| sweep_problem(f)).collect();
    assert!(problems.is_empty(), "{} of {} files:\n{}", problems.len(), files.len(), problems.join("\n"));
}

#[test]
fn every_small_corpus_file_decodes_to_its_plan() {
    let small: Vec<String> = corpus_files().into_iter().filter(|f| is_small(f)).collect();
    sweep(&small);
}

#[test]
#[ignore = "the whole corpus, large files included: a few seconds in a debug build"]
fn every_corpus_file_decodes_to_its_plan() {
    sweep(&corpus_files());
}

/// Mean of each channel (R, G, B, A) over the frame.
fn mean(frame: &mogr_exec::Frame) -> [f64; 4] {
    let mut sum = [0u64; 4];
    for pixel in frame.pixels.chunks_exact(4) {
        sum.iter_mut().zip(pixel).for_each(|(s, &v)| *s += u64::from(v));
    }
    let n = (frame.pixels.len() / 4) as f64;
    sum.map(|s| s as f64 / n)
}

/// The largest difference between two channel means.
fn mean_distance(a: [f64; 4], b: [f64; 4]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

#[test]
fn jpeg_shrink_on_load_gives_the_plans_size_and_the_same_mean_colour() {
    // DCT scaling keeps each block's DC term, so the mean colour of a 1/2, 1/4 or 1/8 decode
    // matches the full decode's to within rounding: tolerance 1.0 level a channel.
    let file = "jpeg/DSCN0010_gps.jpg"; // 640x480
    let (_, full_plan, full) = picture(file, "imageMogr2/format/png");
    assert_eq!(full_plan.input.shrink_on_load, 1);
    assert_eq!(full.size(), (640, 480));
    let full_mean = mean(&full.frames[0]);
    for (rule, shrink, size) in [
        ("imageMogr2/thumbnail/320x", 2, (320, 240)),
        ("imageMogr2/thumbnail/150x", 4, (160, 120)),
        ("imageMogr2/thumbnail/80x", 8, (80, 60)),
    ] {
        let (_, plan, scaled) = picture(file, rule);
        assert_eq!(plan.input.shrink_on_load, shrink, "{rule}");
        assert_eq!((plan.input.decode_width, plan.input.decode_height), size, "{rule}");
        assert_eq!(scaled.size(), size, "{rule}");
        let distance = mean_distance(mean(&scaled.frames[0]), full_mean);
        assert!(distance <= 1.0, "{rule}: mean colour {distance} levels from the full decode's");
    }
}

#[test]
fn jpeg_odd_sizes_scale_to_the_rounded_up_size() {
    // 33x33 at 1/8 is ⌈33/8⌉ = 5 on each side, in the planner and in libjpeg-turbo alike.
    let (_, plan, scaled) = picture("jpeg/mozilla_jpg-size-33x33.jpg", "imageMogr2/thumbnail/5x");
    assert_eq!(plan.input.shrink_on_load, 8);
    assert_eq!(scaled.size(), (5, 5));
}

#[test]
#[cfg(feature = "jpeg-turbo")]
fn lossless_jpegs_are_shrunk_after_decoding() {
    // libjpeg-turbo cannot DCT-scale a lossless (SOF3) JPEG: it is decoded whole and each 2x2
    // block averaged. A lossless encode of a flat-per-block picture gives back exact values.
    let (width, height) = (40usize, 30usize);
    let mut rgb = vec![0u8; width * height * 3];
    for (at, pixel) in rgb.chunks_exact_mut(3).enumerate() {
        let (x, y) = (at % width, at / width);
        pixel.copy_from_slice(&[(x / 2 * 12) as u8, (y / 2 * 16) as u8, 200]);
    }
    let image =
        turbojpeg::Image { pixels: &rgb[..], width, pitch: width * 3, height, format: turbojpeg::PixelFormat::RGB };
    let mut compressor = turbojpeg::Compressor::new().unwrap();
    compressor.set_lossless(true).unwrap();
    let jpeg = compressor.compress_to_vec(image).unwrap();
    let (_, plan, picture) = decode_with_rule(&jpeg, "imageMogr2/thumbnail/20x").unwrap();
    assert_eq!(plan.input.shrink_on_load, 2);
    let frame = &picture.unwrap().frames[0];
    assert_eq!((frame.width, frame.height), (20, 15));
    assert_eq!(frame.pixel(3, 4), Some([36, 64, 200, 255]));
    assert_eq!(frame.pixel(19, 14), Some([228, 224, 200, 255]));
}

#[test]
fn pngsuite_rgba_pixels_are_exact() {
    // References: MD5 of the RGBA8 pixels from an independent decoder (Python: zlib and the
    // PNG filters written out by hand); the 16-bit file rounded as round(v / 257).
    use md5::{Digest, Md5};
    for (file, md5, first, last) in [
        ("png/pngsuite/basn6a08.png", "e80a60aecf13ebd863b61167ba95960b", [255, 0, 8, 0], [0, 32, 255, 255]),
        ("png/pngsuite/basn6a16.png", "297acd56a0c6986473b38a1e28259dcb", [255, 255, 0, 0], [0, 0, 255, 0]),
    ] {
        let (_, _, picture) = picture(file, "imageMogr2/format/png");
        let frame = &picture.frames[0];
        assert_eq!((frame.width, frame.height), (32, 32), "{file}");
        assert_eq!(frame.pixel(0, 0), Some(first), "{file}");
        assert_eq!(frame.pixel(31, 31), Some(last), "{file}");
        let digest: String = Md5::digest(&frame.pixels).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(digest, md5, "{file}");
    }
}

#[test]
fn palette_and_grey_pngs_expand_to_rgba() {
    // basn3p08: 8-bit palette; tbrn2c08: RGB with a tRNS colour; basn0g16: 16-bit grey.
    let (_, _, palette) = picture("png/pngsuite/basn3p08.png", "imageMogr2/format/png");
    assert!(!palette.frames[0].has_transparency());
    let (_, _, keyed) = picture("png/pngsuite/tbrn2c08.png", "imageMogr2/format/png");
    assert!(keyed.frames[0].pixels.chunks_exact(4).any(|p| p[3] == 0), "tRNS gives transparent pixels");
    let (_, _, grey) = picture("png/pngsuite/basn0g16.png", "imageMogr2/format/png");
    assert!(grey.frames[0].pixels.chunks_exact(4).all(|p| p[0] == p[1] && p[1] == p[2] && p[3] == 255));
}

#[test]
fn cmyk_jpegs_match_another_decoders_mean_colour() {
    // Reference means from Pillow 13.0 (libjpeg-turbo, Adobe-inverted CMYK, then
    // R = (255 - C)(255 - K)/255 on ink values, the same naive formula); tolerance 0.5 level
    // a channel, for IDCT and upsampling differences between the two libjpeg builds.
    for (file, reference) in [
        ("jpeg/cmyk/mozilla_jpg-cmyk-1.jpg", [127.501, 127.497, 43.822]),
        ("jpeg/cmyk/mozilla_jpg-cmyk-2.jpg", [252.309, 251.81, 251.788]),
        ("jpeg/cmyk/CMYK_no_profile.jpg", [109.037, 132.086, 109.595]),
    ] {
        let (_, _, picture) = picture(file, "imageMogr2/format/png");
        let got = mean(&picture.frames[0]);
        let distance =
            mean_distance([got[0], got[1], got[2], 255.0], [reference[0], reference[1], reference[2], 255.0]);
        assert!(distance <= 0.5, "{file}: mean {got:?}, Pillow's {reference:?}");
        assert!(!picture.frames[0].has_transparency(), "{file}");
        assert_eq!(picture.metadata.icc, None, "{file}: a CMYK profile does not describe RGB frames");
    }
    // Scaled in the DCT domain like any JPEG: 500x333 at 1/4, the mean within 1.0 level.
    let (_, plan, scaled) = picture("jpeg/cmyk/Channel_digital_image_CMYK_color.jpg", "imageMogr2/thumbnail/125x");
    assert_eq!((plan.input.shrink_on_load, scaled.size()), (4, (125, 84)));
    let got = mean(&scaled.frames[0]);
    assert!(mean_distance(got, [109.037, 132.086, 109.595, 255.0]) <= 1.0, "{got:?}");
}

#[test]
#[cfg(feature = "jpeg-turbo")]
fn adobe_cmyk_is_read_as_inverted_ink() {
    // libjpeg-turbo writes CMYK as given, with an Adobe marker: the decoder must read the
    // stored values as inverted ink, R = C·K/255. Quality 100, no subsampling: ±2 levels.
    let (width, height) = (16usize, 16usize);
    let stored = [200u8, 100, 50, 128];
    let pixels = stored.repeat(width * height);
    let image =
        turbojpeg::Image { pixels: &pixels[..], width, pitch: width * 4, height, format: turbojpeg::PixelFormat::CMYK };
    let mut compressor = turbojpeg::Compressor::new().unwrap();
    compressor.set_quality(100).unwrap();
    compressor.set_subsamp(turbojpeg::Subsamp::None).unwrap();
    let jpeg = compressor.compress_to_vec(image).unwrap();
    let (_, _, picture) = decode_with_rule(&jpeg, "imageMogr2/format/png").unwrap();
    let expected = [200 * 128 / 255, 100 * 128 / 255, 50 * 128 / 255, 255];
    for pixel in picture.unwrap().frames[0].pixels.chunks_exact(4) {
        let off = pixel.iter().zip(expected).map(|(&a, b)| (i32::from(a) - b).abs()).max().unwrap();
        assert!(off <= 2, "{pixel:?} vs {expected:?}");
    }
}

#[test]
fn animations_keep_every_frame_with_positive_delays() {
    // Frame counts from the manifest (apng_wpt_dispose-previous.png: the manifest counts 4
    // images, of which the default image is not part of the animation: acTL says 3).
    for (file, frames) in [
        ("png/apng_basic_f20.png", 20),
        ("png/apng_wpt_dispose-previous.png", 3),
        ("png/apng_wpt_blend-source-transparent.png", 2),
        ("png/apng_rgba16.png", 3),
        ("gif/rotating-squares.gif", 30),
        ("gif/animated-loop-3.gif", 10),
        ("gif/beacon_icc.gif", 2),
        ("gif/mixed-disposal.gif", 5),
        ("gif/dancing-banana.gif", 8),
        ("webp/animated_random_lossy.webp", 4),
        ("webp/animated_random_lossless.webp", 3),
        ("webp/anim.webp", 6),
        ("webp/rotating-squares.webp", 9),
        ("webp/big-height_animated.webp", 97),
    ] {
        let (probe, plan, picture) = picture(file, "imageMogr2/format/webp");
        assert_eq!(probe.frames, frames, "{file}: probe");
        assert_eq!(plan.input.decode_frames, frames, "{file}: plan");
        check_against_plan(file, &plan.input, &picture).unwrap();
        assert!(picture.frames.iter().all(|f| f.delay_ms > 0), "{file}: a delay of 0");
        assert_eq!(picture.loop_count, probe.loop_count, "{file}");
        assert!(picture.loop_count.is_some(), "{file}");
    }
}

#[test]
fn a_still_output_decodes_only_the_first_frame() {
    let (probe, plan, picture) = picture("gif/rotating-squares.gif", "imageMogr2/format/png");
    assert_eq!((probe.frames, plan.input.decode_frames, picture.frames.len()), (30, 1, 1));
    assert_eq!(picture.frames[0].delay_ms, 0, "a still picture has no delay");
}

/// How many pixels of the frame have exactly this value.
fn count(frame: &mogr_exec::Frame, value: [u8; 4]) -> usize {
    frame.pixels.chunks_exact(4).filter(|p| *p == value).count()
}

#[test]
fn apng_frames_are_composited_as_the_specification_says() {
    // The web-platform-tests files pass when the last frame is all green (dispose PREVIOUS
    // restores the region under the red frame) or all transparent (blend SOURCE replaces).
    let (_, _, previous) = picture("png/apng_wpt_dispose-previous.png", "imageMogr2/format/webp");
    let frames = &previous.frames;
    assert_eq!(count(&frames[1], [255, 0, 0, 255]), 2048, "the red frame is shown");
    assert_eq!(count(&frames[2], [0, 255, 0, 255]), 128 * 64, "then disposed to what was before");
    let (_, _, source) = picture("png/apng_wpt_blend-source-transparent.png", "imageMogr2/format/webp");
    assert_eq!(count(&source.frames[0], [255, 0, 0, 255]), 128 * 64);
    assert_eq!(count(&source.frames[1], [0, 0, 0, 0]), 128 * 64);
}

#[test]
fn gif_frames_are_composited_with_their_disposal() {
    // mixed-disposal.gif: 114-pixel squares of a new colour each frame; some earlier squares
    // stay (disposal "none"), some are cleared ("background"), around them transparency.
    let (_, _, picture) = picture("gif/mixed-disposal.gif", "imageMogr2/format/webp");
    let yellow = [255, 241, 14, 255];
    let counts: Vec<usize> = picture.frames.iter().map(|f| count(f, yellow)).collect();
    assert_eq!(counts, [114, 102, 72, 38, 24]);
    assert_eq!(count(&picture.frames[4], [20, 14, 255, 255]), 114);
    assert!(picture.frames.iter().all(|f| count(f, [0, 0, 0, 0]) > 700));
}

#[test]
fn the_fastest_gif_delays_play_at_a_tenth_of_a_second() {
    use image::codecs::gif::GifEncoder;
    use image::{Delay, Frame, RgbaImage};
    let mut gif = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut gif);
        for (at, ms) in [0u32, 10, 20, 500].into_iter().enumerate() {
            let buffer = RgbaImage::from_pixel(4, 4, image::Rgba([at as u8 * 60, 0, 0, 255]));
            encoder.encode_frame(Frame::from_parts(buffer, 0, 0, Delay::from_numer_denom_ms(ms, 1))).unwrap();
        }
    }
    let (_, _, picture) = decode_with_rule(&gif, "imageMogr2/format/webp").unwrap();
    let delays: Vec<u32> = picture.unwrap().frames.iter().map(|f| f.delay_ms).collect();
    assert_eq!(delays, [100, 100, 20, 500]);
}

#[test]
fn metadata_is_extracted_as_found() {
    // Sizes from Pillow 13.0's reading of the same files (its EXIF carries the 6-byte
    // `Exif\0\0` prefix, which the TIFF structure here does not).
    let (_, _, canon) = picture("jpeg/Canon_40D_small.jpg", "imageMogr2/format/png");
    let icc = canon.metadata.icc.as_deref().expect("Canon_40D_small.jpg has an ICC profile");
    assert_eq!(icc.len(), 3144);
    assert_eq!(u32::from_be_bytes(icc[..4].try_into().unwrap()), 3144, "the profile's own size field");
    assert_eq!(&icc[36..40], b"acsp");
    let exif = canon.metadata.exif.as_deref().expect("Canon_40D_small.jpg has EXIF");
    assert!(exif.starts_with(b"II*\0"));
    assert_eq!(exif.len(), 2474 - 6);

    let (_, _, gps) = picture("jpeg/DSCN0010_gps.jpg", "imageMogr2/format/png");
    assert_eq!(gps.metadata.exif.as_ref().map(Vec::len), Some(11256 - 6));
    assert_eq!(gps.metadata.xmp.as_ref().map(Vec::len), Some(4000));

    let (_, _, xmp) = picture("jpeg/exif-xmp-metadata.jpg", "imageMogr2/format/png");
    let packet = xmp.metadata.xmp.expect("exif-xmp-metadata.jpg has XMP");
    assert!(packet.starts_with(b"<?xpacket"), "{:?}", String::from_utf8_lossy(&packet[..20]));
    assert_eq!(packet.len(), 3711);

    let (_, _, gain_map) = picture("jpeg/ultrahdr_gain-map.jpg", "imageMogr2/thumbnail/480x");
    assert_eq!(gain_map.metadata.icc.as_ref().map(Vec::len), Some(588), "the primary image's, not the gain map's");
    assert_eq!(gain_map.metadata.xmp.as_ref().map(Vec::len), Some(923));

    let (_, _, png) = picture("png/eXIf_chunk_early.png", "imageMogr2/format/png");
    assert_eq!(png.metadata.icc.as_ref().map(Vec::len), Some(672));
    let exif = png.metadata.exif.expect("eXIf_chunk_early.png has EXIF");
    assert!(exif.starts_with(b"MM\0*"));
    assert_eq!(exif.len(), 96 - 6);

    let (_, _, p3) = picture("png/display-p3.png", "imageMogr2/format/png");
    assert_eq!(p3.metadata.icc.as_ref().map(Vec::len), Some(548));

    let (_, _, grey) = picture("jpeg/concert_gray.jpg", "imageMogr2/format/png");
    let icc = grey.metadata.icc.expect("concert_gray.jpg has a grey profile");
    assert_eq!((icc.len(), &icc[16..20]), (408, &b"GRAY"[..]));
}

/// The frame turned a quarter clockwise (`clockwise`) or counter-clockwise.
fn quarter_turn(frame: &mogr_exec::Frame, clockwise: bool) -> mogr_exec::Frame {
    let (w, h) = (frame.width, frame.height);
    let mut turned = mogr_exec::Frame::new(h, w).unwrap();
    for y in 0..w {
        for x in 0..h {
            let (sx, sy) = if clockwise { (y, h - 1 - x) } else { (w - 1 - y, x) };
            let at = ((y * h + x) * 4) as usize;
            turned.pixels[at..at + 4].copy_from_slice(&frame.pixel(sx, sy).unwrap());
        }
    }
    turned
}

/// Mean absolute difference of two frames' bytes.
fn mean_abs_difference(a: &mogr_exec::Frame, b: &mogr_exec::Frame) -> f64 {
    assert_eq!((a.width, a.height), (b.width, b.height));
    let total: u64 = a.pixels.iter().zip(&b.pixels).map(|(&x, &y)| u64::from(x.abs_diff(y))).sum();
    total as f64 / a.pixels.len() as f64
}

#[test]
fn exif_orientation_is_left_to_the_plan() {
    // Landscape_6.jpg is stored 1200x1800 with Orientation 6 (shown turned 90° clockwise);
    // Landscape_1.jpg is the same photo stored upright, 1800x1200. The decode keeps the stored
    // pixels: turned clockwise they match the upright file (mean difference under 8 levels,
    // two lossy encodes at 1/8 scale), turned the other way they do not (over 20).
    let (probe, plan, stored) = picture("exif-orientation/Landscape_6.jpg", "imageMogr2/thumbnail/150x");
    assert_eq!(probe.orientation, mogr_plan::Orientation::RightTop);
    assert_eq!((probe.width, probe.height), (1200, 1800));
    assert_eq!(stored.size(), (plan.input.decode_width, plan.input.decode_height));
    assert_eq!(stored.size(), (150, 225), "1200x1800 at 1/8, not turned");
    assert_eq!(stored.metadata.exif.as_ref().map(|e| &e[..4]), Some(&b"MM\0*"[..]));
    let (_, _, upright) = picture("exif-orientation/Landscape_1.jpg", "imageMogr2/thumbnail/225x");
    assert_eq!(upright.size(), (225, 150));
    let right = mean_abs_difference(&quarter_turn(&stored.frames[0], true), &upright.frames[0]);
    let wrong = mean_abs_difference(&quarter_turn(&stored.frames[0], false), &upright.frames[0]);
    assert!(right < 8.0 && wrong > 20.0, "turned clockwise {right}, counter-clockwise {wrong}");
}

#[test]
#[cfg(feature = "svg")]
fn svg_is_drawn_at_the_planned_size() {
    // check.svg is 100x100 (its viewBox): a 300 px thumbnail is drawn at 300 px, not enlarged.
    let (_, plan, picture) = picture("svg/check.svg", "imageMogr2/thumbnail/300x/format/png");
    assert_eq!((plan.input.decode_width, plan.input.decode_height), (300, 300));
    assert_eq!(picture.size(), (300, 300));
    let opaque = picture.frames[0].pixels.chunks_exact(4).filter(|p| p[3] == 255).count();
    assert!(opaque > 1000, "the green check mark is drawn ({opaque} opaque pixels)");
}

#[test]
fn a_plan_for_other_headers_is_refused() {
    let data = read("png/pngsuite/basn6a08.png");
    let (probe, plan) = planned(&data, "imageMogr2/format/png").unwrap();
    let mut wrong = plan.input.clone();
    wrong.decode_width += 1;
    match decode(&data, &probe, &wrong) {
        Err(ExecError::Decode(message)) => assert!(message.contains("not what its headers said"), "{message}"),
        other => panic!("{other:?}"),
    }
    let jpeg = read("jpeg/mozilla_jpg-size-33x33.jpg");
    let (probe, plan) = planned(&jpeg, "imageMogr2/format/png").unwrap();
    let mut wrong = plan.input.clone();
    wrong.shrink_on_load = 2;
    assert!(matches!(decode(&jpeg, &probe, &wrong), Err(ExecError::Decode(_))));
}

/// Every hostile file the planner accepts, with its plan.
fn planned_hostile_files() -> Vec<(String, Probe, Plan)> {
    let mut planned_files = Vec::new();
    for file in HOSTILE_FOLDERS.iter().flat_map(|folder| files(folder, &[""])) {
        let data = read(&file);
        let Ok(probe) = probe(&data) else { continue };
        // Files the probe or the planner refuse never reach a decoder.
        if let Ok((probe, plan)) = planned(&data, rule_for(&probe)) {
            planned_files.push((file, probe, plan));
        }
    }
    planned_files
}

#[test]
fn hostile_files_decode_to_their_plan_or_fail_cleanly() {
    let planned_files = planned_hostile_files();
    assert!(planned_files.len() >= 10, "only {} hostile files planned", planned_files.len());
    let mut decoded = 0;
    for (file, probe, plan) in &planned_files {
        match decode(&read(file), probe, &plan.input) {
            Ok(picture) => {
                check_against_plan(file, &plan.input, &picture).unwrap();
                decoded += 1;
            }
            Err(ExecError::Decode(_) | ExecError::Unsupported(_)) => {}
            Err(other) => panic!("{file}: {other:?}"),
        }
    }
    assert!(decoded > 0 && decoded < planned_files.len(), "{decoded} of {} decoded", planned_files.len());
}

/// The process's resident memory and its peak so far, in bytes (Linux).
fn resident_and_peak() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// The environment variable that makes [`hostile_decode_in_a_child_process`] measure a file.
const CHILD_FILE: &str = "MOGR_DECODE_MEASURE_FILE";

/// Memory a decode may add beyond what the plan's frames need: one frame in a 16-byte
/// layout, decoder tables, libjpeg's coefficient buffers, allocator overhead.
fn allowance(input: &InputPlan) -> u64 {
    let pixels = u64::from(input.decode_width) * u64::from(input.decode_height);
    pixels * 4 * u64::from(input.decode_frames.max(1)) + pixels * 16 + (24 << 20)
}

#[test]
#[ignore = "run by hostile_decodes_stay_within_the_plans_memory, one process a file"]
fn hostile_decode_in_a_child_process() {
    let Ok(file) = std::env::var(CHILD_FILE) else { return };
    let data = read(&file);
    let (probe, plan) = planned(&data, rule_for(&probe(&data).unwrap())).unwrap();
    let (before, _) = resident_and_peak().unwrap();
    let result = decode(&data, &probe, &plan.input);
    let (_, peak) = resident_and_peak().unwrap();
    let grown = peak.saturating_sub(before);
    println!("{file}: {} -> peak grew by {grown} bytes", if result.is_ok() { "decoded" } else { "refused" });
    assert!(grown <= allowance(&plan.input), "{file}: {grown} bytes for a plan allowing {}", allowance(&plan.input));
}

#[test]
fn hostile_decodes_stay_within_the_plans_memory() {
    // Each decode runs in a process of its own, whose peak resident memory (VmHWM) must not
    // grow by more than the plan's frames plus the allowance above. Pages a decoder reserves
    // but never touches are not counted: this catches buffers filled beyond the plan.
    if resident_and_peak().is_none() {
        return; // no /proc: not Linux
    }
    let exe = std::env::current_exe().unwrap();
    for (file, _, _) in planned_hostile_files() {
        let output = Command::new(&exe)
            .args(["--exact", "hostile_decode_in_a_child_process", "--ignored", "--nocapture", "--test-threads=1"])
            .env(CHILD_FILE, &file)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{file}:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
        assert!(stdout.contains(&format!("{file}: ")), "{file}: the child did not measure it:\n{stdout}");
    }
}
