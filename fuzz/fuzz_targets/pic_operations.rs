//! Fuzzes `mogr_syntax::parse_pic_operations`: no input may panic; every accepted header
//! round-trips through its canonical JSON (`Display`), which is a fixed point; every refused
//! header gets an error whose offset lies inside the input and whose message is not empty.
//!
//! `crates/mogr-syntax/tests/regression.rs` replays `testdata/regression/pic_operations/`
//! through the same checks.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match mogr_syntax::parse_pic_operations(input) {
        Ok(p) => {
            let c = p.to_string();
            let p2 = mogr_syntax::parse_pic_operations(&c).expect("the canonical JSON of an accepted header parses");
            assert_eq!(p2, p, "canonical JSON {c:?} parses to different operations");
            assert_eq!(p2.to_string(), c, "the canonical JSON is not a fixed point");
        }
        Err(err) => {
            assert!(
                err.offset() <= input.len(),
                "error offset {} past the input's {} bytes",
                err.offset(),
                input.len()
            );
            assert!(!err.to_string().is_empty(), "empty error message");
        }
    }
});
