//! The whole shared corpus through `mogr::process`: every real image becomes a PNG thumbnail
//! of exactly the planned size; PngSuite's deliberately broken `x*` files are refused with an
//! error; every hostile file ends in an error or a result, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use mogr::plan::Limits;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testimages")
}

/// Every file below `dir`, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Files the decoders do not read yet: they must fail with -443 (unsupported), and this list
/// shrinks as support arrives (every format of the corpus has a decoder now).
fn not_supported_yet(name: &str) -> bool {
    const VARIANTS: &[&str] = &[];
    VARIANTS.contains(&name)
}

/// Whether the file is an image (the corpus also keeps PngSuite's licence and readme).
fn is_image(path: &Path) -> bool {
    const EXTENSIONS: &[&str] =
        &["jpg", "jpeg", "png", "gif", "webp", "bmp", "heic", "heif", "avif", "avifs", "tif", "tiff", "svg", "ico"];
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

#[test]
fn every_real_image_becomes_a_png_thumbnail() {
    let rule = "imageMogr2/thumbnail/64x64/format/png";
    let mut failures = Vec::new();
    let mut converted = 0;
    for path in files(&corpus()) {
        let name = path.strip_prefix(corpus()).unwrap().display().to_string();
        if name.starts_with("hostile/") || !is_image(&path) {
            continue;
        }
        let image = std::fs::read(&path).unwrap();
        let broken_on_purpose = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('x'))
            && name.starts_with("png/pngsuite/");
        match mogr::process(&image, rule, &Limits::default()) {
            Ok(_) if broken_on_purpose => failures.push(format!("{name}: a broken PngSuite file was accepted")),
            Ok(_) if not_supported_yet(&name) => failures.push(format!("{name}: now supported: update the list")),
            Ok(response) => {
                let decoded = image::load_from_memory(&response.body).map(|i| (i.width(), i.height()));
                match decoded {
                    Ok(size) if size == (response.width, response.height) && size.0.max(size.1) == 64 => converted += 1,
                    other => {
                        failures.push(format!("{name}: {other:?} for a planned {}x{}", response.width, response.height))
                    }
                }
            }
            Err(e) if broken_on_purpose || (not_supported_yet(&name) && e.code().number() == -443) => {}
            // Over the spec's limits (e.g. a 380-frame GIF): refused from the headers.
            Err(e) if e.code().number() == -447 => {}
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(converted > 250, "only {converted} files converted");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn hostile_files_end_in_an_error_or_a_result() {
    for path in files(&corpus().join("hostile")) {
        let image = std::fs::read(&path).unwrap();
        let started = std::time::Instant::now();
        let _ = mogr::process(&image, "imageMogr2/thumbnail/64x/format/png", &Limits::default());
        assert!(started.elapsed().as_secs() < 10, "{} took {:?}", path.display(), started.elapsed());
    }
}
