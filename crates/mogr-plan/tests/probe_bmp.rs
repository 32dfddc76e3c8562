//! The BMP probe against the shared corpus: every `bmp/` file of the manifest (all DIB header
//! variants), every `hostile/bmp/` file, and the hostile ICO through the public `probe`.

mod support;

use mogr_plan::{ColorModel, ProbeError, probe};

/// The bit count of a format column such as `BMP Windows 3.x 24bpp`.
fn bit_count(format: &str) -> Option<u16> {
    format.split_whitespace().find_map(|word| word.strip_suffix("bpp")?.parse().ok())
}

#[test]
fn every_bmp_in_the_manifest_probes_as_the_manifest_says() {
    let entries = support::entries("bmp/");
    assert!(entries.len() >= 15, "{} BMP rows", entries.len());
    for entry in &entries {
        let what = &entry.file;
        let p = probe(&support::read(what)).unwrap_or_else(|e| panic!("{what}: {e}"));
        // rgb24rle24.bmp (OS/2 2.x, 64-byte header) says width 127, height 64 in its header;
        // the manifest's 127x0 is its tool's misreading (its file-size field is also wrong: 78).
        let size = if what.ends_with("rgb24rle24.bmp") { Some((127, 64)) } else { entry.size };
        assert_eq!(Some((p.width, p.height)), size, "{what}: size");
        assert_eq!(p.frames, 1, "{what}: frames");
        let bits = bit_count(&entry.format).unwrap();
        if bits <= 8 {
            assert_eq!((p.color, u16::from(p.bit_depth)), (ColorModel::Indexed, bits), "{what}");
        } else {
            assert_eq!((p.color, p.bit_depth), (ColorModel::Rgb, 8), "{what}");
        }
        // Only rgba32.bmp (BI_BITFIELDS, alpha mask 0x00FF0000) has alpha. V5_A8_R8_G8_B8_Rgb.bmp
        // is BI_RGB: its header's alpha mask is unused and its fourth byte is reserved.
        assert_eq!(p.has_alpha, entry.property.contains("alpha"), "{what}: alpha");
        assert_eq!(p.has_icc, entry.property.contains("ICC"), "{what}: ICC");
        assert!(!p.has_exif && !p.progressive && p.loop_count.is_none(), "{what}");
    }
}

#[test]
fn every_header_variant_of_the_corpus_is_read() {
    // (file, DIB header size): core 12, OS/2 2.x 64, info 40, V5 124.
    for (file, header_size) in [
        ("bmp/Core_8_Bit.bmp", 12),
        ("bmp/pal8os2sp.bmp", 12),
        ("bmp/rgb24rle24.bmp", 64),
        ("bmp/rgb24.bmp", 40),
        ("bmp/rgba32.bmp", 124),
        ("bmp/rgb24prof.bmp", 124),
    ] {
        let data = support::read(file);
        assert_eq!(u32::from_le_bytes(data[14..18].try_into().unwrap()), header_size, "{file}");
        assert!(probe(&data).is_ok(), "{file}");
    }
    // Top-down: the stored height is negative, the probe reports its absolute value.
    let data = support::read("bmp/Info_R8_G8_B8_Top_Down.bmp");
    assert_eq!(i32::from_le_bytes(data[22..26].try_into().unwrap()), -6);
    assert_eq!(probe(&data).unwrap().height, 6);
}

#[test]
fn hostile_bmps_are_answered_without_panicking() {
    let entries = support::entries("hostile/bmp/");
    assert!(entries.len() >= 8, "{} hostile BMP rows", entries.len());
    for entry in &entries {
        let name = entry.file.rsplit('/').next().unwrap();
        let result = probe(&support::read(&entry.file));
        match name {
            // Huge declared sizes are reported as they are: refusing them is the planner's job.
            // Bad_shortfile and rle_overflow have sound headers and broken pixel data.
            "Bad_reallybig.bmp" | "Bad_height.bmp" | "Bad_width.bmp" | "Bad_shortfile.bmp" | "rle_overflow.bmp" => {
                let p = result.unwrap_or_else(|e| panic!("{}: {e}", entry.file));
                assert_eq!(Some((p.width, p.height)), entry.size, "{}", entry.file);
            }
            // Bit counts 30000 and 40.
            "Bad_badbitcount.bmp" | "bmp-invalid-bpp.bmp" => {
                assert_eq!(result, Err(ProbeError::Malformed { what: "BMP bit count is invalid" }), "{name}")
            }
            // 4,278,190,086 palette colours for an 8-bit image.
            "Bad_clrsUsed.bmp" => assert_eq!(
                result,
                Err(ProbeError::Malformed { what: "BMP palette has more colours than the bit count indexes" })
            ),
            // A file added to the corpus later: no panic, and a size reported as the header says.
            _ => {
                if let (Ok(p), Some(size)) = (&result, entry.size) {
                    assert_eq!((p.width, p.height), size, "{}", entry.file);
                }
            }
        }
    }
}

#[test]
fn hostile_ico_is_not_taken_for_a_bmp() {
    // ICO is not a format mogr reads; its embedded BMP/PNG images must not confuse the sniffer.
    for entry in support::entries("hostile/ico/") {
        assert_eq!(probe(&support::read(&entry.file)), Err(ProbeError::UnsupportedFormat), "{}", entry.file);
    }
}
