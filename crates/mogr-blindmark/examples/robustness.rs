//! The robustness table of the README: every watermark type over corpus photos, each attacked
//! with independent tools (the `image` crate's JPEG encoder and resizer), plus the false-positive
//! rate over every decodable corpus image left unmarked. Text runs also report the channel's
//! measured reach (`measure_text`: the most bits any code of the tile's length reads in nine
//! images of ten at the measured signal-to-noise ratio), so a run whose attack left fewer bits
//! than the text needs shows apart from a decoder's miss; a last table reads texts of 4 to 16
//! characters under the full combination over several keys.
//!
//! Run: `cargo run --release -p mogr-blindmark --example robustness [-- photo-filter]`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Instant;

use image::RgbaImage;
use mogr_blindmark::{Level, LumaImage, TextChannel};
use support::Attack;

const KEY: &[u8] = b"mogr-robustness-key";
const TEXT: &str = "mogr2026Blind";

/// The photos of the matrix: real photos of various sizes that the `image` crate decodes.
const PHOTOS: [&str; 10] = [
    "exif-orientation/Landscape_0.jpg",
    "exif-orientation/Portrait_0.jpg",
    "jpeg/canon_hdr_orient6.jpg",
    "jpeg/olympus_E-P3_12MP.jpg",
    "jpeg/ultrahdr_gain-map.jpg",
    "jpeg/DSCN0010_gps.jpg",
    "jpeg/progressive_3.jpg",
    "gif/Crash_test.gif",
    "webp/gallery1_1.webp",
    "png/gama-srgb-order_cat.png",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Mark(Level),
    Semi,
}

impl Kind {
    const ALL: [Kind; 5] =
        [Kind::Text, Kind::Mark(Level::One), Kind::Mark(Level::Two), Kind::Mark(Level::Three), Kind::Semi];

    fn label(self) -> &'static str {
        match self {
            Kind::Text => "type 3 text",
            Kind::Mark(Level::One) => "type 2 level 1",
            Kind::Mark(Level::Two) => "type 2 level 2",
            Kind::Mark(Level::Three) => "type 2 level 3",
            Kind::Semi => "type 1 semi-blind",
        }
    }
}

#[derive(Default)]
struct Cell {
    runs: usize,
    passes: usize,
    statuses: Vec<u8>,
    /// Text runs whose payload is above the measured channel's reach.
    beyond_reach: usize,
}

fn mark_for(image: &RgbaImage) -> LumaImage {
    support::sample_mark((image.width().min(image.height()) / 8).clamp(8, 64))
}

fn embed(kind: Kind, image: &RgbaImage) -> RgbaImage {
    let mut marked = image.clone();
    let (w, h) = marked.dimensions();
    let mark = mark_for(image);
    match kind {
        Kind::Text => mogr_blindmark::embed_text(KEY, &mut marked, w, h, TEXT),
        Kind::Mark(level) => mogr_blindmark::embed_mark(KEY, &mut marked, w, h, &mark, level),
        Kind::Semi => mogr_blindmark::embed_semi(KEY, &mut marked, w, h, &mark),
    }
    .unwrap();
    marked
}

/// (passed, status) of extracting `kind` from `received`.
fn extract(kind: Kind, received: &RgbaImage, original: &RgbaImage) -> (bool, u8) {
    let (w, h) = received.dimensions();
    let mark = mark_for(original);
    match kind {
        Kind::Text => {
            let found = mogr_blindmark::extract_text(KEY, received, w, h).unwrap();
            (found.text.as_deref() == Some(TEXT) && found.status > 75, found.status)
        }
        Kind::Mark(_) => {
            let status = mogr_blindmark::detect_mark(KEY, received, w, h, &mark).unwrap();
            (status > 75, status)
        }
        Kind::Semi => {
            let (ow, oh) = original.dimensions();
            let found = mogr_blindmark::extract_semi(KEY, received, w, h, original, ow, oh).unwrap();
            let expected = mogr_blindmark::mark_grid(&mark);
            let correct = found
                .recovered
                .as_ref()
                .map_or(0, |r| r.pixels.iter().zip(&expected.pixels).filter(|(a, b)| a == b).count());
            (found.status > 75 && correct * 100 >= 95 * expected.pixels.len(), found.status)
        }
    }
}

