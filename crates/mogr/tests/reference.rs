#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Reference-image tests: every pixel operation, through the whole of `mogr::process` (parse,
//! probe, plan, decode, the operation, encode), on small real images of the shared corpus,
//! compared with a reference PNG under a tolerance stated (and explained) per case.
//!
//! - **Independent** references (most cases) were made by ImageMagick 6 with
//!   `testdata/reference/ops/generate.sh`, which prints the exact command of each. They check
//!   that mogr is right, not only that it is stable; `MOGR_BLESS` never rewrites them.
//! - **Snapshot** references are mogr's own output, looked at and checked against the spec
//!   once, for semantics that are mogr's own (the anti-aliasing of `iradius` and `rradius`).
//!   `MOGR_BLESS=1 cargo test --release -p mogr --test reference` rewrites them (look at them
//!   before committing).
//!
//! The difference of two pixels is the largest of their four channel differences, in levels
//! of 0-255, with the colours premultiplied by alpha (so the colour of a transparent pixel does
//! not count). A case states the largest difference allowed at any pixel, the largest mean
//! difference, and how many pixels may exceed a lower threshold.
//!
//! Every case runs and every failure is collected before the test fails. A failed case leaves
//! `<case>.expected-diff-actual.png` (the reference, the difference amplified, mogr's output,
//! side by side over a checkerboard) and `<case>.actual.png` in
//! `$CARGO_TARGET_TMPDIR/reference-failures/`; the failure message names them and gives the
//! measured numbers. Animated cases compare every frame, the frames stacked top to bottom.
//! `testdata/reference/ops/README.md` lists every reference and where it came from.

use std::io::Cursor;
use std::path::PathBuf;

use image::codecs::gif::GifDecoder;
use image::{AnimationDecoder, ImageFormat, Rgba, RgbaImage};
use mogr::Engine;
use mogr::exec::FolderObjects;

/// Where a reference image came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    /// ImageMagick, through `generate.sh`: an independent implementation.
    Independent,
    /// mogr's own output, checked by eye and against the spec when it was written.
    Snapshot,
}

/// How far mogr's output may be from the reference.
#[derive(Clone, Copy, Debug)]
struct Tolerance {
    /// The largest difference allowed at any pixel.
    max: u8,
    /// The largest mean of the pixel differences.
    mean: f64,
    /// At most `over.1` (a fraction) of the pixels may differ by more than `over.0`.
    over: (u8, f64),
}

/// Identical pixels.
const EXACT: Tolerance = Tolerance { max: 0, mean: 0.0, over: (0, 0.0) };

/// A tolerance of `max` at any pixel and `mean` on average, with at most a fraction `share`
/// of the pixels over `over`.
const fn within(max: u8, mean: f64, over: u8, share: f64) -> Tolerance {
    Tolerance { max, mean, over: (over, share) }
}

/// What the case's output is compared as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Output {
    /// One PNG: the test appends `|imageMogr2/format/png` to the rule.
    Png,
    /// An animated GIF (the rule keeps the input's format): every frame, stacked.
    GifFrames,
}

/// A known defect of mogr that a case shows: what is wrong, and the bound that mogr's current
/// output stays within (so that it does not get worse unnoticed).
#[derive(Clone, Copy, Debug)]
struct Defect {
    what: &'static str,
    bound: Tolerance,
}

/// One case: an input of the corpus, a rule, and its reference `<name>.png`.
struct Case {
    name: &'static str,
    input: &'static str,
    rule: &'static str,
    output: Output,
    origin: Origin,
    /// What a correct output meets.
    tolerance: Tolerance,
    /// A known defect: the case then passes within `Defect::bound` and is reported as known;
    /// once it meets `tolerance` the test fails until the mark is removed.
    defect: Option<Defect>,
}

const fn case(name: &'static str, input: &'static str, rule: &'static str, tolerance: Tolerance) -> Case {
    Case { name, input, rule, output: Output::Png, origin: Origin::Independent, tolerance, defect: None }
}

const fn snapshot(name: &'static str, input: &'static str, rule: &'static str) -> Case {
    Case { name, input, rule, output: Output::Png, origin: Origin::Snapshot, tolerance: EXACT, defect: None }
}

const fn frames(name: &'static str, input: &'static str, rule: &'static str, tolerance: Tolerance) -> Case {
    Case { name, input, rule, output: Output::GifFrames, origin: Origin::Independent, tolerance, defect: None }
}

