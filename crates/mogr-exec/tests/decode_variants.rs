//! The variants the `image` crate gives up on, decoded by mogr's own code: an OS/2 2.x RLE24
//! BMP, a CCITT Group 3 fax TIFF, a CIELab TIFF, a YCbCr JPEG-in-TIFF and a 16-bit lossless
//! JPEG. Each is checked for its exact size and against pixels an independent program decoded
//! (`testdata/reference/decode/`, made by `make_references.py` there, which says how; large
//! pictures keep every 4th pixel of every 4th row). Then damaged copies: each must end in an
//! error or a picture of the plan's size, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use mogr_exec::decode::decode;
use mogr_exec::{ExecError, Frame, Picture};
use mogr_plan::syntax::parse;
use mogr_plan::{Limits, Plan, plan, probe};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/testimages/");
const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/reference/decode/");

/// The bytes of a corpus file.
fn read(file: &str) -> Vec<u8> {
    std::fs::read(Path::new(CORPUS).join(file)).unwrap_or_else(|e| panic!("reading {file}: {e}"))
}

/// Probes, plans with `rule` and decodes; the plan must be possible.
fn decode_with(data: &[u8], rule: &str) -> (Plan, Result<Picture, ExecError>) {
    let probe = probe(data).unwrap();
    let plan = plan(&parse(rule).unwrap(), &probe, &Limits::default()).unwrap();
    let picture = decode(data, &probe, &plan.input);
    (plan, picture)
}

/// The one frame of a corpus file decoded with `rule`, which must succeed.
fn frame(file: &str, rule: &str) -> Frame {
    let (_, picture) = decode_with(&read(file), rule);
    let mut picture = picture.unwrap_or_else(|e| panic!("{file}: {e}"));
    assert_eq!(picture.frames.len(), 1, "{file}");
    picture.frames.remove(0)
}

/// A reference picture as RGBA.
fn reference(name: &str) -> image::RgbaImage {
    image::open(Path::new(REFERENCE).join(name)).unwrap_or_else(|e| panic!("{name}: {e}")).to_rgba8()
}

/// The largest and the mean difference (levels, over R, G, B, A) between the frame's pixels
/// at multiples of `step` and the reference, which holds just those pixels.
fn difference(frame: &Frame, reference: &image::RgbaImage, step: u32) -> (u8, f64) {
    assert_eq!(
        (frame.width.div_ceil(step), frame.height.div_ceil(step)),
        reference.dimensions(),
        "the reference does not cover the frame"
    );
    let (mut largest, mut total, mut count) = (0u8, 0u64, 0u64);
    for (x, y, want) in reference.enumerate_pixels() {
        let got = frame.pixel(x * step, y * step).unwrap();
        for (g, w) in got.iter().zip(want.0) {
            largest = largest.max(g.abs_diff(w));
            total += u64::from(g.abs_diff(w));
            count += 1;
        }
    }
    (largest, total as f64 / count as f64)
}

const FULL_SIZE: &str = "imageMogr2/format/png";

#[test]
fn os2_rle24_bmp_is_bmp_suites_palette_picture() {
    // BMP Suite stores the same 8-bit palette picture as pal8rle.bmp in rgb24rle24.bmp (RLE24,
    // 64-byte OS/2 2.x header); the reference is ImageMagick's decode of pal8rle.bmp. ±0.
    let frame = frame("bmp/rgb24rle24.bmp", FULL_SIZE);
    assert_eq!((frame.width, frame.height), (127, 64));
    assert_eq!(difference(&frame, &reference("rgb24rle24.png"), 1), (0, 0.0));
}

#[test]
fn g3_fax_tiff_page_one_is_what_libtiff_decodes() {
    // Page 1 of 2: 2464x3248, CCITT Group 3 1-D, FillOrder 2, WhiteIsZero; reference:
    // ImageMagick through libtiff, every 4th pixel. ±0.
    let frame = frame("tiff/G31D_MULTI.tif", FULL_SIZE);
    assert_eq!((frame.width, frame.height), (2464, 3248));
    assert_eq!(difference(&frame, &reference("G31D_MULTI.png"), 4), (0, 0.0));
    // A page of text: mostly white, some black, nothing between.
    let black = frame.pixels.chunks_exact(4).filter(|p| p[0] == 0).count();
    assert!(frame.pixels.chunks_exact(4).all(|p| matches!(p, [0, 0, 0, 255] | [255, 255, 255, 255])));
    assert!(black > 10_000 && black < frame.pixels.len() / 4 / 4, "{black} black pixels");
}