fn main() {
    let filter = std::env::args().nth(1).unwrap_or_default();
    let started = Instant::now();
    let photos: Vec<&str> = PHOTOS.iter().copied().filter(|p| p.contains(&filter)).collect();
    let mut cells: Vec<Vec<Cell>> =
        Kind::ALL.iter().map(|_| Attack::ALL.iter().map(|_| Cell::default()).collect()).collect();
    let mut quality: Vec<Vec<(f64, f64)>> = Kind::ALL.iter().map(|_| Vec::new()).collect();
    let mut per_photo: Vec<(String, usize, usize)> = Vec::new();
    for photo in &photos {
        let original = support::load(photo);
        eprintln!("{photo} {}x{}", original.width(), original.height());
        per_photo.push((format!("{photo} ({}x{})", original.width(), original.height()), 0, 0));
        for (k, &kind) in Kind::ALL.iter().enumerate() {
            let marked = embed(kind, &original);
            quality[k].push((support::psnr(&original, &marked), support::ssim(&original, &marked)));
            for (a, &attack) in Attack::ALL.iter().enumerate() {
                let received = attack.apply(&marked);
                let (passed, status) = extract(kind, &received, &original);
                let channel = (kind == Kind::Text).then(|| text_channel(KEY, &received, TEXT));
                if let Some(c) = channel.filter(|c| passed && !c.within_reach()) {
                    eprintln!("  read beyond the measured reach / {}: {}", attack.label(), describe(c));
                }
                if !passed {
                    let channel = channel.map(|c| format!(", {}", describe(c)));
                    eprintln!(
                        "  FAIL {} / {}: status {status}{}",
                        kind.label(),
                        attack.label(),
                        channel.unwrap_or_default()
                    );
                }
                if let Some(row) = per_photo.last_mut() {
                    row.1 += 1;
                    row.2 += usize::from(passed);
                }
                let cell = &mut cells[k][a];
                cell.runs += 1;
                cell.passes += usize::from(passed);
                cell.statuses.push(status);
                cell.beyond_reach += usize::from(channel.is_some_and(|c| !c.within_reach()));
            }
        }
    }
    print_tables(&photos, &cells, &quality);
    println!("\nPasses per photo (all types and attacks):\n");
    println!("| photo | pass |");
    println!("|---|---|");
    for (photo, runs, passes) in &per_photo {
        println!("| {photo} | {passes}/{runs} |");
    }
    text_lengths(&photos);
    false_positives(&filter);
    println!("\nGenerated in {:.0} s.", started.elapsed().as_secs_f64());
}

fn print_tables(photos: &[&str], cells: &[Vec<Cell>], quality: &[Vec<(f64, f64)>]) {
    println!("Photos ({}): {}\n", photos.len(), photos.join(", "));
    println!(
        "Key `{}`, text `{TEXT}`; marks are a ring-and-bar image 1/8 of the shorter side (8-64 px).\n",
        String::from_utf8_lossy(KEY)
    );
    println!("| type | mean PSNR (dB) | min PSNR (dB) | mean SSIM | min SSIM |");
    println!("|---|---|---|---|---|");
    for (k, kind) in Kind::ALL.iter().enumerate() {
        let values = &quality[k];
        if values.is_empty() {
            continue;
        }
        let n = values.len() as f64;
        let mean_psnr = values.iter().map(|v| v.0).sum::<f64>() / n;
        let min_psnr = values.iter().map(|v| v.0).fold(f64::INFINITY, f64::min);
        let mean_ssim = values.iter().map(|v| v.1).sum::<f64>() / n;
        let min_ssim = values.iter().map(|v| v.1).fold(f64::INFINITY, f64::min);
        println!("| {} | {mean_psnr:.2} | {min_psnr:.2} | {mean_ssim:.4} | {min_ssim:.4} |", kind.label());
    }
    println!("\nPSNR (dB) / SSIM per photo:\n");
    let header: Vec<&str> = Kind::ALL.iter().map(|k| k.label()).collect();
    println!("| photo | {} |", header.join(" | "));
    println!("|---|{}", "---|".repeat(header.len()));
    for (p, photo) in photos.iter().enumerate() {
        let row: Vec<String> =
            quality.iter().map(|values| format!("{:.2} / {:.4}", values[p].0, values[p].1)).collect();
        println!("| {photo} | {} |", row.join(" | "));
    }
    println!("\n| type | attack | pass | mean status | min status | beyond reach |");
    println!("|---|---|---|---|---|---|");
    for (k, kind) in Kind::ALL.iter().enumerate() {
        for (a, attack) in Attack::ALL.iter().enumerate() {
            let cell = &cells[k][a];
            if cell.runs == 0 {
                continue;
            }
            let mean = cell.statuses.iter().map(|&s| f64::from(s)).sum::<f64>() / cell.runs as f64;
            let min = cell.statuses.iter().copied().min().unwrap_or(0);
            let beyond = if *kind == Kind::Text { cell.beyond_reach.to_string() } else { "-".to_string() };
            println!(
                "| {} | {} | {}/{} | {mean:.1} | {min} | {beyond} |",
                kind.label(),
                attack.label(),
                cell.passes,
                cell.runs
            );
        }
    }
}

