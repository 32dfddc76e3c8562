//! Visible watermarks end to end: `watermark/1` from a bucket folder and `watermark/2` text,
//! through `mogr::Engine::process`, on synthetic canvases whose every pixel is known, on real
//! animations, and against keys that try to leave the bucket.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use image::codecs::gif::GifDecoder;
use image::{AnimationDecoder, ImageFormat, Rgba, RgbaImage};
use mogr::exec::FolderObjects;
use mogr::plan::Limits;
use mogr::{Engine, ErrorCode};

const RED: Rgba<u8> = Rgba([255, 0, 0, 255]);
const WHITE: Rgba<u8> = Rgba([255, 255, 255, 255]);

/// A bucket folder for this test binary: a 200x100 white canvas, a 20x10 red logo, a
/// 300x100 red banner, an animated GIF and a secret beside the bucket.
fn bucket() -> &'static Path {
    static BUCKET: OnceLock<PathBuf> = OnceLock::new();
    BUCKET.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("mogr-watermark-test-{}", std::process::id()));
        let bucket = dir.join("bucket");
        std::fs::create_dir_all(bucket.join("logos")).unwrap();
        write_png(&bucket.join("canvas.png"), &RgbaImage::from_pixel(200, 100, WHITE));
        write_png(&bucket.join("logos/red.png"), &RgbaImage::from_pixel(20, 10, RED));
        write_png(&bucket.join("logos/banner.png"), &RgbaImage::from_pixel(300, 100, RED));
        let gif = corpus().join("gif/dancing-banana.gif");
        std::fs::copy(gif, bucket.join("banana.gif")).unwrap();
        write_png(&dir.join("secret.png"), &RgbaImage::from_pixel(4, 4, RED));
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.join("secret.png"), bucket.join("link.png")).unwrap();
        bucket
    })
}

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testimages")
}

fn write_png(path: &Path, image: &RgbaImage) {
    image.save_with_format(path, ImageFormat::Png).unwrap();
}

fn b64(s: &str) -> String {
    mogr::syntax::encode_base64(s.as_bytes())
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::builder().objects(FolderObjects::new(bucket())).build().unwrap())
}

/// Processes the bucket's `input` with `rule`.
fn process(input: &str, rule: &str) -> Result<mogr::Response, mogr::Error> {
    let image = std::fs::read(bucket().join(input)).unwrap();
    engine().process(&image, rule)
}

/// The canvas with `mark` (a rule fragment after `watermark/1/image/<logo>`), as pixels.
fn marked(logo: &str, rest: &str) -> RgbaImage {
    let rule = format!("watermark/1/image/{}{rest}", b64(&format!("http://b-1250000000.cos.ap-x.myqcloud.com/{logo}")));
    decode_png(&process("canvas.png", &rule).unwrap_or_else(|e| panic!("{rule}: {e}")).body)
}

fn decode_png(bytes: &[u8]) -> RgbaImage {
    image::load_from_memory_with_format(bytes, ImageFormat::Png).unwrap().to_rgba8()
}

/// The bounding box (left, top, right, bottom, inclusive) of the pixels that are not white.
fn ink_box(image: &RgbaImage) -> Option<(u32, u32, u32, u32)> {
    let mut found: Option<(u32, u32, u32, u32)> = None;
    for (x, y, p) in image.enumerate_pixels() {
        if *p != WHITE {
            let b = found.get_or_insert((x, y, x, y));
            *b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
        }
    }
    found
}

#[test]
fn gravity_and_offsets_place_the_logo() {
    let full = "/dissolve/100";
    assert_eq!(ink_box(&marked("logos/red.png", full)), Some((180, 90, 199, 99)));
    let cases = [
        ("northwest", (7, 3)),
        ("north", (90, 3)),
        ("northeast", (173, 3)),
        ("west", (7, 45)),
        ("center", (90, 45)),
        ("east", (173, 45)),
        ("southwest", (7, 87)),
        ("south", (90, 87)),
        ("southeast", (173, 87)),
    ];
    for (gravity, (x, y)) in cases {
        let image = marked("logos/red.png", &format!("/gravity/{gravity}/dx/7/dy/3{full}"));
        assert_eq!(ink_box(&image), Some((x, y, x + 19, y + 9)), "{gravity}");
        assert_eq!(*image.get_pixel(x, y), RED, "{gravity}");
    }
}

#[test]
fn dissolve_blends_with_the_image_default_90() {
    // Red at alpha round(255·p/100) over white: green and blue are 255 − alpha
    // (90 %: alpha 230 (229.5 rounded half up), 25 left; 40 %: alpha 102, 153 left).
    let at = |rest: &str| *marked("logos/red.png", rest).get_pixel(190, 95);
    assert_eq!(at(""), Rgba([255, 25, 25, 255]));
    assert_eq!(at("/dissolve/40"), Rgba([255, 153, 153, 255]));
    assert_eq!(at("/dissolve/100"), RED);
}

