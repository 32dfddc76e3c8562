//! What a rendering looks like: sizes from the fonts' metrics and ImageMagick's, CJK ink,
//! fallback, errors, limits, line layout, determinism and robustness.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use ab_glyph::{Font, FontRef};
use common::{Gray, LIBRARY, MAX_PIXELS, PixelBox, ink_box, reference_dir, render, rendered};
use mogr_text::{Coverage, FontLibrary, TextError, TextRequest};

/// The layout box of a text in a font, measured from the font file with ab_glyph: unshaped
/// advances plus the legacy `kern` table's pairs; ascent and descent from `hhea`, each rounded up.
fn metrics_box(font: &str, text: &str, size_pt: u32) -> (u32, u32) {
    let source = LIBRARY.resolve(Some(font)).unwrap();
    let data = std::fs::read(&source.path).unwrap();
    let face = FontRef::try_from_slice_and_index(&data, source.index).unwrap();
    let scale = f64::from(size_pt) / f64::from(face.units_per_em().unwrap());
    let glyphs: Vec<_> = text.chars().map(|c| face.glyph_id(c)).collect();
    let advances: f32 = glyphs.iter().map(|&glyph| face.h_advance_unscaled(glyph)).sum();
    let kerning: f32 = glyphs.windows(2).map(|pair| face.kern_unscaled(pair[0], pair[1])).sum();
    let width = (f64::from(advances + kerning) * scale).ceil() as u32;
    let ascent = (f64::from(face.ascent_unscaled()) * scale).ceil() as u32;
    let descent = (f64::from(-face.descent_unscaled()) * scale).ceil() as u32;
    (width, ascent + descent)
}

#[test]
fn latin_layout_matches_the_fonts_metrics() {
    for (font, text) in
        [("Arial.ttf", "Text"), ("Arial.ttf", "Hello World"), ("Tahoma.ttf", "Hello"), ("Ariblk.ttf", "AVATAR Type")]
    {
        for size_pt in [13, 40] {
            let coverage = rendered(text, Some(font), size_pt);
            let (width, height) = metrics_box(font, text, size_pt);
            let layout = coverage.layout;
            assert_eq!(layout.height, height, "{font} {size_pt} {text:?}");
            assert!(layout.width.abs_diff(width) <= 1, "{font} {size_pt} {text:?}: {} vs {width}", layout.width);
        }
    }
}

#[test]
fn kerning_is_applied() {
    let width = |text| rendered(text, Some("Arial.ttf"), 40).layout.width;
    assert!(width("AV") + 2 < width("A") + width("V"), "AV {} A {} V {}", width("AV"), width("A"), width("V"));
}

/// Rows of `tests/reference/label-sizes.tsv`: ImageMagick's `label:` size for a font and text.
#[test]
fn line_heights_match_imagemagick_labels() {
    let table = std::fs::read_to_string(reference_dir().join("label-sizes.tsv")).unwrap();
    for row in table.lines().skip(1) {
        let fields: Vec<&str> = row.split('\t').collect();
        let [name, file, size, width, height, text] = fields[..] else { panic!("bad row {row:?}") };
        let (size_pt, width, height): (u32, u32, u32) =
            (size.parse().unwrap(), width.parse().unwrap(), height.parse().unwrap());
        let text = text.replace("\\n", "\n");
        assert_eq!(LIBRARY.resolve(Some(name)).unwrap().path.to_str(), Some(file), "{name}");
        let layout = rendered(&text, Some(name), size_pt).layout;
        // ImageMagick adds 1 px to each side for its stroke width; it rounds each glyph's advance.
        assert_eq!(layout.height, height - 1, "{row}");
        let glyphs = text.lines().map(|line| line.chars().count()).max().unwrap() as u32;
        assert!(layout.width.abs_diff(width - 1) <= glyphs / 2 + 1, "{row}: width {}", layout.width);
    }
}

