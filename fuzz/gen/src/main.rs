//! Writes the fuzzing inputs that are kept in the tree:
//!
//! - `fuzz/parse.dict`, the libFuzzer dictionary of both targets: every keyword of
//!   [`mogr_syntax::keywords::all_keywords`] (so it never falls behind the grammar; the test
//!   `crates/mogr-syntax/tests/fuzz_dictionary.rs` checks that) and the tokens of [`TOKENS`];
//! - `fuzz/seeds/parse/`: one rule per file, from `mogr_benches::TYPICAL_RULES` and from
//!   [`RULES`], which exercise every operation of the grammar;
//! - `fuzz/seeds/pic_operations/`: one `Pic-Operations` header per file, from [`HEADERS`];
//! - `fuzz/seeds/probe/` and `fuzz/seeds/parse_plan/`: images of the shared corpus
//!   (`../shared/testimages`), alone or after a rule, each folder with a `README.md` naming
//!   sources and licences (module [`images`]; skipped when the corpus is not there).
//!
//! Run it from the repository root after changing the grammar or these lists:
//!
//! ```sh
//! cargo run --manifest-path fuzz/Cargo.toml -p mogr-fuzz-gen
//! ```
//!
//! It checks that each seed parses (or fails) as its list says, and that every parameter of
//! `imageMogr2`, `imageView2` and `watermark` and every stage appears in some valid seed, that
//! each image seed probes as its table says and that each rule of `parse_plan` parses.

mod images;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use mogr_syntax::keywords::{MarkKey, Mogr2Key, StageKey, View2Key, all_keywords};

/// Tokens besides the keywords: separators, geometry marks, escapes, numbers, base64, JSON.
#[rustfmt::skip]
const TOKENS: &[&str] = &[
    // separators and geometry
    "/", "|", "x", "!", "p", "px", "r", "@", ">", "<", ".", "-", "=", "&", "?", "!x",
    // percent-encoded separators and marks
    "%7C", "%7c", "%3E", "%3C", "%21", "%2F", "%40", "%26", "%3D", "%25", "%",
    // the signature around a rule, and a rule written as a parameter name
    "q-sign-algorithm=sha1", "q-ak=", "q-sign-time=", "q-key-time=", "q-header-list=", "q-url-param-list=",
    "q-signature=", "ci-process=ImageInspect",
    // numbers at and around the limits
    "0", "1", "2", "3", "4", "5", "9", "10", "50", "51", "99", "100", "101", "255", "300", "301", "360", "361",
    "999", "1000", "1001", "4096", "9999", "30000", "30001", "65535", "65536", "90000", "2147483647",
    "2147483648", "-2147483648", "4294967295", "4294967296", "9223372036854775807", "9223372036854775808",
    "18446744073709551615", "18446744073709551616", "18446744073709551", ".999", "-1", "-100", "-101", "-30000",
    "-30001", "0.5", "5.001", "0.0001", "007",
    // base64: "#FF0000", "#FFFFFF", "#3D3D3D", "abc123", a URL, padding and standard-alphabet marks
    "I0ZGMDAwMA", "I0ZGRkZGRg", "IzNEM0QzRA", "YWJjMTIz", "aHR0cDovL2V4YW1wbGVzLmNvbS9sb2dvLnBuZw", "==", "+",
    "_",
    // keywords in other cases (gravities, formats and flips ignore case)
    "Center", "NorthWest", "SouthEast", "JPEG", "PNG", "WEBP", "Vertical", "K", "M",
    // stage openings
    "imageMogr2/", "imageView2/", "watermark/1/", "watermark/2/", "watermark/3/", "watermark/4/", "style/",
    // JSON of Pic-Operations
    "{", "}", "[", "]", ":", ",", "\"", "\\\"", "\\\\", "\\/", "\\u", "\\u0000", "\\ud83d\\ude00", "\\n", "true",
    "false", "null", "1e3", "\"is_pic_info\"", "\"rules\"", "\"bucket\"", "\"fileid\"", "\"rule\"",
    "examplebucket-1250000000",
];