/// A measured channel in words, for the progress log.
fn describe(channel: TextChannel) -> String {
    format!("reach {:.1} (capacity {:.1}) for {} bits", channel.reach_bits, channel.capacity_bits, channel.payload_bits)
}

/// The measured channel of `text` in `received` (a received image always holds a tile here).
fn text_channel(key: &[u8], received: &RgbaImage, text: &str) -> TextChannel {
    let (w, h) = received.dimensions();
    mogr_blindmark::measure_text(key, received, w, h, text).unwrap().expect("image large enough to search")
}

/// Keys and texts of the length table: one text of each length per key.
const LENGTH_KEYS: [&[u8]; 4] = [b"mogr-robustness-key", b"length-key-1", b"length-key-2", b"length-key-3"];
const LENGTH_TEXTS: [[&str; 4]; 4] = [
    ["Ab12", "mogr2026", "Hello2026xyz", "ABCDEFGHIJKLmnop"],
    ["zz99", "K7q2Lm4P", "a1b2c3d4e5f6", "0123456789abcdef"],
    ["User", "Leak0042", "Dept7Room301", "Q9w8E7r6T5y4U3i2"],
    ["7XyZ", "photoABC", "Z0Y1X2W3V4U5", "staff00000012345"],
];

/// Reads of one length on one photo: all runs, and those within the measured reach.
#[derive(Default, Clone, Copy)]
struct LengthCell {
    runs: usize,
    reads: usize,
    in_reach: usize,
    reads_in_reach: usize,
}

impl LengthCell {
    fn add(&mut self, read: bool, within_reach: bool) {
        self.runs += 1;
        self.reads += usize::from(read);
        self.in_reach += usize::from(within_reach);
        self.reads_in_reach += usize::from(read && within_reach);
    }

    /// `reads/runs`, and how many runs were beyond reach when some were.
    fn label(&self) -> String {
        let beyond = self.runs - self.in_reach;
        let note = if beyond > 0 { format!(" ({beyond} beyond reach)") } else { String::new() };
        format!("{}/{}{note}", self.reads, self.runs)
    }
}