/// Ink mass of each of `cells` equal columns of the layout box.
fn ink_per_cell(coverage: &Coverage, cells: u32) -> Vec<u64> {
    let image = Gray::from_coverage(coverage);
    let cell_width = coverage.layout.width / cells;
    (0..cells)
        .map(|cell| {
            let x = i64::from(coverage.layout.left + cell * cell_width);
            image.crop(x, 0, cell_width, coverage.height).mass()
        })
        .collect()
}

#[test]
fn chinese_and_japanese_draw_every_glyph() {
    for (text, font) in
        [("水印", "SimHei.ttf"), ("すかし透かし", "SimHei.ttf"), ("水印", "SimSun.ttc"), ("水印", "SimKai.ttf")]
    {
        let coverage = rendered(text, Some(font), 48);
        let cells = text.chars().count() as u32;
        assert_eq!(coverage.layout.width, 48 * cells, "{text} in {font}: CJK glyphs are one em wide");
        for (index, ink) in ink_per_cell(&coverage, cells).into_iter().enumerate() {
            // A 48 px CJK glyph has well over 100 full pixels of ink.
            assert!(ink > 100 * 255, "{text} in {font}: glyph {index} has ink {ink}");
        }
    }
}

#[test]
fn distinct_fonts_draw_differently() {
    let hei = rendered("水印", Some("SimHei.ttf"), 48);
    let song = rendered("水印", Some("SimSun.ttc"), 48);
    let kai = rendered("水印", Some("SimKai.ttf"), 48);
    let bold = rendered("水印", Some("STHeiti-Medium.ttc"), 48);
    assert_ne!(hei.data, song.data);
    assert_ne!(hei.data, kai.data);
    assert!(
        Gray::from_coverage(&bold).mass() > Gray::from_coverage(&hei).mass() * 6 / 5,
        "Medium is bolder than Light"
    );
}

/// The part of `coverage` right of `x` (layout coordinates), as an image.
fn right_of(coverage: &Coverage, x: u32) -> Gray {
    let left = i64::from(coverage.layout.left + x);
    Gray::from_coverage(coverage).crop(left, 0, coverage.width - coverage.layout.left - x, coverage.height)
}

/// Mean absolute difference of two images' ink, aligned on their ink boxes.
fn ink_difference(a: &Gray, a_box: &PixelBox, b: &Gray, b_box: &PixelBox) -> f64 {
    let (width, height) = (a_box.width().max(b_box.width()) as u32, a_box.height().max(b_box.height()) as u32);
    let a = a.crop(a_box.x0, a_box.y0, width, height);
    let b = b.crop(b_box.x0, b_box.y0, width, height);
    let total: u64 = a.data.iter().zip(&b.data).map(|(x, y)| u64::from(x.abs_diff(*y))).sum();
    total as f64 / a.data.len() as f64
}

#[test]
fn han_in_a_latin_font_falls_back_to_the_cjk_font() {
    let mixed = rendered("Hello 世界", Some("Arial.ttf"), 40);
    let latin_width = rendered("Hello ", Some("Arial.ttf"), 40).layout.width;
    let han = rendered("世界", Some("SimHei.ttf"), 40);
    assert!(mixed.layout.width.abs_diff(latin_width + han.layout.width) <= 1);
    // The Han glyphs right of "Hello " are the CJK font's, not boxes: same ink box, same place,
    // same coverage but for anti-aliasing at another sub-pixel offset (measured: 7.2 levels, and
    // 9.4 for the DejaVu case below; a box or another glyph differs by far more).
    let fallback = right_of(&mixed, latin_width - 1);
    let direct = Gray::from_coverage(&han);
    let (fallback_box, direct_box) = (ink_box(&fallback, 1).unwrap(), ink_box(&direct, 1).unwrap());
    assert!(fallback_box.width().abs_diff(direct_box.width()) <= 1, "{fallback_box:?} vs {direct_box:?}");
    assert!(fallback_box.height().abs_diff(direct_box.height()) <= 1, "{fallback_box:?} vs {direct_box:?}");
    let difference = ink_difference(&fallback, &fallback_box, &direct, &direct_box);
    assert!(difference < 12.0, "fallback glyphs differ from the CJK font's by {difference:.2}");
    // Both share the baseline: the Han ink sits as far above it in both renderings.
    let mixed_baseline = 37; // Liberation Sans at 40 pt: ceil(1854 × 40 / 2048)
    let han_baseline = 47; // Noto Sans CJK at 40 pt: ceil(1160 × 40 / 1000)
    let (mixed_top, han_top) = (fallback_box.y0 - i64::from(mixed.layout.top), direct_box.y0);
    assert_eq!(mixed_baseline - mixed_top, han_baseline - han_top);
}

