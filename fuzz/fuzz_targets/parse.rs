//! Fuzzes `mogr_syntax::parse` with `check_parse` of `fuzz/checks/syntax.rs`, which
//! `crates/mogr-syntax/tests/regression.rs` also replays `testdata/regression/parse/` through.

#![no_main]

#[path = "../checks/syntax.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(message) = checks::check_parse(input) {
        panic!("{message}");
    }
});
