//! The encoders, checked by decoding what they write with independent decoders (the `image`
//! crate for PNG, BMP, GIF and WebP; libjpeg-turbo for JPEG) and by reading the containers'
//! markers and chunks byte by byte.
//!
//! Pictures are built here (gradients, noise, transparency, a palette of 200 colours) or
//! decoded from small corpus files (`webp/gallery1_1.webp`, a real photo, cropped to
//! 256×192; `gif/dancing-banana.gif`; PngSuite; BMP test files). Tolerances are stated per
//! case: lossless formats bit-exact, GIF exact under 257 colours, JPEG and WebP by PSNR.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mogr_plan::syntax::ast::Rgb;
use std::io::Cursor;
use std::sync::OnceLock;

use image::codecs::gif::GifDecoder;
use image::codecs::png::PngDecoder;
use image::codecs::webp::WebPDecoder;
use image::{AnimationDecoder, ImageDecoder};
use mogr_exec::encode::{encode, encode_within, fit_quality};
use mogr_exec::plan::OutputFormat;
use mogr_exec::plan::plan::{OutputPlan, SizeLimitPlan};
use mogr_exec::{EncodeOptions, ExecError, Frame, Metadata, Picture};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/testimages/");

// ---------------------------------------------------------------------------------------
// Pictures
// ---------------------------------------------------------------------------------------

/// The plan of an output of `frames` frames of `width`×`height`, quality 85.
fn output(format: OutputFormat, width: u32, height: u32, frames: u32) -> OutputPlan {
    OutputPlan {
        format,
        width,
        height,
        frames,
        quality: Some(85),
        lossless: false,
        progressive: false,
        strip: false,
        size_limit: None,
        background: Rgb { r: 255, g: 255, b: 255 },
        report: None,
    }
}

/// The plan for a still picture at `quality`.
fn still_output(format: OutputFormat, picture: &Picture, quality: u8) -> OutputPlan {
    let (w, h) = picture.size();
    OutputPlan { quality: Some(quality), ..output(format, w, h, 1) }
}

/// A frame whose pixels are `f(x, y)`.
fn frame_from(width: u32, height: u32, f: impl Fn(u32, u32) -> [u8; 4]) -> Frame {
    let f = &f;
    let pixels = (0..height).flat_map(|y| (0..width).flat_map(move |x| f(x, y))).collect();
    Frame::from_pixels(width, height, pixels).unwrap()
}

/// An opaque colour gradient.
fn gradient(width: u32, height: u32) -> Frame {
    frame_from(width, height, |x, y| [(x * 255 / width) as u8, (y * 255 / height) as u8, ((x + y) % 256) as u8, 255])
}

/// Pseudo-random bytes (xorshift), the same for the same seed.
fn noise_bytes(len: usize, mut seed: u32) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            (seed >> 24) as u8
        })
        .collect()
}

/// Noise in every channel, alpha included (every alpha value occurs).
fn noise_with_alpha(width: u32, height: u32, seed: u32) -> Frame {
    Frame::from_pixels(width, height, noise_bytes((width * height * 4) as usize, seed)).unwrap()
}

/// A still picture without metadata.
fn still(frame: Frame) -> Picture {
    Picture::still(frame, Metadata::default())
}

/// A 256×192 crop of a real photo (WebP gallery image 1, decoded by the `image` crate once).
fn photo() -> Frame {
    static PHOTO: OnceLock<Frame> = OnceLock::new();
    PHOTO.get_or_init(decode_photo).clone()
}

/// Decodes and crops the photo.
fn decode_photo() -> Frame {
    let bytes = std::fs::read(format!("{CORPUS}webp/gallery1_1.webp")).unwrap();
    let image = image::load_from_memory(&bytes).unwrap().to_rgba8();
    let crop = image::imageops::crop_imm(&image, 150, 100, 256, 192).to_image();
    Frame::from_pixels(256, 192, crop.into_raw()).unwrap()
}

/// A corpus file decoded to one RGBA frame by the `image` crate.
fn corpus_frame(path: &str) -> Frame {
    let bytes = std::fs::read(format!("{CORPUS}{path}")).unwrap();
    let image = image::load_from_memory(&bytes).unwrap().to_rgba8();
    let (w, h) = image.dimensions();
    Frame::from_pixels(w, h, image.into_raw()).unwrap()
}

/// A minimal little-endian EXIF TIFF: one IFD with Orientation = 1.
fn exif_block() -> Vec<u8> {
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    tiff.extend_from_slice(&[1, 0]); // one entry
    tiff.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0]); // 0x0112 SHORT 1 = 1
    tiff.extend_from_slice(&[0, 0, 0, 0]); // no next IFD
    tiff
}

/// A real RGB ICC profile (Display P3, from a corpus PNG).
fn rgb_icc() -> Vec<u8> {
    let bytes = std::fs::read(format!("{CORPUS}png/display-p3.png")).unwrap();
    let mut decoder = PngDecoder::new(Cursor::new(bytes)).unwrap();
    let icc = decoder.icc_profile().unwrap().unwrap();
    assert_eq!(&icc[16..20], b"RGB ");
    icc
}

/// A fake profile of `len` bytes whose header says colour space `space`.
fn fake_icc(len: usize, space: &[u8; 4]) -> Vec<u8> {
    let mut icc = noise_bytes(len, 99);
    icc[16..20].copy_from_slice(space);
    icc
}

/// An XMP packet.
const XMP: &[u8] = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF/></x:xmpmeta>";