impl Case {
    /// Marks the case as showing a known defect, which keeps mogr's output within `bound`.
    const fn known_defect(self, what: &'static str, bound: Tolerance) -> Case {
        Case { defect: Some(Defect { what, bound }), ..self }
    }
}

/// 550x368 lossy WebP photo, opaque (decoded identically by mogr and ImageMagick: libwebp).
const LAND: &str = "webp/gallery1_1.webp";
/// 400x301 lossy WebP rose on a transparent background.
const ROSE: &str = "webp/gallery2_1_webp_a.webp";
/// 100x68 JPEG photo.
const SMALL: &str = "jpeg/Canon_40D_small.jpg";
/// 640x480 JPEG photo.
const CAMERA: &str = "jpeg/DSCN0010_gps.jpg";
/// 121x128 animated GIF, 8 frames, transparency.
const BANANA: &str = "gif/dancing-banana.gif";

// Measured differences (max, mean, share over the threshold) are noted with each case; the
// tolerance is set a little above them.
//
// Resampling: mogr shrinks with fast_image_resize's Lanczos3 (and enlarges with Catmull-Rom) in
// 8-bit fixed point, two passes with a clamped 8-bit intermediate; ImageMagick uses the same
// kernels in 16-bit (Q16) arithmetic. On opaque photos they differ by a level at about a third
// of the pixels and by up to 7 levels at a few (< 0.05 %) pixels on hard edges, where the
// lobes of Lanczos amplify the intermediate rounding.
// Where a case reduces its input before the operation under test it does so with `cut`, which
// is exact in both, so that the tolerance is the operation's own (see the README).

/// Tolerance of Lanczos3 downscaling of an opaque photo with a few hard edges.
const LANCZOS_EDGES: Tolerance = within(8, 0.4, 3, 0.002);
/// Tolerance of a Lanczos3 downscaling whose differences are all rounding (measured max 1).
const LANCZOS_SMOOTH: Tolerance = within(2, 0.35, 1, 0.001);

