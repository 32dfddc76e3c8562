//! Fuzzes `mogr_syntax::parse`: no input may panic; every accepted rule round-trips through its
//! canonical form (`parse(p.to_string()) == p`, and the canonical form is a fixed point); every
//! refused rule gets an error whose offset lies inside the input and whose message is not empty.
//!
//! `crates/mogr-syntax/tests/regression.rs` replays `testdata/regression/parse/` through the
//! same checks.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match mogr_syntax::parse(input) {
        Ok(p) => {
            let c = p.to_string();
            let p2 = mogr_syntax::parse(&c).expect("the canonical form of an accepted rule parses");
            assert_eq!(p2, p, "canonical form {c:?} parses to a different pipeline");
            assert_eq!(p2.to_string(), c, "the canonical form is not a fixed point");
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
