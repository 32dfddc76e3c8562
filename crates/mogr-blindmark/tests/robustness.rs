#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Real photos from the corpus: embed, attack with independent tools (the `image` crate's JPEG
//! encoder and resizer), extract. Asserts the quality bar: PSNR >= 38 dB and SSIM >= 0.98, the
//! text exact and statuses > 75 after every attack, unmarked photos < 60.

mod support;

use image::RgbaImage;
use mogr_blindmark::{
    Level, LumaImage, detect_mark, embed_mark, embed_semi, embed_text, extract_semi, extract_text, mark_grid,
    measure_text,
};
use support::Attack;

const KEY: &[u8] = b"integration-key";
const TEXT: &str = "Leak42fromAB";

/// Real photos of different sizes, all at least 533 px on each side.
const PHOTOS: [&str; 4] = [
    "exif-orientation/Landscape_0.jpg",
    "exif-orientation/Portrait_0.jpg",
    "jpeg/canon_hdr_orient6.jpg",
    "gif/Crash_test.gif",
];

fn assert_invisible(original: &RgbaImage, marked: &RgbaImage, what: &str) {
    let (psnr, ssim) = (support::psnr(original, marked), support::ssim(original, marked));
    assert!(psnr >= 38.0, "{what}: PSNR {psnr:.2} dB");
    assert!(ssim >= 0.98, "{what}: SSIM {ssim:.4}");
}