/// The table: one case per operation and variant.
const CASES: &[Case] = &[
    // --- thumbnail (on the opaque photo unless said) ---
    // 6, 0.328, 0.039 % over 3.
    case("thumbnail-percent", LAND, "imageMogr2/thumbnail/!30p", LANCZOS_EDGES),
    // Width only, on the rose: colours weighted by alpha in both. 1, 0.003 (18, 0.174, 1.45 %
    // over 3 while resize divided colours by the clamped alpha: see thumbnail-alpha).
    case("thumbnail-percent-width", ROSE, "imageMogr2/thumbnail/!30px", within(8, 0.25, 3, 0.005)),
    // 5, 0.325, 0.029 %.
    case("thumbnail-width", LAND, "imageMogr2/thumbnail/160x", LANCZOS_EDGES),
    // 1, 0.298.
    case("thumbnail-height", LAND, "imageMogr2/thumbnail/x100", LANCZOS_SMOOTH),
    // 1, 0.295.
    case("thumbnail-fit", LAND, "imageMogr2/thumbnail/140x120", LANCZOS_SMOOTH),
    // 7, 0.323, 0.042 %.
    case("thumbnail-force", LAND, "imageMogr2/thumbnail/160x90!", LANCZOS_EDGES),
    // 1, 0.322.
    case("thumbnail-cover", LAND, "imageMogr2/thumbnail/!120x120r", LANCZOS_SMOOTH),
    // 6, 0.324, 0.027 %.
    case("thumbnail-shrink-only", LAND, "imageMogr2/thumbnail/150x150>", LANCZOS_EDGES),
    // Enlarging 100x68 with Catmull-Rom (ImageMagick's Catrom): 1, 0.509.
    case("thumbnail-enlarge", SMALL, "imageMogr2/thumbnail/200x200<", within(2, 0.55, 1, 0.001)),
    // 10000 pixels at most: 122x81. 6, 0.307, 0.020 %.
    case("thumbnail-area", LAND, "imageMogr2/thumbnail/10000@", LANCZOS_EDGES),
    // The rose (alpha) to 128x96. 11, 0.083, 0.59 % over 3 (alpha at the right edge column and
    // a few hard edges: the 8-bit first pass). Regression: resize used to divide colours by
    // alpha clamped at 255, so where Lanczos overshot alpha inside an edge the colour grew by
    // the overshoot (36, 0.551, 3.72 %; up to ×1.17). It now divides by the 16-bit alpha the
    // filter computed, with headroom (ops/resize.rs).
    case("thumbnail-alpha", ROSE, "imageMogr2/thumbnail/128x", within(13, 0.5, 3, 0.02)),
    // JPEG shrink-on-load: mogr decodes the 640x480 photo at 1/4 (160x120) with libjpeg's
    // scaled IDCT, as ImageMagick does with `-define jpeg:size=160x120`; then Lanczos to 120x90.
    // 1, 0.475.
    case("thumbnail-jpeg-shrink-on-load", CAMERA, "imageMogr2/thumbnail/120x", within(2, 0.55, 1, 0.001)),
    // The same rule against Lanczos from the full 640x480 decode: how far shrink-on-load
    // strays from the exact result. libjpeg's 1/4 IDCT is a cruder filter than Lanczos over
    // the full image (softer, some aliasing in the foliage): 37, 5.44, 1.73 % over 16. A
    // trade of accuracy for speed (README: shrink-on-load), not a bug.
    case("thumbnail-jpeg-full-decode", CAMERA, "imageMogr2/thumbnail/120x", within(40, 5.8, 16, 0.025)),
    // pad/1 + color: the 160x107 thumbnail centred on red at y = 26 (ImageMagick's reference
    // states the offset: its `-gravity center` would round 26.5 the other way, to 27; the spec
    // says "centered", nothing finer). 5, 0.217, 0.020 %.
    case("thumbnail-pad", LAND, "imageMogr2/thumbnail/160x160/pad/1/color/I0ZGMDAwMA", within(6, 0.3, 3, 0.002)),
    // pad on the rose: the thumbnail composited over #3366CC, opaque. 5, 0.066, 0.097 % over 3
    // (23, 0.405, 2.48 % with the old defect of thumbnail-alpha, shown over the pad colour).
    case("thumbnail-pad-alpha", ROSE, "imageMogr2/thumbnail/120x120/pad/1/color/IzMzNjZDQw", within(13, 0.45, 3, 0.02)),
    // --- imageView2: never enlarges; modes 4 and 5 read w/h as the long/short edge. Sizes
    // and crops by ImageMagick's own geometry (`WxH^`, `-gravity center -extent`) ---
    // Cover 120x120 (179x120), centre crop at x = 29. 1, 0.322.
    case("iv2-mode1", LAND, "imageView2/1/w/120/h/120", LANCZOS_SMOOTH),
    // One value: a square. 1, 0.303.
    case("iv2-mode1-one-value", LAND, "imageView2/1/w/100", LANCZOS_SMOOTH),
    // Fit 130x130: 130x87. 1, 0.298.
    case("iv2-mode2", LAND, "imageView2/2/w/130/h/130", LANCZOS_SMOOTH),
    // A 100x68 image in a 200x200 box stays as it is: exact.
    case("iv2-mode2-never-enlarges", SMALL, "imageView2/2/w/200/h/200", EXACT),
    // Cover 150x110 without a crop: 164x110. 1, 0.315.
    case("iv2-mode3", LAND, "imageView2/3/w/150/h/110", LANCZOS_SMOOTH),
    // On a portrait (the photo turned by an exact right angle first, in its own stage) the long
    // edge (160) is the height: mode 4 covers 100x160 (107x160), 1, 0.300; mode 5 also crops
    // the centre 100x160, 1, 0.304.
    case("iv2-mode4-portrait", LAND, "imageMogr2/rotate/90|imageView2/4/w/160/h/100", LANCZOS_SMOOTH),
    case("iv2-mode5-portrait", LAND, "imageMogr2/rotate/90|imageView2/5/w/160/h/100", LANCZOS_SMOOTH),
    // --- cut and crop: whole pixels, exact (ImageMagick's -crop and -gravity) ---
    case("cut", LAND, "imageMogr2/cut/160x120x180x150", EXACT),
    // A region past the corner is clipped to the image: 100x118.
    case("cut-clipped", LAND, "imageMogr2/cut/200x200x450x250", EXACT),
    case("crop-northwest-default", LAND, "imageMogr2/crop/160x120", EXACT),
    case("crop-center", LAND, "imageMogr2/crop/160x120/gravity/center", EXACT),
    // Offsets push away from the reference corner.
    case("crop-southeast-offset", LAND, "imageMogr2/crop/160x120/gravity/southeast/dx/20/dy/10", EXACT),
    case("crop-north-dy", LAND, "imageMogr2/crop/160x120/gravity/north/dy/30", EXACT),
    // Width only keeps the height.
    case("crop-width-east", SMALL, "imageMogr2/crop/60x/gravity/east", EXACT),
    // --- iradius and rradius: mogr's own anti-aliasing (8x8 supersampled coverage); the
    // snapshots must stay byte-exact in pixels ---
    // Snapshot, checked by eye: a disc of radius 50 centred in the 160x107 thumbnail, cropped
    // to its 100x100 square, transparent outside, a one-pixel soft edge; the alpha is
    // symmetric left-right and top-bottom and within 6 levels of a 64x64-supersampled
    // coverage computed independently (README); the colours are the thumbnail's.
    snapshot("iradius", LAND, "imageMogr2/thumbnail/160x/iradius/50"),
    // Snapshot, checked by eye: radius 80 is more than half the shorter side (107), so it is
    // clamped to 53 and the output is the circle's 106x106 square (mogr's chosen semantics).
    snapshot("iradius-clamped", LAND, "imageMogr2/thumbnail/160x/iradius/80"),
    // Snapshot, checked by eye: the four corners of the 160x107 thumbnail cut by quarter
    // circles of radius 30 tangent to both sides, transparent outside, a soft one-pixel edge,
    // symmetric; the rest untouched.
    snapshot("rradius", LAND, "imageMogr2/thumbnail/160x/rradius/30"),
    // --- rotate, clockwise, on a 160x120 cut of the rose (stem, leaf, petals, transparency) ---
    // Right angles are exact permutations.
    case("rotate-90", ROSE, "imageMogr2/cut/160x120x200x0/rotate/90", EXACT),
    case("rotate-180", ROSE, "imageMogr2/cut/160x120x200x0/rotate/180", EXACT),
    case("rotate-270", ROSE, "imageMogr2/cut/160x120x200x0/rotate/270", EXACT),
    // 33° onto a 200x188 canvas: bilinear inverse mapping about the centres, colours weighted
    // by alpha, transparent outside (ImageMagick's `-distort SRT` with bilinear interpolation).
    // Measured identical; one level is allowed at 0.1 % of the pixels for the last bit of
    // sin/cos, which the C library may round differently on another machine.
    case("rotate-33", ROSE, "imageMogr2/cut/160x120x200x0/rotate/33", ROTATE_BILINEAR),
    // The same on an opaque photo: anti-aliased edges, transparent corners. Identical.
    case("rotate-33-opaque", LAND, "imageMogr2/cut/160x120x180x150/rotate/33", ROTATE_BILINEAR),
    // --- flip: exact ---
    case("flip-vertical", LAND, "imageMogr2/cut/160x120x180x150/flip/vertical", EXACT),
    case("flip-horizontal", LAND, "imageMogr2/cut/160x120x180x150/flip/horizontal", EXACT),
    // --- auto-orient: EXIF orientations 1-8 (the pictures say which side is up); libjpeg's 1/8
    // decode in both (225x150 or 150x225), ImageMagick's -auto-orient, Lanczos to 120x80.
    // 1, 0.41 each: a wrong orientation differs by tens of levels nearly everywhere ---
    case("auto-orient-1", "exif-orientation/Landscape_1.jpg", ORIENT_RULE, ORIENTED),
    case("auto-orient-2", "exif-orientation/Landscape_2.jpg", ORIENT_RULE, ORIENTED),
    case("auto-orient-3", "exif-orientation/Landscape_3.jpg", ORIENT_RULE, ORIENTED),
    case("auto-orient-4", "exif-orientation/Landscape_4.jpg", ORIENT_RULE, ORIENTED),
    case("auto-orient-5", "exif-orientation/Landscape_5.jpg", ORIENT_RULE, ORIENTED),
    case("auto-orient-6", "exif-orientation/Landscape_6.jpg", ORIENT_RULE, ORIENTED),
    case("auto-orient-7", "exif-orientation/Landscape_7.jpg", ORIENT_RULE, ORIENTED),
    case("auto-orient-8", "exif-orientation/Landscape_8.jpg", ORIENT_RULE, ORIENTED),
    // --- blur: separable Gaussian cut at the radius, edges repeated ---
    // ImageMagick's own `-blur 8x5`: 1, 0.011.
    case("blur-8x5", LAND, "imageMogr2/cut/160x120x180x150/blur/8x5", within(1, 0.02, 1, 0.0)),
    // The point-sampled Gaussian (ImageMagick's -blur averages sub-samples, which shows at
    // σ = 1: 3 levels); rounding only: 1, 0.003.
    case("blur-3x1", LAND, "imageMogr2/cut/160x120x180x150/blur/3x1", within(1, 0.01, 1, 0.0)),
    // On alpha: colours weighted by alpha, blur(RGB·A)/blur(A). 1, 0.003.
    case("blur-alpha", ROSE, "imageMogr2/cut/160x120x200x0/blur/4x2", within(1, 0.01, 1, 0.0)),
    // --- sharpen: the unsharp mask c + v/100·(c − gauss(r 3, σ 1)); v/100 is mogr's reading of
    // CI's strength, the mask is computed by ImageMagick. mogr subtracts the blur rounded to
    // 8 bits, so its rounding is multiplied by v/100: 1, 0.400 (v = 70); 2, 0.908 (v = 300) ---
    case("sharpen-70", LAND, "imageMogr2/cut/160x120x180x150/sharpen/70", within(1, 0.45, 1, 0.0)),
    case("sharpen-300", LAND, "imageMogr2/cut/160x120x180x150/sharpen/300", within(2, 1.0, 2, 0.0)),
    // --- tone: mogr's documented formulas (ops/tone.rs), computed by ImageMagick: bright adds
    // round(255·v/100), contrast is the line through 127.5 of slope tan((v+100)/200·π/2) ---
    case("bright-40", LAND, "imageMogr2/cut/160x120x180x150/bright/40", EXACT),
    case("bright-minus-30", LAND, "imageMogr2/cut/160x120x180x150/bright/-30", EXACT),
    case("contrast-50", LAND, "imageMogr2/cut/160x120x180x150/contrast/50", EXACT),
    case("contrast-minus-50", LAND, "imageMogr2/cut/160x120x180x150/contrast/-50", EXACT),
    // BT.601 luma, ImageMagick's Rec601Luma (coefficients to more digits): 1, 0.025.
    case("grayscale", LAND, "imageMogr2/cut/160x120x180x150/grayscale/1", within(1, 0.03, 1, 0.0)),
    // --- animation, frame by frame: GIF in, GIF out, the 8 frames compared ---
    // Whole-pixel operations; the GIF encoder keeps each frame's ≤ 256 colours: exact.
    frames("gif-crop-flip-frames", BANANA, "imageMogr2/crop/100x100/gravity/center/flip/horizontal", EXACT),
    // Resized frames have partial alpha and > 256 colours; a GIF has 1 bit of alpha and 256
    // colours. Reference: ImageMagick's frames with alpha cut at 50 %. A correct encoder would
    // differ by its palette (and a few pixels whose alpha is near 50 %). Measured 255, 3.16,
    // 2.28 % over 32 since the encoder cuts alpha at 50 % (255, 27.9, 11.9 % when every pixel
    // with some alpha was written opaque); what is left is the palette: see GIF_PALETTE.
    frames("gif-thumbnail-frames", BANANA, "imageMogr2/thumbnail/!50p", within(255, 3.0, 32, 0.01))
        .known_defect(GIF_PALETTE, within(255, 3.5, 32, 0.025)),
    // --- watermarks (the logo: pngsuite's basn6a08, 32x32 with graded alpha) ---
    // Dissolve 90, south-east: the same but for IM's Q16 rounding of the blend, one level at a
    // third of the logo's pixels: 1, 0.015, 1.49 % over 0.
    case(
        "watermark-image-default",
        LAND,
        "imageMogr2/cut/160x120x180x150|watermark/1/image/cG5nL3BuZ3N1aXRlL2Jhc242YTA4LnBuZw",
        within(1, 0.02, 0, 0.02),
    ),
    // Over a transparent background at 50 %, offsets from the north-west corner: 1, 0.022,
    // 2.17 % over 0.
    case(
        "watermark-image-northwest-on-alpha",
        ROSE,
        "imageMogr2/cut/160x120x200x0|watermark/1/image/cG5nL3BuZ3N1aXRlL2Jhc242YTA4LnBuZw/gravity/northwest/dx/10/dy/5/dissolve/50",
        within(1, 0.03, 0, 0.03),
    ),
    // scatype/1/spcent/500: the logo enlarged to 80x80 (Catmull-Rom; 8-bit vs Q16 rounding over
    // the whole mark), east with dx 7: 1, 0.125.
    case(
        "watermark-image-scaled",
        LAND,
        "imageMogr2/cut/160x120x180x150|watermark/1/image/cG5nL3BuZ3N1aXRlL2Jhc242YTA4LnBuZw/scatype/1/spcent/500/gravity/east/dx/7/dissolve/100",
        within(1, 0.15, 1, 0.0),
    ),
    // Text in the default font (DejaVu Sans for Tahoma) and fill, 24 pt, opaque; IM rasterises
    // with FreeType (hinted), mogr with ab_glyph (unhinted): edge pixels of the glyphs differ,
    // the placement does not: 40, 0.140, 0.021 % over 32.
    case(
        "watermark-text-default",
        LAND,
        "imageMogr2/cut/160x120x180x150|watermark/2/text/bW9ncg/fontsize/24/dissolve/100",
        within(64, 0.2, 32, 0.001),
    ),
];