/// All three metadata blocks.
fn full_metadata(icc: Vec<u8>) -> Metadata {
    Metadata { exif: Some(exif_block()), icc: Some(icc), xmp: Some(XMP.to_vec()) }
}

// ---------------------------------------------------------------------------------------
// Decoding and measuring
// ---------------------------------------------------------------------------------------

/// Decodes PNG, GIF, BMP or WebP with the `image` crate to RGBA8.
fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let image = image::load_from_memory(bytes).unwrap().to_rgba8();
    let (w, h) = image.dimensions();
    (w, h, image.into_raw())
}

/// Decodes a JPEG with libjpeg-turbo to RGBA8.
#[cfg(feature = "jpeg-turbo")]
fn decode_jpeg(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let image = turbojpeg::decompress(bytes, turbojpeg::PixelFormat::RGBA).unwrap();
    assert_eq!(image.pitch, image.width * 4);
    (image.width as u32, image.height as u32, image.pixels)
}

/// Decodes a JPEG with the `image` crate (zune-jpeg) to RGBA8, in builds without libjpeg-turbo.
#[cfg(not(feature = "jpeg-turbo"))]
fn decode_jpeg(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    decode(bytes)
}

/// PSNR in dB over the colour channels of two RGBA buffers.
fn psnr(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    let (sum, count) = a
        .chunks_exact(4)
        .zip(b.chunks_exact(4))
        .flat_map(|(p, q)| (0..3).map(move |c| f64::from(p[c]) - f64::from(q[c])))
        .fold((0.0, 0usize), |(s, n), d| (s + d * d, n + 1));
    let mse = sum / count as f64;
    10.0 * (255.0 * 255.0 / mse).log10()
}

/// The segments of a JPEG up to SOS: (marker, payload).
fn jpeg_segments(jpeg: &[u8]) -> Vec<(u8, Vec<u8>)> {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "SOI");
    let mut out = Vec::new();
    let mut at = 2;
    loop {
        assert_eq!(jpeg[at], 0xFF, "a marker at {at}");
        let marker = jpeg[at + 1];
        let len = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        out.push((marker, jpeg[at + 4..at + 2 + len].to_vec()));
        if marker == 0xDA {
            return out;
        }
        at += 2 + len;
    }
}

/// The payloads of the JPEG segments with `marker` whose payload starts with `id`, the id
/// removed.
fn app_payloads(jpeg: &[u8], marker: u8, id: &[u8]) -> Vec<Vec<u8>> {
    jpeg_segments(jpeg)
        .into_iter()
        .filter(|(m, p)| *m == marker && p.starts_with(id))
        .map(|(_, p)| p[id.len()..].to_vec())
        .collect()
}

/// The chunks of a PNG: (type, data).
fn png_chunks(png: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let mut out = Vec::new();
    let mut at = 8;
    while at < png.len() {
        let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
        let kind: [u8; 4] = png[at + 4..at + 8].try_into().unwrap();
        out.push((kind, png[at + 8..at + 8 + len].to_vec()));
        at += 12 + len;
    }
    out
}

/// The chunks of a WebP: (FourCC, payload).
#[cfg(feature = "webp")]
fn riff_chunks(webp: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
    assert_eq!(&webp[..4], b"RIFF");
    assert_eq!(&webp[8..12], b"WEBP");
    assert_eq!(u32::from_le_bytes(webp[4..8].try_into().unwrap()) as usize, webp.len() - 8);
    let mut out = Vec::new();
    let mut at = 12;
    while at < webp.len() {
        let kind: [u8; 4] = webp[at..at + 4].try_into().unwrap();
        let len = u32::from_le_bytes(webp[at + 4..at + 8].try_into().unwrap()) as usize;
        out.push((kind, webp[at + 8..at + 8 + len].to_vec()));
        at += 8 + len + (len & 1);
    }
    out
}

/// The FourCCs of a WebP's chunks.
#[cfg(feature = "webp")]
fn fourccs(webp: &[u8]) -> Vec<String> {
    riff_chunks(webp).iter().map(|(k, _)| String::from_utf8_lossy(k).into_owned()).collect()
}

/// The loop count stored in a GIF's NETSCAPE2.0 block, if it has one.
fn netscape_loops(gif: &[u8]) -> Option<u16> {
    let at = gif.windows(11).position(|w| w == b"NETSCAPE2.0")?;
    // 0x03 (sub-block size), 0x01 (loop sub-block id), count (little-endian).
    assert_eq!(&gif[at + 11..at + 13], &[3, 1]);
    Some(u16::from_le_bytes([gif[at + 13], gif[at + 14]]))
}

/// Frames of an animated GIF or WebP: (delay in ms, RGBA pixels).
fn animation_frames(bytes: &[u8]) -> Vec<(u32, Vec<u8>)> {
    let frames = if bytes.starts_with(b"GIF") {
        GifDecoder::new(Cursor::new(bytes)).unwrap().into_frames().collect_frames().unwrap()
    } else {
        WebPDecoder::new(Cursor::new(bytes)).unwrap().into_frames().collect_frames().unwrap()
    };
    frames
        .into_iter()
        .map(|f| {
            let (numer, denom) = f.delay().numer_denom_ms();
            assert_eq!(numer % denom, 0, "a whole number of milliseconds");
            (numer / denom, f.into_buffer().into_raw())
        })
        .collect()
}

