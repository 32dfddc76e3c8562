//! Font names, resolution to installed files, and the errors of a server missing fonts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::LIBRARY;
use mogr_text::{FontLibrary, TextError, TextRequest};

const SPEC_NAMES: [&str; 12] = [
    "SimFang.ttf",
    "SimHei.ttf",
    "SimKai.ttf",
    "SimSun.ttc",
    "STHeiti-Light.ttc",
    "STHeiti-Medium.ttc",
    "YouYuan.ttf",
    "Ahronbd.ttf",
    "Arial.ttf",
    "Ariblk.ttf",
    "Helvetica.dfont",
    "HelveticaNeue.dfont",
];

#[test]
fn font_names_are_the_spec_list_and_the_default() {
    let mut expected: Vec<&str> = SPEC_NAMES.to_vec();
    expected.push("Tahoma.ttf");
    assert_eq!(FontLibrary::font_names(), expected.as_slice());
}

#[test]
fn every_spec_name_resolves_to_an_installed_face() {
    for name in FontLibrary::font_names() {
        let source = LIBRARY.resolve(Some(name)).unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(source.name, *name);
        assert!(source.path.is_file(), "{name}: {}", source.path.display());
    }
}

#[test]
fn spec_names_resolve_to_the_chosen_open_fonts() {
    let expectations = [
        ("SimHei.ttf", "NotoSansCJK-Regular.ttc", 2),
        ("STHeiti-Light.ttc", "NotoSansCJK-Regular.ttc", 2),
        ("STHeiti-Medium.ttc", "NotoSansCJK-Bold.ttc", 2),
        ("YouYuan.ttf", "NotoSansCJK-Regular.ttc", 2),
        ("SimSun.ttc", "NotoSerifCJK-Regular.ttc", 2),
        ("SimFang.ttf", "NotoSerifCJK-Regular.ttc", 2),
        ("SimKai.ttf", "ukai.ttc", 0),
        ("Ahronbd.ttf", "DejaVuSans-Bold.ttf", 0),
        ("Arial.ttf", "LiberationSans-Regular.ttf", 0),
        ("Ariblk.ttf", "LiberationSans-Bold.ttf", 0),
        ("Helvetica.dfont", "LiberationSans-Regular.ttf", 0),
        ("HelveticaNeue.dfont", "LiberationSans-Regular.ttf", 0),
        ("Tahoma.ttf", "DejaVuSans.ttf", 0),
    ];
    for (name, file, index) in expectations {
        let source = LIBRARY.resolve(Some(name)).unwrap();
        assert_eq!(file_name(&source.path), file, "{name}");
        assert_eq!(source.index, index, "{name}");
    }
    let arial = LIBRARY.resolve(Some("Arial.ttf")).unwrap();
    assert!(
        arial.path.to_string_lossy().contains("liberation2"),
        "OFL Liberation 2 preferred: {}",
        arial.path.display()
    );
}

#[test]
fn the_default_font_is_tahoma() {
    assert_eq!(LIBRARY.resolve(None).unwrap(), LIBRARY.resolve(Some("Tahoma.ttf")).unwrap());
}

#[test]
fn names_ignore_case_and_extension() {
    let simhei = LIBRARY.resolve(Some("SimHei.ttf")).unwrap();
    for spelling in ["simhei", "SIMHEI", "simhei.ttf", "SimHei.TTF"] {
        assert_eq!(LIBRARY.resolve(Some(spelling)).unwrap(), simhei, "{spelling}");
    }
    assert_eq!(LIBRARY.resolve(Some("helveticaneue")).unwrap().name, "HelveticaNeue.dfont");
}

#[test]
fn unknown_names_are_the_rules_fault() {
    for name in ["Comic Sans.ttf", "SimHei.ttc", "", "simhei ", "../SimHei.ttf", "Arial.ttf.ttf"] {
        let err = LIBRARY.resolve(Some(name)).unwrap_err();
        assert_eq!(err, TextError::UnknownFont { name: name.to_string() });
        assert!(err.is_request_fault());
        assert!(err.to_string().contains("STHeiti-Light.ttc"), "{err}");
        let request = TextRequest { text: "x", font: Some(name), size_pt: 13, max_pixels: 1 << 20 };
        assert_eq!(LIBRARY.render(&request).unwrap_err(), err);
    }
}

#[test]
fn a_server_without_the_fonts_names_the_package() {
    let library = FontLibrary::from_dirs(vec![scratch_dir("empty")]);
    let err = library.resolve(Some("SimHei.ttf")).unwrap_err();
    match &err {
        TextError::FontMissing { font, files, package } => {
            assert_eq!(font, "SimHei.ttf");
            assert_eq!(*package, "fonts-noto-cjk");
            assert!(files.iter().any(|file| file == "NotoSansCJK-Regular.ttc"), "{files:?}");
        }
        other => panic!("expected FontMissing, got {other:?}"),
    }
    assert!(!err.is_request_fault());
    assert!(err.to_string().contains("fonts-noto-cjk"), "{err}");
}

#[test]
fn a_missing_fallback_is_the_servers_fault_only_when_needed() {
    let dir = scratch_dir("dejavu-only");
    link(&LIBRARY.resolve(None).unwrap().path, &dir.join("DejaVuSans.ttf"));
    let library = FontLibrary::from_dirs(vec![dir]);
    let latin = TextRequest { text: "Hello", font: None, size_pt: 13, max_pixels: 1 << 20 };
    assert!(library.render(&latin).is_ok());
    let han = TextRequest { text: "Hello 世界", ..latin };
    assert!(matches!(library.render(&han), Err(TextError::FontMissing { package: "fonts-noto-cjk", .. })));
}

#[test]
fn an_operators_licensed_file_wins_over_the_stand_in() {
    let dir = scratch_dir("operator");
    let dejavu = LIBRARY.resolve(None).unwrap().path;
    link(&dejavu, &dir.join("ARIAL.TTF"));
    let library = FontLibrary::from_dirs(vec![dir.clone(), PathBuf::from("/usr/share/fonts")]);
    assert_eq!(library.resolve(Some("Arial.ttf")).unwrap().path, dir.join("ARIAL.TTF"));
    let request = |font| TextRequest { text: "Watermark", font: Some(font), size_pt: 20, max_pixels: 1 << 20 };
    assert_eq!(library.render(&request("Arial.ttf")).unwrap(), library.render(&request("Tahoma.ttf")).unwrap());
}

#[test]
fn the_library_is_cheap_to_share_between_threads() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<FontLibrary>();
    let library = LIBRARY.clone();
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let library = library.clone();
            std::thread::spawn(move || {
                library.render(&TextRequest { text: "水印", font: None, size_pt: 20, max_pixels: 1 << 20 }).unwrap()
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|handle| handle.join().unwrap()).collect();
    assert_eq!(results[0], results[1]);
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// A fresh, empty folder for this test.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("mogr-text-fonts-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn link(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap();
}