/// NeuQuant (speed 10) drops the rare colours of a frame with more than 256.
const GIF_PALETTE: &str = "GIF output: the NeuQuant palette loses rare colours (the red mouth)";

/// Right-angle-free rotation: identical, one level allowed at 0.1 % of the pixels.
const ROTATE_BILINEAR: Tolerance = within(1, 0.01, 0, 0.001);

/// Orientation cases: libjpeg's scaled decode, then Lanczos rounding.
const ORIENTED: Tolerance = within(2, 0.45, 1, 0.001);

/// The rule of the auto-orient cases.
const ORIENT_RULE: &str = "imageMogr2/auto-orient/thumbnail/120x";

/// One engine for every case (it shares the fonts it loads); watermark images are objects of
/// a bucket: the corpus is one.
fn engine() -> &'static Engine {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| Engine::builder().objects(FolderObjects::new(corpus())).build().expect("an engine"))
}

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testimages")
}

fn references() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/reference/ops")
}

/// `MOGR_REFERENCE_KEEP=1` writes the pictures of every case, not only of the failed ones.
fn keep_all() -> bool {
    std::env::var("MOGR_REFERENCE_KEEP").is_ok_and(|v| v == "1")
}

fn failures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("reference-failures")
}

/// What comparing an output with its reference measured.
#[derive(Clone, Copy, Debug, Default)]
struct Measure {
    max: u8,
    mean: f64,
    /// The share of pixels over the tolerance's threshold.
    over: f64,
}