/// The loop count of an animated WebP's ANIM chunk.
#[cfg(feature = "webp")]
fn anim_loops(webp: &[u8]) -> u16 {
    let (_, anim) = riff_chunks(webp).into_iter().find(|(k, _)| k == b"ANIM").unwrap();
    u16::from_le_bytes([anim[4], anim[5]])
}

/// An animation of distinct frames (a bar moving across a gradient) with these delays.
fn animation(delays: &[u32], loop_count: Option<u32>) -> Picture {
    let frames = delays
        .iter()
        .enumerate()
        .map(|(i, &delay_ms)| {
            let bar = i as u32 * 8;
            let mut frame = frame_from(48, 32, |x, y| {
                if (bar..bar + 8).contains(&x) {
                    [255, 0, 0, 255]
                } else {
                    [(x / 8 * 40) as u8, (y / 8 * 60) as u8, 90, 255]
                }
            });
            frame.delay_ms = delay_ms;
            frame
        })
        .collect();
    Picture { frames, loop_count, metadata: Metadata::default() }
}

/// The output plan of an animation.
fn animation_output(format: OutputFormat, picture: &Picture) -> OutputPlan {
    let (w, h) = picture.size();
    output(format, w, h, picture.frames.len() as u32)
}

// ---------------------------------------------------------------------------------------
// PNG and BMP: bit-exact
// ---------------------------------------------------------------------------------------

#[test]
fn png_round_trips_bit_exact_in_the_smallest_layout() {
    // (picture, expected IHDR colour type: 6 RGBA, 2 RGB, 0 grey, 4 grey+alpha)
    let grey = frame_from(40, 30, |x, y| {
        let v = (x * 6 + y) as u8;
        [v, v, v, 255]
    });
    let grey_alpha = frame_from(40, 30, |x, _| [7, 7, 7, (x * 6) as u8]);
    let cases = [
        (noise_with_alpha(61, 37, 1), 6),
        (gradient(64, 48), 2),
        (grey, 0),
        (grey_alpha, 4),
        (corpus_frame("png/pngsuite/basn6a08.png"), 6),
        (corpus_frame("png/pngsuite/basn2c16.png"), 2),
    ];
    for (frame, colour_type) in cases {
        let picture = still(frame.clone());
        let png = encode(&picture, &still_output(OutputFormat::Png, &picture, 85)).unwrap();
        let (_, ihdr) = &png_chunks(&png)[0];
        assert_eq!(ihdr[9], colour_type, "{}x{}", frame.width, frame.height);
        assert_eq!(decode(&png), (frame.width, frame.height, frame.pixels));
    }
}

#[test]
fn bmp_round_trips_bit_exact_24_bit_when_opaque_else_32_bit() {
    let cases = [
        (gradient(33, 17), 24),
        (noise_with_alpha(31, 9, 2), 32),
        (corpus_frame("bmp/rgba32.bmp"), 32),
        (corpus_frame("bmp/rgb24.bmp"), 24),
    ];
    for (frame, bits) in cases {
        let picture = still(frame.clone());
        let bmp = encode(&picture, &still_output(OutputFormat::Bmp, &picture, 85)).unwrap();
        assert_eq!(&bmp[..2], b"BM");
        assert_eq!(u16::from_le_bytes([bmp[28], bmp[29]]), bits);
        assert_eq!(decode(&bmp), (frame.width, frame.height, frame.pixels));
    }
}

// ---------------------------------------------------------------------------------------
// GIF
// ---------------------------------------------------------------------------------------

#[test]
fn gif_of_at_most_256_colours_is_exact_and_keeps_full_transparency() {
    // 199 colours, a transparent column (its colours differ: all become one index), a row
    // under half transparent (alpha 100: GIF's one bit of alpha makes it transparent) and a
    // row over half (alpha 128: written opaque with its colour).
    let frame = frame_from(50, 40, |x, y| match (x, y) {
        (0, _) => [x as u8, y as u8, 3, 0],
        (_, 0) => [200, 10, 20, 100],
        (_, 1) => [20, 210, 40, 128],
        _ => [((x * y) % 199) as u8, 50, 255 - ((x * y) % 199) as u8, 255],
    });
    let picture = still(frame.clone());
    let gif = encode(&picture, &still_output(OutputFormat::Gif, &picture, 85)).unwrap();
    assert_eq!(netscape_loops(&gif), None, "a still GIF has no loop block");
    let (w, h, decoded) = decode(&gif);
    assert_eq!((w, h), (50, 40));
    for (i, (got, want)) in decoded.chunks_exact(4).zip(frame.pixels.chunks_exact(4)).enumerate() {
        match want[3] {
            0..128 => assert_eq!(got[3], 0, "pixel {i} transparent"),
            _ => assert_eq!(got, [want[0], want[1], want[2], 255], "pixel {i}"),
        }
    }
}

#[test]
fn gif_quantises_a_photo_and_keeps_its_transparent_pixels() {
    // A photo has thousands of colours: NeuQuant picks 256. A transparent square stays
    // transparent and nothing else does.
    let mut frame = photo();
    for y in 50..100 {
        for x in 50..100 {
            let at = (y * 256 + x) * 4;
            frame.pixels[at + 3] = 0;
        }
    }
    let picture = still(frame.clone());
    let gif = encode(&picture, &still_output(OutputFormat::Gif, &picture, 85)).unwrap();
    let (_, _, decoded) = decode(&gif);
    for (got, want) in decoded.chunks_exact(4).zip(frame.pixels.chunks_exact(4)) {
        assert_eq!(got[3] == 0, want[3] == 0);
    }
    // The palette's quality over what shows (a transparent pixel's colour shows nothing and
    // is written black).
    let opaque = |pixels: &[u8]| -> Vec<u8> {
        pixels
            .chunks_exact(4)
            .zip(frame.pixels.chunks_exact(4))
            .filter(|(_, w)| w[3] == 255)
            .flat_map(|(p, _)| p.to_vec())
            .collect()
    };
    let quality = psnr(&opaque(&decoded), &opaque(&frame.pixels));
    assert!(quality >= 26.0, "NeuQuant palette PSNR {quality:.1} dB over the opaque pixels");
}

