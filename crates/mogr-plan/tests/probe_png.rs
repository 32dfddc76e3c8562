//! The PNG probe against the shared corpus: every `png/` file of the manifest (PngSuite, APNG,
//! real photos) and every `hostile/png/` file.

mod support;

use mogr_plan::{ColorModel, Orientation, ProbeError, probe};
use support::Entry;

/// The orientation a property such as `EXIF Orientation=6` names (1 when it names none).
fn orientation(entry: &Entry) -> Orientation {
    entry
        .property
        .split("EXIF Orientation=")
        .nth(1)
        .and_then(|rest| rest.get(..1)?.parse().ok())
        .and_then(Orientation::from_exif)
        .unwrap_or_default()
}

/// The bit depth of a format column such as `PNG RGB with Alpha 16-bit interlaced`.
fn bit_depth(format: &str) -> Option<u8> {
    format.split_whitespace().find_map(|word| word.strip_suffix("-bit")?.parse().ok())
}

/// What the PngSuite's deliberately corrupt `x*` files give. All are rejected except where
/// only the image data is broken, which a header probe never reads (the decoder rejects them).
fn corrupt_suite_file(name: &str) -> Option<Result<(), ProbeError>> {
    Some(match name {
        // Bad CRC of an IDAT chunk: image data only; IDAT contents and CRCs are never read.
        "xcsn0g01.png" => Ok(()),
        // A damaged signature: not recognised as PNG at all.
        "xcrn0g04.png" | "xlfn0g04.png" | "xs1n0g01.png" | "xs2n0g01.png" | "xs4n0g01.png" | "xs7n0g01.png" => {
            Err(ProbeError::UnsupportedFormat)
        }
        "xc1n0g08.png" | "xc9n2c08.png" => {
            Err(ProbeError::Malformed { what: "PNG IHDR colour type is not 0, 2, 3, 4 or 6" })
        }
        "xd0n2c08.png" | "xd3n2c08.png" | "xd9n2c08.png" => {
            Err(ProbeError::Malformed { what: "PNG IHDR bit depth is invalid for its colour type" })
        }
        "xdtn0g01.png" => Err(ProbeError::Malformed { what: "PNG has no IDAT chunk" }),
        "xhdn0g08.png" => Err(ProbeError::Malformed { what: "PNG IHDR CRC does not match" }),
        _ => return None,
    })
}

/// Frame counts where the manifest differs from what players show. In these two APNGs the
/// default image (IDAT) has no fcTL before it, so it is not part of the animation: players
/// (and the png crate) show acTL's num_frames frames (3 and 2); the manifest (Pillow's
/// `n_frames`) counts the default image too (4 and 3).
fn apng_frames(name: &str) -> Option<u32> {
    match name {
        "apng_wpt_dispose-previous.png" => Some(3),
        "apng_wpt_blend-source-transparent.png" => Some(2),
        _ => None,
    }
}

#[test]
fn every_png_in_the_manifest_probes_as_the_manifest_says() {
    let entries: Vec<Entry> = support::entries("png/").into_iter().filter(|e| e.file.ends_with(".png")).collect();
    assert!(entries.len() > 180, "{} PNG rows", entries.len());
    let mut checked = 0;
    for entry in &entries {
        let name = entry.file.rsplit('/').next().unwrap();
        let result = probe(&support::read(&entry.file));
        if entry.file.starts_with("png/pngsuite/x") {
            let Some(expected) = corrupt_suite_file(name) else {
                panic!("no expectation for corrupt PngSuite file {name}");
            };
            match expected {
                Ok(()) => assert!(result.is_ok(), "{}: {result:?}", entry.file),
                Err(expected) => assert_eq!(result, Err(expected), "{}", entry.file),
            }
            continue;
        }
        let p = result.unwrap_or_else(|e| panic!("{}: {e}", entry.file));
        let what = &entry.file;
        assert_eq!(Some((p.width, p.height)), entry.size, "{what}: size");
        assert_eq!(p.frames, apng_frames(name).unwrap_or(entry.frames.unwrap_or(1)), "{what}: frames");
        assert_eq!(p.orientation, orientation(entry), "{what}: orientation");
        assert_eq!(Some(p.bit_depth), bit_depth(&entry.format), "{what}: bit depth");
        assert_eq!(p.progressive, entry.format.contains("interlaced"), "{what}: interlace");
        let color = if entry.format.contains("Palette") {
            ColorModel::Indexed
        } else if entry.format.contains("Grayscale") {
            ColorModel::Gray
        } else {
            ColorModel::Rgb
        };
        assert_eq!(p.color, color, "{what}: colour model");
        if entry.property.contains("alpha") || entry.format.contains("with Alpha") {
            assert!(p.has_alpha, "{what}: alpha");
        }
        if entry.property.contains("tRNS") {
            // The manifest decodes the PngSuite name; `tp0*` are the suite's "not transparent,
            // for reference" files and have no tRNS chunk (checked in the bytes).
            assert_eq!(p.has_alpha, !name.starts_with("tp0"), "{what}: tRNS");
        }
        if entry.property.contains("ICC") {
            assert!(p.has_icc, "{what}: ICC");
        }
        if entry.property.contains("EXIF") {
            assert!(p.has_exif, "{what}: EXIF");
        }
        // APNG loops: all of these acTL chunks say num_plays = 0 (forever) or 1.
        assert_eq!(p.loop_count.is_some(), p.frames > 1, "{what}: loop count {:?}", p.loop_count);
        checked += 1;
    }
    assert!(checked > 160, "{checked} PNGs checked");
}

