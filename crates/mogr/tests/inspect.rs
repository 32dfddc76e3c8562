//! `ci-process=ImageInspect` through the facade: a transport stream appended to a PNG or a
//! BMP, or renamed as an image, is found where it lies; no real image of the shared corpus is
//! called suspicious.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use mogr::plan::Limits;

const RULE: &str = "ci-process=ImageInspect";

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testimages")
}

/// `count` MPEG-TS packets (sync byte, PID 0x100, payload only, continuity counter).
fn transport_stream(count: usize) -> Vec<u8> {
    (0..count)
        .flat_map(|n| {
            let header = [0x47, 0x01, 0x00, 0x10 | (n % 16) as u8];
            header.into_iter().chain((4..188).map(move |i| ((i * 31 + n * 17) % 256) as u8))
        })
        .collect()
}

fn inspect(data: &[u8]) -> serde_json::Value {
    let response = mogr::process(data, RULE, &Limits::default()).unwrap();
    assert_eq!(response.mime_type, "application/json");
    serde_json::from_slice(&response.body).unwrap()
}

#[test]
fn a_stream_after_a_png_or_a_bmp_is_found() {
    for (file, pic_type) in [("png/pngsuite/basn2c08.png", "PNG"), ("bmp/Info_R8_G8_B8_Top_Down.bmp", "BMP")] {
        let mut data = std::fs::read(corpus().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let image_len = data.len();
        data.extend(transport_stream(40));
        let json = inspect(&data);
        assert_eq!(json["picType"], pic_type, "{file}");
        assert_eq!(json["picSize"], data.len(), "{file}");
        assert_eq!(json["suspicious"], true, "{file}");
        assert_eq!(json["suspiciousBeginByte"], image_len, "{file}");
        assert_eq!(json["suspiciousEndByte"], data.len() - 1, "{file}");
        assert_eq!(json["suspiciousSize"], 40 * 188, "{file}");
        assert_eq!(json["suspiciousType"], "MPEG-TS", "{file}");
    }
}

#[test]
fn a_stream_named_as_an_image_is_suspicious_from_its_first_byte() {
    let json = inspect(&transport_stream(100));
    assert_eq!(json["picType"], "UNKNOWN");
    assert_eq!((json["suspicious"].as_bool(), json["suspiciousBeginByte"].as_u64()), (Some(true), Some(0)));
    // Bytes that are neither an image nor a stream are still an error for other rules.
    assert!(mogr::process(&transport_stream(100), "imageInfo", &Limits::default()).is_err());
}

#[test]
fn no_real_image_of_the_corpus_is_suspicious() {
    let mut pending = vec![corpus()];
    let mut checked = 0;
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.strip_prefix(corpus()).unwrap().display().to_string();
            if path.is_dir() {
                if !name.starts_with("hostile") {
                    pending.push(path);
                }
                continue;
            }
            if !is_image(&path) {
                continue;
            }
            let data = std::fs::read(&path).unwrap();
            if let Ok(response) = mogr::process(&data, RULE, &Limits::default()) {
                let json: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
                assert_eq!(json["suspicious"], false, "{name}");
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "only {checked} images inspected");
}

fn is_image(path: &Path) -> bool {
    const EXTENSIONS: &[&str] =
        &["jpg", "jpeg", "png", "gif", "webp", "bmp", "heic", "heif", "avif", "avifs", "tif", "tiff"];
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}