#[test]
fn animated_gif_keeps_frames_delays_and_loop_count() {
    // 15 ms rounds to 2 cs; 4 ms stays positive as 1 cs.
    let picture = animation(&[100, 40, 15, 4], Some(0));
    let gif = encode(&picture, &animation_output(OutputFormat::Gif, &picture)).unwrap();
    let frames = animation_frames(&gif);
    let delays: Vec<u32> = frames.iter().map(|(d, _)| *d).collect();
    assert_eq!(delays, [100, 40, 20, 10]);
    for ((_, got), want) in frames.iter().zip(&picture.frames) {
        assert!(got == &want.pixels, "frames of few colours are exact");
    }
    assert_eq!(netscape_loops(&gif), Some(0), "forever");

    for (plays, stored) in [(Some(3), Some(2)), (Some(1), None), (None, None), (Some(70_000), Some(65535))] {
        let picture = Picture { loop_count: plays, ..picture.clone() };
        let gif = encode(&picture, &animation_output(OutputFormat::Gif, &picture)).unwrap();
        assert_eq!(netscape_loops(&gif), stored, "{plays:?} plays");
    }
}

#[test]
fn a_corpus_animation_survives_gif_encoding() {
    let bytes = std::fs::read(format!("{CORPUS}gif/dancing-banana.gif")).unwrap();
    let source = animation_frames(&bytes);
    let frames: Vec<Frame> = source
        .iter()
        .map(|(delay, pixels)| {
            let mut frame = Frame::from_pixels(121, 128, pixels.clone()).unwrap();
            frame.delay_ms = *delay;
            frame
        })
        .collect();
    let picture = Picture { frames, loop_count: Some(0), metadata: Metadata::default() };
    let gif = encode(&picture, &animation_output(OutputFormat::Gif, &picture)).unwrap();
    let again = animation_frames(&gif);
    assert_eq!(again.len(), 8);
    for ((delay, pixels), (source_delay, source_pixels)) in again.iter().zip(&source) {
        assert_eq!(delay, source_delay);
        assert!(pixels == source_pixels, "a GIF's own frames have ≤ 256 colours: exact");
    }
    assert_eq!(netscape_loops(&gif), Some(0));
}

// ---------------------------------------------------------------------------------------
// JPEG
// ---------------------------------------------------------------------------------------

#[test]
fn jpeg_quality_orders_sizes_and_keeps_a_photo_above_35_db_at_90() {
    let picture = still(photo());
    let mut sizes = Vec::new();
    for quality in [30, 60, 90] {
        let jpeg = encode(&picture, &still_output(OutputFormat::Jpeg, &picture, quality)).unwrap();
        let (w, h, decoded) = decode_jpeg(&jpeg);
        assert_eq!((w, h), (256, 192));
        let db = psnr(&decoded, &picture.frames[0].pixels);
        // Measured on this crop: 28.4, 30.8 and 36.8 dB.
        let floor = match quality {
            90 => 35.0,
            60 => 29.5,
            _ => 27.0,
        };
        assert!(db >= floor, "quality {quality}: {db:.2} dB < {floor}");
        sizes.push(jpeg.len());
    }
    assert!(sizes[0] < sizes[1] && sizes[1] < sizes[2], "sizes {sizes:?}");
}

#[test]
fn jpeg_is_4_2_0_baseline_or_progressive_as_planned() {
    let picture = still(gradient(64, 48));
    let plan = still_output(OutputFormat::Jpeg, &picture, 80);
    let baseline = encode(&picture, &plan).unwrap();
    let progressive = encode(&picture, &OutputPlan { progressive: true, ..plan }).unwrap();
    let sof = |jpeg: &[u8]| jpeg_segments(jpeg).into_iter().find(|(m, _)| (0xC0..=0xC2).contains(m)).unwrap();
    let (marker, frame) = sof(&baseline);
    assert_eq!(marker, 0xC0, "SOF0");
    // 3 components; Y sampled 2x2, Cb and Cr 1x1: 4:2:0.
    assert_eq!(frame[5], 3);
    assert_eq!([frame[7], frame[10], frame[13]], [0x22, 0x11, 0x11]);
    assert_eq!(sof(&progressive).0, 0xC2, "SOF2");
    let (_, _, a) = decode_jpeg(&baseline);
    let (_, _, b) = decode_jpeg(&progressive);
    assert!(psnr(&a, &b) > 40.0, "same picture either way");
}

