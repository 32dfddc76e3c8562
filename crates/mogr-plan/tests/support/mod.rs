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