impl Measure {
    fn within(&self, t: &Tolerance) -> bool {
        self.max <= t.max && self.mean <= t.mean && self.over <= t.over.1
    }
}

/// A pixel premultiplied by its alpha, rounded.
fn premultiplied(p: Rgba<u8>) -> [u8; 4] {
    let [r, g, b, a] = p.0;
    let mul = |c: u8| ((u32::from(c) * u32::from(a) + 127) / 255) as u8;
    [mul(r), mul(g), mul(b), a]
}

/// The difference of two pixels: their largest channel difference, premultiplied.
fn difference(e: Rgba<u8>, a: Rgba<u8>) -> u8 {
    let (e, a) = (premultiplied(e), premultiplied(a));
    e.iter().zip(&a).map(|(x, y)| x.abs_diff(*y)).max().unwrap_or(0)
}

/// Compares two images of the same size.
fn measure(expected: &RgbaImage, actual: &RgbaImage, over: u8) -> Measure {
    let (mut max, mut sum, mut count_over) = (0u8, 0u64, 0usize);
    for (e, a) in expected.pixels().zip(actual.pixels()) {
        let d = difference(*e, *a);
        max = max.max(d);
        sum += u64::from(d);
        count_over += usize::from(d > over);
    }
    let pixels = (expected.width() as usize * expected.height() as usize).max(1);
    Measure { max, mean: sum as f64 / pixels as f64, over: count_over as f64 / pixels as f64 }
}