/// Rules for every operation of the grammar: `(seed name, rule, parses)`.
const RULES: &[(&str, &str, bool)] = &[
    // imageMogr2 thumbnail geometries
    ("thumbnail-percent-width", "imageMogr2/thumbnail/!50px", true),
    ("thumbnail-percent-height", "imageMogr2/thumbnail/!x50p", true),
    ("thumbnail-cover", "imageMogr2/thumbnail/!300x200r", true),
    ("thumbnail-area", "imageMogr2/thumbnail/90000@", true),
    ("thumbnail-height", "imageMogr2/thumbnail/x300", true),
    ("thumbnail-enlarge", "imageMogr2/thumbnail/300x300<", true),
    ("thumbnail-exact", "imageMogr2/thumbnail/300x300!", true),
    ("thumbnail-fit-pad-red", "imageMogr2/thumbnail/300x300/pad/1/color/I0ZGMDAwMA", true),
    ("thumbnail-twice-pad-before", "imageMogr2/pad/1/thumbnail/300x300/thumbnail/!50p/pad/0", true),
    // cropping
    ("crop-width", "imageMogr2/crop/300x", true),
    ("crop-height", "imageMogr2/crop/x300", true),
    ("crop-offsets", "imageMogr2/crop/300x400/gravity/northwest/dx/10/dy/-10", true),
    ("crop-gravity-before", "imageMogr2/gravity/south/dy/20/crop/300x400/crop/100x100", true),
    ("iradius", "imageMogr2/iradius/200", true),
    ("rradius", "imageMogr2/rradius/50/format/png", true),
    ("scrop", "imageMogr2/scrop/300x400", true),
    // rotation, tone, effects
    ("rotate-auto-orient", "imageMogr2/auto-orient/rotate/360", true),
    ("flip-horizontal", "imageMogr2/flip/Horizontal", true),
    ("blur-decimal", "imageMogr2/blur/50x0.125", true),
    ("bright-contrast", "imageMogr2/bright/-100/contrast/100", true),
    ("sharpen-grayscale", "imageMogr2/sharpen/300/grayscale/1", true),
    // output settings
    ("format-cgif", "imageMogr2/format/GIF/cgif/20", true),
    ("quality-forced", "imageMogr2/quality/80!/format/avif", true),
    ("lquality", "imageMogr2/lquality/70/interlace/0", true),
    ("size-limit-mega-ignore-error", "imageMogr2/size-limit/1m/ignore-error/1", true),
    ("all-settings", "imageMogr2/strip/format/heic/cgif/1/interlace/1/quality/0/rquality/100/ignore-error/0", true),
    // imageView2
    ("view2-modes", "imageView2/3/w/300/h/200/format/png/rq/90", true),
    ("view2-quality-forced", "imageView2/5/h/100/q/75!/lq/60", true),
    ("view2-mode-only", "imageView2/4", true),
    // watermarks
    (
        "watermark-image-scaled",
        "watermark/1/image/aHR0cDovL2V4YW1wbGVzLmNvbS9sb2dvLnBuZw/gravity/center/blogo/1/scatype/3/spcent/200/batch/1/degree/45",
        true,
    ),
    (
        "watermark-text-all",
        "watermark/2/text/SGVsbG8sIG1vZ3I/font/dGFob21hLnR0Zg/fontsize/36/fill/I0ZGMDAwMA/dissolve/90/gravity/south/dx/-5/dy/5/batch/1/degree/30/shadow/50",
        true,
    ),
    ("watermark-blind-semi", "watermark/3/type/1/image/aHR0cDovL2V4YW1wbGVzLmNvbS9sb2dvLnBuZw/text/YWJjMTIz", true),
    ("watermark-blind-level", "watermark/3/type/2/image/aHR0cDovL2V4YW1wbGVzLmNvbS9sb2dvLnBuZw/level/3", true),
    ("watermark-blind-text", "watermark/3/type/3/text/YWJjMTIz/level/1", true),
    ("watermark-extract", "watermark/4/type/2/image/aHR0cDovL2V4YW1wbGVzLmNvbS9sb2dvLnBuZw", true),
    ("watermark-extract-text-answers-json", "imageMogr2/strip|watermark/4/type/3", true),
    // other stages and the query around a rule
    ("report-stages", "imageMogr2/thumbnail/!50p|exif", true),
    ("image-ave", "imageView2/1/w/10|imageAve", true),
    ("ci-process", "ci-process=ImageInspect", true),
    ("leading-question-mark-empty-value", "?imageMogr2/strip=&q-sign-algorithm=sha1", true),
    ("percent-encoded-everything", "imageMogr2%2Fthumbnail%2F%21300x300r%7Cwatermark%2F2%2Ftext%2FYWJj", true),
    ("ten-stages", "style/a|style/b|style/c|style/d|style/e|style/f|style/g|style/h.1|style/i_2|imageInfo", true),
    // errors, so the fuzzer starts next to them too
    ("error-blur-radius", "imageMogr2/blur/80x5", false),
    ("error-pad-without-thumbnail", "imageMogr2/pad/1/crop/300x", false),
    ("error-bad-escape", "imageMogr2/strip%zz", false),
    ("error-eleven-stages", "exif|exif|exif|exif|exif|exif|exif|exif|exif|exif|exif", false),
];

