//! The JPEG probe against the corpus: every `jpeg/` and `exif-orientation/` file must probe to
//! what the manifest says, and every `hostile/jpeg/` file must give an answer, not a panic.
//!
//! Run with `--nocapture` to see the estimated quality of each file.

mod support;

use mogr_plan::probe::{ColorModel, ImageFormat, Orientation, ProbeError, probe};

/// The orientation the property column gives as `EXIF Orientation=N`, else upright.
fn manifest_orientation(property: &str) -> Orientation {
    property
        .split("EXIF Orientation=")
        .nth(1)
        .and_then(|rest| rest.get(..1)?.parse().ok())
        .and_then(Orientation::from_exif)
        .unwrap_or(Orientation::TopLeft)
}

/// Whether the property column says the file has an ICC profile ("CMYK JPEG without ICC
/// profile" says it has none).
fn says_icc(property: &str) -> bool {
    property.contains("ICC profile") && !property.contains("without ICC profile")
}

#[test]
fn every_corpus_jpeg_matches_the_manifest() {
    let entries: Vec<_> = ["jpeg/", "exif-orientation/"].into_iter().flat_map(support::entries).collect();
    assert!(entries.len() >= 38, "{} entries", entries.len());
    for e in entries {
        let data = support::read(&e.file);
        let p = probe(&data).unwrap_or_else(|err| panic!("{}: {err}", e.file));
        println!("{:<55} {:>5}x{:<5} quality {:?}", e.file, p.width, p.height, p.jpeg_quality);
        assert_eq!(p.format, ImageFormat::Jpeg, "{}", e.file);
        assert_eq!(Some((p.width, p.height)), e.size, "{}", e.file);
        assert_eq!(p.frames, e.frames.unwrap_or(1), "{}", e.file);
        assert!(!p.has_alpha, "{}", e.file);
        // The manifest names "ICC profile" for every file that has one, so both ways hold.
        assert_eq!(p.has_icc, says_icc(&e.property), "{}", e.file);
        assert_eq!(p.orientation, manifest_orientation(&e.property), "{}", e.file);
        assert_eq!(p.progressive, e.format.contains("progressive"), "{}", e.file);
        let color = if e.format.contains("grey") {
            ColorModel::Gray
        } else if e.format.contains("CMYK") {
            ColorModel::Cmyk
        } else {
            ColorModel::Rgb
        };
        assert_eq!(p.color, color, "{}", e.file);
        assert_eq!(p.bit_depth, if e.format.contains("16-bit") { 16 } else { 8 }, "{}", e.file);
        // Lossless JPEG has no quantisation tables; every other corpus file has them.
        assert_eq!(p.jpeg_quality.is_none(), e.format.contains("lossless"), "{}", e.file);
        // Files whose EXIF is named in the manifest carry it, except exif-xmp-metadata.jpg:
        // despite its upstream name its only APP1 is XMP (no `Exif\0\0` segment anywhere in
        // the file), so `has_exif` is rightly false there.
        let named_exif = e.property.contains("EXIF") && !e.property.contains("no Orientation");
        if e.file == "jpeg/exif-xmp-metadata.jpg" {
            assert!(!p.has_exif);
        } else if named_exif {
            assert!(p.has_exif, "{}", e.file);
        }
    }
}

#[test]
fn camera_and_encoder_qualities_are_plausible() {
    let quality = |file: &str| probe(&support::read(file)).unwrap().jpeg_quality.unwrap();
    // Olympus firmware tables (not libjpeg's, about 0.15 × Annex K, i.e. a libjpeg scale of
    // 15-16 %): 92 by least squares; ImageMagick's estimate for such tables is 92-93 too.
    let olympus = quality("jpeg/olympus_E-P3_12MP.jpg");
    assert!((88..=96).contains(&olympus), "olympus {olympus}");
    // sharp's giant-image fixture stores all-255 tables: the coarsest setting.
    assert_eq!(quality("hostile/jpeg/giant-image_20000x14000.jpg"), 1);
    // Files whose tables are exactly libjpeg's for some setting (checked coefficient by
    // coefficient against the scaled Annex K tables): that setting comes back.
    for (file, q) in [
        ("jpeg/Canon_40D_small.jpg", 65),
        ("jpeg/DSCN0010_gps.jpg", 84),
        ("exif-orientation/Landscape_0.jpg", 73),
        ("jpeg/progressive_cat.jpg", 85),
        ("jpeg/concert_gray.jpg", 90),
        ("jpeg/ultrahdr_gain-map.jpg", 97),
        ("jpeg/cmyk/mozilla_jpg-cmyk-2.jpg", 85),
        ("jpeg/mozilla_jpg-gray.jpg", 100),
        ("hostile/jpeg/lottapixel.jpg", 93),
    ] {
        assert_eq!(quality(file), q, "{file}");
    }
}

#[test]
fn hostile_jpegs_give_an_answer() {
    let entries = support::entries("hostile/jpeg/");
    assert!(entries.len() >= 20, "{} entries", entries.len());
    for e in entries {
        let data = support::read(&e.file);
        let result = probe(&data);
        println!("{:<60} {:?}", e.file, result.as_ref().map(|p| (p.width, p.height, p.jpeg_quality)));
        match e.size {
            // A side of 0 (jd_null_height: width 0; jd_invalid-dimensions: height 0).
            Some((w, h)) if w == 0 || h == 0 => {
                assert!(matches!(result, Err(ProbeError::Malformed { .. })), "{}: {result:?}", e.file)
            }
            // Whatever the size, the probe reports it: refusing it is the planner's job.
            Some(size) => {
                let p = result.unwrap_or_else(|err| panic!("{}: {err}", e.file));
                assert_eq!((p.width, p.height), size, "{}", e.file);
                assert_eq!(p.has_icc, says_icc(&e.property), "{}", e.file);
            }
            None => assert!(result.is_err(), "{}: {result:?}", e.file),
        }
    }
}

#[test]
fn the_named_hostile_cases() {
    let size = |file: &str| probe(&support::read(file)).map(|p| (p.width, p.height));
    assert_eq!(size("hostile/jpeg/lottapixel.jpg"), Ok((64250, 64250)));
    assert_eq!(size("hostile/jpeg/jd_max_size.jpg"), Ok((65535, 65535)));
    assert!(size("hostile/jpeg/jd_empty.jpg").is_err());
    // Cut after 10000 bytes, but the headers are complete.
    assert_eq!(size("hostile/jpeg/truncated.jpg"), Ok((2725, 2225)));
    // Ends after the SOF, with no SOS: the size is known.
    assert_eq!(size("hostile/jpeg/jd_missing-sos.jpg"), Ok((8, 8)));
    // Zero bytes between the ICC profile and the SOF, skipped as libjpeg does.
    assert_eq!(size("hostile/jpeg/jd_derive-huffman-codes-overflow.jpg"), Ok((1160, 1068)));
    // An APP14 declaring 12336 bytes in an 8-byte file.
    assert!(matches!(size("hostile/jpeg/jd_missing-sof.jpg"), Err(ProbeError::Truncated { .. })));
}

#[test]
fn every_prefix_of_a_corpus_file_is_an_answer() {
    // A real header layout (EXIF, ICC, two DQT, SOF, four DHT): cut at every byte up to
    // the scan, each prefix must give Ok or Err.
    let data = support::read("jpeg/Canon_40D_small.jpg");
    for n in 0..7000.min(data.len()) {
        let _ = probe(&data[..n]);
    }
}