/// Embeds the text in `photo`, checks invisibility, and reads it back after every attack.
fn text_survives_every_attack(photo: &str) {
    let original = support::load(photo);
    let (w, h) = original.dimensions();
    let mut marked = original.clone();
    embed_text(KEY, &mut marked, w, h, TEXT).unwrap();
    assert_invisible(&original, &marked, photo);
    let mut failures = Vec::new();
    for attack in Attack::ALL {
        let received = attack.apply(&marked);
        let (rw, rh) = received.dimensions();
        let found = extract_text(KEY, &received, rw, rh).unwrap();
        if found.text.as_deref() != Some(TEXT) || found.status <= 75 {
            failures.push(format!("{photo} / {}: {:?} status {}", attack.label(), found.text, found.status));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

// One test per photo, so that the test harness runs them in parallel.

#[test]
fn text_survives_every_attack_landscape_1800x1200() {
    text_survives_every_attack(PHOTOS[0]);
}

#[test]
fn text_survives_every_attack_portrait_1200x1800() {
    text_survives_every_attack(PHOTOS[1]);
}

#[test]
fn text_survives_every_attack_canon_2048x1536() {
    text_survives_every_attack(PHOTOS[2]);
}

#[test]
fn text_survives_every_attack_dithered_gif_800x533() {
    text_survives_every_attack(PHOTOS[3]);
}

/// Small photos (at most 640 px a side), where a 50 % downscale leaves only a few tile copies.
const SMALL_PHOTOS: [&str; 2] = ["jpeg/DSCN0010_gps.jpg", "png/gama-srgb-order_cat.png"];

#[test]
fn text_survives_every_attack_small_busy_640x480() {
    text_survives_every_attack(SMALL_PHOTOS[0]);
}

#[test]
fn every_level_survives_half_size_and_jpeg_on_a_small_photo_320x480() {
    let original = support::load(SMALL_PHOTOS[1]);
    let (w, h) = original.dimensions();
    let mark = support::sample_mark(w.min(h) / 8);
    let mut failures = Vec::new();
    for level in [Level::One, Level::Two, Level::Three] {
        let mut marked = original.clone();
        embed_mark(KEY, &mut marked, w, h, &mark, level).unwrap();
        assert_invisible(&original, &marked, &format!("{level:?}"));
        for attack in [Attack::Half, Attack::Jpeg70] {
            let received = attack.apply(&marked);
            let (rw, rh) = received.dimensions();
            let status = detect_mark(KEY, &received, rw, rh, &mark).unwrap();
            if status <= 75 {
                failures.push(format!("{level:?} / {}: status {status}", attack.label()));
            }
        }
    }
    let mut marked = original.clone();
    embed_text(KEY, &mut marked, w, h, TEXT).unwrap();
    for attack in [Attack::Half, Attack::Jpeg70] {
        let received = attack.apply(&marked);
        let (rw, rh) = received.dimensions();
        let found = extract_text(KEY, &received, rw, rh).unwrap();
        if found.text.as_deref() != Some(TEXT) || found.status <= 75 {
            failures.push(format!("text / {}: {:?} status {}", attack.label(), found.text, found.status));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The full combination (crop 10 % + 50 % + brightness + JPEG q70) on the smallest photo
/// (320 x 480): the weakest mark (level 1) is still present. (Measured over 8 keys: 8 of 8 read
/// above 75. The text on this photo is not read after the combination, and on the 650 x 470
/// photo only for some keys, so neither is asserted.)
#[test]
fn level_one_survives_the_combined_attack_on_the_smallest_photo_320x480() {
    let cat = support::load(SMALL_PHOTOS[1]);
    let (w, h) = cat.dimensions();
    let mark = support::sample_mark(w.min(h) / 8);
    let mut marked = cat.clone();
    embed_mark(KEY, &mut marked, w, h, &mark, Level::One).unwrap();
    let received = Attack::Combined.apply(&marked);
    let (rw, rh) = received.dimensions();
    let status = detect_mark(KEY, &received, rw, rh, &mark).unwrap();
    assert!(status > 75, "status {status}");
    let wrong = detect_mark(KEY, &received, rw, rh, &left_half(32)).unwrap();
    assert!(wrong < 60, "a different mark reads as {wrong}");
}

/// Regression: under the same combination on the same photo, this key's pilots alone rank the
/// true position about 160th of the dense grid's candidates (pilot peak 3.8 sigma against 5.5 for
/// the best wrong one), so the 16 refined hypotheses missed it and the 4-character text was not
/// read; short texts are now also tried at the extended hypotheses, under their 32-bit CRC.
#[test]
fn short_text_is_read_where_the_pilots_alone_do_not_synchronise_320x480() {
    let cat = support::load(SMALL_PHOTOS[1]);
    let (w, h) = cat.dimensions();
    let key = b"length-key-2";
    let mut marked = cat.clone();
    embed_text(key, &mut marked, w, h, "User").unwrap();
    let received = Attack::Combined.apply(&marked);
    let (rw, rh) = received.dimensions();
    let found = extract_text(key, &received, rw, rh).unwrap();
    assert_eq!(found.text.as_deref(), Some("User"), "status {}", found.status);
    assert!(found.status > 75, "status {}", found.status);
}

/// The measured channel: less than the shortest text without the watermark, everything without
/// an attack, and under the combination on the smallest photo fewer bits than a 16-character
/// text's 126 (beyond any decoder, and indeed it is not read), more than a 4-character text's
/// 56; the reach (the finite-length bound) below the capacity and on the same side of both.
#[test]
fn measured_capacity_separates_short_from_long_texts_under_the_combination_320x480() {
    let cat = support::load(SMALL_PHOTOS[1]);
    let (w, h) = cat.dimensions();
    let unmarked = measure_text(KEY, &cat, w, h, "A").unwrap().unwrap();
    assert_eq!(unmarked.payload_bits, 38, "the shortest payload");
    assert!(unmarked.snr < 0.5 && !unmarked.within_capacity() && !unmarked.within_reach(), "{unmarked:?}");
    for (text, payload_bits, within) in [("Ab12", 56, true), ("Q9w8E7r6T5y4U3i2", 126, false)] {
        let mut marked = cat.clone();
        embed_text(KEY, &mut marked, w, h, text).unwrap();
        let intact = measure_text(KEY, &marked, w, h, text).unwrap().unwrap();
        assert!(intact.snr > 1.5 && intact.within_reach(), "{text} unattacked: {intact:?}");
        let received = Attack::Combined.apply(&marked);
        let (rw, rh) = received.dimensions();
        let channel = measure_text(KEY, &received, rw, rh, text).unwrap().unwrap();
        assert_eq!(channel.payload_bits, payload_bits, "6 bits a character and a 32- or 30-bit CRC");
        assert_eq!(channel.within_capacity(), within, "{text}: {channel:?}");
        assert_eq!(channel.within_reach(), within, "{text}: {channel:?}");
        assert!(channel.reach_bits < channel.capacity_bits - 5.0, "{text}: {channel:?}");
        if !within {
            assert_eq!(extract_text(KEY, &received, rw, rh).unwrap().text, None);
        }
    }
}

#[test]
fn large_smooth_photo_keeps_ssim_at_the_strongest_settings() {
    let original = support::load("jpeg/ultrahdr_gain-map.jpg");
    let (w, h) = original.dimensions();
    let mut marked = original.clone();
    embed_text(KEY, &mut marked, w, h, TEXT).unwrap();
    assert_invisible(&original, &marked, "text on 3840x2160 smooth");
    let received = Attack::Half.apply(&marked);
    let (rw, rh) = received.dimensions();
    assert_eq!(extract_text(KEY, &received, rw, rh).unwrap().text.as_deref(), Some(TEXT));
    let mut marked = original.clone();
    embed_mark(KEY, &mut marked, w, h, &support::sample_mark(64), Level::Three).unwrap();
    assert_invisible(&original, &marked, "level 3 on 3840x2160 smooth");
}

#[test]
fn level_two_mark_is_detected_after_jpeg_and_the_combined_attack() {
    let mut failures = Vec::new();
    for photo in &PHOTOS[..2] {
        let original = support::load(photo);
        let (w, h) = original.dimensions();
        let mark = support::sample_mark(w.min(h) / 8);
        let mut marked = original.clone();
        embed_mark(KEY, &mut marked, w, h, &mark, Level::Two).unwrap();
        assert_invisible(&original, &marked, photo);
        for attack in [Attack::Jpeg70, Attack::Combined] {
            let received = attack.apply(&marked);
            let (rw, rh) = received.dimensions();
            let status = detect_mark(KEY, &received, rw, rh, &mark).unwrap();
            if status <= 75 {
                failures.push(format!("{photo} / {}: status {status}", attack.label()));
            }
            let wrong = detect_mark(KEY, &received, rw, rh, &left_half(32)).unwrap();
            assert!(wrong < 60, "{photo}: a different mark reads as {wrong}");
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn semi_blind_mark_is_recovered_with_the_original() {
    let original = support::load(PHOTOS[0]);
    let (w, h) = original.dimensions();
    let mark = support::sample_mark(64);
    let mut marked = original.clone();
    embed_semi(KEY, &mut marked, w, h, &mark).unwrap();
    assert_invisible(&original, &marked, "semi");
    let received = Attack::Combined.apply(&marked);
    let (rw, rh) = received.dimensions();
    let found = extract_semi(KEY, &received, rw, rh, &original, w, h).unwrap();
    assert!(found.status > 75, "status {}", found.status);
    assert_eq!(found.recovered, Some(mark_grid(&mark)));
    let unmarked = Attack::Jpeg70.apply(&original);
    let absent = extract_semi(KEY, &unmarked, w, h, &original, w, h).unwrap();
    assert!(absent.status < 60 && absent.recovered.is_none(), "unmarked status {}", absent.status);
}

#[test]
fn unmarked_photos_stay_below_sixty() {
    let mark = support::sample_mark(32);
    let small = ["jpeg/progressive_3.jpg", "webp/gallery1_1.webp"];
    for photo in PHOTOS.iter().chain(&SMALL_PHOTOS).chain(&small) {
        let original = support::load(photo);
        let (w, h) = original.dimensions();
        let text = extract_text(KEY, &original, w, h).unwrap();
        assert!(text.text.is_none() && text.status < 60, "{photo}: text {:?} status {}", text.text, text.status);
        let status = detect_mark(KEY, &original, w, h, &mark).unwrap();
        assert!(status < 60, "{photo}: mark status {status}");
    }
}

/// A different watermark: the left half white (the ring-and-bar is left-right symmetric, so
/// their grids are uncorrelated).
fn left_half(side: u32) -> LumaImage {
    let pixels = (0..side * side).map(|i| if i % side < side / 2 { 255 } else { 0 }).collect();
    LumaImage { width: side, height: side, pixels }
}
