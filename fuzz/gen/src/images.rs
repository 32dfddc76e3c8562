//! The image seeds of the `probe` and `parse_plan` targets, copied from the shared corpus
//! (`../shared/testimages`, beside the repository) and checked with `mogr_plan::probe`:
//!
//! - `fuzz/seeds/probe/`: one image per file, from [`PROBE_SEEDS`]: every format, each one's
//!   variants (EXIF orientation, CMYK, APNG, animation, lossless, BMP headers, HEIF transforms,
//!   sequences) and a few hostile files. A seed is a whole corpus file of at most 16 KiB or,
//!   for a larger file whose headers come first, its first bytes: the probe reads headers only,
//!   and the generator checks that the prefix probes like the whole file.
//! - `fuzz/seeds/parse_plan/`: a rule, `\n`, then an image, from [`PLAN_SEEDS`]: the images are
//!   small probe seeds or the five bytes of a synthetic probe.
//!
//! Each folder gets a `README.md` naming every seed's source and licence (from the corpus's
//! `MANIFEST.md`). Without the corpus both folders are left as they are.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use mogr_plan::{ImageFormat, Orientation, Probe};

/// The largest seed file.
const MAX_SEED: usize = 16 * 1024;

/// A seed of the `probe` target.
struct ProbeSeed {
    /// The seed's file name.
    name: &'static str,
    /// The corpus file.
    file: &'static str,
    /// Keep only the first bytes (headers) of a larger file.
    prefix: Option<usize>,
    /// The format and stored size the probe must find; `None` for hostile files, whose probe
    /// may fail.
    expect: Option<(ImageFormat, u32, u32)>,
}

const fn whole(name: &'static str, file: &'static str, expect: Option<(ImageFormat, u32, u32)>) -> ProbeSeed {
    ProbeSeed { name, file, prefix: None, expect }
}

const fn head(name: &'static str, file: &'static str, bytes: usize, expect: (ImageFormat, u32, u32)) -> ProbeSeed {
    ProbeSeed { name, file, prefix: Some(bytes), expect: Some(expect) }
}

use ImageFormat::{Avif, Bmp, Gif, Heif, Jpeg, Png, Svg, Tiff, Webp};

