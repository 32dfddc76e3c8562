//! Bad rules and where their errors must point: the byte offset in the input as given, the
//! fragment quoted as found (`None`: the end of the input), and a word the expectation must
//! mention so that the message tells the user what to write instead.

// Test helpers outside #[test] functions may panic: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mogr_syntax::{ErrorKind, parse};

/// `(rule, offset, found, expectation mentions)`
const INVALID: &[(&str, usize, Option<&str>, &str)] = &[
    // Stages and pipelines.
    ("", 0, None, "imageMogr2"),
    ("imageMogr3/thumbnail/!50p", 0, Some("imageMogr3"), "processing stage"),
    ("imagemogr2/strip", 0, Some("imagemogr2"), "imageMogr2"),
    ("imageMogr2", 10, None, "imageMogr2 parameter"),
    ("imageMogr2/", 11, None, "imageMogr2 parameter"),
    ("imageMogr2/strip/", 17, None, "imageMogr2 parameter"),
    ("imageMogr2/strip||imageInfo", 17, Some("|"), "processing stage"),
    ("|imageInfo", 0, Some("|"), "processing stage"),
    ("imageMogr2/strip|", 17, None, "processing stage"),
    ("imageInfo|imageMogr2/strip", 9, Some("|"), "comes last"),
    ("imageInfo/x", 9, Some("/"), "no parameters"),
    ("exif|exif", 4, Some("|"), "comes last"),
    ("watermark/4/type/3|imageInfo", 18, Some("|"), "comes last"),
    // Unknown parameters.
    ("imageMogr2/thumb/50x", 11, Some("thumb"), "thumbnail"),
    ("imageMogr2/Thumbnail/50x", 11, Some("Thumbnail"), "thumbnail"),
    ("imageView2/1/width/300", 13, Some("width"), "imageView2 parameter"),
    ("watermark/1/text/SGk", 12, Some("text"), "watermark/1 parameter"),
    ("watermark/2/image/SGk/text/SGk", 12, Some("image"), "watermark/2 parameter"),
    // Thumbnail geometries.
    ("imageMogr2/thumbnail/", 21, None, "thumbnail geometry"),
    ("imageMogr2/thumbnail/!0p", 22, Some("0"), "1 to 1000"),
    ("imageMogr2/thumbnail/!1001p", 22, Some("1001"), "1 to 1000"),
    ("imageMogr2/thumbnail/!50", 24, None, "'p'"),
    ("imageMogr2/thumbnail/!50q", 24, Some("q"), "'p'"),
    ("imageMogr2/thumbnail/!x50", 25, None, "'p'"),
    ("imageMogr2/thumbnail/!300x200", 29, None, "'r'"),
    ("imageMogr2/thumbnail/0x100", 21, Some("0"), "thumbnail width"),
    ("imageMogr2/thumbnail/100x0", 25, Some("0"), "thumbnail height"),
    ("imageMogr2/thumbnail/50xx", 24, Some("x"), "thumbnail height"),
    ("imageMogr2/thumbnail/300x300>>", 29, Some(">"), "end of the value"),
    ("imageMogr2/thumbnail/99999999999x", 21, Some("99999999999"), "thumbnail width"),
    ("imageMogr2/thumbnail/-5x", 21, Some("-5x"), "thumbnail width"),
    ("imageMogr2/thumbnail/300x300 ", 28, Some(" "), "end of the value"),
    // Pad, color and crop modifiers.
    ("imageMogr2/pad/1", 11, Some("pad"), "thumbnail"),
    ("imageMogr2/thumbnail/600x600/pad/2", 33, Some("2"), "0 to 1"),
    ("imageMogr2/thumbnail/600x600/pad/1/pad/1", 35, Some("pad"), "once"),
    ("imageMogr2/thumbnail/600x600/color/FF0000", 35, Some("FF0000"), "#RRGGBB"),
    ("imageMogr2/color/I0ZGMDAw", 17, Some("I0ZGMDAw"), "#RRGGBB"),
    ("imageMogr2/color/I0ZG+DAwMA", 21, Some("+"), "URL-safe"),
    ("imageMogr2/gravity/center", 11, Some("gravity"), "crop"),
    ("imageMogr2/crop/300x400/gravity/middle", 32, Some("middle"), "northwest"),
    ("imageMogr2/crop/300x400/dx/ten", 27, Some("ten"), "dx"),
    ("imageMogr2/crop/300x400/dx/30001", 27, Some("30001"), "-30000 to 30000"),
    ("imageMogr2/crop/300x400/gravity/north/gravity/south", 38, Some("gravity"), "once per crop"),
    ("imageMogr2/crop/0x400", 16, Some("0"), "crop width"),
    ("imageMogr2/crop/x", 17, None, "crop height"),
    ("imageMogr2/cut/600x600x100", 26, None, "'x'"),
    ("imageMogr2/cut/600x600x-1x0", 23, Some("-1x0"), "cut dx"),
    // Other operations and their ranges.
    ("imageMogr2/iradius/0", 19, Some("0"), "radius"),
    ("imageMogr2/scrop/100", 20, None, "'x'"),
    ("imageMogr2/rotate/361", 18, Some("361"), "0 to 360"),
    ("imageMogr2/rotate/-90", 18, Some("-90"), "rotate"),
    ("imageMogr2/rotate/90.5", 20, Some(".5"), "end of the value"),
    ("imageMogr2/flip/diagonal", 16, Some("diagonal"), "vertical"),
    ("imageMogr2/auto-orient/1", 23, Some("1"), "imageMogr2 parameter"),
    ("imageMogr2/blur/0x5", 16, Some("0"), "1 to 50"),
    ("imageMogr2/blur/51x5", 16, Some("51"), "1 to 50"),
    ("imageMogr2/blur/8x0", 18, Some("0"), "greater than 0"),
    ("imageMogr2/blur/8x0.000", 18, Some("0.000"), "greater than 0"),
    ("imageMogr2/blur/8x1.2345", 19, Some(".2345"), "3 decimals"),
    ("imageMogr2/blur/8", 17, None, "'x'"),
    ("imageMogr2/bright/101", 18, Some("101"), "-100 to 100"),
    ("imageMogr2/contrast/-101", 20, Some("-101"), "-100 to 100"),
    ("imageMogr2/sharpen/9", 19, Some("9"), "10 to 300"),
    ("imageMogr2/sharpen/301", 19, Some("301"), "10 to 300"),
    ("imageMogr2/grayscale/2", 21, Some("2"), "0 to 1"),
    ("imageMogr2/grayscale", 20, None, "0 or 1"),
    // Output options.
    ("imageMogr2/format/tiff", 18, Some("tiff"), "webp"),
    ("imageMogr2/format/png/format/jpg", 22, Some("format"), "once"),
    ("imageMogr2/strip/strip", 17, Some("strip"), "once"),
    ("imageMogr2/cgif/0", 16, Some("0"), "1 to 100"),
    ("imageMogr2/cgif/101", 16, Some("101"), "1 to 100"),
    ("imageMogr2/interlace/yes", 21, Some("yes"), "interlace"),
    ("imageMogr2/quality/101", 19, Some("101"), "0 to 100"),
    ("imageMogr2/quality/90!!", 22, Some("!"), "end of the value"),
    ("imageMogr2/rquality/200", 20, Some("200"), "0 to 100"),
    ("imageMogr2/size-limit/15", 24, None, "size unit"),
    ("imageMogr2/size-limit/15g", 24, Some("g"), "size unit"),
    ("imageMogr2/size-limit/0k", 22, Some("0"), "size-limit amount"),
    ("imageMogr2/ignore-error/yes", 24, Some("yes"), "ignore-error"),
    // imageView2.
    ("imageView2", 10, None, "mode"),
    ("imageView2/6/w/100", 11, Some("6"), "1 to 5"),
    ("imageView2/0", 11, Some("0"), "1 to 5"),
    ("imageView2/1/w/0", 15, Some("0"), "width"),
    ("imageView2/1/w/100/w/200", 19, Some("w"), "once"),
    ("imageView2/1/q/101", 15, Some("101"), "0 to 100"),
    // Watermarks.
    ("watermark/5/text/SGk", 10, Some("5"), "1 to 4"),
    ("watermark", 9, None, "watermark kind"),
    ("watermark/1", 11, None, "needs its image"),
    ("watermark/1/image/aHR0cDovL2EvYi5wbmc/scatype/3/spcent/251", 55, Some("251"), "1 to 250"),
    ("watermark/1/image/aHR0cDovL2EvYi5wbmc/scatype/1", 47, None, "spcent"),
    ("watermark/1/image/aHR0cDovL2EvYi5wbmc/spcent/10", 47, None, "scatype"),
    ("watermark/1/image/aHR0cDovL2EvYi5wbmc/dissolve/0", 47, Some("0"), "1 to 100"),
    ("watermark/1/image/aHR0cDovL2EvYi5wbmc/degree/400", 45, Some("400"), "0 to 360"),
    ("watermark/1/image/aHR0cDovL2EvYi5wbmc/blogo/3", 44, Some("3"), "1 to 2"),
    ("watermark/2", 11, None, "needs its text"),
    ("watermark/2/text/SGk/shadow/101", 28, Some("101"), "0 to 100"),
    ("watermark/2/text/SGk/text/SGk", 21, Some("text"), "once per watermark"),
    ("watermark/2/text/SGk/fontsize/0", 30, Some("0"), "fontsize"),
    ("watermark/2/text/SGk/fill/IzNEM0QzRA/fill/IzNEM0QzRA", 37, Some("fill"), "once"),
    ("watermark/2/text/_w", 17, Some("_w"), "UTF-8"),
    ("watermark/2/text/CQ", 17, Some("CQ"), "control characters"),
    ("watermark/2/text/S", 17, Some("S"), "base64"),
    ("watermark/3/text/VGVuY2VudA", 27, None, "type"),
    ("watermark/3/type/1", 18, None, "image"),
    ("watermark/3/type/3", 18, None, "text"),
    ("watermark/3/type/3/text/6IW-6K6v", 24, Some("6IW-6K6v"), "letters and digits"),
    ("watermark/3/type/2/image/aHR0cDovL2Evdy5wbmc/level/4", 51, Some("4"), "1 to 3"),
    ("watermark/4/type/2", 18, None, "image"),
    ("watermark/4/type/2/level/1", 19, Some("level"), "watermark/4 parameter"),
    // Styles.
    ("style", 5, None, "style name"),
    ("style/a b", 7, Some(" "), "style name"),
    ("style/test/x", 10, Some("/"), "'|'"),
    // Queries and percent-encoding.
    ("imageMogr2/thumbnail/!50p%7", 25, Some("%7"), "two hex digits"),
    ("imageMogr2/thumbnail/%2150q", 26, Some("q"), "'p'"),
    ("imageInfo&exif", 10, Some("a second rule"), "single processing rule"),
    ("q-sign-algorithm=sha1&imageMogr2/rotate/400", 40, Some("400"), "0 to 360"),
    ("q-sign-algorithm=sha1", 21, None, "processing stage"),
    ("ci-process=ImageInspector", 11, Some("ImageInspector"), "ImageInspect"),
    ("ci-process=ImageInspect|imageInfo", 11, Some("ImageInspect|imageInfo"), "ImageInspect"),
    ("imageMogr2/rotate/90%FF", 20, Some("%FF"), "UTF-8"),
];