#[test]
fn apng_frames_and_plays_come_from_actl() {
    let p = probe(&support::read("png/apng_basic_f20.png")).unwrap();
    assert_eq!((p.frames, p.loop_count), (20, Some(0)));
    let p = probe(&support::read("png/apng_wpt_dispose-previous.png")).unwrap();
    assert_eq!((p.frames, p.loop_count), (3, Some(1)));
}

#[test]
fn exif_before_idat_gives_orientation_and_icc_is_seen() {
    let p = probe(&support::read("png/eXIf_chunk_early.png")).unwrap();
    assert!(p.has_exif && p.has_icc);
    assert_eq!(p.orientation, Orientation::RightTop);
    // The iCCP chunk is there but its zlib stream is cut: the probe reports the chunk without
    // inflating it (the property says the decoder should ignore the profile).
    assert!(probe(&support::read("png/broken_iccp.png")).unwrap().has_icc);
}

/// What each hostile PNG gives: `Some(true)` accepted (the size must then be the manifest's),
/// `Some(false)` rejected.
fn hostile_expectation(name: &str) -> Option<bool> {
    Some(match name {
        // Valid headers; the size (4.29 Gpx) is for the planner to refuse.
        "65536x65536.png" => true,
        // The first 10000 bytes: IHDR complete, the first IDAT cut (image data only).
        "truncated.png" => true,
        // IHDR CRC wrong (fuzzers do not fix CRCs).
        "fuzz_clusterfuzz-testcase-minimized-buf_independent-5790077345660.png" => false,
        "fuzz_minimized-from-a1a0f9ae81d63ecf08d1cd0efbc73e40e7909681.png" => false,
        // acTL CRC wrong (it announces 822,083,587 frames).
        "fuzz_clusterfuzz-testcase-minimized-buf_independent-6611224761008.png" => false,
        // IHDR length 68, not 13.
        "fuzz_minimized-from-110a360793767757e44c9e4b95c495666e39e672.png" => false,
        "fuzz_minimized-from-32e60253faddfdf03b267e0b55c7b91a674d74bd.png" => false,
        // First chunk is not IHDR.
        "x_ihdr_missing.png" | "x_unexpected_eof.png" => false,
        // IDAT chunks interrupted by another chunk, a bad IDAT CRC, an empty IDAT, a palette
        // index out of range: all inside the image data, which is the decoder's to reject.
        "x_consecutive_idat.png" | "x_interlaced_chck.png" | "x_image-issue_1075.png" | "invalid_palette_index.png" => {
            true
        }
        // Width 0; height 0 (and width over 2^31-1).
        "x_issue_214.png" | "x_issue_230.0.png" => false,
        _ => return None,
    })
}

#[test]
fn hostile_pngs_are_answered_without_panicking() {
    let entries = support::entries("hostile/png/");
    assert!(entries.len() >= 15, "{} hostile PNG rows", entries.len());
    for entry in &entries {
        let name = entry.file.rsplit('/').next().unwrap();
        let result = probe(&support::read(&entry.file));
        match hostile_expectation(name) {
            Some(true) => {
                let p = result.unwrap_or_else(|e| panic!("{}: {e}", entry.file));
                assert_eq!(Some((p.width, p.height)), entry.size, "{}", entry.file);
            }
            Some(false) => assert!(result.is_err(), "{}: {result:?}", entry.file),
            // A file added to the corpus later: no panic, and a size reported as the header says.
            None => {
                if let (Ok(p), Some(size)) = (&result, entry.size) {
                    assert_eq!((p.width, p.height), size, "{}", entry.file);
                }
            }
        }
    }
}