#[test]
fn cielab_tiff_is_the_d50_bradford_formula() {
    // 400x266, 16-bit CIELab, LZW with a predictor; reference: libtiff's raw samples through
    // numpy's independent implementation of the formula in lab.rs, every 4th pixel. ±1.
    let frame = frame("tiff/cielab-dagams.tiff", FULL_SIZE);
    assert_eq!((frame.width, frame.height), (400, 266));
    let (largest, mean) = difference(&frame, &reference("cielab-dagams.png"), 4);
    assert!(largest <= 1 && mean < 0.01, "largest {largest}, mean {mean}");
}

#[test]
fn ycbcr_jpeg_tiff_is_what_libtiff_and_libjpeg_decode() {
    // 512x384, JPEG-compressed YCbCr (4:2:0) in 24 strips; reference: libtiff's tiff2rgba,
    // libjpeg converting, every 4th pixel. The tiff crate upsamples chroma otherwise than
    // libjpeg's "fancy" upsampling: ±6, mean under 0.5 (measured: 4 and 0.15).
    let frame = frame("tiff/ycbcr_jpeg_8bit.tif", FULL_SIZE);
    assert_eq!((frame.width, frame.height), (512, 384));
    let (largest, mean) = difference(&frame, &reference("ycbcr_jpeg_8bit.png"), 4);
    assert!(largest <= 6 && mean < 0.5, "largest {largest}, mean {mean}");
}

#[test]
fn lossless_16_bit_jpeg_is_what_jpeg_decoder_decodes() {
    // 256x256 grey, 16 bits, predictor 1; reference: the jpeg-decoder crate's samples rounded
    // to 8 bits (its samples lie in 1024..=1284, so the picture is near black; lossless.rs's
    // unit test checks all 16 bits against the same decode). ±0.
    let reference = reference("lossless_sof3_sel1.png");
    let full = frame("jpeg/lossless_sof3_sel1.jpg", FULL_SIZE);
    assert_eq!((full.width, full.height), (256, 256));
    assert_eq!(difference(&full, &reference, 1), (0, 0.0));
    // A 64x64 thumbnail plans a shrink-on-load of 4: each 4x4 block of the reference averaged.
    let (plan, shrunk) = decode_with(&read("jpeg/lossless_sof3_sel1.jpg"), "imageMogr2/thumbnail/64x64");
    assert_eq!(plan.input.shrink_on_load, 4);
    let shrunk = shrunk.unwrap().frames.remove(0);
    assert_eq!((shrunk.width, shrunk.height), (64, 64));
    for (x, y) in [(0, 0), (17, 40), (63, 63)] {
        let block: u32 = (0..16).map(|i| u32::from(reference.get_pixel(x * 4 + i % 4, y * 4 + i / 4).0[0])).sum();
        let mean = ((block + 8) / 16) as u8;
        assert_eq!(shrunk.pixel(x, y), Some([mean, mean, mean, 255]), "({x}, {y})");
    }
}

#[test]
fn twelve_bit_dct_jpeg_is_unsupported() {
    // A baseline JPEG relabelled as 12-bit extended DCT (SOF1, precision 12).
    let mut jpeg = read("jpeg/mozilla_jpg-size-33x33.jpg");
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    jpeg[sof + 1] = 0xC1;
    jpeg[sof + 4] = 12;
    match decode_with(&jpeg, FULL_SIZE).1 {
        Err(ExecError::Unsupported(message)) => assert!(message.contains("12-bit"), "{message}"),
        other => panic!("{other:?}"),
    }
}