#[test]
fn jpeg_composites_transparency_over_white() {
    // Flat 16×16 blocks: transparent (colour ignored), half-transparent black, opaque blue.
    let frame = frame_from(48, 16, |x, _| match x / 16 {
        0 => [255, 0, 0, 0],
        1 => [0, 0, 0, 128],
        _ => [0, 0, 255, 255],
    });
    let picture = still(frame);
    let jpeg = encode(&picture, &still_output(OutputFormat::Jpeg, &picture, 95)).unwrap();
    let (_, _, decoded) = decode_jpeg(&jpeg);
    let at = |x: usize| &decoded[(8 * 48 + x) * 4..(8 * 48 + x) * 4 + 3];
    let near = |got: &[u8], want: [u8; 3]| got.iter().zip(want).all(|(&g, w)| g.abs_diff(w) <= 4);
    assert!(near(at(8), [255, 255, 255]), "transparent → white, got {:?}", at(8));
    assert!(near(at(24), [127, 127, 127]), "half black → grey, got {:?}", at(24));
    assert!(near(at(40), [0, 0, 255]), "opaque blue kept, got {:?}", at(40));
}

#[test]
fn grey_jpeg_has_one_component() {
    let picture = still(frame_from(32, 32, |x, y| {
        let v = (x * 4 + y * 3) as u8;
        [v, v, v, 255]
    }));
    let jpeg = encode(&picture, &still_output(OutputFormat::Jpeg, &picture, 90)).unwrap();
    let (_, sof) = jpeg_segments(&jpeg).into_iter().find(|(m, _)| *m == 0xC0).unwrap();
    assert_eq!(sof[5], 1);
    let (_, _, decoded) = decode_jpeg(&jpeg);
    assert!(decoded.chunks_exact(4).all(|p| p[0] == p[1] && p[1] == p[2]));
    assert!(psnr(&decoded, &picture.frames[0].pixels) > 40.0);
}

#[test]
fn jpeg_writes_exif_icc_and_xmp_unless_strip() {
    let icc = rgb_icc();
    let picture = Picture { metadata: full_metadata(icc.clone()), ..still(photo()) };
    let plan = still_output(OutputFormat::Jpeg, &picture, 80);
    let jpeg = encode(&picture, &plan).unwrap();
    let segments = jpeg_segments(&jpeg);
    assert_eq!(segments[0].0, 0xE0, "JFIF first");
    assert_eq!(app_payloads(&jpeg, 0xE1, b"Exif\0\0"), [exif_block()]);
    assert_eq!(app_payloads(&jpeg, 0xE2, b"ICC_PROFILE\0"), [[&[1u8, 1][..], &icc].concat()]);
    assert_eq!(app_payloads(&jpeg, 0xE1, b"http://ns.adobe.com/xap/1.0/\0"), [XMP.to_vec()]);
    assert_eq!(decode_jpeg(&jpeg).0, 256, "still decodes");

    let stripped = encode(&picture, &OutputPlan { strip: true, ..plan }).unwrap();
    let markers: Vec<u8> = jpeg_segments(&stripped).iter().map(|(m, _)| *m).collect();
    assert!(!markers.contains(&0xE1) && !markers.contains(&0xE2), "markers {markers:x?}");
    // The metadata segments are the whole difference.
    let added = 4 + 6 + exif_block().len() + 4 + 14 + icc.len() + 4 + 29 + XMP.len();
    assert_eq!(jpeg.len(), stripped.len() + added);
}

#[test]
fn a_large_icc_profile_is_split_into_numbered_app2_segments() {
    let icc = fake_icc(150_000, b"RGB ");
    let picture =
        Picture { metadata: Metadata { icc: Some(icc.clone()), ..Metadata::default() }, ..still(gradient(16, 16)) };
    let jpeg = encode(&picture, &still_output(OutputFormat::Jpeg, &picture, 80)).unwrap();
    let chunks = app_payloads(&jpeg, 0xE2, b"ICC_PROFILE\0");
    let headers: Vec<[u8; 2]> = chunks.iter().map(|c| [c[0], c[1]]).collect();
    assert_eq!(headers, [[1, 3], [2, 3], [3, 3]]);
    assert_eq!(chunks[0].len() - 2, 65519);
    let joined: Vec<u8> = chunks.iter().flat_map(|c| c[2..].to_vec()).collect();
    assert_eq!(joined, icc);
}

#[test]
fn a_grey_profile_goes_only_with_grey_pixels() {
    let grey_icc = fake_icc(300, b"GRAY");
    let metadata = Metadata { icc: Some(grey_icc.clone()), ..Metadata::default() };
    let grey = Picture {
        metadata: metadata.clone(),
        ..still(frame_from(16, 16, |x, _| [x as u8 * 9, x as u8 * 9, x as u8 * 9, 255]))
    };
    let colour = Picture { metadata, ..still(gradient(16, 16)) };
    let plan = output(OutputFormat::Jpeg, 16, 16, 1);
    assert_eq!(app_payloads(&encode(&grey, &plan).unwrap(), 0xE2, b"ICC_PROFILE\0").len(), 1);
    assert!(app_payloads(&encode(&colour, &plan).unwrap(), 0xE2, b"ICC_PROFILE\0").is_empty());
    // An RGB profile keeps grey pixels in three components, so that it still describes them.
    let grey_rgb_profile = Picture { metadata: full_metadata(rgb_icc()), ..grey.clone() };
    let jpeg = encode(&grey_rgb_profile, &plan).unwrap();
    let (_, sof) = jpeg_segments(&jpeg).into_iter().find(|(m, _)| *m == 0xC0).unwrap();
    assert_eq!(sof[5], 3);
    assert_eq!(app_payloads(&jpeg, 0xE2, b"ICC_PROFILE\0").len(), 1);
    let png_plan = OutputPlan { format: OutputFormat::Png, ..plan };
    let grey_png = encode(&grey, &png_plan).unwrap();
    assert_eq!(png_chunks(&grey_png)[0].1[9], 0, "grey PNG");
    assert!(png_chunks(&grey_png).iter().any(|(k, _)| k == b"iCCP"));
    assert!(!png_chunks(&encode(&colour, &png_plan).unwrap()).iter().any(|(k, _)| k == b"iCCP"));
}

