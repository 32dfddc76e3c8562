//! Helpers shared by the integration tests: one font library per test binary (the CJK collections
//! are read once), gray images, ink boxes and PNG files.

#![allow(dead_code)]

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use mogr_text::{Coverage, FontLibrary, TextError, TextRequest};

/// The system library, shared by every test of a binary.
pub static LIBRARY: LazyLock<FontLibrary> = LazyLock::new(FontLibrary::system);

/// A limit no test text reaches.
pub const MAX_PIXELS: u64 = 50_000_000;

/// Renders with the shared library.
pub fn render(text: &str, font: Option<&str>, size_pt: u32) -> Result<Coverage, TextError> {
    LIBRARY.render(&TextRequest { text, font, size_pt, max_pixels: MAX_PIXELS })
}

/// Renders what must render.
pub fn rendered(text: &str, font: Option<&str>, size_pt: u32) -> Coverage {
    render(text, font, size_pt).unwrap_or_else(|err| panic!("rendering {text:?} in {font:?}: {err}"))
}

/// An 8-bit gray image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gray {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl Gray {
    pub fn from_coverage(coverage: &Coverage) -> Gray {
        Gray { width: coverage.width, height: coverage.height, data: coverage.data.clone() }
    }

    pub fn blank(width: u32, height: u32) -> Gray {
        Gray { width, height, data: vec![0; width as usize * height as usize] }
    }

    /// The value at `(x, y)`, 0 outside the image.
    pub fn at(&self, x: i64, y: i64) -> u8 {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return 0;
        }
        self.data[y as usize * self.width as usize + x as usize]
    }

    pub fn set(&mut self, x: u32, y: u32, value: u8) {
        let index = y as usize * self.width as usize + x as usize;
        self.data[index] = value;
    }

    /// The part `[x, x + width) × [y, y + height)`, 0 where it leaves the image.
    pub fn crop(&self, x: i64, y: i64, width: u32, height: u32) -> Gray {
        let mut out = Gray::blank(width, height);
        for row in 0..height {
            for column in 0..width {
                out.set(column, row, self.at(x + i64::from(column), y + i64::from(row)));
            }
        }
        out
    }

    /// Sum of all values (ink mass).
    pub fn mass(&self) -> u64 {
        self.data.iter().map(|&value| u64::from(value)).sum()
    }
}

/// An inclusive-exclusive pixel box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelBox {
    pub x0: i64,
    pub y0: i64,
    pub x1: i64,
    pub y1: i64,
}

impl PixelBox {
    pub fn width(&self) -> i64 {
        self.x1 - self.x0
    }
    pub fn height(&self) -> i64 {
        self.y1 - self.y0
    }
}

/// The box of the pixels at or above `threshold`, `None` if there are none.
pub fn ink_box(image: &Gray, threshold: u8) -> Option<PixelBox> {
    let mut found: Option<PixelBox> = None;
    for y in 0..i64::from(image.height) {
        for x in 0..i64::from(image.width) {
            if image.at(x, y) >= threshold {
                let b = found.get_or_insert(PixelBox { x0: x, y0: y, x1: x + 1, y1: y + 1 });
                b.x0 = b.x0.min(x);
                b.y0 = b.y0.min(y);
                b.x1 = b.x1.max(x + 1);
                b.y1 = b.y1.max(y + 1);
            }
        }
    }
    found
}

pub fn read_png(path: &Path) -> Gray {
    let file = File::open(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buffer = vec![0; reader.output_buffer_size().expect("PNG size")];
    let info = reader.next_frame(&mut buffer).expect("PNG data");
    let channels = info.color_type.samples();
    let data = buffer[..info.buffer_size()].chunks(channels).map(|pixel| pixel[0]).collect();
    Gray { width: info.width, height: info.height, data }
}

pub fn write_png(path: &Path, image: &Gray) {
    let file = File::create(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let mut encoder = png::Encoder::new(BufWriter::new(file), image.width, image.height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.write_header().expect("PNG header").write_image_data(&image.data).expect("PNG data");
}

/// `expected | diff | actual`, each padded to the tallest, with a gray gutter.
pub fn side_by_side(expected: &Gray, diff: &Gray, actual: &Gray) -> Gray {
    let parts = [expected, diff, actual];
    let height = parts.iter().map(|part| part.height).max().unwrap_or(0);
    let width = parts.iter().map(|part| part.width + 2).sum::<u32>();
    let mut out = Gray { width, height, data: vec![128; width as usize * height as usize] };
    let mut left = 0;
    for part in parts {
        for y in 0..part.height {
            for x in 0..part.width {
                out.set(left + x, y, part.at(i64::from(x), i64::from(y)));
            }
        }
        left += part.width + 2;
    }
    out
}

/// Where a test writes the pictures of a failed comparison.
pub fn failure_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("mogr-text");
    std::fs::create_dir_all(&dir).expect("failure folder");
    dir
}

/// The folder of the reference files.
pub fn reference_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference")
}
