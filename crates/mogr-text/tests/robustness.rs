//! Any text, font name and size gives a consistent coverage or an error, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::LIBRARY;
use mogr_text::{FontLibrary, TextRequest};
use proptest::prelude::*;

fn font_name() -> impl Strategy<Value = Option<String>> {
    let names: Vec<String> = FontLibrary::font_names().iter().map(|name| name.to_string()).collect();
    prop_oneof![Just(None), proptest::sample::select(names).prop_map(Some), "\\PC{0,12}".prop_map(Some)]
}

fn size() -> impl Strategy<Value = u32> {
    prop_oneof![0..120_u32, Just(u32::MAX), any::<u32>()]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn never_panics(text in "\\PC{0,24}|[a-z水印すか\\n\\t\\r\u{301}\u{200d}\u{e000} ]{0,24}", font in font_name(), size_pt in size()) {
        let request = TextRequest { text: &text, font: font.as_deref(), size_pt, max_pixels: 4_000_000 };
        if let Ok(coverage) = LIBRARY.render(&request) {
            prop_assert_eq!(coverage.data.len(), coverage.width as usize * coverage.height as usize);
            let layout = coverage.layout;
            prop_assert!(layout.left + layout.width <= coverage.width);
            prop_assert!(layout.top + layout.height <= coverage.height);
            prop_assert!(u64::from(coverage.width) * u64::from(coverage.height) <= 4_000_000);
        }
    }
}