#[test]
fn quality_zero_is_quality_one() {
    let picture = still(photo());
    let at = |q| encode(&picture, &still_output(OutputFormat::Jpeg, &picture, q)).unwrap();
    assert_eq!(at(0), at(1));
    assert_ne!(at(1), at(2));
}

// ---------------------------------------------------------------------------------------
// size-limit
// ---------------------------------------------------------------------------------------

/// The JPEG plan of the photo with a size limit.
fn limited(picture: &Picture, quality: u8, bytes: u64) -> OutputPlan {
    let size_limit = Some(SizeLimitPlan { bytes, keep_smaller_input: false });
    OutputPlan { size_limit, ..still_output(OutputFormat::Jpeg, picture, quality) }
}

#[test]
fn size_limit_finds_the_highest_quality_that_fits() {
    let picture = still(photo());
    let size_at = |q| encode(&picture, &still_output(OutputFormat::Jpeg, &picture, q)).unwrap();
    let at_90 = size_at(90).len() as u64;
    let at_50 = size_at(50).len() as u64;
    for limit in [at_50, (at_50 + at_90) / 2, at_90 - 1, at_50 / 2] {
        let plan = limited(&picture, 90, limit);
        let fitted = fit_quality(&picture, &plan, &EncodeOptions::default()).unwrap();
        assert!(fitted.fits, "limit {limit}");
        assert!(fitted.bytes.len() as u64 <= limit);
        assert!(fitted.encodes <= 8, "{} encodes", fitted.encodes);
        assert_eq!(fitted.bytes, size_at(fitted.quality), "the JPEG at the quality reported");
        assert!(size_at(fitted.quality + 1).len() as u64 > limit, "q+1 does not fit");
        assert_eq!(encode(&picture, &plan).unwrap(), fitted.bytes, "encode uses the limit");
        assert_eq!(encode_within(&picture, &plan, &EncodeOptions::default()).unwrap(), fitted.bytes);
    }
}

#[test]
fn size_limit_keeps_the_planned_quality_when_it_fits_and_the_smallest_when_none_does() {
    let picture = still(photo());
    let planned = encode(&picture, &still_output(OutputFormat::Jpeg, &picture, 75)).unwrap();
    let roomy = fit_quality(&picture, &limited(&picture, 75, planned.len() as u64), &EncodeOptions::default()).unwrap();
    assert_eq!((roomy.quality, roomy.encodes, roomy.bytes == planned), (75, 1, true));

    // Nothing fits in 300 bytes. At the bottom JPEG sizes are not monotonic (here quality 2
    // is a byte smaller than 1): the answer is the smallest JPEG the search made.
    let hopeless = fit_quality(&picture, &limited(&picture, 75, 300), &EncodeOptions::default()).unwrap();
    assert!(!hopeless.fits);
    assert!(hopeless.quality <= 2, "quality {}", hopeless.quality);
    let at = |q| encode(&picture, &still_output(OutputFormat::Jpeg, &picture, q)).unwrap();
    assert_eq!(hopeless.bytes, at(hopeless.quality));
    assert!(hopeless.bytes.len() <= at(1).len().min(at(2).len()));
    assert!(hopeless.bytes.len() > 300);
}

#[test]
fn size_limit_counts_metadata_and_follows_a_real_plan() {
    // Plan a real file with a size-limit rule, then encode the decoded picture through it.
    let bytes = std::fs::read(format!("{CORPUS}webp/gallery1_1.webp")).unwrap();
    let probe = mogr_exec::plan::probe(&bytes).unwrap();
    let rule = mogr_exec::plan::syntax::parse("imageMogr2/format/jpg/size-limit/20k").unwrap();
    let plan = mogr_exec::plan::plan(&rule, &probe, &mogr_exec::plan::Limits::default()).unwrap();
    let output = plan.output();
    assert_eq!(output.format, OutputFormat::Jpeg);
    assert_eq!(output.size_limit.map(|s| s.bytes), Some(20 * 1024));
    let icc = rgb_icc();
    let picture = Picture {
        metadata: Metadata { icc: Some(icc.clone()), ..Metadata::default() },
        ..still(corpus_frame("webp/gallery1_1.webp"))
    };
    let fitted = fit_quality(&picture, &output, &EncodeOptions::default()).unwrap();
    assert!(fitted.fits && fitted.bytes.len() <= 20 * 1024);
    assert_eq!(app_payloads(&fitted.bytes, 0xE2, b"ICC_PROFILE\0").len(), 1);
    let over = OutputPlan { quality: Some(fitted.quality + 1), size_limit: None, ..output };
    assert!(encode(&picture, &over).unwrap().len() > 20 * 1024);
}

// ---------------------------------------------------------------------------------------
// WebP
// ---------------------------------------------------------------------------------------