#[test]
fn every_bad_rule_is_reported_where_it_goes_wrong() {
    let mut failures = Vec::new();
    for &(rule, offset, found, mentions) in INVALID {
        match parse(rule) {
            Ok(p) => failures.push(format!("{rule:?}: parsed as {p}")),
            Err(e) => {
                let message = e.to_string();
                let ok = e.offset() == offset
                    && e.found() == found
                    && e.kind() == ErrorKind::InvalidRule
                    && message.contains(mentions);
                if !ok {
                    failures.push(format!(
                        "{rule:?}\n  got      offset {} found {:?}: {message}\n  expected offset {offset} found {found:?}, mentioning {mentions:?}",
                        e.offset(),
                        e.found()
                    ));
                }
            }
        }
    }
    assert!(INVALID.len() >= 40);
    assert!(failures.is_empty(), "{} of {} failed:\n{}", failures.len(), INVALID.len(), failures.join("\n"));
}

#[test]
fn eleven_stages_are_too_many() {
    let rule = ["imageMogr2/rotate/90"; 11].join("|");
    let err = parse(&rule).unwrap_err();
    assert_eq!(err.offset(), 10 * "imageMogr2/rotate/90|".len());
    assert!(err.to_string().contains("at most 10 stages"), "{err}");
}

#[test]
fn a_query_longer_than_the_limit_is_refused_without_parsing() {
    let rule = format!("imageMogr2/strip&x={}", "a".repeat(mogr_syntax::MAX_QUERY_BYTES));
    let err = parse(&rule).unwrap_err();
    assert_eq!(err.offset(), mogr_syntax::MAX_QUERY_BYTES);
}

#[test]
fn long_fragments_are_shortened_in_messages() {
    let rule = format!("imageMogr2/{}", "z".repeat(500));
    let err = parse(&rule).unwrap_err();
    assert!(err.to_string().len() < 400, "{err}");
    assert!(err.found().unwrap().ends_with('…'));
}
