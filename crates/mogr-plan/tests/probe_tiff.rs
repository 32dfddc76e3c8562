//! Every TIFF of the corpus (`tiff/`, and the reference TIFF among the WebP test data) probes
//! to what the manifest says of it; the hostile TIFFs (`hostile/tiff/`) never panic and report
//! the size the manifest gives.

mod support;

use mogr_plan::{ColorModel, ImageFormat, Orientation, probe};

/// The orientation the property states as "EXIF Orientation=N".
fn orientation_in(property: &str) -> Option<Orientation> {
    let digits = property.split("EXIF Orientation=").nth(1)?;
    Orientation::from_exif(digits.chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok()?)
}

/// The bits per sample the property states as "N-bit" (e.g. "16-bit RGB", "32-bit float").
fn bits_in(property: &str) -> Option<u8> {
    property.split([' ', ';', ',']).find_map(|w| w.strip_suffix("-bit")?.parse().ok())
}

/// The colour model the manifest's format column implies.
fn color_of(format: &str) -> Option<ColorModel> {
    if format.contains("CMYK") {
        Some(ColorModel::Cmyk)
    } else if format.contains("IsZero") {
        Some(ColorModel::Gray)
    } else if format.contains("RGB") || format.contains("YCbCr") || format.contains("CIELab") {
        // YCbCr and CIELab decode to RGB.
        Some(ColorModel::Rgb)
    } else {
        None
    }
}

#[test]
fn every_corpus_tiff_matches_the_manifest() {
    let mut entries = support::entries("tiff/");
    entries.extend(
        support::manifest().into_iter().filter(|e| {
            e.format.starts_with("TIFF") && !e.file.starts_with("tiff/") && !e.file.starts_with("hostile/")
        }),
    );
    assert!(entries.len() >= 12, "{} TIFF rows", entries.len());
    for e in entries {
        let data = support::read(&e.file);
        let p = probe(&data).unwrap_or_else(|err| panic!("{}: {err}", e.file));
        let f = &e.file;
        assert_eq!(p.format, ImageFormat::Tiff, "{f}");
        assert_eq!(Some((p.width, p.height)), e.size, "{f}");
        // mogr processes the first page of a TIFF: `G31D_MULTI.tif` ("multi-page TIFF
        // (2 pages)") is one frame.
        assert_eq!(p.frames, e.frames.unwrap_or(1), "{f}");
        assert_eq!(p.frames, 1, "{f}");
        if e.property.contains("alpha") {
            assert!(p.has_alpha, "{f}: alpha");
        }
        if e.property.contains("ICC profile") {
            assert!(p.has_icc, "{f}: ICC");
        }
        assert_eq!(p.orientation, orientation_in(&e.property).unwrap_or_default(), "{f}");
        if let Some(bits) = bits_in(&e.property) {
            assert_eq!(p.bit_depth, bits, "{f}");
        }
        if let Some(color) = color_of(&e.format) {
            assert_eq!(p.color, color, "{f}");
        }
    }
}

#[test]
fn exif_means_an_exif_ifd() {
    // The CIELab sample carries an EXIF IFD pointer (tag 34665).
    assert!(probe(&support::read("tiff/cielab-dagams.tiff")).unwrap().has_exif);
    // The manifest calls `Arbitro_exif.tiff` "TIFF with EXIF", but its IFD0 has no EXIF IFD
    // pointer: what exiftool lists as EXIF there are TIFF's own IFD0 tags (Orientation=1,
    // ExtraSamples, an XMP packet), so no EXIF block is present.
    let p = probe(&support::read("tiff/Arbitro_exif.tiff")).unwrap();
    assert!(!p.has_exif);
    assert_eq!((p.bit_depth, p.has_alpha), (8, true));
}

#[test]
fn hostile_tiffs_never_panic_and_report_their_size() {
    let entries = support::entries("hostile/tiff/");
    assert!(!entries.is_empty());
    for e in entries {
        let data = support::read(&e.file);
        let result = probe(&data);
        // Both have intact IFD0s; what is broken lies in the strips.
        if let Some(size) = e.size {
            let p = result.unwrap_or_else(|err| panic!("{}: {err}", e.file));
            assert_eq!((p.width, p.height), size, "{}", e.file);
        }
        for end in 0..data.len().min(256) {
            let _ = probe(&data[..end]);
        }
    }
    let p = probe(&support::read("hostile/tiff/cmyk_u8_trunc_case.tif")).unwrap();
    assert_eq!(p.color, ColorModel::Cmyk);
}

#[test]
fn mutated_headers_never_panic() {
    support::probe_mutants(&["tiff/", "hostile/tiff/"]);
}