#[test]
#[cfg(feature = "webp")]
fn webp_lossy_quality_orders_sizes_and_keeps_a_photo_above_37_db_at_90() {
    let picture = still(photo());
    let mut sizes = Vec::new();
    for quality in [30, 60, 90] {
        let webp = encode(&picture, &still_output(OutputFormat::Webp, &picture, quality)).unwrap();
        assert_eq!(fourccs(&webp), ["VP8 "], "lossy, no alpha for an opaque picture");
        let (w, h, decoded) = decode(&webp);
        assert_eq!((w, h), (256, 192));
        let db = psnr(&decoded, &picture.frames[0].pixels);
        // Measured on this crop: 30.1, 33.0 and 40.0 dB.
        let floor = match quality {
            90 => 37.0,
            60 => 31.5,
            _ => 28.5,
        };
        assert!(db >= floor, "quality {quality}: {db:.2} dB < {floor}");
        sizes.push(webp.len());
    }
    assert!(sizes[0] < sizes[1] && sizes[1] < sizes[2], "sizes {sizes:?}");
}

#[test]
#[cfg(feature = "webp")]
fn lossless_webp_gives_back_every_byte() {
    // Noise in every channel, every alpha value (the RGB under alpha 0 included), and a photo.
    for frame in [noise_with_alpha(67, 45, 7), photo()] {
        let picture = still(frame.clone());
        let output = OutputPlan { lossless: true, quality: None, ..still_output(OutputFormat::Webp, &picture, 80) };
        let webp = encode(&picture, &output).unwrap();
        assert_eq!(fourccs(&webp).last().map(String::as_str), Some("VP8L"), "{:?}", fourccs(&webp));
        let (w, h, decoded) = decode(&webp);
        assert_eq!((w, h), (frame.width, frame.height));
        assert!(decoded == frame.pixels, "{}x{}: pixels differ", frame.width, frame.height);
    }
    // Animations, decoded by libwebp (image-webp's blending of sub-frames is off by one in
    // places, so it cannot judge exactness).
    let picture = animation(&[100, 50, 250], Some(0));
    let output = OutputPlan { lossless: true, quality: None, ..animation_output(OutputFormat::Webp, &picture) };
    let webp = encode(&picture, &output).unwrap();
    let decoded = webp::AnimDecoder::new(&webp).decode().unwrap();
    assert_eq!(decoded.len(), picture.frames.len());
    for (index, want) in picture.frames.iter().enumerate() {
        let got = decoded.get_frame(index).unwrap();
        let rgba: Vec<u8> = match got.get_layout() {
            webp::PixelLayout::Rgba => got.get_image().to_vec(),
            webp::PixelLayout::Rgb => got.get_image().chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect(),
        };
        assert!(rgba == want.pixels, "animated lossless frame {index} differs");
    }
}

#[test]
#[cfg(feature = "webp")]
fn webp_keeps_alpha_exactly() {
    let mut frame = photo();
    for (i, p) in frame.pixels.chunks_exact_mut(4).enumerate() {
        p[3] = ((i % 256) as u8).saturating_mul(2);
    }
    let picture = still(frame.clone());
    let webp = encode(&picture, &still_output(OutputFormat::Webp, &picture, 80)).unwrap();
    assert_eq!(fourccs(&webp), ["VP8X", "ALPH", "VP8 "]);
    let (_, _, decoded) = decode(&webp);
    let alpha = |px: &[u8]| px.chunks_exact(4).map(|p| p[3]).collect::<Vec<_>>();
    assert_eq!(alpha(&decoded), alpha(&frame.pixels));
}

#[test]
#[cfg(feature = "webp")]
fn animated_webp_keeps_frames_delays_and_loop_count() {
    let picture = animation(&[100, 50, 250], Some(3));
    let webp = encode(&picture, &animation_output(OutputFormat::Webp, &picture)).unwrap();
    let frames = animation_frames(&webp);
    let delays: Vec<u32> = frames.iter().map(|(d, _)| *d).collect();
    assert_eq!(delays, [100, 50, 250], "the last frame's own delay, not an average");
    for ((_, got), want) in frames.iter().zip(&picture.frames) {
        // Saturated red edges lose most to 4:2:0 chroma: measured 27.8-29.5 dB.
        let db = psnr(got, &want.pixels);
        assert!(db > 26.0, "{db:.2} dB");
    }
    assert_eq!(anim_loops(&webp), 3, "WebP stores plays");
    for (plays, stored) in [(Some(0), 0), (None, 1), (Some(1), 1), (Some(70_000), 65535)] {
        let picture = Picture { loop_count: plays, ..picture.clone() };
        let webp = encode(&picture, &animation_output(OutputFormat::Webp, &picture)).unwrap();
        assert_eq!(anim_loops(&webp), stored, "{plays:?} plays");
    }
}

#[test]
#[cfg(feature = "webp")]
fn webp_writes_icc_exif_and_xmp_chunks_unless_strip() {
    let icc = rgb_icc();
    let picture = Picture { metadata: full_metadata(icc.clone()), ..still(photo()) };
    let plan = still_output(OutputFormat::Webp, &picture, 80);
    let webp = encode(&picture, &plan).unwrap();
    assert_eq!(fourccs(&webp), ["VP8X", "ICCP", "VP8 ", "EXIF", "XMP "]);
    let (_, vp8x) = &riff_chunks(&webp)[0];
    assert_eq!(vp8x[0], 0x20 | 0x08 | 0x04, "ICC, EXIF and XMP flags");
    assert_eq!(&vp8x[4..10], &[255, 0, 0, 191, 0, 0], "canvas 256x192");
    let mut decoder = WebPDecoder::new(Cursor::new(&webp)).unwrap();
    assert_eq!(decoder.icc_profile().unwrap(), Some(icc));
    assert_eq!(decoder.exif_metadata().unwrap(), Some(exif_block()));
    assert_eq!(decode(&webp).0, 256);

    let stripped = encode(&picture, &OutputPlan { strip: true, ..plan }).unwrap();
    assert_eq!(fourccs(&stripped), ["VP8 "]);

    let moving = Picture { metadata: full_metadata(rgb_icc()), ..animation(&[80, 80], Some(0)) };
    let webp = encode(&moving, &animation_output(OutputFormat::Webp, &moving)).unwrap();
    let kinds = fourccs(&webp);
    assert_eq!(kinds[..3], ["VP8X", "ICCP", "ANIM"]);
    assert_eq!(kinds[kinds.len() - 2..], ["EXIF", "XMP "]);
    assert_eq!(riff_chunks(&webp)[0].1[0], 0x20 | 0x08 | 0x04 | 0x02, "and animation");
    assert_eq!(animation_frames(&webp).len(), 2);
}