/// The seeds of the `probe` target.
#[rustfmt::skip]
const PROBE_SEEDS: &[ProbeSeed] = &[
    // JPEG: EXIF + ICC + thumbnail, progressive, CMYK (Adobe), arithmetic, lossless, and the
    // headers of two EXIF-oriented photos (6: rotate; 5: transpose).
    whole("jpeg-exif-icc-thumbnail.jpg", "jpeg/Canon_40D_small.jpg", Some((Jpeg, 100, 68))),
    whole("jpeg-progressive.jpg", "jpeg/mozilla_jpg-progressive.jpg", Some((Jpeg, 32, 32))),
    whole("jpeg-cmyk-adobe.jpg", "jpeg/cmyk/mozilla_jpg-cmyk-1.jpg", Some((Jpeg, 32, 32))),
    whole("jpeg-arithmetic.jpg", "jpeg/arithmetic_coded.jpg", Some((Jpeg, 10, 10))),
    head("jpeg-lossless-sof3-head.jpg", "jpeg/lossless_sof3_sel1.jpg", 512, (Jpeg, 256, 256)),
    head("jpeg-exif-orientation-6-head.jpg", "exif-orientation/Landscape_6.jpg", 1024, (Jpeg, 1200, 1800)),
    head("jpeg-exif-orientation-5-head.jpg", "exif-orientation/Portrait_5.jpg", 1024, (Jpeg, 1800, 1200)),
    // PNG: palette + tRNS, interlaced, 16-bit, ICC, eXIf orientation, APNG.
    whole("png-palette-trns.png", "png/pngsuite/tbbn3p08.png", Some((Png, 32, 32))),
    whole("png-interlaced-rgba16.png", "png/pngsuite/basi6a16.png", Some((Png, 32, 32))),
    whole("png-icc-alpha.png", "png/display-p3.png", Some((Png, 8, 8))),
    whole("png-exif-orientation-6.png", "png/eXIf_chunk_early.png", Some((Png, 400, 400))),
    whole("apng-rgba16.png", "png/apng_rgba16.png", Some((Png, 20, 20))),
    whole("apng-dispose-previous.png", "png/apng_wpt_dispose-previous.png", Some((Png, 128, 64))),
    // GIF: animated with a loop count, ICC extension, transparency.
    whole("gif-animated-loop-3.gif", "gif/animated-loop-3.gif", Some((Gif, 370, 285))),
    whole("gif-icc-two-frames.gif", "gif/beacon_icc.gif", Some((Gif, 6, 6))),
    whole("gif-transparent.gif", "gif/alpha_gif_a.gif", Some((Gif, 256, 256))),
    // WebP: lossy, lossless, extended with alpha, animated.
    whole("webp-lossy.webp", "webp/libwebp-test-data/small_31x13.webp", Some((Webp, 31, 13))),
    whole("webp-lossless.webp", "webp/libwebp-test-data/lossless4.webp", Some((Webp, 256, 256))),
    whole("webp-extended-alpha.webp", "webp/libwebp-test-data/alpha_no_compression.webp", Some((Webp, 16, 16))),
    whole("webp-animated.webp", "webp/rotating-squares.webp", Some((Webp, 80, 80))),
    // BMP: Windows 3.x top-down, OS/2 1.x core, RLE4, V5 with alpha, 16-bit bit fields, ICC.
    whole("bmp-info-top-down.bmp", "bmp/Info_R8_G8_B8_Top_Down.bmp", Some((Bmp, 6, 6))),
    whole("bmp-os2-core.bmp", "bmp/pal8os2sp.bmp", Some((Bmp, 127, 64))),
    whole("bmp-rle4.bmp", "bmp/pal4rle.bmp", Some((Bmp, 127, 64))),
    whole("bmp-v5-argb.bmp", "bmp/V5_A8_R8_G8_B8_Rgb.bmp", Some((Bmp, 32, 32))),
    head("bmp-bitfields-565-head.bmp", "bmp/rgb16-565.bmp", 1024, (Bmp, 127, 64)),
    head("bmp-icc-head.bmp", "bmp/rgb24prof.bmp", 1024, (Bmp, 127, 64)),
    // HEIF and AVIF: thumbnail item, alpha item, ICC, the headers of irot, imir + irot + clap,
    // an iPhone grid with irot, and an AVIF sequence.
    whole("heic-thumbnail.heic", "heic/colors-no-alpha-thumbnail.heic", Some((Heif, 72, 72))),
    whole("heic-alpha.heic", "heic/colors-with-alpha.heic", Some((Heif, 64, 64))),
    whole("avif-icc.avif", "avif/red-at-12-oclock-with-color-profile-lossy.avif", Some((Avif, 800, 800))),
    head("avif-irot-90-head.avif", "avif/kimono.rotate90.avif", 512, (Avif, 1024, 722)),
    head("avif-imir-irot-clap-head.avif", "avif/kimono.mirror-vertical.rotate270.crop.avif", 512, (Avif, 1024, 722)),
    head("heic-grid-irot-head.heic", "heic/iphone_13_pro_max.heic", 4096, (Heif, 4032, 3024)),
    head("avifs-sequence-head.avifs", "avif/star-8bpc-with-alpha.avifs", 2048, (Avif, 159, 159)),
    // TIFF: PackBits with predictor, 1-bit, EXIF.
    whole("tiff-packbits.tiff", "tiff/hpredict_packbits.tiff", Some((Tiff, 32, 32))),
    whole("tiff-1bit.tiff", "tiff/l1.tiff", Some((Tiff, 100, 100))),
    whole("tiff-exif.tiff", "tiff/Arbitro_exif.tiff", Some((Tiff, 174, 38))),
    // SVG: viewBox only, width and height.
    whole("svg-viewbox.svg", "svg/circle.svg", Some((Svg, 8, 8))),
    whole("svg-width-height.svg", "svg/drop-shadow-filter.svg", Some((Svg, 200, 100))),
    // Hostile: huge claims, zero sides, truncation, overflows.
    whole("hostile-jpeg-64250x64250.jpg", "hostile/jpeg/lottapixel.jpg", None),
    whole("hostile-jpeg-height-0.jpg", "hostile/jpeg/jd_null_height.jpg", None),
    whole("hostile-bmp-height-2147483647.bmp", "hostile/bmp/Bad_height.bmp", None),
    whole("hostile-gif-6727x65351.gif", "hostile/gif/gifrs_issue-101-infinite-empty-loop.gif", None),
    whole("hostile-apng-491776-wide.png", "hostile/png/fuzz_minimized-from-32e60253faddfdf03b267e0b55c7b91a674d74bd.png", None),
    whole("hostile-heif-overflow.heic", "hostile/heic/hbo_heif_context.h_126_1.heic", None),
    whole("hostile-webp-truncated.webp", "hostile/webp/very_short.webp", None),
    whole("hostile-svg-entities.svg", "hostile/svg/resvg_elements-via-ENTITY-reference-1.svg", None),
];

