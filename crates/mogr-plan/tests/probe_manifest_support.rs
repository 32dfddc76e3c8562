//! Checks that the manifest reader the probe tests share reads the manifest.

#![allow(clippy::unwrap_used)]

mod support;

use support::{frames_in, manifest, read};

#[test]
fn the_manifest_is_read() {
    let all = manifest();
    assert!(all.len() > 350, "{} rows", all.len());
    let olympus = all.iter().find(|e| e.file == "jpeg/olympus_E-P3_12MP.jpg").unwrap();
    assert_eq!(olympus.size, Some((4032, 3024)));
    let muybridge = all.iter().find(|e| e.file == "gif/muybridge.gif").unwrap();
    assert_eq!(muybridge.frames, Some(380));
    assert_eq!(frames_in("animated WebP, 97 frames, tall narrow canvas"), Some(97));
    assert_eq!(frames_in("single frame"), None);
    assert!(read("gif/muybridge.gif").starts_with(b"GIF8"));
}