/// Runs the case's rule on its input: the output decoded to RGBA (frames stacked), and the
/// encoded bytes.
fn run(case: &Case) -> Result<(RgbaImage, Vec<u8>), String> {
    let input = std::fs::read(corpus().join(case.input)).map_err(|e| format!("reading {}: {e}", case.input))?;
    let rule = match case.output {
        Output::Png => format!("{}|imageMogr2/format/png", case.rule),
        Output::GifFrames => case.rule.to_string(),
    };
    let response = engine().process(&input, &rule).map_err(|e| format!("{rule}: {e}"))?;
    let image = match case.output {
        Output::Png => {
            let image = image::load_from_memory_with_format(&response.body, ImageFormat::Png)
                .map_err(|e| format!("decoding the PNG: {e}"))?
                .to_rgba8();
            if image.dimensions() != (response.width, response.height) {
                return Err(format!(
                    "the PNG is {:?} but the response says {}x{}",
                    image.dimensions(),
                    response.width,
                    response.height
                ));
            }
            image
        }
        Output::GifFrames => {
            let decoder = GifDecoder::new(Cursor::new(&response.body)).map_err(|e| format!("not a GIF: {e}"))?;
            let frames = decoder.into_frames().collect_frames().map_err(|e| format!("decoding the GIF frames: {e}"))?;
            if frames.len() != response.frames as usize {
                return Err(format!("{} frames decoded, the response says {}", frames.len(), response.frames));
            }
            stack(frames.iter().map(|f| f.buffer()))
        }
    };
    Ok((image, response.body))
}