/// The image of a `parse_plan` seed.
enum Image {
    /// The bytes of a probe seed, by name.
    Seed(&'static str),
    /// Five bytes for the synthetic probe: width, height, format (modulo 9; bit 4 alpha),
    /// orientation (low three bits) and frames (upper five), JPEG quality.
    Synthetic([u8; 5]),
}

/// The seeds of the `parse_plan` target: `(seed name, rule, image)`. Every rule parses.
#[rustfmt::skip]
const PLAN_SEEDS: &[(&str, &str, Image)] = &[
    ("thumbnail-percent-jpeg", "imageMogr2/thumbnail/!50p", Image::Seed("jpeg-progressive.jpg")),
    ("auto-orient-fit-webp", "imageMogr2/auto-orient/thumbnail/300x300>/format/webp", Image::Seed("jpeg-exif-orientation-6-head.jpg")),
    ("exif-transposed-jpeg", "imageMogr2/strip|exif", Image::Seed("jpeg-exif-orientation-5-head.jpg")),
    ("crop-center-cmyk", "imageMogr2/crop/20x30/gravity/center/quality/80", Image::Seed("jpeg-cmyk-adobe.jpg")),
    ("size-limit-interlace", "imageMogr2/rquality/50/size-limit/10k!/interlace/1", Image::Seed("jpeg-arithmetic.jpg")),
    ("cgif-animated-gif", "imageMogr2/thumbnail/200x/format/gif/cgif/3", Image::Seed("gif-icc-two-frames.gif")),
    ("apng-to-webp-info", "imageMogr2/format/webp|imageInfo", Image::Seed("apng-rgba16.png")),
    ("view2-mode-1-webp", "imageView2/1/w/100/h/100/q/75", Image::Seed("webp-lossy.webp")),
    ("cut-then-rradius", "imageMogr2/cut/10x10x2x2|imageMogr2/rradius/3", Image::Seed("webp-extended-alpha.webp")),
    ("iradius-bmp", "imageMogr2/iradius/2/format/png", Image::Seed("bmp-info-top-down.bmp")),
    ("rotate-then-percent", "imageMogr2/rotate/45/thumbnail/!10p", Image::Seed("png-icc-alpha.png")),
    ("pad-heic", "imageMogr2/thumbnail/500x500/pad/1/color/I0ZGMDAwMA", Image::Seed("heic-alpha.heic")),
    ("auto-orient-avif-irot", "imageMogr2/auto-orient/thumbnail/x100/format/jpg", Image::Seed("avif-irot-90-head.avif")),
    ("tiff-to-png-view2-mode-4", "imageView2/4/w/50/h/20", Image::Seed("tiff-1bit.tiff")),
    ("svg-enlarge", "imageMogr2/thumbnail/1000x1000</format/png", Image::Seed("svg-viewbox.svg")),
    ("over-limit-ignore-error", "imageMogr2/thumbnail/!1000p/ignore-error/1", Image::Seed("gif-transparent.gif")),
    ("pixel-flood", "imageMogr2/thumbnail/100x100", Image::Seed("hostile-jpeg-64250x64250.jpg")),
    ("effects-watermark", "imageMogr2/blur/5x2/sharpen/100/bright/10/contrast/-10/grayscale/1/flip/vertical|watermark/2/text/SGVsbG8", Image::Seed("bmp-v5-argb.bmp")),
    ("synthetic-cover-crop-offsets", "imageMogr2/thumbnail/!300x200r/crop/100x100/gravity/southeast/dx/10/dy/10", Image::Synthetic([200, 150, 0, 5, 90])),
    ("synthetic-area-rotate-gif", "imageMogr2/thumbnail/90000@/rotate/90/cgif/2", Image::Synthetic([220, 40, 2, 0x1b, 0])),
    ("synthetic-view2-huge", "imageView2/5/w/300/h/200", Image::Synthetic([255, 3, 5, 0x06, 0])),
    ("synthetic-scrop-1x1", "imageMogr2/scrop/1x1|imageAve", Image::Synthetic([0, 0, 0, 0, 0])),
];

/// Writes both folders; returns a line for the summary.
pub fn write(fuzz: &Path) -> Result<String, String> {
    let corpus = fuzz.join("../../shared/testimages");
    let Ok(manifest) = fs::read_to_string(corpus.join("MANIFEST.md")) else {
        return Ok(format!(
            "no corpus at {}: left fuzz/seeds/probe/ and fuzz/seeds/parse_plan/ as they were",
            corpus.display()
        ));
    };
    let mut probe_seeds: Vec<(String, Vec<u8>)> = Vec::new();
    let mut probe_rows = String::new();
    for seed in PROBE_SEEDS {
        let path = corpus.join(seed.file);
        let whole = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let bytes = match seed.prefix {
            Some(n) => whole.get(..n).ok_or(format!("{}: shorter than {n} bytes", seed.file))?.to_vec(),
            None => whole.clone(),
        };
        if bytes.len() > MAX_SEED {
            return Err(format!("seed {}: {} bytes, more than {MAX_SEED}", seed.name, bytes.len()));
        }
        let probed = mogr_plan::probe(&bytes);
        if let Some((format, width, height)) = seed.expect {
            let p = probed.as_ref().map_err(|e| format!("seed {} ({}): {e}", seed.name, seed.file))?;
            if (p.format, p.width, p.height) != (format, width, height) {
                return Err(format!("seed {}: probes as {p:?}, not {format} {width}x{height}", seed.name));
            }
            if seed.prefix.is_some() {
                let full = mogr_plan::probe(&whole).map_err(|e| format!("{}: {e}", seed.file))?;
                if !same_headers(p, &full) {
                    return Err(format!("seed {}: the prefix probes as {p:?}, the whole file as {full:?}", seed.name));
                }
            }
        }
        let kept = match seed.prefix {
            Some(n) => format!("first {n} of {} bytes", whole.len()),
            None => format!("{} bytes", whole.len()),
        };
        let outcome = match &probed {
            Ok(p) => describe(p),
            Err(e) => format!("refused: {e}"),
        };
        let licence = licence(&manifest, seed.file).ok_or(format!("{} is not in MANIFEST.md", seed.file))?;
        let _ = writeln!(probe_rows, "| `{}` | `{}` ({kept}) | {licence} | {outcome} |", seed.name, seed.file);
        probe_seeds.push((seed.name.to_owned(), bytes));
    }

    let mut plan_seeds: Vec<(String, Vec<u8>)> = Vec::new();
    let mut plan_rows = String::new();
    for (name, rule, image) in PLAN_SEEDS {
        mogr_syntax::parse(rule).map_err(|e| format!("parse_plan seed {name} ({rule}): {e}"))?;
        let (bytes, source) = match image {
            Image::Seed(seed) => {
                let bytes = probe_seeds
                    .iter()
                    .find(|(n, _)| n == seed)
                    .map(|(_, b)| b.clone())
                    .ok_or(format!("parse_plan seed {name}: no probe seed {seed}"))?;
                (bytes, format!("probe seed `{seed}`"))
            }
            Image::Synthetic(bytes) => (bytes.to_vec(), format!("synthetic probe bytes `{bytes:02x?}`")),
        };
        let mut data = rule.as_bytes().to_vec();
        data.push(b'\n');
        data.extend_from_slice(&bytes);
        if data.len() > MAX_SEED {
            return Err(format!("parse_plan seed {name}: {} bytes, more than {MAX_SEED}", data.len()));
        }
        // A `|` inside a table cell, even in code, must be escaped.
        let _ = writeln!(plan_rows, "| `{name}.bin` | `{}` | {source} |", rule.replace('|', "\\|"));
        plan_seeds.push((format!("{name}.bin"), data));
    }

    let probe_bytes: usize = probe_seeds.iter().map(|(_, b)| b.len()).sum();
    let plan_bytes: usize = plan_seeds.iter().map(|(_, b)| b.len()).sum();
    probe_seeds.push(("README.md".to_owned(), probe_readme(&probe_rows).into_bytes()));
    plan_seeds.push(("README.md".to_owned(), plan_readme(&plan_rows).into_bytes()));
    replace(&fuzz.join("seeds/probe"), &probe_seeds)?;
    replace(&fuzz.join("seeds/parse_plan"), &plan_seeds)?;
    Ok(format!(
        "{} probe seeds ({probe_bytes} bytes), {} parse_plan seeds ({plan_bytes} bytes)",
        PROBE_SEEDS.len(),
        PLAN_SEEDS.len()
    ))
}

/// Whether a prefix's probe agrees with the whole file's on what the headers say.
fn same_headers(prefix: &Probe, whole: &Probe) -> bool {
    (prefix.format, prefix.width, prefix.height, prefix.orientation, prefix.transform, prefix.color)
        == (whole.format, whole.width, whole.height, whole.orientation, whole.transform, whole.color)
}

/// A short description of a probe for the README.
fn describe(p: &Probe) -> String {
    let mut out = format!("{} {}x{}", p.format, p.width, p.height);
    if p.frames > 1 {
        let _ = write!(out, ", {} frames", p.frames);
    }
    if p.orientation != Orientation::TopLeft {
        let _ = write!(out, ", EXIF orientation {}", p.orientation.exif_value());
    }
    if p.transform != Orientation::TopLeft {
        let _ = write!(out, ", transform {}", p.transform.exif_value());
    }
    out
}

/// The licence column of `file`'s row in the corpus manifest.
fn licence(manifest: &str, file: &str) -> Option<String> {
    manifest.lines().find_map(|line| {
        let cells: Vec<&str> = line.strip_prefix('|')?.split('|').map(str::trim).collect();
        (cells.len() >= 6 && cells[0] == file).then(|| cells[2].to_owned())
    })
}

fn probe_readme(rows: &str) -> String {
    format!(
        "# Seeds of the `probe` fuzz target\n\
         \n\
         GENERATED by `cargo run --manifest-path fuzz/Cargo.toml -p mogr-fuzz-gen` (table\n\
         `PROBE_SEEDS` in `fuzz/gen/src/images.rs`); do not edit by hand.\n\
         \n\
         Each file is an image from the shared test corpus (`../shared/testimages`), byte for byte,\n\
         or, for a larger file, its first bytes (the headers the probe reads). The licences are\n\
         those of the corpus files, as listed in `../shared/testimages/MANIFEST.md`: each file\n\
         keeps the licence of its source, given below. The last column is what `mogr_plan::probe`\n\
         made of the seed when it was generated.\n\
         \n\
         | seed | corpus file | licence | probe |\n\
         | --- | --- | --- | --- |\n\
         {rows}"
    )
}

fn plan_readme(rows: &str) -> String {
    format!(
        "# Seeds of the `parse_plan` fuzz target\n\
         \n\
         GENERATED by `cargo run --manifest-path fuzz/Cargo.toml -p mogr-fuzz-gen` (table\n\
         `PLAN_SEEDS` in `fuzz/gen/src/images.rs`); do not edit by hand.\n\
         \n\
         Each file is a rule, a `\\n`, then image bytes: a seed of `fuzz/seeds/probe/` (an image\n\
         of the shared corpus or its first bytes, under the licence its row in\n\
         `fuzz/seeds/probe/README.md` and in `../shared/testimages/MANIFEST.md` gives), or the\n\
         five bytes the target reads as a synthetic probe (width, height, format, orientation and\n\
         frames, JPEG quality).\n\
         \n\
         | seed | rule | image |\n\
         | --- | --- | --- |\n\
         {rows}"
    )
}

/// Replaces every file of `dir` with `files`.
fn replace(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_file() {
            fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    for (name, bytes) in files {
        let path = dir.join(name);
        fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}
