//! Every WebP of the corpus (`webp/`) probes to what the manifest says of it: size, frames,
//! alpha, ICC, orientation, loop count; the hostile WebPs (`hostile/webp/`) never panic and
//! report the size the manifest gives.

mod support;

use mogr_plan::{ColorModel, ImageFormat, Orientation, probe};

/// The frame count the property states as "N frames" anywhere in its text (the shared
/// reader only reads a "; N frames" part, and `big-height_animated.webp` says
/// "animated WebP, 97 frames, tall narrow canvas").
fn frames_in(property: &str) -> Option<u32> {
    let words: Vec<&str> = property.split([' ', ';', ',']).filter(|w| !w.is_empty()).collect();
    words.windows(2).find(|w| w[1] == "frames").and_then(|w| w[0].parse().ok())
}

/// The orientation the property states as "EXIF Orientation=N".
fn orientation_in(property: &str) -> Option<Orientation> {
    let digits = property.split("EXIF Orientation=").nth(1)?;
    Orientation::from_exif(digits.chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok()?)
}

/// The loop count the property states as "loop count N".
fn loop_count_in(property: &str) -> Option<u32> {
    let digits = property.split("loop count ").nth(1)?;
    digits.chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok()
}

#[test]
fn every_corpus_webp_matches_the_manifest() {
    // `webp/libwebp-test-data/` also holds the reference `grid.png` and `peak.tiff` (probed by
    // the PNG and TIFF tests): only the WebP rows are checked here.
    let entries: Vec<_> = support::entries("webp/").into_iter().filter(|e| e.format.starts_with("WebP")).collect();
    assert!(entries.len() >= 23, "{} WebP rows", entries.len());
    for e in entries {
        let data = support::read(&e.file);
        let p = probe(&data).unwrap_or_else(|err| panic!("{}: {err}", e.file));
        let f = &e.file;
        assert_eq!(p.format, ImageFormat::Webp, "{f}");
        assert_eq!(Some((p.width, p.height)), e.size, "{f}");
        assert_eq!(p.frames, frames_in(&e.property).unwrap_or(1), "{f}");
        assert_eq!(e.frames.is_some() || frames_in(&e.property).is_some(), p.is_animated(), "{f}");
        assert_eq!((p.bit_depth, p.color), (8, ColorModel::Rgb), "{f}");
        if e.property.contains("alpha") {
            assert!(p.has_alpha, "{f}: alpha");
        }
        if e.property.contains("ICC profile") {
            assert!(p.has_icc, "{f}: ICC");
        }
        assert_eq!(p.orientation, orientation_in(&e.property).unwrap_or_default(), "{f}");
        if let Some(loops) = loop_count_in(&e.property) {
            assert_eq!(p.loop_count, Some(loops), "{f}");
        }
        if !p.is_animated() {
            assert_eq!(p.loop_count, None, "{f}");
        }
        // "WebP (lossless)" rows and animations called lossless are VP8L throughout.
        let lossless = e.format.contains("lossless") || e.property.contains("animated lossless");
        assert_eq!(p.webp_lossless, lossless, "{f}: lossless");
    }
}

#[test]
fn lossless_alpha_bits_and_vp8x_flags_are_read() {
    // Files the manifest does not call out: a lossless file without alpha and an animation
    // whose VP8X flags say alpha.
    let p = probe(&support::read("webp/libwebp-test-data/lossless_color_transform.webp")).unwrap();
    assert!(!p.has_alpha);
    let p = probe(&support::read("webp/anim.webp")).unwrap();
    assert!(p.has_alpha);
    assert_eq!(p.loop_count, Some(0));
}

#[test]
fn hostile_webps_never_panic_and_report_their_size() {
    let entries = support::entries("hostile/webp/");
    assert!(!entries.is_empty());
    for e in entries {
        let data = support::read(&e.file);
        let result = probe(&data);
        // The headers of all three are intact; what is broken lies in the bitstream, which the
        // decoder meets (`very_short.webp` ends inside the VP8 data its chunk declares).
        if let Some(size) = e.size {
            let p = result.unwrap_or_else(|err| panic!("{}: {err}", e.file));
            assert_eq!((p.width, p.height), size, "{}", e.file);
        }
        // Every cut of the file is an error or a probe, never a panic.
        for end in 0..data.len().min(512) {
            let _ = probe(&data[..end]);
        }
    }
}

#[test]
fn mutated_headers_never_panic() {
    support::probe_mutants(&["webp/", "hostile/webp/"]);
}
