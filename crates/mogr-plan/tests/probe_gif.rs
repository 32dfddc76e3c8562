//! The GIF probe against the shared corpus: every `gif/` file of the manifest and every
//! `hostile/gif/` file, including the 40,000-frame flood.

mod support;

use mogr_plan::{ColorModel, ProbeError, probe};

#[test]
fn every_gif_in_the_manifest_probes_as_the_manifest_says() {
    let entries = support::entries("gif/");
    assert!(entries.len() >= 10, "{} GIF rows", entries.len());
    for entry in &entries {
        let what = &entry.file;
        let p = probe(&support::read(what)).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(Some((p.width, p.height)), entry.size, "{what}: size");
        let frames = entry.frames.unwrap_or(1);
        assert_eq!(p.frames, frames, "{what}: frames");
        assert_eq!((p.bit_depth, p.color), (8, ColorModel::Indexed), "{what}");
        if entry.property.contains("alpha") || entry.property.contains("transparen") {
            assert!(p.has_alpha, "{what}: alpha");
        }
        assert_eq!(p.has_icc, entry.property.contains("ICC"), "{what}: ICC");
        assert_eq!(p.progressive, entry.property.contains("interlaced"), "{what}: interlace");
        assert!(!p.has_exif, "{what}: EXIF");
        // Every animation here has a NETSCAPE2.0 block; all but one say 0 (forever).
        let plays = if what.ends_with("animated-loop-3.gif") { Some(3) } else { Some(0) };
        assert_eq!(p.loop_count, if frames > 1 { plays } else { None }, "{what}: loop count");
    }
}

#[test]
fn the_netscape_value_counts_repetitions_so_plays_are_one_more() {
    // The file's NETSCAPE2.0 value is 2 (two repetitions after the first play): browsers,
    // ImageMagick and libvips play it 3 times, the "loop count 3" of the manifest.
    let data = support::read("gif/animated-loop-3.gif");
    let at = data.windows(11).position(|w| w == b"NETSCAPE2.0").unwrap();
    assert_eq!(data[at + 11..at + 15], [3, 1, 2, 0]);
    assert_eq!(probe(&data).unwrap().loop_count, Some(3));
}

#[test]
fn the_frame_flood_is_counted() {
    // 40,000 1x1 frames in 920 KB: one pass over the block headers (no decoding, nothing
    // allocated per frame); the planner's frame limit refuses it.
    let p = probe(&support::read("hostile/gif/uber.gif")).unwrap();
    assert_eq!((p.width, p.height, p.frames, p.loop_count), (1, 1, 40_000, Some(0)));
}

#[test]
fn hostile_gifs_are_answered_without_panicking() {
    let entries = support::entries("hostile/gif/");
    assert!(entries.len() >= 7, "{} hostile GIF rows", entries.len());
    for entry in &entries {
        let name = entry.file.rsplit('/').next().unwrap();
        let result = probe(&support::read(&entry.file));
        let size = result.as_ref().ok().map(|p| (p.width, p.height));
        match name {
            "uber.gif" => assert_eq!(size, entry.size),
            // The logical screen is what decoders compose onto (frames sticking out are
            // clipped); the manifest's sizes come from Pillow, which grows the canvas to cover
            // a frame: oob.gif's 16x16 frame at (24,24) on a 32x32 screen (manifest 40x40),
            // issue_1455's 16x16 frame on a 10x10 screen (manifest 16x16), issue-117's 256x513
            // frame on a 3x23850 screen (manifest 256x23850).
            "oob.gif" => assert_eq!(size, Some((32, 32))),
            "issue_1455_oversized.gif" => assert_eq!(size, Some((10, 10))),
            // One complete frame, then a stray 0x00 where a block should start: the frame seen.
            "gifrs_issue-117-out-of-range.gif" => {
                assert_eq!(size, Some((3, 23850)));
                assert_eq!(result.unwrap().frames, 1);
            }
            // 15 bytes: a screen of 70x70, then 0x0A where the first block should start.
            "zero-loop-count.gif" => {
                assert_eq!(result, Err(ProbeError::Malformed { what: "GIF block type is unknown" }))
            }
            // A logical screen of 185x0.
            "gifrs_issue-96-small-codesize.gif" => {
                assert_eq!(result, Err(ProbeError::Malformed { what: "GIF logical screen width or height is 0" }))
            }
            // The data ends inside the first frame's image data: no frame was seen whole.
            "gifrs_issue-101-infinite-empty-loop.gif" => {
                assert_eq!(result, Err(ProbeError::Truncated { what: "GIF image data" }))
            }
            // A file added to the corpus later: no panic, and a size reported as the header says.
            _ => {
                if let (Some(size), Some(expected)) = (size, entry.size) {
                    assert_eq!(size, expected, "{}", entry.file);
                }
            }
        }
    }
}