#[test]
fn tiling_covers_all_four_quadrants_turned_by_degree() {
    let image = marked("logos/red.png", "/batch/1/degree/45/dissolve/100");
    let quadrant_has_red =
        |x0: u32, y0: u32| (y0..y0 + 50).any(|y| (x0..x0 + 100).any(|x| image.get_pixel(x, y).0[1] < 128));
    for (x0, y0) in [(0, 0), (100, 0), (0, 50), (100, 50)] {
        assert!(quadrant_has_red(x0, y0), "no tile in the quadrant at ({x0}, {y0})");
    }
    let reddish = image.pixels().filter(|p| p.0[1] < 128).count();
    // 45°: each 21x21 tile holds 200 px of red on a 31x31 pitch: about a fifth of the image.
    assert!((2500..6000).contains(&reddish), "{reddish} red pixels");
}

#[test]
fn scatype_scales_by_width_height_and_area() {
    let size = |rest: &str| {
        let (l, t, r, b) = ink_box(&marked("logos/red.png", &format!("{rest}/dissolve/100"))).unwrap();
        (r - l + 1, b - t + 1)
    };
    assert_eq!(size("/scatype/1/spcent/500"), (100, 50));
    assert_eq!(size("/scatype/2/spcent/500"), (100, 50));
    assert_eq!(size("/scatype/2/spcent/300"), (60, 30));
    // 100 ‰ of 20 000 px = 2000 px: 20x10 × √10 = 63x32.
    assert_eq!(size("/scatype/3/spcent/100"), (63, 32));
}

#[test]
fn blogo_fits_or_crops_an_oversized_logo() {
    // The 300x100 banner on the 200x100 canvas.
    let fitted = marked("logos/banner.png", "/blogo/1/dissolve/100");
    assert_eq!(ink_box(&fitted), Some((0, 33, 199, 99)));
    let cropped = marked("logos/banner.png", "/blogo/2/dissolve/100");
    assert_eq!(ink_box(&cropped), Some((0, 0, 199, 99)));
    // Without blogo the banner is clipped where it lands (south-east: its left part is cut).
    let clipped = marked("logos/banner.png", "/gravity/northwest/dissolve/100");
    assert_eq!(ink_box(&clipped), Some((0, 0, 199, 99)));
}

#[test]
fn every_frame_of_an_animation_is_marked() {
    let rule = format!("watermark/1/image/{}/gravity/northwest/dissolve/100", b64("logos/red.png"));
    let response = process("banana.gif", &rule).unwrap();
    assert_eq!(response.frames, 8);
    let frames = GifDecoder::new(Cursor::new(&response.body)).unwrap().into_frames().collect_frames().unwrap();
    assert_eq!(frames.len(), 8);
    for (i, frame) in frames.iter().enumerate() {
        let buffer = frame.buffer();
        let red = (0..10).all(|y| (0..20).all(|x| *buffer.get_pixel(x, y) == RED));
        assert!(red, "frame {i} lacks the logo");
    }
}

#[test]
fn an_animated_watermark_is_refused() {
    let err = process("canvas.png", &format!("watermark/1/image/{}", b64("banana.gif"))).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidParameter, "{err}");
    assert!(err.message().contains("animated"), "{err}");
}

#[test]
fn keys_never_leave_the_bucket() {
    for url in [
        "../secret.png",
        "http://b-1250000000.cos.ap-x.myqcloud.com/../secret.png",
        "http://b-1250000000.cos.ap-x.myqcloud.com/%2e%2e/secret.png",
        "http://b-1250000000.cos.ap-x.myqcloud.com/logos/..%2f..%2fsecret.png",
        "/etc/passwd",
        "http://b-1250000000.cos.ap-x.myqcloud.com//etc/passwd",
        "file:///etc/passwd",
    ] {
        let err = process("canvas.png", &format!("watermark/1/image/{}", b64(url))).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidUrl, "{url}: {err}");
    }
    #[cfg(unix)]
    {
        let err = process("canvas.png", &format!("watermark/1/image/{}", b64("link.png"))).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidUrl, "{err}");
    }
    let missing = process("canvas.png", &format!("watermark/1/image/{}", b64("logos/none.png"))).unwrap_err();
    assert_eq!((missing.code().number(), missing.http_status()), (-60987, 404), "{missing}");
}

#[test]
fn without_a_bucket_no_image_is_read() {
    let image = std::fs::read(bucket().join("canvas.png")).unwrap();
    let err =
        mogr::process(&image, &format!("watermark/1/image/{}", b64("logos/red.png")), &Limits::default()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::ImageNotRetrieved, "{err}");
}

