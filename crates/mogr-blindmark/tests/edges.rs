#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Odd inputs: every size, buffer and payload either works or gives a clear error, never a panic.

use mogr_blindmark::{
    BlindError, Level, LumaImage, MAX_TEXT_CHARS, detect_mark, embed_mark, embed_semi, embed_text, extract_semi,
    extract_text,
};

const KEY: &[u8] = b"edge-key";

/// A deterministic RGBA image: a colour gradient with mild noise.
fn noise(width: u32, height: u32) -> Vec<u8> {
    let mut state = 0x1234_5678u32;
    let w = width.max(1) as usize;
    (0..width as usize * height as usize * 4)
        .map(|i| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let (pixel, channel) = (i / 4, i % 4);
            let ramp = (pixel % w * 97 / w + pixel / w % 113 + channel * 20) as u8;
            if channel == 3 { 255 } else { 40 + ramp + (state >> 28) as u8 }
        })
        .collect()
}

fn white_square(side: u32) -> LumaImage {
    LumaImage { width: side, height: side, pixels: vec![255; (side * side) as usize] }
}

#[test]
fn tiny_and_degenerate_sizes_are_errors_or_absent_never_panics() {
    for (w, h) in [(0, 0), (1, 1), (1, 5000), (5000, 1), (127, 512), (3, 3)] {
        let mut rgba = noise(w, h);
        let error = embed_text(KEY, &mut rgba, w, h, "abc").unwrap_err();
        assert!(matches!(error, BlindError::ImageTooSmall { .. }), "{w}x{h}: {error}");
        let found = extract_text(KEY, &rgba, w, h).unwrap();
        assert!(found.text.is_none() && found.status < 60, "{w}x{h}: {found:?}");
        assert!(detect_mark(KEY, &rgba, w, h, &white_square(1)).unwrap() < 60);
        assert!(extract_semi(KEY, &rgba, w, h, &rgba, w, h).unwrap().status < 60);
    }
}

#[test]
fn extreme_aspect_ratios_round_trip_or_report_absence() {
    // Three tile rows: the read window (1024 px wide) still holds 24 tile copies.
    let (w, h) = (4000, 384);
    let mut rgba = noise(w, h);
    embed_text(KEY, &mut rgba, w, h, "wide").unwrap();
    assert_eq!(extract_text(KEY, &rgba, w, h).unwrap().text.as_deref(), Some("wide"));
    // One tile row embeds; reading it back is not promised (see the crate docs), only no panic.
    let (w, h) = (4000, 128);
    let mut strip = noise(w, h);
    embed_text(KEY, &mut strip, w, h, "wide").unwrap();
    assert!(extract_text(KEY, &strip, w, h).unwrap().status <= 100);
    let (w, h) = (20_000, 40);
    assert_eq!(extract_text(KEY, &noise(w, h), w, h).unwrap().status, 0);
}

#[test]
fn buffer_size_mismatches_and_overflows_are_errors() {
    let mut short = vec![0u8; 10];
    assert!(matches!(embed_text(KEY, &mut short, 200, 200, "a"), Err(BlindError::BufferSize { .. })));
    assert!(matches!(extract_text(KEY, &short, u32::MAX, u32::MAX), Err(BlindError::BufferSize { .. })));
    let rgba = noise(200, 200);
    assert!(matches!(extract_semi(KEY, &rgba, 200, 200, &short, 200, 200), Err(BlindError::BufferSize { .. })));
}

#[test]
fn text_is_validated_with_the_capacity_in_the_message() {
    let mut rgba = noise(256, 256);
    assert_eq!(embed_text(KEY, &mut rgba, 256, 256, ""), Err(BlindError::EmptyText));
    assert_eq!(embed_text(KEY, &mut rgba, 256, 256, "ab-c"), Err(BlindError::TextCharacter { character: '-' }));
    assert_eq!(embed_text(KEY, &mut rgba, 256, 256, "é"), Err(BlindError::TextCharacter { character: 'é' }));
    let long = "a".repeat(MAX_TEXT_CHARS + 1);
    let error = embed_text(KEY, &mut rgba, 256, 256, &long).unwrap_err();
    assert!(error.to_string().contains(&format!("capacity is {MAX_TEXT_CHARS}")), "{error}");
    assert_eq!(rgba, noise(256, 256), "a refused text must leave the pixels alone");
}

#[test]
fn marks_larger_than_an_eighth_or_inconsistent_are_errors() {
    let mut rgba = noise(256, 256);
    let too_large = white_square(33);
    let error = embed_mark(KEY, &mut rgba, 256, 256, &too_large, Level::Two).unwrap_err();
    assert!(matches!(error, BlindError::MarkTooLarge { max_width: 32, max_height: 32, .. }), "{error}");
    assert!(embed_semi(KEY, &mut rgba, 256, 256, &too_large).is_err());
    let broken = LumaImage { width: 4, height: 4, pixels: vec![0; 3] };
    assert!(matches!(embed_mark(KEY, &mut rgba, 256, 256, &broken, Level::One), Err(BlindError::MarkBuffer { .. })));
    let empty = LumaImage { width: 0, height: 0, pixels: Vec::new() };
    assert!(matches!(detect_mark(KEY, &rgba, 256, 256, &empty), Err(BlindError::MarkBuffer { .. })));
    embed_mark(KEY, &mut rgba, 256, 256, &white_square(32), Level::Three).unwrap();
}

#[test]
fn embedding_is_deterministic_and_keyed() {
    let (w, h) = (300, 260);
    let (mut first, mut second, mut other) = (noise(w, h), noise(w, h), noise(w, h));
    embed_text(KEY, &mut first, w, h, "Same1").unwrap();
    embed_text(KEY, &mut second, w, h, "Same1").unwrap();
    embed_text(b"another key", &mut other, w, h, "Same1").unwrap();
    assert_eq!(first, second);
    assert_ne!(first, other);
    assert_eq!(extract_text(KEY, &first, w, h).unwrap().text.as_deref(), Some("Same1"));
    assert_eq!(extract_text(b"another key", &first, w, h).unwrap().text, None);
}

#[test]
fn alpha_is_untouched_and_colour_moves_as_grey() {
    let (w, h) = (256, 256);
    let before = noise(w, h);
    let mut rgba = before.clone();
    embed_mark(KEY, &mut rgba, w, h, &white_square(16), Level::Three).unwrap();
    for (a, b) in rgba.chunks(4).zip(before.chunks(4)) {
        assert_eq!(a[3], b[3]);
        let deltas: Vec<i32> = (0..3).map(|c| i32::from(a[c]) - i32::from(b[c])).collect();
        let clamped = a[..3].iter().any(|&v| v == 0 || v == 255);
        assert!(clamped || (deltas[0] == deltas[1] && deltas[1] == deltas[2]), "{deltas:?}");
    }
}