#[test]
fn characters_no_cjk_font_has_fall_back_to_dejavu() {
    // U+0514 CYRILLIC CAPITAL LETTER LHA: in DejaVu Sans, neither in Liberation nor in Noto CJK.
    let mixed = rendered("A\u{514}", Some("Arial.ttf"), 40);
    let a_width = rendered("A", Some("Arial.ttf"), 40).layout.width;
    let direct = rendered("\u{514}", None, 40);
    assert!(mixed.layout.width.abs_diff(a_width + direct.layout.width) <= 1);
    // Cut at A's advance: A's ink reaches it, Ԕ's starts a side bearing after it.
    let fallback = right_of(&mixed, a_width);
    let direct = Gray::from_coverage(&direct);
    let (fallback_box, direct_box) = (ink_box(&fallback, 1).unwrap(), ink_box(&direct, 1).unwrap());
    let difference = ink_difference(&fallback, &fallback_box, &direct, &direct_box);
    assert!(difference < 12.0, "fallback glyph differs from DejaVu's by {difference:.2}");
    // Arabic and Hebrew come from DejaVu too (shaped right to left, joined).
    assert!(render("سلام שלום", Some("SimHei.ttf"), 20).is_ok());
}

#[test]
fn undrawable_characters_are_named() {
    for (text, character) in [
        ("\u{E000}", '\u{E000}'),           // private use: no font has it
        ("ab\u{378}c", '\u{378}'),          // unassigned
        ("水印\u{10FFFF}", '\u{10FFFF}'),   // noncharacter
        ("tab\tok but bell\u{7}", '\u{7}'), // control character
        ("\u{1}", '\u{1}'),
    ] {
        let err = render(text, Some("Arial.ttf"), 20).unwrap_err();
        assert_eq!(err, TextError::Undrawable { character }, "{text:?}");
        assert!(err.is_request_fault());
    }
}

#[test]
fn nothing_to_draw_is_empty_text() {
    for text in ["", "\n", "\n\n", "   ", "\t\r\n", "\u{200b}\u{feff}"] {
        assert_eq!(render(text, None, 20), Err(TextError::EmptyText), "{text:?}");
    }
    assert_eq!(render("x", None, 0), Err(TextError::EmptyText));
}

#[test]
fn huge_sizes_are_refused_before_allocating() {
    let request = |size_pt, max_pixels| TextRequest { text: "水印 Test", font: None, size_pt, max_pixels };
    // u32::MAX pt is refused even with no pixel limit: a side would pass u32::MAX. Each case is
    // refused from the layout box alone, before any outline is scaled or any pixel allocated.
    let side_limit = u64::from(u32::MAX);
    for (size_pt, max_pixels) in
        [(u32::MAX, u64::MAX), (u32::MAX, MAX_PIXELS), (100_000, MAX_PIXELS), (5000, MAX_PIXELS)]
    {
        match LIBRARY.render(&request(size_pt, max_pixels)) {
            Err(TextError::TooLarge { width, height, max_pixels: limit }) => {
                assert_eq!(limit, max_pixels);
                let over = width.checked_mul(height).is_none_or(|pixels| pixels > max_pixels);
                assert!(over || width > side_limit || height > side_limit, "{size_pt} pt: {width}x{height}");
            }
            other => panic!("{size_pt} pt: {other:?}"),
        }
    }
    let huge_text = "水".repeat(100_000);
    let long = TextRequest { text: &huge_text, font: None, size_pt: 13, max_pixels: 10_000_000 };
    assert!(matches!(LIBRARY.render(&long), Err(TextError::TooLarge { .. })));
}