/// Images stacked top to bottom (all of the first one's width).
fn stack<'a>(images: impl Iterator<Item = &'a RgbaImage>) -> RgbaImage {
    let images: Vec<&RgbaImage> = images.collect();
    let width = images.first().map_or(0, |i| i.width());
    let height = images.iter().map(|i| i.height()).sum();
    let mut out = RgbaImage::new(width, height);
    let mut y = 0;
    for image in images {
        image::imageops::replace(&mut out, image, 0, i64::from(y));
        y += image.height();
    }
    out
}

/// A pixel shown over a light checkerboard, opaque.
fn over_checkerboard(p: Rgba<u8>, x: u32, y: u32) -> Rgba<u8> {
    let background: u32 = if (x / 8 + y / 8).is_multiple_of(2) { 204 } else { 255 };
    let a = u32::from(p.0[3]);
    let mix = |c: u8| ((u32::from(c) * a + background * (255 - a) + 127) / 255) as u8;
    Rgba([mix(p.0[0]), mix(p.0[1]), mix(p.0[2]), 255])
}

/// Expected, the difference amplified, actual, side by side (4 px apart). The difference
/// covers the area both share: black where equal, grey from 64 up by 16 a level, red where
/// the images do not overlap.
fn triptych(expected: &RgbaImage, actual: &RgbaImage) -> RgbaImage {
    const GAP: u32 = 4;
    let width = expected.width().max(actual.width());
    let height = expected.height().max(actual.height());
    let mut out = RgbaImage::from_pixel(3 * width + 2 * GAP, height, Rgba([255, 255, 255, 255]));
    for (x, y, p) in expected.enumerate_pixels() {
        out.put_pixel(x, y, over_checkerboard(*p, x, y));
    }
    for (x, y, p) in actual.enumerate_pixels() {
        out.put_pixel(2 * (width + GAP) + x, y, over_checkerboard(*p, x, y));
    }
    for y in 0..height {
        for x in 0..width {
            let shown = match (expected.get_pixel_checked(x, y), actual.get_pixel_checked(x, y)) {
                (Some(e), Some(a)) => {
                    let d = difference(*e, *a);
                    let v = if d == 0 { 0 } else { (64 + 16 * u32::from(d)).min(255) as u8 };
                    Rgba([v, v, v, 255])
                }
                _ => Rgba([255, 0, 0, 255]),
            };
            out.put_pixel(width + GAP + x, y, shown);
        }
    }
    out
}

/// Writes the failure pictures of `case`; their paths for the message.
fn write_failure(case: &Case, expected: Option<&RgbaImage>, actual: &RgbaImage) -> String {
    let dir = failures_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let actual_path = dir.join(format!("{}.actual.png", case.name));
    actual.save_with_format(&actual_path, ImageFormat::Png).unwrap();
    match expected {
        Some(expected) => {
            let path = dir.join(format!("{}.expected-diff-actual.png", case.name));
            triptych(expected, actual).save_with_format(&path, ImageFormat::Png).unwrap();
            format!("see {} (and {})", path.display(), actual_path.display())
        }
        None => format!("mogr's output is {}", actual_path.display()),
    }
}