/// `Pic-Operations` headers: `(seed name, header, parses)`.
const HEADERS: &[(&str, &str, bool)] = &[
    (
        "spec-example",
        "{\n  \"is_pic_info\": 1,\n  \"rules\": [{\n    \"fileid\": \"exampleobject\",\n    \"rule\": \"imageMogr2/thumbnail/!50p\"\n  }]\n}",
        true,
    ),
    (
        "bucket-and-two-rules",
        r#"{"is_pic_info":0,"rules":[{"bucket":"examplebucket-1250000000","fileid":"/p2/out.webp","rule":"imageMogr2/format/webp"},{"fileid":"small.jpg","rule":"imageView2/2/w/200"}]}"#,
        true,
    ),
    (
        "escapes",
        r#"{"rules":[{"fileid":"p\u00e9\/a.png","rule":"imageMogr2\/thumbnail\/300x300%3E|imageInfo"}],"is_pic_info":"1"}"#,
        true,
    ),
    (
        "watermark-and-bool",
        r#"{"is_pic_info":true,"rules":[{"fileid":"w.jpg","rule":"watermark/2/text/SGVsbG8sIG1vZ3I/fill/I0ZGMDAwMA/gravity/northeast"}]}"#,
        true,
    ),
    (
        "five-rules",
        r#"{"rules":[{"fileid":"1","rule":"imageInfo"},{"fileid":"2","rule":"exif"},{"fileid":"3","rule":"imageAve"},{"fileid":"4","rule":"style/s"},{"fileid":"5","rule":"imageMogr2/strip"}]}"#,
        true,
    ),
    ("empty-rules", r#"{"rules":[]}"#, true),
    ("error-six-rules", r#"{"rules":[{"fileid":"1","rule":"exif"},{},{},{},{},{}]}"#, false),
    ("error-in-rule", r#"{"rules":[{"fileid":"a.jpg","rule":"imageMogr2\/rotate\/361"}]}"#, false),
];

fn main() -> Result<(), String> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dict = dictionary();
    write(&fuzz.join("parse.dict"), &dict)?;

    let mut parse_seeds: Vec<(String, &str)> = Vec::new();
    let mut canonical = Vec::new();
    for (i, rule) in mogr_benches::TYPICAL_RULES.iter().enumerate() {
        let p = mogr_syntax::parse(rule).map_err(|e| format!("TYPICAL_RULES[{i}] ({rule}): {e}"))?;
        canonical.push(p.to_string());
        parse_seeds.push((format!("typical-{i:02}"), rule));
    }
    for &(name, rule, parses) in RULES {
        match mogr_syntax::parse(rule) {
            Ok(p) if parses => canonical.push(p.to_string()),
            Err(_) if !parses => {}
            other => return Err(format!("seed {name} ({rule}): expected parses={parses}, got {other:?}")),
        }
        if mogr_benches::TYPICAL_RULES.contains(&rule) {
            return Err(format!("seed {name} repeats a TYPICAL_RULES entry"));
        }
        parse_seeds.push((name.to_owned(), rule));
    }
    check_coverage(&canonical)?;
    let pic_seeds: Vec<(String, &str)> = HEADERS
        .iter()
        .map(|&(name, header, parses)| match mogr_syntax::parse_pic_operations(header) {
            Ok(_) if parses => Ok((name.to_owned(), header)),
            Err(_) if !parses => Ok((name.to_owned(), header)),
            other => Err(format!("seed {name}: expected parses={parses}, got {other:?}")),
        })
        .collect::<Result<_, _>>()?;

    replace_seeds(&fuzz.join("seeds/parse"), &parse_seeds)?;
    replace_seeds(&fuzz.join("seeds/pic_operations"), &pic_seeds)?;
    println!(
        "wrote fuzz/parse.dict ({} entries), {} parse seeds, {} pic_operations seeds",
        dict.lines().filter(|l| l.starts_with('"')).count(),
        parse_seeds.len(),
        pic_seeds.len()
    );
    println!("{}", images::write(&fuzz)?);
    Ok(())
}

/// The dictionary text: a header, the keywords in table order, then [`TOKENS`].
fn dictionary() -> String {
    let mut out = String::from(
        "# libFuzzer dictionary for the mogr-syntax fuzz targets (parse, pic_operations).\n\
         #\n\
         # GENERATED: do not edit by hand. Regenerate from the repository root with\n\
         #   cargo run --manifest-path fuzz/Cargo.toml -p mogr-fuzz-gen\n\
         # The keywords come from mogr_syntax::keywords::all_keywords() (the grammar's own tables);\n\
         # the other tokens from TOKENS in fuzz/gen/src/main.rs. The test\n\
         # crates/mogr-syntax/tests/fuzz_dictionary.rs fails, naming what is missing, when a keyword\n\
         # of the grammar is not in this file, so the dictionary cannot fall behind the grammar.\n\
         \n\
         # Keywords, from mogr_syntax::keywords::all_keywords()\n",
    );
    let mut seen: Vec<&str> = Vec::new();
    for keyword in all_keywords() {
        if !seen.contains(&keyword) {
            seen.push(keyword);
            let _ = writeln!(out, "{}", quote(keyword));
        }
    }
    out.push_str("\n# Separators, escapes, numbers, base64, JSON\n");
    for &token in TOKENS {
        if !seen.contains(&token) {
            seen.push(token);
            let _ = writeln!(out, "{}", quote(token));
        }
    }
    out
}

/// A dictionary entry: the token in double quotes, with `"`, `\` and non-printable bytes escaped.
fn quote(token: &str) -> String {
    let mut out = String::from("\"");
    for &b in token.as_bytes() {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02X}");
            }
        }
    }
    out.push('"');
    out
}

/// Every stage and every parameter name must appear in the canonical form of a valid seed.
fn check_coverage(canonical: &[String]) -> Result<(), String> {
    let appears = |key: &str| {
        canonical.iter().any(|c| {
            c.split('|').any(|stage| stage == key || stage.starts_with(&format!("{key}/")))
                || c.split(['|', '/']).any(|word| word == key)
        })
    };
    let keys = StageKey::KEYWORDS
        .iter()
        .chain(Mogr2Key::KEYWORDS)
        .chain(View2Key::KEYWORDS)
        .chain(MarkKey::KEYWORDS)
        .filter(|k| !appears(k))
        .collect::<Vec<_>>();
    if !keys.is_empty() {
        return Err(format!("no valid seed uses {keys:?}"));
    }
    Ok(())
}

/// Replaces every file of `dir` with `seeds`.
fn replace_seeds(dir: &Path, seeds: &[(String, &str)]) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_file() {
            fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    for (name, text) in seeds {
        let path: PathBuf = dir.join(format!("{name}.txt"));
        write(&path, text)?;
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
