//! Every SVG of the corpus (`svg/`, `hostile/svg/`) is recognised and probes to the size the
//! probe's rules give (see `probe/svg.rs`); where the manifest states a size, it agrees.

mod support;

use mogr_plan::{ColorModel, ImageFormat, probe};

/// What the rules give for each file, and why.
const EXPECTED: &[(&str, (u32, u32))] = &[
    // viewBox only: its size.
    ("svg/check.svg", (100, 100)),
    ("svg/circle.svg", (8, 8)),
    ("svg/resvg_embedded-png.svg", (80, 80)),
    // width="100%" height="100%": percentages take the viewBox's size (0 0 480 360). The
    // manifest writes "100%x100%".
    ("svg/struct-image-04-t.svg", (480, 360)),
    // width="200" height="100".
    ("svg/drop-shadow-filter.svg", (200, 100)),
    ("hostile/svg/resvg_external-png.svg", (80, 80)),
    ("hostile/svg/resvg_self-recursive.svg", (200, 200)),
    ("hostile/svg/resvg_recursive.svg", (200, 200)),
    ("hostile/svg/resvg_huge-stdDeviation.svg", (200, 200)),
    ("hostile/svg/resvg_huge-region.svg", (200, 200)),
    // The DOCTYPE's internal subset declares an ENTITY holding a `<rect .../>`: skipped,
    // never expanded.
    ("hostile/svg/resvg_elements-via-ENTITY-reference-1.svg", (200, 200)),
];

/// The manifest's WxH column for `file` when it gives numbers, as in "200x100 (vector)" (the
/// shared reader parses plain "WxH" only).
fn manifest_size(file: &str) -> Option<(u32, u32)> {
    let text = std::fs::read_to_string(support::corpus().join("MANIFEST.md")).ok()?;
    let row = text.lines().find(|l| l.split('|').nth(1).map(str::trim) == Some(file))?;
    let cell = row.split('|').nth(5)?.trim();
    let (w, h) = cell.strip_suffix("(vector)")?.trim().split_once('x')?;
    Some((w.parse().ok()?, h.parse().ok()?))
}

#[test]
fn every_corpus_svg_probes_to_its_size() {
    let mut entries = support::entries("svg/");
    entries.extend(support::entries("hostile/svg/"));
    assert_eq!(entries.len(), EXPECTED.len());
    for e in entries {
        let f = &e.file;
        let &(_, expected) =
            EXPECTED.iter().find(|(file, _)| file == f).unwrap_or_else(|| panic!("{f}: no expected size"));
        let data = support::read(f);
        assert_eq!(mogr_plan::probe::sniff(&data), Some(ImageFormat::Svg), "{f}");
        let p = probe(&data).unwrap_or_else(|err| panic!("{f}: {err}"));
        assert_eq!((p.format, p.width, p.height), (ImageFormat::Svg, expected.0, expected.1), "{f}");
        assert_eq!((p.has_alpha, p.bit_depth, p.color, p.frames), (true, 8, ColorModel::Rgb, 1), "{f}");
        if let Some(size) = manifest_size(f).or(e.size) {
            assert_eq!(expected, size, "{f}: the manifest says otherwise");
        }
        for end in 0..data.len().min(1024) {
            let _ = probe(&data[..end]);
        }
    }
    assert_eq!(manifest_size("svg/drop-shadow-filter.svg"), Some((200, 100)));
}

#[test]
fn mutated_headers_never_panic() {
    support::probe_mutants(&["svg/", "hostile/svg/"]);
}