/// Texts of 4, 8, 12 and 16 characters under the full combination, over several keys: reads,
/// runs beyond the measured reach, and the mean measured capacity and reach.
fn text_lengths(photos: &[&str]) {
    let lengths: Vec<usize> = LENGTH_TEXTS[0].iter().map(|t| t.len()).collect();
    let mut payloads = vec![0usize; lengths.len()];
    let (mut rows, mut total) = (Vec::new(), LengthCell::default());
    for photo in photos {
        let original = support::load(photo);
        let (w, h) = original.dimensions();
        let mut cells = vec![LengthCell::default(); lengths.len()];
        let (mut capacity, mut reach) = (0.0, 0.0);
        for (key, texts) in LENGTH_KEYS.iter().zip(&LENGTH_TEXTS) {
            for (column, text) in texts.iter().enumerate() {
                let mut marked = original.clone();
                mogr_blindmark::embed_text(key, &mut marked, w, h, text).unwrap();
                let received = Attack::Combined.apply(&marked);
                let (rw, rh) = received.dimensions();
                let found = mogr_blindmark::extract_text(key, &received, rw, rh).unwrap();
                let read = found.text.as_deref() == Some(*text) && found.status > 75;
                let channel = text_channel(key, &received, text);
                if !read && channel.within_reach() {
                    eprintln!("  MISS within reach: {photo} {text}: {}", describe(channel));
                }
                cells[column].add(read, channel.within_reach());
                total.add(read, channel.within_reach());
                payloads[column] = channel.payload_bits;
                capacity += channel.capacity_bits;
                reach += channel.reach_bits;
            }
        }
        let runs = (LENGTH_KEYS.len() * lengths.len()) as f64;
        let labels: Vec<String> = cells.iter().map(LengthCell::label).collect();
        rows.push(format!(
            "| {photo} ({w}x{h}) | {} | {:.0} | {:.0} |",
            labels.join(" | "),
            capacity / runs,
            reach / runs
        ));
    }
    println!("\nText length under the full combination (crop 10 % + 50 % + bright +20 + JPEG q70),");
    println!(
        "{} keys each: texts read / runs (and runs whose payload is beyond the measured reach),",
        LENGTH_KEYS.len()
    );
    println!("and the channel's mean measured capacity and reach in bits.\n");
    let header: Vec<String> =
        lengths.iter().zip(&payloads).map(|(l, bits)| format!("{l} chars ({bits} bits)")).collect();
    println!("| photo | {} | mean capacity (bits) | mean reach (bits) |", header.join(" | "));
    println!("|---|{}---|---|", "---|".repeat(lengths.len()));
    rows.iter().for_each(|row| println!("{row}"));
    println!(
        "\nWithin reach: {}/{} runs read. Beyond reach: {}/{} read.",
        total.reads_in_reach,
        total.in_reach,
        total.reads - total.reads_in_reach,
        total.runs - total.in_reach
    );
}

/// Every decodable corpus image (outside `hostile/`, at most 40 Mpx, at least 64 px a side),
/// unmarked: text and mark statuses.
fn false_positives(filter: &str) {
    let mut files = Vec::new();
    collect(&support::corpus(), &mut files);
    files.sort();
    let (mut images, mut text_hits, mut mark_hits, mut text_max, mut mark_max) = (0, 0, 0, 0u8, 0u8);
    let mark = support::sample_mark(32);
    for file in files.iter().filter(|f| f.to_string_lossy().contains(filter)) {
        let Ok(reader) = image::ImageReader::open(file).and_then(|r| r.with_guessed_format()) else { continue };
        let Ok((w, h)) = reader.into_dimensions() else { continue };
        if u64::from(w) * u64::from(h) > 40_000_000 || w < 64 || h < 64 {
            continue;
        }
        let Ok(decoded) = image::open(file) else { continue };
        let rgba = decoded.to_rgba8();
        let (w, h) = rgba.dimensions();
        let text = mogr_blindmark::extract_text(KEY, &rgba, w, h).unwrap();
        let status = mogr_blindmark::detect_mark(KEY, &rgba, w, h, &mark).unwrap();
        images += 1;
        text_hits += usize::from(text.status >= 60 || text.text.is_some());
        mark_hits += usize::from(status >= 60);
        text_max = text_max.max(text.status);
        mark_max = mark_max.max(status);
        if text.status >= 60 || status >= 60 {
            eprintln!("  false positive? {} text {:?}/{} mark {status}", file.display(), text.text, text.status);
        }
    }
    println!("\nUnmarked corpus images (every decodable file outside `hostile/`, 64 px to 40 Mpx): {images}.\n");
    println!("| detector | status >= 60 | max status |");
    println!("|---|---|---|");
    println!("| type 3 text | {text_hits}/{images} | {text_max} |");
    println!("| type 2 mark | {mark_hits}/{images} | {mark_max} |");
}

fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if !path.ends_with("hostile") {
                collect(&path, out);
            }
        } else {
            out.push(path);
        }
    }
}