/// Decodes prefixes of `data` (every `cut_step`-th length) and copies with one byte changed
/// at each of `changes`: each must be an error or a picture of the plan's size. Returns how
/// many failed with `Decode`.
fn damaged_copies_fail_cleanly(data: &[u8], cut_step: usize, changes: impl Iterator<Item = usize>) -> usize {
    let mut decode_errors = 0;
    let mut check = |copy: &[u8]| {
        let Ok(probe) = probe(copy) else { return };
        let Ok(plan) = plan(&parse(FULL_SIZE).unwrap(), &probe, &Limits::default()) else { return };
        match decode(copy, &probe, &plan.input) {
            Ok(picture) => {
                let size = (plan.input.decode_width, plan.input.decode_height);
                assert!(picture.frames.iter().all(|f| (f.width, f.height) == size));
            }
            Err(ExecError::Decode(_)) => decode_errors += 1,
            Err(ExecError::Unsupported(_)) => {}
            Err(other) => panic!("{other:?}"),
        }
    };
    for n in (0..data.len()).step_by(cut_step) {
        check(&data[..n]);
    }
    for at in changes.filter(|&at| at < data.len()) {
        for value in [0x00, 0x01, 0xFF] {
            let mut copy = data.to_vec();
            copy[at] = value;
            check(&copy);
        }
    }
    decode_errors
}

#[test]
fn damaged_rle24_bmps_fail_cleanly() {
    // Every cut of the RLE data (which starts at byte 78) before the last row's end-of-line
    // is a Decode error; the last two bytes are the end-of-bitmap code, which may be missing.
    let bmp = read("bmp/rgb24rle24.bmp");
    for n in 78..bmp.len() - 2 {
        let (_, result) = decode_with(&bmp[..n], FULL_SIZE);
        assert!(matches!(result, Err(ExecError::Decode(_))), "{n} bytes: {result:?}");
    }
    assert!(damaged_copies_fail_cleanly(&bmp, 7, (0..bmp.len()).step_by(7)) > 0);
}

#[test]
fn damaged_g3_tiffs_fail_cleanly() {
    let tiff = read("tiff/G31D_MULTI.tif");
    // The strip's byte count (StripByteCounts, LONG, at the end of the file) cut to 1000:
    // the data ends after a few rows.
    let count = [0x17, 0x01, 4, 0, 1, 0, 0, 0];
    let entry = tiff.windows(8).position(|w| w == count).unwrap();
    let mut cut = tiff.clone();
    cut[entry + 8..entry + 12].copy_from_slice(&1000u32.to_le_bytes());
    match decode_with(&cut, FULL_SIZE).1 {
        Err(ExecError::Decode(message)) => assert!(message.contains("row"), "{message}"),
        other => panic!("{other:?}"),
    }
    // Garbage in the middle of the strip, then everywhere.
    let mut garbage = tiff.clone();
    garbage[20_000..20_100].iter_mut().enumerate().for_each(|(i, v)| *v = (i * 73 % 256) as u8);
    assert!(matches!(decode_with(&garbage, FULL_SIZE).1, Err(ExecError::Decode(_))));
    // The values of IFD 0's 16 entries (which start at byte 125,566, 12 bytes each), and a
    // sample of the rest.
    let values = (0..16).flat_map(|i| (8..11).map(move |k| 125_566 + 12 * i + k));
    damaged_copies_fail_cleanly(&tiff, tiff.len(), values.chain((0..tiff.len()).step_by(9001)));
}

#[test]
fn damaged_lab_ycbcr_and_lossless_files_fail_cleanly() {
    // Every header byte changed (the markers of the JPEG, the IFD at the start of the CIELab
    // TIFF and at the end of the YCbCr one) and a sample of the rest; cuts all along.
    let jpeg = read("jpeg/lossless_sof3_sel1.jpg");
    assert!(damaged_copies_fail_cleanly(&jpeg, 499, (0..80).chain((80..jpeg.len()).step_by(997))) > 0);
    let ycbcr = read("tiff/ycbcr_jpeg_8bit.tif");
    damaged_copies_fail_cleanly(&ycbcr, 1999, (23_406..ycbcr.len()).step_by(7).chain((0..ycbcr.len()).step_by(1999)));
    let lab = read("tiff/cielab-dagams.tiff");
    assert!(damaged_copies_fail_cleanly(&lab, 49_999, (0..280).step_by(9).chain((0..lab.len()).step_by(49_999))) > 0);
}