// ---------------------------------------------------------------------------------------
// PNG metadata
// ---------------------------------------------------------------------------------------

#[test]
fn png_writes_iccp_exif_and_xmp_unless_strip() {
    let icc = rgb_icc();
    let picture = Picture { metadata: full_metadata(icc.clone()), ..still(gradient(40, 20)) };
    let plan = still_output(OutputFormat::Png, &picture, 85);
    let png = encode(&picture, &plan).unwrap();
    let mut decoder = PngDecoder::new(Cursor::new(&png)).unwrap();
    assert_eq!(decoder.icc_profile().unwrap(), Some(icc));
    assert_eq!(decoder.exif_metadata().unwrap(), Some(exif_block()));
    let chunks = png_chunks(&png);
    let xmp_at = chunks.iter().position(|(k, _)| k == b"iTXt").unwrap();
    let idat_at = chunks.iter().position(|(k, _)| k == b"IDAT").unwrap();
    assert!(xmp_at < idat_at);
    assert_eq!(chunks[xmp_at].1, [b"XML:com.adobe.xmp\0\0\0\0\0".as_slice(), XMP].concat());
    assert_eq!(decode(&png).2, picture.frames[0].pixels, "still decodes (CRCs checked)");

    let stripped = encode(&picture, &OutputPlan { strip: true, ..plan }).unwrap();
    let kinds: Vec<[u8; 4]> = png_chunks(&stripped).iter().map(|(k, _)| *k).collect();
    assert_eq!(kinds, [*b"IHDR", *b"IDAT", *b"IEND"]);
}

// ---------------------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------------------

#[test]
fn formats_without_a_codec_are_unsupported() {
    let picture = still(gradient(8, 8));
    // AVIF encodes through libheif (tests/heif.rs); HEIF/HEIC need the `heic-encode` feature.
    let missing: &[OutputFormat] =
        if cfg!(feature = "heic-encode") { &[] } else { &[OutputFormat::Heif, OutputFormat::Heic] };
    for &format in missing {
        match encode(&picture, &output(format, 8, 8, 1)) {
            Err(ExecError::Unsupported(message)) => {
                assert!(message.contains("not built in") && message.contains("`heic-encode`"), "{message}");
            }
            other => panic!("{format:?}: {other:?}"),
        }
    }
    // svgc rewrites an SVG document; pixels never become one.
    match encode(&picture, &output(OutputFormat::Svgc, 8, 8, 1)) {
        Err(ExecError::Internal(message)) => assert!(message.contains("svgc"), "{message}"),
        other => panic!("svgc: {other:?}"),
    }
}

#[test]
fn a_picture_that_is_not_what_the_plan_says_is_an_internal_error() {
    let picture = still(gradient(8, 8));
    let cases =
        [output(OutputFormat::Png, 8, 9, 1), output(OutputFormat::Gif, 8, 8, 2), output(OutputFormat::Jpeg, 8, 8, 0)];
    for plan in cases {
        assert!(matches!(encode(&picture, &plan), Err(ExecError::Internal(_))), "{plan:?}");
    }
    let mut broken = picture.clone();
    broken.frames[0].pixels.pop();
    let result = encode(&broken, &output(OutputFormat::Webp, 8, 8, 1));
    assert!(matches!(result, Err(ExecError::Internal(_))), "{result:?}");
    let two = animation(&[10, 10], None);
    let result = encode(&two, &animation_output(OutputFormat::Jpeg, &two));
    assert!(matches!(result, Err(ExecError::Internal(_))), "a still format with two frames");
}

/// Regression (rotate with `color`): a JPEG shows transparent areas in the stage's colour.
#[test]
fn jpeg_flattens_transparency_over_the_stage_colour() {
    let mut frame = mogr_exec::Frame::new(16, 16).unwrap();
    for p in frame.pixels.chunks_exact_mut(4) {
        p.copy_from_slice(&[0, 0, 0, 0]);
    }
    let picture = mogr_exec::Picture::still(frame, mogr_exec::Metadata::default());
    let mut plan = output(OutputFormat::Jpeg, 16, 16, 1);
    plan.background = Rgb { r: 255, g: 0, b: 0 };
    plan.quality = Some(95);
    let jpeg = mogr_exec::encode::encode(&picture, &plan).unwrap();
    let (_, _, decoded) = decode_jpeg(&jpeg);
    let centre = &decoded[(8 * 16 + 8) * 4..(8 * 16 + 8) * 4 + 3];
    assert!(centre[0] > 240 && centre[1] < 15 && centre[2] < 15, "{centre:?}");
}
