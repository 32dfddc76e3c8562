//! Renders a text to a grayscale PNG, to look at: `cargo run -p mogr-text --example render --
//! TEXT [FONT] [SIZE] [OUT.png]` (font name as a rule writes it, `-` for the default).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs::File;
use std::io::BufWriter;

use mogr_text::{FontLibrary, TextRequest};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = args.first().map_or("水印 Test", String::as_str);
    let font = args.get(1).map(String::as_str).filter(|font| *font != "-");
    let size_pt = args.get(2).map_or(48, |size| size.parse().expect("SIZE is a number"));
    let out = args.get(3).map_or("text.png", String::as_str);
    let request = TextRequest { text, font, size_pt, max_pixels: 100_000_000 };
    let coverage = FontLibrary::system().render(&request).unwrap_or_else(|err| panic!("{err}"));
    println!("{}x{} layout {:?}", coverage.width, coverage.height, coverage.layout);
    let mut encoder = png::Encoder::new(BufWriter::new(File::create(out).unwrap()), coverage.width, coverage.height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.write_header().unwrap().write_image_data(&coverage.data).unwrap();
}