#[test]
fn the_limit_counts_the_whole_raster() {
    let coverage = rendered("Limit", None, 30);
    let pixels = u64::from(coverage.width) * u64::from(coverage.height);
    let at = |max_pixels| LIBRARY.render(&TextRequest { text: "Limit", font: None, size_pt: 30, max_pixels });
    assert_eq!(at(pixels), Ok(coverage.clone()));
    assert_eq!(
        at(pixels - 1),
        Err(TextError::TooLarge {
            width: coverage.width.into(),
            height: coverage.height.into(),
            max_pixels: pixels - 1
        })
    );
}

#[test]
fn lines_stack_at_the_line_height_and_align_left() {
    let one = rendered("Text", Some("Arial.ttf"), 40);
    let three = rendered("Text\nTe\nText", Some("Arial.ttf"), 40);
    assert_eq!(three.layout.height, 3 * one.layout.height);
    assert_eq!(three.layout.width, one.layout.width);
    let crlf = rendered("Text\r\nTe\r\nText", Some("Arial.ttf"), 40);
    assert_eq!(crlf, three);
    // Each line's ink starts at the same x; the third line is the first moved down 2 line heights.
    let image = Gray::from_coverage(&three);
    let line = |index: u32| {
        let top = i64::from(three.layout.top + index * one.layout.height);
        image.crop(0, top, three.width, one.layout.height)
    };
    assert_eq!(line(0), line(2));
    assert_eq!(ink_box(&line(0), 1).unwrap().x0, ink_box(&line(1), 1).unwrap().x0);
    let blank_line = rendered("Text\n\nText", Some("Arial.ttf"), 40);
    assert_eq!(blank_line.layout.height, 3 * one.layout.height);
}

#[test]
fn ink_outside_the_layout_box_grows_the_raster() {
    // DejaVu Sans stacks combining marks (GPOS mark-to-mark) above its ascender.
    let plain = rendered("a", None, 40);
    let stacked = rendered("a\u{301}\u{301}\u{301}", None, 40);
    assert_eq!(stacked.layout.height, plain.layout.height);
    assert!(stacked.layout.top > 0, "{:?}", stacked.layout);
    assert!(stacked.height > stacked.layout.height);
    let image = Gray::from_coverage(&stacked);
    assert!(ink_box(&image, 1).unwrap().y0 < i64::from(stacked.layout.top), "the accents are drawn, not clipped");
}

#[test]
fn renders_are_deterministic() {
    let text = "水印 Test すかし\nHello, World! ÅÉ fi";
    let first = rendered(text, Some("Arial.ttf"), 27);
    assert_eq!(rendered(text, Some("Arial.ttf"), 27), first);
    let fresh = FontLibrary::system();
    let request = TextRequest { text, font: Some("Arial.ttf"), size_pt: 27, max_pixels: MAX_PIXELS };
    assert_eq!(fresh.render(&request).unwrap(), first);
}

#[test]
fn the_coverage_is_consistent_for_odd_inputs() {
    let texts = [
        "\u{301}",
        "e\u{301}\u{302}\u{303}\u{304}",
        "👍🏽",
        "a\u{200d}b\u{fe0f}c",
        "\u{202e}abc\u{202c}",
        "ﷺ",
        "𝕄𝕠𝕘𝕣",
        "x\n\n\n\ny",
        "\u{3000}水\u{3000}",
        "Ω≈ç√∫",
    ];
    for text in texts {
        for size_pt in [1, 2, 13, 97] {
            match render(text, Some("SimHei"), size_pt) {
                Ok(coverage) => {
                    assert_eq!(coverage.data.len(), coverage.width as usize * coverage.height as usize, "{text:?}");
                    let layout = coverage.layout;
                    assert!(
                        layout.left + layout.width <= coverage.width && layout.top + layout.height <= coverage.height
                    );
                }
                Err(err) => assert!(err.is_request_fault(), "{text:?}: {err}"),
            }
        }
    }
}
