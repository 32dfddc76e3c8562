//! The HEIF/AVIF probe against every `heic/`, `avif/` and `hostile/heic/` file of the corpus
//! manifest, plus the cases the manifest calls out (double rotation, transforms, depths,
//! alpha, sequences).

mod support;

use mogr_plan::{ColorModel, ImageFormat, Orientation, Probe, ProbeError, probe};

/// The probe of a corpus file, which must succeed (a test helper: a failure is the test's).
#[allow(clippy::panic)]
fn probe_file(file: &str) -> Probe {
    probe(&support::read(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn every_heic_and_avif_file_matches_the_manifest() {
    let entries: Vec<_> = support::entries("heic/").into_iter().chain(support::entries("avif/")).collect();
    assert!(entries.len() >= 29, "{} entries", entries.len());
    for e in entries {
        let p = probe_file(&e.file);
        let expected_format = if e.file.starts_with("avif/") { ImageFormat::Avif } else { ImageFormat::Heif };
        assert_eq!(p.format, expected_format, "{}", e.file);
        // The manifest gives `ispe`; the probe's stored size is after the clean aperture.
        let size = match e.file.as_str() {
            "avif/kimono.crop.avif" => Some((385, 330)),
            "avif/kimono.mirror-vertical.rotate270.crop.avif" => Some((330, 385)),
            _ => e.size,
        };
        assert_eq!(Some((p.width, p.height)), size, "{}: stored size", e.file);

        // star-8bpc-with-alpha.avifs: the manifest gives no count, but its track has 5 samples
        // (stsz), like its 10-bit sibling.
        let frames = if e.file == "avif/star-8bpc-with-alpha.avifs" { Some(5) } else { e.frames };
        assert_eq!(p.frames, frames.unwrap_or(1), "{}: frames", e.file);

        let says = |what: &str| e.property.to_lowercase().contains(what);
        assert_eq!(p.has_alpha, says("alpha"), "{}: alpha", e.file);
        if says("icc profile") {
            assert!(p.has_icc, "{}: ICC", e.file);
        }
        // The manifest notes "EXIF Orientation=6" for the iPhone file, but HEIF's EXIF
        // orientation must never be applied (irot/imir are the display orientation): the
        // probe's orientation is upright for every HEIF/AVIF file.
        assert_eq!(p.orientation, Orientation::TopLeft, "{}: orientation", e.file);
    }
}

#[test]
fn the_iphone_photo_is_rotated_once() {
    let p = probe_file("heic/iphone_13_pro_max.heic");
    assert_eq!((p.format, p.width, p.height), (ImageFormat::Heif, 4032, 3024));
    // irot 3 (270° anti-clockwise) = 90° clockwise; the EXIF Orientation=6 is not added on top.
    assert_eq!(p.transform, Orientation::RightTop);
    assert_eq!(p.decoded_size(), (3024, 4032));
    assert_eq!(p.orientation, Orientation::TopLeft);
    assert!(p.has_exif && p.has_icc);
    // Its auxiliary image is an HDR gain map, not alpha.
    assert!(!p.has_alpha);
    assert_eq!((p.bit_depth, p.color), (8, ColorModel::Rgb));
}

#[test]
fn transforms_of_the_link_u_and_microsoft_samples() {
    let p = probe_file("avif/kimono.avif");
    assert_eq!((p.transform, p.decoded_size()), (Orientation::TopLeft, (722, 1024)));
    // link-u's README: "rotate90" is stored rotated 90° anti-clockwise and marked irot 3
    // (270° anti-clockwise = 90° clockwise) to be shown upright.
    let p = probe_file("avif/kimono.rotate90.avif");
    assert!(p.transform.swaps_sides());
    assert_eq!((p.width, p.height), (1024, 722));
    assert_eq!((p.transform, p.decoded_size()), (Orientation::RightTop, (722, 1024)));
    // "rotate270": irot 1, 90° anti-clockwise.
    let p = probe_file("avif/kimono.rotate270.avif");
    assert_eq!((p.transform, p.decoded_size()), (Orientation::LeftBottom, (722, 1024)));
    // "mirror-horizontal": imir axis 1. ISO/IEC 23008-12:2022, libavif and libheif read axis 1
    // as "left and right exchanged" (EXIF 2), axis 0 as "top and bottom exchanged" (EXIF 4);
    // the older reading of axis 0 as "a vertical axis" (left-right) would invert both.
    let p = probe_file("avif/kimono.mirror-horizontal.avif");
    assert!(p.transform.parts().0 && !p.transform.swaps_sides(), "{:?}", p.transform);
    assert_eq!((p.transform, p.decoded_size()), (Orientation::TopRight, (722, 1024)));
    // Stored "mirrored vertically, then rotated 90° clockwise" (a transpose); ipma order clap,
    // irot 1, imir 0 undoes it: rotate 90° anti-clockwise, then exchange top and bottom, which
    // is the transpose again. (With imir 0 read as left-right, the picture would come out
    // upside down: link-u's samples confirm the 2022 reading.)
    let p = probe_file("avif/kimono.mirror-vertical.rotate270.crop.avif");
    assert_eq!(p.transform, Orientation::LeftBottom.then(Orientation::BottomLeft));
    assert_eq!(p.transform, Orientation::LeftTop);
    // Its clap (330x385 of the stored 1024x722, before the turn) shows 385x330; the stored
    // left edge falls at 39, the top at 271.5, which libheif rounds to 272.
    assert_eq!(p.decoded_size(), (385, 330));
    assert_eq!(p.aperture_origin, Some((39, 272)));
    // clap 385x330 centred (103, -308) from the middle of 722x1024: columns 271..=655, rows
    // 39..=368, as libheif crops.
    let p = probe_file("avif/kimono.crop.avif");
    assert_eq!((p.width, p.height, p.transform), (385, 330, Orientation::TopLeft));
    assert_eq!(p.aperture_origin, Some((271, 39)));
    assert_eq!(probe_file("avif/kimono.avif").aperture_origin, None);
    let p = probe_file("avif/ms_Ronda_rotate90.avif");
    assert_eq!((p.width, p.height), (1920, 1080));
    assert_eq!(p.decoded_size(), (1080, 1920));
}

#[test]
fn depths_and_monochrome() {
    for (file, depth, color) in [
        ("avif/fox.profile0.8bpc.yuv420.avif", 8, ColorModel::Rgb),
        ("avif/fox.profile0.10bpc.yuv420.avif", 10, ColorModel::Rgb),
        ("avif/fox.profile2.12bpc.yuv422.avif", 12, ColorModel::Rgb),
        ("avif/fox.profile1.8bpc.yuv444.avif", 8, ColorModel::Rgb),
        ("avif/fox.profile0.8bpc.yuv420.monochrome.avif", 8, ColorModel::Gray),
        ("avif/plum-blossom-large.profile0.10bpc.yuv420.alpha-full.avif", 10, ColorModel::Rgb),
        ("avif/star-10bpc.avifs", 10, ColorModel::Rgb),
    ] {
        let p = probe_file(file);
        assert_eq!((p.bit_depth, p.color), (depth, color), "{file}");
    }
}

#[test]
fn alpha_auxiliaries() {
    for file in [
        "heic/colors-with-alpha.heic",
        "avif/ms_bbb_alpha_inverted.avif",
        "avif/star-8bpc-with-alpha.avifs",
        "avif/plum-blossom-small.profile0.8bpc.yuv420.alpha-full.avif",
    ] {
        assert!(probe_file(file).has_alpha, "{file}");
    }
    // A thumbnail is not an alpha plane.
    assert!(!probe_file("heic/colors-no-alpha-thumbnail.heic").has_alpha);
    assert!(!probe_file("avif/ms_Tomsk_with_thumbnails.avif").has_alpha);
}

#[test]
fn non_conformant_plum_blossoms_are_read_leniently() {
    // One ipma box per item (ISO/IEC 23008-12 allows one in all): libavif refuses these,
    // libheif merges the boxes, and so does the probe (the decoder decides later).
    for (file, side) in [
        ("avif/plum-blossom-small.profile0.8bpc.yuv420.alpha-full.avif", 128),
        ("avif/plum-blossom-small.profile0.8bpc.yuv420.alpha-limited.avif", 128),
        ("avif/plum-blossom-large.profile0.10bpc.yuv420.alpha-full.avif", 2048),
    ] {
        let p = probe_file(file);
        assert_eq!((p.width, p.height, p.has_alpha), (side, side, true), "{file}");
    }
}

#[test]
fn sequences() {
    let p = probe_file("avif/star-10bpc.avifs");
    assert_eq!((p.format, p.width, p.height, p.frames), (ImageFormat::Avif, 159, 159, 5));
    assert!(p.is_animated());
    // Its edit list has no repeat flag: it plays once.
    assert_eq!(p.loop_count, Some(1));
    let p = probe_file("avif/star-8bpc-with-alpha.avifs");
    assert_eq!((p.frames, p.has_alpha, p.bit_depth), (5, true, 8));
    // No edit list: the file does not say.
    assert_eq!(p.loop_count, None);
}

#[test]
fn exif_items() {
    assert!(probe_file("avif/ms_Irvine_CA.avif").has_exif);
    assert!(probe_file("heic/iphone_13_pro_max.heic").has_exif);
    assert!(!probe_file("avif/kimono.avif").has_exif);
}

#[test]
fn hostile_heic_files_are_refused_or_read_without_panicking() {
    let entries = support::entries("hostile/heic/");
    assert!(entries.len() >= 7, "{} entries", entries.len());
    for e in entries {
        let data = support::read(&e.file);
        let result = probe(&data);
        if let Some(size) = e.size {
            let p = result.unwrap_or_else(|err| panic!("{}: {err}", e.file));
            assert_eq!((p.width, p.height), size, "{}", e.file);
        }
        // Every prefix and every cut of a hostile file is also harmless.
        for end in (0..data.len()).step_by(97) {
            let _ = probe(&data[..end]);
        }
    }
    // The OSS-Fuzz case: the display size is after irot.
    let p = probe(&support::read("hostile/heic/clusterfuzz-testcase-minimized-file-fuzzer-5752063708495872.heic"))
        .expect("clusterfuzz case");
    assert_eq!(p.decoded_size(), (240, 320));
    assert!(p.has_icc);
    // A 16-byte stub whose first box claims 2^63 bytes.
    assert!(probe(&support::read("hostile/heic/github_15.heic")).is_err());
}

#[test]
fn a_plain_mp4_is_not_an_image() {
    let mut mp4 = Vec::new();
    mp4.extend(24u32.to_be_bytes());
    mp4.extend(b"ftypisom\0\0\x02\0isommp42");
    mp4.extend(8u32.to_be_bytes());
    mp4.extend(b"moov");
    assert_eq!(probe(&mp4), Err(ProbeError::UnsupportedFormat));
}