/// Checks one case: what it measured (when the sizes agree) and what failed, if anything.
fn check(case: &Case, bless: bool) -> (Option<Measure>, Option<String>) {
    let reference_path = references().join(format!("{}.png", case.name));
    let (actual, body) = match run(case) {
        Ok(output) => output,
        Err(e) => return (None, Some(e)),
    };
    if bless && case.origin == Origin::Snapshot {
        let written = match case.output {
            Output::Png => std::fs::write(&reference_path, &body).map_err(|e| e.to_string()),
            Output::GifFrames => actual.save_with_format(&reference_path, ImageFormat::Png).map_err(|e| e.to_string()),
        };
        return (None, written.err().map(|e| format!("writing {}: {e}", reference_path.display())));
    }
    let expected = match image::open(&reference_path) {
        Ok(image) => image.to_rgba8(),
        Err(e) => {
            let how = match case.origin {
                Origin::Independent => "run testdata/reference/ops/generate.sh",
                Origin::Snapshot => "check mogr's output, then MOGR_BLESS=1",
            };
            let pictures = write_failure(case, None, &actual);
            return (None, Some(format!("no reference {} ({e}): {how}; {pictures}", reference_path.display())));
        }
    };
    if expected.dimensions() != actual.dimensions() {
        let pictures = write_failure(case, Some(&expected), &actual);
        let message =
            format!("mogr made {:?}, the reference is {:?}; {pictures}", actual.dimensions(), expected.dimensions());
        return (None, Some(message));
    }
    let measured = measure(&expected, &actual, case.tolerance.over.0);
    if keep_all() {
        write_failure(case, Some(&expected), &actual);
    }
    let correct = measured.within(&case.tolerance);
    let failure = match case.defect {
        None if correct => None,
        None => Some(excess(&measured, &case.tolerance)),
        Some(defect) if correct => Some(format!(
            "meets its tolerance now: the known defect ({}) is fixed, remove its mark from the case",
            defect.what
        )),
        Some(defect) => {
            let bound = measure(&expected, &actual, defect.bound.over.0);
            if bound.within(&defect.bound) {
                None
            } else {
                Some(format!("worse than the known defect ({}) allows: {}", defect.what, excess(&bound, &defect.bound)))
            }
        }
    };
    let failure = failure.map(|message| format!("{message}; {}", write_failure(case, Some(&expected), &actual)));
    (Some(measured), failure)
}

/// The numbers of a measure against a tolerance it does not meet.
fn excess(m: &Measure, t: &Tolerance) -> String {
    format!(
        "max {} (allowed {}), mean {:.3} (allowed {}), {:.2}% of pixels over {} (allowed {:.2}%)",
        m.max,
        t.max,
        m.mean,
        t.mean,
        100.0 * m.over,
        t.over.0,
        100.0 * t.over.1
    )
}

#[test]
fn every_operation_matches_its_reference_image() {
    let bless = std::env::var("MOGR_BLESS").is_ok_and(|v| v == "1");
    let _ = std::fs::remove_dir_all(failures_dir());
    let mut failures = Vec::new();
    println!("{:<32} {:>4} {:>7} {:>8}   tolerance", "case", "max", "mean", "over");
    for case in CASES {
        let (measured, failure) = check(case, bless);
        if let Some(m) = measured {
            let t = case.tolerance;
            let known = case.defect.map_or(String::new(), |d| format!("   KNOWN DEFECT: {}", d.what));
            println!(
                "{:<32} {:>4} {:>7.3} {:>7.3}%   max {} mean {} over {}: {:.2}%{known}",
                case.name,
                m.max,
                m.mean,
                100.0 * m.over,
                t.max,
                t.mean,
                t.over.0,
                100.0 * t.over.1
            );
        }
        if let Some(failure) = failure {
            failures.push(format!("{} ({} on {}): {failure}", case.name, case.rule, case.input));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), CASES.len(), failures.join("\n"));
}

#[test]
fn every_reference_belongs_to_a_case_and_the_set_stays_small() {
    let mut total = 0;
    let mut strays = Vec::new();
    for entry in std::fs::read_dir(references()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "png") {
            continue;
        }
        let size = std::fs::metadata(&path).unwrap().len();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        assert!(size <= 60 * 1024, "{} is {size} bytes: make the case's image smaller", path.display());
        total += size;
        if !CASES.iter().any(|c| c.name == name) {
            strays.push(name);
        }
    }
    assert!(strays.is_empty(), "references without a case: {strays:?}");
    assert!(total <= 2 * 1024 * 1024, "the references take {total} bytes: keep them under 2 MiB");
    let mut names: Vec<&str> = CASES.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), CASES.len(), "two cases share a name");
}
