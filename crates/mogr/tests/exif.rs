//! The `exif` report through the facade: tags by name from JPEG, HEIC, WebP and PNG inputs;
//! the spec's `{"error":"no exif data"}` without EXIF or after `strip`; and no file of the
//! corpus, hostile ones included, makes it panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use mogr::plan::Limits;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testimages")
}

fn exif(file: &str, rule: &str) -> serde_json::Value {
    let data = std::fs::read(corpus().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let response = mogr::process(&data, rule, &Limits::default()).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert_eq!(response.mime_type, "application/json");
    serde_json::from_slice(&response.body).unwrap()
}

#[test]
fn camera_tags_come_by_name() {
    let olympus = exif("jpeg/olympus_E-P3_12MP.jpg", "exif");
    assert_eq!(olympus["Make"], serde_json::json!({"val": "OLYMPUS IMAGING CORP.", "type": 2}));
    assert_eq!(olympus["Model"]["val"], "E-P3");
    assert_eq!(olympus["ExposureTime"], serde_json::json!({"val": "1/30 s", "type": 5}));
    assert_eq!(olympus["DateTime"]["val"], "2014:08:23 13:05:43");
    assert!(olympus.get("MakerNote").is_none(), "the maker note is left out");
    let iphone = exif("heic/iphone_13_pro_max.heic", "exif");
    assert_eq!(
        (iphone["Make"]["val"].as_str(), iphone["Model"]["val"].as_str()),
        (Some("Apple"), Some("iPhone 13 Pro Max"))
    );
}

#[test]
fn no_exif_answers_the_spec_error() {
    let none = serde_json::json!({"error": "no exif data"});
    assert_eq!(exif("png/pngsuite/basn2c08.png", "exif"), none);
    assert_eq!(exif("jpeg/olympus_E-P3_12MP.jpg", "imageMogr2/strip|exif"), none);
    // Without strip, the EXIF written back is reported (orientation upright after auto-orient).
    let kept = exif("exif-orientation/Landscape_6.jpg", "imageMogr2/auto-orient|exif");
    assert_eq!(kept["Orientation"]["val"], "row 0 at top and column 0 at left");
}

#[test]
fn no_file_of_the_corpus_makes_exif_panic() {
    let mut pending = vec![corpus()];
    let mut answered = 0;
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let data = std::fs::read(&path).unwrap();
            if let Ok(response) = mogr::process(&data, "exif", &Limits::default()) {
                let json: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
                assert!(json.is_object(), "{}", path.display());
                answered += 1;
            }
        }
    }
    assert!(answered > 300, "only {answered} files answered");
}