#[test]
fn at_most_ten_image_watermarks() {
    let one = format!("watermark/1/image/{}", b64("logos/red.png"));
    assert!(process("canvas.png", &[one.as_str(); 10].join("|")).is_ok());
    // Each watermark is a stage, so the parser's ten-stage limit refuses the eleventh first
    // (the planner's own count of image watermarks is tested with the limits apart).
    let err = process("canvas.png", &[one.as_str(); 11].join("|")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidParameter, "{err}");
    assert!(err.message().contains("at most 10"), "{err}");
}

/// The canvas with a text watermark: `text` in black at `rest`'s settings.
fn text_marked(text: &str, rest: &str) -> RgbaImage {
    let rule = format!("watermark/2/text/{}/fill/{}/dissolve/100{rest}", b64(text), b64("#000000"));
    decode_png(&process("canvas.png", &rule).unwrap_or_else(|e| panic!("{rule}: {e}")).body)
}

/// Dark pixels (text ink) in the columns `x0..x1`.
fn ink_in(image: &RgbaImage, x0: u32, x1: u32) -> usize {
    image.enumerate_pixels().filter(|&(x, _, p)| (x0..x1).contains(&x) && p.0[0] < 128).count()
}

#[test]
fn chinese_and_japanese_text_render() {
    // 40 pt: each CJK character is one 40 px em wide, drawn from the north-west corner.
    for text in ["水印", "すか"] {
        let image = text_marked(text, "/fontsize/40/gravity/northwest");
        let (left, top, right, bottom) = ink_box(&image).unwrap();
        assert!(
            left < 8 && top < 16 && (60..80).contains(&right) && (30..56).contains(&bottom),
            "{text}: {left} {top} {right} {bottom}"
        );
        assert!(ink_in(&image, 0, 40) > 80 && ink_in(&image, 40, 80) > 80, "{text}: a character without ink");
    }
}

#[test]
fn latin_fonts_fall_back_to_cjk_for_han() {
    let image = text_marked("ab世界", &format!("/font/{}/fontsize/40/gravity/northwest", b64("Arial.ttf")));
    let (_, _, right, _) = ink_box(&image).unwrap();
    // "ab" is about 45 px of Liberation Sans, then two 40 px Han characters.
    assert!((110..135).contains(&right), "{right}");
    assert!(ink_in(&image, 50, 85) > 80 && ink_in(&image, 90, 125) > 80);
}

#[test]
fn text_settings_move_and_shade_the_text() {
    let plain = text_marked("mogr", "/fontsize/20/gravity/southeast/dx/10/dy/5");
    let (_, _, right, bottom) = ink_box(&plain).unwrap();
    assert!((185..=189).contains(&right) && (88..=94).contains(&bottom), "{right} {bottom}");
    let shaded = text_marked("mogr", "/fontsize/20/gravity/northwest/shadow/80");
    let unshaded = text_marked("mogr", "/fontsize/20/gravity/northwest");
    let (sl, st, sr, sb) = ink_box(&shaded).unwrap();
    let (ul, ut, ur, ub) = ink_box(&unshaded).unwrap();
    assert_eq!((sl, st), (ul, ut));
    assert!(sr > ur && sb > ub, "the shadow falls right and down");
}

#[test]
fn text_errors_name_the_problem() {
    let unknown =
        process("canvas.png", &format!("watermark/2/text/{}/font/{}", b64("x"), b64("Comic.ttf"))).unwrap_err();
    assert_eq!(unknown.code(), ErrorCode::InvalidParameter);
    assert!(unknown.message().contains("Comic.ttf") && unknown.message().contains("SimHei.ttf"), "{unknown}");
    let undrawable = process("canvas.png", &format!("watermark/2/text/{}", b64("a\u{E000}"))).unwrap_err();
    assert_eq!(undrawable.code(), ErrorCode::InvalidParameter);
    assert!(undrawable.message().contains("U+E000"), "{undrawable}");
}

#[test]
fn text_marks_every_frame() {
    let rule = format!("watermark/2/text/{}/fontsize/30/fill/{}/gravity/center", b64("水印"), b64("#FF0000"));
    let response = process("banana.gif", &rule).unwrap();
    let frames = GifDecoder::new(Cursor::new(&response.body)).unwrap().into_frames().collect_frames().unwrap();
    assert_eq!(frames.len(), 8);
    for (i, frame) in frames.iter().enumerate() {
        let red = frame.buffer().pixels().filter(|p| p.0[0] > 200 && p.0[1] < 80 && p.0[3] > 0).count();
        assert!(red > 100, "frame {i}: {red} red pixels");
    }
}
