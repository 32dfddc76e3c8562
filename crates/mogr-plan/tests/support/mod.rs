//! The shared corpus (`../shared/testimages`) and its `MANIFEST.md`, for tests that check
//! probes against what the manifest says of each file.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

/// One row of a manifest table.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Path inside the corpus, e.g. `jpeg/olympus_E-P3_12MP.jpg`.
    pub file: String,
    /// The manifest's format column, e.g. `JPEG baseline YCbCr`.
    pub format: String,
    /// The stored size, when the manifest gives one as `WxH`.
    pub size: Option<(u32, u32)>,
    /// The frame count, when the property column says `N frames`.
    pub frames: Option<u32>,
    /// The property column.
    pub property: String,
}

/// The corpus folder.
pub fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testimages")
}

/// The bytes of a corpus file.
pub fn read(file: &str) -> Vec<u8> {
    let path = corpus().join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Every file row of the manifest.
pub fn manifest() -> Vec<Entry> {
    let text = std::fs::read_to_string(corpus().join("MANIFEST.md")).expect("MANIFEST.md");
    text.lines().filter_map(row).collect()
}

/// The rows whose file path starts with `prefix` (e.g. `"jpeg/"`, `"hostile/gif/"`).
pub fn entries(prefix: &str) -> Vec<Entry> {
    manifest().into_iter().filter(|e| e.file.starts_with(prefix)).collect()
}

fn row(line: &str) -> Option<Entry> {
    let cells: Vec<&str> = line.strip_prefix('|')?.split('|').map(str::trim).collect();
    if cells.len() < 6 || !cells[0].contains('/') || cells[0].starts_with("github.com") {
        return None;
    }
    let size = cells[4].split_once('x').and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)));
    let property = cells[5].to_owned();
    let frames = frames_in(&property);
    Some(Entry { file: cells[0].to_owned(), format: cells[3].to_owned(), size, frames, property })
}

/// The number written just before " frames" in `text` ("animated; 30 frames", "97 frames,
/// tall"; "photographic frames" has none).
pub fn frames_in(text: &str) -> Option<u32> {
    text.match_indices(" frames").find_map(|(at, _)| {
        let digits = text[..at].rsplit(|c: char| !c.is_ascii_digit()).next()?;
        digits.parse().ok()
    })
}

/// Probes 200 mutants of each file under `prefixes` (a deterministic 64-bit LCG walk changing 1
/// to 4 of the first 512 bytes): every mutant must get a probe or an error, never a panic.
pub fn probe_mutants(prefixes: &[&str]) {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(state >> 33).unwrap()
    };
    for prefix in prefixes {
        for e in entries(prefix) {
            let original = read(&e.file);
            for _ in 0..200 {
                let mut data = original.clone();
                for _ in 0..1 + next() % 4 {
                    let at = next() % data.len().min(512);
                    data[at] = u8::try_from(next() % 256).unwrap();
                }
                let _ = mogr_plan::probe(&data);
            }
        }
    }
}
